//! The `json` and `ndjson` printers: the same per-file object, one document
//! or one line per file.

use std::io::{self, Write};

use serde::Serialize;

use super::{PathJson, Printer, Summary};
use crate::results::{Attribution, FileReport, Outcome, RuleMatch};

/// The JSON object for one file; field names are the output contract.
#[derive(Serialize)]
struct FileJson<'a> {
    #[serde(flatten)]
    path: PathJson,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    member: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    matches: Option<&'a [RuleMatch]>,
    #[serde(skip_serializing_if = "<[Attribution]>::is_empty")]
    attribution: &'a [Attribution],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    console: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

impl<'a> FileJson<'a> {
    fn new(report: &'a FileReport) -> Self {
        let path = PathJson::new(&report.path);
        match &report.outcome {
            Outcome::Scanned { matches, warnings } => Self {
                path,
                member: &report.member,
                matches: Some(matches),
                attribution: &report.attribution,
                warnings,
                console: &report.console,
                error: report.stopped.as_deref(),
            },
            Outcome::Failed(error) => Self {
                path,
                member: &report.member,
                matches: None,
                attribution: &[],
                warnings: &[],
                console: &[],
                error: Some(error),
            },
        }
    }
}

fn to_io(e: serde_json::Error) -> io::Error {
    io::Error::other(e)
}

/// One JSON object per line: files with a match, and failed files.
pub struct NdjsonPrinter {
    out: Box<dyn Write + Send>,
}

impl NdjsonPrinter {
    /// A printer writing to `out`.
    #[must_use]
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self { out }
    }
}

impl Printer for NdjsonPrinter {
    fn file(&mut self, report: &FileReport) -> io::Result<()> {
        let quiet =
            report.matches().is_empty() && report.console.is_empty() && report.stopped.is_none();
        if quiet && matches!(report.outcome, Outcome::Scanned { .. }) {
            return Ok(());
        }
        let mut line = serde_json::to_vec(&FileJson::new(report)).map_err(to_io)?;
        line.push(b'\n');
        self.out.write_all(&line)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        if !summary.actors.is_empty() {
            let mut line =
                serde_json::to_vec(&serde_json::json!({ "summary": summary })).map_err(to_io)?;
            line.push(b'\n');
            self.out.write_all(&line)?;
        }
        self.out.flush()
    }
}

/// One document: `{"files": [...], "errors": [...], "summary": {...}}`.
///
/// Files are streamed as they finish; only the (small) error list is kept
/// until the end.
pub struct JsonPrinter {
    out: Box<dyn Write + Send>,
    files_written: u64,
    errors: Vec<serde_json::Value>,
}

impl JsonPrinter {
    /// A printer writing to `out`.
    #[must_use]
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self { out, files_written: 0, errors: Vec::new() }
    }
}

impl Printer for JsonPrinter {
    fn file(&mut self, report: &FileReport) -> io::Result<()> {
        if let Outcome::Failed(_) = report.outcome {
            self.errors.push(serde_json::to_value(FileJson::new(report)).map_err(to_io)?);
            return Ok(());
        }
        let prefix: &[u8] = if self.files_written == 0 { b"{\"files\":[" } else { b"," };
        self.out.write_all(prefix)?;
        serde_json::to_writer(&mut self.out, &FileJson::new(report)).map_err(to_io)?;
        self.files_written += 1;
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        if self.files_written == 0 {
            self.out.write_all(b"{\"files\":[")?;
        }
        self.out.write_all(b"],\"errors\":")?;
        serde_json::to_writer(&mut self.out, &self.errors).map_err(to_io)?;
        self.out.write_all(b",\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary).map_err(to_io)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{Profiles, attribute};
    use crate::output::SharedBuffer;
    use crate::results::MetaValue;

    #[test]
    fn ndjson_objects_carry_the_attribution_array() {
        let matches = vec![RuleMatch {
            rule: "APT_NK_Scarcruft_evolved_ROKRAT".into(),
            namespace: "default".into(),
            tags: vec![],
            meta: vec![("author".into(), MetaValue::String("x".into()))],
            strings: vec![],
        }];
        let attribution = attribute(&matches, Profiles::bundled());
        let outcome = Outcome::Scanned { matches, warnings: vec![] };
        let report = FileReport {
            path: "f".into(),
            member: vec![],
            size: 1,
            outcome,
            attribution,
            console: vec![],
            stopped: None,
        };
        let out = SharedBuffer::default();
        let mut printer = NdjsonPrinter::new(Box::new(out.clone()));
        printer.file(&report).unwrap();
        let line: serde_json::Value = serde_json::from_slice(&out.contents()).unwrap();
        let entry = &line["attribution"][0];
        assert_eq!(entry["actor"], "scarcruft");
        assert_eq!(entry["families"], serde_json::json!(["rokrat"]));
        assert_eq!(entry["rules"], serde_json::json!(["APT_NK_Scarcruft_evolved_ROKRAT"]));
        assert_eq!(entry["confidence"], "medium");
        assert!((entry["score"].as_f64().unwrap() - 0.6).abs() < 1e-9);
        assert!(entry["evidence"].as_str().unwrap().contains("rule name"));
    }
}
