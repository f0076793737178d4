//! Scanning one input: loading it, searching patterns, evaluating conditions.
//!
//! A [`Scanner`] borrows compiled [`Rules`] and scans one input at a time;
//! make one per thread. A scan goes:
//!
//! 1. evaluate the rules in id order with pattern matches unknown (module
//!    data is parsed on first use, anchored patterns are checked at their
//!    offset), until one stays undecided that can still match (a false
//!    global rule of its namespace rules it out);
//! 2. if there is one, or strings must be reported for a matching rule,
//!    search the input once for all searched patterns and evaluate the
//!    rules not decided yet, with the matches known;
//! 3. clear the rules of every namespace where a global rule is false, and
//!    report the remaining true, non-private rules.
//!
//! In both passes a rule whose condition needs what the input lacks (see
//! [`crate::compiler::requirements`]) is false without evaluating it: it
//! fails a cheap test such as `uint16(0) == 0x5A4D` or a `filesize` bound,
//! or, after the search, none of the patterns it requires matched. After
//! the search that settles most rules of a large rule set.

pub mod error;
mod eval;
pub mod input;
pub(crate) mod module_data;
pub mod profile;

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::compiler::ir::{PatternId, RuleId};
use crate::file_vars::{FileVars, Origin};
use crate::matcher::deadline::Deadline;
use crate::matcher::{Chunking, Match, PatternMatches, Scratch};
use crate::modules::external::ModuleInputs;
use crate::results::{FileReport, MAX_MATCH_DATA, RuleMatch, StringMatch};
use crate::rules::{PatternPlan, Rules, Triage, TriagedInput};
use error::ScanError;
use eval::{Clock, ScanState, Stop, Val, Verdict, eval_rule};
use input::LoadOptions;
use module_data::ModuleCache;
use profile::{ConditionCost, Profile};

/// YARA's default cap on the matches kept per pattern and input.
pub const DEFAULT_MAX_MATCHES_PER_PATTERN: usize = crate::matcher::MAX_MATCHES_PER_PATTERN;

/// How a [`Scanner`] scans.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Give up on an input after this long (`None`: never).
    pub timeout: Option<Duration>,
    /// Stop the scan in progress once this flag is set (from another
    /// thread: an interrupt, a closed output).
    pub cancel: Option<Arc<AtomicBool>>,
    /// Keep at most this many matches per pattern (a warning says when a
    /// pattern hit it); the rules' own matcher limit caps it too.
    pub max_matches_per_pattern: usize,
    /// Report the matches of each matching rule's non-private patterns.
    pub print_strings: bool,
    /// Whether a large input's pattern search is split among the threads
    /// of the rayon pool the scan runs in (`None`: one thread per input).
    pub chunking: Option<Chunking>,
    /// When set, the scans are measured (`--profiling`) and the scanner
    /// adds its figures to this profile when it is dropped.
    pub profile: Option<Arc<Mutex<Profile>>>,
    /// Data handed to modules from outside the input (`--module-data`),
    /// the same for every input.
    pub module_inputs: ModuleInputs,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            timeout: None,
            cancel: None,
            max_matches_per_pattern: DEFAULT_MAX_MATCHES_PER_PATTERN,
            print_strings: false,
            chunking: Some(Chunking::default()),
            profile: None,
            module_inputs: ModuleInputs::default(),
        }
    }
}

/// Counters over every scan a [`Scanner`] made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Inputs scanned.
    pub inputs: u64,
    /// Inputs that needed the pattern search pass.
    pub searches: u64,
    /// Anchored patterns checked at their offset.
    pub anchored_checks: u64,
    /// Module data parsed (at most once per module and input, and only
    /// when a condition reads it).
    pub module_parses: u64,
    /// Rule conditions evaluated (a rule ruled out by its required
    /// patterns is not; one evaluated before and after the search counts
    /// twice).
    pub conditions_evaluated: u64,
}

/// What one scan found.
#[derive(Debug)]
pub struct ScanResults {
    matching: Vec<RuleId>,
    matches: Vec<RuleMatch>,
    warnings: Vec<String>,
    messages: Vec<String>,
}

impl ScanResults {
    /// Ids of the matching non-private rules, in rule order.
    #[must_use]
    pub fn matching_ids(&self) -> &[RuleId] {
        &self.matching
    }

    /// The matching non-private rules, in rule order, with their strings
    /// when the scanner was asked to print them.
    #[must_use]
    pub fn matching_rules(&self) -> &[RuleMatch] {
        &self.matches
    }

