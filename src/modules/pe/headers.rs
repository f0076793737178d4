//! DOS, COFF and optional headers, the data directory and the section
//! table, read the way YARA-X reads them: a file is a PE once its DOS and
//! COFF headers are complete; a truncated optional header leaves its fields
//! zero rather than rejecting the file.

use crate::modules::binary::{bytes_at, c_string_at, u16_le, u32_le, u64_le};

/// At most this many section headers are read (YARA's `MAX_PE_SECTIONS`).
pub(super) const MAX_SECTIONS: usize = 96;

/// At most this many data directory entries are listed, whatever
/// `NumberOfRvaAndSizes` claims (`IMAGE_NUMBEROF_DIRECTORY_ENTRIES`).
const MAX_DATA_DIRECTORIES: usize = 16;

/// Longer names from the COFF string table are cut here.
const MAX_SECTION_NAME: usize = 1024;

/// `IMAGE_NT_OPTIONAL_HDR32_MAGIC`.
pub(super) const OPTIONAL_HDR32_MAGIC: u16 = 0x10b;
/// `IMAGE_NT_OPTIONAL_HDR64_MAGIC`.
pub(super) const OPTIONAL_HDR64_MAGIC: u16 = 0x20b;

const SIZE_OF_FILE_HEADER: usize = 20;
const SIZE_OF_SECTION_HEADER: usize = 40;
const SIZE_OF_SYMBOL: u32 = 18;

/// `IMAGE_FILE_HEADER`.
#[derive(Debug, Default, Clone)]
pub(super) struct FileHeader {
    pub machine: u16,
    pub number_of_sections: u16,
    pub timestamp: u32,
    pub symbol_table_offset: u32,
    pub number_of_symbols: u32,
    pub size_of_optional_header: u16,
    pub characteristics: u16,
}

/// `IMAGE_OPTIONAL_HEADER32/64`, widened to one shape. All zero when the
/// header is truncated, as in YARA-X; a magic other than PE32+'s is read
/// with the 32-bit layout, as YARA-X does (the loader ignores the magic).
#[derive(Debug, Default, Clone)]
pub(super) struct OptionalHeader {
    pub magic: u16,
    pub major_linker_version: u8,
    pub minor_linker_version: u8,
    pub size_of_code: u32,
    pub size_of_initialized_data: u32,
    pub size_of_uninitialized_data: u32,
    pub entry_point: u32,
    pub base_of_code: u32,
    /// Only in 32-bit headers.
    pub base_of_data: Option<u32>,
    pub image_base: u64,
    pub section_alignment: u32,
    pub file_alignment: u32,
    pub major_os_version: u16,
    pub minor_os_version: u16,
    pub major_image_version: u16,
    pub minor_image_version: u16,
    pub major_subsystem_version: u16,
    pub minor_subsystem_version: u16,
    pub win32_version: u32,
    pub size_of_image: u32,
    pub size_of_headers: u32,
    pub checksum: u32,
    pub subsystem: u16,
    pub dll_characteristics: u16,
    pub size_of_stack_reserve: u64,
    pub size_of_stack_commit: u64,
    pub size_of_heap_reserve: u64,
    pub size_of_heap_commit: u64,
    pub loader_flags: u32,
    pub number_of_rva_and_sizes: u32,
}

/// One section header.
#[derive(Debug, Default, Clone)]
pub(super) struct Section {
    /// The 8-byte name without trailing NULs.
    pub name: Vec<u8>,
    /// The long name from the string table for GNU-style `/123` names.
    pub full_name: Option<Vec<u8>>,
    pub virtual_size: u32,
    pub virtual_address: u32,
    pub raw_data_size: u32,
    pub raw_data_offset: u32,
    pub pointer_to_relocations: u32,
    pub pointer_to_line_numbers: u32,
    pub number_of_relocations: u16,
    pub number_of_line_numbers: u16,
    pub characteristics: u32,
}

/// One data directory entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DirEntry {
    pub(crate) rva: u32,
    pub(crate) size: u32,
}

/// The parsed headers of a PE file.
#[derive(Debug)]
pub(crate) struct Headers<'a> {
    /// The whole file.
    pub(crate) data: &'a [u8],
    /// Offset of the `PE\0\0` signature: the DOS stub ends there.
    pub(super) e_lfanew: usize,
    pub(super) file: FileHeader,
    pub(super) optional: OptionalHeader,
    /// From the first data directory entry to the end of the file.
    directory: &'a [u8],
    pub(super) sections: Vec<Section>,
}

