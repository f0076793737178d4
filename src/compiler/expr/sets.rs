//! Patterns, sets and scopes: `$a` and its kin, `them` and wildcards,
//! quantifiers, `of`, the `for` loops and `with`.

use super::{ExprChecker, ModulePath, ScopeVar, Typed, every};
use crate::compiler::ir::{self, Constant, Expr, PatternRef, RuleId};
use crate::diagnostics::{Diagnostic, Fix, codes, suggest};
use crate::parser::ast::{self, Ident};
use crate::source::Span;
use crate::types::Type;

impl ExprChecker<'_> {
    /// The pattern named by `$a`/`#a`/`@a`/`!a`, or the current pattern of
    /// the innermost `for ... of` loop for a bare sigil.
    pub(super) fn pattern_ref(&mut self, id: &Ident, sigil: char) -> Option<PatternRef> {
        if id.name.is_empty() {
            if let Some(var) = self.pattern_loops.last() {
                return Some(PatternRef::Var(*var));
            }
            self.error(
                codes::ANONYMOUS_OUTSIDE_LOOP,
                format!("`{sigil}` without a name can only be used inside a `for ... of` loop"),
                id.span,
            );
            return None;
        }
        if let Some(index) = self.patterns.find(&id.name) {
            self.patterns.used[index] = true;
            return Some(PatternRef::Id(self.patterns.id(index)));
        }
        let hint = suggest::hint(
            &id.name,
            self.patterns.names.iter().map(String::as_str),
            &sigil.to_string(),
        );
        let mut d = Diagnostic::error(
            codes::UNDEFINED_PATTERN,
            format!("unknown pattern `{sigil}{}`: the rule declares no `${}`", id.name, id.name),
            self.source,
            id.span,
        );
        if !hint.is_empty() {
            d = d.with_note(hint);
        }
        self.diags.push(d);
        None
    }

    pub(super) fn pattern_with_index(
        &mut self,
        id: &Ident,
        sigil: char,
        index: Option<&ast::Expr>,
    ) -> (Option<PatternRef>, Option<Expr>) {
        let pattern = self.pattern_ref(id, sigil);
        let index = match index {
            Some(e) => self.integer_at_least(e, 1, "match indexes start at 1"),
            None => Some(Expr::Const(Constant::Integer(1))),
        };
        (pattern, index)
    }

    /// The patterns of `them` or `($a, $b*)`, marking them used.
    pub(super) fn pattern_set(&mut self, set: &ast::PatternSet) -> Option<Vec<ir::PatternId>> {
        match set {
            ast::PatternSet::Them(span) => {
                if self.patterns.names.is_empty() {
                    self.error(
                        codes::UNDEFINED_PATTERN,
                        "`them` refers to no pattern: the rule has no `strings:` section",
                        *span,
                    );
                    return None;
                }
                self.patterns.used.fill(true);
                Some((0..self.patterns.names.len()).map(|i| self.patterns.id(i)).collect())
            }
            ast::PatternSet::List(names) => {
                let mut ids = Vec::new();
                let mut ok = true;
                for name in names {
                    let matching: Vec<usize> = (0..self.patterns.names.len())
                        .filter(|&i| {
                            let declared = &self.patterns.names[i];
                            if name.wildcard {
                                declared.starts_with(&name.name)
                            } else {
                                !declared.is_empty() && *declared == name.name
                            }
                        })
                        .collect();
                    if matching.is_empty() {
                        let star = if name.wildcard { "*" } else { "" };
                        self.error(
                            codes::UNDEFINED_PATTERN,
                            format!("`${}{star}` matches no pattern of the rule", name.name),
                            name.span,
                        );
                        ok = false;
                    }
                    if name.wildcard {
                        self.unintended_members(name, &matching);
                    }
                    for i in matching {
                        self.patterns.used[i] = true;
                        let id = self.patterns.id(i);
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                }
                ok.then_some(ids)
            }
        }
    }

    /// W008: in `$s*` over `$s1`, `$s2`, `$str`, the last one is probably
    /// caught by accident: the others are the prefix and a number.
    fn unintended_members(&mut self, set: &ast::NameRef, members: &[usize]) {
        let suffix = |i: usize| &self.patterns.names[i][set.name.len()..];
        let numbered = |s: &str| s.trim_start_matches('_').bytes().all(|b| b.is_ascii_digit());
        let numbered_count = members.iter().filter(|&&i| numbered(suffix(i))).count();
        if numbered_count < 2 {
            return;
        }
        let odd: Vec<String> = members
            .iter()
            .filter(|&&i| !numbered(suffix(i)))
            .map(|&i| format!("${}", self.patterns.names[i]))
            .collect();
        for name in odd {
            self.diags.push(
                Diagnostic::warning(
                    codes::UNINTENDED_SET_MEMBER,
                    format!(
                        "`${}*` also takes `{name}`, while its other members are `${}` and a number",
                        set.name, set.name
                    ),
                    self.source,
                    set.span,
                )
                .with_note("list the patterns meant, or rename the pattern"),
            );
        }
    }

    // ----- quantified expressions --------------------------------------

    pub(super) fn quantifier(
        &mut self,
        q: &ast::Quantifier,
        set_size: Option<usize>,
    ) -> Option<ir::Quantifier> {
        match q {
            ast::Quantifier::All => Some(ir::Quantifier::All),
            ast::Quantifier::Any => Some(ir::Quantifier::Any),
            ast::Quantifier::None => Some(ir::Quantifier::None),
            ast::Quantifier::Count(e) => {
                let count = self.integer_at_least(e, 0, "a count can not be negative")?;
                if matches!(e.kind, ast::ExprKind::Integer(0)) {
                    self.diags.push(
                        Diagnostic::warning(
                            codes::AMBIGUOUS_EXPRESSION,
                            "`0 of` is ambiguous: it reads as \"none\" but looks like a count",
                            self.source,
                            e.span,
                        )
                        .with_fix(Fix::replace(
                            "write `none`",
                            e.span,
                            "none",
                        )),
                    );
                }
                if let (Expr::Const(Constant::Integer(n)), Some(size)) = (&count, set_size)
                    && usize::try_from(*n).is_ok_and(|n| n > size)
                {
                    self.diags.push(Diagnostic::warning(
                        codes::CONSTANT_CONDITION,
                        format!("`{n} of` a set of {size} is always false"),
                        self.source,
                        e.span,
                    ));
                }
                Some(ir::Quantifier::Count(Box::new(count)))
            }
            ast::Quantifier::Percent(e) => {
                let percent = self.integer(e)?;
                if let Expr::Const(Constant::Integer(p)) = percent
                    && !(0..=100).contains(&p)
                {
                    self.error(
                        codes::INVALID_VALUE,
                        format!("a percentage must be between 0 and 100, found {p}"),
                        e.span,
                    );
                    return None;
                }
                Some(ir::Quantifier::Percent(Box::new(percent)))
            }
        }
    }

    pub(super) fn of(
        &mut self,
        q: &ast::Quantifier,
        set: &ast::OfSet,
        anchor: Option<&ast::Anchor>,
    ) -> Option<Typed> {
        let (items, size) = match set {
            ast::OfSet::Patterns(patterns) => {
                let ids = self.pattern_set(patterns);
                let size = ids.as_ref().map(Vec::len);
                (ids.map(ir::OfItems::Patterns), size)
            }
            ast::OfSet::Rules(names) => {
                let ids = self.rule_set(names);
                let size = ids.as_ref().map(Vec::len);
                (ids.map(ir::OfItems::Rules), size)
            }
            ast::OfSet::Exprs(exprs) => {
                let lowered = every(exprs.iter().map(|e| self.boolean(e)).collect());
                (lowered.map(ir::OfItems::Exprs), Some(exprs.len()))
            }
        };
        let quantifier = self.quantifier(q, size);
        let anchor = match (anchor, set) {
            (None, _) => Some(None),
            (Some(a), ast::OfSet::Patterns(_)) => self.anchor(a).map(Some),
            (Some(a), _) => {
                let span = match a {
                    ast::Anchor::At(e) => e.span,
                    ast::Anchor::In(r) => r.span,
                };
                self.error(
                    codes::TYPE_MISMATCH,
                    "`at` and `in` only apply to sets of patterns",
                    span,
                );
                None
            }
        };
        let expr = Expr::Of { quantifier: quantifier?, items: items?, anchor: anchor? };
        Some(Typed::new(expr, Type::Bool))
    }

    pub(super) fn rule_set(&mut self, names: &[ast::NameRef]) -> Option<Vec<RuleId>> {
        let mut ids = Vec::new();
        let mut ok = true;
        for name in names {
            let found: Vec<Option<RuleId>> = if name.wildcard {
                self.env.rules.with_prefix(&name.name).collect()
            } else {
                self.env.rules.get(&name.name).into_iter().collect()
            };
            if found.is_empty() && !name.wildcard && name.name == self.env.current_rule {
                self.error(
                    codes::RULE_CYCLE,
                    format!("rule `{}` refers to itself", name.name),
                    name.span,
                );
                ok = false;
            } else if found.is_empty() {
                let star = if name.wildcard { "*" } else { "" };
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_IDENTIFIER,
                    format!("`{}{star}` matches no rule declared before this one", name.name),
                    self.source,
                    name.span,
                );
                if !name.wildcard && self.env.later_rules.contains(&name.name) {
                    d = d.with_note("a rule can only use rules declared before it");
                }
                self.diags.push(d);
                ok = false;
            }
            for id in found {
                match id {
                    Some(id) if !ids.contains(&id) => ids.push(id),
                    Some(_) => {}
                    None => self.refers_to_failed_rule = true,
                }
            }
        }
        ok.then_some(ids)
    }

    pub(super) fn for_in(
        &mut self,
        q: &ast::Quantifier,
        variables: &[Ident],
        iterable: &ast::Iterable,
        body: &ast::Expr,
    ) -> Option<Typed> {
        let LoopSource { iterable, values: var_types, what, size } =
            self.iterable(iterable, body.span)?;
        let vars_span = variables.first().map_or(body.span, |first| {
            first.span.to(variables.last().map_or(first.span, |l| l.span))
        });
        if variables.len() != var_types.len() {
            self.error(
                codes::LOOP_VARIABLES,
                format!(
                    "{what} gives {} value(s) per iteration, but the loop declares {} variable(s)",
                    var_types.len(),
                    variables.len()
                ),
                vars_span,
            );
            return None;
        }
        for (i, var) in variables.iter().enumerate() {
            if variables[..i].iter().any(|v| v.name == var.name) {
                self.error(
                    codes::DUPLICATE_IDENTIFIER,
                    format!("loop variable `{}` is declared twice", var.name),
                    var.span,
                );
                return None;
            }
        }
        let quantifier = self.quantifier(q, size);
        let scope_len = self.scopes.len();
        let mut vars = Vec::with_capacity(variables.len());
        for (var, (ty, module_path)) in variables.iter().zip(var_types) {
            let slot = self.new_var();
            vars.push(slot);
            self.scopes.push(ScopeVar { name: var.name.clone(), slot, ty, module_path });
        }
        let body = self.boolean(body);
        self.scopes.truncate(scope_len);
        let expr = Expr::ForIn { quantifier: quantifier?, vars, iterable, body: Box::new(body?) };
        Some(Typed::new(expr, Type::Bool))
    }

    /// What a `for ... in` loop iterates over, lowered.
    pub(super) fn iterable(
        &mut self,
        iterable: &ast::Iterable,
        body_span: Span,
    ) -> Option<LoopSource> {
        match iterable {
            ast::Iterable::Range(range) => {
                if grows_with_the_file(&range.upper) {
                    self.diags.push(
                        Diagnostic::warning(
                            codes::SLOW_LOOP,
                            "loop over a range that grows with the file: slow on large files",
                            self.source,
                            range.span,
                        )
                        .with_note("bound the range, or search for a pattern instead of looping"),
                    );
                }
                let (lo, hi) = self.range(range)?;
                let size = match (&*lo, &*hi) {
                    (Expr::Const(Constant::Integer(a)), Expr::Const(Constant::Integer(b))) => {
                        usize::try_from(b.abs_diff(*a)).ok().and_then(|n| n.checked_add(1))
                    }
                    _ => None,
                };
                Some(LoopSource {
                    iterable: ir::Iterable::Range(lo, hi),
                    values: vec![(Type::Integer, None)],
                    what: "a range",
                    size,
                })
            }
            ast::Iterable::List(items) => {
                let lowered = every(items.iter().map(|i| self.lower(i)).collect())?;
                let Some(first_ty) = lowered.first().map(|t| t.ty.clone()) else {
                    self.error(codes::INVALID_VALUE, "a loop needs at least one value", body_span);
                    return None;
                };
                if !matches!(first_ty, Type::Integer | Type::Float | Type::String) {
                    self.wrong_type("`float`, `integer` or `string`", &first_ty, items[0].span);
                    return None;
                }
                if let Some((item, t)) = items.iter().zip(&lowered).find(|(_, t)| t.ty != first_ty)
                {
                    self.error(
                        codes::TYPE_MISMATCH,
                        format!(
                            "mismatching types: the list starts with `{first_ty}`, this is `{}`",
                            t.ty
                        ),
                        item.span,
                    );
                    return None;
                }
                let size = lowered.len();
                let list = ir::Iterable::List(lowered.into_iter().map(|t| t.expr).collect());
                Some(LoopSource {
                    iterable: list,
                    values: vec![(first_ty, None)],
                    what: "a list",
                    size: Some(size),
                })
            }
            ast::Iterable::Expr(e) => {
                let typed = self.lower(e)?;
                let element_path = typed.module_path.as_ref().map(ModulePath::element);
                match typed.ty {
                    Type::Array(element) => Some(LoopSource {
                        iterable: ir::Iterable::Array(Box::new(typed.expr)),
                        values: vec![((*element).clone(), element_path)],
                        what: "an array",
                        size: None,
                    }),
                    Type::Dict(value) => Some(LoopSource {
                        iterable: ir::Iterable::Dict(Box::new(typed.expr)),
                        values: vec![(Type::String, None), ((*value).clone(), element_path)],
                        what: "a dictionary",
                        size: None,
                    }),
                    other => {
                        self.wrong_type("`array` or `dictionary`", &other, e.span);
                        None
                    }
                }
            }
        }
    }

    pub(super) fn with(
        &mut self,
        declarations: &[(Ident, ast::Expr)],
        body: &ast::Expr,
    ) -> Option<Typed> {
        let scope_len = self.scopes.len();
        let mut bindings = Vec::with_capacity(declarations.len());
        let mut ok = true;
        for (name, value) in declarations {
            let slot = self.new_var();
            match self.lower(value) {
                Some(typed) => {
                    bindings.push((slot, typed.expr));
                    self.scopes.push(ScopeVar {
                        name: name.name.clone(),
                        slot,
                        ty: typed.ty,
                        module_path: typed.module_path,
                    });
                }
                None => ok = false,
            }
        }
        // The body is checked only when every declaration is, so that a bad
        // declaration does not also show up as unknown names in the body.
        let body = if ok { self.boolean(body) } else { None };
        self.scopes.truncate(scope_len);
        Some(Typed::new(Expr::With { bindings, body: Box::new(body?) }, Type::Bool))
    }
}

/// What a `for ... in` loop iterates over.
pub(super) struct LoopSource {
    iterable: ir::Iterable,
    /// Type and module location of each value an iteration binds.
    values: Vec<(Type, Option<ModulePath>)>,
    /// A name for messages: `a range`, `an array`.
    what: &'static str,
    /// Number of iterations, when known at compile time.
    size: Option<usize>,
}

/// Whether `e` is `filesize` or arithmetic on it: a loop bound that makes
/// the loop as long as the input.
fn grows_with_the_file(e: &ast::Expr) -> bool {
    match &e.kind {
        ast::ExprKind::Filesize => true,
        ast::ExprKind::Binary {
            op: ast::BinaryOp::Add | ast::BinaryOp::Sub | ast::BinaryOp::Mul,
            lhs,
            rhs,
        } => grows_with_the_file(lhs) || grows_with_the_file(rhs),
        _ => false,
    }
}
