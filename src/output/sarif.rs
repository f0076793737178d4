//! The `sarif` printer: one SARIF 2.1.0 log, as code-scanning services
//! (GitHub code scanning among them) read it.
//!
//! # Shape
//! One run of the tool `spoor`. Each rule match is one `result`:
//! `ruleId` is the rule name (`namespace/rule` outside the `default`
//! namespace), `ruleIndex` points into `tool.driver.rules`, `level` is
//! `error` for a match attributed with high confidence and `warning`
//! otherwise, and `locations` lists the file with one byte region
//! (`byteOffset`, `byteLength`, and `startLine` 1 so that GitHub can show
//! it: binary files have no lines) per reported string match, or the file
//! alone when strings were not requested. `properties` carries the actor
//! (`actor`, the best; `actors`, all) and the file's attribution entries
//! that name this rule; `partialFingerprints` identifies the rule and the
//! file (with its member path) so alerts stay the same across runs. Each
//! rule descriptor holds `shortDescription`, `fullDescription` and `help`
//! (from the rule's `description`, `author` and `reference` meta, falling
//! back to its name and namespace), its `reference` as `helpUri`, its tags,
//! and its meta. A file that could not be scanned becomes an error
//! notification of the run's invocation, which is then not
//! `executionSuccessful`.
//! The ATT&CK group and software ids of the attributed actors and families
//! form the run's `taxonomies`, referenced from each result's `taxa` and
//! each rule's `relationships` (see `sarif_taxonomy`).
//!
//! # Artifacts and URIs
//! Every file with a result is an entry of `run.artifacts`. An absolute
//! path is a `file://` URI; a relative one stays relative. With a base
//! directory (`--sarif-base DIR`), paths below it are written relative to
//! it with `uriBaseId` `%SRCROOT%`, which `originalUriBaseIds` maps to the
//! directory. A member of an archive is an artifact of its own, its URI the
//! member path, its `parentIndex` the container's artifact; a result in a
//! member names the member's artifact by `uri` and `index`.
//!
//! # Baselines
//! With the results of an earlier log ([`Baseline`]), each result gets a
//! `baselineState`: `new` or `unchanged` by its fingerprint, and every
//! result of the baseline not seen again is written at the end as
//! `absent`.
//!
//! Results are streamed as files finish; the rule table, which grows with
//! them, is written after the results (JSON objects are unordered).

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::baseline::{Baseline, FINGERPRINT_KEY};
use super::sarif_taxonomy::{AttackTaxonomy, relationships};
use super::{Printer, Summary};
use crate::attribution::{Confidence, Profiles};
use crate::results::{FileReport, MetaValue, Outcome, RuleMatch};

/// The `uriBaseId` of paths below `--sarif-base`.
pub const BASE_ID: &str = "%SRCROOT%";

/// How the SARIF log names files and compares with a baseline.
#[derive(Debug, Clone, Default)]
pub struct SarifOptions {
    /// An absolute directory; paths below it are written relative to it.
    pub base: Option<PathBuf>,
    /// The results of an earlier log, for `baselineState`.
    pub baseline: Option<Baseline>,
}

/// The `$schema` URI written into every log.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Writes a SARIF 2.1.0 log.
pub struct SarifPrinter {
    out: Box<dyn Write + Send>,
    options: SarifOptions,
    started: bool,
    results_written: u64,
    rules: Vec<Value>,
    rule_index: HashMap<(String, String), usize>,
    artifacts: Vec<Value>,
    artifact_index: HashMap<(Option<usize>, String), usize>,
    seen_fingerprints: HashSet<String>,
    failures: Vec<Value>,
    attack: AttackTaxonomy,
}

