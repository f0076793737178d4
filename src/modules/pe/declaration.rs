//! The `pe` module's declaration: every field, function and constant that
//! YARA-X documents for it (its `pe.proto` and module functions), plus the
//! legacy spellings YARA 4.x still accepts. The structures below are the
//! one source of the module's types, of the values `value` builds and of
//! its documentation (see [`crate::modules::schema`]).
//!
//! Booleans (`is_pe`, `is_signed`, `is_dll()`...) are typed as booleans as
//! in YARA-X; at run time they are integers 0 and 1.

use std::collections::BTreeMap;

use super::functions::{PE_FUNCTIONS, RICH_FUNCTIONS};
use super::signatures::Signature;
use crate::modules::schema::schema;

schema! {
    /// A `major.minor` version pair.
    pub(super) struct Version {
        major: i64,
        minor: i64,
    }

    /// A section header.
    pub(super) struct Section {
        /// The name as stored (8 bytes, NULs removed).
        name: Vec<u8>,
        /// The long name from the COFF string table, else `name`.
        full_name: Vec<u8>,
        characteristics: i64,
        raw_data_size: i64,
        raw_data_offset: i64,
        virtual_address: i64,
        virtual_size: i64,
        pointer_to_relocations: i64,
        pointer_to_line_numbers: i64,
        number_of_relocations: i64,
        number_of_line_numbers: i64,
    }

    /// One record of the rich header.
    pub(super) struct RichTool {
        toolid: i64,
        version: i64,
        times: i64,
    }

    /// The undocumented "Rich" header the Microsoft linker writes.
    pub(super) struct RichSignature {
        /// File offset of the header.
        offset: i64,
        length: i64,
        /// The XOR key.
        key: i64,
        raw_data: Vec<u8>,
        /// The header with the key removed.
        clear_data: Vec<u8>,
        tools: Vec<RichTool>,
    }
    functions = RICH_FUNCTIONS;

    /// A resource, a leaf of the resource tree.
    pub(super) struct Resource {
        length: i64,
        rva: i64,
        offset: i64,
        /// The numeric type; `type_string` when the type is named.
        r#type: i64,
        id: i64,
        language: i64,
        type_string: Vec<u8>,
        name_string: Vec<u8>,
        language_string: Vec<u8>,
    }

    /// An imported function.
    pub(super) struct ImportedFunction {
        name: Vec<u8>,
        ordinal: i64,
        rva: i64,
    }

    /// The functions imported from one library.
    pub(super) struct Import {
        library_name: Vec<u8>,
        number_of_functions: i64,
        functions: Vec<ImportedFunction>,
    }

    /// An exported function.
    pub(super) struct Export {
        name: Vec<u8>,
        ordinal: i64,
        rva: i64,
        offset: i64,
        /// `DLL.function` for a forwarded export.
        forward_name: Vec<u8>,
    }

    /// One version-information string.
    pub(super) struct KeyValue {
        key: Vec<u8>,
        value: Vec<u8>,
    }

    /// A data directory entry.
    pub(super) struct DataDirectory {
        virtual_address: i64,
        size: i64,
    }

    /// Data after the last section.
    pub(super) struct Overlay {
        offset: i64,
        size: i64,
    }

    /// The `pe` module.
    pub(super) struct PeModule {
        /// Whether the input is a PE file.
        is_pe: bool,
        machine: i64,
        subsystem: i64,
        os_version: Version,
        subsystem_version: Version,
        image_version: Version,
        linker_version: Version,
        opthdr_magic: i64,
        characteristics: i64,
        dll_characteristics: i64,
        timestamp: i64,
        image_base: i64,
        checksum: i64,
        base_of_code: i64,
        base_of_data: i64,
        /// The entry point as a file offset.
        entry_point: i64,
        /// The entry point as stored (an RVA).
        entry_point_raw: i64,
        dll_name: Vec<u8>,
        export_timestamp: i64,
        section_alignment: i64,
        file_alignment: i64,
        loader_flags: i64,
        size_of_optional_header: i64,
        size_of_code: i64,
        size_of_initialized_data: i64,
        size_of_uninitialized_data: i64,
        size_of_image: i64,
        size_of_headers: i64,
        size_of_stack_reserve: i64,
        size_of_stack_commit: i64,
        size_of_heap_reserve: i64,
        size_of_heap_commit: i64,
        pointer_to_symbol_table: i64,
        win32_version_value: i64,
        number_of_symbols: i64,
        number_of_rva_and_sizes: i64,
        number_of_sections: i64,
        number_of_imported_functions: i64,
        number_of_delayed_imported_functions: i64,
        number_of_resources: i64,
        number_of_version_infos: i64,
        number_of_imports: i64,
        number_of_delayed_imports: i64,
        number_of_exports: i64,
        number_of_signatures: i64,
        /// Version-information strings by key.
        version_info: BTreeMap<Vec<u8>, Vec<u8>>,
        /// Version-information strings in file order.
        version_info_list: Vec<KeyValue>,
        rich_signature: RichSignature,
        /// The PDB path of the CodeView debug record.
        pdb_path: Vec<u8>,
        sections: Vec<Section>,
        data_directories: Vec<DataDirectory>,
        resource_timestamp: i64,
        resource_version: Version,
        resources: Vec<Resource>,
        import_details: Vec<Import>,
        delayed_import_details: Vec<Import>,
        export_details: Vec<Export>,
        /// Whether some signature is verified.
        is_signed: bool,
        signatures: Vec<Signature>,
        overlay: Overlay,
    }
    functions = PE_FUNCTIONS;
    constants = [
        MACHINES,
        SUBSYSTEMS,
        IMPORT_FLAGS,
        CHARACTERISTICS,
        OPTIONAL_MAGICS,
        DIRECTORY_ENTRIES,
        SECTION_CHARACTERISTICS,
        DLL_CHARACTERISTICS,
        RESOURCE_TYPES,
    ];
}

