//! Reading Mach-O files and universal binaries the way YARA-X 1.23 does.
//!
//! A thin file is a header and `ncmds` load commands, read in order up to
//! the first that does not fit in the file; one that fits but does not
//! parse (a segment whose sections overflow it) is skipped. The paths of
//! dylib, rpath and dylinker commands run from their fixed fields to the
//! first NUL; their offset fields are not read, as in YARA-X. What the
//! commands point at (the symbol table, the code signature, the dyld
//! export trie and bind opcodes) is read afterwards, each on its own: a
//! damaged one leaves what was read before the damage.
//!
//! A universal binary is a fat header whose every entry must fit, then
//! each slice the entries point at, parsed as a thin file; slices that do
//! not parse are left out of `files`.

use super::linkedit;
use super::model::{
    BuildVersion, Dylib, Fat, FatArch, File, Header, MAX_ITEMS, MachO, MinVersion, Section,
    Segment, Symtab, push_capped,
};
use super::reader::{Reader, c_string_or_rest, trim_nuls};
use super::signature;
use crate::modules::binary::Endian;

const MH_MAGIC: u32 = 0xfeed_face;
const MH_CIGAM: u32 = 0xcefa_edfe;
const MH_MAGIC_64: u32 = 0xfeed_facf;
const MH_CIGAM_64: u32 = 0xcffa_edfe;
const FAT_MAGIC: u32 = 0xcafe_babe;
const FAT_CIGAM: u32 = 0xbeba_feca;
const FAT_MAGIC_64: u32 = 0xcafe_babf;
const FAT_CIGAM_64: u32 = 0xbfba_feca;

const LC_SEGMENT: u32 = 0x01;
const LC_SYMTAB: u32 = 0x02;
const LC_UNIXTHREAD: u32 = 0x05;
const LC_DYSYMTAB: u32 = 0x0b;
const LC_LOAD_DYLIB: u32 = 0x0c;
const LC_ID_DYLIB: u32 = 0x0d;
const LC_LOAD_DYLINKER: u32 = 0x0e;
const LC_ID_DYLINKER: u32 = 0x0f;
const LC_LOAD_WEAK_DYLIB: u32 = 0x8000_0018;
const LC_SEGMENT_64: u32 = 0x19;
const LC_UUID: u32 = 0x1b;
const LC_RPATH: u32 = 0x8000_001c;
const LC_CODE_SIGNATURE: u32 = 0x1d;
const LC_REEXPORT_DYLIB: u32 = 0x8000_001f;
const LC_DYLD_INFO: u32 = 0x22;
const LC_DYLD_INFO_ONLY: u32 = 0x8000_0022;
const LC_VERSION_MIN_MACOSX: u32 = 0x24;
const LC_VERSION_MIN_IPHONEOS: u32 = 0x25;
const LC_DYLD_ENVIRONMENT: u32 = 0x27;
const LC_MAIN: u32 = 0x8000_0028;
const LC_SOURCE_VERSION: u32 = 0x2a;
const LC_LINKER_OPTION: u32 = 0x2d;
const LC_VERSION_MIN_TVOS: u32 = 0x2f;
const LC_VERSION_MIN_WATCHOS: u32 = 0x30;
const LC_BUILD_VERSION: u32 = 0x32;
const LC_DYLD_EXPORTS_TRIE: u32 = 0x8000_0033;
const LC_DYLD_CHAINED_FIXUPS: u32 = 0x8000_0034;

/// Fat entries kept (real universal binaries have a handful); the table is
/// still read whole, as its fitting decides whether the file parses.
const MAX_FAT_ARCHS: usize = 1024;
/// Slices parsed: each costs up to a whole thin parse.
const MAX_SLICES: usize = 64;

impl MachO {
    /// Parses `data`; `None` when it is neither a Mach-O file nor a
    /// universal binary whose fat header fits.
    pub(super) fn parse(data: &[u8]) -> Option<Self> {
        let magic = crate::modules::binary::u32_le(data, 0)?;
        if [FAT_MAGIC, FAT_CIGAM, FAT_MAGIC_64, FAT_CIGAM_64].contains(&magic) {
            parse_fat(data)
        } else {
            Some(Self { fat: None, files: vec![File::parse(data)?] })
        }
    }
}

