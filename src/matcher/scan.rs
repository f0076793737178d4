//! The single pass: every occurrence of every atom (also one inside
//! another, see `atom_index.rs`), and verification of the forms each hit
//! points to.
//!
//! Identical atoms of different forms are indexed once; their entry lists
//! every (form, offset, key) that uses them. Forms without atoms are
//! searched afterwards, one by one.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use serde::{Deserialize, Serialize};

use super::atom_index::AtomIndex;
use super::deadline::{Budget, Deadline};
use super::forms::Form;
use super::profile::{Probe, SearchProfile, Unprobed};
use super::verify::CacheSlot;
use super::{Match, MatcherLimits, PatternError, Wanted};

/// Where one atom sits: which form, how far after the form's start, which
/// xor key it was made with.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct AtomUse {
    form: u32,
    back: u32,
    xor_key: Option<u8>,
    quick: QuickCheck,
}

/// The first (up to eight) bytes of a form from its atom, as a value and
/// mask compared with one word of the data before the form is looked at:
/// most atom hits are not matches (`http` is the atom of many patterns),
/// and one compare in the hit loop rejects them without touching the form.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct QuickCheck {
    /// The expected bits, zero where `mask` is.
    value: u64,
    /// The bits compared.
    mask: u64,
}

impl QuickCheck {
    /// The check for `form` when found through an atom with `xor_key`.
    fn of(form: &Form, xor_key: Option<u8>) -> QuickCheck {
        let (mut value, mut mask) = ([0u8; 8], [0u8; 8]);
        for (index, (byte, byte_mask)) in form.masks_at_atom(xor_key).into_iter().enumerate() {
            value[index] = byte & byte_mask;
            mask[index] = byte_mask;
        }
        QuickCheck { value: u64::from_le_bytes(value), mask: u64::from_le_bytes(mask) }
    }

    /// Whether a match may have its atom at `at`; near the end of the data
    /// the full verification decides.
    fn may_match(&self, data: &[u8], at: usize) -> bool {
        let Some(window) = at.checked_add(8).and_then(|end| data.get(at..end)) else {
            return true;
        };
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(window);
        u64::from_le_bytes(bytes) & self.mask == self.value
    }
}

/// The compiled search structure of a [`super::Matcher`].
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Search {
    /// Every atom of every form.
    atoms: AtomIndex,
    /// Per indexed atom, the forms that use it.
    uses: Vec<Vec<AtomUse>>,
    /// Forms searched on their own.
    unatomized: Vec<usize>,
}

impl Search {
    /// Indexes the atoms of `forms`.
    pub(crate) fn build(forms: &[Form]) -> Result<Search, PatternError> {
        let mut atom_ids: HashMap<&[u8], usize> = HashMap::new();
        let mut atoms: Vec<&[u8]> = Vec::new();
        let mut uses: Vec<Vec<AtomUse>> = Vec::new();
        let mut unatomized = Vec::new();
        for (index, form) in forms.iter().enumerate() {
            if form.atoms.is_empty() {
                unatomized.push(index);
            }
            for atom in &form.atoms {
                let id = *atom_ids.entry(&atom.bytes).or_insert_with(|| {
                    atoms.push(&atom.bytes);
                    uses.push(Vec::new());
                    atoms.len() - 1
                });
                uses[id].push(AtomUse {
                    form: u32::try_from(index).map_err(too_many)?,
                    back: u32::try_from(atom.back).map_err(too_many)?,
                    xor_key: atom.xor_key,
                    quick: QuickCheck::of(form, atom.xor_key),
                });
            }
        }
        let atoms = AtomIndex::build(&atoms);
        Ok(Search { atoms, uses, unatomized })
    }

    /// Whether every form this search names is one of `forms` forms, which
    /// a search loaded from a file must be checked for.
    pub(crate) fn fits(&self, forms: usize) -> bool {
        self.uses.len() == self.atoms.len()
            && self.uses.iter().flatten().all(|atom| (atom.form as usize) < forms)
            && self.unatomized.iter().all(|&form| form < forms)
    }

    /// Forms searched without atoms.
    pub(crate) fn unatomized(&self) -> &[usize] {
        &self.unatomized
    }