/// `IMAGE_FILE_HEADER.Machine` values.
const MACHINES: &[(&str, i64)] = &[
    ("MACHINE_UNKNOWN", 0x0000),
    ("MACHINE_AM33", 0x01d3),
    ("MACHINE_AMD64", 0x8664),
    ("MACHINE_ARM", 0x01c0),
    ("MACHINE_ARMNT", 0x01c4),
    ("MACHINE_ARM64", 0xaa64),
    ("MACHINE_EBC", 0x0ebc),
    ("MACHINE_I386", 0x014c),
    ("MACHINE_IA64", 0x0200),
    ("MACHINE_M32R", 0x9041),
    ("MACHINE_MIPS16", 0x0266),
    ("MACHINE_MIPSFPU", 0x0366),
    ("MACHINE_MIPSFPU16", 0x0466),
    ("MACHINE_POWERPC", 0x01f0),
    ("MACHINE_POWERPCFP", 0x01f1),
    ("MACHINE_R4000", 0x0166),
    ("MACHINE_SH3", 0x01a2),
    ("MACHINE_SH3DSP", 0x01a3),
    ("MACHINE_SH4", 0x01a6),
    ("MACHINE_SH5", 0x01a8),
    ("MACHINE_THUMB", 0x01c2),
    ("MACHINE_WCEMIPSV2", 0x0169),
];

/// `IMAGE_OPTIONAL_HEADER.Subsystem` values.
const SUBSYSTEMS: &[(&str, i64)] = &[
    ("SUBSYSTEM_UNKNOWN", 0),
    ("SUBSYSTEM_NATIVE", 1),
    ("SUBSYSTEM_WINDOWS_GUI", 2),
    ("SUBSYSTEM_WINDOWS_CUI", 3),
    ("SUBSYSTEM_OS2_CUI", 5),
    ("SUBSYSTEM_POSIX_CUI", 7),
    ("SUBSYSTEM_NATIVE_WINDOWS", 8),
    ("SUBSYSTEM_WINDOWS_CE_GUI", 9),
    ("SUBSYSTEM_EFI_APPLICATION", 10),
    ("SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER", 11),
    ("SUBSYSTEM_EFI_RUNTIME_DRIVER", 12),
    ("SUBSYSTEM_EFI_ROM_IMAGE", 13),
    ("SUBSYSTEM_XBOX", 14),
    ("SUBSYSTEM_WINDOWS_BOOT_APPLICATION", 16),
];

