//! CLI metadata of .NET PE files (ECMA-335 partition II): the CLI header,
//! the metadata root with its streams, and the `#~` tables.
//!
//! Tables are stored one after the other with row sizes that depend on the
//! heap sizes and row counts, so every table before the last one needed
//! must be walked. As in YARA-X, a table that does not parse stops the
//! walk (the tables before it are kept), and a row count over
//! [`MAX_ROWS_PER_TABLE`] discards all tables.

use crate::modules::binary::{guid, u16_le, u32_le, u64_le};
use crate::modules::pe::headers::Headers;

/// Row counts above this make the table stream invalid (YARA-X's limit).
const MAX_ROWS_PER_TABLE: u32 = 10000;
/// At most this many stream headers (YARA-X's limit).
const MAX_STREAMS: u16 = 256;
/// At most this many GUIDs are listed (YARA-X's limit).
const MAX_GUIDS: usize = 16;
/// At most this many user strings are listed.
const MAX_USER_STRINGS: usize = 1 << 20;
/// `#Strings` entries longer than this are not found: their terminator
/// is looked for this far only, which bounds the work per lookup.
const MAX_STRING: usize = 1024;
/// `IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR`.
const DIRECTORY_COM_DESCRIPTOR: usize = 14;

/// Metadata table numbers.
pub(super) mod table {
    pub const MODULE: usize = 0x00;
    pub const TYPE_REF: usize = 0x01;
    pub const TYPE_DEF: usize = 0x02;
    pub const FIELD: usize = 0x04;
    pub const METHOD_DEF: usize = 0x06;
    pub const PARAM: usize = 0x08;
    pub const INTERFACE_IMPL: usize = 0x09;
    pub const MEMBER_REF: usize = 0x0a;
    pub const CONSTANT: usize = 0x0b;
    pub const CUSTOM_ATTRIBUTE: usize = 0x0c;
    pub const STANDALONE_SIG: usize = 0x11;
    pub const EVENT: usize = 0x14;
    pub const PROPERTY: usize = 0x17;
    pub const MODULE_REF: usize = 0x1a;
    pub const TYPE_SPEC: usize = 0x1b;
    pub const FIELD_RVA: usize = 0x1d;
    pub const ASSEMBLY: usize = 0x20;
    pub const ASSEMBLY_REF: usize = 0x23;
    pub const FILE: usize = 0x26;
    pub const EXPORTED_TYPE: usize = 0x27;
    pub const MANIFEST_RESOURCE: usize = 0x28;
    pub const NESTED_CLASS: usize = 0x29;
    pub const GENERIC_PARAM: usize = 0x2a;
    pub const GENERIC_PARAM_CONSTRAINT: usize = 0x2c;
    pub const METHOD_SPEC: usize = 0x2b;
    /// A coded-index tag that names no table.
    pub const NONE: usize = 0xff;
    /// Tables are 0 to 0x2c.
    pub const COUNT: usize = 0x2d;
}

use table as t;

const TYPE_DEF_OR_REF: &[usize] = &[t::TYPE_DEF, t::TYPE_REF, t::TYPE_SPEC];
const METHOD_DEF_OR_REF: &[usize] = &[t::METHOD_DEF, t::MEMBER_REF];
const HAS_CUSTOM_ATTRIBUTE: &[usize] = &[
    t::METHOD_DEF,
    t::FIELD,
    t::TYPE_REF,
    t::TYPE_DEF,
    t::PARAM,
    t::INTERFACE_IMPL,
    t::MEMBER_REF,
    t::MODULE,
    t::NONE, // the undocumented Permission table
    t::PROPERTY,
    t::EVENT,
    t::STANDALONE_SIG,
    t::MODULE_REF,
    t::TYPE_SPEC,
    t::ASSEMBLY,
    t::ASSEMBLY_REF,
    t::FILE,
    t::EXPORTED_TYPE,
    t::MANIFEST_RESOURCE,
    t::GENERIC_PARAM,
    t::GENERIC_PARAM_CONSTRAINT,
    t::METHOD_SPEC,
];
const CUSTOM_ATTRIBUTE_TYPE: &[usize] = &[t::NONE, t::NONE, t::METHOD_DEF, t::MEMBER_REF, t::NONE];

