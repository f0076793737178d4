//! Compiled rules: everything a scan needs, built once and shared.
//!
//! [`Rules`] is immutable and `Send + Sync`: build it once, then give each
//! scanning thread its own [`crate::Scanner`] borrowing it. Besides the
//! checked [`Program`] it holds what the program implies for scanning:
//!
//! - the pattern [`Matcher`] (one multi-pattern pass per input) over the
//!   searched patterns, and a second one over the anchored patterns, which
//!   is only ever asked for a match at one offset;
//! - the compiled regular expressions of `matches` and function arguments;
//! - a plan per pattern: a pattern whose only uses are `$a at <constant>`
//!   or `... of (..., $a, ...) at <constant>`, with one and the same
//!   constant, is *anchored* and never searched; the scanner checks it at
//!   that one offset instead (what YARA-X does, and also what YARA-X
//!   reports for it: the single anchored match);
//! - for each rule, the global rules of its namespace, the patterns of
//!   which one must match for its condition to hold, and the cheap tests
//!   on the input (`filesize`, `uint16(0) == 0x5A4D`) it needs (see
//!   [`crate::compiler::requirements`]).

mod depth_limit;
mod regexes;
mod serialize;

use std::collections::HashMap;
use std::sync::Arc;

use regex_automata::meta;
use serde::{Deserialize, Serialize};

pub use serialize::{CompiledError, FORMAT_VERSION, MAGIC, is_compiled};

use crate::compiler::ir::{
    Anchor, Constant, Expr, Iterable, OfItems, PatternId, PatternRef, Program, Quantifier, RegexId,
    Rule, RuleId,
};
use crate::compiler::requirements::{InputGuard, Requirement, rule_guards, rule_requirements};
use crate::matcher::{Match, Matcher, MatcherLimits, PatternError, PatternSpec, Scratch};
use crate::modules::ModuleId;
use crate::scanner::matches::PatternMatches;
use crate::scanner::module_data::entrypoint_fields;

/// How the scanner finds the matches of one pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum PatternPlan {
    /// Found by the one search pass over the input.
    Searched {
        /// Index of the pattern among searched patterns (its index in the
        /// search matcher).
        slot: usize,
    },
    /// Only ever used as `$a at offset`: checked at that offset alone.
    Anchored {
        /// The offset.
        offset: usize,
        /// Index of the pattern among anchored patterns (a per-scan slot).
        slot: usize,
    },
}

/// What learning whether a searched pattern matched costs the scanner
/// when it decides which rules to evaluate: a look at the search results.
const SEARCHED_PATTERN_COST: u64 = 1;

/// What learning whether an anchored pattern matched would cost: a match
/// attempt of its own (for a regular expression, a lazy DFA built for
/// it), which is better left to the condition, whose other operands may
/// make it unnecessary. A set with an anchored pattern is never checked
/// ahead (see [`required_slots`]).
const ANCHORED_PATTERN_COST: u64 = u64::MAX;

/// Why rules could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A pattern could not be compiled (the first one, when several fail).
    #[error("rule {rule}, pattern {pattern}: {error}")]
    Pattern {
        /// The rule declaring it.
        rule: String,
        /// The pattern identifier.
        pattern: String,
        /// What is wrong with it.
        error: PatternError,
    },
    /// A regular expression of a condition did not compile.
    #[error("regular expression /{pattern}/: {message}")]
    Regex {
        /// The expression as written.
        pattern: String,
        /// What the regex engine said.
        message: String,
    },
}

/// A compiled, immutable rule set.
///
/// Stored with [`Rules::serialize`] and loaded with [`Rules::deserialize`],
/// which check the file's format; the serde impls are that format's
/// payload.
#[derive(Serialize, Deserialize)]
pub struct Rules {
    program: Program,
    regexes: Vec<regexes::ConditionRegex>,
    /// Matcher over the searched patterns; its pattern `i` is
    /// `searched_ids[i]`.
    searched: Matcher,
    searched_ids: Vec<PatternId>,
    /// The matcher's own cap on matches per pattern.
    matcher_cap: usize,
    /// Matcher over the anchored patterns, by anchored slot.
    anchored: Matcher,
    plans: Vec<PatternPlan>,
    /// For each rule, the global rules of its namespace other than itself.
    globals: Vec<Vec<RuleId>>,
    /// For each rule, the search slots of the patterns of which one must
    /// match for its condition to hold; `None` when nothing is known.
    required: Vec<Option<Box<[u32]>>>,
    /// For each rule, the tests on the input its condition needs.
    guards: Vec<InputGuard>,
    /// The modules that give `entrypoint` its value, with their field.
    entry_points: Vec<(ModuleId, usize)>,
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("rules", &self.program.rules.len())
            .field("patterns", &self.program.patterns.len())
            .field("anchored", &self.anchored.pattern_count())
            .finish_non_exhaustive()
    }
}

