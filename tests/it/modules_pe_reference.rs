//! Differential test of the pe, elf and dotnet modules against YARA-X.
//!
//! scripts/pe_reference.py stored YARA-X's module outputs and function
//! results for a set of inputs (mingw-built samples, Python launchers,
//! this machine's ELF binaries) under tests/data/pe/reference. Here every
//! field and call is compared with spoor's. Inputs missing on this machine,
//! or whose bytes differ from the referenced ones, are skipped with a note.

use crate::util::pe_samples;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use serde_json::Value as Json;
use spoor::modules::{self, CallContext, ModuleData, Value};
use spoor::types::{Constant, StructType, Type};

/// Fields compared and mismatches found, by field path without indexes.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) compared: usize,
    pub(crate) mismatches: BTreeMap<String, Vec<String>>,
}

impl Tally {
    /// Adds the figures of `file`, its mismatches prefixed with `label`.
    pub(crate) fn absorb(&mut self, file: Tally, label: &str) {
        self.compared += file.compared;
        for (field, cases) in file.mismatches {
            let cases = cases.into_iter().map(|c| format!("{label}: {c}"));
            self.mismatches.entry(field).or_default().extend(cases);
        }
    }

    fn mismatch(&mut self, path: &str, detail: String) {
        let key: String =
            path.split('.').filter(|p| p.parse::<usize>().is_err()).collect::<Vec<_>>().join(".");
        self.mismatches.entry(key).or_default().push(format!("{path}: {detail}"));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
}

fn reference_bytes(j: &Json) -> Option<Vec<u8>> {
    match j {
        Json::String(s) => Some(s.as_bytes().to_vec()),
        Json::Object(o) => o.get("hex").and_then(Json::as_str).map(hex_decode),
        _ => None,
    }
}

/// The value of the constant YARA-X names `name` in its output: one of
/// the module's constants, or one of a nested enum (`lnk.ShowCommand`).
fn constant(root: &StructType, name: &str) -> Option<i64> {
    let enums = root.fields.iter().filter_map(|f| match &f.ty {
        Type::Struct(s) if f.constant.is_none() => Some(s.as_ref()),
        _ => None,
    });
    std::iter::once(root).chain(enums).find_map(|s| match s.field(name)?.constant.as_ref()? {
        Constant::Integer(i) => Some(*i),
        _ => None,
    })
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Undefined => true,
        Value::Array(a) => a.is_empty(),
        Value::Dict(d) => d.is_empty(),
        _ => false,
    }
}

