//! The lossless token stream of a parsed file: every token with its span,
//! comments included.
//!
//! The AST drops comments and punctuation; tools that rewrite rule text
//! (the formatter, an editor) need both. The stream is taken from the same
//! pest parse that builds the AST, so it never disagrees with it: the
//! grammar's token rules (identifiers, literals, operators, keywords) give
//! most tokens, and the gaps between them hold only what the grammar treats
//! as silent, namely whitespace, comments and punctuation such as `(` or
//! `=`, which are split here. Every byte of the file that is not
//! whitespace belongs to exactly one token.

use pest::iterators::Pairs;

use super::grammar::Rule;
use crate::source::Span;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A reserved word: `rule`, `and`, `of`, `nocase`, `them`, ...
    Keyword,
    /// A rule, module, field or variable name, an integer reader
    /// (`uint16`), or a rule name with a wildcard (`Rule*`).
    Identifier,
    /// A pattern reference with its sigil: `$a`, `#a`, `@a`, `!a`, `$a*`.
    PatternIdent,
    /// An integer literal as written (`0x4D`, `10KB`).
    Integer,
    /// A float literal.
    Float,
    /// A `"..."` literal, quotes included.
    String,
    /// A `/.../flags` literal.
    Regex,
    /// A hex string byte: `4D`, `?A`, `~00`.
    HexByte,
    /// A binary or comparison operator: `+`, `==`, `contains`, ...
    Operator,
    /// A prefix `-` or `~`.
    UnaryOperator,
    /// The `%` of `50% of them`.
    Percent,
    /// Punctuation: `{ } ( ) [ ] , : = . .. - |`.
    Punct,
    /// `// ...` up to (not including) the end of the line.
    LineComment,
    /// `/* ... */`.
    BlockComment,
}

/// One token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it is.
    pub span: Span,
}

impl Token {
    /// Whether the token is a comment.
    #[must_use]
    pub fn is_comment(&self) -> bool {
        matches!(self.kind, TokenKind::LineComment | TokenKind::BlockComment)
    }

    /// The token's text in `source`.
    #[must_use]
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        &source[self.span.range()]
    }
}

/// Every token of a file in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    tokens: Vec<Token>,
}

impl Tokens {
    /// All tokens in source order.
    #[must_use]
    pub fn all(&self) -> &[Token] {
        &self.tokens
    }

    /// The comments, in source order.
    pub fn comments(&self) -> impl Iterator<Item = &Token> {
        self.tokens.iter().filter(|t| t.is_comment())
    }

    /// The tokens that lie wholly inside `span`.
    #[must_use]
    pub fn within(&self, span: Span) -> &[Token] {
        let start = self.tokens.partition_point(|t| t.span.start < span.start);
        let end = self.tokens.partition_point(|t| t.span.end <= span.end).max(start);
        &self.tokens[start..end]
    }

    /// Index of the first token starting at or after `offset`.
    #[must_use]
    pub fn index_at(&self, offset: u32) -> usize {
        self.tokens.partition_point(|t| t.span.start < offset)
    }

    /// Collects the tokens of a successful parse of `text`.
    pub(crate) fn from_pairs(pairs: Pairs<'_, Rule>, text: &str) -> Self {
        let mut tokens = Vec::new();
        let mut covered = 0;
        for pair in pairs.flatten() {
            let span = pair.as_span();
            let (start, end) = (span.start(), span.end());
            // A descendant of a token already taken, or an empty match.
            if start < covered || start == end {
                continue;
            }
            let kind = match token_kind(pair.as_rule()) {
                Some(kind) => kind,
                // Other rules are tokens only when they have no inner rules
                // and hold a word (`k_them`); punctuation-only ones (`()` of
                // a call) are split with the gaps.
                None if pair.clone().into_inner().next().is_none()
                    && pair.as_str().bytes().any(|b| b.is_ascii_alphanumeric()) =>
                {
                    TokenKind::Keyword
                }
                None => continue,
            };
            split_gap(text, covered, start, &mut tokens);
            tokens.push(Token { kind, span: Span::new(start, end) });
            covered = end;
        }
        split_gap(text, covered, text.len(), &mut tokens);
        Self { tokens }
    }
}

/// The kind of the grammar rules that are always one token.
fn token_kind(rule: Rule) -> Option<TokenKind> {
    Some(match rule {
        Rule::ident | Rule::rule_ref | Rule::reader_name => TokenKind::Identifier,
        Rule::pattern_ident
        | Rule::pattern_ref
        | Rule::pattern_count_id
        | Rule::pattern_offset_id
        | Rule::pattern_length_id => TokenKind::PatternIdent,
        Rule::integer => TokenKind::Integer,
        Rule::float => TokenKind::Float,
        Rule::string_lit => TokenKind::String,
        Rule::regex => TokenKind::Regex,
        Rule::hex_byte | Rule::hex_not => TokenKind::HexByte,
        rule if is_symbol_operator(rule) => TokenKind::Operator,
        Rule::op_neg | Rule::op_bitnot => TokenKind::UnaryOperator,
        Rule::percent => TokenKind::Percent,
        Rule::op_not | Rule::op_and | Rule::op_or | Rule::op_defined => TokenKind::Keyword,
        _ => return None,
    })
}

