//! A compact byte form of a `regex_syntax` HIR.
//!
//! A regex form keeps the HIRs its automata are compiled from in this form
//! (a few bytes per node instead of a tree of boxes), so that a compiled
//! ruleset can rebuild the automata of a form on its first verification
//! without parsing the pattern or choosing its atoms again, and so that
//! loading a ruleset compiles no regex at all.
//!
//! Each node is a tag byte followed by its fields; numbers are LEB128
//! varints. The decoder treats its input as untrusted: it bounds nesting
//! by [`MAX_DEPTH`], sizes nothing from a count before the bytes are there,
//! refuses repetitions whose maximum is below their minimum, and never
//! panics.

use regex_syntax::hir::{
    Capture, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind,
    Look, Repetition,
};

/// Deepest nesting the decoder accepts. The regex parser refuses groups
/// nested deeper than 250, and each group adds at most a capture, a
/// repetition, a concatenation and an alternation level.
pub(crate) const MAX_DEPTH: usize = 1024;

const EMPTY: u8 = 0;
const LITERAL: u8 = 1;
const CLASS_BYTES: u8 = 2;
const CLASS_UNICODE: u8 = 3;
const LOOK: u8 = 4;
const REPETITION: u8 = 5;
const CAPTURE: u8 = 6;
const CONCAT: u8 = 7;
const ALTERNATION: u8 = 8;

/// Why bytes are not an encoded HIR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid encoded regular expression: {0}")]
pub(crate) struct DecodeError(&'static str);

/// The bytes of `hir`.
pub(crate) fn encode(hir: &Hir) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(hir, &mut out);
    out
}

