//! What the values of the condition language do: operators, comparisons,
//! truth, undefined, and the integer readers. One implementation, used by
//! constant folding (at compile time), evaluation (at scan time) and the
//! planning of what a rule needs before it is evaluated, so that the three
//! can never disagree about what `a \ b` or `uint16(0)` means.
//!
//! The module depends on nothing else in the crate: the IR takes its
//! operator enums from here, and the compiler and the scanner both call in,
//! which keeps the stages' dependencies one-way (parser -> compiler ->
//! scanner, with this module and [`crate::types`] beside them all).
//!
//! **Undefined.** YARA has a third value besides the defined ones: an
//! out-of-range read, a division by zero, missing module data. Here it is
//! `None`. Every operator propagates it: an undefined operand makes the
//! result undefined, and so does an operator with no value for its
//! operands (`x \ 0`). In a boolean context an undefined value is not
//! true, which is for the caller to decide ([`truth`] keeps it `None`).
//!
//! **Integers** are 64-bit and wrap, as YARA-X's do at scan time:
//! `i64::MAX + 1` is `i64::MIN`. Each arithmetic result says whether it
//! wrapped ([`Arithmetic::wrapped`]), because a constant expression that
//! overflows is a compile-time error in YARA-X while the same operation on
//! scanned data is not. `\` and `%` by zero are undefined, and so is
//! `i64::MIN \ -1` (while `i64::MIN % -1` is 0). Shifts by 64 or more give
//! 0, and a negative shift amount counts modulo 64 (only reachable at run
//! time: a negative constant amount is a compile-time error).
//!
//! **Floats** follow IEEE 754: an integer meeting a float becomes a float
//! (`1 == 1.0` holds, and so does `9007199254740993 == 9007199254740992.0`,
//! as in YARA-X), division by zero gives an infinity or NaN, and NaN equals
//! nothing, not even itself.
//!
//! **Booleans** count as 0 and 1 where a number is expected, as in YARA.
//! **Strings** are bytes, compared bytewise; the `i` operators fold the
//! case of the characters of their valid UTF-8, as YARA-X does (`"é"
//! iequals "É"` holds).

use std::cmp::Ordering;
use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// How many members of a set must be true, over the expression type of
/// the stage that holds it (the parser's, the checked IR's): the same five
/// quantifiers at every stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Quantifier<E> {
    /// `all`: every member (vacuously true on an empty set).
    All,
    /// `any`: at least one.
    Any,
    /// `none`: none of them.
    None,
    /// `n of`: at least this many.
    Count(Box<E>),
    /// `n% of`: at least this percentage (0 to 100) of the set.
    Percent(Box<E>),
}

/// A defined value of the condition language, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer.
    Integer(i64),
    /// A 64-bit float.
    Float(f64),
    /// A byte string (not necessarily UTF-8).
    String(&'a [u8]),
}

impl Scalar<'_> {
    /// The value as an integer: integers, and booleans as 0 or 1.
    #[must_use]
    pub fn integer(self) -> Option<i64> {
        match self {
            Scalar::Integer(n) => Some(n),
            Scalar::Bool(b) => Some(i64::from(b)),
            Scalar::Float(_) | Scalar::String(_) => None,
        }
    }

    /// The value as a float: floats, and integers (booleans) converted.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn float(self) -> Option<f64> {
        match self {
            Scalar::Float(x) => Some(x),
            other => other.integer().map(|n| n as f64),
        }
    }

    fn number(self) -> Option<Number> {
        match self {
            Scalar::Float(x) => Some(Number::Float(x)),
            other => other.integer().map(Number::Integer),
        }
    }
}

/// A number, the result of arithmetic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
}

impl From<Number> for Scalar<'static> {
    fn from(number: Number) -> Self {
        match number {
            Number::Integer(n) => Scalar::Integer(n),
            Number::Float(x) => Scalar::Float(x),
        }
    }
}

/// The result of an arithmetic operator on defined operands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arithmetic {
    /// The result, wrapped to 64 bits for integers.
    pub value: Number,
    /// Whether integer arithmetic overflowed to give `value`: fine at scan
    /// time, a compile-time error in a constant expression.
    pub wrapped: bool,
}

