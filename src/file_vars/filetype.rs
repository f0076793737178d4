//! `filetype`: a short format name from the magic bytes, in the style of
//! THOR and LOKI (`EXE`, `ELF`, `ZIP`, ...), for rules such as
//! `filetype == "EXE"`. The name is decided by the bytes alone, never by
//! the file name; an input matching no entry is `UNKNOWN`, as in LOKI.

/// The name of an input whose magic bytes are in no entry of the table.
pub const UNKNOWN: &str = "UNKNOWN";

/// Magic bytes at an offset, and the name they give; the first entry that
/// matches wins, so longer magics come before their prefixes.
const MAGICS: &[(usize, &[u8], &str)] = &[
    (0, b"MZ", "EXE"),
    (0, b"\x7fELF", "ELF"),
    (0, b"\xfe\xed\xfa\xce", "MACH-O"),
    (0, b"\xfe\xed\xfa\xcf", "MACH-O"),
    (0, b"\xce\xfa\xed\xfe", "MACH-O"),
    (0, b"\xcf\xfa\xed\xfe", "MACH-O"),
    (0, b"dex\n", "DEX"),
    (0, b"PK\x03\x04", "ZIP"),
    (0, b"PK\x05\x06", "ZIP"),
    (0, b"Rar!\x1a\x07", "RAR"),
    (0, b"7z\xbc\xaf\x27\x1c", "7Z"),
    (0, b"\x1f\x8b", "GZIP"),
    (0, b"BZh", "BZIP2"),
    (0, b"\xfd7zXZ\x00", "XZ"),
    (0, b"\x28\xb5\x2f\xfd", "ZSTD"),
    (0, b"!<arch>\n", "AR"),
    (0, b"\xed\xab\xee\xdb", "RPM"),
    (0, b"MSCF", "CAB"),
    (0x8001, b"CD001", "ISO"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE"),
    (0, b"%PDF", "PDF"),
    (0, b"{\\rtf", "RTF"),
    (0, b"L\x00\x00\x00\x01\x14\x02\x00", "LNK"),
    (0, b"MDMP", "MDMP"),
    (0, b"GIF8", "GIF"),
    (0, b"\x89PNG", "PNG"),
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"SQLite format 3\x00", "SQLITE"),
    (0, b"<?php", "PHP"),
];

/// A Java class file and a Mach-O universal binary share `CAFEBABE`; the
/// next four bytes tell them apart: a universal binary counts its
/// architectures there (a handful), a class file its version (45 and up in
/// the low half).
const FIRST_CLASS_VERSION: u32 = 45;

/// The short type name of `data`.
#[must_use]
pub fn of(data: &[u8]) -> &'static str {
    if let Some(rest) = data.strip_prefix(b"\xca\xfe\xba\xbe") {
        let next = rest.get(..4).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        return if next < FIRST_CLASS_VERSION { "MACH-O" } else { "CLASS" };
    }
    MAGICS
        .iter()
        .find(|(offset, magic, _)| data.get(*offset..).is_some_and(|d| d.starts_with(magic)))
        .map_or(UNKNOWN, |&(_, _, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_named_by_their_magic() {
        assert_eq!(of(b"MZ\x90\x00"), "EXE");
        assert_eq!(of(b"\x7fELF\x02\x01"), "ELF");
        assert_eq!(of(b"PK\x03\x04rest"), "ZIP");
        assert_eq!(of(b"%PDF-1.7"), "PDF");
        assert_eq!(of(b"\xca\xfe\xba\xbe\x00\x00\x00\x02"), "MACH-O");
        assert_eq!(of(b"\xca\xfe\xba\xbe\x00\x00\x00\x34"), "CLASS");
        let mut iso = vec![0u8; 0x8010];
        iso[0x8001..0x8006].copy_from_slice(b"CD001");
        assert_eq!(of(&iso), "ISO");
    }

    #[test]
    fn anything_else_is_unknown() {
        assert_eq!(of(b""), UNKNOWN);
        assert_eq!(of(b"M"), UNKNOWN);
        assert_eq!(of(b"plain text"), UNKNOWN);
    }
}
