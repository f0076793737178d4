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
use super::slots::BySlot;

/// The guards and requirements of every rule, arranged for the tests.
/// Derived from the stored plan on load (not stored).
#[derive(Debug, Default)]
pub(crate) struct Triage {
    /// Per rule, the `filesize` range its guard admits.
    sizes: Vec<(i64, i64)>,
    /// Per rule, its magic test: an index into `magics`, or
    /// `magics.len()` for none.
    magic_of: Vec<u32>,
    /// The distinct magic tests.
    magics: Vec<Magic>,
    /// The rules that require each search slot.
    requiring: BySlot<RuleId>,
    /// Per rule, whether it requires some pattern to match.
    has_requirement: Vec<bool>,
}

impl Triage {
    /// The tables for rules whose guards are `guards` and whose required
    /// search slots (below `slots`) are `required`, both by rule id.
    pub(crate) fn new(
        guards: &[InputGuard],
        required: &[Option<Box<[u32]>>],
        slots: usize,
    ) -> Triage {
        let mut magics: Vec<Magic> = Vec::new();
        for magic in guards.iter().filter_map(|guard| guard.magic) {
            if !magics.contains(&magic) {
                magics.push(magic);
            }
        }
        let magic_of = guards
            .iter()
            .map(|guard| {
                let index = guard.magic.and_then(|magic| magics.iter().position(|&m| m == magic));
                u32::try_from(index.unwrap_or(magics.len())).unwrap_or(u32::MAX)
            })
            .collect();
        let requiring = required.iter().enumerate().flat_map(|(rule, slots)| {
            let rule = RuleId(u32::try_from(rule).unwrap_or(u32::MAX));
            slots.iter().flatten().map(move |&slot| (slot as usize, rule))
        });
        Triage {
            sizes: guards.iter().map(|guard| (guard.min_size, guard.max_size)).collect(),
            magic_of,
            magics,
            requiring: BySlot::new(slots, requiring),
            has_requirement: required.iter().map(Option::is_some).collect(),
        }
    }

    /// What the guards need to know of `data`, tested once.
    pub(crate) fn input(&self, data: &[u8]) -> TriagedInput {
        TriagedInput {
            size: i64::try_from(data.len()).unwrap_or(i64::MAX),
            // The last entry stands for "no magic test", never failed.
            failed_magics: self
                .magics
                .iter()
                .map(|magic| magic.reader.read(data, magic.offset) != Some(magic.value))
                .chain([false])
                .collect(),
            may_match: Vec::new(),
        }
    }

    /// Whether the input fails a test the condition of the rule with id
    /// `rule` needs, which makes the condition false. Without a branch:
    /// callers ask it of every rule in turn, and which rules fail is no
    /// pattern a branch predictor learns.
    #[inline]
    pub(crate) fn fails_guard(&self, input: &TriagedInput, rule: usize) -> bool {
        let (min, max) = self.sizes[rule];
        let magic = self.magic_of[rule] as usize;
        (input.size < min)
            | (input.size > max)
            | input.failed_magics.get(magic).copied().unwrap_or(false)
    }

    /// Notes which rules the search results `found` leave a pattern they
    /// require with a match (or require none).
    pub(crate) fn note_search(&self, input: &mut TriagedInput, found: &PatternMatches) {
        input.may_match = self.has_requirement.iter().map(|&has| !has).collect();
        for slot in found.matched_slots() {
            for rule in self.requiring.of(slot) {
                input.may_match[rule.0 as usize] = true;
            }
        }
    }

    /// Whether the search ruled the condition of the rule with id `rule`
    /// out: none of the patterns it requires has a match. False before
    /// [`Triage::note_search`].
    #[inline]
    pub(crate) fn ruled_out(&self, input: &TriagedInput, rule: usize) -> bool {
        input.may_match.get(rule).is_some_and(|&may| !may)
    }
}

/// What the tests of [`Triage`] know of one input.
#[derive(Debug)]
pub(crate) struct TriagedInput {
    /// Its `filesize`.
    size: i64,
    /// Per distinct magic test, whether the input fails it.
    failed_magics: Vec<bool>,
    /// Per rule, after the search: whether it requires no pattern or a
    /// pattern it requires matched.
    may_match: Vec<bool>,
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
            (0..4).map(|rule| triage.fails_guard(&input, rule)).collect::<Vec<_>>()
        };
        assert_eq!(fails(b"MZ"), [false, false, false, false]);
        assert_eq!(fails(b"ELF"), [true, false, true, true]);
        assert_eq!(fails(b"MZ and then some"), [true, false, true, false]);
    }
}
