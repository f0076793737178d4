//! The `crx` module's declaration: the fields and function of YARA-X's
//! `crx` module (see [`crate::modules::schema`]).

use super::functions::CRX_FUNCTIONS;
use crate::modules::schema::schema;

schema! {
    /// One signature of the package.
    pub(super) struct CrxSignature {
        /// The public key (DER `SubjectPublicKeyInfo`), base64-encoded.
        key: Vec<u8>,
        /// Whether the signature verifies with that key.
        verified: bool,
    }

    /// The `crx` module.
    pub(super) struct CrxModule {
        /// Whether the input is a Chrome extension package.
        is_crx: bool,
        /// The package format version (2 or 3).
        crx_version: i64,
        /// Length of the signature header after the fixed fields.
        header_size: i64,
        /// The 32-letter extension id (`a` to `p`).
        id: Vec<u8>,
        /// `version` of the manifest.
        version: Vec<u8>,
        /// `name` of the manifest, a `__MSG_key__` placeholder resolved
        /// with the default locale's messages.
        name: Vec<u8>,
        /// `description` of the manifest, resolved like `name`.
        description: Vec<u8>,
        /// `name` as the manifest has it; only when a locale was read.
        raw_name: Vec<u8>,
        /// `description` as the manifest has it; only when a locale was
        /// read.
        raw_description: Vec<u8>,
        minimum_chrome_version: Vec<u8>,
        homepage_url: Vec<u8>,
        permissions: Vec<Vec<u8>>,
        host_permissions: Vec<Vec<u8>>,
        optional_permissions: Vec<Vec<u8>>,
        optional_host_permissions: Vec<Vec<u8>>,
        /// The signatures, RSA ones first, then ECDSA ones.
        signatures: Vec<CrxSignature>,
    }
    functions = CRX_FUNCTIONS;
}
