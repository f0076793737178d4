//! Function tables: one list per module that both declares its functions
//! and names their implementations, so the declaration the checker sees and
//! the code the evaluator calls cannot drift apart.
//!
//! A module lists each function once as a [`FunctionDef`]; the overload
//! index the checker resolves is the position in [`FunctionDef::overloads`],
//! which [`Member`] maps back to the implementation.
//!
//! Argument and result conventions shared by every module function:
//! booleans travel as [`Value::Integer`] `0` or `1` (the value model has no
//! boolean variant), and an argument of the wrong shape, which the checker
//! rules out, yields [`Value::Undefined`] rather than a panic.

use std::any::Any;
use std::sync::{Arc, OnceLock};

use crate::modules::{FunctionImpl, Module, ModuleData, Value};
use crate::types::{Constant, Function, StructBuilder, StructType, Type};

/// One overload of a module function: its signature and its code.
pub struct Overload {
    /// Parameter types, in order.
    pub params: &'static [Type],
    /// Result type.
    pub result: Type,
    /// The implementation the evaluator calls.
    pub implementation: FunctionImpl,
}

/// An [`Overload`], written shorter in function tables.
#[must_use]
pub const fn overload(
    params: &'static [Type],
    result: Type,
    implementation: FunctionImpl,
) -> Overload {
    Overload { params, result, implementation }
}

/// A module function with every overload it accepts.
pub struct FunctionDef {
    /// The name used after the module name (`entropy` in `math.entropy`).
    pub name: &'static str,
    /// Overloads, in the order their indexes are reported to the checker.
    pub overloads: &'static [Overload],
}

/// What a path inside a schema names.
#[derive(Clone, Copy)]
pub enum Member {
    /// A data field, with its doc comment (possibly empty).
    Field {
        /// The field's documentation, one line per doc-comment line.
        doc: &'static str,
    },
    /// A function, with its overloads and their implementations.
    Function(&'static FunctionDef),
}

impl Member {
    /// The implementation of overload `overload` when this is a function.
    #[must_use]
    pub fn implementation(self, overload: usize) -> Option<FunctionImpl> {
        match self {
            Member::Function(f) => f.overloads.get(overload).map(|o| o.implementation),
            Member::Field { .. } => None,
        }
    }
}

/// Per-input state for a module's functions (a result cache), made fresh
/// for each scanned input.
pub type StateFactory = fn() -> Option<Box<dyn Any + Send + Sync>>;

/// A module whose members are functions and constants only, with no value
/// read from the input: `math`, `hash`, `time`, `console` and `string` are
/// each a `static` of this type and differ only in their tables.
pub struct FunctionModule {
    name: &'static str,
    functions: &'static [FunctionDef],
    constants: &'static [(&'static str, Constant)],
    state: StateFactory,
    declaration: OnceLock<Arc<StructType>>,
}

impl FunctionModule {
    /// A module called `name` with these functions and constants; `state`
    /// makes the per-input state its functions find in
    /// [`ModuleData::native`].
    #[must_use]
    pub const fn new(
        name: &'static str,
        functions: &'static [FunctionDef],
        constants: &'static [(&'static str, Constant)],
        state: StateFactory,
    ) -> Self {
        Self { name, functions, constants, state, declaration: OnceLock::new() }
    }
}

/// The [`StateFactory`] of modules whose functions keep no state.
#[must_use]
pub fn no_state() -> Option<Box<dyn Any + Send + Sync>> {
    None
}

impl Module for FunctionModule {
    fn name(&self) -> &'static str {
        self.name
    }

    fn declaration(&self) -> Arc<StructType> {
        self.declaration
            .get_or_init(|| {
                let constants =
                    self.constants.iter().fold(StructBuilder::new(), |b, (name, value)| {
                        b.constant_value(name, value.clone())
                    });
                declare(constants, self.functions).build()
            })
            .clone()
    }

    fn parse(&self, _data: &[u8]) -> ModuleData {
        ModuleData {
            value: Value::Struct(vec![Value::Undefined; self.declaration().fields.len()]),
            native: (self.state)(),
        }
    }

    fn member(&self, path: &str) -> Option<Member> {
        self.functions.iter().find(|f| f.name == path).map(Member::Function)
    }
}

