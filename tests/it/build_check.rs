//! One build path: `spoor check` accepts a rule file exactly when `spoor
//! scan` compiles it, and every rejection names file, line and column.
//!
//! Checked over every rule file of signature-base and over the build-only
//! cases of `tests/data/build_only/cases.json`: rules that parse and
//! type-check but that only compiling their patterns can judge, each with
//! YARA-X's verdict (recorded and re-confirmed by
//! `scripts/build_only_cases.py`). spoor follows YARA-X on every case but
//! those marked `deviation`, explained in docs/differences.md.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{repo, signature_base, spoor};

/// The externals signature-base reads (THOR defines them).
const SIGNATURE_BASE_EXTERNALS: [&str; 5] =
    ["filename", "filepath", "extension", "filetype", "owner"];

/// `spoor check` on `file`: whether it passed, and the errors it printed.
fn check(file: &Path, defines: &[&str]) -> (bool, Vec<serde_json::Value>) {
    let output = with_defines(spoor().arg("check").args(["--format", "json"]), defines)
        .arg(file)
        .output()
        .unwrap();
    let code = output.status.code();
    assert!(matches!(code, Some(0 | 2)), "check exit {code:?} on {}", file.display());
    let diagnostics: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let errors = diagnostics.into_iter().filter(|d| d["severity"] == "error").collect();
    (code == Some(0), errors)
}

/// Whether `spoor scan` compiles `file` (it then scans an empty input:
/// exit 0 or 1; a rule error is exit 2).
fn scan_compiles(file: &Path, defines: &[&str], empty: &Path) -> bool {
    let output = with_defines(spoor().arg("scan").arg("--rules").arg(file), defines)
        .arg(empty)
        .output()
        .unwrap();
    match output.status.code() {
        Some(0 | 1) => true,
        Some(2) => false,
        other => panic!("scan exit {other:?} on {}", file.display()),
    }
}

fn with_defines<'c>(command: &'c mut Command, defines: &[&str]) -> &'c mut Command {
    for name in defines {
        command.arg("--define").arg(format!("{name}="));
    }
    command
}

/// Every error names the file, a line and a column.
fn assert_located(file: &Path, errors: &[serde_json::Value]) {
    for error in errors {
        assert_eq!(error["file"], file.display().to_string(), "{error}");
        assert!(error["line"].as_u64().is_some_and(|l| l > 0), "no line: {error}");
        assert!(error["column"].as_u64().is_some_and(|c| c > 0), "no column: {error}");
    }
}

#[test]
fn build_only_cases_follow_yara_x_and_check_agrees_with_scan() {
    let text = std::fs::read_to_string(repo().join("tests/data/build_only/cases.json")).unwrap();
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.iter().filter(|c| c["yara_x"] == "rejects").count() >= 30);
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    let mut disagreements = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let file = dir.path().join(format!("{name}.yar"));
        std::fs::write(&file, case["rule"].as_str().unwrap()).unwrap();
        let (passed, errors) = check(&file, &[]);
        assert_eq!(passed, scan_compiles(&file, &[], &empty), "{name}: check and scan disagree");
        assert_eq!(passed, errors.is_empty(), "{name}");
        assert_located(&file, &errors);
        let yara_x_accepts = case["yara_x"] == "accepts";
        let deviation = case["deviation"].as_str().is_some();
        if (passed == yara_x_accepts) == deviation {
            disagreements.push(format!("{name}: spoor check passed={passed}, {case}"));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn every_signature_base_file_passes_check_exactly_when_scan_compiles_it() {
    let Some(dir) = signature_base() else { return };
    let (files, errors) = spoor::compiler::sources::rule_files(&[dir]);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(files.len() > 700, "{} files", files.len());
    let work = tempfile::tempdir().unwrap();
    let empty = work.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    let verdicts: Vec<(PathBuf, bool, bool)> = std::thread::scope(|scope| {
        let chunks: Vec<_> = files.chunks(files.len().div_ceil(2)).collect();
        let workers: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let empty = &empty;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|file| {
                            let (passed, errors) = check(file, &SIGNATURE_BASE_EXTERNALS);
                            assert_located(file, &errors);
                            let compiles = scan_compiles(file, &SIGNATURE_BASE_EXTERNALS, empty);
                            (file.clone(), passed, compiles)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    let differing: Vec<_> = verdicts.iter().filter(|(_, check, scan)| check != scan).collect();
    assert!(differing.is_empty(), "check and scan disagree: {differing:#?}");
    let rejected: Vec<_> = verdicts.iter().filter(|(_, passed, _)| !passed).collect();
    eprintln!("{} files, {} rejected by both: {rejected:?}", verdicts.len(), rejected.len());
}
