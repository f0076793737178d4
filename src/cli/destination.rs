//! Where a scan report goes: standard output, or `-o FILE` written to a
//! temporary file beside FILE and renamed over it once complete, so that
//! FILE holds a whole report or is left as it was, never a truncated JSON
//! document (an interrupt, a full disk).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// An opened report destination.
pub enum Destination {
    /// Standard output.
    Stdout,
    /// A temporary file to be renamed over `target`.
    Temporary {
        /// The temporary file, in `target`'s directory.
        file: tempfile::NamedTempFile,
        /// The file the report is for.
        target: PathBuf,
    },
    /// `-o` naming something that is not a regular file (`/dev/stdout`, a
    /// FIFO): written in place, as it cannot be replaced.
    InPlace(std::fs::File),
}

impl Destination {
    /// Opens the destination for `output` (standard output for `None`).
    ///
    /// # Errors
    /// When the temporary file or the non-regular target cannot be opened.
    pub fn open(output: Option<&Path>) -> io::Result<Destination> {
        let Some(target) = output else { return Ok(Destination::Stdout) };
        if std::fs::metadata(target).is_ok_and(|meta| !meta.is_file()) {
            return std::fs::OpenOptions::new().write(true).open(target).map(Destination::InPlace);
        }
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let file = tempfile::Builder::new().prefix(".spoor-report-").tempfile_in(dir)?;
        Ok(Destination::Temporary { file, target: target.to_path_buf() })
    }

    /// The writer for the printer, and what completes the report after it.
    pub fn split(self) -> (Box<dyn Write + Send>, Finisher) {
        match self {
            Destination::Stdout => (Box::new(io::BufWriter::new(io::stdout())), Finisher(None)),
            Destination::InPlace(file) => (Box::new(io::BufWriter::new(file)), Finisher(None)),
            Destination::Temporary { file, target } => {
                let (file, path) = file.into_parts();
                (Box::new(io::BufWriter::new(file)), Finisher(Some((path, target))))
            }
        }
    }
}

/// Renames a finished temporary report over its target; dropped without
/// [`Finisher::finish`] (the report failed), it deletes the temporary file.
pub struct Finisher(Option<(tempfile::TempPath, PathBuf)>);

impl Finisher {
    /// Puts the finished report in place.
    ///
    /// # Errors
    /// When the rename fails.
    pub fn finish(self) -> io::Result<()> {
        match self.0 {
            Some((temporary, target)) => temporary.persist(&target).map_err(|e| e.error),
            None => Ok(()),
        }
    }
}
