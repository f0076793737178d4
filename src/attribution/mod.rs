//! Attribution: who is behind a hit.
//!
//! Every matched rule becomes a [`RuleAttribution`] ([`attribute_rule`]),
//! from its metadata alone, following `shared/intel/profiles.md` §4:
//!
//! * **Declared.** A rule whose `actor` meta names loaded profiles (the
//!   bundled rules) gets exactly its `actor`, `family` and `confidence`.
//! * **Inferred.** Any other rule is searched for profile names ([`names`]
//!   says how names are compared): tags and structured meta first, then the
//!   rule name, references, and the description. For each actor the best
//!   item counts (a family beats an actor alias, then the better place
//!   wins), and the actor with the best item is chosen. Its confidence
//!   starts at `medium` (tag, meta, name) or `low` (reference, description),
//!   rises one step (never above `medium`) when a second item supports it,
//!   and drops one step when another actor also has non-weak evidence; that
//!   actor is then listed under `conflicts`, never hidden. A family shared
//!   with other actors names all of them at `low`; a family that does not
//!   attribute (public tools) names no actor.
//! * **Weak.** A rule whose only actor names are weak aliases (`NukeSped`,
//!   `HIDDEN COBRA`, `Reaper`: umbrella and vendor names that others use
//!   loosely) names the actor of the best of them at `low`, marked
//!   [`RuleAttribution::weak`]; it weighs [`WEAK_WEIGHT`], less than any
//!   other attribution, and the evidence says the names are weak. Weak
//!   *family* names are common words (`Dolphin`, `VHD`, `Python loader`)
//!   and never name an actor alone. Next to stronger evidence a weak name
//!   only supports.
//!
//! The rules matched on one file are then grouped by actor into
//! [`Attribution`] entries ([`attribute`]) with a score in `0.0..=1.0`: each
//! rule weighs [`Confidence::weight`] (weak ones [`WEAK_WEIGHT`]), and
//! independent rules for one actor combine as `1 - Π(1 - w)`, so agreement
//! raises the score without ever reaching 1. An entry built from weak rules
//! alone stays below [`WEAK_SCORE_CAP`], under any single rule with real
//! evidence. Every entry names an actor: a rule that names none (no
//! evidence, public tools, country words) has no entry; its hit is still
//! listed with the file's matches.

mod evidence;
pub mod import;
pub mod indicators;
mod meta_check;
pub mod names;
pub mod profile;
pub mod render;
pub mod summary;

use std::fmt::Write as _;

use serde::Serialize;

pub use evidence::{Kind, Place};
pub use meta_check::{MetaProblem, MetaProblemKind, check_meta, check_rule};
pub use profile::{Family, Profile, Profiles};

pub use crate::results::{Attribution, Confidence};
use crate::results::{MetaValue, RuleMatch};

/// What a rule attributed from weak names alone adds to a file's score:
/// less than the `low` weight of a rule with real evidence.
pub const WEAK_WEIGHT: f64 = 0.1;

/// The highest score of an entry whose rules are all weak, so that several
/// weak names never outrank one rule with real evidence
/// ([`Confidence::Low`]'s weight).
pub const WEAK_SCORE_CAP: f64 = 0.25;

/// Attribution arithmetic on the confidence levels reports carry.
impl Confidence {
    /// What one rule of this confidence adds to a file's score.
    #[must_use]
    pub fn weight(self) -> f64 {
        match self {
            Confidence::High => 0.9,
            Confidence::Medium => 0.6,
            Confidence::Low => 0.3,
        }
    }

    fn up_to_medium(self) -> Confidence {
        if self == Confidence::Low { Confidence::Medium } else { self }
    }

    fn down(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            Confidence::Medium | Confidence::Low => Confidence::Low,
        }
    }
}

/// What attribution needs to know about a rule: its name, tags and meta.
#[derive(Debug, Clone)]
pub struct RuleInfo<'a> {
    /// Rule name.
    pub name: &'a str,
    /// Tags in order.
    pub tags: Vec<&'a str>,
    /// Meta in order, values as text; keys may repeat.
    pub meta: Vec<(&'a str, String)>,
}

impl<'a> RuleInfo<'a> {
    /// The metadata of a matched rule.
    #[must_use]
    pub fn from_match(m: &'a RuleMatch) -> Self {
        Self {
            name: &m.rule,
            tags: m.tags.iter().map(String::as_str).collect(),
            meta: m.meta.iter().map(|(k, v)| (k.as_str(), MetaValue::to_text(v))).collect(),
        }
    }

