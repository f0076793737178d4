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
//! **Arithmetic** is 64-bit and wraps on overflow; `\` and `%` by zero are
//! undefined, as is `i64::MIN \ -1` (while `i64::MIN % -1` is 0); a shift
//! by 64 or more gives 0 (a negative shift amount wraps modulo 64). An
//! integer meeting a float becomes a float; float division by zero gives an
//! infinity or NaN, which compares as IEEE says.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};

use crate::matcher::deadline::Deadline;

use crate::compiler::ir::{
    Anchor, ArithOp, BitOp, CmpOp, Constant, Expr, Iterable, OfItems, PatternId, PatternRef,
    Quantifier, RegexId, RuleId, StrOp, VarId,
};
use crate::modules::{CallContext, Value};
use crate::parser::ast::IntReader;
use crate::rules::{PatternPlan, Rules};
use crate::scanner::matches::{Match, PatternMatches, starting_in};
use crate::scanner::module_data::ModuleCache;

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
    pub(crate) modules: &'a ModuleCache<'a>,
    /// The matches of searched patterns, once the search has run.
    pub(crate) searched: Option<&'a PatternMatches>,
    /// The match of each anchored pattern at its offset, checked on first
    /// use.
    pub(crate) anchored: &'a [OnceCell<Option<Match>>],
    pub(crate) anchored_checks: &'a Cell<u64>,
    pub(crate) messages: &'a RefCell<Vec<String>>,
    pub(crate) clock: &'a Clock,
}

