//! Decoding of literal text: string escapes, integers and hex-string bytes.
//!
//! The grammar only delimits literals; these functions give them their
//! values and say precisely what is wrong with a bad one, as an offset
//! into the literal so the builder can point at it.

/// A bad escape sequence inside a string literal.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct BadEscape {
    /// Byte offset of the backslash within the literal's body.
    pub offset: usize,
    /// Byte length of the offending sequence.
    pub len: usize,
}

/// Decodes the body of a `"..."` literal (YARA's escapes: `\n` `\t` `\r`
/// `\\` `\"` `\xHH`). Returns every bad escape, not only the first.
pub(super) fn unescape(body: &str) -> Result<Vec<u8>, Vec<BadEscape>> {
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut bad = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let decoded = match bytes.get(i + 1) {
            Some(b'n') => Some((b'\n', 2)),
            Some(b't') => Some((b'\t', 2)),
            Some(b'r') => Some((b'\r', 2)),
            Some(b'\\') => Some((b'\\', 2)),
            Some(b'"') => Some((b'"', 2)),
            Some(b'x') => hex_pair(bytes.get(i + 2..i + 4)).map(|b| (b, 4)),
            _ => None,
        };
        match decoded {
            Some((byte, len)) => {
                out.push(byte);
                i += len;
            }
            None => {
                let len = escape_len(body, i);
                bad.push(BadEscape { offset: i, len });
                i += len;
            }
        }
    }
    if bad.is_empty() { Ok(out) } else { Err(bad) }
}

/// Length of a malformed escape starting at the backslash `at`: the
/// backslash and the character after it (a whole UTF-8 character), plus up
/// to two more for `\x`.
fn escape_len(body: &str, at: usize) -> usize {
    let rest = &body[at + 1..];
    let Some(c) = rest.chars().next() else { return 1 };
    if c == 'x' {
        let hex = rest[1..].bytes().take(2).take_while(u8::is_ascii_hexdigit).count();
        2 + hex
    } else {
        1 + c.len_utf8()
    }
}

fn hex_pair(pair: Option<&[u8]>) -> Option<u8> {
    let pair = std::str::from_utf8(pair?).ok()?;
    if pair.bytes().all(|b| b.is_ascii_hexdigit()) {
        u8::from_str_radix(pair, 16).ok()
    } else {
        None
    }
}

/// The magnitude of an integer literal as the grammar accepts it
/// (`0x1F`, `0o17`, `123`, `2KB`, `1MB`), or `None` if it does not fit in
/// 64 unsigned bits.
pub(super) fn integer_magnitude(text: &str) -> Option<u64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok();
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return u64::from_str_radix(octal, 8).ok();
    }
    let (digits, scale) = if let Some(d) = text.strip_suffix("KB") {
        (d, 1024)
    } else if let Some(d) = text.strip_suffix("MB") {
        (d, 1024 * 1024)
    } else {
        (text, 1)
    };
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

/// A signed integer literal: `negative` applies a leading minus sign, which
/// lets `-9223372036854775808` through although its magnitude does not fit
/// a positive `i64`.
pub(super) fn integer_value(text: &str, negative: bool) -> Option<i64> {
    let magnitude = i128::from(integer_magnitude(text)?);
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// A hex-string byte `4D`, `4?`, `?D` or `??` as `(value, mask)`.
pub(super) fn hex_byte(text: &str) -> (u8, u8) {
    let nibble = |c: u8| match c {
        b'?' => (0, 0),
        c => ((c as char).to_digit(16).unwrap_or(0) as u8, 0xF),
    };
    let bytes = text.as_bytes();
    let (hi, hi_mask) = nibble(bytes[0]);
    let (lo, lo_mask) = nibble(bytes[1]);
    ((hi << 4) | lo, (hi_mask << 4) | lo_mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_decodes_yara_escapes() {
        assert_eq!(unescape(r#"a\n\t\r\\\"\x41\x7f"#).unwrap(), b"a\n\t\r\\\"A\x7f");
        assert_eq!(unescape("ç").unwrap(), "ç".as_bytes());
    }

    #[test]
    fn unescape_reports_every_bad_escape() {
        let bad = unescape(r"\q and \x4 and \xZZ and \é").unwrap_err();
        let spans: Vec<_> = bad.iter().map(|b| (b.offset, b.len)).collect();
        assert_eq!(spans, vec![(0, 2), (7, 3), (15, 2), (24, 3)]);
        assert_eq!(unescape("\\").unwrap_err(), vec![BadEscape { offset: 0, len: 1 }]);
    }

    #[test]
    fn integers_in_every_base_and_unit() {
        assert_eq!(integer_magnitude("0x1F"), Some(31));
        assert_eq!(integer_magnitude("0o17"), Some(15));
        assert_eq!(integer_magnitude("2KB"), Some(2048));
        assert_eq!(integer_magnitude("1MB"), Some(1 << 20));
        assert_eq!(integer_magnitude("18446744073709551616"), None);
        assert_eq!(integer_magnitude("18014398509481984MB"), None);
        assert_eq!(integer_value("9223372036854775808", true), Some(i64::MIN));
        assert_eq!(integer_value("9223372036854775808", false), None);
        assert_eq!(integer_value("0x10", true), Some(-16));
    }

    #[test]
    fn hex_bytes_with_nibble_wildcards() {
        assert_eq!(hex_byte("4D"), (0x4D, 0xFF));
        assert_eq!(hex_byte("4?"), (0x40, 0xF0));
        assert_eq!(hex_byte("?d"), (0x0D, 0x0F));
        assert_eq!(hex_byte("??"), (0, 0));
    }
}
