//! The conformance suite: YARA semantics, case by case, through the real binary.
//!
//! Every case in `tests/data/conformance/*.toml` (one file per feature area; the
//! format is described in `scripts/conformance_cases.py`) holds rule text, the
//! bytes to scan and the result YARA-X gave for them, stored once by
//! `scripts/confirm_conformance.py`, so this test needs no reference installed.
//! A case marked `follows = "libyara"` (with its `reason`) stores libyara's
//! result instead: a YARA-X bug spoor does not share (docs/differences.md).
//!
//! For each case the test writes the rules and the input to a temporary
//! directory and runs
//! `spoor scan --rules RULES --format ndjson --print-strings [--define k=v]... INPUT`,
//! then compares the exit status, the matching rules and the reported string
//! matches with the expectation. It runs every case and reports all failures
//! together at the end. `SPOOR_CONFORMANCE=text` runs only the cases whose
//! `area::name` contains `text`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// The suite must keep at least this many cases (issue 3 asks for 600).
const MIN_CASES: usize = 650;

/// A case whose scan takes longer than this has hung; it fails and is killed.
const CASE_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a running scan is polled for completion.
const POLL_INTERVAL: Duration = Duration::from_millis(2);

/// One file of cases: a feature area.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    area: String,
    #[serde(default)]
    case: Vec<Case>,
}

/// One case, as `scripts/conformance_cases.py` writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    note: Option<String>,
    module: Option<String>,
    #[serde(default)]
    externals: BTreeMap<String, toml::Value>,
    rules: String,
    input: Option<String>,
    input_hex: Option<String>,
    input_repeat: Option<usize>,
    #[serde(default = "default_print_strings")]
    print_strings: bool,
    expected_rules: Option<Vec<String>>,
    #[serde(default)]
    expected_strings: Vec<StringMatch>,
    /// The reference the expectation follows.
    #[serde(default)]
    follows: Reference,
    /// Why a case follows libyara rather than YARA-X.
    reason: Option<String>,
    /// libyara's result, when it differs from an expectation that follows YARA-X.
    libyara: Option<toml::Value>,
    /// YARA-X's result, when it differs from an expectation that follows libyara.
    yara_x: Option<toml::Value>,
    /// Why spoor is known to differ from this expectation. Such a case is
    /// reported, not failed, while spoor differs, and fails once spoor agrees,
    /// so the marker is removed with the deviation.
    known_deviation: Option<String>,
}

/// The reference implementation whose result a case stores. YARA-X by
/// default, as the project's rules say; libyara where YARA-X has a bug.
#[derive(Deserialize, Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Reference {
    #[default]
    #[serde(rename = "yara-x")]
    YaraX,
    #[serde(rename = "libyara")]
    Libyara,
}

fn default_print_strings() -> bool {
    true
}

/// A reported string match, in the expectation and in spoor's output alike.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct StringMatch {
    rule: String,
    id: String,
    offset: u64,
    length: u64,
}

/// One NDJSON line of `spoor scan`; fields the suite does not compare are
/// ignored.
#[derive(Deserialize)]
struct FileLine {
    #[serde(default)]
    matches: Vec<RuleLine>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct RuleLine {
    rule: String,
    #[serde(default)]
    strings: Vec<StringLine>,
}

#[derive(Deserialize)]
struct StringLine {
    id: String,
    offset: u64,
    length: u64,
}

/// A case with the file it came from.
struct Loaded {
    qualified: String,
    area: String,
    case: Case,
}

fn case_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance")
}

/// Every case of every area file, in file then declaration order.
fn load_cases() -> Vec<Loaded> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(case_dir())
        .expect("tests/data/conformance exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| p.file_stem().is_some_and(|s| s != "reference"))
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable case file");
        let file: CaseFile = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not a valid case file: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        for case in file.case {
            let qualified = format!("{stem}::{}", case.name);
            cases.push(Loaded { qualified, area: file.area.clone(), case });
        }
    }
    cases
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits in {hex:?}"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
            u8::from_str_radix(text, 16).map_err(|e| format!("{text:?}: {e}"))
        })
        .collect()
}

impl Case {
    /// The bytes the case scans.
    fn input_bytes(&self) -> Result<Vec<u8>, String> {
        let once = match (&self.input, &self.input_hex) {
            (Some(text), None) => text.as_bytes().to_vec(),
            (None, Some(hex)) => decode_hex(hex)?,
            (None, None) => Vec::new(),
            (Some(_), Some(_)) => return Err("both input and input_hex".into()),
        };
        Ok(once.repeat(self.input_repeat.unwrap_or(1)))
    }

