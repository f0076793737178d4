//! Type checking a condition and lowering it to the IR.
//!
//! [`ExprChecker::condition`] walks one rule's condition. Every expression
//! is resolved (names to rules, externals, modules, loop variables and
//! patterns), typed, and folded when its operands are constants. An error is
//! reported where it is found and the walk goes on with the siblings, so one
//! pass reports every independent error of a condition; the parent of a
//! failed expression fails silently, so an error is reported once.
//!
//! Typing follows YARA-X: arithmetic promotes integers to floats, `%` and
//! the bitwise operators want integers, string operators want strings,
//! `matches` wants a regex, and a boolean context also accepts integers,
//! floats and strings (non-zero, non-empty is true), which the lowering
//! makes explicit with a comparison so the evaluator only sees booleans.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

mod operators;
mod sets;

use super::externals::Externals;
use super::fold::{self, Overflow};
use super::ir::{self, CmpOp, Constant, Expr, FunctionRef, RuleId, VarId};
use super::patterns::{DeclaredPatterns, RegexTable};
use crate::diagnostics::{Diagnostic, codes, suggest};
use crate::file_vars::FileVar;
use crate::modules::{self, ModuleId};
use crate::parser::ast::{self, ExprKind, Ident};
use crate::semantics::IntWidth;
use crate::source::{SourceFile, Span};
use crate::types::{self, StructType, Type};

/// The rules of a namespace visible to a condition: those declared before
/// the rule being checked, in order. A rule that failed to check is kept as
/// `None`, so that a reference to it fails the referring rule without a
/// second diagnostic.
#[derive(Debug, Default)]
pub(super) struct RuleTable {
    order: Vec<(String, Option<RuleId>)>,
    by_name: HashMap<String, Option<RuleId>>,
    /// Rules some condition refers to, recorded as names are resolved (the
    /// table is shared read-only while a condition is checked), for the
    /// unused private rule warning.
    used: RefCell<HashSet<RuleId>>,
}

impl RuleTable {
    /// Records a rule; `None` for a rule that failed.
    pub(super) fn insert(&mut self, name: &str, id: Option<RuleId>) {
        self.order.push((name.to_owned(), id));
        self.by_name.insert(name.to_owned(), id);
    }

    /// Whether a condition referred to rule `id`.
    pub(super) fn is_used(&self, id: RuleId) -> bool {
        self.used.borrow().contains(&id)
    }

    fn get(&self, name: &str) -> Option<Option<RuleId>> {
        let found = self.by_name.get(name).copied();
        if let Some(Some(id)) = found {
            self.used.borrow_mut().insert(id);
        }
        found
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(|(name, _)| name.as_str())
    }

    fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = Option<RuleId>> + 'a {
        self.order.iter().filter(move |(n, _)| n.starts_with(prefix)).map(|(_, id)| {
            if let Some(id) = id {
                self.used.borrow_mut().insert(*id);
            }
            *id
        })
    }
}

/// Everything a bare name can refer to outside of loop scopes.
pub(super) struct Env<'a> {
    /// Name of the rule being checked, which must not refer to itself.
    pub current_rule: &'a str,
    /// Rules declared earlier in the namespace.
    pub rules: &'a RuleTable,
    /// Names of rules declared later in the same file, for a helpful note.
    pub later_rules: &'a std::collections::HashSet<String>,
    /// External variables.
    pub externals: &'a Externals,
    /// Modules imported by the file, with their declarations.
    pub imports: &'a HashMap<String, (ModuleId, Arc<StructType>)>,
}

/// A lowered expression with its type.
struct Typed {
    expr: Expr,
    ty: Type,
    /// For values inside a module: where, which names its functions.
    module_path: Option<ModulePath>,
}

/// Where a value sits inside a module.
#[derive(Debug, Clone)]
struct ModulePath {
    module: ModuleId,
    /// Field names from the module root joined with `.`, indexes left out:
    /// `rich_signature`, `signatures.valid_on`.
    path: String,
    /// Whether the value is (inside) an element of an array or dictionary.
    /// A function declared there is called with that element as its first
    /// argument (`pe.signatures[0].valid_on(t)` passes `pe.signatures[0]`),
    /// since the path alone does not say which element.
    in_element: bool,
}

impl ModulePath {
    fn root(module: ModuleId) -> Self {
        Self { module, path: String::new(), in_element: false }
    }

