//! The static types of the condition language and of module data.
//!
//! The checker gives every expression a [`Type`]; modules describe the values
//! they provide as a [`StructType`] tree built with [`StructBuilder`]. Types
//! are cheap to clone (shared behind `Arc`).

use std::fmt;
use std::sync::Arc;

/// A type of the condition language.
#[derive(Clone, PartialEq)]
pub enum Type {
    /// 64-bit signed integer.
    Integer,
    /// 64-bit float.
    Float,
    /// Byte string (not necessarily UTF-8).
    String,
    /// Boolean.
    Bool,
    /// A regular expression (only as a `matches` operand or an argument).
    Regex,
    /// A structure with named fields (a module, or a module sub-structure).
    Struct(Arc<StructType>),
    /// An array of elements of one type, indexed from 0.
    Array(Arc<Type>),
    /// A dictionary from strings to values of one type.
    Dict(Arc<Type>),
    /// A function with one or more overloads.
    Function(Arc<Function>),
}

impl Type {
    /// `Array` of `element`.
    #[must_use]
    pub fn array(element: Type) -> Type {
        Type::Array(Arc::new(element))
    }

    /// `Dict` of `value`.
    #[must_use]
    pub fn dict(value: Type) -> Type {
        Type::Dict(Arc::new(value))
    }

    /// Whether values of this type can be used where a number is expected.
    #[must_use]
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Integer | Type::Float)
    }
}

impl fmt::Debug for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Type {
    /// The names used in diagnostics: `integer`, `string`, `array of
    /// integer`, and so on.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Integer => f.write_str("integer"),
            Type::Float => f.write_str("float"),
            Type::String => f.write_str("string"),
            Type::Bool => f.write_str("boolean"),
            Type::Regex => f.write_str("regexp"),
            Type::Struct(_) => f.write_str("struct"),
            Type::Array(t) => write!(f, "array of {t}"),
            Type::Dict(t) => write!(f, "dictionary of {t}"),
            Type::Function(_) => f.write_str("function"),
        }
    }
}

/// A structure type: an ordered list of named fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StructType {
    /// The fields, in declaration order; names are unique.
    pub fields: Vec<Field>,
}

impl StructType {
    /// The field called `name`, if any.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Position of the field called `name`, the index used at run time.
    #[must_use]
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// One field of a structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field name.
    pub name: &'static str,
    /// Its type.
    pub ty: Type,
    /// For constants (`pe.MACHINE_AMD64`): the value, known at compile time.
    pub constant: Option<Constant>,
}

/// A compile-time constant value of a module.
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    /// An integer constant.
    Integer(i64),
    /// A float constant.
    Float(f64),
    /// A string constant.
    String(&'static str),
}

/// A function: the overloads it accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// Every accepted argument list with the result type for it.
    pub overloads: Vec<Signature>,
}

impl Function {
    /// The overload whose parameters equal `args` exactly, with its index.
    ///
    /// YARA does not convert arguments: `math.entropy(0, 1.0)` does not
    /// type-check, so matching is exact.
    #[must_use]
    pub fn resolve(&self, args: &[Type]) -> Option<(usize, &Signature)> {
        self.overloads.iter().enumerate().find(|(_, s)| s.params == args)
    }
}

/// One overload of a function.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// Parameter types, in order.
    pub params: Vec<Type>,
    /// Result type.
    pub result: Type,
}

/// Builds a [`StructType`] field by field.
///
/// ```
/// use spoor::types::{StructBuilder, Type};
/// let section = StructBuilder::new().string("name").int("virtual_address").build();
/// let pe = StructBuilder::new()
///     .constant("MACHINE_AMD64", 0x8664)
///     .array("sections", Type::Struct(section))
///     .function("is_dll", &[(&[], Type::Integer)])
///     .build();
/// assert_eq!(pe.field("sections").unwrap().ty.to_string(), "array of struct");
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct StructBuilder {
    fields: Vec<Field>,
}

impl StructBuilder {
    /// An empty structure.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field of any type.
    ///
    /// # Panics
    /// If a field of that name exists: declarations are static data, so a
    /// duplicate is a programming error caught by the module tests.
    pub fn field(mut self, name: &'static str, ty: Type) -> Self {
        assert!(
            self.fields.iter().all(|f| f.name != name),
            "duplicate field `{name}` in a module declaration"
        );
        self.fields.push(Field { name, ty, constant: None });
        self
    }

    /// Adds an integer field.
    pub fn int(self, name: &'static str) -> Self {
        self.field(name, Type::Integer)
    }

    /// Adds a float field.
    pub fn float(self, name: &'static str) -> Self {
        self.field(name, Type::Float)
    }

    /// Adds a string field.
    pub fn string(self, name: &'static str) -> Self {
        self.field(name, Type::String)
    }

    /// Adds a nested structure.
    pub fn structure(self, name: &'static str, ty: Arc<StructType>) -> Self {
        self.field(name, Type::Struct(ty))
    }

    /// Adds an array field.
    pub fn array(self, name: &'static str, element: Type) -> Self {
        self.field(name, Type::array(element))
    }

    /// Adds a dictionary field.
    pub fn dict(self, name: &'static str, value: Type) -> Self {
        self.field(name, Type::dict(value))
    }

    /// Adds an integer constant.
    pub fn constant(self, name: &'static str, value: i64) -> Self {
        self.constant_value(name, Constant::Integer(value))
    }

    /// Adds a constant of any kind.
    pub fn constant_value(mut self, name: &'static str, value: Constant) -> Self {
        let ty = match value {
            Constant::Integer(_) => Type::Integer,
            Constant::Float(_) => Type::Float,
            Constant::String(_) => Type::String,
        };
        self = self.field(name, ty);
        if let Some(last) = self.fields.last_mut() {
            last.constant = Some(value);
        }
        self
    }

    /// Adds a function with its overloads as `(parameters, result)` pairs.
    pub fn function(self, name: &'static str, overloads: &[(&[Type], Type)]) -> Self {
        let overloads = overloads
            .iter()
            .map(|(params, result)| Signature { params: params.to_vec(), result: result.clone() })
            .collect();
        self.field(name, Type::Function(Arc::new(Function { overloads })))
    }

    /// Finishes the structure.
    #[must_use]
    pub fn build(self) -> Arc<StructType> {
        Arc::new(StructType { fields: self.fields })
    }
}
