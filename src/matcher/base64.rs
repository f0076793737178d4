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

/// The standard alphabet (RFC 4648), used unless the rule gives one.
const STANDARD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Shortest text YARA-X accepts with `base64`: shorter ones leave too few
/// stable characters (YARA-X: `"ab" base64` is an invalid pattern).
pub(crate) const MIN_TEXT_LEN: usize = 3;

/// Characters trimmed at the start for 0, 1 and 2 filler bytes.
const UNSTABLE_LEADING: [usize; 3] = [0, 2, 3];

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
/// with `alphabet` (standard if `None`).
pub(crate) fn shifted_encodings(text: &[u8], alphabet: Option<&[u8]>) -> Vec<Vec<u8>> {
    let alphabet = alphabet.unwrap_or(STANDARD_ALPHABET);
    (0..3)
        .map(|fillers| {
            let mut shifted = vec![0u8; fillers];
            shifted.extend_from_slice(text);
            let encoded = encode(&shifted, alphabet);
            let trailing = usize::from(shifted.len() % 3 != 0);
            encoded[UNSTABLE_LEADING[fillers]..encoded.len() - trailing].to_vec()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yara_documented_encodings() {
        let encodings = shifted_encodings(b"This program cannot", None);
        let expected: [&[u8]; 3] = [
            b"VGhpcyBwcm9ncmFtIGNhbm5vd",
            b"RoaXMgcHJvZ3JhbSBjYW5ub3",
            b"UaGlzIHByb2dyYW0gY2Fubm90",
        ];
        assert_eq!(encodings, expected);
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
