//! Constant folding: computing operators whose operands are all known at
//! compile time, with the operators of [`crate::semantics`], the same ones
//! evaluation runs.
//!
//! Folding adds one rule of its own, YARA-X's: integer arithmetic that
//! wraps in a constant expression (`9223372036854775807 + 1`) is an error
//! ([`Overflow`]) instead of a value. An operation whose result is
//! undefined (`1 \ 0`) is left for run time, where it yields undefined as
//! it would have on scanned data.

use super::ir::{ArithOp, BitOp, CmpOp, Constant, StrOp};
use crate::semantics::{self, Arithmetic};

/// A constant integer expression whose result does not fit in 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Overflow;

/// What folding an operator gives: `None` when the result is only known at
/// run time (it is undefined there).
type Folded = Option<Result<Constant, Overflow>>;

fn checked(result: Option<Arithmetic>) -> Folded {
    let result = result?;
    Some(if result.wrapped { Err(Overflow) } else { Ok(result.value.into()) })
}

/// `-c`.
pub(super) fn neg(c: &Constant) -> Folded {
    checked(semantics::negate(Some(c.scalar())))
}

/// `~c`.
pub(super) fn bit_not(c: &Constant) -> Option<Constant> {
    semantics::bit_not(Some(c.scalar())).map(Constant::Integer)
}

/// `a op b` on numbers.
pub(super) fn arith(op: ArithOp, a: &Constant, b: &Constant) -> Folded {
    checked(semantics::arith(op, Some(a.scalar()), Some(b.scalar())))
}

/// `a op b` on integers.
pub(super) fn bitwise(op: BitOp, a: &Constant, b: &Constant) -> Option<Constant> {
    semantics::bitwise(op, Some(a.scalar()), Some(b.scalar())).map(Constant::Integer)
}

/// `a op b` on two numbers or two strings.
pub(super) fn compare(op: CmpOp, a: &Constant, b: &Constant) -> Option<Constant> {
    semantics::compare(op, Some(a.scalar()), Some(b.scalar())).map(Constant::Bool)
}

/// `a op b` on two strings.
pub(super) fn string_op(op: StrOp, a: &Constant, b: &Constant) -> Option<Constant> {
    semantics::string_op(op, Some(a.scalar()), Some(b.scalar())).map(Constant::Bool)
}

/// The truth of a constant in a boolean context.
pub(super) fn truthiness(c: &Constant) -> bool {
    semantics::truth(Some(c.scalar())) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i64) -> Constant {
        Constant::Integer(i)
    }

    #[test]
    fn wrapping_is_an_overflow_and_undefined_is_left_for_run_time() {
        assert_eq!(arith(ArithOp::Add, &int(i64::MAX), &int(1)), Some(Err(Overflow)));
        assert_eq!(arith(ArithOp::Mul, &int(i64::MAX), &int(2)), Some(Err(Overflow)));
        assert_eq!(neg(&int(i64::MIN)), Some(Err(Overflow)));
        assert_eq!(arith(ArithOp::Div, &int(7), &int(0)), None);
        assert_eq!(arith(ArithOp::Mod, &int(7), &int(0)), None);
        // YARA-X: undefined, not an overflow error; and a remainder of 0.
        assert_eq!(arith(ArithOp::Div, &int(i64::MIN), &int(-1)), None);
        assert_eq!(arith(ArithOp::Mod, &int(i64::MIN), &int(-1)), Some(Ok(int(0))));
        assert_eq!(arith(ArithOp::Div, &int(7), &int(2)), Some(Ok(int(3))));
    }

    #[test]
    fn constants_fold_with_the_shared_operators() {
        assert_eq!(
            arith(ArithOp::Div, &int(5), &Constant::Float(2.0)),
            Some(Ok(Constant::Float(2.5)))
        );
        assert_eq!(bitwise(BitOp::Shl, &int(1), &int(64)), Some(int(0)));
        assert_eq!(bit_not(&int(0)), Some(int(-1)));
        let s = |t: &str| Constant::String(t.as_bytes().into());
        assert_eq!(string_op(StrOp::IContains, &s("Hello"), &s("LL")), Some(Constant::Bool(true)));
        assert_eq!(compare(CmpOp::Lt, &s("a"), &s("b")), Some(Constant::Bool(true)));
        assert_eq!(compare(CmpOp::Eq, &s("a"), &int(1)), None);
        assert!(!truthiness(&s("")));
        assert!(truthiness(&int(-1)));
    }
}
