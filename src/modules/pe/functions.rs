//! The `pe` module's functions.
//!
//! They read the [`ParsedPe`] kept as the module's native data. For inputs
//! that are not PE files YARA-X still answers some of them (`imports`,
//! `exports`, `locale` and `language` are false or 0, `rich_signature`
//! counts are 0); the others are undefined. Both behaviours are kept.

use md5::{Digest, Md5};
use regex_automata::meta::Regex;

use super::headers::{offset_to_rva, rva_to_offset};
use super::imports::{Function, Import};
use super::parsed::ParsedPe;
use crate::modules::functions::{FunctionDef, overload};
use crate::modules::hash::hex;
use crate::modules::{CallContext, Value};
use crate::types::Type;

/// `IMPORT_STANDARD`.
const IMPORT_STANDARD: i64 = 1;
/// `IMPORT_DELAYED`.
const IMPORT_DELAYED: i64 = 2;

const I: Type = Type::Integer;
const S: Type = Type::String;
const B: Type = Type::Bool;
const R: Type = Type::Regex;

/// The functions at the root of the `pe` module.
pub(super) static PE_FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "is_32bit",
        overloads: &[overload(&[], B, |c, _| magic_is(c, super::headers::OPTIONAL_HDR32_MAGIC))],
    },
    FunctionDef {
        name: "is_64bit",
        overloads: &[overload(&[], B, |c, _| magic_is(c, super::headers::OPTIONAL_HDR64_MAGIC))],
    },
    FunctionDef {
        name: "is_dll",
        overloads: &[overload(&[], B, |c, _| {
            with_pe(c, |pe| boolean(pe.file.characteristics & 0x2000 != 0))
        })],
    },
    FunctionDef { name: "rva_to_offset", overloads: &[overload(&[I], I, rva_to_offset_fn)] },
    FunctionDef { name: "offset_to_rva", overloads: &[overload(&[I], I, offset_to_rva_fn)] },
    FunctionDef { name: "calculate_checksum", overloads: &[overload(&[], I, calculate_checksum)] },
    FunctionDef {
        name: "section_index",
        overloads: &[
            overload(&[S], I, section_index_by_name),
            overload(&[I], I, section_index_by_offset),
        ],
    },
    FunctionDef { name: "imphash", overloads: &[overload(&[], S, imphash)] },
    FunctionDef {
        name: "imports",
        overloads: &[
            overload(&[S], I, |c, a| imports(c, IMPORT_STANDARD, &a[0], None, false)),
            overload(&[S, S], B, |c, a| imports(c, IMPORT_STANDARD, &a[0], Some(&a[1]), true)),
            overload(&[S, I], I, |c, a| imports(c, IMPORT_STANDARD, &a[0], Some(&a[1]), false)),
            overload(&[R, R], I, |c, a| imports(c, IMPORT_STANDARD, &a[0], Some(&a[1]), false)),
            overload(&[I, S], I, |c, a| imports(c, int(&a[0]), &a[1], None, false)),
            overload(&[I, S, S], B, |c, a| imports(c, int(&a[0]), &a[1], Some(&a[2]), true)),
            overload(&[I, S, I], B, |c, a| imports(c, int(&a[0]), &a[1], Some(&a[2]), true)),
            overload(&[I, R, R], I, |c, a| imports(c, int(&a[0]), &a[1], Some(&a[2]), false)),
        ],
    },
    FunctionDef {
        name: "import_rva",
        overloads: &[
            overload(&[S, S], I, |c, a| import_rva(c, false, a)),
            overload(&[S, I], I, |c, a| import_rva(c, false, a)),
        ],
    },
    FunctionDef {
        name: "delayed_import_rva",
        overloads: &[
            overload(&[S, S], I, |c, a| import_rva(c, true, a)),
            overload(&[S, I], I, |c, a| import_rva(c, true, a)),
        ],
    },
    FunctionDef {
        name: "exports",
        overloads: &[
            overload(&[S], B, exports_any),
            overload(&[I], B, exports_any),
            overload(&[R], B, exports_any),
        ],
    },
    FunctionDef {
        name: "exports_index",
        overloads: &[
            overload(&[S], I, exports_index),
            overload(&[I], I, exports_index),
            overload(&[R], I, exports_index),
        ],
    },
    FunctionDef {
        name: "locale",
        overloads: &[overload(&[I], B, |c, a| resource_language(c, &a[0], 0xffff))],
    },
    FunctionDef {
        name: "language",
        overloads: &[overload(&[I], B, |c, a| resource_language(c, &a[0], 0xff))],
    },
];

/// The functions of `pe.rich_signature`.
pub(super) static RICH_FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "version",
        overloads: &[
            overload(&[I], I, |c, a| rich_count(c, None, Some(int(&a[0])))),
            overload(&[I, I], I, |c, a| rich_count(c, Some(int(&a[1])), Some(int(&a[0])))),
        ],
    },
    FunctionDef {
        name: "toolid",
        overloads: &[
            overload(&[I], I, |c, a| rich_count(c, Some(int(&a[0])), None)),
            overload(&[I, I], I, |c, a| rich_count(c, Some(int(&a[0])), Some(int(&a[1])))),
        ],
    },
];

