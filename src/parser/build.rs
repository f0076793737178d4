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

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::{
    Anchor, BinaryOp, Expr, ExprKind, HexString, HexToken, Ident, Import, Include, IntReader,
    Item, Iterable, Meta, MetaValue, Modifier, ModifierKind, NameRef, OfSet, Pattern,
    PatternSet, PatternValue, Quantifier, Range, Regex, Rule as AstRule, UnaryOp,
};
use super::grammar::Rule;
use super::literal;
use super::modifiers;
use crate::diagnostics::{Diagnostic, codes};
use crate::source::{SourceFile, Span};

/// The build stopped: the reason is already among the diagnostics.
#[derive(Debug)]
pub(super) struct Abort;

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

    /// Items of a `file` pair, in source order.
    pub(super) fn file(&self, file: Pair<'_, Rule>) -> Build<Vec<Item>> {
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
                Rule::rule_decl => items.push(Item::Rule(self.rule(pair)?)),
                _ => {}
            }
        }
        Ok(items)
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
                Rule::rule_flag => match first(part).as_rule() {
                    Rule::k_private => is_private = true,
                    _ => is_global = true,
                },
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

    // ------------------------------------------------------------ patterns

    fn pattern(&self, pair: Pair<'_, Rule>) -> Build<Pattern> {
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

    fn regex(&self, pair: Pair<'_, Rule>) -> Regex {
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
                            self.error(codes::INVALID_HEX, "`~??` matches nothing", span_of(&token));
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
            literal::integer_magnitude(p.as_str()).and_then(|n| u32::try_from(n).ok()).unwrap_or_else(
                || {
                    self.error(codes::INVALID_HEX, "jump length out of range", span_of(p));
                    0
                },
            )
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
            self.error(codes::INVALID_HEX, "unbounded jumps are not allowed inside alternatives", span);
        }
        HexToken::Jump { min, max, span }
    }

    // ------------------------------------------------------------ boolean level

    /// Refuses a run of prefix operators longer than the depth limit before
    /// the PrattParser recurses once per operator.
    fn check_prefix_runs(&self, pairs: &Pairs<'_, Rule>, is_prefix: fn(Rule) -> bool) -> Build<()> {
        let mut run = 0;
        for pair in pairs.clone() {
            if is_prefix(pair.as_rule()) {
                run += 1;
                if run >= self.max_depth {
                    return Err(self.too_deep(span_of(&pair)));
                }
            } else {
                run = 0;
            }
        }
        Ok(())
    }

    fn bool_expr(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let pairs = pair.into_inner();
        self.check_prefix_runs(&pairs, |r| matches!(r, Rule::op_not | Rule::op_defined))?;
        self.boolean
            .map_primary(|term| self.bool_term(term))
            .map_prefix(|op, operand| {
                let operand = operand?;
                let span = span_of(&op).to(operand.expr.span);
                let op = if op.as_rule() == Rule::op_not { UnaryOp::Not } else { UnaryOp::Defined };
                let height = operand.height;
                self.node(ExprKind::Unary { op, operand: Box::new(operand.expr) }, span, height)
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let is_and = op.as_rule() == Rule::op_and;
                let span = lhs.expr.span.to(rhs.expr.span);
                // A spliced-in chain lends its operands, not itself, to the
                // new node: its height counts one level less.
                let height = operand_height(&lhs, is_and).max(operand_height(&rhs, is_and));
                let mut operands = flatten(lhs.expr, is_and);
                operands.extend(flatten(rhs.expr, is_and));
                let kind = if is_and { ExprKind::And(operands) } else { ExprKind::Or(operands) };
                self.node(kind, span, height)
            })
            .parse(pairs)
    }

    fn bool_term(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::k_true => Ok(Self::leaf(ExprKind::True, span)),
            Rule::k_false => Ok(Self::leaf(ExprKind::False, span)),
            Rule::paren_bool => self.bool_expr(first(pair)),
            Rule::comparison => self.comparison(pair),
            Rule::pattern_match => self.pattern_match(pair),
            Rule::keyword_of => {
                let mut inner = pair.into_inner();
                let quantifier = match inner.next().expect("grammar: quantifier").as_rule() {
                    Rule::k_all => Quantifier::All,
                    Rule::k_any => Quantifier::Any,
                    _ => Quantifier::None,
                };
                self.of_tail(quantifier, 0, inner.next().expect("grammar: of"), span)
            }
            Rule::for_of => self.for_of(pair),
            Rule::for_in => self.for_in(pair),
            _ => self.with(pair),
        }
    }

    fn comparison(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let lhs = self.arith_expr(inner.next().expect("grammar: comparison operand"))?;
        let Some(op) = inner.next() else { return Ok(lhs) };
        let rhs = self.arith_expr(inner.next().expect("grammar: comparison operand"))?;
        let op = comparison_op(op.as_str());
        let height = lhs.height.max(rhs.height);
        let kind = ExprKind::Binary { op, lhs: Box::new(lhs.expr), rhs: Box::new(rhs.expr) };
        self.node(kind, span, height)
    }

    fn pattern_match(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let id = Self::sigil_ident(&inner.next().expect("grammar: pattern"));
        let (anchor, height) = match inner.next() {
            None => (None, 0),
            Some(keyword) => {
                let target = inner.next().expect("grammar: anchor");
                self.anchor(&keyword, target)?
            }
        };
        self.node(ExprKind::PatternMatch { id, anchor }, span, height)
    }

    /// `at e` or `in (lo..hi)`, given the keyword and what follows it.
    fn anchor(&self, keyword: &Pair<'_, Rule>, target: Pair<'_, Rule>) -> Build<(Option<Anchor>, usize)> {
        if keyword.as_rule() == Rule::k_at {
            let at = self.arith_expr(target)?;
            Ok((Some(Anchor::At(Box::new(at.expr))), at.height))
        } else {
            let (range, height) = self.range(target)?;
            Ok((Some(Anchor::In(range)), height))
        }
    }

    fn range(&self, pair: Pair<'_, Rule>) -> Build<(Range, usize)> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let lower = self.arith_expr(inner.next().expect("grammar: range"))?;
        let upper = self.arith_expr(inner.next().expect("grammar: range"))?;
        let height = lower.height.max(upper.height);
        Ok((Range { lower: Box::new(lower.expr), upper: Box::new(upper.expr), span }, height))
    }

    /// `of SET [at e | in range]` after a quantifier of the given height.
    fn of_tail(
        &self,
        quantifier: Quantifier,
        quantifier_height: usize,
        pair: Pair<'_, Rule>,
        span: Span,
    ) -> Build<Node> {
        let mut inner = pair.into_inner().skip(1);
        let set_pair = inner.next().expect("grammar: of set");
        let (set, set_height) = match set_pair.as_rule() {
            Rule::k_them => (OfSet::Patterns(PatternSet::Them(span_of(&set_pair))), 0),
            Rule::pattern_set => (OfSet::Patterns(Self::pattern_set(set_pair)), 0),
            Rule::rule_set => (OfSet::Rules(set_pair.into_inner().map(|r| Self::rule_ref(&r)).collect()), 0),
            _ => {
                let mut height = 0;
                let exprs = set_pair
                    .into_inner()
                    .map(|e| {
                        let node = self.bool_expr(e)?;
                        height = height.max(node.height);
                        Ok(node.expr)
                    })
                    .collect::<Build<_>>()?;
                (OfSet::Exprs(exprs), height)
            }
        };
        let (anchor, anchor_height) = match inner.next() {
            None => (None, 0),
            Some(keyword) => self.anchor(&keyword, inner.next().expect("grammar: anchor"))?,
        };
        let height = quantifier_height.max(set_height).max(anchor_height);
        self.node(ExprKind::Of { quantifier, set, anchor }, span, height)
    }

    fn pattern_set(pair: Pair<'_, Rule>) -> PatternSet {
        PatternSet::List(
            pair.into_inner()
                .map(|p| {
                    let text = &p.as_str()[1..];
                    let name = text.strip_suffix('*');
                    NameRef {
                        name: name.unwrap_or(text).to_owned(),
                        wildcard: name.is_some(),
                        span: span_of(&p),
                    }
                })
                .collect(),
        )
    }

    fn rule_ref(pair: &Pair<'_, Rule>) -> NameRef {
        let text = pair.as_str();
        let name = text.strip_suffix('*');
        NameRef { name: name.unwrap_or(text).to_owned(), wildcard: name.is_some(), span: span_of(pair) }
    }

    fn quantifier(&self, pair: Pair<'_, Rule>) -> Build<(Quantifier, usize)> {
        let inner = first(pair);
        Ok(match inner.as_rule() {
            Rule::k_all => (Quantifier::All, 0),
            Rule::k_any => (Quantifier::Any, 0),
            Rule::k_none => (Quantifier::None, 0),
            Rule::percent => {
                let value = self.value(first(inner))?;
                (Quantifier::Percent(Box::new(value.expr)), value.height)
            }
            _ => {
                let value = self.value(inner)?;
                (Quantifier::Count(Box::new(value.expr)), value.height)
            }
        })
    }

    fn for_of(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner().skip(1);
        let (quantifier, q_height) = self.quantifier(inner.next().expect("grammar: quantifier"))?;
        let set = inner.find(|p| matches!(p.as_rule(), Rule::k_them | Rule::pattern_set));
        let set = set.expect("grammar: for-of set");
        let patterns = if set.as_rule() == Rule::k_them {
            PatternSet::Them(span_of(&set))
        } else {
            Self::pattern_set(set)
        };
        let body = self.bool_expr(inner.next().expect("grammar: for body"))?;
        let height = q_height.max(body.height);
        let kind = ExprKind::ForOf { quantifier, patterns, body: Box::new(body.expr) };
        self.node(kind, span, height)
    }

    fn for_in(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner().skip(1);
        let (quantifier, q_height) = self.quantifier(inner.next().expect("grammar: quantifier"))?;
        let mut variables = Vec::new();
        let mut iterable = None;
        let mut body = None;
        for part in inner {
            match part.as_rule() {
                Rule::ident => variables.push(Self::ident(&part)),
                Rule::iterable => iterable = Some(self.iterable(part)?),
                Rule::bool_expr => body = Some(self.bool_expr(part)?),
                _ => {}
            }
        }
        let (iterable, i_height) = iterable.expect("grammar: iterable");
        let body = body.expect("grammar: for body");
        let height = q_height.max(i_height).max(body.height);
        let kind = ExprKind::ForIn { quantifier, variables, iterable, body: Box::new(body.expr) };
        self.node(kind, span, height)
    }

    fn iterable(&self, pair: Pair<'_, Rule>) -> Build<(Iterable, usize)> {
        let inner = first(pair);
        match inner.as_rule() {
            Rule::range => {
                let (range, height) = self.range(inner)?;
                Ok((Iterable::Range(range), height))
            }
            Rule::expr_list => {
                let mut height = 0;
                let exprs = inner
                    .into_inner()
                    .map(|e| {
                        let node = self.arith_expr(e)?;
                        height = height.max(node.height);
                        Ok(node.expr)
                    })
                    .collect::<Build<_>>()?;
                Ok((Iterable::List(exprs), height))
            }
            _ => {
                let node = self.arith_expr(inner)?;
                Ok((Iterable::Expr(Box::new(node.expr)), node.height))
            }
        }
    }

    fn with(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        let mut declarations = Vec::new();
        let mut height = 0;
        let mut body = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::with_declaration => {
                    let mut inner = part.into_inner();
                    let name = Self::ident(&inner.next().expect("grammar: with name"));
                    let value = self.arith_expr(inner.next().expect("grammar: with value"))?;
                    height = height.max(value.height);
                    declarations.push((name, value.expr));
                }
                Rule::bool_expr => body = Some(self.bool_expr(part)?),
                _ => {}
            }
        }
        let body = body.expect("grammar: with body");
        let height = height.max(body.height);
        self.node(ExprKind::With { declarations, body: Box::new(body.expr) }, span, height)
    }

    // ------------------------------------------------------------ arithmetic level

    fn arith_expr(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let pairs = pair.into_inner();
        self.check_prefix_runs(&pairs, |r| matches!(r, Rule::op_neg | Rule::op_bitnot))?;
        self.arithmetic
            .map_primary(|operand| self.arith_operand(operand))
            .map_prefix(|op, operand| {
                let operand = operand?;
                let span = span_of(&op).to(operand.expr.span);
                if op.as_rule() == Rule::op_neg
                    && let Some(min) = self.negated_minimum(&operand.expr)
                {
                    return Ok(Self::leaf(ExprKind::Integer(min), span));
                }
                let op = if op.as_rule() == Rule::op_neg { UnaryOp::Neg } else { UnaryOp::BitNot };
                let height = operand.height;
                self.node(ExprKind::Unary { op, operand: Box::new(operand.expr) }, span, height)
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let op = arithmetic_op(op.as_rule());
                let span = lhs.expr.span.to(rhs.expr.span);
                let height = lhs.height.max(rhs.height);
                let kind = ExprKind::Binary { op, lhs: Box::new(lhs.expr), rhs: Box::new(rhs.expr) };
                self.node(kind, span, height)
            })
            .parse(pairs)
    }

    /// `-9223372036854775808`: the literal alone overflows, so it was
    /// reported; negated it is `i64::MIN`, so take the report back.
    fn negated_minimum(&self, operand: &Expr) -> Option<i64> {
        let text = &self.source.text()[operand.span.range()];
        if !matches!(operand.kind, ExprKind::Integer(0)) {
            return None;
        }
        let min = literal::integer_value(text, true).filter(|&v| v == i64::MIN)?;
        let mut diagnostics = self.diagnostics.borrow_mut();
        let last = diagnostics.last()?;
        (last.code == codes::INTEGER_OVERFLOW && last.span == operand.span).then(|| diagnostics.pop())?;
        Some(min)
    }

    fn arith_operand(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let value = self.value(inner.next().expect("grammar: value"))?;
        let Some(number_of) = inner.next() else { return Ok(value) };
        let is_percent = number_of.as_str().starts_with('%');
        let quantifier = if is_percent {
            Quantifier::Percent(Box::new(value.expr))
        } else {
            Quantifier::Count(Box::new(value.expr))
        };
        self.of_tail(quantifier, value.height, first(number_of), span)
    }

    /// A primary followed by `.field`, `[index]` and `(args)`, applied left
    /// to right.
    fn value(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let mut inner = pair.into_inner();
        let mut node = self.primary(inner.next().expect("grammar: primary"))?;
        for postfix in inner {
            let span = node.expr.span.to(span_of(&postfix));
            let object = Box::new(node.expr);
            node = match postfix.as_rule() {
                Rule::field => {
                    let field = Self::ident(&first(postfix));
                    self.node(ExprKind::Field { object, field }, span, node.height)?
                }
                Rule::index => {
                    let index = self.arith_expr(first(postfix))?;
                    let height = node.height.max(index.height);
                    self.node(ExprKind::Index { object, index: Box::new(index.expr) }, span, height)?
                }
                _ => {
                    let mut height = node.height;
                    let args = postfix
                        .into_inner()
                        .map(|a| {
                            let arg = self.arith_expr(a)?;
                            height = height.max(arg.height);
                            Ok(arg.expr)
                        })
                        .collect::<Build<_>>()?;
                    self.node(ExprKind::Call { callee: object, args }, span, height)?
                }
            };
        }
        Ok(node)
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::integer => ExprKind::Integer(self.integer(&pair, false, span)),
            Rule::float => ExprKind::Float(self.float(&pair)),
            Rule::string_lit => ExprKind::String(self.string_bytes(pair)),
            Rule::regex => ExprKind::Regex(self.regex(pair)),
            Rule::k_filesize => ExprKind::Filesize,
            Rule::k_entrypoint => ExprKind::Entrypoint,
            Rule::ident => ExprKind::Ident(Self::ident(&pair)),
            Rule::paren_arith => return self.arith_expr(first(pair)),
            Rule::int_reader => {
                let mut inner = pair.into_inner();
                let name = inner.next().expect("grammar: reader").as_str();
                let reader = IntReader::from_name(name).expect("grammar: reader names");
                let offset = self.arith_expr(inner.next().expect("grammar: offset"))?;
                let height = offset.height;
                return self.node(ExprKind::ReadInt { reader, offset: Box::new(offset.expr) }, span, height);
            }
            Rule::pattern_count => {
                let mut inner = pair.into_inner();
                let id = Self::sigil_ident(&inner.next().expect("grammar: count"));
                let Some(range) = inner.nth(1) else {
                    return Ok(Self::leaf(ExprKind::PatternCount { id, range: None }, span));
                };
                let (range, height) = self.range(range)?;
                return self.node(ExprKind::PatternCount { id, range: Some(range) }, span, height);
            }
            _ => return self.pattern_offset_or_length(pair),
        };
        Ok(Self::leaf(kind, span))
    }

    /// `@a`, `@a[i]`, `!a`, `!a[i]`.
    fn pattern_offset_or_length(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        let is_offset = pair.as_rule() == Rule::pattern_offset;
        let mut inner = pair.into_inner();
        let id = Self::sigil_ident(&inner.next().expect("grammar: pattern"));
        let (index, height) = match inner.next() {
            None => (None, 0),
            Some(index) => {
                let node = self.arith_expr(index)?;
                (Some(Box::new(node.expr)), node.height)
            }
        };
        let kind = if is_offset {
            ExprKind::PatternOffset { id, index }
        } else {
            ExprKind::PatternLength { id, index }
        };
        self.node(kind, span, height)
    }
}

