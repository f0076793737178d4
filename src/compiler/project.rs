//! The build `spoor check` runs on one rule file, shared by every front end
//! that reports diagnostics (`spoor check`, `spoor lsp`), so an editor shows
//! exactly what `check` prints: same codes, messages, spans and warnings.
//!
//! A file is built as the scan builds it ([`Compiler::build`]), under the
//! warning policy and conventions of its nearest `spoor.toml`, then the
//! command line's options; rules that follow spoor's meta convention are
//! checked against actor profiles (a checked directory's own
//! `actors/*.toml`, else the bundled ones).

use std::path::Path;
use std::sync::Arc;

use super::conventions::Conventions;
use super::{Compiler, Define, RuleCheck};
use crate::attribution::{Profiles, check_rule as check_rule_meta};
use crate::config::{self, CheckConfig};
use crate::diagnostics::warnings::WarningPolicy;
use crate::diagnostics::{Diagnostic, codes};
use crate::parser::ast;
use crate::source::SourceFile;

/// The directory, inside a checked directory, that holds its actor profiles.
pub const ACTORS_DIR: &str = "actors";

/// What the command line adds to a file's own settings.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// External variables, defined before the file is added.
    pub defines: Vec<Define>,
    /// `--disable-warnings`: `Some("")` disables all, else a comma list.
    pub disable_warnings: Option<String>,
    /// `-W error`: warnings are errors.
    pub deny_warnings: bool,
}

/// Builds the file at `path` as the scan would, from `text` when given (an
/// unsaved buffer) or from disk: its diagnostics, and how many rules it
/// holds when it compiles.
#[must_use]
pub fn check_file(
    options: &CheckOptions,
    path: &Path,
    text: Option<&str>,
    meta: Option<&Arc<dyn RuleCheck>>,
) -> (Vec<Diagnostic>, usize) {
    let mut compiler = Compiler::new();
    for define in &options.defines {
        compiler.define(&define.name, define.value.clone());
    }
    if let Some(meta) = meta {
        compiler.add_rule_check(Arc::clone(meta));
    }
    match project_settings(options, path) {
        Ok((policy, conventions)) => {
            compiler.warning_policy(policy);
            if let Some(conventions) = conventions {
                compiler.add_rule_check(conventions);
            }
        }
        Err(message) => return (vec![Diagnostic::global(codes::CONFIG, message)], 0),
    }
    match text {
        Some(text) => compiler.add_buffer(path, text),
        None => compiler.add_file(path),
    };
    compiler.finish();
    let found = compiler.diagnostics().to_vec();
    match compiler.build() {
        Ok(rules) => (found, rules.len()),
        Err(diagnostics) => (diagnostics, 0),
    }
}

/// The warning policy and conventions for `file`: its `spoor.toml`'s, then
/// the command line's.
fn project_settings(
    options: &CheckOptions,
    file: &Path,
) -> Result<(WarningPolicy, Option<Arc<dyn RuleCheck>>), String> {
    let config = config::for_path(file)?;
    let mut policy = WarningPolicy::default();
    policy
        .disable(config.warnings.disabled.iter().map(String::as_str))
        .map_err(|e| format!("spoor.toml [warnings]: {e}"))?;
    if config.warnings.as_errors || options.deny_warnings {
        policy.deny();
    }
    match options.disable_warnings.as_deref() {
        Some("") => policy.disable_all(),
        Some(ids) => policy.disable(ids.split(','))?,
        None => {}
    }
    let conventions = if config.check == CheckConfig::default() {
        None
    } else {
        Some(Arc::new(Conventions::new(config.check)?) as Arc<dyn RuleCheck>)
    };
    Ok((policy, conventions))
}

/// The profiles of `root`'s `actors/*.toml`, loaded and validated; `None`
/// when `root` is not a directory with such files.
#[must_use]
pub fn own_profiles(root: &Path) -> Option<Result<Profiles, Vec<Diagnostic>>> {
    let actors = root.join(ACTORS_DIR);
    let has_profiles = std::fs::read_dir(&actors)
        .ok()?
        .filter_map(Result::ok)
        .any(|entry| entry.path().extension().is_some_and(|e| e == "toml"));
    has_profiles.then(|| Profiles::load_dir(&actors))
}

/// Where the actor profiles that rule meta is checked against come from.
#[derive(Debug)]
pub enum ActorProfiles {
    /// Those compiled into spoor.
    Bundled,
    /// A checked directory's own.
    Loaded(Profiles),
}

impl ActorProfiles {
    /// The profiles themselves.
    #[must_use]
    pub fn get(&self) -> &Profiles {
        match self {
            ActorProfiles::Bundled => Profiles::bundled(),
            ActorProfiles::Loaded(profiles) => profiles,
        }
    }
}

/// spoor's meta convention, checked against a set of actor profiles.
#[derive(Debug, Clone)]
pub struct MetaConvention(pub Arc<ActorProfiles>);

impl RuleCheck for MetaConvention {
    fn check(&self, rule: &ast::Rule, source: &Arc<SourceFile>) -> Vec<Diagnostic> {
        check_rule_meta(rule, source, self.0.get())
    }
}
