//! Module schemas declared once, as Rust types.
//!
//! A file-format module describes its data with the `schema!` macro: one
//! Rust structure per declared structure, one field per declared field,
//! each with its doc comment, plus the structure's function table and
//! constants. Everything else is derived from that one declaration:
//!
//! - the [`StructType`] the checker types `pe.sections[0].name` with
//!   ([`Schema::declaration`]);
//! - the [`Value`] tree a parser hands to the scanner: a parser fills the
//!   generated structure (`Section { name: Some(..), ..Default::default() }`)
//!   and [`FieldType::into_value`] lays it out by field index, so a field
//!   name that is not declared, or a value of the wrong type, does not
//!   compile;
//! - the implementation of each function overload, kept beside its
//!   signature in a [`FunctionDef`] table, so the overload index the checker
//!   resolves is the index of the code the evaluator calls
//!   ([`FieldType::member`]);
//! - the field documentation that [`crate::modules::docs`] renders and
//!   `spoor dump` names fields by.
//!
//! Every generated field is an `Option`: `None` is YARA's undefined value.
//! Rust types stand for declared types through [`FieldType`]: `i64` is an
//! integer, `f64` a float, `bool` a boolean, `Vec<u8>` a string, `Vec<T>`
//! an array of `T`, `BTreeMap<Vec<u8>, T>` a dictionary and a generated
//! structure a structure. Fields named by Rust keywords (`type`, `static`)
//! are written as raw identifiers (`r#type`); the declared name drops the
//! `r#`.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::modules::functions::{FunctionDef, Member};
use crate::modules::{Module, ModuleData, Value};
use crate::types::{StructType, Type};

/// A Rust type that stands for a declared field type.
pub trait FieldType {
    /// The declared type.
    fn ty() -> Type;

    /// The value laid out as the scanner reads it.
    fn into_value(self) -> Value;

    /// The member at `path` (field names joined with `.`) inside values of
    /// this type; only structures (and containers of them) have members.
    fn member(_path: &str) -> Option<Member> {
        None
    }
}

/// A structure declared with `schema!`.
pub trait Schema: FieldType + Default {
    /// The structure's type, built once.
    fn declaration() -> Arc<StructType>;
}

/// A module that reads a file format: its value is laid out by one
/// `schema!` structure, `Root`, and `parse` fills it from an input. `pe`,
/// `elf`, `dotnet` and `lnk` are each a `static` of this type and differ
/// only in their root and parser.
pub struct FormatModule<Root> {
    name: &'static str,
    parse: fn(&[u8]) -> ModuleData,
    root: PhantomData<fn() -> Root>,
}

impl<Root> FormatModule<Root> {
    /// The module imported as `name`, whose data `parse` computes.
    #[must_use]
    pub const fn new(name: &'static str, parse: fn(&[u8]) -> ModuleData) -> Self {
        Self { name, parse, root: PhantomData }
    }
}

impl<Root: Schema> Module for FormatModule<Root> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn declaration(&self) -> Arc<StructType> {
        Root::declaration()
    }

    fn parse(&self, data: &[u8]) -> ModuleData {
        (self.parse)(data)
    }

    fn member(&self, path: &str) -> Option<Member> {
        Root::member(path)
    }
}

impl FieldType for i64 {
    fn ty() -> Type {
        Type::Integer
    }

    fn into_value(self) -> Value {
        Value::Integer(self)
    }
}

impl FieldType for f64 {
    fn ty() -> Type {
        Type::Float
    }

    fn into_value(self) -> Value {
        Value::Float(self)
    }
}

/// Booleans are typed as such and are integers 0 and 1 at run time.
impl FieldType for bool {
    fn ty() -> Type {
        Type::Bool
    }

    fn into_value(self) -> Value {
        Value::Integer(i64::from(self))
    }
}

/// Strings are byte strings, not necessarily UTF-8.
impl FieldType for Vec<u8> {
    fn ty() -> Type {
        Type::String
    }

    fn into_value(self) -> Value {
        Value::String(self)
    }
}

impl<T: FieldType> FieldType for Vec<T> {
    fn ty() -> Type {
        Type::array(T::ty())
    }

    fn into_value(self) -> Value {
        Value::Array(self.into_iter().map(T::into_value).collect())
    }

    fn member(path: &str) -> Option<Member> {
        T::member(path)
    }
}

impl<T: FieldType> FieldType for BTreeMap<Vec<u8>, T> {
    fn ty() -> Type {
        Type::dict(T::ty())
    }

