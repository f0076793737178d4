//! Turns a [`ParsedPe`] into the module's [`Value`] tree, field by field
//! as YARA-X fills its `pe` protobuf.

use std::collections::BTreeMap;

use super::authenticode::{Certificate, Signature};
use super::imports::Import;
use super::parsed::ParsedPe;
use super::resources::ResourceId;
use crate::modules::Value;
use crate::modules::record::Record;
use crate::types::StructType;

/// The value of a file that is not a PE: only `is_pe`, false.
pub(super) fn not_pe(decl: &StructType) -> Value {
    let mut root = Record::new(decl);
    root.bool("is_pe", false);
    root.finish()
}

/// The value of a parsed PE file.
pub(super) fn build(decl: &StructType, pe: &ParsedPe) -> Value {
    let mut root = Record::new(decl);
    headers(&mut root, pe);
    sections(&mut root, pe);
    imports(
        &mut root,
        "import_details",
        "number_of_imports",
        "number_of_imported_functions",
        &pe.imports,
    );
    imports(
        &mut root,
        "delayed_import_details",
        "number_of_delayed_imports",
        "number_of_delayed_imported_functions",
        &pe.delayed_imports,
    );
    exports(&mut root, pe);
    resources(&mut root, pe);
    version_info(&mut root, pe);
    rich_signature(&mut root, pe);
    signatures(&mut root, &pe.signatures);
    if let Some(path) = &pe.pdb_path {
        root.bytes("pdb_path", path.as_bytes());
    }
    let mut overlay = Record::new(root.nested("overlay"));
    overlay.uint("offset", pe.overlay.0).uint("size", pe.overlay.1);
    root.set("overlay", overlay.finish());
    root.finish()
}

fn version(ty: &StructType, major: impl Into<i64>, minor: impl Into<i64>) -> Value {
    let mut v = Record::new(ty);
    v.int("major", major).int("minor", minor);
    v.finish()
}

fn headers(root: &mut Record<'_>, pe: &ParsedPe) {
    let (f, o) = (&pe.file, &pe.optional);
    root.bool("is_pe", true)
        .int("machine", f.machine)
        .int("timestamp", f.timestamp)
        .int("characteristics", f.characteristics)
        .int("pointer_to_symbol_table", f.symbol_table_offset)
        .int("number_of_symbols", f.number_of_symbols)
        .int("size_of_optional_header", f.size_of_optional_header)
        .int("opthdr_magic", o.magic)
        .int("subsystem", o.subsystem)
        .int("size_of_code", o.size_of_code)
        .int("base_of_code", o.base_of_code)
        .int("entry_point_raw", o.entry_point)
        .int("section_alignment", o.section_alignment)
        .int("file_alignment", o.file_alignment)
        .int("loader_flags", o.loader_flags)
        .int("dll_characteristics", o.dll_characteristics)
        .int("checksum", o.checksum)
        .int("win32_version_value", o.win32_version)
        .uint("size_of_stack_reserve", o.size_of_stack_reserve)
        .uint("size_of_stack_commit", o.size_of_stack_commit)
        .uint("size_of_heap_reserve", o.size_of_heap_reserve)
        .uint("size_of_heap_commit", o.size_of_heap_commit)
        .int("number_of_rva_and_sizes", o.number_of_rva_and_sizes)
        .uint("image_base", o.image_base)
        .int("size_of_image", o.size_of_image)
        .int("size_of_headers", o.size_of_headers)
        .int("size_of_initialized_data", o.size_of_initialized_data)
        .int("size_of_uninitialized_data", o.size_of_uninitialized_data);
    if let Some(base_of_data) = o.base_of_data {
        root.int("base_of_data", base_of_data);
    }
    if let Some(entry_point) = pe.entry_point_offset {
        root.int("entry_point", entry_point);
    }
    let v = root.nested("linker_version");
    let linker = version(v, o.major_linker_version, o.minor_linker_version);
    let os = version(v, o.major_os_version, o.minor_os_version);
    let image = version(v, o.major_image_version, o.minor_image_version);
    let subsystem = version(v, o.major_subsystem_version, o.minor_subsystem_version);
    root.set("linker_version", linker)
        .set("os_version", os)
        .set("image_version", image)
        .set("subsystem_version", subsystem);
    let ty = root.nested("data_directories");
    let directories = pe
        .data_directories
        .iter()
        .map(|d| {
            let mut r = Record::new(ty);
            r.int("virtual_address", d.rva).int("size", d.size);
            r.finish()
        })
        .collect();
    root.set("data_directories", Value::Array(directories));
}

