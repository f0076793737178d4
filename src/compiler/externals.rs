//! External variables: values given from outside the rules, such as
//! `--define filename=setup.exe`.
//!
//! On the command line a value carries no type, so the type comes from the
//! text, as YARA's `-d` does: an integer (decimal, or hex with `0x`), a
//! float, `true` or `false`, and otherwise a string (which may be empty:
//! `--define filename=` defines an empty string).

use std::collections::HashMap;
use std::sync::Arc;

use super::ir::{Constant, External, ExternalId};
use crate::types::Type;

/// A `NAME=VALUE` definition from the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Define {
    /// The variable name.
    pub name: String,
    /// Its value, typed by [`typed_value`].
    pub value: Constant,
}

impl Define {
    /// Parses `NAME=VALUE` (usable as a clap `value_parser`).
    ///
    /// # Errors
    /// When there is no `=`, or the name is not a valid identifier.
    pub fn parse(text: &str) -> Result<Define, String> {
        let Some((name, value)) = text.split_once('=') else {
            return Err(format!("`{text}` is not of the form NAME=VALUE"));
        };
        if !is_identifier(name) {
            return Err(format!("`{name}` is not a valid identifier"));
        }
        Ok(Define { name: name.to_owned(), value: typed_value(value) })
    }
}

/// The value `text` stands for: integer, float, boolean, else string.
#[must_use]
pub fn typed_value(text: &str) -> Constant {
    if let Some(i) = parse_integer(text) {
        return Constant::Integer(i);
    }
    match text {
        "true" => return Constant::Bool(true),
        "false" => return Constant::Bool(false),
        _ => {}
    }
    let looks_numeric = text.bytes().any(|b| b.is_ascii_digit())
        && text.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    match text.parse::<f64>() {
        Ok(f) if looks_numeric => Constant::Float(f),
        _ => Constant::String(Arc::from(text.as_bytes())),
    }
}

fn parse_integer(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => i64::from_str_radix(hex, 16).ok()?,
        None if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse().ok()?
        }
        None => return None,
    };
    Some(if negative { -magnitude } else { magnitude })
}

fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The external variables known to a compilation, by name.
#[derive(Debug, Default, Clone)]
pub(super) struct Externals {
    list: Vec<External>,
    by_name: HashMap<String, ExternalId>,
}

impl Externals {
    /// Defines `name`, replacing an earlier definition of it.
    pub(super) fn define(&mut self, name: &str, value: Constant) {
        if let Some(id) = self.by_name.get(name) {
            self.list[id.0 as usize].value = value;
            return;
        }
        let id = ExternalId(u32::try_from(self.list.len()).unwrap_or(u32::MAX));
        self.list.push(External { name: name.to_owned(), value });
        self.by_name.insert(name.to_owned(), id);
    }

    /// The id and type of `name`, if defined.
    pub(super) fn get(&self, name: &str) -> Option<(ExternalId, Type)> {
        let id = *self.by_name.get(name)?;
        Some((id, self.list[id.0 as usize].value.ty()))
    }

    /// The names defined, for suggestions.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|e| e.name.as_str())
    }

    /// All externals, indexed by [`ExternalId`].
    pub(super) fn into_list(self) -> Vec<External> {
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_type_comes_from_the_text() {
        assert_eq!(typed_value("12"), Constant::Integer(12));
        assert_eq!(typed_value("-3"), Constant::Integer(-3));
        assert_eq!(typed_value("0x10"), Constant::Integer(16));
        assert_eq!(typed_value("1.5"), Constant::Float(1.5));
        assert_eq!(typed_value("true"), Constant::Bool(true));
        assert_eq!(typed_value("false"), Constant::Bool(false));
        assert_eq!(typed_value(""), Constant::String(Arc::from(&b""[..])));
        assert_eq!(typed_value("inf"), Constant::String(Arc::from(&b"inf"[..])));
        assert_eq!(typed_value("a.exe"), Constant::String(Arc::from(&b"a.exe"[..])));
    }

    #[test]
    fn define_splits_at_the_first_equals() {
        let define = Define::parse("path=a=b").unwrap();
        assert_eq!(define.name, "path");
        assert_eq!(define.value, Constant::String(Arc::from(&b"a=b"[..])));
        assert!(Define::parse("novalue").is_err());
        assert!(Define::parse("1x=2").is_err());
        assert!(Define::parse("=2").is_err());
    }

    #[test]
    fn redefining_keeps_the_id() {
        let mut ext = Externals::default();
        ext.define("a", Constant::Integer(1));
        ext.define("a", Constant::Bool(true));
        assert_eq!(ext.get("a"), Some((ExternalId(0), Type::Bool)));
        assert_eq!(ext.into_list().len(), 1);
    }
}