impl Arithmetic {
    fn exact(value: Number) -> Self {
        Self { value, wrapped: false }
    }

    fn integer((value, wrapped): (i64, bool)) -> Self {
        Self { value: Number::Integer(value), wrapped }
    }
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// Bitwise operators (integers only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum BitOp {
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator as written.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped: `a < b` is `b > a`.
    #[must_use]
    pub fn mirrored(self) -> Self {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            CmpOp::Eq | CmpOp::Ne => self,
        }
    }

    /// Whether the comparison holds for operands that order as `ordering`.
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            CmpOp::Eq => ordering == Ordering::Equal,
            CmpOp::Ne => ordering != Ordering::Equal,
            CmpOp::Lt => ordering == Ordering::Less,
            CmpOp::Le => ordering != Ordering::Greater,
            CmpOp::Gt => ordering == Ordering::Greater,
            CmpOp::Ge => ordering != Ordering::Less,
        }
    }

    /// The integers `x` for which `x op k` holds, as one inclusive range
    /// (an empty one when there are none); `None` for `!=`, whose
    /// solutions are not one range.
    #[must_use]
    pub fn solutions(self, k: i64) -> Option<RangeInclusive<i64>> {
        #[allow(clippy::reversed_empty_ranges)]
        let empty = 1..=0;
        Some(match self {
            CmpOp::Eq => k..=k,
            CmpOp::Ne => return None,
            CmpOp::Lt => k.checked_sub(1).map_or(empty, |hi| i64::MIN..=hi),
            CmpOp::Le => i64::MIN..=k,
            CmpOp::Gt => k.checked_add(1).map_or(empty, |lo| lo..=i64::MAX),
            CmpOp::Ge => k..=i64::MAX,
        })
    }
}

/// String operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum StrOp {
    Contains,
    StartsWith,
    EndsWith,
    IContains,
    IStartsWith,
    IEndsWith,
    IEquals,
}

/// `a op b` on numbers; undefined when an operand is undefined or not a
/// number, and for `\` or `%` by zero and `i64::MIN \ -1`. Integers meet
/// integers in 64-bit wrapping arithmetic, anything else in floats.
#[must_use]
pub fn arith(op: ArithOp, a: Option<Scalar<'_>>, b: Option<Scalar<'_>>) -> Option<Arithmetic> {
    let (a, b) = (a?.number()?, b?.number()?);
    if let (Number::Integer(x), Number::Integer(y)) = (a, b) {
        return Some(Arithmetic::integer(match op {
            ArithOp::Add => x.overflowing_add(y),
            ArithOp::Sub => x.overflowing_sub(y),
            ArithOp::Mul => x.overflowing_mul(y),
            ArithOp::Div => (x.checked_div(y)?, false),
            // `i64::MIN % -1` overflows in the machine, not in arithmetic:
            // the remainder is 0.
            ArithOp::Mod if y == 0 => return None,
            ArithOp::Mod => (x.wrapping_rem(y), false),
        }));
    }
    let (x, y) = (Scalar::from(a).float()?, Scalar::from(b).float()?);
    Some(Arithmetic::exact(Number::Float(match op {
        ArithOp::Add => x + y,
        ArithOp::Sub => x - y,
        ArithOp::Mul => x * y,
        ArithOp::Div => x / y,
        ArithOp::Mod => x % y,
    })))
}

/// `-a` on a number; `-i64::MIN` wraps to itself.
#[must_use]
pub fn negate(a: Option<Scalar<'_>>) -> Option<Arithmetic> {
    Some(match a?.number()? {
        Number::Integer(n) => Arithmetic::integer(n.overflowing_neg()),
        Number::Float(x) => Arithmetic::exact(Number::Float(-x)),
    })
}

/// `~a` on an integer.
#[must_use]
pub fn bit_not(a: Option<Scalar<'_>>) -> Option<i64> {
    a?.integer().map(|n| !n)
}

