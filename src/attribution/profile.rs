//! Actor profiles: the TOML data model, loading with located errors, and
//! validation across profiles.
//!
//! A profile is one `rules/actors/<id>.toml` file (schema in
//! `shared/intel/profiles.md` §2): an actor with its strong and weak aliases,
//! references, related actors and the malware families reported for it.
//! Profiles are data: adding an actor needs no rebuild (`Profiles::load`),
//! and the two bundled ones are compiled in (`Profiles::bundled`).
//!
//! Loading reports every problem of every file as a [`Diagnostic`] pointing
//! at the offending TOML value (file:line:col): syntax and schema errors
//! (unknown keys are errors), bad ids and ATT&CK ids, a missing reference,
//! a file name that does not match `id`, and names that collide across
//! profiles after normalisation.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use toml::Spanned;

use super::names::compact;
use crate::diagnostics::{Diagnostic, codes};
use crate::source::{SourceFile, Span};

/// The only profile format version this build reads.
pub const SCHEMA_VERSION: u32 = 1;

/// One actor profile (`rules/actors/<id>.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Format version, [`SCHEMA_VERSION`].
    pub schema: Spanned<u32>,
    /// Stable key used in rule meta `actor = "..."` and in reports.
    pub id: Spanned<String>,
    /// Display name.
    pub name: String,
    /// Names other vendors use; one is enough to attribute a third-party rule.
    pub aliases: Vec<Spanned<String>>,
    /// Ambiguous names that only support other evidence.
    #[serde(default)]
    pub weak_aliases: Vec<Spanned<String>>,
    /// MITRE ATT&CK group id (`G0067`).
    pub attack_id: Option<Spanned<String>>,
    /// ISO 3166-1 alpha-2 code of the attributed state.
    pub country: Option<String>,
    /// Reported parent organisation.
    pub sponsor: Option<String>,
    /// Earliest reported activity.
    pub first_seen: Option<u16>,
    /// A few sentences about the actor.
    pub description: String,
    /// Other actors, profiled or not.
    #[serde(default)]
    pub related: Vec<Related>,
    /// Public reporting the profile is built from; at least one.
    pub references: Spanned<Vec<Reference>>,
    /// Malware families and tools reported for the actor.
    #[serde(default)]
    pub families: Vec<Family>,
}

/// Another actor and how it relates to this one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Related {
    /// Profile id or plain name.
    pub id: String,
    /// How the two relate.
    pub relation: Relation,
    /// Why, in a few words.
    pub note: Option<String>,
}

/// The kinds of [`Related`] links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// Reporting overlaps; distinct actors.
    Overlaps,
    /// This actor is part of the other.
    SubgroupOf,
    /// The other actor is part of this one.
    HasSubgroup,
    /// Often mixed up; distinct actors.
    ConfusedWith,
}

/// A public source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Title of the report.
    pub title: String,
    /// Where it is.
    pub url: String,
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub published: Option<String>,
}

/// A malware family or tool of an actor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    /// Unique across all profiles; used in rule meta `family = "..."`.
    pub id: Spanned<String>,
    /// Display name.
    pub name: String,
    /// Strong alternative names.
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    /// Ambiguous names; listing `name` here makes a bare name match weak.
    #[serde(default)]
    pub weak_aliases: Vec<Spanned<String>>,
    /// MITRE ATT&CK software id (`S0240`).
    pub attack_id: Option<Spanned<String>>,
    /// `backdoor`, `loader`, `tool`, ...
    pub kind: String,
    /// `windows`, `linux`, `macos`, `android`, `script`, `document`.
    #[serde(default)]
    pub platforms: Vec<String>,
    /// `false` for public tools and for families unrelated actors use too:
    /// a hit names the family but attributes nothing.
    #[serde(default = "yes")]
    pub attributes: bool,
    /// Other actors reporting gives this family to.
    #[serde(default)]
    pub shared_with: Vec<String>,
    /// One line.
    pub description: String,
    /// Sources; at least one.
    pub references: Spanned<Vec<String>>,
}

fn yes() -> bool {
    true
}

impl Profile {
    /// The profile id.
    #[must_use]
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }

    /// The family with this id.
    #[must_use]
    pub fn family(&self, id: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.id() == id)
    }
}

impl Family {
    /// The family id.
    #[must_use]
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }
}

/// How strongly a name points at its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// One match is enough.
    Strong,
    /// Only supports other evidence.
    Weak,
}

/// What a normalised name stands for: an actor, or one of its families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameTarget {
    /// Index of the profile.
    pub profile: usize,
    /// Index of the family in that profile, or `None` for the actor itself.
    pub family: Option<usize>,
    /// Strong or weak.
    pub strength: Strength,
}

