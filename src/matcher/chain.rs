//! Hex strings of fixed pieces and bounded jumps, verified without a regex.
//!
//! Most hex strings of large rule sets are runs of bytes (some of them
//! masked: `4?`, `??`) joined by bounded jumps, such as signature-base's
//! thousands of VersionInfo rules for vulnerable drivers: `{ 0046…006e
//! [1-8] 0045…0072 }`. As a regex each needs a Thompson NFA and, per
//! thread, a lazy DFA cache of a few KiB; a PE file that verifies
//! thousands of them built tens of MB of caches in one scan. A [`Chain`]
//! compares its pieces instead, trying each jump's lengths shortest first
//! (hex jumps are lazy, see `hex.rs`) and backtracking, which is what the
//! leftmost-first regex reports, with no automaton and no cache.
//!
//! As for a regex form, the atom (four exact bytes inside one piece) may
//! sit after other pieces: from the atom every start the earlier pieces
//! and jumps allow is found backwards, nearest first, and the match from
//! each start is then found forwards over the whole chain.
//!
//! Hex strings with alternatives, negated bytes, unbounded jumps, more
//! than [`MAX_GAPS`] jumps or more than [`MAX_PATHS`] ways through their
//! jumps, or without four exact bytes in a row, stay regexes.

use serde::{Deserialize, Serialize};

use super::Match;
use super::atoms::{self, ATOM_LEN};
use super::deadline::Budget;
use super::verify::MASKED_BYTES;
use crate::parser::ast::HexToken;

/// Most jumps a chain may have: the searches recurse once per jump.
const MAX_GAPS: usize = 64;

/// Most ways through a chain's jumps (the product of their length
/// ranges), which bounds the work of one verification: a failing one
/// may try every path, one piece compare each, at every atom hit (a
/// regex's lazy DFA walks a few hundred bytes per hit instead).
const MAX_PATHS: u64 = 256;

/// A hex string as pieces joined by jumps.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "ChainParts")]
pub(crate) struct Chain {
    parts: ChainParts,
}

/// A [`Chain`]'s fields, checked by [`Chain::try_from`] when a compiled
/// ruleset is loaded, so that a forged one cannot index out of bounds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChainParts {
    /// The runs of bytes, none empty.
    pieces: Vec<Piece>,
    /// The jump after each piece but the last: least and most bytes.
    gaps: Vec<(u32, u32)>,
    /// The piece holding the atom.
    atom_piece: usize,
    /// Where the atom starts in that piece.
    atom_offset: usize,
}

/// A run of bytes, each compared under a mask.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Piece {
    /// The expected bytes, zero where the mask is.
    #[serde(with = "crate::byte_strings::bytes")]
    values: Vec<u8>,
    /// The bits compared per byte; `None` when every byte is exact.
    #[serde(with = "crate::byte_strings::optional_bytes")]
    masks: Option<Vec<u8>>,
}

impl Piece {
    fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the piece matches `data` from `start`.
    fn matches_at(&self, data: &[u8], start: usize) -> bool {
        let Some(window) = start.checked_add(self.len()).and_then(|end| data.get(start..end))
        else {
            return false;
        };
        match &self.masks {
            None => window == self.values,
            Some(masks) => window
                .iter()
                .zip(&self.values)
                .zip(masks)
                .all(|((&byte, &value), &mask)| byte & mask == value),
        }
    }

    fn mask(&self, index: usize) -> u8 {
        self.masks.as_ref().map_or(0xFF, |masks| masks[index])
    }
}

impl TryFrom<ChainParts> for Chain {
    type Error = String;

    fn try_from(parts: ChainParts) -> Result<Self, Self::Error> {
        let well_formed = !parts.pieces.is_empty()
            && parts.gaps.len() + 1 == parts.pieces.len()
            && parts.gaps.len() <= MAX_GAPS
            && paths(&parts.gaps) <= MAX_PATHS
            && parts.gaps.iter().all(|&(min, max)| min <= max)
            && parts.pieces.iter().all(|piece| {
                piece.len() > 0 && piece.masks.as_ref().is_none_or(|m| m.len() == piece.len())
            })
            && parts.pieces.get(parts.atom_piece).is_some_and(|piece| {
                parts.atom_offset.checked_add(ATOM_LEN).is_some_and(|end| end <= piece.len())
            });
        if well_formed { Ok(Chain { parts }) } else { Err("a malformed hex chain".to_owned()) }
    }
}

/// The ways through `gaps`: the product of their length ranges.
fn paths(gaps: &[(u32, u32)]) -> u64 {
    gaps.iter().fold(1u64, |product, &(min, max)| {
        product.saturating_mul(u64::from(max.saturating_sub(min)) + 1)
    })
}

