//! Building [`Value::Struct`]s by field name.
//!
//! Module values are laid out by field index (see [`crate::modules`]), but a
//! parser is easier to read when it says `record.set("machine", ..)`. A
//! [`Record`] bridges the two: it starts with every field undefined and puts
//! each value at the index its name has in the declaration.

use crate::modules::Value;
use crate::types::{StructType, Type};

/// A structure value under construction.
pub(crate) struct Record<'t> {
    ty: &'t StructType,
    values: Vec<Value>,
}

impl<'t> Record<'t> {
    /// A record of type `ty` with every field undefined.
    pub(crate) fn new(ty: &'t StructType) -> Self {
        Self { ty, values: vec![Value::Undefined; ty.fields.len()] }
    }

    /// Sets field `name`. Setting an undeclared name is a programming error:
    /// it trips a debug assertion (every module has tests that build values)
    /// and is ignored in release builds.
    pub(crate) fn set(&mut self, name: &str, value: Value) -> &mut Self {
        match self.ty.field_index(name) {
            Some(index) => self.values[index] = value,
            None => debug_assert!(false, "no field `{name}` in the declaration"),
        }
        self
    }

    /// Sets an integer field.
    pub(crate) fn int(&mut self, name: &str, value: impl Into<i64>) -> &mut Self {
        self.set(name, Value::Integer(value.into()))
    }

    /// Sets an integer field from an unsigned 64-bit value; values that do not
    /// fit an `i64` wrap, as they do in YARA.
    pub(crate) fn uint(&mut self, name: &str, value: u64) -> &mut Self {
        self.set(name, Value::Integer(value as i64))
    }

    /// Sets a boolean field (booleans are integers 0 and 1 at run time).
    pub(crate) fn bool(&mut self, name: &str, value: bool) -> &mut Self {
        self.set(name, Value::Integer(i64::from(value)))
    }

    /// Sets a string field.
    pub(crate) fn bytes(&mut self, name: &str, value: impl Into<Vec<u8>>) -> &mut Self {
        self.set(name, Value::String(value.into()))
    }

    /// The declared type of the structures held by field `name`, which must be
    /// a structure or an array of structures.
    pub(crate) fn nested(&self, name: &str) -> &'t StructType {
        nested_struct(self.ty, name)
    }

    /// The finished structure value.
    pub(crate) fn finish(self) -> Value {
        Value::Struct(self.values)
    }
}

/// The structure type of field `name` of `ty`, looking through one array or
/// dictionary level. An empty structure if the declaration has no such field.
pub(crate) fn nested_struct<'t>(ty: &'t StructType, name: &str) -> &'t StructType {
    static EMPTY: StructType = StructType { fields: Vec::new() };
    let Some(field) = ty.field(name) else {
        debug_assert!(false, "no field `{name}` in the declaration");
        return &EMPTY;
    };
    match &field.ty {
        Type::Struct(s) => s,
        Type::Array(element) | Type::Dict(element) => match element.as_ref() {
            Type::Struct(s) => s,
            _ => &EMPTY,
        },
        _ => &EMPTY,
    }
}

/// Adds the integer constants `values` to a structure under construction.
pub(crate) fn with_constants(
    builder: crate::types::StructBuilder,
    values: &[(&'static str, i64)],
) -> crate::types::StructBuilder {
    values.iter().fold(builder, |b, &(name, value)| b.constant(name, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::StructBuilder;

    #[test]
    fn fields_land_at_their_declared_index() {
        let inner = StructBuilder::new().int("x").build();
        let ty = StructBuilder::new()
            .string("name")
            .int("count")
            .array("items", Type::Struct(inner.clone()))
            .build();
        let mut r = Record::new(&ty);
        r.int("count", 3).bytes("name", "n");
        assert_eq!(r.nested("items"), inner.as_ref());
        let Value::Struct(fields) = r.finish() else { panic!("a structure") };
        assert!(matches!(&fields[0], Value::String(s) if s == b"n"));
        assert!(matches!(fields[1], Value::Integer(3)));
        assert!(fields[2].is_undefined());
    }
}
