//! Per-file external variables, as THOR and LOKI set them.
//!
//! The signature-base rules were written for scanners that define five
//! string externals for every file they scan: `filename`, `filepath`,
//! `extension`, `filetype` and `owner` (`filename matches /procexp/i`,
//! `filepath == "/var/log"`, `extension == ".exe"`). A rule that names one
//! of them and finds no `--define` for it gets a [`FileVar`] instead of a
//! constant: its value is only known per input, so it is never folded, and
//! it is computed on first use in a scan (`FileVars`), which keeps the
//! cost nil for the rules that never read it.
//!
//! The values follow LOKI's (`loki.py` passes them to yara-python):
//! `filename` is the last component of the path, `filepath` the directory
//! part before it (no trailing separator; `""` for a bare name),
//! `extension` the name's last dot and what follows it, lower-cased
//! (`.exe`; `""` when there is none, and for a leading dot as in
//! `.bashrc`), `filetype` a short name from the magic bytes
//! ([`filetype::of`]: `EXE`, `ELF`, `ZIP`, ..., `UNKNOWN`), and `owner` the
//! user name owning the file on disk ([`owner::of`]). Paths are the ones
//! walked, as given on the command line (not made absolute).
//!
//! A member of a container is named as in the scan report: its name is the
//! last component of its member path, and its directory the report's path
//! up to that name, `dist/app.zip!lib/inner.tar.gz!bin` for
//! `dist/app.zip!lib/inner.tar.gz!bin/a.exe`; its owner is that of the
//! file on disk holding it.

pub mod filetype;
pub mod owner;

use std::cell::OnceCell;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One of the per-file externals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileVar {
    /// `filename`: the file or member name, without its directory.
    Name,
    /// `filepath`: the directory part of the path.
    Path,
    /// `extension`: `.` and the last suffix of the name, lower-cased.
    Extension,
    /// `filetype`: the format's short name, from the magic bytes.
    Type,
    /// `owner`: the user owning the file on disk.
    Owner,
}

impl FileVar {
    /// Every per-file external, in the order `FileVars` stores them.
    pub const ALL: [FileVar; 5] =
        [FileVar::Name, FileVar::Path, FileVar::Extension, FileVar::Type, FileVar::Owner];

    /// The identifier rules use.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FileVar::Name => "filename",
            FileVar::Path => "filepath",
            FileVar::Extension => "extension",
            FileVar::Type => "filetype",
            FileVar::Owner => "owner",
        }
    }

    /// The per-file external called `name`, if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<FileVar> {
        FileVar::ALL.into_iter().find(|v| v.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Where an input comes from: the file on disk, and for a member of a
/// container its path at each level, outermost first.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The walked file.
    pub path: &'a Path,
    /// The member path at each level; empty for the file itself.
    pub member: &'a [String],
}

/// The per-file externals of one input, each computed on first use.
///
/// Without an [`Origin`] (bytes scanned from memory) the names, the
/// directory and the owner are empty strings, as if defined with
/// `--define filename=`; `filetype` still comes from the bytes.
#[derive(Debug)]
pub(crate) struct FileVars<'a> {
    origin: Option<Origin<'a>>,
    values: [OnceCell<Vec<u8>>; FileVar::ALL.len()],
}

impl<'a> FileVars<'a> {
    pub(crate) fn new(origin: Option<Origin<'a>>) -> Self {
        Self { origin, values: Default::default() }
    }

    /// The value of `var` for the input whose bytes are `data`.
    pub(crate) fn get(&self, var: FileVar, data: &[u8]) -> &[u8] {
        self.values[var.index()].get_or_init(|| match self.origin {
            Some(origin) => value_of(var, origin, data),
            None if var == FileVar::Type => filetype::of(data).as_bytes().to_vec(),
            None => Vec::new(),
        })
    }
}

fn value_of(var: FileVar, origin: Origin<'_>, data: &[u8]) -> Vec<u8> {
    match var {
        FileVar::Name => split(origin).1,
        FileVar::Path => split(origin).0,
        FileVar::Extension => extension(&split(origin).1),
        FileVar::Type => filetype::of(data).as_bytes().to_vec(),
        FileVar::Owner => owner::of(origin.path).into_bytes(),
    }
}

