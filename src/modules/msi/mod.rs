//! The `msi` module: Windows Installer packages. YARA-X reports their
//! Authenticode signatures; spoor adds the installer's summary information,
//! its tables (with the `Property` table as a dictionary) and its other
//! streams.
//!
//! An MSI is a compound file (read by `src/modules/cfb.rs`, the reader the
//! `olecf` and `vba` modules share) whose root holds packed-name streams
//! (`names.rs`): the string pool and one stream per table (`database.rs`),
//! `\x05SummaryInformation` (`summary.rs`), cabinets and binaries, and the
//! signature (`signature.rs`).

mod database;
mod declaration;
mod names;
mod signature;
mod summary;

use std::collections::BTreeMap;

use crate::modules::cfb::{CompoundFile, Entry, EntryType};
use crate::modules::pe;
use crate::modules::schema::{FieldType, FormatModule, count, int, text};
use crate::modules::{Module, ModuleData};
use database::{Cell, Column, Reader, StringPool};
use declaration::{MsiColumn, MsiModule, MsiStream, MsiTable, SummaryInformation};
use summary::Property;

/// The `msi` module.
pub(crate) static MSI: &dyn Module = &FormatModule::<MsiModule>::new("msi", parse_module);

/// The column type bit of primary keys.
const TYPE_KEY: u16 = 0x2000;

/// The module's data for one input: a compound file whose entry 0 is its
/// root, or nothing.
fn parse_module(data: &[u8]) -> ModuleData {
    let file = CompoundFile::open(data);
    let root = match file.as_ref().and_then(|file| Some((file, file.root()?))) {
        Some((file, root)) => build(file, root, data.len()),
        None => MsiModule {
            is_signed: Some(false),
            signatures: Some(Vec::new()),
            is_msi: Some(false),
            ..MsiModule::default()
        },
    };
    ModuleData { value: root.into_value(), native: None }
}

fn build(file: &CompoundFile<'_>, root_entry: &Entry, size: usize) -> MsiModule {
    let signatures = signature::signatures(file, root_entry, size);
    let mut root = MsiModule {
        is_signed: Some(!signatures.is_empty()),
        signatures: Some(signatures.iter().map(pe::signature_value).collect()),
        is_msi: Some(false),
        ..MsiModule::default()
    };
    // The root's streams by unpacked name.
    let streams: BTreeMap<String, &Entry> = file
        .children(root_entry)
        .into_iter()
        .filter(|e| e.kind == EntryType::Stream)
        .map(|e| (names::decode(&e.units), e))
        .collect();
    let read = |name: &str| streams.get(name).map(|e| file.read(e, usize::MAX));
    if let Some(summary) = read("\u{5}SummaryInformation") {
        root.summary = Some(summary_information(&summary::parse(&summary)));
    }
    let others: Vec<MsiStream> = streams
        .iter()
        .filter(|(name, _)| !name.starts_with('!'))
        .map(|(name, e)| MsiStream {
            name: text(name),
            size: int(e.size.min(i64::MAX as u64) as i64),
        })
        .collect();
    root.number_of_streams = count(others.len());
    root.streams = Some(others);
    let (Some(pool), Some(string_data), Some(table_list)) =
        (read("!_StringPool"), read("!_StringData"), read("!_Tables"))
    else {
        return root;
    };
    let pool = StringPool::parse(&pool, &string_data);
    let mut reader = Reader::new(&pool);
    let mut columns = reader.columns(&read("!_Columns").unwrap_or_default());
    let names = reader.table_names(&table_list);
    let tables: Vec<MsiTable> = names
        .iter()
        .map(|name| {
            let columns = columns.remove(name).unwrap_or_default();
            let stream = read(&format!("!{}", String::from_utf8_lossy(name))).unwrap_or_default();
            let rows = reader.rows(&stream, &columns);
            table(name, &columns, &rows)
        })
        .collect();
    root.is_msi = Some(true);
    root.codepage = int(pool.codepage);
    root.number_of_tables = count(names.len());
    root.properties = Some(properties(&tables));
    root.tables = Some(tables);
    root
}

/// A table as the module lays it out.
fn table(name: &[u8], columns: &[Column], rows: &[Vec<Cell>]) -> MsiTable {
    let keys: Vec<usize> =
        (0..columns.len()).filter(|&i| columns[i].kind & TYPE_KEY != 0).collect();
    let row_text = |row: &Vec<Cell>| -> Vec<Vec<u8>> {
        row.iter()
            .map(|cell| match cell {
                Cell::Null => Vec::new(),
                Cell::Integer(i) => i.to_string().into_bytes(),
                Cell::String(s) => s.clone(),
                Cell::Binary => binary_stream_name(name, &keys, row),
            })
            .collect()
    };
    MsiTable {
        name: text(name),
        columns: Some(
            columns
                .iter()
                .map(|c| MsiColumn { name: text(&c.name), r#type: int(c.kind) })
                .collect(),
        ),
        number_of_rows: count(rows.len()),
        rows: Some(rows.iter().map(row_text).collect()),
    }
}

/// The stream of a binary cell: the table name and the row's key values,
/// joined with dots.
fn binary_stream_name(table: &[u8], keys: &[usize], row: &[Cell]) -> Vec<u8> {
    let mut name = table.to_vec();
    for &k in keys {
        name.push(b'.');
        match &row[k] {
            Cell::String(s) => name.extend_from_slice(s),
            Cell::Integer(i) => name.extend_from_slice(i.to_string().as_bytes()),
            Cell::Null | Cell::Binary => {}
        }
    }
    name
}

/// The `Property` table as a dictionary.
fn properties(tables: &[MsiTable]) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let Some(table) = tables.iter().find(|t| t.name.as_deref() == Some(b"Property")) else {
        return BTreeMap::new();
    };
    table
        .rows
        .iter()
        .flatten()
        .filter_map(|row| match &row[..] {
            [name, value, ..] => Some((name.clone(), value.clone())),
            _ => None,
        })
        .collect()
}

/// The summary properties by their Windows Installer names.
fn summary_information(properties: &[(u32, Property)]) -> SummaryInformation {
    let mut info = SummaryInformation::default();
    for (id, value) in properties {
        match (id, value.clone()) {
            (1, Property::Integer(i)) => info.codepage = Some(i & 0xFFFF),
            (2, Property::String(s)) => info.title = Some(s),
            (3, Property::String(s)) => info.subject = Some(s),
            (4, Property::String(s)) => info.author = Some(s),
            (5, Property::String(s)) => info.keywords = Some(s),
            (6, Property::String(s)) => info.comments = Some(s),
            (7, Property::String(s)) => info.template = Some(s),
            (8, Property::String(s)) => info.last_saved_by = Some(s),
            (9, Property::String(s)) => info.revision_number = Some(s),
            (11, Property::Time(t)) => info.last_printed = Some(t),
            (12, Property::Time(t)) => info.create_time = Some(t),
            (13, Property::Time(t)) => info.last_save_time = Some(t),
            (14, Property::Integer(i)) => info.page_count = Some(i),
            (15, Property::Integer(i)) => info.word_count = Some(i),
            (16, Property::Integer(i)) => info.character_count = Some(i),
            (18, Property::String(s)) => info.creating_application = Some(s),
            (19, Property::Integer(i)) => info.security = Some(i),
            _ => {}
        }
    }
    info
}
