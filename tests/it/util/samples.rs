//! Synthetic samples for the bundled rules, built from the recipes in
//! `tests/data/bundled_samples.toml` (the file documents the format).
//! `scripts/check_bundled.py` builds the same bytes; `tests/bundled_samples.rs`
//! compares the two when Python and yara-x are installed.

use serde::Deserialize;

/// One recipe.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub rule: String,
    pub container: String,
    #[serde(default = "default_sections")]
    pub sections: Vec<String>,
    pub size: Option<usize>,
    pub parts: Vec<String>,
    #[serde(default)]
    pub omit: Vec<usize>,
    #[serde(default)]
    pub swap: Vec<(usize, String)>,
    pub negative_size: Option<usize>,
    pub negative_sections: Option<Vec<String>>,
    pub negative_container: Option<String>,
}

fn default_sections() -> Vec<String> {
    vec![".text".into()]
}

#[derive(Deserialize)]
struct RecipeFile {
    sample: Vec<Recipe>,
}

/// Every recipe, in file order.
pub fn recipes() -> Vec<Recipe> {
    let text = include_str!("../../data/bundled_samples.toml");
    toml::from_str::<RecipeFile>(text).expect("tests/data/bundled_samples.toml parses").sample
}

/// A minimal PE header: `MZ`, the DOS stub text at 0x4E, `PE\0\0` at 0x80,
/// a COFF header and one 40-byte entry per section name.
fn pe(sections: &[String]) -> Vec<u8> {
    let mut head = vec![0u8; 0x400];
    head[0..2].copy_from_slice(b"MZ");
    head[0x3C..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    let stub = b"This program cannot be run in DOS mode";
    head[0x4E..0x4E + stub.len()].copy_from_slice(stub);
    head[0x80..0x84].copy_from_slice(b"PE\0\0");
    head[0x84..0x86].copy_from_slice(&0x14Cu16.to_le_bytes());
    head[0x86..0x88].copy_from_slice(&u16::try_from(sections.len()).unwrap().to_le_bytes());
    head[0x94..0x96].copy_from_slice(&0xE0u16.to_le_bytes());
    head[0x98..0x9A].copy_from_slice(&0x10Bu16.to_le_bytes());
    for (i, name) in sections.iter().enumerate() {
        let at = 0x80 + 24 + 0xE0 + i * 40;
        let bytes = name.as_bytes();
        let len = bytes.len().min(8);
        head[at..at + len].copy_from_slice(&bytes[..len]);
    }
    head
}

fn container(kind: &str, sections: &[String]) -> Vec<u8> {
    let padded = |prefix: &[u8], len: usize| {
        let mut v = prefix.to_vec();
        v.resize(len, 0);
        v
    };
    match kind {
        "pe" => pe(sections),
        "raw" => Vec::new(),
        "lnk" => padded(
            &[0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46],
            0x4C,
        ),
        "jpeg" => padded(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", 2048),
        "macho" => padded(b"\xcf\xfa\xed\xfe", 64),
        "elf" => padded(b"\x7fELF\x02\x01\x01", 64),
        other => panic!("unknown container {other}"),
    }
}

fn part(text: &str) -> Vec<u8> {
    let (kind, value) = text.split_once(':').expect("parts are KIND:VALUE");
    match kind {
        "ascii" => value.as_bytes().to_vec(),
        "wide" => value.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        "hex" => value
            .split_whitespace()
            .map(|byte| u8::from_str_radix(byte, 16).expect("hex byte"))
            .collect(),
        "embed" if value == "pe" => pe(&default_sections()),
        _ => panic!("unknown part {text}"),
    }
}

fn build(kind: &str, sections: &[String], size: Option<usize>, parts: &[String]) -> Vec<u8> {
    let mut data = container(kind, sections);
    for p in parts {
        data.extend_from_slice(&[0; 16]);
        data.extend(part(p));
    }
    data.extend_from_slice(&[0; 16]);
    if let Some(size) = size.filter(|&size| data.len() < size) {
        data.resize(size, 0);
    }
    data
}

impl Recipe {
    /// The sample the rule must match.
    pub fn positive(&self) -> Vec<u8> {
        build(&self.container, &self.sections, self.size, &self.parts)
    }

    /// The near miss: one indicator left out or changed, or the container
    /// changed; the rule must not match it.
    pub fn negative(&self) -> Vec<u8> {
        let parts: Vec<String> = self
            .parts
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.omit.contains(i))
            .map(|(i, p)| self.swap.iter().find(|(j, _)| *j == i).map_or(p, |(_, q)| q).clone())
            .collect();
        build(
            self.negative_container.as_deref().unwrap_or(&self.container),
            self.negative_sections.as_deref().unwrap_or(&self.sections),
            self.negative_size.or(self.size),
            &parts,
        )
    }
}
