//! The `zip`, `dex` and `crx` modules against YARA-X.
//!
//! scripts/formats_reference.py builds the samples (zips with Python's
//! zipfile and byte edits of them, DEX and CRX files written from their
//! specifications) and records YARA-X's output for each. With python3 and
//! the PyPI `yara_x` package at hand the tests build them afresh and
//! compare live; otherwise they compare with the copies recorded in
//! tests/data/{zip,dex,crx}. Zips of real packages (wheels from `pip
//! download`, jars) and mutants of the samples are compared live only.
//! Every module also runs over 100,000 mutated samples
//! (`SPOOR_FUZZ_ITERATIONS` to change), which must neither panic nor take
//! more than 100 ms each.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use md5::{Digest, Md5};
use serde_json::Value as Json;
use spoor::modules::{self, Module};
use spoor::types::Type;

use crate::modules_pe_fuzz::{CpuClock, TIME_LIMIT, mutate};
use crate::modules_pe_reference::{Tally, compare_module, print_tally};
use crate::util::rng::Rng;
use crate::util::{repo, spoor};

fn module(name: &str) -> &'static dyn Module {
    modules::find(name).expect("registered").1
}

fn script() -> PathBuf {
    repo().join("scripts/formats_reference.py")
}

/// Whether python3 can import the PyPI `yara_x` package.
fn yara_x_at_hand() -> bool {
    Command::new("python3").args(["-c", "import yara_x"]).output().is_ok_and(|o| o.status.success())
}

/// Samples of `name` and YARA-X's output for each: built and recorded now
/// when `yara_x` is at hand (in `scratch`), else the recorded ones.
/// Recorded samples must still be the bytes they were recorded from.
fn samples(name: &str, scratch: &Path) -> (PathBuf, serde_json::Map<String, Json>) {
    let dir = if yara_x_at_hand() {
        let status = Command::new("python3")
            .arg(script())
            .arg("--live")
            .arg(scratch)
            .arg(name)
            .status()
            .expect("python3 runs");
        assert!(status.success(), "formats_reference.py failed");
        scratch.join(name)
    } else {
        eprintln!("note: yara_x is not importable; recorded {name} references used");
        repo().join("tests/data").join(name)
    };
    let text = std::fs::read(dir.join("reference.json")).expect("reference.json");
    let Json::Object(reference) = serde_json::from_slice(&text).expect("JSON") else {
        panic!("reference.json is not an object");
    };
    for (sample, expected) in &reference {
        let data = std::fs::read(dir.join(format!("{sample}.bin"))).expect("sample");
        let md5: String = Md5::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            md5,
            expected["md5"].as_str().unwrap(),
            "{sample}: bytes differ from the record"
        );
    }
    (dir, reference)
}

/// Compares `data` parsed by module `name` with YARA-X's `expected`
/// output and function results, into `tally` under `label`.
fn compare_one(name: &str, data: &[u8], expected: &Json, label: &str, tally: &mut Tally) {
    compare_module(name, data, &expected["module"], &expected["calls"], label, tally);
}

fn report(what: &str, files: usize, tally: &Tally) {
    print_tally(&format!("{what}: {files} files"), tally);
    assert!(tally.mismatches.is_empty(), "{} fields differ from YARA-X", tally.mismatches.len());
}

/// The differential test of module `name` over its synthetic samples.
fn matches_yara_x_on_samples(name: &str, min_samples: usize, min_values: usize) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let (dir, reference) = samples(name, scratch.path());
    let mut tally = Tally::default();
    for (sample, expected) in &reference {
        let data = std::fs::read(dir.join(format!("{sample}.bin"))).unwrap();
        compare_one(name, &data, expected, sample, &mut tally);
    }
    report(name, reference.len(), &tally);
    assert!(reference.len() >= min_samples && tally.compared >= min_values, "too little compared");
}