fn parse_fat(data: &[u8]) -> Option<MachO> {
    let magic = Endian::Big.u32(data, 0)?;
    let endian =
        if matches!(magic, FAT_MAGIC | FAT_MAGIC_64) { Endian::Big } else { Endian::Little };
    let is_32 = matches!(magic, FAT_MAGIC | FAT_CIGAM);
    let mut r = Reader::new(&data[4..], endian);
    let count = r.u32()?;
    let mut archs = Vec::new();
    for _ in 0..count {
        let [cputype, cpusubtype] = r.u32s()?;
        let (offset, size) = (r.word(is_32)?, r.word(is_32)?);
        let align = r.u32()?;
        let reserved = if is_32 { 0 } else { r.u32()? };
        if archs.len() < MAX_FAT_ARCHS {
            archs.push(FatArch { cputype, cpusubtype, offset, size, align, reserved });
        }
    }
    let files = archs
        .iter()
        .take(MAX_SLICES)
        .filter_map(|arch| {
            let start = usize::try_from(arch.offset).ok()?;
            let end = start.saturating_add(usize::try_from(arch.size).unwrap_or(usize::MAX));
            File::parse(data.get(start..end)?)
        })
        .collect();
    Some(MachO { fat: Some(Fat { magic, archs }), files })
}

impl File {
    /// Parses one thin file; `None` unless its magic is a Mach-O one and
    /// its header fits.
    fn parse(data: &[u8]) -> Option<Self> {
        let magic = Endian::Big.u32(data, 0)?;
        let (endian, is_32) = match magic {
            MH_MAGIC => (Endian::Big, true),
            MH_CIGAM => (Endian::Little, true),
            MH_MAGIC_64 => (Endian::Big, false),
            MH_CIGAM_64 => (Endian::Little, false),
            _ => return None,
        };
        let mut r = Reader::new(&data[4..], endian);
        let [cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags] = r.u32s()?;
        let reserved = if is_32 { None } else { Some(r.u32()?) };
        let header =
            Header { magic, cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags, reserved };
        let mut file = File { header, ..File::default() };
        let mut entry_point_rva = None;
        for _ in 0..ncmds {
            if file.command(&mut r, is_32, &mut entry_point_rva).is_none() {
                break;
            }
        }
        if let Some(rva) = entry_point_rva {
            file.entry_point = file.rva_to_offset(rva);
        }
        if let Some(symtab) = &mut file.symtab {
            symtab.symbols = linkedit::symbols(data, symtab, endian, is_32);
        }
        if let Some((offset, size)) = file.code_signature
            && let Some(blob) = region(data, offset, size)
        {
            let signature = signature::parse(blob);
            file.entitlements = signature.entitlements;
            file.certificates = signature.certificates;
        }
        file.exports_and_imports(data, endian);
        Some(file)
    }

    /// Reads one load command; `None` when it does not fit, which ends the
    /// commands. A command that fits but does not parse is skipped.
    fn command(
        &mut self,
        r: &mut Reader<'_>,
        is_32: bool,
        entry_point_rva: &mut Option<u64>,
    ) -> Option<()> {
        let [cmd, cmdsize] = r.u32s()?;
        let body = r.take(cmdsize.saturating_sub(8) as usize)?;
        let _ = self.apply(cmd, Reader::new(body, r.endian), is_32, entry_point_rva);
        Some(())
    }

