//! Bad rule text gives the right diagnostic at the right place.
//!
//! Each case gives the code, line, column and message expected. Where the
//! comment says `yara-x`, the line and column are those YARA-X 1.x reports
//! for the same text (checked with the PyPI `yara-x` package).

use spoor::parser::parse;
use spoor::source::SourceFile;

/// (rule text, code, line, column, message).
const CASES: &[(&str, &str, usize, usize, &str)] = &[
    // yara-x 1:8
    (
        "rule a condition: true }",
        "E001",
        1,
        8,
        "syntax error: expected `:` or `{`, found `condition`",
    ),
    // yara-x 3:3
    (
        "rule a { condition:\n  true and\n  }",
        "E001",
        3,
        3,
        "syntax error: expected expression or pattern identifier, found `}`",
    ),
    // yara-x 4:19
    (
        "rule a {\n strings:\n $a = \"x\"\n condition: $a at }",
        "E001",
        4,
        19,
        "syntax error: expected expression, found `}`",
    ),
    // yara-x 1:24
    ("rule a { condition: 1 +* 2 }", "E001", 1, 24, "syntax error: expected expression, found `*`"),
    // yara-x 2:24
    (
        "import \"pe\"\nrule a { condition: pe.rule }",
        "E001",
        2,
        24,
        "syntax error: expected identifier, found `rule`",
    ),
    // yara-x 1:26
    (
        "rule a { strings: $a = { 0 } condition: $a }",
        "E001",
        1,
        26,
        "syntax error: expected hex token, found `0`",
    ),
    // yara-x 1:26
    (
        "rule a { strings: $a = { } condition: $a }",
        "E001",
        1,
        26,
        "syntax error: expected `(` or hex token, found `}`",
    ),
    // yara-x 1:24
    (
        "rule a { strings: $a = \"ab\ncd\" condition: $a }",
        "E001",
        1,
        24,
        "syntax error: unclosed string literal",
    ),
    // yara-x 1:23, "expecting `=`": the string itself is closed
    (
        "rule a { meta: author \"me\" condition: true }",
        "E001",
        1,
        23,
        "syntax error: expected `=`, found `\"`",
    ),
    // yara-x 1:30: a `%` after one operand is a percentage, as in YARA-X
    (
        "rule a { condition: for 10 % 3 i in (0..3) : (true) }",
        "E001",
        1,
        30,
        "syntax error: expected `of` or identifier, found `3`",
    ),
    // yara-x 1:39
    (
        "rule a { strings: $a = \"x\" condition: }",
        "E001",
        1,
        39,
        "syntax error: expected expression, found `}`",
    ),
    // yara-x 1:28
    (
        "rule a { strings: $a = \"x\" }",
        "E001",
        1,
        28,
        "syntax error: expected `condition`, pattern identifier or pattern modifier, found `}`",
    ),
    // yara-x 1:6
    ("rule { condition: true }", "E001", 1, 6, "syntax error: expected identifier, found `{`"),
    // yara-x 1:20
    (
        "rule a { meta: x = condition: true }",
        "E001",
        1,
        20,
        "syntax error: expected number or string literal, found `condition`",
    ),
    // yara-x 1:28
    (
        "rule a { condition: true } x",
        "E001",
        1,
        28,
        "syntax error: expected end of file or rule, found `x`",
    ),
    // yara-x 1:29
    (
        "rule a { strings: $a = { 01 ~ 02 } condition: $a }",
        "E001",
        1,
        29,
        "syntax error: expected hex byte, hex token or jump, found `~`",
    ),
    // yara-x 1:27
    ("rule a { condition: (true }", "E001", 1, 27, "syntax error: expected `)`, found `}`"),
    // yara-x 1:33
    (
        "rule a { strings: $a = \"x\" wide nocasex condition: $a }",
        "E001",
        1,
        33,
        "syntax error: expected `condition`, pattern identifier or pattern modifier, found `nocasex`",
    ),
    // yara-x 1:6
    (
        "rule and { condition: true }",
        "E001",
        1,
        6,
        "syntax error: expected identifier, found `and`",
    ),
    // yara-x 1:26
    ("rule a { condition: true == true }", "E001", 1, 26, "syntax error: expected `}`, found `==`"),
    // YARA points at the second `==` too; YARA-X at `true` (1:31).
    (
        "rule a { condition: 1 == 1 == true }",
        "E001",
        1,
        28,
        "syntax error: expected `(`, `}` or operator, found `==`",
    ),
    // YARA-X points at the second `==` (1:30) instead.
    (
        "rule a { condition: (1 == 1) == true }",
        "E001",
        1,
        33,
        "syntax error: expected expression, found `true`",
    ),
    // YARA and YARA-X: a syntax error at the second `==` (1:30).
    (
        "rule a { condition: (1 == 1) == x }",
        "E001",
        1,
        22,
        "syntax error: a boolean expression cannot be an operand here",
    ),
    (
        "rule a { strings: $a = \"x\" condition: -($a) == 1 }",
        "E001",
        1,
        41,
        "syntax error: a boolean expression cannot be an operand here",
    ),
    (
        "rule a { condition: (1 + (true)) == 2 }",
        "E001",
        1,
        27,
        "syntax error: a boolean expression cannot be an operand here",
    ),
    // yara-x 1:55
    (
        "rule a { strings: $a = \"x\" condition: for any of them ($) }",
        "E001",
        1,
        55,
        "syntax error: expected `:`, found `(`",
    ),
    // yara-x 1:16
    (
        "rule a { meta: condition: true }",
        "E001",
        1,
        16,
        "syntax error: expected identifier, found `condition`",
    ),
    // yara-x 1:9
    (
        "private private rule a { condition: true }",
        "E001",
        1,
        9,
        "syntax error: expected `rule`, found `private`",
    ),
    // yara-x 1:27, "expecting `(`, `[`, expression, ..."
    ("rule a { condition: uint8 0 == 0 }", "E001", 1, 27, "syntax error: expected `(`, found `0`"),
    // yara-x 1:23
    (
        "rule a { condition: (1, 2) == 1 }",
        "E001",
        1,
        23,
        "syntax error: a range or list is only allowed after `in`",
    ),
    // yara-x 1:61, "expecting `(`"
    (
        "rule a { strings: $a = \"x\" condition: for any i in (1..2) : i }",
        "E001",
        1,
        61,
        "syntax error: expected `(`, found `i`",
    ),
    // yara-x 1:25
    (
        "rule a { strings: $a = \"\\q\" condition: $a }",
        "E002",
        1,
        25,
        "invalid escape sequence `\\q`",
    ),
    // yara-x 1:22
    (
        "rule a { meta: m = \"x\\y\" condition: true }",
        "E002",
        1,
        22,
        "invalid escape sequence `\\y`",
    ),
    // yara-x 1:25
    (
        "rule a { strings: $a = \"\\x4g\" condition: $a }",
        "E002",
        1,
        25,
        "invalid escape sequence `\\x4`",
    ),
    // yara-x 1:29
    (
        "rule a { strings: $a = { 01 [2-1] 02 } condition: $a }",
        "E003",
        1,
        29,
        "jump lower bound 2 is greater than upper bound 1",
    ),
    // yara-x 1:26
    (
        "rule a { strings: $a = { [2] 01 } condition: $a }",
        "E003",
        1,
        26,
        "a hex pattern cannot start or end with a jump",
    ),
    (
        "rule a { strings: $a = { 01 [2] } condition: $a }",
        "E003",
        1,
        29,
        "a hex pattern cannot start or end with a jump",
    ),
    (
        "rule a { strings: $a = { 01 ( 02 [-] | 03 ) 04 } condition: $a }",
        "E003",
        1,
        34,
        "unbounded jumps are not allowed inside alternatives",
    ),
    // yara-x 1:29
    ("rule a { strings: $a = { 01 ~?? } condition: $a }", "E003", 1, 29, "`~??` matches nothing"),
    // yara-x 1:29
    (
        "rule a { strings: $a = /abc/x condition: $a }",
        "E004",
        1,
        29,
        "invalid regular expression flag `x`",
    ),
    // yara-x 1:21
    ("rule a { condition: 99999999999999999999 }", "E005", 1, 21, "integer literal out of range"),
    // yara-x 1:20
    (
        "rule a { meta: m = 9223372036854775808 condition: true }",
        "E005",
        1,
        20,
        "integer literal out of range",
    ),
    ("rule a { condition: 9000000000000MB > 0 }", "E005", 1, 21, "integer literal out of range"),
    (
        "rule a { condition: -9223372036854775809 < 0 }",
        "E005",
        1,
        22,
        "integer literal out of range",
    ),
    // yara-x 1:32
    (
        "rule a { strings: $a = \"x\" xor(300) condition: $a }",
        "E007",
        1,
        32,
        "xor key out of range: must be 0 to 255",
    ),
    // yara-x 1:28
    (
        "rule a { strings: $a = \"x\" xor(5-2) condition: $a }",
        "E007",
        1,
        28,
        "xor range lower bound 5 is greater than upper bound 2",
    ),
    // yara-x 1:35
    (
        "rule a { strings: $a = \"x\" base64(\"abc\") condition: $a }",
        "E007",
        1,
        35,
        "base64 alphabet must be 64 bytes long, this one has 3",
    ),
    // yara-x 1:28, 1:30, 1:30, 1:30: the first modifier of the pair
    (
        "rule a { strings: $a = \"x\" xor nocase condition: $a }",
        "E008",
        1,
        28,
        "modifiers `xor` and `nocase` cannot be combined",
    ),
    (
        "rule a { strings: $a = \"xyz\" base64 fullword condition: $a }",
        "E008",
        1,
        30,
        "modifiers `base64` and `fullword` cannot be combined",
    ),
    (
        "rule a { strings: $a = \"xyz\" base64 nocase condition: $a }",
        "E008",
        1,
        30,
        "modifiers `base64` and `nocase` cannot be combined",
    ),
    (
        "rule a { strings: $a = \"xyz\" xor base64wide condition: $a }",
        "E008",
        1,
        30,
        "modifiers `xor` and `base64wide` cannot be combined",
    ),
    // yara-x 1:33
    (
        "rule a { strings: $a = \"x\" wide wide condition: $a }",
        "E008",
        1,
        33,
        "duplicate modifier `wide`",
    ),
    // yara-x 1:31
    (
        "rule a { strings: $a = { 01 } wide condition: $a }",
        "E008",
        1,
        31,
        "modifier `wide` cannot be used with hex patterns",
    ),
    // yara-x 1:28
    (
        "rule a { strings: $a = /x/ xor condition: $a }",
        "E008",
        1,
        28,
        "modifier `xor` cannot be used with regular expressions",
    ),
    // yara-x 1:24
    ("rule a { strings: $a = \"\" condition: $a }", "E009", 1, 24, "empty text pattern"),
];

