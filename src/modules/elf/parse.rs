//! Reading ELF files, 32- and 64-bit, either byte order, the way YARA-X
//! does: header tables are read whole or not at all, names come from
//! string tables that run to the end of the file, and section headers are
//! ignored when their count is in the reserved range (a corrupt header).

use crate::modules::binary::Endian;

/// Symbol tables are read up to this many entries (YARA-X reads them all;
/// a full table of this size takes about 60 ms to lay out in a release
/// build).
const MAX_SYMBOLS: usize = 1 << 16;
/// Dynamic sections are read up to this many entries.
const MAX_DYNAMIC: usize = 1 << 16;
/// Names longer than this are cut.
const MAX_NAME: usize = 1024;
/// Bytes of names read per table: past it names are left undefined, so
/// a table of many names without terminators costs bounded time and memory.
const MAX_NAME_BYTES: usize = 4 << 20;

const SHN_LORESERVE: u16 = 0xff00;
const PT_DYNAMIC: u32 = 2;
const SHT_SYMTAB: u32 = 2;
const SHT_DYNSYM: u32 = 11;

/// The file header fields the module reports.
#[derive(Debug, Clone, Default)]
pub(super) struct Header {
    pub kind: u16,
    pub machine: u16,
    pub osabi: u8,
    pub entry: u64,
    pub ph_offset: u64,
    pub sh_offset: u64,
    pub ph_entry_size: u16,
    pub ph_count: u16,
    pub sh_entry_size: u16,
    pub sh_count: u16,
    pub sh_str_index: u16,
}

/// A program header.
#[derive(Debug, Clone, Default)]
pub(super) struct Segment {
    pub kind: u32,
    pub flags: u32,
    pub offset: u64,
    pub virtual_address: u64,
    pub physical_address: u64,
    pub file_size: u64,
    pub memory_size: u64,
    pub alignment: u64,
}

/// A section header.
#[derive(Debug, Clone, Default)]
pub(super) struct Section {
    pub name_index: u32,
    pub kind: u32,
    pub flags: u64,
    pub address: u64,
    pub offset: u64,
    pub size: u64,
    pub link: u32,
}

/// A symbol.
#[derive(Debug, Clone, Default)]
pub(super) struct Symbol {
    pub name: Option<String>,
    pub value: u64,
    pub size: u64,
    pub info: u8,
    pub other: u8,
    pub shndx: u16,
}

/// Section header data that is only present when the header count is sane.
#[derive(Debug, Clone, Default)]
pub(super) struct SectionData {
    /// `None` when the section table does not fit in the file.
    pub sections: Option<Vec<(Section, Option<String>)>>,
    pub symtab: Vec<Symbol>,
    pub dynsym: Vec<Symbol>,
}

/// A parsed ELF file.
#[derive(Debug, Clone, Default)]
pub(crate) struct ParsedElf {
    pub header: Header,
    /// The file offset of the entry point.
    pub entry_point: Option<u64>,
    pub segments: Vec<Segment>,
    pub dynamic: Vec<(u64, u64)>,
    /// `None` when the section count is in the reserved range.
    pub section_data: Option<SectionData>,
}

/// How to read words of this file.
#[derive(Clone, Copy)]
struct Reader<'a> {
    data: &'a [u8],
    endian: Endian,
    is_64: bool,
}

impl Reader<'_> {
    fn u8(&self, at: usize) -> Option<u8> {
        self.data.get(at).copied()
    }
    fn u16(&self, at: usize) -> Option<u16> {
        self.endian.u16(self.data, at)
    }
    fn u32(&self, at: usize) -> Option<u32> {
        self.endian.u32(self.data, at)
    }
    fn u64(&self, at: usize) -> Option<u64> {
        self.endian.u64(self.data, at)
    }
    /// An address or offset: 32 or 64 bits by class.
    fn word(&self, at: usize) -> Option<u64> {
        if self.is_64 { self.u64(at) } else { self.u32(at).map(u64::from) }
    }
    fn word_size(&self) -> usize {
        if self.is_64 { 8 } else { 4 }
    }
}

