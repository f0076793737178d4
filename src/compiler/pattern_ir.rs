//! Pattern values between the AST and the IR.
//!
//! [`lower_value`], [`lower_modifiers`] and [`lower_regex`] turn what the
//! parser read into the IR's own types, without spans. The matcher still
//! takes its patterns in the parser's terms; [`MatcherInput`] gives them
//! back in that form until it reads the IR's.

use super::ir;
use crate::matcher::PatternSpec;
use crate::parser::ast;
use crate::source::Span;

/// A regular expression literal in the IR.
pub(super) fn lower_regex(regex: &ast::Regex) -> ir::Regex {
    ir::Regex {
        pattern: regex.pattern.clone(),
        case_insensitive: regex.case_insensitive,
        dot_matches_new_line: regex.dot_matches_new_line,
    }
}

/// A pattern value in the IR.
pub(super) fn lower_value(value: &ast::PatternValue) -> ir::PatternValue {
    match value {
        ast::PatternValue::Text(text) => ir::PatternValue::Text(text.clone()),
        ast::PatternValue::Hex(hex) => ir::PatternValue::Hex(lower_hex(&hex.tokens)),
        ast::PatternValue::Regex(regex) => ir::PatternValue::Regex(lower_regex(regex)),
    }
}

fn lower_hex(tokens: &[ast::HexToken]) -> Vec<ir::HexToken> {
    let byte = |value, mask, negated| ir::HexToken::Byte(ir::MaskedByte { value, mask, negated });
    tokens
        .iter()
        .map(|token| match token {
            ast::HexToken::Byte { value, mask } => byte(*value, *mask, false),
            ast::HexToken::NotByte { value, mask } => byte(*value, *mask, true),
            ast::HexToken::Jump { min, max, .. } => ir::HexToken::Jump { min: *min, max: *max },
            ast::HexToken::Alternatives(alternatives) => {
                ir::HexToken::Alternatives(alternatives.iter().map(|a| lower_hex(a)).collect())
            }
        })
        .collect()
}

/// The modifiers of a pattern in the IR (the parser has checked that each
/// appears at most once).
pub(super) fn lower_modifiers(modifiers: &[ast::Modifier]) -> ir::Modifiers {
    let mut lowered = ir::Modifiers::default();
    for modifier in modifiers {
        match &modifier.kind {
            ast::ModifierKind::Nocase => lowered.nocase = true,
            ast::ModifierKind::Wide => lowered.wide = true,
            ast::ModifierKind::Ascii => lowered.ascii = true,
            ast::ModifierKind::Fullword => lowered.fullword = true,
            // Kept as `ir::Pattern::is_private`: it changes reporting, not
            // the search.
            ast::ModifierKind::Private => {}
            ast::ModifierKind::Xor { min, max } => lowered.xor = Some((*min, *max)),
            ast::ModifierKind::Base64 { alphabet } => lowered.base64 = Some(alphabet.clone()),
            ast::ModifierKind::Base64Wide { alphabet } => {
                lowered.base64wide = Some(alphabet.clone());
            }
        }
    }
    lowered
}

/// An IR pattern in the form the matcher reads.
#[derive(Debug)]
pub struct MatcherInput {
    value: ast::PatternValue,
    modifiers: Vec<ast::Modifier>,
}

impl MatcherInput {
    /// The matcher's form of `pattern`; `None` for a pattern loaded from a
    /// compiled ruleset, which keeps no value.
    #[must_use]
    pub fn new(pattern: &ir::Pattern) -> Option<Self> {
        let modifier = |kind| ast::Modifier { kind, span: Span::default() };
        let m = &pattern.modifiers;
        let flags = [
            (m.nocase, ast::ModifierKind::Nocase),
            (m.wide, ast::ModifierKind::Wide),
            (m.ascii, ast::ModifierKind::Ascii),
            (m.fullword, ast::ModifierKind::Fullword),
        ];
        let mut modifiers: Vec<_> =
            flags.into_iter().filter(|(on, _)| *on).map(|(_, kind)| modifier(kind)).collect();
        modifiers.extend(
            [
                m.xor.map(|(min, max)| ast::ModifierKind::Xor { min, max }),
                m.base64.clone().map(|alphabet| ast::ModifierKind::Base64 { alphabet }),
                m.base64wide.clone().map(|alphabet| ast::ModifierKind::Base64Wide { alphabet }),
            ]
            .into_iter()
            .flatten()
            .map(modifier),
        );
        Some(Self { value: raise_value(pattern.value.as_ref()?), modifiers })
    }

