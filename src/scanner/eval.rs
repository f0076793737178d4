//! Condition evaluation with YARA's semantics, in three values.
//!
//! **Undefined.** An out-of-range read, a division by zero, a missing
//! module field, an index past the end of an array or a match list: each
//! gives [`Val::Undef`]. It propagates through arithmetic, comparisons and
//! `not`; `and` and `or` treat it as false and are always defined; a `for`
//! body that is undefined counts as false; an `of` over a tuple of boolean
//! expressions becomes undefined at the first undefined member that comes
//! before the result is decided. A rule whose condition is undefined does
//! not match. These are YARA-X's rules, confirmed with its Python package
//! (see the tests).
//!
//! **Unknown.** Pattern matches are found lazily. The scanner first
//! evaluates rules *without* them: any expression that needs a match list
//! stops with [`Stop::NeedsPatterns`], which `and`, `or`, the quantifiers
//! and rule references absorb whenever the other operands decide the result
//! anyway (`filesize < 10 and $a` on a large file is false, no search
//! needed). Only a rule left undecided makes the scanner search the input,
//! once, and evaluate the undecided rules with the matches known.
//! Patterns used only as `$a at <constant>` are checked right away at that
//! offset and never make a rule wait for the search.
//!
//! **Operators**, comparisons, truth and the integer readers are
//! [`crate::semantics`]'s, the same that constant folding uses: evaluation
//! only supplies the operands.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};

use crate::matcher::deadline::Deadline;

use crate::compiler::ir::{
    Anchor, Constant, Expr, Iterable, OfItems, PatternId, PatternRef, Quantifier, RegexId, RuleId,
    VarId,
};
use crate::file_vars::FileVars;
use crate::matcher::{Match, PatternMatches, starting_in};
use crate::modules::{CallContext, Value};
use crate::rules::{PatternPlan, Rules};
use crate::scanner::module_data::ModuleCache;
use crate::semantics::{self, Number, Scalar};

/// Why an evaluation stopped without a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The result depends on pattern matches, which are not searched yet.
    NeedsPatterns,
    /// The scan ran past its deadline.
    Timeout,
}

/// What is known about a rule's condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// True.
    True,
    /// False or undefined.
    False,
    /// Depends on pattern matches not searched yet.
    Unknown,
}

/// How many evaluation steps pass between two looks at the clock: reading
/// it costs tens of nanoseconds, a step a few.
const STEPS_PER_CLOCK_CHECK: u32 = 4096;

/// The scan deadline, checked every [`STEPS_PER_CLOCK_CHECK`] steps.
#[derive(Debug)]
pub(crate) struct Clock {
    deadline: Deadline,
    steps: Cell<u32>,
}

impl Clock {
    pub(crate) fn new(deadline: Deadline) -> Self {
        Self { deadline, steps: Cell::new(0) }
    }

    fn tick(&self) -> Result<(), Stop> {
        let steps = self.steps.get().wrapping_add(1);
        self.steps.set(steps);
        if steps.is_multiple_of(STEPS_PER_CLOCK_CHECK) { self.check() } else { Ok(()) }
    }

    /// Fails when the deadline has passed.
    pub(crate) fn check(&self) -> Result<(), Stop> {
        if self.deadline.passed() { Err(Stop::Timeout) } else { Ok(()) }
    }

    /// The deadline, for module functions that walk the input.
    pub(crate) fn deadline(&self) -> &Deadline {
        &self.deadline
    }
}

/// Everything evaluation reads about the current input.
pub(crate) struct ScanState<'a> {
    pub(crate) rules: &'a Rules,
    pub(crate) data: &'a [u8],
    pub(crate) modules: &'a ModuleCache,
    /// The matches of searched patterns, once the search has run.
    pub(crate) searched: Option<&'a PatternMatches>,
    /// The match of each anchored pattern at its offset, checked on first
    /// use.
    pub(crate) anchored: &'a [OnceCell<Option<Match>>],
    pub(crate) anchored_checks: &'a Cell<u64>,
    pub(crate) messages: &'a RefCell<Vec<String>>,
    pub(crate) clock: &'a Clock,
    /// `filename`, `filepath`, ... of this input, computed on first use.
    pub(crate) file_vars: &'a FileVars<'a>,
}

