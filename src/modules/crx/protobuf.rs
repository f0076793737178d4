//! The protocol buffers wire format, as far as a CRX3 header needs it:
//! walking a message's fields, keyed by tag (field number and wire type
//! together, as generated parsers match them), skipping unknown ones
//! (groups included) and failing on malformed input, as the parser YARA-X
//! uses does.

/// Wire types.
const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LENGTH_DELIMITED: u32 = 2;
const START_GROUP: u32 = 3;
const END_GROUP: u32 = 4;
const FIXED32: u32 = 5;

/// How deep groups may nest.
const MAX_DEPTH: usize = 100;

/// The tag of length-delimited field `field`.
pub(super) const fn bytes_tag(field: u32) -> u32 {
    field << 3 | LENGTH_DELIMITED
}

/// Calls `visit` with the tag and, for length-delimited fields, the
/// contents of every field of `message`, in order. `None` when the message
/// is malformed.
pub(super) fn for_each_field<'a>(
    mut message: &'a [u8],
    mut visit: impl FnMut(u32, Option<&'a [u8]>),
) -> Option<()> {
    while !message.is_empty() {
        let tag = tag(&mut message)?;
        let contents = skip(&mut message, tag, 0)?;
        visit(tag, contents);
    }
    Some(())
}

/// Reads a tag: a varint that fits 32 bits, with a field number and a
/// wire type that exist.
fn tag(input: &mut &[u8]) -> Option<u32> {
    let tag = u32::try_from(varint(input)?).ok()?;
    (tag >> 3 != 0 && tag & 7 <= FIXED32).then_some(tag)
}

/// Moves past the value of a field with `tag`; returns the contents of a
/// length-delimited one.
fn skip<'a>(input: &mut &'a [u8], tag: u32, depth: usize) -> Option<Option<&'a [u8]>> {
    match tag & 7 {
        VARINT => {
            varint(input)?;
        }
        FIXED64 => take(input, 8).map(drop)?,
        FIXED32 => take(input, 4).map(drop)?,
        LENGTH_DELIMITED => {
            let len = usize::try_from(varint(input)?).ok()?;
            return take(input, len).map(Some);
        }
        START_GROUP => {
            (depth < MAX_DEPTH).then_some(())?;
            loop {
                let inner = self::tag(input)?;
                if inner & 7 == END_GROUP {
                    (inner >> 3 == tag >> 3).then_some(())?;
                    break;
                }
                skip(input, inner, depth + 1)?;
            }
        }
        _ => return None, // an end group without its start
    }
    Some(None)
}

/// A base-128 varint of at most ten bytes.
fn varint(input: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for i in 0..10 {
        let byte = *input.get(i)?;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *input = &input[i + 1..];
            return Some(value);
        }
    }
    None
}

fn take<'a>(input: &mut &'a [u8], len: usize) -> Option<&'a [u8]> {
    let (head, rest) = (input.get(..len)?, input.get(len..)?);
    *input = rest;
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tag and, for length-delimited fields, the contents.
    type Field<'a> = (u32, Option<&'a [u8]>);

    fn fields(message: &[u8]) -> Option<Vec<Field<'_>>> {
        let mut out = Vec::new();
        for_each_field(message, |tag, contents| out.push((tag, contents)))?;
        Some(out)
    }

    #[test]
    fn fields_are_walked_and_unknown_ones_skipped() {
        // field 1 varint 150, field 2 bytes "hi", group 3 holding a fixed32,
        // field 10000 bytes "x".
        let message = b"\x08\x96\x01\x12\x02hi\x1b\x25\x01\x02\x03\x04\x1c\x82\xf1\x04\x01x";
        let found = fields(message).expect("well formed");
        assert_eq!(found[1], (bytes_tag(2), Some(&b"hi"[..])));
        assert_eq!(found[3], (bytes_tag(10000), Some(&b"x"[..])));
        assert_eq!(found.len(), 4);
    }

    #[test]
    fn malformed_messages_fail() {
        assert!(fields(b"\x12\x05hi").is_none(), "length past the end");
        assert!(fields(b"\x00").is_none(), "field number 0");
        assert!(fields(b"\x0e").is_none(), "wire type 6");
        assert!(fields(b"\x0c").is_none(), "end group alone");
        assert!(fields(b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01").is_none());
    }
}
