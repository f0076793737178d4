//! Warnings about rules that compile but cannot work as written.
//!
//! Only what can be decided from one expression is checked here, with
//! YARA-X's rule as the model: an integer reader compared for equality with
//! a constant it can never produce (`uint8(0) == 256`) is unsatisfiable
//! (W003).

use super::ir::{CmpOp, Constant, Expr};
use crate::parser::ast::IntReader;

/// The smallest and largest value a reader can produce.
#[must_use]
pub(super) fn reader_range(reader: IntReader) -> (i64, i64) {
    let bits = 8 * reader.width() as u32;
    if reader.is_signed() {
        (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
    } else {
        (0, (1i64 << bits) - 1)
    }
}

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
    let (min, max) = reader_range(reader);
    (!(min..=max).contains(&value)).then_some(reader)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(reader: IntReader) -> Expr {
        Expr::ReadInt { reader, offset: Box::new(Expr::Const(Constant::Integer(0))) }
    }

    #[test]
    fn reader_ranges_follow_width_and_sign() {
        assert_eq!(reader_range(IntReader::Uint8), (0, 255));
        assert_eq!(reader_range(IntReader::Int8be), (-128, 127));
        assert_eq!(reader_range(IntReader::Uint32), (0, 4_294_967_295));
        assert_eq!(reader_range(IntReader::Int16), (-32768, 32767));
    }

    #[test]
    fn only_equality_with_an_impossible_constant_is_flagged() {
        let c = |v| Expr::Const(Constant::Integer(v));
        let u8r = || read(IntReader::Uint8);
        assert_eq!(
            unsatisfiable_reader_equality(CmpOp::Eq, &u8r(), &c(256)),
            Some(IntReader::Uint8)
        );
        assert_eq!(
            unsatisfiable_reader_equality(CmpOp::Eq, &c(-1), &u8r()),
            Some(IntReader::Uint8)
        );
        assert_eq!(unsatisfiable_reader_equality(CmpOp::Eq, &u8r(), &c(255)), None);
        assert_eq!(unsatisfiable_reader_equality(CmpOp::Ne, &u8r(), &c(256)), None);
        assert_eq!(
            unsatisfiable_reader_equality(CmpOp::Eq, &read(IntReader::Int8), &c(200)),
            Some(IntReader::Int8)
        );
    }
}
