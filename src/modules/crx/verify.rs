//! Checking a package signature against its public key, as YARA-X does:
//! RSASSA-PKCS1-v1_5 (the `DigestInfo` prefix present or left out) and
//! ECDSA over NIST P-256, both over a digest computed by the caller.
//!
//! P-256 arithmetic is written here on `num-bigint` (already used for RSA)
//! in Jacobian coordinates; it is not constant-time, which does not matter
//! for checking public signatures.

use std::sync::LazyLock;

use num_bigint::BigUint;

use crate::modules::der::{self, tag};
use crate::modules::rsa::{RsaKey, algorithm_oid};

/// `id-ecPublicKey`.
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// `prime256v1`, the curve of CRX3 ECDSA keys.
const PRIME256V1: &str = "1.2.840.10045.3.1.7";

/// `DigestInfo` up to the digest, for SHA-1 and for SHA-256.
pub(super) const SHA1_DIGEST_INFO: &[u8] =
    b"\x30\x21\x30\x09\x06\x05\x2b\x0e\x03\x02\x1a\x05\x00\x04\x14";
pub(super) const SHA256_DIGEST_INFO: &[u8] =
    b"\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20";

/// Whether `signature` is an RSA PKCS #1 v1.5 signature of `digest` by the
/// key in `spki` (a DER `SubjectPublicKeyInfo`). The digest may be
/// wrapped in its `DigestInfo` (`digest_info` is the part before it) or
/// stand alone. The signature must be as long as the modulus and below it.
pub(super) fn rsa(spki: &[u8], digest_info: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    let Some((spki, _)) = der::expect(spki, tag::SEQUENCE) else { return false };
    let Some(key) = RsaKey::from_spki(&spki) else { return false };
    let modulus = &key.n[key.n.len() - key.len()..];
    if signature.len() != modulus.len() || signature >= modulus {
        return false;
    }
    key.pkcs1_v15_payload(signature).is_some_and(|payload| {
        payload == digest || payload.strip_prefix(digest_info) == Some(digest)
    })
}

/// Whether `signature` (DER `ECDSA-Sig-Value`) is an ECDSA signature of the
/// 32-byte `digest` by the P-256 key in `spki`.
pub(super) fn ecdsa_p256(spki: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    let verified = || -> Option<bool> {
        let q = p256_key(spki)?;
        let (r, s) = ecdsa_signature(signature)?;
        Some(P256.verifies(&q, digest, &r, &s))
    };
    verified().unwrap_or(false)
}

/// The point of a P-256 `SubjectPublicKeyInfo`.
fn p256_key(spki: &[u8]) -> Option<Point> {
    let (spki, _) = der::expect(spki, tag::SEQUENCE)?;
    let mut parts = der::children(spki.value);
    let algorithm = parts.next()?;
    (algorithm_oid(&algorithm)? == EC_PUBLIC_KEY).then_some(())?;
    let curve = der::children(algorithm.value).nth(1).filter(|t| t.tag == tag::OID)?;
    (der::oid_string(curve.value)? == PRIME256V1).then_some(())?;
    let bits = parts.next().filter(|t| t.tag == tag::BIT_STRING)?;
    let (&unused, point) = bits.value.split_first()?;
    (unused == 0).then_some(())?;
    P256.decode_point(point)
}

/// `r` and `s` of a DER `SEQUENCE { INTEGER, INTEGER }`.
fn ecdsa_signature(der_signature: &[u8]) -> Option<(BigUint, BigUint)> {
    let (sequence, rest) = der::expect(der_signature, tag::SEQUENCE)?;
    rest.is_empty().then_some(())?;
    let mut ints = der::children(sequence.value);
    let r = ints.next().filter(|t| t.tag == tag::INTEGER)?;
    let s = ints.next().filter(|t| t.tag == tag::INTEGER)?;
    Some((BigUint::from_bytes_be(r.value), BigUint::from_bytes_be(s.value)))
}

/// A point in Jacobian coordinates (`x/z²`, `y/z³`); `z = 0` is infinity.
#[derive(Clone)]
struct Point {
    x: BigUint,
    y: BigUint,
    z: BigUint,
}

/// The curve: field prime, `b` (`a` is -3), generator and group order.
struct Curve {
    p: BigUint,
    b: BigUint,
    g: Point,
    n: BigUint,
}

