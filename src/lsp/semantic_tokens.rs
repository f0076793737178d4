//! Semantic tokens: what each token of a document is, for highlighting
//! that knows more than a grammar of the text can.
//!
//! The parser's token stream says what a token is lexically (a keyword, a
//! string, an identifier); the AST says what an identifier names: a rule,
//! a module, a field, a module function, a variable of `with` or `for`, a
//! tag or a meta key. Rules with a syntax error are blanked by the
//! recovering parse, so they get no semantic tokens and keep the editor's
//! grammar-based highlighting.

use std::collections::{HashMap, HashSet};

use lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
};

use super::bindings::bindings;
use super::context;
use super::documents::Document;
use crate::parser::{TokenKind, ast};
use crate::source::Span;

/// What a token is, in the order of the legend's token types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Keyword,
    /// A pattern, a variable of `with` or `for`, or an external.
    Variable,
    /// A module function or an integer reader (`uint16`).
    Function,
    /// A module.
    Namespace,
    /// A module field or a meta key.
    Property,
    String,
    Number,
    Regexp,
    Comment,
    Operator,
    /// A rule name.
    Rule,
    /// A rule's tag.
    Tag,
    /// A pattern modifier (`nocase`, `xor`).
    Modifier,
}

impl Kind {
    const ALL: [Kind; 13] = [
        Kind::Keyword,
        Kind::Variable,
        Kind::Function,
        Kind::Namespace,
        Kind::Property,
        Kind::String,
        Kind::Number,
        Kind::Regexp,
        Kind::Comment,
        Kind::Operator,
        Kind::Rule,
        Kind::Tag,
        Kind::Modifier,
    ];

    fn lsp(self) -> SemanticTokenType {
        match self {
            Kind::Keyword => SemanticTokenType::KEYWORD,
            Kind::Variable => SemanticTokenType::VARIABLE,
            Kind::Function => SemanticTokenType::FUNCTION,
            Kind::Namespace => SemanticTokenType::NAMESPACE,
            Kind::Property => SemanticTokenType::PROPERTY,
            Kind::String => SemanticTokenType::STRING,
            Kind::Number => SemanticTokenType::NUMBER,
            Kind::Regexp => SemanticTokenType::REGEXP,
            Kind::Comment => SemanticTokenType::COMMENT,
            Kind::Operator => SemanticTokenType::OPERATOR,
            Kind::Rule => SemanticTokenType::CLASS,
            Kind::Tag => SemanticTokenType::DECORATOR,
            Kind::Modifier => SemanticTokenType::MODIFIER,
        }
    }
}

/// The legend's modifiers, as bits.
const DECLARATION: u32 = 1;
const DEFAULT_LIBRARY: u32 = 2;

/// The token types and modifiers the numbers of [`tokens`] index.
#[must_use]
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: Kind::ALL.iter().map(|k| k.lsp()).collect(),
        token_modifiers: vec![
            SemanticTokenModifier::DECLARATION,
            SemanticTokenModifier::DEFAULT_LIBRARY,
        ],
    }
}

/// The semantic tokens of the whole of `doc`, in the protocol's relative
/// encoding; a token over several lines (a block comment) is given one
/// token per line, as clients without multi-line support need.
#[must_use]
pub fn tokens(doc: &Document) -> SemanticTokens {
    let parsed = doc.parsed();
    let named = names(doc);
    let mut encoder = Encoder { doc, data: Vec::new(), line: 0, character: 0 };
    for token in parsed.tokens.all() {
        let found = named.get(&token.span.start).copied().or(match token.kind {
            TokenKind::Keyword => Some((Kind::Keyword, 0)),
            TokenKind::Identifier | TokenKind::PatternIdent => Some((Kind::Variable, 0)),
            TokenKind::Integer | TokenKind::Float | TokenKind::HexByte => Some((Kind::Number, 0)),
            TokenKind::String => Some((Kind::String, 0)),
            TokenKind::Regex => Some((Kind::Regexp, 0)),
            TokenKind::Operator | TokenKind::UnaryOperator | TokenKind::Percent => {
                Some((Kind::Operator, 0))
            }
            TokenKind::LineComment | TokenKind::BlockComment => Some((Kind::Comment, 0)),
            TokenKind::Punct => None,
        });
        if let Some((kind, modifiers)) = found {
            encoder.push(token.span, kind, modifiers);
        }
    }
    SemanticTokens { result_id: None, data: encoder.data }
}

