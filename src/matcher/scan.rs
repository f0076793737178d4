//! The single pass: every occurrence of every atom (also one inside
//! another, see `atom_index.rs`), and verification of the forms each hit
//! points to.
//!
//! Identical atoms of different forms are indexed once; their entry lists
//! every (form, offset, key) that uses them. Forms without atoms are
//! searched afterwards, one by one.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::atom_index::AtomIndex;
use super::forms::Form;
use super::verify::{self, FormCaches};
use super::{Match, MatcherLimits, PatternError};

/// Where one atom sits: which form, how far after the form's start, which
/// xor key it was made with.
#[derive(Debug, Clone, Copy)]
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
#[derive(Debug, Clone, Copy, Default)]
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
#[derive(Debug)]
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
        let atoms = AtomIndex::build(&atoms)?;
        Ok(Search { atoms, uses, unatomized })
    }

    /// Forms searched without atoms.
    pub(crate) fn unatomized(&self) -> &[usize] {
        &self.unatomized
    }

    /// Runs the pass over `data`.
    pub(crate) fn run(
        &self,
        forms: &[Form],
        limits: &MatcherLimits,
        data: &[u8],
        scratch: &mut Scratch,
        pattern_count: usize,
    ) -> ScanMatches {
        let mut found = ScanMatches::new(pattern_count, limits.max_matches_per_pattern);
        scratch.prepare(forms.len());
        self.atoms.for_each_hit(data, |atom, start| {
            for atom in &self.uses[atom] {
                let Some(anchor) = start.checked_sub(atom.back as usize) else { continue };
                if !atom.quick.may_match(data, anchor) {
                    continue;
                }
                let form = &forms[atom.form as usize];
                if found.capped[form.pattern] {
                    continue;
                }
                let caches = &mut scratch.caches[atom.form as usize];
                verify::at_anchor(form, data, anchor, atom.xor_key, caches, &mut |m| {
                    found.push(form.pattern, m)
                });
            }
        });
        for &index in &self.unatomized {
            let form = &forms[index];
            let caches = &mut scratch.caches[index];
            verify::everywhere(form, data, caches, &mut |m| found.push(form.pattern, m));
        }
        found.finish();
        found
    }
}

fn too_many(_: std::num::TryFromIntError) -> PatternError {
    PatternError::OverLimit("more than 2^32 forms or atom offsets".to_owned())
}

/// Per-thread state reused between scans: the lazy DFA caches of the
/// regex forms, filled on first use.
#[derive(Debug, Default)]
pub struct Scratch {
    caches: Vec<FormCaches>,
}

impl Scratch {
    pub(crate) fn new(forms: usize) -> Scratch {
        Scratch { caches: (0..forms).map(|_| FormCaches::default()).collect() }
    }

    /// Makes room for `forms` caches (a scratch made for another matcher
    /// still works).
    fn prepare(&mut self, forms: usize) {
        if self.caches.len() != forms {
            *self = Scratch::new(forms);
        }
    }
}

/// The matches of one scan, by pattern index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanMatches {
    matches: Vec<Vec<Match>>,
    capped: Vec<bool>,
    cap: usize,
}

impl ScanMatches {
    fn new(patterns: usize, cap: usize) -> ScanMatches {
        ScanMatches { matches: vec![Vec::new(); patterns], capped: vec![false; patterns], cap }
    }

    /// Records a match; returns `false` once the pattern is capped.
    fn push(&mut self, pattern: usize, found: Match) -> bool {
        if self.capped[pattern] {
            return false;
        }
        let list = &mut self.matches[pattern];
        if list.len() >= self.cap {
            // Duplicates may inflate the count: only distinct offsets count.
            normalize(list);
            if list.len() >= self.cap {
                self.capped[pattern] = true;
                return false;
            }
        }
        list.push(found);
        true
    }

    fn finish(&mut self) {
        self.matches.iter_mut().for_each(normalize);
    }

    /// The matches of `pattern`, sorted by offset, one per offset.
    #[must_use]
    pub fn matches(&self, pattern: usize) -> &[Match] {
        self.matches.get(pattern).map_or(&[], Vec::as_slice)
    }

    /// Whether `pattern` reached the per-pattern cap (later matches were
    /// dropped).
    #[must_use]
    pub fn hit_cap(&self, pattern: usize) -> bool {
        self.capped.get(pattern).copied().unwrap_or(false)
    }

    /// The patterns that reached the cap.
    pub fn capped_patterns(&self) -> impl Iterator<Item = usize> + '_ {
        self.capped.iter().enumerate().filter_map(|(index, &capped)| capped.then_some(index))
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

/// Sorts in [`report_order`] and keeps one match per offset.
fn normalize(list: &mut Vec<Match>) {
    list.sort_unstable_by(report_order);
    list.dedup_by_key(|found| found.offset);
}
