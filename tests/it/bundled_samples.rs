//! Every bundled rule against its synthetic samples (issue 5, acceptance 1):
//! the rule's meta follows the convention and attributes to the rule's actor
//! and family; the rule matches its positive sample and not its near miss.
//!
//! Matching is checked two ways: by the real binary (`spoor scan --format
//! ndjson` with no `--rules`, so the ruleset embedded in the binary is the one
//! tested; tests/bundled_files.rs checks it is exactly `rules/`), and by the
//! PyPI `yara-x` package through `scripts/check_bundled.py`, when installed;
//! the test also checks that the script builds byte-identical samples.

use crate::util as common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use common::samples::{Recipe, recipes};
use spoor::attribution::{Profiles, RuleInfo, Source, attribute_rule, check_rule};
use spoor::bundled::RULES;
use spoor::parser::{ast::Item, parse};
use spoor::source::SourceFile;

/// `(actor directory, family meta)` of every bundled rule, by name.
fn bundled_rules() -> BTreeMap<String, (String, String)> {
    let profiles = Profiles::bundled();
    let mut out = BTreeMap::new();
    for (path, text) in RULES {
        let actor = path.split('/').next().unwrap();
        let source = SourceFile::new(format!("rules/{path}"), *text);
        let (file, errors) = parse(&source);
        assert!(errors.is_empty(), "{path}: {errors:?}");
        for item in &file.items {
            let Item::Rule(rule) = item else { continue };
            let problems = check_rule(rule, &source, profiles);
            assert!(
                problems.is_empty(),
                "{}",
                problems.iter().map(|d| d.render()).collect::<String>()
            );
            let info = RuleInfo::from_ast(rule);
            let family = info.meta.iter().find(|(k, _)| *k == "family").unwrap().1.clone();
            let got = attribute_rule(&info, profiles);
            assert_eq!(got.source, Some(Source::Meta), "{}", got.summary());
            assert_eq!(got.actors, [actor], "{}", got.summary());
            assert_eq!(got.family.as_deref(), Some(family.as_str()), "{}", got.summary());
            assert!(got.confidence.is_some(), "{}", got.summary());
            out.insert(rule.name.name.clone(), (actor.to_string(), family));
        }
    }
    out
}

#[test]
fn every_bundled_rule_checks_attributes_and_has_a_recipe() {
    let rules = bundled_rules();
    let recipes = recipes();
    let covered: BTreeSet<&str> = recipes.iter().map(|r| r.rule.as_str()).collect();
    for name in rules.keys() {
        assert!(covered.contains(name.as_str()), "{name} has no sample recipe");
    }
    for recipe in &recipes {
        assert!(rules.contains_key(&recipe.rule), "recipe for unknown rule {}", recipe.rule);
        assert_ne!(
            recipe.positive(),
            recipe.negative(),
            "{}: negative equals positive",
            recipe.rule
        );
    }
}

fn write_samples(dir: &Path, recipes: &[Recipe]) {
    for (n, recipe) in recipes.iter().enumerate() {
        std::fs::write(dir.join(format!("{n:02}-{}.pos", recipe.rule)), recipe.positive()).unwrap();
        std::fs::write(dir.join(format!("{n:02}-{}.neg", recipe.rule)), recipe.negative()).unwrap();
    }
}

#[test]
fn yara_x_matches_positives_only_and_samples_agree() {
    let root = env!("CARGO_MANIFEST_DIR");
    let has_yara_x = Command::new("python3").args(["-c", "import yara_x"]).output();
    if !has_yara_x.is_ok_and(|o| o.status.success()) {
        eprintln!("note: python3 with yara-x is not installed, skipping the yara-x cross-check");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .arg(format!("{root}/scripts/check_bundled.py"))
        .arg("--write")
        .arg(dir.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    for (n, recipe) in recipes().iter().enumerate() {
        let stem = format!("{n:02}-{}", recipe.rule);
        assert_eq!(
            std::fs::read(dir.path().join(format!("{stem}.pos"))).unwrap(),
            recipe.positive(),
            "{stem}"
        );
        assert_eq!(
            std::fs::read(dir.path().join(format!("{stem}.neg"))).unwrap(),
            recipe.negative(),
            "{stem}"
        );
    }
}

#[test]
fn spoor_scan_matches_positives_only_and_attributes_them() {
    let rules = bundled_rules();
    let recipes = recipes();
    let dir = tempfile::tempdir().unwrap();
    write_samples(dir.path(), &recipes);
    let out =
        crate::util::spoor().args(["scan", "--format", "ndjson"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let mut found: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let lines = String::from_utf8(out.stdout).unwrap();
    for line in lines.lines().filter(|l| !l.starts_with("{\"summary\"")) {
        let object: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = Path::new(object["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        found.insert(name, object);
    }
    for (n, recipe) in recipes.iter().enumerate() {
        let stem = format!("{n:02}-{}", recipe.rule);
        let hit = |file: &str| {
            found.get(file).is_some_and(|o| {
                o["matches"].as_array().unwrap().iter().any(|m| m["rule"] == recipe.rule.as_str())
            })
        };
        assert!(hit(&format!("{stem}.pos")), "{} misses its positive sample", recipe.rule);
        assert!(!hit(&format!("{stem}.neg")), "{} matches its near miss", recipe.rule);
        let (actor, family) = &rules[&recipe.rule];
        let attribution =
            found[&format!("{stem}.pos")]["attribution"].as_array().cloned().unwrap_or_default();
        assert!(
            attribution.iter().any(|a| a["actor"] == actor.as_str()
                && a["families"]
                    .as_array()
                    .is_some_and(|f| f.iter().any(|x| x == family.as_str()))),
            "{}: attribution {attribution:?} does not name {actor}/{family}",
            recipe.rule
        );
    }
}
