//! Hostile nesting gives `E006`, never a stack overflow, also on the small
//! stacks test threads and scanner workers run on.

use spoor::diagnostics::Diagnostic;
use spoor::parser::ast::{ExprKind, Item};
use spoor::parser::{ParseLimits, parse};
use spoor::source::SourceFile;

/// Stack of the threads these tests run on: what `cargo test` gives its
/// threads by default.
const SMALL_STACK: usize = 2 * 1024 * 1024;

/// Parses `text` on a thread with a 2 MiB stack.
fn parse_on_small_stack(text: String) -> (spoor::parser::ast::File, Vec<Diagnostic>) {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || parse(&SourceFile::new("deep.yar", text)))
        .expect("thread starts")
        .join()
        .expect("parsing does not overflow the stack")
}

fn condition(expr: &str) -> String {
    format!("rule deep {{ strings: $a = \"x\" condition: {expr} }}")
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn ten_thousand_nested_parentheses_are_too_deep() {
    let n = 10_000;
    let (file, diagnostics) =
        parse_on_small_stack(condition(&format!("{}true{}", "(".repeat(n), ")".repeat(n))));
    assert_eq!(codes(&diagnostics), ["E006"]);
    assert!(file.items.is_empty());
    let limit = ParseLimits::DEFAULT_MAX_DEPTH;
    let start = diagnostics[0].span.start as usize;
    assert_eq!(start, "rule deep { strings: $a = \"x\" condition: ".len() + limit);
}

#[test]
fn nesting_just_under_the_limit_parses() {
    let n = ParseLimits::DEFAULT_MAX_DEPTH - 2;
    let (file, diagnostics) =
        parse_on_small_stack(condition(&format!("{}$a{}", "(".repeat(n), ")".repeat(n))));
    assert_eq!(codes(&diagnostics), [] as [&str; 0]);
    assert_eq!(file.items.len(), 1);
}

#[test]
fn every_kind_of_nesting_just_under_the_limit_parses_on_a_small_stack() {
    let n = ParseLimits::DEFAULT_MAX_DEPTH - 2;
    let cases = [
        format!(
            "rule h {{ strings: $a = {{ 01 {}02{} }} condition: $a }}",
            "( 03 ".repeat(n),
            " )".repeat(n)
        ),
        condition(&format!("{}0{} == 1", "x[".repeat(n), "]".repeat(n))),
        condition(&format!("{}1{} == 1", "f(".repeat(n), ")".repeat(n))),
        condition(&format!("{}0{} == 1", "uint8(".repeat(n), ")".repeat(n))),
        condition(&format!("{}$a{}", "for any i in (1..2) : (".repeat(n / 2), ")".repeat(n / 2))),
        condition(&format!("{}$a{}", "any of (".repeat(n), ")".repeat(n))),
        condition(&format!("{}$a{}", "(not ".repeat(n / 2), ")".repeat(n / 2))),
        condition(&format!("{}1{} == 1", "(1 + ".repeat(n), ")".repeat(n))),
    ];
    for text in cases {
        let (file, diagnostics) = parse_on_small_stack(text.clone());
        let messages: Vec<String> = diagnostics.iter().map(|d| d.message.clone()).collect();
        assert!(diagnostics.is_empty(), "{}...: {messages:?}", &text[..60]);
        assert_eq!(file.items.len(), 1);
    }
}

#[test]
fn ten_thousand_chained_ands_stay_flat() {
    let chain = vec!["$a"; 10_001].join(" and ");
    let (file, diagnostics) = parse_on_small_stack(condition(&chain));
    assert_eq!(codes(&diagnostics), [] as [&str; 0]);
    let Item::Rule(rule) = &file.items[0] else { panic!("a rule") };
    let ExprKind::And(operands) = &rule.condition.kind else { panic!("an and") };
    assert_eq!(operands.len(), 10_001);
}

#[test]
fn long_operator_chains_without_brackets_are_too_deep() {
    let cases = [
        format!("{}$a", "not ".repeat(10_000)),
        format!("{}$a", "defined ".repeat(10_000)),
        format!("{}1 == 1", "-".repeat(10_000)),
        format!("{}1 == 1", "~".repeat(10_000)),
        format!("{} == 1", vec!["1"; 10_000].join(" + ")),
        format!("{} == 1", vec!["1"; 10_000].join(" \\ ")),
        format!("x{} == 1", ".y".repeat(10_000)),
        format!("x{} == 1", "()".repeat(10_000)),
    ];
    for text in cases {
        let (_, diagnostics) = parse_on_small_stack(condition(&text));
        assert_eq!(codes(&diagnostics), ["E006"], "{}...", &text[..40]);
    }
}

#[test]
fn deep_brackets_of_every_kind_are_too_deep() {
    let n = 10_000;
    let hex = format!(
        "rule h {{ strings: $a = {{ 01 {}02{} }} condition: $a }}",
        "( 03 ".repeat(n),
        " )".repeat(n)
    );
    let index = condition(&format!("{}0{} == 1", "x[".repeat(n), "]".repeat(n)));
    let calls = condition(&format!("{}1{} == 1", "f(".repeat(n), ")".repeat(n)));
    let readers = condition(&format!("{}0{} == 1", "uint8(".repeat(n), ")".repeat(n)));
    let loops = condition(&format!("{}$a{}", "for any i in (1..2) : (".repeat(n), ")".repeat(n)));
    let tuples = condition(&format!("{}$a{}", "any of (".repeat(n), ")".repeat(n)));
    for text in [hex, index, calls, readers, loops, tuples] {
        let (_, diagnostics) = parse_on_small_stack(text);
        assert_eq!(codes(&diagnostics), ["E006"]);
    }
}

#[test]
fn a_rule_too_deep_is_left_out_and_the_others_are_built() {
    let deep = condition(&format!("{}$a", "not ".repeat(1_000)));
    let text = format!(
        "{deep}\nrule fine {{ condition: true }}\nrule bad {{ strings: $b = \"\\q\" condition: $b }}"
    );
    let (file, diagnostics) = parse_on_small_stack(text);
    assert_eq!(codes(&diagnostics), ["E006", "E002"]);
    assert_eq!(file.items.len(), 2);
}

#[test]
fn a_lower_limit_is_honoured() {
    let limits = ParseLimits { max_depth: 10 };
    let source = SourceFile::new("t", condition("1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 == 11"));
    let (_, diagnostics) = spoor::parser::parse_with_limits(&source, limits);
    assert_eq!(codes(&diagnostics), ["E006"]);
    let source = SourceFile::new("t", condition("1 + 1 + 1 == 3"));
    let (_, diagnostics) = spoor::parser::parse_with_limits(&source, limits);
    assert!(diagnostics.is_empty());
}

/// Inputs built so that a grammar which tries one alternative, fails late
/// and re-parses with another would take 2^depth steps.
#[test]
fn nested_alternatives_are_parsed_in_linear_time() {
    let depth = 30;
    let nest = |open: &str, close: &str, core: &str| {
        format!("{}{core}{}", open.repeat(depth), close.repeat(depth))
    };
    let cases = [
        nest("(f(", ") and x)", "1"),
        nest("for any i in ((", ") and x) : (true)", "1"),
        nest("for (", ") of them : ($)", "1"),
        nest("any of (", ", (x and y))", "$a"),
        nest("((", ") == 1)", "1"),
        nest("for any i in (", ").y : (true)", "1"),
        nest("for (", " i in (1, 2) : (true)) of them : ($)", "1"),
    ];
    for body in cases {
        let text = condition(&body);
        let start = std::time::Instant::now();
        let _ = parse_on_small_stack(text);
        let elapsed = start.elapsed();
        assert!(elapsed.as_secs_f64() < 1.0, "{}... took {elapsed:?}", &body[..40]);
    }
}
