//! `spoor scan --profiling`: where a run's time went, by rule and by
//! pattern, as `yr scan --profiling` reports it, so that a rule author can
//! see which rule slows a scan down.
//!
//! Each [`Scanner`](super::Scanner) (one per thread) measures its own
//! scans: the matcher's verification time per pattern (see
//! [`crate::matcher::SearchProfile`]) and the time of each condition
//! evaluation. A scanner adds its figures to the run's [`Profile`] when it
//! is dropped; [`Profile::report`] names the slowest rules and patterns.

use std::time::Duration;

use crate::compiler::ir::RuleId;
use crate::matcher::SearchProfile;
use crate::rules::Rules;

/// What evaluating one rule's condition cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ConditionCost {
    pub(crate) evaluations: u64,
    pub(crate) time: Duration,
}

/// What a profiled run spent.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Search costs by search slot.
    search: SearchProfile,
    /// Condition costs by rule id.
    conditions: Vec<ConditionCost>,
}

impl Profile {
    /// Adds a scanner's figures.
    pub(crate) fn add(&mut self, search: Option<&SearchProfile>, conditions: &[ConditionCost]) {
        if let Some(search) = search {
            self.search.add(search);
        }
        if self.conditions.len() < conditions.len() {
            self.conditions.resize(conditions.len(), ConditionCost::default());
        }
        for (mine, theirs) in self.conditions.iter_mut().zip(conditions) {
            mine.evaluations += theirs.evaluations;
            mine.time += theirs.time;
        }
    }

    /// The `top` slowest rules and patterns of `rules`, the rules these
    /// figures were measured with.
    #[must_use]
    pub fn report(&self, rules: &Rules, top: usize) -> ProfileReport {
        let program = rules.program();
        let mut by_rule: Vec<RuleCost> = program
            .rules
            .iter()
            .map(|rule| RuleCost {
                rule: format!("{}:{}", rule.namespace, rule.name),
                ..RuleCost::default()
            })
            .collect();
        for (rule, cost) in by_rule.iter_mut().zip(&self.conditions) {
            rule.condition_time = cost.time;
            rule.evaluations = cost.evaluations;
        }
        let mut patterns = Vec::new();
        for (slot, cost) in self.search.patterns().iter().enumerate() {
            if cost.verifications == 0 {
                continue;
            }
            // A slot shared by identical patterns is searched once: its
            // cost goes to the first, and the line says how many share it.
            let mut owners = rules.searched_patterns(slot);
            let Some(first) = owners.next() else { continue };
            let sharing = match owners.count() {
                0 => String::new(),
                others => format!(" (and {others} identical)"),
            };
            let pattern = &program.patterns[first.0 as usize];
            let rule = &mut by_rule[pattern.rule.0 as usize];
            rule.search_time += cost.time;
            rule.verifications += cost.verifications;
            patterns.push(PatternCostLine {
                pattern: format!("{} {}{sharing}", rule.rule, pattern.name),
                verifications: cost.verifications,
                time: cost.time,
            });
        }
        let search_total = self.search.total;
        let verification_total = patterns.iter().map(|p| p.time).sum();
        let condition_total = self.conditions.iter().map(|c| c.time).sum();
        by_rule.sort_by(|a, b| b.time().cmp(&a.time()).then_with(|| a.rule.cmp(&b.rule)));
        by_rule.retain(|rule| !rule.time().is_zero());
        by_rule.truncate(top);
        patterns.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.pattern.cmp(&b.pattern)));
        patterns.truncate(top);
        ProfileReport {
            search_total,
            verification_total,
            condition_total,
            rules: by_rule,
            patterns,
        }
    }
}

/// The slowest rules and patterns of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileReport {
    /// Thread time of the pattern searches.
    pub search_total: Duration,
    /// The part of it spent verifying candidates (the rest walked the
    /// input for atoms).
    pub verification_total: Duration,
    /// Thread time of the condition evaluations.
    pub condition_total: Duration,
    /// The slowest rules, slowest first.
    pub rules: Vec<RuleCost>,
    /// The slowest patterns, slowest first.
    pub patterns: Vec<PatternCostLine>,
}

/// What one rule cost: the verification of its patterns and the
/// evaluation of its condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleCost {
    /// `namespace:name`.
    pub rule: String,
    /// Time verifying candidates of its patterns.
    pub search_time: Duration,
    /// Candidates of its patterns verified.
    pub verifications: u64,
    /// Time evaluating its condition.
    pub condition_time: Duration,
    /// Evaluations of its condition.
    pub evaluations: u64,
}

impl RuleCost {
    /// Search and condition time together.
    #[must_use]
    pub fn time(&self) -> Duration {
        self.search_time + self.condition_time
    }
}

/// What one pattern's verification cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternCostLine {
    /// `namespace:rule $name`.
    pub pattern: String,
    /// Candidates verified.
    pub verifications: u64,
    /// Time verifying them.
    pub time: Duration,
}

/// The condition costs of a scanner, by rule, measured only when asked.
pub(crate) fn condition_costs(rules: &Rules) -> Vec<ConditionCost> {
    vec![ConditionCost::default(); rules.len()]
}

/// Notes one evaluation of `rule` that took `time`.
pub(crate) fn note(costs: &mut [ConditionCost], rule: RuleId, time: Duration) {
    if let Some(cost) = costs.get_mut(rule.0 as usize) {
        cost.evaluations += 1;
        cost.time += time;
    }
}