    /// Runs the pass over `data`: serially, or in chunks shared among
    /// the threads of the current rayon pool when the scratch's
    /// [`Chunking`] says the input is large enough; measured when the
    /// scratch keeps a profile.
    pub(crate) fn run(
        &self,
        forms: &[Form],
        limits: &MatcherLimits,
        data: &[u8],
        scratch: &mut Scratch,
        pattern_count: usize,
        wanted: &dyn Wanted,
    ) -> ScanMatches {
        scratch.prepare(forms.len(), pattern_count);
        let mut profile = scratch.profile.take();
        let pass = Pass { forms, data, wanted };
        let found = match &mut profile {
            Some(profile) => self.run_probed(&pass, limits, scratch, pattern_count, profile),
            None => self.run_probed(&pass, limits, scratch, pattern_count, &mut Unprobed),
        };
        scratch.profile = profile;
        scratch.caches.trim(limits.scratch_cache_budget);
        found
    }

    fn run_probed<P: Probe + Send + Sync>(
        &self,
        pass: &Pass,
        limits: &MatcherLimits,
        scratch: &mut Scratch,
        pattern_count: usize,
        probe: &mut P,
    ) -> ScanMatches {
        let cap = limits.max_matches_per_pattern;
        let chunking = scratch.chunking;
        if let Some(chunk_len) = chunking.and_then(|c| c.chunk_len_for(pass.data.len())) {
            return self.run_chunked(pass, scratch, (pattern_count, cap), chunk_len, probe);
        }
        let started = probe.start();
        let budget = Budget::new(&scratch.deadline);
        let mut found = Collector::new(&mut scratch.counts, cap);
        let caches = &mut scratch.caches;
        self.walk_atoms(pass, 0..pass.data.len(), caches, &budget, &mut found, probe);
        let after_walk = self.still_wanted(pass, &|pattern| found.counts[pattern] > 0);
        for &form in &after_walk {
            self.search_alone(pass, form, caches, &budget, &mut found, probe);
        }
        scratch.stopped = budget.is_spent();
        probe.searched(started);
        found.finish(pattern_count)
    }

    /// Verifies the forms of every atom that starts in `starts`.
    fn walk_atoms(
        &self,
        &Pass { forms, data, wanted }: &Pass,
        starts: Range<usize>,
        caches: &mut Caches,
        budget: &Budget,
        found: &mut Collector,
        probe: &mut impl Probe,
    ) {
        let go_on = |offsets: usize| budget.spend(u32::try_from(offsets).unwrap_or(u32::MAX));
        self.atoms.for_each_hit(data, starts, go_on, |atom, start| {
            if budget.is_spent() {
                return;
            }
            for atom in &self.uses[atom] {
                let Some(anchor) = start.checked_sub(atom.back as usize) else { continue };
                if !atom.quick.may_match(data, anchor) {
                    continue;
                }
                let form = &forms[atom.form as usize];
                if found.is_capped(form.pattern) || !wanted.wanted(form.pattern) {
                    continue;
                }
                caches.with(atom.form as usize, |slot| {
                    probe.verify(form.pattern, || {
                        form.at_anchor(data, anchor, atom.xor_key, slot, budget, &mut |m| {
                            found.push(form.pattern, m)
                        });
                    });
                });
            }
        });
    }

    /// The forms without atoms that are still wanted after the atom walk,
    /// in which `matched` says which patterns matched (see
    /// [`Wanted::still_wanted`]).
    fn still_wanted(&self, pass: &Pass, matched: &dyn Fn(usize) -> bool) -> Vec<usize> {
        let forms = pass.forms;
        // Forms are in pattern order, so these patterns are ascending.
        let searched_alone = |pattern: usize| {
            self.unatomized.binary_search_by_key(&pattern, |&form| forms[form].pattern).is_ok()
        };
        let may_match = |pattern: usize| matched(pattern) || searched_alone(pattern);
        self.unatomized
            .iter()
            .copied()
            .filter(|&form| pass.wanted.still_wanted(forms[form].pattern, &may_match))
            .collect()
    }

