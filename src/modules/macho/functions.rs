//! The `macho` module's functions. They read the parsed file kept as the
//! module's native data: membership tests look at every file (the thin
//! file, or each slice of a universal binary), hashes at the first one,
//! and the per-architecture lookups at the fat header.

use md5::{Digest, Md5};

use super::model::{File, MachO};
use crate::modules::functions::{FunctionDef, bool_value, int_arg, overload, string_arg};
use crate::modules::hash::hex;
use crate::modules::{CallContext, Value};
use crate::types::Type;

const STRING: &[Type] = &[Type::String];
const INTEGER: &[Type] = &[Type::Integer];
const TWO_INTEGERS: &[Type] = &[Type::Integer, Type::Integer];

/// The functions of the `macho` module.
pub(super) static MACHO_FUNCTIONS: &[FunctionDef] = &[
    FunctionDef { name: "has_dylib", overloads: &[overload(STRING, Type::Bool, has_dylib)] },
    FunctionDef { name: "has_rpath", overloads: &[overload(STRING, Type::Bool, has_rpath)] },
    FunctionDef {
        name: "has_entitlement",
        overloads: &[overload(STRING, Type::Bool, has_entitlement)],
    },
    FunctionDef { name: "has_import", overloads: &[overload(STRING, Type::Bool, has_import)] },
    FunctionDef { name: "has_export", overloads: &[overload(STRING, Type::Bool, has_export)] },
    FunctionDef { name: "dylib_hash", overloads: &[overload(&[], Type::String, dylib_hash)] },
    FunctionDef {
        name: "entitlement_hash",
        overloads: &[overload(&[], Type::String, entitlement_hash)],
    },
    FunctionDef { name: "export_hash", overloads: &[overload(&[], Type::String, export_hash)] },
    FunctionDef { name: "import_hash", overloads: &[overload(&[], Type::String, import_hash)] },
    FunctionDef { name: "sym_hash", overloads: &[overload(&[], Type::String, sym_hash)] },
    FunctionDef {
        name: "file_index_for_arch",
        overloads: &[
            overload(INTEGER, Type::Integer, file_index_for_arch),
            overload(TWO_INTEGERS, Type::Integer, file_index_for_arch),
        ],
    },
    FunctionDef {
        name: "entry_point_for_arch",
        overloads: &[
            overload(INTEGER, Type::Integer, entry_point_for_arch),
            overload(TWO_INTEGERS, Type::Integer, entry_point_for_arch),
        ],
    },
];

/// The parsed input, when it is a Mach-O file or a universal binary.
fn parsed<'a>(ctx: &'a CallContext<'_>) -> Option<&'a MachO> {
    ctx.module.native.as_ref()?.downcast_ref::<MachO>()
}