/// Compares `ours`, of type `ty`, with YARA-X's output `reference`,
/// counting compared values and mismatches in `t`.
pub(crate) fn compare(
    root: &StructType,
    ty: &Type,
    ours: &Value,
    reference: &Json,
    path: &str,
    t: &mut Tally,
) {
    match (ty, ours) {
        (Type::Struct(s), Value::Struct(fields)) => {
            let Json::Object(obj) = reference else {
                return t.mismatch(path, format!("reference is {reference}"));
            };
            for (field, value) in s.fields.iter().zip(fields) {
                if field.constant.is_some() || matches!(field.ty, Type::Function(_)) {
                    continue;
                }
                let sub = if path.is_empty() {
                    field.name.to_owned()
                } else {
                    format!("{path}.{}", field.name)
                };
                match obj.get(field.name) {
                    Some(r) => compare(root, &field.ty, value, r, &sub, t),
                    None if is_empty(value) => {}
                    None => t.mismatch(&sub, format!("spoor has {value:?}, YARA-X nothing")),
                }
            }
            for key in obj.keys() {
                if s.field(key).is_none() {
                    t.mismatch(&format!("{path}.{key}"), "not declared".into());
                }
            }
        }
        (Type::Array(element), Value::Array(items)) => {
            let Json::Array(refs) = reference else {
                return t.mismatch(path, format!("reference is {reference}"));
            };
            if refs.len() != items.len() {
                t.mismatch(path, format!("{} elements, YARA-X {}", items.len(), refs.len()));
            }
            for (i, (item, r)) in items.iter().zip(refs).enumerate() {
                compare(root, element, item, r, &format!("{path}.{i}"), t);
            }
        }
        (Type::Dict(element), Value::Dict(map)) => {
            let Json::Object(refs) = reference else {
                return t.mismatch(path, format!("reference is {reference}"));
            };
            if refs.len() != map.len() {
                t.mismatch(path, format!("{} keys, YARA-X {}", map.len(), refs.len()));
            }
            for (key, r) in refs {
                match map.get(key.as_bytes()) {
                    Some(v) => compare(root, element, v, r, &format!("{path}.{key}"), t),
                    None => t.mismatch(path, format!("missing key {key}")),
                }
            }
        }
        (Type::Integer | Type::Bool, Value::Integer(i)) => {
            t.compared += 1;
            let expected = match reference {
                Json::Bool(b) => Some(i64::from(*b)),
                Json::Number(n) => n.as_i64().or_else(|| n.as_u64().map(|u| u as i64)),
                Json::String(name) => constant(root, name),
                _ => None,
            };
            if expected != Some(*i) {
                t.mismatch(path, format!("spoor {i}, YARA-X {reference}"));
            }
        }
        (Type::String, Value::String(s)) => {
            t.compared += 1;
            if reference_bytes(reference).as_deref() != Some(s.as_slice()) {
                t.mismatch(
                    path,
                    format!("spoor {:?}, YARA-X {reference}", String::from_utf8_lossy(s)),
                );
            }
        }
        (_, Value::Undefined) => t.mismatch(path, format!("spoor undefined, YARA-X {reference}")),
        _ => t.mismatch(path, format!("spoor {ours:?} does not fit {ty}")),
    }
}

fn argument(j: &Json) -> (Type, Value) {
    if let Some(i) = j.get("int").and_then(Json::as_i64) {
        return (Type::Integer, Value::Integer(i));
    }
    if let Some(s) = j.get("str").and_then(Json::as_str) {
        return (Type::String, Value::String(s.as_bytes().to_vec()));
    }
    let pattern = j["regex"].as_str().unwrap();
    let nocase = j["nocase"].as_bool().unwrap_or(false);
    let pattern = if nocase { format!("(?i){pattern}") } else { pattern.to_owned() };
    let regex = regex_automata::meta::Regex::new(&pattern).unwrap();
    (Type::Regex, Value::Regex(Arc::new(regex)))
}

fn function_type(root: &StructType, path: &str) -> Option<Arc<spoor::types::Function>> {
    let mut ty = Type::Struct(Arc::new(root.clone()));
    for name in path.split('.') {
        let Type::Struct(s) = ty else { return None };
        ty = s.field(name)?.ty.clone();
    }
    match ty {
        Type::Function(f) => Some(f),
        _ => None,
    }
}

/// Compares module `name`'s values for `data` with YARA-X's `output`, and
/// the function results recorded in `calls`, into `tally` under `label`.
pub(crate) fn compare_module(
    name: &str,
    data: &[u8],
    output: &Json,
    calls: &Json,
    label: &str,
    tally: &mut Tally,
) {
    let (_, module) = modules::find(name).expect("registered module");
    let decl = module.declaration();
    let parsed = module.parse(data);
    let mut file = Tally::default();
    compare(&decl, &Type::Struct(decl.clone()), &parsed.value, output, name, &mut file);
    for call in calls.as_array().into_iter().flatten() {
        check_call(data, &parsed, call, &mut file);
    }
    tally.absorb(file, label);
}

/// Prints `summary` with the count of values `tally` compared, and each
/// field that differs with an example.
pub(crate) fn print_tally(summary: &str, tally: &Tally) {
    eprintln!("{summary}, {} values compared", tally.compared);
    for (field, cases) in &tally.mismatches {
        let example: String = cases[0].chars().take(300).collect();
        eprintln!("MISMATCH {field}: {} case(s), e.g. {example}", cases.len());
    }
}

