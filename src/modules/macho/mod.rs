//! The `macho` module: Mach-O files and universal binaries as YARA-X
//! reports them: headers, segments and sections, dylibs, rpaths, the
//! entry point, symbol tables, dyld exports and imports, the UUID, build
//! and source versions, code signature data, entitlements and certificates.
//!
//! `parse` reads the input into a `model::MachO`, kept as native data for
//! the functions; this file lays it out as the declared value tree.

mod certificates;
mod declaration;
mod functions;
mod linkedit;
mod model;
mod parse;
mod reader;
mod signature;

use crate::modules::schema::{FieldType, FormatModule, count, int, text, uint};
use crate::modules::{Module, ModuleData};
use declaration::{
    BuildTool, BuildVersion, Certificate, DyldInfo, Dylib, Dysymtab, FatArch, File, LinkedItData,
    MachoModule, MinVersion, Nlist, Section, Segment, Symtab,
};
use model::MachO;

/// The `macho` module.
pub(crate) static MACHO: &dyn Module = &FormatModule::<MachoModule>::new("macho", parse_module);

/// The module's data for one input.
fn parse_module(data: &[u8]) -> ModuleData {
    match MachO::parse(data) {
        Some(macho) => {
            ModuleData { value: build(&macho).into_value(), native: Some(Box::new(macho)) }
        }
        None => ModuleData { value: MachoModule::default().into_value(), native: None },
    }
}

/// Fills the fields of one file into a structure of type `$ty` (the
/// root or a `file[]` element, which declare the same file fields).
macro_rules! file_fields {
    ($ty:ident, $file:expr) => {{
        let f: &model::File = $file;
        let h = &f.header;
        $ty {
            magic: int(h.magic),
            cputype: int(h.cputype),
            cpusubtype: int(h.cpusubtype),
            filetype: int(h.filetype),
            ncmds: int(h.ncmds),
            sizeofcmds: int(h.sizeofcmds),
            flags: int(h.flags),
            reserved: h.reserved.and_then(int),
            number_of_segments: count(f.segments.len()),
            dynamic_linker: f.dynamic_linker.as_ref().and_then(text),
            entry_point: f.entry_point.and_then(uint),
            stack_size: f.stack_size.and_then(uint),
            source_version: f.source_version.map(source_version),
            symtab: f.symtab.as_ref().map(symtab),
            dysymtab: f.dysymtab.as_ref().map(dysymtab),
            code_signature_data: f
                .code_signature
                .map(|(o, s)| LinkedItData { dataoff: int(o), datasize: int(s) }),
            segments: Some(f.segments.iter().map(segment).collect()),
            dylibs: Some(f.dylibs.iter().map(dylib).collect()),
            dyld_info: f.dyld_info.as_ref().map(dyld_info),
            rpaths: Some(f.rpaths.clone()),
            entitlements: Some(f.entitlements.iter().map(|e| e.clone().into_bytes()).collect()),
            certificates: Some(f.certificates.iter().map(certificate).collect()),
            uuid: f.uuid.as_deref().map(uuid),
            build_version: f.build_version.as_ref().map(build_version),
            min_version: f.min_version.as_ref().map(|m| MinVersion {
                device: int(m.device),
                version: text(version(m.version)),
                sdk: text(version(m.sdk)),
            }),
            exports: Some(f.exports.iter().map(|e| e.clone().into_bytes()).collect()),
            imports: Some(f.imports.iter().map(|e| e.clone().into_bytes()).collect()),
            linker_options: Some(f.linker_options.clone()),
            ..$ty::default()
        }
    }};
}

/// The value tree: a thin file (or a universal binary of which exactly
/// one slice parses, as YARA-X has it) at the root, else the fat header
/// and the slices.
// `file_fields!` ends with `..default()` for the root's fat fields, which
// a `file[]` element does not have.
#[allow(clippy::needless_update)]
fn build(macho: &MachO) -> MachoModule {
    if let [file] = macho.files.as_slice() {
        return file_fields!(MachoModule, file);
    }
    let Some(fat) = &macho.fat else { return MachoModule::default() };
    MachoModule {
        fat_magic: int(fat.magic),
        nfat_arch: count(fat.archs.len()),
        fat_arch: Some(
            fat.archs
                .iter()
                .map(|a| FatArch {
                    cputype: int(a.cputype),
                    cpusubtype: int(a.cpusubtype),
                    offset: uint(a.offset),
                    size: uint(a.size),
                    align: int(a.align),
                    reserved: int(a.reserved),
                })
                .collect(),
        ),
        file: Some(macho.files.iter().map(|f| file_fields!(File, f)).collect()),
        ..MachoModule::default()
    }
}

fn segment(s: &model::Segment) -> Segment {
    Segment {
        segname: text(&s.segname),
        vmaddr: uint(s.vmaddr),
        vmsize: uint(s.vmsize),
        fileoff: uint(s.fileoff),
        filesize: uint(s.filesize),
        maxprot: int(s.maxprot),
        initprot: int(s.initprot),
        nsects: int(s.nsects),
        flags: int(s.flags),
        sections: Some(s.sections.iter().map(section).collect()),
    }
}

