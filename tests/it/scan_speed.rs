//! What issue 10 asks of the scan beyond speed, through the binary: a
//! large file searched by several threads reports exactly what one thread
//! reports; a timeout inside a split search keeps its deadline; a reader
//! that leaves stops a long scan at once; `--profiling` names the rule
//! that slows a scan down.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::process::{HANG, run_within, wait_within};
use crate::util::spoor;

/// Above the 32 MiB from which a file's search is split, in 8 MiB chunks.
const LARGE: usize = 40 << 20;
const CHUNK: usize = 8 << 20;

fn scan(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = spoor();
    cmd.current_dir(dir).args(["scan", "--no-progress"]).args(args);
    cmd
}

fn wide(text: &[u8]) -> Vec<u8> {
    text.iter().flat_map(|&byte| [byte, 0]).collect()
}

/// A large file of filler with matches planted across the chunk edges.
fn large_file_with_matches_across_chunk_edges(path: &Path) {
    let mut data: Vec<u8> =
        b"filler text 0123456789 ".iter().copied().cycle().take(LARGE).collect();
    let mut plant = |at: usize, bytes: &[u8]| data[at..at + bytes.len()].copy_from_slice(bytes);
    // A hex jump from the first chunk into the second.
    plant(CHUNK - 2, b"JUMPSTART");
    plant(CHUNK + 15_000, b"JUMPEND");
    // A regex whose match crosses the second edge, with a wide text
    // across the edge inside it.
    plant(2 * CHUNK - 1000, b"<begin>");
    plant(2 * CHUNK - 9, &wide(b"wide planted"));
    plant(2 * CHUNK + 2000, b"<end>");
    let xored: Vec<u8> = b"xor planted".iter().map(|byte| byte ^ 0x21).collect();
    plant(3 * CHUNK - 4, &xored);
    plant(4 * CHUNK - 7, b"YmFzZTY0IHBsYW50ZWQ="); // "base64 planted"
    for at in [0, CHUNK + 20, 3 * CHUNK + 100, 4 * CHUNK + 50, LARGE - 10] {
        plant(at, b"edge");
    }
    fs::write(path, data).unwrap();
}

const EDGE_RULES: &str = r#"
rule jump { strings: $a = { 4A 55 4D 50 53 54 41 52 54 [1-20000] 4A 55 4D 50 45 4E 44 } condition: $a }
rule span { strings: $a = /<begin>.{0,4000}<end>/s condition: $a }
rule xored { strings: $a = "xor planted" xor condition: $a }
rule encoded { strings: $a = "base64 planted" base64 condition: $a }
rule widened { strings: $a = "wide planted" wide condition: $a }
rule counted { strings: $a = "edge" $b = "filler" private condition: #a == 5 and #b > 1000 }
"#;

#[test]
fn a_large_file_searched_by_several_threads_reports_what_one_thread_reports() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("edges.yar"), EDGE_RULES).unwrap();
    large_file_with_matches_across_chunk_edges(&dir.path().join("large.bin"));
    let report = |threads: &str| {
        let args = ["-r", "edges.yar", "-s", "--format", "ndjson", "-p", threads, "large.bin"];
        let (output, _) = run_within(&mut scan(dir.path(), &args), HANG);
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let serial = report("1");
    for rule in ["jump", "span", "xored", "encoded", "widened", "counted"] {
        assert!(serial.contains(&format!("\"rule\":\"{rule}\"")), "{rule} matches: {serial}");
    }
    assert_eq!(report("4"), serial);
    assert_eq!(report("2"), serial);
}

#[test]
fn a_timeout_inside_a_split_search_returns_within_twice_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.bin"), vec![b'a'; LARGE]).unwrap();
    let rules = "rule early { condition: filesize > 0 }\n\
                 rule slow { strings: $a = /a[^\\x00]{2000}b/ condition: $a }\n";
    fs::write(dir.path().join("slow.yar"), rules).unwrap();
    let args = ["-r", "slow.yar", "--timeout", "1", "-p", "2", "--format", "ndjson", "a.bin"];
    let (output, took) = run_within(&mut scan(dir.path(), &args), HANG);
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(line["error"].as_str().unwrap().contains("timed out"), "{line}");
    assert_eq!(line["matches"][0]["rule"], "early", "{line}");
}

#[test]
fn a_reader_that_leaves_stops_a_long_scan_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // Each slow file would take its whole 5 s timeout, and writes nothing:
    // the scan would run for minutes if the workers went on after the
    // reader left.
    let rule = "rule hit { strings: $a = /a[^\\x00]{2000}b/ $b = \"hit\" condition: $a or $b }\n";
    fs::write(dir.path().join("a.yar"), rule).unwrap();
    fs::write(dir.path().join("first.txt"), b"a hit").unwrap();
    fs::create_dir_all(dir.path().join("slow")).unwrap();
    let slow = vec![b'a'; 1 << 20];
    for index in 0..60 {
        fs::write(dir.path().join(format!("slow/{index:03}.bin")), &slow).unwrap();
    }
    let args = ["-r", "a.yar", "--timeout", "5", "-p", "2", "first.txt", "slow"];
    let mut child = scan(dir.path(), &args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while std::io::Read::read(&mut out, &mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    assert_eq!(line, b"hit first.txt");
    drop(out);
    let closed = Instant::now();
    let output = wait_within(child, HANG);
    let stopped = closed.elapsed();
    assert!(stopped < Duration::from_secs(2), "ran {stopped:?} after the reader left");
    // The files the reader's leaving cut short are no loss to it.
    assert_eq!(output.status.code(), Some(1), "a match was seen: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("error: interrupted"), "a closed reader is no interrupt: {stderr}");
}

#[test]
fn profiling_names_the_rule_and_pattern_that_slow_a_scan_down() {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = b"ab".iter().copied().cycle().take(4 << 20).collect();
    fs::write(dir.path().join("ab.bin"), data).unwrap();
    let rules = "rule cheap { strings: $a = \"nowhere to be found\" condition: $a }\n\
                 rule costly { strings: $slow = /ab[ab]{0,300}c/ condition: $slow }\n";
    fs::write(dir.path().join("r.yar"), rules).unwrap();
    let (output, _) =
        run_within(&mut scan(dir.path(), &["-r", "r.yar", "--profiling", "ab.bin"]), HANG);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let after = |heading: &str| {
        let mut lines = stderr.lines().skip_while(|line| !line.starts_with(heading));
        lines.nth(2).unwrap_or_default().to_owned()
    };
    assert!(stderr.contains("profiling (summed over threads): pattern search"), "{stderr}");
    assert!(after("slowest rules:").ends_with("default:costly"), "{stderr}");
    assert!(after("slowest patterns:").ends_with("default:costly $slow"), "{stderr}");
    // One verification per `ab` of the 4 MiB.
    let verified: u64 =
        after("slowest patterns:").split_whitespace().nth(2).unwrap().parse().unwrap();
    assert_eq!(verified, 2 << 20, "{stderr}");
}
