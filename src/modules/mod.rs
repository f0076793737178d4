//! Modules: structured data about the scanned input (`pe`, `elf`, `math`,
//! `hash`, `time`, `console`, `string`, `dotnet`, `lnk`, `macho`, `zip`,
//! `dex`, `crx`, `olecf`, `vba`, `msi`, `cuckoo`).
//!
//! A module has two faces. At compile time it is a [`StructType`]: the names
//! and types of its fields, its constants and its functions, which the
//! checker uses to type `pe.sections[0].name` or `math.entropy(0, 100)`.
//! At scan time it is a [`ModuleData`]: the [`Value`] tree for one input,
//! computed once per file and only when some rule imports the module, plus
//! native state its functions can use (a parsed header, a cache for an
//! expensive hash).
//!
//! Values are laid out by the declaration: a [`Value::Struct`] holds one
//! value per field of its [`StructType`], at the field's index, so the
//! compiler turns `pe.machine` into "field 3 of the module" once and the
//! evaluator never looks a name up. Fields the input does not provide are
//! [`Value::Undefined`], which is how YARA's undefined values reach rules:
//! a truncated header yields undefined fields, never a panic.
//!
//! Functions are resolved at compile time too: [`Module::function`] maps a
//! declared function and the overload the checker chose to a plain
//! [`FunctionImpl`] pointer the evaluator calls.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::types::StructType;
pub use functions::Member;

pub mod cache;
pub mod console;
pub mod docs;
pub mod dump;
pub mod external;
pub mod functions;
pub mod hash;
pub mod math;
pub mod string;
pub mod time;

#[cfg(test)]
pub(crate) mod testing;

// File-format modules and their shared helpers.
mod binary;
mod cfb;
pub mod crx;
pub mod cuckoo;
mod der;
pub mod dex;
pub mod dotnet;
pub mod elf;
pub mod lnk;
pub mod macho;
pub mod msi;
pub mod olecf;
pub mod pe;
mod rsa;
pub mod schema;
pub mod vba;
pub mod zip;

/// A value of module data, shaped by the module's [`StructType`].
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// Missing or not computable for this input.
    #[default]
    Undefined,
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A byte string (not necessarily UTF-8).
    String(Vec<u8>),
    /// A compiled regular expression; only ever a function argument.
    Regex(Arc<regex_automata::meta::Regex>),
    /// A structure: one value per field of its type, by field index.
    /// Function and constant fields hold `Undefined`.
    Struct(Vec<Value>),
    /// An array, indexed from 0.
    Array(Vec<Value>),
    /// A dictionary keyed by byte strings.
    Dict(BTreeMap<Vec<u8>, Value>),
}

impl Value {
    /// Whether the value is [`Value::Undefined`].
    #[must_use]
    pub fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }
}

/// One module's data for one input.
#[derive(Default)]
pub struct ModuleData {
    /// The value tree, a [`Value::Struct`] laid out by the declaration.
    pub value: Value,
    /// Whatever the module's functions need beyond the value tree (parsed
    /// headers, lazily computed hashes). `None` for modules without state.
    pub native: Option<Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for ModuleData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleData")
            .field("value", &self.value)
            .field("native", &self.native.as_ref().map(|_| ".."))
            .finish()
    }
}

/// What a module function sees when it is called.
pub struct CallContext<'a> {
    /// The whole scanned input.
    pub data: &'a [u8],
    /// The module's data for this input.
    pub module: &'a ModuleData,
    /// Messages for the user (`console.log`); the scanner decides whether
    /// they go to standard error or into the report.
    pub messages: &'a RefCell<Vec<String>>,
    /// When the scan must stop: functions that walk the input (hashes,
    /// statistics over a range) look at it and give up with an undefined
    /// value once it has passed.
    pub deadline: &'a crate::matcher::deadline::Deadline,
}

