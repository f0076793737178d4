//! Reading Dalvik executables the way YARA-X does: a header whose sizes
//! and offsets are checked against the file (a file that fails is not a
//! DEX), then each id table read on its own, entry by entry until its
//! declared count or the end of the file. An entry whose indexes do not
//! resolve is left out, and so is a string that does not decode, so later
//! lists index the shortened ones, as in YARA-X.
//!
//! Text is shared (`Arc<[u8]>`): a hostile file can point a million string
//! ids at one 64 KiB string, which is decoded once.

use std::collections::HashMap;
use std::sync::Arc;

use crate::modules::binary::{bytes_at, u16_le, u32_le};

/// Shared text: a decoded string, type descriptor or name.
pub(super) type Text = Arc<[u8]>;

/// The header, as YARA-X keeps it.
#[derive(Debug, Default)]
pub(super) struct Header {
    pub magic: u32,
    pub version: u32,
    pub checksum: u32,
    pub signature: String,
    pub file_size: u32,
    pub header_size: u32,
    pub endian_tag: u32,
    pub link_size: u32,
    pub link_off: u32,
    /// Version 41 and later: container size and header offset.
    pub container: Option<(u32, u32)>,
}

#[derive(Debug)]
pub(super) struct Proto {
    pub shorty: Text,
    pub return_type: Text,
    pub parameters: Vec<Text>,
}

#[derive(Debug)]
pub(super) struct Field {
    pub class: Text,
    pub kind: Text,
    pub name: Text,
}

#[derive(Debug)]
pub(super) struct Method {
    pub class: Text,
    pub proto: Arc<Proto>,
    pub name: Text,
}

#[derive(Debug)]
pub(super) struct Class {
    pub class: Text,
    pub access_flags: u32,
    pub superclass: Option<Text>,
    pub source_file: Option<Text>,
}

#[derive(Debug)]
pub(super) struct MapItem {
    pub kind: u16,
    pub unused: u16,
    pub size: u32,
    pub offset: u32,
}

/// A parsed DEX file.
#[derive(Debug, Default)]
pub(super) struct Dex {
    pub header: Header,
    pub strings: Vec<Text>,
    pub types: Vec<Text>,
    pub protos: Vec<Arc<Proto>>,
    pub fields: Vec<Field>,
    pub methods: Vec<Method>,
    pub classes: Vec<Class>,
    /// The declared size and the items.
    pub map: Option<(u32, Vec<MapItem>)>,
}

/// `dex\n`, read big-endian.
const MAGIC: u32 = 0x6465_780a;
const HEADER_SIZE: u32 = 0x70;
const ENDIAN_CONSTANT: u32 = 0x1234_5678;
const REVERSE_ENDIAN_CONSTANT: u32 = 0x7856_3412;
/// An absent superclass or source file.
const NO_INDEX: u32 = 0xffff_ffff;
/// Entries read from each table at most, as in YARA-X.
const MAX_ENTRIES: usize = 1_000_000;
/// The longest string decoded, in bytes.
const MAX_STRING: u64 = 65_536;
/// The most parameters a type list may declare (Dalvik's own limit).
const MAX_PARAMETERS: u32 = 255;

/// The table offsets and sizes the header declares.
struct Tables {
    map_off: u32,
    strings: (u32, u32),
    types: (u32, u32),
    protos: (u32, u32),
    fields: (u32, u32),
    methods: (u32, u32),
    classes: (u32, u32),
}

impl Dex {
    /// Parses `data`; `None` when it is not a DEX file.
    pub(super) fn parse(data: &[u8]) -> Option<Dex> {
        let (header, tables) = header(data)?;
        let strings = strings(data, tables.strings);
        let types: Vec<Text> = entries(data, tables.types, 4)
            .filter_map(|e| strings.get(u32_le(e, 0)? as usize).cloned())
            .collect();
        let protos: Vec<Arc<Proto>> = entries(data, tables.protos, 12)
            .filter_map(|e| {
                let parameters = match u32_le(e, 8)? {
                    0 => Vec::new(),
                    offset => type_list(data, offset as usize, &types).unwrap_or_default(),
                };
                Some(Arc::new(Proto {
                    shorty: strings.get(u32_le(e, 0)? as usize)?.clone(),
                    return_type: types.get(u32_le(e, 4)? as usize)?.clone(),
                    parameters,
                }))
            })
            .collect();
        let fields = entries(data, tables.fields, 8)
            .filter_map(|e| {
                Some(Field {
                    class: types.get(usize::from(u16_le(e, 0)?))?.clone(),
                    kind: types.get(usize::from(u16_le(e, 2)?))?.clone(),
                    name: strings.get(u32_le(e, 4)? as usize)?.clone(),
                })
            })
            .collect();
        let methods = entries(data, tables.methods, 8)
            .filter_map(|e| {
                Some(Method {
                    class: types.get(usize::from(u16_le(e, 0)?))?.clone(),
                    proto: protos.get(usize::from(u16_le(e, 2)?))?.clone(),
                    name: strings.get(u32_le(e, 4)? as usize)?.clone(),
                })
            })
            .collect();
        let optional = |list: &[Text], index: u32| {
            (index != NO_INDEX).then(|| list.get(index as usize).cloned()).flatten()
        };
        let classes = entries(data, tables.classes, 32)
            .filter_map(|e| {
                Some(Class {
                    class: types.get(u32_le(e, 0)? as usize)?.clone(),
                    access_flags: u32_le(e, 4)?,
                    superclass: optional(&types, u32_le(e, 8)?),
                    source_file: optional(&strings, u32_le(e, 16)?),
                })
            })
            .collect();
        let map = map_list(data, tables.map_off as usize);
        Some(Dex { header, strings, types, protos, fields, methods, classes, map })
    }
}

