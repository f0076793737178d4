//! Owned scan results: what one scanned file produced.
//!
//! These types cross the channel from scanning threads to the single output
//! thread, so they own their data. Their serde form IS the JSON/NDJSON output
//! contract: field names here are fixed (see `output`).

use std::path::PathBuf;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};

/// One file and what scanning it produced.
#[derive(Debug)]
pub struct FileReport {
    /// The path as it was found (walked or given); for a member of an
    /// archive, the archive's path on disk.
    pub path: PathBuf,
    /// For a member of an archive, its path inside each container,
    /// outermost first; empty for a file on disk.
    pub member: Vec<String>,
    /// Bytes scanned (0 when the file could not be read).
    pub size: u64,
    /// Matches, or why the file could not be scanned.
    pub outcome: Outcome,
    /// Who is behind the matches, per actor (empty until
    /// [`attribution::attribute`](crate::attribution::attribute) fills it).
    pub attribution: Vec<Attribution>,
    /// What the rules printed with `console.log`/`console.hex` while the
    /// file was scanned, in order.
    pub console: Vec<String>,
    /// Why the scan stopped before the end (it timed out, it was
    /// interrupted): `outcome` then holds the rules known to match by
    /// then, and the file counts as an error.
    pub stopped: Option<String>,
}

/// Result of scanning one file.
#[derive(Debug)]
pub enum Outcome {
    /// Scanned to the end.
    Scanned {
        /// Matching non-private rules, in rule order.
        matches: Vec<RuleMatch>,
        /// Non-fatal notes (a pattern hit its match cap, ...).
        warnings: Vec<String>,
    },
    /// Could not be scanned (unreadable, too large, timed out, changed).
    Failed(String),
}

impl FileReport {
    /// The report of a file scanned to the end, not yet attributed.
    #[must_use]
    pub fn scanned(
        path: PathBuf,
        size: u64,
        matches: Vec<RuleMatch>,
        warnings: Vec<String>,
    ) -> Self {
        Self {
            path,
            member: Vec::new(),
            size,
            outcome: Outcome::Scanned { matches, warnings },
            attribution: Vec::new(),
            console: Vec::new(),
            stopped: None,
        }
    }

    /// The report of a file that could not be scanned.
    #[must_use]
    pub fn failed(path: PathBuf, error: impl Into<String>) -> Self {
        Self {
            path,
            member: Vec::new(),
            size: 0,
            outcome: Outcome::Failed(error.into()),
            attribution: Vec::new(),
            console: Vec::new(),
            stopped: None,
        }
    }

    /// Whether the file failed or its scan stopped before the end.
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.stopped.is_some() || matches!(self.outcome, Outcome::Failed(_))
    }

    /// The matches, empty for a failed file.
    #[must_use]
    pub fn matches(&self) -> &[RuleMatch] {
        match &self.outcome {
            Outcome::Scanned { matches, .. } => matches,
            Outcome::Failed(_) => &[],
        }
    }
}

/// A rule that matched a file.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMatch {
    /// Rule name.
    pub rule: String,
    /// Namespace (`default` unless rules were loaded into another one).
    pub namespace: String,
    /// Tags in declaration order.
    pub tags: Vec<String>,
    /// Meta in declaration order, serialized as an object; a key declared
    /// more than once becomes an array of its values.
    #[serde(serialize_with = "serialize_meta")]
    pub meta: Vec<(String, MetaValue)>,
    /// Matches of the rule's non-private patterns, when requested.
    pub strings: Vec<StringMatch>,
}

/// A meta value as reported.
///
/// Reports show the bare value (`"x"`, `1`, `true`); a compiled ruleset,
/// whose encoding is not self-describing, stores it tagged.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// A string (invalid UTF-8 replaced by U+FFFD).
    String(String),
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

/// [`MetaValue`] as a compiled ruleset stores it.
#[derive(Serialize, Deserialize)]
enum TaggedMeta<S> {
    String(S),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl Serialize for MetaValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self, serializer.is_human_readable()) {
            (MetaValue::String(s), true) => serializer.serialize_str(s),
            (MetaValue::Integer(n), true) => serializer.serialize_i64(*n),
            (MetaValue::Float(x), true) => serializer.serialize_f64(*x),
            (MetaValue::Bool(b), true) => serializer.serialize_bool(*b),
            (MetaValue::String(s), false) => TaggedMeta::String(s.as_str()).serialize(serializer),
            (MetaValue::Integer(n), false) => TaggedMeta::<&str>::Integer(*n).serialize(serializer),
            (MetaValue::Float(x), false) => TaggedMeta::<&str>::Float(*x).serialize(serializer),
            (MetaValue::Bool(b), false) => TaggedMeta::<&str>::Bool(*b).serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for MetaValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match TaggedMeta::<String>::deserialize(deserializer)? {
            TaggedMeta::String(s) => MetaValue::String(s),
            TaggedMeta::Integer(n) => MetaValue::Integer(n),
            TaggedMeta::Float(x) => MetaValue::Float(x),
            TaggedMeta::Bool(b) => MetaValue::Bool(b),
        })
    }
}