impl Chain {
    /// The chain of a hex string's tokens and its atom, or `None` when the
    /// string is not one (see the module doc).
    pub(crate) fn from_hex(tokens: &[HexToken]) -> Option<(Chain, Vec<u8>)> {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut gaps: Vec<(u32, u32)> = Vec::new();
        let mut current = Piece { values: Vec::new(), masks: None };
        for token in tokens {
            match *token {
                HexToken::Byte { value, mask } => {
                    if mask != 0xFF {
                        let len = current.len();
                        current.masks.get_or_insert_with(|| vec![0xFF; len]);
                    }
                    current.values.push(value & mask);
                    if let Some(masks) = &mut current.masks {
                        masks.push(mask);
                    }
                }
                HexToken::Jump { min, max: Some(max), .. } if max > 0 && min <= max => {
                    if current.len() > 0 {
                        pieces.push(std::mem::replace(
                            &mut current,
                            Piece { values: Vec::new(), masks: None },
                        ));
                        gaps.push((min, max));
                    } else {
                        // Consecutive jumps add up; a leading one is not
                        // a hex string YARA accepts.
                        let last = gaps.last_mut()?;
                        *last = (last.0.checked_add(min)?, last.1.checked_add(max)?);
                    }
                }
                _ => return None,
            }
        }
        if current.len() == 0 {
            return None;
        }
        pieces.push(current);
        let (atom_piece, atom_offset, atom) = best_atom(&pieces)?;
        let parts = ChainParts { pieces, gaps, atom_piece, atom_offset };
        Some((Chain::try_from(parts).ok()?, atom))
    }

    /// The chain's bytes when it is one piece of exact bytes, a literal.
    pub(crate) fn exact_bytes(&self) -> Option<&[u8]> {
        match &self.parts.pieces[..] {
            [piece] if piece.masks.is_none() => Some(&piece.values),
            _ => None,
        }
    }

    /// The first bytes from the atom on, up to [`MASKED_BYTES`] and the end
    /// of its piece, as (value, mask) pairs.
    pub(crate) fn masks_at_atom(&self) -> Vec<(u8, u8)> {
        let piece = &self.parts.pieces[self.parts.atom_piece];
        (self.parts.atom_offset..piece.len())
            .take(MASKED_BYTES)
            .map(|index| (piece.values[index], piece.mask(index)))
            .collect()
    }

    /// Calls `emit` with the match from each start that reaches the atom
    /// at `atom`, nearest start first; `emit` returns `false` to stop, and
    /// so does a spent `budget`.
    pub(crate) fn at_atom(
        &self,
        data: &[u8],
        atom: usize,
        budget: &Budget,
        emit: &mut dyn FnMut(Match) -> bool,
    ) {
        let ChainParts { pieces, atom_piece, atom_offset, .. } = &self.parts;
        let Some(start) = atom.checked_sub(*atom_offset) else { return };
        if !pieces[*atom_piece].matches_at(data, start) {
            return;
        }
        let mut starts = Vec::new();
        self.starts_before(data, *atom_piece, start, budget, &mut starts);
        starts.sort_unstable_by(|a, b| b.cmp(a));
        starts.dedup();
        for start in starts {
            if let Some(found) = self.match_at(data, start, budget)
                && !emit(found)
            {
                return;
            }
        }
    }

    /// Pushes to `starts` every start of piece 0 from which the pieces
    /// before `piece` (found at `at`) and their jumps lead to it.
    fn starts_before(
        &self,
        data: &[u8],
        piece: usize,
        at: usize,
        budget: &Budget,
        starts: &mut Vec<usize>,
    ) {
        let Some(previous) = piece.checked_sub(1) else {
            starts.push(at);
            return;
        };
        let (min, max) = self.parts.gaps[previous];
        let before = &self.parts.pieces[previous];
        for jump in min..=max {
            if !budget.spend(1) {
                return;
            }
            let Some(start) = at.checked_sub(jump as usize + before.len()) else { return };
            if before.matches_at(data, start) {
                self.starts_before(data, previous, start, budget, starts);
            }
        }
    }

    /// The match starting exactly at `start`, leftmost-first: each jump as
    /// short as the rest allows.
    pub(crate) fn match_at(&self, data: &[u8], start: usize, budget: &Budget) -> Option<Match> {
        let end = self.end_from(data, 0, start, budget)?;
        Some(Match { offset: start, length: end - start, xor_key: None })
    }

    /// Where the chain from `piece` on, with that piece at `at`, ends
    /// first.
    fn end_from(&self, data: &[u8], piece: usize, at: usize, budget: &Budget) -> Option<usize> {
        let current = &self.parts.pieces[piece];
        if !budget.spend(1) || !current.matches_at(data, at) {
            return None;
        }
        let after = at + current.len();
        let Some(&(min, max)) = self.parts.gaps.get(piece) else { return Some(after) };
        (min..=max).find_map(|jump| {
            let next = after.checked_add(jump as usize)?;
            if next >= data.len() {
                return None;
            }
            self.end_from(data, piece + 1, next, budget)
        })
    }
}