/// The header, when every check YARA-X makes passes.
fn header(data: &[u8]) -> Option<(Header, Tables)> {
    let magic = u32::from_be_bytes(data.get(..4)?.try_into().ok()?);
    let version = version(bytes_at(data, 4, 4)?)?;
    (magic == MAGIC).then_some(())?;
    let len = data.len() as u64;
    // Reads the u32 at `at`, which must satisfy `ok`.
    let field = |at: usize, ok: &dyn Fn(u32) -> bool| u32_le(data, at).filter(|&v| ok(v));
    let any = |_: u32| true;
    let offset = |v: u32| u64::from(v) <= len;
    let short = |v: u32| v <= u32::from(u16::MAX);
    let mut header = Header {
        magic,
        version,
        checksum: u32_le(data, 8)?,
        signature: crate::modules::hash::hex(bytes_at(data, 12, 20)?),
        file_size: field(32, &offset)?,
        header_size: field(36, &|v| v == HEADER_SIZE)?,
        endian_tag: field(40, &|v| v == ENDIAN_CONSTANT || v == REVERSE_ENDIAN_CONSTANT)?,
        link_size: u32_le(data, 44)?,
        link_off: field(48, &offset)?,
        container: None,
    };
    let tables = Tables {
        map_off: field(52, &offset)?,
        strings: (field(56, &any)?, field(60, &offset)?),
        types: (field(64, &short)?, field(68, &offset)?),
        protos: (field(72, &short)?, field(76, &offset)?),
        fields: (field(80, &any)?, field(84, &offset)?),
        methods: (field(88, &any)?, field(92, &offset)?),
        classes: (field(96, &any)?, field(100, &offset)?),
    };
    // The data section is checked (a file whose `data_off` lies past its
    // end is not a DEX to YARA-X) but not reported.
    field(104, &any)?;
    field(108, &offset)?;
    if version >= 41 {
        header.container = Some((u32_le(data, 112)?, u32_le(data, 116)?));
    }
    Some((header, tables))
}

/// The version in `0NN\0` (35 to 41).
fn version(bytes: &[u8]) -> Option<u32> {
    let [b'0', tens @ b'3'..=b'4', units @ b'0'..=b'9', 0] = *bytes else { return None };
    let version = u32::from(tens - b'0') * 10 + u32::from(units - b'0');
    (35..=41).contains(&version).then_some(version)
}

/// The entries of `size` bytes of a table at `(count, offset)`: none when
/// the offset is 0, else up to the count, [`MAX_ENTRIES`] or the end of
/// the file, whichever comes first.
fn entries(data: &[u8], (count, offset): (u32, u32), size: usize) -> impl Iterator<Item = &[u8]> {
    let table = match offset {
        0 => &[][..],
        offset => data.get(offset as usize..).unwrap_or_default(),
    };
    table.chunks_exact(size).take((count as usize).min(MAX_ENTRIES))
}

/// The string pool: each id's string data decoded, ids whose data does
/// not decode left out. Data shared by several ids is decoded once.
fn strings(data: &[u8], table: (u32, u32)) -> Vec<Text> {
    let mut decoded: HashMap<u32, Option<Text>> = HashMap::new();
    entries(data, table, 4)
        .filter_map(|e| {
            let offset = u32_le(e, 0)?;
            decoded.entry(offset).or_insert_with(|| string_data(data, offset)).clone()
        })
        .collect()
}

/// A `string_data_item`: a ULEB128 length in UTF-16 code units, then
/// MUTF-8 bytes. YARA-X takes as many bytes as the length counts code
/// units, so a string with non-ASCII characters is cut short, and it is
/// then left out when the cut falls inside a character.
fn string_data(data: &[u8], offset: u32) -> Option<Text> {
    if offset < HEADER_SIZE {
        return None;
    }
    let (len, rest) = uleb128(data.get(offset as usize..)?)?;
    if len > MAX_STRING {
        return None;
    }
    let bytes = rest.get(..usize::try_from(len).ok()?)?;
    mutf8(bytes).map(Into::into)
}

