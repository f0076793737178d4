//! Which files are rule files: the paths given, and below directories the
//! files named `*.yar` or `*.yara`, in a stable (sorted) order.

use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, codes};
use crate::scanner::input::{self, LoadError};
use crate::walk::{self, Entry, WalkOptions};

/// Extensions of rule files found in directories.
pub const RULE_EXTENSIONS: [&str; 2] = ["yar", "yara"];

/// Most bytes read from one rule file or include: far above any real rule
/// file (signature-base's largest is under 1 MB), and room for the 50 MB
/// inputs YARA-X parses; `include "/dev/zero"` or a huge file stops here.
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// The text of the rule file at `path`: a regular file (a FIFO or device
/// is refused, never waited on) of at most [`MAX_SOURCE_BYTES`], in UTF-8.
///
/// # Errors
/// When the file is not a regular file, too large, unreadable or not
/// UTF-8.
pub fn read_source(path: &Path) -> io::Result<String> {
    let file = input::open_regular(path).map_err(|e| match e {
        LoadError::Io(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidInput, other.to_string()),
    })?;
    let size = file.metadata()?.len();
    if size > MAX_SOURCE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("file is {size} bytes, over the limit of {MAX_SOURCE_BYTES} for rule files"),
        ));
    }
    let bytes = input::read_snapshot(file, size)?;
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not valid UTF-8"))
}

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

    #[test]
    fn sources_are_regular_files_under_the_size_cap() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yar");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_SOURCE_BYTES).unwrap();
        assert_eq!(read_source(&big).unwrap().len() as u64, MAX_SOURCE_BYTES, "at the cap");
        file.set_len(MAX_SOURCE_BYTES + 1).unwrap();
        assert!(read_source(&big).unwrap_err().to_string().contains("over the limit"));
        let error = read_source(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(error.contains("character device"), "{error}");
    }
}
