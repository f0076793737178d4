//! The base64 forms of a text, as YARA builds them.
//!
//! Where the text sits in the encoded stream depends on its offset modulo 3
//! in the decoded data, so YARA encodes it three times, preceded by 0, 1 and
//! 2 filler bytes. Characters that mix filler bits or the unknown bits of
//! the bytes after the text are unstable and trimmed: 0, 2 or 3 leading
//! characters (for 0, 1, 2 filler bytes) and one trailing character unless
//! the encoded length is a multiple of 3 bytes. For `This program cannot`
//! that gives YARA's documented `VGhpcyBwcm9ncmFtIGNhbm5vd`,
//! `RoaXMgcHJvZ3JhbSBjYW5ub3` and `UaGlzIHByb2dyYW0gY2Fubm90`.
//!
//! Finding those characters is not enough for YARA-X: it decodes the
//! whole 4-character groups around them, trimmed characters included
//! ([`DecodeCheck`]), so `-_9UaGlzIHByb2dyYW0gY2Fubm90` (URL-safe characters
//! before the match) is no match for the standard alphabet, while
//! `AB9UaGlz...` is (confirmed with YARA-X 1.23).

use serde::{Deserialize, Serialize};

/// The standard alphabet (RFC 4648), used unless the rule gives one.
const STANDARD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Shortest text YARA-X accepts with `base64`: shorter ones leave too few
/// stable characters (YARA-X: `"ab" base64` is an invalid pattern).
pub(crate) const MIN_TEXT_LEN: usize = 3;

/// Characters trimmed at the start for 0, 1 and 2 filler bytes.
const UNSTABLE_LEADING: [usize; 3] = [0, 2, 3];

/// Marks a byte outside the alphabet in a decode table.
const INVALID: u8 = 0xFF;

/// What the text around a base64 form's match must decode to.
///
/// The checked window starts at the trimmed leading characters and spans
/// the 4-character groups that encode the fillers and the text (cut at the
/// end of the data); one or two trailing `=` are ignored. Decoding is
/// strict: every character in the alphabet, no group of a single
/// character, unused bits of the last character zero. The decoded bytes
/// after the fillers must be the text. For `base64wide` every character is
/// followed by `\0` and `=` characters are skipped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DecodeCheck {
    /// The text that was encoded (already widened for `wide`).
    #[serde(with = "crate::byte_strings::bytes")]
    text: Vec<u8>,
    /// Filler bytes before the text in the encoded stream (0 to 2).
    fillers: usize,
    /// Per byte, its value in the alphabet or [`INVALID`].
    #[serde(with = "crate::byte_strings::byte_table")]
    values: Box<[u8; 256]>,
    /// Whether the encoding is widened (`base64wide`).
    wide: bool,
}

impl DecodeCheck {
    /// Whether the data around a match starting at `start` decodes to the
    /// text.
    pub(crate) fn holds(&self, data: &[u8], start: usize) -> bool {
        let width = if self.wide { 2 } else { 1 };
        let stream_len = (self.fillers + self.text.len()).div_ceil(3) * 4;
        let Some(first) = start.checked_sub(UNSTABLE_LEADING[self.fillers] * width) else {
            return false;
        };
        let window = &data[first.min(data.len())..data.len().min(first + stream_len * width)];
        let mut chars = Vec::with_capacity(stream_len);
        if self.wide {
            for pair in window.chunks(2) {
                if pair.get(1).is_some_and(|&high| high != 0) {
                    return false;
                }
                if pair[0] != b'=' {
                    chars.push(pair[0]);
                }
            }
        } else {
            let unpadded = window.strip_suffix(b"==").or_else(|| window.strip_suffix(b"="));
            chars.extend_from_slice(unpadded.unwrap_or(window));
        }
        self.decode(&chars).is_some_and(|decoded| {
            decoded.get(self.fillers..self.fillers + self.text.len()) == Some(&self.text[..])
        })
    }

    /// Strict decoding of unpadded `chars`.
    fn decode(&self, chars: &[u8]) -> Option<Vec<u8>> {
        if chars.len() % 4 == 1 {
            return None;
        }
        let mut out = Vec::with_capacity(chars.len() / 4 * 3 + 2);
        let (mut bits, mut count) = (0u32, 0u32);
        for &char in chars {
            let value = self.values[usize::from(char)];
            if value == INVALID {
                return None;
            }
            bits = bits << 6 | u32::from(value);
            count += 6;
            if count >= 8 {
                count -= 8;
                out.push((bits >> count) as u8);
                bits &= (1 << count) - 1;
            }
        }
        (bits == 0).then_some(out)
    }
}