/// One column of a metadata table.
#[derive(Clone, Copy)]
enum Column {
    U8,
    U16,
    U32,
    /// Fixed-size opaque bytes.
    Bytes(usize),
    /// A constant's element type: one byte that must be a known type.
    ElementType,
    Str,
    Guid,
    Blob,
    /// A 1-based row index into a table.
    Index(usize),
    /// A tagged index into one of several tables.
    Coded(&'static [usize]),
}

use Column::{Blob, Bytes, Coded, ElementType, Guid, Index, Str, U8, U16, U32};

/// The columns of every table, in table-number order (ECMA-335 II.22).
const SCHEMA: [&[Column]; t::COUNT] = [
    &[U16, Str, Guid, Guid, Guid], // Module
    &[Coded(&[t::MODULE, t::MODULE_REF, t::ASSEMBLY_REF, t::TYPE_REF]), Str, Str], // TypeRef
    &[U32, Str, Str, Coded(TYPE_DEF_OR_REF), Index(t::FIELD), Index(t::METHOD_DEF)], // TypeDef
    &[Index(t::FIELD)],            // FieldPtr
    &[U16, Str, Blob],             // Field
    &[Index(t::METHOD_DEF)],       // MethodDefPtr
    &[U32, U16, U16, Str, Blob, Index(t::PARAM)], // MethodDef
    &[Index(t::PARAM)],            // ParamPtr
    &[U16, U16, Str],              // Param
    &[Index(t::TYPE_DEF), Coded(TYPE_DEF_OR_REF)], // InterfaceImpl
    &[Coded(&[t::TYPE_DEF, t::TYPE_REF, t::MODULE_REF, t::METHOD_DEF, t::TYPE_SPEC]), Str, Blob], // MemberRef
    &[ElementType, U8, Coded(&[t::FIELD, t::PARAM, t::PROPERTY]), Blob], // Constant
    &[Coded(HAS_CUSTOM_ATTRIBUTE), Coded(CUSTOM_ATTRIBUTE_TYPE), Blob],  // CustomAttribute
    &[Coded(&[t::FIELD, t::PARAM]), Blob],                               // FieldMarshal
    &[U16, Coded(&[t::TYPE_DEF, t::METHOD_DEF, t::ASSEMBLY]), Blob],     // DeclSecurity
    &[U16, U32, Index(t::TYPE_DEF)],                                     // ClassLayout
    &[U32, Index(t::FIELD)],                                             // FieldLayout
    &[Blob],                                                             // StandaloneSig
    &[Index(t::TYPE_DEF), Index(t::EVENT)],                              // EventMap
    &[Index(t::EVENT)],                                                  // EventPtr
    &[U16, Str, Coded(TYPE_DEF_OR_REF)],                                 // Event
    &[Index(t::TYPE_DEF), Index(t::PROPERTY)],                           // PropertyMap
    &[Index(t::PROPERTY)],                                               // PropertyPtr
    &[U16, Str, Blob],                                                   // Property
    &[U16, Index(t::METHOD_DEF), Coded(&[t::EVENT, t::PROPERTY])],       // MethodSemantics
    &[Index(t::TYPE_DEF), Coded(METHOD_DEF_OR_REF), Coded(METHOD_DEF_OR_REF)], // MethodImpl
    &[Str],                                                              // ModuleRef
    &[Blob],                                                             // TypeSpec
    &[U16, Coded(&[t::FIELD, t::METHOD_DEF]), Str, Index(t::MODULE_REF)], // ImplMap
    &[U32, Index(t::FIELD)],                                             // FieldRVA
    &[Bytes(8)],                                                         // EncLog
    &[Bytes(4)],                                                         // EncMap
    &[U32, U16, U16, U16, U16, U32, Blob, Str, Str],                     // Assembly
    &[Bytes(4)],                                                         // AssemblyProcessor
    &[Bytes(12)],                                                        // AssemblyOS
    &[U16, U16, U16, U16, U32, Blob, Str, Str, Blob],                    // AssemblyRef
    &[U32, Index(t::ASSEMBLY_REF)],                                      // AssemblyRefProcessor
    &[U32, U32, U32, Index(t::ASSEMBLY_REF)],                            // AssemblyRefOS
    &[U32, Str, Blob],                                                   // File
    &[U32, U32, Str, Str, Coded(&[t::FILE, t::ASSEMBLY_REF, t::EXPORTED_TYPE])], // ExportedType
    &[U32, U32, Str, Coded(&[t::FILE, t::ASSEMBLY_REF, t::NONE])],       // ManifestResource
    &[Index(t::TYPE_DEF), Index(t::TYPE_DEF)],                           // NestedClass
    &[U16, U16, Coded(&[t::TYPE_DEF, t::METHOD_DEF]), Str],              // GenericParam
    &[Coded(METHOD_DEF_OR_REF), Blob],                                   // MethodSpec
    &[Index(t::GENERIC_PARAM), Coded(TYPE_DEF_OR_REF)],                  // GenericParamConstraint
];

/// A decoded cell: a number, a heap index, or a coded index resolved to
/// its table and 0-based row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cell {
    Num(u32),
    Ref { table: usize, row: usize },
}

