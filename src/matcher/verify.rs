//! Verifying candidates: does a form really match where its atom occurs?
//!
//! A literal form compares its bytes at the one start its atom implies. A
//! regex form finds every start its *prefix* (the elements before the atom)
//! allows by running a reverse lazy DFA backwards from the atom, reporting
//! every position where the reversed prefix reaches a match state (so
//! `\w+@` yields every start of the word); from each start a forward,
//! anchored, leftmost-first search gives the length a backtracking engine
//! would report.
//!
//! `fullword` is checked last, on the characters around the match, after
//! undoing the xor key (YARA-X: `"ab" xor(1) fullword` does not match after
//! `0x60`, which is `a` under key 1).

use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::start;
use regex_automata::{Anchored, Input, MatchKind, hybrid, meta};
use regex_syntax::hir::Hir;

use super::atoms::{self, AtomVariant};
use super::forms::{Form, FormKind, Literal};
use super::{Match, MatcherLimits, PatternError};

/// A compiled regex form: forward matcher plus the reverse prefix DFA.
#[derive(Debug)]
pub(crate) struct RegexVerifier {
    /// The whole regex, for anchored leftmost-first searches.
    forward: meta::Regex,
    /// The reversed elements before the atom; `None` when the atom starts
    /// the regex (the match starts at the atom).
    prefix: Option<hybrid::dfa::DFA>,
    /// How far a match may reach before and after its atom; `None` for hex
    /// strings, which YARA-X matches across any distance.
    span: Option<usize>,
}

impl RegexVerifier {
    /// Compiles `hir` and chooses its atoms.
    pub(crate) fn new(
        hir: &Hir,
        span: Option<usize>,
        limits: &MatcherLimits,
    ) -> Result<(Self, Vec<AtomVariant>), PatternError> {
        let over_limit = |error: &dyn std::fmt::Display| PatternError::OverLimit(error.to_string());
        let forward = meta::Builder::new()
            .configure(
                meta::Config::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .utf8_empty(false)
                    .which_captures(WhichCaptures::Implicit)
                    .nfa_size_limit(Some(limits.regex_size_limit)),
            )
            .build_from_hir(hir)
            .map_err(|error| over_limit(&error))?;
        let elements = atoms::flatten(hir);
        let (split, atom_set) =
            atoms::regex_atoms(&elements, limits.max_atoms_per_form).unwrap_or((0, Vec::new()));
        let prefix = if split == 0 {
            None
        } else {
            let nfa = thompson::Compiler::new()
                .configure(
                    thompson::Config::new()
                        .reverse(true)
                        .which_captures(WhichCaptures::None)
                        .nfa_size_limit(Some(limits.regex_size_limit)),
                )
                .build_from_hir(&Hir::concat(elements[..split].to_vec()))
                .map_err(|error| over_limit(&error))?;
            let dfa = hybrid::dfa::Builder::new()
                .configure(hybrid::dfa::DFA::config().match_kind(MatchKind::All))
                .build_from_nfa(nfa)
                .map_err(|error| over_limit(&error))?;
            Some(dfa)
        };
        let atoms = atom_set
            .into_iter()
            .map(|bytes| AtomVariant { bytes, back: 0, xor_key: None })
            .collect();
        Ok((RegexVerifier { forward, prefix, span }, atoms))
    }

    /// Calls `each` with every start from which the prefix reaches the atom
    /// at `atom`, nearest first; stops when `each` returns `false`.
    fn starts(
        &self,
        data: &[u8],
        atom: usize,
        cache: &mut Option<hybrid::dfa::Cache>,
        mut each: impl FnMut(usize) -> bool,
    ) {
        let Some(dfa) = &self.prefix else {
            each(atom);
            return;
        };
        let cache = cache.get_or_insert_with(|| dfa.create_cache());
        let lowest = self.span.map_or(0, |span| atom.saturating_sub(span));
        let config =
            start::Config::new().anchored(Anchored::Yes).look_behind(data.get(atom).copied());
        let Ok(mut state) = dfa.start_state(cache, &config) else { return };
        // Match states are delayed by one byte: a match state after reading
        // `data[at]` means the prefix matches from `at + 1`.
        let mut at = atom;
        while at > lowest {
            at -= 1;
            state = match dfa.next_state(cache, state, data[at]) {
                Ok(next) => next,
                Err(_) => return,
            };
            if state.is_match() && !each(at + 1) {
                return;
            }
            if state.is_dead() || state.is_quit() {
                return;
            }
        }
        let last = match lowest.checked_sub(1) {
            Some(before) => dfa.next_state(cache, state, data[before]),
            None => dfa.next_eoi_state(cache, state),
        };
        if last.is_ok_and(|state| state.is_match()) {
            each(lowest);
        }
    }

