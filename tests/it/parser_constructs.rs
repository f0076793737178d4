//! Every construct of the rule language parses to the AST it should.
//!
//! Conditions are checked through a compact S-expression rendering of the
//! tree, so that precedence and associativity are visible at a glance:
//! `1 + 2 * 3` is `(+ 1 (* 2 3))`.

use spoor::parser::ast::{
    Anchor, Expr, ExprKind, File, HexToken, Item, Iterable, MetaValue, ModifierKind, NameRef,
    OfSet, PatternSet, PatternValue, Quantifier, Range, Rule, UnaryOp,
};
use spoor::parser::parse;
use spoor::source::SourceFile;

fn parse_ok(text: &str) -> File {
    let (file, diagnostics) = parse(&SourceFile::new("t.yar", text));
    let messages: Vec<String> = diagnostics.iter().map(|d| d.headline()).collect();
    assert!(diagnostics.is_empty(), "{text}: {messages:?}");
    file
}

fn only_rule(file: &File) -> &Rule {
    let rules: Vec<&Rule> = file
        .items
        .iter()
        .filter_map(|i| if let Item::Rule(r) = i { Some(r) } else { None })
        .collect();
    assert_eq!(rules.len(), 1);
    rules[0]
}

/// The condition of a one-rule file with patterns `$a`, `$b`, `$c`.
fn cond(condition: &str) -> String {
    let text =
        format!("rule r {{ strings: $a = \"a\" $b = \"b\" $c = \"c\" condition: {condition} }}");
    sexp(&only_rule(&parse_ok(&text)).condition)
}

fn names(refs: &[NameRef]) -> String {
    let names: Vec<String> =
        refs.iter().map(|n| format!("{}{}", n.name, if n.wildcard { "*" } else { "" })).collect();
    names.join(" ")
}

fn range(r: &Range) -> String {
    format!("{}..{}", sexp(&r.lower), sexp(&r.upper))
}

fn anchor(a: &Option<Anchor>) -> String {
    match a {
        Some(Anchor::At(e)) => format!(" @{}", sexp(e)),
        Some(Anchor::In(r)) => format!(" in {}", range(r)),
        None => String::new(),
    }
}

fn quantifier(q: &Quantifier) -> String {
    match q {
        Quantifier::All => "all".into(),
        Quantifier::Any => "any".into(),
        Quantifier::None => "none".into(),
        Quantifier::Count(e) => sexp(e),
        Quantifier::Percent(e) => format!("{}%", sexp(e)),
    }
}

fn set(p: &PatternSet) -> String {
    match p {
        PatternSet::Them(_) => "them".into(),
        PatternSet::List(refs) => format!("${{{}}}", names(refs)),
    }
}

fn list(exprs: &[Expr]) -> String {
    exprs.iter().map(sexp).collect::<Vec<_>>().join(" ")
}

fn index(i: &Option<Box<Expr>>) -> String {
    i.as_ref().map_or(String::new(), |i| format!("[{}]", sexp(i)))
}

