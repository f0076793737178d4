//! Turns a [`ParsedPe`] into the module's declared structures, field by
//! field as YARA-X fills its `pe` protobuf.

use std::collections::BTreeMap;

use super::authenticode;
use super::declaration::{
    DataDirectory, Export, Import, ImportedFunction, KeyValue, Overlay, PeModule, Resource,
    RichSignature, RichTool, Section, Version,
};
use super::imports;
use super::parsed::ParsedPe;
use super::resources::ResourceId;
use super::signatures::{Certificate, Signature, SignerInfo};
use crate::modules::schema::{count, int, text, uint};

/// The value of a file that is not a PE: only `is_pe`, false.
pub(super) fn not_pe() -> PeModule {
    PeModule { is_pe: Some(false), ..PeModule::default() }
}

/// The value of a parsed PE file.
pub(super) fn build(pe: &ParsedPe) -> PeModule {
    let mut root = PeModule { is_pe: Some(true), ..PeModule::default() };
    headers(&mut root, pe);
    root.number_of_sections = count(pe.sections.len());
    root.sections = Some(pe.sections.iter().map(section).collect());
    let (details, functions) = imports(&pe.imports);
    root.number_of_imports = count(details.len());
    root.number_of_imported_functions = count(functions);
    root.import_details = Some(details);
    let (details, functions) = imports(&pe.delayed_imports);
    root.number_of_delayed_imports = count(details.len());
    root.number_of_delayed_imported_functions = count(functions);
    root.delayed_import_details = Some(details);
    exports(&mut root, pe);
    resources(&mut root, pe);
    version_info(&mut root, pe);
    root.rich_signature = pe.rich.as_ref().map(rich_signature);
    signatures(&mut root, &pe.signatures);
    root.pdb_path = pe.pdb_path.as_ref().and_then(text);
    root.overlay = Some(Overlay { offset: uint(pe.overlay.0), size: uint(pe.overlay.1) });
    root
}

fn version(major: impl Into<i64>, minor: impl Into<i64>) -> Option<Version> {
    Some(Version { major: int(major), minor: int(minor) })
}

fn headers(root: &mut PeModule, pe: &ParsedPe) {
    let (f, o) = (&pe.file, &pe.optional);
    root.machine = int(f.machine);
    root.timestamp = int(f.timestamp);
    root.characteristics = int(f.characteristics);
    root.pointer_to_symbol_table = int(f.symbol_table_offset);
    root.number_of_symbols = int(f.number_of_symbols);
    root.size_of_optional_header = int(f.size_of_optional_header);
    root.opthdr_magic = int(o.magic);
    root.subsystem = int(o.subsystem);
    root.size_of_code = int(o.size_of_code);
    root.base_of_code = int(o.base_of_code);
    root.entry_point_raw = int(o.entry_point);
    root.section_alignment = int(o.section_alignment);
    root.file_alignment = int(o.file_alignment);
    root.loader_flags = int(o.loader_flags);
    root.dll_characteristics = int(o.dll_characteristics);
    root.checksum = int(o.checksum);
    root.win32_version_value = int(o.win32_version);
    root.size_of_stack_reserve = uint(o.size_of_stack_reserve);
    root.size_of_stack_commit = uint(o.size_of_stack_commit);
    root.size_of_heap_reserve = uint(o.size_of_heap_reserve);
    root.size_of_heap_commit = uint(o.size_of_heap_commit);
    root.number_of_rva_and_sizes = int(o.number_of_rva_and_sizes);
    root.image_base = uint(o.image_base);
    root.size_of_image = int(o.size_of_image);
    root.size_of_headers = int(o.size_of_headers);
    root.size_of_initialized_data = int(o.size_of_initialized_data);
    root.size_of_uninitialized_data = int(o.size_of_uninitialized_data);
    root.base_of_data = o.base_of_data.map(i64::from);
    root.entry_point = pe.entry_point_offset.map(i64::from);
    root.linker_version = version(o.major_linker_version, o.minor_linker_version);
    root.os_version = version(o.major_os_version, o.minor_os_version);
    root.image_version = version(o.major_image_version, o.minor_image_version);
    root.subsystem_version = version(o.major_subsystem_version, o.minor_subsystem_version);
    root.data_directories = Some(
        pe.data_directories
            .iter()
            .map(|d| DataDirectory { virtual_address: int(d.rva), size: int(d.size) })
            .collect(),
    );
}

fn section(s: &super::headers::Section) -> Section {
    Section {
        name: text(&s.name),
        full_name: text(s.full_name.as_ref().unwrap_or(&s.name)),
        characteristics: int(s.characteristics),
        raw_data_size: int(s.raw_data_size),
        raw_data_offset: int(s.raw_data_offset),
        virtual_address: int(s.virtual_address),
        virtual_size: int(s.virtual_size),
        pointer_to_relocations: int(s.pointer_to_relocations),
        pointer_to_line_numbers: int(s.pointer_to_line_numbers),
        number_of_relocations: int(s.number_of_relocations),
        number_of_line_numbers: int(s.number_of_line_numbers),
    }
}