impl ParsedElf {
    /// Parses `data`; `None` when it is not an ELF file.
    pub(crate) fn parse(data: &[u8]) -> Option<Self> {
        if data.get(..4)? != b"\x7fELF" {
            return None;
        }
        let is_64 = match *data.get(4)? {
            1 => false,
            2 => true,
            _ => return None,
        };
        let endian = match *data.get(5)? {
            1 => Endian::Little,
            2 => Endian::Big,
            _ => return None,
        };
        let r = Reader { data, endian, is_64 };
        let header = parse_header(&r)?;
        let segments = table(
            &r,
            header.ph_offset,
            header.ph_count,
            if is_64 { 56 } else { 32 },
            parse_segment,
        )
        .unwrap_or_default();
        let dynamic = segments
            .iter()
            .filter(|s| s.kind == PT_DYNAMIC)
            .flat_map(|s| dynamic_entries(&r, s))
            .take(MAX_DYNAMIC)
            .collect();
        let section_data = (header.sh_count < SHN_LORESERVE).then(|| {
            let sections = table(
                &r,
                header.sh_offset,
                header.sh_count,
                if is_64 { 64 } else { 40 },
                parse_section,
            );
            section_data(&r, &header, sections)
        });
        // No entry point when the section count is in the reserved range:
        // YARA-X then stops before it (seen on mutants).
        let entry_point = (header.entry != 0 && section_data.is_some())
            .then(|| entry_offset(&segments, header.entry))
            .flatten();
        Some(Self { header, entry_point, segments, dynamic, section_data })
    }
}

fn parse_header(r: &Reader<'_>) -> Option<Header> {
    let w = r.word_size();
    let after_words = 24 + 3 * w;
    Some(Header {
        osabi: r.u8(7)?,
        kind: r.u16(16)?,
        machine: r.u16(18)?,
        entry: r.word(24)?,
        ph_offset: r.word(24 + w)?,
        sh_offset: r.word(24 + 2 * w)?,
        ph_entry_size: r.u16(after_words + 6)?,
        ph_count: r.u16(after_words + 8)?,
        sh_entry_size: r.u16(after_words + 10)?,
        sh_count: r.u16(after_words + 12)?,
        sh_str_index: r.u16(after_words + 14)?,
    })
}

