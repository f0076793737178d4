//! The `macho` module's declaration: the fields of YARA-X's `macho.proto`
//! (as YARA-X 1.23 declares them), its functions and its inline constants
//! (see [`crate::modules::schema`]).
//!
//! A universal binary's slices and a thin file have the same fields, so
//! both [`File`] and the root [`MachoModule`] are declared by one macro,
//! `file_schema!`, from one field list; the root adds the fat header.

use super::functions::MACHO_FUNCTIONS;
use crate::modules::schema::schema;

schema! {
    /// A section of a segment.
    pub(super) struct Section {
        /// The segment name, trailing NULs removed.
        segname: Vec<u8>,
        /// The section name, trailing NULs removed.
        sectname: Vec<u8>,
        addr: i64,
        size: i64,
        offset: i64,
        align: i64,
        reloff: i64,
        nreloc: i64,
        /// Section type (`SECTION_TYPE` bits) and attributes.
        flags: i64,
        reserved1: i64,
        reserved2: i64,
        /// Only in 64-bit files.
        reserved3: i64,
    }

    /// An `LC_SEGMENT` or `LC_SEGMENT_64` load command.
    pub(super) struct Segment {
        /// The name, trailing NULs removed.
        segname: Vec<u8>,
        vmaddr: i64,
        vmsize: i64,
        fileoff: i64,
        filesize: i64,
        maxprot: i64,
        initprot: i64,
        nsects: i64,
        /// `SG_*` bits.
        flags: i64,
        sections: Vec<Section>,
    }

    /// A dylib load command (`LC_LOAD_DYLIB`, `LC_ID_DYLIB`,
    /// `LC_LOAD_WEAK_DYLIB`, `LC_REEXPORT_DYLIB`).
    pub(super) struct Dylib {
        /// The path, trailing NULs removed.
        name: Vec<u8>,
        timestamp: i64,
        /// `major.minor.patch`.
        compatibility_version: Vec<u8>,
        /// `major.minor.patch`.
        current_version: Vec<u8>,
    }

    /// A symbol-table entry (`nlist` or `nlist_64`).
    pub(super) struct Nlist {
        /// Offset of the name in the string table.
        n_strx: i64,
        n_type: i64,
        n_sect: i64,
        n_desc: i64,
        n_value: i64,
    }

    /// `LC_SYMTAB`.
    pub(super) struct Symtab {
        symoff: i64,
        nsyms: i64,
        stroff: i64,
        strsize: i64,
        /// The names of the entries that have one: a name that lies in
        /// the string table and is not empty.
        entries: Vec<Vec<u8>>,
        /// The entries that have a name, in table order.
        nlists: Vec<Nlist>,
    }

    /// `LC_DYSYMTAB`, read as YARA-X reads it: sixteen words into the
    /// fields other than `iundefsym` and `nundefsym`, which stay undefined,
    /// so from `tocoff` on each field holds the word two places before it.
    pub(super) struct Dysymtab {
        ilocalsym: i64,
        nlocalsym: i64,
        iextdefsym: i64,
        nextdefsym: i64,
        iundefsym: i64,
        nundefsym: i64,
        tocoff: i64,
        ntoc: i64,
        modtaboff: i64,
        nmodtab: i64,
        extrefsymoff: i64,
        nextrefsyms: i64,
        indirectsymoff: i64,
        nindirectsyms: i64,
        extreloff: i64,
        nextrel: i64,
        locreloff: i64,
        nlocrel: i64,
    }

    /// `LC_DYLD_INFO` or `LC_DYLD_INFO_ONLY`.
    pub(super) struct DyldInfo {
        rebase_off: i64,
        rebase_size: i64,
        bind_off: i64,
        bind_size: i64,
        weak_bind_off: i64,
        weak_bind_size: i64,
        lazy_bind_off: i64,
        lazy_bind_size: i64,
        export_off: i64,
        export_size: i64,
    }

    /// A `linkedit_data_command` (`LC_CODE_SIGNATURE`).
    pub(super) struct LinkedItData {
        dataoff: i64,
        datasize: i64,
    }

    /// A certificate of the code signature's CMS blob.
    pub(super) struct Certificate {
        /// The issuer's distinguished name (`C=US, O=Apple Inc., CN=...`).
        issuer: Vec<u8>,
        /// The subject's distinguished name.
        subject: Vec<u8>,
        is_self_signed: bool,
    }

    /// A tool of `LC_BUILD_VERSION`.
    pub(super) struct BuildTool {
        tool: i64,
        /// `major.minor`.
        version: Vec<u8>,
    }

    /// `LC_BUILD_VERSION`.
    pub(super) struct BuildVersion {
        platform: i64,
        /// `major.minor.patch`.
        minos: Vec<u8>,
        /// `major.minor.patch`.
        sdk: Vec<u8>,
        ntools: i64,
        tools: Vec<BuildTool>,
    }

    /// `LC_VERSION_MIN_MACOSX`, `_IPHONEOS`, `_TVOS` or `_WATCHOS`.
    pub(super) struct MinVersion {
        /// The load command: `MACOSX`, `IPHONEOS`, `TVOS` or `WATCHOS`.
        device: i64,
        /// `major.minor.patch`.
        version: Vec<u8>,
        /// `major.minor.patch`.
        sdk: Vec<u8>,
    }

    /// An entry of a universal binary's fat header.
    pub(super) struct FatArch {
        cputype: i64,
        cpusubtype: i64,
        offset: i64,
        size: i64,
        align: i64,
        /// Only in `FAT_MAGIC_64` headers; 0 in others.
        reserved: i64,
    }
}