fn sections(root: &mut Record<'_>, pe: &ParsedPe) {
    let ty = root.nested("sections");
    let sections: Vec<Value> = pe
        .sections
        .iter()
        .map(|s| {
            let mut r = Record::new(ty);
            r.bytes("name", s.name.clone())
                .bytes("full_name", s.full_name.clone().unwrap_or_else(|| s.name.clone()))
                .int("characteristics", s.characteristics)
                .int("raw_data_size", s.raw_data_size)
                .int("raw_data_offset", s.raw_data_offset)
                .int("virtual_address", s.virtual_address)
                .int("virtual_size", s.virtual_size)
                .int("pointer_to_relocations", s.pointer_to_relocations)
                .int("pointer_to_line_numbers", s.pointer_to_line_numbers)
                .int("number_of_relocations", s.number_of_relocations)
                .int("number_of_line_numbers", s.number_of_line_numbers);
            r.finish()
        })
        .collect();
    root.uint("number_of_sections", sections.len() as u64);
    root.set("sections", Value::Array(sections));
}

fn imports(root: &mut Record<'_>, field: &str, count: &str, functions: &str, list: &[Import]) {
    let ty = root.nested(field);
    let function_ty = crate::modules::record::nested_struct(ty, "functions");
    let mut total = 0u64;
    let details: Vec<Value> = list
        .iter()
        .map(|import| {
            total += import.functions.len() as u64;
            let funcs = import
                .functions
                .iter()
                .map(|f| {
                    let mut r = Record::new(function_ty);
                    if let Some(name) = &f.name {
                        r.bytes("name", name.as_bytes());
                    }
                    if let Some(ordinal) = f.ordinal {
                        r.int("ordinal", ordinal);
                    }
                    r.int("rva", f.rva);
                    r.finish()
                })
                .collect();
            let mut r = Record::new(ty);
            r.bytes("library_name", import.library_name.as_bytes())
                .uint("number_of_functions", import.functions.len() as u64)
                .set("functions", Value::Array(funcs));
            r.finish()
        })
        .collect();
    root.uint(count, details.len() as u64);
    root.uint(functions, total);
    root.set(field, Value::Array(details));
}

fn exports(root: &mut Record<'_>, pe: &ParsedPe) {
    let ty = root.nested("export_details");
    let Some(exports) = &pe.exports else {
        root.int("number_of_exports", 0).set("export_details", Value::Array(Vec::new()));
        return;
    };
    if let Some(name) = &exports.dll_name {
        root.bytes("dll_name", name.as_bytes());
    }
    root.int("export_timestamp", exports.timestamp);
    let details: Vec<Value> = exports
        .functions
        .iter()
        .map(|e| {
            let mut r = Record::new(ty);
            if let Some(name) = &e.name {
                r.bytes("name", name.as_bytes());
            }
            r.int("ordinal", e.ordinal).int("rva", e.rva);
            if let Some(offset) = e.offset {
                r.int("offset", offset);
            }
            if let Some(forward) = &e.forward_name {
                r.bytes("forward_name", forward.as_bytes());
            }
            r.finish()
        })
        .collect();
    root.uint("number_of_exports", details.len() as u64);
    root.set("export_details", Value::Array(details));
}

fn resources(root: &mut Record<'_>, pe: &ParsedPe) {
    let ty = root.nested("resources");
    let list: Vec<Value> = pe
        .resources
        .iter()
        .map(|res| {
            let mut r = Record::new(ty);
            r.int("rva", res.rva).int("length", res.length);
            if let Some(offset) = res.offset {
                r.int("offset", offset);
            }
            for (id, number, name) in [
                (&res.type_id, "type", "type_string"),
                (&res.name_id, "id", "name_string"),
                (&res.language, "language", "language_string"),
            ] {
                match id {
                    ResourceId::Id(n) => r.int(number, *n),
                    ResourceId::Name(s) => r.bytes(name, s.clone()),
                    ResourceId::Unknown => &mut r,
                };
            }
            r.finish()
        })
        .collect();
    root.uint("number_of_resources", list.len() as u64);
    root.set("resources", Value::Array(list));
    if let Some(info) = pe.resource_root {
        root.int("resource_timestamp", info.timestamp);
        let v = version(root.nested("resource_version"), info.major_version, info.minor_version);
        root.set("resource_version", v);
    }
}

