//! Authenticode signatures: the PKCS#7 `SignedData` in the certificate
//! table (data directory 4, whose address is a file offset).
//!
//! For each signature this reports what YARA reports: the certificates, the
//! signer's chain (signer certificate, then issuers found among the
//! certificates), the digest the signature covers and the digest of the
//! file, and whether the signature verifies: the file digest matches, the
//! signed attributes' message digest matches the signed content, and the
//! signer's RSA signature over the signed attributes is valid. Chains are
//! not checked against trusted roots (YARA does not either). Nested
//! signatures (`1.3.6.1.4.1.311.2.4.1`) are reported after their parent.
//! Countersignatures are not decoded.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::headers::Headers;
use crate::modules::binary::u32_le;
use crate::modules::der::{self, Tlv, tag};
use crate::modules::hash::hex;
use crate::modules::rsa::{RsaKey, algorithm_oid};

/// `IMAGE_DIRECTORY_ENTRY_SECURITY`.
const DIRECTORY_SECURITY: usize = 4;
/// `WIN_CERT_TYPE_PKCS_SIGNED_DATA`.
const WIN_CERT_TYPE_PKCS_SIGNED_DATA: u16 = 2;
/// Nested signatures are followed this deep.
const MAX_NESTING: usize = 4;
/// At most this many signatures per file.
const MAX_SIGNATURES: usize = 16;
/// At most this many certificates per signature.
const MAX_CERTIFICATES: usize = 64;

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_SPC_SP_OPUS_INFO: &str = "1.3.6.1.4.1.311.2.1.12";
const OID_NESTED_SIGNATURE: &str = "1.3.6.1.4.1.311.2.4.1";

/// One certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Certificate {
    pub issuer: String,
    pub subject: String,
    pub thumbprint: String,
    pub version: i64,
    pub algorithm: String,
    pub algorithm_oid: String,
    pub serial: String,
    pub not_before: i64,
    pub not_after: i64,
    /// DER of the issuer and subject names, for chain building.
    issuer_der: Vec<u8>,
    subject_der: Vec<u8>,
    serial_der: Vec<u8>,
    /// RSA modulus and exponent, when the key is RSA.
    rsa_key: Option<RsaKey>,
}

/// One Authenticode signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Signature {
    pub certificates: Vec<Certificate>,
    pub signer_chain: Vec<Certificate>,
    /// Algorithm and value of the digest the signature covers.
    pub digest_alg: Option<String>,
    pub digest: Option<String>,
    /// The same digest computed over the file.
    pub file_digest: Option<String>,
    /// From the signer's signed attributes.
    pub signer_digest_alg: Option<String>,
    pub signer_digest: Option<String>,
    pub program_name: Option<String>,
    pub more_info: Option<String>,
    pub verified: bool,
}

/// The signatures in the certificate table of `pe`.
pub(super) fn parse(pe: &Headers<'_>) -> Vec<Signature> {
    let Some(entry) = pe.dir_entry(DIRECTORY_SECURITY) else { return Vec::new() };
    if entry.rva == 0 || entry.size == 0 {
        return Vec::new();
    }
    let start = entry.rva as usize;
    let Some(table) = pe.data.get(start..start.saturating_add(entry.size as usize)) else {
        return Vec::new();
    };
    let Some(length) = u32_le(table, 0) else { return Vec::new() };
    if table.get(6..8) != Some(&WIN_CERTIFICATE_TYPE) {
        return Vec::new();
    }
    let Some(content) = table.get(8..(length as usize).min(table.len())) else { return Vec::new() };
    let file_digests = FileDigests { pe, cert_table_offset: start };
    signed_data(content, &|algorithm| file_digests.digest(algorithm))
}