fn sexp(e: &Expr) -> String {
    match &e.kind {
        ExprKind::True => "true".into(),
        ExprKind::False => "false".into(),
        ExprKind::Integer(n) => n.to_string(),
        ExprKind::Float(f) => format!("{f:?}"),
        ExprKind::String(s) => format!("{:?}", String::from_utf8_lossy(s)),
        ExprKind::Regex(r) => format!(
            "/{}/{}{}",
            r.pattern,
            if r.case_insensitive { "i" } else { "" },
            if r.dot_matches_new_line { "s" } else { "" }
        ),
        ExprKind::Filesize => "filesize".into(),
        ExprKind::Entrypoint => "entrypoint".into(),
        ExprKind::Ident(i) => i.name.clone(),
        ExprKind::Field { object, field } => format!("{}.{}", sexp(object), field.name),
        ExprKind::Index { object, index } => format!("{}[{}]", sexp(object), sexp(index)),
        ExprKind::Call { callee, args } => format!("(call {} {})", sexp(callee), list(args)),
        ExprKind::ReadInt { reader, offset } => format!("({} {})", reader.name(), sexp(offset)),
        ExprKind::ReadFloat { reader, offset } => format!("({reader} {})", sexp(offset)),
        ExprKind::PatternMatch { id, anchor: a } => format!("${}{}", id.name, anchor(a)),
        ExprKind::PatternCount { id, range: r } => match r {
            Some(r) => format!("#{} in {}", id.name, range(r)),
            None => format!("#{}", id.name),
        },
        ExprKind::PatternOffset { id, index: i } => format!("@{}{}", id.name, index(i)),
        ExprKind::PatternLength { id, index: i } => format!("!{}{}", id.name, index(i)),
        ExprKind::And(ops) => format!("(and {})", list(ops)),
        ExprKind::Or(ops) => format!("(or {})", list(ops)),
        ExprKind::Unary { op, operand } => {
            let op = match op {
                UnaryOp::Not => "not",
                UnaryOp::Defined => "defined",
                UnaryOp::Neg => "neg",
                UnaryOp::BitNot => "~",
            };
            format!("({op} {})", sexp(operand))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), sexp(lhs), sexp(rhs))
        }
        ExprKind::Of { quantifier: q, set: s, anchor: a } => {
            let s = match s {
                OfSet::Patterns(p) => set(p),
                OfSet::Rules(refs) => format!("rules{{{}}}", names(refs)),
                OfSet::Exprs(exprs) => format!("({})", list(exprs)),
            };
            format!("({} of {s}{})", quantifier(q), anchor(a))
        }
        ExprKind::ForOf { quantifier: q, patterns, body } => {
            format!("(for {} of {} {})", quantifier(q), set(patterns), sexp(body))
        }
        ExprKind::ForIn { quantifier: q, variables, iterable, body } => {
            let vars: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
            let iterable = match iterable {
                Iterable::Range(r) => range(r),
                Iterable::List(exprs) => format!("({})", list(exprs)),
                Iterable::Expr(e) => sexp(e),
            };
            format!("(for {} {} in {iterable} {})", quantifier(q), vars.join(","), sexp(body))
        }
        ExprKind::With { declarations, body } => {
            let decls: Vec<String> =
                declarations.iter().map(|(n, v)| format!("{}={}", n.name, sexp(v))).collect();
            format!("(with {} {})", decls.join(","), sexp(body))
        }
    }
}

#[test]
fn boolean_operators_bind_as_in_yara() {
    assert_eq!(cond("$a or $b and $c"), "(or $a (and $b $c))");
    assert_eq!(cond("$a and $b or $c"), "(or (and $a $b) $c)");
    assert_eq!(cond("not $a and $b"), "(and (not $a) $b)");
    assert_eq!(cond("not not $a"), "(not (not $a))");
    assert_eq!(cond("not 1 == 2"), "(not (== 1 2))");
    assert_eq!(cond("defined 1 + 1 == 2"), "(defined (== (+ 1 1) 2))");
    assert_eq!(cond("($a or $b) and $c"), "(and (or $a $b) $c)");
    assert_eq!(cond("((($a)))"), "$a");
    assert_eq!(cond("(true) and (1 == 1)"), "(and true (== 1 1))");
    assert_eq!(cond("$a and ($b and $c)"), "(and $a $b $c)");
    assert_eq!(cond("true and false"), "(and true false)");
}

