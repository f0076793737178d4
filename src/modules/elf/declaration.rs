//! The `elf` module's declaration: YARA-X's `elf.proto` fields, functions
//! and constants, plus the `SHF_*` section flags legacy YARA declares. The
//! one source of the module's types, values and documentation (see
//! [`crate::modules::schema`]).

use super::functions::ELF_FUNCTIONS;
use crate::modules::schema::schema;

schema! {
    /// A section header.
    pub(super) struct Section {
        /// `sh_type`; an `SHT_*` constant.
        r#type: i64,
        /// `sh_flags`.
        flags: i64,
        address: i64,
        size: i64,
        offset: i64,
        /// The name from the section-name string table.
        name: Vec<u8>,
    }

    /// A program header.
    pub(super) struct Segment {
        /// `p_type`; a `PT_*` constant.
        r#type: i64,
        /// `p_flags`; `PF_*` bits.
        flags: i64,
        offset: i64,
        virtual_address: i64,
        physical_address: i64,
        file_size: i64,
        memory_size: i64,
        alignment: i64,
    }

    /// A symbol-table entry.
    pub(super) struct Symbol {
        name: Vec<u8>,
        value: i64,
        size: i64,
        /// `STT_*`.
        r#type: i64,
        /// `STB_*`.
        bind: i64,
        shndx: i64,
        /// `STV_*`.
        visibility: i64,
    }

    /// An entry of the dynamic section.
    pub(super) struct Dynamic {
        /// `d_tag`; a `DT_*` constant.
        r#type: i64,
        val: i64,
    }

    /// The `elf` module.
    pub(super) struct ElfModule {
        /// `e_type`; an `ET_*` constant.
        r#type: i64,
        /// `e_machine`; an `EM_*` constant.
        machine: i64,
        osabi: i64,
        /// The entry point as a file offset.
        entry_point: i64,
        sh_offset: i64,
        sh_entry_size: i64,
        ph_offset: i64,
        ph_entry_size: i64,
        number_of_sections: i64,
        number_of_segments: i64,
        symtab_entries: i64,
        dynsym_entries: i64,
        dynamic_section_entries: i64,
        sections: Vec<Section>,
        segments: Vec<Segment>,
        symtab: Vec<Symbol>,
        dynsym: Vec<Symbol>,
        dynamic: Vec<Dynamic>,
    }
    // YARA-X also has `telfhash()`, a TLSH digest of the symbols; it is not
    // declared until spoor has a TLSH implementation.
    functions = ELF_FUNCTIONS;
    constants = [
        TYPES,
        MACHINES,
        OS_ABIS,
        SECTION_TYPES,
        SECTION_FLAGS,
        SEGMENT_TYPES,
        SEGMENT_FLAGS,
        SYMBOL_TYPES,
        SYMBOL_BINDS,
        SYMBOL_VISIBILITIES,
        DYNAMIC_TYPES,
    ];
}

/// `e_type` values.
const TYPES: &[(&str, i64)] = &[
    ("ET_NONE", 0),
    ("ET_REL", 1),
    ("ET_EXEC", 2),
    ("ET_DYN", 3),
    ("ET_CORE", 4),
    ("ET_LOPROC", 0xff00),
    ("ET_HIPROC", 0x00ff),
];

/// `e_machine` values.
const MACHINES: &[(&str, i64)] = &[
    ("EM_NONE", 0),
    ("EM_M32", 1),
    ("EM_SPARC", 2),
    ("EM_386", 3),
    ("EM_68K", 4),
    ("EM_88K", 5),
    ("EM_IAMCU", 6),
    ("EM_860", 7),
    ("EM_MIPS", 8),
    ("EM_S370", 9),
    ("EM_MIPS_RS3_LE", 10),
    ("EM_PPC", 20),
    ("EM_PPC64", 21),
    ("EM_ARM", 40),
    ("EM_X86_64", 62),
    ("EM_AARCH64", 183),
];

/// `e_ident[EI_OSABI]` values.
const OS_ABIS: &[(&str, i64)] = &[
    ("OSABI_NONE", 0),
    ("OSABI_HPUX", 1),
    ("OSABI_NETBSD", 2),
    ("OSABI_LINUX", 3),
    ("OSABI_GNU_HURD", 4),
    ("OSABI_SOLARIS", 6),
    ("OSABI_AIX", 7),
    ("OSABI_IRIX", 8),
    ("OSABI_FREE_BSD", 9),
    ("OSABI_TRU64", 10),
    ("OSABI_MODESTO", 11),
    ("OSABI_OPENBSD", 12),
    ("OSABI_OPENVMS", 13),
    ("OSABI_NSK", 14),
    ("OSABI_AROS", 15),
    ("OSABI_FENIXOS", 16),
    ("OSABI_CLOUDABI", 17),
    ("OSABI_OPENVOS", 18),
    ("OSABI_ARM_AEABI", 64),
    ("OSABI_ARM", 97),
    ("OSABI_STANDALONE", 255),
];