/// Which import tables `imports(flags, ...)` looks at.
pub(super) const IMPORT_FLAGS: &[(&str, i64)] =
    &[("IMPORT_STANDARD", 0x01), ("IMPORT_DELAYED", 0x02), ("IMPORT_ANY", 0x03)];

/// `IMAGE_FILE_HEADER.Characteristics` flags.
const CHARACTERISTICS: &[(&str, i64)] = &[
    ("RELOCS_STRIPPED", 0x0001),
    ("EXECUTABLE_IMAGE", 0x0002),
    ("LINE_NUMS_STRIPPED", 0x0004),
    ("LOCAL_SYMS_STRIPPED", 0x0008),
    ("AGGRESIVE_WS_TRIM", 0x0010),
    ("LARGE_ADDRESS_AWARE", 0x0020),
    ("BYTES_REVERSED_LO", 0x0080),
    ("MACHINE_32BIT", 0x0100),
    ("DEBUG_STRIPPED", 0x0200),
    ("REMOVABLE_RUN_FROM_SWAP", 0x0400),
    ("NET_RUN_FROM_SWAP", 0x0800),
    ("SYSTEM", 0x1000),
    ("DLL", 0x2000),
    ("UP_SYSTEM_ONLY", 0x4000),
    ("BYTES_REVERSED_HI", 0x8000),
];

/// Optional header magics.
const OPTIONAL_MAGICS: &[(&str, i64)] = &[
    ("IMAGE_NT_OPTIONAL_HDR32_MAGIC", 0x10b),
    ("IMAGE_NT_OPTIONAL_HDR64_MAGIC", 0x20b),
    ("IMAGE_ROM_OPTIONAL_HDR_MAGIC", 0x107),
];

/// Data directory indexes. `ARCHITECTURE` shares 7 with `COPYRIGHT`, so
/// the names after it are one below their position, as in YARA.
const DIRECTORY_ENTRIES: &[(&str, i64)] = &[
    ("IMAGE_DIRECTORY_ENTRY_EXPORT", 0),
    ("IMAGE_DIRECTORY_ENTRY_IMPORT", 1),
    ("IMAGE_DIRECTORY_ENTRY_RESOURCE", 2),
    ("IMAGE_DIRECTORY_ENTRY_EXCEPTION", 3),
    ("IMAGE_DIRECTORY_ENTRY_SECURITY", 4),
    ("IMAGE_DIRECTORY_ENTRY_BASERELOC", 5),
    ("IMAGE_DIRECTORY_ENTRY_DEBUG", 6),
    ("IMAGE_DIRECTORY_ENTRY_COPYRIGHT", 7),
    ("IMAGE_DIRECTORY_ENTRY_ARCHITECTURE", 7),
    ("IMAGE_DIRECTORY_ENTRY_GLOBALPTR", 8),
    ("IMAGE_DIRECTORY_ENTRY_TLS", 9),
    ("IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG", 10),
    ("IMAGE_DIRECTORY_ENTRY_BOUND_IMPORT", 11),
    ("IMAGE_DIRECTORY_ENTRY_IAT", 12),
    ("IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT", 13),
    ("IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR", 14),
];