impl<'a> Headers<'a> {
    /// Parses the headers; `None` when `data` is not a PE file.
    pub(crate) fn parse(data: &'a [u8]) -> Option<Self> {
        if data.get(..2)? != b"MZ" {
            return None;
        }
        let e_lfanew = usize::try_from(u32_le(data, 0x3c)?).ok()?;
        if u32_le(data, e_lfanew)? != 0x0000_4550 {
            return None;
        }
        let f = e_lfanew + 4;
        let file = FileHeader {
            machine: u16_le(data, f)?,
            number_of_sections: u16_le(data, f + 2)?,
            timestamp: u32_le(data, f + 4)?,
            symbol_table_offset: u32_le(data, f + 8)?,
            number_of_symbols: u32_le(data, f + 12)?,
            size_of_optional_header: u16_le(data, f + 16)?,
            characteristics: u16_le(data, f + 18)?,
        };
        let optional_start = f + SIZE_OF_FILE_HEADER;
        let (optional, directory) = parse_optional_header(data, optional_start).unwrap_or_default();
        let section_table = optional_start + usize::from(file.size_of_optional_header);
        let sections = parse_sections(data, &file, section_table);
        Some(Self { data, e_lfanew, file, optional, directory, sections })
    }

    /// Whether the optional header has the 32-bit layout: any magic but
    /// PE32+'s (see [`OptionalHeader`]).
    pub(super) fn is_32bit(&self) -> bool {
        self.optional.magic != OPTIONAL_HDR64_MAGIC
    }

    /// Converts an RVA to a file offset.
    pub(crate) fn rva_to_offset(&self, rva: u32) -> Option<u32> {
        rva_to_offset(
            rva,
            &self.sections,
            self.optional.file_alignment,
            self.optional.section_alignment,
        )
    }

    /// The file from the offset of `rva` to its end.
    pub(super) fn data_at_rva(&self, rva: u32) -> Option<&'a [u8]> {
        let offset = usize::try_from(self.rva_to_offset(rva)?).ok()?;
        self.data.get(offset..)
    }

    /// Data directory entries: `NumberOfRvaAndSizes` of them but at most
    /// 16, none if the file is too short to hold them all (YARA-X, checked
    /// on mutants by tests/it/modules_mutants_reference.rs).
    pub(super) fn data_directories(&self) -> Vec<DirEntry> {
        let count = (self.optional.number_of_rva_and_sizes as usize).min(MAX_DATA_DIRECTORIES);
        if count * 8 > self.directory.len() {
            return Vec::new();
        }
        (0..count).filter_map(|i| self.dir_entry(i)).collect()
    }

    /// Entry `index` of the data directory. Entries past
    /// `NumberOfRvaAndSizes` are still read: real files undercount them.
    pub(super) fn dir_entry(&self, index: usize) -> Option<DirEntry> {
        let at = index.checked_mul(8)?;
        Some(DirEntry { rva: u32_le(self.directory, at)?, size: u32_le(self.directory, at + 4)? })
    }

    /// The RVA, size and data of directory entry `index`. The data runs to
    /// the end of the file, or only over the declared size if `strict`.
    pub(crate) fn dir_entry_data(
        &self,
        index: usize,
        strict: bool,
    ) -> Option<(DirEntry, &'a [u8])> {
        let entry = self.dir_entry(index)?;
        let start = usize::try_from(self.rva_to_offset(entry.rva)?).ok()?;
        let end = if strict {
            self.data.len().min(start.saturating_add(entry.size as usize))
        } else {
            self.data.len()
        };
        Some((entry, self.data.get(start..end)?))
    }

    /// The file offset of the entry point.
    pub(super) fn entry_point_offset(&self) -> Option<u32> {
        self.rva_to_offset(self.optional.entry_point)
    }
}

fn parse_optional_header(data: &[u8], at: usize) -> Option<(OptionalHeader, &[u8])> {
    let magic = u16_le(data, at)?;
    let is_32 = magic != OPTIONAL_HDR64_MAGIC;
    let mut h = OptionalHeader {
        magic,
        major_linker_version: *data.get(at + 2)?,
        minor_linker_version: *data.get(at + 3)?,
        size_of_code: u32_le(data, at + 4)?,
        size_of_initialized_data: u32_le(data, at + 8)?,
        size_of_uninitialized_data: u32_le(data, at + 12)?,
        entry_point: u32_le(data, at + 16)?,
        base_of_code: u32_le(data, at + 20)?,
        ..OptionalHeader::default()
    };
    let mut p = at + 24;
    if is_32 {
        h.base_of_data = Some(u32_le(data, p)?);
        h.image_base = u64::from(u32_le(data, p + 4)?);
        p += 8;
    } else {
        h.image_base = u64_le(data, p)?;
        p += 8;
    }
    h.section_alignment = u32_le(data, p)?;
    h.file_alignment = u32_le(data, p + 4)?;
    h.major_os_version = u16_le(data, p + 8)?;
    h.minor_os_version = u16_le(data, p + 10)?;
    h.major_image_version = u16_le(data, p + 12)?;
    h.minor_image_version = u16_le(data, p + 14)?;
    h.major_subsystem_version = u16_le(data, p + 16)?;
    h.minor_subsystem_version = u16_le(data, p + 18)?;
    h.win32_version = u32_le(data, p + 20)?;
    h.size_of_image = u32_le(data, p + 24)?;
    h.size_of_headers = u32_le(data, p + 28)?;
    h.checksum = u32_le(data, p + 32)?;
    h.subsystem = u16_le(data, p + 36)?;
    h.dll_characteristics = u16_le(data, p + 38)?;
    p += 40;
    let word = |offset: usize| -> Option<u64> {
        if is_32 { u32_le(data, offset).map(u64::from) } else { u64_le(data, offset) }
    };
    let width = if is_32 { 4 } else { 8 };
    h.size_of_stack_reserve = word(p)?;
    h.size_of_stack_commit = word(p + width)?;
    h.size_of_heap_reserve = word(p + 2 * width)?;
    h.size_of_heap_commit = word(p + 3 * width)?;
    p += 4 * width;
    h.loader_flags = u32_le(data, p)?;
    h.number_of_rva_and_sizes = u32_le(data, p + 4)?;
    Some((h, data.get(p + 8..)?))
}

