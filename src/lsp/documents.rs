//! The documents the client has open: their text, kept current through full
//! and incremental changes, and what the parser makes of it.
//!
//! The client owns the text of an open document; the server never reads it
//! from disk. Each change replaces the text and drops the parse, which is
//! redone on first use, so a burst of changes costs one parse.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::position::LineIndex;
use crate::compiler::project::ActorProfiles;
use crate::parser::{self, Tokens, ast};
use crate::source::SourceFile;

/// Largest document analysed: beyond it (a file opened by mistake, a
/// binary) the server answers with one diagnostic and no features, rather
/// than spending seconds of every keystroke on it.
pub const MAX_DOCUMENT_BYTES: usize = 8 << 20;

/// One open document.
#[derive(Debug)]
pub struct Document {
    /// Its URI, as the client sent it.
    pub uri: Uri,
    /// The file it stands for; for URIs that are not `file:`, the URI text.
    pub path: PathBuf,
    /// The client's version of the text.
    pub version: i32,
    /// The actor profiles its rules' meta is checked against and hover
    /// describes (`None`: the directory's own profiles are invalid, so
    /// meta is not checked and hover uses the bundled ones).
    pub profiles: Option<Arc<ActorProfiles>>,
    text: String,
    lines: LineIndex,
    parsed: OnceLock<Parsed>,
}

/// The parse of a document.
#[derive(Debug)]
pub struct Parsed {
    /// The text as a source file, named by the document's path.
    pub source: Arc<SourceFile>,
    /// The rules; those with a syntax error are left out
    /// ([`parser::parse_recovering`]).
    pub file: ast::File,
    /// Every token of the rules parsed.
    pub tokens: Tokens,
}

impl Document {
    /// A document with `text` at `version`.
    #[must_use]
    pub fn new(uri: Uri, version: i32, text: String) -> Self {
        let path = path_of(&uri);
        let lines = LineIndex::new(&text);
        let profiles = Some(Arc::new(ActorProfiles::Bundled));
        Self { uri, path, version, profiles, text, lines, parsed: OnceLock::new() }
    }

    /// The current text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Its line index.
    #[must_use]
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    /// The byte offset of `position`, clamped to the text; `None` for a
    /// document too large to analyse, which no feature looks into.
    #[must_use]
    pub fn offset(&self, position: lsp_types::Position) -> Option<usize> {
        self.is_analysable().then(|| self.lines.offset(&self.text, position))
    }

    /// Whether the text is small enough to analyse.
    #[must_use]
    pub fn is_analysable(&self) -> bool {
        self.text.len() <= MAX_DOCUMENT_BYTES
    }

    /// The parse of the current text (empty for a document too large to
    /// analyse).
    pub fn parsed(&self) -> &Parsed {
        self.parsed.get_or_init(|| {
            let source = SourceFile::new(self.path.display().to_string(), self.text.as_str());
            if !self.is_analysable() {
                let file = ast::File { items: Vec::new() };
                return Parsed { source, file, tokens: Tokens::default() };
            }
            let (file, tokens, _) = parser::parse_recovering(&source);
            Parsed { source, file, tokens }
        })
    }

    /// Applies the client's changes, in order; `version` is the new one.
    pub fn change(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let start = self.lines.offset(&self.text, range.start);
                    let end = self.lines.offset(&self.text, range.end).max(start);
                    self.text.replace_range(start..end, &change.text);
                }
            }
            self.lines = LineIndex::new(&self.text);
        }
        self.version = version;
        self.parsed = OnceLock::new();
    }

    /// The rule of the parse whose span holds `offset`.
    #[must_use]
    pub fn rule_at(&self, offset: usize) -> Option<&ast::Rule> {
        self.parsed().file.items.iter().find_map(|item| match item {
            ast::Item::Rule(rule) if rule.span.range().contains(&offset) => Some(rule),
            _ => None,
        })
    }
}

/// The open documents by URI.
#[derive(Debug, Default)]
pub struct Documents {
    open: BTreeMap<Uri, Document>,
}

impl Documents {
    /// Opens (or reopens) a document.
    pub fn open(&mut self, document: Document) {
        self.open.insert(document.uri.clone(), document);
    }

    /// Closes a document; closing one that is not open does nothing.
    pub fn close(&mut self, uri: &Uri) {
        self.open.remove(uri);
    }

    /// The open document at `uri`.
    #[must_use]
    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri)
    }

    /// The open document at `uri`, to change it.
    pub fn get_mut(&mut self, uri: &Uri) -> Option<&mut Document> {
        self.open.get_mut(uri)
    }

    /// Every open document, in URI order.
    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.open.values()
    }
}

/// The path a URI names: the decoded path of a `file:` URI, else the URI
/// text itself (an `untitled:` buffer has no directory to include from).
#[must_use]
pub fn path_of(uri: &Uri) -> PathBuf {
    let is_file = uri.scheme().is_some_and(|s| s.as_str().eq_ignore_ascii_case("file"));
    if is_file && let Ok(path) = uri.path().as_estr().decode().into_string() {
        return PathBuf::from(path.as_ref());
    }
    PathBuf::from(uri.as_str())
}

/// The `file:` URI of a path (absolute paths only; others are made so
/// against the current directory).
#[must_use]
pub fn uri_of(path: &Path) -> Option<Uri> {
    let absolute = std::path::absolute(path).ok()?;
    let mut uri = String::from("file://");
    for byte in absolute.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn uri(text: &str) -> Uri {
        text.parse().expect("a valid URI")
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let mut doc = Document::new(uri("file:///r.yar"), 1, "rule a { condition: true }".into());
        let edit = |line, from, to, text: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(line, from), Position::new(line, to))),
            range_length: None,
            text: text.to_owned(),
        };
        doc.change(2, vec![edit(0, 5, 6, "bé"), edit(0, 7, 7, "\nx")]);
        assert_eq!(doc.text(), "rule bé\nx { condition: true }");
        doc.change(3, vec![edit(1, 0, 1, ""), edit(9, 0, 0, "!")]);
        assert_eq!(doc.text(), "rule bé\n { condition: true }!");
        assert_eq!(doc.version, 3);
    }

    #[test]
    fn file_uris_round_trip_through_paths() {
        let path = path_of(&uri("file:///tmp/my%20rules/a%C3%A9.yar"));
        assert_eq!(path, PathBuf::from("/tmp/my rules/aé.yar"));
        assert_eq!(uri_of(&path).map(|u| path_of(&u)), Some(path));
        assert_eq!(path_of(&uri("untitled:Untitled-1")), PathBuf::from("untitled:Untitled-1"));
    }
}
