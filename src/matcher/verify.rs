//! Verifying regex candidates: does a regex form really match where its
//! atom occurs?
//!
//! (A literal form compares its bytes at the one start its atom implies,
//! see `literal.rs`.) A regex form finds every start its *prefix* (the elements before the atom)
//! allows by running a reverse lazy DFA backwards from the atom, reporting
//! every position where the reversed prefix reaches a match state (so
//! `\w+@` yields every start of the word); from each start a forward,
//! anchored, leftmost-first search gives the length a backtracking engine
//! would report.
//!
//! The checks around a match (`edges.rs`) come last.

use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::start;
use std::sync::OnceLock;

use regex_automata::{Anchored, Input, MatchKind, hybrid, meta};
use regex_syntax::hir::Hir;
use serde::{Deserialize, Serialize};

use super::atoms::{self, AtomVariant};
use super::deadline::{Budget, Deadline};
use super::edges::Edges;
use super::{Match, MatcherLimits, PatternError};
use super::{hir_codec, regex};

/// A compiled regex form: forward matcher plus the reverse prefix DFA.
///
/// The matchers are lazy DFAs whose caches live in the caller's
/// [`super::Scratch`]. The NFAs themselves are compiled from the form's
/// [`VerifierPlan`] on the form's first verification, whether the rules
/// were built or loaded from a compiled file: a scan pays for the regexes
/// its input exercises (signature-base: a few hundred of thousands), and
/// loading compiles no regex. Building the rules compiles each plan once
/// and drops the result, so that a pattern over a limit is an error
/// there (compiling signature-base: 151 MB peak RSS when they were kept,
/// 123 MB now).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RegexVerifier {
    plan: VerifierPlan,
    /// `None` inside when the plan does not compile, which only a forged
    /// compiled file can cause: the form then never matches. Boxed: the
    /// automata are large, and most forms never get them.
    #[serde(skip)]
    automata: OnceLock<Option<Box<Automata>>>,
}

/// What a regex form's automata are compiled from, and the facts about it
/// the search needs before they exist.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The shortest match the regex can have.
    min_len: usize,
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
    /// Whether the regex's repetitions are lazy (see [`VerifierPlan`]).
    lazy: bool,
}

/// A copy compiles its automata again on first use.
impl Clone for RegexVerifier {
    fn clone(&self) -> Self {
        RegexVerifier { plan: self.plan.clone(), automata: OnceLock::new() }
    }
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
        Ok(Automata { forward, search, prefix, ends, lazy: self.lazy })
    }
}

impl Automata {
    /// The length of the leftmost-first match anchored at `start`, ending
    /// by `end`: the last match end the DFA passes before it dies.
    fn length_at(
        &self,
        data: &[u8],
        start: usize,
        end: usize,
        cache: &mut Option<hybrid::dfa::Cache>,
        budget: &Budget,
    ) -> Option<usize> {
        let cache = cache.get_or_insert_with(|| self.forward.create_cache());
        let mut last = None;
        walk_forward(&self.forward, cache, data, start, end, budget, |match_end| {
            last = Some(match_end - start);
        });
        last
    }

