//! Evidence collection for rules that do not declare spoor's `actor` meta
//! (profiles.md §4): which profile names occur in a rule's tags, structured
//! meta, name, references and description.

use super::RuleInfo;
use super::names::{runs, tokens, url_path};
use super::profile::{NameTarget, Profiles, Strength};

/// Meta keys whose values name an actor or family outright.
const STRUCTURED_KEYS: &[&str] = &[
    "actor",
    "threat_actor",
    "group",
    "apt",
    "apt_group",
    "family",
    "malware",
    "malware_family",
    "threat_name",
    "mitre_software",
];

/// Tokens that say "North Korea" without naming an actor.
const COUNTRY_WORDS: &[&str] = &["dprk", "nk", "northkorea", "kp"];

/// Where a name was found, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// A tag, or a structured meta value (`threat_name`, `malware`, ...).
    Structured,
    /// The rule name.
    RuleName,
    /// A reference URL: cited by a profile, or naming an alias in its path.
    Reference,
    /// Free text in `description`.
    Description,
}

impl Place {
    /// How reports name the place.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Structured => "tag or meta",
            Place::RuleName => "rule name",
            Place::Reference => "reference",
            Place::Description => "description",
        }
    }
}

/// What kind of name matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A family id, name or strong family alias.
    Family,
    /// A strong actor alias (or a profile-cited reference).
    Alias,
    /// A weak alias of an actor or family: support only.
    Weak,
}

/// One name found in one place of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The actor or family the name stands for.
    pub target: NameTarget,
    /// Family, alias or weak.
    pub kind: Kind,
    /// Where it was found.
    pub place: Place,
    /// The matched text, in compact form (or the URL for a cited reference).
    pub text: String,
}

/// Everything found in a rule.
#[derive(Debug, Default)]
pub struct Found {
    /// Names of profiles and families, deduplicated.
    pub items: Vec<Item>,
    /// A country word (`DPRK`, `NK`, ...) occurred in the name, tags or
    /// structured meta.
    pub country_word: bool,
}

impl Found {
    fn push(&mut self, item: Item) {
        let duplicate = self.items.iter().any(|old| {
            old.target.profile == item.target.profile
                && old.target.family == item.target.family
                && old.kind == item.kind
                && old.place == item.place
        });
        if !duplicate {
            self.items.push(item);
        }
    }

    /// Adds every profile name occurring in `text` as whole tokens.
    fn scan(&mut self, text: &str, place: Place, profiles: &Profiles, strong_only: bool) {
        let words = tokens(text);
        for run in runs(&words, profiles.longest_name_tokens()) {
            if matches!(place, Place::Structured | Place::RuleName)
                && COUNTRY_WORDS.contains(&run.as_str())
            {
                self.country_word = true;
            }
            let Some(target) = profiles.lookup(&run) else { continue };
            let kind = match (target.strength, target.family) {
                (Strength::Weak, _) => Kind::Weak,
                (Strength::Strong, Some(_)) => Kind::Family,
                (Strength::Strong, None) => Kind::Alias,
            };
            if strong_only && kind == Kind::Weak {
                continue;
            }
            self.push(Item { target, kind, place, text: run });
        }
    }

    /// A URL cited by a profile counts for its actor; one cited by a family
    /// counts for the family's actor unless the family is shared or does
    /// not attribute (advisories often cover several families and actors).
    fn cited(&mut self, url: &str, profiles: &Profiles) {
        for target in profiles.cited_by(url) {
            let counts = profiles
                .family_of(target)
                .is_none_or(|family| family.attributes && family.shared_with.is_empty());
            if counts {
                let actor = NameTarget { family: None, ..*target };
                let text = url.trim().to_string();
                self.push(Item { target: actor, kind: Kind::Alias, place: Place::Reference, text });
            }
        }
    }
}

/// Collects the evidence of one rule.
#[must_use]
pub fn collect(rule: &RuleInfo<'_>, profiles: &Profiles) -> Found {
    let mut found = Found::default();
    for tag in &rule.tags {
        found.scan(tag, Place::Structured, profiles, false);
    }
    for (key, value) in &rule.meta {
        let key = key.to_ascii_lowercase();
        if STRUCTURED_KEYS.contains(&key.as_str()) {
            found.scan(value, Place::Structured, profiles, false);
        }
    }
    found.scan(rule.name, Place::RuleName, profiles, false);
    for (key, value) in &rule.meta {
        let key = key.to_ascii_lowercase();
        if key.starts_with("reference") || key == "report" || key == "url" {
            found.cited(value, profiles);
            // Host names say nothing about the actor; paths and file names may.
            let words = if value.contains("://") { url_path(value) } else { value.as_str() };
            found.scan(words, Place::Reference, profiles, true);
        }
    }
    for (key, value) in &rule.meta {
        if key.eq_ignore_ascii_case("description") {
            found.scan(value, Place::Description, profiles, false);
        }
    }
    found
}

/// Whether `item`'s name is part of a longer name found in the same place
/// for someone else: `TEMP.Hermit` (Lazarus) holds `Hermit` (ScarCruft),
/// and the longer name is the one the author wrote.
#[must_use]
pub fn inside_longer_name(item: &Item, items: &[Item]) -> bool {
    items.iter().any(|other| {
        other.place == item.place
            && other.target.profile != item.target.profile
            && other.text.len() > item.text.len()
            && other.text.contains(item.text.as_str())
    })
}