/// `a op b` on integers. A shift by 64 or more shifts every bit out; a
/// negative amount counts modulo 64, as in YARA-X.
#[must_use]
pub fn bitwise(op: BitOp, a: Option<Scalar<'_>>, b: Option<Scalar<'_>>) -> Option<i64> {
    let (a, b) = (a?.integer()?, b?.integer()?);
    // `wrapping_sh*` takes the amount modulo 64.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let amount = b as u32;
    Some(match op {
        BitOp::And => a & b,
        BitOp::Or => a | b,
        BitOp::Xor => a ^ b,
        BitOp::Shl if b < 64 => a.wrapping_shl(amount),
        BitOp::Shr if b < 64 => a.wrapping_shr(amount),
        BitOp::Shl | BitOp::Shr => 0,
    })
}

/// `a op b` on two numbers or two strings; undefined when an operand is
/// undefined or the two cannot be compared.
#[must_use]
pub fn compare(op: CmpOp, a: Option<Scalar<'_>>, b: Option<Scalar<'_>>) -> Option<bool> {
    let (a, b) = (a?, b?);
    let ordering = match (a, b) {
        (Scalar::String(x), Scalar::String(y)) => x.cmp(y),
        (Scalar::Float(_), _) | (_, Scalar::Float(_)) => {
            match a.float()?.partial_cmp(&b.float()?) {
                Some(ordering) => ordering,
                // NaN is unordered: only `!=` holds.
                None => return Some(op == CmpOp::Ne),
            }
        }
        _ => a.integer()?.cmp(&b.integer()?),
    };
    Some(op.holds(ordering))
}

/// `a op b` on two strings; undefined when an operand is undefined or not
/// a string. The `i` forms compare the strings with the case of each
/// character of their valid UTF-8 folded, as the module documentation
/// says.
#[must_use]
pub fn string_op(op: StrOp, a: Option<Scalar<'_>>, b: Option<Scalar<'_>>) -> Option<bool> {
    let (Scalar::String(a), Scalar::String(b)) = (a?, b?) else {
        return None;
    };
    Some(match op {
        StrOp::Contains => memchr::memmem::find(a, b).is_some(),
        StrOp::StartsWith => a.starts_with(b),
        StrOp::EndsWith => a.ends_with(b),
        // ASCII needs no decoding; the outcome is the same.
        StrOp::IEquals if a.is_ascii() && b.is_ascii() => a.eq_ignore_ascii_case(b),
        StrOp::IContains | StrOp::IStartsWith | StrOp::IEndsWith | StrOp::IEquals => {
            let (a, b) = (CaseFolded::new(a), CaseFolded::new(b));
            match op {
                StrOp::IStartsWith => a.starts_with(&b),
                StrOp::IEndsWith => a.ends_with(&b),
                StrOp::IEquals => a.bytes == b.bytes,
                _ => a.contains(&b),
            }
        }
    })
}

/// A string lowercased for the `i` operators, as YARA-X does it: each
/// character of its valid UTF-8 runs lowercased on its own (`K` and the
/// Kelvin sign both become `k`, `İ` becomes `i` and a combining dot, `ß`
/// stays itself; no final-sigma rule), and each invalid sequence kept as a
/// unit of its own, which only the same bytes equal. One string is inside
/// another only where it starts and ends on unit boundaries, so the lone
/// byte `\xA9` is not in `é` (`\xC3\xA9`).
struct CaseFolded {
    bytes: Vec<u8>,
    /// `boundary[i]`: whether a unit starts (or the string ends) at byte
    /// `i` of `bytes`; `bytes.len() + 1` entries.
    boundary: Vec<bool>,
}

