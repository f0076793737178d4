//! The cheap tests that make a rule false without evaluating its
//! condition: its input guard (`filesize` bounds, `uint16(0) == 0x5A4D`)
//! before the search, and after it whether any pattern it requires
//! matched (see [`crate::compiler::requirements`]).
//!
//! Every input is tested against every rule, so these tests are the
//! per-file cost of a large rule set: with signature-base's 5,934 rules
//! over 50,000 small files they took a third of the scan's CPU time, each
//! rule's guard tested twice and each of its required patterns looked up
//! in the search results. The tables here cut both: the magic tests are
//! few and shared by many rules, so each is made once per input; and
//! instead of asking for each rule whether any of its required patterns
//! matched, the patterns that did match mark the rules that require them.

use crate::compiler::ir::RuleId;
use crate::compiler::requirements::{InputGuard, Magic};

use super::PatternMatches;

/// The guards and requirements of every rule, arranged for the tests.
/// Derived from the stored plan on load (not stored).
#[derive(Debug, Default)]
pub(crate) struct Triage {
    /// Per rule, the `filesize` range its guard admits.
    sizes: Vec<(i64, i64)>,
    /// Per rule, its magic test: an index into `magics`, or [`NO_MAGIC`].
    magic_of: Vec<u32>,
    /// The distinct magic tests.
    magics: Vec<Magic>,
    /// Where each search slot's requiring rules start in `requiring`,
    /// plus the end.
    requiring_starts: Vec<usize>,
    /// The rules that require each slot, grouped by slot.
    requiring: Vec<RuleId>,
    /// Per rule, whether it requires some pattern to match.
    has_requirement: Vec<bool>,
}

/// A rule whose guard has no magic test.
const NO_MAGIC: u32 = u32::MAX;

impl Triage {
    /// The tables for rules whose guards are `guards` and whose required
    /// search slots (below `slots`) are `required`, both by rule id.
    pub(crate) fn new(
        guards: &[InputGuard],
        required: &[Option<Box<[u32]>>],
        slots: usize,
    ) -> Triage {
        let mut magics: Vec<Magic> = Vec::new();
        let mut magic_of = Vec::with_capacity(guards.len());
        for guard in guards {
            let index = guard.magic.map_or(NO_MAGIC as usize, |magic| {
                magics.iter().position(|&known| known == magic).unwrap_or_else(|| {
                    magics.push(magic);
                    magics.len() - 1
                })
            });
            magic_of.push(u32::try_from(index).unwrap_or(NO_MAGIC));
        }
        let mut requiring_starts = vec![0; slots + 1];
        for &slot in required.iter().flatten().flatten() {
            requiring_starts[slot as usize + 1] += 1;
        }
        for slot in 0..slots {
            requiring_starts[slot + 1] += requiring_starts[slot];
        }
        let mut next = requiring_starts.clone();
        let mut requiring = vec![RuleId(0); requiring_starts[slots]];
        for (rule, slots) in required.iter().enumerate() {
            for &slot in slots.iter().flatten() {
                requiring[next[slot as usize]] = RuleId(u32::try_from(rule).unwrap_or(u32::MAX));
                next[slot as usize] += 1;
            }
        }
        Triage {
            sizes: guards.iter().map(|guard| (guard.min_size, guard.max_size)).collect(),
            magic_of,
            magics,
            requiring_starts,
            requiring,
            has_requirement: required.iter().map(Option::is_some).collect(),
        }
    }

    /// What the guards need to know of `data`, tested once.
    pub(crate) fn input(&self, data: &[u8]) -> TriagedInput {
        TriagedInput {
            size: i64::try_from(data.len()).unwrap_or(i64::MAX),
            failed_magics: self
                .magics
                .iter()
                .map(|magic| magic.reader.read(data, magic.offset) != Some(magic.value))
                .collect(),
            required_matched: Vec::new(),
        }
    }

    /// Whether the input fails a test the condition of `rule` needs,
    /// which makes the condition false.
    pub(crate) fn fails_guard(&self, input: &TriagedInput, rule: RuleId) -> bool {
        let index = rule.0 as usize;
        let (min, max) = self.sizes[index];
        !(min..=max).contains(&input.size)
            || input.failed_magics.get(self.magic_of[index] as usize).is_some_and(|&failed| failed)
    }

    /// Notes which rules the search results `found` leave a required
    /// pattern with a match.
    pub(crate) fn note_search(&self, input: &mut TriagedInput, found: &PatternMatches) {
        input.required_matched = vec![false; self.has_requirement.len()];
        for slot in found.matched_slots() {
            let (start, end) = (self.requiring_starts[slot], self.requiring_starts[slot + 1]);
            for rule in &self.requiring[start..end] {
                input.required_matched[rule.0 as usize] = true;
            }
        }
    }

    /// Whether the search ruled the condition of `rule` out: none of the
    /// patterns it requires has a match. False before
    /// [`Triage::note_search`].
    pub(crate) fn ruled_out(&self, input: &TriagedInput, rule: RuleId) -> bool {
        let index = rule.0 as usize;
        self.has_requirement[index]
            && input.required_matched.get(index).is_some_and(|&matched| !matched)
    }
}

/// What the tests of [`Triage`] know of one input.
#[derive(Debug)]
pub(crate) struct TriagedInput {
    /// Its `filesize`.
    size: i64,
    /// Per distinct magic test, whether the input fails it.
    failed_magics: Vec<bool>,
    /// Per rule, after the search: whether a pattern it requires matched.
    required_matched: Vec<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::{IntReader, IntWidth};

    const MZ: Magic = Magic {
        reader: IntReader { width: IntWidth::Half, signed: false, big_endian: false },
        offset: 0,
        value: 0x5A4D,
    };

    #[test]
    fn guards_test_the_size_and_each_distinct_magic() {
        let small_mz = InputGuard { min_size: 0, max_size: 10, magic: Some(MZ) };
        let guards = [
            small_mz,
            InputGuard::NONE,
            small_mz,
            InputGuard { magic: Some(MZ), ..InputGuard::NONE },
        ];
        let triage = Triage::new(&guards, &[None, None, None, None], 0);
        assert_eq!(triage.magics.len(), 1);
        let fails = |data: &[u8]| {
            let input = triage.input(data);
            (0..4).map(|rule| triage.fails_guard(&input, RuleId(rule))).collect::<Vec<_>>()
        };
        assert_eq!(fails(b"MZ"), [false, false, false, false]);
        assert_eq!(fails(b"ELF"), [true, false, true, true]);
        assert_eq!(fails(b"MZ and then some"), [true, false, true, false]);
    }
}
