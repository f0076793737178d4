//! The `sarif` printer: one SARIF 2.1.0 log, as code-scanning services
//! (GitHub code scanning among them) read it.
//!
//! # Shape
//! One run of the tool `spoor`. Each rule match is one `result`:
//! `ruleId` is the rule name (`namespace/rule` outside the `default`
//! namespace), `ruleIndex` points into `tool.driver.rules`, `level` is
//! `error` for a match attributed with high confidence and `warning`
//! otherwise, and `locations` lists the file as a relative URI with one
//! byte region (`byteOffset`, `byteLength`) per reported string match, or
//! the file alone when strings were not requested. `properties` carries the
//! actor (`actor`, the best; `actors`, all) and the file's attribution
//! entries that name this rule; `partialFingerprints` identifies the rule
//! and file so alerts stay the same across runs. Each rule descriptor holds the rule's
//! description, its `reference` as `helpUri`, its tags, and its meta.
//! A file that could not be scanned becomes an error notification of the
//! run's invocation, which is then not `executionSuccessful`.
//!
//! Binary files have no lines, so regions carry no `startLine`: GitHub
//! shows such alerts on the file rather than on a line.
//!
//! Results are streamed as files finish; the rule table, which grows with
//! them, is written after the results (JSON objects are unordered).

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Printer, Summary};
use crate::attribution::Confidence;
use crate::results::{FileReport, MetaValue, Outcome, RuleMatch};

/// The `$schema` URI written into every log.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Writes a SARIF 2.1.0 log.
pub struct SarifPrinter {
    out: Box<dyn Write + Send>,
    started: bool,
    results_written: u64,
    rules: Vec<Value>,
    rule_index: HashMap<(String, String), usize>,
    failures: Vec<Value>,
}

impl SarifPrinter {
    /// A printer writing to `out`.
    #[must_use]
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self {
            out,
            started: false,
            results_written: 0,
            rules: Vec::new(),
            rule_index: HashMap::new(),
            failures: Vec::new(),
        }
    }

    /// The index of a rule's descriptor, adding it on first sight.
    fn rule(&mut self, m: &RuleMatch) -> usize {
        let key = (m.namespace.clone(), m.rule.clone());
        if let Some(&index) = self.rule_index.get(&key) {
            return index;
        }
        self.rules.push(descriptor(m));
        self.rule_index.insert(key, self.rules.len() - 1);
        self.rules.len() - 1
    }

    /// Writes everything before the first result, once.
    fn start(&mut self) -> io::Result<()> {
        if !self.started {
            self.started = true;
            write!(self.out, "{{\"version\":\"2.1.0\",\"$schema\":\"{SARIF_SCHEMA}\",")?;
            self.out.write_all(b"\"runs\":[{\"results\":[")?;
        }
        Ok(())
    }

    fn write_result(&mut self, result: &Value) -> io::Result<()> {
        let prefix: &[u8] = if self.results_written == 0 { b"" } else { b"," };
        self.out.write_all(prefix)?;
        serde_json::to_writer(&mut self.out, result).map_err(io::Error::other)?;
        self.results_written += 1;
        Ok(())
    }
}

fn rule_id(m: &RuleMatch) -> String {
    if m.namespace == "default" { m.rule.clone() } else { format!("{}/{}", m.namespace, m.rule) }
}

fn meta_text<'a>(m: &'a RuleMatch, key: &str) -> Option<&'a str> {
    m.meta.iter().find_map(|(k, v)| match v {
        MetaValue::String(s) if k == key => Some(s.as_str()),
        _ => None,
    })
}

