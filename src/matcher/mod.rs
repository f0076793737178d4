//! Pattern matching: every pattern of every rule compiled into one [`Matcher`]
//! that finds all of their matches in a single pass over the input.
//!
//! Pipeline: `ast::PatternValue` + modifiers → forms (`expand.rs` makes
//! the concrete byte strings or byte regexes a pattern stands for: ascii/wide
//! (`wide.rs`), xor keys, base64 encodings; `forms.rs`, `literal.rs` and
//! `verify.rs` say how each is verified) → atoms (`atoms.rs`: short literals every
//! match must contain; its module doc explains the choice) → one
//! index of the atoms of all forms (`atom_index.rs`: bit sets that reject
//! most offsets, then a hash table per atom length) → per scan: one
//! pass reporting every atom occurrence (`scan.rs`), then verification of
//! each candidate (`forms.rs`), then the checks around a match
//! (`edges.rs`).
//!
//! A pattern is compiled on its own ([`CompiledPattern::new`]), which is
//! where every error of a pattern shows (the compiler does it while it
//! checks the pattern's rule); a [`Matcher`] is then assembled from
//! compiled patterns, which only indexes their atoms.
//!
//! The matches are YARA's: one per start offset (overlapping matches are all
//! reported, `aa` in `aaaa` matches at 0, 1 and 2); for a regular expression
//! or hex string the length is that of the leftmost-first match from that
//! start, as a backtracking engine finds it; at most
//! [`MAX_MATCHES_PER_PATTERN`] per pattern.
//!
//! # Confirmed against YARA-X
//!
//! `scripts/matcher_cases.py` records YARA-X's answers for 740 patterns and
//! inputs (hand-written corners plus generated text, hex, regex, base64 and
//! xor patterns) in `testdata/yara_x_cases.json`; the unit tests compare.
//! Behaviours taken from YARA-X that way: hex jumps are lazy; a regex match
//! reaches at most 4,096 bytes before and after its atom
//! ([`MatcherLimits::regex_scan_span`]), a hex string any distance; regexes
//! mixing greedy and lazy quantifiers, regexes that can match the empty
//! string and zero-length jumps are refused; `fullword` and wide `\b` look
//! at wide characters; `base64 wide` encodes the widened text; a base64
//! match must decode, with the characters around it, to the text
//! (`base64.rs`).
//!
//! # Cost
//!
//! Per byte of input, one lookup in an 8 KiB set of atom starts; at the
//! few offsets that pass, the atom bit sets and tables (`atom_index.rs`);
//! per atom hit, one masked word compare per form using the atom before the
//! form is verified (`scan.rs`). Results are sparse (a file matches a few
//! of tens of thousands of patterns); lazy DFA caches are per thread,
//! created on first use and bounded by
//! [`MatcherLimits::scratch_cache_budget`].
//!
//! # Known deviations from YARA-X
//!
//! * `\b`/`\B` *inside* a wide regex see the zero bytes of the wide text;
//!   only a leading or trailing one is tested on wide characters.
//! * When a regex's preferred match fails `fullword`, another length is
//!   tried: the longest for greedy regexes, the shortest for lazy ones;
//!   YARA-X's backtracking order differs in rare cases.
//! * Which atom a regex gets decides where the 4,096-byte span is counted
//!   from, as in YARA-X, but the atoms themselves are chosen differently, so
//!   matches longer than 4 KiB can differ.
//! * When an xor pattern's ascii and wide forms match at one offset, the
//!   ascii one is kept; YARA-X keeps whichever its search finds first.
//! * YARA-X's reach also depends on its atom's length: `/A.{0,5000}B/s` and
//!   `{ 41 [0-5000] 42 }` match at most 4,095 bytes there, while
//!   `/AB.{0,5000}C/s` and `/BCDE.{0,9000}F/s` match 4,096 from the atom
//!   and `/A.{0,9000}BC/s` reaches 4,096 bytes back from `BC`; here the
//!   4,096-byte span applies whatever the atom.

mod atom_index;
mod atoms;
mod base64;
mod chain;
pub mod deadline;
mod edges;
mod expand;
mod forms;
mod hex;
mod hir_codec;
mod literal;
mod matches;
mod persist;
mod profile;
pub mod regex;
mod scan;
mod verify;
mod wide;

use serde::{Deserialize, Serialize};

use crate::parser::ast;

pub use matches::{PatternMatches, starting_in};
pub use profile::{PatternCost, SearchProfile};
pub use scan::{Chunking, ScanMatches, Scratch};

use forms::Form;
use regex::RegexError;

