//! `spoor ioc import`: indicators from reporting (STIX 2.1 bundles, MISP
//! events, CSV or plain lists) turned into YARA rules with spoor meta.
//!
//! Each reader ([`stix`], [`misp`], [`csv`]) yields [`Indicator`]s that
//! carry the actor and family names the source links them to. [`resolve`]
//! maps those names to profile ids through the profiles' aliases
//! (`Lazarus Group`, `APT37`, `DOGCALL`), and [`render`] writes one rule
//! file, grouped per actor and family:
//!
//! * file hashes become one hash rule per group, an `or` chain of
//!   `hash.<alg>(0, filesize) == "<hex>"`, which the scanner matches as an
//!   indicator set ([`super::indicators`]), `confidence = "high"`;
//! * mutexes, PDB paths and C2 host names become text patterns `ascii
//!   wide` in one rule per group (`any of them`), `confidence = "medium"`;
//! * file names say nothing about content; they are counted and reported,
//!   not converted.

pub mod csv;
pub mod misp;
pub mod stix;

use std::fmt::Write as _;

use super::Profiles;
use super::names::compact;
use crate::parser::string_body;

/// What an indicator is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// MD5 of a whole file.
    Md5,
    /// SHA-1 of a whole file.
    Sha1,
    /// SHA-256 of a whole file.
    Sha256,
    /// Text found inside the file: a mutex, PDB path or C2 host name.
    Text,
    /// A file name (not convertible to a content rule).
    FileName,
}

impl Kind {
    /// The kind of a hash given as hex, by its length.
    #[must_use]
    pub fn of_hex(value: &str) -> Option<Kind> {
        if !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        match value.len() {
            32 => Some(Kind::Md5),
            40 => Some(Kind::Sha1),
            64 => Some(Kind::Sha256),
            _ => None,
        }
    }

    fn hash_function(self) -> Option<&'static str> {
        match self {
            Kind::Md5 => Some("md5"),
            Kind::Sha1 => Some("sha1"),
            Kind::Sha256 => Some("sha256"),
            Kind::Text | Kind::FileName => None,
        }
    }
}

/// One indicator with what its source says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    /// Hash, text or file name.
    pub kind: Kind,
    /// The hash in lower-case hex, or the text.
    pub value: String,
    /// Actor names the source links it to.
    pub actors: Vec<String>,
    /// Family names the source links it to.
    pub families: Vec<String>,
    /// Where it was published.
    pub reference: Option<String>,
}

impl Indicator {
    /// An indicator with no links yet; hashes are lower-cased.
    #[must_use]
    pub fn new(kind: Kind, value: &str) -> Self {
        let value = if kind.hash_function().is_some() {
            value.trim().to_ascii_lowercase()
        } else {
            value.to_string()
        };
        Self { kind, value, actors: Vec::new(), families: Vec::new(), reference: None }
    }
}

/// A reader's failure: the input is not what it claims to be.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(pub String);

/// Reads one document, choosing the reader by its content: a JSON object
/// with `"type": "bundle"` is STIX, one with `Event` (or `Attribute`) is
/// MISP, anything else a CSV or plain list.
///
/// # Errors
/// When a JSON document is malformed or has neither shape.
pub fn read(text: &str) -> Result<Vec<Indicator>, ImportError> {
    if !text.trim_start().starts_with('{') {
        return Ok(csv::read(text));
    }
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ImportError(format!("not valid JSON: {e}")))?;
    if json["type"] == "bundle" {
        stix::read(&json)
    } else if json.get("Event").is_some() || json.get("Attribute").is_some() {
        misp::read(&json)
    } else {
        Err(ImportError("JSON that is neither a STIX bundle nor a MISP event".into()))
    }
}

/// An indicator with its names resolved to profile ids.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The indicator.
    pub indicator: Indicator,
    /// Profile id, when a name matched a profile.
    pub actor: Option<String>,
    /// Family id, when a name matched a family of that actor (or of any
    /// profile, which then gives the actor).
    pub family: Option<String>,
}

/// Maps actor and family names through the profiles; `actor`/`family`
/// (from `--actor`/`--family`) fill what the source leaves open. Names
/// that match no profile are returned, once each, for the report.
#[must_use]
pub fn resolve(
    indicators: Vec<Indicator>,
    profiles: &Profiles,
    actor: Option<&str>,
    family: Option<&str>,
) -> (Vec<Resolved>, Vec<String>) {
    let mut unknown: Vec<String> = Vec::new();
    let mut note = |name: &str| {
        if !unknown.iter().any(|u| u == name) {
            unknown.push(name.to_string());
        }
    };
    let mut out = Vec::new();
    for indicator in indicators {
        // A source may list several names of one actor or family (name and
        // aliases): the first that matches counts, and the names are only
        // reported when none does.
        let family_target = indicator
            .families
            .iter()
            .find_map(|name| profiles.lookup(&compact(name)).filter(|t| t.family.is_some()));
        let found_family =
            family_target.and_then(|t| profiles.family_of(&t)).map(|f| f.id().to_string());
        if family_target.is_none() {
            indicator.families.iter().for_each(|n| note(n));
        }
        let named_actor = indicator.actors.iter().find_map(|name| profiles.resolve(name));
        if named_actor.is_none() {
            indicator.actors.iter().for_each(|n| note(n));
        }
        let found_actor = named_actor
            .map(|p| p.id().to_string())
            .or_else(|| family_target.map(|t| profiles.at(t.profile).id().to_string()));
        let actor = found_actor.or_else(|| actor.map(str::to_string));
        let family = found_family.or_else(|| family.map(str::to_string));
        out.push(Resolved { indicator, actor, family });
    }
    (out, unknown)
}

