//! The `vba` module: the VBA project of an Office document as YARA-X's
//! `vba` module reports it: the project's name, version and references,
//! and each module's name, type and source code.
//!
//! A project is a `VBA` storage holding a `dir` stream (compressed project
//! records) and one stream per module (compressed source after an offset
//! the records give). It is found in a compound file (`Macros/VBA` in Word
//! documents, `_VBA_PROJECT_CUR/VBA` in Excel workbooks, `VBA` at the root
//! of a `vbaProject.bin`) or in the `vbaProject.bin` part of an Office Open
//! XML package (`.docm`, `.xlsm`, `.pptm`).

mod codepage;
mod declaration;
mod decompress;
mod dir;

use std::collections::HashMap;
use std::io::{Cursor, Read};

use crate::modules::cfb::{CompoundFile, Entry, EntryType};
use crate::modules::schema::{FieldType, FormatModule, int};
use crate::modules::{Module, ModuleData};
use codepage::decode;
use declaration::{
    MODULE_TYPE_CLASS, MODULE_TYPE_STANDARD, MODULE_TYPE_UNKNOWN, ProjectInfo, VbaModule,
    VbaSourceModule,
};
use dir::Project;

/// The `vba` module.
pub(crate) static VBA: &dyn Module = &FormatModule::<VbaModule>::new("vba", parse_module);

/// Bytes of decompressed `dir` stream read at most.
const MAX_DIR: usize = 16 << 20;
/// Bytes of stream or of `vbaProject.bin` read at most.
const MAX_STREAM: usize = 64 << 20;
/// Bytes of source decompressed at most, over all modules together, so
/// that many modules naming one large stream cost no more than one.
const MAX_SOURCE: usize = 64 << 20;

/// `VBA` storages tried; a file with more is hostile.
const MAX_PROJECT_STORAGES: usize = 16;

/// The zip local file header signature.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The module's data for one input.
fn parse_module(data: &[u8]) -> ModuleData {
    let value = if data.starts_with(ZIP_MAGIC) {
        package_project(data)
    } else {
        CompoundFile::open(data).as_ref().and_then(project)
    };
    let value =
        value.unwrap_or_else(|| VbaModule { has_macros: Some(false), ..VbaModule::default() });
    ModuleData { value: value.into_value(), native: None }
}

/// The project in the first `vbaProject.bin` part of an Office Open XML
/// package (its name compared without regard to case).
fn package_project(data: &[u8]) -> Option<VbaModule> {
    let mut zip = zip::ZipArchive::new(Cursor::new(data)).ok()?;
    let index = (0..zip.len()).find(|&i| {
        let name = zip.name_for_index(i);
        name.is_some_and(|n| n.is_ok_and(|n| n.to_ascii_lowercase().ends_with("vbaproject.bin")))
    })?;
    let mut bytes = Vec::new();
    zip.by_index(index).ok()?.take(MAX_STREAM as u64).read_to_end(&mut bytes).ok()?;
    project(&CompoundFile::open(&bytes)?)
}

/// The first project of `file`: the first `VBA` storage, in directory
/// order, whose `dir` stream holds project records.
fn project(file: &CompoundFile<'_>) -> Option<VbaModule> {
    file.entries
        .iter()
        .filter(|e| e.kind == EntryType::Storage && e.name.eq_ignore_ascii_case("VBA"))
        .take(MAX_PROJECT_STORAGES)
        .find_map(|storage| {
            let dir = file.child(storage, "dir")?;
            let records = decompress::decompress(&file.read(dir, MAX_STREAM), MAX_DIR)?;
            Some(report(file, storage, &dir::parse(&records)?))
        })
}

/// The module's value for `project`, whose module streams are in `storage`.
fn report(file: &CompoundFile<'_>, storage: &Entry, project: &Project) -> VbaModule {
    let in_code_page = |bytes: &[u8]| decode(bytes, project.code_page);
    // The storage's streams by name, compared without regard to case; the
    // first of equal names wins.
    let mut streams = HashMap::new();
    for entry in file.children(storage) {
        streams.entry(entry.name.to_ascii_lowercase()).or_insert(entry);
    }
    let mut budget = MAX_SOURCE;
    let modules = project
        .modules
        .iter()
        .filter_map(|module| {
            let code = source(file, &streams, project, module, &mut budget)?;
            let r#type = match module.is_procedural() {
                Some(true) => MODULE_TYPE_STANDARD,
                Some(false) => MODULE_TYPE_CLASS,
                None => MODULE_TYPE_UNKNOWN,
            };
            Some(VbaSourceModule {
                name: Some(in_code_page(&module.name)),
                r#type: Some(r#type),
                code: Some(in_code_page(&code)),
            })
        })
        .collect();
    let info = ProjectInfo {
        name: project.name.as_deref().map(in_code_page),
        version: project.version.map(|(major, minor)| format!("{major}.{minor}").into_bytes()),
        references: Some(project.references.iter().map(|r| in_code_page(r)).collect()),
        module_count: project.module_count.and_then(int),
    };
    VbaModule { has_macros: Some(true), modules: Some(modules), project_info: Some(info) }
}

/// The decompressed source of `module`: its stream among `streams` (by
/// lowercase name), named by its stream name or else its name, from its
/// offset on. `None` when the stream is missing, the offset is past its end
/// or the data is not compressed; `budget` bounds the bytes decompressed.
fn source(
    file: &CompoundFile<'_>,
    streams: &HashMap<String, &Entry>,
    project: &Project,
    module: &dir::ModuleRecord,
    budget: &mut usize,
) -> Option<Vec<u8>> {
    let names = module.stream_name.iter().chain([&module.name]);
    let stream = names
        .filter_map(|name| String::from_utf8(decode(name, project.code_page)).ok())
        .find_map(|name| streams.get(&name.to_ascii_lowercase()))?;
    let data = file.read(stream, MAX_STREAM);
    let compressed = data.get(usize::try_from(module.offset?).ok()?..)?;
    let code = decompress::decompress(compressed, *budget)?;
    *budget -= code.len();
    Some(code)
}