/// `IMAGE_SECTION_HEADER.Characteristics` flags.
const SECTION_CHARACTERISTICS: &[(&str, i64)] = &[
    ("SECTION_NO_PAD", 0x0000_0008),
    ("SECTION_CNT_CODE", 0x0000_0020),
    ("SECTION_CNT_INITIALIZED_DATA", 0x0000_0040),
    ("SECTION_CNT_UNINITIALIZED_DATA", 0x0000_0080),
    ("SECTION_LNK_OTHER", 0x0000_0100),
    ("SECTION_LNK_INFO", 0x0000_0200),
    ("SECTION_LNK_REMOVE", 0x0000_0800),
    ("SECTION_LNK_COMDAT", 0x0000_1000),
    ("SECTION_NO_DEFER_SPEC_EXC", 0x0000_4000),
    ("SECTION_GPREL", 0x0000_8000),
    ("SECTION_ALIGN_1BYTES", 0x0010_0000),
    ("SECTION_ALIGN_2BYTES", 0x0020_0000),
    ("SECTION_ALIGN_4BYTES", 0x0030_0000),
    ("SECTION_ALIGN_8BYTES", 0x0040_0000),
    ("SECTION_ALIGN_16BYTES", 0x0050_0000),
    ("SECTION_ALIGN_32BYTES", 0x0060_0000),
    ("SECTION_ALIGN_64BYTES", 0x0070_0000),
    ("SECTION_ALIGN_128BYTES", 0x0080_0000),
    ("SECTION_ALIGN_256BYTES", 0x0090_0000),
    ("SECTION_ALIGN_512BYTES", 0x00A0_0000),
    ("SECTION_ALIGN_1024BYTES", 0x00B0_0000),
    ("SECTION_ALIGN_2048BYTES", 0x00C0_0000),
    ("SECTION_ALIGN_4096BYTES", 0x00D0_0000),
    ("SECTION_ALIGN_8192BYTES", 0x00E0_0000),
    ("SECTION_ALIGN_MASK", 0x00F0_0000),
    ("SECTION_LNK_NRELOC_OVFL", 0x0100_0000),
    ("SECTION_MEM_DISCARDABLE", 0x0200_0000),
    ("SECTION_MEM_NOT_CACHED", 0x0400_0000),
    ("SECTION_MEM_NOT_PAGED", 0x0800_0000),
    ("SECTION_MEM_SHARED", 0x1000_0000),
    ("SECTION_MEM_EXECUTE", 0x2000_0000),
    ("SECTION_MEM_READ", 0x4000_0000),
    ("SECTION_MEM_WRITE", 0x8000_0000),
    ("SECTION_SCALE_INDEX", 0x0000_0001),
];

/// `IMAGE_OPTIONAL_HEADER.DllCharacteristics` flags.
const DLL_CHARACTERISTICS: &[(&str, i64)] = &[
    ("HIGH_ENTROPY_VA", 0x0020),
    ("DYNAMIC_BASE", 0x0040),
    ("FORCE_INTEGRITY", 0x0080),
    ("NX_COMPAT", 0x0100),
    ("NO_ISOLATION", 0x0200),
    ("NO_SEH", 0x0400),
    ("NO_BIND", 0x0800),
    ("APPCONTAINER", 0x1000),
    ("WDM_DRIVER", 0x2000),
    ("GUARD_CF", 0x4000),
    ("TERMINAL_SERVER_AWARE", 0x8000),
];

/// Resource type ids.
const RESOURCE_TYPES: &[(&str, i64)] = &[
    ("RESOURCE_TYPE_CURSOR", 1),
    ("RESOURCE_TYPE_BITMAP", 2),
    ("RESOURCE_TYPE_ICON", 3),
    ("RESOURCE_TYPE_MENU", 4),
    ("RESOURCE_TYPE_DIALOG", 5),
    ("RESOURCE_TYPE_STRING", 6),
    ("RESOURCE_TYPE_FONTDIR", 7),
    ("RESOURCE_TYPE_FONT", 8),
    ("RESOURCE_TYPE_ACCELERATOR", 9),
    ("RESOURCE_TYPE_RCDATA", 10),
    ("RESOURCE_TYPE_MESSAGETABLE", 11),
    ("RESOURCE_TYPE_GROUP_CURSOR", 12),
    ("RESOURCE_TYPE_GROUP_ICON", 14),
    ("RESOURCE_TYPE_VERSION", 16),
    ("RESOURCE_TYPE_DLGINCLUDE", 17),
    ("RESOURCE_TYPE_PLUGPLAY", 19),
    ("RESOURCE_TYPE_VXD", 20),
    ("RESOURCE_TYPE_ANICURSOR", 21),
    ("RESOURCE_TYPE_ANIICON", 22),
    ("RESOURCE_TYPE_HTML", 23),
    ("RESOURCE_TYPE_MANIFEST", 24),
];