/// Adds every function of `table` to a declaration under construction.
pub fn declare(mut builder: StructBuilder, table: &[FunctionDef]) -> StructBuilder {
    for function in table {
        let overloads: Vec<(&[Type], Type)> =
            function.overloads.iter().map(|o| (o.params, o.result.clone())).collect();
        builder = builder.function(function.name, &overloads);
    }
    builder
}

/// Every function declared in `ty` and in the structures it holds (also as
/// array elements or dictionary values), with its path from `ty`
/// (`imports`, `rich_signature.version`): the paths
/// [`crate::modules::Module::function`] takes.
#[must_use]
pub fn declared_functions(ty: &StructType) -> Vec<(String, Arc<Function>)> {
    fn walk(ty: &StructType, prefix: &str, out: &mut Vec<(String, Arc<Function>)>) {
        for field in &ty.fields {
            let path = format!("{prefix}{}", field.name);
            let mut nested = &field.ty;
            while let Type::Array(element) | Type::Dict(element) = nested {
                nested = element;
            }
            match nested {
                Type::Function(f) => out.push((path, f.clone())),
                Type::Struct(s) => walk(s, &format!("{path}."), out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(ty, "", &mut out);
    out
}

/// Argument `index` as an integer.
#[must_use]
pub fn int_arg(args: &[Value], index: usize) -> Option<i64> {
    match args.get(index) {
        Some(Value::Integer(i)) => Some(*i),
        _ => None,
    }
}

/// Argument `index` as a float.
#[must_use]
pub fn float_arg(args: &[Value], index: usize) -> Option<f64> {
    match args.get(index) {
        Some(Value::Float(f)) => Some(*f),
        _ => None,
    }
}

/// Argument `index` as a byte string.
#[must_use]
pub fn string_arg(args: &[Value], index: usize) -> Option<&[u8]> {
    match args.get(index) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// Argument `index` as a boolean (an integer, 0 meaning false).
#[must_use]
pub fn bool_arg(args: &[Value], index: usize) -> Option<bool> {
    int_arg(args, index).map(|i| i != 0)
}

/// A boolean result in the value model's encoding.
#[must_use]
pub fn bool_value(b: bool) -> Value {
    Value::Integer(i64::from(b))
}

/// `Some(v)` as a value, `None` as undefined.
pub fn defined<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(Value::Undefined, Into::into)
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Integer(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<Vec<u8>> for Value {
    fn from(s: Vec<u8>) -> Self {
        Value::String(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.as_bytes().to_vec())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s.into_bytes())
    }
}

/// The bytes of `data` from `offset`, `length` long, as YARA-X's `math`
/// functions read a range: undefined when the offset or the length is
/// negative or the offset lies past the end; a length running past the end
/// is cut at the end.
#[must_use]
pub fn clamped_range(data: &[u8], offset: i64, length: i64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let length = usize::try_from(length).ok()?;
    let end = start.saturating_add(length).min(data.len());
    data.get(start..end)
}

/// The bytes of `data` from `offset`, `length` long, as YARA-X's `hash`
/// functions read a range: undefined unless the whole range lies inside
/// the input.
#[must_use]
pub fn exact_range(data: &[u8], offset: i64, length: i64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(length).ok()?)?;
    data.get(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamped_ranges_cut_at_the_end() {
        let data = b"abcdef";
        assert_eq!(clamped_range(data, 2, 100), Some(&b"cdef"[..]));
        assert_eq!(clamped_range(data, 6, 1), Some(&b""[..]));
        assert_eq!(clamped_range(data, 7, 0), None);
        assert_eq!(clamped_range(data, -1, 1), None);
        assert_eq!(clamped_range(data, 0, -1), None);
        assert_eq!(clamped_range(data, 1, i64::MAX), Some(&b"bcdef"[..]));
    }

    #[test]
    fn exact_ranges_lie_inside() {
        let data = b"abcdef";
        assert_eq!(exact_range(data, 2, 4), Some(&b"cdef"[..]));
        assert_eq!(exact_range(data, 6, 0), Some(&b""[..]));
        assert_eq!(exact_range(data, 2, 5), None);
        assert_eq!(exact_range(data, i64::MAX, i64::MAX), None);
        assert_eq!(exact_range(data, -1, 2), None);
    }
}