/// YARA's per-pattern match cap: matches past it are dropped and the
/// pattern is flagged so the caller can warn.
pub const MAX_MATCHES_PER_PATTERN: usize = 1_000_000;

/// Bytes that fill large parts of executables: zero padding, `FF` fill,
/// `90` NOP sleds. YARA-X's `slow_pattern` warning fires for patterns
/// whose atoms are made only of them (confirmed with yara-x 1.23:
/// `{ 00 00 00 00 }`, `{ FF FF FF FF }` and `{ 90 90 90 90 }` warn,
/// `{ CC CC CC CC }` and `"    "` do not).
pub const COMMON_ATOM_BYTES: [u8; 3] = [0x00, 0xFF, 0x90];

/// Which patterns a scan wants found, asked with a pattern index; shared
/// by the threads of a split search. A closure `Fn(usize) -> bool` is one
/// that wants the same before and after the atom walk.
pub trait Wanted: Sync {
    /// Whether the matches of `pattern` are wanted.
    fn wanted(&self, pattern: usize) -> bool;

    /// Whether `pattern`, which has a form without atoms, is still wanted
    /// once the atom walk is done, before that form is searched on its
    /// own over the whole input (the slowest part of a search);
    /// `may_match` says whether a pattern has a match so far or may still
    /// get one from its own form search. A caller that knows which
    /// patterns a pattern's rule needs can skip the search here.
    fn still_wanted(&self, pattern: usize, may_match: &dyn Fn(usize) -> bool) -> bool {
        let _ = may_match;
        self.wanted(pattern)
    }
}

impl<F: Fn(usize) -> bool + Sync> Wanted for F {
    fn wanted(&self, pattern: usize) -> bool {
        self(pattern)
    }
}

/// One pattern to compile: a pattern value with its modifiers, as written in
/// a rule.
#[derive(Debug, Clone, Copy)]
pub struct PatternSpec<'a> {
    /// What to look for.
    pub value: &'a ast::PatternValue,
    /// Its modifiers (`private` is accepted and has no effect here).
    pub modifiers: &'a [ast::Modifier],
}

/// Bounds on what compiling and scanning may cost.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatcherLimits {
    /// Matches kept per pattern per scan; YARA's is 1,000,000.
    pub max_matches_per_pattern: usize,
    /// Most atoms (after case and xor variants) one form may contribute to
    /// the shared atom index. A literal form needs at most 256 (one per xor
    /// key) or 16 (case variants of four letters); 4,096 leaves regex atom
    /// sets (alternations, nibble classes) room while keeping one pattern
    /// from flooding the index.
    pub max_atoms_per_form: usize,
    /// Heap bytes a compiled regex (its Thompson NFA) may take. 8 MiB keeps
    /// hex strings with jumps of a few thousand bytes, and refuses
    /// `/(a{1000}){1000}/`-style blow-ups.
    pub regex_size_limit: usize,
    /// Most bytes of lazy DFA cache per regex form and thread (a form has
    /// up to three lazy DFAs); a cache only grows to what its states take.
    /// The states most patterns visit are few, but a counted repetition
    /// such as `[^\x00]{4000}` walks one state per count: 2 MiB (the
    /// regex crate's default) holds those thousands, where 256 KiB made
    /// every match rebuild them (27 s for 10 KB). A form that needs more
    /// clears its cache and rebuilds states (slower, still correct), and a
    /// form whose NFA needs a larger minimum gets that minimum. The
    /// scratch budget below bounds the sum over forms.
    pub regex_cache_capacity: usize,
    /// How far a regular expression's match may extend before and after
    /// the atom that found it. YARA-X scans at most 4,096 bytes each way
    /// (confirmed: `/ab.*c/` matches across 4,093 filler bytes, not 4,094),
    /// which bounds the cost of `.*` on large inputs.
    pub regex_scan_span: usize,
    /// Bytes of lazy DFA caches one [`Scratch`] keeps between scans; past
    /// it (measured after each scan, over the caches it used) they are all
    /// dropped and rebuilt on demand. 4 MiB keeps a thread's memory flat
    /// over a long scan of a large rule set; most of what a scan builds is
    /// the few KiB each verified regex's cache starts with, cheap to build
    /// again (signature-base, 50,000 small files, two threads: 87 MB peak
    /// RSS at 8 MiB, 81 MB at 4 MiB, 75 MB at 2 MiB, which is 5 to 10%
    /// slower).
    pub scratch_cache_budget: usize,
}