/// Module `name` over mutants of the recorded samples in
/// tests/data/`samples`: no panic, none slow.
pub(crate) fn survives_mutants(name: &str, samples: &str, seed: u64) {
    let iterations: usize =
        std::env::var("SPOOR_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let seeds = recorded_samples(samples);
    let module = module(name);
    let mut rng = Rng(seed);
    let mut slowest = Duration::ZERO;
    for i in 0..iterations {
        let input = mutate(&seeds[i % seeds.len()].1, &mut rng);
        let start = CpuClock::now();
        let parsed = module.parse(&input);
        let _ = spoor::modules::dump::to_json(&parsed.value, &Type::Struct(module.declaration()));
        let took = start.elapsed();
        assert!(took < TIME_LIMIT, "{name} input {i} took {took:?}");
        slowest = slowest.max(took);
    }
    eprintln!("{iterations} mutated {name} files, slowest {slowest:?}");
}

/// YARA-X's outputs of module `name` for `files`, by path, through the
/// script's `--dump`.
fn yara_x_outputs(name: &str, files: &[PathBuf]) -> serde_json::Map<String, Json> {
    let output = Command::new("python3")
        .arg(script())
        .args(["--dump", name])
        .args(files)
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    match serde_json::from_slice(&output.stdout).expect("JSON") {
        Json::Object(outputs) => outputs,
        other => panic!("not an object: {other}"),
    }
}

/// A known difference from YARA-X (docs/differences.md): why `expected`,
/// YARA-X's output for `data`, may differ from spoor's, or `None`.
type Excuse = fn(data: &[u8], expected: &Json) -> Option<&'static str>;

/// Module `name` against YARA-X on `files`. Files that differ are kept in
/// the temporary directory for a look (their paths are in the report);
/// files `excuse` explains are counted apart, not compared.
fn matches_yara_x_on_files(name: &str, what: &str, files: &[PathBuf], excuse: Excuse) {
    let outputs = yara_x_outputs(name, files);
    let mut tally = Tally::default();
    let mut excused: std::collections::BTreeMap<&str, usize> = Default::default();
    let kept = std::env::temp_dir().join(format!("spoor-{name}-mismatches"));
    for file in files {
        let label = file.display().to_string();
        let expected = serde_json::json!({ "module": outputs[&label] });
        if let Some(why) = excuse(&std::fs::read(file).unwrap(), &expected["module"]) {
            *excused.entry(why).or_default() += 1;
            continue;
        }
        let before = tally.mismatches.values().map(Vec::len).sum::<usize>();
        compare_one(name, &std::fs::read(file).unwrap(), &expected, &label, &mut tally);
        if tally.mismatches.values().map(Vec::len).sum::<usize>() > before {
            std::fs::create_dir_all(&kept).unwrap();
            let _ = std::fs::copy(file, kept.join(file.file_name().unwrap()));
        }
    }
    for (why, n) in &excused {
        eprintln!("{what}: {n} file(s) not compared: {why}");
    }
    report(what, files.len(), &tally);
}

/// No known difference.
fn no_excuse(_: &[u8], _: &Json) -> Option<&'static str> {
    None
}

/// Module `name` against YARA-X on mutants of its recorded samples, which
/// reach the error paths the samples were not built for.
fn mutants_match_yara_x(name: &str, seed: u64, excuse: Excuse) {
    const MUTANTS: usize = 2000;
    if !yara_x_at_hand() {
        eprintln!("note: yara_x is not importable; {name} mutants not compared");
        return;
    }
    let seeds = recorded_samples(name);
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng(seed);
    let files: Vec<PathBuf> = (0..MUTANTS)
        .map(|i| {
            let path = scratch.path().join(format!("{i}.bin"));
            std::fs::write(&path, mutate(&seeds[i % seeds.len()].1, &mut rng)).unwrap();
            path
        })
        .collect();
    matches_yara_x_on_files(name, &format!("{name} mutants"), &files, excuse);
}

/// The recorded samples of module `name`, sorted by path.
fn recorded_samples(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = repo().join("tests/data").join(name);
    let mut seeds: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("recorded samples")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .map(|p| (p.clone(), std::fs::read(p).unwrap()))
        .collect();
    seeds.sort();
    seeds
}

/// `spoor dump --module name file` as JSON.
fn dump(name: &str, file: &Path) -> Json {
    let output = spoor().args(["dump", "--module", name]).arg(file).output().expect("spoor runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// Rule names of `rules` matching files of `dir`, as `rule file` lines.
fn scan(rules: &str, dir: &Path) -> Vec<String> {
    let scratch = tempfile::tempdir().expect("temp dir");
    let path = scratch.path().join("rules.yar");
    std::fs::write(&path, rules).unwrap();
    let output = spoor().arg("scan").arg("--rules").arg(&path).arg(dir).output().expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut hits: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let (rule, file) = l.split_once(' ')?;
            let file = Path::new(file).file_stem()?.to_string_lossy().into_owned();
            Some(format!("{rule} {file}"))
        })
        .collect();
    hits.sort();
    hits
}

