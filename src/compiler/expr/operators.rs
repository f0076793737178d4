//! Operators: prefix and infix, with their typing rules and folding.

use super::{ExprChecker, Typed};
use crate::compiler::ir::{ArithOp, BitOp, CmpOp, Constant, Expr, StrOp};
use crate::compiler::{fold, lints};
use crate::diagnostics::{Diagnostic, codes};
use crate::parser::ast::{self, BinaryOp, UnaryOp};
use crate::source::Span;
use crate::types::Type;

impl ExprChecker<'_> {
    pub(super) fn unary(&mut self, op: UnaryOp, operand: &ast::Expr, span: Span) -> Option<Typed> {
        match op {
            UnaryOp::Not => {
                let inner = self.boolean(operand)?;
                let expr = match inner {
                    Expr::Const(Constant::Bool(b)) => Expr::Const(Constant::Bool(!b)),
                    other => Expr::Not(Box::new(other)),
                };
                Some(Typed::new(expr, Type::Bool))
            }
            UnaryOp::Defined => {
                let inner = self.lower(operand)?;
                let expr = match inner.expr {
                    Expr::Const(_) => Expr::Const(Constant::Bool(true)),
                    other => Expr::Defined(Box::new(other)),
                };
                Some(Typed::new(expr, Type::Bool))
            }
            UnaryOp::Neg => {
                let inner = self.lower(operand)?;
                if !inner.ty.is_numeric() {
                    self.wrong_type("`float` or `integer`", &inner.ty, operand.span);
                    return None;
                }
                let folded = inner.as_const().map(fold::neg).unwrap_or(None);
                match self.folded(folded, span)? {
                    Some(c) => Some(Typed::constant(c)),
                    None => Some(Typed::new(Expr::Neg(Box::new(inner.expr)), inner.ty)),
                }
            }
            UnaryOp::BitNot => {
                let inner = self.integer(operand)?;
                match &inner {
                    Expr::Const(c) => fold::bit_not(c).map(Typed::constant),
                    _ => Some(Typed::new(Expr::BitNot(Box::new(inner)), Type::Integer)),
                }
            }
        }
    }

    pub(super) fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
    ) -> Option<Typed> {
        if op == BinaryOp::Matches {
            return self.matches(lhs, rhs);
        }
        let left = self.lower(lhs);
        let right = self.lower(rhs);
        let (left, right) = (left?, right?);
        if let Some(cmp) = comparison(op) {
            return self.compare(cmp, left, right, lhs.span, rhs.span, span);
        }
        if let Some(str_op) = string_operator(op) {
            let both = [(&left, lhs.span), (&right, rhs.span)];
            if !both.map(|(t, at)| self.expect_string(t, at)).iter().all(|ok| *ok) {
                return None;
            }
            if let (Some(a), Some(b)) = (left.as_const(), right.as_const()) {
                return fold::string_op(str_op, a, b).map(Typed::constant);
            }
            let (lhs, rhs) = (Box::new(left.expr), Box::new(right.expr));
            return Some(Typed::new(Expr::StrOp { op: str_op, lhs, rhs }, Type::Bool));
        }
        if let Some(bit_op) = bitwise(op) {
            let both = [(&left, lhs.span), (&right, rhs.span)];
            if !both.map(|(t, at)| self.expect_integer(t, at)).iter().all(|ok| *ok) {
                return None;
            }
            if matches!(bit_op, BitOp::Shl | BitOp::Shr)
                && let Some(Constant::Integer(n)) = right.as_const()
                && *n < 0
            {
                self.error(
                    codes::INVALID_VALUE,
                    format!("a shift amount can not be negative, found {n}"),
                    rhs.span,
                );
                return None;
            }
            if let (Some(a), Some(b)) = (left.as_const(), right.as_const()) {
                return fold::bitwise(bit_op, a, b).map(Typed::constant);
            }
            let (lhs, rhs) = (Box::new(left.expr), Box::new(right.expr));
            return Some(Typed::new(Expr::Bitwise { op: bit_op, lhs, rhs }, Type::Integer));
        }
        let arith_op = arithmetic(op)?;
        let (left_ok, right_ok) = if arith_op == ArithOp::Mod {
            (self.expect_integer(&left, lhs.span), self.expect_integer(&right, rhs.span))
        } else {
            (self.expect_number(&left, lhs.span), self.expect_number(&right, rhs.span))
        };
        if !(left_ok && right_ok) {
            return None;
        }
        let folded = match (left.as_const(), right.as_const()) {
            (Some(a), Some(b)) => fold::arith(arith_op, a, b),
            _ => None,
        };
        let ty = if left.ty == Type::Float || right.ty == Type::Float {
            Type::Float
        } else {
            Type::Integer
        };
        Some(match self.folded(folded, span)? {
            Some(c) => Typed::constant(c),
            None => Typed::new(
                Expr::Arith { op: arith_op, lhs: Box::new(left.expr), rhs: Box::new(right.expr) },
                ty,
            ),
        })
    }

    pub(super) fn expect_string(&mut self, t: &Typed, span: Span) -> bool {
        let ok = t.ty == Type::String;
        if !ok {
            self.wrong_type("`string`", &t.ty, span);
        }
        ok
    }

    pub(super) fn expect_integer(&mut self, t: &Typed, span: Span) -> bool {
        let ok = t.ty == Type::Integer;
        if !ok {
            self.wrong_type("`integer`", &t.ty, span);
        }
        ok
    }

    pub(super) fn expect_number(&mut self, t: &Typed, span: Span) -> bool {
        let ok = t.ty.is_numeric();
        if !ok {
            self.wrong_type("`float` or `integer`", &t.ty, span);
        }
        ok
    }

    pub(super) fn compare(
        &mut self,
        op: CmpOp,
        left: Typed,
        right: Typed,
        lhs_span: Span,
        rhs_span: Span,
        span: Span,
    ) -> Option<Typed> {
        let comparable = |t: &Type| t.is_numeric() || *t == Type::String;
        let left_ok = comparable(&left.ty);
        let right_ok = comparable(&right.ty);
        if !left_ok {
            self.wrong_type("`float`, `integer` or `string`", &left.ty, lhs_span);
        }
        if !right_ok {
            self.wrong_type("`float`, `integer` or `string`", &right.ty, rhs_span);
        }
        if !(left_ok && right_ok) {
            return None;
        }
        if left.ty.is_numeric() != right.ty.is_numeric() {
            self.error(
                codes::TYPE_MISMATCH,
                format!("mismatching types: `{}` {} `{}`", left.ty, op.symbol(), right.ty),
                span,
            );
            return None;
        }
        if let (Some(a), Some(b)) = (left.as_const(), right.as_const()) {
            return fold::compare(op, a, b).map(Typed::constant);
        }
        if let Some(reader) = lints::unsatisfiable_reader_equality(op, &left.expr, &right.expr) {
            let range = reader.range();
            let reader_span =
                if matches!(left.expr, Expr::ReadInt { .. }) { lhs_span } else { rhs_span };
            self.diags.push(Diagnostic::warning(
                codes::UNSATISFIABLE,
                format!(
                    "`{reader}` gives a value in [{}, {}]: this is always false",
                    range.start(),
                    range.end()
                ),
                self.source,
                reader_span,
            ));
        }
        let expr = Expr::Compare { op, lhs: Box::new(left.expr), rhs: Box::new(right.expr) };
        Some(Typed::new(expr, Type::Bool))
    }

    pub(super) fn matches(&mut self, lhs: &ast::Expr, rhs: &ast::Expr) -> Option<Typed> {
        let subject = self.lower(lhs);
        let regex = self.lower(rhs);
        let (subject, regex) = (subject?, regex?);
        let subject_ok = self.expect_string(&subject, lhs.span);
        let Expr::Regex(regex) = regex.expr else {
            self.wrong_type("`regexp`", &regex.ty, rhs.span);
            return None;
        };
        subject_ok.then(|| {
            Typed::new(Expr::Matches { subject: Box::new(subject.expr), regex }, Type::Bool)
        })
    }
}