fn exports_any(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    exports(ctx, &args[0]).map_or(Value::Integer(0), |_| boolean(true))
}

fn exports_index(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    exports(ctx, &args[0]).map_or(Value::Undefined, int_value)
}

/// The parsed file, if the input is a PE.
fn parsed<'a>(ctx: &'a CallContext<'_>) -> Option<&'a ParsedPe> {
    ctx.module.native.as_ref()?.downcast_ref::<ParsedPe>()
}

fn with_pe(ctx: &CallContext<'_>, f: impl FnOnce(&ParsedPe) -> Value) -> Value {
    parsed(ctx).map_or(Value::Undefined, f)
}

fn boolean(b: bool) -> Value {
    Value::Integer(i64::from(b))
}

fn int_value(n: usize) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// An integer argument (the checker guarantees the type).
fn int(v: &Value) -> i64 {
    match v {
        Value::Integer(i) => *i,
        _ => 0,
    }
}

fn magic_is(ctx: &CallContext<'_>, magic: u16) -> Value {
    with_pe(ctx, |pe| boolean(pe.optional.magic == magic))
}

fn rva_to_offset_fn(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    with_pe(ctx, |pe| {
        let Ok(rva) = u32::try_from(int(&args[0])) else { return Value::Undefined };
        let o = &pe.optional;
        rva_to_offset(rva, &pe.sections, o.file_alignment, o.section_alignment)
            .map_or(Value::Undefined, |x| Value::Integer(x.into()))
    })
}

fn offset_to_rva_fn(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    with_pe(ctx, |pe| {
        let Ok(offset) = u32::try_from(int(&args[0])) else { return Value::Undefined };
        let o = &pe.optional;
        offset_to_rva(offset, &pe.sections, o.file_alignment, o.section_alignment)
            .map_or(Value::Undefined, |x| Value::Integer(x.into()))
    })
}

/// The PE checksum as the loader computes it: a 16-bit one's-complement
/// sum of the file as little-endian words (the stored checksum excluded),
/// plus the file size. Summing 32-bit words and folding gives the same
/// result; the stored checksum is subtracted instead of skipped.
fn calculate_checksum(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    with_pe(ctx, |pe| {
        let sum = *pe.checksum.get_or_init(|| checksum(ctx.data, pe.optional.checksum));
        Value::Integer(sum.into())
    })
}

