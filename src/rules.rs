//! Compiled rules: everything a scan needs, built once and shared.
//!
//! [`Rules`] is immutable and `Send + Sync`: build it once (with
//! [`crate::Compiler::build`]), then give each scanning thread its own
//! [`crate::Scanner`] borrowing it. Besides the
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
//!
//! This module only holds them; the compiler works them out. A compiled
//! ruleset file stores them (`serialize.rs`).

mod depth_limit;
mod regexes;
mod serialize;
mod slots;
mod triage;

use std::sync::Arc;

use regex_automata::meta;
use serde::{Deserialize, Serialize};

pub use serialize::{CompiledError, FORMAT_VERSION, MAGIC, is_compiled};
pub(crate) use triage::{Triage, TriagedInput};

use crate::compiler::ir::{PatternId, Program, RegexId, Rule, RuleId};
use crate::compiler::requirements::InputGuard;
use crate::matcher::{Match, Matcher, PatternMatches, Scratch};

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

/// What the scan needs to know beyond the program, worked out by the last
/// stage of [`crate::Compiler::build`] (`compiler/plan.rs`).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ScanPlan {
    /// How each pattern is found, by [`PatternId`].
    pub plans: Vec<PatternPlan>,
    /// For each rule, the global rules of its namespace other than itself.
    pub globals: Vec<Vec<RuleId>>,
    /// For each rule, the search slots of the patterns of which one must
    /// match for its condition to hold; `None` when nothing is known.
    pub required: Vec<Option<Box<[u32]>>>,
    /// For each rule, the tests on the input its condition needs.
    pub guards: Vec<InputGuard>,
    /// Hash rules, matched by one digest per file. Not stored: recognised
    /// again from the program on load, which takes a walk of the
    /// conditions.
    #[serde(skip)]
    pub indicators: crate::attribution::indicators::IndicatorSet,
    /// The patterns and rules of each search slot, which the search asks
    /// to skip the patterns of rules already decided. Not stored: derived
    /// from `plans` on load.
    #[serde(skip)]
    pub owners: slots::SlotOwners,
    /// The guards and requirements arranged for the per-input tests. Not
    /// stored: derived from `guards` and `required` on load.
    #[serde(skip)]
    pub triage: Triage,
}

impl ScanPlan {
    /// Fills the tables derived from the stored ones ([`ScanPlan::owners`]
    /// and [`ScanPlan::triage`]) for `slots` search slots; `plans` must
    /// describe the patterns of `program`.
    pub(crate) fn derive_tables(&mut self, program: &Program, slots: usize) {
        self.owners = slots::slot_owners(program, &self.plans, slots);
        self.triage = Triage::new(&self.guards, &self.required, slots);
    }
}

