//! What the `__LINKEDIT` data holds for the module: the symbol table, the
//! dyld export tries, the dyld bind opcodes and the imports of chained
//! fixups, read as YARA-X 1.23 reads them.

use super::model::{MAX_ITEMS, Symbol, Symtab, push_capped};
use super::reader::Reader;
use crate::modules::binary::Endian;

const EXPORT_SYMBOL_FLAGS_REEXPORT: u64 = 0x08;
const EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER: u64 = 0x10;

const BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB: u8 = 0x20;
const BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM: u8 = 0x40;
const BIND_OPCODE_SET_ADDEND_SLEB: u8 = 0x60;
const BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB: u8 = 0x70;
const BIND_OPCODE_ADD_ADDR_ULEB: u8 = 0x80;
const BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB: u8 = 0xa0;
const BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB: u8 = 0xc0;

/// Trie nodes visited at most; a trie of more nodes is hostile.
const MAX_TRIE_NODES: usize = 1 << 20;
/// Bytes of symbol names built at most while walking the trie: names are
/// the labels of the path to a node, so a deep trie of long labels would
/// otherwise cost quadratic memory.
const MAX_TRIE_NAME_BYTES: usize = 32 << 20;

/// Symbol-table entries read at most.
const MAX_SYMBOLS: usize = 1 << 18;

/// The entries of the symbol table of `symtab` that have a name: one that
/// lies in the string table, NUL included, and is not empty.
/// Entries are read up to `nsyms` or to the end of `data`.
pub(super) fn symbols(data: &[u8], symtab: &Symtab, endian: Endian, is_32: bool) -> Vec<Symbol> {
    let strings =
        data.get(symtab.stroff as usize..).and_then(|tail| tail.get(..symtab.strsize as usize));
    let (Some(strings), Some(table)) = (strings, data.get(symtab.symoff as usize..)) else {
        return Vec::new();
    };
    let mut r = Reader::new(table, endian);
    let mut symbols = Vec::new();
    for _ in 0..symtab.nsyms {
        let Some(symbol) = nlist(&mut r, is_32) else { break };
        let name =
            strings.get(symbol.strx as usize..).and_then(|s| Reader::new(s, endian).c_string());
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            symbols.push(Symbol { name: name.to_vec(), ..symbol });
            if symbols.len() == MAX_SYMBOLS {
                break;
            }
        }
    }
    symbols
}

/// One `nlist` or `nlist_64` entry, without its name.
fn nlist(r: &mut Reader<'_>, is_32: bool) -> Option<Symbol> {
    let strx = r.u32()?;
    let [kind, sect] = [r.u8()?, r.u8()?];
    let desc = r.u16()?;
    let value = r.word(is_32)?;
    Some(Symbol { strx, kind, sect, desc, value, name: Vec::new() })
}

/// `n_type` bits: a debugging (stab) entry, an external symbol, and the
/// symbol's type with its values.
const N_STAB: u8 = 0xe0;
const N_EXT: u8 = 0x01;
const N_TYPE: u8 = 0x0e;
const N_UNDF: u8 = 0x00;
const N_ABS: u8 = 0x02;
const N_INDR: u8 = 0x0a;
const N_SECT: u8 = 0x0e;

/// Whether a symbol of type `n_type` counts as an export: external and
/// absolute, indirect or defined in a section.
pub(super) fn is_exported(n_type: u8) -> bool {
    n_type & N_STAB == 0
        && n_type & N_EXT != 0
        && matches!(n_type & N_TYPE, N_ABS | N_INDR | N_SECT)
}

/// Whether a symbol of type `n_type` counts as an import: undefined (even
/// when not external, as YARA-X has it).
pub(super) fn is_imported(n_type: u8) -> bool {
    n_type & N_STAB == 0 && n_type & N_TYPE == N_UNDF
}

