//! RSA public keys and RSASSA-PKCS1-v1_5 signatures ([RFC 8017]), as far
//! as the modules that check signatures need them: Authenticode (`pe`)
//! and Chrome extensions (`crx`).

use num_bigint::BigUint;

use crate::modules::der::{self, Tlv, tag};

/// `rsaEncryption`.
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// An RSA public key: big-endian modulus and exponent, as DER stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RsaKey {
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

impl RsaKey {
    /// The key of a `SubjectPublicKeyInfo` whose algorithm is
    /// `rsaEncryption`.
    pub(crate) fn from_spki(spki: &Tlv<'_>) -> Option<RsaKey> {
        let mut parts = der::children(spki.value);
        if algorithm_oid(&parts.next()?)? != RSA_ENCRYPTION {
            return None;
        }
        let bits = parts.next().filter(|t| t.tag == tag::BIT_STRING)?;
        let (key, _) = der::expect(bits.value.get(1..)?, tag::SEQUENCE)?;
        let mut ints = der::children(key.value);
        let n = ints.next().filter(|t| t.tag == tag::INTEGER)?;
        let e = ints.next().filter(|t| t.tag == tag::INTEGER)?;
        Some(RsaKey { n: n.value.to_vec(), e: e.value.to_vec() })
    }

    /// The modulus length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.n.iter().skip_while(|&&b| b == 0).count()
    }

    /// What `signature` carries once the public key has been applied and
    /// the PKCS #1 v1.5 padding (`00 01 FF..FF 00`, at least eight `FF`)
    /// removed: a DER `DigestInfo`, or a bare digest for signers that
    /// leave the prefix out. `None` when the padding is not there, for keys
    /// under 512 bits and for exponents over 64 bits.
    pub(crate) fn pkcs1_v15_payload(&self, signature: &[u8]) -> Option<Vec<u8>> {
        let k = self.len();
        if k < 64 || signature.len() > k || self.e.len() > 8 {
            return None;
        }
        let modulus = BigUint::from_bytes_be(&self.n);
        let decoded = BigUint::from_bytes_be(signature)
            .modpow(&BigUint::from_bytes_be(&self.e), &modulus)
            .to_bytes_be();
        let mut em = vec![0u8; k.saturating_sub(decoded.len())];
        em.extend(decoded);
        if em.get(..2) != Some(&[0, 1]) {
            return None;
        }
        let filler = em[2..].iter().position(|&b| b != 0xff)?;
        (em[2 + filler] == 0 && filler >= 8).then(|| em[3 + filler..].to_vec())
    }
}

/// The OID of an `AlgorithmIdentifier`.
pub(crate) fn algorithm_oid(alg: &Tlv<'_>) -> Option<String> {
    der::children(alg.value)
        .next()
        .filter(|t| t.tag == tag::OID)
        .and_then(|t| der::oid_string(t.value))
}