/// A compiled, immutable rule set, made by [`crate::Compiler::build`].
///
/// Stored with [`Rules::serialize`] and loaded with [`Rules::deserialize`],
/// which check the file's format; the serde impls are that format's
/// payload.
#[derive(Serialize, Deserialize)]
pub struct Rules {
    program: Program,
    /// Not stored: rebuilt from the program's regex sources on load.
    #[serde(skip)]
    regexes: regexes::ConditionRegexes,
    /// Matcher over the searched patterns, by search slot (see
    /// [`ScanPlan::owners`]).
    searched: Matcher,
    /// Matcher over the anchored patterns, by anchored slot.
    anchored: Matcher,
    plan: ScanPlan,
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
    /// Puts the parts of a build together: the program, its condition
    /// regexes by [`RegexId`], the two matchers and the plan.
    pub(crate) fn from_parts(
        program: Program,
        regexes: Vec<Arc<meta::Regex>>,
        searched: Matcher,
        anchored: Matcher,
        mut plan: ScanPlan,
    ) -> Self {
        let regexes = regexes::ConditionRegexes::built(regexes, searched.limits().regex_size_limit);
        plan.derive_tables(&program, searched.pattern_count());
        Self { program, regexes, searched, anchored, plan }
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

    /// The hash rules recognised as an indicator set.
    pub(crate) fn indicators(&self) -> &crate::attribution::indicators::IndicatorSet {
        &self.plan.indicators
    }

    /// The condition regex `id`; `None` only for an id a forged compiled
    /// ruleset put in a condition.
    pub(crate) fn regex(&self, id: RegexId) -> Option<&Arc<meta::Regex>> {
        let index = id.0 as usize;
        Some(self.regexes.get(index, self.program.regexes.get(index)?))
    }

    /// A scratch space for [`Rules::search`]; one per scanner.
    pub(crate) fn scratch(&self) -> Scratch {
        self.searched.scratch()
    }

    /// The one search pass: the matches in `data` of the searched
    /// patterns whose rule `wanted` says is still wanted (asked with a
    /// rule id), at most `max_matches` per pattern.
    pub(crate) fn search(
        &self,
        data: &[u8],
        scratch: &mut Scratch,
        max_matches: usize,
        wanted: &(dyn Fn(RuleId) -> bool + Sync),
    ) -> PatternMatches {
        let by_rule = WantedByRule { rules: self, wanted };
        self.searched.find_all(data, scratch, max_matches, &by_rule)
    }

    /// The patterns searched in search slot `slot` (identical patterns of
    /// several rules share one), in pattern order.
    pub(crate) fn searched_patterns(&self, slot: usize) -> impl Iterator<Item = PatternId> + '_ {
        self.plan.owners.of(slot).iter().map(|&(pattern, _)| pattern)
    }

    /// The match of anchored pattern `slot` at `offset`, if any.
    pub(crate) fn match_anchored(&self, slot: usize, data: &[u8], offset: usize) -> Option<Match> {
        self.anchored.match_at(slot, data, offset)
    }

    /// How `pattern` is found; `None` only for an id a forged compiled
    /// ruleset put in a condition (the conditions are not walked on load).
    pub(crate) fn plan(&self, pattern: PatternId) -> Option<PatternPlan> {
        self.plan.plans.get(pattern.0 as usize).copied()
    }

    /// How many patterns are anchored.
    pub(crate) fn anchored_count(&self) -> usize {
        self.anchored.pattern_count()
    }

    /// The global rules a rule depends on (its namespace's, not itself).
    pub(crate) fn globals_of(&self, rule: RuleId) -> &[RuleId] {
        &self.plan.globals[rule.0 as usize]
    }

    /// The per-input tests that make rules false without evaluation.
    pub(crate) fn triage(&self) -> &Triage {
        &self.plan.triage
    }

    /// The search slots of the patterns of which one must match for the
    /// condition of `rule` to hold; `None` when nothing is known.
    pub(crate) fn required(&self, rule: RuleId) -> Option<&[u32]> {
        self.plan.required[rule.0 as usize].as_deref()
    }
}

/// The searched patterns a scan wants, by the rules they belong to.
struct WantedByRule<'a> {
    rules: &'a Rules,
    /// Whether a rule's patterns are wanted, asked with its id.
    wanted: &'a (dyn Fn(RuleId) -> bool + Sync),
}

impl WantedByRule<'_> {
    /// The rules of the patterns searched in `slot`.
    fn rules_of(&self, slot: usize) -> impl Iterator<Item = RuleId> + '_ {
        self.rules.plan.owners.of(slot).iter().map(|&(_, rule)| rule)
    }
}

impl crate::matcher::Wanted for WantedByRule<'_> {
    fn wanted(&self, slot: usize) -> bool {
        self.rules_of(slot).any(|rule| (self.wanted)(rule))
    }

    /// A rule none of whose required patterns (see
    /// [`Rules::required`]) can match any more is false, as the scanner
    /// will find after the search: its slow patterns are not searched
    /// unless another rule sharing them still needs them.
    fn still_wanted(&self, slot: usize, may_match: &dyn Fn(usize) -> bool) -> bool {
        self.rules_of(slot).any(|rule| {
            (self.wanted)(rule)
                && self
                    .rules
                    .required(rule)
                    .is_none_or(|slots| slots.iter().any(|&slot| may_match(slot as usize)))
        })
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