/// Appends to `imports` the names of the imports table of the chained
/// fixups `data` (`dyld_chained_fixups_header`), repeats included; names
/// that are out of the data, unterminated or not UTF-8 are skipped, and
/// nothing is appended when the table does not fit. The import format
/// decides the entry size (8 bytes with an addend, 16 with a 64-bit one,
/// else 4); the symbol format is not looked at.
pub(super) fn chained_imports(data: &[u8], endian: Endian, imports: &mut Vec<String>) {
    let mut header = Reader::new(data, endian);
    let Some([_version, _starts, imports_offset, symbols_offset, count, format, _symbols_format]) =
        header.u32s()
    else {
        return;
    };
    let entry_size = match format {
        2 => 8,
        3 => 16,
        _ => 4,
    };
    let table = (count as usize)
        .checked_mul(entry_size)
        .and_then(|len| data.get(imports_offset as usize..)?.get(..len));
    let (Some(table), Some(symbols)) = (table, data.get(symbols_offset as usize..)) else {
        return;
    };
    for entry in table.chunks_exact(entry_size) {
        let name_offset = if format == 3 {
            endian.u32(entry, 4)
        } else {
            endian.u32(entry, 0).map(|packed| packed >> 9)
        };
        let name = name_offset
            .and_then(|at| symbols.get(at as usize..))
            .and_then(|tail| Reader::new(tail, endian).c_string())
            .and_then(|name| std::str::from_utf8(name).ok());
        if let Some(name) = name {
            push_capped(imports, name.to_owned());
        }
    }
}

/// A trie node waiting to be visited: its offset and the name so far.
struct Pending {
    offset: usize,
    name: String,
}

/// The exported names of the trie in `data`, depth first from the root,
/// the last child first; a node is visited once however many edges lead
/// to it, and an edge to an offset past the end or with a label that is
/// not UTF-8 is ignored. A damaged node voids the whole list, as it does
/// in YARA-X 1.23 in the cases tried (docs/differences.md).
pub(super) fn exports(data: &[u8]) -> Vec<String> {
    let mut exports = Vec::new();
    if data.is_empty() {
        return exports;
    }
    let mut visited = std::collections::HashSet::new();
    let mut stack = vec![Pending { offset: 0, name: String::new() }];
    let mut name_bytes = 0usize;
    while let Some(node) = stack.pop() {
        if visited.len() >= MAX_TRIE_NODES || name_bytes > MAX_TRIE_NAME_BYTES {
            break;
        }
        if !visited.insert(node.offset) {
            continue;
        }
        let Some(bytes) = data.get(node.offset..) else { continue };
        let mut r = Reader::new(bytes, Endian::Little);
        let Some(terminal) = trie_node(&mut r, &node, &mut stack, &mut name_bytes) else {
            return Vec::new();
        };
        if terminal && exports.len() < MAX_ITEMS {
            exports.push(node.name);
        }
    }
    exports
}

/// Reads the node at `r`: pushes its children on `stack` and tells whether
/// it exports a symbol; `None` when it is damaged. The terminal
/// information is read by its flags (a stub has two numbers, a re-export
/// an ordinal and a name, others an address), not skipped by its length.
fn trie_node(
    r: &mut Reader<'_>,
    node: &Pending,
    stack: &mut Vec<Pending>,
    name_bytes: &mut usize,
) -> Option<bool> {
    let info_length = r.uleb128()?;
    if info_length != 0 {
        match r.uleb128()? {
            EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER => {
                r.uleb128()?;
                r.uleb128()?;
            }
            EXPORT_SYMBOL_FLAGS_REEXPORT => {
                r.uleb128()?;
                r.c_string()?;
            }
            _ => {
                r.uleb128()?;
            }
        }
    }
    for _ in 0..r.u8()? {
        let label = r.c_string()?;
        let offset = r.uleb128()?;
        if let Ok(label) = std::str::from_utf8(label) {
            let name = format!("{}{label}", node.name);
            *name_bytes = name_bytes.saturating_add(name.len());
            stack.push(Pending { offset: usize::try_from(offset).unwrap_or(usize::MAX), name });
        }
    }
    Some(info_length != 0)
}

