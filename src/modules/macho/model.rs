//! The parsed form of a Mach-O file or universal binary: what `parse`
//! reads, the value tree is built from and the functions look at.

/// Entries kept per list of a file (segments, dylibs, rpaths, linker
/// options, exports, imports, entitlements); later ones are dropped.
pub(super) const MAX_ITEMS: usize = 1 << 16;

/// A parsed input: a thin file or a universal binary.
#[derive(Debug, Default)]
pub(super) struct MachO {
    /// The fat header, for universal binaries.
    pub fat: Option<Fat>,
    /// The thin file, or the slices that parse.
    pub files: Vec<File>,
}

/// A universal binary's header.
#[derive(Debug, Default)]
pub(super) struct Fat {
    /// The magic, read big-endian.
    pub magic: u32,
    pub archs: Vec<FatArch>,
}

/// A `fat_arch` or `fat_arch_64` entry.
#[derive(Debug, Default, Clone)]
pub(super) struct FatArch {
    pub cputype: u32,
    pub cpusubtype: u32,
    pub offset: u64,
    pub size: u64,
    pub align: u32,
    pub reserved: u32,
}

/// The `mach_header` fields.
#[derive(Debug, Default)]
pub(super) struct Header {
    pub magic: u32,
    pub cputype: u32,
    pub cpusubtype: u32,
    pub filetype: u32,
    pub ncmds: u32,
    pub sizeofcmds: u32,
    pub flags: u32,
    /// Only in 64-bit headers.
    pub reserved: Option<u32>,
}

/// A segment load command.
#[derive(Debug, Default)]
pub(super) struct Segment {
    pub segname: Vec<u8>,
    pub vmaddr: u64,
    pub vmsize: u64,
    pub fileoff: u64,
    pub filesize: u64,
    pub maxprot: u32,
    pub initprot: u32,
    pub nsects: u32,
    pub flags: u32,
    pub sections: Vec<Section>,
}

/// A section header.
#[derive(Debug, Default)]
pub(super) struct Section {
    pub sectname: Vec<u8>,
    pub segname: Vec<u8>,
    pub addr: u64,
    pub size: u64,
    /// `offset`, `align`, `reloff`, `nreloc`, `flags`, `reserved1`,
    /// `reserved2`.
    pub words: [u32; 7],
    /// Only in 64-bit files.
    pub reserved3: Option<u32>,
}

/// A dylib load command.
#[derive(Debug, Default)]
pub(super) struct Dylib {
    pub name: Vec<u8>,
    pub timestamp: u32,
    pub current_version: u32,
    pub compatibility_version: u32,
}

/// `LC_SYMTAB` and the named entries of its symbol table.
#[derive(Debug, Default, Clone)]
pub(super) struct Symtab {
    pub symoff: u32,
    pub nsyms: u32,
    pub stroff: u32,
    pub strsize: u32,
    pub symbols: Vec<Symbol>,
}

/// A symbol-table entry and its name.
#[derive(Debug, Default, Clone)]
pub(super) struct Symbol {
    pub strx: u32,
    pub kind: u8,
    pub sect: u8,
    pub desc: u16,
    pub value: u64,
    pub name: Vec<u8>,
}

/// `LC_BUILD_VERSION`.
#[derive(Debug, Default)]
pub(super) struct BuildVersion {
    pub platform: u32,
    pub minos: u32,
    pub sdk: u32,
    pub ntools: u32,
    /// `(tool, version)` pairs.
    pub tools: Vec<(u32, u32)>,
}

/// A minimum-version load command.
#[derive(Debug, Default)]
pub(super) struct MinVersion {
    /// The load command, which names the platform.
    pub device: u32,
    pub version: u32,
    pub sdk: u32,
}

/// A certificate of the code signature.
#[derive(Debug, Default)]
pub(super) struct Certificate {
    pub issuer: String,
    pub subject: String,
    pub is_self_signed: bool,
}

/// One thin Mach-O file.
#[derive(Debug, Default)]
pub(super) struct File {
    pub header: Header,
    pub segments: Vec<Segment>,
    pub dylibs: Vec<Dylib>,
    pub rpaths: Vec<Vec<u8>>,
    pub symtab: Option<Symtab>,
    /// The sixteen words YARA-X reads from `LC_DYSYMTAB`.
    pub dysymtab: Option<[u32; 16]>,
    /// The ten words of `LC_DYLD_INFO`: offset and size of the rebase,
    /// bind, weak bind, lazy bind and export data.
    pub dyld_info: Option<[u32; 10]>,
    pub dynamic_linker: Option<Vec<u8>>,
    pub linker_options: Vec<Vec<u8>>,
    pub source_version: Option<u64>,
    /// The entry point as a file offset.
    pub entry_point: Option<u64>,
    pub stack_size: Option<u64>,
    /// `LC_CODE_SIGNATURE`'s `dataoff` and `datasize`.
    pub code_signature: Option<(u32, u32)>,
    /// `LC_DYLD_EXPORTS_TRIE`'s `dataoff` and `datasize`.
    pub exports_trie: Option<(u32, u32)>,
    /// `LC_DYLD_CHAINED_FIXUPS`'s `dataoff` and `datasize`.
    pub chained_fixups: Option<(u32, u32)>,
    pub entitlements: Vec<String>,
    pub certificates: Vec<Certificate>,
    /// `LC_UUID`'s bytes, trailing NULs removed.
    pub uuid: Option<Vec<u8>>,
    pub build_version: Option<BuildVersion>,
    pub min_version: Option<MinVersion>,
    pub exports: Vec<String>,
    pub imports: Vec<String>,
}

/// Appends `item` unless `list` already holds [`MAX_ITEMS`].
pub(super) fn push_capped<T>(list: &mut Vec<T>, item: T) {
    if list.len() < MAX_ITEMS {
        list.push(item);
    }
}