    /// `--define NAME=VALUE` arguments; the value's spelling gives its type.
    fn define_args(&self) -> Result<Vec<String>, String> {
        let mut args = Vec::new();
        for (name, value) in &self.externals {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::Float(x) => format!("{x:?}"),
                toml::Value::Boolean(b) => b.to_string(),
                other => return Err(format!("external {name}: unsupported value {other}")),
            };
            args.push("--define".to_owned());
            args.push(format!("{name}={text}"));
        }
        Ok(args)
    }

    /// A case follows libyara only with a reason and YARA-X's differing
    /// result on record; the other reference's result is recorded only
    /// when the expectation does not follow it.
    fn reference_fields_agree(&self) -> Result<(), String> {
        match self.follows {
            Reference::YaraX if self.reason.is_some() || self.yara_x.is_some() => {
                Err("`reason` and `yara_x` belong to cases that follow libyara".into())
            }
            Reference::Libyara if self.reason.as_deref().is_none_or(str::is_empty) => {
                Err("a case that follows libyara needs a `reason`".into())
            }
            Reference::Libyara if self.yara_x.is_none() || self.libyara.is_some() => Err(
                "a case that follows libyara records YARA-X's result as `yara_x`, not `libyara`"
                    .into(),
            ),
            _ => Ok(()),
        }
    }

    fn describe(&self) -> String {
        let mut out = String::new();
        if let Some(module) = &self.module {
            let _ = writeln!(out, "  module: {module}");
        }
        if let Some(note) = &self.note {
            let _ = writeln!(out, "  note: {note}");
        }
        if let Some(reason) = &self.reason {
            let _ = writeln!(out, "  expectation follows libyara: {reason}");
        }
        if let Some(libyara) = &self.libyara {
            let _ = writeln!(out, "  (libyara differs from the expectation: {libyara})");
        }
        if let Some(yara_x) = &self.yara_x {
            let _ = writeln!(out, "  (YARA-X differs from the expectation: {yara_x})");
        }
        let _ = writeln!(out, "  rules:\n    {}", self.rules.trim_end().replace('\n', "\n    "));
        out
    }
}

/// What one `spoor scan` run reported.
struct Observed {
    exit: Option<i32>,
    rules: Vec<String>,
    strings: Vec<StringMatch>,
    errors: Vec<String>,
    stderr: String,
}

fn run_spoor(dir: &Path, case: &Case) -> Result<Observed, String> {
    let rules = dir.join("rules.yar");
    let input = dir.join("input.bin");
    std::fs::write(&rules, &case.rules).map_err(|e| e.to_string())?;
    std::fs::write(&input, case.input_bytes()?).map_err(|e| e.to_string())?;
    let mut cmd = crate::util::spoor();
    cmd.arg("scan").arg("--rules").arg(&rules).args(["--format", "ndjson"]);
    if case.print_strings {
        cmd.arg("--print-strings");
    }
    cmd.args(case.define_args()?).arg(&input);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let output = run_with_timeout(cmd)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut observed = Observed {
        exit: output.status.code(),
        rules: Vec::new(),
        strings: Vec::new(),
        errors: Vec::new(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let parsed: FileLine =
            serde_json::from_str(line).map_err(|e| format!("bad NDJSON line {line:?}: {e}"))?;
        observed.errors.extend(parsed.error);
        for m in parsed.matches {
            observed.strings.extend(m.strings.into_iter().map(|s| StringMatch {
                rule: m.rule.clone(),
                id: s.id,
                offset: s.offset,
                length: s.length,
            }));
            observed.rules.push(m.rule);
        }
    }
    observed.rules.sort();
    observed.strings.sort();
    Ok(observed)
}

/// Runs `cmd` to completion, killing it after [`CASE_TIMEOUT`]. Output is
/// read on threads so a chatty child cannot block on a full pipe.
fn run_with_timeout(mut cmd: Command) -> Result<std::process::Output, String> {
    let mut child = cmd.spawn().map_err(|e| format!("cannot run spoor: {e}"))?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).map(|_| buf)
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buf).map(|_| buf)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > CASE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("spoor did not finish within {CASE_TIMEOUT:?}"));
        }
        std::thread::sleep(POLL_INTERVAL);
    };
    let stdout = out_reader.join().expect("reader thread").map_err(|e| e.to_string())?;
    let stderr = err_reader.join().expect("reader thread").map_err(|e| e.to_string())?;
    Ok(std::process::Output { status, stdout, stderr })
}

