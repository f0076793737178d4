//! Forms: the concrete byte strings or byte regexes a pattern stands for,
//! and how a form is verified where its atom occurs.
//!
//! `"ab" ascii wide` has two forms (`ab` and `a\0b\0`); `"ab" base64` has
//! three (one per alignment of the text in the encoded stream); a regex with
//! `wide` becomes a widened regex (`expand.rs` makes them). `xor` and
//! `nocase` stay properties of a literal form (checked while comparing)
//! instead of 256 or 2^n separate forms; only their atoms are expanded.

use super::Match;
use super::MatcherLimits;
use super::atoms::AtomVariant;
use super::chain::Chain;
use super::deadline::{Budget, Deadline};
use super::edges::Edges;
use super::literal::Literal;
use super::verify::{self, CacheSlot, RegexVerifier};
use serde::{Deserialize, Serialize};

/// One concrete form of a pattern.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Form {
    /// Index of the pattern this form belongs to in its matcher.
    pub pattern: usize,
    /// How a candidate is verified.
    pub kind: FormKind,
    /// What must hold around a match.
    pub edges: Edges,
    /// The atoms that find candidates; empty when the form has none and is
    /// searched on its own.
    pub atoms: Vec<AtomVariant>,
}

/// How a form matches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum FormKind {
    /// A fixed byte string.
    Literal(Literal),
    /// A hex string of pieces and bounded jumps.
    Chain(Box<Chain>),
    /// A byte regex (regex patterns, and other hex strings).
    Regex(Box<RegexVerifier>),
}

impl Form {
    /// What the first (up to [`verify::MASKED_BYTES`], one machine word)
    /// bytes from where an atom places the
    /// form must be, as (value, mask) pairs (`byte & mask == value & mask`):
    /// exact bytes, case pairs (`nocase`, mask `0xDF`), nibbles; a cheap
    /// first test of a candidate.
    pub(crate) fn masks_at_atom(&self, xor_key: Option<u8>) -> Vec<(u8, u8)> {
        match &self.kind {
            FormKind::Literal(literal) => literal
                .bytes
                .iter()
                .take(verify::MASKED_BYTES)
                .map(|&byte| match literal.nocase && byte.is_ascii_alphabetic() {
                    true => (byte, 0xDF),
                    false => (byte ^ xor_key.unwrap_or(0), 0xFF),
                })
                .collect(),
            FormKind::Chain(chain) => chain.masks_at_atom(),
            FormKind::Regex(verifier) => verifier.masks_at_atom().to_vec(),
        }
    }

    /// Verifies the form for an atom hit whose form start (for literals)
    /// or atom position (for regexes) is `anchor`; calls `emit` with each
    /// match, which returns `false` to stop; a regex's walks stop once
    /// `budget` is spent.
    pub(crate) fn at_anchor(
        &self,
        data: &[u8],
        anchor: usize,
        xor_key: Option<u8>,
        caches: &mut CacheSlot,
        budget: &Budget,
        emit: &mut dyn FnMut(Match) -> bool,
    ) {
        match &self.kind {
            FormKind::Literal(literal) => {
                if literal.matches_at(data, anchor, xor_key.unwrap_or(0)) {
                    let found = Match { offset: anchor, length: literal.bytes.len(), xor_key };
                    if let Some(found) = self.edges.accept(data, found) {
                        emit(found);
                    }
                }
            }
            FormKind::Chain(chain) => chain.at_atom(data, anchor, budget, emit),
            FormKind::Regex(verifier) => {
                verifier.at_atom(&self.edges, data, anchor, caches, budget, emit);
            }
        }
    }

    /// Searches the form, which has no atom, across the whole of `data`
    /// until `budget` is spent.
    pub(crate) fn everywhere(
        &self,
        data: &[u8],
        caches: &mut CacheSlot,
        budget: &Budget,
        emit: &mut dyn FnMut(Match) -> bool,
    ) {
        if let FormKind::Regex(verifier) = &self.kind {
            verifier.everywhere(&self.edges, data, caches, budget, emit);
        }
    }

    /// Whether the form finds exactly the matches `other` finds, as the
    /// forms a regex is split into do (each verifies the whole regex).
    pub(crate) fn matches_like(&self, other: &Form) -> bool {
        match (&self.kind, &other.kind) {
            (FormKind::Regex(a), FormKind::Regex(b)) => {
                self.edges == other.edges && a.same_regex(b)
            }
            _ => false,
        }
    }

    /// The match of the form starting exactly at `offset`.
    pub(crate) fn match_at(
        &self,
        data: &[u8],
        offset: usize,
        limits: &MatcherLimits,
    ) -> Option<Match> {
        match &self.kind {
            FormKind::Literal(literal) => {
                let key = literal.key_at(data, offset)?;
                let found = literal.matches_at(data, offset, key).then_some(Match {
                    offset,
                    length: literal.bytes.len(),
                    xor_key: literal.xor.map(|_| key),
                })?;
                self.edges.accept(data, found)
            }
            FormKind::Chain(chain) => {
                // A chain's work is bounded by its pieces and jumps.
                let unlimited = Deadline::default();
                chain.match_at(data, offset, &Budget::new(&unlimited))
            }
            FormKind::Regex(verifier) => verifier.match_at(&self.edges, data, offset, limits),
        }
    }
}