    /// The metadata of a parsed rule; string values are decoded lossily
    /// (attribution only compares text).
    #[must_use]
    pub fn from_ast(rule: &'a crate::parser::ast::Rule) -> Self {
        use crate::parser::ast::MetaValue as Value;
        let text = |value: &Value| match value {
            Value::String(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Value::Integer(n) => n.to_string(),
            Value::Float(x) => x.to_string(),
            Value::Bool(b) => b.to_string(),
        };
        Self {
            name: &rule.name.name,
            tags: rule.tags.iter().map(|t| t.name.as_str()).collect(),
            meta: rule.meta.iter().map(|m| (m.key.name.as_str(), text(&m.value))).collect(),
        }
    }

    /// Values of a meta key, in order.
    fn values<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.meta.iter().filter(move |(k, _)| *k == key).map(|(_, v)| v.as_str())
    }
}

/// Where an attribution came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The rule's own `actor`/`family`/`confidence` meta.
    Meta,
    /// Names found in the rule's tags, meta, name and description.
    Inferred,
}

/// One piece of evidence, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The profile the name belongs to.
    pub actor: String,
    /// The family, for a family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Family, alias or weak.
    pub kind: Kind,
    /// Where it was found.
    pub place: Place,
    /// The matched text.
    pub text: String,
}

impl Evidence {
    /// `rule name "apt37": scarcruft alias`, for reports.
    #[must_use]
    pub fn describe(&self) -> String {
        let what = match (self.kind, &self.family) {
            (Kind::Weak, Some(family)) => format!("weak name of {}/{family}", self.actor),
            (Kind::Weak, None) => format!("weak name of {}", self.actor),
            (_, Some(family)) => format!("{}/{family}", self.actor),
            (_, None) => format!("{} alias", self.actor),
        };
        format!("{} \"{}\": {what}", self.place.as_str(), self.text)
    }
}

/// The attribution of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleAttribution {
    /// Rule name.
    pub rule: String,
    /// Attributed actors: profile ids, plus names from `shared_with`. Empty
    /// when nothing attributes.
    pub actors: Vec<String>,
    /// The family, when one is known.
    pub family: Option<String>,
    /// `None` when no actor is attributed.
    pub confidence: Option<Confidence>,
    /// Declared or inferred; `None` when the rule says nothing about actors.
    pub source: Option<Source>,
    /// The names found (empty for declared attributions).
    pub evidence: Vec<Evidence>,
    /// Other actors with non-weak evidence.
    pub conflicts: Vec<String>,
    /// Country of the attributed actor, or the one that country words
    /// point at.
    pub country: Option<String>,
    /// The actor rests on weak names only (confidence `low`, weight
    /// [`WEAK_WEIGHT`]).
    pub weak: bool,
}

impl RuleAttribution {
    fn empty(rule: &str) -> Self {
        Self {
            rule: rule.to_string(),
            actors: Vec::new(),
            family: None,
            confidence: None,
            source: None,
            evidence: Vec::new(),
            conflicts: Vec::new(),
            country: None,
            weak: false,
        }
    }

    /// What the rule adds to its actors' scores.
    #[must_use]
    pub fn weight(&self) -> f64 {
        match self.confidence {
            _ if self.weak => WEAK_WEIGHT,
            Some(confidence) => confidence.weight(),
            None => 0.0,
        }
    }

    /// One line for people: `actor/family (confidence)` and why.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut out = format!("{}: ", self.rule);
        if self.actors.is_empty() {
            out.push_str("no actor");
        } else {
            out.push_str(&self.actors.join("+"));
        }
        if let Some(family) = &self.family {
            let _ = write!(out, "/{family}");
        }
        if let Some(confidence) = self.confidence {
            let weak = if self.weak { ", weak names only" } else { "" };
            let _ = write!(out, " ({}{weak})", confidence.as_str());
        }
        match self.source {
            Some(Source::Meta) => out.push_str(" by rule meta"),
            Some(Source::Inferred) => {
                let found: Vec<String> = self.evidence.iter().map(Evidence::describe).collect();
                let _ = write!(out, " from {}", found.join(", "));
            }
            None => {}
        }
        if !self.conflicts.is_empty() {
            let _ = write!(out, "; conflicts with {}", self.conflicts.join(", "));
        }
        out
    }
}

/// Attributes one rule from its metadata.
#[must_use]
pub fn attribute_rule(rule: &RuleInfo<'_>, profiles: &Profiles) -> RuleAttribution {
    let declared: Vec<&str> = rule.values("actor").collect();
    if !declared.is_empty() && declared.iter().all(|id| profiles.get(id).is_some()) {
        return declared_attribution(rule, &declared, profiles);
    }
    inferred_attribution(rule, profiles)
}