/// Compares one case's run with its expectation; `None` when they agree.
fn check_case(loaded: &Loaded) -> Option<String> {
    let case = &loaded.case;
    let Some(expected_rules) = &case.expected_rules else {
        return Some("no stored expectation: run scripts/confirm_conformance.py".into());
    };
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => return Some(format!("cannot create a temporary directory: {e}")),
    };
    let observed = match run_spoor(dir.path(), case) {
        Ok(observed) => observed,
        Err(e) => return Some(e),
    };
    let mut problems = String::new();
    let expected_exit = if expected_rules.is_empty() { 0 } else { 1 };
    if observed.exit != Some(expected_exit) {
        let _ = writeln!(problems, "  exit status {:?}, expected {expected_exit}", observed.exit);
    }
    if !observed.errors.is_empty() {
        let _ = writeln!(problems, "  errors reported: {:?}", observed.errors);
    }
    if &observed.rules != expected_rules {
        let _ = writeln!(
            problems,
            "  matching rules {:?}, expected {expected_rules:?}",
            observed.rules
        );
    }
    if case.print_strings {
        let mut expected = case.expected_strings.clone();
        expected.sort();
        let missing: Vec<_> = expected.iter().filter(|s| !observed.strings.contains(s)).collect();
        let extra: Vec<_> = observed.strings.iter().filter(|s| !expected.contains(s)).collect();
        for s in missing {
            let _ = writeln!(
                problems,
                "  - missing {} {} at {} len {}",
                s.rule, s.id, s.offset, s.length
            );
        }
        for s in extra {
            let _ = writeln!(
                problems,
                "  + extra   {} {} at {} len {}",
                s.rule, s.id, s.offset, s.length
            );
        }
        if problems.is_empty() && observed.strings.len() != expected.len() {
            let _ = writeln!(
                problems,
                "  {} string matches reported, expected {}",
                observed.strings.len(),
                expected.len()
            );
        }
    }
    if problems.is_empty() {
        return None;
    }
    let stderr = observed.stderr.trim();
    if !stderr.is_empty() {
        let _ = writeln!(
            problems,
            "  stderr: {}",
            stderr.lines().take(5).collect::<Vec<_>>().join(" | ")
        );
    }
    Some(problems + &case.describe())
}

#[test]
fn case_files_are_complete_and_consistent() {
    let cases = load_cases();
    assert!(cases.len() >= MIN_CASES, "only {} conformance cases, want {MIN_CASES}", cases.len());
    let mut seen = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for loaded in &cases {
        let case = &loaded.case;
        if !seen.insert(loaded.qualified.as_str()) {
            problems.push(format!("{}: duplicate name", loaded.qualified));
        }
        if case.expected_rules.is_none() {
            problems.push(format!("{}: no stored expectation", loaded.qualified));
        }
        if let Err(e) = case.input_bytes().and(case.define_args()) {
            problems.push(format!("{}: {e}", loaded.qualified));
        }
        let expected = case.expected_rules.as_deref().unwrap_or_default();
        for s in &case.expected_strings {
            if !expected.contains(&s.rule) {
                problems
                    .push(format!("{}: string of non-matching rule {}", loaded.qualified, s.rule));
            }
        }
        if let Err(e) = case.reference_fields_agree() {
            problems.push(format!("{}: {e}", loaded.qualified));
        }
        if loaded.area.is_empty() {
            problems.push(format!("{}: file has no area description", loaded.qualified));
        }
    }
    assert!(problems.is_empty(), "malformed cases:\n{}", problems.join("\n"));
}

#[test]
fn spoor_agrees_with_the_stored_expectations() {
    let filter = std::env::var("SPOOR_CONFORMANCE").unwrap_or_default();
    let cases: Vec<Loaded> =
        load_cases().into_iter().filter(|c| c.qualified.contains(&filter)).collect();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(loaded) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let problem = check_case(loaded);
                    let name = loaded.qualified.clone();
                    match (&loaded.case.known_deviation, problem) {
                        (None, Some(problem)) => failures.lock().unwrap().push((name, problem)),
                        (Some(reason), Some(_)) => eprintln!("known deviation {name}: {reason}"),
                        (Some(_), None) => failures
                            .lock()
                            .unwrap()
                            .push((name, "agrees now: remove `known_deviation`".into())),
                        (None, None) => {}
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    if failures.is_empty() {
        return;
    }
    let mut report = String::new();
    for (name, problem) in &failures {
        let _ = write!(report, "\nFAILED {name}\n{problem}");
    }
    let mut per_area: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, _) in &failures {
        *per_area.entry(name.split("::").next().unwrap_or(name)).or_default() += 1;
    }
    panic!(
        "{report}\n{} of {} conformance cases failed; per area: {per_area:?}",
        failures.len(),
        cases.len()
    );
}