    /// Non-fatal notes, such as a pattern that hit its match cap.
    #[must_use]
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Messages from module functions (`console.log`).
    #[must_use]
    pub fn messages(&self) -> &[String] {
        &self.messages
    }

    /// The owned report for the file at `path` of `size` bytes.
    #[must_use]
    pub fn into_report(self, path: &Path, size: u64) -> FileReport {
        let mut report = FileReport::scanned(path.to_path_buf(), size, self.matches, self.warnings);
        report.console = self.messages;
        report
    }
}

/// Scans inputs with one rule set; one per thread.
#[derive(Debug)]
pub struct Scanner<'r> {
    rules: &'r Rules,
    scratch: Scratch,
    options: ScanOptions,
    stats: ScanStats,
    /// One verdict per rule, all [`Verdict::False`] between scans: a scan
    /// sets the rules it evaluates to unknown and back, so a rule it never
    /// looks at (a hash rule for another digest) costs it nothing.
    verdicts: Vec<Verdict>,
    /// The time of each rule's condition, when the scans are profiled.
    condition_costs: Option<Vec<ConditionCost>>,
}

impl<'r> Scanner<'r> {
    /// A scanner with default options.
    #[must_use]
    pub fn new(rules: &'r Rules) -> Self {
        Self::with_options(rules, ScanOptions::default())
    }

    /// A scanner with the given options.
    #[must_use]
    pub fn with_options(rules: &'r Rules, options: ScanOptions) -> Self {
        let mut scratch = rules.scratch();
        let condition_costs = options.profile.is_some().then(|| {
            scratch.enable_profile();
            profile::condition_costs(rules)
        });
        Self {
            rules,
            scratch,
            options,
            stats: ScanStats::default(),
            verdicts: vec![Verdict::False; rules.len()],
            condition_costs,
        }
    }

    /// The options in use.
    pub fn options_mut(&mut self) -> &mut ScanOptions {
        &mut self.options
    }

    /// Counters over the scans so far.
    #[must_use]
    pub fn stats(&self) -> ScanStats {
        self.stats
    }

    /// Scans `path`, loaded as `load` says.
    ///
    /// # Errors
    /// When the file cannot be loaded, the scan times out, or the file
    /// shrank while it was mapped.
    pub fn scan_file(&mut self, path: &Path, load: &LoadOptions) -> Result<ScanResults, ScanError> {
        let input = input::load(path, load)?;
        self.scan_input(&input, path)
    }

    /// Scans `path` into an owned report; a failure becomes
    /// [`Outcome::Failed`](crate::results::Outcome::Failed), a scan stopped
    /// by its deadline keeps the rules matched until then and says why it
    /// stopped in [`FileReport::stopped`].
    pub fn scan_file_report(&mut self, path: &Path, load: &LoadOptions) -> FileReport {
        let input = match input::load(path, load) {
            Ok(input) => input,
            Err(error) => return FileReport::failed(path.to_path_buf(), error.to_string()),
        };
        report_of(self.scan_input(&input, path), path, input.len() as u64)
    }

    /// Scans a file loaded from `path` (which names it in the per-file
    /// externals); its results are void if it shrank meanwhile.
    ///
    /// # Errors
    /// On a timeout, or when the mapped file shrank during the scan.
    pub fn scan_input(
        &mut self,
        input: &input::Input,
        path: &Path,
    ) -> Result<ScanResults, ScanError> {
        let results = self.scan_bytes_from(input, Origin { path, member: &[] })?;
        if input.was_truncated() {
            return Err(ScanError::FileChanged);
        }
        Ok(results)
    }

    /// Scans `data`, which comes from no file: the per-file externals
    /// other than `filetype` are empty (see [`crate::file_vars`]).
    ///
    /// # Errors
    /// [`ScanError::Timeout`] when the scan runs past the timeout,
    /// [`ScanError::Interrupted`] when the cancel flag is set; both keep
    /// the rules decided until then.
    pub fn scan_bytes(&mut self, data: &[u8]) -> Result<ScanResults, ScanError> {
        self.scan(data, None)
    }

    /// Scans `data`, the bytes of the file or member `origin` names for
    /// the per-file externals (`filename`, `filepath`, ...).
    ///
    /// # Errors
    /// As [`Scanner::scan_bytes`].
    pub fn scan_bytes_from(
        &mut self,
        data: &[u8],
        origin: Origin<'_>,
    ) -> Result<ScanResults, ScanError> {
        self.scan(data, Some(origin))
    }

