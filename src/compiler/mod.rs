//! Checking and compiling rules: source text -> AST -> IR -> compiled rules.
//!
//! The [`Compiler`] parses rule files, resolves names, types every
//! expression and folds constants, producing the [`ir::Program`] that the
//! scanner evaluates. It keeps going after an error, so one run reports every
//! problem of every file, and a rule with an error leaves nothing behind in
//! the program (YARA-X's snapshot rule).
//!
//! Where YARA and YARA-X differ, spoor follows YARA-X:
//! - integers, floats and strings are accepted in a boolean context
//!   (non-zero, non-empty is true); the lowering turns them into an explicit
//!   comparison, so the evaluator only meets booleans there;
//! - integer overflow in a constant expression is an error (E005), while a
//!   constant division by zero is left to run time (undefined);
//! - constant range bounds may not be negative, in loops too (E113);
//! - loop and `with` variables may shadow outer names, and `with x = 1,
//!   x = 2` is accepted; only the two variables of one dictionary loop must
//!   differ (E118);
//! - `N of` a set with fewer than N members is accepted with a warning
//!   (W002), as YARA and YARA-X both accept it.
//!
//! An unknown bare name is reported as E112 (undefined identifier: the
//! only thing it could still be is an external that was not defined), as
//! E101 when it names a rule declared later (rules only see earlier rules),
//! as E119 when a rule names itself, and as E114 when it names a module that
//! was not imported. `entrypoint` is accepted (YARA deprecates it, YARA-X
//! refuses it).
//!
//! ```
//! use spoor::compiler::{Compiler, ir::Constant};
//! let mut compiler = Compiler::new();
//! compiler.define("owner", Constant::String("me".as_bytes().into()));
//! compiler.add_source(r#"rule r { strings: $a = "x" condition: $a and owner != "" }"#, "<doc>");
//! let program = compiler.build().expect("the rule is valid");
//! assert_eq!(program.rules[0].name, "r");
//! ```

mod check;
mod expr;
pub mod externals;
mod fold;
mod includes;
pub mod ir;
mod lints;
mod pattern_ir;
mod patterns;
pub mod requirements;
pub mod sources;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::Diagnostic;
use crate::modules::ModuleId;
use crate::parser::ast;
use crate::source::SourceFile;
use crate::types::StructType;
use expr::RuleTable;
pub use externals::Define;
use externals::Externals;
pub use pattern_ir::MatcherInput;

/// The namespace rules go to unless [`Compiler::namespace`] says otherwise.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Modules imported by one file (and the files it includes, which YARA
/// treats as pasted in), with their declarations.
type Imports = HashMap<String, (ModuleId, Arc<StructType>)>;

/// A check of conventions the language does not impose, run on every
/// parsed rule beside the compiler's own checks: `spoor check` validates
/// spoor's rule meta this way, while scanning never pays for it.
pub trait RuleCheck: Send + Sync + std::fmt::Debug {
    /// The problems of `rule`, whose text is in `source`.
    fn check(&self, rule: &ast::Rule, source: &Arc<SourceFile>) -> Vec<Diagnostic>;
}

/// Builds an [`ir::Program`] from rule sources.
#[derive(Debug)]
pub struct Compiler {
    externals: Externals,
    namespace: String,
    namespaces: HashMap<String, RuleTable>,
    rules: Vec<ir::Rule>,
    patterns: Vec<ir::Pattern>,
    regexes: Vec<ir::Regex>,
    modules: BTreeSet<ModuleId>,
    rule_checks: Vec<Arc<dyn RuleCheck>>,
    diagnostics: Vec<Diagnostic>,
}

impl Default for Compiler {
    fn default() -> Self {
        Self::new()
    }
}

impl Compiler {
    /// An empty compiler, adding rules to the namespace `default`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            externals: Externals::default(),
            namespace: DEFAULT_NAMESPACE.to_owned(),
            namespaces: HashMap::new(),
            rules: Vec::new(),
            patterns: Vec::new(),
            regexes: Vec::new(),
            modules: BTreeSet::new(),
            rule_checks: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Defines an external variable; its type is that of `value`. Define
    /// externals before adding the sources that use them.
    pub fn define(&mut self, name: &str, value: ir::Constant) -> &mut Self {
        self.externals.define(name, value);
        self
    }

