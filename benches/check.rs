//! Parsing and checking the whole signature-base corpus, each file compiled
//! on its own as `spoor check` does (sequentially here, to measure the
//! front end rather than the thread pool).

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use spoor::compiler::{Compiler, ir::Constant, sources};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora/signature-base/yara");

/// The externals signature-base rules use, defined as empty strings.
const EXTERNALS: [&str; 5] = ["filename", "filepath", "extension", "filetype", "owner"];

fn check_corpus(c: &mut Criterion) {
    let (files, _) = sources::rule_files(&[PathBuf::from(CORPUS)]);
    if files.is_empty() {
        eprintln!("note: {CORPUS} is absent, skipping the check benchmark");
        return;
    }
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.display().to_string(), std::fs::read_to_string(f).unwrap_or_default()))
        .collect();
    c.bench_function("check signature-base (741 files)", |b| {
        b.iter(|| {
            let mut errors = 0;
            for (origin, text) in &texts {
                let mut compiler = Compiler::new();
                for name in EXTERNALS {
                    compiler.define(name, Constant::String(Vec::new().into()));
                }
                compiler.add_source(text, origin);
                errors += usize::from(compiler.has_errors());
            }
            errors
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = check_corpus
}
criterion_main!(benches);
