//! The language server's message handler, driven in-process by a session
//! that `arbitrary` builds from the fuzzer's bytes.
//!
//! Random bytes almost never form a JSON-RPC message about an open
//! document at a position inside a rule, so most of a session is
//! structured: which documents are open, what they hold (seed rule files,
//! spliced with fuzzer text, or fuzzer text alone), which of the server's
//! requests is asked where. Raw message bodies and raw framed streams are
//! steps too, so the parsers of both layers see unstructured input.

use std::path::Path;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use lsp_server::Message;
use serde_json::{Value, json};
use spoor::lsp::{Server, serve};

/// A session: what the client sends, in order, after `initialize`.
#[derive(Debug, Arbitrary)]
pub struct Session {
    steps: Vec<Step>,
}

/// One thing the client does.
#[derive(Debug, Arbitrary)]
enum Step {
    Open { doc: Doc, text: Text },
    Change { doc: Doc, version: i32, changes: Vec<Change> },
    Close { doc: Doc },
    Ask { doc: Doc, request: Ask },
    /// A message body as the client wrote it, handed to the server when
    /// it parses as a message.
    Body(String),
    /// A framed byte stream, served by a fresh server after an
    /// `initialize` (the framing layer's own input).
    Stream(Vec<u8>),
    /// `shutdown`, after which only errors are due, then maybe `exit`.
    Shutdown { exit: bool },
}

/// Which document a step is about: one of three URIs, or any text.
#[derive(Debug, Arbitrary)]
enum Doc {
    A,
    B,
    Untitled,
    Other(String),
}

/// A document's text.
#[derive(Debug, Arbitrary)]
enum Text {
    /// A seed rule file as it is.
    Seed(u16),
    /// A seed with `insert` written over `remove` bytes at `at`.
    Spliced { seed: u16, at: u16, remove: u8, insert: String },
    /// The fuzzer's own text.
    Raw(String),
}

/// One content change of a `didChange`.
#[derive(Debug, Arbitrary)]
enum Change {
    Full(Text),
    Edit { start: Pos, end: Pos, text: String },
}

/// A position: mostly near the start of a small file, sometimes anywhere.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Pos {
    Near(u8, u8),
    Far(u32, u32),
}

/// Every request the server answers, with its own parameters.
#[derive(Debug, Arbitrary)]
enum Ask {
    Hover(Pos),
    Definition(Pos),
    References { at: Pos, declaration: bool },
    Rename { at: Pos, new_name: String },
    SignatureHelp(Pos),
    Completion(Pos),
    Formatting { tab_size: u8, spaces: bool },
    Symbols,
    SemanticTokens,
    Folding,
    CodeAction { start: Pos, end: Pos },
    Unknown(String),
}

/// Runs a session against one server. Panics in a feature are caught by
/// the server, but libFuzzer's panic hook aborts first, so they are found.
pub fn session(session: Session) {
    let mut server = Server::default();
    send(&mut server, request("initialize", json!({ "capabilities": {} })));
    for step in session.steps {
        match step {
            Step::Open { doc, text } => {
                let Some(text) = text.render() else { continue };
                let item = json!({ "uri": doc.uri(), "languageId": "yara", "version": 1, "text": text });
                send(&mut server, notification("textDocument/didOpen", json!({ "textDocument": item })));
            }
            Step::Change { doc, version, changes } => {
                let Some(changes) = changes.iter().map(Change::to_json).collect::<Option<Vec<_>>>()
                else {
                    continue;
                };
                let params = json!({
                    "textDocument": { "uri": doc.uri(), "version": version },
                    "contentChanges": changes,
                });
                send(&mut server, notification("textDocument/didChange", params));
            }
            Step::Close { doc } => {
                let params = json!({ "textDocument": { "uri": doc.uri() } });
                send(&mut server, notification("textDocument/didClose", params));
            }
            Step::Ask { doc, request: ask } => {
                let (method, params) = ask.to_json(&doc.uri());
                send(&mut server, request(&method, params));
            }
            Step::Body(body) => {
                if let Ok(message) = serde_json::from_str::<Message>(&body) {
                    let _ = server.handle(message);
                }
            }
            Step::Stream(bytes) => {
                let mut input = frame(&request("initialize", json!({ "capabilities": {} })));
                input.extend_from_slice(&bytes);
                let _ = serve(&mut input.as_slice(), &mut std::io::sink());
            }
            Step::Shutdown { exit } => {
                send(&mut server, request("shutdown", Value::Null));
                if exit {
                    send(&mut server, notification("exit", Value::Null));
                }
            }
        }
    }
}

