//! AST to rule text.
//!
//! The output parses back to the same AST (spans aside): parentheses are
//! written exactly where precedence needs them, literals are re-escaped,
//! and regexes are written as they were read. The layout is one rule
//! section per line, indented, like hand-written rules.

use std::fmt::Write as _;

use super::ast::{
    Anchor, BinaryOp, Expr, ExprKind, File, HexToken, Item, Iterable, MetaValue, ModifierKind,
    NameRef, OfSet, PatternSet, PatternValue, Quantifier, Range, Regex, Rule, UnaryOp,
};

/// Writes `file` as rule text.
#[must_use]
pub fn print(file: &File) -> String {
    let mut out = String::new();
    for item in &file.items {
        match item {
            Item::Import(import) => {
                let _ = writeln!(out, "import {}", quote(import.module.as_bytes()));
            }
            Item::Include(include) => {
                let _ = writeln!(out, "include {}", quote(include.path.as_bytes()));
            }
            Item::Rule(rule) => print_rule(&mut out, rule),
        }
    }
    out
}

fn print_rule(out: &mut String, rule: &Rule) {
    out.push('\n');
    if rule.is_private {
        out.push_str("private ");
    }
    if rule.is_global {
        out.push_str("global ");
    }
    let _ = write!(out, "rule {}", rule.name.name);
    if !rule.tags.is_empty() {
        out.push_str(" :");
        for tag in &rule.tags {
            let _ = write!(out, " {}", tag.name);
        }
    }
    out.push_str(" {\n");
    if !rule.meta.is_empty() {
        out.push_str("  meta:\n");
        for meta in &rule.meta {
            let value = match &meta.value {
                MetaValue::String(bytes) => quote(bytes),
                MetaValue::Integer(n) => n.to_string(),
                MetaValue::Float(f) => float(*f),
                MetaValue::Bool(b) => b.to_string(),
            };
            let _ = writeln!(out, "    {} = {value}", meta.key.name);
        }
    }
    if !rule.patterns.is_empty() {
        out.push_str("  strings:\n");
        for pattern in &rule.patterns {
            let value = match &pattern.value {
                PatternValue::Text(bytes) => quote(bytes),
                PatternValue::Hex(hex) => format!("{{ {} }}", hex_tokens(&hex.tokens)),
                PatternValue::Regex(regex) => self::regex(regex),
            };
            let _ = write!(out, "    ${} = {value}", pattern.id.name);
            for modifier in &pattern.modifiers {
                out.push(' ');
                out.push_str(&modifier_text(&modifier.kind));
            }
            out.push('\n');
        }
    }
    let _ = writeln!(out, "  condition:\n    {}\n}}", expr(&rule.condition, 0));
}

fn modifier_text(kind: &ModifierKind) -> String {
    match kind {
        ModifierKind::Xor { min: 0, max: 255 } => "xor".to_owned(),
        ModifierKind::Xor { min, max } if min == max => format!("xor({min})"),
        ModifierKind::Xor { min, max } => format!("xor({min}-{max})"),
        ModifierKind::Base64 { alphabet: Some(a) } => format!("base64({})", quote(a)),
        ModifierKind::Base64Wide { alphabet: Some(a) } => format!("base64wide({})", quote(a)),
        other => super::modifiers::keyword(other).to_owned(),
    }
}

/// A `"..."` literal holding exactly `bytes`.
fn quote(bytes: &[u8]) -> String {
    format!("\"{}\"", string_body(bytes))
}