impl<'a> ScanState<'a> {
    /// The matches of `pattern`, or [`Stop::NeedsPatterns`] when they take
    /// a search that has not run yet.
    pub(crate) fn matches_of(&self, pattern: PatternId) -> Result<&'a [Match], Stop> {
        match self.rules.plan(pattern) {
            PatternPlan::Anchored { offset, slot } => {
                let found = self.anchored[slot].get_or_init(|| {
                    self.anchored_checks.set(self.anchored_checks.get() + 1);
                    self.rules.match_anchored(slot, self.data, offset)
                });
                Ok(found.as_slice())
            }
            PatternPlan::Searched { slot } => {
                self.searched.map(|m| m.of(slot)).ok_or(Stop::NeedsPatterns)
            }
        }
    }

    /// Whether the input fails a test the condition of `rule` needs (see
    /// [`crate::compiler::requirements::InputGuard`]), which makes the condition false.
    pub(crate) fn fails_guard(&self, rule: RuleId) -> bool {
        let guard = self.rules.guard(rule);
        let size = i64::try_from(self.data.len()).unwrap_or(i64::MAX);
        !(guard.min_size..=guard.max_size).contains(&size)
            || guard.magic.is_some_and(|magic| {
                read_int(magic.reader, self.data, magic.offset) != Some(magic.value)
            })
    }

    /// Whether the search ruled the condition of `rule` out: none of the
    /// patterns it requires (see [`crate::compiler::requirements`]) has a
    /// match. Always false before the search.
    pub(crate) fn ruled_out(&self, rule: RuleId) -> bool {
        match (self.searched, self.rules.required(rule)) {
            (Some(found), Some(slots)) => slots.iter().all(|&s| found.of(s as usize).is_empty()),
            _ => false,
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

    /// Truth in a boolean context; `None` for undefined.
    fn truth(&self) -> Option<bool> {
        match self {
            Val::Undef => None,
            Val::Bool(b) => Some(*b),
            Val::Int(n) => Some(*n != 0),
            Val::Float(x) => Some(*x != 0.0),
            Val::Str(s) => Some(!s.is_empty()),
            Val::Regex(_) | Val::Data(_) | Val::Pattern(_) => Some(true),
        }
    }

    /// An integer (booleans count as 0 and 1, as in YARA).
    fn int(&self) -> Option<i64> {
        match self {
            Val::Int(n) => Some(*n),
            Val::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn float(&self) -> Option<f64> {
        match self {
            Val::Float(x) => Some(*x),
            other => other.int().map(|n| n as f64),
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
        Ok(self.need.decide(self.total, self.yes, self.unknown + pending))
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
        Ok(self.eval(expr)?.truth())
    }

    fn eval_int(&mut self, expr: &'a Expr) -> Result<Option<i64>, Stop> {
        Ok(self.eval(expr)?.int())
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
            Expr::Neg(e) => match self.eval(e)? {
                Val::Float(x) => Val::Float(-x),
                v => v.int().map_or(Val::Undef, |n| Val::Int(n.wrapping_neg())),
            },
            Expr::BitNot(e) => self.eval_int(e)?.map_or(Val::Undef, |n| Val::Int(!n)),
            Expr::Arith { op, lhs, rhs } => {
                let (a, b) = (self.eval(lhs)?, self.eval(rhs)?);
                arith(*op, &a, &b)
            }
            Expr::Bitwise { op, lhs, rhs } => {
                let (a, b) = (self.eval_int(lhs)?, self.eval_int(rhs)?);
                match (a, b) {
                    (Some(a), Some(b)) => Val::Int(bitwise(*op, a, b)),
                    _ => Val::Undef,
                }
            }
            Expr::Compare { op, lhs, rhs } => {
                let (a, b) = (self.eval(lhs)?, self.eval(rhs)?);
                compare(*op, &a, &b).map_or(Val::Undef, Val::Bool)
            }
            Expr::StrOp { op, lhs, rhs } => match (self.eval(lhs)?, self.eval(rhs)?) {
                (Val::Str(a), Val::Str(b)) => Val::Bool(string_op(*op, &a, &b)),
                _ => Val::Undef,
            },
            Expr::Matches { subject, regex } => match self.eval(subject)? {
                Val::Str(s) => Val::Bool(self.st.rules.regex(*regex).is_match(s.as_ref())),
                _ => Val::Undef,
            },
            Expr::Regex(id) => Val::Regex(*id),
            Expr::ReadInt { reader, offset } => self
                .eval_int(offset)?
                .and_then(|offset| read_int(*reader, self.st.data, offset))
                .map_or(Val::Undef, Val::Int),
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
            Val::Regex(id) => Some(Value::Regex(self.st.rules.regex(id).clone())),
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
            Quantifier::Count(n) => match self.eval_int(n)? {
                None => return Ok(None),
                Some(n) => {
                    u64::try_from(n).ok().filter(|&n| n > 0).map_or(Need::Zero, Need::AtLeast)
                }
            },
            Quantifier::Percent(p) => match self.eval_int(p)? {
                None => return Ok(None),
                Some(p) => match u64::try_from(p).ok().filter(|&p| p > 0) {
                    None => Need::Zero,
                    Some(p) => Need::AtLeast((p.saturating_mul(total as u64)).div_ceil(100)),
                },
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
        let Some(place) = self.place(anchor.as_ref())? else {
            return Ok(Val::Undef);
        };
        let mut tally = Tally::new(need, patterns.len() as u64);
        for pattern in patterns {
            let holds = self.st.matches_of(*pattern).map(|m| place.holds(m));
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

fn arith(op: ArithOp, a: &Val<'_>, b: &Val<'_>) -> Val<'static> {
    if let (Val::Int(x), Val::Int(y)) = (a, b) {
        let (x, y) = (*x, *y);
        return match op {
            ArithOp::Add => Some(x.wrapping_add(y)),
            ArithOp::Sub => Some(x.wrapping_sub(y)),
            ArithOp::Mul => Some(x.wrapping_mul(y)),
            ArithOp::Div => x.checked_div(y),
            ArithOp::Mod => (y != 0).then(|| x.wrapping_rem(y)),
        }
        .map_or(Val::Undef, Val::Int);
    }
    let (Some(x), Some(y)) = (a.float(), b.float()) else {
        return Val::Undef;
    };
    Val::Float(match op {
        ArithOp::Add => x + y,
        ArithOp::Sub => x - y,
        ArithOp::Mul => x * y,
        ArithOp::Div => x / y,
        ArithOp::Mod => x % y,
    })
}

fn bitwise(op: BitOp, a: i64, b: i64) -> i64 {
    // Shift amounts are taken modulo 64 by `wrapping_sh*`, which is what
    // YARA-X does for negative amounts; 64 and above shift everything out.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let amount = b as u32;
    match op {
        BitOp::And => a & b,
        BitOp::Or => a | b,
        BitOp::Xor => a ^ b,
        BitOp::Shl if b < 64 => a.wrapping_shl(amount),
        BitOp::Shr if b < 64 => a.wrapping_shr(amount),
        BitOp::Shl | BitOp::Shr => 0,
    }
}

/// A comparison; `None` when an operand is undefined.
fn compare(op: CmpOp, a: &Val<'_>, b: &Val<'_>) -> Option<bool> {
    let ordering = match (a, b) {
        (Val::Str(x), Val::Str(y)) => x.cmp(y),
        (Val::Float(_), _) | (_, Val::Float(_)) => {
            let (x, y) = (a.float()?, b.float()?);
            return Some(match op {
                CmpOp::Eq => x == y,
                CmpOp::Ne => x != y,
                CmpOp::Lt => x < y,
                CmpOp::Le => x <= y,
                CmpOp::Gt => x > y,
                CmpOp::Ge => x >= y,
            });
        }
        _ => a.int()?.cmp(&b.int()?),
    };
    Some(op.holds(ordering))
}

/// String operators; the `i` forms fold ASCII case only, as YARA does.
fn string_op(op: StrOp, a: &[u8], b: &[u8]) -> bool {
    match op {
        StrOp::Contains => memchr::memmem::find(a, b).is_some(),
        StrOp::IContains => {
            let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
            memchr::memmem::find(&a, &b).is_some()
        }
        StrOp::StartsWith => a.starts_with(b),
        StrOp::IStartsWith => a.len() >= b.len() && a[..b.len()].eq_ignore_ascii_case(b),
        StrOp::EndsWith => a.ends_with(b),
        StrOp::IEndsWith => a.len() >= b.len() && a[a.len() - b.len()..].eq_ignore_ascii_case(b),
        StrOp::IEquals => a.eq_ignore_ascii_case(b),
    }
}

/// `uint16(offset)` and friends; `None` past the end or before the start.
fn read_int(reader: IntReader, data: &[u8], offset: i64) -> Option<i64> {
    use IntReader as R;
    let (size, signed, big) = match reader {
        R::Int8 => (1, true, false),
        R::Int16 => (2, true, false),
        R::Int32 => (4, true, false),
        R::Uint8 => (1, false, false),
        R::Uint16 => (2, false, false),
        R::Uint32 => (4, false, false),
        R::Int8be => (1, true, true),
        R::Int16be => (2, true, true),
        R::Int32be => (4, true, true),
        R::Uint8be => (1, false, true),
        R::Uint16be => (2, false, true),
        R::Uint32be => (4, false, true),
    };
    let start = usize::try_from(offset).ok()?;
    let bytes = data.get(start..start.checked_add(size)?)?;
    let mut raw: u64 = 0;
    for i in 0..size {
        let byte = if big { bytes[i] } else { bytes[size - 1 - i] };
        raw = raw << 8 | u64::from(byte);
    }
    let bits = 8 * size as u32;
    #[allow(clippy::cast_possible_wrap)]
    Some(if signed { (raw << (64 - bits)) as i64 >> (64 - bits) } else { raw as i64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_cover_sign_and_byte_order() {
        let data = [0xFE, 0xFF, 0x01, 0x80];
        assert_eq!(read_int(IntReader::Int8, &data, 0), Some(-2));
        assert_eq!(read_int(IntReader::Uint8, &data, 0), Some(0xFE));
        assert_eq!(read_int(IntReader::Int16, &data, 0), Some(-2));
        assert_eq!(read_int(IntReader::Uint16be, &data, 0), Some(0xFEFF));
        assert_eq!(read_int(IntReader::Uint32, &data, 0), Some(0x8001_FFFE));
        assert_eq!(read_int(IntReader::Int32, &data, 0), Some(0x8001_FFFE_u32 as i32 as i64));
        assert_eq!(read_int(IntReader::Int32be, &data, 0), Some(0xFEFF_0180_u32 as i32 as i64));
        assert_eq!(read_int(IntReader::Uint16, &data, 3), None);
        assert_eq!(read_int(IntReader::Uint8, &data, -1), None);
        assert_eq!(read_int(IntReader::Uint8, &data, i64::MAX), None);
    }

    #[test]
    fn integer_arithmetic_wraps_and_division_by_zero_is_undefined() {
        let int = |v: Val<'_>| v.int();
        assert_eq!(int(arith(ArithOp::Add, &Val::Int(i64::MAX), &Val::Int(1))), Some(i64::MIN));
        assert_eq!(int(arith(ArithOp::Mul, &Val::Int(i64::MAX), &Val::Int(2))), Some(-2));
        assert_eq!(int(arith(ArithOp::Div, &Val::Int(-7), &Val::Int(2))), Some(-3));
        assert_eq!(int(arith(ArithOp::Mod, &Val::Int(-7), &Val::Int(2))), Some(-1));
        assert!(matches!(arith(ArithOp::Div, &Val::Int(1), &Val::Int(0)), Val::Undef));
        assert!(matches!(arith(ArithOp::Mod, &Val::Int(1), &Val::Int(0)), Val::Undef));
        assert!(matches!(arith(ArithOp::Div, &Val::Int(i64::MIN), &Val::Int(-1)), Val::Undef));
        assert_eq!(int(arith(ArithOp::Mod, &Val::Int(i64::MIN), &Val::Int(-1))), Some(0));
        assert!(
            matches!(arith(ArithOp::Div, &Val::Int(7), &Val::Float(2.0)), Val::Float(x) if x == 3.5)
        );
        assert!(
            matches!(arith(ArithOp::Div, &Val::Float(1.0), &Val::Int(0)), Val::Float(x) if x.is_infinite())
        );
    }

    #[test]
    fn shifts_follow_yara_x() {
        assert_eq!(bitwise(BitOp::Shl, 1, 63), i64::MIN);
        assert_eq!(bitwise(BitOp::Shl, 1, 64), 0);
        assert_eq!(bitwise(BitOp::Shl, 1, -1), i64::MIN);
        assert_eq!(bitwise(BitOp::Shr, -8, 1), -4);
        assert_eq!(bitwise(BitOp::Shr, -8, 64), 0);
        assert_eq!(bitwise(BitOp::Shr, 8, -1), 0);
    }

    #[test]
    fn comparisons_promote_and_treat_nan_as_ieee() {
        assert_eq!(compare(CmpOp::Eq, &Val::Int(0), &Val::Float(0.0)), Some(true));
        assert_eq!(compare(CmpOp::Lt, &Val::Int(1), &Val::Float(1.5)), Some(true));
        let nan = Val::Float(f64::NAN);
        assert_eq!(compare(CmpOp::Eq, &nan, &nan), Some(false));
        assert_eq!(compare(CmpOp::Ne, &nan, &nan), Some(true));
        assert_eq!(compare(CmpOp::Eq, &Val::Undef, &Val::Int(1)), None);
        let s = |x: &'static [u8]| Val::Str(Cow::Borrowed(x));
        assert_eq!(compare(CmpOp::Lt, &s(b"ab"), &s(b"abc")), Some(true));
        assert_eq!(compare(CmpOp::Gt, &s(b"b"), &s(b"abc")), Some(true));
        assert_eq!(compare(CmpOp::Eq, &Val::Bool(true), &Val::Int(1)), Some(true));
    }

    #[test]
    fn string_operators_fold_ascii_case() {
        assert!(string_op(StrOp::IContains, b"aBc", b"BC"));
        assert!(!string_op(StrOp::Contains, b"aBc", b"BC"));
        assert!(string_op(StrOp::IEquals, b"aBc", b"ABC"));
        assert!(string_op(StrOp::IStartsWith, b"aBc", b"AB"));
        assert!(string_op(StrOp::IEndsWith, b"aBc", b"BC"));
        assert!(!string_op(StrOp::IEndsWith, b"c", b"BC"));
        assert!(string_op(StrOp::StartsWith, b"abc", b""));
    }

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