#[test]
fn arithmetic_and_bitwise_precedence() {
    assert_eq!(cond("1 + 2 * 3 == 7"), "(== (+ 1 (* 2 3)) 7)");
    assert_eq!(cond("1 - 2 - 3 == 0"), "(== (- (- 1 2) 3) 0)");
    assert_eq!(cond("8 \\ 2 % 3 == 1"), "(== (% (\\ 8 2) 3) 1)");
    assert_eq!(cond("1 << 2 + 1 == 8"), "(== (<< 1 (+ 2 1)) 8)");
    assert_eq!(cond("1 | 2 ^ 3 & 4 == 7"), "(== (| 1 (^ 2 (& 3 4))) 7)");
    assert_eq!(cond("1 & 3 << 1 == 2"), "(== (& 1 (<< 3 1)) 2)");
    assert_eq!(cond("-1 - -1 == ~0"), "(== (- (neg 1) (neg 1)) (~ 0))");
    assert_eq!(cond("-(1 + 2) * 3 < 0"), "(< (* (neg (+ 1 2)) 3) 0)");
    assert_eq!(cond("(1 + 2) * 3 > 5"), "(> (* (+ 1 2) 3) 5)");
    assert_eq!(cond("-9223372036854775808 < 0"), "(< -9223372036854775808 0)");
}

#[test]
fn every_comparison_and_string_operator() {
    for op in [
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "contains",
        "icontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "iequals",
    ] {
        assert_eq!(cond(&format!("x {op} y")), format!("({op} x y)"));
    }
    assert_eq!(cond("x matches /a\\/b/is"), "(matches x /a\\/b/is)");
}

#[test]
fn literals_and_keywords() {
    assert_eq!(cond("0x1F == 31"), "(== 31 31)");
    assert_eq!(cond("0o17 == 15"), "(== 15 15)");
    assert_eq!(cond("2KB == 2048 and 1MB == 1048576"), "(and (== 2048 2048) (== 1048576 1048576))");
    assert_eq!(cond("1.5 > 0.25"), "(> 1.5 0.25)");
    assert_eq!(cond("\"a\\x41\\n\\\"\" == x"), "(== \"aA\\n\\\"\" x)");
    assert_eq!(cond("filesize > entrypoint"), "(> filesize entrypoint)");
    assert_eq!(cond("\"abc\""), "\"abc\"");
}

#[test]
fn pattern_references() {
    assert_eq!(cond("$a at 100 + 5"), "$a @(+ 100 5)");
    assert_eq!(cond("$a in (0..filesize - 1)"), "$a in 0..(- filesize 1)");
    assert_eq!(cond("#a == 2"), "(== #a 2)");
    assert_eq!(cond("#a in (0..100) > 1"), "(> #a in 0..100 1)");
    assert_eq!(cond("@a[2] - @a == !a[1] + !a"), "(== (- @a[2] @a) (+ !a[1] !a))");
    assert_eq!(cond("for any of them : ($ at @ + ! + #)"), "(for any of them $ @(+ (+ @ !) #))");
}

#[test]
fn of_expressions() {
    assert_eq!(cond("any of them"), "(any of them)");
    assert_eq!(cond("all of ($a, $b*)"), "(all of ${a b*})");
    assert_eq!(cond("none of ($*)"), "(none of ${*})");
    assert_eq!(cond("2 of them"), "(2 of them)");
    assert_eq!(cond("50% of them"), "(50% of them)");
    assert_eq!(cond("(1 + 1) of ($a, $b)"), "((+ 1 1) of ${a b})");
    assert_eq!(cond("x % 2 == 0"), "(== (% x 2) 0)");
    assert_eq!(cond("2 + 1 of them"), "((+ 2 1) of them)");
    assert_eq!(cond("x.y % of them"), "(x.y% of them)");
    assert_eq!(cond("any of them at 0"), "(any of them @0)");
    assert_eq!(cond("all of ($a, $b) in (0..10)"), "(all of ${a b} in 0..10)");
    assert_eq!(cond("any of (r1, r2*)"), "(any of rules{r1 r2*})");
    assert_eq!(cond("any of (true, 1 == 1, $a)"), "(any of (true (== 1 1) $a))");
    assert_eq!(cond("2 of ($a) and $b"), "(and (2 of ${a}) $b)");
}

