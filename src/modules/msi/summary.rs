//! The summary information stream (`\x05SummaryInformation`): an OLE
//! property set (`[MS-OLEPS]`). After a 28-byte header comes a list of
//! (format id, offset) pairs; the first section holds a (property id,
//! offset) table and the typed values it points to. Windows Installer gives
//! the usual document properties its own meanings (the template is the
//! platform and languages, the revision number the package code, the page
//! count the installer version needed).

use crate::modules::binary::{u16_le, u32_le, u64_le};

/// At most this many properties are read from the section.
const MAX_PROPERTIES: usize = 256;
/// Seconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01.
const FILETIME_UNIX_OFFSET: i64 = 11_644_473_600;

const VT_I2: u32 = 2;
const VT_I4: u32 = 3;
const VT_LPSTR: u32 = 30;
const VT_FILETIME: u32 = 64;

/// A property value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Property {
    Integer(i64),
    String(Vec<u8>),
    /// Seconds since the Unix epoch.
    Time(i64),
}

/// The properties of the first section, by property id.
pub(super) fn parse(stream: &[u8]) -> Vec<(u32, Property)> {
    let Some(section) = u32_le(stream, 0x2C).and_then(|o| stream.get(o as usize..)) else {
        return Vec::new();
    };
    let count = u32_le(section, 4).map_or(0, |c| c as usize).min(MAX_PROPERTIES);
    (0..count)
        .filter_map(|i| {
            let id = u32_le(section, 8 + 8 * i)?;
            let offset = u32_le(section, 12 + 8 * i)? as usize;
            Some((id, value(section, offset)?))
        })
        .collect()
}

/// The typed value at `offset` of the section.
fn value(section: &[u8], offset: usize) -> Option<Property> {
    let body = offset.checked_add(4)?;
    match u32_le(section, offset)? {
        VT_I2 => Some(Property::Integer(i64::from(u16_le(section, body)? as i16))),
        VT_I4 => Some(Property::Integer(i64::from(u32_le(section, body)? as i32))),
        VT_LPSTR => {
            let len = u32_le(section, body)? as usize;
            let start = body + 4;
            let bytes = section.get(start..start.checked_add(len)?)?;
            let text = bytes.split(|&b| b == 0).next().unwrap_or_default();
            Some(Property::String(text.to_vec()))
        }
        VT_FILETIME => {
            let ticks = u64_le(section, body)?;
            Some(Property::Time((ticks / 10_000_000) as i64 - FILETIME_UNIX_OFFSET))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_properties_of_the_first_section() {
        let mut stream = vec![0u8; 0x30];
        stream[0x2C..0x30].copy_from_slice(&0x30u32.to_le_bytes());
        let mut section = Vec::new();
        let values: [(u32, Vec<u8>); 3] = [
            (2, [&30u32.to_le_bytes()[..], &4u32.to_le_bytes(), b"abc\0"].concat()),
            (14, [&3u32.to_le_bytes()[..], &200u32.to_le_bytes()].concat()),
            (12, [&64u32.to_le_bytes()[..], &116_444_736_000_000_000u64.to_le_bytes()].concat()),
        ];
        section.extend(0u32.to_le_bytes());
        section.extend(3u32.to_le_bytes());
        let mut offset = 8 + 8 * values.len();
        for (id, value) in &values {
            section.extend(id.to_le_bytes());
            section.extend((offset as u32).to_le_bytes());
            offset += value.len();
        }
        for (_, value) in &values {
            section.extend(value);
        }
        stream.extend(section);
        assert_eq!(
            parse(&stream),
            [
                (2, Property::String(b"abc".to_vec())),
                (14, Property::Integer(200)),
                (12, Property::Time(0))
            ]
        );
        assert!(parse(&stream[..0x20]).is_empty());
    }
}
