//! The last stage of a build: how the scan will find each pattern and
//! which rules it may skip, and the [`Rules`] put together from it.
//!
//! - a pattern whose only uses are `$a at <constant>` or `... of (...,
//!   $a, ...) at <constant>`, with one and the same constant, is
//!   *anchored*: it joins a matcher that is only asked for a match at that
//!   offset, never searched;
//! - every other pattern joins the matcher of the one search pass;
//! - for each rule: the global rules of its namespace, the patterns of
//!   which one must match ([`rule_requirements`]) and the cheap tests on
//!   the input ([`rule_guards`]).
//!
//! The patterns arrive compiled (each was compiled while its rule was
//! checked), so assembling the matchers only indexes their atoms.

use std::collections::HashMap;
use std::sync::Arc;

use regex_automata::meta;

use super::ir::{
    Anchor, Constant, Expr, Iterable, Modifiers, OfItems, PatternId, PatternRef, PatternValue,
    Program, Quantifier, Rule, RuleId,
};
use super::requirements::{Requirement, rule_guards, rule_requirements};
use crate::diagnostics::{Diagnostic, codes};
use crate::matcher::{CompiledPattern, Matcher, MatcherLimits};
use crate::rules::{PatternPlan, Rules, ScanPlan};

/// What learning whether a searched pattern matched costs the scanner
/// when it decides which rules to evaluate: a look at the search results.
const SEARCHED_PATTERN_COST: u64 = 1;

/// What learning whether a searched pattern without atoms matched costs:
/// a search of the whole input by its own regex, which the search skips
/// when the rule is ruled out by its other patterns (see
/// [`crate::matcher::Wanted::still_wanted`]), so a requirement of other
/// patterns is preferred.
const SLOW_PATTERN_COST: u64 = 1 << 20;

/// What learning whether an anchored pattern matched would cost: a match
/// attempt of its own (for a regular expression, a lazy DFA built for
/// it), which is better left to the condition, whose other operands may
/// make it unnecessary. A set with an anchored pattern is never checked
/// ahead (see [`required_slots`]).
const ANCHORED_PATTERN_COST: u64 = u64::MAX;

/// The rules of a checked `program`, whose patterns are `compiled` (by
/// [`PatternId`]) and whose condition regexes are `regexes` (by
/// `RegexId`).
///
/// # Errors
/// A global diagnostic when the atoms of all patterns together are over
/// the search index's own size limits.
pub(super) fn build_rules(
    program: Program,
    compiled: Vec<CompiledPattern>,
    regexes: Vec<Arc<meta::Regex>>,
    limits: &MatcherLimits,
) -> Result<Rules, Diagnostic> {
    let plans = pattern_plans(&program);
    let (mut searched, mut anchored) = (Vec::new(), Vec::new());
    for (pattern, plan) in compiled.into_iter().zip(&plans) {
        match *plan {
            // A pattern identical to an earlier one is searched in its slot.
            PatternPlan::Searched { slot } if slot < searched.len() => {}
            PatternPlan::Searched { .. } => searched.push(pattern),
            PatternPlan::Anchored { .. } => anchored.push(pattern),
        }
    }
    let too_large = |error: crate::matcher::PatternError| {
        Diagnostic::global(
            codes::RULESET_TOO_LARGE,
            format!("the patterns of the rule set do not fit one search index: {error}"),
        )
    };
    let searched = Matcher::assemble(searched, limits).map_err(too_large)?;
    let anchored = Matcher::assemble(anchored, limits).map_err(too_large)?;
    let plan = ScanPlan {
        indicators: crate::attribution::indicators::IndicatorSet::recognize(&program),
        globals: globals_by_rule(&program.rules),
        required: required_slots(&program, &plans, &searched),
        guards: rule_guards(&program),
        plans,
        owners: Default::default(),
        triage: Default::default(),
    };
    Ok(Rules::from_parts(program, regexes, searched, anchored, plan))
}

