//! The `pe` module's declaration: every field, function and constant that
//! YARA-X documents for it (its `pe.proto` and module functions), plus the
//! legacy spellings YARA 4.x still accepts.
//!
//! Booleans (`is_pe`, `is_signed`, `is_dll()`...) are typed [`Type::Bool`]
//! as in YARA-X; at run time they are integers 0 and 1.

use std::sync::{Arc, LazyLock};

use crate::modules::record::with_constants;
use crate::types::{StructBuilder, StructType, Type};

/// The declaration, built once.
pub(super) static DECLARATION: LazyLock<Arc<StructType>> = LazyLock::new(build);

fn version() -> Arc<StructType> {
    StructBuilder::new().int("major").int("minor").build()
}

fn certificate() -> Arc<StructType> {
    StructBuilder::new()
        .string("issuer")
        .string("subject")
        .string("thumbprint")
        .int("version")
        .string("algorithm")
        .string("algorithm_oid")
        .string("serial")
        .int("not_before")
        .int("not_after")
        .build()
}

fn signature() -> Arc<StructType> {
    let certificate = certificate();
    let signer_info = StructBuilder::new()
        .string("program_name")
        .string("more_info")
        .string("digest")
        .string("digest_alg")
        .array("chain", Type::Struct(certificate.clone()))
        .build();
    let countersignature = StructBuilder::new()
        .field("verified", Type::Bool)
        .int("sign_time")
        .string("digest")
        .string("digest_alg")
        .array("chain", Type::Struct(certificate.clone()))
        .build();
    StructBuilder::new()
        .string("subject")
        .string("issuer")
        .string("thumbprint")
        .int("version")
        .string("algorithm")
        .string("algorithm_oid")
        .string("serial")
        .int("not_before")
        .int("not_after")
        .field("verified", Type::Bool)
        .string("digest_alg")
        .string("digest")
        .string("file_digest")
        .int("number_of_certificates")
        .int("number_of_countersignatures")
        .structure("signer_info", signer_info)
        .array("certificates", Type::Struct(certificate))
        .array("countersignatures", Type::Struct(countersignature))
        .function("valid_on", &[(&[Type::Integer], Type::Bool)])
        .build()
}

fn section() -> Arc<StructType> {
    StructBuilder::new()
        .string("name")
        .string("full_name")
        .int("characteristics")
        .int("raw_data_size")
        .int("raw_data_offset")
        .int("virtual_address")
        .int("virtual_size")
        .int("pointer_to_relocations")
        .int("pointer_to_line_numbers")
        .int("number_of_relocations")
        .int("number_of_line_numbers")
        .build()
}

fn rich_signature() -> Arc<StructType> {
    let tool = StructBuilder::new().int("toolid").int("version").int("times").build();
    StructBuilder::new()
        .int("offset")
        .int("length")
        .int("key")
        .string("raw_data")
        .string("clear_data")
        .array("tools", Type::Struct(tool))
        .function(
            "version",
            &[(&[Type::Integer], Type::Integer), (&[Type::Integer, Type::Integer], Type::Integer)],
        )
        .function(
            "toolid",
            &[(&[Type::Integer], Type::Integer), (&[Type::Integer, Type::Integer], Type::Integer)],
        )
        .build()
}

fn resource() -> Arc<StructType> {
    StructBuilder::new()
        .int("length")
        .int("rva")
        .int("offset")
        .int("type")
        .int("id")
        .int("language")
        .string("type_string")
        .string("name_string")
        .string("language_string")
        .build()
}

fn import() -> Arc<StructType> {
    let function = StructBuilder::new().string("name").int("ordinal").int("rva").build();
    StructBuilder::new()
        .string("library_name")
        .int("number_of_functions")
        .array("functions", Type::Struct(function))
        .build()
}

fn export() -> Arc<StructType> {
    StructBuilder::new()
        .string("name")
        .int("ordinal")
        .int("rva")
        .int("offset")
        .string("forward_name")
        .build()
}

