//! The certificates of a code signature's CMS blob, with their names
//! written as YARA-X writes them (x509-parser's form: `C=US, O=Org,
//! CN=Name`, attributes of one RDN joined by ` + `).

use super::model::Certificate;
use crate::modules::der::{self, Tlv, tag};

/// Certificates read from one blob at most.
const MAX_CERTIFICATES: usize = 64;

/// The certificates of the `ContentInfo` holding `SignedData` in `blob`;
/// none when its structure up to the certificate set is not as expected.
pub(super) fn certificates(blob: &[u8]) -> Vec<Certificate> {
    let found = (|| {
        let (info, _) = der::read_ber(blob).filter(|(t, _)| t.tag == tag::SEQUENCE)?;
        let mut parts = der::children_ber(info.value);
        parts.next().filter(|t| t.tag == tag::OID)?;
        let explicit = parts.next().filter(|t| t.tag == tag::CONTEXT_0)?;
        let signed_data =
            der::children_ber(explicit.value).next().filter(|t| t.tag == tag::SEQUENCE)?;
        let mut fields = der::children_ber(signed_data.value);
        fields.next().filter(|t| t.tag == tag::INTEGER)?;
        fields.next().filter(|t| t.tag == tag::SET)?;
        fields.next().filter(|t| t.tag == tag::SEQUENCE)?;
        let set = fields.next().filter(|t| t.tag == tag::CONTEXT_0);
        Some(set.map_or_else(Vec::new, |set| {
            der::children_ber(set.value).take(MAX_CERTIFICATES).filter_map(certificate).collect()
        }))
    })();
    found.unwrap_or_default()
}

/// The issuer and subject of an X.509 certificate.
fn certificate(cert: Tlv<'_>) -> Option<Certificate> {
    let tbs = der::children(cert.value).next().filter(|t| t.tag == tag::SEQUENCE)?;
    let mut fields = der::children(tbs.value).skip_while(|t| t.tag == tag::CONTEXT_0);
    fields.next().filter(|t| t.tag == tag::INTEGER)?; // serial number
    fields.next()?; // signature algorithm
    let issuer = fields.next().filter(|t| t.tag == tag::SEQUENCE)?;
    fields.next()?; // validity
    let subject = fields.next().filter(|t| t.tag == tag::SEQUENCE)?;
    Some(Certificate {
        issuer: name(&issuer),
        subject: name(&subject),
        is_self_signed: issuer.raw == subject.raw,
    })
}

/// A distinguished name: `ABBREV=value` per attribute; empty when an
/// attribute does not parse, as YARA-X has it.
fn name(name: &Tlv<'_>) -> String {
    let rdns: Option<Vec<String>> = der::children(name.value)
        .map(|rdn| {
            let attributes: Option<Vec<String>> = der::children(rdn.value)
                .map(|attribute| {
                    let mut parts = der::children(attribute.value);
                    let oid = der::oid_string(parts.next()?.value)?;
                    let value = value_string(&parts.next()?)?;
                    let abbreviation =
                        abbreviation(&oid).map_or_else(|| format!("OID({oid})"), str::to_owned);
                    Some(format!("{abbreviation}={value}"))
                })
                .collect();
            attributes.map(|a| a.join(" + "))
        })
        .collect();
    rdns.map(|r| r.join(", ")).unwrap_or_default()
}

/// The text of an attribute value: strings as they are (BMP strings
/// decoded from UTF-16), other types as upper-case hexadecimal; `None`
/// for a string that does not decode.
fn value_string(value: &Tlv<'_>) -> Option<String> {
    const BMP_STRING: u8 = 0x1e;
    Some(match value.tag {
        0x0c | 0x12 | 0x13 | 0x14 | 0x15 | 0x16 | 0x19 | 0x1a | 0x1b | 0x07 => {
            std::str::from_utf8(value.value).ok()?.to_owned()
        }
        BMP_STRING => {
            let units: Vec<u16> =
                value.value.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16(&units).ok()?
        }
        _ => value.value.iter().map(|b| format!("{b:02X}")).collect(),
    })
}

/// The names YARA-X gives name attributes (seen in its output).
fn abbreviation(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "surname",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "streetAddress",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.13" => "description",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.41" => "name",
        "2.5.4.42" => "givenName",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.46" => "dnQualifier",
        "1.2.840.113549.1.9.1" => "Email",
        "0.9.2342.19200300.100.1.1" => "uid",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.3.6.1.4.1.311.60.2.1.1" => "msJurisdictionLocality",
        "1.3.6.1.4.1.311.60.2.1.2" => "msJurisdictionStateOrProvince",
        "1.3.6.1.4.1.311.60.2.1.3" => "msJurisdictionCountry",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![tag, u8::try_from(value.len()).unwrap()];
        out.extend_from_slice(value);
        out
    }

    fn attribute(oid: &[u8], kind: u8, value: &[u8]) -> Vec<u8> {
        tlv(0x31, &tlv(0x30, &[tlv(tag::OID, oid), tlv(kind, value)].concat()))
    }

    #[test]
    fn names_are_written_as_yara_x_writes_them() {
        let rdns = [
            attribute(&[0x55, 0x04, 0x06], 0x13, b"US"),
            attribute(&[0x55, 0x04, 0x0a], 0x0c, b"Org, Inc."),
            attribute(&[0x55, 0x04, 0x41], 0x0c, b"ps"),
            attribute(&[0x55, 0x04, 0x03], 0x1e, &[0, b'N', 0, b'm']),
        ]
        .concat();
        let encoded = tlv(tag::SEQUENCE, &rdns);
        let (parsed, _) = der::read(&encoded).unwrap();
        assert_eq!(name(&parsed), "C=US, O=Org, Inc., OID(2.5.4.65)=ps, CN=Nm");
        let bad = [rdns.clone(), attribute(&[0x55, 0x04, 0x03], 0x0c, b"\xff")].concat();
        let encoded = tlv(tag::SEQUENCE, &bad);
        assert_eq!(name(&der::read(&encoded).unwrap().0), "", "an attribute that does not decode");
    }

    #[test]
    fn a_blob_that_is_not_signed_data_has_no_certificates() {
        assert!(certificates(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_empty());
        assert!(certificates(b"").is_empty());
    }
}