/// The best window of [`ATOM_LEN`] exact bytes in `pieces` (by
/// [`atoms::quality`], the first of equals): its piece, offset and bytes.
fn best_atom(pieces: &[Piece]) -> Option<(usize, usize, Vec<u8>)> {
    let mut best: Option<(i32, usize, usize)> = None;
    for (index, piece) in pieces.iter().enumerate() {
        for offset in 0..=piece.len().saturating_sub(ATOM_LEN) {
            let window = offset..offset + ATOM_LEN;
            if window.end > piece.len() || window.clone().any(|at| piece.mask(at) != 0xFF) {
                continue;
            }
            let score = atoms::quality(&piece.values[window]);
            if best.is_none_or(|(best_score, _, _)| score > best_score) {
                best = Some((score, index, offset));
            }
        }
    }
    let (_, index, offset) = best?;
    Some((index, offset, pieces[index].values[offset..offset + ATOM_LEN].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::deadline::Deadline;
    use crate::matcher::tests::hex;
    use crate::parser::ast::PatternValue;

    fn chain(body: &str) -> Option<(Chain, Vec<u8>)> {
        let PatternValue::Hex(hex) = hex(body) else { panic!("a hex string") };
        Chain::from_hex(&hex.tokens)
    }

    /// Every match whose atom occurs in `data`, as (offset, length).
    fn matches(body: &str, data: &[u8]) -> Vec<(usize, usize)> {
        let (chain, atom) = chain(body).expect("a chain");
        let deadline = Deadline::default();
        let budget = Budget::new(&deadline);
        let mut found = Vec::new();
        for at in 0..data.len() {
            if data[at..].starts_with(&atom) {
                chain.at_atom(data, at, &budget, &mut |m| {
                    found.push((m.offset, m.length));
                    true
                });
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn only_pieces_and_bounded_jumps_make_a_chain() {
        assert!(chain("41 42 43 44 [1-8] 45").is_some());
        assert!(chain("41 42 43 44 ?? 4? [2] [3-4] 45").is_some());
        assert!(chain("41 42 43 44 ( 45 | 46 )").is_none());
        assert!(chain("41 42 43 44 ~45").is_none());
        assert!(chain("41 42 43 44 [2-] 45").is_none());
        assert!(chain("41 ?? 43 44 [1-2] 45").is_none(), "no four exact bytes in a row");
        assert!(chain("41 42 43 44 [0-100000] 45").is_none(), "too many ways through");
        assert!(chain("41 42 43 44 [0-15] 45 [0-15] 46").is_some());
        assert!(chain("41 42 43 44 [0-31] 45 [0-31] 46").is_none(), "1,024 ways through");
    }

    #[test]
    fn jumps_are_lazy_and_consecutive_jumps_add_up() {
        // As YARA-X: `{ 61 [1-3] 62 }` on `axbxb` is `axb`.
        assert_eq!(matches("61 62 63 64 [1-3] 65", b"abcdxexe"), [(0, 6)]);
        assert_eq!(matches("61 62 63 64 [1] [1-2] 65", b"abcdxexe"), [(0, 8)]);
    }

    #[test]
    fn an_atom_after_a_jump_finds_every_start_before_it() {
        // The atom is `WXYZ`, and an `a` 2 to 4 bytes before it starts a
        // match (the one right before it is not followed by a jump).
        let found = matches("61 [1-3] 57 58 59 5A", b"aaaWXYZ");
        assert_eq!(found, [(0, 7), (1, 6)]);
        let found = matches("61 [1-3] 57 58 59 5A", b"aaaaaWXYZ");
        assert_eq!(found, [(1, 8), (2, 7), (3, 6)]);
    }

    #[test]
    fn masked_bytes_compare_under_their_mask() {
        let body = "4? 5A ?? 00 50 45 00 00";
        assert_eq!(matches(body, b"MZ\x90\x00PE\x00\x00"), [(0, 8)]);
        assert_eq!(matches(body, b"\x8dZ\x90\x00PE\x00\x00"), []);
    }

    #[test]
    fn a_forged_chain_is_refused() {
        let parts = |atom_piece, gaps: Vec<(u32, u32)>| ChainParts {
            pieces: vec![Piece { values: b"abcd".to_vec(), masks: None }],
            gaps,
            atom_piece,
            atom_offset: 0,
        };
        assert!(Chain::try_from(parts(0, Vec::new())).is_ok());
        assert!(Chain::try_from(parts(1, Vec::new())).is_err());
        assert!(Chain::try_from(parts(0, vec![(1, 2)])).is_err());
    }
}