/// Whether `rule` is a binary operator written with symbols (comparison,
/// arithmetic, bitwise), as opposed to the keyword operators `and`, `or`.
pub(crate) fn is_symbol_operator(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::cmp_op
            | Rule::op_bitor
            | Rule::op_bitxor
            | Rule::op_bitand
            | Rule::op_shl
            | Rule::op_shr
            | Rule::op_add
            | Rule::op_sub
            | Rule::op_mul
            | Rule::op_div
            | Rule::op_mod
    )
}

/// Splits `text[start..end]`, which the grammar matched silently, into
/// comments and punctuation; whitespace is dropped.
fn split_gap(text: &str, start: usize, end: usize, tokens: &mut Vec<Token>) {
    let gap = &text[start..end];
    let mut at = 0;
    while let Some(c) = gap[at..].chars().next() {
        let rest = &gap[at..];
        let (kind, len) = if c.is_whitespace() {
            at += c.len_utf8();
            continue;
        } else if rest.starts_with("//") {
            (TokenKind::LineComment, rest.find('\n').unwrap_or(rest.len()))
        } else if rest.starts_with("/*") {
            (TokenKind::BlockComment, rest.find("*/").map_or(rest.len(), |i| i + 2))
        } else if rest.starts_with("..") {
            (TokenKind::Punct, 2)
        } else {
            (TokenKind::Punct, c.len_utf8())
        };
        tokens.push(Token { kind, span: Span::new(start + at, start + at + len) });
        at += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn tokens(text: &str) -> Vec<(TokenKind, String)> {
        let source = SourceFile::new("t", text);
        let (_, tokens, diagnostics) = super::super::parse_lossless(&source);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        tokens.all().iter().map(|t| (t.kind, t.text(text).to_owned())).collect()
    }

    #[test]
    fn comments_and_punctuation_are_tokens() {
        use TokenKind::*;
        let got = tokens(
            "// head\nrule r : t { /* m */ strings: $a = { 4D ~00 [1-2] 90 } // x\n \
             condition: -#a in (0..filesize) == 50 % 3 and f() }",
        );
        let want: Vec<(TokenKind, &str)> = vec![
            (LineComment, "// head"),
            (Keyword, "rule"),
            (Identifier, "r"),
            (Punct, ":"),
            (Identifier, "t"),
            (Punct, "{"),
            (BlockComment, "/* m */"),
            (Keyword, "strings"),
            (Punct, ":"),
            (PatternIdent, "$a"),
            (Punct, "="),
            (Punct, "{"),
            (HexByte, "4D"),
            (HexByte, "~00"),
            (Punct, "["),
            (Integer, "1"),
            (Punct, "-"),
            (Integer, "2"),
            (Punct, "]"),
            (HexByte, "90"),
            (Punct, "}"),
            (LineComment, "// x"),
            (Keyword, "condition"),
            (Punct, ":"),
            (UnaryOperator, "-"),
            (PatternIdent, "#a"),
            (Keyword, "in"),
            (Punct, "("),
            (Integer, "0"),
            (Punct, ".."),
            (Keyword, "filesize"),
            (Punct, ")"),
            (Operator, "=="),
            (Integer, "50"),
            (Operator, "%"),
            (Integer, "3"),
            (Keyword, "and"),
            (Identifier, "f"),
            (Punct, "("),
            (Punct, ")"),
            (Punct, "}"),
        ];
        let want: Vec<(TokenKind, std::string::String)> =
            want.into_iter().map(|(k, t)| (k, t.to_owned())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn strings_and_regexes_hide_comment_markers() {
        let got = tokens(
            "rule r { meta: a = \"// no\" strings: $a = /a\\/\\/b/i condition: 50% of them }",
        );
        let comments = got
            .iter()
            .filter(|(k, _)| matches!(k, TokenKind::LineComment | TokenKind::BlockComment))
            .count();
        assert_eq!(comments, 0, "{got:?}");
        assert!(got.contains(&(TokenKind::Regex, "/a\\/\\/b/i".to_owned())));
        assert!(got.contains(&(TokenKind::Percent, "%".to_owned())));
    }

    #[test]
    fn every_non_blank_byte_is_in_one_token() {
        let text = "import \"pe\"\nrule a { condition: pe.sections[0].name == \".text\" /* c */ }\n\
                    rule b { strings: $x = \"a\" xor(1-2) base64(\"abc\") condition: any of ($x*) and a and 7 %  2 == 1 }";
        let source = SourceFile::new("t", text);
        let (_, tokens, _) = super::super::parse_lossless(&source);
        let mut rebuilt = vec![b' '; text.len()];
        let mut last = 0;
        for t in tokens.all() {
            assert!(t.span.start as usize >= last, "tokens overlap or are out of order");
            assert_eq!(t.text(text).trim(), t.text(text), "a token holds no blanks at its ends");
            rebuilt[t.span.range()].copy_from_slice(t.text(text).as_bytes());
            last = t.span.end as usize;
        }
        let blank = |b: u8| if b.is_ascii_whitespace() { b' ' } else { b };
        let expected: Vec<u8> = text.bytes().map(blank).collect();
        assert_eq!(String::from_utf8(rebuilt).unwrap(), String::from_utf8(expected).unwrap());
    }
}
