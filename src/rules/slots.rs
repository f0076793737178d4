//! Which patterns own each search slot.
//!
//! Identical patterns of different rules (the same value and the same
//! modifiers) share one search slot, as YARA-X shares them: signature-base
//! declares 9,561 of its 32,907 searched patterns more than once (the
//! LOLDrivers version strings alone dozens of times each), and each copy
//! would add its atoms to the index, its verifications to every scan and
//! its automata to memory. The search runs once per slot; the scanner reads
//! each pattern's matches through its slot ([`super::PatternPlan`]).

use crate::compiler::ir::{PatternId, Program, RuleId};

use super::PatternPlan;

/// The patterns, and their rules, of each search slot, derived from the
/// pattern plans (not stored).
#[derive(Debug, Default)]
pub(crate) struct SlotOwners {
    /// Where each slot's owners start in `owners`, plus the end.
    starts: Vec<usize>,
    /// Every searched pattern with its rule, grouped by slot, in pattern
    /// order within a slot.
    owners: Vec<(PatternId, RuleId)>,
}

impl SlotOwners {
    /// The owners of `slots` search slots, from the plans of `program`'s
    /// patterns; a plan's slot must be below `slots`.
    pub(crate) fn new(program: &Program, plans: &[PatternPlan], slots: usize) -> SlotOwners {
        let searched = |plan: &PatternPlan| match *plan {
            PatternPlan::Searched { slot } => Some(slot),
            PatternPlan::Anchored { .. } => None,
        };
        let mut starts = vec![0; slots + 1];
        for slot in plans.iter().filter_map(searched) {
            starts[slot + 1] += 1;
        }
        for slot in 0..slots {
            starts[slot + 1] += starts[slot];
        }
        let mut next = starts.clone();
        let mut owners = vec![(PatternId(0), RuleId(0)); starts[slots]];
        for (index, plan) in plans.iter().enumerate() {
            if let Some(slot) = searched(plan) {
                let pattern = PatternId(u32::try_from(index).unwrap_or(u32::MAX));
                owners[next[slot]] = (pattern, program.patterns[index].rule);
                next[slot] += 1;
            }
        }
        SlotOwners { starts, owners }
    }

    /// The patterns searched in `slot` with their rules; empty for a slot
    /// out of range.
    pub(crate) fn of(&self, slot: usize) -> &[(PatternId, RuleId)] {
        match (self.starts.get(slot), self.starts.get(slot + 1)) {
            (Some(&start), Some(&end)) => &self.owners[start..end],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::ir::Pattern;

    fn pattern(rule: u32) -> Pattern {
        Pattern {
            rule: RuleId(rule),
            name: "$a".to_owned(),
            value: None,
            modifiers: Default::default(),
            is_private: false,
        }
    }

    #[test]
    fn a_shared_slot_lists_each_owner_in_pattern_order() {
        let program = Program {
            patterns: vec![pattern(0), pattern(0), pattern(1), pattern(2)],
            ..Program::default()
        };
        let plans = [
            PatternPlan::Searched { slot: 1 },
            PatternPlan::Anchored { offset: 0, slot: 0 },
            PatternPlan::Searched { slot: 0 },
            PatternPlan::Searched { slot: 1 },
        ];
        let owners = SlotOwners::new(&program, &plans, 2);
        assert_eq!(owners.of(0), [(PatternId(2), RuleId(1))]);
        assert_eq!(owners.of(1), [(PatternId(0), RuleId(0)), (PatternId(3), RuleId(2))]);
        assert!(owners.of(2).is_empty());
    }
}
