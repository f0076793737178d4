//! Constant folding: computing operators whose operands are all known at
//! compile time.
//!
//! Folding follows YARA-X: integer arithmetic that overflows in a constant
//! expression is an error (`9223372036854775807 + 1`), while a division or
//! remainder by a constant zero is left for run time, where it yields
//! YARA's undefined value. Shifts never overflow: shifting by 64 or more
//! gives 0, as at run time.

use super::ir::{ArithOp, BitOp, CmpOp, Constant, StrOp};

/// Why a constant expression could not be folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FoldError {
    /// The result does not fit in a 64-bit signed integer.
    Overflow,
    /// A shift by a negative amount.
    NegativeShift,
}

/// `-c`. `None` when `c` is not a number.
pub(super) fn neg(c: &Constant) -> Option<Result<Constant, FoldError>> {
    match c {
        Constant::Integer(i) => {
            Some(i.checked_neg().map(Constant::Integer).ok_or(FoldError::Overflow))
        }
        Constant::Float(f) => Some(Ok(Constant::Float(-f))),
        _ => None,
    }
}

/// `~c` on an integer.
pub(super) fn bit_not(c: &Constant) -> Option<Constant> {
    match c {
        Constant::Integer(i) => Some(Constant::Integer(!i)),
        _ => None,
    }
}

/// `a op b` on numbers. `None` when the result is only known at run time
/// (division by zero) or the operands are not numbers.
pub(super) fn arith(
    op: ArithOp,
    a: &Constant,
    b: &Constant,
) -> Option<Result<Constant, FoldError>> {
    match (a, b) {
        (Constant::Integer(x), Constant::Integer(y)) => {
            if matches!(op, ArithOp::Div | ArithOp::Mod) && *y == 0 {
                return None;
            }
            let result = match op {
                ArithOp::Add => x.checked_add(*y),
                ArithOp::Sub => x.checked_sub(*y),
                ArithOp::Mul => x.checked_mul(*y),
                ArithOp::Div => x.checked_div(*y),
                ArithOp::Mod => x.checked_rem(*y),
            };
            Some(result.map(Constant::Integer).ok_or(FoldError::Overflow))
        }
        _ => {
            let (x, y) = (as_float(a)?, as_float(b)?);
            let value = match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div => x / y,
                ArithOp::Mod => return None,
            };
            Some(Ok(Constant::Float(value)))
        }
    }
}

/// `a op b` on integers.
pub(super) fn bitwise(
    op: BitOp,
    a: &Constant,
    b: &Constant,
) -> Option<Result<Constant, FoldError>> {
    let (Constant::Integer(x), Constant::Integer(y)) = (a, b) else {
        return None;
    };
    let value = match op {
        BitOp::And => x & y,
        BitOp::Or => x | y,
        BitOp::Xor => x ^ y,
        BitOp::Shl | BitOp::Shr if *y < 0 => return Some(Err(FoldError::NegativeShift)),
        BitOp::Shl => u32::try_from(*y).ok().and_then(|s| x.checked_shl(s)).unwrap_or(0),
        BitOp::Shr => u32::try_from(*y).ok().and_then(|s| x.checked_shr(s)).unwrap_or(0),
    };
    Some(Ok(Constant::Integer(value)))
}

/// `a op b` on two numbers or two strings.
pub(super) fn compare(op: CmpOp, a: &Constant, b: &Constant) -> Option<Constant> {
    let ordering = match (a, b) {
        (Constant::Integer(x), Constant::Integer(y)) => x.cmp(y),
        (Constant::String(x), Constant::String(y)) => x.cmp(y),
        _ => match as_float(a)?.partial_cmp(&as_float(b)?) {
            Some(ordering) => ordering,
            // NaN equals nothing, not even itself.
            None => return Some(Constant::Bool(op == CmpOp::Ne)),
        },
    };
    Some(Constant::Bool(op.holds(ordering)))
}