fn encode_into(hir: &Hir, out: &mut Vec<u8>) {
    match hir.kind() {
        HirKind::Empty => out.push(EMPTY),
        HirKind::Literal(literal) => {
            out.push(LITERAL);
            put_bytes(out, &literal.0);
        }
        HirKind::Class(Class::Bytes(class)) => {
            out.push(CLASS_BYTES);
            put_varint(out, class.ranges().len() as u64);
            for range in class.ranges() {
                out.extend([range.start(), range.end()]);
            }
        }
        HirKind::Class(Class::Unicode(class)) => {
            out.push(CLASS_UNICODE);
            put_varint(out, class.ranges().len() as u64);
            for range in class.ranges() {
                put_varint(out, u64::from(u32::from(range.start())));
                put_varint(out, u64::from(u32::from(range.end())));
            }
        }
        HirKind::Look(look) => {
            out.push(LOOK);
            put_varint(out, u64::from(look.as_repr()));
        }
        HirKind::Repetition(repetition) => {
            out.push(REPETITION);
            put_varint(out, u64::from(repetition.min));
            put_varint(out, repetition.max.map_or(0, |max| u64::from(max) + 1));
            out.push(u8::from(repetition.greedy));
            encode_into(&repetition.sub, out);
        }
        HirKind::Capture(capture) => {
            out.push(CAPTURE);
            put_varint(out, u64::from(capture.index));
            match &capture.name {
                Some(name) => {
                    out.push(1);
                    put_bytes(out, name.as_bytes());
                }
                None => out.push(0),
            }
            encode_into(&capture.sub, out);
        }
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            let tag = if matches!(hir.kind(), HirKind::Concat(_)) { CONCAT } else { ALTERNATION };
            out.push(tag);
            put_varint(out, subs.len() as u64);
            subs.iter().for_each(|sub| encode_into(sub, out));
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// The HIR `bytes` encode; all of `bytes` must be used.
pub(crate) fn decode(bytes: &[u8]) -> Result<Hir, DecodeError> {
    let mut reader = Reader { rest: bytes };
    let hir = reader.hir(0)?;
    match reader.rest.is_empty() {
        true => Ok(hir),
        false => Err(DecodeError("trailing bytes")),
    }
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, DecodeError> {
        let (&first, rest) = self.rest.split_first().ok_or(DecodeError("truncated"))?;
        self.rest = rest;
        Ok(first)
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7F) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(DecodeError("number too long"))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.varint()?).map_err(|_| DecodeError("number out of range"))
    }

    /// A count of items that each take at least one byte: never more than
    /// the bytes left, so nothing is sized from a forged count.
    fn count(&mut self) -> Result<usize, DecodeError> {
        let count = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
        match count <= self.rest.len() {
            true => Ok(count),
            false => Err(DecodeError("count past the end")),
        }
    }

    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.count()?;
        let (bytes, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(bytes)
    }

    fn char(&mut self) -> Result<char, DecodeError> {
        char::from_u32(self.u32()?).ok_or(DecodeError("not a character"))
    }

    fn hir(&mut self, depth: usize) -> Result<Hir, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError("nested too deeply"));
        }
        let sub = |reader: &mut Self| reader.hir(depth + 1).map(Box::new);
        Ok(match self.byte()? {
            EMPTY => Hir::empty(),
            LITERAL => Hir::literal(self.bytes()?),
            CLASS_BYTES => {
                let count = self.count()?;
                let mut ranges = Vec::with_capacity(count);
                for _ in 0..count {
                    ranges.push(ClassBytesRange::new(self.byte()?, self.byte()?));
                }
                Hir::class(Class::Bytes(ClassBytes::new(ranges)))
            }
            CLASS_UNICODE => {
                let count = self.count()?;
                let mut ranges = Vec::with_capacity(count);
                for _ in 0..count {
                    ranges.push(ClassUnicodeRange::new(self.char()?, self.char()?));
                }
                Hir::class(Class::Unicode(ClassUnicode::new(ranges)))
            }
            LOOK => Hir::look(Look::from_repr(self.u32()?).ok_or(DecodeError("unknown look"))?),
            REPETITION => {
                let min = self.u32()?;
                let max = match self.u32()? {
                    0 => None,
                    max => Some(max - 1),
                };
                if max.is_some_and(|max| max < min) {
                    return Err(DecodeError("repetition maximum below its minimum"));
                }
                let greedy = self.byte()? != 0;
                Hir::repetition(Repetition { min, max, greedy, sub: sub(self)? })
            }
            CAPTURE => {
                let index = self.u32()?;
                let name = match self.byte()? {
                    0 => None,
                    _ => Some(
                        std::str::from_utf8(self.bytes()?)
                            .map_err(|_| DecodeError("capture name not UTF-8"))?
                            .into(),
                    ),
                };
                Hir::capture(Capture { index, name, sub: sub(self)? })
            }
            tag @ (CONCAT | ALTERNATION) => {
                let count = self.count()?;
                let mut subs = Vec::with_capacity(count);
                for _ in 0..count {
                    subs.push(self.hir(depth + 1)?);
                }
                match tag {
                    CONCAT => Hir::concat(subs),
                    _ => Hir::alternation(subs),
                }
            }
            _ => return Err(DecodeError("unknown node")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::regex::{RegexFlags, translate};

    #[test]
    fn regexes_survive_the_round_trip() {
        let flags = RegexFlags { case_insensitive: true, dot_matches_new_line: false };
        for pattern in [
            r"abc",
            r"a(b|cd)*?e{2,5}?f{3,}?",
            r"^\bx[^a-f\x00]\B.$",
            r"(?P<name>ab)|(c)",
            r"[\w\s]+\d{,4}",
        ] {
            let hir = translate(pattern, flags).unwrap();
            let decoded = decode(&encode(&hir)).unwrap();
            assert_eq!(decoded, hir, "{pattern}");
        }
    }

    #[test]
    fn damaged_bytes_are_refused_without_panic() {
        let hir = translate(r"a(b|c){2,7}[x-z]\b", RegexFlags::default()).unwrap();
        let bytes = encode(&hir);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "prefix of {cut} bytes");
        }
        for at in 0..bytes.len() {
            for flip in [0x01, 0x80, 0xFF] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                let _ = decode(&damaged);
            }
        }
    }

    #[test]
    fn forged_counts_and_nesting_are_refused() {
        assert!(decode(&[CONCAT, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]).is_err());
        assert!(
            decode(&[LITERAL, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).is_err()
        );
        assert!(decode(&[REPETITION, 5, 3, 1, EMPTY]).is_err());
        let deep: Vec<u8> =
            [CAPTURE, 0, 0].repeat(MAX_DEPTH + 2).into_iter().chain([EMPTY]).collect();
        assert_eq!(decode(&deep), Err(DecodeError("nested too deeply")));
    }
}
