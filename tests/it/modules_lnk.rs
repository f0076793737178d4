//! The `lnk` module against YARA-X, on shortcuts scripts/lnk_reference.py
//! built with pylnk3 and by hand (link info, ANSI strings, tracker data,
//! an oversized carrier with an appended payload, truncated and damaged
//! copies) and whose YARA-X outputs it recorded in tests/data/lnk.

use std::path::PathBuf;
use std::time::Duration;

use md5::{Digest, Md5};
use serde_json::Value as Json;
use spoor::modules::{self, Module};
use spoor::types::Type;

use crate::modules_pe_fuzz::{CpuClock, TIME_LIMIT, mutate};
use crate::modules_pe_reference::{Tally, compare};
use crate::util::rng::Rng;
use crate::util::{repo, scan_output, spoor};

fn data_dir() -> PathBuf {
    repo().join("tests/data/lnk")
}

fn lnk() -> &'static dyn Module {
    modules::find("lnk").expect("lnk is registered").1
}

fn reference() -> serde_json::Map<String, Json> {
    let text = std::fs::read(data_dir().join("reference.json")).expect("reference.json");
    match serde_json::from_slice(&text).expect("JSON") {
        Json::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(data_dir().join(format!("{name}.lnk"))).expect("recorded sample")
}

#[test]
fn lnk_matches_yara_x_on_recorded_shortcuts() {
    let module = lnk();
    let decl = module.declaration();
    let mut tally = Tally::default();
    let reference = reference();
    for (name, expected) in &reference {
        let data = sample(name);
        let md5: String = Md5::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(md5, expected["md5"].as_str().unwrap(), "{name}: bytes differ from the record");
        let parsed = module.parse(&data);
        let mut file = Tally::default();
        compare(
            &decl,
            &Type::Struct(decl.clone()),
            &parsed.value,
            &expected["lnk"],
            "lnk",
            &mut file,
        );
        tally.absorb(file, name);
    }
    eprintln!("{} shortcuts, {} values compared", reference.len(), tally.compared);
    for (field, cases) in &tally.mismatches {
        eprintln!("MISMATCH {field}: {} case(s), e.g. {}", cases.len(), cases[0]);
    }
    assert!(reference.len() >= 15 && tally.compared >= 200, "too little compared");
    assert!(tally.mismatches.is_empty(), "{} fields differ from YARA-X", tally.mismatches.len());
}

#[test]
fn dump_shows_the_overlay_of_an_oversized_carrier() {
    let output = spoor()
        .args(["dump", "--module", "lnk"])
        .arg(data_dir().join("pylnk_carrier.lnk"))
        .output()
        .expect("spoor runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Json = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["is_lnk"], true);
    assert_eq!(
        (json["overlay_offset"].as_i64(), json["overlay_size"].as_i64()),
        (Some(447), Some(8208))
    );
    assert_eq!(json["target_id_list"][0]["root_folder_id"], "20d04fe0-3aea-1069-a2d8-08002b30309d");
    assert!(json.get("ShowCommand").is_none(), "enums are not data");
}

#[test]
fn rules_read_lnk_fields_and_enums() {
    let rules = r#"import "lnk"
rule oversized_lnk {
  condition: lnk.is_lnk and lnk.overlay_size > 4096
    and lnk.show_command == lnk.ShowCommand.MIN_NO_ACTIVE
    and lnk.target_id_list[0].item_type == lnk.ShellItemType.ROOT_FOLDER
}
rule tracked_lnk { condition: lnk.tracker_data.machine_id == "desktop-7q1" }
"#;
    let text = scan_output(rules, &data_dir());
    let hits: Vec<&str> = text.lines().filter(|l| l.contains("_lnk")).collect();
    assert_eq!(hits.len(), 2, "{text}");
    assert!(hits.iter().any(|l| l.contains("oversized_lnk") && l.contains("pylnk_carrier.lnk")));
    assert!(hits.iter().any(|l| l.contains("tracked_lnk") && l.contains("ansi_linkinfo_tracker")));
}

#[test]
fn lnk_parser_survives_mutated_shortcuts() {
    let iterations: usize =
        std::env::var("SPOOR_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let seeds: Vec<Vec<u8>> = reference().keys().map(|name| sample(name)).collect();
    let module = lnk();
    let mut rng = Rng(0x1eaf_5eed_0bad_c0de);
    let mut slowest = Duration::ZERO;
    for i in 0..iterations {
        let input = mutate(&seeds[i % seeds.len()], &mut rng);
        let start = CpuClock::now();
        let _ = module.parse(&input);
        let took = start.elapsed();
        assert!(took < TIME_LIMIT, "input {i} took {took:?}");
        slowest = slowest.max(took);
    }
    eprintln!("{iterations} mutated shortcuts, slowest {slowest:?}");
}
