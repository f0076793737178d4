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
use std::sync::OnceLock;

use regex_syntax::hir::Hir;
use serde::{Deserialize, Serialize};

use super::atoms::{self, AtomVariant};
use super::forms::{Form, FormKind, Literal};
use super::{Match, MatcherLimits, PatternError};
use super::{hir_codec, regex};

/// A compiled regex form: forward matcher plus the reverse prefix DFA.
///
/// The matchers are lazy DFAs whose caches live in the caller's
/// [`super::Scratch`]: a form costs its NFA until a scan first verifies it,
/// which keeps ten thousand patterns cheap. The NFAs themselves are
/// compiled from the form's [`VerifierPlan`]: when the rules are built (so
/// that a pattern over a limit is an error there), or, for rules loaded
/// from a compiled file, on the form's first verification, so that loading
/// compiles no regex.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RegexVerifier {
    plan: VerifierPlan,
    /// `None` inside when the plan does not compile, which only a forged
    /// compiled file can cause: the form then never matches.
    /// Boxed: the automata are large, and most forms of a loaded ruleset
    /// never get them.
    #[serde(skip)]
    automata: OnceLock<Option<Box<Automata>>>,
}

/// What a regex form's automata are compiled from, and the few facts about
/// it the search needs before they exist.
#[derive(Debug, Serialize, Deserialize)]
struct VerifierPlan {
    /// The whole regex ([`hir_codec`] bytes).
    #[serde(with = "crate::byte_strings::bytes")]
    hir: Vec<u8>,
    /// The elements before the atom, in forward order; `None` when the atom
    /// starts the regex (the match starts at the atom).
    #[serde(with = "crate::byte_strings::optional_bytes")]
    prefix: Option<Vec<u8>>,
    /// Whether the form has no atom and is searched on its own.
    searched_alone: bool,
    /// Whether a check on the match end (`fullword`, a trailing wide `\b`)
    /// needs every match end.
    checks_end: bool,
    /// How far a match may reach before and after its atom; `None` for hex
    /// strings, which YARA-X matches across any distance.
    span: Option<usize>,
    /// Whether the regex's repetitions are lazy: then the shortest other
    /// length is preferred, otherwise the longest.
    lazy: bool,
    /// The first bytes from the atom on, see
    /// [`RegexVerifier::masks_at_atom`].
    masks_at_atom: Vec<(u8, u8)>,
    /// [`MatcherLimits::regex_size_limit`] when the rules were built.
    size_limit: usize,
    /// [`MatcherLimits::regex_cache_capacity`] when the rules were built.
    cache_capacity: usize,
}

/// The automata of a regex form.
#[derive(Debug)]
struct Automata {
    /// The whole regex, leftmost-first, for anchored searches.
    forward: hybrid::dfa::DFA,
    /// For a form without atoms: the regex that finds each next start.
    search: Option<meta::Regex>,
    /// The reversed elements before the atom.
    prefix: Option<hybrid::dfa::DFA>,
    /// For forms with a check on the match end: a forward DFA reporting
    /// every match end, to find another length when the preferred one fails
    /// the check, as YARA-X's engine does when it rejects a match and
    /// backtracks.
    ends: Option<hybrid::dfa::DFA>,
}

impl VerifierPlan {
    /// Compiles the automata.
    fn compile(&self) -> Result<Automata, PatternError> {
        let invalid = |error: hir_codec::DecodeError| PatternError::OverLimit(error.to_string());
        let hir = hir_codec::decode(&self.hir).map_err(invalid)?;
        let forward = lazy_dfa(&hir, false, MatchKind::LeftmostFirst, self)?;
        let prefix = match &self.prefix {
            Some(bytes) => {
                let prefix = hir_codec::decode(bytes).map_err(invalid)?;
                Some(lazy_dfa(&prefix, true, MatchKind::All, self)?)
            }
            None => None,
        };
        let ends =
            if self.checks_end { Some(lazy_dfa(&hir, false, MatchKind::All, self)?) } else { None };
        let search =
            if self.searched_alone { Some(search_regex(&hir, self.size_limit)?) } else { None };
        Ok(Automata { forward, search, prefix, ends })
    }
}

