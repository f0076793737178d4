//! Report printers: one per output format, behind one trait.
//!
//! The scanning threads send each finished [`FileReport`] to a single output
//! thread, which hands it to a [`Printer`]; a printer writes a file's whole
//! output at once, so lines of different files never interleave.
//!
//! # Formats
//! - `text`: `RULE PATH` per match as YARA prints it; `--print-tags` adds
//!   `[t1,t2]`, `--print-meta` adds `[k="v",n=1]` before the path, and
//!   `--print-strings` adds a line `0xOFFSET:$id: data` per match. Errors
//!   go to standard error as `error: PATH: message`.
//!   With the attribution option, each file's match lines are followed by
//!   one `attribution: ACTOR/FAMILIES (CONFIDENCE, SCORE) PATH` line per
//!   attributed actor (no rule name contains `:`, so the lines stay apart).
//! - `ndjson`: one JSON object per line for each file with at least one match,
//!   `{"path", "matches": [...], "attribution": [...]}`, and
//!   `{"path", "error"}` per failed file. `attribution` (left out when
//!   empty) holds [`Attribution`](crate::attribution::Attribution) objects:
//!   `{"actor", "score", "confidence", "families", "rules", "evidence",
//!   "conflicts", "country"}`. Messages of the `console` module come as a
//!   `console` array of strings (a file with messages but no match gets a
//!   line too); the text format prints them to standard error as
//!   `console: PATH: message`, keeping standard output to match lines.
//!   A scan that attributed anything ends with one more line,
//!   `{"summary": {...}}`, the summary of the `json` format; a scan that
//!   attributed nothing has no such line, so readers of plain YARA rule
//!   hits see file objects only.
//! - `json`: one document `{"files": [...], "errors": [...], "summary": {...}}`
//!   listing every scanned file, matched or not, each file as in `ndjson`.
//!   `summary.actors` lists every actor the scan attributed hits to
//!   ([`ActorSummary`](crate::attribution::summary::ActorSummary): `actor`,
//!   `name`, `attack_group`, `files`, `confidence`, `families` with their
//!   `files` and `attack_software`, and all `attack_software` ids); the
//!   text format prints the same after the hits, one `actor:` line each.
//!
//! A file whose scan stopped before the end (`--timeout`, an interrupt)
//! keeps the rules known to match by then: text prints their lines and an
//! `error:` line, the JSON formats give the object both `matches` and
//! `error` (in `files` for `json`), SARIF a result per match and a
//! notification, and the file counts as failed in the summary.
//! - `sarif`: one SARIF 2.1.0 log, see [`SarifPrinter`].
//!
//! # Paths
//! A member of an archive is reported with the archive's path on disk and
//! its member path at each level, outermost first: in text as one path
//! joined by `!` (`RULE dist/app.zip!lib/inner.tar.gz!bin/a.exe`), in JSON
//! and NDJSON as `"path"` plus a `"member"` array (absent for plain files),
//! in SARIF as an artifact whose `parentIndex` points at its container.
//!
//! JSON has no byte strings. A path that is valid UTF-8 is written as is in
//! `path`. Otherwise `path` holds a lossy rendering (invalid bytes as
//! U+FFFD) for people, and `path_base64` the exact bytes (standard base64)
//! for tools: nothing is lost.

mod baseline;
mod json;
mod sarif;
mod sarif_taxonomy;
mod text;

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

pub use baseline::Baseline;
pub use json::{JsonPrinter, NdjsonPrinter};
pub use sarif::{SarifOptions, SarifPrinter, fingerprint};
pub use text::TextPrinter;

use crate::attribution::summary::ActorTally;
use crate::results::FileReport;

/// The output formats of `spoor scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per match, as YARA prints it.
    Text,
    /// One JSON document for the whole scan.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A SARIF 2.1.0 log for code-scanning tools.
    Sarif,
}

