//! What a search costs per pattern, for `spoor scan --profiling`: how often
//! each pattern was verified at a candidate, how long that took, and the
//! time spent walking the input for atoms, which belongs to no one pattern.
//!
//! The search is generic over a [`Probe`]: an unprofiled scan uses
//! [`Unprobed`], whose calls compile to nothing, so that measuring costs
//! only the scans that ask for it (two clock reads per verification).

use std::time::{Duration, Instant};

/// The cost of one pattern over the scans profiled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PatternCost {
    /// Candidates verified: atom hits that passed the quick check, and
    /// whole-input searches of forms without atoms.
    pub verifications: u64,
    /// Time spent verifying them.
    pub time: Duration,
}

/// Per-pattern costs of the searches of one or more scans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchProfile {
    /// By pattern index of the matcher.
    patterns: Vec<PatternCost>,
    /// Time of the searches in all, verification included (thread time:
    /// the chunks of a split search add up).
    pub total: Duration,
}

impl SearchProfile {
    /// An empty profile for a matcher of `patterns` patterns.
    #[must_use]
    pub fn new(patterns: usize) -> Self {
        Self { patterns: vec![PatternCost::default(); patterns], total: Duration::ZERO }
    }

    /// The costs by pattern index.
    #[must_use]
    pub fn patterns(&self) -> &[PatternCost] {
        &self.patterns
    }

    /// Adds the figures of `other`, a profile of the same matcher.
    pub fn add(&mut self, other: &SearchProfile) {
        if self.patterns.len() < other.patterns.len() {
            self.patterns.resize(other.patterns.len(), PatternCost::default());
        }
        for (mine, theirs) in self.patterns.iter_mut().zip(&other.patterns) {
            mine.verifications += theirs.verifications;
            mine.time += theirs.time;
        }
        self.total += other.total;
    }
}

/// Watches the verifications of a search.
pub(crate) trait Probe {
    /// Runs `verify`, one verification for `pattern`.
    fn verify(&mut self, pattern: usize, verify: impl FnOnce());

    /// A probe of the same kind for one piece of a split search, empty.
    fn for_piece(&self) -> Self;

    /// Adds what the probe of a piece saw.
    fn add_piece(&mut self, piece: Self);

    /// Notes the time of one search (or piece) from `started` on.
    fn searched(&mut self, started: Option<Instant>);

    /// When a search being measured starts (`None` when not measuring).
    fn start(&self) -> Option<Instant>;
}

/// The probe of an unprofiled search: it measures nothing.
pub(crate) struct Unprobed;

impl Probe for Unprobed {
    #[inline(always)]
    fn verify(&mut self, _: usize, verify: impl FnOnce()) {
        verify();
    }

    fn for_piece(&self) -> Self {
        Unprobed
    }

    fn add_piece(&mut self, _: Self) {}

    fn searched(&mut self, _: Option<Instant>) {}

    fn start(&self) -> Option<Instant> {
        None
    }
}

impl Probe for SearchProfile {
    fn verify(&mut self, pattern: usize, verify: impl FnOnce()) {
        let started = Instant::now();
        verify();
        if let Some(cost) = self.patterns.get_mut(pattern) {
            cost.verifications += 1;
            cost.time += started.elapsed();
        }
    }

    fn for_piece(&self) -> Self {
        SearchProfile::new(self.patterns.len())
    }

    fn add_piece(&mut self, piece: Self) {
        self.add(&piece);
    }

    fn searched(&mut self, started: Option<Instant>) {
        if let Some(started) = started {
            self.total += started.elapsed();
        }
    }

    fn start(&self) -> Option<Instant> {
        Some(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_add_up_by_pattern() {
        let mut profile = SearchProfile::new(2);
        profile.verify(1, || {});
        profile.verify(1, || std::thread::sleep(Duration::from_millis(2)));
        let mut sum = SearchProfile::new(2);
        sum.add(&profile);
        sum.add(&profile);
        assert_eq!(sum.patterns()[0], PatternCost::default());
        assert_eq!(sum.patterns()[1].verifications, 4);
        assert!(sum.patterns()[1].time >= Duration::from_millis(4));
    }
}
