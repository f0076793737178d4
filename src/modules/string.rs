//! The `string` module: converting a string to an integer, and its length.

use crate::modules::functions::{
    FunctionDef, FunctionModule, Overload, defined, int_arg, no_state, string_arg,
};
use crate::modules::{CallContext, Value};
use crate::types::Type;

const I: Type = Type::Integer;
const S: Type = Type::String;

/// The `string` module.
pub static STRING: FunctionModule = FunctionModule::new("string", FUNCTIONS, &[], no_state);

static FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "to_int",
        overloads: &[
            Overload { params: &[S], result: I, implementation: to_int },
            Overload { params: &[S, I], result: I, implementation: to_int_base },
        ],
    },
    FunctionDef {
        name: "length",
        overloads: &[Overload { params: &[S], result: I, implementation: length }],
    },
];

fn to_int(_: &CallContext<'_>, args: &[Value]) -> Value {
    defined(string_arg(args, 0).and_then(|s| parse_int(s, 10)))
}

fn to_int_base(_: &CallContext<'_>, args: &[Value]) -> Value {
    let base = int_arg(args, 1);
    defined(string_arg(args, 0).zip(base).and_then(|(s, b)| parse_int(s, b)))
}

fn length(_: &CallContext<'_>, args: &[Value]) -> Value {
    defined(string_arg(args, 0).and_then(|s| i64::try_from(s.len()).ok()))
}

/// `text` as an integer in `base` (2 to 36), as YARA-X reads it: an
/// optional sign and then only digits, the whole text. YARA's `strtoll`
/// also skips leading white space, reads `0x` prefixes and takes base 0 as
/// "from the prefix"; YARA-X does none of that, and neither do we.
#[must_use]
pub fn parse_int(text: &[u8], base: i64) -> Option<i64> {
    let base = u32::try_from(base).ok().filter(|b| (2..=36).contains(b))?;
    i64::from_str_radix(std::str::from_utf8(text).ok()?, base).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_from_str_radix() {
        assert_eq!(parse_int(b"-12", 10), Some(-12));
        assert_eq!(parse_int(b"+7", 10), Some(7));
        assert_eq!(parse_int(b"ff", 16), Some(255));
        assert_eq!(parse_int(b"Zz", 36), Some(35 * 36 + 35));
        assert_eq!(parse_int(b"-9223372036854775808", 10), Some(i64::MIN));
    }

    #[test]
    fn rejects_what_yara_x_rejects() {
        for (text, base) in [
            (&b"0x10"[..], 16),
            (b" 1", 10),
            (b"1 ", 10),
            (b"", 10),
            (b"-", 10),
            (b"12", 0),
            (b"12", 1),
            (b"12", 37),
            (b"12", -10),
            (b"2", 2),
            (b"9223372036854775808", 10),
            (b"\xff1", 10),
        ] {
            assert_eq!(parse_int(text, base), None, "{text:?} in base {base}");
        }
    }
}
