//! The `lnk` module: Windows shortcut files as YARA-X reports them, header
//! times and attributes, the target's shell items, link info, string data,
//! the tracker block and the overlay after the shortcut (where an
//! oversized carrier, as ScarCruft builds them, hides its payload).

mod declaration;
mod parse;

use std::sync::Arc;

use crate::modules::schema::{FieldType, Schema};
use crate::modules::{Member, Module, ModuleData};
use crate::types::StructType;
use declaration::LnkModule;

/// The `lnk` module.
#[derive(Debug, Clone, Copy)]
pub struct Lnk;

impl Module for Lnk {
    fn name(&self) -> &'static str {
        "lnk"
    }

    fn declaration(&self) -> Arc<StructType> {
        LnkModule::declaration()
    }

    fn parse(&self, data: &[u8]) -> ModuleData {
        let value = parse::parse(data)
            .unwrap_or_else(|| LnkModule { is_lnk: Some(false), ..LnkModule::default() });
        ModuleData { value: value.into_value(), native: None }
    }

    fn member(&self, path: &str) -> Option<Member> {
        LnkModule::member(path)
    }
}
