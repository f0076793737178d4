//! `spoor fmt`: rewrite rule files in the canonical layout.
//!
//! The `[fmt]` table of the nearest `spoor.toml` (see [`spoor::config`])
//! sets indentation, width and alignment; for standard input, the one
//! found from the current directory.
//!
//! Exit status: 0 when every file was formatted (or, with `--check` and
//! `--diff`, already was); 1 when `--check` or `--diff` found a file that
//! would change; 2 when a file could not be read, parsed or written.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use rayon::prelude::*;

use spoor::compiler::sources;
use spoor::config;
use spoor::fmt::{Style, format};
use spoor::source::SourceFile;

/// The path that names standard input.
const STDIN: &str = "-";

/// Arguments of `spoor fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Write nothing; list the files that would change, exit 1 if any.
    #[arg(long)]
    pub check: bool,
    /// Write nothing; print a unified diff of each file that would change,
    /// exit 1 if any.
    #[arg(long)]
    pub diff: bool,
    /// Rule files, directories searched for `*.yar` and `*.yara`, or `-` to
    /// format standard input to standard output.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// What happened to one file.
enum Outcome {
    /// Already in the canonical layout.
    Unchanged,
    /// Formatted: the original and the new text.
    Changed(String, String),
    /// Not formatted; the message says why.
    Failed(String),
}

/// Runs the command.
pub fn run(args: &FmtArgs) -> ExitCode {
    let mut stdout = io::stdout().lock();
    let mut stderr = io::stderr().lock();
    let mut changed = false;
    let mut failed = false;
    let mut files = Vec::new();
    for path in &args.paths {
        if path.as_os_str() == STDIN {
            let style = match config::for_path(Path::new(".")) {
                Ok(config) => config.fmt.style(),
                Err(e) => {
                    let _ = writeln!(stderr, "error: {e}");
                    failed = true;
                    continue;
                }
            };
            match format_stdin(args, &style, &mut stdout) {
                Ok(was_changed) => changed |= was_changed,
                Err(message) => {
                    let _ = write!(stderr, "{message}");
                    failed = true;
                }
            }
            continue;
        }
        let (found, errors) = sources::rule_files(std::slice::from_ref(path));
        for error in errors {
            let _ = write!(stderr, "{}", error.render());
            failed = true;
        }
        files.extend(found);
    }
    let outcomes: Vec<Outcome> = files.par_iter().map(|f| format_file(f)).collect();
    for (file, outcome) in files.iter().zip(outcomes) {
        let result = match outcome {
            Outcome::Unchanged => Ok(()),
            Outcome::Failed(message) => {
                let _ = write!(stderr, "{message}");
                failed = true;
                Ok(())
            }
            Outcome::Changed(old, new) => {
                changed = true;
                report_change(args, file, &old, &new, &mut stdout)
            }
        };
        if let Err(e) = result {
            let _ = writeln!(stderr, "error: {}: {e}", file.display());
            failed = true;
        }
    }
    if failed {
        ExitCode::from(2)
    } else if changed && (args.check || args.diff) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Formats one file in the style of its `spoor.toml`.
fn format_file(path: &Path) -> Outcome {
    let style = match config::for_path(path) {
        Ok(config) => config.fmt.style(),
        Err(e) => return Outcome::Failed(format!("error: {e}\n")),
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return Outcome::Failed(format!("error: {}: {e}\n", path.display())),
    };
    let source = SourceFile::new(path.display().to_string(), text);
    match format(&source, &style) {
        Ok(new) if new == source.text() => Outcome::Unchanged,
        Ok(new) => Outcome::Changed(source.text().to_owned(), new),
        Err(e) => Outcome::Failed(format!("{}: {e}\n", path.display())),
    }
}

/// Writes the new text, or with `--check` names the file, or with `--diff`
/// prints the change.
fn report_change(
    args: &FmtArgs,
    path: &Path,
    old: &str,
    new: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let name = path.display().to_string();
    if args.diff {
        write_diff(&name, old, new, out)
    } else if args.check {
        writeln!(out, "{name}")
    } else {
        std::fs::write(path, new)
    }
}

fn write_diff(name: &str, old: &str, new: &str, out: &mut dyn Write) -> io::Result<()> {
    let diff = similar::TextDiff::from_lines(old, new);
    write!(out, "{}", diff.unified_diff().header(name, name))
}

/// Formats standard input to standard output; returns whether it changed.
fn format_stdin(args: &FmtArgs, style: &Style, out: &mut dyn Write) -> Result<bool, String> {
    let mut text = String::new();
    io::stdin().read_to_string(&mut text).map_err(|e| format!("error: <stdin>: {e}\n"))?;
    let source = SourceFile::new("<stdin>", text);
    let new = format(&source, style).map_err(|e| e.to_string())?;
    let changed = new != source.text();
    let written = if args.diff {
        if changed { write_diff("<stdin>", source.text(), &new, out) } else { Ok(()) }
    } else if args.check {
        if changed { writeln!(out, "<stdin>") } else { Ok(()) }
    } else {
        out.write_all(new.as_bytes())
    };
    written.map_err(|e| format!("error: <stdout>: {e}\n"))?;
    Ok(changed)
}
