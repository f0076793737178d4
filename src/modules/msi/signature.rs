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
use std::collections::HashSet;

use crate::modules::cfb::{CompoundFile, Entry, EntryType};
use crate::modules::pe::{self, Authenticode};

/// The signature stream.
const DIGITAL_SIGNATURE: &str = "\u{5}DigitalSignature";
/// The metadata digest stream of extended signatures.
const DIGITAL_SIGNATURE_EX: &str = "\u{5}MsiDigitalSignatureEx";
/// The bytes read to hash a package are capped at this multiple of its
/// size: the streams of a sound file share no sectors, so they hold less
/// than the file, and only a hostile one, whose digest cannot verify
/// anyway, reaches the cap.
const READ_BUDGET_FACTOR: usize = 2;

/// The signatures of the package whose root storage is `root`, checked
/// against its digest.
pub(super) fn signatures(file: &CompoundFile<'_>, root: &Entry, size: usize) -> Vec<Authenticode> {
    let children = file.children(root);
    let stream = |name: &str| {
        let entry = children.iter().find(|e| e.kind == EntryType::Stream && e.name == name)?;
        Some(file.read(entry, usize::MAX))
    };
    let Some(content) = stream(DIGITAL_SIGNATURE) else {
        return Vec::new();
    };
    let prefix = stream(DIGITAL_SIGNATURE_EX).unwrap_or_default();
    let budget = size.saturating_mul(READ_BUDGET_FACTOR);
    let parts = hashed_parts(file, root, prefix, budget);
    let file_digest = |algorithm: &str| {
        let parts = parts.as_ref()?;
        let slices: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        pe::hex_digest(algorithm, &slices)
    };
    pe::signed_data(&content, &file_digest)
}

/// A step of the walk over the storages the signature covers.
enum Step<'e> {
    /// Hash a storage's children, then its class id.
    Storage(&'e Entry),
    /// Hash a stream's contents.
    Stream(&'e Entry),
    /// Hash a storage's class id, after its children.
    ClassId(&'e Entry),
}

/// What the signature covers, after `prefix`: depth first from `root`, each
/// storage's children in name order, then its class id; `None` when more
/// than `budget` bytes of streams would be read. The walk keeps its own
/// stack, so nested storages cannot exhaust the thread's, and hashes a
/// storage once however the directory's links make it reachable.
fn hashed_parts(
    file: &CompoundFile<'_>,
    root: &Entry,
    prefix: Vec<u8>,
    mut budget: usize,
) -> Option<Vec<Vec<u8>>> {
    let mut parts = vec![prefix];
    let mut walked = HashSet::new();
    let mut pending = vec![Step::Storage(root)];
    while let Some(step) = pending.pop() {
        match step {
            Step::Storage(storage) => {
                if !walked.insert(storage.id) {
                    continue;
                }
                pending.push(Step::ClassId(storage));
                let mut children = file.children(storage);
                children.sort_by(|a, b| name_order(&a.units, &b.units));
                // Pushed last first, so that they are hashed in order.
                for child in children.into_iter().rev() {
                    let signature = storage.id == root.id
                        && (child.name == DIGITAL_SIGNATURE || child.name == DIGITAL_SIGNATURE_EX);
                    match child.kind {
                        _ if signature => {}
                        EntryType::Stream => pending.push(Step::Stream(child)),
                        EntryType::Storage => pending.push(Step::Storage(child)),
                        EntryType::Root => {}
                    }
                }
            }
            Step::Stream(stream) => {
                let data = file.read(stream, usize::MAX);
                budget = budget.checked_sub(data.len())?;
                parts.push(data);
            }
            Step::ClassId(storage) => parts.push(storage.clsid.to_vec()),
        }
    }
    Some(parts)
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
    fn storages_that_contain_each_other_are_hashed_once() {
        use crate::modules::cfb::tests::{END, file};
        // The root holds A, A holds B, and B holds A again.
        let data = file(
            &[("Root Entry", 5, 1, 0, END), ("A", 1, 2, 0, END), ("B", 1, 1, 0, END)],
            &[],
            &[0xFFFF_FFFD, END],
        );
        let file = CompoundFile::open(&data).expect("a compound file");
        let root = file.root().expect("a root");
        let parts = hashed_parts(&file, root, b"prefix".to_vec(), 0).expect("no stream read");
        assert_eq!(parts, [b"prefix".to_vec(), vec![0; 16], vec![0; 16], vec![0; 16]]);
    }

    #[test]
    fn names_sort_by_little_endian_bytes() {
        let units = |s: &str| -> Vec<u16> { s.encode_utf16().collect() };
        // U+0141 ('Ł') has low byte 0x41 ('A'), so it sorts before 'B'.
        assert_eq!(name_order(&units("\u{141}"), &units("B")), Ordering::Less);
        assert_eq!(name_order(&units("ab"), &units("abc")), Ordering::Less);
    }
}
