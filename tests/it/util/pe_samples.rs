//! Locating the inputs of the module reference tests: PE samples built
//! with mingw-w64 by tests/data/pe/build.sh, and files of this machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The directory of reference JSON files written by
/// scripts/pe_reference.py.
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pe/reference")
}

/// The directory holding the built samples, building them on first use;
/// `None` (with a note) when mingw-w64 is not installed or the build fails.
pub fn built_samples() -> Option<&'static Path> {
    static BUILT: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = tempfile::tempdir().ok()?;
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pe/build.sh");
            let status = Command::new("sh").arg(script).arg(dir.path()).output();
            match status {
                Ok(out) if out.status.success() => Some(dir),
                Ok(out) => {
                    eprintln!(
                        "note: PE samples not built (is gcc-mingw-w64 installed?): {}",
                        String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
                    );
                    None
                }
                Err(e) => {
                    eprintln!("note: PE samples not built: {e}");
                    None
                }
            }
        })
        .as_ref()
        .map(tempfile::TempDir::path)
}

/// The input a reference's `source` names, if present on this machine.
pub fn locate(source: &serde_json::Value) -> Option<PathBuf> {
    if let Some(name) = source.get("built").and_then(|v| v.as_str()) {
        return Some(built_samples()?.join(name));
    }
    source.get("path").and_then(|v| v.as_str()).map(PathBuf::from)
}