impl<'a> ScanState<'a> {
    /// The matches of `pattern`, or [`Stop::NeedsPatterns`] when they take
    /// a search that has not run yet.
    pub(crate) fn matches_of(&self, pattern: PatternId) -> Result<&'a [Match], Stop> {
        match self.rules.plan(pattern) {
            None => Ok(&[]),
            Some(PatternPlan::Anchored { offset, slot }) => {
                let found = self.anchored[slot].get_or_init(|| {
                    self.anchored_checks.set(self.anchored_checks.get() + 1);
                    self.rules.match_anchored(slot, self.data, offset)
                });
                Ok(found.as_slice())
            }
            Some(PatternPlan::Searched { slot }) => {
                self.searched.map(|m| m.of(slot)).ok_or(Stop::NeedsPatterns)
            }
        }
    }
}

/// Evaluates the condition of rule `rule`: `Ok(true)` when it holds,
/// `Ok(false)` when it is false or undefined. `verdicts` holds what is
/// known of earlier rules; `frame` is scratch space for loop variables,
/// reused from rule to rule.
pub(crate) fn eval_rule<'a>(
    state: &ScanState<'a>,
    verdicts: &[Verdict],
    frame: &mut Vec<Val<'a>>,
    rule: RuleId,
) -> Result<bool, Stop> {
    let rule = state.rules.rule(rule);
    frame.clear();
    frame.resize(rule.frame_size as usize, Val::Undef);
    let mut eval = Eval { st: state, verdicts, frame };
    Ok(eval.eval_bool(&rule.condition)? == Some(true))
}

/// A value during evaluation.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    /// YARA's undefined.
    Undef,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, [u8]>),
    Regex(RegexId),
    /// A structure, array or dictionary of module data.
    Data(&'a Value),
    /// The current pattern of a `for ... of` loop.
    Pattern(PatternId),
}

impl<'a> Val<'a> {
    /// A module value as an evaluation value.
    fn from_data(value: &'a Value) -> Self {
        match value {
            Value::Undefined | Value::Regex(_) => Val::Undef,
            Value::Integer(n) => Val::Int(*n),
            Value::Float(x) => Val::Float(*x),
            Value::String(s) => Val::Str(Cow::Borrowed(s)),
            Value::Struct(_) | Value::Array(_) | Value::Dict(_) => Val::Data(value),
        }
    }

    fn from_constant(constant: &'a Constant) -> Self {
        match constant {
            Constant::Bool(b) => Val::Bool(*b),
            Constant::Integer(n) => Val::Int(*n),
            Constant::Float(x) => Val::Float(*x),
            Constant::String(s) => Val::Str(Cow::Borrowed(s)),
        }
    }

    /// The value as an operand of [`crate::semantics`]; `None` for
    /// undefined and for what no operator takes.
    fn scalar(&self) -> Option<Scalar<'_>> {
        match self {
            Val::Bool(b) => Some(Scalar::Bool(*b)),
            Val::Int(n) => Some(Scalar::Integer(*n)),
            Val::Float(x) => Some(Scalar::Float(*x)),
            Val::Str(s) => Some(Scalar::String(s)),
            Val::Undef | Val::Regex(_) | Val::Data(_) | Val::Pattern(_) => None,
        }
    }

    fn from_number(number: Option<Number>) -> Self {
        match number {
            Some(Number::Integer(n)) => Val::Int(n),
            Some(Number::Float(x)) => Val::Float(x),
            None => Val::Undef,
        }
    }
}