impl Default for MatcherLimits {
    fn default() -> Self {
        Self {
            max_matches_per_pattern: MAX_MATCHES_PER_PATTERN,
            max_atoms_per_form: 4096,
            regex_size_limit: 8 << 20,
            regex_cache_capacity: 2 << 20,
            regex_scan_span: 4096,
            scratch_cache_budget: 4 << 20,
        }
    }
}

/// One match of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    /// Offset of the first matched byte.
    pub offset: usize,
    /// Number of matched bytes.
    pub length: usize,
    /// The key of an `xor` pattern's match (0 is the plain text).
    pub xor_key: Option<u8>,
}

/// Why a pattern cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The regular expression does not parse (diagnostic E004); the
    /// error's offset is in the pattern text.
    #[error("invalid regular expression: {0}")]
    InvalidRegex(RegexError),
    /// The pattern would match the empty string everywhere.
    #[error("the pattern can match an empty string")]
    MatchesEmpty,
    /// A pattern YARA-X refuses: an empty text, a zero-length jump, a text
    /// too short for `base64`.
    #[error("invalid pattern: {0}")]
    InvalidPattern(String),
    /// The compiled form exceeds a limit of [`MatcherLimits`].
    #[error("pattern too large: {0}")]
    OverLimit(String),
    /// Modifiers that YARA refuses together or on this kind of pattern, or
    /// a base64 alphabet that is not 64 distinct bytes.
    #[error("invalid modifiers: {0}")]
    InvalidModifiers(String),
}

/// One pattern compiled on its own: its forms with their atoms, ready to
/// join a [`Matcher`].
#[derive(Debug, Clone)]
pub struct CompiledPattern {
    forms: Vec<Form>,
}

impl CompiledPattern {
    /// Compiles one pattern within `limits`.
    ///
    /// # Errors
    /// The reason the pattern cannot be searched: an invalid regex, a form
    /// that can match the empty string, a text too short for `base64`, a
    /// regex or atom set over a limit.
    pub fn new(spec: &PatternSpec, limits: &MatcherLimits) -> Result<Self, PatternError> {
        Ok(Self { forms: expand::expand(spec, limits)? })
    }

    /// Whether some form of the pattern has no atom, so that it is searched
    /// on its own over the whole input (slow).
    #[must_use]
    pub fn is_slow(&self) -> bool {
        self.forms.iter().any(|form| form.atoms.is_empty())
    }

    /// The atom of a form whose atoms are all made of [`COMMON_ATOM_BYTES`]
    /// (`00 00 00 00`), if any: such a form is verified wherever a file has
    /// padding, fill or a NOP sled, which executables have by the
    /// kilobyte.
    #[must_use]
    pub fn common_atom(&self) -> Option<&[u8]> {
        self.forms.iter().find_map(|form| {
            let common = |atom: &atoms::AtomVariant| {
                atom.bytes.iter().all(|byte| COMMON_ATOM_BYTES.contains(byte))
            };
            let all_common = !form.atoms.is_empty() && form.atoms.iter().all(common);
            all_common.then(|| form.atoms[0].bytes.as_slice())
        })
    }

    /// The length of the shortest atom of any form, 0 when a form has
    /// none: how selective the pattern's search is at its weakest.
    #[must_use]
    pub fn shortest_atom(&self) -> usize {
        let shortest = |form: &Form| form.atoms.iter().map(|a| a.bytes.len()).min().unwrap_or(0);
        self.forms.iter().map(shortest).min().unwrap_or(0)
    }
}

/// All patterns compiled for one multi-pattern pass. Immutable once built,
/// `Send + Sync`: share it between threads, give each a [`Scratch`].
#[derive(Debug)]
pub struct Matcher {
    /// Every form of every pattern; each knows its pattern index.
    forms: Vec<Form>,
    /// Form indexes per pattern, for [`Matcher::match_at`]: of forms that
    /// match alike (a split regex's), the first only.
    forms_of_pattern: Vec<Vec<usize>>,
    /// The atom index and the forms searched without atoms.
    search: scan::Search,
    limits: MatcherLimits,
}

