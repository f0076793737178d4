//! Compressed streams: gzip (flate2, the standard deflate crate, pure Rust
//! by default), bzip2 (the `bzip2` crate on its pure-Rust backend), xz
//! (`lzma-rust2`, pure Rust and already the LZMA engine of the zip and 7z
//! readers) and zstd (the `zstd` crate, the reference library's binding).
//!
//! A compressed stream holding a tar or a cpio archive is one level: its
//! members are the archive's (`.tar.gz`, `.tgz`, `.tar.xz`, an RPM payload).
//! Anything else is one member, named from the gzip header or from the
//! container's name without its suffix (`notes.txt.gz` holds `notes.txt`).
//! The stream is decompressed as it is read, never whole.

use std::io::{self, Cursor, Read};

use super::cpio::{cpio_members, is_cpio};
use super::tar::{is_tar, tar_members};
use super::{Body, Container, Member, Visit, io_reason};
use crate::inputs::limits::{Counting, MAX_DICTIONARY, Meter};

/// How many leading bytes tell a tar or cpio inside a stream: a tar's magic
/// ends at byte 262 of its first 512-byte block.
const SNIFF: u64 = 512;

/// A compression method of a bare stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip (RFC 1952), several members in a row allowed.
    Gzip,
    /// bzip2, several streams in a row allowed.
    Bzip2,
    /// xz.
    Xz,
    /// Zstandard.
    Zstd,
}

impl Compression {
    /// The method of `data`, from its magic bytes.
    #[must_use]
    pub fn detect(data: &[u8]) -> Option<Self> {
        // bzip2: "BZh", a block size digit, then a block or end-of-stream magic.
        let bzip2 = data.len() >= 10
            && data.starts_with(b"BZh")
            && (b'1'..=b'9').contains(&data[3])
            && (data[4..10] == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
                || data[4..10] == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90]);
        if data.starts_with(&[0x1F, 0x8B, 0x08]) {
            Some(Self::Gzip)
        } else if bzip2 {
            Some(Self::Bzip2)
        } else if data.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
            Some(Self::Xz)
        } else if data.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
            Some(Self::Zstd)
        } else {
            None
        }
    }

    /// A name for messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Bzip2 => "bzip2",
            Self::Xz => "xz",
            Self::Zstd => "zstd",
        }
    }

    /// File-name suffixes of this method, stripped to name the one member.
    fn suffixes(self) -> &'static [&'static str] {
        match self {
            Self::Gzip => &[".gz", ".gzip"],
            Self::Bzip2 => &[".bz2", ".bz"],
            Self::Xz => &[".xz"],
            Self::Zstd => &[".zst", ".zstd"],
        }
    }

    /// A decompressing reader over `input`.
    fn decoder<'a, R: Read + 'a>(self, input: R) -> io::Result<Box<dyn Read + 'a>> {
        let dictionary_kb = u32::try_from(MAX_DICTIONARY / 1024).unwrap_or(u32::MAX);
        Ok(match self {
            Self::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
            Self::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
            Self::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(input, true, dictionary_kb)),
            // zstd's decoder refuses windows over 128 MiB unless told otherwise.
            Self::Zstd => Box::new(zstd::stream::read::Decoder::new(input)?),
        })
    }
}

/// A compressed stream in memory.
pub(super) struct Stream<'a> {
    compression: Compression,
    data: &'a [u8],
    container_name: String,
    meter: Meter,
}

impl<'a> Stream<'a> {
    pub(super) fn new(compression: Compression, data: &'a [u8], name: &str, meter: &Meter) -> Self {
        Self { compression, data, container_name: name.to_owned(), meter: meter.clone() }
    }

    /// The name of the one member of a bare compressed file.
    fn member_name(&self) -> String {
        if self.compression == Compression::Gzip
            && let Some(name) = gzip_file_name(self.data)
        {
            return name;
        }
        let base = self.container_name.rsplit('/').next().unwrap_or_default();
        let lower = base.to_ascii_lowercase();
        self.compression
            .suffixes()
            .iter()
            .find(|suffix| lower.len() > suffix.len() && lower.ends_with(*suffix))
            .map_or_else(|| base.to_owned(), |suffix| base[..base.len() - suffix.len()].to_owned())
    }
}

impl Container for Stream<'_> {
    fn for_each_member(&mut self, visit: &mut Visit<'_>) -> Result<(), String> {
        let what = self.compression.name();
        let (input, packed) = Counting::new(self.data);
        let decoder = self.compression.decoder(input).map_err(|e| io_reason(what, &e))?;
        let mut stream = self.meter.wrap(decoder, packed);
        let mut head = Vec::with_capacity(SNIFF as usize);
        let _ =
            (&mut stream).take(SNIFF).read_to_end(&mut head).map_err(|e| io_reason(what, &e))?;
        let tar = is_tar(&head);
        let cpio = is_cpio(&head);
        let mut whole = Cursor::new(head).chain(stream);
        if tar {
            tar_members(whole, visit)
        } else if cpio {
            cpio_members(whole, visit)
        } else {
            let name = self.member_name();
            let _ = visit(Member { name, size_hint: 0, body: Body::Reader(&mut whole) });
            Ok(())
        }
    }
}

/// The original file name stored in a gzip header (`FNAME`), if any.
fn gzip_file_name(data: &[u8]) -> Option<String> {
    const FEXTRA: u8 = 0x04;
    const FNAME: u8 = 0x08;
    let flags = *data.get(3)?;
    if flags & FNAME == 0 {
        return None;
    }
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let length = u16::from_le_bytes([*data.get(10)?, *data.get(11)?]);
        at += 2 + usize::from(length);
    }
    let rest = data.get(at..)?;
    let end = memchr::memchr(0, rest)?;
    let name = String::from_utf8_lossy(&rest[..end]).into_owned();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::limits::ArchiveLimits;
    use std::io::Write;
    use std::ops::ControlFlow;

    fn members(stream: &mut Stream<'_>) -> Vec<(String, Vec<u8>)> {
        let mut seen = Vec::new();
        stream
            .for_each_member(&mut |member| {
                let Body::Reader(reader) = member.body else { panic!("a reader") };
                let mut bytes = Vec::new();
                reader.read_to_end(&mut bytes).unwrap();
                seen.push((member.name, bytes));
                ControlFlow::Continue(())
            })
            .unwrap();
        seen
    }

    #[test]
    fn a_bare_stream_is_one_member_named_without_its_suffix() {
        let meter = Meter::new(&ArchiveLimits::default());
        let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
        encoder.write_all(b"plain text").unwrap();
        let data = encoder.finish().unwrap();
        assert_eq!(Compression::detect(&data), Some(Compression::Bzip2));
        let mut stream = Stream::new(Compression::Bzip2, &data, "dir/Notes.TXT.bz2", &meter);
        assert_eq!(members(&mut stream), [("Notes.TXT".to_owned(), b"plain text".to_vec())]);
    }

    #[test]
    fn gzip_names_its_member_from_the_header() {
        let meter = Meter::new(&ArchiveLimits::default());
        let mut encoder = flate2::GzBuilder::new()
            .filename("inner.bin")
            .write(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"abc").unwrap();
        let data = encoder.finish().unwrap();
        let mut stream = Stream::new(Compression::Gzip, &data, "x.gz", &meter);
        assert_eq!(members(&mut stream), [("inner.bin".to_owned(), b"abc".to_vec())]);
    }
}