/// For each rule, the search slots of the patterns its condition requires
/// (see [`rule_requirements`]). A requirement with an anchored pattern is
/// dropped: the scanner reads the search results to rule a condition out,
/// and leaves match attempts at one offset to the condition itself.
fn required_slots(
    program: &Program,
    plans: &[PatternPlan],
    searched: &Matcher,
) -> Vec<Option<Box<[u32]>>> {
    let slow = searched.slow_patterns();
    let cost = |p: PatternId| match plans[p.0 as usize] {
        PatternPlan::Searched { slot } if slow.binary_search(&slot).is_ok() => SLOW_PATTERN_COST,
        PatternPlan::Searched { .. } => SEARCHED_PATTERN_COST,
        PatternPlan::Anchored { .. } => ANCHORED_PATTERN_COST,
    };
    let slot = |p: &PatternId| match plans[p.0 as usize] {
        PatternPlan::Searched { slot } => u32::try_from(slot).ok(),
        PatternPlan::Anchored { .. } => None,
    };
    rule_requirements(program, &cost)
        .into_iter()
        .map(|requirement| match requirement {
            Requirement::None => None,
            Requirement::AnyMatch(patterns) => patterns.iter().map(slot).collect(),
        })
        .collect()
}

/// For each rule, the global rules of its namespace other than itself.
fn globals_by_rule(rules: &[Rule]) -> Vec<Vec<RuleId>> {
    let mut by_namespace: HashMap<&str, Vec<RuleId>> = HashMap::new();
    for (index, rule) in rules.iter().enumerate() {
        if let (true, Ok(index)) = (rule.is_global, u32::try_from(index)) {
            by_namespace.entry(&rule.namespace).or_default().push(RuleId(index));
        }
    }
    rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            by_namespace.get(rule.namespace.as_str()).map_or_else(Vec::new, |globals| {
                globals.iter().copied().filter(|g| g.0 as usize != index).collect()
            })
        })
        .collect()
}

/// How each pattern of `program` is to be found: anchored when every use
/// of it is `$a at k` or an `of` at `k` (`any of ($a, $b) at k`), with one
/// and the same non-negative constant `k`.
fn pattern_plans(program: &Program) -> Vec<PatternPlan> {
    /// What the uses of one pattern allow so far.
    #[derive(Clone, Copy)]
    enum Uses {
        None,
        At(usize),
        Other,
    }
    let mut uses = vec![Uses::None; program.patterns.len()];
    let mut note = |pattern: PatternId, at: Option<usize>| {
        if let Some(slot) = uses.get_mut(pattern.0 as usize) {
            *slot = match (*slot, at) {
                (Uses::None, Some(k)) => Uses::At(k),
                (Uses::At(j), Some(k)) if j == k => Uses::At(k),
                _ => Uses::Other,
            };
        }
    };
    for rule in &program.rules {
        walk(&rule.condition, &mut |expr| match expr {
            Expr::PatternMatch { pattern: PatternRef::Id(p), anchor } => {
                note(*p, constant_offset(anchor.as_ref()));
            }
            Expr::PatternCount { pattern: PatternRef::Id(p), .. }
            | Expr::PatternOffset { pattern: PatternRef::Id(p), .. }
            | Expr::PatternLength { pattern: PatternRef::Id(p), .. } => note(*p, None),
            Expr::Of { items: OfItems::Patterns(ps), anchor, .. } => {
                let at = constant_offset(anchor.as_ref());
                for p in ps {
                    note(*p, at);
                }
            }
            Expr::ForOf { patterns: ps, .. } => {
                for p in ps {
                    note(*p, None);
                }
            }
            _ => {}
        });
    }
    let mut anchored = 0;
    // Identical searched patterns share a slot (see `rules/slots.rs`).
    let mut searched: HashMap<(&PatternValue, &Modifiers), usize> = HashMap::new();
    let mut valueless = 0;
    uses.into_iter()
        .zip(&program.patterns)
        .map(|(u, pattern)| match u {
            Uses::At(offset) => {
                anchored += 1;
                PatternPlan::Anchored { offset, slot: anchored - 1 }
            }
            Uses::None | Uses::Other => {
                let slots = searched.len() + valueless;
                let slot = match &pattern.value {
                    Some(value) => *searched.entry((value, &pattern.modifiers)).or_insert(slots),
                    None => {
                        valueless += 1;
                        slots
                    }
                };
                PatternPlan::Searched { slot }
            }
        })
        .collect()
}