static P256: LazyLock<Curve> = LazyLock::new(|| {
    let hex = |s: &str| BigUint::parse_bytes(s.as_bytes(), 16).expect("a valid constant");
    Curve {
        p: hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
        b: hex("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
        g: Point {
            x: hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
            y: hex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"),
            z: BigUint::from(1u8),
        },
        n: hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
    }
});

impl Curve {
    fn add_mod(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a + b) % &self.p
    }

    fn sub_mod(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a + &self.p - b % &self.p) % &self.p
    }

    fn mul_mod(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a * b) % &self.p
    }

    /// `x³ - 3x + b`.
    fn curve_rhs(&self, x: &BigUint) -> BigUint {
        let x3 = self.mul_mod(&self.mul_mod(x, x), x);
        self.add_mod(&self.sub_mod(&x3, &(x * 3u8)), &self.b)
    }

    /// A SEC1 point, uncompressed (`04 x y`) or compressed (`02`/`03 x`),
    /// that lies on the curve.
    fn decode_point(&self, bytes: &[u8]) -> Option<Point> {
        let (&form, coordinates) = bytes.split_first()?;
        let x = BigUint::from_bytes_be(coordinates.get(..32)?);
        (x < self.p).then_some(())?;
        let y = match (form, coordinates.len()) {
            (4, 64) => BigUint::from_bytes_be(&coordinates[32..]),
            (2 | 3, 32) => {
                // p ≡ 3 (mod 4): a square root is a power (p + 1) / 4.
                let root = self.curve_rhs(&x).modpow(&((&self.p + 1u8) >> 2), &self.p);
                if root.bit(0) == (form == 3) { root } else { &self.p - root }
            }
            _ => return None,
        };
        let on_curve = y < self.p && self.mul_mod(&y, &y) == self.curve_rhs(&x);
        on_curve.then(|| Point { x, y, z: BigUint::from(1u8) })
    }

    fn double(&self, q: &Point) -> Point {
        if q.z == BigUint::ZERO || q.y == BigUint::ZERO {
            return Point { x: BigUint::ZERO, y: BigUint::from(1u8), z: BigUint::ZERO };
        }
        // a = -3: M = 3 (X - Z²)(X + Z²).
        let zz = self.mul_mod(&q.z, &q.z);
        let m = self.mul_mod(&(self.sub_mod(&q.x, &zz) * 3u8), &self.add_mod(&q.x, &zz));
        let yy = self.mul_mod(&q.y, &q.y);
        let s = self.mul_mod(&(&q.x * 4u8), &yy);
        let x = self.sub_mod(&self.mul_mod(&m, &m), &(&s * 2u8));
        let y =
            self.sub_mod(&self.mul_mod(&m, &self.sub_mod(&s, &x)), &(self.mul_mod(&yy, &yy) * 8u8));
        let z = self.mul_mod(&(&q.y * 2u8), &q.z);
        Point { x, y, z }
    }

    fn add(&self, a: &Point, b: &Point) -> Point {
        if a.z == BigUint::ZERO {
            return b.clone();
        }
        if b.z == BigUint::ZERO {
            return a.clone();
        }
        let (za2, zb2) = (self.mul_mod(&a.z, &a.z), self.mul_mod(&b.z, &b.z));
        let u1 = self.mul_mod(&a.x, &zb2);
        let u2 = self.mul_mod(&b.x, &za2);
        let s1 = self.mul_mod(&self.mul_mod(&a.y, &zb2), &b.z);
        let s2 = self.mul_mod(&self.mul_mod(&b.y, &za2), &a.z);
        if u1 == u2 {
            return if s1 == s2 {
                self.double(a)
            } else {
                Point { x: BigUint::ZERO, y: BigUint::from(1u8), z: BigUint::ZERO }
            };
        }
        let h = self.sub_mod(&u2, &u1);
        let r = self.sub_mod(&s2, &s1);
        let hh = self.mul_mod(&h, &h);
        let hhh = self.mul_mod(&hh, &h);
        let v = self.mul_mod(&u1, &hh);
        let x = self.sub_mod(&self.sub_mod(&self.mul_mod(&r, &r), &hhh), &(&v * 2u8));
        let y = self.sub_mod(&self.mul_mod(&r, &self.sub_mod(&v, &x)), &self.mul_mod(&s1, &hhh));
        let z = self.mul_mod(&self.mul_mod(&a.z, &b.z), &h);
        Point { x, y, z }
    }

    /// `u1 G + u2 Q`, both products at once (Shamir's trick).
    fn double_multiply(&self, u1: &BigUint, u2: &BigUint, q: &Point) -> Point {
        let both = self.add(&self.g, q);
        let mut acc = Point { x: BigUint::ZERO, y: BigUint::from(1u8), z: BigUint::ZERO };
        for bit in (0..u1.bits().max(u2.bits())).rev() {
            acc = self.double(&acc);
            acc = match (u1.bit(bit), u2.bit(bit)) {
                (true, true) => self.add(&acc, &both),
                (true, false) => self.add(&acc, &self.g),
                (false, true) => self.add(&acc, q),
                (false, false) => acc,
            };
        }
        acc
    }

    /// ECDSA verification: with `w = s⁻¹`, the x coordinate of
    /// `(e w) G + (r w) Q` must be `r` modulo the order.
    fn verifies(&self, q: &Point, digest: &[u8], r: &BigUint, s: &BigUint) -> bool {
        let in_range = |v: &BigUint| *v != BigUint::ZERO && v < &self.n;
        if !in_range(r) || !in_range(s) {
            return false;
        }
        let e = BigUint::from_bytes_be(digest) % &self.n;
        let w = s.modpow(&(&self.n - 2u8), &self.n);
        let sum = self.double_multiply(&(e * &w % &self.n), &(r * &w % &self.n), q);
        if sum.z == BigUint::ZERO {
            return false;
        }
        let z_inverse = sum.z.modpow(&(&self.p - 2u8), &self.p);
        let x = self.mul_mod(&sum.x, &self.mul_mod(&z_inverse, &z_inverse));
        x % &self.n == *r
    }
}