/// What the tokens starting at each offset name, as far as the AST tells
/// more than the token kind does.
fn names(doc: &Document) -> HashMap<u32, (Kind, u32)> {
    let rule_names: HashSet<&str> = context::rule_names(doc.text()).into_iter().collect();
    let mut named = HashMap::new();
    for item in &doc.parsed().file.items {
        let ast::Item::Rule(rule) = item else { continue };
        named.insert(rule.name.span.start, (Kind::Rule, DECLARATION));
        for tag in &rule.tags {
            named.insert(tag.span.start, (Kind::Tag, 0));
        }
        for meta in &rule.meta {
            named.insert(meta.key.span.start, (Kind::Property, DECLARATION));
        }
        for pattern in &rule.patterns {
            named.insert(pattern.id.span.start, (Kind::Variable, DECLARATION));
            for modifier in &pattern.modifiers {
                named.insert(modifier.span.start, (Kind::Modifier, 0));
            }
        }
        // Bound names first: a loop variable called `pe` is no module.
        for binding in bindings(&rule.condition) {
            named.insert(binding.declaration.start, (Kind::Variable, DECLARATION));
            for used in binding.uses {
                named.insert(used.start, (Kind::Variable, 0));
            }
        }
        condition_names(&rule.condition, &rule_names, &mut named);
    }
    named
}

/// Adds what the identifiers of `expr` name to `named`, leaving those
/// already there (a walk sees a call before its callee's field).
fn condition_names(expr: &ast::Expr, rules: &HashSet<&str>, named: &mut HashMap<u32, (Kind, u32)>) {
    let found = match &expr.kind {
        ast::ExprKind::Call { callee, .. } => match &callee.kind {
            ast::ExprKind::Field { field, .. } => Some((field.span, Kind::Function, 0)),
            _ => None,
        },
        ast::ExprKind::Field { field, .. } => Some((field.span, Kind::Property, 0)),
        ast::ExprKind::ReadInt { .. } | ast::ExprKind::ReadFloat { .. } => {
            Some((expr.span, Kind::Function, DEFAULT_LIBRARY))
        }
        ast::ExprKind::Ident(id) if crate::modules::find(&id.name).is_some() => {
            Some((id.span, Kind::Namespace, 0))
        }
        ast::ExprKind::Ident(id) if rules.contains(id.name.as_str()) => {
            Some((id.span, Kind::Rule, 0))
        }
        ast::ExprKind::Of { set: ast::OfSet::Rules(names), .. } => {
            for name in names {
                named.entry(name.span.start).or_insert((Kind::Rule, 0));
            }
            None
        }
        _ => None,
    };
    if let Some((span, kind, modifiers)) = found {
        named.entry(span.start).or_insert((kind, modifiers));
    }
    for child in expr.children() {
        condition_names(child, rules, named);
    }
}

/// Encodes tokens relative to the one before, as the protocol asks.
struct Encoder<'d> {
    doc: &'d Document,
    data: Vec<SemanticToken>,
    /// Where the previous token starts.
    line: u32,
    character: u32,
}