impl MetaValue {
    /// The value as text: strings as they are, others as YARA prints them.
    #[must_use]
    pub fn to_text(&self) -> String {
        match self {
            MetaValue::String(s) => s.clone(),
            MetaValue::Integer(n) => n.to_string(),
            MetaValue::Float(x) => x.to_string(),
            MetaValue::Bool(b) => b.to_string(),
        }
    }
}

/// One match of one pattern.
#[derive(Debug, Clone, Serialize)]
pub struct StringMatch {
    /// The pattern identifier with its `$`.
    pub id: String,
    /// Byte offset of the match.
    pub offset: u64,
    /// Length of the match in bytes.
    pub length: u64,
    /// The key, for patterns with the `xor` modifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xor_key: Option<u8>,
    /// The first bytes of the match, for the text printer.
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// How many matched bytes a [`StringMatch`] keeps for printing.
pub const MAX_MATCH_DATA: usize = 256;

fn serialize_meta<S: Serializer>(meta: &[(String, MetaValue)], s: S) -> Result<S::Ok, S::Error> {
    struct Values<'a>(Vec<&'a MetaValue>);
    impl Serialize for Values<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            if let [one] = self.0.as_slice() {
                return one.serialize(s);
            }
            let mut seq = s.serialize_seq(Some(self.0.len()))?;
            for value in &self.0 {
                seq.serialize_element(value)?;
            }
            seq.end()
        }
    }
    let mut keys: Vec<&str> = Vec::new();
    for (key, _) in meta {
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    let mut map = s.serialize_map(Some(keys.len()))?;
    for key in keys {
        let values = meta.iter().filter(|(k, _)| k == key).map(|(_, v)| v).collect();
        map.serialize_entry(key, &Values(values))?;
    }
    map.end()
}

/// How specific a rule, or an inferred attribution, is to its actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Hunting logic or weak inference; false positives expected.
    Low,
    /// Family- or campaign-typical traits, or a name match.
    Medium,
    /// Strings or code unique to the family.
    High,
}

impl Confidence {
    /// Parses the meta value (`high`, `medium`, `low`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Confidence> {
        match text {
            "high" => Some(Confidence::High),
            "medium" => Some(Confidence::Medium),
            "low" => Some(Confidence::Low),
            _ => None,
        }
    }

    /// The word used in meta and reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// The attribution of everything that matched one file, per actor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribution {
    /// Profile id (or a `shared_with` name).
    pub actor: String,
    /// `0.0..=1.0`: `1 - Π(1 - weight)` over the entry's rules.
    pub score: f64,
    /// The best confidence among the entry's rules.
    pub confidence: Option<Confidence>,
    /// Families named by the entry's rules, in order of first appearance.
    pub families: Vec<String>,
    /// The rules behind the entry, in match order.
    pub rules: Vec<String>,
    /// One `rule: why` summary per rule, `; `-separated.
    pub evidence: String,
    /// Other actors some of the entry's rules also point at.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    /// Country of the actor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Every rule of the entry rests on weak names only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub weak: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_meta_keys_become_arrays_and_order_is_kept() {
        let m = RuleMatch {
            rule: "r".into(),
            namespace: "default".into(),
            tags: vec!["t".into()],
            meta: vec![
                ("actor".into(), MetaValue::String("a".into())),
                ("n".into(), MetaValue::Integer(-3)),
                ("actor".into(), MetaValue::String("b".into())),
                ("ok".into(), MetaValue::Bool(true)),
            ],
            strings: vec![StringMatch {
                id: "$a".into(),
                offset: 4,
                length: 2,
                xor_key: None,
                data: b"hi".to_vec(),
            }],
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"rule":"r","namespace":"default","tags":["t"],"meta":{"actor":["a","b"],"n":-3,"ok":true},"strings":[{"id":"$a","offset":4,"length":2}]}"#
        );
    }
}