impl CaseFolded {
    fn new(text: &[u8]) -> Self {
        let mut folded = Self { bytes: Vec::with_capacity(text.len()), boundary: Vec::new() };
        let unit = |folded: &mut Self, bytes: &[u8]| {
            folded.boundary.push(true);
            folded.boundary.extend(std::iter::repeat_n(false, bytes.len() - 1));
            folded.bytes.extend_from_slice(bytes);
        };
        for chunk in text.utf8_chunks() {
            for c in chunk.valid().chars().flat_map(char::to_lowercase) {
                unit(&mut folded, c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            if !chunk.invalid().is_empty() {
                unit(&mut folded, chunk.invalid());
            }
        }
        folded.boundary.push(true);
        folded
    }

    /// Whether `bytes[start..end]` is a run of whole units.
    fn whole(&self, start: usize, end: usize) -> bool {
        self.boundary[start] && self.boundary[end]
    }

    fn starts_with(&self, prefix: &Self) -> bool {
        self.bytes.starts_with(&prefix.bytes) && self.whole(0, prefix.bytes.len())
    }

    fn ends_with(&self, suffix: &Self) -> bool {
        let start = self.bytes.len().wrapping_sub(suffix.bytes.len());
        self.bytes.ends_with(&suffix.bytes) && self.whole(start, self.bytes.len())
    }

    fn contains(&self, needle: &Self) -> bool {
        let len = needle.bytes.len();
        memchr::memmem::find_iter(&self.bytes, &needle.bytes)
            .any(|start| self.whole(start, start + len))
    }
}

/// The truth of a value in a boolean context: non-zero numbers and
/// non-empty strings are true; undefined stays undefined (which a
/// condition then takes as false).
#[must_use]
pub fn truth(a: Option<Scalar<'_>>) -> Option<bool> {
    Some(match a? {
        Scalar::Bool(b) => b,
        Scalar::Integer(n) => n != 0,
        Scalar::Float(x) => x != 0.0,
        Scalar::String(s) => !s.is_empty(),
    })
}

/// How many bytes an integer reader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IntWidth {
    /// One byte: `int8`, `uint8`.
    Byte,
    /// Two bytes: `int16`, `uint16`.
    Half,
    /// Four bytes: `int32`, `uint32`.
    Word,
}

impl IntWidth {
    /// The width in bytes.
    #[must_use]
    pub fn bytes(self) -> usize {
        match self {
            IntWidth::Byte => 1,
            IntWidth::Half => 2,
            IntWidth::Word => 4,
        }
    }

    fn bits(self) -> u32 {
        match self {
            IntWidth::Byte => 8,
            IntWidth::Half => 16,
            IntWidth::Word => 32,
        }
    }
}

/// One of YARA's integer readers, `int8(offset)` to `uint32be(offset)`:
/// a width, a sign and a byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IntReader {
    /// How many bytes are read.
    pub width: IntWidth,
    /// Whether the value is sign-extended (`int*`) or not (`uint*`).
    pub signed: bool,
    /// Whether the bytes are big-endian (`*be`).
    pub big_endian: bool,
}

impl IntReader {
    /// The integer at `offset` of `data`; undefined when any of its bytes
    /// lies outside `data` (a negative offset, or too close to the end).
    #[must_use]
    pub fn read(self, data: &[u8], offset: i64) -> Option<i64> {
        let size = self.width.bytes();
        let start = usize::try_from(offset).ok()?;
        let bytes = data.get(start..start.checked_add(size)?)?;
        let raw = if self.big_endian {
            bytes.iter().fold(0u64, |raw, &byte| raw << 8 | u64::from(byte))
        } else {
            bytes.iter().rev().fold(0u64, |raw, &byte| raw << 8 | u64::from(byte))
        };
        let unused = 64 - self.width.bits();
        #[allow(clippy::cast_possible_wrap)]
        Some(if self.signed { ((raw << unused) as i64) >> unused } else { raw as i64 })
    }

    /// The smallest and largest value the reader can give.
    #[must_use]
    pub fn range(self) -> RangeInclusive<i64> {
        let bits = self.width.bits();
        if self.signed {
            -(1i64 << (bits - 1))..=(1i64 << (bits - 1)) - 1
        } else {
            0..=(1i64 << bits) - 1
        }
    }
}

impl fmt::Display for IntReader {
    /// The keyword, such as `uint32be`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.signed { "" } else { "u" };
        let order = if self.big_endian { "be" } else { "" };
        write!(f, "{sign}int{}{order}", self.width.bits())
    }
}

/// One of YARA-X's float readers, `float32(offset)` to `float64be(offset)`:
/// an IEEE 754 value of 4 or 8 bytes in either byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FloatReader {
    /// Whether 8 bytes are read (`float64*`) rather than 4.
    pub double: bool,
    /// Whether the bytes are big-endian (`*be`).
    pub big_endian: bool,
}