/// What the text printer adds to each match.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// Print each pattern match.
    pub strings: bool,
    /// Print meta.
    pub meta: bool,
    /// Print tags.
    pub tags: bool,
    /// Print an `attribution:` line per actor after a file's matches.
    pub attribution: bool,
}

/// Totals for the end of a scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Files on disk scanned to the end.
    pub files_scanned: u64,
    /// Archive members scanned to the end.
    pub members_scanned: u64,
    /// Files and members that could not be scanned.
    pub files_failed: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Rule matches over all files.
    pub matches: u64,
    /// Files left out by `--skip-larger`.
    pub skipped: u64,
    /// Wall-clock time of the scan.
    pub seconds: f64,
    /// The actors the scan attributed hits to, with files, families and
    /// ATT&CK ids (fed by [`ActorTally::add`]).
    pub actors: ActorTally,
}

impl Summary {
    /// Counts one file into the totals.
    pub fn add(&mut self, report: &FileReport) {
        match &report.outcome {
            crate::results::Outcome::Scanned { matches, .. } => {
                if report.stopped.is_some() {
                    self.files_failed += 1;
                } else {
                    if report.member.is_empty() {
                        self.files_scanned += 1;
                    } else {
                        self.members_scanned += 1;
                    }
                    self.bytes += report.size;
                }
                self.matches += matches.len() as u64;
            }
            crate::results::Outcome::Failed(_) => self.files_failed += 1,
        }
    }
}

/// Writes reports in one format.
pub trait Printer: Send {
    /// Called once per file, in the order files finish.
    ///
    /// # Errors
    /// When the output cannot be written.
    fn file(&mut self, report: &FileReport) -> io::Result<()>;

    /// Writes out the lines buffered so far. The scan calls it when no
    /// report is waiting, so that a reader (a terminal, `| head -1`) sees
    /// each file's lines while the scan goes on, and a reader that left is
    /// noticed; a one-document format keeps its document whole instead.
    ///
    /// # Errors
    /// When the output cannot be written.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Called once at the end.
    ///
    /// # Errors
    /// When the output cannot be written.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// A printer for `format` writing to `out`.
#[must_use]
pub fn printer(format: Format, text: TextOptions, out: Box<dyn Write + Send>) -> Box<dyn Printer> {
    match format {
        Format::Text => Box::new(TextPrinter::new(out, text)),
        Format::Json => Box::new(JsonPrinter::new(out)),
        Format::Ndjson => Box::new(NdjsonPrinter::new(out)),
        Format::Sarif => Box::new(SarifPrinter::new(out)),
    }
}

/// A report's path for people: the file on disk, then each member path,
/// joined by `!` (`dist/app.zip!lib/inner.tar.gz!bin/a.exe`).
#[must_use]
pub fn display_path(report: &FileReport) -> String {
    let mut path = report.path.to_string_lossy().into_owned();
    for member in &report.member {
        path.push('!');
        path.push_str(member);
    }
    path
}

/// A path as JSON fields: `path`, and `path_base64` when not UTF-8.
#[derive(Debug, Serialize)]
struct PathJson {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_base64: Option<String>,
}

impl PathJson {
    fn new(path: &Path) -> Self {
        use base64::Engine as _;
        use std::os::unix::ffi::OsStrExt as _;
        match path.to_str() {
            Some(text) => Self { path: text.to_owned(), path_base64: None },
            None => Self {
                path: path.to_string_lossy().into_owned(),
                path_base64: Some(
                    base64::engine::general_purpose::STANDARD.encode(path.as_os_str().as_bytes()),
                ),
            },
        }
    }
}

/// An in-memory destination for a [`Printer`]: clones share one buffer, so
/// a caller can hand one clone to [`printer`] and read the report back from
/// another (embedding spoor, tests).
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// Everything written so far.
    #[must_use]
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().map_or_else(|poisoned| poisoned.into_inner().clone(), |bytes| bytes.clone())
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.0.lock() {
            Ok(mut bytes) => bytes.extend_from_slice(buf),
            Err(poisoned) => poisoned.into_inner().extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
