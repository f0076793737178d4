//! The `text` printer: YARA's output format.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Printer, Summary, TextOptions};
use crate::attribution::summary::describe;
use crate::results::{Attribution, FileReport, MetaValue, Outcome, RuleMatch};

/// `RULE [tags] [meta] PATH` per match, like `yara -g -m -s`.
pub struct TextPrinter {
    out: Box<dyn Write + Send>,
    options: TextOptions,
}

impl TextPrinter {
    /// A printer writing matches to `out`; errors go to standard error.
    #[must_use]
    pub fn new(out: Box<dyn Write + Send>, options: TextOptions) -> Self {
        Self { out, options }
    }

    fn render(&self, m: &RuleMatch, path: &str, buf: &mut String) {
        buf.push_str(&m.rule);
        if self.options.tags {
            let _ = write!(buf, " [{}]", m.tags.join(","));
        }
        if self.options.meta {
            let meta: Vec<String> =
                m.meta.iter().map(|(k, v)| format!("{k}={}", meta_text(v))).collect();
            let _ = write!(buf, " [{}]", meta.join(","));
        }
        let _ = writeln!(buf, " {path}");
        if self.options.strings {
            for s in &m.strings {
                let _ = writeln!(buf, "0x{:x}:{}: {}", s.offset, s.id, escape(&s.data));
            }
        }
    }
}

/// `attribution: ACTOR/FAMILY,... (CONFIDENCE, SCORE) PATH`, after the
/// file's match lines. No rule name contains `:`, so a reader of `RULE PATH`
/// lines tells these apart by their first word.
fn render_attribution(a: &Attribution, path: &str, buf: &mut String) {
    let actor = &a.actor;
    let families =
        if a.families.is_empty() { String::new() } else { format!("/{}", a.families.join(",")) };
    let confidence = a.confidence.map_or("none", |c| c.as_str());
    let _ = writeln!(buf, "attribution: {actor}{families} ({confidence}, {:.2}) {path}", a.score);
}

/// The line closing a text scan on standard error, like ripgrep's stats.
fn summary_line(s: &Summary) -> String {
    format!(
        "scanned {} files, {} members, {} bytes; {} hits, {} skipped, {} errors in {:.2}s",
        s.files_scanned,
        s.members_scanned,
        s.bytes,
        s.matches,
        s.skipped,
        s.files_failed,
        s.seconds
    )
}

/// Writes one line to standard error. A failure is ignored: the line was
/// a diagnostic, and the error it reports already sets the exit status;
/// `eprintln!` would panic instead.
fn to_stderr(line: std::fmt::Arguments) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Meta as YARA prints it: strings quoted and escaped.
fn meta_text(value: &MetaValue) -> String {
    match value {
        MetaValue::String(s) => format!("\"{}\"", escape(s.as_bytes())),
        other => other.to_text(),
    }
}

/// Printable ASCII as is, everything else as `\xNN` (and `\\`, `\"`).
fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

impl Printer for TextPrinter {
    fn file(&mut self, report: &FileReport) -> io::Result<()> {
        let path = super::display_path(report);
        match &report.outcome {
            Outcome::Scanned { matches, warnings } => {
                for warning in warnings {
                    to_stderr(format_args!("warning: {path}: {warning}"));
                }
                // Keep standard output to `RULE PATH` lines that tools parse.
                for message in &report.console {
                    to_stderr(format_args!("console: {path}: {message}"));
                }
                let mut buf = String::new();
                for m in matches {
                    self.render(m, &path, &mut buf);
                }
                if self.options.attribution {
                    for a in &report.attribution {
                        render_attribution(a, &path, &mut buf);
                    }
                }
                if let Some(why) = &report.stopped {
                    to_stderr(format_args!("error: {path}: {why}"));
                }
                self.out.write_all(buf.as_bytes())
            }
            Outcome::Failed(error) => {
                to_stderr(format_args!("error: {path}: {error}"));
                Ok(())
            }
        }
    }

    /// After the hits, one `actor: ...` line per actor the scan attributed
    /// hits to ([`describe`]), when there is any; then the summary line on
    /// standard error.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let mut buf = String::new();
        for actor in summary.actors.actors() {
            let _ = writeln!(buf, "actor: {}", describe(actor));
        }
        self.out.write_all(buf.as_bytes())?;
        self.out.flush()?;
        to_stderr(format_args!("{}", summary_line(summary)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::SharedBuffer;
    use crate::results::StringMatch;

    /// A `Write` whose bytes the test can read back.
    #[test]
    fn prints_like_yara_with_every_extra() {
        let out = SharedBuffer::default();
        let options = TextOptions { strings: true, meta: true, tags: true, attribution: true };
        let mut printer = TextPrinter::new(Box::new(out.clone()), options);
        let report = FileReport {
            path: "dir/f.bin".into(),
            member: vec![],
            size: 10,
            outcome: Outcome::Scanned {
                matches: vec![RuleMatch {
                    rule: "r".into(),
                    namespace: "default".into(),
                    tags: vec!["a".into(), "b".into()],
                    meta: vec![
                        ("s".into(), MetaValue::String("x\"y".into())),
                        ("n".into(), MetaValue::Integer(5)),
                    ],
                    strings: vec![StringMatch {
                        id: "$h".into(),
                        offset: 16,
                        length: 3,
                        xor_key: None,
                        data: vec![b'M', b'Z', 0x90],
                    }],
                }],
                warnings: vec![],
            },
            attribution: vec![Attribution {
                actor: "lazarus".into(),
                score: 0.9,
                confidence: Some(crate::attribution::Confidence::High),
                families: vec!["fallchill".into(), "applejeus".into()],
                rules: vec!["r".into()],
                evidence: "r: lazarus/fallchill (high) by rule meta".into(),
                conflicts: vec![],
                country: Some("KP".into()),
                weak: false,
            }],
            console: vec![],
            stopped: None,
        };
        printer.file(&report).unwrap();
        let text = String::from_utf8(out.contents()).unwrap();
        assert_eq!(
            text,
            "r [a,b] [s=\"x\\\"y\",n=5] dir/f.bin\n0x10:$h: MZ\\x90\n\
             attribution: lazarus/fallchill,applejeus (high, 0.90) dir/f.bin\n"
        );
    }
}
