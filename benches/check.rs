//! Parsing and checking the whole signature-base corpus, each file compiled
//! on its own as `spoor check` does (sequentially here, to measure the
//! front end rather than the thread pool). Parsing alone is measured too,
//! so the checker's share is the difference.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use spoor::compiler::{Compiler, ir::Constant, sources};
use spoor::parser;
use spoor::source::SourceFile;

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
    let sources: Vec<_> =
        texts.iter().map(|(o, t)| SourceFile::new(o.as_str(), t.as_str())).collect();
    let name = format!("parse signature-base ({} files)", texts.len());
    c.bench_function(&name, |b| {
        b.iter(|| sources.iter().map(|s| parser::parse(s).0.items.len()).sum::<usize>());
    });
    let name = format!("parse and check signature-base ({} files)", texts.len());
    c.bench_function(&name, |b| {
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