/// `count` fixed-size entries from `offset`; `None` unless all fit.
fn table<T>(
    r: &Reader<'_>,
    offset: u64,
    count: u16,
    entry_size: usize,
    parse: impl Fn(&Reader<'_>, usize) -> Option<T>,
) -> Option<Vec<T>> {
    let start = usize::try_from(offset).ok()?;
    // The whole table must be in the file, which also keeps every field
    // offset below computed from `start` far from overflowing.
    r.data.get(start..start.checked_add(usize::from(count) * entry_size)?)?;
    (0..usize::from(count)).map(|i| parse(r, start + i * entry_size)).collect()
}

fn parse_segment(r: &Reader<'_>, at: usize) -> Option<Segment> {
    Some(if r.is_64 {
        Segment {
            kind: r.u32(at)?,
            flags: r.u32(at + 4)?,
            offset: r.u64(at + 8)?,
            virtual_address: r.u64(at + 16)?,
            physical_address: r.u64(at + 24)?,
            file_size: r.u64(at + 32)?,
            memory_size: r.u64(at + 40)?,
            alignment: r.u64(at + 48)?,
        }
    } else {
        Segment {
            kind: r.u32(at)?,
            offset: r.u32(at + 4)?.into(),
            virtual_address: r.u32(at + 8)?.into(),
            physical_address: r.u32(at + 12)?.into(),
            file_size: r.u32(at + 16)?.into(),
            memory_size: r.u32(at + 20)?.into(),
            flags: r.u32(at + 24)?,
            alignment: r.u32(at + 28)?.into(),
        }
    })
}

fn parse_section(r: &Reader<'_>, at: usize) -> Option<Section> {
    let w = r.word_size();
    // name, type, flags, addr, offset, size, link, info, align, entsize:
    // the fields after `link` are not reported.
    Some(Section {
        name_index: r.u32(at)?,
        kind: r.u32(at + 4)?,
        flags: r.word(at + 8)?,
        address: r.word(at + 8 + w)?,
        offset: r.word(at + 8 + 2 * w)?,
        size: r.word(at + 8 + 3 * w)?,
        link: r.u32(at + 8 + 4 * w)?,
    })
}

/// The bytes `offset..offset+len` of the file, if all present.
fn span(data: &[u8], offset: u64, len: u64) -> Option<&[u8]> {
    let end = offset.checked_add(len)?;
    data.get(usize::try_from(offset).ok()?..usize::try_from(end).ok()?)
}

/// `(tag, value)` pairs of a dynamic segment up to `DT_NULL`.
fn dynamic_entries(r: &Reader<'_>, segment: &Segment) -> Vec<(u64, u64)> {
    let Some(bytes) = span(r.data, segment.offset, segment.file_size) else { return Vec::new() };
    let inner = Reader { data: bytes, ..*r };
    let w = r.word_size();
    (0..bytes.len() / (2 * w))
        .map_while(|i| {
            let tag = inner.word(i * 2 * w)?;
            (tag != 0).then_some(())?;
            Some((tag, inner.word(i * 2 * w + w)?))
        })
        .take(MAX_DYNAMIC)
        .collect()
}

/// The string at `index` in the string table that starts at section
/// `table`'s offset and runs to the end of the file; the bytes read are
/// taken from `budget`.
fn name_at(data: &[u8], table: Option<&Section>, index: u32, budget: &mut usize) -> Option<String> {
    let tail = data.get(usize::try_from(table?.offset).ok()?..)?;
    let rest = tail.get(index as usize..)?;
    let window = &rest[..rest.len().min(MAX_NAME).min(*budget)];
    let bytes = match memchr::memchr(0, window) {
        Some(end) => &window[..end],
        None if window.len() < rest.len().min(MAX_NAME) => return None, // budget spent
        None => window,
    };
    *budget -= bytes.len().min(*budget);
    Some(String::from_utf8_lossy(bytes).into_owned())
}

fn section_data(r: &Reader<'_>, header: &Header, sections: Option<Vec<Section>>) -> SectionData {
    let Some(sections) = sections else { return SectionData::default() };
    let shstrtab = sections.get(usize::from(header.sh_str_index));
    let mut budget = MAX_NAME_BYTES;
    let named = sections
        .iter()
        .map(|s| (s.clone(), name_at(r.data, shstrtab, s.name_index, &mut budget)))
        .collect();
    SectionData {
        symtab: symbols(r, &sections, SHT_SYMTAB),
        dynsym: symbols(r, &sections, SHT_DYNSYM),
        sections: Some(named),
    }
}

/// The file offset of virtual address `va`, through the first segment
/// that maps it, whatever the file's type and even when sections would
/// say otherwise: YARA-X's rule, checked on mutants (a truncated or
/// zeroed section table leaves the entry point as it is; no segments, no
/// entry point) by tests/it/modules_mutants_reference.rs.
fn entry_offset(segments: &[Segment], va: u64) -> Option<u64> {
    segments.iter().find_map(|s| {
        let end = s.virtual_address.checked_add(s.memory_size)?;
        (s.virtual_address..end)
            .contains(&va)
            .then(|| s.offset.checked_add(va - s.virtual_address))?
    })
}

/// The symbols of the first section of type `kind`.
fn symbols(r: &Reader<'_>, sections: &[Section], kind: u32) -> Vec<Symbol> {
    let Some(table) = sections.iter().find(|s| s.kind == kind) else { return Vec::new() };
    let Some(bytes) = span(r.data, table.offset, table.size) else { return Vec::new() };
    let strings = sections.get(table.link as usize);
    let entry = if r.is_64 { 24 } else { 16 };
    let inner = Reader { data: bytes, ..*r };
    let mut budget = MAX_NAME_BYTES;
    (0..bytes.len() / entry)
        .take(MAX_SYMBOLS)
        .filter_map(|i| {
            let at = i * entry;
            let (name_index, value, size, info, other, shndx) = if r.is_64 {
                (
                    inner.u32(at)?,
                    inner.u64(at + 8)?,
                    inner.u64(at + 16)?,
                    inner.u8(at + 4)?,
                    inner.u8(at + 5)?,
                    inner.u16(at + 6)?,
                )
            } else {
                (
                    inner.u32(at)?,
                    inner.u32(at + 4)?.into(),
                    inner.u32(at + 8)?.into(),
                    inner.u8(at + 12)?,
                    inner.u8(at + 13)?,
                    inner.u16(at + 14)?,
                )
            };
            Some(Symbol {
                name: name_at(r.data, strings, name_index, &mut budget),
                value,
                size,
                info,
                other,
                shndx,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-bit little-endian executable: one PT_LOAD segment mapping
    /// 0x400000.. to offset 0, and sections NULL, `.text`, `.shstrtab`.
    fn sample() -> Vec<u8> {
        let mut d = vec![0u8; 0x300];
        d[..4].copy_from_slice(b"\x7fELF");
        d[4] = 2;
        d[5] = 1;
        let put16 =
            |d: &mut Vec<u8>, at: usize, v: u16| d[at..at + 2].copy_from_slice(&v.to_le_bytes());
        let put32 =
            |d: &mut Vec<u8>, at: usize, v: u32| d[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let put64 =
            |d: &mut Vec<u8>, at: usize, v: u64| d[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put16(&mut d, 16, 2); // ET_EXEC
        put16(&mut d, 18, 62);
        put64(&mut d, 24, 0x40_0100); // entry
        put64(&mut d, 32, 0x40); // program headers
        put64(&mut d, 40, 0x100); // section headers
        put16(&mut d, 54, 56);
        put16(&mut d, 56, 1);
        put16(&mut d, 58, 64);
        put16(&mut d, 60, 3);
        put16(&mut d, 62, 2); // .shstrtab index
        put32(&mut d, 0x40, 1); // PT_LOAD
        put64(&mut d, 0x40 + 16, 0x40_0000);
        put64(&mut d, 0x40 + 40, 0x1000);
        let names = b"\0.text\0.shstrtab\0";
        d[0x280..0x280 + names.len()].copy_from_slice(names);
        for (i, (name, kind, addr, offset, size)) in
            [(1u32, 1u32, 0x40_0100u64, 0x100u64, 0x80u64), (7, 3, 0, 0x280, names.len() as u64)]
                .into_iter()
                .enumerate()
        {
            let at = 0x100 + 64 * (i + 1);
            put32(&mut d, at, name);
            put32(&mut d, at + 4, kind);
            put64(&mut d, at + 16, addr);
            put64(&mut d, at + 24, offset);
            put64(&mut d, at + 32, size);
        }
        d
    }

    #[test]
    fn reads_segments_sections_and_entry_point() {
        let elf = ParsedElf::parse(&sample()).expect("an ELF file");
        assert_eq!(elf.segments.len(), 1);
        assert_eq!(elf.entry_point, Some(0x100));
        let sd = elf.section_data.expect("sane section count");
        let names: Vec<_> = sd.sections.unwrap().into_iter().map(|(_, n)| n.unwrap()).collect();
        assert_eq!(names, ["", ".text", ".shstrtab"]);
    }

    #[test]
    fn lying_headers_give_partial_data() {
        let mut data = sample();
        data[60..62].copy_from_slice(&0xff00u16.to_le_bytes()); // reserved count
        assert!(ParsedElf::parse(&data).unwrap().section_data.is_none());
        let mut data = sample();
        data[32..40].copy_from_slice(&u64::MAX.to_le_bytes()); // segments past the end
        assert!(ParsedElf::parse(&data).unwrap().segments.is_empty());
        assert!(ParsedElf::parse(&sample()[..40]).is_none());
    }

    /// Issue 15: a shared object whose section table is gone kept no entry
    /// point (or one from garbage sections); YARA-X takes it from the
    /// segments, and gives none for a reserved section count.
    #[test]
    fn the_entry_point_comes_from_the_segments() {
        let mut data = sample();
        data[16] = 3; // ET_DYN
        data[40..48].fill(0); // e_shoff 0
        assert_eq!(ParsedElf::parse(&data).unwrap().entry_point, Some(0x100));
        data[60..62].copy_from_slice(&0xff00u16.to_le_bytes());
        assert_eq!(ParsedElf::parse(&data).unwrap().entry_point, None);
    }
}
