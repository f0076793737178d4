//! `spoor check` as a user runs it: directories, `--format json`, exit
//! status, `--define`, and the whole signature-base corpus.

use std::path::Path;
use std::process::Output;

fn spoor_check(args: &[&str], dir: &Path) -> Output {
    crate::util::spoor().current_dir(dir).arg("check").args(args).output().expect("run spoor")
}

#[test]
fn directories_are_searched_and_json_lists_every_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("good.yar"), "rule a { condition: true }").unwrap();
    std::fs::write(dir.path().join("sub/bad.yara"), "rule b {\n  condition: x and y\n}").unwrap();
    std::fs::write(dir.path().join("skipped.txt"), "not a rule").unwrap();

    let output = spoor_check(&["--format", "json", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let diagnostics = json.as_array().unwrap();
    assert_eq!(diagnostics.len(), 2);
    assert_eq!(diagnostics[0]["file"], "./sub/bad.yara");
    assert_eq!(diagnostics[0]["line"], 2);
    assert_eq!(diagnostics[0]["column"], 14);
    assert_eq!(diagnostics[0]["code"], "E112");
    assert_eq!(diagnostics[1]["column"], 20);
    let summary = String::from_utf8(output.stderr).unwrap();
    assert!(summary.contains("checked 2 file(s): 2 error(s)"), "{summary}");
}

#[test]
fn defines_type_externals_and_a_clean_file_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let rule = "rule a { condition: size > 1 and name == \"x\" and debug }";
    std::fs::write(dir.path().join("r.yar"), rule).unwrap();
    let ok = spoor_check(
        &["-d", "size=2", "--define", "name=x", "-d", "debug=true", "r.yar"],
        dir.path(),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    assert!(ok.stdout.is_empty());
    let wrong_type =
        spoor_check(&["-d", "size=big", "-d", "name=x", "-d", "debug=true", "r.yar"], dir.path());
    assert_eq!(wrong_type.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong_type.stdout).contains("error[E106]"));
    let bad_define = spoor_check(&["-d", "novalue", "r.yar"], dir.path());
    assert_eq!(bad_define.status.code(), Some(2), "clap rejects a malformed --define");
}

#[test]
fn a_missing_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = spoor_check(&["nowhere"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("error[E201]"));
}

/// Without `--define`: `filename`, `filepath`, `extension`, `filetype` and
/// `owner` are the per-file externals THOR and LOKI set.
#[test]
fn signature_base_checks_without_errors() {
    let Some(corpus) = crate::util::signature_base() else { return };
    let corpus = corpus.to_str().expect("a UTF-8 path");
    let output = spoor_check(&[corpus], Path::new(env!("CARGO_MANIFEST_DIR")));
    let summary = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(summary.contains("checked 741 file(s): 0 error(s)"), "{summary}");
}

#[test]
fn the_bundled_rules_and_profiles_check_clean() {
    // `rules/actors/*.toml` are loaded and validated, and every rule's meta
    // is checked against them.
    let output = spoor_check(&["rules"], Path::new(env!("CARGO_MANIFEST_DIR")));
    let summary = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(summary.contains(" 0 error(s), 0 warning(s)"), "{summary}");
}

#[test]
fn a_directory_with_broken_profiles_reports_them_and_its_rules_compile_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("actors")).unwrap();
    std::fs::write(dir.path().join("actors/acme.toml"), "schema = 1\nid = \"acme\"\n").unwrap();
    let rule = "rule a { meta: actor = \"acme\" condition: true }";
    std::fs::write(dir.path().join("a.yar"), rule).unwrap();
    let output = spoor_check(&["."], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(stdout.starts_with("./actors/acme.toml:"), "{stdout}");
    assert!(stdout.contains("error[E301]"), "{stdout}");
    assert!(!stdout.contains("E304"), "meta is not checked against invalid profiles: {stdout}");
}