    fn scan(&mut self, data: &[u8], origin: Option<Origin<'_>>) -> Result<ScanResults, ScanError> {
        let timeout = self.options.timeout;
        let deadline = Deadline::after(timeout, self.options.cancel.clone());
        self.scratch.set_deadline(deadline.clone());
        self.scratch.set_chunking(self.options.chunking);
        let rules = self.rules;
        let modules = ModuleCache::new(&rules.program().modules, &self.options.module_inputs);
        let anchored: Vec<OnceCell<Option<Match>>> = vec![OnceCell::new(); rules.anchored_count()];
        let anchored_checks = Cell::new(0);
        let messages = RefCell::new(Vec::new());
        let clock = Clock::new(deadline);
        let file_vars = FileVars::new(origin);
        let mut state = ScanState {
            rules,
            data,
            modules: &modules,
            searched: None,
            anchored: &anchored,
            anchored_checks: &anchored_checks,
            messages: &messages,
            clock: &clock,
            file_vars: &file_vars,
        };
        self.stats.inputs += 1;

        // Hash rules whose digests are not this input's stay false, unevaluated.
        // A digest cut short by the deadline stops the scan, after the
        // other rules had their chance to match.
        let selection = rules.indicators().rules_to_evaluate(data, clock.deadline());
        let mut stopped = !selection.complete;
        let mut decisions = Decisions::new(
            std::mem::take(&mut self.verdicts),
            selection.rules,
            rules.triage().input(data),
        );
        let undecided = match decisions.evaluate(&state, Pass::BeforeSearch, self.costs()) {
            Ok(undecided) => undecided,
            Err(_) => {
                stopped = true;
                false
            }
        };
        let searched = if !stopped && (undecided || self.strings_need_search(&decisions)) {
            self.stats.searches += 1;
            // Only the patterns of rules still undecided are verified (and
            // of true rules whose strings are reported): a rule already
            // false, most often because its file-type guard failed, needs
            // no matches.
            let print_strings = self.options.print_strings;
            let verdicts = &decisions.verdicts;
            let wanted = |rule: RuleId| match verdicts[rule.0 as usize] {
                Verdict::Unknown => true,
                Verdict::True => print_strings,
                Verdict::False => false,
            };
            let max = self.options.max_matches_per_pattern;
            let found = rules.search(data, &mut self.scratch, max, &wanted);
            // Matches cut short by the deadline would decide `not $a` and
            // `#a == 1` wrongly: they are dropped.
            stopped = self.scratch.stopped() || clock.check().is_err();
            (!stopped).then_some(found)
        } else {
            None
        };
        if let Some(found) = &searched {
            state.searched = Some(found);
            rules.triage().note_search(&mut decisions.input, found);
            stopped |= decisions.evaluate(&state, Pass::AfterSearch, self.costs()).is_err();
        }
        self.stats.anchored_checks += anchored_checks.get();
        self.stats.module_parses += modules.parses();
        self.stats.conditions_evaluated += decisions.evaluated;

        let matching: Vec<RuleId> =
            decisions.trues().filter(|&id| decisions.reported(rules, id)).collect();
        self.verdicts = decisions.finish();
        let report = Report { rules, data, searched: searched.as_ref(), state: &state };
        let matches =
            matching.iter().map(|&id| report.rule(id, self.options.print_strings)).collect();
        let results = ScanResults {
            matches,
            warnings: searched.as_ref().map(|m| cap_warnings(rules, m)).unwrap_or_default(),
            messages: messages.into_inner(),
            matching,
        };
        if !stopped {
            return Ok(results);
        }
        let partial = Box::new(results);
        Err(if clock.deadline().cancelled() {
            ScanError::Interrupted { partial }
        } else {
            ScanError::Timeout { after: timeout.unwrap_or_default(), partial }
        })
    }

    /// Where condition times go, when the scans are profiled.
    fn costs(&mut self) -> Option<&mut [ConditionCost]> {
        self.condition_costs.as_deref_mut()
    }

    /// Whether the strings of a matching rule are to be reported and some
    /// of them are only known after a search.
    fn strings_need_search(&self, decisions: &Decisions<'_, '_>) -> bool {
        self.options.print_strings
            && decisions.trues().any(|id| {
                decisions.reported(self.rules, id)
                    && reported_patterns(self.rules, id)
                        .any(|p| matches!(self.rules.plan(p), Some(PatternPlan::Searched { .. })))
            })
    }
}

