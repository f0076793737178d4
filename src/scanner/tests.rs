//! Scanner and evaluator tests on hand-built IR. Every expectation was
//! checked against YARA-X (the `yara-x` Python package) with the same
//! condition written as rule text, shown in each case's comment or label.

use std::sync::Arc;

use super::*;
use crate::compiler::ir::{
    Anchor, ArithOp, BitOp, CmpOp, Constant, Expr, Iterable, OfItems, Pattern, PatternRef, Program,
    Quantifier, Rule, StrOp, VarId,
};
use crate::parser::ast::{self, IntReader};

/// Builds a program rule by rule.
#[derive(Default)]
struct Builder {
    program: Program,
}

struct RuleSpec<'a> {
    name: &'a str,
    namespace: &'a str,
    patterns: &'a [&'a str],
    private_patterns: &'a [&'a str],
    is_private: bool,
    is_global: bool,
}

impl<'a> RuleSpec<'a> {
    fn named(name: &'a str) -> Self {
        Self {
            name,
            namespace: "default",
            patterns: &[],
            private_patterns: &[],
            is_private: false,
            is_global: false,
        }
    }
}

impl Builder {
    /// Adds a rule; `condition` gets the ids of its patterns.
    fn rule(
        &mut self,
        spec: &RuleSpec<'_>,
        condition: impl FnOnce(&[PatternId]) -> Expr,
    ) -> RuleId {
        let id = RuleId(self.program.rules.len() as u32);
        let start = self.program.patterns.len() as u32;
        let all = spec.patterns.iter().map(|t| (t, false));
        let all = all.chain(spec.private_patterns.iter().map(|t| (t, true)));
        for (i, (text, is_private)) in all.enumerate() {
            self.program.patterns.push(Pattern {
                rule: id,
                name: format!("$p{i}"),
                value: ast::PatternValue::Text(text.as_bytes().to_vec()),
                modifiers: Vec::new(),
                is_private,
            });
        }
        let end = self.program.patterns.len() as u32;
        let ids: Vec<PatternId> = (start..end).map(PatternId).collect();
        self.program.rules.push(Rule {
            name: spec.name.into(),
            namespace: spec.namespace.into(),
            tags: vec!["t".into()],
            meta: vec![("k".into(), crate::results::MetaValue::Integer(1))],
            is_private: spec.is_private,
            is_global: spec.is_global,
            patterns: start..end,
            condition: condition(&ids),
            frame_size: 4,
        });
        id
    }

    fn build(self) -> Rules {
        Rules::new(self.program, &crate::matcher::MatcherLimits::default()).unwrap()
    }
}

// ---- expression constructors ----

fn int(n: i64) -> Expr {
    Expr::Const(Constant::Integer(n))
}
fn float(x: f64) -> Expr {
    Expr::Const(Constant::Float(x))
}
fn boolean(b: bool) -> Expr {
    Expr::Const(Constant::Bool(b))
}
fn text(s: &str) -> Expr {
    Expr::Const(Constant::String(Arc::from(s.as_bytes())))
}
fn bx(e: Expr) -> Box<Expr> {
    Box::new(e)
}
fn cmp(op: CmpOp, a: Expr, b: Expr) -> Expr {
    Expr::Compare { op, lhs: bx(a), rhs: bx(b) }
}
fn eq(a: Expr, b: Expr) -> Expr {
    cmp(CmpOp::Eq, a, b)
}
fn arith(op: ArithOp, a: Expr, b: Expr) -> Expr {
    Expr::Arith { op, lhs: bx(a), rhs: bx(b) }
}
fn not(e: Expr) -> Expr {
    Expr::Not(bx(e))
}
fn defined(e: Expr) -> Expr {
    Expr::Defined(bx(e))
}
fn and(items: Vec<Expr>) -> Expr {
    Expr::And(items)
}
fn or(items: Vec<Expr>) -> Expr {
    Expr::Or(items)
}
fn read(reader: IntReader, offset: i64) -> Expr {
    Expr::ReadInt { reader, offset: bx(int(offset)) }
}
/// `uint8(100)`: undefined on the short inputs of these tests.
fn undef_int() -> Expr {
    read(IntReader::Uint8, 100)
}
/// `uint8(100) == 1`: an undefined boolean.
fn undef_bool() -> Expr {
    eq(undef_int(), int(1))
}
fn var(n: u32) -> Expr {
    Expr::Var(VarId(n))
}
fn pm(p: PatternId) -> Expr {
    Expr::PatternMatch { pattern: PatternRef::Id(p), anchor: None }
}
fn pm_at(p: PatternId, at: Expr) -> Expr {
    Expr::PatternMatch { pattern: PatternRef::Id(p), anchor: Some(Anchor::At(bx(at))) }
}
fn pm_in(p: PatternId, lo: Expr, hi: Expr) -> Expr {
    Expr::PatternMatch { pattern: PatternRef::Id(p), anchor: Some(Anchor::In(bx(lo), bx(hi))) }
}
fn count(p: PatternId) -> Expr {
    Expr::PatternCount { pattern: PatternRef::Id(p), range: None }
}
fn count_in(p: PatternId, lo: Expr, hi: Expr) -> Expr {
    Expr::PatternCount { pattern: PatternRef::Id(p), range: Some((bx(lo), bx(hi))) }
}
fn offset(p: PatternRef, i: Expr) -> Expr {
    Expr::PatternOffset { pattern: p, index: bx(i) }
}
fn length(p: PatternRef, i: Expr) -> Expr {
    Expr::PatternLength { pattern: p, index: bx(i) }
}
fn of(quantifier: Quantifier, items: OfItems) -> Expr {
    Expr::Of { quantifier, items, anchor: None }
}
fn for_in(quantifier: Quantifier, iterable: Iterable, body: Expr) -> Expr {
    Expr::ForIn { quantifier, vars: vec![VarId(0)], iterable, body: bx(body) }
}
fn range(lo: Expr, hi: Expr) -> Iterable {
    Iterable::Range(bx(lo), bx(hi))
}
fn n(count: i64) -> Quantifier {
    Quantifier::Count(bx(int(count)))
}
fn pct(p: i64) -> Quantifier {
    Quantifier::Percent(bx(int(p)))
}

