//! pest pairs to the AST.
//!
//! The grammar guarantees the shape of the pairs, so this module only walks
//! them, decodes literals (reporting bad ones without stopping) and applies
//! operator precedence with pest's [`PrattParser`].
//!
//! Depth: the lexical pre-scan (`depth.rs`) bounds bracket nesting, which
//! bounds this module's recursion. Trees also grow deep without brackets
//! (`not not not ...`, `a + a + a ...`, `a.b.c.d ...`), so every expression
//! node records its height, and a node higher than the limit aborts the
//! build with `E006`: no later pass ever sees a tree deeper than the limit.

use std::cell::RefCell;
use std::sync::Arc;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::{Expr, ExprKind, Ident, Import, Include, Item, Meta, MetaValue, Rule as AstRule};
use super::grammar::Rule;
use super::literal;
use crate::diagnostics::{Diagnostic, codes};
use crate::source::{SourceFile, Span};

mod condition;
mod patterns;

/// The build of a rule stopped: the reason is already among the diagnostics.
#[derive(Debug)]
struct Abort;

type Build<T> = Result<T, Abort>;

/// An expression with the height of its tree (a leaf has height 1).
struct Node {
    expr: Expr,
    height: usize,
}

/// Turns the pairs of one file into AST items, collecting diagnostics.
pub(super) struct Builder<'a> {
    source: &'a Arc<SourceFile>,
    max_depth: usize,
    diagnostics: RefCell<Vec<Diagnostic>>,
    boolean: PrattParser<Rule>,
    arithmetic: PrattParser<Rule>,
}

/// The span of `pair` without trailing whitespace and comments, which
/// pest includes when an optional part after them did not match.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let span = pair.as_span();
    let text = span.as_str();
    Span::new(span.start(), span.start() + trim_trivia(text).len())
}

/// `text` without trailing whitespace, `/* */` comments and `//` comments.
fn trim_trivia(mut text: &str) -> &str {
    loop {
        let trimmed = text.trim_end();
        let trimmed = match trimmed.strip_suffix("*/").and_then(|t| t.rfind("/*")) {
            Some(open) => &trimmed[..open],
            None => line_comment_removed(trimmed),
        };
        if trimmed.len() == text.len() {
            return text;
        }
        text = trimmed;
    }
}

/// `text` without a `//` comment on its last line, found by skipping the
/// line's string literals, regexes and block comments.
fn line_comment_removed(text: &str) -> &str {
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    let bytes = &text.as_bytes()[line_start..];
    if memchr::memmem::find(bytes, b"//").is_none() {
        return text;
    }
    let skip_past = |from: usize, end: u8| {
        let mut i = from;
        while i < bytes.len() && bytes[i] != end {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        i + 1
    };
    let mut i = 0;
    while i < bytes.len() {
        i = match (bytes[i], bytes.get(i + 1)) {
            (b'/', Some(b'/')) => return &text[..line_start + i],
            (b'/', Some(b'*')) => {
                memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |e| i + e + 4)
            }
            (b'/', _) => skip_past(i + 1, b'/'),
            (b'"', _) => skip_past(i + 1, b'"'),
            _ => i + 1,
        };
    }
    text
}

/// The first inner pair; the grammar guarantees there is one.
fn first<'i>(pair: Pair<'i, Rule>) -> Pair<'i, Rule> {
    pair.into_inner().next().expect("grammar guarantees an inner pair")
}