/// A set of validated profiles with their name index.
#[derive(Debug)]
pub struct Profiles {
    profiles: Vec<Profile>,
    names: HashMap<String, NameTarget>,
    urls: HashMap<String, Vec<NameTarget>>,
    longest_name_tokens: usize,
}

impl Profiles {
    /// The profiles compiled into the binary.
    ///
    /// # Panics
    /// Never in a tested build: `tests/bundled_profiles.rs` loads them.
    #[must_use]
    pub fn bundled() -> &'static Profiles {
        static BUNDLED_PROFILES: OnceLock<Profiles> = OnceLock::new();
        BUNDLED_PROFILES.get_or_init(|| {
            let sources: Vec<_> = crate::bundled::PROFILES
                .iter()
                .map(|(path, text)| SourceFile::new(format!("rules/{path}"), *text))
                .collect();
            match Profiles::load(&sources) {
                Ok(profiles) => profiles,
                Err(errors) => {
                    let text: Vec<String> = errors.iter().map(Diagnostic::render).collect();
                    panic!("bundled actor profiles are invalid:\n{}", text.join("\n"))
                }
            }
        })
    }

    /// Loads every `*.toml` file of a directory (not recursive).
    ///
    /// # Errors
    /// Every problem of every file (unreadable files included).
    pub fn load_dir(dir: &std::path::Path) -> Result<Profiles, Vec<Diagnostic>> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| vec![Diagnostic::global(codes::IO, format!("{}: {e}", dir.display()))])?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let mut sources = Vec::new();
        let mut errors = Vec::new();
        for path in paths {
            match std::fs::read_to_string(&path) {
                Ok(text) => sources.push(SourceFile::new(path.display().to_string(), text)),
                Err(e) => {
                    errors.push(Diagnostic::global(codes::IO, format!("{}: {e}", path.display())));
                }
            }
        }
        match Profiles::load(&sources) {
            Ok(profiles) if errors.is_empty() => Ok(profiles),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    /// Parses and validates profile files; the file stem must equal `id`.
    ///
    /// # Errors
    /// Every problem found, each pointing into its file.
    pub fn load(sources: &[Arc<SourceFile>]) -> Result<Profiles, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut parsed = Vec::new();
        for source in sources {
            match toml::from_str::<Profile>(source.text()) {
                Ok(profile) => {
                    validate_profile(&profile, source, &mut errors);
                    parsed.push((profile, Arc::clone(source)));
                }
                Err(e) => {
                    let span = e.span().map_or(Span::default(), |r| Span::new(r.start, r.end));
                    let message = e.message().trim_end().to_string();
                    errors.push(Diagnostic::error(codes::PROFILE_SCHEMA, message, source, span));
                }
            }
        }
        let profiles = Self::index(parsed, &mut errors);
        if errors.is_empty() { Ok(profiles) } else { Err(errors) }
    }

    /// Builds the name and URL indexes, reporting names used twice.
    fn index(parsed: Vec<(Profile, Arc<SourceFile>)>, errors: &mut Vec<Diagnostic>) -> Profiles {
        let mut names: HashMap<String, NameTarget> = HashMap::new();
        let mut first_seen: HashMap<String, (Arc<SourceFile>, Span)> = HashMap::new();
        let mut urls: HashMap<String, Vec<NameTarget>> = HashMap::new();
        let mut longest_name_tokens = 1;
        for (p, (profile, source)) in parsed.iter().enumerate() {
            for (name, span, target) in names_of(profile, p) {
                let key = compact(&name);
                if key.is_empty() {
                    continue;
                }
                longest_name_tokens = longest_name_tokens.max(super::names::tokens(&name).len());
                match names.get(&key) {
                    None => {
                        names.insert(key.clone(), target);
                        first_seen.insert(key, (Arc::clone(source), span));
                    }
                    Some(old) if same_owner(old, &target) => {
                        if target.strength == Strength::Weak {
                            names.insert(key, target);
                        }
                    }
                    Some(_) => {
                        let mut d = Diagnostic::error(
                            codes::PROFILE_DUPLICATE,
                            format!("name `{name}` is already used by another actor or family"),
                            source,
                            span,
                        );
                        if let Some((other, other_span)) = first_seen.get(&key) {
                            let (line, col) = other.line_col(other_span.start);
                            d = d.with_note(format!(
                                "first used at {}:{line}:{col}",
                                other.origin()
                            ));
                        }
                        errors.push(d);
                    }
                }
            }
            let actor = NameTarget { profile: p, family: None, strength: Strength::Strong };
            for reference in profile.references.get_ref() {
                urls.entry(super::names::url_key(&reference.url)).or_default().push(actor);
            }
            for (f, family) in profile.families.iter().enumerate() {
                let target = NameTarget { profile: p, family: Some(f), strength: Strength::Strong };
                for url in family.references.get_ref() {
                    urls.entry(super::names::url_key(url)).or_default().push(target);
                }
            }
        }
        for targets in urls.values_mut() {
            targets.dedup();
        }
        let profiles = parsed.into_iter().map(|(profile, _)| profile).collect();
        Profiles { profiles, names, urls, longest_name_tokens }
    }

    /// All profiles, in load order.
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.iter()
    }

    /// The profile with this id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id() == id)
    }

    /// The profile a user means by `name`: its id, or one of the actor's
    /// names or aliases in any case and spacing (`APT37`, `apt 37`).
    #[must_use]
    pub fn resolve(&self, name: &str) -> Option<&Profile> {
        self.get(name).or_else(|| {
            let target = self.lookup(&super::names::compact(name))?;
            target.family.is_none().then(|| self.at(target.profile))
        })
    }

    /// The profile at an index of a [`NameTarget`].
    #[must_use]
    pub fn at(&self, index: usize) -> &Profile {
        &self.profiles[index]
    }

    /// The family a target names, if it names one.
    #[must_use]
    pub fn family_of(&self, target: &NameTarget) -> Option<&Family> {
        target.family.map(|f| &self.profiles[target.profile].families[f])
    }

    /// What a compact name stands for.
    #[must_use]
    pub fn lookup(&self, compact_name: &str) -> Option<NameTarget> {
        self.names.get(compact_name).copied()
    }

    /// Actors and families that cite this URL (compared by
    /// [`url_key`](super::names::url_key)).
    #[must_use]
    pub fn cited_by(&self, url: &str) -> &[NameTarget] {
        self.urls.get(&super::names::url_key(url)).map_or(&[], Vec::as_slice)
    }

    /// The most tokens any alias has: how long a token run must be tried.
    #[must_use]
    pub fn longest_name_tokens(&self) -> usize {
        self.longest_name_tokens
    }
}