    /// The length of the leftmost-first match anchored at `start`, not
    /// reaching past `span` bytes after `atom`.
    fn length_at(&self, data: &[u8], start: usize, atom: usize) -> Option<usize> {
        let end = self.span.map_or(data.len(), |span| data.len().min(atom.saturating_add(span)));
        let input = Input::new(data).range(start..end).anchored(Anchored::Yes);
        self.forward.search(&input).map(|found| found.len())
    }
}

/// Whether `literal` matches `data` at `start` under xor `key`.
fn literal_matches(literal: &Literal, data: &[u8], start: usize, key: u8) -> bool {
    let Some(window) = data.get(start..start + literal.bytes.len()) else { return false };
    if literal.nocase {
        window.eq_ignore_ascii_case(&literal.bytes)
    } else if key == 0 {
        window == literal.bytes
    } else {
        window.iter().zip(&literal.bytes).all(|(&seen, &byte)| seen == byte ^ key)
    }
}

/// YARA's `fullword` rule: the character before and after the match is not
/// alphanumeric. For wide forms a character is a byte followed by `\0`, so
/// `c\0` before a match fails it and a lone `c` does not (both confirmed
/// with YARA-X).
fn is_full_word(data: &[u8], found: &Match, width: usize) -> bool {
    let key = found.xor_key.unwrap_or(0);
    let char_at = |at: usize| -> Option<u8> {
        let first = *data.get(at)? ^ key;
        match width {
            1 => Some(first),
            _ => (*data.get(at + 1)? ^ key == 0).then_some(first),
        }
    };
    let before = found.offset.checked_sub(width).and_then(char_at);
    let after = char_at(found.offset + found.length);
    !before.is_some_and(|c| c.is_ascii_alphanumeric())
        && !after.is_some_and(|c| c.is_ascii_alphanumeric())
}

fn accept(form: &Form, data: &[u8], found: Match) -> Option<Match> {
    match form.fullword {
        Some(width) if !is_full_word(data, &found, width) => None,
        _ => Some(found),
    }
}

/// Verifies `form` for an atom hit whose form start (for literals) or atom
/// position (for regexes) is `anchor`; calls `emit` with each match, which
/// returns `false` to stop.
pub(crate) fn at_anchor(
    form: &Form,
    data: &[u8],
    anchor: usize,
    xor_key: Option<u8>,
    cache: &mut Option<hybrid::dfa::Cache>,
    emit: &mut dyn FnMut(Match) -> bool,
) {
    match &form.kind {
        FormKind::Literal(literal) => {
            if literal_matches(literal, data, anchor, xor_key.unwrap_or(0)) {
                let found = Match { offset: anchor, length: literal.bytes.len(), xor_key };
                if let Some(found) = accept(form, data, found) {
                    emit(found);
                }
            }
        }
        FormKind::Regex(verifier) => verifier.starts(data, anchor, cache, |start| {
            let Some(length) = verifier.length_at(data, start, anchor) else { return true };
            let found = Match { offset: start, length, xor_key: None };
            accept(form, data, found).is_none_or(&mut *emit)
        }),
    }
}

/// Searches a form that has no atom across the whole of `data`: each
/// unanchored leftmost-first search finds the next start at which a match
/// exists, and its length is that of the anchored match from there.
pub(crate) fn everywhere(form: &Form, data: &[u8], emit: &mut dyn FnMut(Match) -> bool) {
    let FormKind::Regex(verifier) = &form.kind else { return };
    let mut from = 0;
    while from < data.len() {
        let Some(found) = verifier.forward.search(&Input::new(data).range(from..)) else {
            return;
        };
        let candidate = Match { offset: found.start(), length: found.len(), xor_key: None };
        if let Some(accepted) = accept(form, data, candidate)
            && !emit(accepted)
        {
            return;
        }
        from = found.start() + 1;
    }
}

/// The match of `form` starting exactly at `offset`.
pub(crate) fn match_at(
    form: &Form,
    data: &[u8],
    offset: usize,
    limits: &MatcherLimits,
) -> Option<Match> {
    let found = match &form.kind {
        FormKind::Literal(literal) => {
            let key = match literal.xor {
                Some((min, max)) => {
                    let key = data.get(offset)? ^ literal.bytes.first()?;
                    (min..=max).contains(&key).then_some(key)?
                }
                None => 0,
            };
            literal_matches(literal, data, offset, key).then_some(Match {
                offset,
                length: literal.bytes.len(),
                xor_key: literal.xor.map(|_| key),
            })?
        }
        FormKind::Regex(verifier) => {
            if offset > data.len() {
                return None;
            }
            let end = verifier.span.map_or(data.len(), |_| {
                data.len().min(offset.saturating_add(limits.regex_scan_span))
            });
            let input = Input::new(data).range(offset..end).anchored(Anchored::Yes);
            let length = verifier.forward.search(&input)?.len();
            Match { offset, length, xor_key: None }
        }
    };
    accept(form, data, found)
}