impl SarifPrinter {
    /// A printer writing to `out`.
    #[must_use]
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self::with_options(out, SarifOptions::default())
    }

    /// A printer writing to `out`, naming files and comparing as `options` say.
    #[must_use]
    pub fn with_options(out: Box<dyn Write + Send>, options: SarifOptions) -> Self {
        Self {
            out,
            options,
            started: false,
            results_written: 0,
            rules: Vec::new(),
            rule_index: HashMap::new(),
            artifacts: Vec::new(),
            artifact_index: HashMap::new(),
            seen_fingerprints: HashSet::new(),
            failures: Vec::new(),
            attack: AttackTaxonomy::default(),
        }
    }

    /// The location of a file on disk: a `file://` URI when absolute,
    /// relative to the base (with its `uriBaseId`) when below it.
    fn file_location(&self, path: &Path) -> Value {
        if let Some(base) = &self.options.base {
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            if let Ok(relative) = absolute.strip_prefix(base) {
                return json!({ "uri": path_uri(relative), "uriBaseId": BASE_ID });
            }
        }
        if path.is_absolute() {
            json!({ "uri": format!("file://{}", path_uri(path)) })
        } else {
            json!({ "uri": path_uri(path) })
        }
    }

    /// The tool-execution notification for a file that failed or stopped.
    fn failure(&mut self, report: &FileReport, error: &str) -> Value {
        let artifact = self.artifact(report);
        json!({
            "level": "error",
            "message": { "text": format!("{}: {error}", super::display_path(report)) },
            "locations": [{ "physicalLocation": { "artifactLocation": artifact } }],
        })
    }

    /// The artifact of `report` (its file, or its innermost member, each
    /// container registered as the parent of the next); its location with
    /// the artifact's `index`.
    fn artifact(&mut self, report: &FileReport) -> Value {
        let mut location = self.file_location(&report.path);
        let mut index = self.register(None, &location);
        for member in &report.member {
            location = json!({ "uri": member_uri(member) });
            index = self.register(Some(index), &location);
        }
        location["index"] = json!(index);
        location
    }

    fn register(&mut self, parent: Option<usize>, location: &Value) -> usize {
        let key = (parent, location.to_string());
        if let Some(&index) = self.artifact_index.get(&key) {
            return index;
        }
        let mut artifact = json!({ "location": location });
        if let Some(parent) = parent {
            artifact["parentIndex"] = json!(parent);
        }
        self.artifacts.push(artifact);
        let _ = self.artifact_index.insert(key, self.artifacts.len() - 1);
        self.artifacts.len() - 1
    }

    /// The index of a rule's descriptor, adding it on first sight with
    /// `relationships` to its ATT&CK taxa.
    fn rule(&mut self, m: &RuleMatch, taxa: &[Value]) -> usize {
        let key = (m.namespace.clone(), m.rule.clone());
        if let Some(&index) = self.rule_index.get(&key) {
            return index;
        }
        let mut rule = descriptor(m);
        if !taxa.is_empty() {
            rule["relationships"] = json!(relationships(taxa));
        }
        self.rules.push(rule);
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
    let id = rule_id(m);
    let mut rule = json!({
        "id": id,
        "shortDescription": { "text": meta_text(m, "description").unwrap_or(&m.rule) },
        "fullDescription": { "text": full_description(m) },
        "help": help(m, &tags),
        "properties": { "namespace": m.namespace, "tags": tags, "meta": meta },
    });
    // SARIF wants `name` only when it says more than `id`.
    if id != m.rule {
        rule["name"] = json!(m.rule);
    }
    if let Some(url) = meta_text(m, "reference").filter(|u| u.contains("://")) {
        rule["helpUri"] = json!(url);
    }
    rule
}

/// The rule's description with its origin: `DESCRIPTION (YARA rule NAME,
/// namespace NS, by AUTHOR)`.
fn full_description(m: &RuleMatch) -> String {
    let mut text = meta_text(m, "description").map_or_else(
        || format!("YARA rule {} matched.", m.rule),
        |d| format!("{} (YARA rule {})", d.trim_end_matches('.'), m.rule),
    );
    text.push_str(&format!(" Namespace: {}.", m.namespace));
    if let Some(author) = meta_text(m, "author") {
        text.push_str(&format!(" Author: {author}."));
    }
    text
}

/// The `help` of a rule: what it looks for and where to read more, as text
/// and Markdown.
fn help(m: &RuleMatch, tags: &[String]) -> Value {
    let mut text = full_description(m);
    let mut markdown = format!("**{}**\n\n{}", m.rule, full_description(m));
    if !tags.is_empty() {
        text.push_str(&format!(" Tags: {}.", tags.join(", ")));
        markdown.push_str(&format!("\n\nTags: `{}`", tags.join("`, `")));
    }
    if let Some(reference) = meta_text(m, "reference") {
        text.push_str(&format!(" Reference: {reference}"));
        markdown.push_str(&format!("\n\nReference: {reference}"));
    }
    json!({ "text": text, "markdown": markdown })
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

/// A member path as a relative URI reference.
fn member_uri(member: &str) -> String {
    path_uri(Path::new(member.trim_start_matches('/')))
}

/// A stable identity of "this rule on this file" (64-bit FNV-1a, hex) from
/// the rule id and the report's path (with its member path), so code
/// scanning keeps one alert per rule and file across runs without reading
/// binary files to fingerprint them.
#[must_use]
pub fn fingerprint(m: &RuleMatch, report: &FileReport) -> String {
    let path = super::display_path(report);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in rule_id(m).as_bytes().iter().chain(&[0]).chain(path.as_bytes()) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The file's attribution entries that name this rule.
fn entries_of<'a>(report: &'a FileReport, m: &RuleMatch) -> Vec<&'a crate::results::Attribution> {
    report.attribution.iter().filter(|a| a.rules.contains(&m.rule)).collect()
}

