//! STIX 2.1 bundles (OASIS STIX 2.1, §4 patterning and §5 relationships):
//! `indicator` objects whose `pattern` compares file hashes, file names,
//! mutex names or domain names, linked by `relationship` objects to the
//! `malware` they indicate and the `intrusion-set` or `threat-actor` behind
//! them (directly, or through a `uses`/`attributed-to` link of the malware).

use std::collections::HashMap;

use serde_json::Value;

use super::{ImportError, Indicator, Kind};

/// The indicators of a bundle with the names they are linked to.
///
/// # Errors
/// When the bundle has no `objects` array.
pub fn read(bundle: &Value) -> Result<Vec<Indicator>, ImportError> {
    let objects = bundle["objects"]
        .as_array()
        .ok_or_else(|| ImportError("a STIX bundle without an `objects` array".into()))?;
    let by_id: HashMap<&str, &Value> =
        objects.iter().filter_map(|o| Some((o["id"].as_str()?, o))).collect();
    let links: Vec<(&str, &str, &str)> = objects
        .iter()
        .filter(|o| o["type"] == "relationship")
        .filter_map(|o| {
            Some((
                o["source_ref"].as_str()?,
                o["relationship_type"].as_str()?,
                o["target_ref"].as_str()?,
            ))
        })
        .collect();
    let mut out = Vec::new();
    for object in objects.iter().filter(|o| o["type"] == "indicator") {
        let Some(pattern) = object["pattern"].as_str() else { continue };
        let id = object["id"].as_str().unwrap_or_default();
        let (actors, families) = linked_names(id, &by_id, &links);
        let reference = object["external_references"]
            .as_array()
            .and_then(|refs| refs.iter().find_map(|r| r["url"].as_str()))
            .map(str::to_string);
        for (kind, value) in comparisons(pattern) {
            let mut indicator = Indicator::new(kind, &value);
            indicator.actors.clone_from(&actors);
            indicator.families.clone_from(&families);
            indicator.reference.clone_from(&reference);
            out.push(indicator);
        }
    }
    Ok(out)
}

/// Actor and family names linked to the object `id`.
fn linked_names(
    id: &str,
    by_id: &HashMap<&str, &Value>,
    links: &[(&str, &str, &str)],
) -> (Vec<String>, Vec<String>) {
    let mut actors = Vec::new();
    let mut families = Vec::new();
    let neighbours = |of: &str| -> Vec<&str> {
        links
            .iter()
            .filter_map(|&(s, _, t)| {
                if s == of {
                    Some(t)
                } else if t == of {
                    Some(s)
                } else {
                    None
                }
            })
            .collect()
    };
    for target in neighbours(id) {
        let Some(object) = by_id.get(target) else { continue };
        match object["type"].as_str() {
            Some("malware") => {
                families.extend(names(object));
                for other in neighbours(target) {
                    if let Some(actor) = by_id.get(other).filter(|o| is_actor(o)) {
                        actors.extend(names(actor));
                    }
                }
            }
            _ if is_actor(object) => actors.extend(names(object)),
            _ => {}
        }
    }
    (actors, families)
}

fn is_actor(object: &Value) -> bool {
    matches!(object["type"].as_str(), Some("intrusion-set" | "threat-actor"))
}

/// `name`, then `aliases`.
fn names(object: &Value) -> Vec<String> {
    let aliases = object["aliases"].as_array().into_iter().flatten();
    object["name"]
        .as_str()
        .into_iter()
        .chain(aliases.filter_map(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// Every `object-path = 'value'` comparison of a pattern that names a file
/// hash, file name, mutex or domain name.
fn comparisons(pattern: &str) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(eq) = rest.find('=') {
        let path = rest[..eq].rsplit(['[', '(', ' ']).find(|p| !p.is_empty()).unwrap_or("");
        let path = path.trim();
        let after = rest[eq + 1..].trim_start();
        let Some(body) = after.strip_prefix('\'') else {
            rest = &rest[eq + 1..];
            continue;
        };
        let (value, used) = quoted(body);
        rest = &body[used..];
        if let Some(kind) = path_kind(path, &value) {
            out.push((kind, value));
        }
    }
    out
}

/// The text of a single-quoted STIX string (`\'` and `\\` escapes) and the
/// bytes it took, closing quote included.
fn quoted(body: &str) -> (String, usize) {
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    value.push(next);
                }
            }
            '\'' => return (value, i + 1),
            _ => value.push(c),
        }
    }
    (value, body.len())
}

fn path_kind(path: &str, value: &str) -> Option<Kind> {
    let path = path.replace(['\'', '"'], "").to_ascii_lowercase();
    match path.as_str() {
        "file:hashes.md5" => Some(Kind::Md5),
        "file:hashes.sha-1" | "file:hashes.sha1" => Some(Kind::Sha1),
        "file:hashes.sha-256" | "file:hashes.sha256" => Some(Kind::Sha256),
        "file:name" => Some(Kind::FileName),
        "mutex:name" | "domain-name:value" => Some(Kind::Text),
        _ => None,
    }
    .filter(|kind| {
        !matches!(kind, Kind::Md5 | Kind::Sha1 | Kind::Sha256) || Kind::of_hex(value) == Some(*kind)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_yield_their_comparisons() {
        let md5 = "0".repeat(32);
        let pattern = format!(
            "[file:hashes.'SHA-256' = '{}' OR file:hashes.MD5 = '{md5}'] AND [mutex:name = 'a\\'b'] OR [file:name = 'x.exe'] OR [file:size = '3']",
            "a".repeat(64)
        );
        let got = comparisons(&pattern);
        assert_eq!(
            got,
            [
                (Kind::Sha256, "a".repeat(64)),
                (Kind::Md5, md5),
                (Kind::Text, "a'b".to_string()),
                (Kind::FileName, "x.exe".to_string()),
            ]
        );
    }
}
