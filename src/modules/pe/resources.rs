//! The resource tree: three levels of directories (type, name, language)
//! whose leaves describe the resources.
//!
//! The tree is walked breadth-first and never below the third level, so a
//! directory that points back at itself cannot loop; a budget on visited
//! entries bounds trees that fan out to the same subdirectory many times.

use std::collections::VecDeque;

use super::headers::Headers;
use crate::modules::binary::{bytes_at, u16_le, u32_le};

/// At most this many resources are listed (YARA's `MAX_PE_RESOURCES`).
const MAX_RESOURCES: usize = 65535;
/// At most this many directory entries are visited over the whole tree.
const MAX_ENTRIES_VISITED: usize = 1 << 16;
/// A directory may declare at most this many named and id entries each.
const MAX_ENTRIES_PER_KIND: u16 = 32768;
/// Names longer than this many UTF-16 units are unreadable ids.
const MAX_NAME_CHARS: u16 = 1000;
/// Language ids above this are corruption; such leaves are skipped.
const MAX_LANGUAGE_ID: u32 = 0xfffff;
/// Resource lengths from this up are corruption; such leaves are skipped.
const MAX_LENGTH: u32 = 0x3fff_ffff;
/// `IMAGE_DIRECTORY_ENTRY_RESOURCE`.
const DIRECTORY_RESOURCE: usize = 2;

/// A resource id: a number, a UTF-16LE name, or unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ResourceId {
    Unknown,
    Id(u32),
    /// The name's raw UTF-16LE bytes.
    Name(Vec<u8>),
}

/// One resource (a leaf of the tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Resource {
    pub type_id: ResourceId,
    pub name_id: ResourceId,
    pub language: ResourceId,
    pub rva: u32,
    pub offset: Option<u32>,
    pub length: u32,
}

/// The root directory's header fields.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RootInfo {
    pub timestamp: u32,
    pub major_version: u16,
    pub minor_version: u16,
}

/// The resources and the root's header; `None` if there are no resources.
pub(super) fn parse(pe: &Headers<'_>) -> Option<(RootInfo, Vec<Resource>)> {
    let (_, section) = pe.dir_entry_data(DIRECTORY_RESOURCE, false)?;
    let mut root = RootInfo::default();
    let mut resources = Vec::new();
    let mut visited = 0usize;
    let mut queue = VecDeque::new();
    let no_ids = (ResourceId::Unknown, ResourceId::Unknown);
    queue.push_back((0u8, no_ids, 0usize));
    while let Some((level, (type_id, name_id), at)) = queue.pop_front() {
        let Some(dir) = Directory::parse(section, at) else { continue };
        if level == 0 {
            root = dir.info;
        }
        // As many whole entries as the section holds, up to the count the
        // directory declares (YARA-X reads a truncated table this far too).
        let table = section.get(at + 16..).unwrap_or_default();
        for entry in table.chunks_exact(8).take(dir.entries) {
            visited += 1;
            if visited > MAX_ENTRIES_VISITED {
                return finish(root, resources);
            }
            let name_or_id = u32_le(entry, 0).unwrap_or(0);
            let target = u32_le(entry, 4).unwrap_or(0);
            let child = (target & 0x7fff_ffff) as usize;
            // An entry pointing at the root or outside the section is
            // corrupt and skipped, as YARA-X does.
            if child == 0 || child >= section.len() {
                continue;
            }
            let id = resource_id(section, name_or_id);
            let ids = match (level, id) {
                (0, id) => (id, ResourceId::Unknown, ResourceId::Unknown),
                (1, id) => (type_id.clone(), id, ResourceId::Unknown),
                // No language id is that large: a sign of corruption.
                (2, ResourceId::Id(language)) if language > MAX_LANGUAGE_ID => continue,
                (2, id) => (type_id.clone(), name_id.clone(), id),
                _ => continue,
            };
            // Directories below the language level hold nothing YARA
            // reports; they are not even read.
            if target & 0x8000_0000 != 0 && level < 2 {
                queue.push_back((level + 1, (ids.0.clone(), ids.1.clone()), child));
            }
            if let Some(leaf) = Leaf::parse(section, child) {
                if resources.len() == MAX_RESOURCES {
                    return finish(root, resources);
                }
                resources.push(Resource {
                    type_id: ids.0,
                    name_id: ids.1,
                    language: ids.2,
                    rva: leaf.rva,
                    offset: pe.rva_to_offset(leaf.rva),
                    length: leaf.length,
                });
            }
        }
    }
    finish(root, resources)
}

