//! MITRE ATT&CK as a SARIF taxonomy (SARIF 2.1.0 §3.19.3, §3.27.8,
//! §3.49.15): the run lists one `taxonomies` tool component whose `taxa` are
//! the ATT&CK group ids (`G0067`) and software ids (`S0240`) of the actors
//! and families the scan attributed; each result's `taxa` and each rule
//! descriptor's `relationships` point at them by id and index, so a code
//! scanning service can link an alert to the ATT&CK pages.
//!
//! The ids come from the actor profiles the scan attributed with (the
//! bundled ones, as `spoor scan` uses); an actor or family without an
//! ATT&CK id adds nothing.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::attribution::{Attribution, Profiles};

/// The taxonomy's `name`, also used in every reference to it.
pub const ATTACK_TAXONOMY: &str = "MITRE ATT&CK";

/// The ATT&CK taxa met so far, in order of first sight.
#[derive(Debug, Default)]
pub struct AttackTaxonomy {
    taxa: Vec<Value>,
    index: HashMap<String, usize>,
}

impl AttackTaxonomy {
    /// `reportingDescriptorReference`s to the group and software taxa of
    /// `entries`, adding each taxon on first sight.
    pub fn references(&mut self, entries: &[&Attribution], profiles: &Profiles) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        for entry in entries {
            let profile = profiles.get(&entry.actor);
            if let Some((id, profile)) =
                profile.and_then(|p| p.attack_id.as_ref().map(|a| (a.get_ref(), p)))
            {
                out.push(self.reference(id, &profile.name, "groups"));
            }
            for family in &entry.families {
                let family = profiles.iter().find_map(|p| p.family(family));
                if let Some((id, family)) =
                    family.and_then(|f| f.attack_id.as_ref().map(|a| (a.get_ref(), f)))
                {
                    out.push(self.reference(id, &family.name, "software"));
                }
            }
        }
        out.dedup();
        out
    }

    fn reference(&mut self, id: &str, name: &str, kind: &str) -> Value {
        let index = match self.index.get(id) {
            Some(&index) => index,
            None => {
                self.taxa.push(json!({
                    "id": id,
                    "name": name,
                    "shortDescription": { "text": format!("ATT&CK {kind} {id}: {name}") },
                    "helpUri": format!("https://attack.mitre.org/{kind}/{id}/"),
                }));
                self.index.insert(id.to_string(), self.taxa.len() - 1);
                self.taxa.len() - 1
            }
        };
        json!({
            "id": id,
            "index": index,
            "toolComponent": { "name": ATTACK_TAXONOMY, "index": 0 },
        })
    }

    /// The run's `taxonomies` array: the ATT&CK component, or nothing when
    /// no attributed actor or family has an ATT&CK id.
    #[must_use]
    pub fn taxonomies(&self) -> Vec<Value> {
        if self.taxa.is_empty() {
            return Vec::new();
        }
        vec![json!({
            "name": ATTACK_TAXONOMY,
            "organization": "MITRE",
            "informationUri": "https://attack.mitre.org/",
            "isComprehensive": false,
            "taxa": self.taxa,
        })]
    }
}

/// A rule descriptor's `relationships` to its taxa.
#[must_use]
pub fn relationships(references: &[Value]) -> Vec<Value> {
    references.iter().map(|target| json!({ "target": target, "kinds": ["relevant"] })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_software_become_indexed_taxa_once() {
        let entry = Attribution {
            actor: "scarcruft".into(),
            score: 0.9,
            confidence: None,
            families: vec!["rokrat".into(), "dolphin".into()],
            rules: vec![],
            evidence: String::new(),
            conflicts: vec![],
            country: None,
            weak: false,
        };
        let mut taxonomy = AttackTaxonomy::default();
        assert!(taxonomy.taxonomies().is_empty());
        let refs = taxonomy.references(&[&entry], Profiles::bundled());
        let ids: Vec<&str> = refs.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["G0067", "S0240"], "dolphin has no ATT&CK id");
        let again = taxonomy.references(&[&entry], Profiles::bundled());
        assert_eq!(refs, again);
        let taxa = &taxonomy.taxonomies()[0]["taxa"];
        assert_eq!(taxa.as_array().unwrap().len(), 2);
        assert_eq!(taxa[1]["helpUri"], "https://attack.mitre.org/software/S0240/");
        assert_eq!(relationships(&refs)[0]["target"]["index"], 0);
    }
}