/// The owned report of one scan of `path` (`size` bytes): a failure
/// becomes [`Outcome::Failed`](crate::results::Outcome::Failed), a scan
/// stopped by its deadline or an interrupt keeps the rules matched until
/// then and says why it stopped in [`FileReport::stopped`].
#[must_use]
pub fn report_of(result: Result<ScanResults, ScanError>, path: &Path, size: u64) -> FileReport {
    match result {
        Ok(results) => results.into_report(path, size),
        Err(error) => {
            let message = error.to_string();
            match error {
                ScanError::Timeout { partial, .. } | ScanError::Interrupted { partial } => {
                    let mut report = partial.into_report(path, size);
                    report.stopped = Some(message);
                    report
                }
                _ => FileReport::failed(path.to_path_buf(), message),
            }
        }
    }
}

/// Whether evaluation before the search goes on past an undecided rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Before the search: stop at the first rule that stays undecided and
    /// can still match. The search is needed then, and every later rule is
    /// better evaluated once, with the matches known, than twice.
    BeforeSearch,
    /// After the search: every rule still unknown is decided.
    AfterSearch,
}

/// A profiled scanner hands its figures to the run's profile when it goes.
impl Drop for Scanner<'_> {
    fn drop(&mut self) {
        let Some(shared) = &self.options.profile else { return };
        let costs = self.condition_costs.as_deref().unwrap_or_default();
        // A poisoned profile comes from a thread that panicked: its figures
        // are as good as the others'.
        let mut shared = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        shared.add(self.scratch.profile(), costs);
    }
}

/// What is known of every rule of one scan, and the scratch space for
/// deciding the rest.
struct Decisions<'a, 'r> {
    /// The scanner's verdicts, with the rules of `order` set to unknown.
    verdicts: Vec<Verdict>,
    /// The rules that can be true on this input, in id order; every other
    /// rule is false.
    order: Cow<'r, [RuleId]>,
    /// Loop variables of the condition being evaluated, one allocation
    /// for all rules.
    frame: Vec<Val<'a>>,
    /// What the cheap tests know of the input.
    input: TriagedInput,
    /// The rules found true, ascending: a handful per input, where the
    /// rules to ask are thousands.
    trues: Vec<RuleId>,
    /// How many conditions were evaluated.
    evaluated: u64,
}

impl<'a, 'r> Decisions<'a, 'r> {
    /// Takes `verdicts`, all false, and marks the rules of `order` unknown.
    fn new(mut verdicts: Vec<Verdict>, order: Cow<'r, [RuleId]>, input: TriagedInput) -> Self {
        for id in order.iter() {
            verdicts[id.0 as usize] = Verdict::Unknown;
        }
        Self { verdicts, order, frame: Vec::new(), input, trues: Vec::new(), evaluated: 0 }
    }

