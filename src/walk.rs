//! Turning command-line paths into the files to scan.
//!
//! A malware scanner must not inherit a code searcher's defaults: nothing is
//! skipped for being hidden or ignored by `.gitignore`, and symbolic links
//! inside directories are not followed unless asked (a link can point
//! anywhere, and a link loop would never end). A path given explicitly is
//! always followed, like ripgrep does. Files that are not regular (FIFOs,
//! sockets, devices) are not read: reading them may block forever. Found
//! inside a directory they are skipped; named on the command line they are
//! an error entry, so that nothing asked for is left out silently.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::scanner::input;

/// How to walk.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Follow symbolic links found inside directories.
    pub follow_symlinks: bool,
}

/// One thing the walk found.
#[derive(Debug)]
pub enum Entry {
    /// A regular file to scan.
    File(PathBuf),
    /// A path that could not be walked (unreadable directory, link loop,
    /// missing path), with the reason.
    Error(PathBuf, String),
}

/// Every file below `roots`, in directory order, lazily.
pub fn walk(roots: Vec<PathBuf>, options: WalkOptions) -> impl Iterator<Item = Entry> + Send {
    roots.into_iter().flat_map(move |root| walk_root(root, options))
}

fn walk_root(root: PathBuf, options: WalkOptions) -> Box<dyn Iterator<Item = Entry> + Send> {
    match std::fs::metadata(&root) {
        Err(e) => Box::new(std::iter::once(Entry::Error(root, e.to_string()))),
        Ok(meta) if meta.is_file() => Box::new(std::iter::once(Entry::File(root))),
        Ok(meta) if !meta.is_dir() => {
            let message = input::require_regular(&meta).err().map(|e| e.to_string());
            Box::new(std::iter::once(Entry::Error(root, message.unwrap_or_default())))
        }
        Ok(_) => Box::new(
            WalkDir::new(root)
                .follow_links(options.follow_symlinks)
                .follow_root_links(true)
                .into_iter()
                .filter_map(|item| match item {
                    Ok(entry) if entry.file_type().is_file() => {
                        Some(Entry::File(entry.into_path()))
                    }
                    Ok(_) => None,
                    Err(e) => {
                        let path = e.path().map_or_else(PathBuf::new, Path::to_path_buf);
                        Some(Entry::Error(path, walk_error_message(&e)))
                    }
                }),
        ),
    }
}

fn walk_error_message(e: &walkdir::Error) -> String {
    if let Some(ancestor) = e.loop_ancestor() {
        return format!("symbolic link loop back to {}", ancestor.display());
    }
    e.io_error().map_or_else(|| e.to_string(), ToString::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn files(entries: impl Iterator<Item = Entry>) -> (Vec<String>, Vec<String>) {
        let (mut files, mut errors) = (Vec::new(), Vec::new());
        for entry in entries {
            match entry {
                Entry::File(p) => files.push(p.file_name().unwrap().to_string_lossy().into_owned()),
                Entry::Error(_, message) => errors.push(message),
            }
        }
        files.sort();
        (files, errors)
    }

    #[test]
    fn hidden_files_are_scanned_and_links_followed_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".hidden"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/a"), b"x").unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("b"), b"x").unwrap();
        symlink(outside.path(), dir.path().join("link")).unwrap();

        let root = vec![dir.path().to_path_buf()];
        let (found, errors) = files(walk(root.clone(), WalkOptions::default()));
        assert_eq!(found, [".hidden", "a"]);
        assert!(errors.is_empty());

        let (found, _) = files(walk(root, WalkOptions { follow_symlinks: true }));
        assert_eq!(found, [".hidden", "a", "b"]);
    }

    #[test]
    fn a_link_loop_is_reported_and_the_walk_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"x").unwrap();
        symlink(dir.path(), dir.path().join("loop")).unwrap();
        let (found, errors) =
            files(walk(vec![dir.path().to_path_buf()], WalkOptions { follow_symlinks: true }));
        assert_eq!(found, ["f"]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("loop"), "{errors:?}");
    }

    #[test]
    fn a_missing_root_is_an_error_entry() {
        let (found, errors) = files(walk(vec!["/nonexistent/x".into()], WalkOptions::default()));
        assert!(found.is_empty());
        assert_eq!(errors.len(), 1);
    }
}
