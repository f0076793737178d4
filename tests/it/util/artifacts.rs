//! Real package artifacts, fetched at test time with this machine's own
//! package tools: Python wheels (`pip download`), a Debian package (apt's
//! cache, else `apt-get download`) and npm tarballs (`npm pack`).
//!
//! A tool that is not installed is a note and no artifact. A tool that is
//! installed but fails is a note too on a developer's machine (it may be
//! offline), and a test failure under CI (`CI=true`), where the registries
//! are reachable and a failing tool means something broke.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Small wheels, pinned: one pure Python, one with a native extension
/// (ELF) for the running interpreter.
pub const WHEELS: [&str; 2] = ["six==1.17.0", "markupsafe==3.0.2"];

/// Small npm packages, pinned.
pub const NPM_PACKAGES: [&str; 2] = ["left-pad@1.3.0", "semver@7.6.3"];

/// A small Debian package with an ELF executable, fetched when apt's cache
/// holds none.
pub const DEB_PACKAGE: &str = "hostname";

/// Where apt keeps the packages it downloaded.
const APT_CACHE: &str = "/var/cache/apt/archives";

/// The largest cached .deb taken from [`APT_CACHE`], so that the test stays
/// quick whatever the cache holds.
const MAX_CACHED_DEB: u64 = 2 << 20;

/// How long one package tool may run before it counts as failing.
const TOOL_DEADLINE: Duration = Duration::from_secs(40);

/// How often a running tool is polled for its end.
const POLL: Duration = Duration::from_millis(50);

/// Every artifact that could be had, in `dir` (created), sorted.
pub fn fetch_all(dir: &Path) -> Vec<PathBuf> {
    download_wheels(dir);
    let mut npm_args = vec!["pack", "--silent"];
    npm_args.extend(NPM_PACKAGES);
    settle(run_tool("npm", &npm_args, dir));
    settle(fetch_deb(dir));
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| ["whl", "tgz", "deb"].iter().any(|x| p.extension().is_some_and(|e| e == *x)))
        .collect();
    found.sort();
    found
}

/// The wheels of [`WHEELS`] that could be had, in `dir` (created), sorted.
pub fn fetch_wheels(dir: &Path) -> Vec<PathBuf> {
    download_wheels(dir);
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    found.sort();
    found
}

fn download_wheels(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut wheel_args = vec!["download", "--no-deps", "--only-binary=:all:"];
    wheel_args.extend(["--disable-pip-version-check", "--quiet", "--dest", "."]);
    wheel_args.extend(WHEELS);
    settle(run_tool("pip", &wheel_args, dir));
}

/// Runs `tool args` in `dir` to fetch one pinned artifact; whether it
/// succeeded (a failure is a note, or a test failure under CI).
pub fn fetch_one(tool: &str, args: &[&str], dir: &Path) -> bool {
    let result = run_tool(tool, args, dir);
    let fetched = result.is_ok();
    settle(result);
    fetched
}

/// The smallest .deb of apt's cache, else [`DEB_PACKAGE`] downloaded (after
/// `apt-get update` when apt does not know the package yet).
fn fetch_deb(dir: &Path) -> Result<(), Failure> {
    let cached = std::fs::read_dir(APT_CACHE).into_iter().flatten().filter_map(|e| {
        let entry = e.ok()?;
        let size = entry.metadata().ok()?.len();
        let is_deb = entry.path().extension().is_some_and(|x| x == "deb");
        (is_deb && size <= MAX_CACHED_DEB).then(|| (size, entry.path()))
    });
    if let Some((_, path)) = cached.min() {
        let _ = std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        return Ok(());
    }
    let download = ["download", DEB_PACKAGE];
    match run_tool("apt-get", &download, dir) {
        Err(Failure::Failed(_)) => {
            run_tool("apt-get", &["update", "-qq"], dir)?;
            run_tool("apt-get", &download, dir)
        }
        other => other,
    }
}

/// Why a tool gave no artifact.
#[derive(Debug)]
enum Failure {
    /// It is not installed.
    Missing(String),
    /// It ran and failed: the command, its status and its error output.
    Failed(String),
}

/// A note for a tool that gave nothing; under CI a failing tool fails.
fn settle(result: Result<(), Failure>) {
    match result {
        Ok(()) => {}
        Err(Failure::Missing(tool)) => {
            eprintln!("note: {tool} is not installed; its artifacts are left out");
        }
        Err(Failure::Failed(why)) => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
            eprintln!("note: {why}; its artifacts are left out");
        }
    }
}

/// Runs `tool args` in `dir`, killed after [`TOOL_DEADLINE`].
fn run_tool(tool: &str, args: &[&str], dir: &Path) -> Result<(), Failure> {
    let child = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else { return Err(Failure::Missing(tool.to_owned())) };
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > TOOL_DEADLINE {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(POLL);
    }
    let output: Output = child.wait_with_output().unwrap();
    if output.status.success() {
        return Ok(());
    }
    Err(Failure::Failed(format!(
        "`{tool} {}` failed ({}): {}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    )))
}
