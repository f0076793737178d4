//! Rule sets that do not read a module do not pay for it (issue 4,
//! acceptance 4).
//!
//! Scans a corpus (default `/tmp/spoor-bench-corpus`, or the directory in
//! `SPOOR_MODULES_COST_CORPUS`), held in memory so that only scanning is
//! timed, on one thread, with three rule sets built from the signature-base
//! files that import no module:
//!
//! - `no-import`: those files alone;
//! - `+ unused pe`: the same plus one rule that imports `pe` but is decided
//!   without it (`filesize == 0 and pe.is_pe`): the module is reachable but
//!   never read, so `module_parses` must stay 0 and the time must not change;
//! - `+ pe read`: the same plus one rule that reads `pe.is_pe` on every
//!   input: the control, which shows what parsing costs and that the counter
//!   counts.
//!
//! The sets are scanned in turn, `SPOOR_MODULES_COST_RUNS` rounds (default
//! 5), so a change of machine load affects them alike. Each scan reports its
//! wall time and the scanning thread's CPU time (from
//! `/proc/thread-self/schedstat`, where available): on a machine shared with
//! other jobs the CPU time is the steadier figure. The medians are printed.
//! Run it with `cargo bench --bench modules_cost`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use spoor::compiler::{Compiler, ir::Constant, sources};
use spoor::{Rules, Scanner};

const SIGNATURE_BASE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora/signature-base/yara");
const DEFAULT_CORPUS: &str = "/tmp/spoor-bench-corpus";
/// The externals signature-base rules use, defined as empty strings.
const EXTERNALS: [&str; 5] = ["filename", "filepath", "extension", "filetype", "owner"];

const UNUSED_PE: &str = r#"import "pe"
rule spoor_bench_unused_pe { condition: filesize == 0 and pe.is_pe }"#;
const PE_READ: &str = r#"import "pe"
rule spoor_bench_pe_read { condition: pe.is_pe and filesize == 0 }"#;

fn imports_a_module(text: &str) -> bool {
    text.lines().any(|line| line.trim_start().starts_with("import "))
}

fn compile(texts: &[(String, String)], extra: Option<&str>) -> Rules {
    let mut compiler = Compiler::new();
    for name in EXTERNALS {
        compiler.define(name, Constant::String(Vec::new().into()));
    }
    for (origin, text) in texts {
        compiler.add_source(text, origin);
    }
    if let Some(text) = extra {
        compiler.add_source(text, "extra.yar");
    }
    compiler.build().unwrap_or_else(|d| panic!("{} errors: {:?}", d.len(), d[0]))
}

fn read_corpus(root: &Path) -> Vec<Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| std::fs::read(entry.path()).ok())
        .collect()
}

/// The calling thread's CPU time so far, when the kernel reports it.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(stat.split_whitespace().next()?.parse().ok()?))
}

/// One scan of every input.
struct Round {
    wall: Duration,
    cpu: Option<Duration>,
    matches: usize,
    module_parses: u64,
}

fn scan_all(rules: &Rules, inputs: &[Vec<u8>]) -> Round {
    let mut scanner = Scanner::new(rules);
    let cpu_before = thread_cpu_time();
    let started = Instant::now();
    let mut matches = 0;
    for input in inputs {
        if let Ok(results) = scanner.scan_bytes(input) {
            matches += results.matching_ids().len();
        }
    }
    let wall = started.elapsed();
    let cpu = cpu_before.zip(thread_cpu_time()).map(|(before, after)| after - before);
    Round { wall, cpu, matches, module_parses: scanner.stats().module_parses }
}

fn median(mut values: Vec<Duration>) -> Option<Duration> {
    values.sort();
    values.get(values.len() / 2).copied()
}

fn seconds(d: Option<Duration>) -> String {
    d.map_or("-".into(), |d| format!("{:.2}", d.as_secs_f64()))
}

fn main() {
    let corpus = std::env::var("SPOOR_MODULES_COST_CORPUS").unwrap_or(DEFAULT_CORPUS.into());
    let runs: usize =
        std::env::var("SPOOR_MODULES_COST_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let (files, _) = sources::rule_files(&[PathBuf::from(SIGNATURE_BASE)]);
    if files.is_empty() || !Path::new(&corpus).is_dir() {
        eprintln!("note: {SIGNATURE_BASE} or {corpus} is absent, skipping");
        return;
    }
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.display().to_string(), std::fs::read_to_string(f).unwrap_or_default()))
        .filter(|(_, text)| !imports_a_module(text))
        .collect();
    let inputs = read_corpus(Path::new(&corpus));
    let bytes: usize = inputs.iter().map(Vec::len).sum();
    println!(
        "{} signature-base files without imports; corpus {corpus}: {} files, {:.0} MB",
        texts.len(),
        inputs.len(),
        bytes as f64 / 1e6
    );
    let sets = [
        ("no-import", compile(&texts, None)),
        ("+ unused pe", compile(&texts, Some(UNUSED_PE))),
        ("+ pe read", compile(&texts, Some(PE_READ))),
    ];
    let mut rounds: Vec<Vec<Round>> = sets.iter().map(|_| Vec::new()).collect();
    for round in 0..runs {
        for (i, (name, rules)) in sets.iter().enumerate() {
            let r = scan_all(rules, &inputs);
            println!(
                "round {round} {name:12} wall {:6.2} s  cpu {:>6} s  matches {}  module_parses {}",
                r.wall.as_secs_f64(),
                seconds(r.cpu),
                r.matches,
                r.module_parses
            );
            rounds[i].push(r);
        }
    }
    println!("medians of {runs}:");
    let cpu_base = median(rounds[0].iter().filter_map(|r| r.cpu).collect());
    for ((name, _), of_set) in sets.iter().zip(&rounds) {
        let wall = median(of_set.iter().map(|r| r.wall).collect());
        let cpu = median(of_set.iter().filter_map(|r| r.cpu).collect());
        let ratio = cpu
            .zip(cpu_base)
            .map_or("-".into(), |(c, b)| format!("{:.3}", c.as_secs_f64() / b.as_secs_f64()));
        let last = of_set.last().expect("at least one round");
        println!(
            "  {name:12} wall {} s  cpu {} s ({ratio} x no-import)  matches {}  module_parses {}",
            seconds(wall),
            seconds(cpu),
            last.matches,
            last.module_parses
        );
    }
}
