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
use crate::modules::{CallContext, FunctionImpl, Value};

/// `IMPORT_STANDARD`.
const IMPORT_STANDARD: i64 = 1;
/// `IMPORT_DELAYED`.
const IMPORT_DELAYED: i64 = 2;

/// The implementation of function `path`, overload `overload`, in the
/// order of the declaration.
pub(super) fn lookup(path: &str, overload: usize) -> Option<FunctionImpl> {
    let f: FunctionImpl = match (path, overload) {
        ("is_32bit", 0) => |c, _| magic_is(c, super::headers::OPTIONAL_HDR32_MAGIC),
        ("is_64bit", 0) => |c, _| magic_is(c, super::headers::OPTIONAL_HDR64_MAGIC),
        ("is_dll", 0) => |c, _| with_pe(c, |pe| boolean(pe.file.characteristics & 0x2000 != 0)),
        ("rva_to_offset", 0) => rva_to_offset_fn,
        ("offset_to_rva", 0) => offset_to_rva_fn,
        ("calculate_checksum", 0) => calculate_checksum,
        ("section_index", 0) => section_index_by_name,
        ("section_index", 1) => section_index_by_offset,
        ("imphash", 0) => imphash,
        ("imports", 0) => |c, a| imports(c, IMPORT_STANDARD, &a[0], None, false),
        ("imports", 1) => |c, a| imports(c, IMPORT_STANDARD, &a[0], Some(&a[1]), true),
        ("imports", 2) => |c, a| imports(c, IMPORT_STANDARD, &a[0], Some(&a[1]), false),
        ("imports", 3) => |c, a| imports(c, IMPORT_STANDARD, &a[0], Some(&a[1]), false),
        ("imports", 4) => |c, a| imports(c, int(&a[0]), &a[1], None, false),
        ("imports", 5) => |c, a| imports(c, int(&a[0]), &a[1], Some(&a[2]), true),
        ("imports", 6) => |c, a| imports(c, int(&a[0]), &a[1], Some(&a[2]), true),
        ("imports", 7) => |c, a| imports(c, int(&a[0]), &a[1], Some(&a[2]), false),
        ("import_rva", 0 | 1) => |c, a| import_rva(c, false, a),
        ("delayed_import_rva", 0 | 1) => |c, a| import_rva(c, true, a),
        ("exports", 0..=2) => |c, a| exports(c, &a[0]).map_or(Value::Integer(0), |_| boolean(true)),
        ("exports_index", 0..=2) => |c, a| exports(c, &a[0]).map_or(Value::Undefined, int_value),
        ("locale", 0) => |c, a| resource_language(c, &a[0], 0xffff),
        ("language", 0) => |c, a| resource_language(c, &a[0], 0xff),
        ("rich_signature.version", 0) => |c, a| rich_count(c, None, Some(int(&a[0]))),
        ("rich_signature.version", 1) => |c, a| rich_count(c, Some(int(&a[1])), Some(int(&a[0]))),
        ("rich_signature.toolid", 0) => |c, a| rich_count(c, Some(int(&a[0])), None),
        ("rich_signature.toolid", 1) => |c, a| rich_count(c, Some(int(&a[0])), Some(int(&a[1]))),
        ("signatures.valid_on", 0) => valid_on,
        _ => return None,
    };
    Some(f)
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

/// Lowercase hexadecimal.
pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
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

/// `signatures[i].valid_on(t)`: the receiving signature structure comes
/// first in `args`, then the timestamp.
fn valid_on(_: &CallContext<'_>, args: &[Value]) -> Value {
    let (Some(Value::Struct(fields)), Some(Value::Integer(t))) = (args.first(), args.get(1)) else {
        return Value::Undefined;
    };
    let decl = &super::declaration::DECLARATION;
    let ty = crate::modules::record::nested_struct(decl, "signatures");
    let field = |name: &str| ty.field_index(name).and_then(|i| fields.get(i));
    match (field("not_before"), field("not_after")) {
        (Some(Value::Integer(before)), Some(Value::Integer(after))) => {
            boolean(before <= t && t <= after)
        }
        _ => Value::Undefined,
    }
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
    fn valid_on_compares_with_the_receiver_validity() {
        let ty = crate::modules::record::nested_struct(
            &super::super::declaration::DECLARATION,
            "signatures",
        );
        let mut signature = crate::modules::record::Record::new(ty);
        signature.int("not_before", 100).int("not_after", 200);
        let receiver = signature.finish();
        let module = crate::modules::ModuleData::default();
        let messages = std::cell::RefCell::new(Vec::new());
        let ctx = CallContext {
            data: &[],
            module: &module,
            messages: &messages,
            deadline: &Default::default(),
        };
        let call = |t: i64| valid_on(&ctx, &[receiver.clone(), Value::Integer(t)]);
        assert!(matches!(call(150), Value::Integer(1)));
        assert!(matches!(call(201), Value::Integer(0)));
        assert!(valid_on(&ctx, &[Value::Integer(150)]).is_undefined());
    }

    #[test]
    fn checksum_pads_the_tail() {
        // Words 0x0201 and 0x03 (the odd tail byte), plus size 3.
        assert_eq!(checksum(&[1, 2, 3], 0), 0x0201 + 0x03 + 3);
        assert_eq!(checksum(&[], 0), 0);
    }
}