/// An unsigned LEB128 number and the bytes after it; `None` when the data
/// ends first or the number needs more than 64 bits of shift.
fn uleb128(data: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &byte) in data.iter().enumerate() {
        let shift = u32::try_from(i * 7).ok().filter(|&s| s < u64::BITS)?;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((value, &data[i + 1..]));
        }
    }
    None
}

/// MUTF-8 bytes as UTF-8: valid UTF-8 is taken as it is; otherwise `C0 80`
/// is NUL and a surrogate pair written as two 3-byte sequences is one
/// character, and anything else that is not UTF-8 fails.
fn mutf8(bytes: &[u8]) -> Option<Vec<u8>> {
    if std::str::from_utf8(bytes).is_ok() {
        return Some(bytes.to_vec());
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let continuation = |at: usize| bytes.get(at).copied().filter(|b| b & 0xc0 == 0x80);
    while let Some(&first) = bytes.get(i) {
        match first {
            0x01..=0x7f => {
                out.push(first);
                i += 1;
            }
            0xc0 => {
                (bytes.get(i + 1) == Some(&0x80)).then_some(())?;
                out.push(0);
                i += 2;
            }
            0xc2..=0xdf => {
                out.extend_from_slice(&[first, continuation(i + 1)?]);
                i += 2;
            }
            0xe0..=0xef => {
                let second = *bytes.get(i + 1)?;
                match (first, second) {
                    (0xe0, 0xa0..=0xbf)
                    | (0xe1..=0xec | 0xee..=0xef, 0x80..=0xbf)
                    | (0xed, 0x80..=0x9f) => {
                        out.extend_from_slice(&[first, second, continuation(i + 2)?]);
                        i += 3;
                    }
                    (0xed, 0xa0..=0xaf) => {
                        let [third, fourth, fifth, sixth] = *bytes.get(i + 2..i + 6)? else {
                            return None;
                        };
                        let low = fourth == 0xed && fifth & 0xf0 == 0xb0;
                        (third & 0xc0 == 0x80 && low && sixth & 0xc0 == 0x80).then_some(())?;
                        let high = 0xd000 | u32::from(second & 0x3f) << 6 | u32::from(third & 0x3f);
                        let low = 0xd000 | u32::from(fifth & 0x3f) << 6 | u32::from(sixth & 0x3f);
                        let c = char::from_u32(0x10000 + ((high - 0xd800) << 10 | (low - 0xdc00)))?;
                        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        i += 6;
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A `type_list` at `offset`: parameter types that resolve, up to the
/// declared count or the end of the file; `None` past the end or over
/// [`MAX_PARAMETERS`].
fn type_list(data: &[u8], offset: usize, types: &[Text]) -> Option<Vec<Text>> {
    let count = u32_le(data, offset)?;
    (count <= MAX_PARAMETERS).then_some(())?;
    let list = data.get(offset + 4..)?;
    Some(
        list.chunks_exact(2)
            .take(count as usize)
            .filter_map(|e| types.get(usize::from(u16_le(e, 0)?)).cloned())
            .collect(),
    )
}

/// The map list at `offset`: its declared size and the items up to that
/// size or the end of the file.
fn map_list(data: &[u8], offset: usize) -> Option<(u32, Vec<MapItem>)> {
    let size = u32_le(data, offset)?;
    let items = data
        .get(offset + 4..)?
        .chunks_exact(12)
        .take(size as usize)
        .filter_map(|e| {
            Some(MapItem {
                kind: u16_le(e, 0)?,
                unused: u16_le(e, 2)?,
                size: u32_le(e, 4)?,
                offset: u32_le(e, 8)?,
            })
        })
        .collect();
    Some((size, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutf8_decodes_nul_and_surrogate_pairs() {
        assert_eq!(mutf8(b"plain").as_deref(), Some(&b"plain"[..]));
        assert_eq!(mutf8(b"a\xc0\x80b").as_deref(), Some(&b"a\0b"[..]));
        let pair = b"\xed\xa0\xbd\xed\xb8\x80";
        assert_eq!(mutf8(pair).as_deref(), Some("\u{1f600}".as_bytes()));
        assert_eq!(mutf8(b"caf\xc3"), None, "a character cut short");
        assert_eq!(mutf8(b"\xc0\x80\x00"), None, "raw NUL outside valid UTF-8");
        assert_eq!(mutf8(b"\xed\xb0\x80\xc0\x80"), None, "a lone low surrogate");
    }

    #[test]
    fn uleb128_stops_at_the_last_byte() {
        assert_eq!(uleb128(&[0xe5, 0x8e, 0x26, 0xff]), Some((624_485, &[0xff][..])));
        assert_eq!(uleb128(&[0x80]), None);
        assert_eq!(uleb128(&[0x80; 11]), None);
    }

    #[test]
    fn versions_35_to_41() {
        assert_eq!(version(b"035\0"), Some(35));
        assert_eq!(version(b"041\0"), Some(41));
        assert_eq!(version(b"034\0"), None);
        assert_eq!(version(b"042\0"), None);
        assert_eq!(version(b"035x"), None);
    }
}
