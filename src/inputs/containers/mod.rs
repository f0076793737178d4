//! Container formats, one file each, behind one trait.
//!
//! A [`Container`] lists its members in stored order and hands each one to
//! a visitor as a bounded reader (or as the bytes themselves, for stored
//! formats whose members are slices of the container). A visitor, not an
//! iterator, because streaming formats (a tar inside gzip) can only give a
//! member while the stream stands at it. A member that cannot be read
//! (encrypted, an unsupported method, corrupt) comes as [`Body::Problem`]
//! with the reason, and the listing goes on where the format allows.
//!
//! [`detect`] picks the format from magic bytes, never from the name: a
//! `.jar`, `.whl`, `.apk`, `.docx` or `.nupkg` is a zip, a `.deb` an ar
//! archive, and a renamed file is still opened.

mod ar;
mod compressed;
mod cpio;
mod iso9660;
mod rpm;
mod sevenz;
mod tar;
mod zip;

use std::io::Read;
use std::ops::ControlFlow;

use super::limits::Meter;

pub use compressed::Compression;

/// One member handed to a visitor.
pub struct Member<'m> {
    /// The member's path inside its container, as stored (`/`-separated).
    pub name: String,
    /// The uncompressed size the container declares (0 when unknown); only
    /// a hint for allocation, never trusted.
    pub size_hint: u64,
    /// How to get at the bytes.
    pub body: Body<'m>,
}

/// A member's bytes, or why there are none.
pub enum Body<'m> {
    /// A reader over the member's bytes; expanding readers are metered.
    Reader(&'m mut dyn Read),
    /// The bytes, a slice of the container.
    Bytes(&'m [u8]),
    /// The member cannot be read; the reason.
    Problem(String),
}

/// What a visitor gets, and answers to go on or stop.
pub type Visit<'v> = dyn FnMut(Member<'_>) -> ControlFlow<()> + 'v;

/// A container opened over bytes in memory.
pub trait Container {
    /// Calls `visit` for every file member in stored order (directories,
    /// links and devices are left out) until it answers `Break`.
    ///
    /// # Errors
    /// Why the rest of the container cannot be listed (a corrupt header, a
    /// limit hit inside a stream); members visited so far stay valid.
    fn for_each_member(&mut self, visit: &mut Visit<'_>) -> Result<(), String>;
}

/// The formats spoor opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Zip and its kin: jar, war, apk, whl, nupkg, vsix, docx/xlsx/pptx, odt.
    Zip,
    /// POSIX and GNU tar.
    Tar,
    /// A compressed stream: a compressed tar, a compressed cpio, or one file.
    Compressed(Compression),
    /// Unix ar, the outer layer of a .deb.
    Ar,
    /// cpio in the "new ASCII" format (with or without CRC).
    Cpio,
    /// An RPM package: headers, then a compressed cpio payload.
    Rpm,
    /// 7z.
    SevenZ,
    /// An ISO 9660 image (with Joliet names when present).
    Iso9660,
}

impl Kind {
    /// A name for messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Zip => "zip",
            Kind::Tar => "tar",
            Kind::Compressed(c) => c.name(),
            Kind::Ar => "ar",
            Kind::Cpio => "cpio",
            Kind::Rpm => "rpm",
            Kind::SevenZ => "7z",
            Kind::Iso9660 => "iso9660",
        }
    }
}

/// The container format of `data`, from its magic bytes.
#[must_use]
pub fn detect(data: &[u8]) -> Option<Kind> {
    if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") {
        Some(Kind::Zip)
    } else if let Some(compression) = Compression::detect(data) {
        Some(Kind::Compressed(compression))
    } else if data.starts_with(b"!<arch>\n") {
        Some(Kind::Ar)
    } else if cpio::is_cpio(data) {
        Some(Kind::Cpio)
    } else if data.starts_with(&[0xED, 0xAB, 0xEE, 0xDB]) {
        Some(Kind::Rpm)
    } else if data.starts_with(&[b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C]) {
        Some(Kind::SevenZ)
    } else if tar::is_tar(data) {
        Some(Kind::Tar)
    } else if iso9660::is_iso(data) {
        Some(Kind::Iso9660)
    } else {
        None
    }
}

/// Opens `data` as a `kind` container. `name` is the container's own file
/// name, which names the one member of a bare compressed file.
///
/// # Errors
/// When the container's header or index cannot be read.
pub fn open<'a>(
    kind: Kind,
    data: &'a [u8],
    name: &str,
    meter: &Meter,
) -> Result<Box<dyn Container + 'a>, String> {
    Ok(match kind {
        Kind::Zip => Box::new(zip::Zip::open(data, meter)?),
        Kind::Tar => Box::new(tar::Tar::new(data)),
        Kind::Compressed(c) => Box::new(compressed::Stream::new(c, data, name, meter)),
        Kind::Ar => Box::new(ar::Ar::new(data)),
        Kind::Cpio => Box::new(cpio::Cpio::new(data)),
        Kind::Rpm => Box::new(rpm::Rpm::open(data, meter)?),
        Kind::SevenZ => Box::new(sevenz::SevenZ::open(data, meter)?),
        Kind::Iso9660 => Box::new(iso9660::Iso::open(data)?),
    })
}

/// Visits one member read from `reader`; shared by the streaming formats.
fn visit_reader(
    visit: &mut Visit<'_>,
    name: String,
    size_hint: u64,
    reader: &mut dyn Read,
) -> ControlFlow<()> {
    visit(Member { name, size_hint, body: Body::Reader(reader) })
}

/// The text of an I/O error for a member or container problem: a limit's
/// own message, or `what: error`.
pub(crate) fn io_reason(what: &str, error: &std::io::Error) -> String {
    match super::limits::LimitHit::from_io(error) {
        Some(hit) => hit.to_string(),
        None => format!("{what}: {error}"),
    }
}
