//! Authenticode signatures (placeholder until the PKCS#7 reader lands).

use super::headers::Headers;

/// One certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Certificate {
    pub issuer: String,
    pub subject: String,
    pub thumbprint: String,
    pub version: i64,
    pub algorithm: String,
    pub algorithm_oid: String,
    pub serial: String,
    pub not_before: i64,
    pub not_after: i64,
}

/// One Authenticode signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Signature {
    pub certificates: Vec<Certificate>,
    pub signer_chain: Vec<Certificate>,
    pub digest_alg: Option<String>,
    pub digest: Option<String>,
    pub file_digest: Option<String>,
    pub program_name: Option<String>,
    pub verified: bool,
}

/// The file's signatures.
pub(super) fn parse(_pe: &Headers<'_>) -> Vec<Signature> {
    Vec::new()
}