    fn into_value(self) -> Value {
        Value::Dict(self.into_iter().map(|(k, v)| (k, v.into_value())).collect())
    }

    fn member(path: &str) -> Option<Member> {
        T::member(path)
    }
}

/// The declared name of a field written `name` or `r#name` in Rust.
#[must_use]
pub fn declared_name(rust_name: &'static str) -> &'static str {
    rust_name.strip_prefix("r#").unwrap_or(rust_name)
}

/// The function table given to `schema!`, or none.
#[must_use]
pub fn table_or_empty(tables: &[&'static [FunctionDef]]) -> &'static [FunctionDef] {
    tables.first().copied().unwrap_or(&[])
}

/// Splits a member path at its first `.`.
#[must_use]
pub fn split_path(path: &str) -> (&str, Option<&str>) {
    match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    }
}

/// A defined integer field from any integer type that fits an `i64`.
pub fn int(value: impl Into<i64>) -> Option<i64> {
    Some(value.into())
}

/// A defined integer field from a `u64`: values past `i64::MAX` wrap, as
/// they do in YARA.
#[must_use]
pub fn uint(value: u64) -> Option<i64> {
    Some(value as i64)
}

/// A defined count field (counts are capped far below `i64::MAX`).
#[must_use]
pub fn count(n: usize) -> Option<i64> {
    Some(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A defined string field.
pub fn text(bytes: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    Some(bytes.as_ref().to_vec())
}

/// Declares module structures: see the [module documentation](self).
///
/// ```ignore
/// schema! {
///     /// A section header.
///     pub(super) struct Section {
///         /// The section name.
///         name: Vec<u8>,
///         r#type: i64,
///     }
///     functions = SECTION_FUNCTIONS;
///     constants = [SECTION_FLAGS];
/// }
/// ```
///
/// Structures are `pub` or `pub(...)`. `functions` is a
/// `&'static [FunctionDef]`, `constants` a list of
/// `&[(&str, i64)]` tables; both are optional. Functions follow the data
/// fields in the declaration and constants follow the functions.
macro_rules! schema {
    ($(
        $(#[doc = $struct_doc:literal])*
        pub $(($($vis:tt)+))? struct $name:ident {
            $( $(#[doc = $doc:literal])* $field:ident : $ty:ty ),* $(,)?
        }
        $(functions = $functions:expr;)?
        $(constants = [$($constants:expr),* $(,)?];)?
        $(enums = [$(($enum_name:literal, $enum_values:expr)),* $(,)?];)?
    )*) => {$(
        $(#[doc = $struct_doc])*
        #[derive(Debug, Default, Clone)]
        pub $(($($vis)+))? struct $name {
            $( $(#[doc = $doc])* pub $field: Option<$ty>, )*
        }

        impl $name {
            /// The function table of this structure.
            fn function_table() -> &'static [$crate::modules::functions::FunctionDef] {
                $crate::modules::schema::table_or_empty(&[$($functions)?])
            }
        }

        impl $crate::modules::schema::Schema for $name {
            fn declaration() -> ::std::sync::Arc<$crate::types::StructType> {
                static DECLARATION: ::std::sync::LazyLock<
                    ::std::sync::Arc<$crate::types::StructType>,
                > = ::std::sync::LazyLock::new(|| {
                    let builder = $crate::types::StructBuilder::new();
                    $(
                        let builder = builder.field(
                            $crate::modules::schema::declared_name(stringify!($field)),
                            <$ty as $crate::modules::schema::FieldType>::ty(),
                        );
                    )*
                    let builder = $crate::modules::functions::declare(
                        builder,
                        $name::function_table(),
                    );
                    $($(
                        let builder = $crate::modules::schema::with_constants(
                            builder,
                            $constants,
                        );
                    )*)?
                    $($(
                        let builder = builder.structure(
                            $enum_name,
                            $crate::modules::schema::with_constants(
                                $crate::types::StructBuilder::new(),
                                $enum_values,
                            )
                            .build(),
                        );
                    )*)?
                    builder.build()
                });
                DECLARATION.clone()
            }
        }

        impl $crate::modules::schema::FieldType for $name {
            fn ty() -> $crate::types::Type {
                $crate::types::Type::Struct(
                    <$name as $crate::modules::schema::Schema>::declaration(),
                )
            }

            fn into_value(self) -> $crate::modules::Value {
                let len = <$name as $crate::modules::schema::Schema>::declaration().fields.len();
                let mut fields = ::std::vec::Vec::with_capacity(len);
                $(
                    fields.push(self.$field.map_or($crate::modules::Value::Undefined, |v| {
                        <$ty as $crate::modules::schema::FieldType>::into_value(v)
                    }));
                )*
                fields.resize(len, $crate::modules::Value::Undefined);
                $crate::modules::Value::Struct(fields)
            }

            fn member(path: &str) -> Option<$crate::modules::functions::Member> {
                use $crate::modules::functions::Member;
                let (head, rest) = $crate::modules::schema::split_path(path);
                $(
                    if head == $crate::modules::schema::declared_name(stringify!($field)) {
                        return match rest {
                            None => Some(Member::Field { doc: concat!($($doc, "\n",)*) }),
                            Some(rest) => {
                                <$ty as $crate::modules::schema::FieldType>::member(rest)
                            }
                        };
                    }
                )*
                match rest {
                    None => $name::function_table()
                        .iter()
                        .find(|f| f.name == head)
                        .map(Member::Function),
                    Some(_) => None,
                }
            }
        }
    )*};
}

pub(crate) use schema;

/// Adds the integer constants `values` to a structure under construction.
pub fn with_constants(
    builder: crate::types::StructBuilder,
    values: &[(&'static str, i64)],
) -> crate::types::StructBuilder {
    values.iter().fold(builder, |b, &(name, value)| b.constant(name, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::CallContext;
    use crate::modules::functions::Overload;

    fn seven(_: &CallContext<'_>, _: &[Value]) -> Value {
        Value::Integer(7)
    }

    static INNER_FUNCTIONS: &[FunctionDef] = &[FunctionDef {
        name: "seven",
        overloads: &[Overload { params: &[], result: Type::Integer, implementation: seven }],
    }];

    schema! {
        /// A test element.
        pub(super) struct Inner {
            /// The x.
            x: i64,
        }
        functions = INNER_FUNCTIONS;

        /// A test root.
        pub(super) struct Outer {
            /// A name.
            name: Vec<u8>,
            r#type: bool,
            items: Vec<Inner>,
            table: BTreeMap<Vec<u8>, Vec<u8>>,
        }
        constants = [&[("ONE", 1)]];
    }

    #[test]
    fn the_declaration_follows_the_rust_structure() {
        let decl = Outer::declaration();
        let names: Vec<&str> = decl.fields.iter().map(|f| f.name).collect();
        assert_eq!(names, ["name", "type", "items", "table", "ONE"]);
        assert_eq!(decl.fields[1].ty, Type::Bool);
        assert_eq!(decl.fields[2].ty.to_string(), "array of struct");
        assert_eq!(decl.fields[3].ty.to_string(), "dictionary of string");
        let Type::Array(inner) = &decl.fields[2].ty else { panic!("an array") };
        assert_eq!(**inner, Type::Struct(Inner::declaration()));
        assert_eq!(Inner::declaration().fields.len(), 2, "x and seven()");
    }

    #[test]
    fn values_are_laid_out_by_field_index() {
        let value = Outer {
            r#type: Some(true),
            items: Some(vec![Inner { x: Some(3) }, Inner::default()]),
            ..Outer::default()
        }
        .into_value();
        let Value::Struct(fields) = value else { panic!("a structure") };
        assert_eq!(fields.len(), 5);
        assert!(fields[0].is_undefined());
        assert!(matches!(fields[1], Value::Integer(1)));
        let Value::Array(items) = &fields[2] else { panic!("an array") };
        let Value::Struct(first) = &items[0] else { panic!("a structure") };
        assert!(matches!(first[0], Value::Integer(3)));
        assert!(first[1].is_undefined(), "function fields hold undefined");
        assert!(fields[3].is_undefined() && fields[4].is_undefined());
    }

    #[test]
    fn members_are_found_by_path() {
        assert!(matches!(Outer::member("name"), Some(Member::Field { doc: " A name.\n" })));
        assert!(matches!(Outer::member("type"), Some(Member::Field { doc: "" })));
        assert!(Outer::member("items.seven").and_then(|m| m.implementation(0)).is_some());
        assert!(Outer::member("items.seven").and_then(|m| m.implementation(1)).is_none());
        assert!(Outer::member("items.x.y").is_none());
        assert!(Outer::member("nothing").is_none());
        assert!(Outer::member("ONE").is_none(), "constants are not members");
    }
}
