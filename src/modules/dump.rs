//! Module data as JSON, for `spoor dump --module NAME FILE`: rule authors
//! see which fields a file provides and what they hold.
//!
//! The value tree is laid out by field index, so the declaration supplies
//! the names. Undefined fields are left out (what is absent is what a rule
//! would find undefined); functions and constants are left out too, as
//! they are the same for every file. Array elements that are undefined
//! become `null` so the other elements keep their indexes.
//!
//! JSON has no byte strings. A string that is valid UTF-8 is written as a
//! JSON string; any other becomes `{"text": ..., "base64": ...}`: `text`
//! with invalid bytes replaced by U+FFFD, for people, and `base64` the
//! exact bytes, for tools, as in the scan reports. Dictionary keys that are
//! not UTF-8 are written with the replacement character. Floats that JSON
//! cannot hold (NaN, infinities) are written as the strings `NaN`, `inf`
//! and `-inf`.

use base64::Engine as _;
use serde_json::{Map, Number, Value as Json};

use crate::modules::external::ModuleInput;
use crate::modules::{Module, Value};
use crate::types::{StructType, Type};

/// The data `module` computes for `data`, as a JSON object.
#[must_use]
pub fn dump(module: &dyn Module, data: &[u8]) -> Json {
    dump_with(module, data, None)
}

/// [`dump`] with outside data (`--module-data`): the object also holds
/// that data as the module reads it, under `module_data`.
#[must_use]
pub fn dump_with(module: &dyn Module, data: &[u8], input: Option<&ModuleInput>) -> Json {
    let parsed = module.parse_with(data, input);
    let ty = Type::Struct(module.declaration());
    let mut json = to_json(&parsed.value, &ty).unwrap_or_else(|| Json::Object(Map::new()));
    if let (Some(input), Json::Object(object)) = (input, &mut json) {
        let _ = object.insert("module_data".to_owned(), module.input_json(input));
    }
    json
}

/// `value`, of type `ty`, as JSON; `None` when it is undefined or is not
/// data (a function, a regular expression).
#[must_use]
pub fn to_json(value: &Value, ty: &Type) -> Option<Json> {
    match (value, ty) {
        (Value::Undefined | Value::Regex(_), _) => None,
        (Value::Integer(i), Type::Bool) => Some(Json::Bool(*i != 0)),
        (Value::Integer(i), _) => Some(Json::from(*i)),
        (Value::Float(f), _) => Some(float(*f)),
        (Value::String(s), _) => Some(string(s)),
        (Value::Struct(fields), Type::Struct(st)) => Some(Json::Object(structure(fields, st))),
        (Value::Array(items), Type::Array(element)) => Some(Json::Array(
            items.iter().map(|item| to_json(item, element).unwrap_or(Json::Null)).collect(),
        )),
        (Value::Dict(entries), Type::Dict(element)) => Some(Json::Object(
            entries
                .iter()
                .filter_map(|(key, v)| {
                    Some((String::from_utf8_lossy(key).into_owned(), to_json(v, element)?))
                })
                .collect(),
        )),
        // A container whose shape disagrees with its declaration is a
        // module bug; showing nothing beats showing it under wrong names.
        (Value::Struct(_) | Value::Array(_) | Value::Dict(_), _) => None,
    }
}

/// The defined data fields of a structure, by declared name.
fn structure(fields: &[Value], ty: &StructType) -> Map<String, Json> {
    ty.fields
        .iter()
        .zip(fields)
        .filter(|(field, _)| field.constant.is_none())
        .filter_map(|(field, value)| Some((field.name.to_owned(), to_json(value, &field.ty)?)))
        .collect()
}

fn float(f: f64) -> Json {
    Number::from_f64(f).map_or_else(|| Json::String(f.to_string()), Json::Number)
}

fn string(bytes: &[u8]) -> Json {
    match std::str::from_utf8(bytes) {
        Ok(text) => Json::String(text.to_owned()),
        Err(_) => {
            let mut object = Map::new();
            object.insert("text".into(), String::from_utf8_lossy(bytes).into_owned().into());
            object.insert(
                "base64".into(),
                base64::engine::general_purpose::STANDARD.encode(bytes).into(),
            );
            Json::Object(object)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::types::StructBuilder;

    fn section_type() -> Type {
        Type::Struct(StructBuilder::new().string("name").int("size").build())
    }

    fn module_type() -> Type {
        Type::Struct(
            StructBuilder::new()
                .constant("MACHINE_I386", 0x14c)
                .int("machine")
                .float("ratio")
                .field("is_signed", Type::Bool)
                .string("pdb_path")
                .array("sections", section_type())
                .dict("version_info", Type::String)
                .function("is_dll", &[(&[], Type::Bool)])
                .build(),
        )
    }

    fn section(name: &[u8], size: Option<i64>) -> Value {
        Value::Struct(vec![
            Value::String(name.to_vec()),
            size.map_or(Value::Undefined, Value::Integer),
        ])
    }

    #[test]
    fn fields_are_named_by_the_declaration_and_undefined_ones_left_out() {
        let value = Value::Struct(vec![
            Value::Undefined,
            Value::Integer(0x14c),
            Value::Float(7.5),
            Value::Integer(1),
            Value::Undefined,
            Value::Array(vec![section(b".text", Some(512)), Value::Undefined, section(b"", None)]),
            Value::Dict(BTreeMap::from([(b"ProductName".to_vec(), Value::String(b"x".to_vec()))])),
            Value::Undefined,
        ]);
        assert_eq!(
            to_json(&value, &module_type()),
            Some(json!({
                "machine": 0x14c,
                "ratio": 7.5,
                "is_signed": true,
                "sections": [{"name": ".text", "size": 512}, null, {"name": ""}],
                "version_info": {"ProductName": "x"},
            }))
        );
    }

    #[test]
    fn byte_strings_keep_their_exact_bytes() {
        assert_eq!(
            to_json(&Value::String(b"a\xffb".to_vec()), &Type::String),
            Some(json!({"text": "a\u{fffd}b", "base64": "Yf9i"}))
        );
    }

    #[test]
    fn floats_json_cannot_hold_are_written_as_text() {
        assert_eq!(to_json(&Value::Float(f64::NAN), &Type::Float), Some(json!("NaN")));
        assert_eq!(to_json(&Value::Float(f64::INFINITY), &Type::Float), Some(json!("inf")));
    }

    #[test]
    fn a_shape_that_disagrees_with_the_declaration_is_not_shown() {
        assert_eq!(to_json(&Value::Array(vec![]), &Type::Integer), None);
    }

    #[test]
    fn modules_without_data_dump_as_an_empty_object() {
        use crate::modules::{console, hash, math, string, time};
        let modules: [&dyn Module; 5] =
            [&math::MATH, &hash::HASH, &time::TIME, &console::CONSOLE, &string::STRING];
        for module in modules {
            assert_eq!(dump(module, b"MZ"), json!({}), "{}", module.name());
        }
    }
}
