//! Zip and its kin (jar, war, apk, whl, nupkg, vsix, docx/xlsx/pptx, odt)
//! with the `zip` crate, the maintained Rust zip reader: it reads the
//! central directory, zip64, and the stored, deflate, deflate64, bzip2,
//! lzma, xz and zstd methods. Each member's output is metered against its
//! own compressed size, which is what stops overlapping-entry bombs: every
//! entry claims a few KB and expands to the same gigabytes.

use std::io::Cursor;
use std::ops::ControlFlow;

use super::{Body, Container, Member, Visit};
use crate::inputs::limits::{LimitHit, Meter, Packed};

/// Whether a member's declared sizes already break the ratio limit, so it
/// is refused without inflating a byte (sizes that lie low are still
/// caught by the meter while reading).
fn declares_a_bomb(size: u64, compressed: u64, meter: &Meter) -> bool {
    let limits = meter.limits();
    size > limits.ratio_grace && size / compressed.max(1) > limits.max_ratio
}

/// A zip archive in memory, its central directory read.
pub(super) struct Zip<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    meter: Meter,
}

impl<'a> Zip<'a> {
    pub(super) fn open(data: &'a [u8], meter: &Meter) -> Result<Self, String> {
        let archive = zip::ZipArchive::new(Cursor::new(data)).map_err(|e| format!("zip: {e}"))?;
        Ok(Self { archive, meter: meter.clone() })
    }
}

impl Container for Zip<'_> {
    fn for_each_member(&mut self, visit: &mut Visit<'_>) -> Result<(), String> {
        for index in 0..self.archive.len() {
            let (name, problem) = match self.archive.by_index_raw(index) {
                Ok(raw) if raw.is_dir() || raw.is_symlink() => continue,
                Ok(raw) => {
                    let name = String::from_utf8_lossy(raw.name_raw()).into_owned();
                    let encrypted = raw.encrypted();
                    (name, encrypted.then(|| "encrypted member (password required)".to_owned()))
                }
                Err(e) => (format!("#{index}"), Some(format!("zip: {e}"))),
            };
            let flow = match problem {
                Some(reason) => visit(Member { name, size_hint: 0, body: Body::Problem(reason) }),
                None => match self.archive.by_index(index) {
                    Err(e) => visit(Member {
                        name,
                        size_hint: 0,
                        body: Body::Problem(format!("zip: {e}")),
                    }),
                    Ok(file)
                        if declares_a_bomb(file.size(), file.compressed_size(), &self.meter) =>
                    {
                        let ratio = self.meter.limits().max_ratio;
                        let body = Body::Problem(LimitHit::Ratio(ratio).to_string());
                        visit(Member { name, size_hint: 0, body })
                    }
                    Ok(file) => {
                        let size_hint = file.size();
                        let packed = Packed::Fixed(file.compressed_size());
                        let mut reader = self.meter.wrap(file, packed);
                        visit(Member { name, size_hint, body: Body::Reader(&mut reader) })
                    }
                },
            };
            if flow == ControlFlow::Break(()) {
                break;
            }
        }
        Ok(())
    }
}
