//! The export directory: the functions a PE (usually a DLL) exports, by
//! ordinal and optionally by name, and forwarders to other DLLs.

use std::collections::HashMap;

use super::headers::Headers;
use super::imports::{dll_name_at, str_at_rva};
use crate::modules::binary::{u16_le, u32_le};

/// At most this many exported functions are read (YARA's
/// `MAX_PE_EXPORTS`).
const MAX_EXPORTS: usize = 16384;

/// `IMAGE_DIRECTORY_ENTRY_EXPORT`.
const DIRECTORY_EXPORT: usize = 0;

/// One exported function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Export {
    pub name: Option<String>,
    pub ordinal: u32,
    pub rva: u32,
    /// File offset of the function; `None` for forwarders.
    pub offset: Option<u32>,
    /// `DLL.Function` for forwarded exports.
    pub forward_name: Option<String>,
}

/// What the export directory says.
#[derive(Debug, Clone, Default)]
pub(super) struct Exports {
    pub dll_name: Option<String>,
    pub timestamp: u32,
    pub functions: Vec<Export>,
}

/// Parses the export directory; `None` without one, or when one of its
/// tables does not fit in the file (as YARA-X).
pub(super) fn parse(pe: &Headers<'_>) -> Option<Exports> {
    let (entry, dir) = pe.dir_entry_data(DIRECTORY_EXPORT, true)?;
    if entry.rva == 0 {
        return None;
    }
    let field = |at: usize| u32_le(dir, at);
    let timestamp = field(4)?;
    let name_rva = field(12)?;
    let base = field(16)?;
    let number_of_functions = field(20)? as usize;
    let number_of_names = field(24)? as usize;
    let (functions_rva, names_rva, name_ordinals_rva) = (field(28)?, field(32)?, field(36)?);

    let count = number_of_functions.min(MAX_EXPORTS);
    let function_rvas = u32_table(pe.data_at_rva(functions_rva)?, count)?;
    let names = u32_table(pe.data_at_rva(names_rva)?, number_of_names)?;
    let name_ordinals = pe.data_at_rva(name_ordinals_rva)?;
    if name_ordinals.len() / 2 < number_of_names {
        return None;
    }
    // The first name whose ordinal index is `i` names function `i`.
    let mut name_of_index: HashMap<u16, usize> = HashMap::new();
    for position in 0..number_of_names {
        let index = u16_le(name_ordinals, position * 2)?;
        name_of_index.entry(index).or_insert(position);
    }
    let forwarder_range = u64::from(entry.rva)..u64::from(entry.rva) + u64::from(entry.size);
    let functions = function_rvas
        .into_iter()
        .enumerate()
        .map(|(i, rva)| {
            let name = u16::try_from(i)
                .ok()
                .and_then(|i| name_of_index.get(&i))
                .and_then(|&position| names.get(position))
                .and_then(|&name_rva| str_at_rva(pe, name_rva));
            let forwarded = forwarder_range.contains(&u64::from(rva));
            Export {
                name,
                ordinal: base.wrapping_add(i as u32),
                rva,
                offset: if forwarded { None } else { pe.rva_to_offset(rva) },
                forward_name: if forwarded { str_at_rva(pe, rva) } else { None },
            }
        })
        .collect();
    Some(Exports { dll_name: dll_name_at(pe, name_rva), timestamp, functions })
}

/// `count` little-endian `u32`s at the start of `data`, or `None` if they
/// do not all fit.
fn u32_table(data: &[u8], count: usize) -> Option<Vec<u32>> {
    if data.len() / 4 < count {
        return None;
    }
    (0..count).map(|i| u32_le(data, i * 4)).collect()
}