fn result(
    report: &FileReport,
    m: &RuleMatch,
    rule_index: usize,
    artifact: &Value,
    taxa: Vec<Value>,
) -> Value {
    let mut locations: Vec<Value> = m
        .strings
        .iter()
        .map(|s| {
            json!({ "physicalLocation": {
                "artifactLocation": artifact,
                "region": { "startLine": 1, "byteOffset": s.offset, "byteLength": s.length },
            }})
        })
        .collect();
    if locations.is_empty() {
        locations.push(json!({ "physicalLocation": { "artifactLocation": artifact } }));
    }
    let entries = entries_of(report, m);
    let actors: Vec<&str> = entries.iter().map(|a| a.actor.as_str()).collect();
    let high = entries.iter().any(|a| a.confidence == Some(Confidence::High));
    let mut message = format!("{} matched {}", m.rule, super::display_path(report));
    if !actors.is_empty() {
        message.push_str(&format!(", attributed to {}", actors.join(" and ")));
    }
    let mut result = json!({
        "ruleId": rule_id(m),
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint(m, report) },
        "ruleIndex": rule_index,
        "level": if high { "error" } else { "warning" },
        "message": { "text": message },
        "locations": locations,
        "properties": {
            "actor": actors.first(),
            "actors": actors,
            "attribution": entries,
        },
    });
    if !taxa.is_empty() {
        result["taxa"] = json!(taxa);
    }
    result
}

impl SarifPrinter {
    /// Sets `baselineState` from the baseline, when there is one.
    fn mark_baseline_state(&mut self, result: &mut Value) {
        let Some(baseline) = &self.options.baseline else { return };
        let fingerprint = result["partialFingerprints"][FINGERPRINT_KEY].as_str().unwrap_or("");
        let state = if baseline.contains(fingerprint) { "unchanged" } else { "new" };
        let _ = self.seen_fingerprints.insert(fingerprint.to_owned());
        result["baselineState"] = json!(state);
    }

    /// Writes the baseline's results not seen in this run as `absent`.
    fn write_absent(&mut self) -> io::Result<()> {
        let Some(baseline) = self.options.baseline.take() else { return Ok(()) };
        let gone: Vec<Value> = baseline.results_not_in(&self.seen_fingerprints).cloned().collect();
        for mut old in gone {
            old["baselineState"] = json!("absent");
            // Indexes of the old log mean nothing in this one.
            if let Some(object) = old.as_object_mut() {
                let _ = object.remove("ruleIndex");
            }
            strip_artifact_indexes(&mut old);
            self.write_result(&old)?;
        }
        self.options.baseline = Some(baseline);
        Ok(())
    }
}

/// Removes every `artifactLocation.index` of a result copied from another log.
fn strip_artifact_indexes(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(location)) = map.get_mut("artifactLocation") {
                let _ = location.remove("index");
            }
            map.values_mut().for_each(strip_artifact_indexes);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_artifact_indexes),
        _ => {}
    }
}

impl Printer for SarifPrinter {
    fn file(&mut self, report: &FileReport) -> io::Result<()> {
        self.start()?;
        match &report.outcome {
            Outcome::Scanned { matches, .. } => {
                for m in matches {
                    let taxa = self.attack.references(&entries_of(report, m), Profiles::bundled());
                    let index = self.rule(m, &taxa);
                    let artifact = self.artifact(report);
                    let mut result = result(report, m, index, &artifact, taxa);
                    self.mark_baseline_state(&mut result);
                    self.write_result(&result)?;
                }
                if let Some(why) = &report.stopped {
                    let failure = self.failure(report, why);
                    self.failures.push(failure);
                }
            }
            Outcome::Failed(error) => {
                let failure = self.failure(report, error);
                self.failures.push(failure);
            }
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.start()?;
        self.write_absent()?;
        let mut tail = json!({
            "tool": { "driver": {
                "name": "spoor",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": self.rules,
            }},
            "artifacts": self.artifacts,
            "invocations": [{
                "executionSuccessful": self.failures.is_empty(),
                "toolExecutionNotifications": self.failures,
                "properties": { "summary": summary },
            }],
        });
        if let Some(base) = &self.options.base {
            let uri = format!("file://{}/", path_uri(base).trim_end_matches('/'));
            tail["originalUriBaseIds"] = json!({ BASE_ID: { "uri": uri } });
        }
        let taxonomies = self.attack.taxonomies();
        if !taxonomies.is_empty() {
            tail["taxonomies"] = json!(taxonomies);
        }
        let tail = serde_json::to_string(&tail).map_err(io::Error::other)?;
        // Close `results`, then splice the tail object's members into the run.
        self.out.write_all(b"],")?;
        self.out.write_all(&tail.as_bytes()[1..])?;
        self.out.write_all(b"]}\n")?;
        self.out.flush()
    }
}