/// The string literal after a leading keyword (`import "pe"`).
fn first_after_keyword(pair: Pair<'_, Rule>) -> Pair<'_, Rule> {
    pair.into_inner().nth(1).expect("grammar: literal after keyword")
}

/// Height of `node` as an operand of an `and` (`is_and`) or `or` chain.
fn operand_height(node: &Node, is_and: bool) -> usize {
    match node.expr.kind {
        ExprKind::And(_) if is_and => node.height - 1,
        ExprKind::Or(_) if !is_and => node.height - 1,
        _ => node.height,
    }
}

/// Operands of an n-ary `and`/`or`: a nested chain of the same operator is
/// spliced in, so `(a and b) and c` and `a and b and c` give one tree.
fn flatten(expr: Expr, is_and: bool) -> Vec<Expr> {
    match expr.kind {
        ExprKind::And(operands) if is_and => operands,
        ExprKind::Or(operands) if !is_and => operands,
        kind => vec![Expr { kind, span: expr.span }],
    }
}

/// The comparison operator spelled `text` (the grammar admits no other).
fn comparison_op(text: &str) -> BinaryOp {
    match text {
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::Ne,
        "<=" => BinaryOp::Le,
        "<" => BinaryOp::Lt,
        ">=" => BinaryOp::Ge,
        ">" => BinaryOp::Gt,
        "contains" => BinaryOp::Contains,
        "icontains" => BinaryOp::IContains,
        "startswith" => BinaryOp::StartsWith,
        "istartswith" => BinaryOp::IStartsWith,
        "endswith" => BinaryOp::EndsWith,
        "iendswith" => BinaryOp::IEndsWith,
        "iequals" => BinaryOp::IEquals,
        _ => BinaryOp::Matches,
    }
}

fn arithmetic_op(rule: Rule) -> BinaryOp {
    match rule {
        Rule::op_bitor => BinaryOp::BitOr,
        Rule::op_bitxor => BinaryOp::BitXor,
        Rule::op_bitand => BinaryOp::BitAnd,
        Rule::op_shl => BinaryOp::Shl,
        Rule::op_shr => BinaryOp::Shr,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        _ => BinaryOp::Mod,
    }
}
