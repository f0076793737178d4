//! The pattern matches of one input, by pattern index, as a caller reads
//! them.
//!
//! The evaluator never searches by itself: it reads these lists, which the
//! scanner gets from one matcher pass over the input, and only when some
//! condition cannot be decided without them. The lists stay where the
//! search put them; a caller's own cap on matches per pattern, when it is
//! below the matcher's, is applied when they are read.

use super::{Match, ScanMatches};

/// The matches of every pattern of a [`super::Matcher`] in one input,
/// sorted by offset per pattern, indexed by the pattern's index in the
/// matcher (for the scanner, its search slot).
#[derive(Debug)]
pub struct PatternMatches {
    found: ScanMatches,
    /// Matches kept per pattern.
    max: usize,
    /// Whether `max` is below the matcher's own cap, so that a list may
    /// be longer than what is kept.
    max_below_matcher_cap: bool,
}

impl PatternMatches {
    /// The matcher's matches, of which at most `max` per pattern are kept;
    /// `max_below_matcher_cap` says whether that cuts anything.
    pub(crate) fn new(found: ScanMatches, max: usize, max_below_matcher_cap: bool) -> Self {
        Self { found, max, max_below_matcher_cap }
    }

    /// The kept matches of pattern `slot`, sorted by offset.
    #[must_use]
    pub fn of(&self, slot: usize) -> &[Match] {
        let list = self.found.matches(slot);
        &list[..list.len().min(self.max)]
    }

    /// The slots with at least one kept match, ascending.
    pub fn matched_slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.found
            .matched_patterns()
            .filter(|(_, list)| self.max > 0 && !list.is_empty())
            .map(|(slot, _)| slot)
    }

    /// Patterns whose matches were cut off at a cap.
    #[must_use]
    pub fn capped(&self) -> Vec<usize> {
        if self.max_below_matcher_cap {
            // Only patterns that matched can be over the lower cap.
            self.found
                .matched_patterns()
                .filter(|&(slot, list)| self.found.hit_cap(slot) || list.len() > self.max)
                .map(|(slot, _)| slot)
                .collect()
        } else {
            self.found.capped_patterns().collect()
        }
    }
}

/// Matches of a sorted list starting within `lo..=hi`.
#[must_use]
pub fn starting_in(matches: &[Match], lo: usize, hi: usize) -> &[Match] {
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
}
