//! Finding every occurrence of every atom in one pass.
//!
//! Atoms are at most [`ATOM_LEN`] bytes, so an occurrence is decided by the
//! few bytes at its start. Instead of stepping an Aho-Corasick automaton
//! through every byte (a memory lookup per byte into a trie of tens of
//! thousands of states for a full rule set), the pass first asks small bit
//! sets whether an atom can start at an offset: one per atom length, indexed
//! by the atom's bytes (one- and two-byte atoms directly, three- and
//! four-byte atoms by a multiplicative hash). Only at the offsets that pass
//! does it walk the atom trie, anchored, for at most [`ATOM_LEN`] bytes.
//! With the 16,000 atoms of the signature-base patterns, the hashed sets
//! are about 2% full, so nearly every candidate is a real hit.

use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{Anchored, MatchKind};

use super::PatternError;
use super::atoms::ATOM_LEN;

/// Bits of the hashed sets of three- and four-byte atoms: 2^20 bits
/// (128 KiB, fits in L2 cache) keep a set of tens of thousands of atoms a
/// few percent full.
const HASH_BITS: u32 = 20;

/// Offsets of the input walked between two questions whether to go on
/// (the deadline): often enough to stop within a millisecond, rarely
/// enough to cost nothing.
const STOP_CHECK_STRIDE: usize = 1 << 16;

/// The atoms of all forms, indexed for the pass.
#[derive(Debug)]
pub(crate) struct AtomIndex {
    /// The trie of the atoms, walked anchored from a candidate offset.
    trie: NFA,
    /// The first two bytes (little-endian) of every atom; a one-byte atom
    /// sets every pair it begins.
    by_first_two: Vec<u64>,
    /// Per atom length 1 to 4, a bit set of the atoms of that length: by
    /// value for lengths 1 and 2, by [`hash`] for 3 and 4.
    by_length: [Vec<u64>; ATOM_LEN],
}

fn set(bits: &mut [u64], index: usize) {
    bits[index / 64] |= 1 << (index % 64);
}

fn is_set(bits: &[u64], index: usize) -> bool {
    bits[index / 64] >> (index % 64) & 1 != 0
}

