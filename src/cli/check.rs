//! `spoor check`: parse and check rule files, report every diagnostic.
//!
//! Each file is built exactly as `spoor scan` builds its rules
//! ([`Compiler::build`], patterns compiled included), so a file passes
//! `check` if and only if `scan` can use it. Each file is compiled on its
//! own, like YARA-X's `yr check`, so one bad
//! file does not hide the diagnostics of the next one, and the files are
//! checked in parallel. Output goes in path order whatever the scheduling.
//! Exit status: 0 when no file has an error (warnings are fine), 2
//! otherwise.
//!
//! Warnings follow the nearest `spoor.toml` of each file (`[warnings]`
//! disables some or makes them errors, `[check]` adds the project's
//! conventions), then the command line: `--disable-warnings[=ID,...]`
//! drops them (all, or those named by code or YARA-X name), `-W error`
//! makes the rest errors. `--fix` applies the mechanical fixes the
//! diagnostics carry, rewrites the files, and reports what is left.
//!
//! Rules that follow spoor's meta convention (an `actor` that is a profile
//! id, see [`spoor::attribution::check_meta`]) also have their meta checked
//! against actor profiles (E304): a checked directory that holds
//! `actors/*.toml`, as `rules/` does, brings its own profiles, which are
//! validated too (E301-E303); elsewhere the bundled profiles are used.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use std::collections::BTreeMap;

use spoor::compiler::project::{self, ActorProfiles, CheckOptions, MetaConvention, own_profiles};
use spoor::compiler::{Define, RuleCheck, sources};
use spoor::diagnostics::warnings;
use spoor::diagnostics::{Diagnostic, Fix};
use spoor::source::SourceFile;

/// Arguments of `spoor check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Define an external variable; the type comes from the value (integer,
    /// float, `true`/`false`, else string; `NAME=` is the empty string).
    #[arg(long, short = 'd', value_name = "NAME=VALUE", value_parser = Define::parse)]
    pub define: Vec<Define>,
    /// Accept files that hold no rule (otherwise an error, E203).
    #[arg(long)]
    pub allow_empty: bool,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Do not show these warnings (codes like `W005` or names like
    /// `text_as_hex`, comma-separated); without a list, no warning at all.
    #[arg(long, value_name = "ID,...", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub disable_warnings: Option<String>,
    /// `-W error`: treat warnings as errors.
    #[arg(short = 'W', value_name = "error", value_parser = ["error"])]
    pub warnings_as: Option<String>,
    /// Treat warnings as errors (the same as `-W error`).
    #[arg(long)]
    pub fail_on_warnings: bool,
    /// Apply the fixes of fixable warnings to the files, then report what
    /// is left.
    #[arg(long)]
    pub fix: bool,
    /// List every warning with its code and name, and exit.
    #[arg(long)]
    pub list_warnings: bool,
    /// Rule files, or directories searched for `*.yar` and `*.yara`.
    #[arg(required_unless_present = "list_warnings", value_name = "PATH")]
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
            super::terminal::eprint_line(format_args!("error: {e}"));
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
    if args.list_warnings {
        for kind in warnings::ALL {
            writeln!(out, "{}  {:<24} {}", kind.code, kind.name, kind.summary)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut diagnostics = Vec::new();
    let files = files_to_check(&args.paths, &mut diagnostics);
    let per_file: Vec<(Vec<Diagnostic>, usize)> = files
        .par_iter()
        .map(|(file, meta)| {
            let found = check_file(args, file, meta.as_ref());
            if args.fix && apply_fixes(&found.0, summary_line) > 0 {
                return check_file(args, file, meta.as_ref());
            }
            found
        })
        .collect();
    let mut rules = 0;
    for (found, count) in per_file {
        diagnostics.extend(found);
        rules += count;
    }
    if rules == 0 && !args.allow_empty && !diagnostics.iter().any(Diagnostic::is_error) {
        diagnostics.push(super::rules::no_rules());
    }
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

/// Builds `file` as the scan would (see [`project::check_file`]): its
/// diagnostics, and how many rules it holds when it compiles.
fn check_file(
    args: &CheckArgs,
    file: &Path,
    meta: Option<&Arc<dyn RuleCheck>>,
) -> (Vec<Diagnostic>, usize) {
    let options = CheckOptions {
        defines: args.define.clone(),
        disable_warnings: args.disable_warnings.clone(),
        deny_warnings: args.fail_on_warnings || args.warnings_as.is_some(),
    };
    project::check_file(&options, file, None, meta)
}

/// Applies the fixes `diagnostics` carry to their files; reports each file
/// rewritten through `report`. The number of fixes applied.
fn apply_fixes(diagnostics: &[Diagnostic], report: fn(&str)) -> usize {
    let mut by_file: BTreeMap<&str, (&Arc<SourceFile>, Vec<&Fix>)> = BTreeMap::new();
    for d in diagnostics {
        if let (Some(source), Some(fix)) = (&d.source, &d.fix) {
            by_file.entry(source.origin()).or_insert_with(|| (source, Vec::new())).1.push(fix);
        }
    }
    let mut total = 0;
    for (origin, (source, fixes)) in by_file {
        let (fixed, applied) = Fix::apply_all(source.text(), fixes);
        match std::fs::write(origin, fixed) {
            Ok(()) => {
                report(&format!("fixed {applied} issue(s) in {origin}"));
                total += applied;
            }
            Err(e) => report(&format!("error: cannot write the fixes to {origin}: {e}")),
        }
    }
    total
}

/// One line on standard error, whole even when files are fixed in
/// parallel.
fn summary_line(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// A rule file, and the meta check its rules get (none when the profiles
/// of its directory are invalid).
type FileToCheck = (PathBuf, Option<Arc<dyn RuleCheck>>);

/// The rule files under `paths`, each with the profiles its meta is checked
/// against; problems finding files or loading profiles go to `diagnostics`.
fn files_to_check(paths: &[PathBuf], diagnostics: &mut Vec<Diagnostic>) -> Vec<FileToCheck> {
    let bundled: Arc<dyn RuleCheck> = Arc::new(MetaConvention(Arc::new(ActorProfiles::Bundled)));
    let mut files = Vec::new();
    for root in paths {
        let (found, errors) = sources::rule_files(std::slice::from_ref(root));
        diagnostics.extend(errors);
        let meta: Option<Arc<dyn RuleCheck>> = match own_profiles(root) {
            None => Some(Arc::clone(&bundled)),
            Some(Ok(profiles)) => {
                Some(Arc::new(MetaConvention(Arc::new(ActorProfiles::Loaded(profiles)))))
            }
            // Invalid profiles are reported; meta is not checked against them.
            Some(Err(errors)) => {
                diagnostics.extend(errors);
                None
            }
        };
        files.extend(found.into_iter().map(|file| (file, meta.clone())));
    }
    files
}
