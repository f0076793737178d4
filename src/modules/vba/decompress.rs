//! The compression of VBA project streams ([MS-OVBA] 2.4.1): a signature
//! byte `0x01`, then chunks of at most 4,096 decompressed bytes. A chunk
//! header holds the chunk's size less 3 (12 bits), the signature `0b011`
//! and whether the chunk is compressed; an uncompressed chunk is 4,096 raw
//! bytes. Compressed data is groups of a flag byte and eight tokens: a
//! literal byte for a 0 bit, for a 1 bit a 16-bit copy token whose split
//! between offset and length bits grows with the position in the chunk.

use crate::modules::binary::u16_le;

/// Bytes a chunk decompresses to at most.
const CHUNK_SIZE: usize = 4096;

/// `compressed` decompressed, at most `limit` bytes of it; `None` without
/// the signature byte. Decompression stops at the first malformed chunk
/// header or copy token, keeping what came before, as a reader of a
/// damaged project still shows the source up to the damage.
pub(super) fn decompress(compressed: &[u8], limit: usize) -> Option<Vec<u8>> {
    let (&signature, mut rest) = compressed.split_first()?;
    (signature == 1).then_some(())?;
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(header) = u16_le(rest, 0) else { break };
        if (header >> 12) & 0b111 != 0b011 {
            break;
        }
        let size = usize::from(header & 0x0FFF) + 3;
        let chunk = &rest[2..rest.len().min(size)];
        rest = &rest[rest.len().min(size)..];
        let complete = if header & 0x8000 == 0 {
            out.extend_from_slice(&chunk[..chunk.len().min(CHUNK_SIZE)]);
            true
        } else {
            chunk_tokens(chunk, &mut out, limit)
        };
        if !complete {
            break;
        }
    }
    out.truncate(limit);
    Some(out)
}

/// Decompresses one compressed chunk onto `out`; false when a copy token
/// reaches before the chunk's start.
fn chunk_tokens(mut chunk: &[u8], out: &mut Vec<u8>, limit: usize) -> bool {
    let start = out.len();
    while let Some((&flags, tokens)) = chunk.split_first() {
        chunk = tokens;
        for bit in 0..8 {
            if chunk.is_empty() || out.len() - start >= CHUNK_SIZE || out.len() >= limit {
                return true;
            }
            if flags & (1 << bit) == 0 {
                out.push(chunk[0]);
                chunk = &chunk[1..];
                continue;
            }
            let Some(token) = u16_le(chunk, 0) else { return false };
            chunk = &chunk[2..];
            let (offset, length) = split_copy_token(token, out.len() - start);
            if offset > out.len() - start {
                return false;
            }
            let from = out.len() - offset;
            for i in 0..length.min(limit.saturating_sub(out.len())) {
                out.push(out[from + i]);
            }
        }
    }
    true
}

/// The offset and length of a copy token met `done` bytes into a chunk:
/// the offset takes as many bits as `done - 1` needs (at least 4), the
/// length the rest.
fn split_copy_token(token: u16, done: usize) -> (usize, usize) {
    let needed = usize::BITS - done.saturating_sub(1).leading_zeros();
    let offset_bits = needed.max(4);
    let length_mask = 0xFFFF_u16 >> offset_bits;
    let offset = usize::from(token >> (16 - offset_bits)) + 1;
    let length = usize::from(token & length_mask) + 3;
    (offset, length)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of [MS-OVBA] 3.2.3: "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa".
    #[test]
    fn the_specification_example_decompresses() {
        let compressed = [
            0x01, 0x2F, 0xB0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62, 0x63, 0x64, 0x65, 0x82, 0x66,
            0x00, 0x70, 0x61, 0x67, 0x68, 0x69, 0x6A, 0x01, 0x38, 0x08, 0x61, 0x6B, 0x6C, 0x00,
            0x30, 0x6D, 0x6E, 0x6F, 0x70, 0x06, 0x71, 0x02, 0x70, 0x04, 0x10, 0x72, 0x73, 0x74,
            0x75, 0x76, 0x10, 0x77, 0x78, 0x79, 0x7A, 0x00, 0x3C,
        ];
        let expected = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa";
        assert_eq!(decompress(&compressed, usize::MAX).as_deref(), Some(&expected[..]));
        assert_eq!(decompress(&compressed, 5).as_deref(), Some(&expected[..5]));
    }

    #[test]
    fn damage_keeps_what_came_before() {
        assert_eq!(decompress(b"", 10), None);
        assert_eq!(decompress(b"\x02", 10), None);
        // An uncompressed chunk of 4,096 bytes, cut short, then nothing.
        let mut raw = vec![0x01, 0xFF, 0x3F];
        raw.extend_from_slice(b"Sub A()");
        assert_eq!(decompress(&raw, usize::MAX).as_deref(), Some(&b"Sub A()"[..]));
        // A copy token first in its chunk reaches before the chunk.
        assert_eq!(
            decompress(&[0x01, 0x03, 0xB0, 0x01, 0x00, 0x00], 99).as_deref(),
            Some(&b""[..])
        );
    }

    #[test]
    fn copy_tokens_split_by_position() {
        assert_eq!(split_copy_token(0x0002, 1), (1, 5));
        assert_eq!(split_copy_token(0x1000, 16), (2, 3));
        assert_eq!(split_copy_token(0x0800, 17), (2, 3));
    }
}