    /// Searches the whole of `data` for form `index`, which has no atom.
    fn search_alone(
        &self,
        &Pass { forms, data, .. }: &Pass,
        index: usize,
        caches: &mut Caches,
        budget: &Budget,
        found: &mut Collector,
        probe: &mut impl Probe,
    ) {
        let form = &forms[index];
        if budget.is_spent() {
            return;
        }
        caches.with(index, |slot| {
            probe.verify(form.pattern, || {
                form.everywhere(data, slot, budget, &mut |m| found.push(form.pattern, m));
            });
        });
    }

    /// The pass split into pieces run side by side: the atom walk in
    /// chunks of `chunk_len` atom starts, then each form without atoms
    /// that is still wanted, on its own. Every piece reads all of `data`
    /// (a match that begins in one chunk may reach into the next, or
    /// before it, as far as it likes), so no overlap is needed: the
    /// chunks only divide where atoms start.
    ///
    /// A serial pass finds its matches in the order of the chunks and
    /// then of the atom-less forms. Each piece keeps the order it found
    /// its own in, and they are fed to one collector in that order, which
    /// thus receives what the serial pass would have, except what a
    /// piece dropped for being past the per-pattern cap on its own, which
    /// the serial pass, having seen at least as many distinct offsets by
    /// then, would have dropped too. The result is the serial one, caps
    /// and all.
    fn run_chunked<P: Probe + Send + Sync>(
        &self,
        pass: &Pass,
        scratch: &mut Scratch,
        (pattern_count, cap): (usize, usize),
        chunk_len: usize,
        probe: &mut P,
    ) -> ScanMatches {
        let deadline = &scratch.deadline;
        let shared_probe: &P = probe;
        let piece = |search: &mut dyn FnMut(&Budget, &mut Collector, &mut P)| {
            let mut counts = vec![0; pattern_count];
            let budget = Budget::new(deadline);
            let mut found = Collector::new(&mut counts, cap);
            let mut probe = shared_probe.for_piece();
            let started = probe.start();
            search(&budget, &mut found, &mut probe);
            probe.searched(started);
            Piece { found: found.found, stopped: budget.is_spent(), probe }
        };
        let (forms, data) = (pass.forms, pass.data);
        let chunks: Vec<Range<usize>> = (0..data.len())
            .step_by(chunk_len)
            .map(|start| start..data.len().min(start.saturating_add(chunk_len)))
            .collect();
        let new_caches = || Caches::new(forms.len());
        let walked: Vec<Piece<P>> = chunks
            .into_par_iter()
            .map_init(new_caches, |caches, starts| {
                piece(&mut |budget, found, probe| {
                    let starts = starts.clone();
                    self.walk_atoms(pass, starts, caches, budget, found, probe);
                })
            })
            .collect();
        let mut matched = vec![false; pattern_count];
        for (pattern, _) in walked.iter().flat_map(|piece| &piece.found) {
            matched[*pattern] = true;
        }
        let alone: Vec<Piece<P>> = self
            .still_wanted(pass, &|pattern| matched[pattern])
            .into_par_iter()
            .map_init(new_caches, |caches, form| {
                piece(&mut |budget, found, probe| {
                    self.search_alone(pass, form, caches, budget, found, probe);
                })
            })
            .collect();
        let mut merged = Collector::new(&mut scratch.counts, cap);
        let mut stopped = false;
        for piece in walked.into_iter().chain(alone) {
            stopped |= piece.stopped;
            probe.add_piece(piece.probe);
            for (pattern, found) in piece.found {
                let _ = merged.push(pattern, found);
            }
        }
        scratch.stopped = stopped;
        merged.finish(pattern_count)
    }
}

/// What one pass searches: the forms, the input, the patterns wanted.
struct Pass<'a> {
    forms: &'a [Form],
    data: &'a [u8],
    wanted: &'a dyn Wanted,
}

/// What one piece of a chunked pass found, in the order it found it.
struct Piece<P> {
    found: Vec<(usize, Match)>,
    /// Whether the deadline cut the piece short.
    stopped: bool,
    /// What the piece's search cost.
    probe: P,
}

