//! `VS_VERSIONINFO` resources: the `StringFileInfo` key/value pairs
//! (`CompanyName`, `FileVersion`, ...).
//!
//! Every node of the version tree has the same header: total length, value
//! length, value type, a NUL-terminated UTF-16LE key, padding to 32 bits,
//! the value, then the children. Text values should count UTF-16 units but
//! many files count bytes, so both readings are tried (bytes first).

use crate::modules::binary::{bytes_at, u16_le};

/// At most this many version resources are decoded.
const MAX_VERSION_RESOURCES: usize = 64;

/// One node: key, value bytes (if any), children bytes.
struct Node<'a> {
    key: String,
    value_type: u16,
    value_len: usize,
    after_key: &'a [u8],
}

/// Reads the node at the start of `input`; returns it and what follows it.
fn node(input: &[u8]) -> Option<(Node<'_>, &[u8])> {
    let length = round_up(usize::from(u16_le(input, 0)?));
    let structure = bytes_at(input, 0, length)?;
    let value_len = usize::from(u16_le(structure, 2)?);
    let value_type = u16_le(structure, 4)?;
    let (key, key_end) = utf16_string(structure, 6)?;
    let after_key = structure.get(round_up(key_end)..)?;
    Some((Node { key, value_type, value_len, after_key }, &input[length..]))
}

impl<'a> Node<'a> {
    /// The node's value decoded by `parse`, and the bytes after it (its
    /// children). `Ok(None)` without a value; `Err` if `parse` fails.
    fn value<T>(&self, parse: impl Fn(&[u8]) -> Option<T>) -> Result<(Option<T>, &'a [u8]), ()> {
        if self.value_len == 0 {
            return Ok((None, self.after_key));
        }
        let attempt = |len: usize| -> Option<(T, &'a [u8])> {
            let bytes = self.after_key.get(..len)?;
            Some((parse(bytes)?, &self.after_key[len..]))
        };
        let parsed = if self.value_type == 1 {
            attempt(self.value_len).or_else(|| attempt(self.value_len * 2))
        } else {
            attempt(self.value_len)
        };
        parsed.map(|(v, rest)| (Some(v), rest)).ok_or(())
    }

    /// The children bytes of a node that must not have a value.
    fn children_without_value(&self) -> Option<&'a [u8]> {
        match self.value(|_| None::<()>) {
            Ok((_, children)) => Some(children),
            Err(()) => None,
        }
    }
}

/// Rounds up to a multiple of 4.
fn round_up(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// A NUL-terminated UTF-16LE string at `at`, decoded lossily, and the
/// offset just past its terminator.
fn utf16_string(data: &[u8], at: usize) -> Option<(String, usize)> {
    let mut units = Vec::new();
    let mut p = at;
    loop {
        let unit = u16_le(data, p)?;
        p += 2;
        if unit == 0 {
            return Some((String::from_utf16_lossy(&units), p));
        }
        units.push(unit);
    }
}

/// The `StringFileInfo` pairs of the version resources at `offsets` (each
/// read from its offset to the end of the file), in order.
pub(super) fn parse(data: &[u8], offsets: impl Iterator<Item = usize>) -> Vec<(String, String)> {
    offsets
        .take(MAX_VERSION_RESOURCES)
        .filter_map(|offset| data.get(offset..))
        .filter_map(version_info)
        .flatten()
        .collect()
}

/// One `VS_VERSIONINFO`: an optional `VarFileInfo`, then `StringFileInfo`.
fn version_info(input: &[u8]) -> Option<Vec<(String, String)>> {
    let (root, _) = node(input)?;
    if root.key != "VS_VERSION_INFO" {
        return None;
    }
    let (_, mut children) = root.value(|fixed| (fixed.len() >= 52).then_some(())).ok()?;
    if let Some((var, rest)) = node(children)
        && var.key == "VarFileInfo"
        && var.children_without_value().is_some()
    {
        children = rest;
    }
    let (info, _) = node(children)?;
    if info.key != "StringFileInfo" {
        return None;
    }
    let mut tables = info.children_without_value()?;
    let mut pairs = Vec::new();
    let mut any_table = false;
    while let Some(strings) = string_table(&mut tables) {
        any_table = true;
        pairs.extend(strings);
    }
    any_table.then_some(pairs)
}

/// A `StringTable` (one per language) with at least one `String`.
fn string_table(input: &mut &[u8]) -> Option<Vec<(String, String)>> {
    let (table, rest) = node(input)?;
    let mut strings = table.children_without_value()?;
    let mut pairs = Vec::new();
    while let Some((string, rest)) = node(strings) {
        let Ok((value, _)) = string.value(|v| utf16_string(v, 0).map(|(s, _)| s)) else { break };
        pairs.push((string.key, value.unwrap_or_default()));
        strings = rest;
    }
    if pairs.is_empty() {
        return None;
    }
    *input = rest;
    Some(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16z(s: &str) -> Vec<u8> {
        s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect()
    }

    /// Encodes a version-tree node.
    fn encode(
        key: &str,
        value_type: u16,
        value: &[u8],
        value_len: u16,
        children: &[u8],
    ) -> Vec<u8> {
        let mut out = vec![0u8; 6];
        out.extend(utf16z(key));
        out.resize(round_up(out.len()), 0);
        out.extend_from_slice(value);
        out.resize(round_up(out.len()), 0);
        out.extend_from_slice(children);
        let len = out.len() as u16;
        out[0..2].copy_from_slice(&len.to_le_bytes());
        out[2..4].copy_from_slice(&value_len.to_le_bytes());
        out[4..6].copy_from_slice(&value_type.to_le_bytes());
        out.resize(round_up(out.len()), 0);
        out
    }

    #[test]
    fn reads_string_file_info_pairs() {
        let value = utf16z("ACME");
        let string = encode("CompanyName", 1, &value, 5, &[]);
        let table = encode("040904b0", 1, &[], 0, &string);
        let info = encode("StringFileInfo", 1, &[], 0, &table);
        let var = encode("VarFileInfo", 1, &[], 0, &[]);
        let mut children = var;
        children.extend(info);
        let root = encode("VS_VERSION_INFO", 0, &[0u8; 52], 52, &children);
        let pairs = parse(&root, [0].into_iter());
        assert_eq!(pairs, vec![("CompanyName".to_owned(), "ACME".to_owned())]);
        assert!(parse(&root[..40], [0].into_iter()).is_empty());
    }
}
