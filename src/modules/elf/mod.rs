//! The `elf` module.

mod declaration;

use std::sync::Arc;

use crate::modules::{FunctionImpl, Module, ModuleData};
use crate::types::StructType;

/// The `elf` module.
#[derive(Debug, Clone, Copy)]
pub struct Elf;

impl Module for Elf {
    fn name(&self) -> &'static str {
        "elf"
    }

    fn declaration(&self) -> Arc<StructType> {
        declaration::DECLARATION.clone()
    }

    fn parse(&self, _data: &[u8]) -> ModuleData {
        ModuleData::default()
    }

    fn function(&self, _path: &str, _overload: usize) -> Option<FunctionImpl> {
        None
    }
}
