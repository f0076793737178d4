//! Windows code page numbers (`PROJECTCODEPAGE`) to text encodings.

use encoding_rs::Encoding;

/// The encoding of code page `code_page`; `None` for code pages with no
/// ASCII-compatible encoding here (their text is read as UTF-8).
pub(super) fn encoding(code_page: u16) -> Option<&'static Encoding> {
    use encoding_rs::*;
    Some(match code_page {
        874 => WINDOWS_874,
        932 | 10001 => SHIFT_JIS,
        936 => GBK,
        949 => EUC_KR,
        950 => BIG5,
        1250 => WINDOWS_1250,
        1251 => WINDOWS_1251,
        1252 => WINDOWS_1252,
        1253 => WINDOWS_1253,
        1254 => WINDOWS_1254,
        1255 => WINDOWS_1255,
        1256 => WINDOWS_1256,
        1257 => WINDOWS_1257,
        1258 => WINDOWS_1258,
        10000 => MACINTOSH,
        10007 => X_MAC_CYRILLIC,
        20866 => KOI8_R,
        21866 => KOI8_U,
        20932 | 51932 => EUC_JP,
        28592 => ISO_8859_2,
        28593 => ISO_8859_3,
        28594 => ISO_8859_4,
        28595 => ISO_8859_5,
        28596 => ISO_8859_6,
        28597 => ISO_8859_7,
        28598 => ISO_8859_8,
        28603 => ISO_8859_13,
        28605 => ISO_8859_15,
        50220..=50222 => ISO_2022_JP,
        54936 => GB18030,
        65001 => UTF_8,
        _ => return None,
    })
}

/// `bytes` in code page `code_page` as UTF-8. Text of an unknown code page
/// is read as UTF-8; bytes that do not decode become U+FFFD.
pub(super) fn decode(bytes: &[u8], code_page: Option<u16>) -> Vec<u8> {
    let text = match code_page.and_then(encoding) {
        Some(encoding) => encoding.decode_without_bom_handling(bytes).0,
        None => String::from_utf8_lossy(bytes),
    };
    text.into_owned().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_decoded_by_code_page() {
        assert_eq!(decode(b"f\xfcr", Some(1252)), "für".as_bytes());
        assert_eq!(decode(b"\xc0\xe1", Some(1251)), "Аб".as_bytes());
        assert_eq!(decode(b"f\xfcr", None), "f\u{fffd}r".as_bytes());
        assert_eq!(decode(b"abc", Some(1)), b"abc");
    }
}
