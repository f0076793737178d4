//! The `pe` module: headers, sections, imports, exports, resources, version
//! information, the rich header and Authenticode signatures of PE files.

mod declaration;

use std::sync::Arc;

use crate::modules::record::Record;
use crate::modules::{FunctionImpl, Module, ModuleData};
use crate::types::StructType;

/// The `pe` module.
#[derive(Debug, Clone, Copy)]
pub struct Pe;

impl Module for Pe {
    fn name(&self) -> &'static str {
        "pe"
    }

    fn declaration(&self) -> Arc<StructType> {
        declaration::DECLARATION.clone()
    }

    fn parse(&self, data: &[u8]) -> ModuleData {
        let mut root = Record::new(&declaration::DECLARATION);
        root.bool("is_pe", false);
        let _ = data;
        ModuleData { value: root.finish(), native: None }
    }

    fn function(&self, _path: &str, _overload: usize) -> Option<FunctionImpl> {
        None
    }
}
