//! The checks on the characters around a match: `fullword`, and the word
//! assertions at the edges of a wide regex.
//!
//! `fullword` is checked after undoing the xor key (YARA-X: `"ab" xor(1)
//! fullword` does not match after `0x60`, which is `a` under key 1).

use serde::{Deserialize, Serialize};

use super::Match;
use super::wide::WideWordEdges;

/// What must hold around a match of one form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Edges {
    /// `fullword`: the width in bytes of the characters around a match that
    /// must not be alphanumeric (1 for ascii, 2 for wide forms).
    pub fullword: Option<usize>,
    /// Word assertions checked on wide characters around a match.
    pub wide_words: WideWordEdges,
}

impl Edges {
    /// Whether something is checked after the end of a match, so that
    /// another match length may have to be tried when one fails.
    pub(crate) fn checks_end(&self) -> bool {
        self.fullword.is_some() || self.wide_words.end.is_some()
    }

    /// `found` if its surroundings pass the checks.
    pub(crate) fn accept(&self, data: &[u8], found: Match) -> Option<Match> {
        let edge_holds = |required: Option<bool>, at: usize| {
            required.is_none_or(|boundary| is_wide_word_boundary(data, at) == boundary)
        };
        let full_word = self.fullword.is_none_or(|width| is_full_word(data, &found, width));
        (full_word
            && edge_holds(self.wide_words.start, found.offset)
            && edge_holds(self.wide_words.end, found.offset + found.length))
        .then_some(found)
    }
}

/// The character at `at` for a width of 1 (a byte) or 2 (a byte followed
/// by `\0`), after undoing the xor `key`; `None` when there is none.
fn char_at(data: &[u8], at: usize, width: usize, key: u8) -> Option<u8> {
    let first = *data.get(at)? ^ key;
    match width {
        1 => Some(first),
        _ => (*data.get(at + 1)? ^ key == 0).then_some(first),
    }
}

/// YARA's `fullword` rule: the character before and after the match is not
/// alphanumeric. For wide forms a character is a byte followed by `\0`, so
/// `c\0` before a match fails it and a lone `c` does not (both confirmed
/// with YARA-X).
fn is_full_word(data: &[u8], found: &Match, width: usize) -> bool {
    let key = found.xor_key.unwrap_or(0);
    let before = found.offset.checked_sub(width).and_then(|at| char_at(data, at, width, key));
    let after = char_at(data, found.offset + found.length, width, key);
    !before.is_some_and(|c| c.is_ascii_alphanumeric())
        && !after.is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Whether a word boundary lies at `at` in wide text: YARA-X compares the
/// byte two before `at` (the previous wide character) with the byte at
/// `at`, without requiring the zero bytes (`/\bA{,2}\w/ wide` does not
/// match `B\0` after `1\n`).
fn is_wide_word_boundary(data: &[u8], at: usize) -> bool {
    let is_word = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    let before = at.checked_sub(2).and_then(|before| data.get(before));
    is_word(before) != is_word(data.get(at))
}
