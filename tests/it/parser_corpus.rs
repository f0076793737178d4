//! The signature-base corpus: every file parses without a diagnostic, and
//! printing each AST and parsing the text again gives the same AST
//! (acceptance 1 and 3 of issue 2, for the parser).

use std::path::PathBuf;
use std::sync::Arc;

use spoor::parser::{erase_spans, parse, print};
use spoor::source::SourceFile;

/// Every `.yar` file of the corpus, or `None` (with a note) when the
/// corpus is not checked out beside the repository.
fn corpus() -> Option<Vec<Arc<SourceFile>>> {
    let dir = std::fs::read_dir(crate::util::signature_base()?).expect("corpus is readable");
    let mut paths: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yar" || x == "yara"))
        .collect();
    paths.sort();
    let files = paths
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).expect("corpus file is readable");
            SourceFile::new(p.display().to_string(), String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect();
    Some(files)
}

#[test]
fn every_corpus_file_parses_without_diagnostics() {
    let Some(files) = corpus() else { return };
    assert_eq!(files.len(), 741, "the corpus has 741 rule files");
    let mut failures = Vec::new();
    let mut rules = 0;
    for file in &files {
        let (ast, diagnostics) = parse(file);
        rules += ast.items.len();
        failures.extend(diagnostics.iter().map(|d| d.headline()));
    }
    assert!(failures.is_empty(), "{} diagnostics:\n{}", failures.len(), failures.join("\n"));
    assert!(rules > 5000, "the corpus holds thousands of rules, parsed {rules} items");
}

#[test]
fn every_corpus_file_survives_a_print_round_trip() {
    let Some(files) = corpus() else { return };
    for file in &files {
        let (mut ast, diagnostics) = parse(file);
        assert!(diagnostics.is_empty(), "{} does not parse", file.origin());
        let text = print(&ast);
        let printed = SourceFile::new(format!("printed {}", file.origin()), text);
        let (mut again, diagnostics) = parse(&printed);
        let first = diagnostics.first().map(|d| d.render());
        assert!(diagnostics.is_empty(), "printed {} does not parse: {first:?}", file.origin());
        erase_spans(&mut ast);
        erase_spans(&mut again);
        assert!(ast == again, "{} changes in a print round trip", file.origin());
    }
}
