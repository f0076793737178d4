//! What a rule's condition cannot do without: patterns, and cheap facts
//! about the input.
//!
//! After the one search pass most patterns of a large rule set have no
//! match in a given input, and most conditions are false for that reason
//! alone: `$a`, `any of them`, `3 of ($x*)`, `#a > 2` and `@a[1] < 100` all
//! need a match of their patterns to be true. This analysis finds, for each
//! rule, a set of patterns of which at least one must have a match for the
//! condition to hold (its [`Requirement`]). The scanner then evaluates a
//! rule only when one of them matched, and calls it false otherwise without
//! looking at the condition.
//!
//! The analysis is an over-approximation that errs on the side of
//! evaluating: where it cannot tell (`not $a`, `#a == 0`, `none of them`,
//! module data, a set that would grow past [`MAX_REQUIRED_PATTERNS`]) the
//! rule gets [`Requirement::None`] and is always evaluated. It reasons
//! about truth, and YARA's *undefined* helps: `@a[1]`, `!a[1]` and anything
//! computed from them are undefined without a match of `$a`, and an
//! undefined value is never true.
//!
//! How the pieces combine, for a set `S(e)` of patterns that `e` needs:
//! - `a and b`: both must hold, so either set will do; the one cheaper to
//!   check is kept, by a cost per pattern the caller gives (for the
//!   scanner, searched patterns come with the search while anchored ones
//!   are each checked on their own);
//! - `a or b`: whichever holds brings its own, so the union, and only when
//!   every branch has one;
//! - `any`/`N of`/`N%`/`all of` and the `for` loops: at least one member
//!   (iteration) must hold, so the union of the members' sets (for a
//!   pattern set: the patterns themselves); `all of` a non-empty set keeps
//!   the cheapest member set, like `and`; `none` needs nothing;
//! - a reference to an earlier rule needs what that rule needs.
//!
//! Besides patterns, the `and` chain at the top of a condition often
//! starts with tests on the input that decide most rules on most files:
//! `uint16(0) == 0x5A4D`, `filesize < 500KB`. [`rule_guards`] collects
//! them into an [`InputGuard`] per rule, kept in one array: checking it
//! is far cheaper than walking the condition tree, whose nodes are
//! scattered over memory.

use serde::{Deserialize, Serialize};

use crate::compiler::ir::{
    CmpOp, Constant, Expr, IntReader, OfItems, PatternId, PatternRef, Program, Quantifier, VarId,
};
use crate::semantics::{self, Scalar};

/// Past this many patterns a set is dropped (the rule is always
/// evaluated): checking a huge set per input costs as much as evaluating,
/// and unions over rule references could otherwise grow without bound.
pub const MAX_REQUIRED_PATTERNS: usize = 1024;

/// What a rule's condition needs from the pattern search to be true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// Nothing known: the condition may hold whatever matched.
    None,
    /// The condition holds only if one of these patterns (sorted, without
    /// repeats) has a match; when the list is empty it never holds.
    AnyMatch(Box<[PatternId]>),
}

/// The requirement of every rule of `program`, by rule id. `cost` says
/// how much it costs to learn whether a pattern has a match: where one of
/// several sets will do, the cheapest is kept.
#[must_use]
pub fn rule_requirements(program: &Program, cost: &dyn Fn(PatternId) -> u64) -> Vec<Requirement> {
    let mut done: Vec<Option<Set>> = Vec::with_capacity(program.rules.len());
    for rule in &program.rules {
        let needed = Analysis { rules: &done, loops: Vec::new(), cost }.needs(&rule.condition);
        done.push(needed);
    }
    done.into_iter()
        .map(|set| set.map_or(Requirement::None, |s| Requirement::AnyMatch(s.into_boxed_slice())))
        .collect()
}