/// The text between the quotes of a YARA string literal that holds exactly
/// `bytes`: printable ASCII as is, `"` and `\` escaped, tab, newline and
/// carriage return by their short escapes, every other byte as `\xNN`.
/// Whatever writes rule text (the printer, `spoor ioc import`) uses it.
#[must_use]
pub fn string_body(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// A float literal the grammar reads back exactly (`digits.digits`).
fn float(f: f64) -> String {
    let text = format!("{}", f.abs());
    let text = if text.contains('.') { text } else { format!("{text}.0") };
    if f.is_sign_negative() { format!("-{text}") } else { text }
}

fn regex(regex: &Regex) -> String {
    let i = if regex.case_insensitive { "i" } else { "" };
    let s = if regex.dot_matches_new_line { "s" } else { "" };
    format!("/{}/{i}{s}", regex.pattern)
}

fn hex_tokens(tokens: &[HexToken]) -> String {
    let parts: Vec<String> = tokens
        .iter()
        .map(|token| match token {
            HexToken::Byte { value, mask } => hex_byte(*value, *mask),
            HexToken::NotByte { value, mask } => format!("~{}", hex_byte(*value, *mask)),
            HexToken::Jump { min, max: Some(max), .. } if min == max => format!("[{min}]"),
            HexToken::Jump { min, max: Some(max), .. } => format!("[{min}-{max}]"),
            HexToken::Jump { min: 0, max: None, .. } => "[-]".to_owned(),
            HexToken::Jump { min, max: None, .. } => format!("[{min}-]"),
            HexToken::Alternatives(alternatives) => {
                let alternatives: Vec<String> =
                    alternatives.iter().map(|a| hex_tokens(a)).collect();
                format!("( {} )", alternatives.join(" | "))
            }
        })
        .collect();
    parts.join(" ")
}

fn hex_byte(value: u8, mask: u8) -> String {
    // Without `format!`: W010 prints every rule with patterns, and hex
    // bytes are most of what it prints.
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let nibble =
        |v: u8, known: bool| if known { char::from(DIGITS[usize::from(v & 0xF)]) } else { '?' };
    [nibble(value >> 4, mask & 0xF0 == 0xF0), nibble(value, mask & 0x0F == 0x0F)].iter().collect()
}

// ---------------------------------------------------------------- expressions

/// Binding strength classes used to decide parentheses.
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const COMPARISON: u8 = 4;
/// The weakest arithmetic operator (`|`): operands of comparisons, ranges,
/// indexes and arguments are printed at this level.
const ARITHMETIC: u8 = 6;
const PREFIX: u8 = 12;
const ATOM: u8 = 13;

fn strength(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Or(_) => OR,
        ExprKind::And(_) => AND,
        ExprKind::Unary { op: UnaryOp::Not | UnaryOp::Defined, .. } => NOT,
        ExprKind::Binary { op, .. } if op.precedence() < ARITHMETIC => COMPARISON,
        ExprKind::Binary { op, .. } => op.precedence(),
        ExprKind::Unary { .. } => PREFIX,
        ExprKind::Integer(n) if *n < 0 => PREFIX,
        _ => ATOM,
    }
}

/// `e` printed so that it binds at least as tightly as `min`.
fn expr(e: &Expr, min: u8) -> String {
    let text = bare(e);
    if strength(e) < min { format!("({text})") } else { text }
}

