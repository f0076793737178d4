//! Scan throughput of the matcher: ~2,000 text patterns taken from the
//! signature-base corpus (with their `nocase`/`wide`/`ascii`/`fullword`
//! modifiers) over 16 MiB of this machine's files (executables and text),
//! with some of the patterns planted so verification runs too.
//!
//! A second benchmark compiles *every* pattern of signature-base (each
//! file through the compiler, as `spoor scan` does) and scans the files of
//! the bench corpus (`SPOOR_BENCH_CORPUS`, default /tmp/spoor-bench-corpus,
//! built by scripts/build_diff_corpus.py; first 64 MiB) one by one, as the
//! scanner does: the matcher's share of a `spoor scan`.
//!
//! Run with `cargo bench --bench matcher`. Skips with a note when the corpus
//! (`../shared/corpora/signature-base`) is absent.

use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spoor::compiler::{Compiler, MatcherInput, ir::Constant, sources};
use spoor::matcher::{Matcher, MatcherLimits, PatternSpec};
use spoor::parser::ast::{Modifier, ModifierKind, PatternValue};
use spoor::source::Span;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora/signature-base/yara");
const PATTERNS: usize = 2_000;
const DATA_SIZE: usize = 16 << 20;

/// Decodes a YARA text string body (escapes `\" \\ \n \r \t \xHH`).
fn decode(body: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut bytes = body.bytes();
    while let Some(byte) = bytes.next() {
        if byte != b'\\' {
            out.push(byte);
            continue;
        }
        out.push(match bytes.next()? {
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'x' => {
                let hex = [bytes.next()?, bytes.next()?];
                u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?
            }
            other => other,
        });
    }
    Some(out)
}

/// Crudely reads `$name = "text" modifiers` lines: the text and the
/// modifiers the matcher takes without arguments.
fn text_strings(corpus: &Path) -> Vec<(Vec<u8>, Vec<Modifier>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus)
        .map(|dir| dir.filter_map(|entry| Some(entry.ok()?.path())).collect())
        .unwrap_or_default();
    files.sort();
    let mut strings = Vec::new();
    for file in files {
        let Ok(source) = std::fs::read_to_string(&file) else { continue };
        for line in source.lines() {
            let line = line.trim();
            let Some((name, rest)) = line.split_once('=') else { continue };
            let rest = rest.trim();
            if !name.trim().starts_with('$') || !rest.starts_with('"') {
                continue;
            }
            let Some(close) = rest[1..].find('"').map(|i| i + 1) else { continue };
            if rest[1..close].ends_with('\\') {
                continue; // an escaped quote: too crude to read, skip it
            }
            let Some(text) = decode(&rest[1..close]).filter(|text| text.len() >= 2) else {
                continue;
            };
            let modifiers = rest[close + 1..]
                .split_whitespace()
                .filter_map(|word| match word {
                    "nocase" => Some(ModifierKind::Nocase),
                    "wide" => Some(ModifierKind::Wide),
                    "ascii" => Some(ModifierKind::Ascii),
                    "fullword" => Some(ModifierKind::Fullword),
                    _ => None,
                })
                .map(|kind| Modifier { kind, span: Span::new(0, 0) })
                .collect();
            strings.push((text, modifiers));
        }
    }
    strings.sort_by(|a, b| a.0.cmp(&b.0));
    strings.dedup_by(|a, b| a.0 == b.0);
    // Spread the picks over the whole corpus rather than its first files.
    let step = (strings.len() / PATTERNS).max(1);
    strings.into_iter().step_by(step).take(PATTERNS).collect()
}

/// 16 MiB of real files: executables from /usr/bin and text from
/// /usr/share, half each, with every 50th pattern planted every 64 KiB.
fn mixed_data(patterns: &[(Vec<u8>, Vec<Modifier>)]) -> Vec<u8> {
    let mut data = Vec::with_capacity(DATA_SIZE);
    for (root, share) in [("/usr/bin", DATA_SIZE / 2), ("/usr/share/doc", DATA_SIZE)] {
        let mut files: Vec<PathBuf> = walk(Path::new(root));
        files.sort();
        for file in files {
            if data.len() >= share {
                break;
            }
            if let Ok(bytes) = std::fs::read(&file) {
                data.extend_from_slice(&bytes[..bytes.len().min(share - data.len())]);
            }
        }
    }
    // Pad with a simple pseudo-random sequence if the machine has too few files.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    while data.len() < DATA_SIZE {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.push(state.to_le_bytes()[0]);
    }
    for (i, (text, _)) in patterns.iter().step_by(50).enumerate() {
        let at = (i * 65_536) % (DATA_SIZE - text.len());
        data[at..at + text.len()].copy_from_slice(text);
    }
    data
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(kind) if kind.is_file() => found.push(entry.path()),
                _ => {}
            }
        }
    }
    found
}

