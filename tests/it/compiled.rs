//! Compiled rulesets: `spoor compile` then `spoor scan -C` finds what a scan
//! from source finds, and a damaged, truncated or foreign file is refused
//! with exit status 2 and one line saying what is wrong, never a panic.

use std::collections::BTreeSet;
use std::path::Path;

use spoor::{Compiler, Rules, Scanner};

use crate::differential::{EXTERNALS, build_corpus, python_available};
use crate::util::rng::Rng;
use crate::util::spoor;

/// Bytes before the payload: magic (8), format version (4), spoor version
/// (32), payload length (8), checksum (4); see `src/rules/serialize.rs`.
const HEADER_LEN: usize = 56;
const LENGTH_AT: usize = 44;
const CHECKSUM_AT: usize = 52;

/// Rules with every kind of pattern and a few conditions, for the tests
/// that need no corpus.
const RULES: &str = r#"
    import "math"
    rule text : tag { meta: author = "x" strings: $a = "hello" nocase wide ascii condition: $a }
    rule hex { strings: $h = { 68 65 ?? 6C [0-2] 6F } condition: #h > 0 }
    rule re { strings: $r = /w[o0]rld\b/ condition: $r and math.entropy(0, filesize) > 0.5 }
    rule b64 { strings: $b = "hello world" base64 condition: $b }
    rule cond { condition: filesize > 3 and "abc" matches /b+/ and text }
"#;

const INPUT: &[u8] = b"xx hello h\0e\0l\0l\0o\0 world aGVsbG8gd29ybGQ= yy";

/// The file lines of an NDJSON report, as a set (file order depends on
/// scheduling).
fn report_lines(stdout: &[u8]) -> BTreeSet<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(without_scan_time)
        .collect()
}

/// `line` without the summary's `seconds`, the one field that differs
/// between two scans of the same files.
fn without_scan_time(line: &str) -> String {
    let mut value: serde_json::Value = serde_json::from_str(line).unwrap();
    if let Some(summary) = value.get_mut("summary").and_then(serde_json::Value::as_object_mut) {
        let _ = summary.remove("seconds");
    }
    value.to_string()
}

#[test]
fn compiled_rules_find_what_source_rules_find_on_the_differential_corpus() {
    let Some(rules) = crate::util::signature_base() else { return };
    if !python_available() {
        eprintln!("note: python3 is absent; compiled-rules differential test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let corpus = build_corpus(dir.path(), &rules);
    let compiled = dir.path().join("signature-base.spoorc");
    let mut compile = spoor();
    compile.arg("compile").arg(&rules).arg("-o").arg(&compiled);
    let mut from_source = spoor();
    from_source.arg("scan").arg("--rules").arg(&rules);
    for name in EXTERNALS {
        compile.arg("--define").arg(format!("{name}="));
        from_source.arg("--define").arg(format!("{name}="));
    }
    let compiled_status = compile.output().unwrap();
    assert!(
        compiled_status.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled_status.stderr)
    );
    let mut from_compiled = spoor();
    from_compiled.arg("scan").arg("-C").arg(&compiled);
    let mut reports = Vec::new();
    for command in [&mut from_source, &mut from_compiled] {
        command.args(["--format", "ndjson", "--print-strings", "--threads", "2"]).arg(&corpus);
        let output = command.output().unwrap();
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{:?}: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        reports.push(report_lines(&output.stdout));
    }
    let matched = reports[0].iter().filter(|line| line.contains("\"rule\"")).count();
    assert!(matched > 100, "only {matched} files matched: the corpus did not build");
    let only_source: Vec<_> = reports[0].difference(&reports[1]).take(5).collect();
    let only_compiled: Vec<_> = reports[1].difference(&reports[0]).take(5).collect();
    assert!(
        only_source.is_empty() && only_compiled.is_empty(),
        "reports differ:\nfrom source only: {only_source:#?}\nfrom compiled only: {only_compiled:#?}"
    );
}

/// Writes `RULES` compiled, and the input, into `dir`.
fn compiled_fixture(dir: &Path) -> Vec<u8> {
    std::fs::write(dir.join("rules.yar"), RULES).unwrap();
    std::fs::write(dir.join("input.bin"), INPUT).unwrap();
    let output = spoor()
        .arg("compile")
        .arg(dir.join("rules.yar"))
        .arg("-o")
        .arg(dir.join("rules.spoorc"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::read(dir.join("rules.spoorc")).unwrap()
}

#[test]
fn small_rules_scan_alike_compiled_and_from_source() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = compiled_fixture(dir.path());
    let scan = |rules_args: &[&dyn AsRef<std::ffi::OsStr>]| {
        let mut command = spoor();
        command.arg("scan");
        for arg in rules_args {
            command.arg(arg);
        }
        let output =
            command.args(["--format", "ndjson", "-s"]).arg(dir.path().join("input.bin")).output();
        let output = output.unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let source = scan(&[&"--rules", &dir.path().join("rules.yar")]);
    for rule in ["text", "hex", "re", "b64", "cond"] {
        assert!(source.contains(&format!("\"rule\":\"{rule}\"")), "{rule} did not match: {source}");
    }
    assert_eq!(scan(&[&"-C", &dir.path().join("rules.spoorc")]), source);
    assert_eq!(scan(&[&"--compiled-rules", &dir.path().join("rules.spoorc")]), source);
    // A compiled file given to --rules is recognised by its magic.
    assert_eq!(scan(&[&"--rules", &dir.path().join("rules.spoorc")]), source);
    assert!(bytes.starts_with(b"SPOOR\0RS"));
}

/// Scans with the compiled ruleset `bytes` and expects exit status 2 and
/// one error line naming the file; returns the line.
fn refused(dir: &Path, bytes: &[u8], what: &str) -> String {
    let path = dir.join("damaged.spoorc");
    std::fs::write(&path, bytes).unwrap();
    let output = spoor().arg("scan").arg("-C").arg(&path).arg(dir.join("input.bin")).output();
    let output = output.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
    assert!(output.stdout.is_empty(), "{what}: printed a report");
    assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
    assert!(stderr.starts_with(&format!("error: {}: ", path.display())), "{what}: {stderr}");
    stderr
}

#[test]
fn damaged_truncated_and_foreign_files_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = compiled_fixture(dir.path());
    let recompile = |line: &str, what: &str| {
        assert!(line.contains("recompile it with `spoor compile`"), "{what}: {line}");
    };
    // Flipped bytes: every byte of the header, and bytes across the payload.
    let mut rng = Rng(0x5EED_C0DE);
    let payload_positions = (0..64).map(|_| HEADER_LEN + rng.below(bytes.len() - HEADER_LEN));
    for at in (0..HEADER_LEN).chain(payload_positions) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 1 << (at % 8);
        let line = refused(dir.path(), &damaged, &format!("byte {at} flipped"));
        if at >= 8 {
            recompile(&line, &format!("byte {at} flipped"));
        } else {
            assert!(line.contains("not a compiled spoor ruleset"), "{line}");
        }
    }
    // Truncations, header and payload.
    for len in [0, 4, 8, 20, HEADER_LEN - 1, HEADER_LEN, HEADER_LEN + 1, bytes.len() / 2] {
        let line = refused(dir.path(), &bytes[..len], &format!("truncated to {len}"));
        if len >= 8 {
            recompile(&line, &format!("truncated to {len}"));
        }
    }
    let line = refused(dir.path(), &bytes[..bytes.len() - 1], "last byte cut");
    assert!(line.contains("truncated"), "{line}");
    // Rewritten headers: another format version, another spoor version, a
    // length that says more or less than there is.
    let mut format = bytes.clone();
    format[8..12].copy_from_slice(&99u32.to_le_bytes());
    assert!(refused(dir.path(), &format, "format 99").contains("format version 99"));
    let mut version = bytes.clone();
    version[12..44].fill(0);
    version[12..17].copy_from_slice(b"0.0.1");
    assert!(refused(dir.path(), &version, "spoor 0.0.1").contains("written by spoor 0.0.1"));
    for delta in [-1i64, 1, 1 << 40] {
        let mut length = bytes.clone();
        let announced = (bytes.len() - HEADER_LEN) as i64 + delta;
        length[LENGTH_AT..CHECKSUM_AT].copy_from_slice(&announced.to_le_bytes());
        recompile(&refused(dir.path(), &length, &format!("length {delta:+}")), "length");
    }
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"junk");
    recompile(&refused(dir.path(), &longer, "junk appended"), "junk appended");
}