mod zip {
    use super::*;
    use crate::util::artifacts;

    #[test]
    fn zip_matches_yara_x_on_built_archives() {
        matches_yara_x_on_samples("zip", 15, 100);
    }

    /// Small jars: a few of the JDK-built Maven repository's, and one made
    /// now with `jar` when the JDK is installed.
    fn jars(dir: &Path) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = walkdir::WalkDir::new("/usr/share/maven-repo")
            .into_iter()
            .flatten()
            .map(|e| e.into_path())
            .filter(|p| p.extension().is_some_and(|x| x == "jar"))
            .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() < 1 << 20))
            .collect();
        found.sort();
        found.truncate(4);
        let content = dir.join("content");
        std::fs::create_dir_all(content.join("pkg")).unwrap();
        std::fs::write(content.join("pkg/Hello.txt"), "hello from a jar\n".repeat(20)).unwrap();
        let jar = dir.join("built.jar");
        let made = Command::new("jar")
            .arg("cf")
            .arg(&jar)
            .arg("-C")
            .arg(&content)
            .arg(".")
            .status()
            .is_ok_and(|s| s.success());
        if made {
            found.push(jar);
        } else {
            eprintln!("note: the JDK's jar tool is absent; no jar built");
        }
        found
    }

    #[test]
    fn zip_matches_yara_x_on_wheels_and_jars() {
        if !yara_x_at_hand() {
            eprintln!("note: yara_x is not importable; live zip comparison skipped");
            return;
        }
        let scratch = tempfile::tempdir().expect("temp dir");
        let mut files = artifacts::fetch_wheels(scratch.path());
        files.extend(jars(scratch.path()));
        if files.is_empty() {
            eprintln!("note: no wheel or jar at hand; live zip comparison skipped");
            return;
        }
        matches_yara_x_on_files("zip", "wheels and jars", &files, no_excuse);
    }

    #[test]
    fn zip_matches_yara_x_on_mutants() {
        mutants_match_yara_x("zip", 0x21b_0000_1111, no_excuse);
    }

    #[test]
    fn zip_parser_survives_mutated_archives() {
        survives_mutants("zip", "zip", 0x21b_5eed_0000_0001);
    }

    #[test]
    fn dump_lists_duplicate_entries() {
        let json = dump("zip", &repo().join("tests/data/zip/duplicate_names.bin"));
        assert_eq!(json["is_zip"], true);
        let entries = json["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e["file_path"] == "AndroidManifest.xml"));
        assert!(json.get("DEFLATED").is_none(), "constants are not data");
    }

    #[test]
    fn rules_read_zip_entries() {
        let hits = scan(
            r#"import "zip"
rule zip_duplicate_manifest {
  condition: zip.is_zip and
    for 2 e in zip.entries : (e.file_path == "AndroidManifest.xml")
}
rule zip_bzip2 {
  condition: for any e in zip.entries : (e.compression == zip.BZIP2 and e.uncompressed_size > e.compressed_size)
}
rule zip_unknown_method { condition: for any e in zip.entries : (e.compression == zip.UNKNOWN) }
"#,
            &repo().join("tests/data/zip"),
        );
        assert_eq!(
            hits,
            [
                "zip_bzip2 mixed_methods",
                "zip_duplicate_manifest duplicate_names",
                "zip_unknown_method unusual_methods",
            ]
        );
    }
}

mod dex {
    use super::*;

    #[test]
    fn dex_matches_yara_x_on_built_files() {
        matches_yara_x_on_samples("dex", 15, 1000);
    }

    #[test]
    fn dex_matches_yara_x_on_mutants() {
        mutants_match_yara_x("dex", 0xde5_0000_2222, no_excuse);
    }

    #[test]
    fn dex_parser_survives_mutated_files() {
        survives_mutants("dex", "dex", 0xde5_5eed_0000_0002);
    }