fn comparison(op: BinaryOp) -> Option<CmpOp> {
    Some(match op {
        BinaryOp::Eq => CmpOp::Eq,
        BinaryOp::Ne => CmpOp::Ne,
        BinaryOp::Lt => CmpOp::Lt,
        BinaryOp::Le => CmpOp::Le,
        BinaryOp::Gt => CmpOp::Gt,
        BinaryOp::Ge => CmpOp::Ge,
        _ => return None,
    })
}

fn string_operator(op: BinaryOp) -> Option<StrOp> {
    Some(match op {
        BinaryOp::Contains => StrOp::Contains,
        BinaryOp::IContains => StrOp::IContains,
        BinaryOp::StartsWith => StrOp::StartsWith,
        BinaryOp::IStartsWith => StrOp::IStartsWith,
        BinaryOp::EndsWith => StrOp::EndsWith,
        BinaryOp::IEndsWith => StrOp::IEndsWith,
        BinaryOp::IEquals => StrOp::IEquals,
        _ => return None,
    })
}

fn bitwise(op: BinaryOp) -> Option<BitOp> {
    Some(match op {
        BinaryOp::BitAnd => BitOp::And,
        BinaryOp::BitOr => BitOp::Or,
        BinaryOp::BitXor => BitOp::Xor,
        BinaryOp::Shl => BitOp::Shl,
        BinaryOp::Shr => BitOp::Shr,
        _ => return None,
    })
}

fn arithmetic(op: BinaryOp) -> Option<ArithOp> {
    Some(match op {
        BinaryOp::Add => ArithOp::Add,
        BinaryOp::Sub => ArithOp::Sub,
        BinaryOp::Mul => ArithOp::Mul,
        BinaryOp::Div => ArithOp::Div,
        BinaryOp::Mod => ArithOp::Mod,
        _ => return None,
    })
}