/// Tests on the input that a condition needs to be true: the conjuncts
/// `filesize <op> k` and the first `reader(offset) == value` with constant
/// operands of the condition's top-level `and` chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputGuard {
    /// Smallest `filesize` the condition admits.
    pub min_size: i64,
    /// Largest `filesize` the condition admits (below `min_size` when none
    /// is).
    pub max_size: i64,
    /// An integer the input must hold at a fixed offset.
    pub magic: Option<Magic>,
}

/// `reader(offset) == value`, such as `uint16(0) == 0x5A4D`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Magic {
    /// How the integer is read.
    pub reader: IntReader,
    /// Where.
    pub offset: i64,
    /// What it must be.
    pub value: i64,
}

impl InputGuard {
    /// A guard that admits every input.
    pub const NONE: Self = Self { min_size: 0, max_size: i64::MAX, magic: None };
}

/// The input guard of every rule of `program`, by rule id.
#[must_use]
pub fn rule_guards(program: &Program) -> Vec<InputGuard> {
    program
        .rules
        .iter()
        .map(|rule| {
            let mut guard = InputGuard::NONE;
            narrow(&mut guard, &rule.condition);
            guard
        })
        .collect()
}

/// Adds to `guard` what the conjunct `expr` (or the conjuncts inside it,
/// when it is itself an `and`) says about the input.
fn narrow(guard: &mut InputGuard, expr: &Expr) {
    let Expr::Compare { op, lhs, rhs } = expr else {
        if let Expr::And(items) = expr {
            items.iter().for_each(|item| narrow(guard, item));
        }
        return;
    };
    // `k < filesize` is `filesize > k`.
    let (op, subject, k) = match (lhs.as_ref(), rhs.as_ref()) {
        (subject, Expr::Const(Constant::Integer(k))) => (*op, subject, *k),
        (Expr::Const(Constant::Integer(k)), subject) => (op.mirrored(), subject, *k),
        _ => return,
    };
    match subject {
        Expr::Filesize => {
            if let Some(admitted) = op.solutions(k) {
                guard.min_size = guard.min_size.max(*admitted.start());
                guard.max_size = guard.max_size.min(*admitted.end());
            }
        }
        Expr::ReadInt { reader, offset } if op == CmpOp::Eq && guard.magic.is_none() => {
            if let Expr::Const(Constant::Integer(offset)) = offset.as_ref() {
                guard.magic = Some(Magic { reader: *reader, offset: *offset, value: k });
            }
        }
        _ => {}
    }
}

/// A sorted set of patterns without repeats.
type Set = Vec<PatternId>;

struct Analysis<'p> {
    /// What the rules before the one analysed need.
    rules: &'p [Option<Set>],
    /// The `for ... of` loops around the expression analysed: the loop
    /// variable and the patterns it ranges over.
    loops: Vec<(VarId, &'p [PatternId])>,
    /// The cost of checking one pattern.
    cost: &'p dyn Fn(PatternId) -> u64,
}

impl<'p> Analysis<'p> {
    /// Patterns of which one must match for `expr` to be true.
    fn needs(&mut self, expr: &'p Expr) -> Option<Set> {
        match expr {
            Expr::Const(constant) => {
                (semantics::truth(Some(constant.scalar())) != Some(true)).then(Vec::new)
            }
            Expr::Rule(id) => self.rules.get(id.0 as usize).cloned().flatten(),
            Expr::PatternMatch { pattern, .. } => self.patterns_of(*pattern),
            Expr::Compare { op, lhs, rhs } => {
                let counted = self.count_needs(*op, lhs, rhs);
                let undefined = [self.undefined_unless(lhs), self.undefined_unless(rhs)];
                let undefined = self.cheapest(undefined);
                self.cheapest([counted, undefined])
            }
            Expr::Not(inner) | Expr::Defined(inner) => self.undefined_unless(inner),
            Expr::And(items) => {
                let sets: Vec<_> = items.iter().map(|item| self.needs(item)).collect();
                self.cheapest(sets)
            }
            Expr::Or(items) => union(items.iter().map(|item| self.needs(item))),
            Expr::Of { quantifier, items, .. } => match items {
                OfItems::Patterns(patterns) => {
                    let members = patterns.iter().map(|p| Some(vec![*p]));
                    self.combine(quantifier, patterns.len(), members)
                }
                OfItems::Rules(rules) => {
                    let members: Vec<_> = rules
                        .iter()
                        .map(|r| self.rules.get(r.0 as usize).cloned().flatten())
                        .collect();
                    self.combine(quantifier, rules.len(), members)
                }
                OfItems::Exprs(exprs) => {
                    let members: Vec<_> = exprs.iter().map(|e| self.needs(e)).collect();
                    self.combine(quantifier, exprs.len(), members)
                }
            },
            Expr::ForOf { quantifier, patterns, var, body } => {
                if !loop_needs_a_true_body(quantifier) {
                    return None;
                }
                self.loops.push((*var, patterns));
                let needed = self.needs(body);
                self.loops.pop();
                needed
            }
            Expr::ForIn { quantifier, body, .. } => {
                if loop_needs_a_true_body(quantifier) {
                    self.needs(body)
                } else {
                    None
                }
            }
            Expr::With { body, .. } => self.needs(body),
            // An undefined value is never true.
            _ => self.undefined_unless(expr),
        }
    }

