//! Hostile rule text for the checker: signature-base rules whose condition
//! tokens are swapped for values of other types, names that do not exist,
//! huge numbers and the like. The texts mostly parse, so the checker sees
//! every kind of wrong expression. It must never panic, and every rule text
//! either compiles or gets an error (never silently dropped).
//!
//! `SPOOR_CHECK_FUZZ_CASES` sets the number of mutated texts (default
//! 1,000, enough for a debug run; run many more with `--release`).

use crate::util::rng::Rng;

use spoor::compiler::{Compiler, ir::Constant, sources};
use spoor::parser::{self, ast};
use spoor::source::SourceFile;

/// What a condition token is replaced with.
const REPLACEMENTS: &[&str] = &[
    "1",
    "-1",
    "0",
    "1.5",
    "\"s\"",
    "/re/",
    "filesize",
    "entrypoint",
    "true",
    "not",
    "$a",
    "#a",
    "@a[0]",
    "!a",
    "$",
    "#",
    "them",
    "x",
    "pe",
    "pe.nope",
    "math.entropy(1.0)",
    "uint8(\"a\")",
    "9223372036854775807",
    "9223372036854775807 + 1",
    "(1..0)",
    "all of ($z*)",
    "for any i in (5..1) : (i)",
    "with q = 1 : (q)",
    "for any k, v in pe.sections : (k)",
    "filename",
    "a",
    "\\",
    "%",
    "<<",
    "-",
];

/// Byte ranges of the word-like tokens after the first `condition:`.
fn condition_tokens(text: &str) -> Vec<(usize, usize)> {
    let Some(start) = text.find("condition:") else { return Vec::new() };
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = start + "condition:".len();
    while i < bytes.len() {
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b"_$#@!.".contains(&b);
        if is_word(bytes[i]) {
            let begin = i;
            while i < bytes.len() && is_word(bytes[i]) {
                i += 1;
            }
            tokens.push((begin, i));
        } else {
            i += 1;
        }
    }
    tokens
}

fn mutate(text: &str, rng: &mut Rng) -> String {
    let tokens = condition_tokens(text);
    let mut out = text.to_owned();
    for _ in 0..=rng.below(3) {
        if tokens.is_empty() {
            break;
        }
        let (begin, end) = tokens[rng.below(tokens.len())];
        if end > out.len() || !out.is_char_boundary(begin) || !out.is_char_boundary(end) {
            continue;
        }
        out.replace_range(begin..end, REPLACEMENTS[rng.below(REPLACEMENTS.len())]);
    }
    out
}

#[test]
fn mutated_conditions_never_panic_and_never_vanish() {
    let Some(corpus) = crate::util::signature_base() else { return };
    let cases: usize =
        std::env::var("SPOOR_CHECK_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000);
    let (files, _) = sources::rule_files(&[corpus]);
    let texts: Vec<String> = files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect();
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let mut rejected = 0;
    for case in 0..cases {
        let text = mutate(&texts[case % texts.len()], &mut rng);
        let mut compiler = Compiler::new();
        for name in ["filename", "filepath", "extension", "filetype", "owner"] {
            compiler.define(name, Constant::String(Vec::new().into()));
        }
        compiler.add_source(&text, "fuzz.yar");
        let has_errors = compiler.has_errors();
        rejected += usize::from(has_errors);
        if let Ok(built) = compiler.build() {
            let source = SourceFile::new("fuzz.yar", text.as_str());
            let parsed = parser::parse(&source).0.items;
            let rules = parsed.iter().filter(|i| matches!(i, ast::Item::Rule(_))).count();
            assert_eq!(built.len(), rules, "a rule vanished without an error:\n{text}");
        }
    }
    assert!(rejected > cases / 10, "the mutations should break many rules ({rejected} of {cases})");
}
