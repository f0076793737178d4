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

/// Values grouped by search slot, each group in the order given.
#[derive(Debug)]
pub(crate) struct BySlot<T> {
    /// Where each slot's values start in `values`, plus the end.
    starts: Vec<usize>,
    values: Vec<T>,
}

impl<T> Default for BySlot<T> {
    fn default() -> Self {
        BySlot { starts: Vec::new(), values: Vec::new() }
    }
}

impl<T> BySlot<T> {
    /// Groups `entries` (slot, value) by slot, for `slots` slots; an
    /// entry whose slot is not below `slots` is left out.
    pub(crate) fn new(slots: usize, entries: impl Iterator<Item = (usize, T)>) -> BySlot<T> {
        let mut entries: Vec<(usize, T)> = entries.filter(|&(slot, _)| slot < slots).collect();
        // Stable: each group keeps the order given.
        entries.sort_by_key(|&(slot, _)| slot);
        let mut starts = vec![0; slots + 1];
        for &(slot, _) in &entries {
            starts[slot + 1] += 1;
        }
        for slot in 0..slots {
            starts[slot + 1] += starts[slot];
        }
        BySlot { starts, values: entries.into_iter().map(|(_, value)| value).collect() }
    }

    /// The values of `slot`; empty for a slot out of range.
    pub(crate) fn of(&self, slot: usize) -> &[T] {
        match (self.starts.get(slot), self.starts.get(slot + 1)) {
            (Some(&start), Some(&end)) => &self.values[start..end],
            _ => &[],
        }
    }
}

/// The patterns searched in each slot with their rules, in pattern order,
/// derived from the pattern plans (not stored).
pub(crate) type SlotOwners = BySlot<(PatternId, RuleId)>;

/// The owners of `slots` search slots, from the plans of `program`'s
/// patterns.
pub(crate) fn slot_owners(program: &Program, plans: &[PatternPlan], slots: usize) -> SlotOwners {
    let owners =
        plans.iter().zip(&program.patterns).enumerate().filter_map(|(index, (plan, p))| {
            let PatternPlan::Searched { slot } = *plan else { return None };
            Some((slot, (PatternId(u32::try_from(index).unwrap_or(u32::MAX)), p.rule)))
        });
    BySlot::new(slots, owners)
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
        let owners = slot_owners(&program, &plans, 2);
        assert_eq!(owners.of(0), [(PatternId(2), RuleId(1))]);
        assert_eq!(owners.of(1), [(PatternId(0), RuleId(0)), (PatternId(3), RuleId(2))]);
        assert!(owners.of(2).is_empty());
    }
}