    /// Patterns of which one must match for `expr` to be defined.
    fn undefined_unless(&mut self, expr: &'p Expr) -> Option<Set> {
        match expr {
            Expr::PatternOffset { pattern, .. } | Expr::PatternLength { pattern, .. } => {
                self.patterns_of(*pattern)
            }
            // Undefined operands make all of these undefined.
            Expr::Arith { lhs, rhs, .. }
            | Expr::Bitwise { lhs, rhs, .. }
            | Expr::Compare { lhs, rhs, .. } => {
                let sets = [self.undefined_unless(lhs), self.undefined_unless(rhs)];
                self.cheapest(sets)
            }
            Expr::Neg(inner)
            | Expr::BitNot(inner)
            | Expr::Not(inner)
            | Expr::ReadInt { offset: inner, .. }
            | Expr::ReadFloat { offset: inner, .. } => self.undefined_unless(inner),
            _ => None,
        }
    }

    /// What `#a <op> k` (or `k <op> #a`) needs: `$a` itself when a count
    /// of zero makes the comparison false.
    fn count_needs(&self, op: CmpOp, lhs: &Expr, rhs: &Expr) -> Option<Set> {
        let zero = Some(Scalar::Integer(0));
        let (pattern, holds_for_zero) = match (lhs, rhs) {
            (Expr::PatternCount { pattern, .. }, Expr::Const(k)) => {
                (pattern, semantics::compare(op, zero, Some(k.scalar())))
            }
            (Expr::Const(k), Expr::PatternCount { pattern, .. }) => {
                (pattern, semantics::compare(op, Some(k.scalar()), zero))
            }
            _ => return None,
        };
        // Undefined is not true either.
        if holds_for_zero == Some(true) { None } else { self.patterns_of(*pattern) }
    }

    /// What a quantified set of `total` members needs, from what each
    /// member needs.
    fn combine(
        &self,
        quantifier: &Quantifier,
        total: usize,
        members: impl IntoIterator<Item = Option<Set>>,
    ) -> Option<Set> {
        match quantifier {
            // Every member must hold: any member's set will do.
            Quantifier::All if total > 0 => self.cheapest(members),
            _ if needs_a_true_member(quantifier) => union(members),
            _ => None,
        }
    }

    /// The cheapest of the known sets to check, if any is known.
    fn cheapest(&self, sets: impl IntoIterator<Item = Option<Set>>) -> Option<Set> {
        sets.into_iter()
            .flatten()
            .min_by_key(|set| set.iter().map(|&p| (self.cost)(p)).fold(0, u64::saturating_add))
    }

    /// The patterns a pattern reference can stand for.
    fn patterns_of(&self, pattern: PatternRef) -> Option<Set> {
        match pattern {
            PatternRef::Id(id) => Some(vec![id]),
            PatternRef::Var(var) => self
                .loops
                .iter()
                .rev()
                .find(|(bound, _)| *bound == var)
                .and_then(|(_, patterns)| normalized(patterns.to_vec())),
        }
    }
}

