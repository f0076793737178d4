//! JUnit XML for CI dashboards: one `<testsuite>` per test file, one
//! `<testcase>` per case, a `<failure>` holding every unmet expectation.
//! The shape is the common one (Ant's, as Jenkins, GitLab and GitHub
//! read it); `tests/data/junit.xsd` states it and the tests validate
//! against it.

use std::io::{self, Write};

use super::CaseResult;

/// Writes `results` (grouped by test file, in order) as one
/// `<testsuites>` document.
///
/// # Errors
/// When writing fails.
pub fn write_junit(results: &[CaseResult], out: &mut dyn Write) -> io::Result<()> {
    let failed = results.iter().filter(|r| !r.passed()).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="spoor test" tests="{}" failures="{failed}" errors="0">"#,
        results.len()
    )?;
    for suite in results.chunk_by(|a, b| a.file == b.file) {
        let file = suite[0].file.display().to_string();
        let failures = suite.iter().filter(|r| !r.passed()).count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="0" skipped="0">"#,
            escape(&file),
            suite.len()
        )?;
        for case in suite {
            let open = format!(
                r#"    <testcase name="{}" classname="{}""#,
                escape(&case.name),
                escape(&file)
            );
            if case.passed() {
                writeln!(out, "{open}/>")?;
            } else {
                writeln!(out, "{open}>")?;
                writeln!(
                    out,
                    r#"      <failure message="{}">{}</failure>"#,
                    escape(&case.failures[0]),
                    escape(&case.failures.join("\n"))
                )?;
                writeln!(out, "    </testcase>")?;
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Text escaped for an XML attribute or element; characters XML 1.0
/// cannot hold are replaced.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn failures_are_escaped_and_counted() {
        let results = vec![
            CaseResult { file: PathBuf::from("a.test.toml"), name: "ok".into(), failures: vec![] },
            CaseResult {
                file: PathBuf::from("a.test.toml"),
                name: "bad <1>".into(),
                failures: vec!["rule `R` & \"x\"".into()],
            },
        ];
        let mut out = Vec::new();
        write_junit(&results, &mut out).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(xml.contains(r#"tests="2" failures="1""#), "{xml}");
        assert!(xml.contains(r#"name="bad &lt;1&gt;""#), "{xml}");
        assert!(xml.contains(r#"message="rule `R` &amp; &quot;x&quot;""#), "{xml}");
    }
}
