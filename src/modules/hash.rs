//! The `hash` module: cryptographic hashes and checksums of a range of the
//! input or of a string.
//!
//! Digests are lowercase hexadecimal strings, checksums integers. Hashing
//! the same range again (many rules test `hash.md5(0, filesize)`) reads a
//! per-input cache instead of the data.
//!
//! A range is hashed only when it lies wholly inside the input (YARA-X's
//! rule, checked by `tests/modules_reference.rs`): a negative offset or
//! size, or an end past the end of the input, is undefined; an empty range
//! inside the input hashes the empty string. YARA differs on both edges:
//! it cuts a range at the end of the input, and makes an empty range
//! undefined.

use std::any::Any;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::matcher::deadline::Deadline;
use crate::modules::cache::ResultCache;
use crate::modules::functions::{
    FunctionDef, FunctionModule, Overload, defined, exact_range, int_arg, string_arg,
};
use crate::modules::{CallContext, Value};
use crate::types::Type;

const I: Type = Type::Integer;
const S: Type = Type::String;

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

/// Bytes hashed between two looks at the deadline: a millisecond or so.
const BYTES_PER_DEADLINE_CHECK: usize = 1 << 20;

impl Algorithm {
    /// The result of the algorithm over `bytes`.
    #[must_use]
    pub fn compute(self, bytes: &[u8]) -> Value {
        self.compute_until(bytes, &Deadline::default()).unwrap_or(Value::Undefined)
    }

    /// The result over `bytes`, or `None` when `deadline` passes first
    /// (hashing 4 GB takes seconds).
    #[must_use]
    pub fn compute_until(self, bytes: &[u8], deadline: &Deadline) -> Option<Value> {
        Some(match self {
            Algorithm::Md5 => Value::from(digest::<Md5>(bytes, deadline)?),
            Algorithm::Sha1 => Value::from(digest::<Sha1>(bytes, deadline)?),
            Algorithm::Sha256 => Value::from(digest::<Sha256>(bytes, deadline)?),
            Algorithm::Crc32 => {
                let mut hasher = crc32fast::Hasher::new();
                each_chunk(bytes, deadline, |chunk| hasher.update(chunk))?;
                Value::Integer(i64::from(hasher.finalize()))
            }
            Algorithm::Checksum32 => {
                let mut sum = 0u32;
                each_chunk(bytes, deadline, |chunk| {
                    sum = chunk.iter().fold(sum, |sum, &b| sum.wrapping_add(u32::from(b)));
                })?;
                Value::Integer(i64::from(sum))
            }
        })
    }
}

/// The hex digest of `bytes` with `D`, or `None` past the deadline.
fn digest<D: Digest>(bytes: &[u8], deadline: &Deadline) -> Option<String> {
    let mut hasher = D::new();
    each_chunk(bytes, deadline, |chunk| hasher.update(chunk))?;
    Some(hex(&hasher.finalize()))
}

/// Calls `each` with consecutive chunks of `bytes`; `None` when the
/// deadline passes before the end.
fn each_chunk(bytes: &[u8], deadline: &Deadline, mut each: impl FnMut(&[u8])) -> Option<()> {
    for chunk in bytes.chunks(BYTES_PER_DEADLINE_CHECK) {
        if deadline.passed() {
            return None;
        }
        each(chunk);
    }
    Some(())
}

/// Results by algorithm and input range.
type HashCache = ResultCache<(Algorithm, i64, i64), Value>;

/// The `hash` module; its functions cache results per input and range.
pub static HASH: FunctionModule = FunctionModule::new("hash", FUNCTIONS, &[], hash_cache);

fn hash_cache() -> Option<Box<dyn Any + Send + Sync>> {
    Some(Box::new(HashCache::default()))
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
    let compute = || {
        let range = exact_range(ctx.data, offset, size);
        defined(range.and_then(|r| algorithm.compute_until(r, ctx.deadline)))
    };
    match ctx.module.native.as_ref().and_then(|n| n.downcast_ref::<HashCache>()) {
        Some(cache) => cache.get_or_compute((algorithm, offset, size), compute),
        None => compute(),
    }
}

/// Lowercase hexadecimal digits of `bytes`, as every digest a module
/// reports is written.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|&b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testing::Harness;

    fn text(v: &Value) -> &str {
        match v {
            Value::String(s) => std::str::from_utf8(s).expect("hex"),
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn known_digests() {
        assert_eq!(text(&Algorithm::Md5.compute(b"abc")), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            text(&Algorithm::Sha1.compute(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            text(&Algorithm::Sha256.compute(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(matches!(Algorithm::Crc32.compute(b"123456789"), Value::Integer(0xcbf4_3926)));
        assert!(matches!(Algorithm::Checksum32.compute(&[255; 3]), Value::Integer(765)));
    }

    #[test]
    fn checksum32_wraps_at_32_bits() {
        let big = vec![255u8; (1 << 24) + 1];
        let expected = (255u64 * big.len() as u64) % (1 << 32);
        assert!(
            matches!(Algorithm::Checksum32.compute(&big), Value::Integer(i) if i as u64 == expected)
        );
    }

    #[test]
    fn ranges_must_lie_inside_the_input_and_are_cached() {
        let hash = Harness::new(&HASH, b"hello");
        let md5 = |offset: i64, size: i64| hash.call("md5", &[offset.into(), size.into()]);
        assert_eq!(text(&md5(0, 5)), "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(text(&md5(5, 0)), "d41d8cd98f00b204e9800998ecf8427e");
        for (offset, size) in [(0, 6), (6, 0), (-1, 1), (0, -1), (i64::MAX, i64::MAX)] {
            assert!(md5(offset, size).is_undefined(), "({offset}, {size})");
        }
        let cache = hash.parsed().native.as_ref().and_then(|n| n.downcast_ref::<HashCache>());
        assert_eq!(cache.map(ResultCache::len), Some(7));
    }

    #[test]
    fn strings_are_hashed_whole() {
        let hash = Harness::new(&HASH, b"");
        assert_eq!(text(&hash.call("md5", &["hello".into()])), "5d41402abc4b2a76b9719d911017c592");
        assert!(matches!(hash.call("checksum32", &["ab".into()]), Value::Integer(195)));
    }
}