#[test]
fn for_and_with_expressions() {
    assert_eq!(cond("for all i in (1..#a) : (@a[i] < 100)"), "(for all i in 1..#a (< @a[i] 100))");
    assert_eq!(cond("for any x in (1, 2, 3) : (x == 2)"), "(for any x in (1 2 3) (== x 2))");
    assert_eq!(cond("for any x in (7) : (x == 7)"), "(for any x in (7) (== x 7))");
    assert_eq!(cond("for any x in (a).b : (x == 7)"), "(for any x in a.b (== x 7))");
    assert_eq!(
        cond("for any k, v in pe.version_info : (k == \"a\")"),
        "(for any k,v in pe.version_info (== k \"a\"))"
    );
    assert_eq!(cond("for 2 of ($a, $b) : ($)"), "(for 2 of ${a b} $)");
    assert_eq!(cond("for 50% of them : (# > 1)"), "(for 50% of them (> # 1))");
    assert_eq!(cond("for n - 1 of them : ($)"), "(for (- n 1) of them $)");
    assert_eq!(
        cond("for none s in pe.sections : (s.name == \".x\")"),
        "(for none s in pe.sections (== s.name \".x\"))"
    );
    assert_eq!(cond("with a = 1, b = a + 1 : (b == 2)"), "(with a=1,b=(+ a 1) (== b 2))");
}

#[test]
fn module_access_calls_and_readers() {
    assert_eq!(cond("pe.is_dll()"), "(call pe.is_dll )");
    assert_eq!(cond("pe.sections[0].name == \".text\""), "(== pe.sections[0].name \".text\")");
    assert_eq!(
        cond("pe.imports(\"k.dll\", /Get.*/i) > 0"),
        "(> (call pe.imports \"k.dll\" /Get.*/i) 0)"
    );
    assert_eq!(cond("math.entropy(0, filesize) >= 7.0"), "(>= (call math.entropy 0 filesize) 7.0)");
    assert_eq!(cond("uint16(0) == 0x5A4D"), "(== (uint16 0) 23117)");
    assert_eq!(cond("uint32be(uint8(1)) != 0"), "(!= (uint32be (uint8 1)) 0)");
    assert_eq!(cond("float64be(4) > float32(0)"), "(> (float64be 4) (float32 0))");
    assert_eq!(cond("int8be(0) + int32(4) == 0"), "(== (+ (int8be 0) (int32 4)) 0)");
    assert_eq!(cond("dict[\"k\"] == 1"), "(== dict[\"k\"] 1)");
    assert_eq!(
        cond("math.to_number(true) + math.to_number(not $a or 1 == 1) == 1"),
        "(== (+ (call math.to_number true) (call math.to_number (or (not $a) (== 1 1)))) 1)"
    );
}

#[test]
fn rule_header_meta_and_items() {
    let file = parse_ok(
        r#"
        import "pe"
        include "other.yar"
        private global rule r : tag1 tag2 {
            meta:
                s = "a\tb"
                i = -5
                h = 0x10
                f = 1.5
                nf = -2.25
                t = true
                b = false
            condition:
                true
        }
        "#,
    );
    assert!(matches!(&file.items[0], Item::Import(i) if i.module == "pe"));
    assert!(matches!(&file.items[1], Item::Include(i) if i.path == "other.yar"));
    let rule = only_rule(&file);
    assert!(rule.is_private && rule.is_global);
    assert_eq!(rule.name.name, "r");
    let tags: Vec<&str> = rule.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["tag1", "tag2"]);
    let meta: Vec<(&str, &MetaValue)> =
        rule.meta.iter().map(|m| (m.key.name.as_str(), &m.value)).collect();
    assert_eq!(
        meta,
        [
            ("s", &MetaValue::String(b"a\tb".to_vec())),
            ("i", &MetaValue::Integer(-5)),
            ("h", &MetaValue::Integer(16)),
            ("f", &MetaValue::Float(1.5)),
            ("nf", &MetaValue::Float(-2.25)),
            ("t", &MetaValue::Bool(true)),
            ("b", &MetaValue::Bool(false)),
        ]
    );
    let span = &rule.span;
    let text = "private global rule r";
    assert!(span.start > 0 && span.end > span.start + text.len() as u32);
}

