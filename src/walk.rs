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
//!
//! The selection flags behave as in ripgrep: `--exclude` and `--include`
//! take globset globs, matched against the file name when the glob has no
//! `/` and against the path below the walked root otherwise; an excluded
//! directory is not entered, and a file given explicitly is always
//! scanned. `--max-depth 0` scans only the given paths. `--skip-larger`
//! drops large files in the walk, counted as skipped rather than failed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use crate::scanner::input;

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Follow symbolic links found inside directories.
    pub follow_symlinks: bool,
    /// Descend at most this many directory levels below each root.
    pub max_depth: Option<usize>,
    /// Skip files larger than this many bytes.
    pub skip_larger: Option<u64>,
    /// Which walked files to keep.
    pub filter: Arc<PathFilter>,
}

/// `--include` and `--exclude` globs.
#[derive(Debug, Default)]
pub struct PathFilter {
    include_names: GlobSet,
    include_paths: GlobSet,
    exclude_names: GlobSet,
    exclude_paths: GlobSet,
    has_includes: bool,
}

impl PathFilter {
    /// A filter from `--include` and `--exclude` globs.
    ///
    /// # Errors
    /// The message of the first glob that does not parse.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, String> {
        let (include_names, include_paths) = glob_sets(include)?;
        let (exclude_names, exclude_paths) = glob_sets(exclude)?;
        Ok(Self {
            include_names,
            include_paths,
            exclude_names,
            exclude_paths,
            has_includes: !include.is_empty(),
        })
    }

    fn matches(names: &GlobSet, paths: &GlobSet, relative: &Path) -> bool {
        relative.file_name().is_some_and(|name| names.is_match(name)) || paths.is_match(relative)
    }

    /// Whether a walked directory is entered.
    fn enters(&self, relative: &Path) -> bool {
        !Self::matches(&self.exclude_names, &self.exclude_paths, relative)
    }

    /// Whether a walked file is scanned.
    fn keeps(&self, relative: &Path) -> bool {
        self.enters(relative)
            && (!self.has_includes
                || Self::matches(&self.include_names, &self.include_paths, relative))
    }
}

/// Globs without a `/` (matched against names) and with one (against paths).
fn glob_sets(globs: &[String]) -> Result<(GlobSet, GlobSet), String> {
    let (mut names, mut paths) = (GlobSetBuilder::new(), GlobSetBuilder::new());
    for text in globs {
        let glob = globset::GlobBuilder::new(text.trim_end_matches('/'))
            .literal_separator(true)
            .build()
            .map_err(|e| format!("bad glob `{text}`: {e}"))?;
        let _ = if text.trim_end_matches('/').contains('/') { &mut paths } else { &mut names }
            .add(glob);
    }
    let build = |b: GlobSetBuilder| b.build().map_err(|e| e.to_string());
    Ok((build(names)?, build(paths)?))
}

/// One thing the walk found.
#[derive(Debug)]
pub enum Entry {
    /// A regular file to scan.
    File(PathBuf),
    /// A path that could not be walked (unreadable directory, link loop,
    /// missing path), with the reason.
    Error(PathBuf, String),
    /// A file left out by `--skip-larger`, with its size.
    Skipped(PathBuf, u64),
}

/// Every file below `roots`, in directory order, lazily.
pub fn walk(roots: Vec<PathBuf>, options: WalkOptions) -> impl Iterator<Item = Entry> + Send {
    roots.into_iter().flat_map(move |root| walk_root(root, options.clone()))
}

/// A file found, or skipped when larger than `--skip-larger`.
fn file_entry(path: PathBuf, size: u64, options: &WalkOptions) -> Entry {
    match options.skip_larger {
        Some(limit) if size > limit => Entry::Skipped(path, size),
        _ => Entry::File(path),
    }
}

fn walk_root(root: PathBuf, options: WalkOptions) -> Box<dyn Iterator<Item = Entry> + Send> {
    match std::fs::metadata(&root) {
        Err(e) => Box::new(std::iter::once(Entry::Error(root, e.to_string()))),
        Ok(meta) if meta.is_file() => {
            Box::new(std::iter::once(file_entry(root, meta.len(), &options)))
        }
        Ok(meta) if !meta.is_dir() => {
            let message = input::require_regular(&meta).err().map(|e| e.to_string());
            Box::new(std::iter::once(Entry::Error(root, message.unwrap_or_default())))
        }
        Ok(_) => Box::new(
            WalkDir::new(&root)
                .follow_links(options.follow_symlinks)
                .follow_root_links(true)
                .max_depth(options.max_depth.unwrap_or(usize::MAX))
                .into_iter()
                .filter_entry({
                    let (root, filter) = (root.clone(), Arc::clone(&options.filter));
                    move |entry| {
                        entry.depth() == 0
                            || !entry.file_type().is_dir()
                            || filter
                                .enters(entry.path().strip_prefix(&root).unwrap_or(entry.path()))
                    }
                })
                .filter_map(move |item| match item {
                    Ok(entry) if entry.file_type().is_file() => {
                        let relative = entry.path().strip_prefix(&root).unwrap_or(entry.path());
                        if !options.filter.keeps(relative) {
                            return None;
                        }
                        let size = entry.metadata().map_or(0, |m| m.len());
                        Some(file_entry(entry.into_path(), size, &options))
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
                Entry::Skipped(p, _) => errors.push(format!("skipped {}", p.display())),
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

        let (found, _) =
            files(walk(root, WalkOptions { follow_symlinks: true, ..WalkOptions::default() }));
        assert_eq!(found, [".hidden", "a", "b"]);
    }

    #[test]
    fn a_link_loop_is_reported_and_the_walk_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"x").unwrap();
        symlink(dir.path(), dir.path().join("loop")).unwrap();
        let (found, errors) = files(walk(
            vec![dir.path().to_path_buf()],
            WalkOptions { follow_symlinks: true, ..WalkOptions::default() },
        ));
        assert_eq!(found, ["f"]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("loop"), "{errors:?}");
    }

    #[test]
    fn globs_depth_and_size_select_files_like_ripgrep() {
        let dir = tempfile::tempdir().unwrap();
        for (path, size) in [
            ("a.exe", 1),
            ("b.txt", 1),
            ("big.exe", 100),
            ("node_modules/c.exe", 1),
            ("x/y/d.exe", 1),
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, vec![0; size]).unwrap();
        }
        let root = vec![dir.path().to_path_buf()];
        let filter = PathFilter::new(&["*.exe".into()], &["node_modules".into()]).unwrap();
        let options = WalkOptions {
            skip_larger: Some(10),
            filter: Arc::new(filter),
            ..WalkOptions::default()
        };
        let (found, skipped) = files(walk(root.clone(), options.clone()));
        assert_eq!(found, ["a.exe", "d.exe"]);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        let (found, _) = files(walk(root.clone(), WalkOptions { max_depth: Some(1), ..options }));
        assert_eq!(found, ["a.exe"]);
        let filter = PathFilter::new(&[], &["x/y".into()]).unwrap();
        let options = WalkOptions { filter: Arc::new(filter), ..WalkOptions::default() };
        let (found, _) = files(walk(root, options));
        assert_eq!(found, ["a.exe", "b.txt", "big.exe", "c.exe"]);
        assert!(PathFilter::new(&["a[".into()], &[]).is_err());
    }

    #[test]
    fn a_missing_root_is_an_error_entry() {
        let (found, errors) = files(walk(vec!["/nonexistent/x".into()], WalkOptions::default()));
        assert!(found.is_empty());
        assert_eq!(errors.len(), 1);
    }
}
