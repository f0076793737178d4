//! `spoor lsp`: a Language Server Protocol server over standard input and
//! output, so rule authors get spoor's diagnostics, hover, navigation,
//! completion, signature help, semantic highlighting, folding and
//! formatting in their editor.
//!
//! The server is one synchronous loop ([`serve`]): read a message, let the
//! [`Server`] answer it, write what it says. Each request is answered
//! before the next is read; a rule file builds in milliseconds, so
//! concurrency would buy nothing but ordering bugs. The [`Server`] itself
//! never does I/O on the connection: it maps one message to the messages
//! to send, which is what the tests drive, with any input.
//!
//! Every feature lives in its own module and reads an open [`Document`]
//! (text, parse, tokens); diagnostics come from the one build `spoor check`
//! runs ([`crate::compiler::project`]). No input ends the server: a
//! malformed message gets an error response (or, for a notification, is
//! dropped), a request about a closed document an error, and a feature
//! that panics an internal error, the server staying up. Only `exit`, or
//! the end of the input, ends it.
//!
//! [`Document`]: self

mod actions;
mod bindings;
mod completion;
mod context;
mod diagnostics;
mod documents;
mod folding;
mod formatting;
mod hover;
mod members;
mod navigation;
mod outline;
mod position;
mod semantic_tokens;
mod signature_help;
mod transport;

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_server::{ErrorCode, Message, Notification, Request, Response};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, FoldingRangeProviderCapability,
    HoverProviderCapability, InitializeResult, OneOf, PublishDiagnosticsParams, RenameOptions,
    SemanticTokensFullOptions, SemanticTokensOptions, SemanticTokensServerCapabilities,
    ServerCapabilities, ServerInfo, SignatureHelpOptions, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::compiler::RuleCheck;
use crate::compiler::project::{ActorProfiles, MetaConvention, own_profiles};
use crate::diagnostics::Diagnostic;
use documents::{Document, Documents};

/// Serves the protocol on standard input and output until `exit` or the end
/// of the input; whether the client asked for `shutdown` first (the
/// protocol's exit status is 0 then, 1 otherwise).
///
/// # Errors
/// When standard input or output fails.
pub fn run_stdio() -> io::Result<bool> {
    serve(&mut io::stdin().lock(), &mut io::stdout().lock())
}

/// Serves the protocol on `input` and `output`; whether the client asked
/// for `shutdown` before the end.
///
/// # Errors
/// When reading or writing fails.
pub fn serve(input: &mut impl BufRead, output: &mut impl Write) -> io::Result<bool> {
    let mut server = Server::default();
    loop {
        match transport::read(input)? {
            transport::Incoming::End => return Ok(server.shut_down),
            transport::Incoming::Malformed(code, why, id) => {
                transport::write_unreadable(output, code, &why, id)?;
            }
            transport::Incoming::Message(message) => {
                for reply in server.handle(message) {
                    transport::write(output, &reply)?;
                }
                if server.state == State::Exited {
                    return Ok(server.shut_down);
                }
            }
        }
    }
}

/// Where the server is in the protocol's life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// Before `initialize`: only `initialize` is answered.
    #[default]
    Uninitialized,
    /// Between `initialize` and `shutdown`.
    Running,
    /// After `shutdown`: only `exit` is expected.
    ShutDown,
    /// After `exit`.
    Exited,
}

/// Why a request failed: a JSON-RPC error code and a message.
type Failure = (ErrorCode, String);

/// A request's result, or why it failed.
type Answer = Result<serde_json::Value, Failure>;

/// The server's state: open documents and what was found about them.
#[derive(Debug, Default)]
pub struct Server {
    state: State,
    /// Whether `shutdown` was received.
    shut_down: bool,
    documents: Documents,
    /// The last build's diagnostics of each open document (their fixes
    /// are the code actions).
    checked: HashMap<Uri, Vec<Diagnostic>>,
    /// The actor profiles that apply in each directory (`None`: the
    /// directory's own profiles are invalid, so meta is not checked).
    profiles: HashMap<PathBuf, Option<Arc<ActorProfiles>>>,
}