/// `sh_type` values.
const SECTION_TYPES: &[(&str, i64)] = &[
    ("SHT_NULL", 0),
    ("SHT_PROGBITS", 1),
    ("SHT_SYMTAB", 2),
    ("SHT_STRTAB", 3),
    ("SHT_RELA", 4),
    ("SHT_HASH", 5),
    ("SHT_DYNAMIC", 6),
    ("SHT_NOTE", 7),
    ("SHT_NOBITS", 8),
    ("SHT_REL", 9),
    ("SHT_SHLIB", 10),
    ("SHT_DYNSYM", 11),
    ("SHT_INIT_ARRAY", 14),
    ("SHT_FINI_ARRAY", 15),
];

/// `sh_flags` bits (legacy YARA only; YARA-X does not declare them).
const SECTION_FLAGS: &[(&str, i64)] =
    &[("SHF_WRITE", 0x1), ("SHF_ALLOC", 0x2), ("SHF_EXECINSTR", 0x4)];

/// `p_type` values.
const SEGMENT_TYPES: &[(&str, i64)] = &[
    ("PT_NULL", 0),
    ("PT_LOAD", 1),
    ("PT_DYNAMIC", 2),
    ("PT_INTERP", 3),
    ("PT_NOTE", 4),
    ("PT_SHLIB", 5),
    ("PT_PHDR", 6),
    ("PT_TLS", 7),
    ("PT_GNU_EH_FRAME", 0x6474_e550),
    ("PT_GNU_STACK", 0x6474_e551),
    ("PT_GNU_RELRO", 0x6474_e552),
    ("PT_GNU_PROPERTY", 0x6474_e553),
];

/// `p_flags` bits.
const SEGMENT_FLAGS: &[(&str, i64)] = &[("PF_X", 0x1), ("PF_W", 0x2), ("PF_R", 0x4)];

/// `ELF_ST_TYPE(st_info)` values.
const SYMBOL_TYPES: &[(&str, i64)] = &[
    ("STT_NOTYPE", 0),
    ("STT_OBJECT", 1),
    ("STT_FUNC", 2),
    ("STT_SECTION", 3),
    ("STT_FILE", 4),
    ("STT_COMMON", 5),
    ("STT_TLS", 6),
];

/// `ELF_ST_BIND(st_info)` values.
const SYMBOL_BINDS: &[(&str, i64)] = &[("STB_LOCAL", 0), ("STB_GLOBAL", 1), ("STB_WEAK", 2)];

/// `ELF_ST_VISIBILITY(st_other)` values.
const SYMBOL_VISIBILITIES: &[(&str, i64)] =
    &[("STV_DEFAULT", 0), ("STV_INTERNAL", 1), ("STV_HIDDEN", 2), ("STV_PROTECTED", 3)];

/// `d_tag` values.
const DYNAMIC_TYPES: &[(&str, i64)] = &[
    ("DT_NULL", 0),
    ("DT_NEEDED", 1),
    ("DT_PLTRELSZ", 2),
    ("DT_PLTGOT", 3),
    ("DT_HASH", 4),
    ("DT_STRTAB", 5),
    ("DT_SYMTAB", 6),
    ("DT_RELA", 7),
    ("DT_RELASZ", 8),
    ("DT_RELAENT", 9),
    ("DT_STRSZ", 10),
    ("DT_SYMENT", 11),
    ("DT_INIT", 12),
    ("DT_FINI", 13),
    ("DT_SONAME", 14),
    ("DT_RPATH", 15),
    ("DT_SYMBOLIC", 16),
    ("DT_REL", 17),
    ("DT_RELSZ", 18),
    ("DT_RELENT", 19),
    ("DT_PLTREL", 20),
    ("DT_DEBUG", 21),
    ("DT_TEXTREL", 22),
    ("DT_JMPREL", 23),
    ("DT_BIND_NOW", 24),
    ("DT_INIT_ARRAY", 25),
    ("DT_FINI_ARRAY", 26),
    ("DT_INIT_ARRAYSZ", 27),
    ("DT_FINI_ARRAYSZ", 28),
    ("DT_RUNPATH", 29),
    ("DT_FLAGS", 30),
    ("DT_ENCODING", 32),
    ("DT_LOOS", 0x6000_000d),
    ("DT_HIOS", 0x6fff_f000),
    ("DT_VALRNGLO", 0x6fff_fd00),
    ("DT_VALRNGHI", 0x6fff_fdff),
    ("DT_ADDRRNGLO", 0x6fff_fe00),
    ("DT_ADDRRNGHI", 0x6fff_feff),
    ("DT_VERSYM", 0x6fff_fff0),
    ("DT_RELACOUNT", 0x6fff_fff9),
    ("DT_RELCOUNT", 0x6fff_fffa),
    ("DT_FLAGS_1", 0x6fff_fffb),
    ("DT_VERDEF", 0x6fff_fffc),
    ("DT_VERDEFNUM", 0x6fff_fffd),
    ("DT_VERNEED", 0x6fff_fffe),
    ("DT_VERNEEDNUM", 0x6fff_ffff),
    ("DT_LOPROC", 0x7000_0000),
    ("DT_HIPROC", 0x7fff_ffff),
];
