//! Names for functions imported by ordinal.
//!
//! An import by ordinal carries no name. For a few DLLs whose ordinals are
//! stable (`oleaut32`, `ws2_32`, `wsock32`) the name is known; for every
//! other DLL the name is `ordN`. The names are the ones YARA gives (see
//! scripts/gen_pe_ordinals.py); they also enter the import hash.

use super::ordinal_names::{OLEAUT32, WS2_32};

/// The name of function `ordinal` of `dll`.
pub(super) fn name(dll: &str, ordinal: u16) -> String {
    let table = match dll.to_ascii_lowercase().as_str() {
        "oleaut32.dll" => OLEAUT32,
        "ws2_32.dll" | "wsock32.dll" => WS2_32,
        _ => &[],
    };
    match table.binary_search_by_key(&ordinal, |&(o, _)| o) {
        Ok(i) => table[i].1.to_owned(),
        Err(_) => format!("ord{ordinal}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dlls_have_names_others_ordinals() {
        assert_eq!(name("WS2_32.dll", 1), "accept");
        assert_eq!(name("OLEAUT32.DLL", 2), "SysAllocString");
        assert_eq!(name("wsock32.dll", 24), "GetAddrInfoW");
        assert_eq!(name("kernel32.dll", 7), "ord7");
        assert_eq!(name("ws2_32.dll", 9999), "ord9999");
    }
}
