//! cpio in the "new ASCII" format (`070701`, and `070702` with CRC), the
//! payload of RPM packages and Linux initramfs images, with the `cpio`
//! crate. The old binary and `070707` (odc) formats are reported as
//! unsupported.

use std::io::Read;

use super::{Container, Visit, io_reason, visit_reader};

/// The file-type bits of a cpio mode, and the value of a regular file.
const TYPE_MASK: u32 = 0o170_000;
const REGULAR: u32 = 0o100_000;

/// Whether `data` starts with any cpio magic (new ASCII or odc); odc is
/// detected so that it is reported rather than ignored.
pub(super) fn is_cpio(data: &[u8]) -> bool {
    data.starts_with(b"07070") && matches!(data.get(5), Some(b'1' | b'2' | b'7'))
}

/// A cpio archive in memory.
pub(super) struct Cpio<'a> {
    data: &'a [u8],
}

impl<'a> Cpio<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self { data }
    }
}

impl Container for Cpio<'_> {
    fn for_each_member(&mut self, visit: &mut Visit<'_>) -> Result<(), String> {
        cpio_members(self.data, visit)
    }
}

/// Visits the regular files of the cpio stream `reader` up to its trailer.
pub(super) fn cpio_members<R: Read>(mut reader: R, visit: &mut Visit<'_>) -> Result<(), String> {
    loop {
        let mut entry = match cpio::NewcReader::new(reader) {
            Ok(entry) => entry,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(format!("cpio: {e} (only the new ASCII format is supported)"));
            }
            Err(e) => return Err(io_reason("cpio", &e)),
        };
        if entry.entry().is_trailer() {
            return Ok(());
        }
        if entry.entry().mode() & TYPE_MASK == REGULAR {
            let name = entry.entry().name().to_owned();
            let size = u64::from(entry.entry().file_size());
            if visit_reader(visit, name, size, &mut entry).is_break() {
                return Ok(());
            }
        }
        reader = entry.finish().map_err(|e| io_reason("cpio", &e))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::ControlFlow;

    #[test]
    fn regular_files_are_listed_to_the_trailer() {
        let mut out = Vec::new();
        let mut writer = cpio::NewcBuilder::new("./etc/a").mode(0o100_644).write(&mut out, 3);
        std::io::Write::write_all(&mut writer, b"abc").unwrap();
        let _ = writer.finish().unwrap();
        let _ = cpio::newc::trailer(&mut out).unwrap();
        assert!(is_cpio(&out));
        let mut names = Vec::new();
        Cpio::new(&out)
            .for_each_member(&mut |member| {
                names.push(member.name);
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(names, ["./etc/a"]);
    }
}
