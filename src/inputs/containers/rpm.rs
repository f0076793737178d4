//! RPM packages: a 96-byte lead, a signature header, the main header, then
//! the payload, a cpio archive that is usually compressed (gzip, xz, zstd
//! or bzip2). The headers are skipped by their declared sizes (a few lines,
//! so no crate); the payload's files are the package's members, one level.

use super::compressed::{Compression, Stream};
use super::cpio::{cpio_members, is_cpio};
use super::{Container, Visit};
use crate::inputs::limits::Meter;

/// The lead's size, fixed by the format.
const LEAD: usize = 96;
/// The magic and version of a header structure.
const HEADER_MAGIC: [u8; 4] = [0x8E, 0xAD, 0xE8, 0x01];
/// Size of one index entry of a header.
const INDEX_ENTRY: u64 = 16;

/// An RPM package in memory, its payload located.
pub(super) struct Rpm<'a> {
    payload: &'a [u8],
    meter: Meter,
}

impl<'a> Rpm<'a> {
    pub(super) fn open(data: &'a [u8], meter: &Meter) -> Result<Self, String> {
        let signature_end = header_end(data, LEAD)?;
        // The signature header is padded to a multiple of 8 bytes.
        let main = signature_end.div_ceil(8) * 8;
        let payload_start = header_end(data, main)?;
        let payload = data.get(payload_start..).ok_or("rpm: truncated before the payload")?;
        Ok(Self { payload, meter: meter.clone() })
    }
}

/// The end of the header structure starting at `at`.
fn header_end(data: &[u8], at: usize) -> Result<usize, String> {
    let header = data.get(at..at + 16).ok_or("rpm: truncated header")?;
    if header[..4] != HEADER_MAGIC {
        return Err("rpm: bad header magic".to_owned());
    }
    let entries = u64::from(u32::from_be_bytes([header[8], header[9], header[10], header[11]]));
    let store = u64::from(u32::from_be_bytes([header[12], header[13], header[14], header[15]]));
    let end = (at as u64) + 16 + entries * INDEX_ENTRY + store;
    usize::try_from(end)
        .ok()
        .filter(|&end| end <= data.len())
        .ok_or_else(|| "rpm: header runs past the end of the file".to_owned())
}

impl Container for Rpm<'_> {
    fn for_each_member(&mut self, visit: &mut Visit<'_>) -> Result<(), String> {
        if let Some(compression) = Compression::detect(self.payload) {
            Stream::new(compression, self.payload, "payload", &self.meter).for_each_member(visit)
        } else if is_cpio(self.payload) {
            cpio_members(self.payload, visit)
        } else {
            Err("rpm: unsupported payload format".to_owned())
        }
    }
}
