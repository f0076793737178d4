//! Where `spoor scan` gets its rules: `--rules` files and directories, or
//! the bundled ruleset.

use std::path::PathBuf;

use clap::Args;

use spoor::Rules;
use spoor::compiler::{Compiler, Define};
use spoor::diagnostics::{Diagnostic, codes};

use super::terminal::eprint_text;

/// Rule selection shared by the commands that compile rules.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule file or a directory of them (`*.yar`, `*.yara`, recursive);
    /// repeatable. Without it, the bundled ruleset is used.
    #[arg(long, short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Define an external variable; the type comes from the value (integer,
    /// float, `true`/`false`, else string).
    #[arg(long, short = 'd', value_name = "NAME=VALUE", value_parser = Define::parse)]
    pub define: Vec<Define>,
    /// Accept rule files that hold no rule (otherwise an error: an empty
    /// directory or `/dev/null` would scan nothing and report success).
    #[arg(long)]
    pub allow_empty: bool,
}

/// The error for a rule selection that compiled to no rule at all.
#[must_use]
pub fn no_rules() -> Diagnostic {
    Diagnostic::global(
        codes::NO_RULES,
        "no rules: the rule files given hold no rule (--allow-empty accepts that)",
    )
}

/// Compiles the selected rules, printing every diagnostic to standard
/// error; `None` when any of them is an error.
pub fn load_rules(args: &RuleArgs) -> Option<Rules> {
    let mut compiler = Compiler::new();
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
