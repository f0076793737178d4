//! Conditions: the boolean and arithmetic levels, with precedence from
//! pest's PrattParser, and the height bookkeeping that bounds the tree.

use pest::iterators::{Pair, Pairs};

use super::{Abort, Build, Builder, Node, first, span_of};
use crate::diagnostics::codes;
use crate::parser::ast::{
    Anchor, BinaryOp, Expr, ExprKind, FloatReader, IntReader, Iterable, NameRef, OfSet, PatternSet,
    Quantifier, Range, UnaryOp,
};
use crate::parser::grammar::Rule;
use crate::parser::literal;
use crate::source::Span;

impl Builder<'_> {
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

    pub(super) fn bool_expr(&self, pair: Pair<'_, Rule>) -> Build<Node> {
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
            Rule::for_expr => self.for_expr(pair),
            _ => self.with(pair),
        }
    }

    fn comparison(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let lhs = self.arith_expr(inner.next().expect("grammar: comparison operand"))?;
        let Some(op) = inner.next() else { return Ok(lhs) };
        if op.as_rule() != Rule::cmp_op {
            let quantifier = if op.as_rule() == Rule::percent {
                Quantifier::Percent(Box::new(lhs.expr))
            } else {
                Quantifier::Count(Box::new(lhs.expr))
            };
            let of_tail = if op.as_rule() == Rule::percent { inner.next() } else { Some(op) };
            return self.of_tail(quantifier, lhs.height, of_tail.expect("grammar: of"), span);
        }
        let rhs = self.arith_expr(inner.next().expect("grammar: comparison operand"))?;
        self.arithmetic_operand(&lhs)?;
        self.arithmetic_operand(&rhs)?;
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
    fn anchor(
        &self,
        keyword: &Pair<'_, Rule>,
        target: Pair<'_, Rule>,
    ) -> Build<(Option<Anchor>, usize)> {
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
            Rule::rule_set => {
                (OfSet::Rules(set_pair.into_inner().map(|r| Self::rule_ref(&r)).collect()), 0)
            }
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
        NameRef {
            name: name.unwrap_or(text).to_owned(),
            wildcard: name.is_some(),
            span: span_of(pair),
        }
    }

    fn quantifier(&self, pair: Pair<'_, Rule>) -> Build<(Quantifier, usize)> {
        let mut inner = pair.into_inner();
        let head = inner.next().expect("grammar: quantifier");
        Ok(match head.as_rule() {
            Rule::k_all => (Quantifier::All, 0),
            Rule::k_any => (Quantifier::Any, 0),
            Rule::k_none => (Quantifier::None, 0),
            // A `quantity` holds the same pairs as an `arith_expr`.
            _ => {
                let count = self.arith_expr(head)?;
                let expr = Box::new(count.expr);
                let is_percent = inner.next().is_some();
                let quantifier =
                    if is_percent { Quantifier::Percent(expr) } else { Quantifier::Count(expr) };
                (quantifier, count.height)
            }
        })
    }

    fn for_expr(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner().skip(1);
        let (quantifier, q_height) = self.quantifier(inner.next().expect("grammar: quantifier"))?;
        let form = inner.next().expect("grammar: for form");
        let body = self.bool_expr(inner.next().expect("grammar: for body"))?;
        let body_height = body.height;
        let body = Box::new(body.expr);
        if form.as_rule() == Rule::for_of {
            let set = form.into_inner().nth(1).expect("grammar: for-of set");
            let patterns = if set.as_rule() == Rule::k_them {
                PatternSet::Them(span_of(&set))
            } else {
                Self::pattern_set(set)
            };
            let kind = ExprKind::ForOf { quantifier, patterns, body };
            return self.node(kind, span, q_height.max(body_height));
        }
        let mut variables = Vec::new();
        let mut iterable = None;
        for part in form.into_inner() {
            match part.as_rule() {
                Rule::ident => variables.push(Self::ident(&part)),
                Rule::iterable => iterable = Some(self.iterable(first(part))?),
                _ => {}
            }
        }
        let (iterable, i_height) = iterable.expect("grammar: iterable");
        let height = q_height.max(i_height).max(body_height);
        self.node(ExprKind::ForIn { quantifier, variables, iterable, body }, span, height)
    }

    /// What a `for ... in` iterates: a parenthesised range or list (any
    /// parenthesised expression, even of one element, is a list, as in
    /// YARA-X), or an array or dictionary expression.
    fn iterable(&self, arith: Pair<'_, Rule>) -> Build<(Iterable, usize)> {
        let Some(paren) = lone_paren(&arith) else {
            let node = self.arith_expr(arith)?;
            return Ok((Iterable::Expr(Box::new(node.expr)), node.height));
        };
        let span = span_of(&paren);
        let mut inner = paren.into_inner();
        let first_pair = inner.next().expect("grammar: parenthesised expression");
        match inner.next() {
            Some(tail) if tail.as_rule() == Rule::paren_range => {
                let lower = self.arith_operand_of(first_pair)?;
                let upper = self.arith_expr(first(tail))?;
                let height = lower.height.max(upper.height);
                let range =
                    Range { lower: Box::new(lower.expr), upper: Box::new(upper.expr), span };
                Ok((Iterable::Range(range), height))
            }
            tail => {
                let mut height = 0;
                let rest = tail.into_iter().flat_map(Pair::into_inner);
                let exprs = std::iter::once(first_pair)
                    .chain(rest)
                    .map(|e| {
                        let node = self.arith_operand_of(e)?;
                        height = height.max(node.height);
                        Ok(node.expr)
                    })
                    .collect::<Build<_>>()?;
                Ok((Iterable::List(exprs), height))
            }
        }
    }

    /// A `bool_expr` pair that must hold an arithmetic value (a list
    /// element or a range bound).
    fn arith_operand_of(&self, pair: Pair<'_, Rule>) -> Build<Node> {
        let node = self.bool_expr(pair)?;
        self.arithmetic_operand(&node)?;
        Ok(node)
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
            .map_primary(|operand| self.value(operand))
            .map_prefix(|op, operand| {
                let operand = operand?;
                self.arithmetic_operand(&operand)?;
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
                self.arithmetic_operand(&lhs)?;
                self.arithmetic_operand(&rhs)?;
                let op = arithmetic_op(op.as_rule());
                let span = lhs.expr.span.to(rhs.expr.span);
                let height = lhs.height.max(rhs.height);
                let kind =
                    ExprKind::Binary { op, lhs: Box::new(lhs.expr), rhs: Box::new(rhs.expr) };
                self.node(kind, span, height)
            })
            .parse(pairs)
    }

    /// Refuses a boolean expression (which only parentheses can bring here)
    /// as the operand of an arithmetic or comparison operator: YARA's
    /// grammar has no such expression, so neither does spoor's.
    fn arithmetic_operand(&self, operand: &Node) -> Build<()> {
        if !is_boolean(&operand.expr.kind) {
            return Ok(());
        }
        self.error(
            codes::SYNTAX,
            "syntax error: a boolean expression cannot be an operand here",
            operand.expr.span,
        );
        Err(Abort)
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
        (last.code == codes::INTEGER_OVERFLOW && last.span == operand.span)
            .then(|| diagnostics.pop())?;
        Some(min)
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
                    self.node(
                        ExprKind::Index { object, index: Box::new(index.expr) },
                        span,
                        height,
                    )?
                }
                _ => {
                    let mut height = node.height;
                    let args = postfix
                        .into_inner()
                        .map(|a| {
                            let arg = self.bool_expr(a)?;
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
            Rule::paren => {
                let mut inner = pair.into_inner();
                let expr = inner.next().expect("grammar: parenthesised expression");
                if let Some(tail) = inner.next() {
                    self.error(
                        codes::SYNTAX,
                        "syntax error: a range or list is only allowed after `in`",
                        span_of(&tail),
                    );
                    return Err(Abort);
                }
                return self.bool_expr(expr);
            }
            Rule::reader => {
                let mut inner = pair.into_inner();
                let name = inner.next().expect("grammar: reader").as_str();
                let offset = self.arith_expr(inner.next().expect("grammar: offset"))?;
                let (height, offset) = (offset.height, Box::new(offset.expr));
                let kind = match IntReader::from_name(name) {
                    Some(reader) => ExprKind::ReadInt { reader, offset },
                    None => ExprKind::ReadFloat {
                        reader: FloatReader::from_name(name).expect("grammar: reader names"),
                        offset,
                    },
                };
                return self.node(kind, span, height);
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

/// The `paren` pair of an arithmetic expression that is nothing but one
/// parenthesised primary, as `(1..3)` or `(a, b)` are.
fn lone_paren<'i>(arith: &Pair<'i, Rule>) -> Option<Pair<'i, Rule>> {
    let mut operands = arith.clone().into_inner();
    let value = operands.next().filter(|v| v.as_rule() == Rule::value)?;
    if operands.next().is_some() {
        return None;
    }
    let mut parts = value.into_inner();
    let primary = parts.next().filter(|p| p.as_rule() == Rule::paren)?;
    parts.next().is_none().then_some(primary)
}

/// Whether `kind` is an expression the grammar only admits at the boolean
/// level (identifiers are not: they may name integers).
fn is_boolean(kind: &ExprKind) -> bool {
    match kind {
        ExprKind::True
        | ExprKind::False
        | ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::Unary { op: UnaryOp::Not | UnaryOp::Defined, .. }
        | ExprKind::Of { .. }
        | ExprKind::ForOf { .. }
        | ExprKind::ForIn { .. }
        | ExprKind::With { .. }
        | ExprKind::PatternMatch { .. } => true,
        ExprKind::Binary { op, .. } => op.precedence() < COMPARISON_CEILING,
        _ => false,
    }
}

/// Binary operators below this precedence are comparisons (see
/// [`BinaryOp::precedence`]): their result is a boolean.
const COMPARISON_CEILING: u8 = 6;

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
