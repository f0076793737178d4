//! The per-scan actor summary in every output format, and weak-only
//! attribution, through the real binary (issue 14, acceptance 1 and 4).

use std::path::Path;
use std::process::Output;

use serde_json::Value;

const RULES: &str = r#"
rule Declared_RokRAT {
    meta:
        actor = "scarcruft"
        family = "rokrat"
        confidence = "high"
        reference = "https://example.org/rokrat"
    strings:
        $a = "ROKMARK"
    condition:
        $a
}
rule Declared_BLUELIGHT {
    meta:
        actor = "scarcruft"
        family = "bluelight"
        confidence = "medium"
        reference = "https://example.org/bluelight"
    strings:
        $a = "BLUEMARK"
    condition:
        $a
}
rule Win_Trojan_NukeSped_Loader {
    strings:
        $a = "NUKEMARK"
    condition:
        $a
}
rule Unrelated_Rule {
    strings:
        $a = "PLAINMARK"
    condition:
        $a
}
"#;

/// Rules plus five files: RokRAT in three (one with BLUELIGHT too), a
/// weak-only Lazarus hit, a hit no actor is behind, and a clean file.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yar"), RULES).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for (name, body) in [
        ("a.bin", "xx ROKMARK xx"),
        ("b.bin", "ROKMARK"),
        ("c.bin", "ROKMARK BLUEMARK"),
        ("d.bin", "NUKEMARK"),
        ("e.bin", "PLAINMARK"),
        ("f.bin", "nothing"),
    ] {
        std::fs::write(data.join(name), body).unwrap();
    }
    dir
}