    /// The match from `start` (ending by `end`) that [`accept`] takes: the
    /// leftmost-first one, or when it fails a check on its end, the longest
    /// (greedy) or shortest (lazy) other length that passes.
    fn accepted_at(
        &self,
        edges: &Edges,
        data: &[u8],
        start: usize,
        end: usize,
        caches: ForwardCaches,
        budget: &Budget,
    ) -> Option<Match> {
        let length = self.length_at(data, start, end, caches.forward, budget)?;
        let preferred = Match { offset: start, length, xor_key: None };
        if let Some(accepted) = edges.accept(data, preferred) {
            return Some(accepted);
        }
        let dfa = self.ends.as_ref()?;
        let cache = caches.ends.get_or_insert_with(|| dfa.create_cache());
        let mut ends = Vec::new();
        walk_forward(dfa, cache, data, start, end, budget, |match_end| ends.push(match_end));
        let mut lengths = ends
            .into_iter()
            .map(|match_end| match_end - start)
            .filter(|&other| other != length && other > 0);
        let accept_length =
            |other| edges.accept(data, Match { offset: start, length: other, xor_key: None });
        if self.lazy {
            lengths.find_map(accept_length)
        } else {
            lengths.rev().find_map(accept_length)
        }
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

/// The caches [`Automata::accepted_at`] uses, borrowed apart from the
/// reverse one so that both can be in use at once.
struct ForwardCaches<'a> {
    forward: &'a mut Option<hybrid::dfa::Cache>,
    ends: &'a mut Option<hybrid::dfa::Cache>,
}

impl RegexVerifier {
    /// Compiles `hir` and chooses its atoms: one verifier and its atoms per
    /// atom plan (see [`atoms::regex_atom_plans`]), or one verifier without
    /// atoms that searches on its own.
    pub(crate) fn new(
        hir: &Hir,
        span: Option<usize>,
        checks_end: bool,
        limits: &MatcherLimits,
    ) -> Result<Vec<(Self, Vec<AtomVariant>)>, PatternError> {
        let plans = atoms::regex_atom_plans(hir, limits.max_atoms_per_form);
        // What every plan shares: the whole regex and its properties.
        let encoded = hir_codec::encode(hir);
        let lazy = regex::is_lazy(hir);
        let min_len = hir.properties().minimum_len().unwrap_or(usize::MAX);
        let plan_of = |atom_plan: Option<&atoms::AtomPlan>| {
            let (prefix, masks_at_atom) = match atom_plan {
                Some(atoms::AtomPlan { elements, split, .. }) => (
                    (*split != 0)
                        .then(|| hir_codec::encode(&Hir::concat(elements[..*split].to_vec()))),
                    elements[*split..]
                        .iter()
                        .take(MASKED_BYTES)
                        .map_while(atoms::byte_mask)
                        .collect(),
                ),
                None => (None, Vec::new()),
            };
            VerifierPlan {
                hir: encoded.clone(),
                prefix,
                searched_alone: atom_plan.is_none(),
                checks_end,
                span,
                lazy,
                min_len,
                masks_at_atom,
                size_limit: limits.regex_size_limit,
                cache_capacity: limits.regex_cache_capacity,
            }
        };
        let verifier = |plan: VerifierPlan| -> Result<RegexVerifier, PatternError> {
            // Compiled here only to find a pattern over a limit; kept, the
            // automata of every form would hold memory that the scan's
            // first verification rebuilds for the few forms it needs.
            drop(plan.compile()?);
            Ok(RegexVerifier { plan, automata: OnceLock::new() })
        };
        if plans.is_empty() {
            return Ok(vec![(verifier(plan_of(None))?, Vec::new())]);
        }
        plans
            .iter()
            .map(|atom_plan| {
                let atoms = atom_plan
                    .atoms
                    .iter()
                    .map(|bytes| AtomVariant { bytes: bytes.clone(), back: 0, xor_key: None })
                    .collect();
                Ok((verifier(plan_of(Some(atom_plan)))?, atoms))
            })
            .collect()
    }

