//! The VS Code extension's TextMate grammar, checked on the sample rules of
//! `editors/vscode/tests/` by `vscode-tmgrammar-test` (their `// ^^^ scope`
//! comments are the assertions). Needs `npm`; the tool is installed from
//! that directory's lock file on first run (a second or two: it is kept
//! apart from the extension's packaging dependencies for that).

use std::path::Path;
use std::process::Command;

/// Whether `npm` and `node` run, or a note when they do not. Under CI
/// (`CI` set) their absence is a failure: a test that silently skips there
/// proves nothing.
fn node_tools() -> bool {
    let runs =
        |tool: &str| Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    if runs("npm") && runs("node") {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "npm or node is missing: CI must install Node.js");
    eprintln!("note: npm or node is not installed, grammar test skipped");
    false
}

fn npm(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("npm").args(args).current_dir(dir).output().expect("run npm")
}

#[test]
fn editor_textmate_grammar_scopes_the_sample_rules() {
    if !node_tools() {
        return;
    }
    let dir = crate::util::repo().join("editors/vscode/tests");
    if !dir.join("node_modules/vscode-tmgrammar-test").is_dir() {
        let install = npm(&dir, &["ci", "--no-audit", "--no-fund"]);
        let log = String::from_utf8_lossy(&install.stderr);
        assert!(install.status.success(), "npm ci failed:\n{log}");
    }
    let test = npm(&dir, &["test", "--silent"]);
    let report = String::from_utf8_lossy(&test.stdout);
    assert!(test.status.success(), "grammar assertions failed:\n{report}");
    for sample in ["rules.yar", "not_mistaken.yar"] {
        assert!(report.contains(&format!("{sample} run successfuly")), "{report}");
    }
}