fn same_owner(a: &NameTarget, b: &NameTarget) -> bool {
    a.profile == b.profile && a.family == b.family
}

/// Every name of a profile and its families, with where it is declared.
/// Weak names come last so that a name listed both ways ends up weak.
fn names_of(profile: &Profile, p: usize) -> Vec<(String, Span, NameTarget)> {
    let span = |s: &Spanned<String>| Span::new(s.span().start, s.span().end);
    let strong = |family| NameTarget { profile: p, family, strength: Strength::Strong };
    let weak = |family| NameTarget { profile: p, family, strength: Strength::Weak };
    let mut out = vec![(profile.id.get_ref().clone(), span(&profile.id), strong(None))];
    out.push((profile.name.clone(), span(&profile.id), strong(None)));
    out.extend(profile.aliases.iter().map(|a| (a.get_ref().clone(), span(a), strong(None))));
    for (f, family) in profile.families.iter().enumerate() {
        // A family whose bare name is ambiguous has an id that is no better.
        let name_key = compact(&family.name);
        let name_is_weak = family.weak_aliases.iter().any(|w| compact(w.get_ref()) == name_key);
        let id_target = if name_is_weak { weak(Some(f)) } else { strong(Some(f)) };
        out.push((family.id.get_ref().clone(), span(&family.id), id_target));
        out.push((family.name.clone(), span(&family.id), strong(Some(f))));
        out.extend(family.aliases.iter().map(|a| (a.get_ref().clone(), span(a), strong(Some(f)))));
    }
    out.extend(profile.weak_aliases.iter().map(|a| (a.get_ref().clone(), span(a), weak(None))));
    for (f, family) in profile.families.iter().enumerate() {
        let weak_names = family.weak_aliases.iter();
        out.extend(weak_names.map(|a| (a.get_ref().clone(), span(a), weak(Some(f)))));
    }
    out
}

/// Checks one profile on its own: patterns, references, file name.
fn validate_profile(profile: &Profile, source: &Arc<SourceFile>, errors: &mut Vec<Diagnostic>) {
    let mut invalid = |message: String, span: std::ops::Range<usize>| {
        let span = Span::new(span.start, span.end);
        errors.push(Diagnostic::error(codes::PROFILE_INVALID, message, source, span));
    };
    if *profile.schema.get_ref() != SCHEMA_VERSION {
        invalid(
            format!("unsupported profile schema, expected {SCHEMA_VERSION}"),
            profile.schema.span(),
        );
    }
    if !is_slug(profile.id()) {
        invalid(
            format!("profile id `{}` must match [a-z0-9][a-z0-9_-]*", profile.id()),
            profile.id.span(),
        );
    }
    let stem = std::path::Path::new(source.origin()).file_stem().and_then(|s| s.to_str());
    if stem.is_some_and(|stem| stem != profile.id()) {
        invalid(
            format!("profile id `{}` must equal the file name", profile.id()),
            profile.id.span(),
        );
    }
    if let Some(id) = &profile.attack_id
        && !is_attack_id(id.get_ref(), 'G')
    {
        invalid(format!("ATT&CK group id `{}` must look like G0067", id.get_ref()), id.span());
    }
    if profile.references.get_ref().is_empty() {
        invalid("a profile needs at least one reference".into(), profile.references.span());
    }
    for family in &profile.families {
        if !is_slug(family.id()) {
            invalid(
                format!("family id `{}` must match [a-z0-9][a-z0-9_-]*", family.id()),
                family.id.span(),
            );
        }
        if let Some(id) = &family.attack_id
            && !is_attack_id(id.get_ref(), 'S')
        {
            invalid(
                format!("ATT&CK software id `{}` must look like S0240", id.get_ref()),
                id.span(),
            );
        }
        if family.references.get_ref().is_empty() {
            invalid(
                format!("family `{}` needs at least one reference", family.id()),
                family.references.span(),
            );
        }
    }
}

