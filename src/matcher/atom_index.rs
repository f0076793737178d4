//! Finding every occurrence of every atom in one pass.
//!
//! Atoms are at most [`ATOM_LEN`] bytes, so an occurrence is decided by the
//! few bytes at its start. Instead of stepping an Aho-Corasick automaton
//! through every byte (a memory lookup per byte into a trie of tens of
//! thousands of states for a full rule set), the pass first asks small bit
//! sets whether an atom can start at an offset. Nearly all atoms have the
//! full four bytes (20,713 of the 20,928 of signature-base): for them, one
//! bit set indexed by a multiplicative hash of the next four bytes, about
//! 2% full. The few shorter atoms are asked for by their first two bytes in
//! a second, L1-sized set (a one-byte atom sets every pair it begins).
//! Both questions are answered "no" at most offsets, which keeps the
//! branch predictable: a gate on the first two bytes of every atom, as
//! before, let 56% of the offsets of executables through, and the
//! mispredicted branches cost more than the lookups. Only at the offsets
//! that pass does the pass look the next one to [`ATOM_LEN`] bytes up in a
//! hash table per length.
//!
//! The tables are plain hash maps rather than a trie (an Aho-Corasick
//! automaton walked anchored, as before) because they build in a fraction
//! of the time: a compiled ruleset rebuilds this index on every load.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::atoms::ATOM_LEN;

/// Bits of the hashed sets of three- and four-byte atoms: 2^20 bits
/// (128 KiB, fits in L2 cache) keep a set of tens of thousands of atoms a
/// few percent full.
const HASH_BITS: u32 = 20;

/// Hashes the four-byte values of atoms: one multiplication, with the
/// high bits (the well-mixed ones) folded into the low ones that pick a
/// bucket.
#[derive(Default)]
struct AtomHasher(u64);

impl Hasher for AtomHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u32(u32::from(byte));
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.0 = (self.0 ^ u64::from(value)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Atom index by the atom's bytes (little-endian).
type AtomTable = HashMap<u32, usize, BuildHasherDefault<AtomHasher>>;

/// Offsets of the input walked between two questions whether to go on
/// (the deadline): often enough to stop within a millisecond, rarely
/// enough to cost nothing.
const STOP_CHECK_STRIDE: usize = 1 << 16;

/// The atoms of all forms, indexed for the pass.
#[derive(Debug)]
pub(crate) struct AtomIndex {
    /// Per atom length 1 to 4, the atoms of that length by value.
    by_value: [AtomTable; ATOM_LEN],
    /// The first two bytes (little-endian) of every atom shorter than
    /// [`ATOM_LEN`]; a one-byte atom sets every pair it begins.
    short_by_first_two: Vec<u64>,
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
    /// Indexes `atoms` (each 1 to [`ATOM_LEN`] bytes, no two alike; others
    /// are never found); hits are reported by position in this list.
    pub(crate) fn build(atoms: &[&[u8]]) -> AtomIndex {
        let mut by_value: [AtomTable; ATOM_LEN] = Default::default();
        let sizes = [1 << 8, 1 << 16, 1 << HASH_BITS, 1 << HASH_BITS];
        let mut by_length = sizes.map(|bits: usize| vec![0u64; bits.div_ceil(64)]);
        let mut short_by_first_two = vec![0u64; (1 << 16) / 64];
        for (index, atom) in atoms.iter().enumerate() {
            if !(1..=ATOM_LEN).contains(&atom.len()) {
                continue;
            }
            let mut bytes = [0u8; 4];
            bytes[..atom.len()].copy_from_slice(atom);
            let value = u32::from_le_bytes(bytes);
            let _ = by_value[atom.len() - 1].insert(value, index);
            set(&mut by_length[atom.len() - 1], bit_of(value, atom.len()));
            let mut set_pair = |pair: [u8; 2]| {
                set(&mut short_by_first_two, usize::from(u16::from_le_bytes(pair)));
            };
            match atom.len() {
                1 => (0..=u8::MAX).for_each(|second| set_pair([atom[0], second])),
                ATOM_LEN => {}
                _ => set_pair([atom[0], atom[1]]),
            }
        }
        AtomIndex { by_value, short_by_first_two, by_length }
    }

    /// How many atoms are indexed.
    pub(crate) fn len(&self) -> usize {
        self.by_value.iter().map(HashMap::len).sum()
    }

    /// Whether an atom of [`ATOM_LEN`] bytes may start with the bytes of
    /// `window` (the next four bytes, little-endian).
    fn may_start_long(&self, window: u32) -> bool {
        is_set(&self.by_length[ATOM_LEN - 1], hash(window))
    }

    /// Whether a shorter atom may start with the bytes of `window`.
    fn may_start_short(&self, window: u32) -> bool {
        is_set(&self.short_by_first_two, (window & 0xFFFF) as usize)
    }

    /// Calls `hit(atom, start)` for every occurrence of every atom in
    /// `data` that starts in `starts`, by increasing start (and at one
    /// start, by increasing length); an atom starting near the end of
    /// `starts` is read from the bytes past it. Every
    /// [`STOP_CHECK_STRIDE`] offsets it asks `go_on` (given the offsets
    /// walked since) whether to continue.
    pub(crate) fn for_each_hit(
        &self,
        data: &[u8],
        starts: Range<usize>,
        mut go_on: impl FnMut(usize) -> bool,
        mut hit: impl FnMut(usize, usize),
    ) {
        let end = starts.end.min(data.len());
        // Starts before this one have a full window of ATOM_LEN bytes.
        let full = data.len().saturating_sub(ATOM_LEN - 1);
        let first = starts.start.min(end);
        // Exactly the windows that start in `first..end.min(full)`.
        let windows = data[first..(end + ATOM_LEN - 1).min(data.len())].windows(ATOM_LEN);
        for (walked, window) in windows.enumerate() {
            if walked % STOP_CHECK_STRIDE == 0 && !go_on(STOP_CHECK_STRIDE) {
                return;
            }
            let value = u32::from_le_bytes([window[0], window[1], window[2], window[3]]);
            let start = first + walked;
            if self.may_start_short(value) {
                self.lookup(value, 1..ATOM_LEN, start, &mut hit);
            }
            if self.may_start_long(value) {
                self.lookup(value, ATOM_LEN..ATOM_LEN + 1, start, &mut hit);
            }
        }
        // The last few offsets, too close to the end for a full window, are
        // looked up directly.
        for start in full.max(first)..end {
            let mut bytes = [0u8; 4];
            let rest = &data[start..];
            bytes[..rest.len()].copy_from_slice(rest);
            self.lookup(u32::from_le_bytes(bytes), 1..rest.len() + 1, start, &mut hit);
        }
    }

    /// Reports the atoms with a length in `lens` that `window` (the bytes
    /// at `start`, little-endian) begins with.
    fn lookup(
        &self,
        window: u32,
        lens: Range<usize>,
        start: usize,
        hit: &mut impl FnMut(usize, usize),
    ) {
        for len in lens {
            let value = prefix_value(window, len);
            if is_set(&self.by_length[len - 1], bit_of(value, len))
                && let Some(&atom) = self.by_value[len - 1].get(&value)
            {
                hit(atom, start);
            }
        }
    }
}

/// Bytes an atom takes when stored: its length, then [`ATOM_LEN`] bytes.
const STORED_ATOM: usize = 1 + ATOM_LEN;

/// Stored as its atoms, in index order, as one byte string; the tables
/// are rebuilt on load, which is cheaper than decoding them.
impl Serialize for AtomIndex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut stored = vec![0u8; self.len() * STORED_ATOM];
        for (len, table) in (1..=ATOM_LEN).zip(&self.by_value) {
            for (&value, &index) in table {
                let slot = &mut stored[index * STORED_ATOM..(index + 1) * STORED_ATOM];
                slot[0] = len as u8;
                slot[1..].copy_from_slice(&value.to_le_bytes());
            }
        }
        serializer.serialize_bytes(&stored)
    }
}