fn bench_scan(c: &mut Criterion) {
    if !Path::new(CORPUS).is_dir() {
        eprintln!("note: {CORPUS} is absent, skipping the matcher bench");
        return;
    }
    let strings = text_strings(Path::new(CORPUS));
    let values: Vec<PatternValue> =
        strings.iter().map(|(text, _)| PatternValue::Text(text.clone())).collect();
    let specs: Vec<PatternSpec> = values
        .iter()
        .zip(&strings)
        .map(|(value, (_, modifiers))| PatternSpec { value, modifiers })
        .collect();
    let started = Instant::now();
    let matcher =
        Matcher::build(&specs, &MatcherLimits::default()).expect("corpus strings compile");
    eprintln!("built {} patterns in {:?}", specs.len(), started.elapsed());
    let data = mixed_data(&strings);
    let mut scratch = matcher.scratch();
    let found = matcher.scan(&data, &mut scratch);
    let hits: usize = (0..specs.len()).map(|pattern| found.matches(pattern).len()).sum();
    eprintln!("{hits} matches in {} MiB", data.len() >> 20);

    let mut group = c.benchmark_group("matcher");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function(format!("scan 16 MiB, {} corpus patterns", specs.len()), |b| {
        b.iter(|| matcher.scan(&data, &mut scratch));
    });
    group.finish();
}

/// The externals signature-base rules use, defined as empty strings.
const EXTERNALS: [&str; 5] = ["filename", "filepath", "extension", "filetype", "owner"];

/// Bytes of the bench corpus kept in memory for the full-ruleset benchmark.
const CORPUS_BYTES: usize = 64 << 20;

/// Every pattern of every signature-base file that compiles.
fn all_patterns() -> Vec<spoor::compiler::ir::Pattern> {
    let (files, _) = sources::rule_files(&[PathBuf::from(CORPUS)]);
    let mut patterns = Vec::new();
    for file in files {
        let mut compiler = Compiler::new();
        for name in EXTERNALS {
            compiler.define(name, Constant::String(Vec::new().into()));
        }
        compiler.add_file(&file);
        if let Ok(rules) = compiler.build() {
            patterns.extend(rules.program().patterns.iter().cloned());
        }
    }
    patterns
}

fn bench_full_ruleset(c: &mut Criterion) {
    let corpus = std::env::var("SPOOR_BENCH_CORPUS")
        .unwrap_or_else(|_| "/tmp/spoor-bench-corpus".to_owned());
    if !Path::new(CORPUS).is_dir() || !Path::new(&corpus).is_dir() {
        eprintln!("note: {CORPUS} or {corpus} is absent, skipping the full-ruleset bench");
        return;
    }
    let patterns = all_patterns();
    let inputs: Vec<MatcherInput> = patterns.iter().filter_map(MatcherInput::new).collect();
    let specs: Vec<PatternSpec> = inputs.iter().map(MatcherInput::spec).collect();
    let started = Instant::now();
    let matcher = Matcher::build(&specs, &MatcherLimits::default()).expect("patterns compile");
    eprintln!("built {} patterns in {:?}", specs.len(), started.elapsed());
    let mut files = walk(Path::new(&corpus));
    files.sort();
    let mut inputs = Vec::new();
    let mut total = 0;
    for file in files {
        if total >= CORPUS_BYTES {
            break;
        }
        if let Ok(bytes) = std::fs::read(&file) {
            total += bytes.len();
            inputs.push(bytes);
        }
    }
    let mut scratch = matcher.scratch();
    // The best of a few passes, printed for comparisons on a busy machine
    // (criterion's mean moves with the load of the other processes).
    let best = (0..3)
        .map(|_| {
            let started = Instant::now();
            inputs.iter().for_each(|data| drop(matcher.scan(data, &mut scratch)));
            started.elapsed()
        })
        .min()
        .unwrap_or_default();
    eprintln!("best pass over {} MiB: {best:?}", total >> 20);
    let mut group = c.benchmark_group("matcher");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(total as u64));
    let name = format!("{} signature-base patterns, {} corpus files", specs.len(), inputs.len());
    group.bench_function(name, |b| {
        b.iter(|| inputs.iter().map(|data| matcher.scan(data, &mut scratch)).count());
    });
    group.finish();
}

criterion_group!(benches, bench_scan, bench_full_ruleset);
criterion_main!(benches);
