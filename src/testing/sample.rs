//! Sample bytes for rule tests: a file, inline bytes (text, hex, base64),
//! or a built sample: a minimal container followed by indicator parts.
//!
//! Built samples are synthetic by design: a container header (a minimal
//! PE with named sections, an LNK header, an OLE compound file header,
//! JPEG, Mach-O or ELF magic, or nothing) and each part after 16 zero bytes, padded to `size`. No real
//! malware is ever needed to test a rule.

use std::path::Path;

use base64::Engine as _;
use serde::Deserialize;

/// Zero bytes written before each part and after the last one, so that
/// parts never run into each other.
const PART_GAP: usize = 16;

/// Size of the minimal PE header written for a `pe` container.
const PE_HEADER_SIZE: usize = 0x400;

/// Where a case's bytes come from. Exactly one field is set.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SampleSpec {
    /// A file, relative to the test file.
    pub file: Option<String>,
    /// UTF-8 text, as is.
    pub text: Option<String>,
    /// Hex bytes; blanks between bytes are ignored.
    pub hex: Option<String>,
    /// Base64 (standard alphabet, padded).
    pub base64: Option<String>,
    /// A built sample.
    pub build: Option<Build>,
}

/// A built sample: container, parts, padding.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Build {
    /// `pe`, `raw`, `lnk`, `ole`, `jpeg`, `macho` or `elf`.
    pub container: String,
    /// PE section names (`pe` only).
    #[serde(default = "default_sections")]
    pub sections: Vec<String>,
    /// Pad with zeros to at least this many bytes.
    pub size: Option<usize>,
    /// Each `ascii:TEXT`, `wide:TEXT` (UTF-16LE), `hex:AA BB ..` or
    /// `embed:pe` (a minimal PE header).
    #[serde(default)]
    pub parts: Vec<String>,
}

fn default_sections() -> Vec<String> {
    vec![".text".to_owned()]
}

impl SampleSpec {
    /// A short description for messages: `file x.bin`, `built pe`, ...
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            SampleSpec { file: Some(f), .. } => format!("file {f}"),
            SampleSpec { build: Some(b), .. } => format!("built {}", b.container),
            SampleSpec { text: Some(_), .. } => "inline text".to_owned(),
            SampleSpec { hex: Some(_), .. } => "inline hex".to_owned(),
            SampleSpec { base64: Some(_), .. } => "inline base64".to_owned(),
            SampleSpec { .. } => "no sample".to_owned(),
        }
    }

    /// The bytes; `base` is the directory of the test file.
    ///
    /// # Errors
    /// When not exactly one source is given, or it cannot be read or
    /// decoded.
    pub fn bytes(&self, base: &Path) -> Result<Vec<u8>, String> {
        let given = [
            self.file.is_some(),
            self.text.is_some(),
            self.hex.is_some(),
            self.base64.is_some(),
            self.build.is_some(),
        ];
        if given.iter().filter(|&&g| g).count() != 1 {
            return Err("give exactly one of file, text, hex, base64, build".to_owned());
        }
        if let Some(file) = &self.file {
            let path = base.join(file);
            return std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()));
        }
        if let Some(text) = &self.text {
            return Ok(text.as_bytes().to_vec());
        }
        if let Some(hex) = &self.hex {
            return decode_hex(hex);
        }
        if let Some(b64) = &self.base64 {
            return base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| format!("bad base64: {e}"));
        }
        self.build.as_ref().map_or_else(|| Err("no sample".to_owned()), Build::bytes)
    }
}

impl Build {
    /// The container followed by the parts, padded.
    ///
    /// # Errors
    /// For an unknown container or part.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let mut data = container(&self.container, &self.sections)?;
        for part in &self.parts {
            data.extend_from_slice(&[0; PART_GAP]);
            data.extend(self::part(part)?);
        }
        data.extend_from_slice(&[0; PART_GAP]);
        if let Some(size) = self.size.filter(|&size| data.len() < size) {
            data.resize(size, 0);
        }
        Ok(data)
    }
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err("hex sample has an odd number of digits".to_owned());
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16)
                .map_err(|_| format!("bad hex byte `{}`", &digits[i..i + 2]))
        })
        .collect()
}

