//! The `elf` module: the header, segments, sections, symbol tables and
//! dynamic entries of ELF files, as YARA-X reports them.
//!
//! `parse` reads the file into a `parse::ParsedElf`; this file lays it
//! out as the declared value tree and implements `import_md5()`.

mod declaration;
mod parse;

use std::sync::{Arc, OnceLock};

use md5::{Digest, Md5};

use crate::modules::record::{Record, nested_struct};
use crate::modules::{CallContext, FunctionImpl, Module, ModuleData, Value};
use crate::types::StructType;
use parse::{ParsedElf, Symbol};

/// The `elf` module.
#[derive(Debug, Clone, Copy)]
pub struct Elf;

/// Native data: the parsed file and the lazily computed import hash.
struct Native {
    elf: ParsedElf,
    import_md5: OnceLock<String>,
}

impl Module for Elf {
    fn name(&self) -> &'static str {
        "elf"
    }

    fn declaration(&self) -> Arc<StructType> {
        declaration::DECLARATION.clone()
    }

    fn parse(&self, data: &[u8]) -> ModuleData {
        let decl = &declaration::DECLARATION;
        match ParsedElf::parse(data) {
            Some(elf) => ModuleData {
                value: build(decl, &elf),
                native: Some(Box::new(Native { elf, import_md5: OnceLock::new() })),
            },
            None => ModuleData { value: Record::new(decl).finish(), native: None },
        }
    }

    fn function(&self, path: &str, overload: usize) -> Option<FunctionImpl> {
        match (path, overload) {
            ("import_md5", 0) => Some(import_md5),
            _ => None,
        }
    }
}

/// An enum-typed field: YARA-X leaves values past `i32::MAX` undefined.
fn enum_value(v: u64) -> Value {
    i32::try_from(v).map_or(Value::Undefined, |v| Value::Integer(v.into()))
}

fn build(decl: &StructType, elf: &ParsedElf) -> Value {
    let h = &elf.header;
    let mut root = Record::new(decl);
    root.int("type", h.kind)
        .int("machine", h.machine)
        .int("osabi", h.osabi)
        .uint("sh_offset", h.sh_offset)
        .int("sh_entry_size", h.sh_entry_size)
        .uint("ph_offset", h.ph_offset)
        .int("ph_entry_size", h.ph_entry_size)
        .int("number_of_sections", h.sh_count)
        .int("number_of_segments", h.ph_count);
    let ty = root.nested("segments");
    let segments = elf
        .segments
        .iter()
        .map(|s| {
            let mut r = Record::new(ty);
            r.set("type", enum_value(s.kind.into()))
                .int("flags", s.flags)
                .uint("offset", s.offset)
                .uint("virtual_address", s.virtual_address)
                .uint("physical_address", s.physical_address)
                .uint("file_size", s.file_size)
                .uint("memory_size", s.memory_size)
                .uint("alignment", s.alignment);
            r.finish()
        })
        .collect();
    root.set("segments", Value::Array(segments));
    let ty = root.nested("dynamic");
    let dynamic: Vec<Value> = elf
        .dynamic
        .iter()
        .map(|&(tag, val)| {
            let mut r = Record::new(ty);
            r.set("type", enum_value(tag)).uint("val", val);
            r.finish()
        })
        .collect();
    root.uint("dynamic_section_entries", dynamic.len() as u64);
    root.set("dynamic", Value::Array(dynamic));
    if let Some(sd) = &elf.section_data {
        if let Some(entry) = sd.entry_point {
            root.uint("entry_point", entry);
        }
        if let Some(sections) = &sd.sections {
            let ty = root.nested("sections");
            let list = sections
                .iter()
                .map(|(s, name)| {
                    let mut r = Record::new(ty);
                    r.set("type", enum_value(s.kind.into()))
                        .uint("flags", s.flags)
                        .uint("address", s.address)
                        .uint("size", s.size)
                        .uint("offset", s.offset);
                    if let Some(name) = name {
                        r.bytes("name", name.as_bytes());
                    }
                    r.finish()
                })
                .collect();
            root.set("sections", Value::Array(list));
            let ty = nested_struct(decl, "symtab");
            root.uint("symtab_entries", sd.symtab.len() as u64)
                .set("symtab", symbols(ty, &sd.symtab))
                .uint("dynsym_entries", sd.dynsym.len() as u64)
                .set("dynsym", symbols(ty, &sd.dynsym));
        }
    }
    root.finish()
}

fn symbols(ty: &StructType, list: &[Symbol]) -> Value {
    Value::Array(
        list.iter()
            .map(|s| {
                let mut r = Record::new(ty);
                if let Some(name) = &s.name {
                    r.bytes("name", name.as_bytes());
                }
                r.uint("value", s.value)
                    .uint("size", s.size)
                    .int("type", s.info & 0x0f)
                    .int("bind", s.info >> 4)
                    .int("shndx", s.shndx)
                    .int("visibility", s.other & 0x03);
                r.finish()
            })
            .collect(),
    )
}

/// MD5 of the sorted, lowercased, comma-joined names of undefined symbols
/// (`shndx` 0) of the dynamic symbol table, or of the symbol table when
/// there is no dynamic one; the MD5 of nothing for other files, as in
/// YARA-X. Computed once per ELF file.
fn import_md5(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    let native = ctx.module.native.as_ref().and_then(|n| n.downcast_ref::<Native>());
    let hash = match native {
        Some(native) => native.import_md5.get_or_init(|| imported_names_md5(&native.elf)).clone(),
        None => imported_names_md5(&ParsedElf::default()),
    };
    Value::String(hash.into_bytes())
}

fn imported_names_md5(elf: &ParsedElf) -> String {
    let sd = elf.section_data.as_ref();
    let dynsym = sd.map(|s| s.dynsym.as_slice()).unwrap_or_default();
    let symtab = sd.map(|s| s.symtab.as_slice()).unwrap_or_default();
    let symbols = if dynsym.is_empty() { symtab } else { dynsym };
    let mut names: Vec<String> = symbols
        .iter()
        .filter(|s| s.shndx == 0)
        .filter_map(|s| s.name.as_deref().filter(|n| !n.is_empty()).map(str::to_lowercase))
        .collect();
    names.sort();
    Md5::digest(names.join(",").as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