/// The signatures in a DER `ContentInfo` holding Authenticode `SignedData`
/// (and those nested in it), each checked against the digest
/// `file_digest` computes with the algorithm it names (`sha256`, ...): the
/// digest of whatever the format signs, a PE image or an MSI package.
pub(crate) fn signed_data(
    content: &[u8],
    file_digest: &dyn Fn(&str) -> Option<String>,
) -> Vec<Signature> {
    let mut signatures = Vec::new();
    read_content_info(content, file_digest, 0, &mut signatures);
    signatures
}

const WIN_CERTIFICATE_TYPE: [u8; 2] = WIN_CERT_TYPE_PKCS_SIGNED_DATA.to_le_bytes();

/// Computes the Authenticode digest of the file with a given algorithm.
struct FileDigests<'a, 'p> {
    pe: &'p Headers<'a>,
    cert_table_offset: usize,
}

impl FileDigests<'_, '_> {
    /// The file up to the certificate table, without the checksum and the
    /// certificate table's directory entry.
    fn digest(&self, algorithm: &str) -> Option<String> {
        let data = self.pe.data;
        let optional = self.pe.e_lfanew + 24;
        let checksum = optional + 64;
        let directory_offset =
            if self.pe.optional.magic == super::headers::OPTIONAL_HDR64_MAGIC { 112 } else { 96 };
        let security_entry = optional + directory_offset + DIRECTORY_SECURITY * 8;
        let end = self.cert_table_offset.min(data.len());
        if !(checksum + 4 <= security_entry && security_entry + 8 <= end) {
            return None;
        }
        let parts = [
            &data[..checksum],
            &data[checksum + 4..security_entry],
            &data[security_entry + 8..end],
        ];
        hash(algorithm, &parts)
    }
}

/// The lowercase hex digest of `parts`, concatenated, with `algorithm`
/// (`md5`, `sha1`, `sha256`, `sha384`, `sha512`); `None` for another.
pub(crate) fn hash(algorithm: &str, parts: &[&[u8]]) -> Option<String> {
    fn run<D: Digest>(parts: &[&[u8]]) -> String {
        let mut d = D::new();
        for p in parts {
            d.update(p);
        }
        hex(&d.finalize())
    }
    Some(match algorithm {
        "md5" => run::<Md5>(parts),
        "sha1" => run::<Sha1>(parts),
        "sha256" => run::<Sha256>(parts),
        "sha384" => run::<Sha384>(parts),
        "sha512" => run::<Sha512>(parts),
        _ => return None,
    })
}

fn raw_hash(algorithm: &str, data: &[u8]) -> Option<Vec<u8>> {
    fn run<D: Digest>(data: &[u8]) -> Vec<u8> {
        D::digest(data).to_vec()
    }
    Some(match algorithm {
        "md5" => run::<Md5>(data),
        "sha1" => run::<Sha1>(data),
        "sha256" => run::<Sha256>(data),
        "sha384" => run::<Sha384>(data),
        "sha512" => run::<Sha512>(data),
        _ => return None,
    })
}

/// Reads a `ContentInfo` holding `SignedData` and appends its signature,
/// then its nested signatures.
fn read_content_info(
    input: &[u8],
    file_digest: &dyn Fn(&str) -> Option<String>,
    depth: usize,
    out: &mut Vec<Signature>,
) {
    if depth > MAX_NESTING || out.len() >= MAX_SIGNATURES {
        return;
    }
    let Some((info, _)) = der::expect(input, tag::SEQUENCE) else { return };
    let mut parts = der::children(info.value);
    let is_signed_data =
        parts.next().and_then(|oid| der::oid_string(oid.value)).as_deref() == Some(OID_SIGNED_DATA);
    let Some(explicit) = parts.next().filter(|t| t.tag == tag::CONTEXT_0 && is_signed_data) else {
        return;
    };
    let Some((signed_data, _)) = der::expect(explicit.value, tag::SEQUENCE) else { return };
    let Some((signature, nested)) = read_signed_data(signed_data.value, file_digest) else {
        return;
    };
    out.push(signature);
    for inner in nested {
        read_content_info(inner, file_digest, depth + 1, out);
    }
}