fn bare(e: &Expr) -> String {
    match &e.kind {
        ExprKind::True => "true".to_owned(),
        ExprKind::False => "false".to_owned(),
        ExprKind::Integer(n) => n.to_string(),
        ExprKind::Float(f) => float(*f),
        ExprKind::String(bytes) => quote(bytes),
        ExprKind::Regex(r) => regex(r),
        ExprKind::Filesize => "filesize".to_owned(),
        ExprKind::Entrypoint => "entrypoint".to_owned(),
        ExprKind::Ident(id) => id.name.clone(),
        ExprKind::Field { object, field } => format!("{}.{}", expr(object, ATOM), field.name),
        ExprKind::Index { object, index } => {
            format!("{}[{}]", expr(object, ATOM), expr(index, ARITHMETIC))
        }
        ExprKind::Call { callee, args } => {
            format!("{}({})", expr(callee, ATOM), list(args, 0))
        }
        ExprKind::ReadInt { reader, offset } => {
            format!("{}({})", reader.name(), expr(offset, ARITHMETIC))
        }
        ExprKind::ReadFloat { reader, offset } => {
            format!("{reader}({})", expr(offset, ARITHMETIC))
        }
        ExprKind::PatternMatch { id, anchor: a } => format!("${}{}", id.name, anchor(a)),
        ExprKind::PatternCount { id, range: r } => match r {
            Some(r) => format!("#{} in {}", id.name, range(r)),
            None => format!("#{}", id.name),
        },
        ExprKind::PatternOffset { id, index } => format!("@{}{}", id.name, match_index(index)),
        ExprKind::PatternLength { id, index } => format!("!{}{}", id.name, match_index(index)),
        ExprKind::And(operands) => join(operands, " and ", NOT),
        ExprKind::Or(operands) => join(operands, " or ", AND),
        ExprKind::Unary { op, operand } => match op {
            UnaryOp::Not => format!("not {}", expr(operand, NOT)),
            UnaryOp::Defined => format!("defined {}", expr(operand, NOT)),
            // A space keeps `- -1` from reading as one token in any grammar.
            UnaryOp::Neg => format!("-{}", spaced_prefix(operand)),
            UnaryOp::BitNot => format!("~{}", spaced_prefix(operand)),
        },
        ExprKind::Binary { op, lhs, rhs } => binary(*op, lhs, rhs),
        ExprKind::Of { quantifier: q, set, anchor: a } => {
            let set = match set {
                OfSet::Patterns(p) => pattern_set(p),
                OfSet::Rules(names) => format!("({})", name_refs(names, "")),
                OfSet::Exprs(exprs) => bool_tuple(exprs),
            };
            format!("{} of {set}{}", quantifier(q), anchor(a))
        }
        ExprKind::ForOf { quantifier: q, patterns, body } => {
            format!("for {} of {} : ({})", quantifier(q), pattern_set(patterns), expr(body, 0))
        }
        ExprKind::ForIn { quantifier: q, variables, iterable, body } => {
            let variables: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
            let iterable = match iterable {
                Iterable::Range(r) => range(r),
                Iterable::List(exprs) => format!("({})", list(exprs, ARITHMETIC)),
                Iterable::Expr(e) => expr(e, ARITHMETIC),
            };
            format!(
                "for {} {} in {iterable} : ({})",
                quantifier(q),
                variables.join(", "),
                expr(body, 0)
            )
        }
        ExprKind::With { declarations, body } => {
            let declarations: Vec<String> = declarations
                .iter()
                .map(|(name, value)| format!("{} = {}", name.name, expr(value, ARITHMETIC)))
                .collect();
            format!("with {} : ({})", declarations.join(", "), expr(body, 0))
        }
    }
}

fn spaced_prefix(operand: &Expr) -> String {
    let text = expr(operand, PREFIX);
    if text.starts_with(['-', '~']) { format!(" {text}") } else { text }
}

fn binary(op: BinaryOp, lhs: &Expr, rhs: &Expr) -> String {
    let (left, right) = if op.precedence() < ARITHMETIC {
        // Comparisons join two arithmetic expressions and never chain.
        (ARITHMETIC, ARITHMETIC)
    } else {
        // Left-associative: an equal-strength right operand needs parentheses.
        (op.precedence(), op.precedence() + 1)
    };
    format!("{} {} {}", expr(lhs, left), op.symbol(), expr(rhs, right))
}

fn join(operands: &[Expr], separator: &str, min: u8) -> String {
    let parts: Vec<String> = operands.iter().map(|e| expr(e, min)).collect();
    parts.join(separator)
}

fn list(exprs: &[Expr], min: u8) -> String {
    join(exprs, ", ", min)
}

/// The tuple of `any of (...)` over boolean expressions. Written bare, a
/// tuple of pattern matches (`$a, $b`) or of identifiers (`r1, r2`) would
/// read back as a pattern or rule set: its first item is parenthesized.
fn bool_tuple(exprs: &[Expr]) -> String {
    let bare_pattern = |e: &Expr| matches!(e.kind, ExprKind::PatternMatch { anchor: None, .. });
    let bare_name = |e: &Expr| matches!(e.kind, ExprKind::Ident(_));
    match exprs.split_first() {
        Some((first, rest)) if exprs.iter().all(bare_pattern) || exprs.iter().all(bare_name) => {
            let rest: String = rest.iter().map(|e| format!(", {}", expr(e, 0))).collect();
            format!("(({}){rest})", expr(first, 0))
        }
        _ => format!("({})", list(exprs, 0)),
    }
}

