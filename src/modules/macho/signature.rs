//! The code signature: a big-endian super blob indexing blobs, of which
//! the module reads the entitlements (an XML property list) and the
//! certificates of the CMS blob.

use super::certificates::certificates;
use super::model::{Certificate, push_capped};
use super::reader::Reader;
use crate::modules::binary::Endian;

const CSMAGIC_EMBEDDED_ENTITLEMENTS: u32 = 0xfade_7171;
const CSMAGIC_BLOBWRAPPER: u32 = 0xfade_0b01;
/// Size of a blob's header: magic and length.
const BLOB_HEADER: usize = 8;

/// What the signature provides.
#[derive(Default)]
pub(super) struct Signature {
    pub entitlements: Vec<String>,
    pub certificates: Vec<Certificate>,
}

/// Reads the super blob `data`; nothing when its index does not fit.
pub(super) fn parse(data: &[u8]) -> Signature {
    let mut signature = Signature::default();
    let mut r = Reader::new(data, Endian::Big);
    let Some([_magic, _length, count]) = r.u32s() else { return signature };
    let mut offsets = Vec::new();
    for _ in 0..count {
        let Some([_kind, offset]) = r.u32s() else { return signature };
        offsets.push(offset as usize);
    }
    for offset in offsets {
        let Some([magic, length]) =
            data.get(offset..).and_then(|blob| Reader::new(blob, Endian::Big).u32s())
        else {
            continue;
        };
        let body = data.get(offset + BLOB_HEADER..offset.saturating_add(length as usize));
        match (magic, body) {
            (CSMAGIC_EMBEDDED_ENTITLEMENTS, Some(body)) => {
                entitlements(body, &mut signature.entitlements);
            }
            (CSMAGIC_BLOBWRAPPER, Some(body)) => {
                signature.certificates.extend(certificates(body));
            }
            _ => {}
        }
    }
    signature
}

/// Appends the entitlements of the property list `xml`, as YARA-X lists
/// them: in document order, the text of each `key` element, and for each
/// `array` element whose first child is text, the distinct non-blank
/// texts inside it. Nothing when `xml` is not well-formed UTF-8 XML.
fn entitlements(xml: &[u8], out: &mut Vec<String>) {
    let Ok(text) = std::str::from_utf8(xml) else { return };
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let Ok(document) = roxmltree::Document::parse_with_options(text, options) else { return };
    for node in document.descendants() {
        let Some(first_text) = node.text() else { continue };
        if node.has_tag_name("key") {
            push_capped(out, first_text.to_owned());
        } else if node.has_tag_name("array") {
            let mut seen = std::collections::HashSet::new();
            for text in node.descendants().filter_map(|n| n.text()) {
                if !text.trim().is_empty() && seen.insert(text) {
                    push_capped(out, text.to_owned());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(magic: u32, body: &[u8]) -> Vec<u8> {
        let mut b = magic.to_be_bytes().to_vec();
        b.extend_from_slice(&(u32::try_from(body.len()).unwrap() + 8).to_be_bytes());
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn entitlements_are_keys_and_array_values() {
        let plist = br#"<?xml version="1.0"?><plist version="1.0"><dict>
<key>com.apple.security.app-sandbox</key><true/>
<key>groups</key><array>
<string>a</string><string>b</string><string>a</string></array>
<key>empty</key><array><string>c</string></array>
</dict></plist>"#;
        let mut data = 0xfade_0cc0u32.to_be_bytes().to_vec();
        data.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 2]);
        // The first index entry points past the end: skipped.
        data.extend_from_slice(&[0, 0, 0, 5, 0, 0, 0xff, 0xff]);
        data.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x1c]);
        data.extend_from_slice(&blob(CSMAGIC_EMBEDDED_ENTITLEMENTS, plist));
        let signature = parse(&data);
        assert_eq!(
            signature.entitlements,
            ["com.apple.security.app-sandbox", "groups", "a", "b", "empty"]
        );
        assert!(parse(&data[..20]).entitlements.is_empty(), "index cut short");
    }
}
