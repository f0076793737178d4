//! The per-scan actor summary: which actors a whole scan points at, with
//! how many files and which families ("this tree shows ScarCruft tooling:
//! RokRAT in 3 files, BLUELIGHT in 1").
//!
//! [`ActorTally`] is fed every file's [`Attribution`] entries as the scan
//! goes and keeps one [`ActorSummary`] per actor, in order of first
//! appearance; MITRE ATT&CK group and software ids come from the profiles,
//! so printers (JSON, NDJSON, text, SARIF taxonomies) need no profile
//! lookups of their own.

use serde::Serialize;

use super::{Attribution, Confidence, Profiles};

/// One actor over a whole scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActorSummary {
    /// Profile id (or a `shared_with` name that has no profile).
    pub actor: String,
    /// The profile's display name, when the actor has a profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// MITRE ATT&CK group id (`G0067`), when the profile has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_group: Option<String>,
    /// Files with at least one hit attributed to the actor.
    pub files: u64,
    /// The best confidence over those files.
    pub confidence: Option<Confidence>,
    /// Every file's entry for the actor rests on weak names only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub weak: bool,
    /// Families named for the actor, in order of first appearance.
    pub families: Vec<FamilySummary>,
    /// The families' ATT&CK software ids (`S0240`), without repeats.
    pub attack_software: Vec<String>,
}

/// One family of an actor over a whole scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilySummary {
    /// Family id.
    pub family: String,
    /// The family's display name, when a profile lists it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// MITRE ATT&CK software id, when the profile has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_software: Option<String>,
    /// Files in which the family was named for this actor.
    pub files: u64,
}

/// Accumulates [`ActorSummary`] entries over a scan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ActorTally {
    actors: Vec<ActorSummary>,
}

impl ActorTally {
    /// Counts one file's attribution entries.
    pub fn add(&mut self, entries: &[Attribution], profiles: &Profiles) {
        for entry in entries {
            let index = match self.actors.iter().position(|a| a.actor == entry.actor) {
                Some(index) => index,
                None => {
                    self.actors.push(new_actor(&entry.actor, profiles));
                    self.actors.len() - 1
                }
            };
            let actor = &mut self.actors[index];
            actor.files += 1;
            actor.confidence = actor.confidence.max(entry.confidence);
            actor.weak &= entry.weak;
            for family in &entry.families {
                count_family(actor, family, profiles);
            }
        }
    }

    /// The actors, in order of first appearance.
    #[must_use]
    pub fn actors(&self) -> &[ActorSummary] {
        &self.actors
    }

    /// Whether nothing was attributed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.actors.is_empty()
    }
}

fn new_actor(id: &str, profiles: &Profiles) -> ActorSummary {
    let profile = profiles.get(id);
    ActorSummary {
        actor: id.to_string(),
        name: profile.map(|p| p.name.clone()),
        attack_group: profile.and_then(|p| p.attack_id.as_ref()).map(|a| a.get_ref().clone()),
        files: 0,
        confidence: None,
        weak: true,
        families: Vec::new(),
        attack_software: Vec::new(),
    }
}

fn count_family(actor: &mut ActorSummary, id: &str, profiles: &Profiles) {
    if let Some(known) = actor.families.iter_mut().find(|f| f.family == id) {
        known.files += 1;
        return;
    }
    let family = profiles.iter().find_map(|p| p.family(id));
    let attack_software = family.and_then(|f| f.attack_id.as_ref()).map(|a| a.get_ref().clone());
    if let Some(software) = &attack_software
        && !actor.attack_software.contains(software)
    {
        actor.attack_software.push(software.clone());
    }
    actor.families.push(FamilySummary {
        family: id.to_string(),
        name: family.map(|f| f.name.clone()),
        attack_software,
        files: 1,
    });
}

/// `scarcruft (ScarCruft, G0067): 4 files, best confidence high; RokRAT
/// (S0240) in 3 files, BLUELIGHT (S0657) in 1 file`, for the text report.
#[must_use]
pub fn describe(actor: &ActorSummary) -> String {
    let mut label: Vec<&str> = actor.name.iter().map(String::as_str).collect();
    label.extend(actor.attack_group.as_deref());
    let label = if label.is_empty() { String::new() } else { format!(" ({})", label.join(", ")) };
    let confidence = actor.confidence.map_or("none", Confidence::as_str);
    let weak = if actor.weak { ", weak names only" } else { "" };
    let mut out = format!(
        "{}{label}: {}, best confidence {confidence}{weak}",
        actor.actor,
        files(actor.files)
    );
    let families: Vec<String> = actor
        .families
        .iter()
        .map(|f| {
            let name = f.name.as_deref().unwrap_or(&f.family);
            let id = f.attack_software.as_deref().map_or(String::new(), |s| format!(" ({s})"));
            format!("{name}{id} in {}", files(f.files))
        })
        .collect();
    if !families.is_empty() {
        out.push_str("; ");
        out.push_str(&families.join(", "));
    }
    out
}

fn files(n: u64) -> String {
    if n == 1 { "1 file".to_string() } else { format!("{n} files") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actor: &str, confidence: Confidence, families: &[&str]) -> Attribution {
        Attribution {
            actor: actor.into(),
            score: confidence.weight(),
            confidence: Some(confidence),
            families: families.iter().map(|f| (*f).to_string()).collect(),
            rules: vec!["r".into()],
            evidence: String::new(),
            conflicts: vec![],
            country: None,
            weak: false,
        }
    }

    #[test]
    fn counts_files_and_families_per_actor_with_attack_ids() {
        let profiles = Profiles::bundled();
        let mut tally = ActorTally::default();
        tally.add(&[entry("scarcruft", Confidence::Medium, &["rokrat"])], profiles);
        tally.add(
            &[
                entry("scarcruft", Confidence::High, &["rokrat", "bluelight"]),
                entry("andariel", Confidence::Low, &["magicrat"]),
            ],
            profiles,
        );
        tally.add(&[entry("scarcruft", Confidence::Low, &["rokrat"])], profiles);
        let [scarcruft, andariel] = tally.actors() else { panic!("{tally:#?}") };
        assert_eq!(scarcruft.files, 3);
        assert_eq!(scarcruft.confidence, Some(Confidence::High));
        assert_eq!(scarcruft.attack_group.as_deref(), Some("G0067"));
        assert_eq!(scarcruft.attack_software, ["S0240", "S0657"]);
        assert_eq!(
            describe(scarcruft),
            "scarcruft (ScarCruft, G0067): 3 files, best confidence high; \
             RokRAT (S0240) in 3 files, BLUELIGHT (S0657) in 1 file"
        );
        assert_eq!((andariel.name.as_deref(), andariel.attack_group.as_deref()), (None, None));
        assert_eq!(andariel.families[0].attack_software.as_deref(), Some("S1182"));
        let json = serde_json::to_value(&tally).unwrap();
        assert_eq!(json[0]["actor"], "scarcruft");
        assert_eq!(json[0]["families"][0]["files"], 3);
    }
}
