//! Checking and compiling rules: source text -> AST -> IR -> compiled rules.
//!
//! The [`Compiler`] parses rule files, resolves names, types every
//! expression and folds constants, producing the [`ir::Program`] that the
//! scanner evaluates; it compiles each pattern and condition regex while it
//! checks the rule, so every error a rule can have is a [`Diagnostic`] of
//! that check. [`Compiler::build`] then plans the scan and returns the
//! scan-ready [`Rules`]: there is no other way to rules, so what `spoor
//! check` accepts is what `spoor scan` runs. It keeps going after an error,
//! so one run reports every problem of every file, and a rule with an error
//! leaves nothing behind (YARA-X's snapshot rule).
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
//! let rules = compiler.build().expect("the rule is valid");
//! assert_eq!(rules.program().rules[0].name, "r");
//! ```

mod check;
pub mod conventions;
mod expr;
pub mod externals;
mod fold;
mod includes;
pub mod ir;
mod lints;
mod pattern_ir;
mod pattern_lints;
mod patterns;
mod plan;
pub mod project;
pub mod requirements;
pub mod sources;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::warnings::WarningPolicy;
use crate::diagnostics::{Diagnostic, Severity, codes};
use crate::matcher::{CompiledPattern, MatcherLimits};
use crate::modules::ModuleId;
use crate::parser::ast;
use crate::rules::Rules;
use crate::source::{SourceFile, Span};
use crate::types::StructType;
use expr::RuleTable;
pub use externals::Define;
use externals::Externals;
pub use pattern_ir::MatcherInput;
use patterns::RegexTable;

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

/// Where a rule was declared: its name, file and the span of its name.
#[derive(Debug, Clone)]
struct Declared {
    name: String,
    source: Arc<SourceFile>,
    span: Span,
}