/// How many members of a set must hold.
#[derive(Debug, Clone, Copy)]
enum Need {
    All,
    AtLeast(u64),
    /// `none`, `0`, `0%`: exactly none.
    Zero,
}

impl Need {
    /// The result when `yes` members hold, `unknown` are not known yet and
    /// the rest of `total` do not hold; `None` while the unknown decide.
    fn decide(self, total: u64, yes: u64, unknown: u64) -> Option<bool> {
        let no = total.saturating_sub(yes).saturating_sub(unknown);
        match self {
            Need::All if no > 0 => Some(false),
            Need::Zero if yes > 0 => Some(false),
            Need::All | Need::Zero => (unknown == 0).then_some(true),
            Need::AtLeast(n) if yes >= n => Some(true),
            Need::AtLeast(n) => (yes.saturating_add(unknown) < n).then_some(false),
        }
    }
}

/// Members of one set left unknown (waiting for the pattern search) after
/// which the set stops trying to decide without the search: a loop over a
/// huge range whose body needs patterns would otherwise run in full before
/// the search, to be run again after it.
const MAX_UNKNOWN_MEMBERS: u64 = 1024;

/// Counts the members of a set that hold, as they are evaluated.
struct Tally {
    need: Need,
    total: u64,
    yes: u64,
    unknown: u64,
    seen: u64,
}

impl Tally {
    fn new(need: Need, total: u64) -> Self {
        Self { need, total, yes: 0, unknown: 0, seen: 0 }
    }

    /// Adds one member: `Ok(true)` holds, `Ok(false)` does not,
    /// `Err(NeedsPatterns)` unknown. Returns the result once it is decided
    /// whatever the remaining members are.
    fn add(&mut self, member: Result<bool, Stop>) -> Result<Option<bool>, Stop> {
        match member {
            Ok(true) => self.yes += 1,
            Ok(false) => {}
            Err(Stop::NeedsPatterns) => self.unknown += 1,
            Err(stop) => return Err(stop),
        }
        self.seen += 1;
        let pending = self.total.saturating_sub(self.seen);
        match self.need.decide(self.total, self.yes, self.unknown + pending) {
            None if self.unknown > MAX_UNKNOWN_MEMBERS => Err(Stop::NeedsPatterns),
            decided => Ok(decided),
        }
    }

    fn finish(&self) -> Result<bool, Stop> {
        self.need.decide(self.total, self.yes, self.unknown).ok_or(Stop::NeedsPatterns)
    }
}

/// An `at` / `in` restriction with its bounds evaluated.
#[derive(Debug, Clone, Copy)]
enum Place {
    Anywhere,
    At(i64),
    In(i64, i64),
}

impl Place {
    fn holds(self, matches: &[Match]) -> bool {
        match self {
            Place::Anywhere => !matches.is_empty(),
            Place::At(offset) => usize::try_from(offset).is_ok_and(|offset| {
                let i = matches.partition_point(|m| m.offset < offset);
                matches.get(i).is_some_and(|m| m.offset == offset)
            }),
            Place::In(lo, hi) => !select(matches, lo, hi).is_empty(),
        }
    }
}

/// Matches starting in the inclusive range `lo..=hi` of signed bounds.
fn select(matches: &[Match], lo: i64, hi: i64) -> &[Match] {
    match usize::try_from(hi) {
        Ok(hi) => starting_in(matches, usize::try_from(lo).unwrap_or(0), hi),
        Err(_) => &[],
    }
}

struct Eval<'s, 'a> {
    st: &'s ScanState<'a>,
    verdicts: &'s [Verdict],
    frame: &'s mut Vec<Val<'a>>,
}