impl Server {
    /// The messages to send in answer to `message`. Never panics: a
    /// feature that does is answered with an internal error.
    pub fn handle(&mut self, message: Message) -> Vec<Message> {
        let id = match &message {
            Message::Request(request) => Some(request.id.clone()),
            _ => None,
        };
        match catch_unwind(AssertUnwindSafe(|| self.dispatch(message))) {
            Ok(replies) => replies,
            Err(_) => id
                .map(|id| {
                    let why = "internal error: the request made spoor panic".to_owned();
                    Response::new_err(id, ErrorCode::InternalError as i32, why).into()
                })
                .into_iter()
                .collect(),
        }
    }

    fn dispatch(&mut self, message: Message) -> Vec<Message> {
        match message {
            Message::Request(request) => {
                let id = request.id.clone();
                let response = match self.request(request) {
                    Ok(result) => Response { id, response_result: Ok(result) },
                    Err((code, why)) => Response::new_err(id, code as i32, why),
                };
                vec![response.into()]
            }
            Message::Notification(notification) => self.notification(notification),
            // The server sends no requests, so expects no responses.
            Message::Response(_) => Vec::new(),
        }
    }

    fn request(&mut self, request: Request) -> Answer {
        let Request { method, params, .. } = request;
        match (self.state, method.as_str()) {
            (State::Uninitialized, "initialize") => {
                self.state = State::Running;
                to_json(initialize_result())
            }
            (State::Uninitialized, _) => {
                Err((ErrorCode::ServerNotInitialized, "initialize first".to_owned()))
            }
            (State::Running, "initialize") => {
                Err((ErrorCode::InvalidRequest, "already initialized".to_owned()))
            }
            (State::Running, "shutdown") => {
                self.state = State::ShutDown;
                self.shut_down = true;
                Ok(serde_json::Value::Null)
            }
            (State::Running, _) => self.feature(&method, params),
            (State::ShutDown | State::Exited, _) => {
                Err((ErrorCode::InvalidRequest, "the server is shut down".to_owned()))
            }
        }
    }

    /// Answers a request about an open document.
    fn feature(&self, method: &str, params: serde_json::Value) -> Answer {
        let docs = &self.documents;
        match method {
            "textDocument/hover"
            | "textDocument/definition"
            | "textDocument/references"
            | "textDocument/rename"
            | "textDocument/signatureHelp"
            | "textDocument/completion" => self.at_position(method, params),
            "textDocument/formatting" => {
                let p: lsp_types::DocumentFormattingParams = parse(params)?;
                let doc = open(docs, &p.text_document.uri)?;
                let edits =
                    formatting::format(doc).map_err(|why| (ErrorCode::RequestFailed, why))?;
                to_json(edits)
            }
            "textDocument/documentSymbol" => {
                let p: lsp_types::DocumentSymbolParams = parse(params)?;
                let doc = open(docs, &p.text_document.uri)?;
                to_json(outline::symbols(doc))
            }
            "textDocument/semanticTokens/full" => {
                let p: lsp_types::SemanticTokensParams = parse(params)?;
                let doc = open(docs, &p.text_document.uri)?;
                to_json(semantic_tokens::tokens(doc))
            }
            "textDocument/foldingRange" => {
                let p: lsp_types::FoldingRangeParams = parse(params)?;
                let doc = open(docs, &p.text_document.uri)?;
                to_json(folding::folding_ranges(doc))
            }
            "textDocument/codeAction" => {
                let p: lsp_types::CodeActionParams = parse(params)?;
                let doc = open(docs, &p.text_document.uri)?;
                let found = self.checked.get(&doc.uri).map_or(&[][..], Vec::as_slice);
                to_json(actions::quick_fixes(doc, found, p.range))
            }
            _ => Err((ErrorCode::MethodNotFound, format!("unknown method `{method}`"))),
        }
    }