/// `bytes` with the header's length and checksum made to fit the payload,
/// so that the decoder itself sees the damage.
fn with_fitting_header(mut bytes: Vec<u8>) -> Vec<u8> {
    let payload_len = (bytes.len() - HEADER_LEN) as u64;
    bytes[LENGTH_AT..CHECKSUM_AT].copy_from_slice(&payload_len.to_le_bytes());
    let checksum = crc32fast::hash(&bytes[HEADER_LEN..]);
    bytes[CHECKSUM_AT..HEADER_LEN].copy_from_slice(&checksum.to_le_bytes());
    bytes
}

#[test]
fn deserializing_mutated_payloads_never_panics() {
    let mut compiler = Compiler::new();
    let _ = compiler.add_source(RULES, "rules.yar");
    let rules = compiler.build().unwrap();
    let bytes = rules.serialize().unwrap();
    let loaded = Rules::deserialize(&bytes).unwrap();
    let mut scanner = Scanner::new(&loaded);
    assert_eq!(scanner.scan_bytes(INPUT).unwrap().matching_rules().len(), 5);
    let mut rng = Rng(0xF022_5EED);
    let (mut decoded, mut refused) = (0, 0);
    for round in 0..3000 {
        let mut mutated = bytes.clone();
        let payload = mutated.len() - HEADER_LEN;
        match round % 4 {
            0 => {
                for _ in 0..=rng.below(4) {
                    let at = HEADER_LEN + rng.below(payload);
                    mutated[at] ^= 1 << rng.below(8);
                }
            }
            1 => mutated.truncate(HEADER_LEN + rng.below(payload)),
            2 => {
                let at = HEADER_LEN + rng.below(payload);
                mutated[at] = [0, 0x7F, 0x80, 0xFF][rng.below(4)];
            }
            _ => {
                let at = HEADER_LEN + rng.below(payload);
                let len = 1 + rng.below(16);
                let filler = (0..len).map(|_| rng.next() as u8);
                let _ = mutated.splice(at..at, filler.collect::<Vec<_>>());
            }
        }
        match Rules::deserialize(&with_fitting_header(mutated)) {
            Ok(_) => decoded += 1,
            Err(error) => {
                assert!(error.to_string().contains("recompile"), "{error}");
                refused += 1;
            }
        }
    }
    eprintln!("{decoded} mutated payloads decoded, {refused} refused");
    assert!(refused > 1000, "only {refused} of 3000 mutations were refused");
}
