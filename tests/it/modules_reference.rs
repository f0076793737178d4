//! Differential test of the small modules (`math`, `hash`, `string`,
//! `console`) against YARA-X.
//!
//! `scripts/modules_reference.py` recorded what YARA-X computes for
//! thousands of calls over a set of inputs (edge ranges, empty input,
//! invalid bytes and bases); this test makes the same calls through the
//! module registry and compares. The reference package is not needed here.

use std::cell::RefCell;

use base64::Engine;
use serde_json::Value as Json;
use spoor::modules::{self, CallContext, ModuleData, Value};
use spoor::types::Type;

const REFERENCE: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/modules_reference.json"));

fn decode(b64: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(b64).expect("reference data is base64")
}

/// A recorded argument as a module value and its type.
fn argument(arg: &Json) -> (Value, Type) {
    let (kind, v) = arg.as_object().and_then(|o| o.iter().next()).expect("tagged argument");
    match kind.as_str() {
        "int" => (Value::Integer(v.as_i64().expect("int")), Type::Integer),
        "float" => (Value::Float(v.as_f64().expect("float")), Type::Float),
        "bool" => (Value::Integer(i64::from(v.as_bool().expect("bool"))), Type::Bool),
        "string" => (Value::String(decode(v.as_str().expect("string"))), Type::String),
        other => panic!("unknown argument kind {other}"),
    }
}

/// A call through the registry, the way the evaluator makes it: the module
/// found by name, the overload resolved from the argument types.
struct Call<'a> {
    data: &'a [u8],
    module_data: &'a ModuleData,
    messages: &'a RefCell<Vec<String>>,
}

impl Call<'_> {
    fn run(&self, function: &str, args: &[Json]) -> Value {
        let (module_name, path) = function.split_once('.').expect("module.function");
        let (_, module) = modules::find(module_name).expect("module is registered");
        let (values, types): (Vec<Value>, Vec<Type>) = args.iter().map(argument).unzip();
        let declaration = module.declaration();
        let Some(Type::Function(f)) = declaration.field(path).map(|f| &f.ty) else {
            panic!("{function} is not a declared function");
        };
        let (overload, _) = f.resolve(&types).unwrap_or_else(|| panic!("{function}{types:?}"));
        let implementation = module.function(path, overload).expect("implemented");
        let ctx = CallContext {
            data: self.data,
            module: self.module_data,
            messages: self.messages,
            deadline: &Default::default(),
        };
        implementation(&ctx, &values)
    }
}

/// Whether our value is the one YARA-X logged (`None`: undefined).
fn same(ours: &Value, expected: Option<&str>, ty: &str) -> bool {
    match (ours, expected) {
        (Value::Undefined, None) => true,
        (Value::Integer(i), Some(e)) if ty == "int" => i.to_string() == e,
        (Value::Integer(i), Some(e)) if ty == "bool" => (*i != 0).to_string() == e,
        (Value::Float(f), Some(e)) if ty == "float" => {
            let e: f64 = e.parse().expect("YARA-X logs floats in Rust's syntax");
            f.to_bits() == e.to_bits() || (f - e).abs() <= 1e-12 * e.abs().max(1.0)
        }
        (Value::String(s), Some(e)) if ty == "string" => s == e.as_bytes(),
        _ => false,
    }
}

/// Runs the recorded cases over `data`, returns the mismatches.
fn check_cases(input: &str, data: &[u8], cases: &[Json]) -> Vec<String> {
    let messages = RefCell::new(Vec::new());
    let mut failures = Vec::new();
    // One parse per module and input, shared by all calls, as in a scan:
    // repeated ranges go through the modules' caches.
    let parsed: Vec<(String, ModuleData)> =
        modules::registry().iter().map(|m| (m.name().to_owned(), m.parse(data))).collect();
    for case in cases {
        let function = case["function"].as_str().expect("function");
        let module_name = function.split('.').next().unwrap_or_default();
        let module_data = &parsed.iter().find(|(n, _)| n == module_name).expect("parsed").1;
        let call = Call { data, module_data, messages: &messages };
        let args = case["args"].as_array().expect("args");
        let ours = call.run(function, args);
        let expected = case["yara_x"].as_str();
        if !same(&ours, expected, case["type"].as_str().expect("type")) {
            failures
                .push(format!("{input}: {function}{args:?}: ours {ours:?}, YARA-X {expected:?}"));
        }
    }
    failures
}

fn reference() -> Json {
    serde_json::from_str(REFERENCE).expect("reference data is JSON")
}

#[test]
fn functions_agree_with_yara_x() {
    let reference = reference();
    let mut failures = Vec::new();
    let mut count = 0;
    let constant = reference["constant_cases"].as_array().expect("constant cases");
    count += constant.len();
    failures.extend(check_cases("(no input)", b"", constant));
    for input in reference["inputs"].as_array().expect("inputs") {
        let data = decode(input["data"].as_str().expect("data"));
        let cases = input["cases"].as_array().expect("cases");
        count += cases.len();
        failures.extend(check_cases(input["name"].as_str().expect("name"), &data, cases));
    }
    assert!(count > 3000, "reference data holds {count} cases");
    assert!(failures.is_empty(), "{} of {count} differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn console_messages_agree_with_yara_x() {
    for case in reference()["console"].as_array().expect("console cases") {
        let messages = RefCell::new(Vec::new());
        let module_data = ModuleData::default();
        let call = Call { data: b"", module_data: &module_data, messages: &messages };
        let function = case["function"].as_str().expect("function");
        let result = call.run(function, case["args"].as_array().expect("args"));
        assert!(matches!(result, Value::Integer(1)), "{function} returns true");
        let expected: Vec<&str> = case["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m.as_str().expect("message"))
            .collect();
        assert_eq!(*messages.borrow(), expected, "{case}");
    }
}
