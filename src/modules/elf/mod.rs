//! The `elf` module: the header, segments, sections, symbol tables and
//! dynamic entries of ELF files, as YARA-X reports them.
//!
//! `parse` reads the file into a `parse::ParsedElf`; this file lays it
//! out as the declared value tree and implements `import_md5()`.

mod declaration;
mod functions;
mod parse;

use std::sync::OnceLock;

use crate::modules::schema::{FieldType, FormatModule, count, int, text, uint};
use crate::modules::{Module, ModuleData};
use declaration::{Dynamic, ElfModule, Section, Segment, Symbol};
use functions::Native;
use parse::ParsedElf;

/// The `elf` module.
pub(crate) static ELF: &dyn Module = &FormatModule::<ElfModule>::new("elf", parse_module);

/// The module's data for one input.
fn parse_module(data: &[u8]) -> ModuleData {
    match ParsedElf::parse(data) {
        Some(elf) => ModuleData {
            value: build(&elf).into_value(),
            native: Some(Box::new(Native { elf, import_md5: OnceLock::new() })),
        },
        None => ModuleData { value: ElfModule::default().into_value(), native: None },
    }
}

/// An enum-typed field: YARA-X leaves values past `i32::MAX` undefined.
fn enum_value(v: u64) -> Option<i64> {
    i32::try_from(v).ok().map(i64::from)
}

/// A 32-bit type field (`p_type`, `sh_type`): YARA-X keeps its bits as an
/// `i32`, so types past `i32::MAX` come out negative (seen on mutants).
fn type_value(v: u32) -> Option<i64> {
    Some(i64::from(i32::from_ne_bytes(v.to_ne_bytes())))
}

fn build(elf: &ParsedElf) -> ElfModule {
    let h = &elf.header;
    let mut root = ElfModule {
        r#type: int(h.kind),
        machine: int(h.machine),
        osabi: int(h.osabi),
        sh_offset: uint(h.sh_offset),
        sh_entry_size: int(h.sh_entry_size),
        ph_offset: uint(h.ph_offset),
        ph_entry_size: int(h.ph_entry_size),
        number_of_sections: int(h.sh_count),
        number_of_segments: int(h.ph_count),
        ..ElfModule::default()
    };
    root.segments = Some(
        elf.segments
            .iter()
            .map(|s| Segment {
                r#type: type_value(s.kind),
                flags: int(s.flags),
                offset: uint(s.offset),
                virtual_address: uint(s.virtual_address),
                physical_address: uint(s.physical_address),
                file_size: uint(s.file_size),
                memory_size: uint(s.memory_size),
                alignment: uint(s.alignment),
            })
            .collect(),
    );
    root.dynamic_section_entries = count(elf.dynamic.len());
    root.dynamic = Some(
        elf.dynamic
            .iter()
            .map(|&(tag, val)| Dynamic { r#type: enum_value(tag), val: uint(val) })
            .collect(),
    );
    root.entry_point = elf.entry_point.and_then(uint);
    if let Some(sd) = &elf.section_data
        && let Some(sections) = &sd.sections
    {
        root.sections = Some(
            sections
                .iter()
                .map(|(s, name)| Section {
                    r#type: type_value(s.kind),
                    flags: uint(s.flags),
                    address: uint(s.address),
                    size: uint(s.size),
                    offset: uint(s.offset),
                    name: name.as_ref().and_then(text),
                })
                .collect(),
        );
        root.symtab_entries = count(sd.symtab.len());
        root.symtab = Some(symbols(&sd.symtab));
        root.dynsym_entries = count(sd.dynsym.len());
        root.dynsym = Some(symbols(&sd.dynsym));
    }
    root
}

fn symbols(list: &[parse::Symbol]) -> Vec<Symbol> {
    list.iter()
        .map(|s| Symbol {
            name: s.name.as_ref().and_then(text),
            value: uint(s.value),
            size: uint(s.size),
            r#type: int(s.info & 0x0f),
            bind: int(s.info >> 4),
            shndx: int(s.shndx),
            visibility: int(s.other & 0x03),
        })
        .collect()
}
