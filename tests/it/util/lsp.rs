//! A minimal LSP client for the tests: runs `spoor lsp`, speaks JSON-RPC
//! with `Content-Length` framing, and keeps the notifications it receives.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// How long any answer may take before the test fails.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A running `spoor lsp`.
pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for responses, in order.
    pub notifications: Vec<Value>,
}

impl Client {
    /// Starts the server and initializes it.
    pub fn start() -> Self {
        let mut client = Self::spawn();
        let result = client.request("initialize", json!({ "capabilities": {} }));
        assert_eq!(result["serverInfo"]["name"], "spoor");
        client.notify("initialized", json!({}));
        client
    }

    /// Starts the server without initializing it.
    pub fn spawn() -> Self {
        let mut child = super::spoor()
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn spoor lsp");
        let stdout = child.stdout.take().expect("piped stdout");
        let stdin = child.stdin.take();
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Self { child, stdin, incoming, next_id: 0, notifications: Vec::new() }
    }

    /// Writes raw bytes to the server.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to spoor lsp");
        stdin.flush().expect("flush");
    }

    /// Writes one framed body.
    pub fn send_body(&mut self, body: &str) {
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        let body = json!({ "jsonrpc": "2.0", "method": method, "params": params });
        self.send_body(&body.to_string());
    }

    /// Sends a request and returns its whole response.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        self.send_body(&body.to_string());
        self.response(&json!(id))
    }

    /// Sends a request and returns its result, failing on an error.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    /// The next response with `id`, keeping notifications on the way.
    pub fn response(&mut self, id: &Value) -> Value {
        loop {
            let message = self.next();
            if message.get("method").is_some() && message.get("id").is_none() {
                self.notifications.push(message);
            } else if message["id"] == *id {
                return message;
            }
        }
    }

    /// The next notification of `method` (already received or to come).
    pub fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.notifications.iter().position(|n| n["method"] == method) {
            return self.notifications.remove(i);
        }
        loop {
            let message = self.next();
            if message["method"] == method {
                return message;
            }
            self.notifications.push(message);
        }
    }

    /// Opens a document and returns its published diagnostics.
    pub fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        let item = json!({ "uri": uri, "languageId": "yara", "version": 1, "text": text });
        self.notify("textDocument/didOpen", json!({ "textDocument": item }));
        self.diagnostics(uri)
    }

    /// Replaces the text between two `(line, character)` positions of
    /// `uri` (an incremental change) and returns the diagnostics
    /// published for it.
    pub fn edit(
        &mut self,
        uri: &str,
        version: i32,
        (from, to): ((u32, u32), (u32, u32)),
        text: &str,
    ) -> Vec<Value> {
        let position =
            |(line, character): (u32, u32)| json!({ "line": line, "character": character });
        let change = json!({
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [{ "range": { "start": position(from), "end": position(to) }, "text": text }]
        });
        self.notify("textDocument/didChange", change);
        self.diagnostics(uri)
    }

    /// The next diagnostics published for `uri`.
    pub fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let published = self.notification("textDocument/publishDiagnostics");
            if published["params"]["uri"] == uri {
                return published["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
        }
    }

    fn next(&mut self) -> Value {
        match self.incoming.recv_timeout(TIMEOUT) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("spoor lsp did not answer in {TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("spoor lsp closed its output"),
        }
    }

    /// Shuts the server down and returns its exit status code.
    pub fn shutdown(mut self) -> Option<i32> {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.exit()
    }

    /// Sends `exit` and returns the server's exit status code.
    pub fn exit(mut self) -> Option<i32> {
        self.notify("exit", Value::Null);
        self.stdin = None;
        self.child.wait().expect("spoor lsp exits").code()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads one framed message; `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