fn parse_sections(data: &[u8], file: &FileHeader, table: usize) -> Vec<Section> {
    // The COFF string table follows the symbol table; GNU tools put long
    // section names there and write `/offset` in the header.
    let string_table_offset = file
        .symbol_table_offset
        .saturating_add(file.number_of_symbols.saturating_mul(SIZE_OF_SYMBOL));
    let string_table = data.get(string_table_offset as usize..);
    let count = usize::from(file.number_of_sections).min(MAX_SECTIONS);
    (0..count)
        .map_while(|i| {
            let at = table.checked_add(i * SIZE_OF_SECTION_HEADER)?;
            parse_section(data, at, string_table)
        })
        .collect()
}

fn parse_section(data: &[u8], at: usize, string_table: Option<&[u8]>) -> Option<Section> {
    let raw_name = bytes_at(data, at, 8)?;
    let name_len = raw_name.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    let name = raw_name[..name_len].to_vec();
    let mut section = Section {
        full_name: None,
        virtual_size: u32_le(data, at + 8)?,
        virtual_address: u32_le(data, at + 12)?,
        raw_data_size: u32_le(data, at + 16)?,
        raw_data_offset: u32_le(data, at + 20)?,
        pointer_to_relocations: u32_le(data, at + 24)?,
        pointer_to_line_numbers: u32_le(data, at + 28)?,
        number_of_relocations: u16_le(data, at + 32)?,
        number_of_line_numbers: u16_le(data, at + 34)?,
        characteristics: u32_le(data, at + 36)?,
        name,
    };
    let tail = string_table.zip(long_name_offset(&section.name)).and_then(|(t, o)| t.get(o..));
    if let Some(tail) = tail {
        let window = &tail[..tail.len().min(MAX_SECTION_NAME)];
        let long = c_string_at(window, 0, MAX_SECTION_NAME).unwrap_or(window);
        section.full_name = Some(long.to_vec());
    }
    Some(section)
}

/// The string-table offset of a `/123` section name.
fn long_name_offset(name: &[u8]) -> Option<usize> {
    let digits = name.strip_prefix(b"/")?;
    std::str::from_utf8(digits).ok()?.parse::<u32>().ok().map(|n| n as usize)
}

/// Rounds a section's raw offset down the way the Windows loader does: to
/// the file alignment (taken as at most 0x200) and, for page-aligned
/// images, to a 512-byte sector.
fn aligned_raw_offset(offset: u32, file_alignment: u32, section_alignment: u32) -> u32 {
    let file_alignment = file_alignment.min(0x200);
    let mut offset = offset;
    if let Some(rem) = offset.checked_rem(file_alignment) {
        offset -= rem;
    }
    if section_alignment >= 0x1000 {
        offset -= offset % 0x200;
    }
    offset
}

/// Converts an RVA to a file offset with YARA-X's rules: below every
/// section it maps to itself; otherwise the containing section with the
/// highest start wins (a section spans the larger of its virtual and raw
/// sizes), and an RVA past the section's raw data has no offset.
pub(super) fn rva_to_offset(
    rva: u32,
    sections: &[Section],
    file_alignment: u32,
    section_alignment: u32,
) -> Option<u32> {
    let lowest = sections.iter().map(|s| s.virtual_address).min();
    if matches!(lowest, Some(low) if rva < low) {
        return Some(rva);
    }
    let (mut start, mut offset, mut raw_size) = (0u32, 0u32, 0u32);
    for s in sections {
        let end = s.virtual_address.saturating_add(s.virtual_size.max(s.raw_data_size));
        if start <= s.virtual_address && (s.virtual_address..end).contains(&rva) {
            start = s.virtual_address;
            offset = aligned_raw_offset(s.raw_data_offset, file_alignment, section_alignment);
            raw_size = s.raw_data_size;
        }
    }
    if rva.saturating_sub(start) >= raw_size {
        return None;
    }
    Some(offset.saturating_add(rva - start))
}