/// Bytes from the atom on kept for the scan's one-word candidate check.
pub(crate) const MASKED_BYTES: usize = 8;

/// The lazy DFA caches of one form, kept per thread in a
/// [`super::Scratch`].
#[derive(Debug, Default)]
pub(crate) struct FormCaches {
    reverse: Option<hybrid::dfa::Cache>,
    forward: Option<hybrid::dfa::Cache>,
    ends: Option<hybrid::dfa::Cache>,
}

/// A form's caches in a scratch: boxed and created on the first
/// verification, so that the many forms never verified (and literal forms)
/// cost one pointer per thread.
pub(crate) type CacheSlot = Option<Box<FormCaches>>;

impl FormCaches {
    /// Heap bytes the caches hold.
    pub(crate) fn memory_usage(&self) -> usize {
        [&self.reverse, &self.forward, &self.ends]
            .into_iter()
            .flatten()
            .map(hybrid::dfa::Cache::memory_usage)
            .sum()
    }
}

/// The caches [`RegexVerifier::accepted_at`] uses, borrowed apart from the
/// reverse one so that both can be in use at once.
struct ForwardCaches<'a> {
    forward: &'a mut Option<hybrid::dfa::Cache>,
    ends: &'a mut Option<hybrid::dfa::Cache>,
}

impl RegexVerifier {
    /// Compiles `hir` and chooses its atoms.
    pub(crate) fn new(
        hir: &Hir,
        span: Option<usize>,
        checks_end: bool,
        limits: &MatcherLimits,
    ) -> Result<(Self, Vec<AtomVariant>), PatternError> {
        let elements = atoms::flatten(hir);
        let (split, atom_set) =
            atoms::regex_atoms(&elements, limits.max_atoms_per_form).unwrap_or((0, Vec::new()));
        let prefix =
            (split != 0).then(|| hir_codec::encode(&Hir::concat(elements[..split].to_vec())));
        let masks_at_atom = if atom_set.is_empty() {
            Vec::new()
        } else {
            elements[split..].iter().take(MASKED_BYTES).map_while(atoms::byte_mask).collect()
        };
        let plan = VerifierPlan {
            hir: hir_codec::encode(hir),
            prefix,
            searched_alone: atom_set.is_empty(),
            checks_end,
            span,
            lazy: regex::is_lazy(hir),
            masks_at_atom,
            size_limit: limits.regex_size_limit,
            cache_capacity: limits.regex_cache_capacity,
        };
        let automata = OnceLock::from(Some(Box::new(plan.compile()?)));
        let atoms = atom_set
            .into_iter()
            .map(|bytes| AtomVariant { bytes, back: 0, xor_key: None })
            .collect();
        Ok((RegexVerifier { plan, automata }, atoms))
    }

    /// The automata, compiled on first use for rules loaded from a file.
    fn automata(&self) -> Option<&Automata> {
        self.automata.get_or_init(|| self.plan.compile().ok().map(Box::new)).as_deref()
    }

    /// The first (up to [`MASKED_BYTES`]) bytes from the atom as (value,
    /// mask) pairs, up to the first element that is not one byte of a
    /// masked class.
    pub(crate) fn masks_at_atom(&self) -> &[(u8, u8)] {
        &self.plan.masks_at_atom
    }