#[test]
fn patterns_and_modifiers() {
    let file = parse_ok(
        r#"rule r {
            strings:
                $t = "a\"b\\c\x00" wide ascii nocase fullword private
                $x1 = "abc" xor
                $x2 = "abc" xor(5)
                $x3 = "abc" xor(1-0x10)
                $b1 = "abc" base64 base64wide
                $b2 = "abc" base64("!@#$%^&*(){}[].,|ABCDEFGHIJ\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu")
                $ = "anonymous"
                $h = { 4D 5A ?? 4? ?D ~00 ~F? [2] [1-3] [4-] [-] ( 01 | 02 03 | ( 04 | 05 ) ) 90 } private
                $r = /ab\/c[0-9]{2,}/is nocase wide
            condition:
                all of them
        }"#,
    );
    let rule = only_rule(&file);
    let ids: Vec<&str> = rule.patterns.iter().map(|p| p.id.name.as_str()).collect();
    assert_eq!(ids, ["t", "x1", "x2", "x3", "b1", "b2", "", "h", "r"]);
    assert_eq!(rule.patterns[0].value, PatternValue::Text(b"a\"b\\c\0".to_vec()));
    let kinds: Vec<Vec<ModifierKind>> = rule
        .patterns
        .iter()
        .map(|p| p.modifiers.iter().map(|m| m.kind.clone()).collect())
        .collect();
    assert_eq!(
        kinds[0],
        [
            ModifierKind::Wide,
            ModifierKind::Ascii,
            ModifierKind::Nocase,
            ModifierKind::Fullword,
            ModifierKind::Private
        ]
    );
    assert_eq!(kinds[1], [ModifierKind::Xor { min: 0, max: 255 }]);
    assert_eq!(kinds[2], [ModifierKind::Xor { min: 5, max: 5 }]);
    assert_eq!(kinds[3], [ModifierKind::Xor { min: 1, max: 16 }]);
    assert_eq!(
        kinds[4],
        [ModifierKind::Base64 { alphabet: None }, ModifierKind::Base64Wide { alphabet: None }]
    );
    let ModifierKind::Base64 { alphabet: Some(alphabet) } = &kinds[5][0] else { panic!() };
    assert_eq!(alphabet.len(), 64);
    assert!(alphabet.contains(&b'\t'));

    let PatternValue::Hex(hex) = &rule.patterns[7].value else { panic!("hex") };
    let byte = |value, mask| HexToken::Byte { value, mask };
    let not = |value, mask| HexToken::NotByte { value, mask };
    let jumps: Vec<(u32, Option<u32>)> = hex
        .tokens
        .iter()
        .filter_map(
            |t| if let HexToken::Jump { min, max, .. } = t { Some((*min, *max)) } else { None },
        )
        .collect();
    assert_eq!(jumps, [(2, Some(2)), (1, Some(3)), (4, None), (0, None)]);
    let plain: Vec<&HexToken> =
        hex.tokens.iter().filter(|t| !matches!(t, HexToken::Jump { .. })).collect();
    assert_eq!(
        plain,
        [
            &byte(0x4D, 0xFF),
            &byte(0x5A, 0xFF),
            &byte(0, 0),
            &byte(0x40, 0xF0),
            &byte(0x0D, 0x0F),
            &not(0, 0xFF),
            &not(0xF0, 0xF0),
            &HexToken::Alternatives(vec![
                vec![byte(1, 0xFF)],
                vec![byte(2, 0xFF), byte(3, 0xFF)],
                vec![HexToken::Alternatives(vec![vec![byte(4, 0xFF)], vec![byte(5, 0xFF)]])],
            ]),
            &byte(0x90, 0xFF),
        ]
    );
    let PatternValue::Regex(regex) = &rule.patterns[8].value else { panic!("regex") };
    assert_eq!(regex.pattern, r"ab\/c[0-9]{2,}");
    assert!(regex.case_insensitive && regex.dot_matches_new_line);
}