/// Whether a single rule with `condition` (and no patterns) matches `data`.
fn holds(condition: Expr, data: &[u8]) -> bool {
    let mut b = Builder::default();
    b.rule(&RuleSpec::named("r"), |_| condition);
    let rules = b.build();
    let mut scanner = Scanner::new(&rules);
    !scanner.scan_bytes(data).unwrap().matching_ids().is_empty()
}

/// Checks each `(label, condition, expected)` on `data`.
fn check_all(data: &[u8], cases: Vec<(&str, Expr, bool)>) {
    let failures: Vec<&str> = cases
        .into_iter()
        .filter(|(_, condition, expected)| holds(condition.clone(), data) != *expected)
        .map(|(label, _, _)| label)
        .collect();
    assert!(failures.is_empty(), "wrong result for: {failures:#?}");
}

/// The patterns of the pattern tests and their data: `$p0 = "ab"` at 2, 6
/// and 10; `$p1 = "cd"` at 8; `$p2 = "zz"` nowhere.
const PATTERNS: &[&str] = &["ab", "cd", "zz"];
const PATTERN_DATA: &[u8] = b"xxabxxabcdab";

/// Checks each case of a rule with [`PATTERNS`] over [`PATTERN_DATA`].
/// A condition over the ids of a rule's patterns.
type Condition<'a> = &'a dyn Fn(&[PatternId]) -> Expr;