/// The import details of `list` and the number of functions they import.
fn imports(list: &[imports::Import]) -> (Vec<Import>, usize) {
    let functions = list.iter().map(|import| import.functions.len()).sum();
    let details = list
        .iter()
        .map(|import| Import {
            library_name: text(&import.library_name),
            number_of_functions: count(import.functions.len()),
            functions: Some(
                import
                    .functions
                    .iter()
                    .map(|f| ImportedFunction {
                        name: f.name.as_ref().and_then(text),
                        ordinal: f.ordinal.map(i64::from),
                        rva: int(f.rva),
                    })
                    .collect(),
            ),
        })
        .collect();
    (details, functions)
}

fn exports(root: &mut PeModule, pe: &ParsedPe) {
    let Some(exports) = &pe.exports else {
        root.number_of_exports = Some(0);
        root.export_details = Some(Vec::new());
        return;
    };
    root.dll_name = exports.dll_name.as_ref().and_then(text);
    root.export_timestamp = int(exports.timestamp);
    root.number_of_exports = count(exports.functions.len());
    root.export_details = Some(
        exports
            .functions
            .iter()
            .map(|e| Export {
                name: e.name.as_ref().and_then(text),
                ordinal: int(e.ordinal),
                rva: int(e.rva),
                offset: e.offset.map(i64::from),
                forward_name: e.forward_name.as_ref().and_then(text),
            })
            .collect(),
    );
}

/// A resource id as YARA-X splits it: a number or a name.
fn resource_id(id: &ResourceId) -> (Option<i64>, Option<Vec<u8>>) {
    match id {
        ResourceId::Id(n) => (int(*n), None),
        ResourceId::Name(s) => (None, text(s)),
        ResourceId::Unknown => (None, None),
    }
}

fn resources(root: &mut PeModule, pe: &ParsedPe) {
    let list: Vec<Resource> = pe
        .resources
        .iter()
        .map(|res| {
            let (r#type, type_string) = resource_id(&res.type_id);
            let (id, name_string) = resource_id(&res.name_id);
            let (language, language_string) = resource_id(&res.language);
            Resource {
                length: int(res.length),
                rva: int(res.rva),
                offset: res.offset.map(i64::from),
                r#type,
                id,
                language,
                type_string,
                name_string,
                language_string,
            }
        })
        .collect();
    root.number_of_resources = count(list.len());
    root.resources = Some(list);
    if let Some(info) = pe.resource_root {
        root.resource_timestamp = int(info.timestamp);
        root.resource_version = version(info.major_version, info.minor_version);
    }
}

fn version_info(root: &mut PeModule, pe: &ParsedPe) {
    let mut dict = BTreeMap::new();
    let list: Vec<KeyValue> = pe
        .version_info
        .iter()
        .map(|(key, value)| {
            dict.insert(key.as_bytes().to_vec(), value.as_bytes().to_vec());
            KeyValue { key: text(key), value: text(value) }
        })
        .collect();
    root.number_of_version_infos = count(list.len());
    root.version_info_list = Some(list);
    root.version_info = Some(dict);
}

fn rich_signature(rich: &super::rich::RichHeader) -> RichSignature {
    RichSignature {
        offset: count(rich.offset),
        length: count(rich.raw_data.len()),
        key: int(rich.key),
        raw_data: text(&rich.raw_data),
        clear_data: text(&rich.clear_data),
        tools: Some(
            rich.tools
                .iter()
                .map(|t| RichTool {
                    toolid: int(t.toolid),
                    version: int(t.version),
                    times: int(t.times),
                })
                .collect(),
        ),
    }
}

fn certificate(c: &authenticode::Certificate) -> Certificate {
    Certificate {
        issuer: text(&c.issuer),
        subject: text(&c.subject),
        thumbprint: text(&c.thumbprint),
        version: int(c.version),
        algorithm: text(&c.algorithm),
        algorithm_oid: text(&c.algorithm_oid),
        serial: text(&c.serial),
        not_before: int(c.not_before),
        not_after: int(c.not_after),
    }
}

/// One Authenticode signature as `pe.signatures[i]` (and
/// `msi.signatures[i]`) lays it out.
pub(crate) fn signature(s: &authenticode::Signature) -> Signature {
    let certificates: Vec<Certificate> = s.certificates.iter().map(certificate).collect();
    let signer = s.signer_chain.first().map(certificate).unwrap_or_default();
    Signature {
        subject: signer.subject,
        issuer: signer.issuer,
        thumbprint: signer.thumbprint,
        version: signer.version,
        algorithm: signer.algorithm,
        algorithm_oid: signer.algorithm_oid,
        serial: signer.serial,
        not_before: signer.not_before,
        not_after: signer.not_after,
        verified: Some(s.verified),
        digest_alg: s.digest_alg.as_ref().and_then(text),
        digest: s.digest.as_ref().and_then(text),
        file_digest: s.file_digest.as_ref().and_then(text),
        number_of_certificates: count(certificates.len()),
        number_of_countersignatures: Some(0),
        signer_info: Some(SignerInfo {
            program_name: s.program_name.as_ref().and_then(text),
            more_info: s.more_info.as_ref().and_then(text),
            digest: s.signer_digest.as_ref().and_then(text),
            digest_alg: s.signer_digest_alg.as_ref().and_then(text),
            chain: Some(s.signer_chain.iter().map(certificate).collect()),
        }),
        certificates: Some(certificates),
        countersignatures: Some(Vec::new()),
    }
}

fn signatures(root: &mut PeModule, list: &[authenticode::Signature]) {
    root.number_of_signatures = count(list.len());
    root.is_signed = Some(list.iter().any(|s| s.verified));
    root.signatures = Some(list.iter().map(signature).collect());
}
