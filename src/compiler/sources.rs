//! Which files are rule files: the paths given, and below directories the
//! files named `*.yar` or `*.yara`, in a stable (sorted) order.

use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, codes};
use crate::walk::{self, Entry, WalkOptions};

/// Extensions of rule files found in directories.
pub const RULE_EXTENSIONS: [&str; 2] = ["yar", "yara"];

/// The rule files under `paths`: a path naming a file is taken whatever its
/// name; directories are searched recursively (symbolic links not
/// followed). Paths that cannot be walked give an `E201` diagnostic.
#[must_use]
pub fn rule_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        let explicit_file = root.is_file();
        let mut found: Vec<PathBuf> = Vec::new();
        for entry in walk::walk(vec![root.clone()], WalkOptions::default()) {
            match entry {
                Entry::File(path) if explicit_file || is_rule_file(&path) => found.push(path),
                Entry::File(_) | Entry::Skipped(..) => {}
                Entry::Error(path, message) => errors.push(Diagnostic::global(
                    codes::IO,
                    format!("cannot read `{}`: {message}", path.display()),
                )),
            }
        }
        found.sort();
        files.extend(found);
    }
    (files, errors)
}

fn is_rule_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| RULE_EXTENSIONS.iter().any(|r| e.eq_ignore_ascii_case(r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rule_files_recursively_and_takes_explicit_files_as_is() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for name in ["b.yar", "sub/a.YARA", "notes.txt", "c.yar.bak"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let (files, errors) = rule_files(&[dir.path().to_path_buf(), dir.path().join("notes.txt")]);
        let names: Vec<_> = files.iter().map(|p| p.strip_prefix(dir.path()).unwrap()).collect();
        assert_eq!(names, [Path::new("b.yar"), Path::new("sub/a.YARA"), Path::new("notes.txt")]);
        assert!(errors.is_empty());
        let (_, errors) = rule_files(&[dir.path().join("missing")]);
        assert_eq!(errors[0].code, codes::IO);
    }
}
