//! The Authenticode part of the `pe` declaration: signatures, their
//! certificates and `signatures[i].valid_on(t)`, the one function that
//! reads its receiver's fields.

use crate::modules::functions::{FunctionDef, bool_value, overload};
use crate::modules::schema::{Schema as _, schema};
use crate::modules::{CallContext, Value};
use crate::types::Type;

schema! {
    /// An X.509 certificate of a signature.
    pub(crate) struct Certificate {
        /// The issuer's distinguished name, as OpenSSL prints it.
        issuer: Vec<u8>,
        /// The subject's distinguished name.
        subject: Vec<u8>,
        /// SHA-1 of the DER certificate, lowercase hex.
        thumbprint: Vec<u8>,
        /// The X.509 version (1 to 3).
        version: i64,
        /// The signature algorithm's name.
        algorithm: Vec<u8>,
        /// The signature algorithm's OID.
        algorithm_oid: Vec<u8>,
        /// The serial number as colon-separated hex bytes.
        serial: Vec<u8>,
        /// Start of validity, seconds since the epoch.
        not_before: i64,
        /// End of validity, seconds since the epoch.
        not_after: i64,
    }

    /// The signer of an Authenticode signature.
    pub(crate) struct SignerInfo {
        program_name: Vec<u8>,
        more_info: Vec<u8>,
        digest: Vec<u8>,
        digest_alg: Vec<u8>,
        /// The signer's certificate chain, signer first.
        chain: Vec<Certificate>,
    }

    /// A countersignature of an Authenticode signature.
    pub(crate) struct Countersignature {
        verified: bool,
        sign_time: i64,
        digest: Vec<u8>,
        digest_alg: Vec<u8>,
        chain: Vec<Certificate>,
    }

    /// An Authenticode signature; the certificate fields are the signer's.
    pub(crate) struct Signature {
        subject: Vec<u8>,
        issuer: Vec<u8>,
        thumbprint: Vec<u8>,
        version: i64,
        algorithm: Vec<u8>,
        algorithm_oid: Vec<u8>,
        serial: Vec<u8>,
        not_before: i64,
        not_after: i64,
        /// Whether the signed digest matches the file.
        verified: bool,
        digest_alg: Vec<u8>,
        /// The digest the signature signs.
        digest: Vec<u8>,
        /// The digest computed over the file.
        file_digest: Vec<u8>,
        number_of_certificates: i64,
        number_of_countersignatures: i64,
        signer_info: SignerInfo,
        certificates: Vec<Certificate>,
        countersignatures: Vec<Countersignature>,
    }
    functions = SIGNATURE_FUNCTIONS;
}

/// The functions of each `pe.signatures[i]`.
static SIGNATURE_FUNCTIONS: &[FunctionDef] = &[FunctionDef {
    name: "valid_on",
    overloads: &[overload(&[Type::Integer], Type::Bool, valid_on)],
}];

/// `signatures[i].valid_on(t)`: the receiving signature structure comes
/// first in `args`, then the timestamp.
fn valid_on(_: &CallContext<'_>, args: &[Value]) -> Value {
    let (Some(Value::Struct(fields)), Some(Value::Integer(t))) = (args.first(), args.get(1)) else {
        return Value::Undefined;
    };
    let ty = Signature::declaration();
    let field = |name: &str| ty.field_index(name).and_then(|i| fields.get(i));
    match (field("not_before"), field("not_after")) {
        (Some(Value::Integer(before)), Some(Value::Integer(after))) => {
            bool_value(before <= t && t <= after)
        }
        _ => Value::Undefined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::schema::FieldType as _;

    #[test]
    fn valid_on_compares_with_the_receiver_validity() {
        let receiver =
            Signature { not_before: Some(100), not_after: Some(200), ..Signature::default() }
                .into_value();
        let module = crate::modules::ModuleData::default();
        let messages = std::cell::RefCell::new(Vec::new());
        let deadline = Default::default();
        let ctx =
            CallContext { data: &[], module: &module, messages: &messages, deadline: &deadline };
        let call = |t: i64| valid_on(&ctx, &[receiver.clone(), Value::Integer(t)]);
        assert!(matches!(call(150), Value::Integer(1)));
        assert!(matches!(call(201), Value::Integer(0)));
        assert!(valid_on(&ctx, &[Value::Integer(150)]).is_undefined());
    }
}
