//! Parsing the whole signature-base corpus (741 files, about 7 MB).
//!
//! Run with `cargo bench --bench parse`; skipped with a note when the
//! corpus is not checked out beside the repository.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spoor::parser::parse;
use spoor::source::SourceFile;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora/signature-base/yara");

fn corpus() -> Vec<Arc<SourceFile>> {
    let Ok(dir) = std::fs::read_dir(CORPUS) else { return Vec::new() };
    dir.filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yar"))
        .filter_map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p).ok()?).into_owned();
            Some(SourceFile::new(p.display().to_string(), text))
        })
        .collect()
}

fn parse_corpus(c: &mut Criterion) {
    let files = corpus();
    if files.is_empty() {
        eprintln!("note: {CORPUS} is absent; nothing to benchmark");
        return;
    }
    let bytes: usize = files.iter().map(|f| f.text().len()).sum();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("signature-base", |b| {
        b.iter(|| {
            for file in &files {
                black_box(parse(file));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, parse_corpus);
criterion_main!(benches);