/// A minimal PE header: `MZ`, the DOS stub text at 0x4E, `PE\0\0` at 0x80,
/// a COFF header and one 40-byte entry per section name.
fn pe(sections: &[String]) -> Vec<u8> {
    let mut head = vec![0u8; PE_HEADER_SIZE];
    head[0..2].copy_from_slice(b"MZ");
    head[0x3C..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    let stub = b"This program cannot be run in DOS mode";
    head[0x4E..0x4E + stub.len()].copy_from_slice(stub);
    head[0x80..0x84].copy_from_slice(b"PE\0\0");
    head[0x84..0x86].copy_from_slice(&0x14Cu16.to_le_bytes());
    let count = u16::try_from(sections.len()).unwrap_or(u16::MAX);
    head[0x86..0x88].copy_from_slice(&count.to_le_bytes());
    head[0x94..0x96].copy_from_slice(&0xE0u16.to_le_bytes());
    head[0x98..0x9A].copy_from_slice(&0x10Bu16.to_le_bytes());
    let table = 0x80 + 24 + 0xE0;
    for (i, name) in sections.iter().enumerate().take((PE_HEADER_SIZE - table) / 40) {
        let at = table + i * 40;
        let bytes = name.as_bytes();
        let len = bytes.len().min(8);
        head[at..at + len].copy_from_slice(&bytes[..len]);
    }
    head
}

fn container(kind: &str, sections: &[String]) -> Result<Vec<u8>, String> {
    let padded = |prefix: &[u8], len: usize| {
        let mut v = prefix.to_vec();
        v.resize(len, 0);
        v
    };
    Ok(match kind {
        "pe" => pe(sections),
        "raw" => Vec::new(),
        "lnk" => padded(
            &[0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46],
            0x4C,
        ),
        // The compound file signature, minor version 0x3E, major version 3,
        // little-endian byte order mark: the fields a reader checks first.
        "ole" => padded(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x3e\0\x03\0\xfe\xff",
            512,
        ),
        "jpeg" => padded(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", 2048),
        "macho" => padded(b"\xcf\xfa\xed\xfe", 64),
        "elf" => padded(b"\x7fELF\x02\x01\x01", 64),
        other => return Err(format!("unknown container `{other}`")),
    })
}

fn part(text: &str) -> Result<Vec<u8>, String> {
    let (kind, value) =
        text.split_once(':').ok_or_else(|| format!("part `{text}` is not KIND:VALUE"))?;
    match kind {
        "ascii" => Ok(value.as_bytes().to_vec()),
        "wide" => Ok(value.encode_utf16().flat_map(u16::to_le_bytes).collect()),
        "hex" => decode_hex(value),
        "embed" if value == "pe" => Ok(pe(&default_sections())),
        _ => Err(format!("unknown part `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_samples_decode() {
        let base = Path::new(".");
        let hex = SampleSpec { hex: Some("4d 5A\n90".into()), ..SampleSpec::default() };
        assert_eq!(hex.bytes(base).unwrap(), b"MZ\x90");
        let b64 = SampleSpec { base64: Some("TVo=".into()), ..SampleSpec::default() };
        assert_eq!(b64.bytes(base).unwrap(), b"MZ");
        let none = SampleSpec::default();
        assert!(none.bytes(base).is_err());
        let two =
            SampleSpec { text: Some("a".into()), hex: Some("00".into()), ..SampleSpec::default() };
        assert!(two.bytes(base).is_err());
    }

    #[test]
    fn built_samples_put_parts_after_the_container() {
        let build = Build {
            container: "pe".into(),
            sections: default_sections(),
            size: Some(0x500),
            parts: vec!["ascii:ab".into(), "wide:c".into()],
        };
        let bytes = build.bytes().unwrap();
        assert_eq!(&bytes[..2], b"MZ");
        assert_eq!(&bytes[PE_HEADER_SIZE + PART_GAP..PE_HEADER_SIZE + PART_GAP + 2], b"ab");
        let wide = PE_HEADER_SIZE + 2 * PART_GAP + 2;
        assert_eq!(&bytes[wide..wide + 2], b"c\0");
        assert_eq!(bytes.len(), 0x500);
        assert!(Build { container: "zip".into(), ..build }.bytes().is_err());
    }
}
