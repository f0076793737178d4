//! Reading Chrome extension packages as YARA-X does. A package is `Cr24`,
//! a format version, a signature header, then a zip archive:
//!
//! - CRX2: the lengths of a public key and of a signature, then both; the
//!   signature is RSA with SHA-1 over the archive, and the extension id is
//!   the first 16 bytes of the key's SHA-256.
//! - CRX3: the length of a `CrxFileHeader` protocol buffer, then the
//!   buffer: RSA (field 2) and ECDSA (field 3) proofs, each a public key
//!   (field 1) and a signature (field 2), and the signed header data (field
//!   10000), whose field 1 is the binary extension id. Signatures are over
//!   SHA-256 of `CRX3 SignedData\0`, the signed data's length (32 bits,
//!   little-endian), the signed data and the archive.
//!
//! The archive must open; its `manifest.json` (and the messages of its
//! default locale, for `__MSG_key__` names) are read with the `zip` crate,
//! as YARA-X reads them, and must be JSON of the expected shape or are left
//! out.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use base64::Engine as _;
use serde::Deserialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::protobuf::{bytes_tag, for_each_field};
use super::verify;
use crate::modules::binary::u32_le;

/// `Cr24`.
const MAGIC: &[u8] = b"Cr24";
/// What CRX3 signatures sign before the header data.
const SIGNED_DATA_CONTEXT: &[u8] = b"CRX3 SignedData\0";
/// Signatures checked per package; later ones are reported unverified, so
/// that a package with thousands of proofs costs no more than a few.
const MAX_VERIFIED: usize = 16;
/// The largest manifest or messages file read once inflated.
const MAX_JSON: u64 = 16 << 20;

/// The manifest fields YARA-X reads; any other may be there. A field of
/// another type than these (a permission given as an object, say) makes
/// the whole manifest unreadable, as in YARA-X.
#[derive(Deserialize, Debug, Default)]
pub(super) struct Manifest {
    pub version: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub minimum_chrome_version: Option<String>,
    pub homepage_url: Option<String>,
    pub default_locale: Option<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    pub host_permissions: Vec<String>,
    #[serde(default)]
    pub optional_permissions: Vec<String>,
    #[serde(default)]
    pub optional_host_permissions: Vec<String>,
}

/// One entry of a locale's `messages.json`.
#[derive(Deserialize, Debug)]
pub(super) struct Message {
    pub message: String,
}

/// One signature: the base64 public key and whether it verified.
#[derive(Debug)]
pub(super) struct Signature {
    pub key: String,
    pub verified: bool,
}

/// A parsed package.
#[derive(Debug)]
pub(super) struct Crx {
    pub version: u32,
    pub header_size: u32,
    pub id: String,
    pub signatures: Vec<Signature>,
    pub manifest: Option<Manifest>,
    /// The default locale's messages, when they could be read.
    pub messages: Option<HashMap<String, Message>>,
}

impl Crx {
    /// Parses `data`; `None` when it is not a package.
    pub(super) fn parse(data: &[u8]) -> Option<Crx> {
        (data.get(..4)? == MAGIC).then_some(())?;
        match u32_le(data, 4)? {
            2 => version_2(data.get(8..)?),
            3 => version_3(data.get(8..)?),
            _ => None,
        }
    }

    /// `text` with a `__MSG_key__` placeholder replaced by its message.
    pub(super) fn localized<'a>(&'a self, text: &'a str) -> &'a str {
        let key = text.strip_prefix("__MSG_").and_then(|k| k.strip_suffix("__"));
        let message = self.messages.as_ref().zip(key).and_then(|(m, k)| m.get(k));
        message.map_or(text, |m| m.message.as_str())
    }
}

fn version_2(data: &[u8]) -> Option<Crx> {
    let key_len = u32_le(data, 0)?;
    let signature_len = u32_le(data, 4)?;
    let key = data.get(8..)?.get(..key_len as usize)?;
    let rest = &data[8 + key.len()..];
    let signature = rest.get(..signature_len as usize)?;
    let archive = &rest[signature.len()..];
    let verified = verify::rsa(key, verify::SHA1_DIGEST_INFO, &Sha1::digest(archive), signature);
    let id = printable_id(&Sha256::digest(key)[..16]);
    let signatures = vec![Signature { key: base64(key), verified }];
    with_contents(archive, 2, key_len.wrapping_add(signature_len), id, signatures)
}

