//! The rich header: an undocumented, XOR-masked record of the Microsoft
//! tools that built a file, between the DOS stub and the PE header.
//!
//! It ends with `Rich` and the 32-bit key, and starts with `DanS` masked
//! with that key; after `DanS` and 12 bytes of padding come `(version,
//! toolid, times)` records.

use memchr::memmem;

use crate::modules::binary::{u16_le, u32_le};

/// A decoded rich header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RichHeader {
    /// Offset of the masked `DanS` tag.
    pub offset: usize,
    pub key: u32,
    /// From `DanS` up to `Rich`, as stored.
    pub raw_data: Vec<u8>,
    /// `raw_data` unmasked.
    pub clear_data: Vec<u8>,
    /// `(toolid, version, times)` records.
    pub tools: Vec<Tool>,
}

/// One record of the rich header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tool {
    pub toolid: u16,
    pub version: u16,
    pub times: u32,
}

/// `DanS`, little-endian.
const DANS: u32 = 0x536e_6144;

/// Finds and decodes the rich header in the DOS stub (the bytes before the
/// PE signature).
pub(super) fn parse(dos_stub: &[u8]) -> Option<RichHeader> {
    let rich = memmem::rfind(dos_stub, b"Rich")?;
    let key = u32_le(dos_stub, rich + 4)?;
    let dans = memmem::rfind(&dos_stub[..rich], &(key ^ DANS).to_le_bytes())?;
    let raw_data = dos_stub[dans..rich].to_vec();
    let clear_data: Vec<u8> =
        raw_data.iter().zip(key.to_le_bytes().iter().cycle()).map(|(b, k)| b ^ k).collect();
    let records = clear_data.get(16..).unwrap_or_default();
    let tools = records
        .chunks_exact(8)
        .map(|r| Tool {
            version: u16_le(r, 0).unwrap_or(0),
            toolid: u16_le(r, 2).unwrap_or(0),
            times: u32_le(r, 4).unwrap_or(0),
        })
        .collect();
    Some(RichHeader { offset: dans, key, raw_data, clear_data, tools })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_masked_header() {
        let key = 0x1122_3344u32;
        let mut clear = Vec::new();
        clear.extend_from_slice(&DANS.to_le_bytes());
        clear.extend_from_slice(&[0; 12]);
        clear.extend_from_slice(&0x0101_7809u32.to_le_bytes()); // toolid 0x101, version 0x7809
        clear.extend_from_slice(&3u32.to_le_bytes());
        let mut stub = vec![0u8; 0x80];
        stub.extend(clear.iter().zip(key.to_le_bytes().iter().cycle()).map(|(b, k)| b ^ k));
        stub.extend_from_slice(b"Rich");
        stub.extend_from_slice(&key.to_le_bytes());
        let rich = parse(&stub).expect("rich header");
        assert_eq!(rich.offset, 0x80);
        assert_eq!(rich.clear_data, clear);
        assert_eq!(rich.tools, vec![Tool { toolid: 0x101, version: 0x7809, times: 3 }]);
        assert!(parse(&stub[..stub.len() - 2]).is_none());
    }
}
