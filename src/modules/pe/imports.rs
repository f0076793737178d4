//! The import directory and the delay-load import directory.
//!
//! Both list DLLs, each with a table of thunks that name a function or
//! give its ordinal. Delay-load descriptors of old linkers hold virtual
//! addresses instead of RVAs (bit 0 of their attributes clear).

use super::headers::Headers;
use super::ordinals;
use crate::modules::binary::{u16_le, u32_le, u64_le};

/// At most this many descriptors are read per directory (YARA's
/// `MAX_PE_IMPORTS`).
const MAX_DESCRIPTORS: usize = 16384;

/// At most this many functions are read over all DLLs of one directory:
/// descriptors may all point at one huge thunk table.
const MAX_FUNCTIONS: usize = 65536;

/// Names longer than this are cut: with [`MAX_FUNCTIONS`] this bounds the
/// bytes scanned for names.
const MAX_NAME: usize = 1024;

/// `IMAGE_DIRECTORY_ENTRY_IMPORT`.
const DIRECTORY_IMPORT: usize = 1;
/// `IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT`.
const DIRECTORY_DELAY_IMPORT: usize = 13;

/// One imported function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Function {
    /// The name, or for imports by ordinal the well-known name or `ordN`.
    pub name: Option<String>,
    /// The ordinal, for imports by ordinal.
    pub ordinal: Option<u16>,
    /// RVA of the function's slot in the import address table.
    pub rva: u32,
}

/// The functions imported from one DLL by one descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Import {
    pub library_name: String,
    pub functions: Vec<Function>,
}

struct Descriptor {
    /// Fields hold virtual addresses, not RVAs.
    va_values: bool,
    name: u32,
    name_table: u32,
    address_table: u32,
}

/// Standard imports; `None` without an import directory.
pub(super) fn standard(pe: &Headers<'_>) -> Option<Vec<Import>> {
    // The descriptors run until an empty one, past the size the directory
    // declares if need be, as YARA-X reads them (delay-load ones do not).
    let (entry, table) = pe.dir_entry_data(DIRECTORY_IMPORT, false)?;
    if entry.rva == 0 {
        return None;
    }
    let descriptors = table.chunks_exact(20).map(|d| Descriptor {
        va_values: false,
        name_table: le32(d, 0),
        name: le32(d, 12),
        address_table: le32(d, 16),
    });
    Some(read_imports(pe, descriptors))
}

/// Delay-load imports; `None` without a delay-load directory.
pub(super) fn delayed(pe: &Headers<'_>) -> Option<Vec<Import>> {
    let (entry, table) = pe.dir_entry_data(DIRECTORY_DELAY_IMPORT, true)?;
    if entry.rva == 0 {
        return None;
    }
    let descriptors = table.chunks_exact(32).map(|d| Descriptor {
        va_values: le32(d, 0) & 1 == 0,
        name: le32(d, 4),
        address_table: le32(d, 12),
        name_table: le32(d, 16),
    });
    Some(read_imports(pe, descriptors))
}

fn le32(chunk: &[u8], at: usize) -> u32 {
    u32_le(chunk, at).unwrap_or(0)
}

fn read_imports(pe: &Headers<'_>, descriptors: impl Iterator<Item = Descriptor>) -> Vec<Import> {
    let is_32 = pe.is_32bit();
    let mut budget = MAX_FUNCTIONS;
    let mut imports = Vec::new();
    // The table ends at a descriptor without a name or without tables.
    let descriptors = descriptors
        .take(MAX_DESCRIPTORS)
        .take_while(|d| d.name != 0 && (d.address_table != 0 || d.name_table != 0));
    for mut d in descriptors {
        if budget == 0 {
            break;
        }
        if d.va_values {
            let Ok(base) = u32::try_from(pe.optional.image_base) else { continue };
            d.name = d.name.saturating_sub(base);
            d.name_table = d.name_table.saturating_sub(base);
            d.address_table = d.address_table.saturating_sub(base);
        }
        let Some(library_name) = dll_name_at(pe, d.name) else { continue };
        // The name table (OriginalFirstThunk) when it maps into the file,
        // else the address table (FirstThunk), as YARA-X reads them.
        let Some(thunks) = [d.name_table, d.address_table]
            .into_iter()
            .filter(|&rva| rva > 0)
            .find_map(|rva| pe.data_at_rva(rva))
        else {
            continue;
        };
        let width = if is_32 { 4 } else { 8 };
        let mut functions = Vec::new();
        for (i, thunk) in thunk_values(thunks, is_32).take(budget).enumerate() {
            budget -= 1;
            let slot = u32::try_from(i * width).unwrap_or(u32::MAX);
            let mut function =
                Function { name: None, ordinal: None, rva: d.address_table.saturating_add(slot) };
            let by_ordinal_bit: u64 = if is_32 { 1 << 31 } else { 1 << 63 };
            // Above an ordinal import of 65535 no thunk is valid: YARA-X
            // skips it, its slot still counting for the next ones' RVAs.
            if thunk > by_ordinal_bit | 0xffff {
                continue;
            }
            if thunk & by_ordinal_bit != 0 {
                let ordinal = (thunk & 0xffff) as u16;
                function.ordinal = Some(ordinal);
                function.name = Some(ordinals::name(&library_name, ordinal));
            } else {
                let thunk =
                    if d.va_values { thunk.saturating_sub(pe.optional.image_base) } else { thunk };
                function.name = u32::try_from(thunk).ok().and_then(|rva| hint_name_at(pe, rva));
            }
            if function.ordinal.is_some() || function.name.is_some() {
                functions.push(function);
            }
        }
        if !functions.is_empty() {
            imports.push(Import { library_name, functions });
        }
    }
    imports
}