fn match_index(index: &Option<Box<Expr>>) -> String {
    index.as_ref().map_or(String::new(), |i| format!("[{}]", expr(i, ARITHMETIC)))
}

fn range(r: &Range) -> String {
    format!("({}..{})", expr(&r.lower, ARITHMETIC), expr(&r.upper, ARITHMETIC))
}

fn anchor(a: &Option<Anchor>) -> String {
    match a {
        Some(Anchor::At(at)) => format!(" at {}", expr(at, ARITHMETIC)),
        Some(Anchor::In(r)) => format!(" in {}", range(r)),
        None => String::new(),
    }
}

fn quantifier(q: &Quantifier) -> String {
    match q {
        Quantifier::All => "all".to_owned(),
        Quantifier::Any => "any".to_owned(),
        Quantifier::None => "none".to_owned(),
        Quantifier::Count(n) => expr(n, ATOM),
        Quantifier::Percent(n) => format!("{}%", expr(n, ATOM)),
    }
}

fn pattern_set(set: &PatternSet) -> String {
    match set {
        PatternSet::Them(_) => "them".to_owned(),
        PatternSet::List(names) => format!("({})", name_refs(names, "$")),
    }
}

fn name_refs(names: &[NameRef], sigil: &str) -> String {
    let names: Vec<String> = names
        .iter()
        .map(|n| format!("{sigil}{}{}", n.name, if n.wildcard { "*" } else { "" }))
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_written_so_they_read_back() {
        assert_eq!(quote(b"a\"b\\c\n\t\r\x00\xff~"), r#""a\"b\\c\n\t\r\x00\xff~""#);
        assert_eq!(float(1.0), "1.0");
        assert_eq!(float(-2.5), "-2.5");
        assert_eq!(float(1e20), "100000000000000000000.0");
        assert_eq!(hex_byte(0x4D, 0xFF), "4D");
        assert_eq!(hex_byte(0x40, 0xF0), "4?");
        assert_eq!(hex_byte(0x0D, 0x0F), "?D");
        assert_eq!(hex_byte(0, 0), "??");
    }

    #[test]
    fn a_tuple_of_bare_matches_or_names_stays_a_tuple() {
        for (text, printed) in [
            ("any of (($a), $a)", "any of (($a), $a)"),
            ("any of ((r1), r2)", "any of ((r1), r2)"),
            ("any of (($a), r1)", "any of ($a, r1)"),
            ("any of ($a, $b)", "any of ($a, $b)"),
        ] {
            let source = crate::source::SourceFile::new(
                "t",
                format!(
                    "rule r1 {{ condition: true }} rule r2 {{ condition: true }} rule r {{ strings: $a = \"a\" $b = \"b\" condition: {text} }}"
                ),
            );
            let (file, diagnostics) = super::super::parse(&source);
            assert!(diagnostics.is_empty(), "{text}");
            let Item::Rule(rule) = &file.items[2] else { panic!("a rule") };
            assert_eq!(expr(&rule.condition, 0), printed);
        }
    }

    #[test]
    fn parentheses_only_where_precedence_needs_them() {
        let source = crate::source::SourceFile::new(
            "t",
            "rule r { condition: (1 + 2) * 3 == 9 and (true or false) and not (1 - (2 - 3) == 2) \
             and -(-1) == 1 and (x.y).z == 1 }",
        );
        let (file, diagnostics) = super::super::parse(&source);
        assert!(diagnostics.is_empty());
        let Item::Rule(rule) = &file.items[0] else { panic!("a rule") };
        assert_eq!(
            expr(&rule.condition, 0),
            "(1 + 2) * 3 == 9 and (true or false) and not 1 - (2 - 3) == 2 and - -1 == 1 \
             and x.y.z == 1"
        );
    }
}