impl<'de> Deserialize<'de> for AtomIndex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored: Vec<u8> = crate::byte_strings::bytes::deserialize(deserializer)?;
        if !stored.len().is_multiple_of(STORED_ATOM) {
            return Err(D::Error::custom("a stored atom list of odd length"));
        }
        let atoms: Vec<&[u8]> = stored
            .chunks(STORED_ATOM)
            .map(|slot| &slot[1..=usize::from(slot[0]).min(ATOM_LEN)])
            .collect();
        let mut distinct = atoms.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() != atoms.len() || atoms.iter().any(|atom| atom.is_empty()) {
            return Err(D::Error::custom("stored atoms that repeat or are empty"));
        }
        Ok(AtomIndex::build(&atoms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_is_found_once() {
        let atoms: [&[u8]; 5] = [b"a", b"ab", b"abcd", b"bc", b"cd"];
        let index = AtomIndex::build(&atoms);
        let mut hits = Vec::new();
        index.for_each_hit(
            b"xabcda",
            0..6,
            |_| true,
            |atom, start| hits.push((atoms[atom], start)),
        );
        let expected: [(&[u8], usize); 6] =
            [(b"a", 1), (b"ab", 1), (b"abcd", 1), (b"bc", 2), (b"cd", 3), (b"a", 5)];
        assert_eq!(hits, expected);
    }

    #[test]
    fn inputs_shorter_than_a_window() {
        let atoms: [&[u8]; 3] = [b"a", b"ab", b"bc"];
        let index = AtomIndex::build(&atoms);
        type Hit<'a> = (&'a [u8], usize);
        let cases: [(&[u8], &[Hit]); 3] =
            [(b"", &[]), (b"a", &[(b"a", 0)]), (b"abc", &[(b"a", 0), (b"ab", 0), (b"bc", 1)])];
        for (data, expected) in cases {
            let mut hits = Vec::new();
            index.for_each_hit(
                data,
                0..data.len(),
                |_| true,
                |atom, start| hits.push((atoms[atom], start)),
            );
            assert_eq!(hits, expected, "{data:?}");
        }
    }

    #[test]
    fn walks_over_split_ranges_add_up_to_one_walk_over_all() {
        let atoms: [&[u8]; 4] = [b"a", b"ab", b"abcd", b"da"];
        let index = AtomIndex::build(&atoms);
        let data = b"abcdabxxdaabcdab";
        let walk = |range: Range<usize>| {
            let mut hits = Vec::new();
            index.for_each_hit(data, range, |_| true, |atom, start| hits.push((atom, start)));
            hits
        };
        let whole = walk(0..data.len());
        for cut in 0..=data.len() {
            let mut split = walk(0..cut);
            split.extend(walk(cut..data.len()));
            assert_eq!(split, whole, "cut at {cut}");
        }
    }
}