    /// Calls `each` with every start from which the prefix reaches the atom
    /// at `atom`, nearest first; stops when `each` returns `false`.
    fn starts(
        &self,
        automata: &Automata,
        data: &[u8],
        atom: usize,
        cache: &mut Option<hybrid::dfa::Cache>,
        mut each: impl FnMut(usize) -> bool,
    ) {
        let Some(dfa) = &automata.prefix else {
            each(atom);
            return;
        };
        let cache = cache.get_or_insert_with(|| dfa.create_cache());
        let lowest = self.plan.span.map_or(0, |span| atom.saturating_sub(span));
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

    /// Where a match may end at the latest when its atom is at `atom`.
    fn end_limit(&self, data: &[u8], atom: usize) -> usize {
        self.plan.span.map_or(data.len(), |span| data.len().min(atom.saturating_add(span)))
    }

    /// The length of the leftmost-first match anchored at `start`, ending
    /// by `end`: the last match end the DFA passes before it dies.
    fn length_at(
        automata: &Automata,
        data: &[u8],
        start: usize,
        end: usize,
        cache: &mut Option<hybrid::dfa::Cache>,
    ) -> Option<usize> {
        let cache = cache.get_or_insert_with(|| automata.forward.create_cache());
        let mut last = None;
        walk_forward(&automata.forward, cache, data, start, end, |match_end| {
            last = Some(match_end - start);
        });
        last
    }

    /// The match from `start` (ending by `end`) that [`accept`] takes: the
    /// leftmost-first one, or when it fails a check on its end, the longest
    /// (greedy) or shortest (lazy) other length that passes.
    fn accepted_at(
        &self,
        automata: &Automata,
        form: &Form,
        data: &[u8],
        start: usize,
        end: usize,
        caches: ForwardCaches,
    ) -> Option<Match> {
        let length = Self::length_at(automata, data, start, end, caches.forward)?;
        let preferred = Match { offset: start, length, xor_key: None };
        if let Some(accepted) = accept(form, data, preferred) {
            return Some(accepted);
        }
        let dfa = automata.ends.as_ref()?;
        let cache = caches.ends.get_or_insert_with(|| dfa.create_cache());
        let mut ends = Vec::new();
        walk_forward(dfa, cache, data, start, end, |match_end| ends.push(match_end));
        let mut lengths = ends
            .into_iter()
            .map(|match_end| match_end - start)
            .filter(|&other| other != length && other > 0);
        let accept_length =
            |other| accept(form, data, Match { offset: start, length: other, xor_key: None });
        if self.plan.lazy {
            lengths.find_map(accept_length)
        } else {
            lengths.rev().find_map(accept_length)
        }
    }
}

/// A lazy DFA over `hir` (forward, or backward for `reverse`).
fn lazy_dfa(
    hir: &Hir,
    reverse: bool,
    kind: MatchKind,
    plan: &VerifierPlan,
) -> Result<hybrid::dfa::DFA, PatternError> {
    let over_limit = |error: &dyn std::fmt::Display| PatternError::OverLimit(error.to_string());
    let nfa = thompson::Compiler::new()
        .configure(
            thompson::Config::new()
                .reverse(reverse)
                .which_captures(WhichCaptures::None)
                .nfa_size_limit(Some(plan.size_limit)),
        )
        .build_from_hir(hir)
        .map_err(|error| over_limit(&error))?;
    hybrid::dfa::Builder::new()
        .configure(
            hybrid::dfa::DFA::config()
                .match_kind(kind)
                .cache_capacity(plan.cache_capacity)
                .skip_cache_capacity_check(true),
        )
        .build_from_nfa(nfa)
        .map_err(|error| over_limit(&error))
}

/// An unanchored leftmost-first regex, for forms searched without atoms.
fn search_regex(hir: &Hir, size_limit: usize) -> Result<meta::Regex, PatternError> {
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::LeftmostFirst)
                .utf8_empty(false)
                .which_captures(WhichCaptures::Implicit)
                .nfa_size_limit(Some(size_limit)),
        )
        .build_from_hir(hir)
        .map_err(|error| PatternError::OverLimit(error.to_string()))
}

/// Runs `dfa` anchored at `start` over `data[start..end]`, calling
/// `each_end` with every position where a match ends (ascending), until the
/// DFA dies.
fn walk_forward(
    dfa: &hybrid::dfa::DFA,
    cache: &mut hybrid::dfa::Cache,
    data: &[u8],
    start: usize,
    end: usize,
    mut each_end: impl FnMut(usize),
) {
    let look_behind = start.checked_sub(1).map(|before| data[before]);
    let config = start::Config::new().anchored(Anchored::Yes).look_behind(look_behind);
    let Ok(mut state) = dfa.start_state(cache, &config) else { return };
    // Match states are delayed by one byte: a match state after reading
    // `data[at]` means a match ends at `at`.
    for (at, &byte) in data.iter().enumerate().take(end).skip(start) {
        state = match dfa.next_state(cache, state, byte) {
            Ok(next) => next,
            Err(_) => return,
        };
        if state.is_match() {
            each_end(at);
        }
        if state.is_dead() || state.is_quit() {
            return;
        }
    }
    let last = match data.get(end) {
        Some(&after) => dfa.next_state(cache, state, after),
        None => dfa.next_eoi_state(cache, state),
    };
    if last.is_ok_and(|state| state.is_match()) {
        each_end(end);
    }
}

