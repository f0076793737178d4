//! MISP events (the MISP core format, JSON): an `Event` with `Attribute`s
//! (also inside `Object`s) of type `md5`, `sha1`, `sha256`, `filename`,
//! `filename|<hash>`, `mutex`, `pdb`, `domain` and `hostname`, and `Galaxy`
//! clusters naming the threat actor and the malware family.

use serde_json::Value;

use super::{ImportError, Indicator, Kind};

/// Galaxy types whose clusters name an actor; the others with clusters
/// (`malpedia`, `tool`, `mitre-malware`, ...) name families.
const ACTOR_GALAXIES: &[&str] =
    &["threat-actor", "mitre-intrusion-set", "mitre-enterprise-attack-intrusion-set"];

/// Galaxy types that name neither (techniques, sectors, countries).
const OTHER_GALAXIES: &[&str] =
    &["mitre-attack-pattern", "sector", "country", "region", "target-information"];

/// The event's indicators, each linked to the event's actor and family
/// clusters.
///
/// # Errors
/// When the event has no attribute list at all.
pub fn read(document: &Value) -> Result<Vec<Indicator>, ImportError> {
    let event = document.get("Event").unwrap_or(document);
    let (actors, families) = galaxy_names(event);
    let reference = event["info"]
        .as_str()
        .map(|info| format!("MISP event {}: {info}", event["uuid"].as_str().unwrap_or("")));
    let mut attributes: Vec<&Value> = event["Attribute"].as_array().into_iter().flatten().collect();
    for object in event["Object"].as_array().into_iter().flatten() {
        attributes.extend(object["Attribute"].as_array().into_iter().flatten());
    }
    if attributes.is_empty() && event.get("Attribute").is_none() {
        return Err(ImportError("a MISP event without attributes".into()));
    }
    let mut out = Vec::new();
    for attribute in attributes {
        let (Some(kind), Some(value)) = (attribute["type"].as_str(), attribute["value"].as_str())
        else {
            continue;
        };
        for (kind, value) in typed(kind, value) {
            let mut indicator = Indicator::new(kind, value);
            indicator.actors.clone_from(&actors);
            indicator.families.clone_from(&families);
            indicator.reference.clone_from(&reference);
            out.push(indicator);
        }
    }
    Ok(out)
}

/// The (kind, value) pairs of one attribute; `filename|sha256` gives two.
fn typed<'a>(kind: &str, value: &'a str) -> Vec<(Kind, &'a str)> {
    if let Some((first, second)) = kind.split_once('|') {
        let (left, right) = value.split_once('|').unwrap_or((value, ""));
        return typed(first, left).into_iter().chain(typed(second, right)).collect();
    }
    let kind = match kind {
        "md5" => Kind::Md5,
        "sha1" => Kind::Sha1,
        "sha256" => Kind::Sha256,
        "filename" => Kind::FileName,
        "mutex" | "pdb" | "domain" | "hostname" => Kind::Text,
        _ => return Vec::new(),
    };
    let hash_ok =
        !matches!(kind, Kind::Md5 | Kind::Sha1 | Kind::Sha256) || Kind::of_hex(value) == Some(kind);
    if hash_ok && !value.is_empty() { vec![(kind, value)] } else { Vec::new() }
}

/// Actor and family names from the event's galaxies (and the clusters'
/// `meta.synonyms`).
fn galaxy_names(event: &Value) -> (Vec<String>, Vec<String>) {
    let mut actors = Vec::new();
    let mut families = Vec::new();
    for galaxy in event["Galaxy"].as_array().into_iter().flatten() {
        let kind = galaxy["type"].as_str().unwrap_or("");
        if OTHER_GALAXIES.contains(&kind) {
            continue;
        }
        let into = if ACTOR_GALAXIES.contains(&kind) { &mut actors } else { &mut families };
        for cluster in galaxy["GalaxyCluster"].as_array().into_iter().flatten() {
            into.extend(cluster["value"].as_str().map(str::to_string));
            let synonyms = cluster["meta"]["synonyms"].as_array().into_iter().flatten();
            into.extend(synonyms.filter_map(Value::as_str).map(str::to_string));
        }
    }
    (actors, families)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_attributes_split() {
        let sha1 = "1".repeat(40);
        let value = format!("a.exe|{sha1}");
        assert_eq!(
            typed("filename|sha1", &value),
            [(Kind::FileName, "a.exe"), (Kind::Sha1, sha1.as_str())]
        );
        assert!(typed("sha256", "not hex").is_empty());
        assert!(typed("ip-dst", "10.0.0.1").is_empty());
    }
}