impl Cell {
    pub(super) fn num(self) -> u32 {
        match self {
            Cell::Num(n) => n,
            Cell::Ref { row, .. } => row as u32,
        }
    }
}

/// A stream header; `offset` is relative to the start of the file.
#[derive(Debug, Clone)]
pub(super) struct Stream<'a> {
    pub name: &'a [u8],
    pub offset: u32,
    pub size: u32,
}

/// The parsed metadata of a .NET file.
#[derive(Debug)]
pub(super) struct Metadata<'a> {
    pub data: &'a [u8],
    pub version: &'a [u8],
    pub streams: Vec<Stream<'a>>,
    strings: Option<usize>,
    blobs: Option<usize>,
    guids: Option<usize>,
    user_strings: Option<usize>,
    /// Rows of every table, as far as they parsed.
    pub tables: Vec<Vec<Vec<Cell>>>,
    /// The managed resources blob and its file offset.
    pub resources: Option<&'a [u8]>,
    pub resources_offset: Option<u32>,
}

/// Size of heap and table indexes for one file.
struct Sizes {
    string: usize,
    guid: usize,
    blob: usize,
    rows: [u32; 64],
}

impl Sizes {
    fn of(&self, column: Column) -> usize {
        match column {
            U8 | ElementType => 1,
            U16 => 2,
            U32 => 4,
            Bytes(n) => n,
            Str => self.string,
            Guid => self.guid,
            Blob => self.blob,
            Index(table) => {
                if self.rows[table] > 0xffff {
                    4
                } else {
                    2
                }
            }
            Coded(tables) => {
                let tag_bits = tag_bits(tables);
                let max = tables
                    .iter()
                    .map(|&t| self.rows.get(t).copied().unwrap_or(0))
                    .max()
                    .unwrap_or(0);
                if u64::from(max) <= 1u64 << (16 - tag_bits) { 2 } else { 4 }
            }
        }
    }
}

/// Bits of a coded index that select the table: ceil(log2(n)).
fn tag_bits(tables: &[usize]) -> u32 {
    usize::BITS - (tables.len() - 1).leading_zeros()
}

/// Element types of ECMA-335 II.23.1.16 (constants must have one).
fn is_element_type(b: u8) -> bool {
    matches!(b, 0x00..=0x16 | 0x18 | 0x19 | 0x1b..=0x21 | 0x40 | 0x41 | 0x45)
}

