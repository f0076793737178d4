//! The `dex` module's declaration: the fields YARA-X's `dex` module
//! reports, its functions, and its `ACC_*` access flags and `TYPE_*` map
//! item codes, constants inline in the module as YARA-X has them (see
//! [`crate::modules::schema`]).

use super::functions::DEX_FUNCTIONS;
use crate::modules::schema::schema;

schema! {
    /// The header fields YARA-X reports (it leaves out the table sizes and
    /// offsets).
    pub(super) struct DexHeader {
        /// `dex\n` read big-endian: 0x6465780a.
        magic: i64,
        /// The format version (35 to 41).
        version: i64,
        /// Adler-32 of the file after this field, as stored; compare with
        /// `dex.checksum()`.
        checksum: i64,
        /// SHA-1 of the file after this field, as stored, in lowercase hex;
        /// compare with `dex.signature()`.
        signature: Vec<u8>,
        file_size: i64,
        header_size: i64,
        endian_tag: i64,
        link_size: i64,
        link_off: i64,
        /// Declared but never set by YARA-X.
        data_size: i64,
        /// Declared but never set by YARA-X.
        data_off: i64,
        /// Size of the container (version 41 and later).
        container_size: i64,
        /// Offset of this header in its container (version 41 and later).
        header_offset: i64,
    }

    /// A method prototype.
    pub(super) struct ProtoItem {
        /// The short-form descriptor (`VL`).
        shorty: Vec<u8>,
        return_type: Vec<u8>,
        /// Parameters that resolved (the length of `parameters`).
        parameters_count: i64,
        parameters: Vec<Vec<u8>>,
    }

    /// A field id.
    pub(super) struct FieldItem {
        /// The defining class.
        class: Vec<u8>,
        r#type: Vec<u8>,
        name: Vec<u8>,
    }

    /// A method id.
    pub(super) struct MethodItem {
        /// The defining class.
        class: Vec<u8>,
        proto: ProtoItem,
        name: Vec<u8>,
    }

    /// A class definition.
    pub(super) struct ClassItem {
        class: Vec<u8>,
        /// `ACC_*` bits.
        access_flags: i64,
        /// Undefined for a class without one (`java.lang.Object`).
        superclass: Vec<u8>,
        source_file: Vec<u8>,
    }

    /// One entry of the map list.
    pub(super) struct MapItem {
        /// A `TYPE_*` code.
        r#type: i64,
        unused: i64,
        /// Items of this type.
        size: i64,
        offset: i64,
    }

    /// The map list: where each kind of item lies.
    pub(super) struct MapList {
        /// Entries the list declares.
        size: i64,
        items: Vec<MapItem>,
    }

    /// The `dex` module.
    pub(super) struct DexModule {
        /// Whether the input is a DEX file.
        is_dex: bool,
        header: DexHeader,
        /// The string pool: the strings that decode, in id order (an id
        /// whose string does not decode is left out, shifting the rest).
        strings: Vec<Vec<u8>>,
        /// Type descriptors, in type id order.
        types: Vec<Vec<u8>>,
        protos: Vec<ProtoItem>,
        fields: Vec<FieldItem>,
        methods: Vec<MethodItem>,
        class_defs: Vec<ClassItem>,
        map_list: MapList,
    }
    functions = DEX_FUNCTIONS;
    constants = [ACCESS_FLAGS, TYPE_CODES];
}

/// `ACC_*`: access flags of classes, fields and methods (some share a bit:
/// a field's `VOLATILE` is a method's `BRIDGE`).
const ACCESS_FLAGS: &[(&str, i64)] = &[
    ("ACC_PUBLIC", 0x1),
    ("ACC_PRIVATE", 0x2),
    ("ACC_PROTECTED", 0x4),
    ("ACC_STATIC", 0x8),
    ("ACC_FINAL", 0x10),
    ("ACC_SYNCHRONIZED", 0x20),
    ("ACC_VOLATILE", 0x40),
    ("ACC_BRIDGE", 0x40),
    ("ACC_TRANSIENT", 0x80),
    ("ACC_VARARGS", 0x80),
    ("ACC_NATIVE", 0x100),
    ("ACC_INTERFACE", 0x200),
    ("ACC_ABSTRACT", 0x400),
    ("ACC_STRICT", 0x800),
    ("ACC_SYNTHETIC", 0x1000),
    ("ACC_ANNOTATION", 0x2000),
    ("ACC_ENUM", 0x4000),
    ("ACC_CONSTRUCTOR", 0x10000),
    ("ACC_DECLARED_SYNCHRONIZED", 0x20000),
];

/// `TYPE_*`: the item kinds of the map list.
const TYPE_CODES: &[(&str, i64)] = &[
    ("TYPE_HEADER_ITEM", 0x0000),
    ("TYPE_STRING_ID_ITEM", 0x0001),
    ("TYPE_TYPE_ID_ITEM", 0x0002),
    ("TYPE_PROTO_ID_ITEM", 0x0003),
    ("TYPE_FIELD_ID_ITEM", 0x0004),
    ("TYPE_METHOD_ID_ITEM", 0x0005),
    ("TYPE_CLASS_DEF_ITEM", 0x0006),
    ("TYPE_CALL_SITE_ID_ITEM", 0x0007),
    ("TYPE_METHOD_HANDLE_ITEM", 0x0008),
    ("TYPE_MAP_LIST", 0x1000),
    ("TYPE_TYPE_LIST", 0x1001),
    ("TYPE_ANNOTATION_SET_REF_LIST", 0x1002),
    ("TYPE_ANNOTATION_SET_ITEM", 0x1003),
    ("TYPE_CLASS_DATA_ITEM", 0x2000),
    ("TYPE_CODE_ITEM", 0x2001),
    ("TYPE_STRING_DATA_ITEM", 0x2002),
    ("TYPE_DEBUG_INFO_ITEM", 0x2003),
    ("TYPE_ANNOTATION_ITEM", 0x2004),
    ("TYPE_ENCODED_ARRAY_ITEM", 0x2005),
    ("TYPE_ANNOTATIONS_DIRECTORY_ITEM", 0x2006),
    ("TYPE_HIDDENAPI_CLASS_DATA_ITEM", 0xF000),
];
