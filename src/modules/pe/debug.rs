//! The debug directory's CodeView record, which names the PDB file.

use super::headers::Headers;
use super::imports::until_nul;
use crate::modules::binary::u32_le;

/// `IMAGE_DIRECTORY_ENTRY_DEBUG`.
const DIRECTORY_DEBUG: usize = 6;
/// `IMAGE_DEBUG_TYPE_CODEVIEW`.
const TYPE_CODEVIEW: u32 = 2;
/// Size of an `IMAGE_DEBUG_DIRECTORY`.
const ENTRY_SIZE: usize = 28;
/// At most this many debug directory entries are looked at.
const MAX_ENTRIES: usize = 1024;

/// The PDB path of the first CodeView record that has one (`RSDS`, `NB10`
/// or `MTOC` formats); `None` if that path is not UTF-8.
pub(super) fn pdb_path(pe: &Headers<'_>) -> Option<String> {
    let (_, directory) = pe.dir_entry_data(DIRECTORY_DEBUG, true)?;
    for entry in directory.chunks_exact(ENTRY_SIZE).take(MAX_ENTRIES) {
        if u32_le(entry, 12) != Some(TYPE_CODEVIEW) {
            continue;
        }
        let rva = u32_le(entry, 20).unwrap_or(0);
        let raw_offset = u32_le(entry, 24).unwrap_or(0);
        // The RVA wins; the raw offset is the fallback.
        let from_rva = if rva != 0 { pe.rva_to_offset(rva) } else { None };
        let offset = from_rva.unwrap_or(raw_offset);
        if offset == 0 {
            continue;
        }
        let Some(record) = pe.data.get(offset as usize..) else { continue };
        let path_start = match record.get(..4) {
            Some(b"RSDS") => 24,
            Some(b"NB10") => 16,
            Some(b"MTOC") => 20,
            _ => continue,
        };
        let Some(path) = record.get(path_start..) else { continue };
        return String::from_utf8(until_nul(path).to_vec()).ok();
    }
    None
}