    /// Puts the rules of the sources added from now on into `namespace`.
    /// Rule names must be unique within a namespace only.
    pub fn namespace(&mut self, namespace: &str) -> &mut Self {
        namespace.clone_into(&mut self.namespace);
        self
    }

    /// Runs `check` on every rule of the sources added from now on; its
    /// diagnostics join the compiler's own.
    pub fn add_rule_check(&mut self, check: Arc<dyn RuleCheck>) -> &mut Self {
        self.rule_checks.push(check);
        self
    }

    /// Parses and checks rule text; `origin` names it in diagnostics.
    /// Includes are resolved relative to the current directory.
    pub fn add_source(&mut self, text: &str, origin: &str) -> &mut Self {
        let source = SourceFile::new(origin, text);
        includes::compile_unit(self, &source);
        self
    }

    /// Reads, parses and checks a rule file; includes are resolved relative
    /// to the including file.
    pub fn add_file(&mut self, path: &Path) -> &mut Self {
        includes::compile_path(self, path);
        self
    }

    /// Adds a rule file, or every rule file below a directory (see
    /// [`sources::rule_files`]), all into the current namespace.
    pub fn add_path(&mut self, path: &Path) -> &mut Self {
        let (files, errors) = sources::rule_files(&[path.to_path_buf()]);
        self.diagnostics.extend(errors);
        for file in files {
            self.add_file(&file);
        }
        self
    }

    /// Every diagnostic so far, errors and warnings, in the order found.
    #[must_use]
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Whether any error was reported.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The checked program, or every diagnostic when there is an error
    /// (warnings stay available through [`Compiler::diagnostics`] before
    /// building).
    ///
    /// # Errors
    /// When any source had an error.
    pub fn build(self) -> Result<ir::Program, Vec<Diagnostic>> {
        if self.has_errors() {
            return Err(self.diagnostics);
        }
        Ok(ir::Program {
            rules: self.rules,
            patterns: self.patterns,
            regexes: self.regexes,
            externals: self.externals.into_list(),
            modules: self.modules.into_iter().collect(),
        })
    }

    /// Checks one rule and, if it is valid and its name is new in the
    /// namespace, adds it to the program.
    fn add_rule(
        &mut self,
        rule: &ast::Rule,
        source: &Arc<SourceFile>,
        imports: &Imports,
        later_rules: &std::collections::HashSet<String>,
    ) {
        for check in &self.rule_checks {
            self.diagnostics.extend(check.check(rule, source));
        }
        let table = self.namespaces.entry(self.namespace.clone()).or_default();
        let duplicate = table.contains(&rule.name.name);
        if duplicate {
            self.diagnostics.push(Diagnostic::error(
                crate::diagnostics::codes::DUPLICATE_RULE,
                format!("duplicate rule `{}` in namespace `{}`", rule.name.name, self.namespace),
                source,
                rule.name.span,
            ));
        }
        let env = expr::Env {
            current_rule: &rule.name.name,
            rules: table,
            later_rules,
            externals: &self.externals,
            imports,
        };
        let site = check::RuleSite {
            id: ir::RuleId(u32::try_from(self.rules.len()).unwrap_or(u32::MAX)),
            namespace: &self.namespace,
            pattern_base: u32::try_from(self.patterns.len()).unwrap_or(u32::MAX),
            env: &env,
            source,
        };
        let id = site.id;
        let regexes_before = self.regexes.len();
        let checked = check::check_rule(rule, &site, &mut self.diagnostics, &mut self.regexes);
        if duplicate {
            self.regexes.truncate(regexes_before);
            return;
        }
        match checked {
            Some(checked) => {
                self.rules.push(checked.rule);
                self.patterns.extend(checked.patterns);
                table.insert(&rule.name.name, Some(id));
            }
            None => table.insert(&rule.name.name, None),
        }
    }
}

#[cfg(test)]
mod tests;