/// Every rule for `resolved`, grouped per actor and family, as one rule
/// file. Returns the text and how many file-name indicators were left out.
#[must_use]
pub fn render(resolved: &[Resolved], source: &str) -> (String, usize) {
    let mut groups: Vec<(Option<&str>, Option<&str>)> = Vec::new();
    for r in resolved {
        let key = (r.actor.as_deref(), r.family.as_deref());
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    let mut out =
        format!("// Indicators imported by `spoor ioc import` from {source}.\nimport \"hash\"\n");
    for (actor, family) in groups {
        let members: Vec<&Resolved> = resolved
            .iter()
            .filter(|r| (r.actor.as_deref(), r.family.as_deref()) == (actor, family))
            .collect();
        let name = rule_stem(actor, family);
        let hashes: Vec<&Resolved> = members
            .iter()
            .copied()
            .filter(|r| r.indicator.kind.hash_function().is_some())
            .collect();
        // An empty text (`[mutex:name = '']`) would be an empty pattern,
        // which no rule may hold: it says nothing about content anyway.
        let texts: Vec<&Resolved> = members
            .iter()
            .copied()
            .filter(|r| r.indicator.kind == Kind::Text && !r.indicator.value.is_empty())
            .collect();
        if !hashes.is_empty() {
            let terms: Vec<String> = hashes
                .iter()
                .map(|r| {
                    let function = r.indicator.kind.hash_function().unwrap_or("sha256");
                    format!("hash.{function}(0, filesize) == \"{}\"", r.indicator.value)
                })
                .collect();
            let _ = write!(
                out,
                "\nrule {name}_hashes {{\n{}",
                meta(actor, family, "high", &hashes, source)
            );
            let _ = writeln!(out, "    condition:\n        {}\n}}", terms.join(" or\n        "));
        }
        if !texts.is_empty() {
            let _ = write!(
                out,
                "\nrule {name}_strings {{\n{}",
                meta(actor, family, "medium", &texts, source)
            );
            out.push_str("    strings:\n");
            for (i, r) in texts.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "        $s{i} = \"{}\" ascii wide",
                    string_body(r.indicator.value.as_bytes())
                );
            }
            out.push_str("    condition:\n        any of them\n}\n");
        }
    }
    let file_names = resolved.iter().filter(|r| r.indicator.kind == Kind::FileName).count();
    (out, file_names)
}

/// `IOC_Lazarus_FallChill`, `IOC_Unattributed`.
fn rule_stem(actor: Option<&str>, family: Option<&str>) -> String {
    let mut stem = String::from("IOC");
    for part in [actor, family].into_iter().flatten() {
        stem.push('_');
        let mut chars = part.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_');
        stem.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        stem.extend(chars);
    }
    if actor.is_none() && family.is_none() {
        stem.push_str("_Unattributed");
    }
    stem
}

fn meta(
    actor: Option<&str>,
    family: Option<&str>,
    confidence: &str,
    members: &[&Resolved],
    source: &str,
) -> String {
    let mut out = String::from("    meta:\n");
    if let Some(actor) = actor {
        let _ = writeln!(out, "        actor = \"{}\"", string_body(actor.as_bytes()));
    }
    if let Some(family) = family {
        let _ = writeln!(out, "        family = \"{}\"", string_body(family.as_bytes()));
    }
    let _ = writeln!(out, "        confidence = \"{confidence}\"");
    let reference = members.iter().find_map(|r| r.indicator.reference.as_deref()).unwrap_or(source);
    let _ = writeln!(out, "        reference = \"{}\"", string_body(reference.as_bytes()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_through_aliases_and_unknown_ones_are_reported() {
        let mut a = Indicator::new(Kind::Sha256, &"AB".repeat(32));
        a.actors.push("Lazarus Group".into());
        a.families.push("FALLCHILL".into());
        let mut b = Indicator::new(Kind::Text, "Global\\mtx");
        b.actors.push("Nobody Bear".into());
        b.families.push("DOGCALL".into());
        let (resolved, unknown) = resolve(vec![a, b], Profiles::bundled(), None, None);
        assert_eq!(resolved[0].actor.as_deref(), Some("lazarus"));
        assert_eq!(resolved[0].family.as_deref(), Some("fallchill"));
        assert_eq!(resolved[0].indicator.value, "ab".repeat(32));
        assert_eq!(resolved[1].actor.as_deref(), Some("scarcruft"), "the family gives the actor");
        assert_eq!(unknown, ["Nobody Bear"]);
        let (text, names) = render(&resolved, "t.json");
        assert_eq!(names, 0);
        assert!(text.contains("rule IOC_Lazarus_Fallchill_hashes"), "{text}");
        assert!(text.contains("$s0 = \"Global\\\\mtx\" ascii wide"), "{text}");
    }

    /// Found by fuzz/fuzz_targets/ioc_import.rs: a STIX `[mutex:name = '']`
    /// became `$s0 = ""`, which does not compile.
    #[test]
    fn empty_texts_are_left_out_so_the_rules_compile() {
        let bundle = r#"{"type":"bundle","objects":[{"type":"indicator","id":"indicator--0",
            "pattern":"[mutex:name = ''] OR [mutex:name = 'm']"}]}"#;
        let (resolved, _) = resolve(read(bundle).unwrap(), Profiles::bundled(), None, None);
        let (text, _) = render(&resolved, "t.json");
        assert!(!text.contains("\"\""), "{text}");
        let mut compiler = crate::Compiler::new();
        compiler.add_source(&text, "imported.yar");
        assert!(!compiler.has_errors(), "{text}");
    }
}