fn declared_attribution(
    rule: &RuleInfo<'_>,
    actors: &[&str],
    profiles: &Profiles,
) -> RuleAttribution {
    let mut actors: Vec<String> = actors.iter().map(|a| (*a).to_string()).collect();
    actors.dedup();
    RuleAttribution {
        family: rule.values("family").next().map(str::to_string),
        confidence: rule.values("confidence").next().and_then(Confidence::parse),
        source: Some(Source::Meta),
        country: profiles.get(&actors[0]).and_then(|p| p.country.clone()),
        actors,
        ..RuleAttribution::empty(rule.name)
    }
}

fn inferred_attribution(rule: &RuleInfo<'_>, profiles: &Profiles) -> RuleAttribution {
    let found = evidence::collect(rule, profiles);
    let mut result = RuleAttribution::empty(rule.name);
    if found.items.is_empty() && !found.country_word {
        return result;
    }
    result.source = Some(Source::Inferred);
    result.evidence = found.items.iter().map(|item| report(item, profiles)).collect();
    if found.country_word {
        result.country = Some("KP".to_string());
    }
    let attributing = |item: &&evidence::Item| {
        item.kind != Kind::Weak && profiles.family_of(&item.target).is_none_or(|f| f.attributes)
    };
    // The best non-weak item of each actor, best actor first.
    let mut best: Vec<&evidence::Item> = Vec::new();
    for item in found.items.iter().filter(attributing) {
        match best.iter_mut().find(|b| b.target.profile == item.target.profile) {
            Some(b) if (item.kind, item.place) < (b.kind, b.place) => *b = item,
            Some(_) => {}
            None => best.push(item),
        }
    }
    best.sort_by_key(|item| (item.kind, item.place, item.target.profile));
    let Some(winner) = best.first().copied() else {
        return weak_attribution(result, &found.items, profiles);
    };
    let profile = profiles.at(winner.target.profile);
    let mut confidence = match winner.place {
        Place::Structured | Place::RuleName => Confidence::Medium,
        Place::Reference | Place::Description => Confidence::Low,
    };
    let supported = found.items.iter().any(|item| {
        item.target.profile == winner.target.profile
            && item != winner
            && (item.place != winner.place || item.target.family != winner.target.family)
    });
    if supported {
        confidence = confidence.up_to_medium();
    }
    result.conflicts =
        best[1..].iter().map(|b| profiles.at(b.target.profile).id().to_string()).collect();
    if !result.conflicts.is_empty() {
        confidence = confidence.down();
    }
    result.family = named_family(&found.items, Some(winner.target.profile), profiles);
    result.actors = vec![profile.id().to_string()];
    if let Some(family) = result.family.as_deref().and_then(|id| profile.family(id))
        && !family.shared_with.is_empty()
    {
        for other in &family.shared_with {
            if !result.actors.contains(other) {
                result.actors.push(other.clone());
            }
        }
        confidence = Confidence::Low;
    }
    result.confidence = Some(confidence);
    result.country = profile.country.clone().or(result.country);
    result
}

/// A rule with no attributing evidence: the actor of its best weak actor
/// name at `low` (marked weak), with the actors of other weak actor names
/// as conflicts; else (weak family names, public tools, country words) no
/// actor, only the family named.
fn weak_attribution(
    mut result: RuleAttribution,
    items: &[evidence::Item],
    profiles: &Profiles,
) -> RuleAttribution {
    let mut weak: Vec<&evidence::Item> = items
        .iter()
        .filter(|i| i.kind == Kind::Weak && i.target.family.is_none())
        .filter(|i| !evidence::inside_longer_name(i, items))
        .collect();
    weak.sort_by_key(|i| (i.place, i.target.profile));
    let Some(winner) = weak.first().copied() else {
        result.family = named_family(items, None, profiles);
        return result;
    };
    let profile = profiles.at(winner.target.profile);
    result.actors = vec![profile.id().to_string()];
    result.family = named_family(items, Some(winner.target.profile), profiles);
    if let Some(family) = result.family.as_deref().and_then(|id| profile.family(id)) {
        for other in &family.shared_with {
            if !result.actors.contains(other) {
                result.actors.push(other.clone());
            }
        }
    }
    for other in &weak {
        let id = profiles.at(other.target.profile).id().to_string();
        if !result.actors.contains(&id) && !result.conflicts.contains(&id) {
            result.conflicts.push(id);
        }
    }
    result.confidence = Some(Confidence::Low);
    result.weak = true;
    result.country = profile.country.clone().or(result.country);
    result
}