fn section(s: &model::Section) -> Section {
    let [offset, align, reloff, nreloc, flags, reserved1, reserved2] = s.words;
    Section {
        segname: text(&s.segname),
        sectname: text(&s.sectname),
        addr: uint(s.addr),
        size: uint(s.size),
        offset: int(offset),
        align: int(align),
        reloff: int(reloff),
        nreloc: int(nreloc),
        flags: int(flags),
        reserved1: int(reserved1),
        reserved2: int(reserved2),
        reserved3: s.reserved3.and_then(int),
    }
}

fn dylib(d: &model::Dylib) -> Dylib {
    Dylib {
        name: text(&d.name),
        timestamp: int(d.timestamp),
        compatibility_version: text(version(d.compatibility_version)),
        current_version: text(version(d.current_version)),
    }
}

fn symtab(s: &model::Symtab) -> Symtab {
    Symtab {
        symoff: int(s.symoff),
        nsyms: int(s.nsyms),
        stroff: int(s.stroff),
        strsize: int(s.strsize),
        entries: Some(s.symbols.iter().map(|n| n.name.clone()).collect()),
        nlists: Some(
            s.symbols
                .iter()
                .map(|n| Nlist {
                    n_strx: int(n.strx),
                    n_type: int(n.kind),
                    n_sect: int(n.sect),
                    n_desc: int(n.desc),
                    n_value: uint(n.value),
                })
                .collect(),
        ),
    }
}

/// The sixteen words YARA-X reads, in the fields it puts them in.
fn dysymtab(w: &[u32; 16]) -> Dysymtab {
    Dysymtab {
        ilocalsym: int(w[0]),
        nlocalsym: int(w[1]),
        iextdefsym: int(w[2]),
        nextdefsym: int(w[3]),
        iundefsym: None,
        nundefsym: None,
        tocoff: int(w[4]),
        ntoc: int(w[5]),
        modtaboff: int(w[6]),
        nmodtab: int(w[7]),
        extrefsymoff: int(w[8]),
        nextrefsyms: int(w[9]),
        indirectsymoff: int(w[10]),
        nindirectsyms: int(w[11]),
        extreloff: int(w[12]),
        nextrel: int(w[13]),
        locreloff: int(w[14]),
        nlocrel: int(w[15]),
    }
}

fn dyld_info(w: &[u32; 10]) -> DyldInfo {
    DyldInfo {
        rebase_off: int(w[0]),
        rebase_size: int(w[1]),
        bind_off: int(w[2]),
        bind_size: int(w[3]),
        weak_bind_off: int(w[4]),
        weak_bind_size: int(w[5]),
        lazy_bind_off: int(w[6]),
        lazy_bind_size: int(w[7]),
        export_off: int(w[8]),
        export_size: int(w[9]),
    }
}

fn certificate(c: &model::Certificate) -> Certificate {
    Certificate {
        issuer: text(&c.issuer),
        subject: text(&c.subject),
        is_self_signed: Some(c.is_self_signed),
    }
}

fn build_version(b: &model::BuildVersion) -> BuildVersion {
    BuildVersion {
        platform: int(b.platform),
        minos: text(version(b.minos)),
        sdk: text(version(b.sdk)),
        ntools: int(b.ntools),
        tools: Some(
            b.tools
                .iter()
                .map(|&(tool, v)| BuildTool {
                    tool: int(tool),
                    version: text(format!("{}.{}", v >> 16, (v >> 8) & 0xff)),
                })
                .collect(),
        ),
    }
}

/// A packed `xxxx.yy.zz` version.
fn version(v: u32) -> String {
    format!("{}.{}.{}", v >> 16, (v >> 8) & 0xff, v & 0xff)
}

/// A packed `a.b.c.d.e` source version; YARA-X masks the last four parts
/// to 6 bits (not the 10 of the format), and so does spoor.
fn source_version(v: u64) -> Vec<u8> {
    let part = |shift: u32| (v >> shift) & 0x3f;
    format!("{}.{}.{}.{}.{}", v >> 40, part(30), part(20), part(10), part(0)).into_bytes()
}

/// Upper-case hexadecimal, a dash after bytes 4, 6, 8 and 10.
fn uuid(bytes: &[u8]) -> Vec<u8> {
    let mut s = String::new();
    for (i, b) in bytes.iter().enumerate() {
        s.push_str(&format!("{b:02X}"));
        if matches!(i, 3 | 5 | 7 | 9) {
            s.push('-');
        }
    }
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_formatted_as_yara_x_does() {
        assert_eq!(version(0x000d_0100), "13.1.0");
        assert_eq!(source_version((1 << 40) | (2 << 30) | (0x41 << 20)), b"1.2.1.0.0");
        assert_eq!(uuid(&[0xab; 16]), b"ABABABAB-ABAB-ABAB-ABAB-ABABABABABAB");
        assert_eq!(uuid(&[1, 2]), b"0102");
    }
}