/// Whether `literal` matches `data` at `start` under xor `key`.
fn literal_matches(literal: &Literal, data: &[u8], start: usize, key: u8) -> bool {
    let Some(window) = start.checked_add(literal.bytes.len()).and_then(|end| data.get(start..end))
    else {
        return false;
    };
    let equal = if literal.nocase {
        window.eq_ignore_ascii_case(&literal.bytes)
    } else if key == 0 {
        window == literal.bytes
    } else {
        window.iter().zip(&literal.bytes).all(|(&seen, &byte)| seen == byte ^ key)
    };
    equal && literal.base64.as_ref().is_none_or(|check| check.holds(data, start))
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

fn accept(form: &Form, data: &[u8], found: Match) -> Option<Match> {
    let edges = form.wide_word_edges;
    let edge_holds = |required: Option<bool>, at: usize| {
        required.is_none_or(|boundary| is_wide_word_boundary(data, at) == boundary)
    };
    let full_word = form.fullword.is_none_or(|width| is_full_word(data, &found, width));
    (full_word
        && edge_holds(edges.start, found.offset)
        && edge_holds(edges.end, found.offset + found.length))
    .then_some(found)
}

/// Verifies `form` for an atom hit whose form start (for literals) or atom
/// position (for regexes) is `anchor`; calls `emit` with each match, which
/// returns `false` to stop.
pub(crate) fn at_anchor(
    form: &Form,
    data: &[u8],
    anchor: usize,
    xor_key: Option<u8>,
    caches: &mut CacheSlot,
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
        FormKind::Regex(verifier) => {
            let Some(automata) = verifier.automata() else { return };
            let caches = caches.get_or_insert_with(Box::default);
            let end = verifier.end_limit(data, anchor);
            let (reverse, forward, ends) =
                (&mut caches.reverse, &mut caches.forward, &mut caches.ends);
            verifier.starts(automata, data, anchor, reverse, |start| {
                let caches = ForwardCaches { forward: &mut *forward, ends: &mut *ends };
                verifier
                    .accepted_at(automata, form, data, start, end, caches)
                    .is_none_or(&mut *emit)
            });
        }
    }
}

/// Searches a form that has no atom across the whole of `data`: each
/// unanchored leftmost-first search finds the next start at which a match
/// exists, and its length is that of the anchored match from there.
pub(crate) fn everywhere(
    form: &Form,
    data: &[u8],
    caches: &mut CacheSlot,
    emit: &mut dyn FnMut(Match) -> bool,
) {
    let FormKind::Regex(verifier) = &form.kind else { return };
    let Some(automata) = verifier.automata() else { return };
    let Some(search) = &automata.search else { return };
    let caches = caches.get_or_insert_with(Box::default);
    let mut from = 0;
    while from < data.len() {
        let Some(found) = search.search(&Input::new(data).range(from..)) else {
            return;
        };
        let start = found.start();
        let forward_caches = ForwardCaches { forward: &mut caches.forward, ends: &mut caches.ends };
        if let Some(accepted) =
            verifier.accepted_at(automata, form, data, start, data.len(), forward_caches)
            && !emit(accepted)
        {
            return;
        }
        from = start + 1;
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
            let automata = verifier.automata()?;
            if offset > data.len() {
                return None;
            }
            let end = verifier.plan.span.map_or(data.len(), |_| {
                data.len().min(offset.saturating_add(limits.regex_scan_span))
            });
            let caches = ForwardCaches { forward: &mut None, ends: &mut None };
            return verifier.accepted_at(automata, form, data, offset, end, caches);
        }
    };
    accept(form, data, found)
}