/// The family to report: the winner's best attributing family, else its
/// weak family names (the winner has non-weak evidence), else a family that
/// does not attribute.
fn named_family(
    items: &[evidence::Item],
    winner: Option<usize>,
    profiles: &Profiles,
) -> Option<String> {
    let family_items = || {
        items
            .iter()
            .filter(|i| i.target.family.is_some())
            .filter_map(|i| profiles.family_of(&i.target).map(|f| (i, f)))
    };
    let mut ranked: Vec<_> =
        family_items().filter(|(i, f)| f.attributes && Some(i.target.profile) == winner).collect();
    ranked.sort_by_key(|(i, _)| (i.kind, i.place));
    if let Some((_, family)) = ranked.first() {
        return Some(family.id().to_string());
    }
    family_items()
        .find(|(i, f)| !f.attributes && i.kind != Kind::Weak)
        .map(|(_, f)| f.id().to_string())
}

fn report(item: &evidence::Item, profiles: &Profiles) -> Evidence {
    Evidence {
        actor: profiles.at(item.target.profile).id().to_string(),
        family: profiles.family_of(&item.target).map(|f| f.id().to_string()),
        kind: item.kind,
        place: item.place,
        text: item.text.clone(),
    }
}

impl Attribution {
    fn empty(actor: String) -> Self {
        Self {
            actor,
            weak: true,
            score: 0.0,
            confidence: None,
            families: Vec::new(),
            rules: Vec::new(),
            evidence: String::new(),
            conflicts: Vec::new(),
            country: None,
        }
    }
}

/// Attributes the matches of one file.
#[must_use]
pub fn attribute(matches: &[RuleMatch], profiles: &Profiles) -> Vec<Attribution> {
    let per_rule: Vec<RuleAttribution> =
        matches.iter().map(|m| attribute_rule(&RuleInfo::from_match(m), profiles)).collect();
    group(&per_rule)
}

/// Groups rule attributions by actor, best score first.
#[must_use]
pub fn group(per_rule: &[RuleAttribution]) -> Vec<Attribution> {
    let mut entries: Vec<Attribution> = Vec::new();
    for rule in per_rule {
        for actor in &rule.actors {
            let index = entries.iter().position(|e| &e.actor == actor).unwrap_or_else(|| {
                entries.push(Attribution::empty(actor.clone()));
                entries.len() - 1
            });
            let entry = &mut entries[index];
            add_rule(entry, rule);
        }
    }
    for entry in &mut entries {
        if entry.weak {
            entry.score = entry.score.min(WEAK_SCORE_CAP);
        }
        // Reports are diffed by CI tools: two decimals, without the binary
        // noise of `1 - (1 - 0.3)` (0.30000000000000004).
        entry.score = (entry.score * 100.0).round() / 100.0;
    }
    entries.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.actor.cmp(&b.actor)));
    entries
}

/// `--actor ID`: keeps only the matches attributed to `actor`, and only
/// that actor's attribution entry. A file left with no match becomes an
/// unmatched file; failed files are kept as they are.
pub fn retain_actor(report: &mut crate::results::FileReport, actor: &str) {
    report.attribution.retain(|a| a.actor == actor);
    let rules: Vec<String> = report.attribution.iter().flat_map(|a| a.rules.clone()).collect();
    if let crate::results::Outcome::Scanned { matches, .. } = &mut report.outcome {
        matches.retain(|m| rules.contains(&m.rule));
    }
}

fn add_rule(entry: &mut Attribution, rule: &RuleAttribution) {
    entry.score = 1.0 - (1.0 - entry.score) * (1.0 - rule.weight());
    entry.confidence = entry.confidence.max(rule.confidence);
    entry.weak &= rule.weak;
    if let Some(family) = &rule.family
        && !entry.families.contains(family)
    {
        entry.families.push(family.clone());
    }
    if !entry.rules.contains(&rule.rule) {
        entry.rules.push(rule.rule.clone());
        if !entry.evidence.is_empty() {
            entry.evidence.push_str("; ");
        }
        entry.evidence.push_str(&rule.summary());
    }
    for conflict in &rule.conflicts {
        if !entry.conflicts.contains(conflict) {
            entry.conflicts.push(conflict.clone());
        }
    }
    if entry.country.is_none() {
        entry.country.clone_from(&rule.country);
    }
}

#[cfg(test)]
mod tests;