impl<'a> Metadata<'a> {
    /// Parses the metadata of `pe`; `None` when it is not a .NET file.
    pub(super) fn parse(pe: &Headers<'a>) -> Option<Self> {
        let (_, cli) = pe.dir_entry_data(DIRECTORY_COM_DESCRIPTOR, false)?;
        if u32_le(cli, 0)? != 72 {
            return None;
        }
        let (metadata_rva, metadata_size) = (u32_le(cli, 8)?, u32_le(cli, 12)?);
        let (resources_rva, resources_size) = (u32_le(cli, 24)?, u32_le(cli, 28)?);
        u32_le(cli, 40)?; // the rest of the 72-byte header must be there
        let metadata_offset = pe.rva_to_offset(metadata_rva)?;
        let root = sized_at(pe, metadata_offset, metadata_size)?;
        let resources_offset = pe.rva_to_offset(resources_rva);
        let resources = resources_offset.and_then(|o| sized_at(pe, o, resources_size));

        if u32_le(root, 0)? != 0x424a_5342 {
            return None;
        }
        let version_len = u32_le(root, 12)?;
        if version_len > 255 {
            return None;
        }
        let version_field = root.get(16..16 + version_len as usize)?;
        let version = until_nul(version_field);
        let mut at = 16 + version_len as usize;
        u16_le(root, at)?; // flags
        let count = u16_le(root, at + 2)?;
        if count > MAX_STREAMS {
            return None;
        }
        at += 4;
        let mut streams = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let offset = u32_le(root, at)?;
            let size = u32_le(root, at + 4)?;
            let name_area = root.get(at + 8..)?;
            let name = until_nul(name_area);
            let padded = (name.len() + 1).next_multiple_of(4);
            root.get(at + 8..at + 8 + padded)?;
            streams.push(Stream { name, offset: offset.saturating_add(metadata_offset), size });
            at += 8 + padded;
        }
        let find = |wanted: &[&[u8]]| streams.iter().rposition(|s| wanted.contains(&s.name));
        let mut metadata = Self {
            data: pe.data,
            version,
            strings: find(&[b"#Strings"]),
            blobs: find(&[b"#Blob"]),
            guids: find(&[b"#GUID"]),
            user_strings: find(&[b"#US"]),
            tables: vec![Vec::new(); t::COUNT],
            resources,
            resources_offset,
            streams: Vec::new(),
        };
        let tilde = find(&[b"#~", b"#-"]);
        metadata.streams = streams;
        if let Some(tables) = tilde.and_then(|i| metadata.stream(i)) {
            metadata.read_tables(tables);
        }
        Some(metadata)
    }

    /// The bytes of stream `index`, if they are all in the file.
    fn stream(&self, index: usize) -> Option<&'a [u8]> {
        let s = self.streams.get(index)?;
        let start = s.offset as usize;
        self.data.get(start..start.saturating_add(s.size as usize))
    }

    fn read_tables(&mut self, input: &'a [u8]) -> Option<()> {
        let heap_sizes = *input.get(6)?;
        let valid = u64_le(input, 8)?;
        u64_le(input, 16)?; // sorted
        let mut rows = [0u32; 64];
        let mut at = 24;
        for (i, count) in rows.iter_mut().enumerate() {
            if valid & (1 << i) != 0 {
                let n = u32_le(input, at)?;
                if n > MAX_ROWS_PER_TABLE {
                    return None;
                }
                *count = n;
                at += 4;
            }
        }
        let sizes = Sizes {
            string: if heap_sizes & 1 != 0 { 4 } else { 2 },
            guid: if heap_sizes & 2 != 0 { 4 } else { 2 },
            blob: if heap_sizes & 4 != 0 { 4 } else { 2 },
            rows,
        };
        for (number, columns) in SCHEMA.iter().enumerate() {
            let mut table = Vec::with_capacity(rows[number] as usize);
            for _ in 0..rows[number] {
                let mut row = Vec::with_capacity(columns.len());
                for &column in *columns {
                    let size = sizes.of(column);
                    let raw = match size {
                        1 => u32::from(*input.get(at)?),
                        2 => u32::from(u16_le(input, at)?),
                        n => {
                            input.get(at..at + n)?;
                            if n == 4 { u32_le(input, at)? } else { 0 }
                        }
                    };
                    at += size;
                    row.push(cell(column, raw)?);
                }
                table.push(row);
            }
            self.tables[number] = table;
        }
        Some(())
    }

    /// The NUL-terminated UTF-8 string at `index` of `#Strings`.
    pub(super) fn string(&self, index: u32) -> Option<&'a str> {
        let heap = self.stream(self.strings?)?.get(index as usize..)?;
        let end = memchr::memchr(0, &heap[..heap.len().min(MAX_STRING)])?;
        std::str::from_utf8(&heap[..end]).ok()
    }

    /// The blob at `index` of `#Blob`.
    pub(super) fn blob(&self, index: u32) -> Option<&'a [u8]> {
        let heap = self.stream(self.blobs?)?.get(index as usize..)?;
        let (len, used) = var_uint(heap)?;
        heap.get(used..used.checked_add(len as usize)?)
    }

    /// The first GUIDs of `#GUID`, formatted like `0a1b2c3d-...`.
    pub(super) fn guids(&self) -> Vec<String> {
        let Some(heap) = self.guids.and_then(|i| self.stream(i)) else { return Vec::new() };
        heap.chunks_exact(16).take(MAX_GUIDS).filter_map(guid).collect()
    }

    /// The strings of `#US`, without their trailing flag byte; empty
    /// entries are skipped.
    pub(super) fn user_strings(&self) -> Vec<&'a [u8]> {
        let Some(mut heap) = self.user_strings.and_then(|i| self.stream(i)) else {
            return Vec::new();
        };
        let mut strings = Vec::new();
        while let Some((len, used)) = var_uint(heap) {
            let Some(s) = heap.get(used..used + len as usize) else { break };
            if s.len() >= 3 && strings.len() < MAX_USER_STRINGS {
                strings.push(&s[..s.len() - 1]);
            }
            heap = &heap[used + len as usize..];
        }
        strings
    }
}