/// Whether some file has an item `name(item)` equal to the argument,
/// ignoring ASCII case; false for other inputs, as in YARA-X.
fn any_item<'f, I: 'f>(
    ctx: &'f CallContext<'_>,
    args: &[Value],
    items: fn(&'f File) -> &'f [I],
    name: fn(&I) -> &[u8],
) -> Value {
    let Some(wanted) = string_arg(args, 0) else { return Value::Undefined };
    let files = parsed(ctx).map_or(&[][..], |m| m.files.as_slice());
    let found = files.iter().flat_map(items).any(|i| name(i).eq_ignore_ascii_case(wanted));
    bool_value(found)
}

fn has_dylib(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    any_item(ctx, args, |f| &f.dylibs, |d| &d.name)
}

fn has_rpath(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    any_item(ctx, args, |f| &f.rpaths, Vec::as_slice)
}

fn has_entitlement(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    any_item(ctx, args, |f| &f.entitlements, |e| e.as_bytes())
}

fn has_import(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    any_item(ctx, args, |f| &f.imports, |e| e.as_bytes())
}

fn has_export(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    any_item(ctx, args, |f| &f.exports, |e| e.as_bytes())
}

/// MD5 of the distinct items of the first file, each trimmed and
/// lowercased, sorted and joined with commas; undefined when it has none.
fn list_hash<I>(ctx: &CallContext<'_>, items: fn(&File) -> &[I], key: fn(&I) -> Vec<u8>) -> Value {
    let Some(file) = parsed(ctx).and_then(|m| m.files.first()) else { return Value::Undefined };
    let mut keys: Vec<Vec<u8>> = items(file).iter().map(key).collect();
    if keys.is_empty() {
        return Value::Undefined;
    }
    keys.sort();
    keys.dedup();
    Value::String(hex(&Md5::digest(keys.join(&b','))).into_bytes())
}

/// A text item trimmed and lowercased.
fn text_key(s: &str) -> Vec<u8> {
    s.trim().to_lowercase().into_bytes()
}

fn dylib_hash(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    list_hash(ctx, |f| &f.dylibs, |d| text_key(&String::from_utf8_lossy(&d.name)))
}

fn entitlement_hash(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    list_hash(ctx, |f| &f.entitlements, |e| text_key(e))
}

fn export_hash(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    list_hash(ctx, |f| &f.exports, |e| text_key(e))
}

fn import_hash(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    list_hash(ctx, |f| &f.imports, |e| text_key(e))
}

fn sym_hash(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    list_hash(ctx, |f| f.symtab.as_ref().map_or(&[][..], |s| &s.symbols), |s| bytes_key(&s.name))
}

/// A byte-string item trimmed and lowercased, bytes that are not UTF-8
/// kept as they are.
fn bytes_key(bytes: &[u8]) -> Vec<u8> {
    let mut lowered = Vec::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        lowered.extend_from_slice(chunk.valid().to_lowercase().as_bytes());
        lowered.extend_from_slice(chunk.invalid());
    }
    let lead =
        lowered.utf8_chunks().next().map_or(0, |c| c.valid().len() - c.valid().trim_start().len());
    let rest = &lowered[lead..];
    let trail = rest
        .utf8_chunks()
        .last()
        .filter(|c| c.invalid().is_empty())
        .map_or(0, |c| c.valid().len() - c.valid().trim_end().len());
    rest[..rest.len() - trail].to_vec()
}

/// The index of the first fat entry with the CPU type (and subtype, when
/// given) of the arguments, with the entry; only for universal binaries
/// reported as such (more than one slice parses, or none).
fn arch_index<'a>(ctx: &'a CallContext<'_>, args: &[Value]) -> Option<(usize, &'a MachO)> {
    let macho = parsed(ctx)?;
    let fat = macho.fat.as_ref().filter(|_| macho.files.len() != 1)?;
    let cputype = int_arg(args, 0)?;
    let subtype = if args.len() > 1 { Some(int_arg(args, 1)?) } else { None };
    let index = fat.archs.iter().position(|arch| {
        i64::from(arch.cputype) == cputype
            && subtype.is_none_or(|s| i64::from(arch.cpusubtype) == s)
    })?;
    Some((index, macho))
}

fn file_index_for_arch(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    arch_index(ctx, args).map_or(Value::Undefined, |(i, _)| Value::Integer(i as i64))
}

/// The entry point of the matching slice as an offset in the whole file.
fn entry_point_for_arch(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    let offset = arch_index(ctx, args).and_then(|(i, macho)| {
        let arch = macho.fat.as_ref()?.archs.get(i)?;
        arch.offset.checked_add(macho.files.get(i)?.entry_point?)
    });
    offset.map_or(Value::Undefined, |o| Value::Integer(o as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_trimmed_and_lowercased() {
        assert_eq!(bytes_key(b"  _Main\xff "), b"_main\xff");
        assert_eq!(bytes_key(b"\xff X "), b"\xff x");
        assert_eq!(bytes_key(b" \t "), b"");
        assert_eq!(text_key(" libSystem.B.dylib "), b"libsystem.b.dylib");
    }
}
