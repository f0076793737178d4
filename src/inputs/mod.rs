//! What gets scanned: the files of the walk, and the members of the
//! containers among them.
//!
//! A file is scanned as it is; when its bytes are a container (zip, tar,
//! a compressed stream, ar, cpio, RPM, 7z, ISO 9660), each member is then
//! read into memory (never to a temporary file) and scanned as an input of
//! its own, and opened in turn when it is a container, down to
//! [`ArchiveLimits::max_depth`](limits::ArchiveLimits::max_depth) levels.
//! A member is named by its path at each level, outermost first
//! (`["lib/inner.tar.gz", "bin/a.exe"]`).

pub mod containers;
pub mod expand;
pub mod limits;
pub mod scan;