    fn field(&self, name: &str) -> Self {
        let path =
            if self.path.is_empty() { name.to_owned() } else { format!("{}.{name}", self.path) };
        Self { path, ..self.clone() }
    }

    fn element(&self) -> Self {
        Self { in_element: true, ..self.clone() }
    }

    /// `pe.signatures`, for messages.
    fn display(&self) -> String {
        let module = modules::get(self.module).name();
        if self.path.is_empty() { module.to_owned() } else { format!("{module}.{}", self.path) }
    }
}

/// A loop or `with` variable in scope.
struct ScopeVar {
    name: String,
    slot: VarId,
    ty: Type,
    module_path: Option<ModulePath>,
}

impl Typed {
    fn new(expr: Expr, ty: Type) -> Self {
        Self { expr, ty, module_path: None }
    }

    fn constant(c: Constant) -> Self {
        let ty = c.ty();
        Self::new(Expr::Const(c), ty)
    }

    fn as_const(&self) -> Option<&Constant> {
        match &self.expr {
            Expr::Const(c) => Some(c),
            _ => None,
        }
    }
}

/// Checks and lowers the condition of one rule.
pub(super) struct ExprChecker<'a> {
    env: &'a Env<'a>,
    source: &'a Arc<SourceFile>,
    diags: &'a mut Vec<Diagnostic>,
    patterns: &'a mut DeclaredPatterns,
    regexes: &'a mut RegexTable,
    /// Loop and `with` variables in scope, innermost last.
    scopes: Vec<ScopeVar>,
    /// Slots of the enclosing `for ... of` loops, innermost last.
    pattern_loops: Vec<VarId>,
    next_var: u32,
    /// Set when the condition refers to a rule that failed to check.
    refers_to_failed_rule: bool,
}

impl<'a> ExprChecker<'a> {
    pub(super) fn new(
        env: &'a Env<'a>,
        source: &'a Arc<SourceFile>,
        diags: &'a mut Vec<Diagnostic>,
        patterns: &'a mut DeclaredPatterns,
        regexes: &'a mut RegexTable,
    ) -> Self {
        Self {
            env,
            source,
            diags,
            patterns,
            regexes,
            scopes: Vec::new(),
            pattern_loops: Vec::new(),
            next_var: 0,
            refers_to_failed_rule: false,
        }
    }

    /// The lowered condition and the frame size it needs; `None` if it has
    /// errors (reported) or depends on a failed rule.
    pub(super) fn condition(mut self, condition: &ast::Expr) -> Option<(Expr, u32)> {
        let expr = self.boolean(condition);
        if self.refers_to_failed_rule {
            return None;
        }
        Some((expr?, self.next_var))
    }

    // ----- diagnostics -------------------------------------------------

    fn error(&mut self, code: &'static str, message: impl Into<String>, span: Span) {
        self.diags.push(Diagnostic::error(code, message, self.source, span));
    }

    fn wrong_type(&mut self, expected: &str, found: &Type, span: Span) {
        self.error(
            codes::TYPE_MISMATCH,
            format!("expression should be {expected}, but it is `{found}`"),
            span,
        );
    }

    fn folded(
        &mut self,
        result: Option<Result<Constant, Overflow>>,
        span: Span,
    ) -> Option<Option<Constant>> {
        match result {
            None => Some(None),
            Some(Ok(c)) => Some(Some(c)),
            Some(Err(Overflow)) => {
                self.error(
                    codes::INTEGER_OVERFLOW,
                    "integer overflow: the constant expression does not fit in 64 bits",
                    span,
                );
                None
            }
        }
    }

    // ----- typed contexts ----------------------------------------------

    /// `e` where a boolean is expected.
    fn boolean(&mut self, e: &ast::Expr) -> Option<Expr> {
        let typed = self.lower(e)?;
        self.truth_value(typed, e.span)
    }

    fn truth_value(&mut self, typed: Typed, span: Span) -> Option<Expr> {
        if let Some(c) = typed.as_const() {
            return Some(Expr::Const(Constant::Bool(fold::truthiness(c))));
        }
        if matches!(typed.ty, Type::Integer | Type::Float | Type::String) {
            let zero = if typed.ty == Type::String { "\"\"" } else { "0" };
            self.diags.push(
                Diagnostic::warning(
                    codes::NON_BOOLEAN,
                    format!("`{}` expression used as a boolean", typed.ty),
                    self.source,
                    span,
                )
                .with_note(format!("it is true when it is not {zero}; compare it to say so")),
            );
        }
        let zero = match typed.ty {
            Type::Bool => return Some(typed.expr),
            Type::Integer => Constant::Integer(0),
            Type::Float => Constant::Float(0.0),
            Type::String => Constant::String(Arc::from(&b""[..])),
            ref other => {
                self.wrong_type("`boolean`", other, span);
                return None;
            }
        };
        Some(Expr::Compare {
            op: CmpOp::Ne,
            lhs: Box::new(typed.expr),
            rhs: Box::new(Expr::Const(zero)),
        })
    }