fn descriptor(m: &RuleMatch) -> Value {
    let meta = serde_json::to_value(m).ok().and_then(|v| v.get("meta").cloned());
    let mut tags = m.tags.clone();
    tags.sort();
    tags.dedup();
    let mut rule = json!({
        "id": rule_id(m),
        "name": m.rule,
        "shortDescription": { "text": meta_text(m, "description").unwrap_or(&m.rule) },
        "properties": { "namespace": m.namespace, "tags": tags, "meta": meta },
    });
    if let Some(url) = meta_text(m, "reference").filter(|u| u.contains("://")) {
        rule["helpUri"] = json!(url);
    }
    rule
}

/// A path as a URI reference: `/` kept, unreserved bytes kept, every other
/// byte percent-encoded (so spaces, `#`, `?` and non-UTF-8 bytes survive).
fn path_uri(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt as _;
    let mut uri = String::new();
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// A stable identity of "this rule on this file" (64-bit FNV-1a, hex), so
/// code scanning keeps one alert per rule and file across runs without
/// reading binary files to fingerprint them.
fn fingerprint(rule_id: &str, uri: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in rule_id.as_bytes().iter().chain(&[0]).chain(uri.as_bytes()) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn result(report: &FileReport, m: &RuleMatch, rule_index: usize) -> Value {
    let uri = path_uri(&report.path);
    let artifact = json!({ "uri": uri });
    let mut locations: Vec<Value> = m
        .strings
        .iter()
        .map(|s| {
            json!({ "physicalLocation": {
                "artifactLocation": artifact,
                "region": { "byteOffset": s.offset, "byteLength": s.length },
            }})
        })
        .collect();
    if locations.is_empty() {
        locations.push(json!({ "physicalLocation": { "artifactLocation": artifact } }));
    }
    let entries: Vec<_> = report.attribution.iter().filter(|a| a.rules.contains(&m.rule)).collect();
    let actors: Vec<&str> = entries.iter().filter_map(|a| a.actor.as_deref()).collect();
    let high = entries.iter().any(|a| a.actor.is_some() && a.confidence == Some(Confidence::High));
    let mut message = format!("{} matched {}", m.rule, report.path.display());
    if !actors.is_empty() {
        message.push_str(&format!(", attributed to {}", actors.join(" and ")));
    }
    json!({
        "ruleId": rule_id(m),
        "partialFingerprints": { "spoorRuleAndPath/v1": fingerprint(&rule_id(m), &uri) },
        "ruleIndex": rule_index,
        "level": if high { "error" } else { "warning" },
        "message": { "text": message },
        "locations": locations,
        "properties": {
            "actor": actors.first(),
            "actors": actors,
            "attribution": entries,
        },
    })
}

/// The tool-execution notification for a file that failed or stopped.
fn failure(report: &FileReport, error: &str) -> serde_json::Value {
    json!({
        "level": "error",
        "message": { "text": format!("{}: {error}", report.path.display()) },
        "locations": [{ "physicalLocation": {
            "artifactLocation": { "uri": path_uri(&report.path) } } }],
    })
}

impl Printer for SarifPrinter {
    fn file(&mut self, report: &FileReport) -> io::Result<()> {
        self.start()?;
        match &report.outcome {
            Outcome::Scanned { matches, .. } => {
                for m in matches {
                    let index = self.rule(m);
                    self.write_result(&result(report, m, index))?;
                }
                if let Some(why) = &report.stopped {
                    self.failures.push(failure(report, why));
                }
            }
            Outcome::Failed(error) => self.failures.push(failure(report, error)),
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.start()?;
        let tail = json!({
            "tool": { "driver": {
                "name": "spoor",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": self.rules,
            }},
            "invocations": [{
                "executionSuccessful": self.failures.is_empty(),
                "toolExecutionNotifications": self.failures,
                "properties": { "summary": summary },
            }],
        });
        let tail = serde_json::to_string(&tail).map_err(io::Error::other)?;
        // Close `results`, then splice the tail object's members into the run.
        self.out.write_all(b"],")?;
        self.out.write_all(&tail.as_bytes()[1..])?;
        self.out.write_all(b"]}\n")?;
        self.out.flush()
    }
}