#[test]
fn each_bad_text_gives_its_diagnostic() {
    let mut failures = Vec::new();
    for &(text, code, line, column, message) in CASES {
        let (_, diagnostics) = parse(&SourceFile::new("t.yar", text));
        let got: Vec<(&str, usize, usize, &str)> = diagnostics
            .iter()
            .map(|d| {
                let (l, c) = d.line_col().unwrap_or((0, 0));
                (d.code, l, c, d.message.as_str())
            })
            .collect();
        if got != [(code, line, column, message)] {
            failures.push(format!(
                "{text:?}\n  want {:?}\n  got  {got:?}",
                (code, line, column, message)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn literal_errors_are_all_reported_and_parsing_goes_on() {
    let text = "rule a { strings: $a = \"\\q\" $b = \"x\" xor(999) condition: $a }\n\
                rule b { meta: m = \"\\z\" condition: true }";
    let (file, diagnostics) = parse(&SourceFile::new("t.yar", text));
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E002", "E007", "E002"]);
    assert_eq!(file.items.len(), 2, "both rules are still built");
}

#[test]
fn a_syntax_error_is_rendered_with_its_excerpt() {
    let (_, diagnostics) = parse(&SourceFile::new("bad.yar", "rule a {\n  condition: (true\n}\n"));
    assert_eq!(
        diagnostics[0].render(),
        "bad.yar:3:1: error[E001]: syntax error: expected `)`, found `}`\n  |\n3 | }\n  | ^\n"
    );
}