    /// Whether `other` verifies the same regex within the same reach, so
    /// that both find the same match at any offset.
    pub(crate) fn same_regex(&self, other: &RegexVerifier) -> bool {
        self.plan.hir == other.plan.hir && self.plan.span == other.plan.span
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
    /// at `atom`, nearest first; stops when `each` returns `false` or the
    /// budget is spent.
    fn starts(
        &self,
        automata: &Automata,
        data: &[u8],
        atom: usize,
        cache: &mut Option<hybrid::dfa::Cache>,
        budget: &Budget,
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
            if !budget.spend(1) {
                return;
            }
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

    /// Calls `emit` with each match whose atom is at `atom`; `emit`
    /// returns `false` to stop, and the walks stop when `budget` is spent.
    pub(crate) fn at_atom(
        &self,
        edges: &Edges,
        data: &[u8],
        atom: usize,
        caches: &mut CacheSlot,
        budget: &Budget,
        emit: &mut dyn FnMut(Match) -> bool,
    ) {
        let Some(automata) = self.automata() else { return };
        let caches = caches.get_or_insert_with(Box::default);
        let end = self.end_limit(data, atom);
        let (reverse, forward, ends) = (&mut caches.reverse, &mut caches.forward, &mut caches.ends);
        self.starts(automata, data, atom, reverse, budget, |start| {
            let caches = ForwardCaches { forward: &mut *forward, ends: &mut *ends };
            automata.accepted_at(edges, data, start, end, caches, budget).is_none_or(&mut *emit)
        });
    }

    /// Searches a form that has no atom across the whole of `data`: each
    /// unanchored leftmost-first search finds the next start at which a
    /// match exists, and its length is that of the anchored match from
    /// there, within the regex's reach from that start (YARA-X's:
    /// `/[^\x00]{4095}/` matches, `/[^\x00]{4096}/` never does, and is not
    /// searched at all).
    pub(crate) fn everywhere(
        &self,
        edges: &Edges,
        data: &[u8],
        caches: &mut CacheSlot,
        budget: &Budget,
        emit: &mut dyn FnMut(Match) -> bool,
    ) {
        let Some(automata) = self.automata() else { return };
        let Some(search) = &automata.search else { return };
        let reach = self.plan.span.map(|span| span.saturating_sub(1));
        if reach.is_some_and(|reach| self.plan.min_len > reach) {
            return;
        }
        let caches = caches.get_or_insert_with(Box::default);
        let end_from = |start: usize| {
            reach.map_or(data.len(), |reach| data.len().min(start.saturating_add(reach)))
        };
        let mut from = 0;
        // After a match the next start is tried directly, anchored: matches
        // often come in runs (`[^\x00]{100}` over text), and a search per
        // start would scan the run again each time.
        let mut after_match = false;
        while from < data.len() {
            if after_match {
                let forward =
                    ForwardCaches { forward: &mut caches.forward, ends: &mut caches.ends };
                match automata.accepted_at(edges, data, from, end_from(from), forward, budget) {
                    Some(accepted) if !emit(accepted) => return,
                    Some(_) => {}
                    None => after_match = false,
                }
                if budget.is_spent() {
                    return;
                }
                from += 1;
                continue;
            }
            // With a reach, each search looks at one window of starts (plus
            // the reach after it): a regex engine that falls back to a slow
            // simulation then costs a window between two deadline checks,
            // not the whole input.
            let (window_end, haystack_end) = match reach {
                Some(reach) => {
                    let window_end = data.len().min(from.saturating_add(SEARCH_WINDOW));
                    (window_end, data.len().min(window_end.saturating_add(reach)))
                }
                None => (data.len(), data.len()),
            };
            let found = search.search(&Input::new(data).range(from..haystack_end));
            if !budget.spend(u32::try_from(haystack_end - from).unwrap_or(u32::MAX)) {
                return;
            }
            let start = match found {
                Some(found) if found.start() < window_end => found.start(),
                _ if haystack_end < data.len() => {
                    from = window_end;
                    continue;
                }
                _ => return,
            };
            let forward = ForwardCaches { forward: &mut caches.forward, ends: &mut caches.ends };
            if let Some(accepted) =
                automata.accepted_at(edges, data, start, end_from(start), forward, budget)
            {
                if !emit(accepted) {
                    return;
                }
                after_match = true;
            }
            from = start + 1;
        }
    }

    /// The match starting exactly at `offset`.
    pub(crate) fn match_at(
        &self,
        edges: &Edges,
        data: &[u8],
        offset: usize,
        limits: &MatcherLimits,
    ) -> Option<Match> {
        let automata = self.automata()?;
        if offset > data.len() {
            return None;
        }
        let end = self
            .plan
            .span
            .map_or(data.len(), |_| data.len().min(offset.saturating_add(limits.regex_scan_span)));
        let caches = ForwardCaches { forward: &mut None, ends: &mut None };
        // One anchored walk, bounded by the input: no deadline needed.
        let unlimited = Deadline::default();
        automata.accepted_at(edges, data, offset, end, caches, &Budget::new(&unlimited))
    }
}

/// Starts looked at by one search of a form without atoms.
const SEARCH_WINDOW: usize = 4 << 10;

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
    budget: &Budget,
    mut each_end: impl FnMut(usize),
) {
    let look_behind = start.checked_sub(1).map(|before| data[before]);
    let config = start::Config::new().anchored(Anchored::Yes).look_behind(look_behind);
    let Ok(mut state) = dfa.start_state(cache, &config) else { return };
    // Match states are delayed by one byte: a match state after reading
    // `data[at]` means a match ends at `at`.
    for (at, &byte) in data.iter().enumerate().take(end).skip(start) {
        if !budget.spend(1) {
            return;
        }
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
