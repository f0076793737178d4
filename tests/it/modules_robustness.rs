//! Every function of every registered module, called with hostile
//! arguments (extreme integers, NaN, empty and invalid strings) over inputs
//! from empty to a few kilobytes: no call may panic, and each result is
//! undefined or of the declared result type.

use std::cell::RefCell;
use std::sync::Arc;

use spoor::modules::functions::declared_functions;
use spoor::modules::{self, CallContext, Module, Value};
use spoor::types::Type;

/// Argument values to try for a parameter type.
fn candidates(ty: &Type, input_len: i64) -> Vec<Value> {
    match ty {
        Type::Integer => [i64::MIN, -1, 0, 1, 5, 255, 256, input_len, input_len + 1, i64::MAX]
            .into_iter()
            .map(Value::Integer)
            .collect(),
        Type::Float => [f64::NAN, f64::NEG_INFINITY, -0.0, 0.5, 127.5, f64::INFINITY]
            .into_iter()
            .map(Value::Float)
            .collect(),
        Type::Bool => vec![Value::Integer(0), Value::Integer(1)],
        Type::String => [
            &b""[..],
            b"\xff\x00\xfe",
            b"0x1f",
            b"-9223372036854775808",
            b"kernel32.dll",
            &[b'A'; 300],
        ]
        .into_iter()
        .map(|s| Value::String(s.to_vec()))
        .collect(),
        Type::Regex => ["", "(?i)a.c", "[\\x00-\\xff]*"]
            .into_iter()
            .map(|p| Value::Regex(Arc::new(regex_automata::meta::Regex::new(p).expect("regex"))))
            .collect(),
        other => panic!("a function parameter of type {other}"),
    }
}

/// Every combination of one candidate per parameter.
fn combinations(params: &[Type], input_len: i64) -> Vec<Vec<Value>> {
    params.iter().fold(vec![Vec::new()], |partial, ty| {
        let options = candidates(ty, input_len);
        partial
            .iter()
            .flat_map(|prefix| {
                options.iter().map(move |v| {
                    let mut args = prefix.clone();
                    args.push(v.clone());
                    args
                })
            })
            .collect()
    })
}

fn has_type(value: &Value, ty: &Type) -> bool {
    match (value, ty) {
        (Value::Undefined, _) | (Value::Integer(_), Type::Integer) => true,
        (Value::Integer(b), Type::Bool) => *b == 0 || *b == 1,
        (Value::Float(_), Type::Float) | (Value::String(_), Type::String) => true,
        _ => false,
    }
}

fn inputs() -> Vec<Vec<u8>> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect()
    };
    let mut mz = b"MZ".to_vec();
    mz.extend(noise(510));
    vec![Vec::new(), b"A".to_vec(), noise(7), mz, noise(4096)]
}

fn check_module(module: &dyn Module, data: &[u8]) -> usize {
    let parsed = module.parse(data);
    let messages = RefCell::new(Vec::new());
    let ctx =
        CallContext { data, module: &parsed, messages: &messages, deadline: &Default::default() };
    let input_len = i64::try_from(data.len()).expect("small input");
    let mut calls = 0;
    for (path, function) in declared_functions(&module.declaration()) {
        for (index, signature) in function.overloads.iter().enumerate() {
            let implementation = module.function(&path, index).expect("implemented");
            for args in combinations(&signature.params, input_len) {
                let result = implementation(&ctx, &args);
                assert!(
                    has_type(&result, &signature.result),
                    "{}.{path}{args:?} returned {result:?}, declared {}",
                    module.name(),
                    signature.result
                );
                calls += 1;
            }
        }
    }
    calls
}

#[test]
fn hostile_arguments_never_panic_and_results_have_the_declared_type() {
    let mut calls = 0;
    for data in inputs() {
        for module in modules::registry() {
            calls += check_module(*module, &data);
        }
    }
    assert!(calls > 1000, "only {calls} calls made");
}