    /// `e` where an integer is expected.
    fn integer(&mut self, e: &ast::Expr) -> Option<Expr> {
        let typed = self.lower(e)?;
        if typed.ty != Type::Integer {
            self.wrong_type("`integer`", &typed.ty, e.span);
            return None;
        }
        Some(typed.expr)
    }

    /// An integer that, when constant, must be at least `min`.
    fn integer_at_least(&mut self, e: &ast::Expr, min: i64, what: &str) -> Option<Expr> {
        let expr = self.integer(e)?;
        if let Expr::Const(Constant::Integer(i)) = expr
            && i < min
        {
            self.error(codes::INVALID_VALUE, format!("{what}, found {i}"), e.span);
            return None;
        }
        Some(expr)
    }

    fn offset(&mut self, e: &ast::Expr) -> Option<Expr> {
        self.integer_at_least(e, 0, "an offset can not be negative")
    }

    /// `(lo..hi)` with both bounds integers; constant bounds must be
    /// non-negative and in order (YARA-X rejects negative bounds in loops
    /// as well as in pattern ranges).
    fn range(&mut self, range: &ast::Range) -> Option<(Box<Expr>, Box<Expr>)> {
        let bound_rule = "a range bound can not be negative";
        let lower = self.integer_at_least(&range.lower, 0, bound_rule);
        let upper = self.integer_at_least(&range.upper, 0, bound_rule);
        let (lower, upper) = (lower?, upper?);
        if let (Expr::Const(Constant::Integer(lo)), Expr::Const(Constant::Integer(hi))) =
            (&lower, &upper)
            && lo > hi
        {
            self.error(
                codes::INVALID_VALUE,
                format!("invalid range: lower bound ({lo}) is greater than upper bound ({hi})"),
                range.span,
            );
            return None;
        }
        Some((Box::new(lower), Box::new(upper)))
    }

    fn anchor(&mut self, anchor: &ast::Anchor) -> Option<ir::Anchor> {
        match anchor {
            ast::Anchor::At(e) => Some(ir::Anchor::At(Box::new(self.offset(e)?))),
            ast::Anchor::In(range) => {
                let (lo, hi) = self.range(range)?;
                Some(ir::Anchor::In(lo, hi))
            }
        }
    }

    // ----- lowering ----------------------------------------------------

