//! Where `spoor scan` gets its rules: `--rules` files and directories, a
//! compiled ruleset (`-C`, or a `--rules` file that starts with the
//! compiled format's magic), or the bundled ruleset.

use std::io::Read;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

use clap::Args;

use spoor::Rules;
use spoor::compiler::{Compiler, Define};
use spoor::diagnostics::{Diagnostic, codes};
use spoor::rules::is_compiled;
use spoor::scanner::input::{open_regular, read_snapshot};

use super::terminal::{eprint_line, eprint_text};

/// Rule selection shared by the commands that compile rules.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule file or a directory of them (`*.yar`, `*.yara`, recursive);
    /// repeatable. Without it, the bundled ruleset is used. A compiled
    /// ruleset given here is recognised and loaded as with `-C`.
    #[arg(long, short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Define an external variable; the type comes from the value (integer,
    /// float, `true`/`false`, else string).
    #[arg(long, short = 'd', value_name = "NAME=VALUE", value_parser = Define::parse)]
    pub define: Vec<Define>,
    /// Scan with a ruleset written by `spoor compile` instead of compiling
    /// rules (its externals are those given to `spoor compile`).
    #[arg(long, short = 'C', value_name = "FILE", conflicts_with_all = ["rules", "define"])]
    pub compiled_rules: Option<PathBuf>,
    /// Accept rule files that hold no rule (otherwise an error: an empty
    /// directory or `/dev/null` would scan nothing and report success).
    #[arg(long)]
    pub allow_empty: bool,
    /// Leave out rules with errors, with a warning for each, instead of
    /// refusing the whole ruleset (as `yr scan --ignore-invalid-rules`);
    /// rules that use a left-out rule are left out too. Syntax, include
    /// and import errors still stop the run.
    #[arg(long, conflicts_with = "compiled_rules")]
    pub ignore_invalid_rules: bool,
    /// Read regexes in YARA-X's relaxed syntax, as `yr --relaxed-re-syntax`
    /// does: a backslash before a letter that is no escape is dropped
    /// (`\R` is `R`), and a `{` that starts no repetition is the character.
    #[arg(long, conflicts_with = "compiled_rules")]
    pub relaxed_re_syntax: bool,
}

/// The error for a rule selection that compiled to no rule at all.
#[must_use]
pub fn no_rules() -> Diagnostic {
    Diagnostic::global(
        codes::NO_RULES,
        "no rules: the rule files given hold no rule (--allow-empty accepts that)",
    )
}

/// The selected rules, compiled or loaded, with every diagnostic printed
/// to standard error; `None` when there was an error.
///
/// The rules live until the process exits: dropping them, hundreds of
/// thousands of allocations for a large ruleset, would cost a scan with a
/// compiled ruleset more time than loading it.
pub fn load_rules(args: &RuleArgs) -> Option<ManuallyDrop<Rules>> {
    select_rules(args).map(ManuallyDrop::new)
}

fn select_rules(args: &RuleArgs) -> Option<Rules> {
    if let Some(path) = &args.compiled_rules {
        return load_compiled(path);
    }
    let compiled: Vec<&PathBuf> = args.rules.iter().filter(|path| starts_compiled(path)).collect();
    match (compiled.as_slice(), args.rules.len(), args.define.is_empty()) {
        ([], _, _) => compile_rules(args),
        ([path], 1, true) => load_compiled(path),
        ([path], 1, false) => {
            eprint_line(format_args!(
                "error: {} is a compiled ruleset, whose externals were fixed by `spoor compile`: \
                 give --define there",
                path.display()
            ));
            None
        }
        ([path, ..], _, _) => {
            eprint_line(format_args!(
                "error: {} is a compiled ruleset, which cannot be combined with other --rules",
                path.display()
            ));
            None
        }
    }
}

/// Compiles the rules of `args.rules` (the bundled ruleset when empty)
/// with its defines, printing every diagnostic to standard error; `None`
/// when any of them is an error, or when no rule results and
/// `--allow-empty` is off.
pub fn compile_rules(args: &RuleArgs) -> Option<Rules> {
    let mut compiler = Compiler::new();
    let _ = compiler.ignore_invalid_rules(args.ignore_invalid_rules);
    let _ = compiler.relaxed_re_syntax(args.relaxed_re_syntax);
    for define in &args.define {
        let _ = compiler.define(&define.name, define.value.clone());
    }
    if args.rules.is_empty() {
        spoor::bundled::add_rules(&mut compiler);
    } else {
        for path in &args.rules {
            let _ = compiler.add_path(path);
        }
    }
    let warnings = compiler.diagnostics().to_vec();
    let (rules, diagnostics) = match compiler.build() {
        Ok(rules) => (Some(rules), warnings),
        Err(diagnostics) => (None, diagnostics),
    };
    for diagnostic in &diagnostics {
        eprint_text(&diagnostic.render());
    }
    let rules = rules?;
    if rules.is_empty() && !args.allow_empty {
        eprint_text(&no_rules().render());
        return None;
    }
    Some(rules)
}

/// Largest compiled ruleset read: compiled signature-base is 11 MB, and a
/// path such as `/dev/zero` or a huge file stops here instead of filling
/// memory.
const MAX_COMPILED_BYTES: u64 = 1 << 30;

/// Whether `path` is a regular file that starts like a compiled ruleset
/// (a FIFO or device is not opened: opening a FIFO waits for a writer).
fn starts_compiled(path: &Path) -> bool {
    let mut start = Vec::new();
    open_regular(path).is_ok_and(|file| {
        file.take(spoor::rules::MAGIC.len() as u64).read_to_end(&mut start).is_ok()
            && is_compiled(&start)
    })
}

/// The bytes of the compiled ruleset at `path`: a regular file of at most
/// [`MAX_COMPILED_BYTES`].
fn read_compiled(path: &Path) -> Result<Vec<u8>, String> {
    let file = open_regular(path).map_err(|e| e.to_string())?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    if size > MAX_COMPILED_BYTES {
        return Err(format!(
            "it is {size} bytes, over the limit of {MAX_COMPILED_BYTES} for compiled rulesets"
        ));
    }
    read_snapshot(file, size).map_err(|e| e.to_string())
}

/// Loads the compiled ruleset at `path`, saying on standard error what is
/// wrong with it when it cannot be used.
fn load_compiled(path: &Path) -> Option<Rules> {
    let data = match read_compiled(path) {
        Ok(data) => data,
        Err(e) => {
            eprint_line(format_args!("error: cannot read {}: {e}", path.display()));
            return None;
        }
    };
    match Rules::deserialize(&data) {
        Ok(rules) => Some(rules),
        Err(e) => {
            eprint_line(format_args!("error: {}: {e}", path.display()));
            None
        }
    }
}