/// Whether the quantifier is only satisfied by at least one true member of
/// a non-empty set (`all` is left to the caller: it holds on an empty set).
fn needs_a_true_member(quantifier: &Quantifier) -> bool {
    match quantifier {
        Quantifier::Any => true,
        Quantifier::Count(n) | Quantifier::Percent(n) => {
            matches!(n.as_ref(), Expr::Const(Constant::Integer(k)) if *k >= 1)
        }
        Quantifier::All | Quantifier::None => false,
    }
}

/// Whether a `for` loop with this quantifier needs its body to hold at
/// least once: a loop without iterations is false, even `for all`.
fn loop_needs_a_true_body(quantifier: &Quantifier) -> bool {
    matches!(quantifier, Quantifier::All) || needs_a_true_member(quantifier)
}

/// The union of the sets when every one is known and it stays under the
/// limit.
fn union(sets: impl IntoIterator<Item = Option<Set>>) -> Option<Set> {
    let mut all = Vec::new();
    for set in sets {
        all.extend(set?);
        if all.len() > 2 * MAX_REQUIRED_PATTERNS {
            all = normalized(all)?;
        }
    }
    normalized(all)
}

/// Sorts and dedups; `None` when the set is over the limit.
fn normalized(mut set: Set) -> Option<Set> {
    set.sort_unstable();
    set.dedup();
    (set.len() <= MAX_REQUIRED_PATTERNS).then_some(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::Compiler;

    /// The requirement of the last rule of `source`, as pattern names; the
    /// first pattern of the source costs 100 to check, the others 1.
    fn required(source: &str) -> Option<Vec<String>> {
        let mut compiler = Compiler::new();
        compiler.add_source(source, "<test>");
        let rules = compiler.build().unwrap_or_else(|d| panic!("{:?}", d[0]));
        let program = rules.program();
        match rule_requirements(program, &|p| if p.0 == 0 { 100 } else { 1 }).pop()? {
            Requirement::None => None,
            Requirement::AnyMatch(set) => Some(
                set.iter()
                    .map(|p| {
                        let pattern = &program.patterns[p.0 as usize];
                        let rule = &program.rules[pattern.rule.0 as usize].name;
                        format!("{rule}{}", pattern.name)
                    })
                    .collect(),
            ),
        }
    }

    /// A rule with `strings` and `condition`; the extra operand uses every
    /// pattern (unused ones are an error) and needs nothing.
    fn rule(strings: &str, condition: &str) -> String {
        format!(
            "rule r {{ strings: {strings} condition: ({condition}) and (true or any of them) }}"
        )
    }

    const ABC: &str = r#"$a = "alpha" $b = "beta" $c = "gamma""#;

    #[test]
    fn single_patterns_and_counts_need_their_pattern() {
        for condition in [
            "$a",
            "$a at 10",
            "$a in (0..100)",
            "#a > 0",
            "#a >= 2",
            "#a == 3",
            "0 < #a",
            "#a != 0",
            "#a in (0..10) > 1",
            "@a[2] < 100",
            "!a[1] == 5",
            "uint8(@a[1] + 2) == 0",
            "defined @a[1]",
            "not (@a[1] > 5)",
        ] {
            assert_eq!(required(&rule(ABC, condition)), Some(vec!["r$a".into()]), "{condition}");
        }
    }

    #[test]
    fn conditions_true_without_a_match_need_nothing() {
        for condition in [
            "not $a",
            "#a == 0",
            "#a < 3",
            "none of them",
            "0 of them",
            "filesize > 10",
            "$a or filesize > 10",
            "for all i in (1..#a) : (@a[i] > 0) or true",
        ] {
            assert_eq!(required(&rule(ABC, condition)), None, "{condition}");
        }
    }

    #[test]
    fn and_keeps_the_cheapest_or_the_union() {
        // `required` makes the first pattern, `$a`, a hundred times dearer.
        assert_eq!(required(&rule(ABC, "$a and $c")), Some(vec!["r$c".into()]));
        assert_eq!(required(&rule(ABC, "$a and any of ($b, $c)")).map(|s| s.len()), Some(2));
        assert_eq!(
            required(&rule(ABC, "filesize < 100 and any of ($a, $b) and $c")),
            Some(vec!["r$c".into()])
        );
        assert_eq!(
            required(&rule(ABC, "($a and filesize < 10) or (#b > 2 and #c > 2)")),
            Some(vec!["r$a".into(), "r$b".into()])
        );
    }

    #[test]
    fn quantifiers_need_one_member_of_the_set() {
        let all = Some(vec!["r$a".to_owned(), "r$b".into(), "r$c".into()]);
        for condition in ["any of them", "2 of them", "50% of them"] {
            assert_eq!(required(&rule(ABC, condition)), all, "{condition}");
        }
        // Every member must match: any one of them will do.
        assert_eq!(required(&rule(ABC, "all of them")).map(|s| s.len()), Some(1));
        assert_eq!(required(&rule(ABC, "any of ($a, $b) at 0")).map(|s| s.len()), Some(2));
        assert_eq!(required(&rule(ABC, "for any of ($a, $b) : (# > 2)")).map(|s| s.len()), Some(2));
        assert_eq!(required(&rule(ABC, "for 2 of them : ($c)")), Some(vec!["r$c".into()]));
        assert_eq!(
            required(&rule(ABC, "for any i in (1..3) : (@b[i] > 10)")),
            Some(vec!["r$b".into()])
        );
        assert_eq!(required(&rule(ABC, "all of ($a, filesize > 0)")), Some(vec!["r$a".into()]));
        assert_eq!(required(&rule(ABC, "any of ($a, filesize > 0)")), None);
    }

    #[test]
    fn rule_references_carry_requirements_over() {
        let source =
            format!("{} rule s {{ strings: $x = \"x\" condition: r or $x }}", rule(ABC, "$b"));
        assert_eq!(required(&source), Some(vec!["r$b".into(), "s$x".into()]));
        let source = format!("{} rule s {{ condition: any of (r) }}", rule(ABC, "$a"));
        assert_eq!(required(&source), Some(vec!["r$a".into()]));
    }

    fn guard(condition: &str) -> InputGuard {
        let mut compiler = Compiler::new();
        compiler.add_source(&format!("rule r {{ condition: {condition} }}"), "<test>");
        let rules = compiler.build().unwrap_or_else(|d| panic!("{:?}", d[0]));
        rule_guards(rules.program())[0]
    }

    #[test]
    fn guards_come_from_the_top_level_and_chain() {
        let uint16 =
            IntReader { width: semantics::IntWidth::Half, signed: false, big_endian: false };
        let mz = Some(Magic { reader: uint16, offset: 0, value: 0x5A4D });
        assert_eq!(
            guard("uint16(0) == 0x5A4D and filesize < 1KB and (filesize > 10 and 100 <= filesize)"),
            InputGuard { min_size: 100, max_size: 1023, magic: mz }
        );
        assert_eq!(guard("0x5A4D == uint16(0) and filesize == 7").magic, mz);
        assert_eq!(guard("filesize == 7"), InputGuard { min_size: 7, max_size: 7, magic: None });
        for free in [
            "uint16(0) == 0x5A4D or filesize < 10",
            "not filesize < 10",
            "uint16(filesize - 2) == 1",
            "filesize != 10",
            "uint16(0) != 0x5A4D",
        ] {
            assert_eq!(guard(free), InputGuard::NONE, "{free}");
        }
        let none = guard("filesize < 0");
        assert!(none.max_size < none.min_size);
    }

    #[test]
    fn a_false_constant_needs_the_impossible() {
        assert_eq!(required(&rule(ABC, "false and filesize > 0")), Some(vec![]));
    }
}
