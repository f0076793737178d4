//! How long after a change an author waits for diagnostics: a 5,000-line
//! rule file is open in `spoor lsp`'s [`Server`], an incremental edit
//! arrives, and the server answers with the published diagnostics (the
//! whole `spoor check` build of the file, and their conversion). The
//! target is 100 ms on the project's machine.
//!
//! Two cases: edits to a valid file, and edits to a file with a rule that
//! does not parse, where the parser recovers (a second parse of the file).
//!
//! Run with `cargo bench --bench lsp_diagnostics`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::json;
use spoor::lsp::Server;

/// Rules of ten lines each; with the import, 5,001 lines.
const RULES: usize = 500;

/// The rule file: varied patterns, modules and a loop in every rule.
fn rule_file() -> String {
    let mut text = String::from("import \"pe\"\n");
    for i in 0..RULES {
        text.push_str(&format!(
            "rule generated_{i} : bench {{\n  meta:\n    author = \"bench\"\n  strings:\n    \
             $text = \"needle {i}\" nocase wide\n    $hex = {{ 4D 5A ?? [2-4] {:02X} }}\n    \
             $re = /abc[0-9]{{1,{}}}x/ \n  condition:\n    \
             #text > 1 and $hex and for any s in pe.sections : (s.name == \".text\" and $re)\n}}\n",
            i % 256,
            i % 5 + 1,
        ));
    }
    text
}

fn notification(method: &str, params: serde_json::Value) -> Message {
    Notification::new(method.to_owned(), params).into()
}

/// An incremental change of `line` from `character`, `length` units long.
fn change(uri: &str, version: i32, line: u32, character: u32, length: u32, text: &str) -> Message {
    let range = json!({
        "start": { "line": line, "character": character },
        "end": { "line": line, "character": character + length }
    });
    notification(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [{ "range": range, "text": text }]
        }),
    )
}

fn diagnostics_after_a_change(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let uri = format!("file://{}/bench.yar", dir.path().display());
    let text = rule_file();
    assert_eq!(text.lines().count(), 10 * RULES + 1);
    let mut server = Server::default();
    let init = Request::new(RequestId::from(1), "initialize".to_owned(), json!({}));
    server.handle(init.into());
    let item = json!({ "uri": uri, "languageId": "yara", "version": 1, "text": text });
    server.handle(notification("textDocument/didOpen", json!({ "textDocument": item })));

    // In the middle of the file: the `needle` of rule 250's text pattern.
    let line = 1 + 250 * 10 + 4;
    let mut version = 1;
    let mut group = c.benchmark_group("lsp diagnostics, 5,000-line file");
    group.sample_size(20);
    group.bench_function("after an edit", |b| {
        b.iter(|| {
            version += 1;
            let letter = if version % 2 == 0 { "N" } else { "n" };
            black_box(server.handle(change(&uri, version, line, 13, 1, letter)))
        });
    });
    // `$text = ` loses its `=`: the rule does not parse, so every build
    // recovers from a syntax error; the edits go on in the same rule.
    version += 1;
    server.handle(change(&uri, version, line, 10, 1, ""));
    group.bench_function("after an edit, with a rule that does not parse", |b| {
        b.iter(|| {
            version += 1;
            let letter = if version % 2 == 0 { "N" } else { "n" };
            black_box(server.handle(change(&uri, version, line, 12, 1, letter)))
        });
    });
    group.finish();
}

criterion_group!(benches, diagnostics_after_a_change);
criterion_main!(benches);
