//! The `dotnet` module.

mod declaration;

use std::sync::Arc;

use crate::modules::{FunctionImpl, Module, ModuleData};
use crate::types::StructType;

/// The `dotnet` module.
#[derive(Debug, Clone, Copy)]
pub struct Dotnet;

impl Module for Dotnet {
    fn name(&self) -> &'static str {
        "dotnet"
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