    #[test]
    fn dump_shows_classes_and_methods() {
        let json = dump("dex", &repo().join("tests/data/dex/app.bin"));
        assert_eq!(json["is_dex"], true);
        assert_eq!(json["header"]["version"], 35);
        assert_eq!(json["class_defs"][0]["class"], "Lcom/example/Main;");
        assert_eq!(json["methods"][2]["proto"]["parameters"][0], "Ljava/lang/String;");
        assert!(json.get("ACC_PUBLIC").is_none(), "constants are not data");
    }

    #[test]
    fn rules_check_dex_checksums_and_names() {
        let hits = scan(
            r#"import "dex"
rule dex_valid {
  condition: dex.is_dex and dex.header.checksum == dex.checksum()
    and dex.header.signature == dex.signature()
}
rule dex_stale { condition: dex.is_dex and dex.header.checksum != dex.checksum() }
rule dex_pings {
  condition: dex.contains_string("https://example.com/ping")
    and for any c in dex.class_defs : (c.access_flags & dex.ACC_FINAL != 0)
    and dex.map_list.items[0].type == dex.TYPE_HEADER_ITEM
}
"#,
            &repo().join("tests/data/dex"),
        );
        let valid = hits.iter().filter(|h| h.starts_with("dex_valid ")).count();
        assert!(hits.contains(&"dex_stale stale_checksum".to_owned()), "{hits:?}");
        assert!(hits.contains(&"dex_pings app".to_owned()), "{hits:?}");
        assert!(!hits.contains(&"dex_valid stale_checksum".to_owned()), "{hits:?}");
        assert!(valid >= 10, "{hits:?}");
    }
}

mod crx {
    use super::*;

    #[test]
    fn crx_matches_yara_x_on_built_packages() {
        matches_yara_x_on_samples("crx", 20, 300);
    }

    #[test]
    fn crx_matches_yara_x_on_mutants() {
        mutants_match_yara_x("crx", 0xc7_0000_3333, damaged_archive);
    }

    /// A package whose damaged archive YARA-X's older `zip` crate still
    /// opens (finding no manifest in it) and spoor's refuses.
    fn damaged_archive(data: &[u8], expected: &Json) -> Option<&'static str> {
        let spoor_refuses = spoor::modules::dump::dump(module("crx"), data)["is_crx"] == false;
        let yara_x_opens_without_manifest = expected["is_crx"] == true
            && expected.get("name").is_none()
            && expected.get("version").is_none();
        (spoor_refuses && yara_x_opens_without_manifest)
            .then_some("an archive YARA-X's zip crate opens and spoor's refuses")
    }

    #[test]
    fn crx_parser_survives_mutated_packages() {
        survives_mutants("crx", "crx", 0xc7_5eed_0000_0003);
    }

    #[test]
    fn dump_shows_signatures_and_permissions() {
        let json = dump("crx", &repo().join("tests/data/crx/crx3_rsa_and_ecdsa.bin"));
        assert_eq!(json["is_crx"], true);
        assert_eq!(json["crx_version"], 3);
        assert_eq!(json["permissions"], serde_json::json!(["storage", "tabs", "scripting"]));
        let verified: Vec<&Json> = json["signatures"]
            .as_array()
            .expect("signatures")
            .iter()
            .map(|s| &s["verified"])
            .collect();
        assert_eq!(verified, [&Json::Bool(true); 3]);
    }

    #[test]
    fn rules_read_crx_manifests_and_signatures() {
        let hits = scan(
            r#"import "crx"
rule crx_tampered {
  condition: crx.is_crx and for any s in crx.signatures : (not s.verified)
}
rule crx_localized { condition: crx.name == "Extension de test" and crx.raw_name == "__MSG_appName__" }
rule crx_tabs {
  condition: crx.crx_version == 2 and for any p in crx.permissions : (p == "tabs")
    and crx.permhash() == "70a32d39253b2020734f8eb349b16a30fbcef5d8d1d54604b5b38a8fc2810388"
}
"#,
            &repo().join("tests/data/crx"),
        );
        assert_eq!(
            hits,
            [
                "crx_localized crx3_locale_en_default",
                "crx_localized crx3_locale_fr",
                "crx_tabs crx2_modified_archive",
                "crx_tabs crx2_rsa",
                "crx_tampered crx2_modified_archive",
                "crx_tampered crx3_bad_signatures",
            ]
        );
    }
}
