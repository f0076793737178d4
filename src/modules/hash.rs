//! The `hash` module: cryptographic hashes and checksums of a range of the
//! input or of a string.
//!
//! Digests are lowercase hexadecimal strings, checksums integers. Hashing
//! the same range again (many rules test `hash.md5(0, filesize)`) reads a
//! per-input cache instead of the data.

use std::sync::{Arc, OnceLock};

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::modules::cache::ResultCache;
use crate::modules::functions::{
    FunctionDef, Overload, declare, defined, exact_range, find_function, int_arg, string_arg,
};
use crate::modules::{CallContext, FunctionImpl, Module, ModuleData, Value};
use crate::types::{StructBuilder, StructType, Type};

const I: Type = Type::Integer;
const S: Type = Type::String;

/// The `hash` module.
#[derive(Debug)]
pub struct Hash;

/// The hash and checksum algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// MD5, as hex.
    Md5,
    /// SHA-1, as hex.
    Sha1,
    /// SHA-256, as hex.
    Sha256,
    /// CRC-32 (IEEE), as an integer.
    Crc32,
    /// The sum of all bytes modulo 2³², as an integer.
    Checksum32,
}

impl Algorithm {
    /// The result of the algorithm over `bytes`.
    #[must_use]
    pub fn compute(self, bytes: &[u8]) -> Value {
        match self {
            Algorithm::Md5 => Value::String(hex(&Md5::digest(bytes))),
            Algorithm::Sha1 => Value::String(hex(&Sha1::digest(bytes))),
            Algorithm::Sha256 => Value::String(hex(&Sha256::digest(bytes))),
            Algorithm::Crc32 => Value::Integer(i64::from(crc32fast::hash(bytes))),
            Algorithm::Checksum32 => {
                let sum = bytes.iter().fold(0u32, |sum, &b| sum.wrapping_add(u32::from(b)));
                Value::Integer(i64::from(sum))
            }
        }
    }
}

/// Results by algorithm and input range.
type HashCache = ResultCache<(Algorithm, i64, i64), Value>;

impl Module for Hash {
    fn name(&self) -> &'static str {
        "hash"
    }

    fn declaration(&self) -> Arc<StructType> {
        static DECLARATION: OnceLock<Arc<StructType>> = OnceLock::new();
        DECLARATION.get_or_init(|| declare(StructBuilder::new(), FUNCTIONS).build()).clone()
    }

    fn parse(&self, _data: &[u8]) -> ModuleData {
        ModuleData {
            value: Value::Struct(vec![Value::Undefined; self.declaration().fields.len()]),
            native: Some(Box::new(HashCache::default())),
        }
    }

    fn function(&self, path: &str, overload: usize) -> Option<FunctionImpl> {
        find_function(FUNCTIONS, path, overload)
    }
}

/// Declares `name(offset, size)` and `name(string)` for an algorithm.
macro_rules! hash_function {
    ($name:literal, $result:expr, $range:ident, $string:ident, $algorithm:expr) => {{
        fn $range(ctx: &CallContext<'_>, args: &[Value]) -> Value {
            hash_range(ctx, args, $algorithm)
        }
        fn $string(_: &CallContext<'_>, args: &[Value]) -> Value {
            defined(string_arg(args, 0).map(|s| $algorithm.compute(s)))
        }
        FunctionDef {
            name: $name,
            overloads: &[
                Overload { params: &[I, I], result: $result, implementation: $range },
                Overload { params: &[S], result: $result, implementation: $string },
            ],
        }
    }};
}

static FUNCTIONS: &[FunctionDef] = &[
    hash_function!("md5", S, md5_range, md5_string, Algorithm::Md5),
    hash_function!("sha1", S, sha1_range, sha1_string, Algorithm::Sha1),
    hash_function!("sha256", S, sha256_range, sha256_string, Algorithm::Sha256),
    hash_function!("checksum32", I, checksum32_range, checksum32_string, Algorithm::Checksum32),
    hash_function!("crc32", I, crc32_range, crc32_string, Algorithm::Crc32),
];

/// `algorithm` over the input range given by the (offset, size) arguments,
/// cached per input.
fn hash_range(ctx: &CallContext<'_>, args: &[Value], algorithm: Algorithm) -> Value {
    let (Some(offset), Some(size)) = (int_arg(args, 0), int_arg(args, 1)) else {
        return Value::Undefined;
    };
    let compute = || defined(exact_range(ctx.data, offset, size).map(|r| algorithm.compute(r)));
    match ctx.module.native.as_ref().and_then(|n| n.downcast_ref::<HashCache>()) {
        Some(cache) => cache.get_or_compute((algorithm, offset, size), compute),
        None => compute(),
    }
}

/// Lowercase hexadecimal digits of `bytes`.
fn hex(bytes: &[u8]) -> Vec<u8> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|&b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]).collect()
}