    /// The rules found true, ascending.
    fn trues(&self) -> impl Iterator<Item = RuleId> + '_ {
        self.trues.iter().copied()
    }

    /// The verdicts, all false again, for the next scan.
    fn finish(mut self) -> Vec<Verdict> {
        for id in self.order.iter() {
            self.verdicts[id.0 as usize] = Verdict::False;
        }
        self.verdicts
    }

    /// Whether rule `id` is reported: true, not private, and every global
    /// rule of its namespace true.
    fn reported(&self, rules: &Rules, id: RuleId) -> bool {
        let is_true = |r: RuleId| self.verdicts[r.0 as usize] == Verdict::True;
        is_true(id)
            && !rules.rule(id).is_private
            && rules.globals_of(id).iter().all(|&g| is_true(g))
    }

    /// Makes false every rule still unknown that a cheap test rules out:
    /// its guard before the search, its required patterns after it (every
    /// rule still unknown then passed its guard). One sweep over the
    /// verdicts ahead of the evaluations: a rule is false whether or not
    /// an earlier one is known.
    fn apply_cheap_tests(&mut self, triage: &Triage, pass: Pass) {
        let input = &self.input;
        for (rule, verdict) in self.verdicts.iter_mut().enumerate() {
            let ruled_out = match pass {
                Pass::BeforeSearch => triage.fails_guard(input, rule),
                Pass::AfterSearch => triage.ruled_out(input, rule),
            };
            if ruled_out & (*verdict == Verdict::Unknown) {
                *verdict = Verdict::False;
            }
        }
    }

    /// Makes false the rules the cheap tests rule out, then evaluates the
    /// rules still unknown, in id order. Returns whether a rule stayed
    /// undecided that can still match (no global rule of its namespace is
    /// false so far), which makes the search necessary. Once one has, the
    /// rules after it wait for the search, which skips the patterns of
    /// the rules already false.
    fn evaluate(
        &mut self,
        state: &ScanState<'a>,
        pass: Pass,
        mut costs: Option<&mut [ConditionCost]>,
    ) -> Result<bool, Stop> {
        self.apply_cheap_tests(state.rules.triage(), pass);
        let (mut undecided, mut timed_out) = (false, false);
        for &id in self.order.iter() {
            let index = id.0 as usize;
            if self.verdicts[index] != Verdict::Unknown {
                continue;
            }
            if undecided {
                break;
            }
            self.evaluated += 1;
            // Messages of an evaluation that ends unknown are dropped: the
            // rule is evaluated again after the search and logs them then.
            let logged = state.messages.borrow().len();
            let started = costs.is_some().then(Instant::now);
            let verdict = eval_rule(state, &self.verdicts, &mut self.frame, id);
            if let (Some(costs), Some(started)) = (costs.as_deref_mut(), started) {
                profile::note(costs, id, started.elapsed());
            }
            self.verdicts[index] = match verdict {
                Ok(true) => {
                    self.trues.push(id);
                    Verdict::True
                }
                Ok(false) => Verdict::False,
                Err(Stop::NeedsPatterns) if pass == Pass::AfterSearch => Verdict::False,
                Err(Stop::NeedsPatterns) => {
                    state.messages.borrow_mut().truncate(logged);
                    let doomed = state
                        .rules
                        .globals_of(id)
                        .iter()
                        .any(|g| self.verdicts[g.0 as usize] == Verdict::False);
                    undecided |= !doomed;
                    Verdict::Unknown
                }
                Err(Stop::Timeout) => {
                    timed_out = true;
                    break;
                }
            };
        }
        // Each pass finds its true rules in ascending order, the second
        // after the first's.
        self.trues.sort_unstable();
        if timed_out { Err(Stop::Timeout) } else { Ok(undecided) }
    }
}

/// The non-private patterns of a rule.
fn reported_patterns(rules: &Rules, id: RuleId) -> impl Iterator<Item = PatternId> + '_ {
    rules
        .rule(id)
        .patterns
        .clone()
        .map(PatternId)
        .filter(|p| !rules.program().patterns[p.0 as usize].is_private)
}

fn cap_warnings(rules: &Rules, matches: &PatternMatches) -> Vec<String> {
    matches
        .capped()
        .into_iter()
        .flat_map(|slot| rules.searched_patterns(slot).map(move |pattern| (slot, pattern)))
        .map(|(slot, pattern)| {
            let pattern = &rules.program().patterns[pattern.0 as usize];
            format!(
                "pattern {} of rule {} has too many matches: only the first {} are kept",
                pattern.name,
                rules.rule(pattern.rule).name,
                matches.of(slot).len()
            )
        })
        .collect()
}

/// Builds the owned result of a matching rule.
struct Report<'a> {
    rules: &'a Rules,
    data: &'a [u8],
    searched: Option<&'a PatternMatches>,
    state: &'a ScanState<'a>,
}

impl Report<'_> {
    fn rule(&self, id: RuleId, with_strings: bool) -> RuleMatch {
        let rule = self.rules.rule(id);
        let strings = if with_strings {
            reported_patterns(self.rules, id).flat_map(|p| self.strings(p)).collect()
        } else {
            Vec::new()
        };
        RuleMatch {
            rule: rule.name.clone(),
            namespace: rule.namespace.clone(),
            tags: rule.tags.clone(),
            meta: rule.meta.clone(),
            strings,
        }
    }

    fn strings(&self, pattern: PatternId) -> Vec<StringMatch> {
        let list = match self.rules.plan(pattern) {
            Some(PatternPlan::Anchored { .. }) => {
                self.state.matches_of(pattern).unwrap_or_default()
            }
            Some(PatternPlan::Searched { slot }) => self.searched.map_or(&[][..], |m| m.of(slot)),
            None => &[],
        };
        let name = &self.rules.program().patterns[pattern.0 as usize].name;
        list.iter()
            .map(|m| {
                let end =
                    m.offset.saturating_add(m.length.min(MAX_MATCH_DATA)).min(self.data.len());
                StringMatch {
                    id: name.clone(),
                    offset: m.offset as u64,
                    length: m.length as u64,
                    xor_key: m.xor_key,
                    data: self.data.get(m.offset..end).unwrap_or_default().to_vec(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
