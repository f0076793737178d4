//! The signature-base corpus as one rule set: it compiles into `Rules`, and
//! scanning inputs with it works and is lazy. Skipped with a note when the
//! corpus is absent.
//!
//! With `SPOOR_DIFF_FILES` set to a `:`-separated list of files, the ignored
//! test `dump_matches` prints `file<TAB>rule` for every match, for a
//! comparison with YARA-X (see tests/eval_confirm_yara_x.py for the cases
//! of the condition suite).

use std::time::Instant;

use spoor::compiler::MatcherInput;
use spoor::compiler::ir::Constant;
use spoor::matcher::MatcherLimits;
use spoor::{Compiler, Rules, Scanner};

/// The corpus compiled with its five externals defined as empty strings.
fn corpus_rules() -> Option<Rules> {
    let dir = crate::util::signature_base()?;
    let started = Instant::now();
    let mut compiler = Compiler::new();
    for name in ["filename", "filepath", "extension", "filetype", "owner"] {
        compiler.define(name, Constant::String(Vec::new().into()));
    }
    compiler.add_path(&dir);
    let checked = started.elapsed();
    let rules = compiler.build().unwrap_or_else(|d| panic!("{:?}", &d[..d.len().min(3)]));
    eprintln!(
        "{} rules: checked and patterns compiled in {checked:?}, scan planned in {:?}",
        rules.len(),
        started.elapsed() - checked
    );
    Some(rules)
}

#[test]
fn the_corpus_compiles_and_scans() {
    let Some(rules) = corpus_rules() else { return };
    assert!(rules.len() > 4000, "{} rules", rules.len());
    let mut scanner = Scanner::new(&rules);
    let started = Instant::now();
    let results = scanner.scan_bytes(b"").unwrap();
    assert!(results.matching_rules().is_empty());
    let text = b"MZ This program cannot be run in DOS mode".repeat(1000);
    let results = scanner.scan_bytes(&text).unwrap();
    eprintln!(
        "two scans in {:?}, {} matches, stats {:?}",
        started.elapsed(),
        results.matching_rules().len(),
        scanner.stats()
    );
}

#[test]
#[ignore = "a differential tool: needs SPOOR_DIFF_FILES"]
fn dump_matches() {
    let Some(rules) = corpus_rules() else { return };
    let files = std::env::var("SPOOR_DIFF_FILES").unwrap_or_default();
    let mut scanner = Scanner::new(&rules);
    for file in files.split(':').filter(|f| !f.is_empty()) {
        let data = std::fs::read(file).unwrap();
        for matched in scanner.scan_bytes(&data).unwrap().matching_rules() {
            println!("{file}\t{}", matched.rule);
        }
    }
}

#[test]
#[ignore = "a measurement: run in release with --nocapture"]
fn throughput() {
    let Some(rules) = corpus_rules() else { return };
    let mut data = Vec::new();
    for entry in std::fs::read_dir("/usr/bin").into_iter().flatten().flatten() {
        if data.len() >= 64 << 20 {
            break;
        }
        if let Ok(bytes) = std::fs::read(entry.path()) {
            data.extend(bytes);
        }
    }
    let mut scanner = Scanner::new(&rules);
    for size in [4 << 10, 1 << 20, data.len()] {
        let started = Instant::now();
        let results = scanner.scan_bytes(&data[..size.min(data.len())]).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "{size} bytes: {seconds:.3} s ({:.1} MB/s), {} matching rules",
            size as f64 / seconds / 1e6,
            results.matching_rules().len()
        );
    }
    eprintln!("{:?}", scanner.stats());
}

#[test]
#[ignore = "a measurement: run in release with --nocapture"]
fn small_inputs() {
    let Some(rules) = corpus_rules() else { return };
    let data = std::fs::read("/bin/ls").unwrap_or_else(|_| vec![0x41; 1 << 20]);
    let mut scanner = Scanner::new(&rules);
    let started = Instant::now();
    let mut scans = 0;
    while started.elapsed().as_secs() < 10 {
        for chunk in data.chunks(4 << 10) {
            let _ = scanner.scan_bytes(chunk).unwrap();
            scans += 1;
        }
    }
    eprintln!("{scans} scans of 4 KiB: {:?} each", started.elapsed() / scans);
    eprintln!("{:?}", scanner.stats());
}

#[test]
#[ignore = "a measurement: run in release with --nocapture"]
fn matcher_share() {
    let Some(rules) = corpus_rules() else { return };
    let program = rules.program();
    let inputs: Vec<_> = program.patterns.iter().filter_map(MatcherInput::new).collect();
    let specs: Vec<_> = inputs.iter().map(MatcherInput::spec).collect();
    let matcher = spoor::matcher::Matcher::build(&specs, &MatcherLimits::default()).unwrap();
    let data = std::fs::read("/usr/bin/cargo").or_else(|_| std::fs::read("/bin/ls")).unwrap();
    let mut scratch = matcher.scratch();
    let started = Instant::now();
    let _ = matcher.scan(&data, &mut scratch);
    let search = started.elapsed();
    let mut scanner = Scanner::new(&rules);
    for _ in 0..3 {
        let started = Instant::now();
        let _ = scanner.scan_bytes(&data).unwrap();
        eprintln!("{} bytes: matcher {search:?}, whole scan {:?}", data.len(), started.elapsed());
    }
}

#[test]
#[ignore = "a measurement: run in release with --nocapture; SPOOR_BENCH_CORPUS names the directory"]
fn corpus_scan() {
    let Some(rules) = corpus_rules() else { return };
    let corpus =
        std::env::var("SPOOR_BENCH_CORPUS").unwrap_or_else(|_| "/tmp/spoor-bench-corpus".into());
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(corpus)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    let mut scanner = Scanner::new(&rules);
    let (started, mut matches) = (Instant::now(), 0);
    for file in &files {
        let Ok(data) = std::fs::read(file) else { continue };
        matches += scanner.scan_bytes(&data).map_or(0, |r| r.matching_rules().len());
    }
    let stats = scanner.stats();
    eprintln!("{} files in {:?}, {matches} matches", files.len(), started.elapsed());
    eprintln!(
        "{stats:?}: {:.0} conditions evaluated per input of {} rules",
        stats.conditions_evaluated as f64 / stats.inputs.max(1) as f64,
        rules.len()
    );
}