fn check_patterns(cases: Vec<(&str, Condition<'_>, bool)>) {
    let mut failures = Vec::new();
    for (label, condition, expected) in cases {
        let mut b = Builder::default();
        b.rule(&RuleSpec { patterns: PATTERNS, ..RuleSpec::named("r") }, condition);
        let rules = b.build();
        let matched =
            !Scanner::new(&rules).scan_bytes(PATTERN_DATA).unwrap().matching_ids().is_empty();
        if matched != expected {
            failures.push(label);
        }
    }
    assert!(failures.is_empty(), "wrong result for: {failures:#?}");
}

#[test]
fn undefined_propagates_like_yara_x() {
    check_all(
        b"",
        vec![
            ("not (uint8(100) == 1)", not(undef_bool()), false),
            ("not not (uint8(100) == 1)", not(not(undef_bool())), false),
            ("(uint8(100) == 1) or true", or(vec![undef_bool(), boolean(true)]), true),
            ("not ((uint8(100) == 1) and true)", not(and(vec![undef_bool(), boolean(true)])), true),
            ("not ((uint8(100) == 1) or false)", not(or(vec![undef_bool(), boolean(false)])), true),
            (
                "defined ((uint8(100) == 1) or false)",
                defined(or(vec![undef_bool(), boolean(false)])),
                true,
            ),
            ("defined (uint8(100) == 1)", defined(undef_bool()), false),
            ("defined not (uint8(100) == 1)", defined(not(undef_bool())), false),
            ("not (uint8(100) != 1)", not(cmp(CmpOp::Ne, undef_int(), int(1))), false),
            (
                "uint8(100) + 1 > 0",
                cmp(CmpOp::Gt, arith(ArithOp::Add, undef_int(), int(1)), int(0)),
                false,
            ),
            ("defined (uint8(100) + 1)", defined(arith(ArithOp::Add, undef_int(), int(1))), false),
            ("-uint8(100) == 0", eq(Expr::Neg(bx(undef_int())), int(0)), false),
            ("defined ~uint8(100)", defined(Expr::BitNot(bx(undef_int()))), false),
            (
                "defined (1 \\ filesize)",
                defined(arith(ArithOp::Div, int(1), Expr::Filesize)),
                false,
            ),
            (
                "defined (1.0 \\ filesize)",
                defined(arith(ArithOp::Div, float(1.0), Expr::Filesize)),
                true,
            ),
            ("7 % filesize == 0", eq(arith(ArithOp::Mod, int(7), Expr::Filesize), int(0)), false),
            (
                "(0.0 \\ filesize) != (0.0 \\ filesize)",
                cmp(
                    CmpOp::Ne,
                    arith(ArithOp::Div, float(0.0), Expr::Filesize),
                    arith(ArithOp::Div, float(0.0), Expr::Filesize),
                ),
                true,
            ),
        ],
    );
}

#[test]
fn arithmetic_comparisons_and_strings() {
    let fs = || Expr::Filesize;
    check_all(
        b"",
        vec![
            (
                "9223372036854775807 * (filesize+2) == -2",
                eq(arith(ArithOp::Mul, int(i64::MAX), arith(ArithOp::Add, fs(), int(2))), int(-2)),
                true,
            ),
            (
                "1 << (filesize+64) == 0",
                eq(
                    Expr::Bitwise {
                        op: BitOp::Shl,
                        lhs: bx(int(1)),
                        rhs: bx(arith(ArithOp::Add, fs(), int(64))),
                    },
                    int(0),
                ),
                true,
            ),
            (
                "-7 % (filesize+2) == -1",
                eq(arith(ArithOp::Mod, int(-7), arith(ArithOp::Add, fs(), int(2))), int(-1)),
                true,
            ),
            (
                "7 \\ (filesize + 2.0) == 3.5",
                eq(arith(ArithOp::Div, int(7), arith(ArithOp::Add, fs(), float(2.0))), float(3.5)),
                true,
            ),
            ("filesize == 0.0", eq(fs(), float(0.0)), true),
            ("filesize < 1.5", cmp(CmpOp::Lt, fs(), float(1.5)), true),
            ("~filesize == -1", eq(Expr::BitNot(bx(fs())), int(-1)), true),
            ("\"abc\" < \"abd\"", cmp(CmpOp::Lt, text("abc"), text("abd")), true),
            ("\"b\" > \"abc\"", cmp(CmpOp::Gt, text("b"), text("abc")), true),
            (
                "\"aBc\" icontains \"BC\"",
                Expr::StrOp { op: StrOp::IContains, lhs: bx(text("aBc")), rhs: bx(text("BC")) },
                true,
            ),
            (
                "\"aBc\" contains \"BC\"",
                Expr::StrOp { op: StrOp::Contains, lhs: bx(text("aBc")), rhs: bx(text("BC")) },
                false,
            ),
            (
                "\"aBc\" iequals \"ABC\"",
                Expr::StrOp { op: StrOp::IEquals, lhs: bx(text("aBc")), rhs: bx(text("ABC")) },
                true,
            ),
            (
                "\"abc\" endswith \"bc\"",
                Expr::StrOp { op: StrOp::EndsWith, lhs: bx(text("abc")), rhs: bx(text("bc")) },
                true,
            ),
        ],
    );
}

#[test]
fn matches_searches_the_whole_string_unanchored() {
    let regex = |pattern: &str, i: bool, s: bool| ast::Regex {
        pattern: pattern.into(),
        case_insensitive: i,
        dot_matches_new_line: s,
        span: crate::source::Span::default(),
    };
    let cases = [
        ("\"abc\" matches /B/i", "abc", regex("B", true, false), true),
        ("\"a\\nb\" matches /a.b/", "a\nb", regex("a.b", false, false), false),
        ("\"a\\nb\" matches /a.b/s", "a\nb", regex("a.b", false, true), true),
        ("\"xabc\" matches /^abc/", "xabc", regex("^abc", false, false), false),
        ("\"xabc\" matches /bc$/", "xabc", regex("bc$", false, false), true),
    ];
    for (label, subject, re, expected) in cases {
        let mut b = Builder::default();
        b.program.regexes.push(re);
        b.rule(&RuleSpec::named("r"), |_| Expr::Matches {
            subject: bx(text(subject)),
            regex: crate::compiler::ir::RegexId(0),
        });
        let rules = b.build();
        let matched = !Scanner::new(&rules).scan_bytes(b"").unwrap().matching_ids().is_empty();
        assert_eq!(matched, expected, "{label}");
    }
}

#[test]
fn int_readers_are_undefined_past_the_end() {
    let data = [0x4D, 0x5A, 0x90, 0x00, 0xFF];
    check_all(
        &data,
        vec![
            ("uint16(0) == 0x5A4D", eq(read(IntReader::Uint16, 0), int(0x5A4D)), true),
            ("uint16be(0) == 0x4D5A", eq(read(IntReader::Uint16be, 0), int(0x4D5A)), true),
            ("int8(4) == -1", eq(read(IntReader::Int8, 4), int(-1)), true),
            ("uint32(2) == 0xFF0090", eq(read(IntReader::Uint32, 1), int(0xFF00_905A)), true),
            ("defined uint32(2)", defined(read(IntReader::Uint32, 2)), false),
            ("defined uint8(-1)", defined(read(IntReader::Uint8, -1)), false),
        ],
    );
}

#[test]
fn of_over_boolean_tuples_stops_at_the_first_undefined_member() {
    let t = || boolean(true);
    let f = || boolean(false);
    let u = undef_bool;
    let tuple = |q: Quantifier, items: Vec<Expr>| of(q, OfItems::Exprs(items));
    check_all(
        b"",
        vec![
            ("any of (U, true)", tuple(Quantifier::Any, vec![u(), t()]), false),
            ("not any of (U, true)", not(tuple(Quantifier::Any, vec![u(), t()])), false),
            ("any of (true, U)", tuple(Quantifier::Any, vec![t(), u()]), true),
            ("all of (true, U)", tuple(Quantifier::All, vec![t(), u()]), false),
            ("not all of (true, U)", not(tuple(Quantifier::All, vec![t(), u()])), false),
            ("not all of (false, U)", not(tuple(Quantifier::All, vec![f(), u()])), true),
            ("not all of (U, false)", not(tuple(Quantifier::All, vec![u(), f()])), false),
            ("not none of (true, U)", not(tuple(Quantifier::None, vec![t(), u()])), true),
            ("not none of (false, U)", not(tuple(Quantifier::None, vec![f(), u()])), false),
            ("0 of (false, false)", tuple(n(0), vec![f(), f()]), true),
            ("0 of (true, true)", tuple(n(0), vec![t(), t()]), false),
            ("not 2 of (false, false, U)", not(tuple(n(2), vec![f(), f(), u()])), false),
            ("not 2 of (true, true, U)", not(tuple(n(2), vec![t(), t(), u()])), false),
            ("50% of (true, U)", tuple(pct(50), vec![t(), u()]), true),
            ("0% of (true, false)", tuple(pct(0), vec![t(), f()]), false),
            ("100% of (true, true)", tuple(pct(100), vec![t(), t()]), true),
            ("none of (false, false)", tuple(Quantifier::None, vec![f(), f()]), true),
        ],
    );
}

#[test]
fn for_in_loops_count_undefined_bodies_as_false_and_empty_loops_as_false() {
    let lt = |a: Expr, b: Expr| cmp(CmpOp::Lt, a, b);
    let fs = || Expr::Filesize;
    check_all(
        b"",
        vec![
            (
                "for all i in (0..uint8(100)) : (true)",
                for_in(Quantifier::All, range(int(0), undef_int()), boolean(true)),
                false,
            ),
            (
                "not for all i in (0..uint8(100)) : (true)",
                not(for_in(Quantifier::All, range(int(0), undef_int()), boolean(true))),
                true,
            ),
            (
                "for none i in (1..2): (uint8(100)==i)",
                for_in(Quantifier::None, range(int(1), int(2)), eq(undef_int(), var(0))),
                true,
            ),
            (
                "for all i in (filesize+5..filesize+1): (true)",
                for_in(
                    Quantifier::All,
                    range(arith(ArithOp::Add, fs(), int(5)), arith(ArithOp::Add, fs(), int(1))),
                    boolean(true),
                ),
                false,
            ),
            (
                "for none i in (filesize+5..filesize+1): (true)",
                for_in(
                    Quantifier::None,
                    range(arith(ArithOp::Add, fs(), int(5)), arith(ArithOp::Add, fs(), int(1))),
                    boolean(true),
                ),
                false,
            ),
            (
                "for 0 i in (1..2): (false)",
                for_in(n(0), range(int(1), int(2)), boolean(false)),
                true,
            ),
            (
                "for 0 i in (1..2): (i==1)",
                for_in(n(0), range(int(1), int(2)), eq(var(0), int(1))),
                false,
            ),
            (
                "for 3 i in (1..2): (true)",
                for_in(n(3), range(int(1), int(2)), boolean(true)),
                false,
            ),
            (
                "for 50% i in (1..4): (i > 2)",
                for_in(pct(50), range(int(1), int(4)), cmp(CmpOp::Gt, var(0), int(2))),
                true,
            ),
            (
                "for 51% i in (1..4): (i > 2)",
                for_in(pct(51), range(int(1), int(4)), cmp(CmpOp::Gt, var(0), int(2))),
                false,
            ),
            (
                "for all i in (1,2,3): (i < 4)",
                for_in(
                    Quantifier::All,
                    Iterable::List(vec![int(1), int(2), int(3)]),
                    lt(var(0), int(4)),
                ),
                true,
            ),
            (
                "for any i in (1.5, 2.5): (i > 2.0)",
                for_in(
                    Quantifier::Any,
                    Iterable::List(vec![float(1.5), float(2.5)]),
                    cmp(CmpOp::Gt, var(0), float(2.0)),
                ),
                true,
            ),
            (
                "for any s in (\"a\",\"b\"): (s == \"b\")",
                for_in(
                    Quantifier::Any,
                    Iterable::List(vec![text("a"), text("b")]),
                    eq(var(0), text("b")),
                ),
                true,
            ),
            (
                "for all i in (1, uint8(100), 2): (true)",
                for_in(
                    Quantifier::All,
                    Iterable::List(vec![int(1), undef_int(), int(2)]),
                    boolean(true),
                ),
                true,
            ),
            (
                "for all i in (1, uint8(100), 2): (i > 0)",
                for_in(
                    Quantifier::All,
                    Iterable::List(vec![int(1), undef_int(), int(2)]),
                    cmp(CmpOp::Gt, var(0), int(0)),
                ),
                false,
            ),
            (
                "for any i in (1, uint8(100), 2): (not defined i)",
                for_in(
                    Quantifier::Any,
                    Iterable::List(vec![int(1), undef_int(), int(2)]),
                    not(defined(var(0))),
                ),
                true,
            ),
            (
                "for 2 i in (1..3): (i < 3 or U)",
                for_in(n(2), range(int(1), int(3)), or(vec![lt(var(0), int(3)), undef_bool()])),
                true,
            ),
            (
                "for all i in (1..3): (i < 3 or U)",
                for_in(
                    Quantifier::All,
                    range(int(1), int(3)),
                    or(vec![lt(var(0), int(3)), undef_bool()]),
                ),
                false,
            ),
        ],
    );
}

#[test]
fn for_in_iterates_module_arrays_and_dictionaries() {
    use crate::modules::Value;
    use std::collections::BTreeMap;
    // Module data is not reachable without a registered module, so the
    // iteration itself is checked on values bound by hand.
    let array = Value::Array(vec![Value::Integer(1), Value::Undefined, Value::Integer(3)]);
    let dict = Value::Dict(BTreeMap::from([
        (b"a".to_vec(), Value::Integer(1)),
        (b"b".to_vec(), Value::Integer(2)),
    ]));
    let rules = Builder::default().build();
    let modules = ModuleCache::new(&[]);
    let anchored = [];
    let checks = Cell::new(0);
    let messages = RefCell::new(Vec::new());
    let clock = Clock::new(None);
    let state = ScanState {
        rules: &rules,
        data: b"",
        modules: &modules,
        searched: None,
        anchored: &anchored,
        anchored_checks: &checks,
        messages: &messages,
        clock: &clock,
    };
    let cases = [
        (Quantifier::All, Iterable::Array(bx(var(3))), cmp(CmpOp::Gt, var(0), int(0)), false),
        (Quantifier::Any, Iterable::Array(bx(var(3))), eq(var(0), int(3)), true),
        (n(2), Iterable::Array(bx(var(3))), defined(var(0)), true),
        (
            Quantifier::Any,
            Iterable::Dict(bx(var(3))),
            and(vec![eq(var(0), text("b")), eq(var(1), int(2))]),
            true,
        ),
        (Quantifier::All, Iterable::Dict(bx(var(3))), cmp(CmpOp::Lt, var(1), int(3)), true),
    ];
    for (i, (quantifier, iterable, body, expected)) in cases.into_iter().enumerate() {
        let target = if matches!(iterable, Iterable::Dict(_)) { &dict } else { &array };
        let condition =
            Expr::ForIn { quantifier, vars: vec![VarId(0), VarId(1)], iterable, body: bx(body) };
        let mut eval = eval::tests_support::evaluator(&state, &[]);
        eval::tests_support::bind(&mut eval, VarId(3), target);
        assert_eq!(eval::tests_support::truth(&mut eval, &condition), Some(expected), "case {i}");
    }
}

#[test]
fn with_binds_in_order() {
    let body = eq(var(1), int(6));
    let with = Expr::With {
        bindings: vec![(VarId(0), int(5)), (VarId(1), arith(ArithOp::Add, var(0), int(1)))],
        body: bx(body),
    };
    let undefined =
        Expr::With { bindings: vec![(VarId(0), undef_int())], body: bx(not(defined(var(0)))) };
    check_all(
        b"",
        vec![
            ("with a = 5, b = a + 1: (b == 6)", with, true),
            ("with a = uint8(100): (not defined a)", undefined, true),
        ],
    );
}

#[test]
fn pattern_expressions_like_yara_x() {
    let at = |p: PatternId, i: i64| offset(PatternRef::Id(p), int(i));
    let fs = || Expr::Filesize;
    check_patterns(vec![
        (
            "$a and @a[1] == 2 and @a[3] == 10 and !a[2] == 2",
            &|p| {
                and(vec![
                    pm(p[0]),
                    eq(at(p[0], 1), int(2)),
                    eq(at(p[0], 3), int(10)),
                    eq(length(PatternRef::Id(p[0]), int(2)), int(2)),
                ])
            },
            true,
        ),
        (
            "defined @a[filesize-12]",
            &|p| defined(offset(PatternRef::Id(p[0]), arith(ArithOp::Sub, fs(), int(12)))),
            false,
        ),
        ("defined @a[4]", &|p| defined(at(p[0], 4)), false),
        ("defined @a[uint8(100)]", &|p| defined(offset(PatternRef::Id(p[0]), undef_int())), false),
        (
            "#a == 3 and #c == 0",
            &|p| and(vec![eq(count(p[0]), int(3)), eq(count(p[2]), int(0))]),
            true,
        ),
        ("#a in (3..10) == 2", &|p| eq(count_in(p[0], int(3), int(10)), int(2)), true),
        ("#a in (0..2) == 1", &|p| eq(count_in(p[0], int(0), int(2)), int(1)), true),
        ("defined #a in (uint8(100)..5)", &|p| defined(count_in(p[0], undef_int(), int(5))), false),
        (
            "#a in (filesize-2..2) == 0",
            &|p| eq(count_in(p[0], arith(ArithOp::Sub, fs(), int(2)), int(2)), int(0)),
            true,
        ),
        ("$a at 6", &|p| pm_at(p[0], int(6)), true),
        ("$a at 7", &|p| pm_at(p[0], int(7)), false),
        ("not ($a at uint8(100))", &|p| not(pm_at(p[0], undef_int())), false),
        ("$a in (3..6)", &|p| pm_in(p[0], int(3), int(6)), true),
        ("$a in (3..5)", &|p| pm_in(p[0], int(3), int(5)), false),
        ("not ($a in (0..uint8(100)))", &|p| not(pm_in(p[0], int(0), undef_int())), false),
        ("not $c", &|p| not(pm(p[2])), true),
        ("any of them", &|p| of(Quantifier::Any, OfItems::Patterns(p.to_vec())), true),
        ("all of them", &|p| of(Quantifier::All, OfItems::Patterns(p.to_vec())), false),
        ("2 of them", &|p| of(n(2), OfItems::Patterns(p.to_vec())), true),
        ("3 of them", &|p| of(n(3), OfItems::Patterns(p.to_vec())), false),
        ("66% of them", &|p| of(pct(66), OfItems::Patterns(p.to_vec())), true),
        ("67% of them", &|p| of(pct(67), OfItems::Patterns(p.to_vec())), false),
        ("0% of ($a, $b)", &|p| of(pct(0), OfItems::Patterns(p[..2].to_vec())), false),
        ("none of ($c)", &|p| of(Quantifier::None, OfItems::Patterns(vec![p[2]])), true),
        (
            "any of ($a, $b) at 8",
            &|p| Expr::Of {
                quantifier: Quantifier::Any,
                items: OfItems::Patterns(p[..2].to_vec()),
                anchor: Some(Anchor::At(bx(int(8)))),
            },
            true,
        ),
        (
            "all of ($a, $b) in (0..9)",
            &|p| Expr::Of {
                quantifier: Quantifier::All,
                items: OfItems::Patterns(p[..2].to_vec()),
                anchor: Some(Anchor::In(bx(int(0)), bx(int(9)))),
            },
            true,
        ),
        (
            "all of ($a, $b) in (0..7)",
            &|p| Expr::Of {
                quantifier: Quantifier::All,
                items: OfItems::Patterns(p[..2].to_vec()),
                anchor: Some(Anchor::In(bx(int(0)), bx(int(7)))),
            },
            false,
        ),
        (
            "none of them in (0..1)",
            &|p| Expr::Of {
                quantifier: Quantifier::None,
                items: OfItems::Patterns(p.to_vec()),
                anchor: Some(Anchor::In(bx(int(0)), bx(int(1)))),
            },
            true,
        ),
        (
            "for all of ($a, $b): ($)",
            &|p| Expr::ForOf {
                quantifier: Quantifier::All,
                patterns: p[..2].to_vec(),
                var: VarId(0),
                body: bx(Expr::PatternMatch { pattern: PatternRef::Var(VarId(0)), anchor: None }),
            },
            true,
        ),
        (
            "for any of them: (# == 1)",
            &|p| Expr::ForOf {
                quantifier: Quantifier::Any,
                patterns: p.to_vec(),
                var: VarId(0),
                body: bx(eq(
                    Expr::PatternCount { pattern: PatternRef::Var(VarId(0)), range: None },
                    int(1),
                )),
            },
            true,
        ),
        (
            "for 2 of them: (@ > 3)",
            &|p| Expr::ForOf {
                quantifier: n(2),
                patterns: p.to_vec(),
                var: VarId(0),
                body: bx(cmp(CmpOp::Gt, offset(PatternRef::Var(VarId(0)), int(1)), int(3))),
            },
            false,
        ),
        (
            "for all of ($a,$b): (! == 2)",
            &|p| Expr::ForOf {
                quantifier: Quantifier::All,
                patterns: p[..2].to_vec(),
                var: VarId(0),
                body: bx(eq(length(PatternRef::Var(VarId(0)), int(1)), int(2))),
            },
            true,
        ),
        (
            "for all i in (1..#a): (@a[i] >= 2)",
            &|p| {
                for_in(
                    Quantifier::All,
                    range(int(1), count(p[0])),
                    cmp(CmpOp::Ge, offset(PatternRef::Id(p[0]), var(0)), int(2)),
                )
            },
            true,
        ),
        (
            "for any i in (1..#c): (true)",
            &|p| for_in(Quantifier::Any, range(int(1), count(p[2])), boolean(true)),
            false,
        ),
        (
            "for none i in (1..#c): (true)",
            &|p| for_in(Quantifier::None, range(int(1), count(p[2])), boolean(true)),
            false,
        ),
    ]);
}

#[test]
fn rule_references_global_and_private_rules() {
    let mut b = Builder::default();
    let base = b.rule(&RuleSpec::named("b"), |_| boolean(true));
    let g = b.rule(&RuleSpec { is_global: true, ..RuleSpec::named("g") }, |_| {
        cmp(CmpOp::Gt, Expr::Filesize, int(10))
    });
    b.rule(&RuleSpec::named("c"), |_| Expr::Rule(base));
    b.rule(&RuleSpec::named("d"), |_| not(Expr::Rule(g)));
    let e = b.rule(&RuleSpec { namespace: "other", ..RuleSpec::named("e") }, |_| boolean(true));
    let p = b
        .rule(&RuleSpec { namespace: "other", is_private: true, ..RuleSpec::named("p") }, |_| {
            boolean(true)
        });
    b.rule(&RuleSpec { namespace: "other", ..RuleSpec::named("q") }, |_| {
        of(Quantifier::All, OfItems::Rules(vec![p, e]))
    });
    let rules = b.build();
    let names = |data: &[u8]| -> Vec<String> {
        let results = Scanner::new(&rules).scan_bytes(data).unwrap();
        results.matching_rules().iter().map(|m| m.rule.clone()).collect()
    };
    // YARA-X: a false global rule makes every rule of its namespace false,
    // even `not g`, and no other namespace; private `p` is never reported.
    assert_eq!(names(b"x"), ["e", "q"]);
    assert_eq!(names(&[0; 11]), ["b", "g", "c", "e", "q"]);
}

#[test]
fn a_condition_decided_without_patterns_triggers_no_search() {
    let mut b = Builder::default();
    b.rule(&RuleSpec { patterns: &["needle"], ..RuleSpec::named("small") }, |p| {
        and(vec![cmp(CmpOp::Lt, Expr::Filesize, int(10)), pm(p[0])])
    });
    b.rule(&RuleSpec { patterns: &["other"], ..RuleSpec::named("either") }, |p| {
        or(vec![cmp(CmpOp::Gt, Expr::Filesize, int(10)), pm(p[0])])
    });
    let rules = b.build();
    let mut scanner = Scanner::new(&rules);
    let big = vec![b'n'; 1 << 16];
    let results = scanner.scan_bytes(&big).unwrap();
    assert_eq!(results.matching_rules().len(), 1);
    assert_eq!(scanner.stats().searches, 0, "both rules are decided by filesize");
    let results = scanner.scan_bytes(b"a needle").unwrap();
    assert_eq!(results.matching_rules()[0].rule, "small");
    assert_eq!(scanner.stats(), ScanStats { inputs: 2, searches: 1, anchored_checks: 0 });
}

#[test]
fn anchored_patterns_are_checked_in_place_and_report_one_match() {
    let mut b = Builder::default();
    b.rule(&RuleSpec { patterns: &["ab"], ..RuleSpec::named("anchored") }, |p| {
        or(vec![pm_at(p[0], int(0)), and(vec![boolean(false), pm_at(p[0], int(0))])])
    });
    let rules = b.build();
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().print_strings = true;
    let results = scanner.scan_bytes(b"abababab").unwrap();
    let strings = &results.matching_rules()[0].strings;
    // YARA-X reports only the anchored match of `$a at 0`.
    assert_eq!(strings.iter().map(|s| (s.offset, s.length)).collect::<Vec<_>>(), [(0, 2)]);
    assert_eq!(strings[0].data, b"ab");
    assert_eq!(scanner.stats(), ScanStats { inputs: 1, searches: 0, anchored_checks: 1 });
}

#[test]
fn a_pattern_also_used_unanchored_is_searched_and_fully_reported() {
    let mut b = Builder::default();
    b.rule(
        &RuleSpec { patterns: &["ab"], private_patterns: &["ba"], ..RuleSpec::named("r") },
        |p| and(vec![pm_at(p[0], int(0)), cmp(CmpOp::Gt, count(p[0]), int(0)), pm(p[1])]),
    );
    let rules = b.build();
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().print_strings = true;
    let results = scanner.scan_bytes(b"abababab").unwrap();
    let reported: Vec<(String, u64)> =
        results.matching_rules()[0].strings.iter().map(|s| (s.id.clone(), s.offset)).collect();
    let expected: Vec<(String, u64)> =
        [0, 2, 4, 6].iter().map(|&o| ("$p0".to_string(), o)).collect();
    assert_eq!(reported, expected, "private $p1 is not reported");
}

#[test]
fn print_strings_searches_for_rules_decided_without_patterns() {
    let mut b = Builder::default();
    b.rule(&RuleSpec { patterns: &["ab"], ..RuleSpec::named("r") }, |p| {
        or(vec![boolean(true), pm(p[0])])
    });
    let rules = b.build();
    let mut scanner = Scanner::new(&rules);
    assert!(scanner.scan_bytes(b"xab").unwrap().matching_rules()[0].strings.is_empty());
    assert_eq!(scanner.stats().searches, 0);
    scanner.options_mut().print_strings = true;
    let results = scanner.scan_bytes(b"xab").unwrap();
    assert_eq!(results.matching_rules()[0].strings[0].offset, 1);
    assert_eq!(scanner.stats().searches, 1);
}

#[test]
fn the_match_cap_gives_a_warning() {
    let mut b = Builder::default();
    b.rule(&RuleSpec { patterns: &["a"], ..RuleSpec::named("r") }, |p| pm(p[0]));
    let rules = b.build();
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().max_matches_per_pattern = 3;
    let results = scanner.scan_bytes(b"aaaaa").unwrap();
    assert_eq!(results.matching_rules().len(), 1);
    assert_eq!(
        results.warnings(),
        ["pattern $p0 of rule r has too many matches: only the first 3 are kept"]
    );
}

#[test]
fn a_long_evaluation_times_out() {
    let mut b = Builder::default();
    let huge = for_in(Quantifier::All, range(int(0), int(i64::MAX)), boolean(true));
    b.rule(&RuleSpec::named("slow"), |_| huge);
    let rules = b.build();
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().timeout = Some(Duration::from_millis(50));
    let started = Instant::now();
    assert!(matches!(scanner.scan_bytes(b""), Err(ScanError::Timeout(_))));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn files_are_scanned_into_owned_reports() {
    use std::io::Write;
    let mut b = Builder::default();
    b.rule(&RuleSpec { patterns: &["hello"], ..RuleSpec::named("greeting") }, |p| pm(p[0]));
    let rules = b.build();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"say hello").unwrap();
    let mut scanner = Scanner::new(&rules);
    let report = scanner.scan_file_report(file.path(), &LoadOptions::default());
    assert_eq!(report.size, 9);
    assert_eq!(report.matches()[0].rule, "greeting");
    assert_eq!(report.matches()[0].tags, ["t"]);
    let missing =
        scanner.scan_file_report(Path::new("/nonexistent/spoor"), &LoadOptions::default());
    assert!(matches!(missing.outcome, Outcome::Failed(_)));
}