/// Reads `SignedData`; returns the signature and the nested `ContentInfo`s
/// found in the signer's unsigned attributes.
fn read_signed_data<'a>(
    value: &'a [u8],
    file_digest: &dyn Fn(&str) -> Option<String>,
) -> Option<(Signature, Vec<&'a [u8]>)> {
    let mut fields = der::children(value);
    fields.next()?; // version
    fields.next()?; // digestAlgorithms
    let content_info = fields.next()?;
    let mut rest: Vec<Tlv<'a>> = fields.collect();
    let certificates: Vec<Certificate> = match rest.first() {
        Some(t) if t.tag == tag::CONTEXT_0 => der::children(t.value)
            .take(MAX_CERTIFICATES)
            .filter_map(|c| certificate(c.raw))
            .collect(),
        _ => Vec::new(),
    };
    rest.retain(|t| t.tag != tag::CONTEXT_0 && t.tag != tag::CONTEXT_1);
    let signer_infos = rest.first().filter(|t| t.tag == tag::SET)?;
    let signer = der::children(signer_infos.value).next()?;

    // The signed content: SpcIndirectDataContent with the file's digest.
    let mut ci = der::children(content_info.value);
    ci.next()?; // contentType
    let content = ci.next().filter(|t| t.tag == tag::CONTEXT_0)?;
    let (indirect, _) = der::expect(content.value, tag::SEQUENCE)?;
    let mut indirect_fields = der::children(indirect.value);
    indirect_fields.next()?; // data
    let digest_info = indirect_fields.next()?;
    let mut di = der::children(digest_info.value);
    let digest_alg =
        di.next().and_then(|alg| algorithm_oid(&alg)).map(|oid| digest_name(&oid).to_owned());
    let digest = di.next().filter(|t| t.tag == tag::OCTET_STRING).map(|t| hex(t.value));
    let file_digest = digest_alg.as_deref().and_then(file_digest);

    let mut signature = Signature {
        digest_alg: digest_alg.clone(),
        digest: digest.clone(),
        file_digest: file_digest.clone(),
        ..Signature::default()
    };
    let mut nested = Vec::new();
    let verified_signer =
        read_signer_info(signer, &certificates, indirect.value, &mut signature, &mut nested);
    signature.verified = verified_signer && digest.is_some() && digest == file_digest;
    signature.certificates = certificates;
    Some((signature, nested))
}