impl<'a> Builder<'a> {
    pub(super) fn new(source: &'a Arc<SourceFile>, max_depth: usize) -> Self {
        // Lowest precedence first, as PrattParser wants; see
        // `BinaryOp::precedence` for the same table.
        let boolean = PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::prefix(Rule::op_not) | Op::prefix(Rule::op_defined));
        let arithmetic = PrattParser::new()
            .op(Op::infix(Rule::op_bitor, Assoc::Left))
            .op(Op::infix(Rule::op_bitxor, Assoc::Left))
            .op(Op::infix(Rule::op_bitand, Assoc::Left))
            .op(Op::infix(Rule::op_shl, Assoc::Left) | Op::infix(Rule::op_shr, Assoc::Left))
            .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
            .op(Op::infix(Rule::op_mul, Assoc::Left)
                | Op::infix(Rule::op_div, Assoc::Left)
                | Op::infix(Rule::op_mod, Assoc::Left))
            .op(Op::prefix(Rule::op_neg) | Op::prefix(Rule::op_bitnot));
        Self { source, max_depth, diagnostics: RefCell::new(Vec::new()), boolean, arithmetic }
    }

    /// The diagnostics collected so far.
    pub(super) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics.into_inner()
    }

    fn error(&self, code: &'static str, message: impl Into<String>, span: Span) {
        self.diagnostics.borrow_mut().push(Diagnostic::error(code, message, self.source, span));
    }

    fn too_deep(&self, span: Span) -> Abort {
        self.error(
            codes::TOO_DEEP,
            format!("expression nested deeper than the limit of {}", self.max_depth),
            span,
        );
        Abort
    }

    /// A node over children of the given heights, refused when too high.
    fn node(&self, kind: ExprKind, span: Span, child_height: usize) -> Build<Node> {
        let height = child_height + 1;
        if height > self.max_depth {
            return Err(self.too_deep(span));
        }
        Ok(Node { expr: Expr { kind, span }, height })
    }

    fn leaf(kind: ExprKind, span: Span) -> Node {
        Node { expr: Expr { kind, span }, height: 1 }
    }

    // ------------------------------------------------------------ file

    /// Items of a `file` pair, in source order. A rule whose build was
    /// aborted (too deep, a boolean operand) is left out; its diagnostic
    /// says why, and the other rules are still built and checked.
    pub(super) fn file(&self, file: Pair<'_, Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for pair in file.into_inner() {
            match pair.as_rule() {
                Rule::import => {
                    let span = span_of(&pair);
                    let module = self.string_text(first_after_keyword(pair));
                    items.push(Item::Import(Import { module, span }));
                }
                Rule::include => {
                    let span = span_of(&pair);
                    let path = self.string_text(first_after_keyword(pair));
                    items.push(Item::Include(Include { path, span }));
                }
                Rule::rule_decl => {
                    if let Ok(rule) = self.rule(pair) {
                        items.push(Item::Rule(rule));
                    }
                }
                _ => {}
            }
        }
        items
    }

    fn ident(pair: &Pair<'_, Rule>) -> Ident {
        Ident { name: pair.as_str().to_owned(), span: span_of(pair) }
    }

    /// A sigil-prefixed identifier (`$a`, `#a`, `@a`, `!a`) without its sigil.
    fn sigil_ident(pair: &Pair<'_, Rule>) -> Ident {
        Ident { name: pair.as_str()[1..].to_owned(), span: span_of(pair) }
    }

    fn rule(&self, pair: Pair<'_, Rule>) -> Build<AstRule> {
        let span = span_of(&pair);
        let (mut is_private, mut is_global) = (false, false);
        let mut name = None;
        let mut tags = Vec::new();
        let mut meta = Vec::new();
        let mut patterns = Vec::new();
        let mut condition = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::private_flag => is_private = true,
                Rule::global_flag => is_global = true,
                Rule::ident => name = Some(Self::ident(&part)),
                Rule::tags => tags = part.into_inner().map(|t| Self::ident(&t)).collect(),
                Rule::meta_section => {
                    meta = part
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::meta_entry)
                        .map(|p| self.meta_entry(p))
                        .collect();
                }
                Rule::strings_section => {
                    patterns = part
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::pattern_decl)
                        .map(|p| self.pattern(p))
                        .collect::<Build<_>>()?;
                }
                Rule::condition_section => {
                    let expr = part.into_inner().find(|p| p.as_rule() == Rule::bool_expr);
                    condition = Some(self.bool_expr(expr.expect("grammar: condition"))?.expr);
                }
                _ => {}
            }
        }
        Ok(AstRule {
            is_private,
            is_global,
            name: name.expect("grammar: rule name"),
            tags,
            meta,
            patterns,
            condition: condition.expect("grammar: condition"),
            span,
        })
    }

    // ------------------------------------------------------------ literals

    /// Decodes a `string_lit` pair, reporting bad escapes (E002).
    fn string_bytes(&self, pair: Pair<'_, Rule>) -> Vec<u8> {
        let body = first(pair);
        let start = body.as_span().start();
        literal::unescape(body.as_str()).unwrap_or_else(|bad| {
            for escape in bad {
                let text = &body.as_str()[escape.offset..escape.offset + escape.len];
                let at = start + escape.offset;
                self.error(
                    codes::INVALID_ESCAPE,
                    format!("invalid escape sequence `{text}`"),
                    Span::new(at, at + escape.len),
                );
            }
            Vec::new()
        })
    }

    /// A decoded string literal used as a name (import, include).
    fn string_text(&self, pair: Pair<'_, Rule>) -> String {
        String::from_utf8_lossy(&self.string_bytes(pair)).into_owned()
    }

    /// An `integer` pair's value, reporting overflow (E005) as 0.
    fn integer(&self, pair: &Pair<'_, Rule>, negative: bool, span: Span) -> i64 {
        literal::integer_value(pair.as_str(), negative).unwrap_or_else(|| {
            self.error(codes::INTEGER_OVERFLOW, "integer literal out of range", span);
            0
        })
    }

    fn float(&self, pair: &Pair<'_, Rule>) -> f64 {
        // The grammar admits only `digits.digits`, which always parses.
        pair.as_str().parse().unwrap_or_else(|_| {
            self.error(codes::SYNTAX, "malformed float literal", span_of(pair));
            0.0
        })
    }

    fn meta_entry(&self, pair: Pair<'_, Rule>) -> Meta {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let key = Self::ident(&inner.next().expect("grammar: meta key"));
        let value = inner.next().expect("grammar: meta value");
        let value = match value.as_rule() {
            Rule::string_lit => MetaValue::String(self.string_bytes(value)),
            Rule::k_true => MetaValue::Bool(true),
            Rule::k_false => MetaValue::Bool(false),
            _ => {
                let negative = value.as_str().starts_with('-');
                let number_span = span_of(&value);
                let number = first(value);
                if number.as_rule() == Rule::float {
                    let magnitude = self.float(&number);
                    MetaValue::Float(if negative { -magnitude } else { magnitude })
                } else {
                    MetaValue::Integer(self.integer(&number, negative, number_span))
                }
            }
        };
        Meta { key, value, span }
    }
}

/// The string literal after a leading keyword (`import "pe"`).
fn first_after_keyword(pair: Pair<'_, Rule>) -> Pair<'_, Rule> {
    pair.into_inner().nth(1).expect("grammar: literal after keyword")
}