fn build() -> Arc<StructType> {
    let builder = StructBuilder::new()
        .field("is_pe", Type::Bool)
        .int("machine")
        .int("subsystem")
        .structure("os_version", version())
        .structure("subsystem_version", version())
        .structure("image_version", version())
        .structure("linker_version", version())
        .int("opthdr_magic")
        .int("characteristics")
        .int("dll_characteristics")
        .int("timestamp")
        .int("image_base")
        .int("checksum")
        .int("base_of_code")
        .int("base_of_data")
        .int("entry_point")
        .int("entry_point_raw")
        .string("dll_name")
        .int("export_timestamp")
        .int("section_alignment")
        .int("file_alignment")
        .int("loader_flags")
        .int("size_of_optional_header")
        .int("size_of_code")
        .int("size_of_initialized_data")
        .int("size_of_uninitialized_data")
        .int("size_of_image")
        .int("size_of_headers")
        .int("size_of_stack_reserve")
        .int("size_of_stack_commit")
        .int("size_of_heap_reserve")
        .int("size_of_heap_commit")
        .int("pointer_to_symbol_table")
        .int("win32_version_value")
        .int("number_of_symbols")
        .int("number_of_rva_and_sizes")
        .int("number_of_sections")
        .int("number_of_imported_functions")
        .int("number_of_delayed_imported_functions")
        .int("number_of_resources")
        .int("number_of_version_infos")
        .int("number_of_imports")
        .int("number_of_delayed_imports")
        .int("number_of_exports")
        .int("number_of_signatures")
        .dict("version_info", Type::String)
        .array(
            "version_info_list",
            Type::Struct(StructBuilder::new().string("key").string("value").build()),
        )
        .structure("rich_signature", rich_signature())
        .string("pdb_path")
        .array("sections", Type::Struct(section()))
        .array(
            "data_directories",
            Type::Struct(StructBuilder::new().int("virtual_address").int("size").build()),
        )
        .int("resource_timestamp")
        .structure("resource_version", version())
        .array("resources", Type::Struct(resource()))
        .array("import_details", Type::Struct(import()))
        .array("delayed_import_details", Type::Struct(import()))
        .array("export_details", Type::Struct(export()))
        .field("is_signed", Type::Bool)
        .array("signatures", Type::Struct(signature()))
        .structure("overlay", StructBuilder::new().int("offset").int("size").build())
        .function("is_32bit", &[(&[], Type::Bool)])
        .function("is_64bit", &[(&[], Type::Bool)])
        .function("is_dll", &[(&[], Type::Bool)])
        .function("rva_to_offset", &[(&[Type::Integer], Type::Integer)])
        .function("offset_to_rva", &[(&[Type::Integer], Type::Integer)])
        .function("calculate_checksum", &[(&[], Type::Integer)])
        .function(
            "section_index",
            &[(&[Type::String], Type::Integer), (&[Type::Integer], Type::Integer)],
        )
        .function("imphash", &[(&[], Type::String)])
        // The overload order is the one `functions::imports` maps.
        .function(
            "imports",
            &[
                (&[Type::String], Type::Integer),
                (&[Type::String, Type::String], Type::Bool),
                (&[Type::String, Type::Integer], Type::Integer),
                (&[Type::Regex, Type::Regex], Type::Integer),
                (&[Type::Integer, Type::String], Type::Integer),
                (&[Type::Integer, Type::String, Type::String], Type::Bool),
                (&[Type::Integer, Type::String, Type::Integer], Type::Bool),
                (&[Type::Integer, Type::Regex, Type::Regex], Type::Integer),
            ],
        )
        .function(
            "import_rva",
            &[
                (&[Type::String, Type::String], Type::Integer),
                (&[Type::String, Type::Integer], Type::Integer),
            ],
        )
        .function(
            "delayed_import_rva",
            &[
                (&[Type::String, Type::String], Type::Integer),
                (&[Type::String, Type::Integer], Type::Integer),
            ],
        )
        .function(
            "exports",
            &[
                (&[Type::String], Type::Bool),
                (&[Type::Integer], Type::Bool),
                (&[Type::Regex], Type::Bool),
            ],
        )
        .function(
            "exports_index",
            &[
                (&[Type::String], Type::Integer),
                (&[Type::Integer], Type::Integer),
                (&[Type::Regex], Type::Integer),
            ],
        )
        .function("locale", &[(&[Type::Integer], Type::Bool)])
        .function("language", &[(&[Type::Integer], Type::Bool)]);
    let builder = with_constants(builder, MACHINES);
    let builder = with_constants(builder, SUBSYSTEMS);
    let builder = with_constants(builder, IMPORT_FLAGS);
    let builder = with_constants(builder, CHARACTERISTICS);
    let builder = with_constants(builder, OPTIONAL_MAGICS);
    let builder = with_constants(builder, DIRECTORY_ENTRIES);
    let builder = with_constants(builder, SECTION_CHARACTERISTICS);
    let builder = with_constants(builder, DLL_CHARACTERISTICS);
    with_constants(builder, RESOURCE_TYPES).build()
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