impl Encoder<'_> {
    fn push(&mut self, span: Span, kind: Kind, modifiers: u32) {
        let (text, lines) = (self.doc.text(), self.doc.lines());
        let mut start = span.start as usize;
        let end = (span.end as usize).min(text.len());
        while start < end {
            let line_end = text[start..end].find('\n').map_or(end, |i| start + i);
            let piece = text[start..line_end].trim_end_matches('\r');
            let at = lines.position(text, start);
            if !piece.is_empty() {
                // Tokens come in source order; saturating keeps a bug from
                // becoming a panic.
                let delta_line = at.line.saturating_sub(self.line);
                let delta_start = if delta_line == 0 {
                    at.character.saturating_sub(self.character)
                } else {
                    at.character
                };
                self.data.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: super::position::to_u32(piece.encode_utf16().count()),
                    token_type: kind as u32,
                    token_modifiers_bitset: modifiers,
                });
                (self.line, self.character) = (at.line, at.character);
            }
            start = line_end + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `text` as (line, character, text, type) tuples.
    fn decoded(text: &str) -> Vec<(u32, u32, String, SemanticTokenType, u32)> {
        let uri = "file:///t.yar".parse().unwrap();
        let doc = Document::new(uri, 1, text.to_owned());
        let types = legend().token_types;
        let (mut line, mut character) = (0, 0);
        let lines: Vec<&str> = text.lines().collect();
        tokens(&doc)
            .data
            .iter()
            .map(|t| {
                line += t.delta_line;
                character =
                    if t.delta_line == 0 { character + t.delta_start } else { t.delta_start };
                let start = character as usize;
                let word = lines[line as usize][start..start + t.length as usize].to_owned();
                (
                    line,
                    character,
                    word,
                    types[t.token_type as usize].clone(),
                    t.token_modifiers_bitset,
                )
            })
            .collect()
    }

    #[test]
    fn the_legend_lists_the_kinds_in_the_order_tokens_number_them() {
        for (index, kind) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, index, "{kind:?}");
        }
    }

    #[test]
    fn identifiers_are_told_apart_by_what_they_name() {
        let text = "import \"pe\"\n/* two\n lines */ rule r : t {\n meta: k = 1\n strings: $a = \"x\" nocase\n condition:\n  $a and pe.is_dll() and pe.machine == uint16(0) and for any s in pe.sections : (s.name == \"x\") and r\n}";
        let found = decoded(text);
        let kind = |word: &str| {
            found
                .iter()
                .find(|t| t.2 == word)
                .map(|t| (t.3.as_str().to_owned(), t.4))
                .unwrap_or_else(|| panic!("no {word} in {found:?}"))
        };
        assert_eq!(kind("/* two"), ("comment".to_owned(), 0));
        assert_eq!(kind(" lines */"), ("comment".to_owned(), 0));
        assert_eq!(kind("r"), ("class".to_owned(), DECLARATION));
        assert_eq!(kind("t"), ("decorator".to_owned(), 0));
        assert_eq!(kind("k"), ("property".to_owned(), DECLARATION));
        assert_eq!(kind("$a"), ("variable".to_owned(), DECLARATION));
        assert_eq!(kind("nocase"), ("modifier".to_owned(), 0));
        assert_eq!(kind("pe"), ("namespace".to_owned(), 0));
        assert_eq!(kind("is_dll"), ("function".to_owned(), 0));
        assert_eq!(kind("machine"), ("property".to_owned(), 0));
        assert_eq!(kind("uint16"), ("function".to_owned(), DEFAULT_LIBRARY));
        assert_eq!(kind("s"), ("variable".to_owned(), DECLARATION));
        assert_eq!(kind("name"), ("property".to_owned(), 0));
        assert_eq!(kind("\"x\""), ("string".to_owned(), 0));
        assert_eq!(kind("=="), ("operator".to_owned(), 0));
        assert_eq!(kind("condition"), ("keyword".to_owned(), 0));
        let last = found.last().unwrap();
        assert_eq!(
            (last.2.as_str(), last.3.as_str()),
            ("r", "class"),
            "a rule used as a condition"
        );
    }
}
