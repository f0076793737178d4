//! MSI stream names. Windows Installer packs the names of its streams to
//! fit the compound file's 31-character limit: each UTF-16 unit from
//! U+3800 to U+47FF holds two characters of a 64-letter alphabet, U+4800
//! to U+483F holds one, and U+4840 marks the stream of a table (written
//! `!` here, as Windows Installer and msitools write it). Other units are
//! themselves, such as the `\x05` that starts `\x05SummaryInformation`.

/// The 64 characters a packed unit can hold, by index.
const ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._";
/// The unit that marks a table stream.
const TABLE_MARK: u16 = 0x4840;

/// The readable form of a stored stream name.
#[must_use]
pub(super) fn decode(name: &[u16]) -> String {
    let mut out = String::new();
    let mut units = Vec::new();
    let flush = |units: &mut Vec<u16>, out: &mut String| {
        out.push_str(&String::from_utf16_lossy(units));
        units.clear();
    };
    for &unit in name {
        let letter = |i: u16| char::from(ALPHABET[usize::from(i & 0x3F)]);
        match unit {
            0x3800..0x4800 => {
                flush(&mut units, &mut out);
                let packed = unit - 0x3800;
                out.push(letter(packed));
                out.push(letter(packed >> 6));
            }
            0x4800..TABLE_MARK => {
                flush(&mut units, &mut out);
                out.push(letter(unit - 0x4800));
            }
            TABLE_MARK => {
                flush(&mut units, &mut out);
                out.push('!');
            }
            other => units.push(other),
        }
    }
    flush(&mut units, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs `name` the way Windows Installer does (for the tests only).
    fn encode(name: &str, table: bool) -> Vec<u16> {
        let index = |c: u8| ALPHABET.iter().position(|&a| a == c).map(|i| i as u16);
        let bytes = name.as_bytes();
        let mut out = if table { vec![TABLE_MARK] } else { Vec::new() };
        let mut i = 0;
        while i < bytes.len() {
            match (index(bytes[i]), bytes.get(i + 1).and_then(|&b| index(b))) {
                (Some(a), Some(b)) => {
                    out.push(0x3800 + a + (b << 6));
                    i += 2;
                }
                (Some(a), None) => {
                    out.push(0x4800 + a);
                    i += 1;
                }
                _ => {
                    out.push(u16::from(bytes[i]));
                    i += 1;
                }
            }
        }
        out
    }

    #[test]
    fn packed_names_decode() {
        assert_eq!(decode(&encode("_StringPool", true)), "!_StringPool");
        assert_eq!(decode(&encode("Property", true)), "!Property");
        assert_eq!(decode(&encode("Binary.dll", false)), "Binary.dll");
        let summary: Vec<u16> = "\u{5}SummaryInformation".encode_utf16().collect();
        assert_eq!(decode(&summary), "\u{5}SummaryInformation");
        assert_eq!(decode(&[0xD800, 0x4840]), "\u{FFFD}!");
    }
}