impl Rules {
    /// Compiles a checked program: its patterns into matchers bounded by
    /// `limits`, its condition regexes, and the scanning plan.
    ///
    /// # Errors
    /// [`RulesError::Pattern`] when a pattern does not compile, and
    /// [`RulesError::Regex`] when a condition's regular expression does not.
    pub fn new(program: Program, limits: &MatcherLimits) -> Result<Self, RulesError> {
        let regexes = program
            .regexes
            .iter()
            .map(regexes::ConditionRegex::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let plans = pattern_plans(&program);
        let ids = |anchored: bool| -> Vec<PatternId> {
            (0..plans.len())
                .filter(|&i| matches!(plans[i], PatternPlan::Anchored { .. }) == anchored)
                .filter_map(|i| u32::try_from(i).ok().map(PatternId))
                .collect()
        };
        let searched_ids = ids(false);
        let searched = build_matcher(&program, &searched_ids, limits)?;
        let anchored = build_matcher(&program, &ids(true), limits)?;
        let globals = globals_by_rule(&program.rules);
        let required = required_slots(&program, &plans);
        let guards = rule_guards(&program);
        let entry_points = entrypoint_fields();
        Ok(Self {
            program,
            regexes,
            searched,
            searched_ids,
            matcher_cap: limits.max_matches_per_pattern,
            anchored,
            plans,
            globals,
            required,
            guards,
            entry_points,
        })
    }

    /// The checked program.
    #[must_use]
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The rule with id `id`.
    #[must_use]
    pub fn rule(&self, id: RuleId) -> &Rule {
        &self.program.rules[id.0 as usize]
    }

    /// How many rules there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.program.rules.len()
    }

    /// Whether there is no rule at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.program.rules.is_empty()
    }

    pub(crate) fn regex(&self, id: RegexId) -> &Arc<meta::Regex> {
        self.regexes[id.0 as usize].get()
    }

    /// A scratch space for [`Rules::search`]; one per scanner.
    pub(crate) fn scratch(&self) -> Scratch {
        self.searched.scratch()
    }

    /// The one search pass: the matches of every searched pattern in
    /// `data`, at most `max_matches` per pattern.
    pub(crate) fn search(
        &self,
        data: &[u8],
        scratch: &mut Scratch,
        max_matches: usize,
    ) -> PatternMatches {
        let found = self.searched.scan(data, scratch);
        PatternMatches::new(found, max_matches, max_matches < self.matcher_cap)
    }

    /// The pattern searched in search slot `slot`.
    pub(crate) fn searched_pattern(&self, slot: usize) -> PatternId {
        self.searched_ids[slot]
    }

    /// The match of anchored pattern `slot` at `offset`, if any.
    pub(crate) fn match_anchored(&self, slot: usize, data: &[u8], offset: usize) -> Option<Match> {
        self.anchored.match_at(slot, data, offset)
    }

    pub(crate) fn plan(&self, pattern: PatternId) -> PatternPlan {
        self.plans[pattern.0 as usize]
    }

    /// How many patterns are anchored.
    pub(crate) fn anchored_count(&self) -> usize {
        self.anchored.pattern_count()
    }

    /// The modules that give `entrypoint` its value, with their field.
    pub(crate) fn entry_points(&self) -> &[(ModuleId, usize)] {
        &self.entry_points
    }

    /// The global rules a rule depends on (its namespace's, not itself).
    pub(crate) fn globals_of(&self, rule: RuleId) -> &[RuleId] {
        &self.globals[rule.0 as usize]
    }

    /// The tests on the input the condition of `rule` needs.
    pub(crate) fn guard(&self, rule: RuleId) -> &InputGuard {
        &self.guards[rule.0 as usize]
    }

    /// The search slots of the patterns of which one must match for the
    /// condition of `rule` to hold; `None` when nothing is known.
    pub(crate) fn required(&self, rule: RuleId) -> Option<&[u32]> {
        self.required[rule.0 as usize].as_deref()
    }
}

/// A matcher over the patterns `ids` of `program`, in that order.
fn build_matcher(
    program: &Program,
    ids: &[PatternId],
    limits: &MatcherLimits,
) -> Result<Matcher, RulesError> {
    let specs: Vec<PatternSpec<'_>> = ids
        .iter()
        .map(|id| {
            let pattern = &program.patterns[id.0 as usize];
            PatternSpec { value: &pattern.value, modifiers: &pattern.modifiers }
        })
        .collect();
    Matcher::build(&specs, limits).map_err(|errors| {
        let (index, error) =
            errors.into_iter().next().unwrap_or((0, PatternError::OverLimit(String::new())));
        let pattern = &program.patterns[ids[index].0 as usize];
        RulesError::Pattern {
            rule: program.rules[pattern.rule.0 as usize].name.clone(),
            pattern: pattern.name.clone(),
            error,
        }
    })
}

/// For each rule, the search slots of the patterns its condition requires
/// (see [`rule_requirements`]). A requirement with an anchored pattern is
/// dropped: the scanner reads the search results to rule a condition out,
/// and leaves match attempts at one offset to the condition itself.
fn required_slots(program: &Program, plans: &[PatternPlan]) -> Vec<Option<Box<[u32]>>> {
    let cost = |p: PatternId| match plans[p.0 as usize] {
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
    let (mut anchored, mut searched) = (0, 0);
    fn next(counter: &mut usize) -> usize {
        *counter += 1;
        *counter - 1
    }
    uses.into_iter()
        .map(|u| match u {
            Uses::At(offset) => PatternPlan::Anchored { offset, slot: next(&mut anchored) },
            Uses::None | Uses::Other => PatternPlan::Searched { slot: next(&mut searched) },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Rules>();
    }
}