/// The bit of a three- or four-byte atom (`value` little-endian).
fn hash(value: u32) -> usize {
    (value.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// The first `len` bytes of `window` as a little-endian number.
fn prefix_value(window: u32, len: usize) -> u32 {
    match len {
        4 => window,
        _ => window & ((1 << (8 * len)) - 1),
    }
}

/// The bit of an atom of `len` bytes whose bytes are `value`.
fn bit_of(value: u32, len: usize) -> usize {
    match len {
        1 | 2 => value as usize,
        _ => hash(value),
    }
}

impl AtomIndex {
    /// Indexes `atoms` (each 1 to [`ATOM_LEN`] bytes); hits are reported
    /// by position in this list.
    pub(crate) fn build(atoms: &[&[u8]]) -> Result<AtomIndex, PatternError> {
        let trie = NFA::builder()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(atoms)
            .map_err(|error| PatternError::OverLimit(error.to_string()))?;
        let sizes = [1 << 8, 1 << 16, 1 << HASH_BITS, 1 << HASH_BITS];
        let mut by_length = sizes.map(|bits: usize| vec![0u64; bits.div_ceil(64)]);
        let mut by_first_two = vec![0u64; (1 << 16) / 64];
        for atom in atoms.iter().filter(|atom| (1..=ATOM_LEN).contains(&atom.len())) {
            let mut bytes = [0u8; 4];
            bytes[..atom.len()].copy_from_slice(atom);
            let value = u32::from_le_bytes(bytes);
            set(&mut by_length[atom.len() - 1], bit_of(value, atom.len()));
            match atom.len() {
                1 => (0..=u8::MAX).for_each(|second| {
                    set(&mut by_first_two, usize::from(u16::from_le_bytes([atom[0], second])));
                }),
                _ => set(&mut by_first_two, usize::from(u16::from_le_bytes([atom[0], atom[1]]))),
            }
        }
        Ok(AtomIndex { trie, by_first_two, by_length })
    }

    /// Whether some atom may start with the bytes of `window` (the next
    /// four bytes, little-endian).
    fn may_start(&self, window: u32) -> bool {
        is_set(&self.by_first_two, (window & 0xFFFF) as usize)
            && (1..=ATOM_LEN)
                .any(|len| is_set(&self.by_length[len - 1], bit_of(prefix_value(window, len), len)))
    }

    /// Calls `hit(atom, start)` for every occurrence of every atom in
    /// `data`, by increasing start. Every [`STOP_CHECK_STRIDE`] offsets it
    /// asks `go_on` (given the offsets walked since) whether to continue.
    pub(crate) fn for_each_hit(
        &self,
        data: &[u8],
        mut go_on: impl FnMut(usize) -> bool,
        mut hit: impl FnMut(usize, usize),
    ) {
        let Ok(root) = self.trie.start_state(Anchored::Yes) else { return };
        for (start, window) in data.windows(ATOM_LEN).enumerate() {
            if start % STOP_CHECK_STRIDE == 0 && !go_on(STOP_CHECK_STRIDE) {
                return;
            }
            let value = u32::from_le_bytes([window[0], window[1], window[2], window[3]]);
            if self.may_start(value) {
                self.walk(root, window, start, &mut hit);
            }
        }
        // The last few offsets, too close to the end for a full window, are
        // walked directly.
        for start in data.len().saturating_sub(ATOM_LEN - 1)..data.len() {
            self.walk(root, &data[start..], start, &mut hit);
        }
    }

    /// Walks the trie over the start of `rest` and reports the atoms that
    /// begin exactly at `start` (match states also carry atoms that are
    /// suffixes of the path, which begin later and are found from there).
    fn walk(
        &self,
        root: aho_corasick::automaton::StateID,
        rest: &[u8],
        start: usize,
        hit: &mut impl FnMut(usize, usize),
    ) {
        let mut state = root;
        for (depth, &byte) in rest.iter().take(ATOM_LEN).enumerate() {
            state = self.trie.next_state(Anchored::Yes, state, byte);
            if self.trie.is_dead(state) {
                return;
            }
            if self.trie.is_match(state) {
                for index in 0..self.trie.match_len(state) {
                    let atom = self.trie.match_pattern(state, index);
                    if self.trie.pattern_len(atom) == depth + 1 {
                        hit(atom.as_usize(), start);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_is_found_once() {
        let atoms: [&[u8]; 5] = [b"a", b"ab", b"abcd", b"bc", b"cd"];
        let index = AtomIndex::build(&atoms).unwrap();
        let mut hits = Vec::new();
        index.for_each_hit(b"xabcda", |_| true, |atom, start| hits.push((atoms[atom], start)));
        let expected: [(&[u8], usize); 6] =
            [(b"a", 1), (b"ab", 1), (b"abcd", 1), (b"bc", 2), (b"cd", 3), (b"a", 5)];
        assert_eq!(hits, expected);
    }

    #[test]
    fn inputs_shorter_than_a_window() {
        let atoms: [&[u8]; 3] = [b"a", b"ab", b"bc"];
        let index = AtomIndex::build(&atoms).unwrap();
        type Hit<'a> = (&'a [u8], usize);
        let cases: [(&[u8], &[Hit]); 3] =
            [(b"", &[]), (b"a", &[(b"a", 0)]), (b"abc", &[(b"a", 0), (b"ab", 0), (b"bc", 1)])];
        for (data, expected) in cases {
            let mut hits = Vec::new();
            index.for_each_hit(data, |_| true, |atom, start| hits.push((atoms[atom], start)));
            assert_eq!(hits, expected, "{data:?}");
        }
    }
}