#[test]
fn comments_and_layout_are_ignored() {
    let file = parse_ok(
        "/* block\n comment */ rule r // line\n{ strings: $a = { 01 /* in hex */ 02 // x\n 03 }\n\
         condition: /* c */ $a // end\n}",
    );
    let PatternValue::Hex(hex) = &only_rule(&file).patterns[0].value else { panic!() };
    assert_eq!(hex.tokens.len(), 3);
}

#[test]
fn keywords_are_not_identifiers() {
    for text in [
        "rule and { condition: true }",
        "rule r { condition: pe.rule }",
        "rule r { meta: condition = 1 condition: true }",
        "rule r { condition: for any of = 1 }",
    ] {
        let (_, diagnostics) = parse(&SourceFile::new("t", text));
        assert_eq!(diagnostics.first().map(|d| d.code), Some("E001"), "{text}");
    }
    assert_eq!(cond("android and notable and form"), "(and android notable form)");
}

#[test]
fn spans_point_at_the_source() {
    let text = "rule r { strings: $a = \"//\" condition: pe.x + 1 == 2 and $a /* c */ // d\n }";
    let rule_file = parse_ok(text);
    let condition = &only_rule(&rule_file).condition;
    assert_eq!(&text[condition.span.range()], "pe.x + 1 == 2 and $a");
    let ExprKind::And(operands) = &condition.kind else { panic!() };
    assert_eq!(&text[operands[1].span.range()], "$a");
    let ExprKind::Binary { lhs, .. } = &operands[0].kind else { panic!() };
    assert_eq!(&text[lhs.span.range()], "pe.x + 1");
    let pattern = &only_rule(&rule_file).patterns[0];
    assert_eq!(&text[pattern.span.range()], "$a = \"//\"");
}