/// When a search is split into chunks searched side by side, each chunk
/// reading the whole input and the chunks' matches merged in the order of
/// a serial pass: only for inputs large enough that the threads' start-up
/// and the per-chunk caches are lost in the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunking {
    /// Inputs shorter than this are searched by one thread.
    pub min_input: usize,
    /// Atom starts per chunk.
    pub chunk_len: usize,
}

impl Default for Chunking {
    /// 32 MiB and up, in chunks of 8 MiB: a chunk's regex caches warm up
    /// in well under a millisecond, its search takes several, and a 1 GB
    /// file makes enough chunks for idle threads to take some while busy
    /// ones finish other files.
    fn default() -> Self {
        Self { min_input: 32 << 20, chunk_len: 8 << 20 }
    }
}

impl Chunking {
    /// The chunk length to split an input of `len` bytes by, if it is
    /// split: when it is long enough, makes two chunks or more, and the
    /// current thread pool has other threads to take them.
    pub(crate) fn chunk_len_for(self, len: usize) -> Option<usize> {
        let chunk_len = self.chunk_len.max(1);
        let worth_it = len >= self.min_input && len > chunk_len;
        (worth_it && rayon::current_num_threads() > 1).then_some(chunk_len)
    }
}

fn too_many(_: std::num::TryFromIntError) -> PatternError {
    PatternError::OverLimit("more than 2^32 forms or atom offsets".to_owned())
}

/// Per-thread state reused between scans: the lazy DFA caches of the
/// regex forms, filled on first use, and per-pattern match counts.
#[derive(Debug, Default)]
pub struct Scratch {
    caches: Caches,
    /// Matches per pattern during a scan, all zero between scans.
    counts: Vec<usize>,
    /// When the current scan must stop.
    deadline: Deadline,
    /// Whether large inputs are searched in chunks, by several threads.
    chunking: Option<Chunking>,
    /// The costs of the scans so far, when they are measured.
    profile: Option<SearchProfile>,
    /// Whether the last scan stopped at its deadline, its matches
    /// incomplete.
    stopped: bool,
}

impl Scratch {
    pub(crate) fn new(forms: usize, patterns: usize) -> Scratch {
        Scratch { caches: Caches::new(forms), counts: vec![0; patterns], ..Scratch::default() }
    }

    /// Sets when the following scans must stop.
    pub(crate) fn set_deadline(&mut self, deadline: Deadline) {
        self.deadline = deadline;
    }

    /// Sets whether and how the following scans split a large input among
    /// the threads of the current rayon pool (`None`: never).
    pub fn set_chunking(&mut self, chunking: Option<Chunking>) {
        self.chunking = chunking;
    }

    /// Starts measuring what the following scans cost per pattern.
    pub fn enable_profile(&mut self) {
        self.profile.get_or_insert_with(|| SearchProfile::new(self.counts.len()));
    }

    /// What the scans since [`Scratch::enable_profile`] cost.
    #[must_use]
    pub fn profile(&self) -> Option<&SearchProfile> {
        self.profile.as_ref()
    }

    /// Whether the last scan stopped at the deadline before the end: its
    /// matches are then incomplete.
    #[must_use]
    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }

    /// Makes room for `forms` caches and `patterns` counts (a scratch made
    /// for another matcher still works).
    fn prepare(&mut self, forms: usize, patterns: usize) {
        if self.caches.slots.len() != forms || self.counts.len() != patterns {
            self.caches = Caches::new(forms);
            self.counts = vec![0; patterns];
        }
    }
}

/// The lazy DFA caches of the regex forms, one slot per form, created
/// when a form is first verified.
#[derive(Debug, Default)]
struct Caches {
    slots: Vec<CacheSlot>,
    /// The forms whose caches exist.
    live: Vec<usize>,
    /// The forms verified since their caches were last measured, each once.
    touched: Vec<usize>,
    /// Per form, whether it is in `touched`, and the bytes its caches held
    /// when last measured.
    measured: Vec<(bool, usize)>,
    /// The measured bytes of all live caches.
    used: usize,
}

impl Caches {
    fn new(forms: usize) -> Caches {
        Caches {
            slots: (0..forms).map(|_| None).collect(),
            measured: vec![(false, 0); forms],
            ..Caches::default()
        }
    }

