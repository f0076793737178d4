//! Helpers shared by every module of the integration test binary.

pub mod artifacts;
pub mod lsp;
pub mod pe_samples;
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
