//! Rule tests: `*.test.toml` files an author keeps beside the rules, and
//! the runner behind `spoor test`.
//!
//! A test file names the rule files it tests (`rules`, relative to it; by
//! default the `.yar` file with the same stem, `x.test.toml` → `x.yar`,
//! else every rule file of its directory) and a list of cases:
//!
//! ```toml
//! [[case]]
//! name = "dropper strings"                 # optional
//! build = { container = "pe", parts = ["ascii:evil.dll", "wide:cfg"] }
//! # or: file = "x.bin" | text = "..." | hex = "4D 5A" | base64 = "TVo="
//! matches = ["Rule_A"]                     # must match
//! not_matches = ["Rule_B"]                 # must not match
//! strings = [{ rule = "Rule_A", pattern = "$a", offset = 1040 }]
//! attribution = { actor = "lazarus", family = "dtrack" }
//! ```
//!
//! Rules are compiled and scanned through the public [`Compiler`] and
//! [`Scanner`], so a test sees the rules a scan sees. Attribution uses the
//! actor profiles of the nearest `actors/` directory above the test file
//! (as `rules/actors/`), else the bundled ones.

mod junit;
mod sample;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Rules;
use crate::attribution::{Profiles, attribute};
use crate::compiler::Compiler;
use crate::results::RuleMatch;
use crate::scanner::{ScanOptions, Scanner};

pub use junit::write_junit;
pub use sample::{Build, SampleSpec};

/// The suffix that makes a file a rule test.
pub const TEST_FILE_SUFFIX: &str = ".test.toml";

/// The directory of actor profiles looked for above a test file.
const ACTORS_DIR: &str = "actors";

/// One `*.test.toml` file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// Rule files, relative to the test file.
    #[serde(default)]
    pub rules: Vec<String>,
    /// The cases, in order.
    #[serde(default, rename = "case")]
    pub cases: Vec<Case>,
}

/// One sample and what the rules must say about it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// A name for reports; `case N` when absent.
    pub name: Option<String>,
    /// The sample.
    #[serde(flatten)]
    pub sample: SampleSpec,
    /// Rules that must match.
    #[serde(default)]
    pub matches: Vec<String>,
    /// Rules that must not match.
    #[serde(default)]
    pub not_matches: Vec<String>,
    /// Pattern matches that must be reported.
    #[serde(default)]
    pub strings: Vec<ExpectedString>,
    /// The attribution the matches must give.
    pub attribution: Option<ExpectedAttribution>,
}

/// A pattern of a rule that must match, optionally at an offset.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExpectedString {
    /// The rule.
    pub rule: String,
    /// The pattern, with its `$`.
    pub pattern: String,
    /// Where one of its matches must start.
    pub offset: Option<u64>,
}

/// An actor (and family) the attribution must name.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExpectedAttribution {
    /// Profile id.
    pub actor: String,
    /// A family the actor's entry must list.
    pub family: Option<String>,
}

impl TestFile {
    /// Reads and parses a test file.
    ///
    /// # Errors
    /// When it cannot be read or is not a valid test file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the text of a test file. Separate from [`TestFile::load`]
    /// so that text not read from disk (an editor buffer, a fuzzer's
    /// input) goes through the same parser.
    ///
    /// # Errors
    /// When the text is not a valid test file.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

impl Case {
    /// The name reports use.
    #[must_use]
    pub fn display_name(&self, index: usize) -> String {
        self.name.clone().unwrap_or_else(|| format!("case {}", index + 1))
    }
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// The test file.
    pub file: PathBuf,
    /// The case's name.
    pub name: String,
    /// Every unmet expectation, one sentence each; empty when it passed.
    pub failures: Vec<String>,
}

impl CaseResult {
    /// Whether every expectation held.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The test files at `paths`: files as given, and below directories every
/// `*.test.toml`, sorted.
#[must_use]
pub fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            found.extend(
                walkdir::WalkDir::new(path)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_file())
                    .map(walkdir::DirEntry::into_path)
                    .filter(|p| p.to_string_lossy().ends_with(TEST_FILE_SUFFIX)),
            );
        } else {
            found.push(path.clone());
        }
    }
    found
}

