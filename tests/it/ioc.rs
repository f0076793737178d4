//! `spoor ioc import` round trip (issue 14, acceptance 3): a STIX 2.1 bundle
//! and a MISP event, written from the specifications with known hashes and
//! names, become rules that match the synthetic files they describe and
//! attribute them to the named actor and family; names that match no
//! profile are reported.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use sha2::Digest as _;

const FALLCHILL_SAMPLE: &[u8] = b"synthetic sample the STIX bundle lists by SHA-256";
const ROKRAT_SAMPLE: &[u8] = b"synthetic sample the MISP event lists by MD5";
const MUTEX: &str = "SpoorTestMutex_4711";
const PDB: &str = "C:\\build\\spoor_rokrat\\Release\\agent.pdb";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn wide(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A STIX 2.1 bundle: two indicators that `indicate` a malware object,
/// which an intrusion set `uses`.
fn stix_bundle() -> Value {
    let sha256 = hex(&sha2::Sha256::digest(FALLCHILL_SAMPLE));
    let time = "2024-01-01T00:00:00.000Z";
    json!({
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [
            {
                "type": "indicator", "spec_version": "2.1",
                "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created": time, "modified": time, "valid_from": time,
                "pattern_type": "stix",
                "pattern": format!("[file:hashes.'SHA-256' = '{sha256}'] OR [file:name = 'dropper.exe']"),
                "external_references": [{ "source_name": "advisory", "url": "https://example.org/advisory-1" }]
            },
            {
                "type": "indicator", "spec_version": "2.1",
                "id": "indicator--1a2b3c4d-0000-4000-8000-000000000002",
                "created": time, "modified": time, "valid_from": time,
                "pattern_type": "stix",
                "pattern": format!("[mutex:name = '{MUTEX}']")
            },
            {
                "type": "malware", "spec_version": "2.1",
                "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
                "created": time, "modified": time, "name": "FALLCHILL", "is_family": true
            },
            {
                "type": "intrusion-set", "spec_version": "2.1",
                "id": "intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29",
                "created": time, "modified": time, "name": "Lazarus Group", "aliases": ["HIDDEN COBRA"]
            },
            relationship("1", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "indicates", "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"),
            relationship("2", "indicator--1a2b3c4d-0000-4000-8000-000000000002", "indicates", "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"),
            relationship("3", "intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29", "uses", "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"),
        ]
    })
}

fn relationship(n: &str, source: &str, kind: &str, target: &str) -> Value {
    let time = "2024-01-01T00:00:00.000Z";
    json!({
        "type": "relationship", "spec_version": "2.1",
        "id": format!("relationship--00000000-0000-4000-8000-00000000000{n}"),
        "created": time, "modified": time,
        "relationship_type": kind, "source_ref": source, "target_ref": target
    })
}

/// A MISP event: an MD5 and a PDB path, a threat-actor galaxy and a
/// malware galaxy.
fn misp_event() -> Value {
    let md5 = hex(&md5::Md5::digest(ROKRAT_SAMPLE));
    json!({ "Event": {
        "uuid": "5e6b4b9a-0000-4000-8000-000000000001",
        "info": "RokRAT campaign (synthetic)",
        "Attribute": [
            { "type": "md5", "category": "Payload delivery", "value": md5, "to_ids": true },
            { "type": "pdb", "category": "Artifacts dropped", "value": PDB, "to_ids": true },
            { "type": "ip-dst", "category": "Network activity", "value": "192.0.2.1" }
        ],
        "Galaxy": [
            { "type": "threat-actor", "name": "Threat Actor",
              "GalaxyCluster": [{ "value": "APT37", "meta": { "synonyms": ["ScarCruft", "Reaper"] } }] },
            { "type": "malpedia", "name": "Malpedia",
              "GalaxyCluster": [{ "value": "RokRAT", "meta": { "synonyms": ["DOGCALL"] } }] }
        ]
    }})
}

/// Path name to (actor, family) of every attribution entry.
fn scan(rules: &Path, files: &Path) -> BTreeMap<String, Vec<(String, Value)>> {
    let output = crate::util::spoor()
        .args(["scan", "--format", "json", "--rules"])
        .arg(rules)
        .arg(files)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut out = BTreeMap::new();
    for file in doc["files"].as_array().unwrap() {
        let name = Path::new(file["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let entries = file["attribution"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (e["actor"].as_str().unwrap().to_string(), e["families"].clone()))
            .collect();
        out.insert(name, entries);
    }
    out
}

#[test]
fn stix_and_misp_indicators_become_rules_that_attribute_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let stix = dir.path().join("bundle.json");
    let misp = dir.path().join("event.json");
    std::fs::write(&stix, serde_json::to_string_pretty(&stix_bundle()).unwrap()).unwrap();
    std::fs::write(&misp, serde_json::to_string_pretty(&misp_event()).unwrap()).unwrap();
    let rules = dir.path().join("iocs.yar");
    let output = crate::util::spoor()
        .args(["ioc", "import", "-o"])
        .arg(&rules)
        .arg(&stix)
        .arg(&misp)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1 file-name indicators"), "{stderr}");
    let text = std::fs::read_to_string(&rules).unwrap();
    assert!(
        text.contains("actor = \"lazarus\"") && text.contains("family = \"fallchill\""),
        "{text}"
    );
    assert!(text.contains("reference = \"https://example.org/advisory-1\""), "{text}");
    assert!(text.contains("ascii wide"), "{text}");

    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(files.join("hash_stix.bin"), FALLCHILL_SAMPLE).unwrap();
    std::fs::write(files.join("mutex_wide.bin"), [b"..".as_slice(), &wide(MUTEX), b".."].concat())
        .unwrap();
    std::fs::write(files.join("hash_misp.bin"), ROKRAT_SAMPLE).unwrap();
    std::fs::write(files.join("pdb.bin"), format!("MZ....{PDB}\0")).unwrap();
    std::fs::write(files.join("clean.bin"), b"synthetic sample nobody lists").unwrap();
    let got = scan(&rules, &files);
    let lazarus = vec![("lazarus".to_string(), json!(["fallchill"]))];
    let scarcruft = vec![("scarcruft".to_string(), json!(["rokrat"]))];
    assert_eq!(got["hash_stix.bin"], lazarus);
    assert_eq!(got["mutex_wide.bin"], lazarus);
    assert_eq!(got["hash_misp.bin"], scarcruft);
    assert_eq!(got["pdb.bin"], scarcruft);
    assert!(got["clean.bin"].is_empty(), "{got:?}");
}

#[test]
fn lists_take_actor_and_family_from_flags_and_unknown_names_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    let sha1 = hex(&sha1::Sha1::digest(b"listed"));
    std::fs::write(
        &list,
        format!("type,value,actor\nsha1,{sha1},Nobody Bear\nhostname,c2.example.net,\n"),
    )
    .unwrap();
    let rules = dir.path().join("iocs.yar");
    let output = crate::util::spoor()
        .args(["ioc", "import", "--actor", "APT37", "--family", "rokrat", "-o"])
        .arg(&rules)
        .arg(&list)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("`Nobody Bear` matches no actor profile"), "{stderr}");
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(files.join("listed.bin"), b"listed").unwrap();
    std::fs::write(files.join("host.bin"), b"GET http://c2.example.net/x").unwrap();
    let got = scan(&rules, &files);
    let scarcruft = vec![("scarcruft".to_string(), json!(["rokrat"]))];
    assert_eq!(got["listed.bin"], scarcruft);
    assert_eq!(got["host.bin"], scarcruft);

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let output =
        crate::util::spoor().args(["ioc", "import", "-o"]).arg(&rules).arg(&bad).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not valid JSON"));
}
