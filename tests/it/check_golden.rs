//! Golden tests for `spoor check`: every `tests/data/diagnostics/*.yar` is
//! checked by the real binary and its output compared with the `.out` file
//! beside it (exit status, then the diagnostics as printed). A case may also
//! be a directory named like one (`e303_duplicate_alias/`), for what needs
//! several files: rules beside their own `actors/*.toml` profiles. The name
//! starts with the code the case must report, or `ok_` for none.
//! `UPDATE_GOLDENFILES=1 cargo test --test check_golden` rewrites them.
//!
//! A case may start with `// args: ...` to pass extra arguments
//! (`--define`). `yarax_positions.json` holds the line and column YARA-X
//! reports for the cases it rejects (see `scripts/yarax_positions.py`),
//! and whether spoor's first diagnostic was at the same place; those that
//! agreed must keep agreeing, and there must be at least 30 of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/diagnostics");

/// The first line comment that passes arguments to `spoor check`.
const ARGS_PREFIX: &str = "// args:";

struct Outcome {
    exit: i32,
    stdout: String,
}

fn case_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(CASES)
        .expect("test data directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yar") || is_case_dir(p))
        .collect();
    files.sort();
    files
}

/// A directory whose name starts with a diagnostic code (`e301_`); other
/// directories (`inc/`) hold files the cases include.
fn is_case_dir(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let code = name.split('_').next().unwrap_or_default().as_bytes();
    path.is_dir()
        && code.len() == 4
        && matches!(code[0], b'e' | b'w')
        && code[1..].iter().all(u8::is_ascii_digit)
}

fn run_check(case: &Path) -> Outcome {
    let text = std::fs::read_to_string(case).unwrap_or_default();
    let extra: Vec<&str> = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix(ARGS_PREFIX))
        .map(|args| args.split_whitespace().collect())
        .unwrap_or_default();
    let name = case.file_name().expect("file name");
    let output = crate::util::spoor()
        .current_dir(CASES)
        .arg("check")
        .args(extra)
        .arg(name)
        .output()
        .expect("run spoor");
    Outcome {
        exit: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
    }
}

fn golden_text(outcome: &Outcome) -> String {
    format!("exit: {}\n{}", outcome.exit, outcome.stdout)
}

#[test]
fn diagnostics_match_the_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDENFILES").is_some_and(|v| v == "1");
    let cases = case_files();
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let actual = golden_text(&run_check(case));
        let golden = case.with_extension("out");
        if update {
            std::fs::write(&golden, &actual).expect("write golden file");
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if expected != actual {
            failures
                .push(format!("{}:\n--- expected\n{expected}--- actual\n{actual}", case.display()));
        }
    }
    assert!(failures.is_empty(), "{} case(s) differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_error_case_fails_and_names_its_code() {
    for case in case_files() {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let code = name.split('_').next().unwrap().to_uppercase();
        let outcome = run_check(&case);
        let expected_exit = if code.starts_with('W') || code == "OK" { 0 } else { 2 };
        assert_eq!(outcome.exit, expected_exit, "{name}: {}", outcome.stdout);
        if code.starts_with('E') || code.starts_with('W') {
            assert!(
                outcome.stdout.contains(&format!("[{code}]")),
                "{name} should report {code}:\n{}",
                outcome.stdout
            );
        }
    }
}

/// `file:line:col` of the first diagnostic printed.
/// Where the first error is (YARA-X reports errors only; warnings spoor
/// gives before it do not count).
fn first_position(stdout: &str) -> Option<(usize, usize)> {
    let headline = stdout.lines().find(|l| l.contains(": error["))?;
    let mut parts = headline.splitn(4, ':');
    let _file = parts.next()?;
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[test]
fn positions_agree_with_yara_x() {
    let path = Path::new(CASES).join("yarax_positions.json");
    let data = std::fs::read_to_string(&path).expect("yarax_positions.json");
    let positions: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&data).expect("valid JSON");
    let agreeing: Vec<_> = positions.iter().filter(|(_, p)| p["agrees"] == true).collect();
    assert!(agreeing.len() >= 30, "only {} cases agree with YARA-X", agreeing.len());
    for (file, yarax) in agreeing {
        let outcome = run_check(&Path::new(CASES).join(file));
        let ours = first_position(&outcome.stdout).expect("a diagnostic with a position");
        let theirs = (
            usize::try_from(yarax["line"].as_u64().unwrap()).unwrap(),
            usize::try_from(yarax["column"].as_u64().unwrap()).unwrap(),
        );
        assert_eq!(ours, theirs, "{file}: spoor says {ours:?}, YARA-X {theirs:?}");
    }
}

/// Every warning spoor has shows in the golden output of some case (the
/// config-driven ones, W011 to W014, in the cases that carry a
/// `spoor.toml`), so each has its rendering pinned.
#[test]
fn every_warning_has_a_golden_case() {
    let goldens: String = case_files()
        .iter()
        .map(|case| std::fs::read_to_string(case.with_extension("out")).unwrap_or_default())
        .collect();
    for kind in spoor::diagnostics::warnings::ALL {
        assert!(
            goldens.contains(&format!("warning[{}]", kind.code)),
            "no golden case shows {} ({})",
            kind.code,
            kind.name
        );
    }
}
