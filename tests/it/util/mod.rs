//! Helpers shared by every module of the integration test binary.

pub mod artifacts;
pub mod lsp;
pub mod pe_samples;
pub mod process;
pub mod rng;
pub mod samples;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root directory.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A command running the `spoor` binary built for these tests.
pub fn spoor() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spoor"))
}

/// What `spoor scan` prints for the rule text `rules` over `target`.
pub fn scan_output(rules: &str, target: &Path) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("rules.yar");
    std::fs::write(&path, rules).unwrap();
    let output =
        spoor().arg("scan").arg("--rules").arg(&path).arg(target).output().expect("spoor runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The signature-base rule directory of `../shared`, or `None` with a note
/// when it is absent on a developer's machine. Under CI (`CI` set) its
/// absence is a failure: a test that silently skips there proves nothing.
pub fn signature_base() -> Option<PathBuf> {
    let dir = repo().join("../shared/corpora/signature-base/yara");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: CI must run with ../shared beside the checkout",
        dir.display()
    );
    eprintln!("note: {} is absent, test skipped", dir.display());
    None
}
