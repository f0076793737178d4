//! The limits that keep an archive from taking the scanner down, and the
//! one place where expanded bytes are counted against them.
//!
//! A hostile artifact attacks with size (a few KB that inflate to
//! terabytes: 42.zip, overlapping-entry zips, a 4 GiB zero stream), with
//! count (millions of empty members) or with depth (archives nested without
//! end). Each attack meets one field of [`ArchiveLimits`]; the defaults stop
//! each of them within seconds and a few hundred MiB of memory, and leave
//! ordinary artifacts (wheels, jars, .deb and npm packages, release
//! tarballs) whole. docs/limits.md lists them with their flags.
//!
//! Every decompressor's output goes through a [`Metered`] reader, which
//! charges each byte produced (read by the scanner or skipped over by a
//! format) to the [`Meter`] of the top-level file and checks the
//! compression ratio of its stream. Stored formats (tar, ar, cpio, ISO 9660)
//! expand nothing: their members are slices of bytes already in memory.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};
use std::rc::Rc;

/// How deep containers nest before their members are no longer opened
/// (`--archive-depth`): a file inside a zip is at depth 1.
pub const DEFAULT_MAX_DEPTH: u32 = 8;
/// Bytes all decompressors together may produce for one top-level file.
pub const DEFAULT_MAX_EXPANDED: u64 = 1 << 30;
/// Bytes one member may have; a larger member is reported, not scanned.
pub const DEFAULT_MAX_MEMBER: u64 = 256 << 20;
/// Members (at every level together) opened for one top-level file.
pub const DEFAULT_MAX_MEMBERS: u64 = 100_000;
/// The largest compression ratio (expanded / compressed bytes) a stream or
/// a zip member may reach once it is past [`DEFAULT_RATIO_GRACE`] bytes.
/// Text and binaries compress 2 to 20 times; long runs of one byte reach
/// 1000 (deflate) to millions (bzip2), which is what bombs are made of.
pub const DEFAULT_MAX_RATIO: u64 = 100;
/// Expanded bytes every stream may produce before its ratio is checked, so
/// small, very compressible files (sparse headers, empty tables) pass.
pub const DEFAULT_RATIO_GRACE: u64 = 8 << 20;
/// Memory a 7z or xz decoder may use for its dictionary; a larger one is an
/// unsupported member (real archives use 64 MiB at most).
pub const MAX_DICTIONARY: u64 = 256 << 20;
/// How many directory levels of an ISO 9660 image are walked.
pub const MAX_ISO_DIRECTORY_DEPTH: u32 = 64;

/// The limits of archive expansion for one top-level file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// See [`DEFAULT_MAX_DEPTH`].
    pub max_depth: u32,
    /// See [`DEFAULT_MAX_EXPANDED`].
    pub max_expanded: u64,
    /// See [`DEFAULT_MAX_MEMBER`].
    pub max_member: u64,
    /// See [`DEFAULT_MAX_MEMBERS`].
    pub max_members: u64,
    /// See [`DEFAULT_MAX_RATIO`].
    pub max_ratio: u64,
    /// See [`DEFAULT_RATIO_GRACE`].
    pub ratio_grace: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self {
            max_depth: DEFAULT_MAX_DEPTH,
            max_expanded: DEFAULT_MAX_EXPANDED,
            max_member: DEFAULT_MAX_MEMBER,
            max_members: DEFAULT_MAX_MEMBERS,
            max_ratio: DEFAULT_MAX_RATIO,
            ratio_grace: DEFAULT_RATIO_GRACE,
        }
    }
}

/// A limit that stopped a read; carried inside an [`io::Error`] through the
/// format crates, and shown as the member's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitHit {
    /// The top-level file's expansion budget is spent.
    Expanded(u64),
    /// One member is larger than allowed.
    Member(u64),
    /// A stream expands more than the ratio allows.
    Ratio(u64),
    /// Too many members.
    Members(u64),
}

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitHit::Expanded(n) => write!(
                f,
                "limit hit: archives of this file expand to more than {} in total",
                human(*n)
            ),
            LimitHit::Member(n) => write!(f, "limit hit: member is larger than {}", human(*n)),
            LimitHit::Ratio(n) => {
                write!(f, "limit hit: compression ratio over {n}:1 (a decompression bomb?)")
            }
            LimitHit::Members(n) => {
                write!(f, "limit hit: more than {n} members; the rest are not scanned")
            }
        }
    }
}

impl std::error::Error for LimitHit {}

impl LimitHit {
    /// This limit as an I/O error, to travel through a format's reader.
    #[must_use]
    pub fn into_io(self) -> io::Error {
        io::Error::other(self)
    }

    /// The limit behind `error`, when it was one.
    #[must_use]
    pub fn from_io(error: &io::Error) -> Option<&LimitHit> {
        error.get_ref().and_then(|inner| inner.downcast_ref::<LimitHit>())
    }
}

