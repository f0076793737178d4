//! The pattern matches of one input, by pattern id.
//!
//! The evaluator never searches by itself: it reads these lists, which the
//! scanner fills from one matcher pass over the input, and only when some
//! condition cannot be decided without them.

use crate::compiler::ir::PatternId;
pub use crate::matcher::Match;

/// The matches of every pattern in one input, sorted by offset per pattern.
#[derive(Debug, Clone, Default)]
pub struct PatternMatches {
    lists: Vec<Vec<Match>>,
    capped: Vec<bool>,
}

impl PatternMatches {
    /// No match for any of `patterns` patterns yet.
    #[must_use]
    pub fn new(patterns: usize) -> Self {
        Self { lists: vec![Vec::new(); patterns], capped: vec![false; patterns] }
    }

    /// Sets the matches of `pattern` (sorted by offset), and whether the
    /// search stopped at the per-pattern cap.
    pub fn set(&mut self, pattern: PatternId, matches: Vec<Match>, capped: bool) {
        let index = pattern.0 as usize;
        if index < self.lists.len() {
            debug_assert!(matches.windows(2).all(|w| w[0].offset <= w[1].offset));
            self.lists[index] = matches;
            self.capped[index] = capped;
        }
    }

    /// The matches of `pattern`, sorted by offset.
    #[must_use]
    pub fn of(&self, pattern: PatternId) -> &[Match] {
        self.lists.get(pattern.0 as usize).map_or(&[], Vec::as_slice)
    }

    /// Patterns whose matches were cut off at the cap.
    pub fn capped(&self) -> impl Iterator<Item = PatternId> + '_ {
        self.capped
            .iter()
            .enumerate()
            .filter(|(_, capped)| **capped)
            .filter_map(|(i, _)| Some(PatternId(u32::try_from(i).ok()?)))
    }
}

/// Matches of a sorted list starting within `lo..=hi`.
pub(crate) fn starting_in(matches: &[Match], lo: usize, hi: usize) -> &[Match] {
    let start = matches.partition_point(|m| m.offset < lo);
    let end = matches.partition_point(|m| m.offset <= hi);
    &matches[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(offset: usize) -> Match {
        Match { offset, length: 1, xor_key: None }
    }

    #[test]
    fn range_selection_is_inclusive_on_both_ends() {
        let list = [at(2), at(5), at(5), at(9)];
        assert_eq!(starting_in(&list, 5, 9).len(), 3);
        assert_eq!(starting_in(&list, 3, 4).len(), 0);
        assert_eq!(starting_in(&list, 9, 2).len(), 0);
    }

    #[test]
    fn capped_patterns_are_listed() {
        let mut m = PatternMatches::new(3);
        m.set(PatternId(1), vec![at(0)], true);
        assert_eq!(m.capped().collect::<Vec<_>>(), [PatternId(1)]);
        assert_eq!(m.of(PatternId(1)).len(), 1);
        assert!(m.of(PatternId(7)).is_empty());
    }
}