    /// What [`crate::matcher::Matcher::build`] takes.
    #[must_use]
    pub fn spec(&self) -> PatternSpec<'_> {
        PatternSpec { value: &self.value, modifiers: &self.modifiers }
    }
}

fn raise_value(value: &ir::PatternValue) -> ast::PatternValue {
    match value {
        ir::PatternValue::Text(text) => ast::PatternValue::Text(text.clone()),
        ir::PatternValue::Hex(tokens) => ast::PatternValue::Hex(ast::HexString {
            tokens: raise_hex(tokens),
            span: Span::default(),
        }),
        ir::PatternValue::Regex(regex) => ast::PatternValue::Regex(ast::Regex {
            pattern: regex.pattern.clone(),
            case_insensitive: regex.case_insensitive,
            dot_matches_new_line: regex.dot_matches_new_line,
            span: Span::default(),
        }),
    }
}

fn raise_hex(tokens: &[ir::HexToken]) -> Vec<ast::HexToken> {
    let mut raised = Vec::with_capacity(tokens.len());
    for token in tokens {
        raised.push(match token {
            ir::HexToken::Byte(ir::MaskedByte { value, mask, negated: false }) => {
                ast::HexToken::Byte { value: *value, mask: *mask }
            }
            ir::HexToken::Byte(ir::MaskedByte { value, mask, negated: true }) => {
                ast::HexToken::NotByte { value: *value, mask: *mask }
            }
            ir::HexToken::Jump { min, max } => {
                ast::HexToken::Jump { min: *min, max: *max, span: Span::default() }
            }
            ir::HexToken::Alternatives(alternatives) => {
                ast::HexToken::Alternatives(alternatives.iter().map(|a| raise_hex(a)).collect())
            }
        });
    }
    raised
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::{erase_spans, parse};
    use crate::source::SourceFile;

    /// The patterns of the one rule of `source`, lowered and raised back.
    fn round_trip(source: &str) {
        let file = SourceFile::new("<test>", source.to_owned());
        let (mut ast, diagnostics) = parse(&file);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        erase_spans(&mut ast);
        let Some(ast::Item::Rule(rule)) = ast.items.first() else { panic!("no rule") };
        for declared in &rule.patterns {
            let pattern = ir::Pattern {
                rule: ir::RuleId(0),
                name: String::new(),
                value: Some(lower_value(&declared.value)),
                modifiers: lower_modifiers(&declared.modifiers),
                is_private: false,
            };
            let raised = MatcherInput::new(&pattern).expect("a value");
            assert_eq!(raised.value, declared.value);
            let kinds = |m: &[ast::Modifier]| {
                let mut kinds: Vec<String> = m
                    .iter()
                    .filter(|m| m.kind != ast::ModifierKind::Private)
                    .map(|m| format!("{:?}", m.kind))
                    .collect();
                kinds.sort();
                kinds
            };
            assert_eq!(kinds(&raised.modifiers), kinds(&declared.modifiers));
        }
    }

    #[test]
    fn patterns_reach_the_matcher_as_declared() {
        round_trip(
            r##"rule r { strings:
                $a = "text" xor(1-3) wide ascii fullword private
                $b = "base" base64("!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`") base64wide
                $c = { 4D 5? ~00 [2-4] ( 01 | 02 [1-2] 03 ) ?? [3] 00 [-] 01 }
                $d = /ab+c/is nocase wide
                condition: all of them }"##,
        );
    }
}