/// Reads a `SignerInfo` into `signature`; returns whether its signature
/// and message digest verify.
fn read_signer_info<'a>(
    signer: Tlv<'a>,
    certificates: &[Certificate],
    signed_content: &[u8],
    signature: &mut Signature,
    nested: &mut Vec<&'a [u8]>,
) -> bool {
    let mut fields = der::children(signer.value);
    let _version = fields.next();
    let Some(issuer_and_serial) = fields.next() else { return false };
    let Some(digest_algorithm) = fields.next() else { return false };
    let rest: Vec<Tlv<'a>> = fields.collect();
    let signed_attrs = rest.first().filter(|t| t.tag == tag::CONTEXT_0).copied();
    let after_attrs = if signed_attrs.is_some() { &rest[1..] } else { &rest[..] };
    let encrypted_digest = after_attrs.get(1).filter(|t| t.tag == tag::OCTET_STRING);
    let unsigned_attrs = after_attrs.get(2).filter(|t| t.tag == tag::CONTEXT_1);

    let algorithm = algorithm_oid(&digest_algorithm).map(|oid| digest_name(&oid).to_owned());
    signature.signer_digest_alg = algorithm.clone();

    let mut message_digest = None;
    for attribute in signed_attrs.iter().flat_map(|a| der::children(a.value)) {
        let mut parts = der::children(attribute.value);
        let oid = parts.next().and_then(|o| der::oid_string(o.value));
        let Some(value) = parts.next().and_then(|set| der::children(set.value).next()) else {
            continue;
        };
        match oid.as_deref() {
            Some(OID_MESSAGE_DIGEST) if value.tag == tag::OCTET_STRING => {
                message_digest = Some(value.value)
            }
            Some(OID_SPC_SP_OPUS_INFO) => read_opus_info(value, signature),
            _ => {}
        }
    }
    signature.signer_digest = message_digest.map(hex);
    for attribute in unsigned_attrs.iter().flat_map(|a| der::children(a.value)) {
        let mut parts = der::children(attribute.value);
        let is_nested = parts.next().and_then(|o| der::oid_string(o.value)).as_deref()
            == Some(OID_NESTED_SIGNATURE);
        if let Some(set) = parts.next().filter(|_| is_nested) {
            nested.extend(der::children(set.value).map(|c| c.raw));
        }
    }

    // The signer certificate and its chain.
    let mut id = der::children(issuer_and_serial.value);
    let (Some(issuer), Some(serial)) = (id.next(), id.next()) else { return false };
    let signer_cert =
        certificates.iter().find(|c| c.issuer_der == issuer.raw && c.serial_der == serial.value);
    signature.signer_chain = chain(signer_cert, certificates);

    let (Some(algorithm), Some(message_digest), Some(attrs), Some(encrypted), Some(cert)) =
        (algorithm, message_digest, signed_attrs, encrypted_digest, signer_cert)
    else {
        return false;
    };
    let content_ok = raw_hash(&algorithm, signed_content).as_deref() == Some(message_digest);
    // The signature covers the attributes encoded as a SET, not [0].
    let mut attrs_der = attrs.raw.to_vec();
    attrs_der[0] = tag::SET;
    let signature_ok = raw_hash(&algorithm, &attrs_der)
        .zip(cert.rsa_key.as_ref())
        .is_some_and(|(digest, key)| rsa_pkcs1_verifies(key, encrypted.value, &algorithm, &digest));
    content_ok && signature_ok
}

/// `SpcSpOpusInfo`: program name (`[0]`) and more-info link (`[1]`).
fn read_opus_info(value: Tlv<'_>, signature: &mut Signature) {
    for field in der::children(value.value) {
        let Some(inner) = der::children(field.value).next() else { continue };
        match field.tag {
            tag::CONTEXT_0 => signature.program_name = spc_string(&inner),
            tag::CONTEXT_1 if inner.tag == 0x80 => {
                signature.more_info = String::from_utf8(inner.value.to_vec()).ok();
            }
            _ => {}
        }
    }
}

/// An `SpcString`: `[0]` BMPString or `[1]` IA5String.
fn spc_string(t: &Tlv<'_>) -> Option<String> {
    match t.tag {
        0x80 => {
            let units: Vec<u16> =
                t.value.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16(&units).ok()
        }
        0x81 => String::from_utf8(t.value.to_vec()).ok(),
        _ => None,
    }
}

/// The signer certificate followed by its issuers found in `all`.
fn chain(signer: Option<&Certificate>, all: &[Certificate]) -> Vec<Certificate> {
    let mut chain: Vec<Certificate> = Vec::new();
    let mut current = signer;
    while let Some(cert) = current {
        if chain.len() >= MAX_CERTIFICATES || chain.iter().any(|c| c == cert) {
            break;
        }
        chain.push(cert.clone());
        if cert.issuer_der == cert.subject_der {
            break;
        }
        current = all.iter().find(|c| c.subject_der == cert.issuer_der);
    }
    chain
}

/// RSASSA-PKCS1-v1_5 verification of `signature` over `digest`: the
/// payload must be a `DigestInfo` naming `algorithm`.
fn rsa_pkcs1_verifies(key: &RsaKey, signature: &[u8], algorithm: &str, digest: &[u8]) -> bool {
    let Some(digest_info) = key.pkcs1_v15_payload(signature) else { return false };
    let Some((info, _)) = der::expect(&digest_info, tag::SEQUENCE) else { return false };
    let mut parts = der::children(info.value);
    let alg = parts.next().and_then(|a| algorithm_oid(&a)).map(|oid| digest_name(&oid).to_owned());
    let value = parts.next().filter(|t| t.tag == tag::OCTET_STRING).map(|t| t.value);
    alg.as_deref() == Some(algorithm) && value == Some(digest)
}

