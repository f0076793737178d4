//! Warnings through the binary: `--disable-warnings` (all, or by code or
//! YARA-X name), `-W error` and `--fail-on-warnings`, `spoor.toml`'s
//! `[warnings]`, `--fix` rewriting files until only unfixable warnings are
//! left, and `--list-warnings`. What each warning says is in the golden
//! cases (`tests/data/diagnostics/w*`).

use std::path::Path;
use std::process::Output;

/// One rule with a fixable warning (W005) and an unfixable one (W004).
const RULE: &str =
    "rule r {\n  strings:\n    $a = { 63 6D 64 2E }\n  condition:\n    $a and filesize\n}\n";

fn check(args: &[&str], dir: &Path) -> Output {
    crate::util::spoor().current_dir(dir).arg("check").args(args).output().expect("run spoor")
}

fn codes(output: &Output) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON diagnostics");
    json.as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{}:{}", d["severity"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect()
}

fn project(config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yar"), RULE).unwrap();
    if let Some(config) = config {
        std::fs::write(dir.path().join("spoor.toml"), config).unwrap();
    }
    dir
}

#[test]
fn warnings_can_be_disabled_by_code_or_name_or_all_at_once() {
    let dir = project(None);
    let all = check(&["--format", "json", "r.yar"], dir.path());
    assert_eq!(all.status.code(), Some(0));
    assert_eq!(codes(&all), ["warning:W005", "warning:W004"]);
    let by_name =
        check(&["--format", "json", "--disable-warnings=text_as_hex", "r.yar"], dir.path());
    assert_eq!(codes(&by_name), ["warning:W004"]);
    let by_code = check(&["--format", "json", "--disable-warnings=w004,W005", "r.yar"], dir.path());
    assert_eq!(codes(&by_code), Vec::<String>::new());
    let none = check(&["--format", "json", "--disable-warnings", "r.yar"], dir.path());
    assert_eq!(codes(&none), Vec::<String>::new());
    let unknown = check(&["--disable-warnings=text_as_hx", "r.yar"], dir.path());
    assert_eq!(unknown.status.code(), Some(2));
    let text = String::from_utf8(unknown.stdout).unwrap();
    assert!(text.contains("unknown warning `text_as_hx`; did you mean `text_as_hex`?"), "{text}");
}

#[test]
fn warnings_as_errors_fail_the_check() {
    let dir = project(None);
    for flags in [&["-W", "error"][..], &["--fail-on-warnings"][..]] {
        let output = check(&[flags, &["--format", "json", "r.yar"]].concat(), dir.path());
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
        assert_eq!(codes(&output), ["error:W005", "error:W004"], "{flags:?}");
    }
    let disabled_then_denied =
        check(&["-W", "error", "--disable-warnings=W004,W005", "r.yar"], dir.path());
    assert_eq!(disabled_then_denied.status.code(), Some(0), "disabled warnings are not errors");
}

#[test]
fn spoor_toml_disables_and_denies_warnings() {
    let dir = project(Some("[warnings]\ndisabled = [\"non_bool_expr\"]\nas_errors = true\n"));
    let output = check(&["--format", "json", "r.yar"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(codes(&output), ["error:W005"]);
    let typo = project(Some("[warnings]\ndisabled = [\"W999\"]\n"));
    let output = check(&["r.yar"], typo.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("spoor.toml [warnings]: unknown warning `W999`")
    );
}

#[test]
fn fix_rewrites_the_file_and_reports_what_is_left() {
    let dir = project(None);
    let output = check(&["--fix", "--format", "json", "r.yar"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(codes(&output), ["warning:W004"], "only the unfixable warning is left");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("fixed 1 issue(s) in r.yar"), "{stderr}");
    let fixed = std::fs::read_to_string(dir.path().join("r.yar")).unwrap();
    assert_eq!(fixed, RULE.replace("{ 63 6D 64 2E }", "\"cmd.\""));
    let again = check(&["--fix", "r.yar"], dir.path());
    assert!(
        !String::from_utf8(again.stderr).unwrap().contains("fixed"),
        "a second run has nothing to fix"
    );
}

#[test]
fn every_warning_is_listed_with_code_and_name() {
    let output = crate::util::spoor().args(["check", "--list-warnings"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    for kind in spoor::diagnostics::warnings::ALL {
        assert!(text.contains(kind.code) && text.contains(kind.name), "{} missing", kind.code);
    }
}
