//! Hostile input and hostile surroundings (issue 15): every reproducer of
//! the issue, run through the binary. A panic (exit 101, "panicked at") is
//! never an acceptable answer, a hang is a failure after a deadline, and a
//! limit is tried below, at and above where it is.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::process::{
    HANG, assert_no_panic, run_within, wait_within, with_closed_stdout, with_head_1,
};
use crate::util::spoor;

/// A scratch directory with a rule matching `hit` and files that hold it.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Self {
        let tree = Self { dir: tempfile::tempdir().unwrap() };
        tree.write("r.yar", b"rule r { strings: $a = \"hit\" condition: $a }\n");
        tree.write("h.txt", b"a hit here");
        for i in 0..200 {
            tree.write(&format!("hits/f{i:03}"), b"hit hit");
        }
        tree
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        path
    }

    fn fifo(&self, rel: &str) -> PathBuf {
        let path = self.path(rel);
        let status = Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(status.success());
        path
    }

    fn scan(&self, rules: &str, args: &[&str]) -> Command {
        let mut cmd = spoor();
        cmd.current_dir(self.dir.path()).arg("scan").arg("--no-progress").args(["-r", rules]);
        cmd.args(args);
        cmd
    }
}

fn run(mut cmd: impl std::borrow::BorrowMut<Command>) -> Output {
    run_within(cmd.borrow_mut(), HANG).0
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn dev_full() -> Stdio {
    Stdio::from(fs::OpenOptions::new().write(true).open("/dev/full").unwrap())
}

// (1) Output failures and exit status.

#[test]
fn dump_into_a_closed_pipe_ends_cleanly() {
    let output =
        with_closed_stdout(spoor().args(["dump", "--module", "elf", env!("CARGO_BIN_EXE_spoor")]));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn a_full_standard_output_or_error_is_an_error_not_a_panic() {
    let output = spoor().arg("profiles").stdout(dev_full()).output().unwrap();
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot write"), "{output:?}");

    let tree = Tree::new();
    let output = tree.scan("r.yar", &["/nonexistent"]).stderr(dev_full()).output().unwrap();
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(2));

    let output = tree.scan("r.yar", &["hits"]).stdout(dev_full()).output().unwrap();
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot write the report"), "{output:?}");
}

#[test]
fn a_reader_leaving_after_a_match_never_makes_the_exit_status_0() {
    let tree = Tree::new();
    for format in ["text", "ndjson"] {
        let args = ["--format", format, "/nonexistent", "hits"];
        let output = with_head_1(&mut tree.scan("r.yar", &args));
        assert_eq!(output.status.code(), Some(2), "{format}: an error was seen: {output:?}");
        let output = with_head_1(&mut tree.scan("r.yar", &["--format", format, "hits"]));
        assert_eq!(output.status.code(), Some(1), "{format}: a match was seen: {output:?}");
        let output = with_closed_stdout(&mut tree.scan("r.yar", &["--format", format, "hits"]));
        assert_ne!(output.status.code(), Some(0), "{format}: {output:?}");
    }
}

#[test]
fn an_output_file_is_complete_or_left_alone() {
    let tree = Tree::new();
    let report = tree.path("out/report.json");
    fs::create_dir_all(report.parent().unwrap()).unwrap();
    let output = run(tree.scan("r.yar", &["--format", "json", "-o", "out/report.json", "hits"]));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let document: serde_json::Value = serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    assert_eq!(document["files"].as_array().unwrap().len(), 200);
    let left: Vec<_> = fs::read_dir(report.parent().unwrap()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file is left behind");

    let output = run(tree.scan("r.yar", &["-o", "missing/dir/report.json", "hits"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot create"), "{output:?}");
}

#[test]
fn sigint_stops_the_workers_and_still_finishes_the_document() {
    let tree = Tree::new();
    tree.write("slow.yar", b"rule slow { strings: $a = { 61 [-] 62 } condition: $a }\n");
    tree.write("a.bin", &vec![b'a'; 4 << 20]);
    let child = tree
        .scan("slow.yar", &["--format", "json", "a.bin", "h.txt"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill has no memory-safety preconditions; the pid is our child.
    #[allow(unsafe_code)]
    let sent = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(sent, 0);
    let started = Instant::now();
    let output = wait_within(child, HANG);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(document["summary"].is_object(), "{document}");
    assert!(stderr(&output).contains("interrupted"), "{output:?}");
}

#[test]
fn timeouts_huge_and_zero_mean_no_limit() {
    let tree = Tree::new();
    for timeout in ["9223372036854775807", "18446744073709551615", "0"] {
        let output = run(tree.scan("r.yar", &["--timeout", timeout, "h.txt"]));
        assert_eq!(output.status.code(), Some(1), "--timeout {timeout}: {output:?}");
        assert_eq!(stdout(&output).trim(), "r h.txt");
    }
}

#[test]
fn threads_are_capped_with_a_message() {
    let tree = Tree::new();
    let (output, took) = run_within(&mut tree.scan("r.yar", &["-p", "10000", "h.txt"]), HANG);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stderr(&output).contains("per core"), "{output:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    let output = run(&mut tree.scan("r.yar", &["-p", "2", "h.txt"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(!stderr(&output).contains("per core"), "{output:?}");
}

// (2) Reads.

#[test]
fn a_64g_sparse_file_under_no_mmap_is_reported_and_the_other_match_kept() {
    let tree = Tree::new();
    let big = fs::File::create(tree.path("big.bin")).unwrap();
    big.set_len(64 << 30).unwrap();
    let output = run(tree.scan("r.yar", &["--no-mmap", "--format", "json", "h.txt", "big.bin"]));
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["files"][0]["path"], "h.txt");
    assert_eq!(document["files"][0]["matches"][0]["rule"], "r");
    assert_eq!(document["errors"][0]["path"], "big.bin");
    let error = document["errors"][0]["error"].as_str().unwrap();
    assert!(error.contains("over the limit"), "{error}");
}

#[test]
fn includes_of_devices_and_fifos_are_refused_at_once() {
    let tree = Tree::new();
    tree.fifo("fifo.yar");
    for (name, target) in [("zero.yar", "/dev/zero"), ("fifo_inc.yar", "fifo.yar")] {
        let text = format!("include \"{target}\"\nrule a {{ condition: true }}\n");
        tree.write(name, text.as_bytes());
        let output = run(spoor().current_dir(tree.dir.path()).args(["check", name]));
        assert_eq!(output.status.code(), Some(2), "{name}: {output:?}");
        assert!(stdout(&output).contains("not a regular file"), "{name}: {output:?}");
    }
}

/// A FIFO or device given as rules, compiled (`-C`) or not (`-r`, which
/// also looks for a compiled ruleset's magic), is refused at once, never
/// waited on or read without end.
#[test]
fn rules_from_devices_and_fifos_are_refused_at_once() {
    let tree = Tree::new();
    tree.fifo("fifo");
    for (flag, rules) in [("-r", "fifo"), ("-C", "fifo"), ("-C", "/dev/zero"), ("-r", "/dev/zero")]
    {
        let mut scan = spoor();
        scan.current_dir(tree.dir.path()).args(["scan", "--no-progress", flag, rules, "h.txt"]);
        let output = run(&mut scan);
        assert_eq!(output.status.code(), Some(2), "{flag} {rules}: {output:?}");
        assert!(stderr(&output).contains("not a regular file"), "{flag} {rules}: {output:?}");
    }
}

#[test]
fn dump_of_a_fifo_is_refused_at_once() {
    let tree = Tree::new();
    let fifo = tree.fifo("fifo");
    let output = run(spoor().args(["dump", "-m", "pe"]).arg(&fifo));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not a regular file (a FIFO)"), "{output:?}");
}

#[test]
fn named_targets_that_are_not_regular_files_get_an_error_entry() {
    let tree = Tree::new();
    tree.fifo("fifo");
    let output = run(tree.scan("r.yar", &["--format", "ndjson", "fifo", "/dev/zero", "h.txt"]));
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let lines: Vec<serde_json::Value> =
        stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for path in ["fifo", "/dev/zero"] {
        let entry = lines.iter().find(|l| l["path"] == path).expect(path);
        assert!(entry["error"].as_str().unwrap().contains("not a regular file"), "{entry}");
    }
    assert!(lines.iter().any(|l| l["path"] == "h.txt" && l["matches"][0]["rule"] == "r"));
}

#[test]
fn proc_files_are_read_with_their_size_not_forever() {
    let tree = Tree::new();
    let output = run(tree.scan("r.yar", &["/proc/self/pagemap", "/proc/self/status", "h.txt"]));
    assert!(matches!(output.status.code(), Some(1 | 2)), "{output:?}");
    assert!(stdout(&output).contains("r h.txt"), "{output:?}");
}

#[test]
fn a_file_being_appended_to_is_read_as_it_was_when_opened() {
    let tree = Tree::new();
    let path = tree.write("growing.bin", b"hit");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (path, stop) = (path.clone(), stop.clone());
        std::thread::spawn(move || {
            use std::io::Write as _;
            let mut file = fs::OpenOptions::new().append(true).open(path).unwrap();
            let chunk = vec![b'x'; 1 << 20];
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if file.write_all(&chunk).is_err() {
                    break;
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    let output = run(tree.scan("r.yar", &["--no-mmap", "--format", "json", "growing.bin"]));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let scanned = document["summary"]["bytes"].as_u64().unwrap();
    let now = fs::metadata(&path).unwrap().len();
    assert!(scanned <= now, "read {scanned} of {now}");
    let _ = fs::remove_file(path);
}

// (3) Empty rulesets.

#[test]
fn an_empty_ruleset_is_an_error_unless_allowed() {
    let tree = Tree::new();
    fs::create_dir_all(tree.path("empty")).unwrap();
    tree.write("notes/readme.txt", b"no rules here");
    tree.write("blank.yar", b"// nothing\n");
    for rules in ["empty", "notes", "blank.yar"] {
        let output = run(&mut tree.scan(rules, &["h.txt"]));
        assert_eq!(output.status.code(), Some(2), "-r {rules}: {output:?}");
        assert!(stderr(&output).contains("no rules"), "-r {rules}: {output:?}");
        let output = run(&mut tree.scan(rules, &["--allow-empty", "h.txt"]));
        assert_eq!(output.status.code(), Some(0), "-r {rules} --allow-empty: {output:?}");
        let check = run(spoor().current_dir(tree.dir.path()).args(["check", rules]));
        assert_eq!(check.status.code(), Some(2), "check {rules}: {check:?}");
        assert!(stdout(&check).contains("E203"), "check {rules}: {check:?}");
    }
    for command in [vec!["check", "/dev/null"], vec!["scan", "-r", "/dev/null", "h.txt"]] {
        let output = run(spoor().current_dir(tree.dir.path()).args(&command));
        assert_eq!(output.status.code(), Some(2), "{command:?}: {output:?}");
    }
}

// (4) `--timeout` is a deadline for the whole file.

/// A rule file whose first rule matches before the slow one is evaluated.
fn slow_rules(slow: &str) -> String {
    format!("import \"hash\"\nrule early {{ condition: filesize > 0 }}\nrule slow {{ {slow} }}\n")
}

#[test]
fn a_timeout_of_1s_stops_every_slow_case_within_2s_and_keeps_earlier_matches() {
    let tree = Tree::new();
    tree.write("a.bin", &vec![b'a'; 1 << 20]);
    let many_jumps: String =
        (0..50).map(|i| format!("$j{i} = {{ 61 [{}] 61 }} ", 1000 + 37 * i)).collect();
    let cases = [
        ("regex", r"strings: $a = /[^\x00]{2000}/ condition: $a".to_owned(), "a.bin"),
        ("hex jump", "strings: $a = { 61 [-] 62 } condition: $a".to_owned(), "a.bin"),
        ("many jumps", format!("strings: {many_jumps} condition: any of them"), "a.bin"),
        ("hash", "condition: hash.md5(0, filesize) == \"x\"".to_owned(), "large.bin"),
    ];
    let large = fs::File::create(tree.path("large.bin")).unwrap();
    large.set_len(4 << 30).unwrap();
    for (name, rule, target) in cases {
        tree.write("slow.yar", slow_rules(&rule).as_bytes());
        let mut cmd = tree.scan("slow.yar", &["--timeout", "1", "--format", "ndjson", target]);
        let (output, took) = run_within(&mut cmd, HANG);
        assert!(took < Duration::from_secs(2), "{name}: took {took:?}");
        assert_eq!(output.status.code(), Some(2), "{name}: {output:?}");
        let line: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
        assert!(line["error"].as_str().unwrap().contains("timed out"), "{name}: {line}");
        assert_eq!(line["matches"][0]["rule"], "early", "{name}: {line}");
        assert_eq!(line["matches"].as_array().unwrap().len(), 1, "{name}: {line}");
    }
}

#[test]
fn a_timed_out_file_in_text_keeps_its_match_lines_and_says_it_timed_out() {
    let tree = Tree::new();
    tree.write("a.bin", &vec![b'a'; 1 << 20]);
    let rule = "strings: $a = { 61 [-] 62 } condition: $a";
    tree.write("slow.yar", slow_rules(rule).as_bytes());
    let output = run(&mut tree.scan("slow.yar", &["--timeout", "1", "a.bin", "h.txt"]));
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(stdout(&output).contains("early a.bin"), "{output:?}");
    assert!(stderr(&output).contains("error: a.bin: scan timed out after 1s"), "{output:?}");
}

// (6) Results on malformed inputs: the regex reach.

#[test]
fn a_regex_longer_than_its_reach_never_matches() {
    let tree = Tree::new();
    tree.write("a.bin", &vec![b'a'; 10_000]);
    for (n, expected) in [(4094, 1), (4095, 1), (4096, 0), (100_000, 0)] {
        tree.write(
            "reach.yar",
            format!("rule r {{ strings: $a = /[^\\x00]{{{n}}}/ condition: $a }}").as_bytes(),
        );
        let output = run(&mut tree.scan("reach.yar", &["--timeout", "20", "a.bin"]));
        assert_eq!(output.status.code(), Some(expected), "N = {n}: {output:?}");
    }
}
