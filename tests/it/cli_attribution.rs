//! `spoor scan` with the bundled ruleset through the real binary (issue 5):
//! no `--rules` scans with the embedded rules, every output format carries
//! the attribution, `--actor ID` keeps only that actor's hits, and
//! `--fail-on actor` ignores matches that attribute to no actor.

// Shared with tests/bundled_samples.rs; this test needs only the positive samples.
#[allow(dead_code)]
use crate::util as common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

use serde_json::Value;

/// A directory with every bundled rule's positive sample.
fn positives() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (n, recipe) in common::samples::recipes().iter().enumerate() {
        std::fs::write(dir.path().join(format!("{n:02}-{}.pos", recipe.rule)), recipe.positive())
            .unwrap();
    }
    dir
}

fn scan(args: &[&str], target: &Path) -> Output {
    crate::util::spoor().arg("scan").args(args).arg(target).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn actors(attribution: &Value) -> BTreeSet<String> {
    attribution
        .as_array()
        .map(|a| a.iter().map(|e| e["actor"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Path to the actors its `attribution` names, from an NDJSON scan.
fn ndjson_actors(output: &Output) -> BTreeMap<String, BTreeSet<String>> {
    stdout(output)
        .lines()
        .filter(|line| !line.starts_with("{\"summary\""))
        .map(|line| {
            let object: Value = serde_json::from_str(line).unwrap();
            (object["path"].as_str().unwrap().to_string(), actors(&object["attribution"]))
        })
        .collect()
}

#[test]
fn every_format_attributes_the_bundled_hits() {
    let dir = positives();
    let ndjson = scan(&["--format", "ndjson"], dir.path());
    assert_eq!(ndjson.status.code(), Some(1));
    let by_path = ndjson_actors(&ndjson);
    assert_eq!(by_path.len(), common::samples::recipes().len(), "every positive matches");
    assert!(by_path.values().all(|a| !a.is_empty()), "{by_path:?}");

    let json: Value =
        serde_json::from_str(&stdout(&scan(&["--format", "json"], dir.path()))).unwrap();
    let json_by_path: BTreeMap<String, BTreeSet<String>> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["matches"].as_array().is_some_and(|m| !m.is_empty()))
        .map(|f| (f["path"].as_str().unwrap().to_string(), actors(&f["attribution"])))
        .collect();
    assert_eq!(json_by_path, by_path);

    let sarif: Value =
        serde_json::from_str(&stdout(&scan(&["--format", "sarif"], dir.path()))).unwrap();
    let mut sarif_by_path: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        let uri =
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
        let actor = result["properties"]["actor"].as_str().unwrap().to_string();
        sarif_by_path
            .entry(uri.trim_start_matches("file://").to_string())
            .or_default()
            .insert(actor);
    }
    assert_eq!(sarif_by_path, by_path);

    let text = stdout(&scan(&["--print-attribution"], dir.path()));
    for (path, actors) in &by_path {
        for actor in actors {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("attribution: {actor}/"))
                    && l.ends_with(path.as_str())),
                "no attribution line for {actor} on {path} in:\n{text}"
            );
        }
    }
}

#[test]
fn actor_filter_keeps_only_that_actors_hits() {
    let dir = positives();
    let all = ndjson_actors(&scan(&["--format", "ndjson"], dir.path()));
    for actor in ["lazarus", "scarcruft"] {
        let kept = ndjson_actors(&scan(&["--format", "ndjson", "--actor", actor], dir.path()));
        let expected: BTreeSet<&String> =
            all.iter().filter(|(_, a)| a.contains(actor)).map(|(p, _)| p).collect();
        assert!(!expected.is_empty(), "no {actor} sample");
        assert_eq!(kept.keys().collect::<BTreeSet<_>>(), expected, "--actor {actor}");
        assert!(kept.values().all(|a| a.iter().all(|x| x == actor)), "{actor}: {kept:?}");
    }
}

#[test]
fn fail_on_actor_ignores_unattributed_matches() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("generic.yar");
    std::fs::write(&rules, "rule Generic_Marker { strings: $a = \"hello marker\" condition: $a }")
        .unwrap();
    let target = dir.path().join("target.txt");
    std::fs::write(&target, "say hello marker").unwrap();
    let rules = rules.to_str().unwrap();

    let any = scan(&["--rules", rules], &target);
    assert_eq!(any.status.code(), Some(1));
    assert!(stdout(&any).starts_with("Generic_Marker "));
    let actor = scan(&["--rules", rules, "--fail-on", "actor"], &target);
    assert_eq!(actor.status.code(), Some(0), "an unattributed match does not fail");
    assert_eq!(stdout(&actor), stdout(&any), "the match is still reported");

    let samples = positives();
    let bundled = scan(&["--fail-on", "actor"], samples.path());
    assert_eq!(bundled.status.code(), Some(1), "an attributed match fails");
}