impl FloatReader {
    /// Every float reader.
    pub const ALL: [FloatReader; 4] = [
        FloatReader { double: false, big_endian: false },
        FloatReader { double: false, big_endian: true },
        FloatReader { double: true, big_endian: false },
        FloatReader { double: true, big_endian: true },
    ];

    /// The reader a keyword names (`float32be`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reader| reader.to_string() == name)
    }

    /// The float at `offset` of `data`; undefined when any of its bytes
    /// lies outside `data`. NaN and infinities are read as they are.
    #[must_use]
    pub fn read(self, data: &[u8], offset: i64) -> Option<f64> {
        let start = usize::try_from(offset).ok()?;
        let width = if self.double { 8 } else { 4 };
        let bytes = data.get(start..start.checked_add(width)?)?;
        Some(match (self.double, self.big_endian) {
            (false, false) => f64::from(f32::from_le_bytes(bytes.try_into().ok()?)),
            (false, true) => f64::from(f32::from_be_bytes(bytes.try_into().ok()?)),
            (true, false) => f64::from_le_bytes(bytes.try_into().ok()?),
            (true, true) => f64::from_be_bytes(bytes.try_into().ok()?),
        })
    }
}

impl fmt::Display for FloatReader {
    /// The keyword, such as `float32be`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bits = if self.double { 64 } else { 32 };
        let order = if self.big_endian { "be" } else { "" };
        write!(f, "float{bits}{order}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_readers_read_ieee_754_in_either_order() {
        let one_le = 1.0f32.to_le_bytes();
        let one_be = 1.0f32.to_be_bytes();
        let reader = |name| FloatReader::from_name(name).expect(name);
        assert_eq!(reader("float32").read(&one_le, 0), Some(1.0));
        assert_eq!(reader("float32be").read(&one_be, 0), Some(1.0));
        assert_eq!(reader("float64").read(&(-2.5f64).to_le_bytes(), 0), Some(-2.5));
        assert_eq!(reader("float64be").read(&(-2.5f64).to_be_bytes(), 0), Some(-2.5));
        assert_eq!(reader("float32").read(&one_le, 1), None, "past the end");
        assert_eq!(reader("float64").read(&[0; 16], -1), None, "negative offset");
        assert_eq!(FloatReader::from_name("float16"), None);
        let names: Vec<String> = FloatReader::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["float32", "float32be", "float64", "float64be"]);
    }

    fn int(n: i64) -> Option<Scalar<'static>> {
        Some(Scalar::Integer(n))
    }

    fn float(x: f64) -> Option<Scalar<'static>> {
        Some(Scalar::Float(x))
    }

    fn string(s: &[u8]) -> Option<Scalar<'_>> {
        Some(Scalar::String(s))
    }

    /// The integer result and whether it wrapped.
    fn int_arith(op: ArithOp, a: i64, b: i64) -> Option<(i64, bool)> {
        match arith(op, int(a), int(b))? {
            Arithmetic { value: Number::Integer(n), wrapped } => Some((n, wrapped)),
            other => panic!("integer arithmetic gave {other:?}"),
        }
    }

    #[test]
    fn integer_arithmetic_wraps_and_says_so() {
        assert_eq!(int_arith(ArithOp::Add, i64::MAX, 1), Some((i64::MIN, true)));
        assert_eq!(int_arith(ArithOp::Sub, i64::MIN, 1), Some((i64::MAX, true)));
        assert_eq!(int_arith(ArithOp::Mul, i64::MAX, 2), Some((-2, true)));
        assert_eq!(int_arith(ArithOp::Sub, 5, 10), Some((-5, false)));
        assert_eq!(int_arith(ArithOp::Div, -7, 2), Some((-3, false)));
        assert_eq!(int_arith(ArithOp::Mod, -7, 2), Some((-1, false)));
        let negated = negate(int(i64::MIN)).map(|r| (r.value, r.wrapped));
        assert_eq!(negated, Some((Number::Integer(i64::MIN), true)));
        assert_eq!(negate(int(5)).map(|r| r.value), Some(Number::Integer(-5)));
    }

    #[test]
    fn division_by_zero_and_min_over_minus_one_are_undefined() {
        assert_eq!(int_arith(ArithOp::Div, 1, 0), None);
        assert_eq!(int_arith(ArithOp::Mod, 1, 0), None);
        assert_eq!(int_arith(ArithOp::Div, i64::MIN, -1), None);
        // YARA-X: the remainder is 0, defined, and no overflow.
        assert_eq!(int_arith(ArithOp::Mod, i64::MIN, -1), Some((0, false)));
        // Floats divide by zero into infinities and NaN.
        let quotient = |a, b| arith(ArithOp::Div, a, b).map(|r| r.value);
        assert_eq!(quotient(float(1.0), int(0)), Some(Number::Float(f64::INFINITY)));
        assert!(matches!(quotient(float(0.0), int(0)), Some(Number::Float(x)) if x.is_nan()));
    }

    #[test]
    fn undefined_and_mistyped_operands_make_undefined_results() {
        assert_eq!(arith(ArithOp::Add, None, int(1)), None);
        assert_eq!(arith(ArithOp::Add, int(1), string(b"a")), None);
        assert_eq!(negate(None), None);
        assert_eq!(bit_not(None), None);
        assert_eq!(bitwise(BitOp::And, int(1), None), None);
        assert_eq!(bitwise(BitOp::And, int(1), float(1.0)), None);
        assert_eq!(compare(CmpOp::Eq, None, int(1)), None);
        assert_eq!(compare(CmpOp::Ne, None, None), None);
        assert_eq!(compare(CmpOp::Eq, string(b"1"), int(1)), None);
        assert_eq!(string_op(StrOp::Contains, string(b"a"), None), None);
        assert_eq!(string_op(StrOp::Contains, string(b"1"), int(1)), None);
        assert_eq!(truth(None), None);
    }

    #[test]
    fn integers_meet_floats_as_floats() {
        let sum = arith(ArithOp::Add, int(1), float(0.5)).map(|r| r.value);
        assert_eq!(sum, Some(Number::Float(1.5)));
        let quotient = arith(ArithOp::Div, int(7), float(2.0)).map(|r| r.value);
        assert_eq!(quotient, Some(Number::Float(3.5)));
        assert_eq!(compare(CmpOp::Eq, int(1), float(1.0)), Some(true));
        assert_eq!(compare(CmpOp::Lt, int(1), float(1.5)), Some(true));
        assert_eq!(compare(CmpOp::Ge, float(-0.0), int(0)), Some(true));
        // The integer is rounded to the nearest float, as YARA-X does.
        assert_eq!(
            compare(CmpOp::Eq, int(9_007_199_254_740_993), float(9.007_199_254_740_992e15)),
            Some(true)
        );
        assert_eq!(compare(CmpOp::Eq, Some(Scalar::Bool(true)), int(1)), Some(true));
    }

    #[test]
    fn nan_is_unordered() {
        let nan = float(f64::NAN);
        for op in [CmpOp::Eq, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge] {
            assert_eq!(compare(op, nan, nan), Some(false), "{op:?}");
            assert_eq!(compare(op, nan, int(1)), Some(false), "{op:?}");
        }
        assert_eq!(compare(CmpOp::Ne, nan, nan), Some(true));
        assert_eq!(truth(nan), Some(true));
    }

    #[test]
    fn strings_compare_bytewise() {
        assert_eq!(compare(CmpOp::Lt, string(b"ab"), string(b"abc")), Some(true));
        assert_eq!(compare(CmpOp::Gt, string(b"b"), string(b"abc")), Some(true));
        assert_eq!(compare(CmpOp::Lt, string(b"Z"), string(b"a")), Some(true));
        assert_eq!(compare(CmpOp::Gt, string(b"\xff"), string(b"a")), Some(true));
    }

    #[test]
    fn shifts_follow_yara_x() {
        let shift = |op, a, b| bitwise(op, int(a), int(b));
        assert_eq!(shift(BitOp::Shl, 1, 63), Some(i64::MIN));
        assert_eq!(shift(BitOp::Shl, 1, 64), Some(0));
        assert_eq!(shift(BitOp::Shl, 1, i64::MAX), Some(0));
        assert_eq!(shift(BitOp::Shl, 1, -1), Some(i64::MIN));
        assert_eq!(shift(BitOp::Shr, -8, 1), Some(-4));
        assert_eq!(shift(BitOp::Shr, -8, 64), Some(0));
        assert_eq!(shift(BitOp::Shr, 8, -1), Some(0));
        assert_eq!(shift(BitOp::Xor, 6, 3), Some(5));
        assert_eq!(bit_not(int(0)), Some(-1));
    }

    #[test]
    fn string_operators_fold_case() {
        let cases: [(StrOp, &[u8], &[u8], bool); 12] = [
            (StrOp::IContains, b"aBc", b"BC", true),
            (StrOp::Contains, b"aBc", b"BC", false),
            (StrOp::Contains, b"abc", b"", true),
            (StrOp::IContains, b"abc", b"", true),
            (StrOp::IEquals, b"aBc", b"ABC", true),
            (StrOp::IEquals, b"", b"", true),
            (StrOp::IStartsWith, b"aBc", b"AB", true),
            (StrOp::IStartsWith, b"a", b"AB", false),
            (StrOp::IEndsWith, b"aBc", b"BC", true),
            (StrOp::IEndsWith, b"c", b"BC", false),
            (StrOp::StartsWith, b"abc", b"", true),
            (StrOp::EndsWith, b"abc", b"bc", true),
        ];
        for (op, a, b, expected) in cases {
            assert_eq!(string_op(op, string(a), string(b)), Some(expected), "{a:?} {op:?} {b:?}");
        }
    }

    /// Each confirmed with YARA-X 1.23 (`with s = ... : (s op ...)`).
    #[test]
    fn case_folding_covers_unicode_and_keeps_invalid_bytes_apart() {
        let cases: [(StrOp, &[u8], &[u8], bool); 19] = [
            (StrOp::IEquals, "é".as_bytes(), "É".as_bytes(), true),
            (StrOp::IEquals, "é".as_bytes(), "è".as_bytes(), false),
            (StrOp::IEquals, "\u{212A}".as_bytes(), b"K", true),
            (StrOp::IEquals, "AΣ".as_bytes(), "aσ".as_bytes(), true),
            (StrOp::IEquals, "AΣ".as_bytes(), "aς".as_bytes(), false),
            (StrOp::IEquals, "ß".as_bytes(), b"ss", false),
            (StrOp::IContains, "\u{130}".as_bytes(), b"i", true),
            (StrOp::IStartsWith, "\u{130}".as_bytes(), "i\u{307}".as_bytes(), true),
            (StrOp::IEndsWith, "xé".as_bytes(), "É".as_bytes(), true),
            (StrOp::IContains, b"k", "\u{212A}".as_bytes(), true),
            // A byte of a character is not a unit of it.
            (StrOp::IContains, "é".as_bytes(), b"\xc3", false),
            (StrOp::IContains, "é".as_bytes(), b"\xa9", false),
            (StrOp::IEndsWith, "é".as_bytes(), b"\xa9", false),
            (StrOp::IStartsWith, "é".as_bytes(), b"\xc3", false),
            (StrOp::Contains, "é".as_bytes(), b"\xa9", true),
            // Invalid bytes equal only themselves; the text around folds.
            (StrOp::IEquals, b"\xa9", b"\x89", false),
            (StrOp::IEquals, b"A\xffB", b"a\xffb", true),
            (StrOp::IContains, b"A\xffB", b"\xffb", true),
            (StrOp::IContains, b"\xa9\xc3\xa9", "É".as_bytes(), true),
        ];
        for (op, a, b, expected) in cases {
            assert_eq!(string_op(op, string(a), string(b)), Some(expected), "{a:?} {op:?} {b:?}");
        }
    }

    #[test]
    fn truth_of_each_kind() {
        assert_eq!(truth(int(-1)), Some(true));
        assert_eq!(truth(int(0)), Some(false));
        assert_eq!(truth(float(0.0)), Some(false));
        assert_eq!(truth(float(-0.0)), Some(false));
        assert_eq!(truth(string(b"")), Some(false));
        assert_eq!(truth(string(b"\0")), Some(true));
        assert_eq!(truth(Some(Scalar::Bool(false))), Some(false));
    }

    #[test]
    fn solutions_of_integer_comparisons() {
        assert_eq!(CmpOp::Lt.solutions(10), Some(i64::MIN..=9));
        assert_eq!(CmpOp::Ge.solutions(10), Some(10..=i64::MAX));
        assert_eq!(CmpOp::Eq.solutions(7), Some(7..=7));
        assert_eq!(CmpOp::Ne.solutions(7), None);
        assert!(CmpOp::Lt.solutions(i64::MIN).is_some_and(|r| r.is_empty()));
        assert!(CmpOp::Gt.solutions(i64::MAX).is_some_and(|r| r.is_empty()));
        for op in [CmpOp::Eq, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge] {
            for x in [-2, 0, 3, 5, 8] {
                let solved = op.solutions(3).is_some_and(|r| r.contains(&x));
                assert_eq!(Some(solved), compare(op, int(x), int(3)), "{x} {op:?} 3");
                let mirrored = compare(op.mirrored(), int(3), int(x));
                assert_eq!(Some(solved), mirrored, "3 {:?} {x}", op.mirrored());
            }
        }
    }

    const fn reader(width: IntWidth, signed: bool, big_endian: bool) -> IntReader {
        IntReader { width, signed, big_endian }
    }

    #[test]
    fn readers_cover_sign_and_byte_order() {
        use IntWidth::{Byte, Half, Word};
        let data = [0xFE, 0xFF, 0x01, 0x80];
        assert_eq!(reader(Byte, true, false).read(&data, 0), Some(-2));
        assert_eq!(reader(Byte, false, false).read(&data, 0), Some(0xFE));
        assert_eq!(reader(Half, true, false).read(&data, 0), Some(-2));
        assert_eq!(reader(Half, false, true).read(&data, 0), Some(0xFEFF));
        assert_eq!(reader(Word, false, false).read(&data, 0), Some(0x8001_FFFE));
        assert_eq!(reader(Word, true, false).read(&data, 0), Some(-0x7FFE_0002));
        assert_eq!(reader(Word, true, true).read(&data, 0), Some(-0x0100_FE80));
        assert_eq!(reader(Word, false, true).read(&data, 0), Some(0xFEFF_0180));
    }

    #[test]
    fn readers_are_undefined_past_either_end() {
        use IntWidth::{Byte, Half, Word};
        let data = [1, 2, 3, 4];
        assert_eq!(reader(Byte, false, false).read(&data, 3), Some(4));
        assert_eq!(reader(Byte, false, false).read(&data, 4), None);
        assert_eq!(reader(Half, false, false).read(&data, 2), Some(0x0403));
        assert_eq!(reader(Half, false, false).read(&data, 3), None);
        assert_eq!(reader(Word, false, true).read(&data, 0), Some(0x0102_0304));
        assert_eq!(reader(Word, false, true).read(&data, 1), None);
        assert_eq!(reader(Byte, false, false).read(&data, -1), None);
        assert_eq!(reader(Word, true, false).read(&data, i64::MAX), None);
        assert_eq!(reader(Byte, false, false).read(&[], 0), None);
    }

    #[test]
    fn reader_bounds_and_names() {
        use IntWidth::{Byte, Half, Word};
        assert_eq!(reader(Byte, false, false).range(), 0..=255);
        assert_eq!(reader(Byte, true, true).range(), -128..=127);
        assert_eq!(reader(Half, true, false).range(), -32768..=32767);
        assert_eq!(reader(Word, false, false).range(), 0..=4_294_967_295);
        assert_eq!(reader(Word, true, false).range(), -2_147_483_648..=2_147_483_647);
        assert_eq!(reader(Word, false, true).to_string(), "uint32be");
        assert_eq!(reader(Byte, true, false).to_string(), "int8");
        // Every value a reader gives lies in its range.
        for r in [reader(Byte, true, false), reader(Half, false, true), reader(Word, true, true)] {
            for data in [[0u8; 4], [0xFF; 4], [0x80, 0, 0, 0x80], [0x7F, 0xFF, 0xFF, 0x7F]] {
                let value = r.read(&data, 0).unwrap();
                assert!(r.range().contains(&value), "{r} read {value}");
            }
        }
    }
}