/// `a op b` on two strings.
pub(super) fn string_op(op: StrOp, a: &Constant, b: &Constant) -> Option<Constant> {
    let (Constant::String(x), Constant::String(y)) = (a, b) else {
        return None;
    };
    let (x, y) = match op {
        StrOp::IContains | StrOp::IStartsWith | StrOp::IEndsWith | StrOp::IEquals => {
            (x.to_ascii_lowercase(), y.to_ascii_lowercase())
        }
        _ => (x.to_vec(), y.to_vec()),
    };
    let holds = match op {
        StrOp::Contains | StrOp::IContains => {
            y.is_empty() || x.windows(y.len()).any(|w| w == y.as_slice())
        }
        StrOp::StartsWith | StrOp::IStartsWith => x.starts_with(&y),
        StrOp::EndsWith | StrOp::IEndsWith => x.ends_with(&y),
        StrOp::IEquals => x == y,
    };
    Some(Constant::Bool(holds))
}

/// The truth value YARA gives a constant in a boolean context: non-zero
/// numbers and non-empty strings are true.
pub(super) fn truthiness(c: &Constant) -> bool {
    match c {
        Constant::Bool(b) => *b,
        Constant::Integer(i) => *i != 0,
        Constant::Float(f) => *f != 0.0,
        Constant::String(s) => !s.is_empty(),
    }
}

#[allow(clippy::cast_precision_loss)]
fn as_float(c: &Constant) -> Option<f64> {
    match c {
        Constant::Integer(i) => Some(*i as f64),
        Constant::Float(f) => Some(*f),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i64) -> Constant {
        Constant::Integer(i)
    }

    #[test]
    fn integer_overflow_is_an_error_and_division_by_zero_is_left_alone() {
        assert_eq!(arith(ArithOp::Add, &int(i64::MAX), &int(1)), Some(Err(FoldError::Overflow)));
        assert_eq!(arith(ArithOp::Mul, &int(i64::MAX), &int(2)), Some(Err(FoldError::Overflow)));
        assert_eq!(arith(ArithOp::Div, &int(i64::MIN), &int(-1)), Some(Err(FoldError::Overflow)));
        assert_eq!(arith(ArithOp::Div, &int(7), &int(0)), None);
        assert_eq!(arith(ArithOp::Mod, &int(7), &int(0)), None);
        assert_eq!(arith(ArithOp::Div, &int(7), &int(2)), Some(Ok(int(3))));
        assert_eq!(arith(ArithOp::Sub, &int(5), &int(10)), Some(Ok(int(-5))));
        assert_eq!(neg(&int(i64::MIN)), Some(Err(FoldError::Overflow)));
    }

    #[test]
    fn floats_promote_integers() {
        assert_eq!(
            arith(ArithOp::Div, &int(5), &Constant::Float(2.0)),
            Some(Ok(Constant::Float(2.5)))
        );
        assert_eq!(compare(CmpOp::Eq, &int(1), &Constant::Float(1.0)), Some(Constant::Bool(true)));
        let nan = Constant::Float(f64::NAN);
        assert_eq!(compare(CmpOp::Eq, &nan, &nan), Some(Constant::Bool(false)));
        assert_eq!(compare(CmpOp::Ne, &nan, &int(1)), Some(Constant::Bool(true)));
    }

    #[test]
    fn shifts_past_the_width_give_zero_and_negative_shifts_fail() {
        assert_eq!(bitwise(BitOp::Shl, &int(1), &int(64)), Some(Ok(int(0))));
        assert_eq!(bitwise(BitOp::Shr, &int(1), &int(65)), Some(Ok(int(0))));
        assert_eq!(bitwise(BitOp::Shl, &int(1), &int(4)), Some(Ok(int(16))));
        assert_eq!(bitwise(BitOp::Shl, &int(1), &int(-1)), Some(Err(FoldError::NegativeShift)));
    }

    #[test]
    fn string_operators_fold() {
        let s = |t: &str| Constant::String(t.as_bytes().into());
        assert_eq!(string_op(StrOp::IContains, &s("Hello"), &s("LL")), Some(Constant::Bool(true)));
        assert_eq!(string_op(StrOp::EndsWith, &s("Hello"), &s("x")), Some(Constant::Bool(false)));
        assert_eq!(compare(CmpOp::Lt, &s("a"), &s("b")), Some(Constant::Bool(true)));
        assert!(!truthiness(&s("")));
        assert!(truthiness(&int(-1)));
    }
}
