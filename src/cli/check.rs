//! `spoor check`: parse and check rule files, report every diagnostic.
//!
//! Each file is compiled on its own, like YARA-X's `yr check`, so one bad
//! file does not hide the diagnostics of the next one, and the files are
//! checked in parallel. Output goes in path order whatever the scheduling.
//! Exit status: 0 when no file has an error (warnings are fine), 2
//! otherwise.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use spoor::compiler::{Compiler, Define, sources};
use spoor::diagnostics::Diagnostic;

/// Arguments of `spoor check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Define an external variable; the type comes from the value (integer,
    /// float, `true`/`false`, else string; `NAME=` is the empty string).
    #[arg(long, short = 'd', value_name = "NAME=VALUE", value_parser = Define::parse)]
    pub define: Vec<Define>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Rule files, or directories searched for `*.yar` and `*.yara`.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Output formats of `spoor check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// `file:line:col: error[CODE]: message`, the source line and a caret.
    Text,
    /// One JSON array of diagnostics (file, line, column, span, severity,
    /// code, message, notes).
    Json,
}

/// Runs the command, printing to standard output and a summary line to
/// standard error.
pub fn run(args: &CheckArgs) -> ExitCode {
    let result = check(args, &mut io::stdout().lock(), &mut io::stderr().lock());
    match result {
        Ok(code) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(2),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Checks every file of `args.paths`, writing diagnostics to `out` and the
/// summary to `summary`.
///
/// # Errors
/// When writing fails.
pub fn check(
    args: &CheckArgs,
    out: &mut dyn Write,
    summary: &mut dyn Write,
) -> io::Result<ExitCode> {
    let (files, mut diagnostics) = sources::rule_files(&args.paths);
    let per_file: Vec<Vec<Diagnostic>> = files
        .par_iter()
        .map(|file| {
            let mut compiler = Compiler::new();
            for define in &args.define {
                compiler.define(&define.name, define.value.clone());
            }
            compiler.add_file(file);
            compiler.diagnostics().to_vec()
        })
        .collect();
    diagnostics.extend(per_file.into_iter().flatten());
    match args.format {
        CheckFormat::Text => {
            for diagnostic in &diagnostics {
                write!(out, "{}", diagnostic.render())?;
            }
        }
        CheckFormat::Json => {
            let json: Vec<_> = diagnostics.iter().map(Diagnostic::to_json).collect();
            serde_json::to_writer_pretty(&mut *out, &json)?;
            writeln!(out)?;
        }
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    writeln!(summary, "checked {} file(s): {errors} error(s), {warnings} warning(s)", files.len())?;
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
}