    /// Answers a request about a position in an open document.
    fn at_position(&self, method: &str, params: serde_json::Value) -> Answer {
        let docs = &self.documents;
        // Every such request's parameters hold these, flattened.
        let at: lsp_types::TextDocumentPositionParams = parse(params.clone())?;
        let (doc, position) = (open(docs, &at.text_document.uri)?, at.position);
        match method {
            "textDocument/hover" => to_json(hover::hover(doc, position)),
            "textDocument/definition" => to_json(navigation::definition(docs, doc, position)),
            "textDocument/references" => {
                let p: lsp_types::ReferenceParams = parse(params)?;
                let declaration = p.context.include_declaration;
                to_json(navigation::references(docs, doc, position, declaration))
            }
            "textDocument/rename" => {
                let p: lsp_types::RenameParams = parse(params)?;
                let edit = navigation::rename(docs, doc, position, &p.new_name)
                    .map_err(|why| (ErrorCode::InvalidParams, why))?;
                to_json(edit)
            }
            "textDocument/signatureHelp" => to_json(signature_help::signature_help(doc, position)),
            _ => to_json(completion::complete(doc, position)),
        }
    }

    fn notification(&mut self, notification: Notification) -> Vec<Message> {
        let Notification { method, params } = notification;
        if method == "exit" {
            self.state = State::Exited;
            return Vec::new();
        }
        if self.state != State::Running {
            return Vec::new();
        }
        // A notification cannot be answered, so one whose parameters do
        // not parse is dropped, as the protocol asks.
        match method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = parse::<DidOpenTextDocumentParams>(params) else { return Vec::new() };
                let item = p.text_document;
                let mut doc = Document::new(item.uri.clone(), item.version, item.text);
                doc.profiles = self.profiles_for(&doc.path);
                self.documents.open(doc);
                self.publish(&item.uri)
            }
            "textDocument/didChange" => {
                let Ok(p) = parse::<DidChangeTextDocumentParams>(params) else {
                    return Vec::new();
                };
                let uri = p.text_document.uri;
                match self.documents.get_mut(&uri) {
                    Some(doc) => {
                        doc.change(p.text_document.version, p.content_changes);
                        self.publish(&uri)
                    }
                    None => Vec::new(),
                }
            }
            "textDocument/didClose" => {
                let Ok(p) = parse::<DidCloseTextDocumentParams>(params) else { return Vec::new() };
                let uri = p.text_document.uri;
                self.documents.close(&uri);
                self.checked.remove(&uri);
                let cleared = PublishDiagnosticsParams::new(uri, Vec::new(), None);
                vec![publish_notification(&cleared)]
            }
            _ => Vec::new(),
        }
    }

    /// Builds the document at `uri` and publishes its diagnostics.
    fn publish(&mut self, uri: &Uri) -> Vec<Message> {
        let Some(doc) = self.documents.get(uri) else { return Vec::new() };
        let meta = doc.profiles.clone().map(|p| Arc::new(MetaConvention(p)) as Arc<dyn RuleCheck>);
        let found = diagnostics::check(doc, meta.as_ref());
        let params = PublishDiagnosticsParams::new(
            uri.clone(),
            diagnostics::to_lsp(doc, &found),
            Some(doc.version),
        );
        self.checked.insert(uri.clone(), found);
        vec![publish_notification(&params)]
    }

    /// The actor profiles for a rule file at `path`, as `spoor check` on its
    /// nearest enclosing rule directory uses them: that directory's own
    /// `actors/*.toml`, else the bundled profiles.
    fn profiles_for(&mut self, path: &Path) -> Option<Arc<ActorProfiles>> {
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        if let Some(found) = self.profiles.get(&dir) {
            return found.clone();
        }
        let found = dir
            .ancestors()
            .find_map(own_profiles)
            .map_or(Some(ActorProfiles::Bundled), |own| own.ok().map(ActorProfiles::Loaded))
            .map(Arc::new);
        self.profiles.insert(dir, found.clone());
        found
    }
}