    /// Records what the command `cmd` with body `b` says; `None`, and
    /// nothing recorded, when the body does not hold it.
    fn apply(
        &mut self,
        cmd: u32,
        mut b: Reader<'_>,
        is_32: bool,
        entry_point_rva: &mut Option<u64>,
    ) -> Option<()> {
        match cmd {
            LC_MAIN => {
                let (entry_point, stack_size) = (b.u64()?, b.u64()?);
                (self.entry_point, self.stack_size) = (Some(entry_point), Some(stack_size));
            }
            LC_UNIXTHREAD => *entry_point_rva = Some(thread_pc(b, self.header.cputype)?),
            LC_SEGMENT | LC_SEGMENT_64 => push_capped(&mut self.segments, segment(b, is_32)?),
            LC_RPATH => {
                b.u32()?;
                push_capped(&mut self.rpaths, c_string_or_rest(b.rest).to_vec());
            }
            LC_LOAD_DYLIB | LC_ID_DYLIB | LC_LOAD_WEAK_DYLIB | LC_REEXPORT_DYLIB => {
                let [_, timestamp, current_version, compatibility_version] = b.u32s()?;
                let name = c_string_or_rest(b.rest).to_vec();
                let dylib = Dylib { name, timestamp, current_version, compatibility_version };
                push_capped(&mut self.dylibs, dylib);
            }
            LC_SOURCE_VERSION => self.source_version = Some(b.u64()?),
            LC_ID_DYLINKER | LC_LOAD_DYLINKER | LC_DYLD_ENVIRONMENT => {
                b.u32()?;
                self.dynamic_linker = Some(c_string_or_rest(b.rest).to_vec());
            }
            LC_SYMTAB => {
                let [symoff, nsyms, stroff, strsize] = b.u32s()?;
                self.symtab = Some(Symtab { symoff, nsyms, stroff, strsize, symbols: Vec::new() });
            }
            LC_DYSYMTAB => self.dysymtab = Some(b.u32s()?),
            LC_CODE_SIGNATURE => self.code_signature = Some(b.u32s().map(|[o, s]| (o, s))?),
            LC_DYLD_EXPORTS_TRIE => self.exports_trie = Some(b.u32s().map(|[o, s]| (o, s))?),
            LC_DYLD_CHAINED_FIXUPS => self.chained_fixups = Some(b.u32s().map(|[o, s]| (o, s))?),
            LC_DYLD_INFO | LC_DYLD_INFO_ONLY => self.dyld_info = Some(b.u32s()?),
            LC_UUID => self.uuid = Some(trim_nuls(b.take(16)?).to_vec()),
            LC_BUILD_VERSION => {
                let [platform, minos, sdk, ntools] = b.u32s()?;
                let tools =
                    (0..ntools).map(|_| b.u32s().map(|[t, v]| (t, v))).collect::<Option<_>>()?;
                self.build_version = Some(BuildVersion { platform, minos, sdk, ntools, tools });
            }
            LC_VERSION_MIN_MACOSX
            | LC_VERSION_MIN_IPHONEOS
            | LC_VERSION_MIN_TVOS
            | LC_VERSION_MIN_WATCHOS => {
                let [version, sdk] = b.u32s()?;
                self.min_version = Some(MinVersion { device: cmd, version, sdk });
            }
            LC_LINKER_OPTION => {
                let count = b.u32()?;
                let options: Vec<&[u8]> =
                    (0..count).map(|_| b.c_string()).collect::<Option<_>>()?;
                for option in options {
                    push_capped(&mut self.linker_options, option.to_vec());
                }
            }
            _ => {}
        }
        Some(())
    }

    /// Exports and imports, from where YARA-X 1.23 takes them: exports
    /// from the `LC_DYLD_EXPORTS_TRIE` trie, then the `LC_DYLD_INFO` one;
    /// imports from the `LC_DYLD_INFO` bind opcodes, then the chained
    /// fixups; and from the symbol table when neither command of a kind
    /// is present.
    fn exports_and_imports(&mut self, data: &[u8], endian: Endian) {
        if let Some((offset, size)) = self.exports_trie
            && let Some(trie) = region(data, offset, size)
        {
            self.exports.extend(linkedit::exports(trie));
        }
        if let Some(info) = self.dyld_info {
            if let Some(trie) = region(data, info[8], info[9]) {
                self.exports.extend(linkedit::exports(trie));
            }
            // Bind, lazy bind and weak bind opcodes, in that order.
            for (offset, size) in [(info[2], info[3]), (info[6], info[7]), (info[4], info[5])] {
                if let Some(opcodes) = region(data, offset, size) {
                    linkedit::imports(opcodes, &mut self.imports);
                }
            }
        }
        if let Some((offset, size)) = self.chained_fixups
            && let Some(fixups) = region(data, offset, size)
        {
            linkedit::chained_imports(fixups, endian, &mut self.imports);
        }
        let symbols = self.symtab.as_ref().map_or(&[][..], |s| s.symbols.as_slice());
        if self.dyld_info.is_none() && self.exports_trie.is_none() {
            let exported = symbols.iter().filter(|s| linkedit::is_exported(s.kind));
            self.exports.extend(exported.map(|s| lossy(&s.name)).take(MAX_ITEMS));
        }
        if self.dyld_info.is_none() && self.chained_fixups.is_none() {
            let imported = symbols.iter().filter(|s| linkedit::is_imported(s.kind));
            self.imports.extend(imported.map(|s| lossy(&s.name)).take(MAX_ITEMS));
        }
    }