fn version_info(root: &mut Record<'_>, pe: &ParsedPe) {
    let ty = root.nested("version_info_list");
    let mut dict = BTreeMap::new();
    let list: Vec<Value> = pe
        .version_info
        .iter()
        .map(|(key, value)| {
            dict.insert(key.as_bytes().to_vec(), Value::String(value.as_bytes().to_vec()));
            let mut r = Record::new(ty);
            r.bytes("key", key.as_bytes()).bytes("value", value.as_bytes());
            r.finish()
        })
        .collect();
    root.uint("number_of_version_infos", list.len() as u64);
    root.set("version_info_list", Value::Array(list));
    root.set("version_info", Value::Dict(dict));
}

fn rich_signature(root: &mut Record<'_>, pe: &ParsedPe) {
    let Some(rich) = &pe.rich else { return };
    let ty = root.nested("rich_signature");
    let tool_ty = crate::modules::record::nested_struct(ty, "tools");
    let tools = rich
        .tools
        .iter()
        .map(|t| {
            let mut r = Record::new(tool_ty);
            r.int("toolid", t.toolid).int("version", t.version).int("times", t.times);
            r.finish()
        })
        .collect();
    let mut r = Record::new(ty);
    r.uint("offset", rich.offset as u64)
        .uint("length", rich.raw_data.len() as u64)
        .int("key", rich.key)
        .bytes("raw_data", rich.raw_data.clone())
        .bytes("clear_data", rich.clear_data.clone())
        .set("tools", Value::Array(tools));
    root.set("rich_signature", r.finish());
}

fn certificate(ty: &StructType, c: &Certificate) -> Value {
    let mut r = Record::new(ty);
    r.bytes("issuer", c.issuer.as_bytes())
        .bytes("subject", c.subject.as_bytes())
        .bytes("thumbprint", c.thumbprint.as_bytes())
        .int("version", c.version)
        .bytes("algorithm", c.algorithm.as_bytes())
        .bytes("algorithm_oid", c.algorithm_oid.as_bytes())
        .bytes("serial", c.serial.as_bytes())
        .int("not_before", c.not_before)
        .int("not_after", c.not_after);
    r.finish()
}

fn signatures(root: &mut Record<'_>, list: &[Signature]) {
    let ty = root.nested("signatures");
    let cert_ty = crate::modules::record::nested_struct(ty, "certificates");
    let signer_ty = crate::modules::record::nested_struct(ty, "signer_info");
    let values: Vec<Value> = list
        .iter()
        .map(|s| {
            let mut r = Record::new(ty);
            let certs: Vec<Value> =
                s.certificates.iter().map(|c| certificate(cert_ty, c)).collect();
            let chain: Vec<Value> =
                s.signer_chain.iter().map(|c| certificate(cert_ty, c)).collect();
            if let Some(first) = s.signer_chain.first() {
                r.bytes("issuer", first.issuer.as_bytes())
                    .bytes("subject", first.subject.as_bytes())
                    .bytes("thumbprint", first.thumbprint.as_bytes())
                    .int("version", first.version)
                    .bytes("algorithm", first.algorithm.as_bytes())
                    .bytes("algorithm_oid", first.algorithm_oid.as_bytes())
                    .bytes("serial", first.serial.as_bytes())
                    .int("not_before", first.not_before)
                    .int("not_after", first.not_after);
            }
            if let Some(alg) = &s.digest_alg {
                r.bytes("digest_alg", alg.as_bytes());
            }
            if let Some(digest) = &s.digest {
                r.bytes("digest", digest.as_bytes());
            }
            if let Some(digest) = &s.file_digest {
                r.bytes("file_digest", digest.as_bytes());
            }
            let mut signer = Record::new(signer_ty);
            for (field, value) in [
                ("digest_alg", &s.signer_digest_alg),
                ("digest", &s.signer_digest),
                ("program_name", &s.program_name),
                ("more_info", &s.more_info),
            ] {
                if let Some(value) = value {
                    signer.bytes(field, value.as_bytes());
                }
            }
            signer.set("chain", Value::Array(chain));
            r.bool("verified", s.verified)
                .uint("number_of_certificates", certs.len() as u64)
                .int("number_of_countersignatures", 0)
                .set("certificates", Value::Array(certs))
                .set("countersignatures", Value::Array(Vec::new()))
                .set("signer_info", signer.finish());
            r.finish()
        })
        .collect();
    root.uint("number_of_signatures", values.len() as u64);
    root.bool("is_signed", list.iter().any(|s| s.verified));
    root.set("signatures", Value::Array(values));
}