fn version_3(data: &[u8]) -> Option<Crx> {
    let header_len = u32_le(data, 0)?;
    let header = data.get(4..)?.get(..header_len as usize)?;
    let archive = &data[4 + header.len()..];
    let mut proofs = Vec::new();
    let mut signed_data = None;
    for_each_field(header, |tag, contents| match (tag, contents) {
        (t, Some(proof)) if t == bytes_tag(2) => proofs.push((Algorithm::Rsa, proof)),
        (t, Some(proof)) if t == bytes_tag(3) => proofs.push((Algorithm::Ecdsa, proof)),
        (t, Some(data)) if t == bytes_tag(10000) => signed_data = Some(data),
        _ => {}
    })?;
    // Generated parsers keep RSA and ECDSA proofs in two lists.
    proofs.sort_by_key(|&(algorithm, _)| algorithm);
    let signed_data = signed_data?;
    let mut crx_id: &[u8] = &[];
    for_each_field(signed_data, |tag, contents| {
        if let (t, Some(id)) = (tag, contents)
            && t == bytes_tag(1)
        {
            crx_id = id;
        }
    })?;
    // A malformed proof fails the header; one without a key or a signature
    // is left out.
    let proofs: Vec<(Proof<'_>, Algorithm)> = proofs
        .into_iter()
        .map(|(algorithm, proof)| Some((key_proof(proof)?, algorithm)))
        .collect::<Option<_>>()?;
    let proofs: Vec<(&[u8], &[u8], Algorithm)> = proofs
        .into_iter()
        .filter_map(|(proof, algorithm)| Some((proof.key?, proof.signature?, algorithm)))
        .collect();
    let digest = (!proofs.is_empty()).then(|| {
        let mut sha = Sha256::new();
        sha.update(SIGNED_DATA_CONTEXT);
        sha.update((signed_data.len() as u32).to_le_bytes());
        sha.update(signed_data);
        sha.update(archive);
        sha.finalize()
    });
    let signatures = proofs
        .iter()
        .enumerate()
        .map(|(i, &(key, signature, algorithm))| {
            let digest = digest.as_ref().map(|d| d.as_slice()).unwrap_or_default();
            let verified = i < MAX_VERIFIED
                && match algorithm {
                    Algorithm::Rsa => {
                        verify::rsa(key, verify::SHA256_DIGEST_INFO, digest, signature)
                    }
                    Algorithm::Ecdsa => verify::ecdsa_p256(key, digest, signature),
                };
            Signature { key: base64(key), verified }
        })
        .collect();
    with_contents(archive, 3, header_len, printable_id(crx_id), signatures)
}

/// The kinds of CRX3 proofs, in the order YARA-X lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Algorithm {
    Rsa,
    Ecdsa,
}

/// An `AsymmetricKeyProof`: a DER public key and a signature.
#[derive(Default)]
struct Proof<'a> {
    key: Option<&'a [u8]>,
    signature: Option<&'a [u8]>,
}

/// The proof in `bytes` (the last of each field, as protocol buffers keep
/// them); `None` when it is malformed.
fn key_proof(bytes: &[u8]) -> Option<Proof<'_>> {
    let mut proof = Proof::default();
    for_each_field(bytes, |tag, contents| {
        if tag == bytes_tag(1) {
            proof.key = contents;
        } else if tag == bytes_tag(2) {
            proof.signature = contents;
        }
    })?;
    Some(proof)
}

/// The package with what its archive holds; `None` when the archive does
/// not open.
fn with_contents(
    archive: &[u8],
    version: u32,
    header_size: u32,
    id: String,
    signatures: Vec<Signature>,
) -> Option<Crx> {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).ok()?;
    let index = zip.index_for_name("manifest.json");
    let manifest: Option<Manifest> = json(&mut zip, index);
    let locale = manifest.as_ref().and_then(|m| m.default_locale.as_deref()).unwrap_or("en");
    let messages_path = format!("_locales/{locale}/messages.json");
    let index = zip.index_for_path(messages_path);
    let messages = json(&mut zip, index);
    Some(Crx { version, header_size, id, signatures, manifest, messages })
}

/// The member at `index`, read whole and deserialized; `None` when it is
/// missing, cannot be read (its CRC included), is larger than [`MAX_JSON`]
/// or is not JSON of type `T`.
fn json<T: for<'de> Deserialize<'de>>(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: Option<usize>,
) -> Option<T> {
    let member = zip.by_index(index?).ok()?;
    let mut bytes = Vec::new();
    member.take(MAX_JSON + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= MAX_JSON).then_some(())?;
    serde_json::from_slice(&bytes).ok()
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An extension id as Chrome shows it: each hex digit of the binary id
/// moved from `0`-`f` to `a`-`p`.
fn printable_id(raw: &[u8]) -> String {
    raw.iter().flat_map(|b| [b >> 4, b & 15]).map(|nibble| char::from(b'a' + nibble)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_use_the_letters_a_to_p() {
        assert_eq!(printable_id(&[0x01, 0xef]), "abop");
        assert_eq!(printable_id(&[]), "");
    }
}
