//! Span erasure, so that two ASTs compare equal when they say the same
//! thing, wherever in the text they were written (the printer round trip
//! and the tests need this).

use super::ast::{
    Anchor, Expr, ExprKind, File, HexToken, Ident, Item, Iterable, NameRef, OfSet, PatternSet,
    PatternValue, Quantifier, Range,
};
use crate::source::Span;

/// Sets every span in `file` to the empty span at offset 0.
pub fn erase_spans(file: &mut File) {
    for item in &mut file.items {
        match item {
            Item::Import(import) => import.span = Span::default(),
            Item::Include(include) => include.span = Span::default(),
            Item::Rule(rule) => {
                rule.span = Span::default();
                ident(&mut rule.name);
                rule.tags.iter_mut().for_each(ident);
                for meta in &mut rule.meta {
                    meta.span = Span::default();
                    ident(&mut meta.key);
                }
                for pattern in &mut rule.patterns {
                    pattern.span = Span::default();
                    ident(&mut pattern.id);
                    pattern.modifiers.iter_mut().for_each(|m| m.span = Span::default());
                    match &mut pattern.value {
                        PatternValue::Text(_) => {}
                        PatternValue::Hex(hex) => {
                            hex.span = Span::default();
                            hex_tokens(&mut hex.tokens);
                        }
                        PatternValue::Regex(regex) => regex.span = Span::default(),
                    }
                }
                expr(&mut rule.condition);
            }
        }
    }
}

fn ident(ident: &mut Ident) {
    ident.span = Span::default();
}

fn name_refs(names: &mut [NameRef]) {
    names.iter_mut().for_each(|n| n.span = Span::default());
}

fn hex_tokens(tokens: &mut [HexToken]) {
    for token in tokens {
        match token {
            HexToken::Jump { span, .. } => *span = Span::default(),
            HexToken::Alternatives(alternatives) => {
                alternatives.iter_mut().for_each(|a| hex_tokens(a));
            }
            HexToken::Byte { .. } | HexToken::NotByte { .. } => {}
        }
    }
}

fn range(range: &mut Range) {
    range.span = Span::default();
    expr(&mut range.lower);
    expr(&mut range.upper);
}

fn anchor(anchor: &mut Option<Anchor>) {
    match anchor {
        Some(Anchor::At(at)) => expr(at),
        Some(Anchor::In(r)) => range(r),
        None => {}
    }
}

fn quantifier(quantifier: &mut Quantifier) {
    if let Quantifier::Count(e) | Quantifier::Percent(e) = quantifier {
        expr(e);
    }
}

fn pattern_set(set: &mut PatternSet) {
    match set {
        PatternSet::Them(span) => *span = Span::default(),
        PatternSet::List(names) => name_refs(names),
    }
}

fn expr(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::True
        | ExprKind::False
        | ExprKind::Integer(_)
        | ExprKind::Float(_)
        | ExprKind::String(_)
        | ExprKind::Filesize
        | ExprKind::Entrypoint => {}
        ExprKind::Regex(regex) => regex.span = Span::default(),
        ExprKind::Ident(id) => ident(id),
        ExprKind::Field { object, field } => {
            expr(object);
            ident(field);
        }
        ExprKind::Index { object, index } => {
            expr(object);
            expr(index);
        }
        ExprKind::Call { callee, args } => {
            expr(callee);
            args.iter_mut().for_each(expr);
        }
        ExprKind::ReadInt { offset, .. } | ExprKind::ReadFloat { offset, .. } => expr(offset),
        ExprKind::PatternMatch { id, anchor: a } => {
            ident(id);
            anchor(a);
        }
        ExprKind::PatternCount { id, range: r } => {
            ident(id);
            if let Some(r) = r {
                range(r);
            }
        }
        ExprKind::PatternOffset { id, index } | ExprKind::PatternLength { id, index } => {
            ident(id);
            if let Some(index) = index {
                expr(index);
            }
        }
        ExprKind::And(operands) | ExprKind::Or(operands) => operands.iter_mut().for_each(expr),
        ExprKind::Unary { operand, .. } => expr(operand),
        ExprKind::Binary { lhs, rhs, .. } => {
            expr(lhs);
            expr(rhs);
        }
        ExprKind::Of { quantifier: q, set, anchor: a } => {
            quantifier(q);
            match set {
                OfSet::Patterns(patterns) => pattern_set(patterns),
                OfSet::Rules(names) => name_refs(names),
                OfSet::Exprs(exprs) => exprs.iter_mut().for_each(expr),
            }
            anchor(a);
        }
        ExprKind::ForOf { quantifier: q, patterns, body } => {
            quantifier(q);
            pattern_set(patterns);
            expr(body);
        }
        ExprKind::ForIn { quantifier: q, variables, iterable, body } => {
            quantifier(q);
            variables.iter_mut().for_each(ident);
            match iterable {
                Iterable::Range(r) => range(r),
                Iterable::List(exprs) => exprs.iter_mut().for_each(expr),
                Iterable::Expr(e) => expr(e),
            }
            expr(body);
        }
        ExprKind::With { declarations, body } => {
            for (name, value) in declarations {
                ident(name);
                expr(value);
            }
            expr(body);
        }
    }
}
