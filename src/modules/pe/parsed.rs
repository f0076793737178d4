//! Everything the `pe` module extracts from one file, before it becomes a
//! [`Value`](crate::modules::Value) tree. The module functions work on
//! this typed form (kept as the module's native data).

use std::sync::OnceLock;

use super::authenticode::{self, Signature};
use super::exports::{self, Exports};
use super::headers::{DirEntry, FileHeader, Headers, OptionalHeader, Section};
use super::imports::{self, Import};
use super::resources::{self, Resource, ResourceId, RootInfo};
use super::rich::{self, RichHeader};
use super::{debug, version_info};

/// `RESOURCE_TYPE_VERSION`.
const RESOURCE_TYPE_VERSION: u32 = 16;

/// A parsed PE file.
#[derive(Debug)]
pub(crate) struct ParsedPe {
    pub file: FileHeader,
    pub optional: OptionalHeader,
    pub entry_point_offset: Option<u32>,
    pub sections: Vec<Section>,
    pub data_directories: Vec<DirEntry>,
    pub rich: Option<RichHeader>,
    pub imports: Vec<Import>,
    pub delayed_imports: Vec<Import>,
    pub exports: Option<Exports>,
    pub resources: Vec<Resource>,
    pub resource_root: Option<RootInfo>,
    pub version_info: Vec<(String, String)>,
    pub pdb_path: Option<String>,
    pub signatures: Vec<Signature>,
    /// `(offset, size)` of the data after the last section, `(0, 0)` when
    /// there is none.
    pub overlay: (u64, u64),
    /// Lazily computed `imphash()`.
    pub imphash: OnceLock<String>,
    /// Lazily computed `calculate_checksum()`.
    pub checksum: OnceLock<u32>,
}

impl ParsedPe {
    /// Parses `data`; `None` when it is not a PE file.
    pub(crate) fn parse(data: &[u8]) -> Option<Self> {
        let pe = Headers::parse(data)?;
        let (resource_root, resources) = match resources::parse(&pe) {
            Some((root, resources)) => (Some(root), resources),
            None => (None, Vec::new()),
        };
        let version_offsets = resources
            .iter()
            .filter(|r| r.type_id == ResourceId::Id(RESOURCE_TYPE_VERSION))
            .filter_map(|r| r.offset)
            .map(|o| o as usize);
        let version_info = version_info::parse(data, version_offsets);
        let end_of_sections = pe
            .sections
            .iter()
            .map(|s| u64::from(s.raw_data_offset) + u64::from(s.raw_data_size))
            .max();
        let overlay = match end_of_sections {
            Some(end) if (data.len() as u64) > end => (end, data.len() as u64 - end),
            _ => (0, 0),
        };
        Some(Self {
            entry_point_offset: pe.entry_point_offset(),
            data_directories: pe.data_directories(),
            rich: rich::parse(&data[..pe.e_lfanew]),
            imports: imports::standard(&pe).unwrap_or_default(),
            delayed_imports: imports::delayed(&pe).unwrap_or_default(),
            exports: exports::parse(&pe),
            pdb_path: debug::pdb_path(&pe),
            signatures: authenticode::parse(&pe),
            resources,
            resource_root,
            version_info,
            overlay,
            file: pe.file,
            optional: pe.optional,
            sections: pe.sections,
            imphash: OnceLock::new(),
            checksum: OnceLock::new(),
        })
    }
}