    /// Runs `verify` with the cache slot of `form`, noting a cache it
    /// creates or uses.
    fn with(&mut self, form: usize, verify: impl FnOnce(&mut CacheSlot)) {
        let slot = &mut self.slots[form];
        let was_empty = slot.is_none();
        verify(slot);
        if slot.is_none() {
            return;
        }
        if was_empty {
            self.live.push(form);
        }
        let (touched, _) = &mut self.measured[form];
        if !*touched {
            *touched = true;
            self.touched.push(form);
        }
    }

    /// Measures the caches used since the last call and drops every cache
    /// once they hold more than `budget` bytes: each regex verified in a
    /// long scan session keeps a lazy DFA cache (a few KiB even for a
    /// short one), and the thousands a large rule set verifies in a
    /// directory would otherwise grow with every file. Only the caches a
    /// scan used can have grown, so the measurement costs what the scan
    /// verified, and the memory stays within the budget plus one scan's.
    fn trim(&mut self, budget: usize) {
        for form in self.touched.drain(..) {
            let now = self.slots[form].as_ref().map_or(0, |caches| caches.memory_usage());
            let (touched, bytes) = &mut self.measured[form];
            *touched = false;
            self.used = self.used - *bytes + now;
            *bytes = now;
        }
        if self.used > budget {
            for form in self.live.drain(..) {
                self.slots[form] = None;
                self.measured[form].1 = 0;
            }
            self.used = 0;
        }
    }
}

/// The matches of one scan, by pattern index.
///
/// Stored sparsely: a scan of a rule set with tens of thousands of patterns
/// matches a handful of them per file, and per-pattern lists would cost an
/// allocation and a clearing of every pattern per file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanMatches {
    /// Every kept match, by pattern then in [`report_order`], one per offset.
    found: Vec<Match>,
    /// The patterns with a match, ascending, and where theirs start in
    /// `found`.
    matched: Vec<(usize, usize)>,
    /// One bit per pattern: whether it is in `matched`, so that asking for a
    /// pattern without a match costs one lookup.
    has_match: Vec<u64>,
    /// The patterns that reached the cap, ascending.
    capped: Vec<usize>,
}

/// Collects the matches of one scan.
struct Collector<'a> {
    /// The matches in the order they were found: a chunked pass feeds
    /// its pieces' lists to one collector in the order a serial pass
    /// would have found them (see [`Search::run_chunked`]).
    found: Vec<(usize, Match)>,
    /// Per pattern, matches collected so far (zero again after the scan);
    /// kept in the [`Scratch`].
    counts: &'a mut Vec<usize>,
    capped: Vec<usize>,
    cap: usize,
}

impl<'a> Collector<'a> {
    fn new(counts: &'a mut Vec<usize>, cap: usize) -> Self {
        Collector { found: Vec::new(), counts, capped: Vec::new(), cap }
    }

    fn is_capped(&self, pattern: usize) -> bool {
        self.counts[pattern] >= self.cap && self.capped.contains(&pattern)
    }

    /// Records a match; returns `false` once the pattern is capped, which
    /// it is when it has `cap` distinct offsets.
    fn push(&mut self, pattern: usize, found: Match) -> bool {
        if self.counts[pattern] >= self.cap {
            if self.capped.contains(&pattern) {
                return false;
            }
            // Repeated offsets inflate the count: only distinct ones count.
            self.counts[pattern] = self.drop_repeats(pattern);
            if self.counts[pattern] >= self.cap {
                self.capped.push(pattern);
                return false;
            }
        }
        self.counts[pattern] += 1;
        self.found.push((pattern, found));
        true
    }

    /// Drops the matches of `pattern` at an offset it already has with a
    /// length no longer (they can change nothing, the shortest at an
    /// offset is kept) and returns how many offsets it has. The order of
    /// the rest is kept.
    fn drop_repeats(&mut self, pattern: usize) -> usize {
        let mut shortest: HashMap<usize, usize> = HashMap::new();
        self.found.retain(|&(of, found)| {
            if of != pattern {
                return true;
            }
            let length = shortest.entry(found.offset).or_insert(usize::MAX);
            let shorter = found.length < *length;
            *length = (*length).min(found.length);
            shorter
        });
        shortest.len()
    }

