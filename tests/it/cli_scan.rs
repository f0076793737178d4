//! `spoor scan` through the real binary: every output format, every exit
//! status, path lists on standard input, and files that cannot be scanned.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const RULES: &str = r#"
rule has_marker : demo {
    meta:
        author = "spoor tests"
        level = 3
    strings:
        $m = "SPOOR-MARKER"
    condition:
        $m
}

rule starts_with_mz {
    condition:
        uint16(0) == 0x5A4D
}
"#;

/// A temporary tree with a rule file and inputs.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Self {
        let tree = Self { dir: tempfile::tempdir().unwrap() };
        tree.write("rules.yar", RULES.as_bytes());
        tree.write("data/clean.txt", b"nothing to see here");
        tree.write("data/hit.bin", b"xx SPOOR-MARKER xx SPOOR-MARKER");
        tree.write("data/sub/mz.exe", b"MZ\x90\x00 SPOOR-MARKER");
        tree
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, bytes: &[u8]) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn scan(&self, extra: &[&str], targets: &[&Path]) -> Output {
        self.command(extra, targets).output().unwrap()
    }

    fn command(&self, extra: &[&str], targets: &[&Path]) -> Command {
        let mut cmd = crate::util::spoor();
        cmd.arg("scan").arg("--rules").arg(self.path("rules.yar")).args(extra).args(targets);
        cmd
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

fn ndjson(output: &Output) -> Vec<Value> {
    // The last line of an attributing scan is the summary, not a file.
    let text = stdout(output);
    let files = text.lines().filter(|l| !l.starts_with("{\"summary\""));
    files.map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn text_output_is_rule_then_path_and_exit_is_1_on_a_match() {
    let tree = Tree::new();
    let data = tree.path("data");
    let output = tree.scan(&[], &[&data]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let d = data.display();
    assert_eq!(
        sorted_lines(&stdout(&output)),
        [
            format!("has_marker {d}/hit.bin"),
            format!("has_marker {d}/sub/mz.exe"),
            format!("starts_with_mz {d}/sub/mz.exe"),
        ]
    );
}

#[test]
fn text_extras_print_tags_meta_and_strings() {
    let tree = Tree::new();
    let hit = tree.path("data/hit.bin");
    let output = tree.scan(&["-g", "-m", "-s"], &[&hit]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        format!(
            "has_marker [demo] [author=\"spoor tests\",level=3] {}\n\
             0x3:$m: SPOOR-MARKER\n0x13:$m: SPOOR-MARKER\n",
            hit.display()
        )
    );
}

#[test]
fn no_match_exits_0_and_prints_nothing() {
    let tree = Tree::new();
    let clean = tree.path("data/clean.txt");
    for format in ["text", "ndjson"] {
        let output = tree.scan(&["--format", format], &[&clean]);
        assert_eq!(output.status.code(), Some(0), "{format}");
        assert_eq!(stdout(&output), "", "{format}");
    }
}

#[test]
fn ndjson_has_one_object_per_matching_file_with_strings_on_request() {
    let tree = Tree::new();
    let data = tree.path("data");
    let output = tree.scan(&["--format", "ndjson", "--print-strings"], &[&data]);
    assert_eq!(output.status.code(), Some(1));
    let mut objects = ndjson(&output);
    objects.sort_by_key(|o| o["path"].as_str().unwrap().to_owned());
    assert_eq!(objects.len(), 2);
    let hit = &objects[0];
    assert_eq!(hit["path"], tree.path("data/hit.bin").to_str().unwrap());
    let m = &hit["matches"][0];
    assert_eq!(m["rule"], "has_marker");
    assert_eq!(m["namespace"], "default");
    assert_eq!(m["tags"], serde_json::json!(["demo"]));
    assert_eq!(m["meta"], serde_json::json!({"author": "spoor tests", "level": 3}));
    assert_eq!(
        m["strings"],
        serde_json::json!([
            {"id": "$m", "offset": 3, "length": 12},
            {"id": "$m", "offset": 19, "length": 12}
        ])
    );
    let rules: Vec<&str> = objects[1]["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["has_marker", "starts_with_mz"]);
}

#[test]
fn json_is_one_document_with_every_file_and_a_summary() {
    let tree = Tree::new();
    let data = tree.path("data");
    let output = tree.scan(&["--format", "json"], &[&data]);
    assert_eq!(output.status.code(), Some(1));
    let doc: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(doc["files"].as_array().unwrap().len(), 3, "clean files are listed too");
    assert_eq!(doc["errors"], serde_json::json!([]));
    let summary = &doc["summary"];
    assert_eq!(summary["files_scanned"], 3);
    assert_eq!(summary["matches"], 3);
    let bytes: u64 = ["data/clean.txt", "data/hit.bin", "data/sub/mz.exe"]
        .iter()
        .map(|f| fs::metadata(tree.path(f)).unwrap().len())
        .sum();
    assert_eq!(summary["bytes"], bytes);
    assert!(summary["seconds"].as_f64().unwrap() >= 0.0);
}

#[test]
fn paths_can_come_from_standard_input() {
    let tree = Tree::new();
    let mut child = tree
        .command(&["--format", "ndjson"], &[Path::new("-")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let list = format!(
        "{}\n{}\n",
        tree.path("data/clean.txt").display(),
        tree.path("data/hit.bin").display()
    );
    child.stdin.take().unwrap().write_all(list.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let objects = ndjson(&output);
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["path"], tree.path("data/hit.bin").to_str().unwrap());
}

#[test]
fn a_missing_file_is_reported_exits_2_and_the_scan_goes_on() {
    let tree = Tree::new();
    let missing = tree.path("data/missing.bin");
    let hit = tree.path("data/hit.bin");
    let output = tree.scan(&["--format", "ndjson"], &[&missing, &hit]);
    assert_eq!(output.status.code(), Some(2), "an error wins over a match");
    let objects = ndjson(&output);
    assert_eq!(objects.len(), 2);
    let error = objects.iter().find(|o| o.get("error").is_some()).unwrap();
    assert_eq!(error["path"], missing.to_str().unwrap());
    assert!(
        objects.iter().any(|o| o["path"] == hit.to_str().unwrap() && o.get("matches").is_some())
    );
}

#[test]
fn an_unreadable_file_is_reported_in_text_mode_on_stderr() {
    let tree = Tree::new();
    // As root, permissions do not stop a read, but sysfs refuses to open
    // a write-only attribute (every bus has a `--w-------` uevent), and it
    // is a regular file to stat. (/proc files are read as empty, as YARA
    // reads them, so they no longer serve.)
    let unreadable = if is_root() {
        PathBuf::from("/sys/bus/cpu/uevent")
    } else {
        use std::os::unix::fs::PermissionsExt as _;
        let path = tree.path("data/locked.bin");
        tree.write("data/locked.bin", b"x");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
        path
    };
    let clean = tree.path("data/clean.txt");
    let output = tree.scan(&[], &[&unreadable, &clean]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("error: {}", unreadable.display())), "{stderr}");
}

fn is_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

#[test]
fn a_symlink_loop_is_reported_and_the_rest_is_scanned() {
    let tree = Tree::new();
    std::os::unix::fs::symlink(tree.path("data"), tree.path("data/sub/loop")).unwrap();
    let data = tree.path("data");
    let output = tree.scan(&["--format", "ndjson", "--follow-symlinks"], &[&data]);
    assert_eq!(output.status.code(), Some(2));
    let objects = ndjson(&output);
    let errors: Vec<&Value> = objects.iter().filter(|o| o.get("error").is_some()).collect();
    assert_eq!(errors.len(), 1, "{objects:?}");
    assert!(errors[0]["error"].as_str().unwrap().contains("loop"));
    assert_eq!(objects.iter().filter(|o| o.get("matches").is_some()).count(), 2);

    // Without --follow-symlinks the link is not entered: no error at all.
    let output = tree.scan(&["--format", "ndjson"], &[&data]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_file_truncated_while_it_is_scanned_does_not_crash_the_scan() {
    let tree = Tree::new();
    // Large enough to be memory-mapped, and a pattern that makes the scan
    // walk every page.
    let big = tree.path("big.bin");
    let mut data = vec![b'A'; 96 << 20];
    data[(96 << 20) - 12..].copy_from_slice(b"SPOOR-MARKER");
    fs::write(&big, &data).unwrap();
    drop(data);
    for delay_ms in [0, 2, 10, 40] {
        let child =
            tree.command(&["--format", "ndjson"], &[&big]).stdout(Stdio::piped()).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        fs::OpenOptions::new().write(true).open(&big).unwrap().set_len(4096).unwrap();
        let output = child.wait_with_output().unwrap();
        // Killed by SIGBUS would give no exit code at all.
        let code = output.status.code();
        assert!(matches!(code, Some(0..=2)), "delay {delay_ms} ms: {output:?}");
        if code == Some(2) {
            let objects = ndjson(&output);
            assert!(objects.iter().any(|o| o.get("error").is_some()), "{objects:?}");
        }
        fs::write(&big, vec![b'A'; 96 << 20]).unwrap();
    }
}

#[test]
fn output_goes_to_a_file_when_asked() {
    let tree = Tree::new();
    let report = tree.path("report.ndjson");
    let hit = tree.path("data/hit.bin");
    let output = tree.scan(&["--format", "ndjson", "--output", report.to_str().unwrap()], &[&hit]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(fs::read_to_string(report).unwrap().lines().count(), 1);
}

#[test]
fn a_bad_rule_file_exits_2_with_a_located_diagnostic() {
    let tree = Tree::new();
    tree.write("rules.yar", b"rule broken { condition: $nope }\n");
    let output = tree.scan(&[], &[&tree.path("data")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rules.yar:1:"), "{stderr}");
}

#[test]
fn fail_on_none_keeps_exit_0_despite_matches() {
    let tree = Tree::new();
    let hit = tree.path("data/hit.bin");
    let output = tree.scan(&["--fail-on", "none"], &[&hit]);
    assert_eq!(output.status.code(), Some(0));
    assert!(!stdout(&output).is_empty());
}

#[test]
fn a_timeout_is_a_per_file_error() {
    let tree = Tree::new();
    tree.write(
        "rules.yar",
        b"rule slow { condition: for all i in (0..filesize) : (for all j in (0..filesize) : (uint8(i) != 0xFF)) }\n",
    );
    tree.write("data/big.bin", &vec![0u8; 1 << 20]);
    let output =
        tree.scan(&["--timeout", "1", "--format", "ndjson"], &[&tree.path("data/big.bin")]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let objects = ndjson(&output);
    assert!(objects[0]["error"].as_str().unwrap().contains("time"), "{objects:?}");
}

const ATTRIBUTED_RULE: &str = r#"
rule spoor_test_rokrat_marker {
    meta:
        actor = "scarcruft"
        family = "rokrat"
        confidence = "low"
        reference = "https://example.org/report"
        description = "test rule"
    strings:
        $m = "SPOOR-MARKER"
    condition:
        $m
}
"#;

#[test]
fn actor_filter_resolves_aliases_and_rejects_unknown_names() {
    let tree = Tree::new();
    tree.write("rules.yar", ATTRIBUTED_RULE.as_bytes());
    let hit = tree.path("data/hit.bin");
    for name in ["scarcruft", "APT37", "apt 37", "ScarCruft"] {
        let output = tree.scan(&["--format", "ndjson", "--actor", name], &[&hit]);
        assert_eq!(output.status.code(), Some(1), "{name}");
        let objects = ndjson(&output);
        assert_eq!(objects[0]["attribution"][0]["actor"], "scarcruft", "{name}");
        assert_eq!(objects[0]["attribution"][0]["score"], 0.3, "scores have no float noise");
    }
    let output = tree.scan(&["--format", "ndjson", "--actor", "lazarus"], &[&hit]);
    assert_eq!(output.status.code(), Some(0), "a hit of another actor is filtered out");
    assert_eq!(stdout(&output), "");
    let output = tree.scan(&["--actor", "nosuch"], &[&hit]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no actor profile `nosuch`"));
}

#[test]
fn fail_on_actor_ignores_unattributed_hits() {
    let tree = Tree::new();
    let hit = tree.path("data/hit.bin");
    let output = tree.scan(&["--fail-on", "actor"], &[&hit]);
    assert_eq!(output.status.code(), Some(0), "has_marker names no actor");
    tree.write("rules.yar", ATTRIBUTED_RULE.as_bytes());
    let output = tree.scan(&["--fail-on", "actor"], &[&hit]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn console_messages_go_to_stderr_in_text_and_into_ndjson() {
    let tree = Tree::new();
    tree.write(
        "rules.yar",
        b"import \"console\"\nrule logs { condition: console.log(\"size: \", filesize) and defined uint8(filesize) }\n",
    );
    let clean = tree.path("data/clean.txt");
    let output = tree.scan(&["--format", "ndjson"], &[&clean]);
    assert_eq!(output.status.code(), Some(0));
    let objects = ndjson(&output);
    assert_eq!(objects.len(), 1, "a file with messages is reported even without a match");
    assert_eq!(objects[0]["console"], serde_json::json!(["size: 19"]));
    assert_eq!(objects[0]["matches"], serde_json::json!([]));

    let output = tree.scan(&[], &[&clean]);
    assert_eq!(stdout(&output), "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("console: {}: size: 19", clean.display())), "{stderr}");
}

/// `--ignore-invalid-rules`, as in `yr scan`: a rule with an error, and a
/// rule that uses it, are left out with a warning each; the other rules
/// scan. Without the flag the same file is refused, and a syntax error is
/// refused either way.
#[test]
fn ignore_invalid_rules_leaves_out_broken_rules_with_a_warning() {
    let tree = Tree::new();
    tree.write(
        "mixed.yar",
        br#"
rule has_marker { strings: $m = "SPOOR-MARKER" condition: $m }
rule broken { condition: no_such_module.field == 1 }
rule uses_broken { condition: broken or true }
rule after { condition: filesize > 0 and has_marker }
"#,
    );
    let scan = |extra: &[&str], rules: &str| {
        let mut cmd = crate::util::spoor();
        cmd.args(["scan", "--rules"]).arg(tree.path(rules)).args(extra);
        cmd.arg(tree.path("data/hit.bin")).output().unwrap()
    };
    let refused = scan(&[], "mixed.yar");
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(stdout(&refused).is_empty());

    let ignoring = scan(&["--ignore-invalid-rules"], "mixed.yar");
    assert_eq!(ignoring.status.code(), Some(1), "{ignoring:?}");
    let hit = tree.path("data/hit.bin").display().to_string();
    assert_eq!(
        sorted_lines(&stdout(&ignoring)),
        [format!("after {hit}"), format!("has_marker {hit}")]
    );
    let stderr = String::from_utf8_lossy(&ignoring.stderr);
    assert!(stderr.contains("mixed.yar:3:26: warning[E112]"), "{stderr}");
    assert!(stderr.contains("rule `broken` is ignored (--ignore-invalid-rules)"), "{stderr}");
    assert!(
        stderr.contains(
            "mixed.yar:4:6: warning[E124]: rule `uses_broken` uses a rule that is ignored"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("error["), "{stderr}");

    tree.write("syntax.yar", b"rule good { condition: true }\nrule bad { condition: and }\n");
    let syntax = scan(&["--ignore-invalid-rules"], "syntax.yar");
    assert_eq!(syntax.status.code(), Some(2), "a syntax error still stops the run: {syntax:?}");
}

/// `--relaxed-re-syntax`, as in `yr`: `\R` is `R` and a `{` that starts no
/// repetition is the character, in patterns and in conditions; a compiled
/// ruleset keeps that reading. YARA-X 1.23 with `relaxed_re_syntax=True`
/// matches the same four rules on this input.
#[test]
fn relaxed_re_syntax_reads_escapes_and_braces_as_yara_x_does() {
    let tree = Tree::new();
    tree.write(
        "relaxed.yar",
        br#"
rule escape { strings: $a = /a\Rb/ condition: $a }
rule brace { strings: $a = /a{b/ condition: $a }
rule in_condition { condition: "x{y" matches /x{y/ }
rule repetition { strings: $a = /z{2}/ condition: $a }
rule no_match { strings: $a = /q\Rq/ condition: $a }
"#,
    );
    tree.write("relaxed.bin", b"aRb a{b zz");
    let scan = |args: &[&str]| {
        let mut cmd = crate::util::spoor();
        cmd.args(args).arg(tree.path("relaxed.bin")).output().unwrap()
    };
    let rules = tree.path("relaxed.yar");
    let rules = rules.to_str().unwrap();
    let strict = scan(&["scan", "--rules", rules]);
    assert_eq!(strict.status.code(), Some(2), "{strict:?}");
    assert!(String::from_utf8_lossy(&strict.stderr).contains("relaxed.yar:2:31: error[E004]"));

    let bin = tree.path("relaxed.bin").display().to_string();
    let expected: Vec<String> = ["brace", "escape", "in_condition", "repetition"]
        .iter()
        .map(|r| format!("{r} {bin}"))
        .collect();
    let relaxed = scan(&["scan", "--relaxed-re-syntax", "--rules", rules]);
    assert_eq!(relaxed.status.code(), Some(1), "{relaxed:?}");
    assert_eq!(sorted_lines(&stdout(&relaxed)), expected);

    let compiled = tree.path("relaxed.yarc");
    let compiled = compiled.to_str().unwrap();
    let built = crate::util::spoor()
        .args(["compile", "--relaxed-re-syntax", rules, "-o", compiled])
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    assert_eq!(sorted_lines(&stdout(&scan(&["scan", "-C", compiled]))), expected);
}
