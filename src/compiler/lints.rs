//! Warnings about rules that compile but cannot work as written.
//!
//! Only what can be decided from one expression is checked here, with
//! YARA-X's rule as the model: an integer reader compared for equality with
//! a constant it can never produce (`uint8(0) == 256`) is unsatisfiable
//! (W003).

use super::ir::{CmpOp, Constant, Expr, IntReader};

/// When `lhs op rhs` compares an integer reader for equality with a
/// constant out of the reader's range, that reader.
pub(super) fn unsatisfiable_reader_equality(
    op: CmpOp,
    lhs: &Expr,
    rhs: &Expr,
) -> Option<IntReader> {
    if op != CmpOp::Eq {
        return None;
    }
    let (reader, value) = match (lhs, rhs) {
        (Expr::ReadInt { reader, .. }, Expr::Const(Constant::Integer(v)))
        | (Expr::Const(Constant::Integer(v)), Expr::ReadInt { reader, .. }) => (*reader, *v),
        _ => return None,
    };
    (!reader.range().contains(&value)).then_some(reader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::IntWidth;

    const UINT8: IntReader = IntReader { width: IntWidth::Byte, signed: false, big_endian: false };
    const INT8: IntReader = IntReader { width: IntWidth::Byte, signed: true, big_endian: false };

    fn read(reader: IntReader) -> Expr {
        Expr::ReadInt { reader, offset: Box::new(Expr::Const(Constant::Integer(0))) }
    }

    #[test]
    fn only_equality_with_an_impossible_constant_is_flagged() {
        let c = |v| Expr::Const(Constant::Integer(v));
        let u8r = || read(UINT8);
        assert_eq!(unsatisfiable_reader_equality(CmpOp::Eq, &u8r(), &c(256)), Some(UINT8));
        assert_eq!(unsatisfiable_reader_equality(CmpOp::Eq, &c(-1), &u8r()), Some(UINT8));
        assert_eq!(unsatisfiable_reader_equality(CmpOp::Eq, &u8r(), &c(255)), None);
        assert_eq!(unsatisfiable_reader_equality(CmpOp::Ne, &u8r(), &c(256)), None);
        assert_eq!(unsatisfiable_reader_equality(CmpOp::Eq, &read(INT8), &c(200)), Some(INT8));
    }
}