    fn finish(mut self, patterns: usize) -> ScanMatches {
        normalize(&mut self.found);
        let mut matched: Vec<(usize, usize)> = Vec::new();
        let mut has_match = vec![0u64; patterns.div_ceil(64)];
        for (index, &(pattern, _)) in self.found.iter().enumerate() {
            self.counts[pattern] = 0;
            if matched.last().is_none_or(|&(last, _)| last != pattern) {
                matched.push((pattern, index));
                has_match[pattern / 64] |= 1 << (pattern % 64);
            }
        }
        self.capped.sort_unstable();
        let found = self.found.into_iter().map(|(_, found)| found).collect();
        ScanMatches { found, matched, has_match, capped: self.capped }
    }
}

impl ScanMatches {
    /// The matches of `pattern`, sorted by offset, one per offset.
    #[must_use]
    pub fn matches(&self, pattern: usize) -> &[Match] {
        let has_match =
            self.has_match.get(pattern / 64).is_some_and(|bits| bits >> (pattern % 64) & 1 != 0);
        if !has_match {
            return &[];
        }
        let Ok(at) = self.matched.binary_search_by_key(&pattern, |&(p, _)| p) else {
            return &[];
        };
        let start = self.matched[at].1;
        let end = self.matched.get(at + 1).map_or(self.found.len(), |&(_, next)| next);
        &self.found[start..end]
    }

    /// The patterns with at least one match, ascending, with their matches.
    pub fn matched_patterns(&self) -> impl Iterator<Item = (usize, &[Match])> + '_ {
        self.matched.iter().map(|&(pattern, _)| (pattern, self.matches(pattern)))
    }

    /// Whether `pattern` reached the per-pattern cap (later matches were
    /// dropped).
    #[must_use]
    pub fn hit_cap(&self, pattern: usize) -> bool {
        self.capped.binary_search(&pattern).is_ok()
    }

    /// The patterns that reached the cap.
    pub fn capped_patterns(&self) -> impl Iterator<Item = usize> + '_ {
        self.capped.iter().copied()
    }
}

/// The order of a pattern's matches: by offset, and at one offset the
/// match kept first, the shortest. When a pattern's ascii and wide forms
/// both match at one offset YARA-X usually reports the ascii one (`"a"
/// ascii wide` on `a\0`; for xor patterns it depends on which form its
/// search finds first).
pub(crate) fn report_order(a: &Match, b: &Match) -> Ordering {
    a.offset.cmp(&b.offset).then(a.length.cmp(&b.length))
}

/// Sorts by pattern and in [`report_order`], and keeps one match per
/// pattern and offset.
fn normalize(found: &mut Vec<(usize, Match)>) {
    found.sort_unstable_by(|(a_pattern, a), (b_pattern, b)| {
        a_pattern.cmp(b_pattern).then_with(|| report_order(a, b))
    });
    found.dedup_by_key(|(pattern, found)| (*pattern, found.offset));
}

#[cfg(test)]
mod tests {
    use super::super::{Matcher, MatcherLimits, PatternSpec};
    use crate::parser::ast::{PatternValue, Regex};

    #[test]
    fn cache_memory_past_the_budget_is_dropped() {
        let regex = Regex {
            pattern: "abc[0-9]+x".to_owned(),
            case_insensitive: false,
            dot_matches_new_line: false,
            span: crate::source::Span::new(0, 0),
        };
        let value = PatternValue::Regex(regex);
        let specs = [PatternSpec { value: &value, modifiers: &[] }];
        for (budget, kept) in [(usize::MAX, true), (0, false)] {
            let limits = MatcherLimits { scratch_cache_budget: budget, ..MatcherLimits::default() };
            let matcher = Matcher::build(&specs, &limits).unwrap();
            let mut scratch = matcher.scratch();
            for _ in 0..2 {
                assert_eq!(matcher.scan(b"..abc123x..", &mut scratch).matches(0).len(), 1);
            }
            assert_eq!(!scratch.caches.live.is_empty(), kept, "budget {budget}");
            assert_eq!(scratch.caches.slots.iter().any(Option::is_some), kept);
            assert_eq!(scratch.caches.used > 0, kept);
        }
    }
}