/// The non-zero thunks at the start of `table`.
fn thunk_values(table: &[u8], is_32: bool) -> impl Iterator<Item = u64> + '_ {
    let width = if is_32 { 4 } else { 8 };
    (0..table.len() / width)
        .map(
            move |i| {
                if is_32 { u32_le(table, i * 4).map(u64::from) } else { u64_le(table, i * 8) }
            },
        )
        .map_while(|t| t.filter(|&t| t != 0))
}

/// The function name of an `IMAGE_IMPORT_BY_NAME` (a hint, then the name).
fn hint_name_at(pe: &Headers<'_>, rva: u32) -> Option<String> {
    let data = pe.data_at_rva(rva)?;
    u16_le(data, 0)?;
    let name = until_nul(&data[2..]);
    // Printable ASCII without spaces, as YARA-X requires: anything else is
    // a thunk pointing at unrelated bytes of a damaged file.
    if name.is_empty() || !name.iter().all(u8::is_ascii_graphic) {
        return None;
    }
    String::from_utf8(name.to_vec()).ok()
}

/// The bytes up to the first NUL, or to the end, at most [`MAX_NAME`].
pub(super) fn until_nul(data: &[u8]) -> &[u8] {
    let window = &data[..data.len().min(MAX_NAME)];
    memchr::memchr(0, window).map_or(window, |end| &window[..end])
}

/// The UTF-8 string at `rva`, up to a NUL or the end of the file.
pub(super) fn str_at_rva(pe: &Headers<'_>, rva: u32) -> Option<String> {
    let bytes = until_nul(pe.data_at_rva(rva)?);
    String::from_utf8(bytes.to_vec()).ok()
}

/// A DLL name at `rva`: a UTF-8 string without the characters Windows
/// forbids in file names (YARA-X rejects such names).
pub(super) fn dll_name_at(pe: &Headers<'_>, rva: u32) -> Option<String> {
    let name = str_at_rva(pe, rva)?;
    let forbidden =
        |c: char| c.is_ascii_control() || matches!(c, ' ' | '"' | '*' | '<' | '>' | '?' | '|');
    (!name.contains(forbidden)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(d: &mut [u8], at: usize, v: u32) {
        d[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// A 32-bit PE (image base 0x400000, one section mapping RVA 0x1000 to
    /// offset 0x200) whose delay-load descriptor uses virtual addresses.
    fn delay_loading_pe() -> Vec<u8> {
        let mut d = vec![0u8; 0x800];
        d[..2].copy_from_slice(b"MZ");
        d[0x3c] = 0x80;
        d[0x80..0x84].copy_from_slice(b"PE\0\0");
        d[0x84..0x86].copy_from_slice(&0x14cu16.to_le_bytes());
        d[0x86] = 1;
        d[0x94] = 0xe0;
        let o = 0x98;
        d[o..o + 2].copy_from_slice(&0x10bu16.to_le_bytes());
        put(&mut d, o + 28, 0x40_0000); // image base
        put(&mut d, o + 32, 0x1000);
        put(&mut d, o + 36, 0x200);
        put(&mut d, o + 92, 16);
        put(&mut d, o + 96 + 13 * 8, 0x1000); // delay-load directory
        put(&mut d, o + 96 + 13 * 8 + 4, 64);
        let s = o + 0xe0;
        put(&mut d, s + 8, 0x600);
        put(&mut d, s + 12, 0x1000);
        put(&mut d, s + 16, 0x600);
        put(&mut d, s + 20, 0x200);
        // Descriptor at file 0x200: attributes 0 (virtual addresses).
        put(&mut d, 0x204, 0x40_1100); // name
        put(&mut d, 0x20c, 0x40_1200); // address table
        put(&mut d, 0x210, 0x40_1300); // name table
        d[0x300..0x30b].copy_from_slice(b"delayed.dll");
        put(&mut d, 0x500, 0x40_1400); // by name, as a virtual address
        put(&mut d, 0x504, 0x8000_0007); // by ordinal 7
        d[0x602..0x609].copy_from_slice(b"Delayed");
        d
    }

    #[test]
    fn delay_load_descriptors_with_virtual_addresses() {
        let data = delay_loading_pe();
        let pe = Headers::parse(&data).expect("a PE");
        let imports = delayed(&pe).expect("a delay-load directory");
        assert_eq!(imports.len(), 1);
        assert_eq!(imports[0].library_name, "delayed.dll");
        let names: Vec<_> = imports[0].functions.iter().map(|f| f.name.clone().unwrap()).collect();
        assert_eq!(names, ["Delayed", "ord7"]);
        assert_eq!(imports[0].functions[1].rva, 0x1204);
        assert!(standard(&pe).is_none());
    }

    #[test]
    fn thunks_past_the_largest_ordinal_and_unprintable_names_are_skipped() {
        let mut data = delay_loading_pe();
        put(&mut data, 0x504, 0x8001_0007); // no ordinal is that large
        put(&mut data, 0x508, 0x40_1500); // a name with a control character
        data[0x702..0x706].copy_from_slice(b"a\x07b\0");
        put(&mut data, 0x50c, 0x8000_0009);
        let pe = Headers::parse(&data).expect("a PE");
        let imports = delayed(&pe).expect("a delay-load directory");
        let found: Vec<_> =
            imports[0].functions.iter().map(|f| (f.name.clone().unwrap(), f.rva)).collect();
        // Skipped thunks keep their slots: the last one is the fourth.
        assert_eq!(found, [("Delayed".to_owned(), 0x1200), ("ord9".to_owned(), 0x120c)]);
    }
}
