//! Unix ar archives (the outer layer of a Debian package: `debian-binary`,
//! `control.tar.*`, `data.tar.*`), GNU and BSD variants with their long
//! names.
//!
//! Read here rather than with the `ar` crate, which panics on a GNU name
//! index past its name table and allocates whatever size a name table
//! header declares (both found by `fuzz/fuzz_targets/container_ar.rs`).
//! The format is small: an 8-byte magic, then members, each a 60-byte
//! text header and its body padded to an even offset. Since the archive is
//! in memory, each member is a slice of it and nothing is allocated.

use super::{Body, Container, Member, Visit};

/// The archive's first bytes.
const MAGIC: &[u8] = b"!<arch>\n";
/// The size of a member header.
const HEADER_LEN: usize = 60;
/// Member names that are index tables of static libraries, not files.
const SYMBOL_TABLES: [&[u8]; 4] = [b"/", b"/SYM64/", b"__.SYMDEF", b"__.SYMDEF SORTED"];
/// The GNU table of long names, which `/OFFSET` names point into.
const GNU_NAME_TABLE: &[u8] = b"//";
/// The prefix of a BSD long name: `#1/LEN`, the name being the first LEN
/// bytes of the body.
const BSD_LONG_NAME: &[u8] = b"#1/";

/// An ar archive in memory.
pub(super) struct Ar<'a> {
    data: &'a [u8],
}

impl<'a> Ar<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self { data }
    }
}

impl Container for Ar<'_> {
    fn for_each_member(&mut self, visit: &mut Visit<'_>) -> Result<(), String> {
        let data = self.data;
        let mut pos = MAGIC.len();
        if !data.starts_with(MAGIC) {
            return Err("ar: no `!<arch>` magic".to_owned());
        }
        let mut long_names: &[u8] = &[];
        // The padding byte after the last odd-sized body may be missing.
        while data.len().saturating_sub(pos) > 1 {
            let header = data
                .get(pos..pos + HEADER_LEN)
                .filter(|h| h.ends_with(b"`\n"))
                .ok_or_else(|| format!("ar: bad member header at offset {pos}"))?;
            let size = decimal(&header[48..58])
                .ok_or_else(|| format!("ar: bad member size at offset {pos}"))?;
            let start = pos + HEADER_LEN;
            let body = start
                .checked_add(size)
                .and_then(|end| data.get(start..end))
                .ok_or_else(|| format!("ar: member at offset {pos} runs past the end"))?;
            pos = start + size + size % 2;
            let identifier = trim_end(&header[..16]);
            if identifier == GNU_NAME_TABLE {
                long_names = body;
                continue;
            }
            let (name, body) = member_name(identifier, body, long_names)
                .ok_or_else(|| format!("ar: bad long name at offset {}", start - HEADER_LEN))?;
            if SYMBOL_TABLES.contains(&name) {
                continue;
            }
            let name = String::from_utf8_lossy(name).into_owned();
            let member = Member { name, size_hint: body.len() as u64, body: Body::Bytes(body) };
            if visit(member).is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// A member's name and body: GNU names end with `/` (`/OFFSET` names the
/// long-name table); a BSD `#1/LEN` name is the first LEN bytes of the
/// body. `None` when a long name points outside what holds it.
fn member_name<'a>(
    identifier: &'a [u8],
    body: &'a [u8],
    long_names: &'a [u8],
) -> Option<(&'a [u8], &'a [u8])> {
    if let Some(len) = identifier.strip_prefix(BSD_LONG_NAME) {
        let len = decimal(len)?;
        let name = body.get(..len)?;
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(len)];
        return Some((name, &body[len..]));
    }
    if SYMBOL_TABLES.contains(&identifier) {
        return Some((identifier, body));
    }
    if let Some(offset) = identifier.strip_prefix(b"/") {
        let rest = long_names.get(decimal(offset)?..)?;
        let end = rest.iter().position(|&b| b == b'\n' || b == 0).unwrap_or(rest.len());
        return Some((trim_slash(&rest[..end]), body));
    }
    Some((trim_slash(identifier), body))
}

/// The number written in decimal in a space-padded header field.
fn decimal(field: &[u8]) -> Option<usize> {
    let digits = trim_end(field);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn trim_end(field: &[u8]) -> &[u8] {
    let end = field.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
    &field[..end]
}

/// A GNU name without its terminating `/`.
fn trim_slash(name: &[u8]) -> &[u8] {
    name.strip_suffix(b"/").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(identifier: &str, size: usize) -> Vec<u8> {
        format!("{identifier:<16}{:<12}{:<6}{:<6}{:<8}{size:<10}`\n", 0, 0, 0, "100644")
            .into_bytes()
    }

    fn members(data: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
        let mut found = Vec::new();
        Ar::new(data).for_each_member(&mut |m| {
            if let Body::Bytes(bytes) = m.body {
                found.push((m.name, bytes.to_vec()));
            }
            std::ops::ControlFlow::Continue(())
        })?;
        Ok(found)
    }

    #[test]
    fn gnu_and_bsd_long_names_and_padding() {
        let mut data = MAGIC.to_vec();
        data.extend(header("/", 4));
        data.extend(b"\0\0\0\0");
        data.extend(header("//", 22));
        data.extend(b"a-very-long-name.tar/\n");
        data.extend(header("/0", 3));
        data.extend(b"abc\n");
        data.extend(header("#1/8", 10));
        data.extend(b"bsd.namexy");
        data.extend(header("short/", 1));
        data.extend(b"z");
        let found = members(&data).unwrap();
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a-very-long-name.tar", "bsd.name", "short"]);
        assert_eq!(found[0].1, b"abc");
        assert_eq!(found[1].1, b"xy");
        assert_eq!(found[2].1, b"z");
    }

    /// The `ar` crate panicked on the first (fuzz artifact, minimised) and
    /// tried to allocate 10^9 bytes for the second.
    #[test]
    fn lying_headers_are_errors() {
        let mut index_past_table = MAGIC.to_vec();
        index_past_table.extend(header("/1", 0));
        assert!(members(&index_past_table).unwrap_err().contains("long name"));
        let mut huge_table = MAGIC.to_vec();
        huge_table.extend(header("//", 999_999_999));
        assert!(members(&huge_table).unwrap_err().contains("past the end"));
        let mut bad_size = MAGIC.to_vec();
        bad_size.extend(header("a/", 0));
        bad_size[8 + 48] = b'-';
        assert!(members(&bad_size).unwrap_err().contains("size"));
    }
}