/// A cell from its raw value; `None` for a coded index with an unknown
/// tag or a constant with an unknown element type.
fn cell(column: Column, raw: u32) -> Option<Cell> {
    Some(match column {
        Coded(tables) => {
            let bits = tag_bits(tables);
            let table = *tables.get((raw & ((1 << bits) - 1)) as usize)?;
            Cell::Ref { table, row: (raw >> bits).saturating_sub(1) as usize }
        }
        Index(table) => Cell::Ref { table, row: raw.saturating_sub(1) as usize },
        ElementType => {
            if !is_element_type(raw as u8) {
                return None;
            }
            Cell::Num(raw)
        }
        _ => Cell::Num(raw),
    })
}

/// `size` bytes at file offset `offset`, cut at the end of the file.
fn sized_at<'a>(pe: &Headers<'a>, offset: u32, size: u32) -> Option<&'a [u8]> {
    let start = offset as usize;
    let end = pe.data.len().min(start.saturating_add(size as usize));
    pe.data.get(start..end)
}

fn until_nul(data: &[u8]) -> &[u8] {
    memchr::memchr(0, data).map_or(data, |end| &data[..end])
}

/// A compressed unsigned integer (ECMA-335 II.23.2): its value and length.
pub(super) fn var_uint(data: &[u8]) -> Option<(u32, usize)> {
    let first = *data.first()?;
    if first & 0x80 == 0 {
        Some((u32::from(first), 1))
    } else if first & 0xc0 == 0x80 {
        Some(((u32::from(first & 0x3f) << 8) | u32::from(*data.get(1)?), 2))
    } else if first & 0xe0 == 0xc0 {
        let b = data.get(1..4)?;
        Some((
            (u32::from(first & 0x1f) << 24)
                | (u32::from(b[0]) << 16)
                | (u32::from(b[1]) << 8)
                | u32::from(b[2]),
            4,
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_integers() {
        assert_eq!(var_uint(&[0x03]), Some((3, 1)));
        assert_eq!(var_uint(&[0x8a, 0x00]), Some((0x0a00, 2)));
        assert_eq!(var_uint(&[0xc1, 0x02, 0x03, 0x04]), Some((0x0102_0304, 4)));
        assert_eq!(var_uint(&[0xe0]), None);
        assert_eq!(var_uint(&[0x80]), None);
    }

    #[test]
    fn coded_indexes_need_a_known_tag() {
        assert_eq!(tag_bits(HAS_CUSTOM_ATTRIBUTE), 5);
        assert_eq!(tag_bits(METHOD_DEF_OR_REF), 1);
        assert_eq!(
            cell(Coded(TYPE_DEF_OR_REF), (5 << 2) | 1),
            Some(Cell::Ref { table: t::TYPE_REF, row: 4 })
        );
        assert_eq!(cell(Coded(TYPE_DEF_OR_REF), 3), None);
    }

    #[test]
    fn guids_read_little_endian_fields() {
        let raw: Vec<u8> = (0u8..16).collect();
        assert_eq!(guid(&raw).as_deref(), Some("03020100-0504-0706-0809-0a0b0c0d0e0f"));
    }
}