pub(crate) fn check_call(data: &[u8], module_data: &ModuleData, call: &Json, t: &mut Tally) {
    let module_name = call["module"].as_str().unwrap();
    let path = call["path"].as_str().unwrap();
    let (_, module) = modules::find(module_name).unwrap();
    let decl = module.declaration();
    let (types, args): (Vec<Type>, Vec<Value>) =
        call["args"].as_array().unwrap().iter().map(argument).unzip();
    let label = format!("{module_name}.{path}({})", call["args"]);
    let Some((overload, _)) =
        function_type(&decl, path).and_then(|f| f.resolve(&types).map(|(i, s)| (i, s.clone())))
    else {
        return t.mismatch(&format!("{module_name}.{path}()"), format!("{label}: no overload"));
    };
    let Some(implementation) = module.function(path, overload) else {
        return t.mismatch(&format!("{module_name}.{path}()"), format!("{label}: not implemented"));
    };
    let messages = RefCell::new(Vec::new());
    let ctx = CallContext {
        data,
        module: module_data,
        messages: &messages,
        deadline: &Default::default(),
    };
    let got = implementation(&ctx, &args);
    t.compared += 1;
    let equal = match (&call["value"], &got) {
        (Json::Null, Value::Undefined) => true,
        (Json::Number(n), Value::Integer(i)) => n.as_i64() == Some(*i),
        (Json::String(s), Value::String(b)) => s.as_bytes() == b.as_slice(),
        _ => false,
    };
    if !equal {
        t.mismatch(
            &format!("{module_name}.{path}()"),
            format!("{label}: spoor {got:?}, YARA-X {}", call["value"]),
        );
    }
}

#[test]
fn modules_match_yara_x_on_reference_files() {
    let mut tally = Tally::default();
    let (mut files, mut skipped) = (0, 0);
    let mut slowest = Duration::ZERO;
    let mut entries: Vec<_> =
        std::fs::read_dir(pe_samples::reference_dir()).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let reference: Json =
            serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap();
        let source = &reference["source"];
        let data = pe_samples::locate(source).and_then(|p| std::fs::read(p).ok());
        let Some(data) =
            data.filter(|d| hex(&Md5::digest(d)) == reference["md5"].as_str().unwrap())
        else {
            eprintln!("note: skipped {source}: missing here or different bytes");
            skipped += 1;
            continue;
        };
        files += 1;
        tally.compared += 1;
        let entrypoint = spoor::modules::pe::entry_point_offset(&data);
        if reference["entrypoint"].as_i64() != entrypoint {
            tally.mismatch(
                "entrypoint",
                format!("{source}: spoor {entrypoint:?}, YARA {}", reference["entrypoint"]),
            );
        }
        for name in ["pe", "elf", "dotnet"] {
            let (_, module) = modules::find(name).unwrap();
            let decl = module.declaration();
            let start = Instant::now();
            let module_data = module.parse(&data);
            slowest = slowest.max(start.elapsed());
            compare(
                &decl,
                &Type::Struct(decl.clone()),
                &module_data.value,
                &reference["modules"][name],
                name,
                &mut tally,
            );
            for call in
                reference["calls"].as_array().unwrap().iter().filter(|c| c["module"] == name)
            {
                check_call(&data, &module_data, call, &mut tally);
            }
        }
    }
    eprintln!(
        "{files} files compared ({skipped} skipped), {} values, slowest parse {slowest:?}",
        tally.compared
    );
    for (field, cases) in &tally.mismatches {
        let example: String = cases[0].chars().take(300).collect();
        eprintln!("MISMATCH {field}: {} case(s), e.g. {example}", cases.len());
    }
    assert!(files > 0, "no reference input found");
    assert!(tally.mismatches.is_empty(), "{} fields differ from YARA-X", tally.mismatches.len());
}