fn finish(root: RootInfo, resources: Vec<Resource>) -> Option<(RootInfo, Vec<Resource>)> {
    (!resources.is_empty()).then_some((root, resources))
}

/// An `IMAGE_RESOURCE_DATA_ENTRY`: where a resource's data is.
struct Leaf {
    rva: u32,
    length: u32,
}

impl Leaf {
    /// The data entry at `at`, when it is plausible: a non-zero RVA and a
    /// length under 1 GiB. YARA-X reads every entry's target this way, a
    /// subdirectory's too (a sound directory starts with zero
    /// characteristics, read as a zero RVA, so only a damaged one is
    /// listed), and spoor lists what it lists.
    fn parse(section: &[u8], at: usize) -> Option<Self> {
        let entry = bytes_at(section, at, 16)?;
        let (rva, length) = (u32_le(entry, 0)?, u32_le(entry, 4)?);
        (rva > 0 && length > 0 && length < MAX_LENGTH).then_some(Self { rva, length })
    }
}

struct Directory {
    info: RootInfo,
    entries: usize,
}

impl Directory {
    /// An `IMAGE_RESOURCE_DIRECTORY`; its characteristics must be zero.
    fn parse(section: &[u8], at: usize) -> Option<Self> {
        if u32_le(section, at)? != 0 {
            return None;
        }
        let named = u16_le(section, at + 12)?;
        let ids = u16_le(section, at + 14)?;
        if named > MAX_ENTRIES_PER_KIND || ids > MAX_ENTRIES_PER_KIND {
            return None;
        }
        let info = RootInfo {
            timestamp: u32_le(section, at + 4)?,
            major_version: u16_le(section, at + 8)?,
            minor_version: u16_le(section, at + 10)?,
        };
        Some(Self { info, entries: usize::from(named) + usize::from(ids) })
    }
}

/// An entry's id: a number, or (high bit set) a length-prefixed UTF-16LE
/// name at that offset in the resource section.
fn resource_id(section: &[u8], name_or_id: u32) -> ResourceId {
    if name_or_id & 0x8000_0000 == 0 {
        return ResourceId::Id(name_or_id);
    }
    let at = (name_or_id & 0x7fff_ffff) as usize;
    u16_le(section, at)
        .filter(|&chars| chars < MAX_NAME_CHARS)
        .and_then(|chars| bytes_at(section, at + 2, usize::from(chars) * 2))
        .map_or(ResourceId::Unknown, |name| ResourceId::Name(name.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implausible_data_entries_are_not_resources() {
        let mut section = vec![0u8; 48];
        let entry = |section: &mut [u8], rva: u32, length: u32| {
            section[16..20].copy_from_slice(&rva.to_le_bytes());
            section[20..24].copy_from_slice(&length.to_le_bytes());
        };
        entry(&mut section, 0x1000, 5);
        assert!(Leaf::parse(&section, 16).is_some());
        // A sound subdirectory read as a data entry: zero RVA.
        entry(&mut section, 0, 5);
        assert!(Leaf::parse(&section, 16).is_none());
        entry(&mut section, 0x1000, 0);
        assert!(Leaf::parse(&section, 16).is_none());
        entry(&mut section, 0x1000, MAX_LENGTH);
        assert!(Leaf::parse(&section, 16).is_none());
        // Not 16 bytes left.
        assert!(Leaf::parse(&section, 40).is_none());
    }

    #[test]
    fn names_of_a_thousand_units_are_unreadable() {
        let mut section = vec![0u8; 2 + 2 * 1000];
        section[..2].copy_from_slice(&999u16.to_le_bytes());
        assert!(
            matches!(resource_id(&section, 0x8000_0000), ResourceId::Name(n) if n.len() == 1998)
        );
        section[..2].copy_from_slice(&1000u16.to_le_bytes());
        assert_eq!(resource_id(&section, 0x8000_0000), ResourceId::Unknown);
    }
}