    fn lower(&mut self, e: &ast::Expr) -> Option<Typed> {
        let span = e.span;
        match &e.kind {
            ExprKind::True => Some(Typed::constant(Constant::Bool(true))),
            ExprKind::False => Some(Typed::constant(Constant::Bool(false))),
            ExprKind::Integer(i) => Some(Typed::constant(Constant::Integer(*i))),
            ExprKind::Float(f) => Some(Typed::constant(Constant::Float(*f))),
            ExprKind::String(s) => Some(Typed::constant(Constant::String(Arc::from(s.as_slice())))),
            ExprKind::Regex(regex) => {
                let id = self.regex(regex)?;
                Some(Typed::new(Expr::Regex(id), Type::Regex))
            }
            ExprKind::Filesize => Some(Typed::new(Expr::Filesize, Type::Integer)),
            ExprKind::Entrypoint => Some(Typed::new(Expr::Entrypoint, Type::Integer)),
            ExprKind::Ident(id) => self.identifier(id),
            ExprKind::Field { object, field } => self.field(object, field),
            ExprKind::Index { object, index } => self.index(object, index),
            ExprKind::Call { callee, args } => self.call(callee, args, span),
            ExprKind::ReadInt { reader, offset } => {
                let offset = self.reader_offset(reader.name(), offset, span)?;
                let expr = Expr::ReadInt { reader: int_reader(*reader), offset };
                Some(Typed::new(expr, Type::Integer))
            }
            ExprKind::ReadFloat { reader, offset } => {
                let offset = self.reader_offset(&reader.to_string(), offset, span)?;
                Some(Typed::new(Expr::ReadFloat { reader: *reader, offset }, Type::Float))
            }
            ExprKind::PatternMatch { id, anchor } => {
                let pattern = self.pattern_ref(id, '$');
                let anchor = anchor.as_ref().map(|a| self.anchor(a));
                let anchor = anchor.map_or(Some(None), |a| a.map(Some));
                Some(Typed::new(
                    Expr::PatternMatch { pattern: pattern?, anchor: anchor? },
                    Type::Bool,
                ))
            }
            ExprKind::PatternCount { id, range } => {
                let pattern = self.pattern_ref(id, '#');
                let range = range.as_ref().map(|r| self.range(r));
                let range = range.map_or(Some(None), |r| r.map(Some));
                Some(Typed::new(
                    Expr::PatternCount { pattern: pattern?, range: range? },
                    Type::Integer,
                ))
            }
            ExprKind::PatternOffset { id, index } => {
                let (pattern, index) = self.pattern_with_index(id, '@', index.as_deref());
                let expr = Expr::PatternOffset { pattern: pattern?, index: Box::new(index?) };
                Some(Typed::new(expr, Type::Integer))
            }
            ExprKind::PatternLength { id, index } => {
                let (pattern, index) = self.pattern_with_index(id, '!', index.as_deref());
                let expr = Expr::PatternLength { pattern: pattern?, index: Box::new(index?) };
                Some(Typed::new(expr, Type::Integer))
            }
            ExprKind::And(operands) | ExprKind::Or(operands) => {
                let is_and = matches!(e.kind, ExprKind::And(_));
                let lowered = every(operands.iter().map(|o| self.boolean(o)).collect())?;
                Some(Typed::new(fold_logic(is_and, lowered), Type::Bool))
            }
            ExprKind::Unary { op, operand } => self.unary(*op, operand, span),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, span),
            ExprKind::Of { quantifier, set, anchor } => self.of(quantifier, set, anchor.as_ref()),
            ExprKind::ForOf { quantifier, patterns, body } => {
                let ids = self.pattern_set(patterns);
                let quantifier = self.quantifier(quantifier, ids.as_ref().map(Vec::len));
                let var = self.new_var();
                self.pattern_loops.push(var);
                let body = self.boolean(body);
                self.pattern_loops.pop();
                let expr = Expr::ForOf {
                    quantifier: quantifier?,
                    patterns: ids?,
                    var,
                    body: Box::new(body?),
                };
                Some(Typed::new(expr, Type::Bool))
            }
            ExprKind::ForIn { quantifier, variables, iterable, body } => {
                self.for_in(quantifier, variables, iterable, body)
            }
            ExprKind::With { declarations, body } => self.with(declarations, body),
        }
    }

    fn regex(&mut self, regex: &ast::Regex) -> Option<ir::RegexId> {
        self.regexes.add(regex, self.source, self.diags)
    }

    fn new_var(&mut self) -> VarId {
        let id = VarId(self.next_var);
        self.next_var += 1;
        id
    }

    fn identifier(&mut self, id: &Ident) -> Option<Typed> {
        let name = id.name.as_str();
        if let Some(var) = self.scopes.iter().rev().find(|v| v.name == name) {
            return Some(Typed {
                expr: Expr::Var(var.slot),
                ty: var.ty.clone(),
                module_path: var.module_path.clone(),
            });
        }
        if let Some(rule) = self.env.rules.get(name) {
            let Some(rule) = rule else {
                self.refers_to_failed_rule = true;
                return None;
            };
            return Some(Typed::new(Expr::Rule(rule), Type::Bool));
        }
        if let Some((ext, ty)) = self.env.externals.get(name) {
            return Some(Typed::new(Expr::External(ext), ty));
        }
        if let Some((module, decl)) = self.env.imports.get(name) {
            return Some(Typed {
                expr: Expr::Module(*module),
                ty: Type::Struct(Arc::clone(decl)),
                module_path: Some(ModulePath::root(*module)),
            });
        }
        // Last, so that a `--define` of the same name wins.
        if let Some(var) = FileVar::from_name(name) {
            return Some(Typed::new(Expr::FileVar(var), Type::String));
        }
        self.unknown_name(id);
        None
    }

    /// Reports a name that resolves to nothing, with the likeliest cause
    /// and the known name closest to it.
    fn unknown_name(&mut self, id: &Ident) {
        let name = &id.name;
        let mut known: Vec<&str> = self
            .scopes
            .iter()
            .map(|v| v.name.as_str())
            .chain(self.env.rules.names())
            .chain(self.env.externals.names())
            .chain(FileVar::ALL.map(FileVar::name))
            .chain(self.env.imports.keys().map(String::as_str))
            .collect();
        for module in modules::names() {
            known.push(module);
        }
        let hint = suggest::hint(name, known, "");
        let diagnostic = if *name == self.env.current_rule {
            Diagnostic::error(
                codes::RULE_CYCLE,
                format!("rule `{name}` refers to itself"),
                self.source,
                id.span,
            )
        } else if modules::find(name).is_some() {
            Diagnostic::error(
                codes::MODULE_NOT_IMPORTED,
                format!("module `{name}` is used without `import \"{name}\"`"),
                self.source,
                id.span,
            )
        } else if self.env.later_rules.contains(name) {
            Diagnostic::error(
                codes::UNKNOWN_IDENTIFIER,
                format!("unknown identifier `{name}`"),
                self.source,
                id.span,
            )
            .with_note(format!(
                "rule `{name}` is declared later; a rule can only use rules declared before it"
            ))
        } else {
            Diagnostic::error(
                codes::UNDEFINED_EXTERNAL,
                format!("unknown identifier `{name}`: not a rule, module, variable or external"),
                self.source,
                id.span,
            )
            .with_note(format!(
                "if `{name}` is an external variable, define it: --define {name}=VALUE"
            ))
        };
        // A rule or module named exactly needs no spelling hint (`math`
        // is not a misspelt `macho`).
        let exact = *name == self.env.current_rule || modules::find(name).is_some();
        let diagnostic =
            if hint.is_empty() || exact { diagnostic } else { diagnostic.with_note(hint) };
        self.diags.push(diagnostic);
    }

    fn field(&mut self, object: &ast::Expr, field: &Ident) -> Option<Typed> {
        let object_typed = self.lower(object)?;
        let Type::Struct(structure) = &object_typed.ty else {
            self.wrong_type("`struct`", &object_typed.ty, object.span);
            return None;
        };
        let Some(index) = structure.field_index(&field.name) else {
            let owner = object_typed
                .module_path
                .map(|p| format!(" in `{}`", p.display()))
                .unwrap_or_default();
            let hint = suggest::hint(&field.name, structure.fields.iter().map(|f| f.name), "");
            let mut d = Diagnostic::error(
                codes::UNKNOWN_FIELD,
                format!("unknown field or function `{}`{owner}", field.name),
                self.source,
                field.span,
            );
            if !hint.is_empty() {
                d = d.with_note(hint);
            }
            self.diags.push(d);
            return None;
        };
        let declared = &structure.fields[index];
        if let Some(constant) = &declared.constant {
            return Some(Typed::constant(module_constant(constant)));
        }
        let ty = declared.ty.clone();
        let module_path = object_typed.module_path.map(|p| p.field(&field.name));
        let expr = Expr::Field { object: Box::new(object_typed.expr), index };
        Some(Typed { expr, ty, module_path })
    }

    fn index(&mut self, object: &ast::Expr, index: &ast::Expr) -> Option<Typed> {
        let object_typed = self.lower(object);
        let index_typed = self.lower(index);
        let (object_typed, index_typed) = (object_typed?, index_typed?);
        match &object_typed.ty {
            Type::Array(element) => {
                if index_typed.ty != Type::Integer {
                    self.wrong_type("`integer`", &index_typed.ty, index.span);
                    return None;
                }
                let expr = Expr::ArrayIndex {
                    array: Box::new(object_typed.expr),
                    index: Box::new(index_typed.expr),
                };
                let module_path = object_typed.module_path.map(|p| p.element());
                Some(Typed { expr, ty: (**element).clone(), module_path })
            }
            Type::Dict(value) => {
                if index_typed.ty != Type::String {
                    self.wrong_type("`string`", &index_typed.ty, index.span);
                    return None;
                }
                let expr = Expr::DictLookup {
                    dict: Box::new(object_typed.expr),
                    key: Box::new(index_typed.expr),
                };
                let module_path = object_typed.module_path.map(|p| p.element());
                Some(Typed { expr, ty: (**value).clone(), module_path })
            }
            other => {
                self.wrong_type("`array` or `dictionary`", other, object.span);
                None
            }
        }
    }

    fn call(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> Option<Typed> {
        let callee_typed = self.lower(callee);
        let args_typed = every(args.iter().map(|a| self.lower(a)).collect());
        let (callee_typed, args_typed) = (callee_typed?, args_typed?);
        let Type::Function(function) = &callee_typed.ty else {
            self.wrong_type("`function`", &callee_typed.ty, callee.span);
            return None;
        };
        let Some(location) = callee_typed.module_path else {
            self.wrong_type("a module function", &callee_typed.ty, callee.span);
            return None;
        };
        let arg_types: Vec<Type> = args_typed.iter().map(|a| a.ty.clone()).collect();
        let shown = location.display();
        let ModulePath { module, path, in_element } = location;
        let args_span = Span { start: callee.span.end, end: span.end };
        let Some((overload, signature)) = function.resolve(&arg_types) else {
            let expected: Vec<String> =
                function.overloads.iter().map(|s| format!("({})", type_list(&s.params))).collect();
            self.diags.push(
                Diagnostic::error(
                    codes::WRONG_ARGUMENTS,
                    format!("wrong arguments for `{shown}`: found ({})", type_list(&arg_types)),
                    self.source,
                    args_span,
                )
                .with_note(format!("`{shown}` accepts {}", expected.join(" or "))),
            );
            return None;
        };
        let function = FunctionRef::resolve(module, &path, overload)?;
        let result = signature.result.clone();
        let mut args: Vec<Expr> = args_typed.into_iter().map(|a| a.expr).collect();
        if in_element {
            let Expr::Field { object, .. } = callee_typed.expr else {
                self.wrong_type("a module function", &callee_typed.ty, callee.span);
                return None;
            };
            args.insert(0, *object);
        }
        Some(Typed::new(Expr::Call { module, function, args }, result))
    }

    /// The offset argument of the reader `name` (`uint32`, `float64be`) in
    /// the call at `span`, which must be an integer.
    fn reader_offset(&mut self, name: &str, offset: &ast::Expr, span: Span) -> Option<Box<Expr>> {
        let offset = self.lower(offset)?;
        if offset.ty != Type::Integer {
            let args = Span { start: span.start + name.len() as u32, end: span.end };
            let message = format!("`{name}` takes an integer offset, not `{}`", offset.ty);
            self.error(codes::WRONG_ARGUMENTS, message, args);
            return None;
        }
        Some(Box::new(offset.expr))
    }
}

