//! The `pe` module: headers, sections, imports, exports, resources, version
//! information, the rich header and Authenticode signatures of PE files.
//!
//! Parsing follows YARA-X field by field (it is the reference the tests
//! compare against): `headers` reads the fixed structures, one file per
//! directory reads the rest into a `parsed::ParsedPe`, `value` lays it
//! out as the declared [`Value`](crate::modules::Value) tree, and
//! `functions` answers `pe.imports(...)` and friends from the typed form,
//! which stays attached as the module's native data. Readers are written by
//! hand rather than with `goblin` or `object`: those reject files YARA
//! accepts (truncated optional headers, sections past the end) and have no
//! caps on counts, while every loop here has a named limit.

mod authenticode;
mod debug;
mod declaration;
mod entrypoint;
mod exports;
mod functions;
pub(super) mod headers;
mod imports;
mod ordinal_names;
mod ordinals;
mod parsed;
mod resources;
mod rich;
mod signatures;
mod value;
mod version_info;

pub(crate) use authenticode::{Signature as Authenticode, hash as hex_digest, signed_data};
pub(crate) use signatures::Signature;
pub(crate) use value::signature as signature_value;

use crate::modules::schema::{FieldType, FormatModule};
use crate::modules::{Module, ModuleData};
use declaration::PeModule;

/// The `pe` module.
pub(crate) static PE: &dyn Module = &FormatModule::<PeModule>::new("pe", parse_module);

/// The module's data for one input.
fn parse_module(data: &[u8]) -> ModuleData {
    match parsed::ParsedPe::parse(data) {
        Some(pe) => {
            ModuleData { value: value::build(&pe).into_value(), native: Some(Box::new(pe)) }
        }
        None => ModuleData { value: value::not_pe().into_value(), native: None },
    }
}

/// The file offset of the entry point of a PE or ELF file, for the
/// deprecated `entrypoint` keyword, as legacy YARA computes it (see
/// the `entrypoint` submodule); `None` (undefined) for other files.
#[must_use]
pub fn entry_point_offset(data: &[u8]) -> Option<i64> {
    entrypoint::offset(data)
}