    /// The file offset of a virtual address, from the first segment that
    /// maps it; `None` also when a segment before it wraps around.
    fn rva_to_offset(&self, rva: u64) -> Option<u64> {
        for segment in &self.segments {
            let end = segment.vmaddr.checked_add(segment.vmsize)?;
            if (segment.vmaddr..end).contains(&rva) {
                return segment.fileoff.checked_add(rva - segment.vmaddr);
            }
        }
        None
    }
}

/// `bytes` as a string, invalid UTF-8 replaced.
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The bytes `offset..offset + size` of `data`, if all present.
fn region(data: &[u8], offset: u32, size: u32) -> Option<&[u8]> {
    let start = offset as usize;
    data.get(start..start.saturating_add(size as usize))
}

/// A segment command and its sections, which must all fit in it.
fn segment(mut b: Reader<'_>, is_32: bool) -> Option<Segment> {
    let segname = trim_nuls(b.take(16)?).to_vec();
    let [vmaddr, vmsize, fileoff, filesize] = [(); 4].map(|()| b.word(is_32));
    let [maxprot, initprot, nsects, flags] = b.u32s()?;
    let mut segment = Segment {
        segname,
        vmaddr: vmaddr?,
        vmsize: vmsize?,
        fileoff: fileoff?,
        filesize: filesize?,
        maxprot,
        initprot,
        nsects,
        flags,
        sections: Vec::new(),
    };
    for _ in 0..nsects {
        let sectname = trim_nuls(b.take(16)?).to_vec();
        let segname = trim_nuls(b.take(16)?).to_vec();
        let (addr, size) = (b.word(is_32)?, b.word(is_32)?);
        let words = b.u32s()?;
        let reserved3 = if is_32 { None } else { Some(b.u32()?) };
        segment.sections.push(Section { sectname, segname, addr, size, words, reserved3 });
    }
    Some(segment)
}

/// The program counter of an `LC_UNIXTHREAD` command's thread state, for
/// the CPU types YARA-X knows (0 for others): the state must be whole.
fn thread_pc(mut b: Reader<'_>, cputype: u32) -> Option<u64> {
    const X86: u32 = 0x07;
    const X86_64: u32 = 0x0100_0007;
    const ARM: u32 = 0x0c;
    const ARM64: u32 = 0x0100_000c;
    const POWERPC: u32 = 0x12;
    const POWERPC64: u32 = 0x0100_0012;
    const MC680X0: u32 = 0x06;
    const MC88000: u32 = 0x0d;
    const SPARC: u32 = 0x0e;
    b.u32s::<2>()?; // flavor and count
    // (size of the state, offset of the program counter, whether 64-bit)
    let (size, at, wide) = match cputype {
        X86 => (64, 40, false),
        X86_64 => (168, 128, true),
        ARM => (68, 60, false),
        ARM64 => (268, 256, true),
        POWERPC => (160, 0, false),
        POWERPC64 => (308, 0, true),
        SPARC => (72, 4, false),
        MC680X0 => (72, 68, false),
        MC88000 => (136, 124, false),
        _ => return Some(0),
    };
    let state = b.take(size)?;
    if wide { b.endian.u64(state, at) } else { b.endian.u32(state, at).map(u64::from) }
}