/// `Some` of every item when all are `Some`; evaluated eagerly by callers
/// so that each item reports its own errors.
fn every<T>(items: Vec<Option<T>>) -> Option<Vec<T>> {
    items.into_iter().collect()
}

/// `and`/`or` over lowered operands, folding constant operands away.
///
/// A single operand left over stays wrapped: `and`/`or` turn an undefined
/// operand into false, so `x and true` is not `x` when `x` may be undefined
/// (`not (uint8(100) == 1 and true)` holds on a short file).
fn fold_logic(is_and: bool, operands: Vec<Expr>) -> Expr {
    // For `and`, a constant false decides; a constant true can be dropped.
    let decisive = !is_and;
    let mut kept = Vec::with_capacity(operands.len());
    for operand in operands {
        match operand {
            Expr::Const(Constant::Bool(b)) if b == decisive => {
                return Expr::Const(Constant::Bool(b));
            }
            Expr::Const(Constant::Bool(_)) => {}
            other => kept.push(other),
        }
    }
    match kept.len() {
        0 => Expr::Const(Constant::Bool(is_and)),
        _ if is_and => Expr::And(kept),
        _ => Expr::Or(kept),
    }
}

fn module_constant(c: &types::Constant) -> Constant {
    match c {
        types::Constant::Integer(i) => Constant::Integer(*i),
        types::Constant::Float(f) => Constant::Float(*f),
        types::Constant::String(s) => Constant::String(Arc::from(s.as_bytes())),
    }
}

/// The reader the IR uses for the one the parser read.
fn int_reader(reader: ast::IntReader) -> ir::IntReader {
    let width = match reader.width() {
        1 => IntWidth::Byte,
        2 => IntWidth::Half,
        _ => IntWidth::Word,
    };
    ir::IntReader { width, signed: reader.is_signed(), big_endian: reader.is_big_endian() }
}

fn type_list(types: &[Type]) -> String {
    types.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
