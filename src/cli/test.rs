//! `spoor test`: run the rule tests (`*.test.toml`) under the given paths.
//!
//! Text output is `cargo test`'s: one `test FILE::CASE ... ok|FAILED`
//! line per case, then each failure's unmet expectations, then a closing
//! `N passed, N failed` line. Exit status: 0 when every case passed, 1
//! otherwise, 2 when no test file was found.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use spoor::testing::{CaseResult, discover, run_file, write_junit};

use super::terminal::eprint_line;

/// Arguments of `spoor test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// How to report.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
    /// Test files, or directories searched for `*.test.toml`; the current
    /// directory when none is given.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Report formats of `spoor test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// `cargo test` style lines.
    Text,
    /// JUnit XML, for CI dashboards.
    Junit,
}

/// Runs the command.
pub fn run(args: &TestArgs) -> ExitCode {
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let files = discover(&paths);
    if files.is_empty() {
        eprint_line(format_args!("error: no *.test.toml file under the given paths"));
        return ExitCode::from(2);
    }
    let results: Vec<CaseResult> = files.par_iter().flat_map(|f| run_file(f)).collect();
    let mut out = io::stdout().lock();
    let written = match args.format {
        TestFormat::Text => write_text(&results, &mut out),
        TestFormat::Junit => write_junit(&results, &mut out),
    };
    if let Err(e) = written {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprint_line(format_args!("error: {e}"));
        }
        return ExitCode::from(2);
    }
    if results.iter().all(CaseResult::passed) { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn write_text(results: &[CaseResult], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "running {} tests", results.len())?;
    for result in results {
        let status = if result.passed() { "ok" } else { "FAILED" };
        writeln!(out, "test {}::{} ... {status}", result.file.display(), result.name)?;
    }
    let failed: Vec<&CaseResult> = results.iter().filter(|r| !r.passed()).collect();
    if !failed.is_empty() {
        writeln!(out, "\nfailures:")?;
        for result in &failed {
            writeln!(out, "\n---- {}::{} ----", result.file.display(), result.name)?;
            for failure in &result.failures {
                writeln!(out, "{failure}")?;
            }
        }
    }
    writeln!(out)?;
    writeln!(out, "{} passed, {} failed", results.len() - failed.len(), failed.len())
}
