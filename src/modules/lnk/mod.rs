//! The `lnk` module: Windows shortcut files as YARA-X reports them, header
//! times and attributes, the target's shell items, link info, string data,
//! the tracker block and the overlay after the shortcut (where an
//! oversized carrier, as ScarCruft builds them, hides its payload).

mod declaration;
mod parse;

use crate::modules::schema::{FieldType, FormatModule};
use crate::modules::{Module, ModuleData};
use declaration::LnkModule;

/// The `lnk` module.
pub(crate) static LNK: &dyn Module = &FormatModule::<LnkModule>::new("lnk", parse_module);

/// The module's data for one input.
fn parse_module(data: &[u8]) -> ModuleData {
    let value = parse::parse(data)
        .unwrap_or_else(|| LnkModule { is_lnk: Some(false), ..LnkModule::default() });
    ModuleData { value: value.into_value(), native: None }
}