/// Bytes for people: `256 MiB`, `1 GiB`, `512 bytes`.
fn human(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

/// The expansion budget of one top-level file, shared by every stream that
/// expands inside it (cheap to clone).
#[derive(Debug, Clone)]
pub struct Meter {
    remaining: Rc<Cell<u64>>,
    limits: Rc<ArchiveLimits>,
}

impl Meter {
    /// A fresh budget under `limits`.
    #[must_use]
    pub fn new(limits: &ArchiveLimits) -> Self {
        Self { remaining: Rc::new(Cell::new(limits.max_expanded)), limits: Rc::new(limits.clone()) }
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &ArchiveLimits {
        &self.limits
    }

    /// `inner`, a decompressor's output, metered; `packed` says how many
    /// compressed bytes it came from, for the ratio.
    pub fn wrap<R: Read>(&self, inner: R, packed: Packed) -> Metered<R> {
        Metered { inner, meter: self.clone(), produced: 0, packed }
    }

    fn charge(&self, bytes: u64) -> io::Result<()> {
        let left = self.remaining.get();
        if bytes > left {
            self.remaining.set(0);
            return Err(LimitHit::Expanded(self.limits.max_expanded).into_io());
        }
        self.remaining.set(left - bytes);
        Ok(())
    }
}

/// How many compressed bytes a metered stream has consumed.
#[derive(Debug, Clone)]
pub enum Packed {
    /// A known size (a zip member's compressed size).
    Fixed(u64),
    /// Counted as the decompressor reads its input.
    Counted(Rc<Cell<u64>>),
}

impl Packed {
    fn get(&self) -> u64 {
        match self {
            Packed::Fixed(n) => *n,
            Packed::Counted(count) => count.get(),
        }
    }
}

/// A reader that counts the bytes taken from it into a [`Packed::Counted`].
#[derive(Debug)]
pub struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Counting<R> {
    /// `inner`, counted; the second value reads the count.
    pub fn new(inner: R) -> (Self, Packed) {
        let count = Rc::new(Cell::new(0));
        (Self { inner, count: Rc::clone(&count) }, Packed::Counted(count))
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// A decompressor's output charged to a [`Meter`] and held to the ratio.
#[derive(Debug)]
pub struct Metered<R> {
    inner: R,
    meter: Meter,
    produced: u64,
    packed: Packed,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bytes = n as u64;
        self.meter.charge(bytes)?;
        self.produced += bytes;
        let limits = &self.meter.limits;
        if self.produced > limits.ratio_grace
            && self.produced / self.packed.get().max(1) > limits.max_ratio
        {
            return Err(LimitHit::Ratio(limits.max_ratio).into_io());
        }
        Ok(n)
    }
}

/// Reads a member's whole body, at most `limit` bytes.
///
/// # Errors
/// [`LimitHit::Member`] when there is more, or the reader's own error.
pub fn read_member(reader: &mut dyn Read, limit: u64, size_hint: u64) -> io::Result<Vec<u8>> {
    let capacity = usize::try_from(size_hint.min(limit).min(1 << 24)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    let _ = reader.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(LimitHit::Member(limit).into_io());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> ArchiveLimits {
        ArchiveLimits { max_expanded: 1000, ratio_grace: 100, max_ratio: 10, ..Default::default() }
    }

    #[test]
    fn the_budget_is_shared_by_every_stream_of_a_file() {
        let meter = Meter::new(&small());
        let zeros = [0u8; 600];
        let mut first = meter.wrap(&zeros[..], Packed::Fixed(600));
        assert_eq!(io::copy(&mut first, &mut io::sink()).unwrap(), 600);
        let mut second = meter.wrap(&zeros[..], Packed::Fixed(600));
        let error = io::copy(&mut second, &mut io::sink()).unwrap_err();
        assert_eq!(LimitHit::from_io(&error), Some(&LimitHit::Expanded(1000)));
    }

    #[test]
    fn the_ratio_is_checked_past_the_grace() {
        let meter = Meter::new(&small());
        let zeros = [0u8; 200];
        let mut fine = meter.wrap(&zeros[..100], Packed::Fixed(1));
        assert!(io::copy(&mut fine, &mut io::sink()).is_ok(), "within the grace");
        let mut bomb = meter.wrap(&zeros[..], Packed::Fixed(10));
        let error = io::copy(&mut bomb, &mut io::sink()).unwrap_err();
        assert_eq!(LimitHit::from_io(&error), Some(&LimitHit::Ratio(10)));
    }

    #[test]
    fn members_are_read_up_to_their_limit() {
        assert_eq!(read_member(&mut &b"abc"[..], 3, 3).unwrap(), b"abc");
        let error = read_member(&mut &b"abcd"[..], 3, 0).unwrap_err();
        assert_eq!(LimitHit::from_io(&error), Some(&LimitHit::Member(3)));
        assert_eq!(error.to_string(), "limit hit: member is larger than 3 bytes");
        assert_eq!(human(256 << 20), "256 MiB");
    }
}
