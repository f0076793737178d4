//! `spoor compile`: build rules once and write them as a compiled ruleset,
//! which `spoor scan -C` loads without parsing, checking or compiling
//! patterns again. Exit status: 0 when the file was written, 2 otherwise.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use spoor::compiler::Define;

use super::rules::{RuleArgs, compile_rules};
use super::terminal::eprint_line;

/// Arguments of `spoor compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// Define an external variable; the type comes from the value (integer,
    /// float, `true`/`false`, else string; `NAME=` is the empty string).
    /// Compiled rules keep these values.
    #[arg(long, short = 'd', value_name = "NAME=VALUE", value_parser = Define::parse)]
    define: Vec<Define>,
    /// Where to write the compiled ruleset.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: PathBuf,
    /// Rule files, or directories searched for `*.yar` and `*.yara`.
    #[arg(required = true, value_name = "RULES")]
    rules: Vec<PathBuf>,
    /// Leave out rules with errors, with a warning for each, instead of
    /// refusing the whole ruleset (as `spoor scan --ignore-invalid-rules`).
    #[arg(long)]
    ignore_invalid_rules: bool,
    /// Read regexes in YARA-X's relaxed syntax (as `spoor scan
    /// --relaxed-re-syntax`); the compiled ruleset stores them strict.
    #[arg(long)]
    relaxed_re_syntax: bool,
}

/// Runs the command; diagnostics go to standard error.
pub fn run(args: &CompileArgs) -> ExitCode {
    let selection = RuleArgs {
        rules: args.rules.clone(),
        define: args.define.clone(),
        compiled_rules: None,
        allow_empty: false,
        ignore_invalid_rules: args.ignore_invalid_rules,
        relaxed_re_syntax: args.relaxed_re_syntax,
    };
    let Some(rules) = compile_rules(&selection) else {
        return ExitCode::from(2);
    };
    let written = rules
        .serialize()
        .map_err(|e| e.to_string())
        .and_then(|bytes| std::fs::write(&args.output, bytes).map_err(|e| e.to_string()));
    // The process ends here: freeing every rule, pattern and automaton one
    // by one took 5% of compiling signature-base, for memory the exit
    // returns at once.
    std::mem::forget(rules);
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprint_line(format_args!("error: cannot write {}: {e}", args.output.display()));
            ExitCode::from(2)
        }
    }
}