/// Builds [`Rules`] from rule sources.
#[derive(Debug)]
pub struct Compiler {
    externals: Externals,
    namespace: String,
    namespaces: HashMap<String, RuleTable>,
    rules: Vec<ir::Rule>,
    patterns: Vec<ir::Pattern>,
    /// The patterns compiled, by [`ir::PatternId`].
    compiled: Vec<CompiledPattern>,
    /// `compiled` by value and modifiers.
    compiled_index: patterns::CompiledIndex,
    regexes: RegexTable,
    limits: MatcherLimits,
    modules: BTreeSet<ModuleId>,
    rule_checks: Vec<Arc<dyn RuleCheck>>,
    warnings: WarningPolicy,
    /// Where each rule of each namespace was declared, for labels.
    declared: HashMap<(String, String), Declared>,
    /// Each namespace's rule bodies so far (patterns and condition as
    /// printed), to find a rule that repeats an earlier one (W010).
    bodies: HashMap<(String, String), Declared>,
    /// Private rules that checked, to warn about those never used (W006).
    private_rules: Vec<(String, ir::RuleId, Declared)>,
    /// Whether [`Compiler::finish`] ran.
    finished: bool,
    /// Whether a rule with an error is left out, its errors demoted to
    /// warnings, rather than failing the build.
    ignore_invalid_rules: bool,
    /// Whether regexes are read in YARA-X's relaxed syntax.
    relaxed_re_syntax: bool,
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
            compiled: Vec::new(),
            compiled_index: patterns::CompiledIndex::default(),
            regexes: RegexTable::new(&MatcherLimits::default()),
            limits: MatcherLimits::default(),
            modules: BTreeSet::new(),
            rule_checks: Vec::new(),
            warnings: WarningPolicy::default(),
            declared: HashMap::new(),
            bodies: HashMap::new(),
            private_rules: Vec::new(),
            finished: false,
            ignore_invalid_rules: false,
            relaxed_re_syntax: false,
            diagnostics: Vec::new(),
        }
    }

    /// Defines an external variable; its type is that of `value`. Define
    /// externals before adding the sources that use them.
    pub fn define(&mut self, name: &str, value: ir::Constant) -> &mut Self {
        self.externals.define(name, value);
        self
    }

    /// Compiles the patterns and regexes of the sources added from now on
    /// within `limits` (by default [`MatcherLimits::default`]).
    pub fn limits(&mut self, limits: MatcherLimits) -> &mut Self {
        self.regexes.set_limits(&limits);
        self.limits = limits;
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

    /// Which warnings the sources added from now on get, and whether they
    /// are errors (then [`Compiler::build`] fails on them).
    pub fn warning_policy(&mut self, policy: WarningPolicy) -> &mut Self {
        self.warnings = policy;
        self
    }

    /// Leaves out the rules with an error instead of failing the build
    /// (`yr scan --ignore-invalid-rules`): their errors become warnings
    /// that say the rule is ignored, and rules that use an ignored rule are
    /// ignored in turn. Errors outside a rule (syntax, includes, imports)
    /// still fail the build.
    pub fn ignore_invalid_rules(&mut self, ignore: bool) -> &mut Self {
        self.ignore_invalid_rules = ignore;
        self
    }

    /// Reads the regexes of the sources added from now on in YARA-X's
    /// relaxed syntax (`yr --relaxed-re-syntax`): `\R` is `R`, and a `{`
    /// that starts no repetition is the character. Compiled rules store the
    /// regexes in the strict syntax, so they load the same way.
    pub fn relaxed_re_syntax(&mut self, relaxed: bool) -> &mut Self {
        self.relaxed_re_syntax = relaxed;
        self.regexes.set_relaxed(relaxed);
        self
    }

    /// Parses and checks rule text; `origin` names it in diagnostics.
    /// Includes are resolved relative to the current directory.
    pub fn add_source(&mut self, text: &str, origin: &str) -> &mut Self {
        let source = SourceFile::new(origin, text);
        let from = self.diagnostics.len();
        includes::compile_unit(self, &source);
        self.warnings.apply(&mut self.diagnostics, from);
        self
    }

    /// Reads, parses and checks a rule file; includes are resolved relative
    /// to the including file.
    pub fn add_file(&mut self, path: &Path) -> &mut Self {
        let from = self.diagnostics.len();
        includes::compile_path(self, path);
        self.warnings.apply(&mut self.diagnostics, from);
        self
    }

    /// Parses and checks `text` as the content of the rule file at `path`
    /// (an editor's unsaved buffer): diagnostics name `path`, and includes
    /// are resolved relative to its directory, exactly as
    /// [`Compiler::add_file`] would once the text is saved.
    pub fn add_buffer(&mut self, path: &Path, text: &str) -> &mut Self {
        let from = self.diagnostics.len();
        includes::compile_buffer(self, path, text.to_owned());
        self.warnings.apply(&mut self.diagnostics, from);
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

    /// The scan-ready rules, or every diagnostic when there is an error
    /// (warnings stay available through [`Compiler::diagnostics`] before
    /// building). Every pattern and regex was compiled while its rule was
    /// checked; what is left is planning the scan (which patterns are
    /// searched and which only checked at one offset, what each rule
    /// needs) and indexing the atoms of all patterns.
    ///
    /// # Errors
    /// When any source had an error, or (a global E123) the atoms of all
    /// patterns together do not fit one search index.
    pub fn build(mut self) -> Result<Rules, Vec<Diagnostic>> {
        self.finish();
        if self.has_errors() {
            return Err(self.diagnostics);
        }
        let program = ir::Program {
            rules: self.rules,
            patterns: self.patterns,
            regexes: std::mem::take(&mut self.regexes.sources),
            externals: self.externals.into_list(),
            modules: self.modules.into_iter().collect(),
        };
        let regexes = std::mem::take(&mut self.regexes.compiled);
        plan::build_rules(program, self.compiled, regexes, &self.limits).map_err(|error| {
            self.diagnostics.push(error);
            self.diagnostics
        })
    }

    /// Adds what can only be said once every source is in: private rules
    /// that no rule uses (W006). [`Compiler::build`] calls it; call it
    /// first to see these warnings from [`Compiler::diagnostics`].
    pub fn finish(&mut self) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let from = self.diagnostics.len();
        for (namespace, id, rule) in &self.private_rules {
            let used = self.namespaces.get(namespace).is_some_and(|t| t.is_used(*id));
            if !used {
                self.diagnostics.push(
                    Diagnostic::warning(
                        codes::UNUSED_RULE,
                        format!(
                            "private rule `{}` is used by no rule, so it can never show",
                            rule.name
                        ),
                        &rule.source,
                        rule.span,
                    )
                    .with_note("use it in a condition, or drop `private`"),
                );
            }
        }
        self.warnings.apply(&mut self.diagnostics, from);
    }

    /// W010: `rule`, if it checked, has the body of an earlier rule. Only
    /// rules with patterns count: two rules that test the same file
    /// property (`condition: true`, a size check) are often meant as
    /// building blocks, while two identical pattern sets are a copy.
    fn duplicate_body(&mut self, rule: &ast::Rule, source: &Arc<SourceFile>) {
        if rule.patterns.is_empty() {
            return;
        }
        let mut body = rule.clone();
        body.name.name = String::new();
        body.tags.clear();
        body.meta.clear();
        body.is_private = false;
        body.is_global = false;
        let printed = crate::parser::print(&ast::File { items: vec![ast::Item::Rule(body)] });
        let here = Declared {
            name: rule.name.name.clone(),
            source: Arc::clone(source),
            span: rule.name.span,
        };
        match self.bodies.entry((self.namespace.clone(), printed)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let first = first.get();
                self.diagnostics.push(
                    Diagnostic::warning(
                        codes::DUPLICATE_RULE_BODY,
                        format!(
                            "rule `{}` has the same patterns and condition as `{}`",
                            rule.name.name, first.name
                        ),
                        source,
                        rule.name.span,
                    )
                    .with_label(
                        &first.source,
                        first.span,
                        "first declared here",
                    ),
                );
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(here);
            }
        }
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
        let first_diagnostic = self.diagnostics.len();
        for check in &self.rule_checks {
            self.diagnostics.extend(check.check(rule, source));
        }
        let key = (self.namespace.clone(), rule.name.name.clone());
        let duplicate = self.declared.get(&key).cloned();
        if let Some(first) = &duplicate {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::DUPLICATE_RULE,
                    format!(
                        "duplicate rule `{}` in namespace `{}`",
                        rule.name.name, self.namespace
                    ),
                    source,
                    rule.name.span,
                )
                .with_label(&first.source, first.span, "first declared here"),
            );
        } else {
            let here = Declared {
                name: rule.name.name.clone(),
                source: Arc::clone(source),
                span: rule.name.span,
            };
            self.declared.insert(key, here);
        }
        let duplicate = duplicate.is_some();
        let table = self.namespaces.entry(self.namespace.clone()).or_default();
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
            patterns: patterns::PatternContext {
                limits: &self.limits,
                relaxed_re_syntax: self.relaxed_re_syntax,
                earlier: patterns::EarlierPatterns {
                    index: &self.compiled_index,
                    lowered: &self.patterns,
                    compiled: &self.compiled,
                },
            },
        };
        let id = site.id;
        let regexes_before = self.regexes.len();
        let checked = check::check_rule(rule, &site, &mut self.diagnostics, &mut self.regexes);
        if duplicate {
            self.regexes.truncate(regexes_before);
            self.ignore_if_invalid(rule, source, first_diagnostic);
            return;
        }
        match checked {
            Some(checked) => {
                if rule.is_private {
                    let here = Declared {
                        name: rule.name.name.clone(),
                        source: Arc::clone(source),
                        span: rule.name.span,
                    };
                    self.private_rules.push((self.namespace.clone(), id, here));
                }
                self.rules.push(checked.rule);
                let first_pattern = self.patterns.len();
                self.patterns.extend(checked.patterns);
                self.compiled.extend(checked.compiled);
                self.compiled_index.add(&self.patterns, first_pattern);
                table.insert(&rule.name.name, Some(id));
                self.duplicate_body(rule, source);
            }
            None => {
                table.insert(&rule.name.name, None);
                self.ignore_if_invalid(rule, source, first_diagnostic);
            }
        }
    }

    /// With [`Compiler::ignore_invalid_rules`], turns the errors of rule
    /// `rule` (the diagnostics from `first` on) into warnings that say the
    /// rule is left out. A rule with no error of its own failed because it
    /// uses a rule that failed (whose error was reported there): it gets a
    /// warning of its own, so that no rule disappears unsaid.
    fn ignore_if_invalid(&mut self, rule: &ast::Rule, source: &Arc<SourceFile>, first: usize) {
        if !self.ignore_invalid_rules {
            return;
        }
        let note = format!("rule `{}` is ignored (--ignore-invalid-rules)", rule.name.name);
        let mut demoted = false;
        for diagnostic in &mut self.diagnostics[first..] {
            if diagnostic.severity == Severity::Error {
                diagnostic.severity = Severity::Warning;
                diagnostic.notes.push(note.clone());
                demoted = true;
            }
        }
        if !demoted {
            let message = format!("rule `{}` uses a rule that is ignored", rule.name.name);
            let warning =
                Diagnostic::warning(codes::USES_IGNORED_RULE, message, source, rule.name.span);
            self.diagnostics.push(warning.with_note(note));
        }
    }
}

#[cfg(test)]
mod tests;
