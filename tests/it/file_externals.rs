//! Per-file externals as THOR and LOKI set them (issue 11): `filename`,
//! `filepath`, `extension`, `filetype` and `owner` take each file's and
//! each archive member's values when no `--define` gives one, so the
//! signature-base rules written for those scanners work unchanged.

use std::collections::BTreeSet;
use std::io::{Cursor, Write};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::{signature_base, spoor};

/// (reported path below the scanned directory, rule) pairs.
type Pairs = BTreeSet<(String, String)>;

/// Writes `files` below `dir`.
fn write_files(dir: &Path, files: &[(&str, Vec<u8>)]) {
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Scans `dir` with `rules` and `extra` arguments: the (path, rule) pairs,
/// a member named as in the text format (`pkg.zip!bin/a.exe`).
fn scan_pairs(dir: &Path, rules: &Path, extra: &[&str]) -> Pairs {
    let output = spoor()
        .args(["scan", "--format", "json", "--rules"])
        .arg(rules)
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut pairs = Pairs::new();
    for file in report["files"].as_array().unwrap() {
        let path = Path::new(file["path"].as_str().unwrap()).strip_prefix(dir).unwrap();
        let mut name = path.to_string_lossy().into_owned();
        for member in file["member"].as_array().into_iter().flatten() {
            name = format!("{name}!{}", member.as_str().unwrap());
        }
        for found in file["matches"].as_array().unwrap() {
            let _ = pairs.insert((name.clone(), found["rule"].as_str().unwrap().to_owned()));
        }
    }
    pairs
}

fn pairs(list: &[(&str, &str)]) -> Pairs {
    list.iter().map(|&(p, r)| (p.to_owned(), r.to_owned())).collect()
}

/// The user running the tests, who owns the files they write.
fn current_user() -> Option<String> {
    let output = Command::new("id").arg("-un").output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[test]
fn each_external_takes_the_value_of_each_file_and_member() {
    let Some(user) = current_user() else {
        eprintln!("note: `id -un` does not run, test skipped");
        return;
    };
    let rules = format!(
        r#"
rule named_setup {{ condition: filename == "setup.exe" }}
rule in_bin {{ condition: filepath endswith "bin" }}
rule a_dll {{ condition: extension == ".dll" }}
rule an_elf {{ condition: filetype == "ELF" }}
rule mine {{ condition: owner == "{user}" and filetype != "ZIP" }}
"#
    );
    let elf = b"\x7fELF\x02\x01\x01".to_vec();
    let members =
        [("bin/setup.exe", b"plain".to_vec()), ("x/A.DLL", b"plain".to_vec()), ("e", elf.clone())];
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write_files(
        &tree,
        &[
            ("bin/setup.exe", b"plain".to_vec()),
            ("lib/A.DLL", b"plain".to_vec()),
            ("lib/setup.exe.txt", b"plain".to_vec()),
            ("elfy", elf),
            ("pkg.zip", zip_of(&members)),
        ],
    );
    let rule_file = dir.path().join("vars.yar");
    std::fs::write(&rule_file, rules).unwrap();
    let found = scan_pairs(&tree, &rule_file, &[]);
    let expected = pairs(&[
        ("bin/setup.exe", "named_setup"),
        ("bin/setup.exe", "in_bin"),
        ("bin/setup.exe", "mine"),
        ("lib/A.DLL", "a_dll"),
        ("lib/A.DLL", "mine"),
        ("lib/setup.exe.txt", "mine"),
        ("elfy", "an_elf"),
        ("elfy", "mine"),
        ("pkg.zip!bin/setup.exe", "named_setup"),
        ("pkg.zip!bin/setup.exe", "in_bin"),
        ("pkg.zip!bin/setup.exe", "mine"),
        ("pkg.zip!x/A.DLL", "a_dll"),
        ("pkg.zip!x/A.DLL", "mine"),
        ("pkg.zip!e", "an_elf"),
        ("pkg.zip!e", "mine"),
    ]);
    assert_eq!(found, expected);

    // A definition wins over the file's own value.
    let defined = scan_pairs(&tree, &rule_file, &["--define", "filename=setup.exe"]);
    let named: BTreeSet<&str> =
        defined.iter().filter(|(_, r)| r == "named_setup").map(|(p, _)| p.as_str()).collect();
    assert_eq!(named.len(), 8, "every file and member: {named:?}");
}

#[test]
fn signature_base_rules_for_thor_work_without_define() {
    let Some(corpus) = signature_base() else { return };
    let rules = corpus.join("yara_mixed_ext_vars.yar");
    let check = spoor().arg("check").arg(&rules).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));

    let scriptlet =
        b"<?XML version=\"1.0\"?><scriptlet> new ActiveXObject(\"WScript.Shell\")".to_vec();
    let mz = b"MZ\x90\x00 cloaked".to_vec();
    let blocked = b"<html>Web Filter Violation</html>".to_vec();
    let dir = tempfile::tempdir().unwrap();
    let bundle = zip_of(&[
        ("Temporary Internet Files/b.sct", scriptlet.clone()),
        ("sub/Thumbs.db", mz.clone()),
        ("sub/NOTE.EXE", blocked.clone()),
    ]);
    write_files(
        dir.path(),
        &[
            ("cache/Temporary Internet Files/a.sct", scriptlet.clone()),
            ("elsewhere/a.sct", scriptlet),
            ("Thumbs.db", mz.clone()),
            ("other.db", mz),
            ("note.exe", blocked.clone()),
            ("note.txt", blocked),
            ("bundle.zip", bundle),
        ],
    );
    let watched = [
        "SCT_Scriptlet_in_Temp_Inet_Files",
        "Exe_Cloaked_as_ThumbsDb",
        "SUSP_Blocked_Download_Proxy_Replacement_Jan23_1",
    ];
    let found: Pairs = scan_pairs(dir.path(), &rules, &[])
        .into_iter()
        .filter(|(_, rule)| watched.contains(&rule.as_str()))
        .collect();
    let expected = pairs(&[
        ("cache/Temporary Internet Files/a.sct", watched[0]),
        ("Thumbs.db", watched[1]),
        ("note.exe", watched[2]),
        ("bundle.zip!Temporary Internet Files/b.sct", watched[0]),
        ("bundle.zip!sub/Thumbs.db", watched[1]),
        ("bundle.zip!sub/NOTE.EXE", watched[2]),
    ]);
    assert_eq!(found, expected);
}