/// Declares a structure holding the fields of one Mach-O file, followed by
/// `$extra` fields and the schema clauses (functions, constants) in `$rest`.
macro_rules! file_schema {
    (
        $(#[doc = $doc:literal])*
        struct $name:ident { $($extra:tt)* }
        $($rest:tt)*
    ) => {
        schema! {
            $(#[doc = $doc])*
            pub(super) struct $name {
                /// The header magic as read big-endian: `MH_MAGIC`,
                /// `MH_CIGAM`, `MH_MAGIC_64` or `MH_CIGAM_64`.
                magic: i64,
                cputype: i64,
                cpusubtype: i64,
                /// An `MH_*` file type.
                filetype: i64,
                ncmds: i64,
                sizeofcmds: i64,
                /// `MH_*` header flags.
                flags: i64,
                /// Only in 64-bit files.
                reserved: i64,
                number_of_segments: i64,
                /// The path of `LC_LOAD_DYLINKER`, `LC_ID_DYLINKER` or
                /// `LC_DYLD_ENVIRONMENT`.
                dynamic_linker: Vec<u8>,
                /// The entry point as a file offset (`LC_MAIN`'s `entryoff`,
                /// or `LC_UNIXTHREAD`'s program counter mapped by the
                /// segments).
                entry_point: i64,
                /// `LC_MAIN`'s stack size.
                stack_size: i64,
                /// `LC_SOURCE_VERSION` as `a.b.c.d.e`.
                source_version: Vec<u8>,
                symtab: Symtab,
                dysymtab: Dysymtab,
                code_signature_data: LinkedItData,
                segments: Vec<Segment>,
                dylibs: Vec<Dylib>,
                dyld_info: DyldInfo,
                /// The paths of `LC_RPATH` commands.
                rpaths: Vec<Vec<u8>>,
                /// Keys and array values of the signature's entitlements.
                entitlements: Vec<Vec<u8>>,
                certificates: Vec<Certificate>,
                /// `LC_UUID`, as upper-case hexadecimal in 8-4-4-4-12 groups.
                uuid: Vec<u8>,
                build_version: BuildVersion,
                min_version: MinVersion,
                /// Symbols of the `LC_DYLD_INFO` export trie.
                exports: Vec<Vec<u8>>,
                /// Symbols named by the `LC_DYLD_INFO` bind opcodes, each
                /// once.
                imports: Vec<Vec<u8>>,
                /// The strings of `LC_LINKER_OPTION` commands.
                linker_options: Vec<Vec<u8>>,
                $($extra)*
            }
            $($rest)*
        }
    };
}

file_schema! {
    /// One slice of a universal binary.
    struct File {}
}

file_schema! {
    /// The `macho` module. A thin file (or a universal binary of which one
    /// slice parses) fills the file fields; a universal binary fills the
    /// fat header fields and `file`.
    struct MachoModule {
        /// The fat header magic as read big-endian (`FAT_MAGIC`, ...).
        fat_magic: i64,
        /// The number of `fat_arch` entries.
        nfat_arch: i64,
        fat_arch: Vec<FatArch>,
        /// The slices that parse, in header order.
        file: Vec<File>,
    }
    functions = MACHO_FUNCTIONS;
    constants = [
        HEADER_MAGICS,
        FAT_MAGICS,
        MASKS_64BIT,
        CPU_TYPES,
        CPU_SUBTYPES,
        FILE_TYPES,
        FILE_FLAGS,
        SEGMENT_FLAGS,
        SECTION_MASKS,
        SECTION_TYPES,
        SECTION_ATTRIBUTES,
        DEVICE_TYPES,
    ];
}

/// Mach-O header magics.
const HEADER_MAGICS: &[(&str, i64)] = &[
    ("MH_MAGIC", 0xfeed_face),
    ("MH_CIGAM", 0xcefa_edfe),
    ("MH_MAGIC_64", 0xfeed_facf),
    ("MH_CIGAM_64", 0xcffa_edfe),
];

/// Fat header magics.
const FAT_MAGICS: &[(&str, i64)] = &[
    ("FAT_MAGIC", 0xcafe_babe),
    ("FAT_CIGAM", 0xbeba_feca),
    ("FAT_MAGIC_64", 0xcafe_babf),
    ("FAT_CIGAM_64", 0xbfba_feca),
];

/// 64-bit ABI bits of CPU types and subtypes.
const MASKS_64BIT: &[(&str, i64)] =
    &[("CPU_ARCH_ABI64", 0x0100_0000), ("CPU_SUBTYPE_LIB64", 0x8000_0000)];

/// `cputype` values.
const CPU_TYPES: &[(&str, i64)] = &[
    ("CPU_TYPE_MC680X0", 0x06),
    ("CPU_TYPE_X86", 0x07),
    ("CPU_TYPE_I386", 0x07),
    ("CPU_TYPE_X86_64", 0x0100_0007),
    ("CPU_TYPE_MIPS", 0x08),
    ("CPU_TYPE_MC98000", 0x0a),
    ("CPU_TYPE_ARM", 0x0c),
    ("CPU_TYPE_ARM64", 0x0100_000c),
    ("CPU_TYPE_MC88000", 0x0d),
    ("CPU_TYPE_SPARC", 0x0e),
    ("CPU_TYPE_POWERPC", 0x12),
    ("CPU_TYPE_POWERPC64", 0x0100_0012),
];

/// `cpusubtype` values, by processor family.
const CPU_SUBTYPES: &[(&str, i64)] = &[
    ("CPU_SUBTYPE_INTEL_MODEL_ALL", 0x00),
    ("CPU_SUBTYPE_386", 0x03),
    ("CPU_SUBTYPE_486", 0x04),
    ("CPU_SUBTYPE_486SX", 0x84),
    ("CPU_SUBTYPE_586", 0x05),
    ("CPU_SUBTYPE_CELERON", 0x67),
    ("CPU_SUBTYPE_CELERON_MOBILE", 0x77),
    ("CPU_SUBTYPE_ITANIUM", 0x0b),
    ("CPU_SUBTYPE_ITANIUM_2", 0x1b),
    ("CPU_SUBTYPE_XEON", 0x0c),
    ("CPU_SUBTYPE_XEON_MP", 0x1c),
    ("CPU_SUBTYPE_I386_ALL", 0x03),
    ("CPU_SUBTYPE_X86_64_ALL", 0x03),
    ("CPU_SUBTYPE_PENT", 0x05),
    ("CPU_SUBTYPE_PENTPRO", 0x16),
    ("CPU_SUBTYPE_PENTII_M3", 0x36),
    ("CPU_SUBTYPE_PENTII_M5", 0x56),
    ("CPU_SUBTYPE_PENTIUM_3", 0x08),
    ("CPU_SUBTYPE_PENTIUM_3_M", 0x18),
    ("CPU_SUBTYPE_PENTIUM_3_XEON", 0x28),
    ("CPU_SUBTYPE_PENTIUM_M", 0x09),
    ("CPU_SUBTYPE_PENTIUM_4", 0x0a),
    ("CPU_SUBTYPE_PENTIUM_4_M", 0x1a),
    ("CPU_SUBTYPE_ARM_ALL", 0x00),
    ("CPU_SUBTYPE_ARM_V4T", 0x05),
    ("CPU_SUBTYPE_ARM_V6", 0x06),
    ("CPU_SUBTYPE_ARM_V5", 0x07),
    ("CPU_SUBTYPE_ARM_XSCALE", 0x08),
    ("CPU_SUBTYPE_ARM_V7", 0x09),
    ("CPU_SUBTYPE_ARM_V7F", 0x0a),
    ("CPU_SUBTYPE_ARM_V7S", 0x0b),
    ("CPU_SUBTYPE_ARM_V7K", 0x0c),
    ("CPU_SUBTYPE_ARM_V6M", 0x0e),
    ("CPU_SUBTYPE_ARM_V7M", 0x0f),
    ("CPU_SUBTYPE_ARM_V7EM", 0x10),
    ("CPU_SUBTYPE_ARM_V5TEJ", 0x07),
    ("CPU_SUBTYPE_ARM64_ALL", 0x00),
    ("CPU_SUBTYPE_SPARC_ALL", 0x00),
    ("CPU_SUBTYPE_POWERPC_ALL", 0x00),
    ("CPU_SUBTYPE_POWERPC_601", 0x01),
    ("CPU_SUBTYPE_POWERPC_602", 0x02),
    ("CPU_SUBTYPE_POWERPC_603", 0x03),
    ("CPU_SUBTYPE_POWERPC_603e", 0x04),
    ("CPU_SUBTYPE_POWERPC_603ev", 0x05),
    ("CPU_SUBTYPE_POWERPC_604", 0x06),
    ("CPU_SUBTYPE_POWERPC_604e", 0x07),
    ("CPU_SUBTYPE_POWERPC_620", 0x08),
    ("CPU_SUBTYPE_POWERPC_750", 0x09),
    ("CPU_SUBTYPE_POWERPC_7400", 0x0a),
    ("CPU_SUBTYPE_POWERPC_7450", 0x0b),
    ("CPU_SUBTYPE_POWERPC_970", 0x64),
    ("CPU_SUBTYPE_MC980000_ALL", 0x00),
    ("CPU_SUBTYPE_MC98601", 0x01),
];

/// `filetype` values.
const FILE_TYPES: &[(&str, i64)] = &[
    ("MH_OBJECT", 0x01),
    ("MH_EXECUTE", 0x02),
    ("MH_FVMLIB", 0x03),
    ("MH_CORE", 0x04),
    ("MH_PRELOAD", 0x05),
    ("MH_DYLIB", 0x06),
    ("MH_DYLINKER", 0x07),
    ("MH_BUNDLE", 0x08),
    ("MH_DYLIB_STUB", 0x09),
    ("MH_DSYM", 0x0a),
    ("MH_KEXT_BUNDLE", 0x0b),
];

/// Header `flags` bits.
const FILE_FLAGS: &[(&str, i64)] = &[
    ("MH_NOUNDEFS", 0x0000_0001),
    ("MH_INCRLINK", 0x0000_0002),
    ("MH_DYLDLINK", 0x0000_0004),
    ("MH_BINDATLOAD", 0x0000_0008),
    ("MH_PREBOUND", 0x0000_0010),
    ("MH_SPLIT_SEGS", 0x0000_0020),
    ("MH_LAZY_INIT", 0x0000_0040),
    ("MH_TWOLEVEL", 0x0000_0080),
    ("MH_FORCE_FLAT", 0x0000_0100),
    ("MH_NOMULTIDEFS", 0x0000_0200),
    ("MH_NOFIXPREBINDING", 0x0000_0400),
    ("MH_PREBINDABLE", 0x0000_0800),
    ("MH_ALLMODSBOUND", 0x0000_1000),
    ("MH_SUBSECTIONS_VIA_SYMBOLS", 0x0000_2000),
    ("MH_CANONICAL", 0x0000_4000),
    ("MH_WEAK_DEFINES", 0x0000_8000),
    ("MH_BINDS_TO_WEAK", 0x0001_0000),
    ("MH_ALLOW_STACK_EXECUTION", 0x0002_0000),
    ("MH_ROOT_SAFE", 0x0004_0000),
    ("MH_SETUID_SAFE", 0x0008_0000),
    ("MH_NO_REEXPORTED_DYLIBS", 0x0010_0000),
    ("MH_PIE", 0x0020_0000),
    ("MH_DEAD_STRIPPABLE_DYLIB", 0x0040_0000),
    ("MH_HAS_TLV_DESCRIPTORS", 0x0080_0000),
    ("MH_NO_HEAP_EXECUTION", 0x0100_0000),
    ("MH_APP_EXTENSION_SAFE", 0x0200_0000),
];

/// Segment `flags` bits.
const SEGMENT_FLAGS: &[(&str, i64)] = &[
    ("SG_HIGHVM", 0x01),
    ("SG_FVMLIB", 0x02),
    ("SG_NORELOC", 0x04),
    ("SG_PROTECTED_VERSION_1", 0x08),
];

/// The two parts of a section's `flags`.
const SECTION_MASKS: &[(&str, i64)] =
    &[("SECTION_TYPE", 0x0000_00ff), ("SECTION_ATTRIBUTES", 0xffff_ff00)];

/// Section types (`flags & SECTION_TYPE`).
const SECTION_TYPES: &[(&str, i64)] = &[
    ("S_REGULAR", 0x00),
    ("S_ZEROFILL", 0x01),
    ("S_CSTRING_LITERALS", 0x02),
    ("S_4BYTE_LITERALS", 0x03),
    ("S_8BYTE_LITERALS", 0x04),
    ("S_LITERAL_POINTERS", 0x05),
    ("S_NON_LAZY_SYMBOL_POINTERS", 0x06),
    ("S_LAZY_SYMBOL_POINTERS", 0x07),
    ("S_SYMBOL_STUBS", 0x08),
    ("S_MOD_INIT_FUNC_POINTERS", 0x09),
    ("S_MOD_TERM_FUNC_POINTERS", 0x0a),
    ("S_COALESCED", 0x0b),
    ("S_GB_ZEROFILL", 0x0c),
    ("S_INTERPOSING", 0x0d),
    ("S_16BYTE_LITERALS", 0x0e),
    ("S_DTRACE_DOF", 0x0f),
    ("S_LAZY_DYLIB_SYMBOL_POINTERS", 0x10),
    ("S_THREAD_LOCAL_REGULAR", 0x11),
    ("S_THREAD_LOCAL_ZEROFILL", 0x12),
    ("S_THREAD_LOCAL_VARIABLES", 0x13),
    ("S_THREAD_LOCAL_VARIABLE_POINTERS", 0x14),
    ("S_THREAD_LOCAL_INIT_FUNCTION_POINTERS", 0x15),
];

/// Section attribute bits.
const SECTION_ATTRIBUTES: &[(&str, i64)] = &[
    ("S_ATTR_PURE_INSTRUCTIONS", 0x8000_0000),
    ("S_ATTR_NO_TOC", 0x4000_0000),
    ("S_ATTR_STRIP_STATIC_SYMS", 0x2000_0000),
    ("S_ATTR_NO_DEAD_STRIP", 0x1000_0000),
    ("S_ATTR_LIVE_SUPPORT", 0x0800_0000),
    ("S_ATTR_SELF_MODIFYING_CODE", 0x0400_0000),
    ("S_ATTR_DEBUG", 0x0200_0000),
    ("S_ATTR_SOME_INSTRUCTIONS", 0x0000_0400),
    ("S_ATTR_EXT_RELOC", 0x0000_0200),
    ("S_ATTR_LOC_RELOC", 0x0000_0100),
];

/// `min_version.device` values: the minimum-version load commands.
const DEVICE_TYPES: &[(&str, i64)] =
    &[("MACOSX", 0x24), ("IPHONEOS", 0x25), ("TVOS", 0x2f), ("WATCHOS", 0x30)];