/// The directory part and the name of an input, as bytes.
fn split(origin: Origin<'_>) -> (Vec<u8>, Vec<u8>) {
    let Some((last, outer)) = origin.member.split_last() else {
        let name = origin.path.file_name().map_or(&[][..], |n| n.as_encoded_bytes());
        let dir = origin.path.parent().map_or(&[][..], |d| d.as_os_str().as_encoded_bytes());
        return (dir.to_vec(), name.to_vec());
    };
    let mut dir = origin.path.as_os_str().as_encoded_bytes().to_vec();
    for member in outer {
        dir.push(b'!');
        dir.extend_from_slice(member.as_bytes());
    }
    let (inner_dir, name) = match last.rsplit_once('/') {
        Some((inner_dir, name)) => (Some(inner_dir), name),
        None => (None, last.as_str()),
    };
    if let Some(inner_dir) = inner_dir {
        dir.push(b'!');
        dir.extend_from_slice(inner_dir.as_bytes());
    }
    (dir, name.as_bytes().to_vec())
}

/// `name`'s extension as LOKI takes it (Python's `os.path.splitext`, then
/// lower-cased): from the last dot on, leading dots not counting.
fn extension(name: &[u8]) -> Vec<u8> {
    let start = name.iter().position(|&b| b != b'.').unwrap_or(name.len());
    match name[start..].iter().rposition(|&b| b == b'.') {
        Some(dot) => String::from_utf8_lossy(&name[start + dot..]).to_lowercase().into_bytes(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(var: FileVar, path: &str, member: &[&str]) -> String {
        let member: Vec<String> = member.iter().map(|&m| m.to_owned()).collect();
        let vars = FileVars::new(Some(Origin { path: Path::new(path), member: &member }));
        String::from_utf8(vars.get(var, b"MZ").to_vec()).unwrap()
    }

    #[test]
    fn names_and_directories_of_files_and_members() {
        assert_eq!(value(FileVar::Name, "/var/log/bash.log", &[]), "bash.log");
        assert_eq!(value(FileVar::Path, "/var/log/bash.log", &[]), "/var/log");
        assert_eq!(value(FileVar::Path, "a.exe", &[]), "");
        assert_eq!(value(FileVar::Path, "dir/a.exe", &[]), "dir");
        let chain = ["lib/inner.tar.gz", "bin/a.exe"];
        assert_eq!(value(FileVar::Name, "dist/app.zip", &chain), "a.exe");
        assert_eq!(
            value(FileVar::Path, "dist/app.zip", &chain),
            "dist/app.zip!lib/inner.tar.gz!bin"
        );
        assert_eq!(value(FileVar::Path, "dist/app.zip", &["a.exe"]), "dist/app.zip");
        assert_eq!(value(FileVar::Extension, "dist/app.zip", &chain), ".exe");
    }

    #[test]
    fn the_extension_is_lowercase_with_its_dot() {
        let ext = |name: &str| String::from_utf8(extension(name.as_bytes())).unwrap();
        assert_eq!(ext("SETUP.EXE"), ".exe");
        assert_eq!(ext("release.tar.gz"), ".gz");
        assert_eq!(ext("Makefile"), "");
        assert_eq!(ext(".bashrc"), "");
        assert_eq!(ext("..x"), "");
        assert_eq!(ext(".config.JSON"), ".json");
        assert_eq!(ext("trailing."), ".");
    }

    #[test]
    fn without_an_origin_only_the_type_is_known() {
        let vars = FileVars::new(None);
        assert_eq!(vars.get(FileVar::Name, b"\x7fELF"), b"");
        assert_eq!(vars.get(FileVar::Owner, b"\x7fELF"), b"");
        assert_eq!(vars.get(FileVar::Type, b"\x7fELF"), b"ELF");
    }

    #[test]
    fn names_round_trip() {
        for var in FileVar::ALL {
            assert_eq!(FileVar::from_name(var.name()), Some(var));
            assert_eq!(FileVar::ALL[var.index()], var);
        }
        assert_eq!(FileVar::from_name("md5"), None);
    }
}