fn checksum(data: &[u8], stored: u32) -> u32 {
    let mut sum: u32 = 0;
    let mut carry = false;
    let mut add = |word: u32| {
        let (s1, c1) = sum.overflowing_add(word);
        let (s2, c2) = s1.overflowing_add(u32::from(carry));
        sum = s2;
        carry = c1 || c2;
    };
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        add(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // A trailing u16 and/or byte are read as such: zero padding.
        let mut word = [0u8; 4];
        word[..rest.len().min(2)].copy_from_slice(&rest[..rest.len().min(2)]);
        add(u32::from_le_bytes(word));
        if rest.len() == 3 {
            add(u32::from(rest[2]));
        }
    }
    let (mut sum, borrow) = sum.overflowing_sub(stored);
    if borrow {
        sum = sum.wrapping_sub(1);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum += sum >> 16;
    sum &= 0xffff;
    sum.wrapping_add(data.len() as u32)
}

fn section_index_by_name(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    let Value::String(name) = &args[0] else { return Value::Undefined };
    with_pe(ctx, |pe| {
        pe.sections.iter().position(|s| &s.name == name).map_or(Value::Undefined, int_value)
    })
}

fn section_index_by_offset(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    with_pe(ctx, |pe| {
        let Ok(offset) = u32::try_from(int(&args[0])) else { return Value::Undefined };
        let offset = u64::from(offset);
        pe.sections
            .iter()
            .position(|s| {
                let start = u64::from(s.raw_data_offset);
                (start..start + u64::from(s.raw_data_size)).contains(&offset)
            })
            .map_or(Value::Undefined, int_value)
    })
}

/// The import hash: MD5 of `dll.function` pairs of the standard imports,
/// lowercase, DLL extensions `.dll`, `.sys` and `.ocx` removed, joined
/// with commas. Computed once per file.
fn imphash(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    with_pe(ctx, |pe| {
        let hash = pe.imphash.get_or_init(|| {
            let mut md5 = Md5::new();
            let mut first = true;
            for import in &pe.imports {
                let dll = trim_library_extension(&import.library_name).to_lowercase();
                for function in &import.functions {
                    if !first {
                        md5.update(b",");
                    }
                    first = false;
                    md5.update(dll.as_bytes());
                    md5.update(b".");
                    md5.update(function.name.as_deref().unwrap_or_default().to_lowercase());
                }
            }
            hex(&md5.finalize())
        });
        Value::String(hash.as_bytes().to_vec())
    })
}

fn trim_library_extension(name: &str) -> &str {
    for ext in [".dll", ".sys", ".ocx"] {
        if name.len() >= ext.len() && name.is_char_boundary(name.len() - ext.len()) {
            let (stem, tail) = name.split_at(name.len() - ext.len());
            if tail.eq_ignore_ascii_case(ext) {
                return stem;
            }
        }
    }
    name
}

/// Does `name` match a name criterion: a string (ASCII case-insensitive)
/// or a regular expression?
fn name_matches(criterion: &Value, name: &[u8]) -> bool {
    match criterion {
        Value::String(expected) => expected.eq_ignore_ascii_case(name),
        Value::Regex(regex) => regex_matches(regex, name),
        _ => false,
    }
}

fn regex_matches(regex: &Regex, haystack: &[u8]) -> bool {
    regex.is_match(haystack)
}

/// Does a function match a criterion: a name, regex or ordinal?
fn function_matches(criterion: &Value, f: &Function) -> bool {
    match criterion {
        Value::Integer(ordinal) => f.ordinal.is_some_and(|o| i64::from(o) == *ordinal),
        _ => f.name.as_deref().is_some_and(|n| name_matches(criterion, n.as_bytes())),
    }
}

/// Counts imported functions matching `dll` and `function` (any if
/// `None`) in the tables `flags` selects; a boolean when `as_bool`.
fn imports(
    ctx: &CallContext<'_>,
    flags: i64,
    dll: &Value,
    function: Option<&Value>,
    as_bool: bool,
) -> Value {
    let count_in = |list: &[Import]| -> usize {
        list.iter()
            .filter(|i| name_matches(dll, i.library_name.as_bytes()))
            .map(|i| {
                i.functions
                    .iter()
                    .filter(|f| function.is_none_or(|c| function_matches(c, f)))
                    .count()
            })
            .sum()
    };
    let total = parsed(ctx).map_or(0, |pe| {
        let mut total = 0;
        if flags & IMPORT_STANDARD != 0 {
            total += count_in(&pe.imports);
        }
        if flags & IMPORT_DELAYED != 0 {
            total += count_in(&pe.delayed_imports);
        }
        total
    });
    if as_bool { boolean(total > 0) } else { int_value(total) }
}

fn import_rva(ctx: &CallContext<'_>, delayed: bool, args: &[Value]) -> Value {
    with_pe(ctx, |pe| {
        let list = if delayed { &pe.delayed_imports } else { &pe.imports };
        list.iter()
            .filter(|i| name_matches(&args[0], i.library_name.as_bytes()))
            .find_map(|i| i.functions.iter().find(|f| function_matches(&args[1], f)))
            .map_or(Value::Undefined, |f| Value::Integer(f.rva.into()))
    })
}

/// Position of the first export matching a name, regex or ordinal.
fn exports(ctx: &CallContext<'_>, criterion: &Value) -> Option<usize> {
    let exports = parsed(ctx)?.exports.as_ref()?;
    exports.functions.iter().position(|e| match criterion {
        Value::Integer(ordinal) => i64::from(e.ordinal) == *ordinal,
        _ => e.name.as_deref().is_some_and(|n| name_matches(criterion, n.as_bytes())),
    })
}

fn resource_language(ctx: &CallContext<'_>, wanted: &Value, mask: u32) -> Value {
    let Ok(wanted) = u32::try_from(int(wanted)) else { return boolean(false) };
    let found = parsed(ctx).is_some_and(|pe| {
        pe.resources.iter().any(
            |r| matches!(r.language, super::resources::ResourceId::Id(l) if l & mask == wanted),
        )
    });
    boolean(found)
}

/// Sum of `times` over rich header records matching the tool id and
/// version given (0 without a rich header).
fn rich_count(ctx: &CallContext<'_>, toolid: Option<i64>, version: Option<i64>) -> Value {
    let total: i64 = parsed(ctx).and_then(|pe| pe.rich.as_ref()).map_or(0, |rich| {
        rich.tools
            .iter()
            .filter(|t| toolid.is_none_or(|id| id == i64::from(t.toolid)))
            .filter(|t| version.is_none_or(|v| v == i64::from(t.version)))
            .map(|t| i64::from(t.times))
            .sum()
    });
    Value::Integer(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_extensions_are_trimmed_case_insensitively() {
        assert_eq!(trim_library_extension("KERNEL32.DLL"), "KERNEL32");
        assert_eq!(trim_library_extension("x.ocx"), "x");
        assert_eq!(trim_library_extension("dll"), "dll");
        assert_eq!(trim_library_extension("é.dll"), "é");
    }

    #[test]
    fn checksum_pads_the_tail() {
        // Words 0x0201 and 0x03 (the odd tail byte), plus size 3.
        assert_eq!(checksum(&[1, 2, 3], 0), 0x0201 + 0x03 + 3);
        assert_eq!(checksum(&[], 0), 0);
    }
}