/// `[a-z0-9][a-z0-9_-]*`
fn is_slug(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// `G\d{4}` or `S\d{4}`.
fn is_attack_id(id: &str, letter: char) -> bool {
    id.len() == 5 && id.starts_with(letter) && id[1..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
schema = 1
id = "one"
name = "One"
aliases = ["First Group"]
description = "x"
references = [{ title = "t", url = "https://example.org/one" }]

[[families]]
id = "fam"
name = "Fam"
weak_aliases = ["Fam"]
kind = "rat"
description = "x"
references = ["https://example.org/fam"]
"#;

    fn load(files: &[(&str, &str)]) -> Result<Profiles, Vec<Diagnostic>> {
        let sources: Vec<_> = files.iter().map(|(n, t)| SourceFile::new(*n, *t)).collect();
        Profiles::load(&sources)
    }

    #[test]
    fn bundled_profiles_load() {
        let profiles = Profiles::bundled();
        assert!(profiles.get("scarcruft").is_some_and(|p| p.family("rokrat").is_some()));
        assert!(profiles.get("lazarus").is_some_and(|p| p.family("opencarrot").is_some()));
    }

    #[test]
    fn names_index_with_weak_override() {
        let profiles = load(&[("one.toml", MINIMAL)]).unwrap();
        let group = profiles.lookup("firstgroup").unwrap();
        assert_eq!((group.family, group.strength), (None, Strength::Strong));
        let fam = profiles.lookup("fam").unwrap();
        assert_eq!((fam.family, fam.strength), (Some(0), Strength::Weak));
        assert_eq!(profiles.longest_name_tokens(), 2);
        assert_eq!(profiles.cited_by("http://www.example.org/fam/").len(), 1);
    }

    #[test]
    fn unknown_key_is_located() {
        let text = MINIMAL.replace("name = \"One\"", "name = \"One\"\ncolour = 1");
        let errors = load(&[("one.toml", &text)]).unwrap_err();
        assert_eq!(errors[0].code, codes::PROFILE_SCHEMA);
        assert!(errors[0].message.contains("colour"), "{}", errors[0].message);
        assert_eq!(errors[0].line_col(), Some((5, 1)));
    }

    #[test]
    fn bad_ids_and_missing_references_are_reported() {
        let text = MINIMAL
            .replace("id = \"one\"", "id = \"One\"\nattack_id = \"X1\"")
            .replace("references = [\"https://example.org/fam\"]", "references = []");
        let errors = load(&[("one.toml", &text)]).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(messages.iter().any(|m| m.contains("must match")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("file name")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("G0067")), "{messages:?}");
        assert!(
            messages.iter().any(|m| m.contains("needs at least one reference")),
            "{messages:?}"
        );
    }

    #[test]
    fn load_dir_reads_toml_files_and_reports_each_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("one.toml"), MINIMAL).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a profile").unwrap();
        let profiles = Profiles::load_dir(dir.path()).unwrap();
        assert_eq!(profiles.iter().map(Profile::id).collect::<Vec<_>>(), ["one"]);
        std::fs::write(dir.path().join("two.toml"), "schema = 1\nid = [").unwrap();
        let errors = Profiles::load_dir(dir.path()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].headline().contains("two.toml:2:"), "{}", errors[0].headline());
        assert!(Profiles::load_dir(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn duplicate_alias_across_profiles_names_both_places() {
        let two = MINIMAL
            .replace("id = \"one\"", "id = \"two\"")
            .replace("name = \"One\"", "name = \"Two\"")
            .replace("First Group", "FIRST-GROUP")
            .replace("id = \"fam\"", "id = \"other\"")
            .replace("\"Fam\"", "\"Other\"");
        let errors = load(&[("one.toml", MINIMAL), ("two.toml", &two)]).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].code, codes::PROFILE_DUPLICATE);
        assert!(
            errors[0].notes[0].starts_with("first used at one.toml:5:"),
            "{:?}",
            errors[0].notes
        );
    }
}
