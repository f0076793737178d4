//! The `olecf` and `vba` modules against olefile and oletools.
//!
//! YARA-X 1.23 on PyPI has neither module, so the references are
//! olefile's directory listing and olevba's project parse, computed live
//! by scripts/ole_reference.py over files it makes now: Word and Excel
//! documents written by LibreOffice headless, HWP-shaped compound files,
//! and VBA projects written from [MS-OVBA] (Word, Excel and bare layouts,
//! version 3 and 4 compound files, a `.docm` package). Without python3,
//! olefile or oletools the comparison is skipped with a note, and fails
//! under CI. Both modules also run over 100,000 mutants of the seeds in
//! tests/data/olecf, which must neither panic nor take over 100 ms each.

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;
use spoor::modules;

use crate::modules_formats::survives_mutants;
use crate::util::{repo, scan_output, spoor};

/// Whether python3 can import olefile and oletools; under CI they must.
fn references_at_hand() -> bool {
    let imports = ["-c", "import olefile, oletools.olevba"];
    let ok = Command::new("python3").args(imports).output().is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "python3 with olefile and oletools is needed under CI (.ci/run installs them)"
    );
    if !ok {
        eprintln!("note: olefile or oletools is not importable; comparison skipped");
    }
    ok
}

/// The samples scripts/ole_reference.py makes in `dir`, with its
/// reference.json.
fn samples(dir: &Path) -> serde_json::Map<String, Json> {
    let status = Command::new("python3")
        .arg(repo().join("scripts/ole_reference.py"))
        .arg(dir)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "ole_reference.py failed");
    let text = std::fs::read(dir.join("reference.json")).expect("reference.json");
    let Json::Object(reference) = serde_json::from_slice(&text).expect("JSON") else {
        panic!("reference.json is not an object");
    };
    reference
}

/// Values compared and those that differ, as `file: what: spoor vs reference`.
#[derive(Default)]
struct Comparison {
    values: usize,
    mismatches: Vec<String>,
}

impl Comparison {
    fn check(&mut self, file: &str, what: &str, spoor: &Json, reference: &Json) {
        self.values += 1;
        if spoor != reference {
            self.mismatches.push(format!("{file}: {what}: {spoor} vs {reference}"));
        }
    }

    /// The array `name` of `spoor` against `expected`, element by element,
    /// on `fields`.
    fn check_list(
        &mut self,
        file: &str,
        name: &str,
        spoor: &Json,
        expected: &[Json],
        fields: &[&str],
    ) {
        let found = spoor[name].as_array().map_or(0, Vec::len);
        self.check(file, &format!("#{name}"), &found.into(), &expected.len().into());
        for (i, element) in expected.iter().enumerate() {
            for field in fields {
                let what = format!("{name}[{i}].{field}");
                self.check(file, &what, &spoor[name][i][*field], &element[*field]);
            }
        }
    }
}

/// Module `name` on every sample against the sample's reference: `check`
/// compares one file's dump with its reference.json entry. Returns the
/// samples' names, or `None` when the references are not at hand.
fn compare(
    name: &str,
    min_values: usize,
    check: fn(&mut Comparison, &str, &Json, &Json),
) -> Option<Vec<String>> {
    if !references_at_hand() {
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let reference = samples(dir.path());
    let module = modules::find(name).expect("registered").1;
    let mut comparison = Comparison::default();
    for (file, expected) in &reference {
        let data = std::fs::read(dir.path().join(file)).expect("sample");
        check(&mut comparison, file, &modules::dump::dump(module, &data), expected);
    }
    eprintln!(
        "{name}: {} files, {} values, {} differ",
        reference.len(),
        comparison.values,
        comparison.mismatches.len()
    );
    assert!(comparison.mismatches.is_empty(), "{}", comparison.mismatches.join("\n"));
    assert!(comparison.values >= min_values, "only {} values compared", comparison.values);
    Some(reference.keys().cloned().collect())
}

#[test]
fn olecf_matches_olefile() {
    let checked = compare("olecf", 400, |comparison, file, spoor, expected| {
        let expected = &expected["olecf"];
        comparison.check(file, "is_olecf", &spoor["is_olecf"], &expected["is_olecf"]);
        if let Some(streams) = expected["streams"].as_array() {
            comparison.check_list(file, "streams", spoor, streams, &["name", "type", "size"]);
        }
    });
    if checked.is_some_and(|files| !files.iter().any(|f| f.ends_with(".doc"))) {
        assert!(std::env::var_os("CI").is_none(), "soffice is needed under CI");
        eprintln!("note: soffice is not installed; no LibreOffice documents compared");
    }
}

#[test]
fn vba_matches_oletools() {
    compare("vba", 150, |comparison, file, spoor, expected| {
        let vba = &expected["vba"];
        comparison.check(file, "has_macros", &spoor["has_macros"], &vba["has_macros"]);
        if vba["has_macros"] != true {
            return;
        }
        let info = &spoor["project_info"];
        comparison.check(file, "project_info.name", &info["name"], &vba["name"]);
        comparison.check(file, "module_count", &info["module_count"], &vba["module_count"]);
        let written = &expected["written"];
        comparison.check(file, "version", &info["version"], &written["version"]);
        comparison.check(file, "references", &info["references"], &written["references"]);
        let modules = vba["modules"].as_array().map_or(&[][..], Vec::as_slice);
        comparison.check_list(file, "modules", spoor, modules, &["name", "type", "code"]);
    });
}

#[test]
fn olecf_survives_mutated_files() {
    survives_mutants("olecf", "olecf", 0x01ec_5eed_0000_0004);
}

#[test]
fn vba_survives_mutated_files() {
    survives_mutants("vba", "olecf", 0x0bad_5eed_0000_0005);
}

#[test]
fn dump_and_rules_read_both_modules() {
    let file = repo().join("tests/data/olecf/word_macros.bin");
    for (module, key) in [("olecf", "streams"), ("vba", "modules")] {
        let output = spoor().args(["dump", "--module", module]).arg(&file).output().expect("runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let json: Json = serde_json::from_slice(&output.stdout).expect("JSON");
        assert!(json[key].as_array().is_some_and(|a| !a.is_empty()), "{module}: {json}");
    }
    let rules = r#"
        import "olecf"
        import "vba"
        rule word_project {
            condition:
                for any s in olecf.streams : (s.name == "dir" and s.type == olecf.StreamType.STREAM)
                and vba.project_info.name == "Project"
                and for any m in vba.modules : (
                    m.type == vba.MODULE_TYPE_CLASS and m.code contains "MsgBox \"Hello, world!\""
                )
        }
        rule no_project { condition: not vba.has_macros }
    "#;
    let output = scan_output(rules, &file);
    assert!(output.contains("word_project"), "{output}");
    assert!(!output.contains("no_project"), "{output}");
    let hwp = repo().join("tests/data/olecf/hwp_1.bin");
    assert!(scan_output(rules, &hwp).contains("no_project"));
}