/// A module function: arguments in, value (maybe undefined) out. Argument
/// types are guaranteed by the checker to match the overload it resolved.
pub type FunctionImpl = fn(&CallContext<'_>, &[Value]) -> Value;

/// A module as the compiler and the scanner see it.
pub trait Module: Send + Sync {
    /// The name used in `import "name"`.
    fn name(&self) -> &'static str;

    /// Field, constant and function declarations.
    fn declaration(&self) -> Arc<StructType>;

    /// Computes the module's data for one input. Called at most once per
    /// scanned input, and only when a rule imports the module. Must not
    /// panic and must bound its time and memory on hostile input.
    fn parse(&self, data: &[u8]) -> ModuleData;

    /// Whether the module reads data from outside the input (see
    /// [`external`]); only such modules accept `--module-data`.
    fn takes_input(&self) -> bool {
        false
    }

    /// Decodes data given to the module from outside the input
    /// (`--module-data NAME=FILE`, see [`external`]), once before any scan.
    ///
    /// # Errors
    /// Why `bytes` cannot be used; modules that read only the input take
    /// no outside data at all.
    fn decode_input(&self, bytes: &[u8]) -> Result<external::ModuleInput, String> {
        let _ = bytes;
        Err(format!("module `{}` takes no data", self.name()))
    }

    /// [`Module::parse`] with the outside data [`Module::decode_input`]
    /// made, when some was given.
    fn parse_with(&self, data: &[u8], input: Option<&external::ModuleInput>) -> ModuleData {
        let _ = input;
        self.parse(data)
    }

    /// The outside data as its functions read it, for `spoor dump`.
    fn input_json(&self, input: &external::ModuleInput) -> serde_json::Value {
        let _ = input;
        serde_json::Value::Null
    }

    /// What the declaration names at `path` (field names from the module
    /// root joined with `.`, such as `sections.name`, `imports` or
    /// `rich_signature.version`): a documented field or a function with its
    /// implementations. Derived from the module's one declaration
    /// ([`schema`]), so it cannot disagree with [`Module::declaration`].
    fn member(&self, path: &str) -> Option<Member>;

    /// The implementation of the function declared at `path` for the
    /// overload at index `overload` of its declaration.
    fn function(&self, path: &str, overload: usize) -> Option<FunctionImpl> {
        self.member(path)?.implementation(overload)
    }
}

/// Index of a module in [`registry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ModuleId(pub u16);

/// Every module spoor knows, in a fixed order: a [`ModuleId`] indexes it.
#[must_use]
pub fn registry() -> &'static [&'static dyn Module] {
    &REGISTRY
}

/// The modules of [`registry`], one per line so branches that add modules
/// merge cleanly.
#[rustfmt::skip]
static REGISTRY: [&dyn Module; 17] = [
    &math::MATH,
    &hash::HASH,
    &time::TIME,
    &console::CONSOLE,
    &string::STRING,
    // File formats.
    pe::PE,
    elf::ELF,
    dotnet::DOTNET,
    lnk::LNK,
    zip::ZIP,
    dex::DEX,
    crx::CRX,
    macho::MACHO,
    olecf::OLECF,
    vba::VBA,
    msi::MSI,
    // Outside data.
    cuckoo::CUCKOO,
];

/// The names of every module, as `import` spells them.
pub fn names() -> impl Iterator<Item = &'static str> {
    registry().iter().map(|m| m.name())
}

/// The module imported as `name`, with its id.
#[must_use]
pub fn find(name: &str) -> Option<(ModuleId, &'static dyn Module)> {
    registry()
        .iter()
        .position(|m| m.name() == name)
        .and_then(|i| Some((ModuleId(u16::try_from(i).ok()?), registry()[i])))
}

/// The module with id `id`.
///
/// # Panics
/// If `id` did not come from [`find`]: ids are only made there.
#[must_use]
pub fn get(id: ModuleId) -> &'static dyn Module {
    registry()[usize::from(id.0)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::functions::declared_functions;

    #[test]
    fn every_declared_overload_has_an_implementation() {
        for module in registry() {
            for (path, function) in declared_functions(&module.declaration()) {
                let overloads = function.overloads.len();
                for i in 0..overloads {
                    assert!(
                        module.function(&path, i).is_some(),
                        "{}.{path} overload {i} has no implementation",
                        module.name()
                    );
                }
                assert!(module.function(&path, overloads).is_none());
            }
        }
    }

    #[test]
    fn modules_are_found_by_name() {
        for (i, module) in registry().iter().enumerate() {
            let (id, found) = find(module.name()).expect("registered module is found");
            assert_eq!(usize::from(id.0), i);
            assert_eq!(get(id).name(), found.name());
        }
        assert!(find("no_such_module").is_none());
    }

    #[test]
    fn parsed_value_is_laid_out_by_the_declaration() {
        for module in registry() {
            let data = module.parse(b"MZ\x90\x00");
            if let Value::Struct(fields) = &data.value {
                assert_eq!(fields.len(), module.declaration().fields.len(), "{}", module.name());
            }
        }
    }
}