/// Converts a file offset to an RVA, the inverse of [`rva_to_offset`];
/// sections without raw data are ignored.
pub(super) fn offset_to_rva(
    offset: u32,
    sections: &[Section],
    file_alignment: u32,
    section_alignment: u32,
) -> Option<u32> {
    let start_of =
        |s: &Section| aligned_raw_offset(s.raw_data_offset, file_alignment, section_alignment);
    let on_disk = || sections.iter().filter(|s| s.raw_data_offset > 0);
    if matches!(on_disk().map(start_of).min(), Some(low) if offset < low) {
        return Some(offset);
    }
    let (mut rva, mut start, mut raw_size) = (0u32, 0u32, 0u32);
    for s in on_disk() {
        let s_start = start_of(s);
        let end = s_start.saturating_add(s.raw_data_size);
        if start <= s_start && (s_start..end).contains(&offset) {
            rva = s.virtual_address;
            start = s_start;
            raw_size = s.raw_data_size;
        }
    }
    if offset.saturating_sub(start) >= raw_size {
        return None;
    }
    Some(rva.saturating_add(offset - start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(va: u32, vsize: u32, raw: u32, raw_size: u32) -> Section {
        Section {
            virtual_address: va,
            virtual_size: vsize,
            raw_data_offset: raw,
            raw_data_size: raw_size,
            ..Section::default()
        }
    }

    #[test]
    fn rvas_map_through_the_containing_section() {
        let sections = [section(0x1000, 0x800, 0x400, 0x600), section(0x2000, 0x100, 0xa00, 0x200)];
        assert_eq!(rva_to_offset(0x10, &sections, 0x200, 0x1000), Some(0x10));
        assert_eq!(rva_to_offset(0x1010, &sections, 0x200, 0x1000), Some(0x410));
        assert_eq!(rva_to_offset(0x1700, &sections, 0x200, 0x1000), None);
        assert_eq!(rva_to_offset(0x2010, &sections, 0x200, 0x1000), Some(0xa10));
        assert_eq!(offset_to_rva(0xa10, &sections, 0x200, 0x1000), Some(0x2010));
        assert_eq!(offset_to_rva(0x10, &sections, 0x200, 0x1000), Some(0x10));
    }

    #[test]
    fn non_pe_inputs_are_rejected() {
        assert!(Headers::parse(b"").is_none());
        assert!(Headers::parse(b"MZ").is_none());
        let mut data = vec![0u8; 0x100];
        data[..2].copy_from_slice(b"MZ");
        data[0x3c] = 0x80;
        assert!(Headers::parse(&data).is_none());
        data[0x80..0x84].copy_from_slice(b"PE\0\0");
        let headers = Headers::parse(&data).expect("complete COFF header");
        assert_eq!(headers.optional.magic, 0);
        assert!(headers.sections.is_empty());
    }

    /// A PE of 0x200 bytes: an optional header with `magic`, entry point
    /// 0x1234 and `rva_count` for `NumberOfRvaAndSizes`.
    fn pe_with(magic: u16, rva_count: u32) -> Vec<u8> {
        let mut data = vec![0u8; 0x200];
        data[..2].copy_from_slice(b"MZ");
        data[0x3c] = 0x80;
        data[0x80..0x84].copy_from_slice(b"PE\0\0");
        data[0x94] = 0xe0;
        data[0x98..0x9a].copy_from_slice(&magic.to_le_bytes());
        data[0x98 + 16..0x98 + 20].copy_from_slice(&0x1234u32.to_le_bytes());
        data[0x98 + 92..0x98 + 96].copy_from_slice(&rva_count.to_le_bytes());
        data
    }

    /// Issue 15: an unknown magic dropped the optional header, and
    /// NumberOfRvaAndSizes 0 listed 16 entries and 0xffffffff none.
    #[test]
    fn unknown_magic_reads_as_pe32_and_directories_are_capped_at_16() {
        let data = pe_with(0x1234, 16);
        let headers = Headers::parse(&data).unwrap();
        assert_eq!(headers.optional.entry_point, 0x1234);
        assert!(headers.is_32bit());
        for (count, listed) in [(0, 0), (5, 5), (16, 16), (17, 16), (u32::MAX, 16)] {
            let data = pe_with(OPTIONAL_HDR32_MAGIC, count);
            let listed_here = Headers::parse(&data).unwrap().data_directories().len();
            assert_eq!(listed_here, listed, "NumberOfRvaAndSizes {count}");
        }
    }
}