impl Matcher {
    /// Compiles `patterns`; the result answers by pattern index. On failure
    /// gives every pattern that could not be compiled, with its index.
    pub fn build(
        patterns: &[PatternSpec],
        limits: &MatcherLimits,
    ) -> Result<Matcher, Vec<(usize, PatternError)>> {
        let mut compiled = Vec::with_capacity(patterns.len());
        let mut errors = Vec::new();
        for (index, spec) in patterns.iter().enumerate() {
            match CompiledPattern::new(spec, limits) {
                Ok(pattern) => compiled.push(pattern),
                Err(error) => errors.push((index, error)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // Assembling only fails past the search's own size limits (over
        // 2^32 forms), which no single pattern causes: the error goes to
        // the last one.
        Matcher::assemble(compiled, limits)
            .map_err(|error| vec![(patterns.len().saturating_sub(1), error)])
    }

    /// A matcher over patterns compiled with `limits`, answering by their
    /// index in `patterns`.
    ///
    /// # Errors
    /// When the forms outnumber what the search can index (2^32; no single
    /// pattern does, a whole rule set would have to).
    pub fn assemble(
        patterns: Vec<CompiledPattern>,
        limits: &MatcherLimits,
    ) -> Result<Matcher, PatternError> {
        let mut forms = Vec::new();
        let mut forms_of_pattern = Vec::with_capacity(patterns.len());
        for (index, pattern) in patterns.into_iter().enumerate() {
            let first = forms.len();
            forms.extend(pattern.forms.into_iter().map(|form| Form { pattern: index, ..form }));
            // The forms a regex is split into (one per alternative) all
            // verify the whole regex: one of them answers `match_at`.
            let mut listed: Vec<usize> = Vec::new();
            for form in first..forms.len() {
                if !listed.iter().any(|&earlier| forms[earlier].matches_like(&forms[form])) {
                    listed.push(form);
                }
            }
            forms_of_pattern.push(listed);
        }
        let search = scan::Search::build(&forms)?;
        // The search holds what the atoms are for; the forms' copies would
        // only take memory.
        forms.iter_mut().for_each(|form| drop(std::mem::take(&mut form.atoms)));
        Ok(Matcher { forms, forms_of_pattern, search, limits: limits.clone() })
    }

    /// The limits the matcher was built with.
    #[must_use]
    pub fn limits(&self) -> &MatcherLimits {
        &self.limits
    }

    /// How many patterns the matcher was built for.
    #[must_use]
    pub fn pattern_count(&self) -> usize {
        self.forms_of_pattern.len()
    }

    /// Indexes of the patterns that have no atom and are searched on their
    /// own, by a regex engine over the whole input (slow: worth a warning).
    #[must_use]
    pub fn slow_patterns(&self) -> Vec<usize> {
        let mut slow: Vec<usize> =
            self.search.unatomized().iter().map(|&form| self.forms[form].pattern).collect();
        slow.dedup();
        slow
    }

    /// A scratch space for [`Matcher::scan`]; keep one per thread.
    #[must_use]
    pub fn scratch(&self) -> Scratch {
        Scratch::new(self.forms.len(), self.pattern_count())
    }

    /// Finds the matches of every pattern in `data` in one pass.
    pub fn scan(&self, data: &[u8], scratch: &mut Scratch) -> ScanMatches {
        self.scan_wanted(data, scratch, &|_: usize| true)
    }

    /// Finds the matches in `data` of the patterns for which `wanted`
    /// (asked with a pattern index) is true, in one pass. The others are
    /// never verified: their atoms are still walked over, but cost no
    /// more than that.
    pub fn scan_wanted(
        &self,
        data: &[u8],
        scratch: &mut Scratch,
        wanted: &dyn Wanted,
    ) -> ScanMatches {
        self.search.run(&self.forms, &self.limits, data, scratch, self.pattern_count(), wanted)
    }

    /// As [`Matcher::scan_wanted`], with at most `max_per_pattern` matches
    /// per pattern read back (the matcher's own
    /// [`MatcherLimits::max_matches_per_pattern`] caps the search).
    pub fn find_all(
        &self,
        data: &[u8],
        scratch: &mut Scratch,
        max_per_pattern: usize,
        wanted: &dyn Wanted,
    ) -> PatternMatches {
        let found = self.scan_wanted(data, scratch, wanted);
        let below_cap = max_per_pattern < self.limits.max_matches_per_pattern;
        PatternMatches::new(found, max_per_pattern, below_cap)
    }

    /// The match of `pattern` starting exactly at `offset`, if any: the
    /// direct check for `$a at N`, with no search.
    #[must_use]
    pub fn match_at(&self, pattern: usize, data: &[u8], offset: usize) -> Option<Match> {
        let forms = self.forms_of_pattern.get(pattern)?;
        forms
            .iter()
            .filter_map(|&form| self.forms[form].match_at(data, offset, &self.limits))
            .min_by(scan::report_order)
    }
}

#[cfg(test)]
mod chunked_tests;
#[cfg(test)]
mod tests;
