//! The deprecated `entrypoint` keyword: the file offset of the entry point
//! of a PE or ELF file.
//!
//! Only legacy YARA implements `entrypoint` (YARA-X rejects it), so this
//! follows YARA's own rules, which are looser than the `pe` and `elf`
//! modules': PE files must be i386 or AMD64 and the entry point maps
//! through the section with the highest address not above it (no size or
//! alignment checks); ELF headers are read little-endian and an entry point
//! outside every segment or section gives 0 rather than undefined.

use crate::modules::binary::{u16_le, u32_le, u64_le};

/// YARA reads at most this many section headers here.
const MAX_SECTIONS: usize = 60;
const MACHINE_I386: u16 = 0x014c;
const MACHINE_AMD64: u16 = 0x8664;
/// `sizeof(IMAGE_OPTIONAL_HEADER32)`, required after the COFF header.
const OPTIONAL_HEADER32_SIZE: usize = 224;
const ET_EXEC: u16 = 2;
const SHT_NULL: u32 = 0;
const SHT_NOBITS: u32 = 8;

/// The entry point's file offset, or `None` (undefined) for other files.
pub(super) fn offset(data: &[u8]) -> Option<i64> {
    if let Some(pe) = pe_header(data) {
        return pe_entry_point(&data[pe..]).map(|o| o as i64);
    }
    match (data.get(..4), data.get(4)) {
        (Some(b"\x7fELF"), Some(&1)) if data.len() >= 52 => {
            Some(elf_entry_point(data, false) as i64)
        }
        (Some(b"\x7fELF"), Some(&2)) if data.len() >= 64 => {
            Some(elf_entry_point(data, true) as i64)
        }
        _ => None,
    }
}

/// Offset of an i386 or AMD64 PE header followed by a whole 32-bit
/// optional header's worth of bytes.
fn pe_header(data: &[u8]) -> Option<usize> {
    if data.len() < 64 || data.get(..2)? != b"MZ" {
        return None;
    }
    let e_lfanew = usize::try_from(i32::try_from(u32_le(data, 0x3c)?).ok()?).ok()?;
    let headers = e_lfanew + 4 + 20;
    if data.len() < headers || data.len() <= headers + OPTIONAL_HEADER32_SIZE {
        return None;
    }
    let machine = u16_le(data, e_lfanew + 4)?;
    (u32_le(data, e_lfanew)? == 0x0000_4550 && matches!(machine, MACHINE_I386 | MACHINE_AMD64))
        .then_some(e_lfanew)
}

/// The entry point through the section with the highest start at or below
/// it; 0 when a section header runs past the end of the file.
fn pe_entry_point(pe: &[u8]) -> Option<u64> {
    let rva = u64::from(u32_le(pe, 40)?);
    let sections = usize::from(u16_le(pe, 6)?).min(MAX_SECTIONS);
    let first = 24 + usize::from(u16_le(pe, 20)?);
    let (mut section_rva, mut section_offset) = (0u32, 0u32);
    for i in 0..sections {
        let at = first + i * 40;
        if at + 40 >= pe.len() {
            return Some(0);
        }
        let va = u32_le(pe, at + 12)?;
        if rva >= u64::from(va) && section_rva <= va {
            section_rva = va;
            section_offset = u32_le(pe, at + 20)?;
        }
    }
    Some(u64::from(section_offset) + (rva - u64::from(section_rva)))
}

/// The ELF entry point through the program headers (executables) or the
/// section headers (other types); 0 when none contains it.
fn elf_entry_point(data: &[u8], is_64: bool) -> u64 {
    let word = |at: usize| -> Option<u64> {
        if is_64 { u64_le(data, at) } else { u32_le(data, at).map(u64::from) }
    };
    let w = if is_64 { 8 } else { 4 };
    let after_words = 24 + 3 * w + 4 + 2;
    let (Some(kind), Some(entry), Some(ph_offset), Some(sh_offset)) =
        (u16_le(data, 16), word(24), word(24 + w), word(24 + 2 * w))
    else {
        return 0;
    };
    let field = |i: usize| u16_le(data, after_words + 2 * i).map_or(0, usize::from);
    let (ph_count, sh_count) = (field(2), field(4));
    // The 32-bit sums wrap like YARA's 32-bit arithmetic.
    let end = |start: u64, size: u64| {
        if is_64 {
            start.wrapping_add(size)
        } else {
            u64::from((start as u32).wrapping_add(size as u32))
        }
    };
    let table = |offset: u64, count: usize, size: usize| -> Option<usize> {
        let start = usize::try_from(offset).ok().filter(|&o| o != 0 && count != 0)?;
        (start.checked_add(count * size)? <= data.len()).then_some(start)
    };
    if kind == ET_EXEC {
        let size = if is_64 { 56 } else { 32 };
        let Some(start) = table(ph_offset, ph_count, size) else { return 0 };
        for i in 0..ph_count {
            let at = start + i * size;
            let (offset, vaddr, memsz) = if is_64 {
                (u64_le(data, at + 8), u64_le(data, at + 16), u64_le(data, at + 40))
            } else {
                (word(at + 4), word(at + 8), word(at + 20))
            };
            let (Some(offset), Some(vaddr), Some(memsz)) = (offset, vaddr, memsz) else { return 0 };
            if entry >= vaddr && entry < end(vaddr, memsz) {
                return offset.wrapping_add(entry - vaddr);
            }
        }
    } else {
        let size = if is_64 { 64 } else { 40 };
        let Some(start) = table(sh_offset, sh_count, size) else { return 0 };
        for i in 0..sh_count {
            let at = start + i * size;
            let (Some(kind), Some(addr), Some(offset), Some(size)) = (
                u32_le(data, at + 4),
                word(at + 8 + w),
                word(at + 8 + 2 * w),
                word(at + 8 + 3 * w),
            ) else {
                return 0;
            };
            if kind != SHT_NULL && kind != SHT_NOBITS && entry >= addr && entry < end(addr, size) {
                return offset.wrapping_add(entry - addr);
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An i386 PE with two sections at RVAs 0x1000 and 0x2000.
    fn pe(machine: u16) -> Vec<u8> {
        let mut d = vec![0u8; 0x400];
        d[..2].copy_from_slice(b"MZ");
        d[0x3c] = 0x80;
        d[0x80..0x84].copy_from_slice(b"PE\0\0");
        d[0x84..0x86].copy_from_slice(&machine.to_le_bytes());
        d[0x86] = 2; // sections
        d[0x94] = 0xe0; // optional header size
        d[0x98 + 16..0x98 + 20].copy_from_slice(&0x2010u32.to_le_bytes()); // entry point
        for (i, (va, raw)) in [(0x1000u32, 0x200u32), (0x2000, 0x300)].into_iter().enumerate() {
            let at = 0x98 + 0xe0 + 40 * i;
            d[at + 12..at + 16].copy_from_slice(&va.to_le_bytes());
            d[at + 20..at + 24].copy_from_slice(&raw.to_le_bytes());
        }
        d
    }

    #[test]
    fn pe_entry_points_follow_yara() {
        assert_eq!(offset(&pe(MACHINE_I386)), Some(0x310));
        assert_eq!(offset(&pe(0xaa64)), None); // ARM64 is not handled
        assert_eq!(offset(b"not an executable"), None);
    }

    #[test]
    fn elf_entry_points_outside_everything_are_zero() {
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[24..32].copy_from_slice(&0x1234u64.to_le_bytes());
        assert_eq!(offset(&elf), Some(0));
    }
}