/// Appends to `imports` the symbol names set by the bind opcodes in
/// `data` that it does not hold yet, up to the end or to an operand that
/// does not fit.
pub(super) fn imports(data: &[u8], imports: &mut Vec<String>) {
    let mut r = Reader::new(data, Endian::Little);
    while let Some(byte) = r.u8() {
        let operands = match byte & 0xf0 {
            BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB
            | BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB
            | BIND_OPCODE_ADD_ADDR_ULEB
            | BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB => r.uleb128().map(drop),
            BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB => {
                r.uleb128().and_then(|_| r.uleb128()).map(drop)
            }
            BIND_OPCODE_SET_ADDEND_SLEB => r.sleb128().map(drop),
            BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM => r.c_string().map(|name| {
                if let Ok(name) = std::str::from_utf8(name)
                    && !imports.iter().any(|i| i == name)
                {
                    push_capped(imports, name.to_owned());
                }
            }),
            _ => Some(()),
        };
        if operands.is_none() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_need_a_name_in_the_string_table() {
        let mut data = Vec::new();
        for (strx, value) in [(1u32, 0x10u64), (8, 0x20), (2, 0x30), (100, 0x40)] {
            data.extend_from_slice(&strx.to_le_bytes());
            data.extend_from_slice(&[0x0f, 1, 0, 0]);
            data.extend_from_slice(&value.to_le_bytes());
        }
        data.extend_from_slice(b"\0_main\0\0\0\0");
        let symtab = Symtab { symoff: 0, nsyms: 9, stroff: 64, strsize: 10, symbols: Vec::new() };
        let symbols = symbols(&data, &symtab, Endian::Little, false);
        let found: Vec<(&[u8], u64)> = symbols.iter().map(|s| (&s.name[..], s.value)).collect();
        assert_eq!(found, [(&b"_main"[..], 0x10), (b"main", 0x30)]);
        let beyond = Symtab { stroff: 70, ..symtab.clone() };
        assert!(super::symbols(&data, &beyond, Endian::Little, false).is_empty());
        let unterminated = Symtab { strsize: 5, ..symtab };
        assert!(super::symbols(&data, &unterminated, Endian::Little, false).is_empty());
    }

    #[test]
    fn the_export_trie_is_walked_depth_first() {
        // Root: two edges, "_a" -> node at 10, "_b" -> node at 14.
        let mut trie = vec![0, 2];
        trie.extend_from_slice(b"_a\0\x0a_b\0\x0e");
        // Node 10: terminal (flags 0, address 0), no children; node 14:
        // terminal with one child, "c" -> node 10.
        trie.extend_from_slice(&[2, 0, 0, 0]);
        trie.extend_from_slice(&[2, 0, 5, 1, b'c', 0, 10]);
        assert_eq!(exports(&trie), ["_b", "_bc"], "node 10 is visited once, as _bc");
        assert!(exports(&[]).is_empty());
        assert!(exports(&[0x80]).is_empty(), "a cut length voids the list");
        let mut bad_label = trie.clone();
        bad_label[18] = 0xff;
        assert_eq!(exports(&bad_label), ["_b", "_a"], "an edge that is not UTF-8 is ignored");
    }

    #[test]
    fn chained_fixups_name_the_imports() {
        let mut data = Vec::new();
        for word in [0u32, 28, 32, 44, 3, 1, 0, 0] {
            data.extend_from_slice(&word.to_le_bytes());
        }
        for (ordinal, name) in [(1u32, 1u32), (2, 40), (1, 4)] {
            data.extend_from_slice(&(ordinal | (name << 9)).to_le_bytes());
        }
        data.extend_from_slice(b"\0_x\0_yy\0");
        let mut imports = Vec::new();
        chained_imports(&data, Endian::Little, &mut imports);
        assert_eq!(imports, ["_x", "_yy"], "an out-of-range name is skipped");
        data[16] = 9; // nine imports do not fit
        let mut none = Vec::new();
        chained_imports(&data, Endian::Little, &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn symbol_types_decide_exports_and_imports() {
        let exported: Vec<u8> = (0..=0xff).filter(|&t| is_exported(t)).collect();
        assert_eq!(exported, [0x03, 0x0b, 0x0f, 0x13, 0x1b, 0x1f]);
        let imported: Vec<u8> = (0..=0xff).filter(|&t| is_imported(t)).collect();
        assert_eq!(imported, [0x00, 0x01, 0x10, 0x11]);
    }

    #[test]
    fn bind_opcodes_name_the_imports() {
        let mut ops = vec![0x11, 0x40];
        ops.extend_from_slice(b"_printf\0");
        ops.extend_from_slice(&[0x72, 0x10, 0x90, 0x41]);
        ops.extend_from_slice(b"_exit\0\x40_printf\0");
        ops.extend_from_slice(&[0x20, 0x80]); // operand cut short
        let mut imports = Vec::new();
        super::imports(&ops, &mut imports);
        assert_eq!(imports, ["_printf", "_exit"]);
    }
}
