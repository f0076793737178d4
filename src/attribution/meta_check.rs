//! Validation of spoor's rule meta convention (profiles.md §3) for
//! `spoor check`.
//!
//! A rule follows the convention when one of its `actor` values is a profile
//! id in form (`[a-z0-9][a-z0-9_-]*`); third-party rules that use `actor`
//! for free text (`actor = "StellarParticle"`) are left alone. Such a rule
//! must name loaded actors, a family of one of them, a confidence of
//! `high`/`medium`/`low`, and a `reference`. Each problem carries the index
//! of the meta entry at fault so the caller can point at its span.

use std::sync::Arc;

use super::{Confidence, Profiles, RuleInfo};
use crate::diagnostics::{Diagnostic, codes};
use crate::parser::ast;
use crate::source::SourceFile;

/// What is wrong with a rule's spoor meta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaProblemKind {
    /// `actor` names no loaded profile.
    UnknownActor(String),
    /// `family` is not a family of any of the rule's actors.
    UnknownFamily(String),
    /// `confidence` is not `high`, `medium` or `low`.
    BadConfidence(String),
    /// No `confidence` entry.
    MissingConfidence,
    /// No `reference` entry.
    MissingReference,
}

/// One problem, and the meta entry it is about (`None` for a missing key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaProblem {
    /// Index into the rule's meta list.
    pub entry: Option<usize>,
    /// What is wrong.
    pub kind: MetaProblemKind,
}

impl MetaProblem {
    /// The diagnostic message.
    #[must_use]
    pub fn message(&self) -> String {
        match &self.kind {
            MetaProblemKind::UnknownActor(a) => {
                format!("unknown actor `{a}`: no profile has this id")
            }
            MetaProblemKind::UnknownFamily(f) => {
                format!("unknown family `{f}`: not a family of the rule's actors")
            }
            MetaProblemKind::BadConfidence(c) => {
                format!("confidence `{c}` must be `high`, `medium` or `low`")
            }
            MetaProblemKind::MissingConfidence => {
                "rule with `actor` meta has no `confidence`".into()
            }
            MetaProblemKind::MissingReference => "rule with `actor` meta has no `reference`".into(),
        }
    }
}

/// Checks a rule's meta against the profiles; empty when the rule does not
/// use spoor's convention or uses it correctly.
#[must_use]
pub fn check_meta(rule: &RuleInfo<'_>, profiles: &Profiles) -> Vec<MetaProblem> {
    let is_actor = |(key, _): &&(&str, String)| *key == "actor";
    if !rule.meta.iter().filter(is_actor).any(|(_, v)| is_profile_id(v)) {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let mut actors = Vec::new();
    for (i, (key, value)) in rule.meta.iter().enumerate() {
        let problem = match *key {
            "actor" => match profiles.get(value) {
                Some(profile) => {
                    actors.push(profile);
                    None
                }
                None => Some(MetaProblemKind::UnknownActor(value.clone())),
            },
            "confidence" if Confidence::parse(value).is_none() => {
                Some(MetaProblemKind::BadConfidence(value.clone()))
            }
            _ => None,
        };
        if let Some(kind) = problem {
            problems.push(MetaProblem { entry: Some(i), kind });
        }
    }
    for (i, (key, value)) in rule.meta.iter().enumerate() {
        if *key == "family" && !actors.iter().any(|p| p.family(value).is_some()) {
            let kind = MetaProblemKind::UnknownFamily(value.clone());
            problems.push(MetaProblem { entry: Some(i), kind });
        }
    }
    let has = |wanted: &str| rule.meta.iter().any(|(key, _)| *key == wanted);
    if !has("confidence") {
        problems.push(MetaProblem { entry: None, kind: MetaProblemKind::MissingConfidence });
    }
    if !rule.meta.iter().any(|(key, _)| key.starts_with("reference")) {
        problems.push(MetaProblem { entry: None, kind: MetaProblemKind::MissingReference });
    }
    problems
}

/// [`check_meta`] for a parsed rule, as `spoor check` diagnostics
/// ([`codes::RULE_META`]): each at the meta entry at fault, or at the rule
/// name for a missing key.
#[must_use]
pub fn check_rule(
    rule: &ast::Rule,
    source: &Arc<SourceFile>,
    profiles: &Profiles,
) -> Vec<Diagnostic> {
    check_meta(&RuleInfo::from_ast(rule), profiles)
        .iter()
        .map(|problem| {
            let span = problem.entry.map_or(rule.name.span, |i| rule.meta[i].span);
            Diagnostic::error(codes::RULE_META, problem.message(), source, span)
        })
        .collect()
}

fn is_profile_id(value: &str) -> bool {
    let mut chars = value.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(meta: &[(&'static str, &str)]) -> RuleInfo<'static> {
        RuleInfo {
            name: "r",
            tags: vec![],
            meta: meta.iter().map(|(k, v)| (*k, (*v).to_string())).collect(),
        }
    }

    #[test]
    fn correct_bundled_meta_passes() {
        let r = rule(&[
            ("actor", "scarcruft"),
            ("family", "rokrat"),
            ("confidence", "high"),
            ("reference", "https://example.org"),
        ]);
        assert_eq!(check_meta(&r, Profiles::bundled()), []);
    }

    #[test]
    fn each_problem_points_at_its_entry() {
        let r = rule(&[
            ("actor", "scarcruft"),
            ("actor", "kimsuky"),
            ("family", "opencarrot"),
            ("confidence", "certain"),
        ]);
        let problems = check_meta(&r, Profiles::bundled());
        let got: Vec<(Option<usize>, &MetaProblemKind)> =
            problems.iter().map(|p| (p.entry, &p.kind)).collect();
        assert_eq!(
            got,
            [
                (Some(1), &MetaProblemKind::UnknownActor("kimsuky".into())),
                (Some(3), &MetaProblemKind::BadConfidence("certain".into())),
                (Some(2), &MetaProblemKind::UnknownFamily("opencarrot".into())),
                (None, &MetaProblemKind::MissingReference),
            ]
        );
        assert!(problems[0].message().contains("kimsuky"));
    }

    #[test]
    fn diagnostics_point_at_the_meta_entry_or_the_rule_name() {
        let text = "rule r {\n  meta:\n    actor = \"lazarus\"\n    confidence = \"sure\"\n  condition: true\n}\n";
        let source = SourceFile::new("r.yar", text);
        let (file, errors) = crate::parser::parse(&source);
        assert!(errors.is_empty(), "{errors:?}");
        let crate::parser::ast::Item::Rule(rule) = &file.items[0] else { panic!("not a rule") };
        let found = check_rule(rule, &source, Profiles::bundled());
        let places: Vec<_> = found.iter().map(|d| (d.code, d.line_col())).collect();
        assert_eq!(places, [(codes::RULE_META, Some((4, 5))), (codes::RULE_META, Some((1, 6)))]);
        assert!(found[1].message.contains("reference"));
    }

    #[test]
    fn free_text_actor_meta_is_not_spoor_meta() {
        let r = rule(&[("actor", "StellarParticle")]);
        assert_eq!(check_meta(&r, Profiles::bundled()), []);
    }
}