/// Whether `alphabet` can be a base64 alphabet: 64 distinct bytes.
pub(crate) fn is_valid_alphabet(alphabet: &[u8]) -> bool {
    let mut seen = [false; 256];
    alphabet.len() == 64
        && alphabet.iter().all(|&byte| !std::mem::replace(&mut seen[usize::from(byte)], true))
}

/// Encodes without padding.
fn encode(data: &[u8], alphabet: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &byte)| acc | u32::from(byte) << (16 - 8 * i));
        for sextet in 0..=chunk.len() {
            out.push(alphabet[((bits >> (18 - 6 * sextet)) & 0x3F) as usize]);
        }
    }
    out
}

/// The three stable encodings of `text` (at least [`MIN_TEXT_LEN`] bytes)
/// with `alphabet` (standard if `None`), each with the check its matches
/// must pass; `wide` tells that the encodings will be widened.
pub(crate) fn shifted_encodings(
    text: &[u8],
    alphabet: Option<&[u8]>,
    wide: bool,
) -> Vec<(Vec<u8>, DecodeCheck)> {
    let alphabet = alphabet.unwrap_or(STANDARD_ALPHABET);
    let mut values = Box::new([INVALID; 256]);
    for (value, &char) in (0u8..).zip(alphabet) {
        values[usize::from(char)] = value;
    }
    (0..3)
        .map(|fillers| {
            let mut shifted = vec![0u8; fillers];
            shifted.extend_from_slice(text);
            let encoded = encode(&shifted, alphabet);
            let trailing = usize::from(shifted.len() % 3 != 0);
            let stable = encoded[UNSTABLE_LEADING[fillers]..encoded.len() - trailing].to_vec();
            let check = DecodeCheck { text: text.to_vec(), fillers, values: values.clone(), wide };
            (stable, check)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yara_documented_encodings() {
        let encodings: Vec<Vec<u8>> = shifted_encodings(b"This program cannot", None, false)
            .into_iter()
            .map(|(stable, _)| stable)
            .collect();
        let expected: [&[u8]; 3] = [
            b"VGhpcyBwcm9ncmFtIGNhbm5vd",
            b"RoaXMgcHJvZ3JhbSBjYW5ub3",
            b"UaGlzIHByb2dyYW0gY2Fubm90",
        ];
        assert_eq!(encodings, expected);
    }

    /// YARA-X's answers for `"This program cannot" base64` (1.23).
    #[test]
    fn matches_must_decode_with_their_neighbours() {
        let checks = shifted_encodings(b"This program cannot", None, false);
        let cases: [(usize, &[u8], bool); 9] = [
            (0, b"VGhpcyBwcm9ncmFtIGNhbm5vdA", true),
            (0, b"VGhpcyBwcm9ncmFtIGNhbm5vdA==", true),
            (0, b"VGhpcyBwcm9ncmFtIGNhbm5vdABC", true),
            // cut inside a group, or unused bits set
            (0, b"VGhpcyBwcm9ncmFtIGNhbm5vd", false),
            (0, b"VGhpcyBwcm9ncmFtIGNhbm5vdB", false),
            (2, b"AB9UaGlzIHByb2dyYW0gY2Fubm90", true),
            (2, b"+/9UaGlzIHByb2dyYW0gY2Fubm90", true),
            // URL-safe or wrong-bit neighbours, or none at all
            (2, b"-_9UaGlzIHByb2dyYW0gY2Fubm90", false),
            (2, b"UaGlzIHByb2dyYW0gY2Fubm90", false),
        ];
        for (fillers, data, expected) in cases {
            let (stable, check) = &checks[fillers];
            let start = data.windows(stable.len()).position(|window| window == stable).unwrap();
            assert_eq!(check.holds(data, start), expected, "{}", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn plain_encoding_matches_rfc() {
        assert_eq!(encode(b"Man", STANDARD_ALPHABET), b"TWFu");
        assert_eq!(encode(b"Ma", STANDARD_ALPHABET), b"TWE");
    }

    #[test]
    fn alphabets_need_64_distinct_bytes() {
        assert!(is_valid_alphabet(STANDARD_ALPHABET));
        assert!(!is_valid_alphabet(&STANDARD_ALPHABET[..63]));
        let mut repeated = *STANDARD_ALPHABET;
        repeated[1] = b'A';
        assert!(!is_valid_alphabet(&repeated));
    }
}