/// What the server can do, announced in answer to `initialize`.
fn initialize_result() -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Kind(
                TextDocumentSyncKind::INCREMENTAL,
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(false),
                work_done_progress_options: lsp_types::WorkDoneProgressOptions::default(),
            })),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(
                    [".", "$", "#", "@", "!", "\""].map(str::to_owned).to_vec(),
                ),
                ..CompletionOptions::default()
            }),
            document_formatting_provider: Some(OneOf::Left(true)),
            document_symbol_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            signature_help_provider: Some(SignatureHelpOptions {
                trigger_characters: Some(["(", ","].map(str::to_owned).to_vec()),
                retrigger_characters: Some(vec![")".to_owned()]),
                work_done_progress_options: lsp_types::WorkDoneProgressOptions::default(),
            }),
            semantic_tokens_provider: Some(
                SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                    legend: semantic_tokens::legend(),
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    work_done_progress_options: lsp_types::WorkDoneProgressOptions::default(),
                }),
            ),
            folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "spoor".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    }
}

fn publish_notification(params: &PublishDiagnosticsParams) -> Message {
    let params = serde_json::to_value(params).unwrap_or_default();
    Notification { method: "textDocument/publishDiagnostics".to_owned(), params }.into()
}

/// The open document at `uri`, or the error a request about another gets.
fn open<'d>(docs: &'d Documents, uri: &Uri) -> Result<&'d Document, Failure> {
    docs.get(uri)
        .ok_or_else(|| (ErrorCode::InvalidParams, format!("document not open: {}", uri.as_str())))
}

fn parse<P: DeserializeOwned>(params: serde_json::Value) -> Result<P, Failure> {
    serde_json::from_value(params).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn to_json(value: impl Serialize) -> Answer {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_server::RequestId;

    fn request(id: i32, method: &str, params: serde_json::Value) -> Message {
        Request::new(RequestId::from(id), method.to_owned(), params).into()
    }

    fn error_code(replies: &[Message]) -> Option<i32> {
        match replies {
            [Message::Response(r)] => r.response_result.as_ref().err().map(|e| e.code),
            _ => None,
        }
    }

    #[test]
    fn the_life_cycle_is_enforced() {
        let mut server = Server::default();
        let hover = serde_json::json!({
            "textDocument": { "uri": "file:///a.yar" }, "position": { "line": 0, "character": 0 }
        });
        let early = server.handle(request(1, "textDocument/hover", hover.clone()));
        assert_eq!(error_code(&early), Some(ErrorCode::ServerNotInitialized as i32));
        let init =
            server.handle(request(2, "initialize", serde_json::json!({ "capabilities": {} })));
        assert_eq!(error_code(&init), None);
        let again = server.handle(request(3, "initialize", serde_json::json!({})));
        assert_eq!(error_code(&again), Some(ErrorCode::InvalidRequest as i32));
        assert_eq!(server.handle(request(4, "shutdown", serde_json::Value::Null)).len(), 1);
        let late = server.handle(request(5, "textDocument/hover", hover));
        assert_eq!(error_code(&late), Some(ErrorCode::InvalidRequest as i32));
        let exit = Notification::new("exit".to_owned(), serde_json::Value::Null);
        assert!(server.handle(exit.into()).is_empty());
        assert_eq!((server.state, server.shut_down), (State::Exited, true));
    }

    #[test]
    fn exit_without_shutdown_is_reported() {
        let exit = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let input = format!("Content-Length: {}\r\n\r\n{exit}", exit.len());
        assert_eq!(serve(&mut input.as_bytes(), &mut Vec::new()).ok(), Some(false));
        assert_eq!(serve(&mut &b""[..], &mut Vec::new()).ok(), Some(false));
    }
}
