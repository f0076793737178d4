//! The `dex` module's functions: the checksum and signature the header
//! should hold, computed over the file, and lookups by binary search.
//!
//! The lookups answer as YARA-X does: strings and classes by the standard
//! binary search over lists the format keeps sorted, so on a list out of
//! order they answer what YARA-X answers rather than whether the name is
//! there; methods, which the format sorts by class first, by looking at
//! every one.

use std::sync::OnceLock;

use sha1::{Digest, Sha1};

use super::parse::{Dex, Text};
use crate::modules::functions::{FunctionDef, overload};
use crate::modules::hash::hex;
use crate::modules::{CallContext, Value};
use crate::types::Type;

/// Native data: the parsed file (none for other files) and the two
/// digests, computed at most once per file.
pub(super) struct Native {
    pub dex: Option<Dex>,
    pub checksum: OnceLock<u32>,
    pub signature: OnceLock<String>,
}

/// The functions of the `dex` module.
pub(super) static DEX_FUNCTIONS: &[FunctionDef] = &[
    FunctionDef { name: "checksum", overloads: &[overload(&[], Type::Integer, checksum)] },
    FunctionDef { name: "signature", overloads: &[overload(&[], Type::String, signature)] },
    FunctionDef {
        name: "contains_string",
        overloads: &[overload(&[Type::String], Type::Bool, contains_string)],
    },
    FunctionDef {
        name: "contains_method",
        overloads: &[overload(&[Type::String], Type::Bool, contains_method)],
    },
    FunctionDef {
        name: "contains_class",
        overloads: &[overload(&[Type::String], Type::Bool, contains_class)],
    },
];

/// Where the checksummed part of the file starts.
const CHECKSUM_FROM: usize = 12;
/// Where the signed part of the file starts.
const SIGNATURE_FROM: usize = 32;

fn native<'a>(ctx: &'a CallContext<'_>) -> Option<&'a Native> {
    ctx.module.native.as_ref()?.downcast_ref::<Native>()
}

/// Adler-32 of the file from offset 12; undefined for other files.
fn checksum(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    let Some(native) = native(ctx).filter(|n| n.dex.is_some()) else { return Value::Undefined };
    let sum = native.checksum.get_or_init(|| adler32(&ctx.data[CHECKSUM_FROM..]));
    Value::Integer(i64::from(*sum))
}

/// SHA-1 of the file from offset 32, in lowercase hex; undefined for
/// other files.
fn signature(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    let Some(native) = native(ctx).filter(|n| n.dex.is_some()) else { return Value::Undefined };
    let digest = native.signature.get_or_init(|| hex(&Sha1::digest(&ctx.data[SIGNATURE_FROM..])));
    Value::String(digest.clone().into_bytes())
}

/// Adler-32 ([RFC 1950]): two running sums modulo 65521, reduced every
/// 5552 bytes, the most that cannot overflow a `u32`.
fn adler32(data: &[u8]) -> u32 {
    const MODULUS: u32 = 65_521;
    const BLOCK: usize = 5552;
    let (mut a, mut b) = (1u32, 0u32);
    for block in data.chunks(BLOCK) {
        for &byte in block {
            a += u32::from(byte);
            b += a;
        }
        a %= MODULUS;
        b %= MODULUS;
    }
    b << 16 | a
}

/// Whether `found` says the parsed file holds the argument: false for
/// files that are not DEX, undefined for an argument that is not UTF-8
/// (YARA-X compares text).
fn lookup(ctx: &CallContext<'_>, args: &[Value], found: fn(&Dex, &[u8]) -> bool) -> Value {
    let Some(Value::String(wanted)) = args.first() else { return Value::Undefined };
    if std::str::from_utf8(wanted).is_err() {
        return Value::Undefined;
    }
    let dex = native(ctx).and_then(|n| n.dex.as_ref());
    Value::Integer(i64::from(dex.is_some_and(|dex| found(dex, wanted))))
}

/// Whether a binary search of `list` by `key` finds `wanted`.
fn binary_search<T>(list: &[T], key: fn(&T) -> &Text, wanted: &[u8]) -> bool {
    list.binary_search_by(|item| key(item).as_ref().cmp(wanted)).is_ok()
}

fn contains_string(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    lookup(ctx, args, |dex, wanted| binary_search(&dex.strings, |s| s, wanted))
}

fn contains_method(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    lookup(ctx, args, |dex, wanted| dex.methods.iter().any(|m| m.name.as_ref() == wanted))
}

fn contains_class(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    lookup(ctx, args, |dex, wanted| binary_search(&dex.classes, |c| &c.class, wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_of_known_inputs() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        let long = vec![0xff; 100_000];
        let expected = long.iter().fold((1u64, 0u64), |(a, b), &x| {
            let a = (a + u64::from(x)) % 65_521;
            (a, (b + a) % 65_521)
        });
        assert_eq!(adler32(&long), (expected.1 << 16 | expected.0) as u32);
    }
}