fn constant_offset(anchor: Option<&Anchor>) -> Option<usize> {
    match anchor {
        Some(Anchor::At(offset)) => match offset.as_ref() {
            Expr::Const(Constant::Integer(k)) => usize::try_from(*k).ok(),
            _ => None,
        },
        _ => None,
    }
}

/// Calls `f` on `expr` and on every expression inside it.
fn walk(expr: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(expr);
    let mut each = |e: &Expr| walk(e, f);
    match expr {
        Expr::Const(_)
        | Expr::Filesize
        | Expr::Entrypoint
        | Expr::External(_)
        | Expr::FileVar(_)
        | Expr::Var(_)
        | Expr::Rule(_)
        | Expr::Module(_)
        | Expr::Regex(_) => {}
        Expr::Field { object: e, .. }
        | Expr::Not(e)
        | Expr::Defined(e)
        | Expr::Neg(e)
        | Expr::BitNot(e)
        | Expr::Matches { subject: e, .. }
        | Expr::ReadInt { offset: e, .. }
        | Expr::ReadFloat { offset: e, .. }
        | Expr::PatternOffset { index: e, .. }
        | Expr::PatternLength { index: e, .. } => each(e),
        Expr::ArrayIndex { array: a, index: b }
        | Expr::DictLookup { dict: a, key: b }
        | Expr::Arith { lhs: a, rhs: b, .. }
        | Expr::Bitwise { lhs: a, rhs: b, .. }
        | Expr::Compare { lhs: a, rhs: b, .. }
        | Expr::StrOp { lhs: a, rhs: b, .. } => {
            each(a);
            each(b);
        }
        Expr::Call { args: list, .. } | Expr::And(list) | Expr::Or(list) => {
            list.iter().for_each(each);
        }
        Expr::PatternMatch { anchor, .. } => walk_anchor(anchor.as_ref(), &mut each),
        Expr::PatternCount { range, .. } => {
            if let Some((lo, hi)) = range {
                each(lo);
                each(hi);
            }
        }
        Expr::Of { quantifier, items, anchor } => {
            walk_quantifier(quantifier, &mut each);
            if let OfItems::Exprs(list) = items {
                list.iter().for_each(&mut each);
            }
            walk_anchor(anchor.as_ref(), &mut each);
        }
        Expr::ForOf { quantifier, body, .. } => {
            walk_quantifier(quantifier, &mut each);
            each(body);
        }
        Expr::ForIn { quantifier, iterable, body, .. } => {
            walk_quantifier(quantifier, &mut each);
            match iterable {
                Iterable::Range(lo, hi) => {
                    each(lo);
                    each(hi);
                }
                Iterable::List(list) => list.iter().for_each(&mut each),
                Iterable::Array(e) | Iterable::Dict(e) => each(e),
            }
            each(body);
        }
        Expr::With { bindings, body } => {
            bindings.iter().for_each(|(_, e)| each(e));
            each(body);
        }
    }
}

fn walk_anchor(anchor: Option<&Anchor>, each: &mut dyn FnMut(&Expr)) {
    match anchor {
        Some(Anchor::At(e)) => each(e),
        Some(Anchor::In(lo, hi)) => {
            each(lo);
            each(hi);
        }
        None => {}
    }
}

fn walk_quantifier(quantifier: &Quantifier, each: &mut dyn FnMut(&Expr)) {
    if let Quantifier::Count(e) | Quantifier::Percent(e) = quantifier {
        each(e);
    }
}