fn scan(dir: &Path, args: &[&str]) -> Output {
    let output = crate::util::spoor()
        .arg("scan")
        .arg("--rules")
        .arg(dir.join("rules.yar"))
        .args(args)
        .arg(dir.join("data"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Checks a `summary.actors` array against the tree's hits.
fn check_actors(actors: &Value) {
    let actors = actors.as_array().unwrap_or_else(|| panic!("no actors array: {actors}"));
    assert_eq!(actors.len(), 2, "{actors:#?}");
    let scarcruft = actors.iter().find(|a| a["actor"] == "scarcruft").unwrap();
    assert_eq!(scarcruft["files"], 3);
    assert_eq!(scarcruft["confidence"], "high");
    assert_eq!(scarcruft["attack_group"], "G0067");
    assert_eq!(scarcruft["attack_software"], serde_json::json!(["S0240", "S0657"]));
    let families = scarcruft["families"].as_array().unwrap();
    let rokrat = families.iter().find(|f| f["family"] == "rokrat").unwrap();
    assert_eq!(
        (rokrat["files"].as_u64(), rokrat["attack_software"].as_str()),
        (Some(3), Some("S0240"))
    );
    let bluelight = families.iter().find(|f| f["family"] == "bluelight").unwrap();
    assert_eq!(bluelight["files"], 1);
    let lazarus = actors.iter().find(|a| a["actor"] == "lazarus").unwrap();
    assert_eq!((lazarus["files"].as_u64(), lazarus["confidence"].as_str()), (Some(1), Some("low")));
    assert_eq!(
        (lazarus["weak"].as_bool(), lazarus["attack_group"].as_str()),
        (Some(true), Some("G0032"))
    );
}

#[test]
fn json_ends_with_the_actor_summary_and_no_entry_lacks_an_actor() {
    let dir = tree();
    let doc: Value =
        serde_json::from_slice(&scan(dir.path(), &["--format", "json"]).stdout).unwrap();
    check_actors(&doc["summary"]["actors"]);
    for file in doc["files"].as_array().unwrap() {
        for entry in file["attribution"].as_array().into_iter().flatten() {
            assert!(entry["actor"].is_string(), "an entry without an actor: {entry}");
        }
    }
    let weak = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("d.bin"))
        .unwrap();
    let entry = &weak["attribution"][0];
    assert_eq!(
        (entry["actor"].as_str(), entry["confidence"].as_str()),
        (Some("lazarus"), Some("low"))
    );
    assert_eq!(entry["weak"], true);
    assert!(entry["score"].as_f64().unwrap() < 0.3, "{entry}");
    assert!(entry["evidence"].as_str().unwrap().contains("weak name of lazarus"), "{entry}");
    let plain = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("e.bin"))
        .unwrap();
    assert!(plain.get("attribution").is_none(), "a rule naming no actor has no entry: {plain}");
}

#[test]
fn ndjson_ends_with_a_summary_line() {
    let dir = tree();
    let text = stdout(&scan(dir.path(), &["--format", "ndjson"]));
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (last, files) = lines.split_last().unwrap();
    assert_eq!(files.len(), 5, "one line per matched file:\n{text}");
    assert!(files.iter().all(|f| f["path"].is_string()));
    check_actors(&last["summary"]["actors"]);
    assert_eq!(last["summary"]["files_scanned"], 6);
}

#[test]
fn text_prints_the_summary_after_the_hits() {
    let dir = tree();
    let text = stdout(&scan(dir.path(), &[]));
    let lines: Vec<&str> = text.lines().collect();
    let first_actor = lines.iter().position(|l| l.starts_with("actor: ")).expect("summary lines");
    assert!(lines[..first_actor].iter().all(|l| !l.starts_with("actor: ")));
    assert_eq!(lines[first_actor..].len(), 2, "{text}");
    assert_eq!(lines[..first_actor].len(), 6, "six hits first:\n{text}");
    assert!(
        text.contains(
            "actor: scarcruft (ScarCruft, G0067): 3 files, best confidence high; \
             RokRAT (S0240) in 3 files, BLUELIGHT (S0657) in 1 file\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "actor: lazarus (Lazarus, G0032): 1 file, best confidence low, weak names only"
        ),
        "{text}"
    );
}

#[test]
fn text_without_attribution_prints_no_summary() {
    let dir = tree();
    std::fs::remove_file(dir.path().join("data/a.bin")).unwrap();
    std::fs::remove_file(dir.path().join("data/b.bin")).unwrap();
    std::fs::remove_file(dir.path().join("data/c.bin")).unwrap();
    std::fs::remove_file(dir.path().join("data/d.bin")).unwrap();
    let text = stdout(&scan(dir.path(), &[]));
    assert_eq!(text.lines().count(), 1, "{text}");
    let ndjson = stdout(&scan(dir.path(), &["--format", "ndjson"]));
    assert_eq!(ndjson.lines().count(), 1, "no summary line without attribution: {ndjson}");
}

#[test]
fn sarif_carries_attack_as_a_taxonomy_and_stays_valid() {
    let dir = tree();
    let log: Value =
        serde_json::from_slice(&scan(dir.path(), &["--format", "sarif"]).stdout).unwrap();
    crate::sarif_schema::validate(&log);
    let run = &log["runs"][0];
    let taxonomy = &run["taxonomies"][0];
    assert_eq!(taxonomy["name"], "MITRE ATT&CK");
    let taxa: Vec<&str> =
        taxonomy["taxa"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    for id in ["G0067", "S0240", "S0657", "G0032"] {
        assert!(taxa.contains(&id), "{id} missing from {taxa:?}");
    }
    let rokrat = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "Declared_RokRAT")
        .unwrap();
    let targets: Vec<&str> = rokrat["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["target"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["G0067", "S0240"]);
    for result in run["results"].as_array().unwrap() {
        let Some(refs) = result["taxa"].as_array() else {
            assert_eq!(result["ruleId"], "Unrelated_Rule", "{result}");
            continue;
        };
        for r in refs {
            let index = usize::try_from(r["index"].as_u64().unwrap()).unwrap();
            assert_eq!(taxonomy["taxa"][index]["id"], r["id"], "references resolve: {r}");
            assert_eq!(r["toolComponent"]["name"], "MITRE ATT&CK");
        }
    }
    assert!(run["invocations"][0]["properties"]["summary"]["actors"].is_array());
}
