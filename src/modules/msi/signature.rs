//! Authenticode signatures of MSI packages (and other compound files).
//!
//! The PKCS#7 signature is the `\x05DigitalSignature` stream of the root
//! storage. What it signs is the package without it: the contents of every
//! stream, storage by storage depth first, children in the order of their
//! raw UTF-16LE names compared byte by byte (a name that is a prefix of
//! another comes first), then each storage's class id. When the package also
//! has `\x05MsiDigitalSignatureEx` (a digest of the entries' metadata), its
//! contents come first. This is the digest `signtool` and `osslsigncode`
//! compute; the certificate decoding is the `pe` module's.

use std::cmp::Ordering;

use super::cfb::{Cfb, EntryId, EntryKind};
use crate::modules::pe::{self, Authenticode};

/// The signature stream.
const DIGITAL_SIGNATURE: &str = "\u{5}DigitalSignature";
/// The metadata digest stream of extended signatures.
const DIGITAL_SIGNATURE_EX: &str = "\u{5}MsiDigitalSignatureEx";
/// The bytes read to hash a package are capped at this multiple of its
/// size (plus one sector per entry): streams of a sound file share no
/// sectors, so only a hostile one, whose digest cannot verify anyway,
/// reaches it.
const READ_BUDGET_FACTOR: usize = 2;

/// The signatures of the package, checked against its digest.
pub(super) fn signatures(cfb: &Cfb<'_>, size: usize) -> Vec<Authenticode> {
    let root = cfb.children(Cfb::root());
    let named =
        |name: &str| root.iter().copied().find(|&id| cfb.entries()[id].name_string() == name);
    let Some(content) = named(DIGITAL_SIGNATURE).and_then(|id| cfb.read(id)) else {
        return Vec::new();
    };
    let prefix = named(DIGITAL_SIGNATURE_EX).and_then(|id| cfb.read(id)).unwrap_or_default();
    let parts = {
        let mut parts = vec![prefix];
        let mut budget = size
            .saturating_mul(READ_BUDGET_FACTOR)
            .saturating_add(cfb.entries().len().saturating_mul(cfb.sector_size()));
        hashed_parts(cfb, Cfb::root(), &mut parts, &mut budget).map(|()| parts)
    };
    let file_digest = |algorithm: &str| {
        let parts = parts.as_ref()?;
        let slices: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        pe::hex_digest(algorithm, &slices)
    };
    pe::signed_data(&content, &file_digest)
}

/// Appends what the signature covers inside `storage`; `None` when the
/// read budget runs out.
fn hashed_parts(
    cfb: &Cfb<'_>,
    storage: EntryId,
    parts: &mut Vec<Vec<u8>>,
    budget: &mut usize,
) -> Option<()> {
    let entries = cfb.entries();
    let mut children = cfb.children(storage);
    children.sort_by(|&a, &b| name_order(&entries[a].name, &entries[b].name));
    for child in children {
        let entry = &entries[child];
        let name = entry.name_string();
        if storage == Cfb::root() && (name == DIGITAL_SIGNATURE || name == DIGITAL_SIGNATURE_EX) {
            continue;
        }
        match entry.kind {
            EntryKind::Stream => {
                let data = cfb.read(child)?;
                *budget = budget.checked_sub(data.len())?;
                parts.push(data);
            }
            EntryKind::Storage => hashed_parts(cfb, child, parts, budget)?,
            EntryKind::Root | EntryKind::Unused => {}
        }
    }
    parts.push(entries[storage].clsid.to_vec());
    Some(())
}

/// The order of names as raw UTF-16LE bytes: byte by byte, and a name
/// that is a prefix of another first.
fn name_order(a: &[u16], b: &[u16]) -> Ordering {
    let bytes = |name: &[u16]| -> Vec<u8> { name.iter().flat_map(|u| u.to_le_bytes()).collect() };
    bytes(a).cmp(&bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_little_endian_bytes() {
        let units = |s: &str| -> Vec<u16> { s.encode_utf16().collect() };
        // U+0141 ('Ł') has low byte 0x41 ('A'), so it sorts before 'B'.
        assert_eq!(name_order(&units("\u{141}"), &units("B")), Ordering::Less);
        assert_eq!(name_order(&units("ab"), &units("abc")), Ordering::Less);
    }
}