/// Runs every case of the test file at `path`. A file that cannot be
/// loaded, or whose rules do not compile, gives one failed case naming why.
#[must_use]
pub fn run_file(path: &Path) -> Vec<CaseResult> {
    let failed = |why: String| {
        vec![CaseResult {
            file: path.to_owned(),
            name: "(test file)".to_owned(),
            failures: vec![why],
        }]
    };
    let test = match TestFile::load(path) {
        Ok(test) => test,
        Err(e) => return failed(e),
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let rules = match compile(&rule_files(path, &test)) {
        Ok(rules) => rules,
        Err(e) => return failed(e),
    };
    let profiles = own_profiles(base);
    let profiles = profiles.as_ref().unwrap_or_else(|| Profiles::bundled());
    let options = ScanOptions { print_strings: true, ..ScanOptions::default() };
    let mut scanner = Scanner::with_options(&rules, options);
    test.cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let name = case.display_name(i);
            let failures = match case.sample.bytes(base) {
                Err(e) => vec![format!("sample `{name}`: {e}")],
                Ok(bytes) => match scanner.scan_bytes(&bytes) {
                    Err(e) => vec![format!("sample `{name}`: scan failed: {e}")],
                    Ok(results) => check(case, &name, results.matching_rules(), profiles),
                },
            };
            CaseResult { file: path.to_owned(), name, failures }
        })
        .collect()
}

/// The rule files a test file tests.
fn rule_files(path: &Path, test: &TestFile) -> Vec<PathBuf> {
    let base = path.parent().unwrap_or(Path::new("."));
    if !test.rules.is_empty() {
        return test.rules.iter().map(|r| base.join(r)).collect();
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.strip_suffix(TEST_FILE_SUFFIX).unwrap_or(&name);
    ["yar", "yara"]
        .iter()
        .map(|ext| base.join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
        .map_or_else(|| vec![base.to_owned()], |p| vec![p])
}

fn compile(files: &[PathBuf]) -> Result<Rules, String> {
    let mut compiler = Compiler::new();
    for file in files {
        compiler.add_path(file);
    }
    compiler.build().map_err(|diagnostics| {
        let rendered: String = diagnostics.iter().map(|d| d.render()).collect();
        format!("the rules do not compile:\n{rendered}")
    })
}

/// The profiles of the nearest `actors/` directory at or above `dir`.
fn own_profiles(dir: &Path) -> Option<Profiles> {
    dir.ancestors()
        .map(|d| d.join(ACTORS_DIR))
        .find(|d| d.is_dir())
        .and_then(|d| Profiles::load_dir(&d).ok())
}

/// Every expectation of `case` that `matches` does not meet.
fn check(case: &Case, name: &str, matches: &[RuleMatch], profiles: &Profiles) -> Vec<String> {
    let matched = |rule: &str| matches.iter().find(|m| m.rule == rule);
    let mut failures = Vec::new();
    for rule in &case.matches {
        if matched(rule).is_none() {
            failures
                .push(format!("rule `{rule}` was expected to match sample `{name}`, but did not"));
        }
    }
    for rule in &case.not_matches {
        if matched(rule).is_some() {
            failures
                .push(format!("rule `{rule}` was expected not to match sample `{name}`, but did"));
        }
    }
    for want in &case.strings {
        let hit = matched(&want.rule).is_some_and(|m| {
            m.strings
                .iter()
                .any(|s| s.id == want.pattern && want.offset.is_none_or(|o| s.offset == o))
        });
        if !hit {
            let at = want.offset.map_or(String::new(), |o| format!(" at offset {o}"));
            failures.push(format!(
                "rule `{}` was expected to match `{}`{at} in sample `{name}`, but did not",
                want.rule, want.pattern
            ));
        }
    }
    if let Some(want) = &case.attribution {
        let got = attribute(matches, profiles);
        let named = got.iter().any(|a| {
            a.actor == want.actor && want.family.as_ref().is_none_or(|f| a.families.contains(f))
        });
        if !named {
            let family = want.family.as_ref().map_or(String::new(), |f| format!(" / {f}"));
            let summary: Vec<String> =
                got.iter().map(|a| format!("{} {:?}", a.actor, a.families)).collect();
            failures.push(format!(
                "sample `{name}` was expected to be attributed to {}{family}, got [{}]",
                want.actor,
                summary.join(", ")
            ));
        }
    }
    failures
}

#[cfg(test)]
mod tests;