/// Hands `message` (a JSON value) to the server; every reply must
/// serialize, as the transport would write it.
fn send(server: &mut Server, message: Value) {
    let message: Message = serde_json::from_value(message).expect("the harness builds messages");
    for reply in server.handle(message) {
        serde_json::to_string(&reply).expect("a reply serializes");
    }
}

fn request(method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params })
}

fn notification(method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "method": method, "params": params })
}

/// `message` with its `Content-Length` header.
fn frame(message: &Value) -> Vec<u8> {
    let body = message.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

impl Doc {
    fn uri(&self) -> String {
        match self {
            Doc::A => "file:///fuzz/a.yar".to_owned(),
            Doc::B => "file:///fuzz/rules/b.yar".to_owned(),
            Doc::Untitled => "untitled:Untitled-1".to_owned(),
            Doc::Other(text) => text.clone(),
        }
    }
}

impl Text {
    /// The text, or `None` for one with an `include`: an include reads
    /// the file system, which would make runs depend on the machine.
    fn render(&self) -> Option<String> {
        let text = match self {
            Text::Seed(n) => seed(*n).to_owned(),
            Text::Spliced { seed: n, at, remove, insert } => {
                let mut text = seed(*n).to_owned();
                let mut at = usize::from(*at) % (text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + usize::from(*remove)).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                text.replace_range(at..end, insert);
                text
            }
            Text::Raw(text) => text.clone(),
        };
        (!text.contains("include")).then_some(text)
    }
}

impl Change {
    fn to_json(&self) -> Option<Value> {
        Some(match self {
            Change::Full(text) => json!({ "text": text.render()? }),
            Change::Edit { start, end, text } => {
                if text.contains("include") {
                    return None;
                }
                json!({ "range": range(*start, *end), "text": text })
            }
        })
    }
}

impl Pos {
    fn to_json(self) -> Value {
        let (line, character) = match self {
            Pos::Near(line, character) => (u32::from(line % 32), u32::from(character)),
            Pos::Far(line, character) => (line, character),
        };
        json!({ "line": line, "character": character })
    }
}

fn range(start: Pos, end: Pos) -> Value {
    json!({ "start": start.to_json(), "end": end.to_json() })
}

impl Ask {
    /// The request's method and parameters about the document at `uri`.
    fn to_json(&self, uri: &str) -> (String, Value) {
        let doc = json!({ "uri": uri });
        let at = |method: &str, pos: &Pos| {
            (method.to_owned(), json!({ "textDocument": doc, "position": pos.to_json() }))
        };
        let whole = |method: &str| (method.to_owned(), json!({ "textDocument": doc }));
        match self {
            Ask::Hover(pos) => at("textDocument/hover", pos),
            Ask::Definition(pos) => at("textDocument/definition", pos),
            Ask::SignatureHelp(pos) => at("textDocument/signatureHelp", pos),
            Ask::Completion(pos) => at("textDocument/completion", pos),
            Ask::References { at: pos, declaration } => {
                let (method, mut params) = at("textDocument/references", pos);
                params["context"] = json!({ "includeDeclaration": declaration });
                (method, params)
            }
            Ask::Rename { at: pos, new_name } => {
                let (method, mut params) = at("textDocument/rename", pos);
                params["newName"] = json!(new_name);
                (method, params)
            }
            Ask::Formatting { tab_size, spaces } => {
                let (method, mut params) = whole("textDocument/formatting");
                params["options"] = json!({ "tabSize": tab_size, "insertSpaces": spaces });
                (method, params)
            }
            Ask::Symbols => whole("textDocument/documentSymbol"),
            Ask::SemanticTokens => whole("textDocument/semanticTokens/full"),
            Ask::Folding => whole("textDocument/foldingRange"),
            Ask::CodeAction { start, end } => {
                let (method, mut params) = whole("textDocument/codeAction");
                params["range"] = range(*start, *end);
                params["context"] = json!({ "diagnostics": [] });
                (method, params)
            }
            Ask::Unknown(method) => (method.clone(), json!({ "textDocument": doc })),
        }
    }
}

/// The `n`th seed rule file (modulo their number): the golden diagnostics
/// inputs of `tests/data/diagnostics` (every error and warning spoor
/// reports, so every quick fix) and the bundled rules, without includes.
fn seed(n: u16) -> &'static str {
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    let seeds = SEEDS.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut seeds: Vec<String> = ["tests/data/diagnostics", "rules/lazarus", "rules/scarcruft"]
            .iter()
            .filter_map(|dir| std::fs::read_dir(repo.join(dir)).ok())
            .flatten()
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "yar"))
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .filter(|text| !text.contains("include"))
            .collect();
        seeds.sort();
        assert!(!seeds.is_empty(), "no seed rule files under {}", repo.display());
        seeds
    });
    &seeds[usize::from(n) % seeds.len()]
}