/// Rules that YARA-X 1.x compiles (checked with the PyPI `yara-x` package,
/// with the eight modules imported): every one parses without a diagnostic.
const ACCEPTED_BY_YARA_X: &[&str] = &[
    r#"rule a { condition: math.to_number(true) == 1 }"#,
    r#"rule a { condition: math.to_number(not false) == 1 }"#,
    r#"rule a { strings: $a = "x" xor(0x01-0x10) condition: $a }"#,
    r#"rule a { strings: $a = { ~?A } condition: $a }"#,
    r#"rule a { meta: a = - 1 condition: true }"#,
    r#"rule a { strings: $a = "x" condition: all of ($a*) at 0 }"#,
    r#"rule a { condition: for any s in pe.sections : (s.name == ".text") }"#,
    r#"rule a { condition: for any i in (0..pe.number_of_sections - 1) : (pe.sections[i].name == ".text") }"#,
    r#"rule a { strings: $a = "x" condition: $a and not$a }"#,
    r#"rule a { condition: -1.5 < 0 }"#,
    r#"rule a{condition:true}"#,
    r#"rule a { condition: true }
rule b { condition: a and any of (a) }"#,
    r#"rule a { strings: $a = /\// condition: $a }"#,
    r#"rule a { condition: hash.md5(0, filesize) == "abc" }"#,
    r#"rule a { condition: console.log("x") }"#,
    r#"rule a { condition: string.to_int("12") == 12 }"#,
    r#"rule a { condition: pe.exports(/^Dll/) }"#,
    r#"rule a { condition: for any k, v in pe.version_info : (k == "x" and v == "y") }"#,
    r#"rule a { condition: defined pe.entry_point }"#,
    r#"rule a { condition: not defined pe.entry_point }"#,
    r#"rule a { condition: pe.number_of_sections == 3 or not pe.is_dll() }"#,
    r#"rule a { strings: $a = "x" condition: #a in (0..100) == 2 }"#,
    r#"rule a { strings: $a = "x" condition: any of ($a) in (0..filesize) }"#,
    r#"rule a { strings: $a = "x" condition: for any of ($a) : (# == 1 and @[1] == 0 and ![1] == 1) }"#,
    r#"rule a { strings: $a = "x" condition: for all i in (1..#a) : (uint8(@a[i] - 1) == 0) }"#,
    r#"rule a { condition: 1 == 1 and (2 > 1 or 3 < 1) }"#,
    r#"rule a { condition: with a = 1, b = 2 : (a + b == 3) }"#,
    r#"rule a { condition: with s = pe.sections[0] : (s.name == ".text") }"#,
    r#"rule a { strings: $a = "x" condition: none of them }"#,
    r#"rule a { strings: $a = "x" $b = "y" condition: 1 of ($a, $b) and 100% of them }"#,
    r#"rule a { condition: math.entropy(0, filesize) > 7.0 and math.in_range(1.0, 0.5, 1.5) }"#,
    r#"rule a { condition: dotnet.number_of_guids > 0 and elf.type == elf.ET_EXEC }"#,
    r#"rule a { condition: time.now() > 0 }"#,
    r#"rule a { strings: $a = "x" condition: !a[1] == 1 and !a == 1 }"#,
    r#"rule a { strings: $a = "x" condition: @a[#a] > 0 }"#,
    r#"rule a { condition: pe.rich_signature.version(1) == 1 }"#,
    r#"rule a { condition: pe.data_directories[pe.IMAGE_DIRECTORY_ENTRY_SECURITY].size != 0 }"#,
    r#"rule a { strings: $a = "x" condition: (#a > 1) }"#,
    r#"rule a { strings: $a = "x" condition: ($a) }"#,
    r#"rule a { condition: (((1))) == 1 }"#,
    r#"rule a { condition: 0x7FFFFFFFFFFFFFFF > 0 }"#,
    r#"rule a { condition: 10 \ 3 == 3 and 10 % 3 == 1 }"#,
    r#"rule a { condition: "abc" matches /b/ and "ABC" icontains "b" }"#,
    r#"rule a { strings: $a = "x" condition: for 2 of ($a) : ($ at 0) }"#,
    r#"rule a { strings: $a = { 00 [0-] 01 } condition: $a }"#,
    r#"rule a { strings: $a = { 00 [-] 01 } condition: $a }"#,
    r#"rule a { strings: $a = { (00 | 01 02) [1] ?? } condition: $a }"#,
    r#"global rule a { condition: true }"#,
    r#"private rule a : t1 t2 { condition: true }"#,
    r#"rule a { condition: true } // trailing"#,
    r#"rule a { strings: $a = "x" condition: $a at pe.entry_point + 0x10 }"#,
    r#"rule a { condition: uint32(uint32(0x3C)) == 0x4550 }"#,
    r#"rule a { condition: for any i in (1, 2, 3) : (i == 2) }"#,
    r#"rule a { condition: for any i in (1) : (i == 1) }"#,
    r#"rule a { condition: any of (true, false) }"#,
    r#"rule a { condition: pe.sections[0].name iequals ".TEXT" }"#,
    r#"rule a { condition: -(-1) == 1 and - -1 == 1 }"#,
    r#"rule a { condition: ~0 == -1 and 1 << 2 >> 1 == 2 }"#,
    r#"rule a { condition: 1 | 2 & 3 ^ 4 == 6 }"#,
    r#"rule a { condition: filesize < 1MB and filesize > 1KB }"#,
    r#"rule a { strings: $a = "x" condition: 50% of ($a*) }"#,
    r#"rule a { strings: $a1 = "x" $a2 = "y" condition: all of ($a1, $a2) }"#,
    r#"rule a { condition: pe.is_32bit() and not pe.is_64bit() }"#,
    r#"rule a { condition: pe.signatures[0].subject contains "x" }"#,
    r#"rule a { condition: for any sig in pe.signatures : (sig.issuer contains "x") }"#,
];

#[test]
fn rules_yara_x_accepts_parse_cleanly() {
    for text in ACCEPTED_BY_YARA_X {
        parse_ok(text);
    }
}