impl<'a> Eval<'_, 'a> {
    fn eval_bool(&mut self, expr: &'a Expr) -> Result<Option<bool>, Stop> {
        Ok(semantics::truth(self.eval(expr)?.scalar()))
    }

    fn eval_int(&mut self, expr: &'a Expr) -> Result<Option<i64>, Stop> {
        Ok(self.eval(expr)?.scalar().and_then(Scalar::integer))
    }

    fn set(&mut self, var: VarId, value: Val<'a>) {
        if let Some(slot) = self.frame.get_mut(var.0 as usize) {
            *slot = value;
        }
    }

    /// Sets the `n`-th of a loop's variables, if it has that many.
    fn set_nth(&mut self, vars: &[VarId], n: usize, value: Val<'a>) {
        if let Some(&var) = vars.get(n) {
            self.set(var, value);
        }
    }

    #[allow(clippy::too_many_lines)]
    fn eval(&mut self, expr: &'a Expr) -> Result<Val<'a>, Stop> {
        self.st.clock.tick()?;
        Ok(match expr {
            Expr::Const(c) => Val::from_constant(c),
            Expr::Filesize => Val::Int(i64::try_from(self.st.data.len()).unwrap_or(i64::MAX)),
            Expr::Entrypoint => {
                self.st.modules.entrypoint(self.st.data).map_or(Val::Undef, Val::Int)
            }
            Expr::External(id) => {
                Val::from_constant(&self.st.rules.program().externals[id.0 as usize].value)
            }
            Expr::FileVar(var) => {
                Val::Str(Cow::Borrowed(self.st.file_vars.get(*var, self.st.data)))
            }
            Expr::Var(var) => self.frame.get(var.0 as usize).cloned().unwrap_or(Val::Undef),
            Expr::Rule(id) => match self.verdicts.get(id.0 as usize) {
                Some(Verdict::True) => Val::Bool(true),
                Some(Verdict::False) => Val::Bool(false),
                Some(Verdict::Unknown) | None => return Err(Stop::NeedsPatterns),
            },
            Expr::Module(id) => self
                .st
                .modules
                .get(*id, self.st.data)
                .map_or(Val::Undef, |m| Val::from_data(&m.value)),
            Expr::Field { object, index } => match self.eval(object)? {
                Val::Data(Value::Struct(fields)) => {
                    fields.get(*index).map_or(Val::Undef, Val::from_data)
                }
                _ => Val::Undef,
            },
            Expr::ArrayIndex { array, index } => {
                let array = self.eval(array)?;
                match (array, self.eval_int(index)?) {
                    (Val::Data(Value::Array(items)), Some(i)) => usize::try_from(i)
                        .ok()
                        .and_then(|i| items.get(i))
                        .map_or(Val::Undef, Val::from_data),
                    _ => Val::Undef,
                }
            }
            Expr::DictLookup { dict, key } => {
                let dict = self.eval(dict)?;
                match (dict, self.eval(key)?) {
                    (Val::Data(Value::Dict(map)), Val::Str(key)) => {
                        map.get(key.as_ref()).map_or(Val::Undef, Val::from_data)
                    }
                    _ => Val::Undef,
                }
            }
            Expr::Call { module, function, args } => {
                let mut values = Vec::with_capacity(args.len());
                for arg in args {
                    match self.argument(arg)? {
                        Some(value) => values.push(value),
                        None => return Ok(Val::Undef),
                    }
                }
                let Some(data) = self.st.modules.get(*module, self.st.data) else {
                    return Ok(Val::Undef);
                };
                let context = CallContext {
                    data: self.st.data,
                    module: data,
                    messages: self.st.messages,
                    deadline: self.st.clock.deadline(),
                };
                let value = (function.implementation)(&context, &values);
                // A function that walks the input gives up at the deadline
                // with an undefined value, which must not become a verdict.
                self.st.clock.check()?;
                match value {
                    Value::Integer(n) => Val::Int(n),
                    Value::Float(x) => Val::Float(x),
                    Value::String(s) => Val::Str(Cow::Owned(s)),
                    // Module functions return scalars; anything else would
                    // have nothing to borrow from, so it reads as undefined.
                    _ => Val::Undef,
                }
            }
            Expr::Not(e) => self.eval_bool(e)?.map_or(Val::Undef, |b| Val::Bool(!b)),
            Expr::And(items) => Val::Bool(self.and(items)?),
            Expr::Or(items) => Val::Bool(self.or(items)?),
            Expr::Defined(e) => Val::Bool(!matches!(self.eval(e)?, Val::Undef)),
            Expr::Neg(e) => {
                Val::from_number(semantics::negate(self.eval(e)?.scalar()).map(|r| r.value))
            }
            Expr::BitNot(e) => {
                semantics::bit_not(self.eval(e)?.scalar()).map_or(Val::Undef, Val::Int)
            }
            Expr::Arith { op, lhs, rhs } => {
                let (a, b) = (self.eval(lhs)?, self.eval(rhs)?);
                Val::from_number(semantics::arith(*op, a.scalar(), b.scalar()).map(|r| r.value))
            }
            Expr::Bitwise { op, lhs, rhs } => {
                let (a, b) = (self.eval(lhs)?, self.eval(rhs)?);
                semantics::bitwise(*op, a.scalar(), b.scalar()).map_or(Val::Undef, Val::Int)
            }
            Expr::Compare { op, lhs, rhs } => {
                let (a, b) = (self.eval(lhs)?, self.eval(rhs)?);
                semantics::compare(*op, a.scalar(), b.scalar()).map_or(Val::Undef, Val::Bool)
            }
            Expr::StrOp { op, lhs, rhs } => {
                let (a, b) = (self.eval(lhs)?, self.eval(rhs)?);
                semantics::string_op(*op, a.scalar(), b.scalar()).map_or(Val::Undef, Val::Bool)
            }
            Expr::Matches { subject, regex } => match self.eval(subject)? {
                Val::Str(s) => self
                    .st
                    .rules
                    .regex(*regex)
                    .map_or(Val::Undef, |regex| Val::Bool(regex.is_match(s.as_ref()))),
                _ => Val::Undef,
            },
            Expr::Regex(id) => Val::Regex(*id),
            Expr::ReadInt { reader, offset } => self
                .eval_int(offset)?
                .and_then(|offset| reader.read(self.st.data, offset))
                .map_or(Val::Undef, Val::Int),
            Expr::ReadFloat { reader, offset } => self
                .eval_int(offset)?
                .and_then(|offset| reader.read(self.st.data, offset))
                .map_or(Val::Undef, Val::Float),
            Expr::PatternMatch { pattern, anchor } => {
                let Some(place) = self.place(anchor.as_ref())? else {
                    return Ok(Val::Undef);
                };
                let Some(pattern) = self.pattern(*pattern) else {
                    return Ok(Val::Undef);
                };
                Val::Bool(place.holds(self.st.matches_of(pattern)?))
            }
            Expr::PatternCount { pattern, range } => {
                let bounds = match range {
                    None => None,
                    Some((lo, hi)) => match (self.eval_int(lo)?, self.eval_int(hi)?) {
                        (Some(lo), Some(hi)) => Some((lo, hi)),
                        _ => return Ok(Val::Undef),
                    },
                };
                let Some(pattern) = self.pattern(*pattern) else {
                    return Ok(Val::Undef);
                };
                let matches = self.st.matches_of(pattern)?;
                let counted = bounds.map_or(matches, |(lo, hi)| select(matches, lo, hi));
                Val::Int(i64::try_from(counted.len()).unwrap_or(i64::MAX))
            }
            Expr::PatternOffset { pattern, index } => self
                .nth_match(*pattern, index)?
                .map_or(Val::Undef, |m| Val::Int(i64::try_from(m.offset).unwrap_or(i64::MAX))),
            Expr::PatternLength { pattern, index } => self
                .nth_match(*pattern, index)?
                .map_or(Val::Undef, |m| Val::Int(i64::try_from(m.length).unwrap_or(i64::MAX))),
            Expr::Of { quantifier, items, anchor } => match items {
                OfItems::Patterns(patterns) => self.of_patterns(quantifier, patterns, anchor)?,
                OfItems::Rules(rules) => self.of_rules(quantifier, rules)?,
                OfItems::Exprs(exprs) => self.of_exprs(quantifier, exprs)?,
            },
            Expr::ForOf { quantifier, patterns, var, body } => {
                let total = patterns.len() as u64;
                self.quantified(quantifier, total, patterns.iter(), body, |eval, pattern| {
                    eval.set(*var, Val::Pattern(*pattern));
                    Ok(())
                })?
            }
            Expr::ForIn { quantifier, vars, iterable, body } => {
                self.for_in(quantifier, vars, iterable, body)?
            }
            Expr::With { bindings, body } => {
                for (var, value) in bindings {
                    let value = self.eval(value)?;
                    self.set(*var, value);
                }
                self.eval(body)?
            }
        })
    }

    /// `a and b and ...`: false as soon as one operand is false or
    /// undefined, even when an earlier one is still unknown.
    fn and(&mut self, items: &'a [Expr]) -> Result<bool, Stop> {
        let mut unknown = false;
        for item in items {
            match self.eval_bool(item) {
                Ok(Some(true)) => {}
                Ok(_) => return Ok(false),
                Err(Stop::NeedsPatterns) => unknown = true,
                Err(stop) => return Err(stop),
            }
        }
        if unknown { Err(Stop::NeedsPatterns) } else { Ok(true) }
    }

    /// `a or b or ...`: true as soon as one operand is true.
    fn or(&mut self, items: &'a [Expr]) -> Result<bool, Stop> {
        let mut unknown = false;
        for item in items {
            match self.eval_bool(item) {
                Ok(Some(true)) => return Ok(true),
                Ok(_) => {}
                Err(Stop::NeedsPatterns) => unknown = true,
                Err(stop) => return Err(stop),
            }
        }
        if unknown { Err(Stop::NeedsPatterns) } else { Ok(false) }
    }

    /// A function argument as module data; `None` when it is undefined,
    /// which makes the call undefined without calling it.
    fn argument(&mut self, arg: &'a Expr) -> Result<Option<Value>, Stop> {
        Ok(match self.eval(arg)? {
            Val::Undef | Val::Pattern(_) => None,
            Val::Bool(b) => Some(Value::Integer(i64::from(b))),
            Val::Int(n) => Some(Value::Integer(n)),
            Val::Float(x) => Some(Value::Float(x)),
            Val::Str(s) => Some(Value::String(s.into_owned())),
            Val::Regex(id) => self.st.rules.regex(id).map(|regex| Value::Regex(regex.clone())),
            Val::Data(value) => Some(value.clone()),
        })
    }

    /// The pattern a pattern expression is about.
    fn pattern(&self, pattern: PatternRef) -> Option<PatternId> {
        match pattern {
            PatternRef::Id(id) => Some(id),
            PatternRef::Var(var) => match self.frame.get(var.0 as usize) {
                Some(Val::Pattern(id)) => Some(*id),
                _ => None,
            },
        }
    }

    /// An `at`/`in` restriction with its bounds; `None` when a bound is
    /// undefined.
    fn place(&mut self, anchor: Option<&'a Anchor>) -> Result<Option<Place>, Stop> {
        Ok(match anchor {
            None => Some(Place::Anywhere),
            Some(Anchor::At(offset)) => self.eval_int(offset)?.map(Place::At),
            Some(Anchor::In(lo, hi)) => match (self.eval_int(lo)?, self.eval_int(hi)?) {
                (Some(lo), Some(hi)) => Some(Place::In(lo, hi)),
                _ => None,
            },
        })
    }

    /// The `index`-th match (from 1) of a pattern, if there is one.
    fn nth_match(&mut self, pattern: PatternRef, index: &'a Expr) -> Result<Option<Match>, Stop> {
        let Some(index) = self.eval_int(index)? else {
            return Ok(None);
        };
        let Some(pattern) = self.pattern(pattern) else {
            return Ok(None);
        };
        let matches = self.st.matches_of(pattern)?;
        Ok(usize::try_from(index)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| matches.get(i))
            .copied())
    }

    /// The quantifier for a set of `total` members; `None` when its count
    /// is undefined.
    fn need(&mut self, quantifier: &'a Quantifier, total: usize) -> Result<Option<Need>, Stop> {
        Ok(Some(match quantifier {
            Quantifier::All => Need::All,
            Quantifier::Any => Need::AtLeast(1),
            Quantifier::None => Need::Zero,
            // A count or percentage computed at run time can be negative:
            // YARA-X makes such a set false whatever its members, as a
            // count no set reaches.
            Quantifier::Count(n) => match self.eval_int(n)? {
                None => return Ok(None),
                Some(0) => Need::Zero,
                Some(n) => Need::AtLeast(u64::try_from(n).unwrap_or(u64::MAX)),
            },
            Quantifier::Percent(p) => match self.eval_int(p)? {
                None => return Ok(None),
                Some(0) => Need::Zero,
                Some(p) => Need::AtLeast(
                    u64::try_from(p)
                        .map_or(u64::MAX, |p| p.saturating_mul(total as u64).div_ceil(100)),
                ),
            },
        }))
    }

    fn of_patterns(
        &mut self,
        quantifier: &'a Quantifier,
        patterns: &[PatternId],
        anchor: &'a Option<Anchor>,
    ) -> Result<Val<'a>, Stop> {
        let Some(need) = self.need(quantifier, patterns.len())? else {
            return Ok(Val::Undef);
        };
        // YARA-X evaluates the bounds per member, and a member whose
        // bounds are undefined does not hold: the set is not undefined.
        let place = self.place(anchor.as_ref())?;
        let mut tally = Tally::new(need, patterns.len() as u64);
        for pattern in patterns {
            let holds = match place {
                Some(place) => self.st.matches_of(*pattern).map(|m| place.holds(m)),
                None => Ok(false),
            };
            if let Some(result) = tally.add(holds)? {
                return Ok(Val::Bool(result));
            }
        }
        Ok(Val::Bool(tally.finish()?))
    }

    fn of_rules(&mut self, quantifier: &'a Quantifier, rules: &[RuleId]) -> Result<Val<'a>, Stop> {
        let Some(need) = self.need(quantifier, rules.len())? else {
            return Ok(Val::Undef);
        };
        let mut tally = Tally::new(need, rules.len() as u64);
        for rule in rules {
            let holds = match self.verdicts.get(rule.0 as usize) {
                Some(Verdict::True) => Ok(true),
                Some(Verdict::False) => Ok(false),
                Some(Verdict::Unknown) | None => Err(Stop::NeedsPatterns),
            };
            if let Some(result) = tally.add(holds)? {
                return Ok(Val::Bool(result));
            }
        }
        Ok(Val::Bool(tally.finish()?))
    }

    /// `Q of (e1, e2, ...)`, as YARA-X does it: members in order, the
    /// result fixed as soon as it is decided (`any`/`N`: enough true;
    /// `all`: one false; `none`: one true), and undefined when a member is
    /// undefined before that.
    fn of_exprs(&mut self, quantifier: &'a Quantifier, exprs: &'a [Expr]) -> Result<Val<'a>, Stop> {
        let Some(need) = self.need(quantifier, exprs.len())? else {
            return Ok(Val::Undef);
        };
        let mut yes = 0;
        for expr in exprs {
            // An unknown member may turn out undefined, which would decide
            // the result before any later member is looked at.
            match self.eval_bool(expr)? {
                None => return Ok(Val::Undef),
                Some(true) => yes += 1,
                Some(false) if matches!(need, Need::All) => return Ok(Val::Bool(false)),
                Some(false) => {}
            }
            match need {
                Need::AtLeast(n) if yes >= n => return Ok(Val::Bool(true)),
                Need::Zero if yes > 0 => return Ok(Val::Bool(false)),
                _ => {}
            }
        }
        Ok(Val::Bool(!matches!(need, Need::AtLeast(_))))
    }

    /// `for Q vars in iterable : (body)`. An undefined or empty iterable
    /// makes the loop false, a body that is undefined counts as false.
    fn for_in(
        &mut self,
        quantifier: &'a Quantifier,
        vars: &[VarId],
        iterable: &'a Iterable,
        body: &'a Expr,
    ) -> Result<Val<'a>, Stop> {
        match iterable {
            Iterable::Range(lo, hi) => {
                let (Some(lo), Some(hi)) = (self.eval_int(lo)?, self.eval_int(hi)?) else {
                    return Ok(Val::Bool(false));
                };
                let total = u64::try_from(i128::from(hi) - i128::from(lo) + 1).unwrap_or(0);
                let values = (0..total).map(|step| lo.wrapping_add_unsigned(step));
                self.quantified(quantifier, total, values, body, |eval, i| {
                    eval.set_nth(vars, 0, Val::Int(i));
                    Ok(())
                })
            }
            Iterable::List(items) => {
                self.quantified(quantifier, items.len() as u64, items.iter(), body, |eval, item| {
                    let value = eval.eval(item)?;
                    eval.set_nth(vars, 0, value);
                    Ok(())
                })
            }
            Iterable::Array(array) => {
                let Val::Data(Value::Array(items)) = self.eval(array)? else {
                    return Ok(Val::Bool(false));
                };
                self.quantified(quantifier, items.len() as u64, items.iter(), body, |eval, item| {
                    eval.set_nth(vars, 0, Val::from_data(item));
                    Ok(())
                })
            }
            Iterable::Dict(dict) => {
                let Val::Data(Value::Dict(map)) = self.eval(dict)? else {
                    return Ok(Val::Bool(false));
                };
                self.quantified(quantifier, map.len() as u64, map.iter(), body, |eval, (k, v)| {
                    eval.set_nth(vars, 0, Val::Str(Cow::Borrowed(k)));
                    eval.set_nth(vars, 1, Val::from_data(v));
                    Ok(())
                })
            }
        }
    }

    /// Runs `body` once per member of `members` (`total` of them), `bind`
    /// setting the loop variables, and counts the true bodies. A loop
    /// without iterations is false.
    fn quantified<T>(
        &mut self,
        quantifier: &'a Quantifier,
        total: u64,
        members: impl Iterator<Item = T>,
        body: &'a Expr,
        mut bind: impl FnMut(&mut Self, T) -> Result<(), Stop>,
    ) -> Result<Val<'a>, Stop> {
        if total == 0 {
            return Ok(Val::Bool(false));
        }
        let Some(need) = self.need(quantifier, usize::try_from(total).unwrap_or(usize::MAX))?
        else {
            return Ok(Val::Undef);
        };
        let mut tally = Tally::new(need, total);
        for member in members {
            let holds =
                bind(self, member).and_then(|()| self.eval_bool(body).map(|b| b == Some(true)));
            if let Some(result) = tally.add(holds)? {
                return Ok(Val::Bool(result));
            }
        }
        Ok(Val::Bool(tally.finish()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantifier_decisions_account_for_unknown_members() {
        assert_eq!(Need::AtLeast(2).decide(3, 2, 1), Some(true));
        assert_eq!(Need::AtLeast(2).decide(3, 1, 1), None);
        assert_eq!(Need::AtLeast(2).decide(3, 0, 1), Some(false));
        assert_eq!(Need::All.decide(3, 2, 0), Some(false));
        assert_eq!(Need::All.decide(3, 2, 1), None);
        assert_eq!(Need::Zero.decide(3, 1, 2), Some(false));
        assert_eq!(Need::Zero.decide(3, 0, 0), Some(true));
    }
}
