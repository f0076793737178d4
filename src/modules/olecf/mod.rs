//! The `olecf` module: the storages and streams of compound files (OLE
//! documents such as `.doc`, `.xls` and `.msi`, HWP 5 documents, VBA
//! projects) as YARA-X's `olecf` module lists them: each directory entry
//! in use, in directory order, with its name, type and size.

mod declaration;

use crate::modules::cfb::{CompoundFile, EntryType};
use crate::modules::schema::{FieldType, FormatModule, text, uint};
use crate::modules::{Module, ModuleData};
use declaration::{OlecfModule, Stream, StreamType};

/// The `olecf` module.
pub(crate) static OLECF: &dyn Module = &FormatModule::<OlecfModule>::new("olecf", parse_module);

/// The module's data for one input.
fn parse_module(data: &[u8]) -> ModuleData {
    let value = match CompoundFile::open(data) {
        Some(file) => OlecfModule {
            is_olecf: Some(true),
            streams: Some(file.entries.iter().map(stream).collect()),
        },
        None => OlecfModule { is_olecf: Some(false), ..OlecfModule::default() },
    };
    ModuleData { value: value.into_value(), native: None }
}

fn stream(entry: &crate::modules::cfb::Entry) -> Stream {
    let kind = match entry.kind {
        EntryType::Storage => StreamType::Storage,
        EntryType::Stream => StreamType::Stream,
        EntryType::Root => StreamType::Root,
    };
    Stream {
        name: text(shown_name(&entry.name)),
        r#type: Some(kind as i64),
        size: uint(entry.size),
    }
}

/// A name as YARA-X shows it: without control characters, so the
/// property set streams `\x05SummaryInformation` and `\x01CompObj` are
/// `SummaryInformation` and `CompObj`.
fn shown_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_ascii_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_left_out_of_names() {
        assert_eq!(shown_name("\u{5}SummaryInformation"), "SummaryInformation");
        assert_eq!(shown_name("Root Entry"), "Root Entry");
    }

    #[test]
    fn other_files_are_not_compound_files() {
        let parsed = parse_module(b"PK\x03\x04");
        let crate::modules::Value::Struct(fields) = parsed.value else { panic!("a structure") };
        assert!(matches!(fields[0], crate::modules::Value::Integer(0)));
        assert!(fields[1].is_undefined());
    }
}