/// Short names of digest algorithms.
fn digest_name(oid: &str) -> &str {
    match oid {
        "1.2.840.113549.2.5" => "md5",
        "1.3.14.3.2.26" => "sha1",
        "2.16.840.1.101.3.4.2.1" => "sha256",
        "2.16.840.1.101.3.4.2.2" => "sha384",
        "2.16.840.1.101.3.4.2.3" => "sha512",
        other => other,
    }
}

/// OpenSSL's long names of signature algorithms.
fn signature_algorithm_name(oid: &str) -> &str {
    match oid {
        "1.2.840.113549.1.1.1" => "rsaEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        other => other,
    }
}

/// OpenSSL's short names of name attributes.
fn attribute_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.42" => "GN",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        _ => return None,
    })
}

/// A distinguished name in OpenSSL's one-line form: `/C=US/O=Org/CN=Name`.
fn name_string(name: &Tlv<'_>) -> String {
    let mut out = String::new();
    for rdn in der::children(name.value) {
        for attribute in der::children(rdn.value) {
            let mut parts = der::children(attribute.value);
            let Some(oid) = parts.next().and_then(|o| der::oid_string(o.value)) else { continue };
            let Some(value) = parts.next() else { continue };
            out.push('/');
            out.push_str(attribute_name(&oid).unwrap_or(&oid));
            out.push('=');
            out.push_str(&directory_string(&value));
        }
    }
    out
}

/// The text of a directory string; bytes outside printable ASCII are
/// escaped as `\xHH`, as OpenSSL's one-line names do.
fn directory_string(value: &Tlv<'_>) -> String {
    let text: String = match value.tag {
        0x1e => {
            let units: Vec<u16> =
                value.value.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(value.value).into_owned(),
    };
    let mut out = String::new();
    for b in text.bytes() {
        if (0x20..0x7f).contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Parses an X.509 certificate.
fn certificate(raw: &[u8]) -> Option<Certificate> {
    let (cert, _) = der::expect(raw, tag::SEQUENCE)?;
    let mut outer = der::children(cert.value);
    let tbs = outer.next()?;
    let signature_algorithm = algorithm_oid(&outer.next()?)?;
    let mut fields = der::children(tbs.value).peekable();
    let version = match fields.peek() {
        Some(t) if t.tag == tag::CONTEXT_0 => {
            let v = der::children(fields.next()?.value).next()?;
            v.value.iter().fold(0i64, |acc, &b| (acc << 8) | i64::from(b)) + 1
        }
        _ => 1,
    };
    let serial = fields.next().filter(|t| t.tag == tag::INTEGER)?;
    fields.next()?; // signature algorithm (repeated)
    let issuer = fields.next()?;
    let validity = fields.next()?;
    let subject = fields.next()?;
    let spki = fields.next()?;
    let mut times = der::children(validity.value);
    let not_before = der::time(&times.next()?)?;
    let not_after = der::time(&times.next()?)?;
    let serial_bytes = match serial.value {
        [0, rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    Some(Certificate {
        issuer: name_string(&issuer),
        subject: name_string(&subject),
        thumbprint: hex(&Sha1::digest(cert.raw)),
        version,
        algorithm: signature_algorithm_name(&signature_algorithm).to_owned(),
        algorithm_oid: signature_algorithm,
        serial: serial_bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"),
        not_before,
        not_after,
        issuer_der: issuer.raw.to_vec(),
        subject_der: subject.raw.to_vec(),
        serial_der: serial.value.to_vec(),
        rsa_key: RsaKey::from_spki(&spki),
    })
}
