//! The `string` module: converting a string to an integer, and its length.

use std::sync::{Arc, OnceLock};

use crate::modules::functions::{
    FunctionDef, Overload, declare, defined, find_function, int_arg, string_arg,
};
use crate::modules::{CallContext, FunctionImpl, Module, ModuleData, Value};
use crate::types::{StructBuilder, StructType, Type};

const I: Type = Type::Integer;
const S: Type = Type::String;

/// The `string` module.
#[derive(Debug)]
pub struct StringModule;

impl Module for StringModule {
    fn name(&self) -> &'static str {
        "string"
    }

    fn declaration(&self) -> Arc<StructType> {
        static DECLARATION: OnceLock<Arc<StructType>> = OnceLock::new();
        DECLARATION.get_or_init(|| declare(StructBuilder::new(), FUNCTIONS).build()).clone()
    }

    fn parse(&self, _data: &[u8]) -> ModuleData {
        ModuleData {
            value: Value::Struct(vec![Value::Undefined; self.declaration().fields.len()]),
            native: None,
        }
    }

    fn function(&self, path: &str, overload: usize) -> Option<FunctionImpl> {
        find_function(FUNCTIONS, path, overload)
    }
}

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
    defined(string_arg(args, 0).and_then(|s| parse_int(s, 0)))
}

fn to_int_base(_: &CallContext<'_>, args: &[Value]) -> Value {
    let base = int_arg(args, 1).and_then(|b| u32::try_from(b).ok());
    defined(string_arg(args, 0).zip(base).and_then(|(s, b)| parse_int(s, b)))
}

fn length(_: &CallContext<'_>, args: &[Value]) -> Value {
    defined(string_arg(args, 0).and_then(|s| i64::try_from(s.len()).ok()))
}

/// `text` as an integer in `base`, like C's `strtoll`: leading white space,
/// an optional sign, for base 16 an optional `0x`, and for base 0 the base
/// taken from the prefix (`0x` hex, `0` octal, else decimal). Undefined
/// unless the whole text is consumed, the base is 0 or 2..=36, and the
/// value fits in 64 bits.
#[must_use]
pub fn parse_int(text: &[u8], base: u32) -> Option<i64> {
    if base == 1 || base > 36 {
        return None;
    }
    let text = text.trim_ascii_start();
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let has_hex_prefix = text.len() > 2
        && text[0] == b'0'
        && text[1].eq_ignore_ascii_case(&b'x')
        && text[2].is_ascii_hexdigit();
    let (base, digits) = match base {
        0 if has_hex_prefix => (16, &text[2..]),
        0 if text.first() == Some(&b'0') => (8, text),
        0 => (10, text),
        16 if has_hex_prefix => (16, &text[2..]),
        b => (b, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: i128 = 0;
    for &d in digits {
        let digit = char::from(d).to_digit(base)?;
        magnitude = magnitude * i128::from(base) + i128::from(digit);
        if magnitude > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}
