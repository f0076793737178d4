//! Pattern declarations: text, hex and regex values, and modifiers.

use pest::iterators::Pair;

use super::{Build, Builder, first, span_of};
use crate::diagnostics::codes;
use crate::parser::ast::{
    HexString, HexToken, Modifier, ModifierKind, Pattern, PatternValue, Regex,
};
use crate::parser::grammar::Rule;
use crate::parser::{literal, modifiers};
use crate::source::Span;

impl Builder<'_> {
    // ------------------------------------------------------------ patterns

    pub(super) fn pattern(&self, pair: Pair<'_, Rule>) -> Build<Pattern> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let id = Self::sigil_ident(&inner.next().expect("grammar: pattern id"));
        let value_pair = inner.next().expect("grammar: pattern value");
        let value = match value_pair.as_rule() {
            Rule::string_lit => {
                let value_span = span_of(&value_pair);
                let bytes = self.string_bytes(value_pair);
                if bytes.is_empty() && value_span.end - value_span.start == 2 {
                    self.error(codes::EMPTY_PATTERN, "empty text pattern", value_span);
                }
                PatternValue::Text(bytes)
            }
            Rule::hex_string => PatternValue::Hex(self.hex_string(value_pair)?),
            _ => PatternValue::Regex(self.regex(value_pair)),
        };
        let modifiers: Vec<Modifier> = inner.map(|m| self.modifier(m)).collect();
        for problem in modifiers::check(&value, &modifiers) {
            self.error(codes::INVALID_MODIFIER, problem.message, modifiers[problem.index].span);
        }
        Ok(Pattern { id, value, modifiers, span })
    }

    fn modifier(&self, pair: Pair<'_, Rule>) -> Modifier {
        let span = span_of(&pair);
        let inner = first(pair);
        let kind = match inner.as_rule() {
            Rule::k_nocase => ModifierKind::Nocase,
            Rule::k_wide => ModifierKind::Wide,
            Rule::k_ascii => ModifierKind::Ascii,
            Rule::k_fullword => ModifierKind::Fullword,
            Rule::k_private => ModifierKind::Private,
            Rule::xor_modifier => self.xor_modifier(inner),
            Rule::base64_modifier => ModifierKind::Base64 { alphabet: self.alphabet(inner) },
            _ => ModifierKind::Base64Wide { alphabet: self.alphabet(inner) },
        };
        Modifier { kind, span }
    }

    /// `xor`, `xor(n)` or `xor(n-m)`; keys must be bytes and `n <= m` (E007).
    fn xor_modifier(&self, pair: Pair<'_, Rule>) -> ModifierKind {
        let span = span_of(&pair);
        let keys: Vec<(u8, Span)> = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::integer)
            .map(|p| {
                let span = span_of(&p);
                let key = literal::integer_magnitude(p.as_str())
                    .and_then(|k| u8::try_from(k).ok())
                    .unwrap_or_else(|| {
                        self.error(
                            codes::INVALID_MODIFIER_ARG,
                            "xor key out of range: must be 0 to 255",
                            span,
                        );
                        0
                    });
                (key, span)
            })
            .collect();
        match keys[..] {
            [] => ModifierKind::Xor { min: 0, max: 255 },
            [(key, _)] => ModifierKind::Xor { min: key, max: key },
            [(min, _), (max, _), ..] => {
                if min > max {
                    self.error(
                        codes::INVALID_MODIFIER_ARG,
                        format!("xor range lower bound {min} is greater than upper bound {max}"),
                        span,
                    );
                }
                ModifierKind::Xor { min, max }
            }
        }
    }

    /// The optional alphabet of `base64(...)`: exactly 64 bytes (E007).
    fn alphabet(&self, pair: Pair<'_, Rule>) -> Option<Vec<u8>> {
        let literal = pair.into_inner().find(|p| p.as_rule() == Rule::string_lit)?;
        let span = span_of(&literal);
        let alphabet = self.string_bytes(literal);
        if alphabet.len() != 64 {
            self.error(
                codes::INVALID_MODIFIER_ARG,
                format!("base64 alphabet must be 64 bytes long, this one has {}", alphabet.len()),
                span,
            );
        }
        Some(alphabet)
    }

    pub(super) fn regex(&self, pair: Pair<'_, Rule>) -> Regex {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let pattern = inner.next().expect("grammar: regex body").as_str().to_owned();
        let flags = inner.next().expect("grammar: regex flags");
        let (mut case_insensitive, mut dot_matches_new_line) = (false, false);
        for (offset, flag) in flags.as_str().char_indices() {
            match flag {
                'i' if !case_insensitive => case_insensitive = true,
                's' if !dot_matches_new_line => dot_matches_new_line = true,
                _ => {
                    let at = flags.as_span().start() + offset;
                    self.error(
                        codes::INVALID_REGEX,
                        format!("invalid regular expression flag `{flag}`"),
                        Span::new(at, at + flag.len_utf8()),
                    );
                }
            }
        }
        Regex { pattern, case_insensitive, dot_matches_new_line, span }
    }

    // ------------------------------------------------------------ hex strings

    fn hex_string(&self, pair: Pair<'_, Rule>) -> Build<HexString> {
        let span = span_of(&pair);
        let tokens = self.hex_tokens(first(pair), false)?;
        let jump_at = |token: Option<&HexToken>| match token {
            Some(HexToken::Jump { span, .. }) => Some(*span),
            _ => None,
        };
        if let Some(jump) = jump_at(tokens.first()).or_else(|| jump_at(tokens.last())) {
            self.error(codes::INVALID_HEX, "a hex pattern cannot start or end with a jump", jump);
        }
        Ok(HexString { tokens, span })
    }

    /// A token sequence; `in_alternative` forbids unbounded jumps, as YARA does.
    fn hex_tokens(&self, pair: Pair<'_, Rule>, in_alternative: bool) -> Build<Vec<HexToken>> {
        pair.into_inner()
            .map(|token| {
                Ok(match token.as_rule() {
                    Rule::hex_byte => {
                        let (value, mask) = literal::hex_byte(token.as_str());
                        HexToken::Byte { value, mask }
                    }
                    Rule::hex_not => {
                        let (value, mask) = literal::hex_byte(&token.as_str()[1..]);
                        if mask == 0 {
                            self.error(
                                codes::INVALID_HEX,
                                "`~??` matches nothing",
                                span_of(&token),
                            );
                        }
                        HexToken::NotByte { value, mask }
                    }
                    Rule::hex_jump => self.hex_jump(token, in_alternative),
                    _ => HexToken::Alternatives(
                        token
                            .into_inner()
                            .map(|alternative| self.hex_tokens(alternative, true))
                            .collect::<Build<_>>()?,
                    ),
                })
            })
            .collect()
    }

    fn hex_jump(&self, pair: Pair<'_, Rule>, in_alternative: bool) -> HexToken {
        let span = span_of(&pair);
        let bound = |p: &Pair<'_, Rule>| {
            literal::integer_magnitude(p.as_str())
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or_else(|| {
                    self.error(codes::INVALID_HEX, "jump length out of range", span_of(p));
                    0
                })
        };
        let inner = first(pair);
        let (min, max) = if inner.as_rule() == Rule::integer {
            let n = bound(&inner);
            (n, Some(n))
        } else {
            let text = inner.as_str();
            let bounds: Vec<Pair<'_, Rule>> = inner.clone().into_inner().collect();
            let has_lower = !text.trim_start().starts_with('-');
            match (has_lower, &bounds[..]) {
                (true, [lo, hi]) => (bound(lo), Some(bound(hi))),
                (true, [lo]) => (bound(lo), None),
                (false, [hi]) => (0, Some(bound(hi))),
                _ => (0, None),
            }
        };
        if let Some(max) = max
            && min > max
        {
            self.error(
                codes::INVALID_HEX,
                format!("jump lower bound {min} is greater than upper bound {max}"),
                span,
            );
        }
        if in_alternative && max.is_none() {
            self.error(
                codes::INVALID_HEX,
                "unbounded jumps are not allowed inside alternatives",
                span,
            );
        }
        HexToken::Jump { min, max, span }
    }
}
