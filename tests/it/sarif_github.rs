//! SARIF that GitHub code scanning ingests (issue 11, acceptance 4): a scan
//! hitting plain files and archive members, by relative and absolute path,
//! passes the SARIF Multitool's GitHub and SARIF rules with 0 errors, and
//! fingerprints are the same across runs. `--baseline` marks results new,
//! unchanged or absent, and `--fail-on new` fails only on new ones.
//!
//! The Multitool is the npm package `@microsoft/sarif-multitool`: found in
//! npm's global tree, else installed into `target/` with npm; without npm
//! the validation is skipped with a note.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{repo, samples, spoor};

/// Where the npm package keeps the native Multitool, below a `node_modules`.
const TOOL_PATHS: [&str; 2] = [
    "@microsoft/sarif-multitool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
    "@microsoft/sarif-multitool-linux/Sarif.Multitool",
];

/// The Multitool binary, installing it with npm when needed; `None` with a
/// note when npm is missing or the install fails.
fn multitool() -> Option<PathBuf> {
    let npm_root = Command::new("npm").args(["root", "-g"]).output().ok()?;
    let global = PathBuf::from(String::from_utf8_lossy(&npm_root.stdout).trim());
    let local = repo().join("target/sarif-multitool");
    let find = || {
        [global.clone(), local.join("node_modules")]
            .iter()
            .flat_map(|root| TOOL_PATHS.iter().map(move |p| root.join(p)))
            .find(|p| p.is_file())
    };
    let tool = find().or_else(|| {
        let installed = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&local)
            .arg("@microsoft/sarif-multitool")
            .status()
            .is_ok_and(|s| s.success());
        if installed { find() } else { None }
    });
    let Some(tool) = tool else {
        eprintln!("note: @microsoft/sarif-multitool could not be found or installed; skipped");
        return None;
    };
    // npm does not run the package's postinstall step that marks it executable.
    use std::os::unix::fs::PermissionsExt as _;
    let _ = std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755));
    Some(tool)
}

/// The bundled samples' positives: two plain files and a zip of all.
fn targets(dir: &Path) {
    let recipes = samples::recipes();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, recipe) in recipes.iter().enumerate() {
        let name = format!("bin/{n:02}.exe");
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&recipe.positive()).unwrap();
    }
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    std::fs::write(dir.join("dist/app.zip"), zip.finish().unwrap().into_inner()).unwrap();
    std::fs::write(dir.join("dist/plain a.exe"), recipes[0].positive()).unwrap();
    std::fs::write(dir.join("abs.exe"), recipes[1].positive()).unwrap();
}

/// `spoor scan --format sarif -s` in `dir` over the relative `dist` and
/// the absolute `abs.exe`; the log and the exit status.
fn scan(dir: &Path, extra: &[&str]) -> (Value, Option<i32>) {
    let output = spoor()
        .current_dir(dir)
        .args(["scan", "--format", "sarif", "-s", "-p", "2"])
        .args(extra)
        .arg("dist")
        .arg(dir.join("abs.exe"))
        .output()
        .unwrap();
    let log = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (log, output.status.code())
}

fn fingerprints(log: &Value) -> BTreeSet<String> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"]["spoorRuleAndPath/v1"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn members_and_absolute_paths_are_artifacts_github_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().canonicalize().unwrap();
    targets(&dir);
    let (log, status) = scan(&dir, &[]);
    assert_eq!(status, Some(1));
    let run = &log["runs"][0];
    let artifacts = run["artifacts"].as_array().unwrap();
    let uris: Vec<&str> =
        artifacts.iter().map(|a| a["location"]["uri"].as_str().unwrap()).collect();
    assert!(uris.contains(&"dist/app.zip"), "{uris:?}");
    assert!(uris.contains(&"dist/plain%20a.exe"), "{uris:?}");
    let absolute = format!("file://{}", dir.join("abs.exe").display());
    assert!(uris.contains(&absolute.as_str()), "{uris:?}");
    let zip_index = uris.iter().position(|u| *u == "dist/app.zip").unwrap();
    let member = artifacts.iter().find(|a| a["location"]["uri"] == "bin/00.exe").unwrap();
    assert_eq!(member["parentIndex"], zip_index);
    let in_member = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bin/00.exe")
        .expect("a result in a member");
    let index = in_member["locations"][0]["physicalLocation"]["artifactLocation"]["index"].clone();
    assert_eq!(artifacts[usize::try_from(index.as_u64().unwrap()).unwrap()], *member);
    assert_eq!(in_member["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(rule[key]["text"].as_str().is_some_and(|t| !t.is_empty()), "{key}: {rule}");
        }
    }
    let (again, _) = scan(&dir, &[]);
    assert_eq!(fingerprints(&log), fingerprints(&again), "fingerprints are stable");
    assert_eq!(fingerprints(&log).len(), run["results"].as_array().unwrap().len());

    let (based, _) = scan(&dir, &["--sarif-base", dir.to_str().unwrap()]);
    let based_run = &based["runs"][0];
    let base_uri = format!("file://{}/", dir.display());
    assert_eq!(based_run["originalUriBaseIds"]["%SRCROOT%"]["uri"], base_uri);
    let abs = based_run["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["location"]["uri"] == "abs.exe")
        .expect("the absolute path below the base is relative to it");
    assert_eq!(abs["location"]["uriBaseId"], "%SRCROOT%");

    let Some(tool) = multitool() else { return };
    let logs = dir.join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("plain.sarif"), serde_json::to_vec(&log).unwrap()).unwrap();
    std::fs::write(logs.join("based.sarif"), serde_json::to_vec(&based).unwrap()).unwrap();
    let output = Command::new(&tool)
        .current_dir(&logs)
        .args(["validate", "--rule-kind", "Gh;Sarif", "plain.sarif", "based.sarif"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    let errors: Vec<&str> = report.lines().filter(|l| l.contains(": error ")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(report.contains("2 files scanned"), "{report}");
}

#[test]
fn a_baseline_marks_results_and_fail_on_new_ignores_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().canonicalize().unwrap();
    targets(&dir);
    let (old, _) = scan(&dir, &[]);
    let old_path = dir.join("old.sarif");
    std::fs::write(&old_path, serde_json::to_vec(&old).unwrap()).unwrap();
    let baseline = ["--baseline", old_path.to_str().unwrap(), "--fail-on", "new"];

    let (same, status) = scan(&dir, &baseline);
    assert_eq!(status, Some(0), "nothing new");
    let states: BTreeSet<&str> = same["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(states, BTreeSet::from(["unchanged"]));

    std::fs::remove_file(dir.join("dist/plain a.exe")).unwrap();
    std::fs::write(dir.join("dist/new.exe"), samples::recipes()[2].positive()).unwrap();
    let (changed, status) = scan(&dir, &baseline);
    assert_eq!(status, Some(1), "a new finding fails");
    let state_of = |needle: &str| -> BTreeSet<String> {
        changed["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["message"]["text"].as_str().unwrap().contains(needle))
            .map(|r| r["baselineState"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(state_of("new.exe"), BTreeSet::from(["new".to_owned()]));
    assert_eq!(state_of("plain a.exe"), BTreeSet::from(["absent".to_owned()]));
    assert_eq!(state_of("app.zip!"), BTreeSet::from(["unchanged".to_owned()]));
}
