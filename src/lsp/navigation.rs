//! Go to definition, find references and rename, for rules, patterns and
//! the variables of `with` and `for ... in`; definition of an `include`
//! opens the included file.
//!
//! Names are found in the parser's token stream: a pattern is named by its
//! declaration and by every `$a`, `#a`, `@a`, `!a` and `$a*` in its rule's
//! condition; a rule by its declaration and by the identifiers of the
//! conditions of every open document (rules are global to a namespace, and
//! the open documents are the workspace the client shows). A name followed
//! by `*` is a set: it refers to every name it is a prefix of, so it is a
//! reference of each, and rename leaves it alone (it may cover other
//! names too). A variable is named by its declaration and the uses that
//! resolve to it in its scope ([`bindings`]).

use std::collections::HashMap;

use lsp_types::{GotoDefinitionResponse, Location, Position, TextEdit, WorkspaceEdit};

use super::bindings::{self, binding_at};
use super::documents::{Document, Documents, uri_of};
use crate::parser::{TokenKind, ast};
use crate::source::Span;

/// What a name refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A pattern of the rule spanning `rule`.
    Pattern { rule: Span, name: String, wildcard: bool },
    /// A rule.
    Rule { name: String, wildcard: bool },
    /// A variable of `with` or `for ... in` in the rule spanning `rule`,
    /// declared at `declaration`.
    Binding { rule: Span, declaration: Span },
}

/// One place a name is written.
#[derive(Debug, Clone)]
struct Occurrence {
    /// The name without sigil or `*`.
    name: String,
    /// Where, sigil and `*` included.
    span: Span,
    /// Whether a `*` follows: a set of names.
    wildcard: bool,
    /// Whether this is the declaration.
    declaration: bool,
}

impl Occurrence {
    /// Whether this occurrence refers to `name` (or, for a set target, to
    /// one of the names it covers).
    fn refers_to(&self, name: &str, wildcard: bool) -> bool {
        match (wildcard, self.wildcard) {
            (false, false) => self.name == name,
            (false, true) => name.starts_with(&self.name),
            (true, false) => self.name.starts_with(name),
            (true, true) => self.name == name,
        }
    }
}

/// The definitions of the name at `position`; on an `include`, the start
/// of the included file.
#[must_use]
pub fn definition(
    docs: &Documents,
    doc: &Document,
    position: Position,
) -> Option<GotoDefinitionResponse> {
    let offset = doc.offset(position)?;
    if let Some(included) = include_at(doc, offset) {
        return Some(GotoDefinitionResponse::Scalar(included));
    }
    let target = target_at(doc, offset)?;
    let mut found: Vec<Location> = occurrences(docs, doc, &target)
        .into_iter()
        .filter(|(_, o)| o.declaration)
        .map(|(d, o)| location(d, o.span))
        .collect();
    match found.len() {
        0 => None,
        1 => found.pop().map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(found)),
    }
}

/// Every place the name at `position` is written.
#[must_use]
pub fn references(
    docs: &Documents,
    doc: &Document,
    position: Position,
    include_declaration: bool,
) -> Option<Vec<Location>> {
    let offset = doc.offset(position)?;
    let target = target_at(doc, offset)?;
    Some(
        occurrences(docs, doc, &target)
            .into_iter()
            .filter(|(_, o)| include_declaration || !o.declaration)
            .map(|(d, o)| location(d, o.span))
            .collect(),
    )
}

/// The edits that rename the rule or pattern at `position` to `new_name`
/// everywhere it is named.
///
/// # Errors
/// When there is nothing to rename there, or `new_name` is not an
/// identifier.
pub fn rename(
    docs: &Documents,
    doc: &Document,
    position: Position,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    let target = doc
        .offset(position)
        .and_then(|offset| target_at(doc, offset))
        .ok_or("no rule, pattern or variable here")?;
    let (is_pattern, wildcard) = match &target {
        Target::Pattern { wildcard, .. } => (true, *wildcard),
        Target::Rule { wildcard, .. } => (false, *wildcard),
        Target::Binding { .. } => (false, false),
    };
    if wildcard {
        return Err("a set (`*`) cannot be renamed; rename one of its names".to_owned());
    }
    let name = if is_pattern { new_name.strip_prefix('$').unwrap_or(new_name) } else { new_name };
    let valid = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(format!("`{new_name}` is not an identifier"));
    }
    // `WorkspaceEdit` keys its changes by `Uri`, whose interior cell is a
    // parse cache that hashing and equality do not look at.
    #[allow(clippy::mutable_key_type)]
    let mut changes: HashMap<_, Vec<TextEdit>> = HashMap::new();
    for (d, o) in occurrences(docs, doc, &target) {
        if o.wildcard {
            continue;
        }
        // Keep the sigil of a pattern reference.
        let span = if is_pattern { Span { start: o.span.start + 1, ..o.span } } else { o.span };
        let edit = TextEdit::new(d.lines().range(d.text(), span), name.to_owned());
        changes.entry(d.uri.clone()).or_default().push(edit);
    }
    Ok(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() })
}

/// The file an `include` at `offset` names, resolved as the compiler
/// resolves it: relative to the including file's directory.
fn include_at(doc: &Document, offset: usize) -> Option<Location> {
    let path = doc.parsed().file.items.iter().find_map(|item| match item {
        ast::Item::Include(include) if include.span.range().contains(&offset) => {
            Some(include.path.as_str())
        }
        _ => None,
    })?;
    let resolved = doc.path.parent().map_or_else(|| path.into(), |dir| dir.join(path));
    Some(Location::new(uri_of(&resolved)?, lsp_types::Range::default()))
}

fn location(doc: &Document, span: Span) -> Location {
    Location::new(doc.uri.clone(), doc.lines().range(doc.text(), span))
}

/// The rule, pattern or variable named at `offset`.
fn target_at(doc: &Document, offset: usize) -> Option<Target> {
    let parsed = doc.parsed();
    let tokens = parsed.tokens.all();
    let index = tokens.iter().position(|t| {
        t.span.range().contains(&offset)
            || t.span.end as usize == offset
                && matches!(t.kind, TokenKind::Identifier | TokenKind::PatternIdent)
    })?;
    let token = tokens[index];
    let text = token.text(doc.text());
    let (name, wildcard) = match text.strip_suffix('*') {
        Some(name) => (name, true),
        None => (text, false),
    };
    match token.kind {
        TokenKind::PatternIdent => {
            let name = name.get(1..).unwrap_or_default();
            let rule = doc.rule_at(offset)?;
            (!name.is_empty()).then(|| Target::Pattern {
                rule: rule.span,
                name: name.to_owned(),
                wildcard,
            })
        }
        TokenKind::Identifier => {
            let after_dot = index.checked_sub(1).is_some_and(|i| tokens[i].text(doc.text()) == ".");
            if after_dot {
                return None;
            }
            let binding = doc.rule_at(offset).and_then(|rule| {
                let found = bindings::bindings(&rule.condition);
                let declaration = binding_at(&found, token.span)?.declaration;
                Some(Target::Binding { rule: rule.span, declaration })
            });
            binding.or_else(|| Some(Target::Rule { name: name.to_owned(), wildcard }))
        }
        _ => None,
    }
}

/// Every occurrence of `target`, with the document it is in: the rule's
/// patterns for a pattern, the variable's scope for a variable, every open
/// document for a rule.
fn occurrences<'d>(
    docs: &'d Documents,
    doc: &'d Document,
    target: &Target,
) -> Vec<(&'d Document, Occurrence)> {
    let found = match target {
        Target::Pattern { rule, name, wildcard } => {
            let Some(rule) = rules(doc).find(|r| r.span == *rule) else { return Vec::new() };
            names_in(doc, rule, TokenKind::PatternIdent)
                .into_iter()
                .chain(rule.patterns.iter().map(|p| Occurrence {
                    name: p.id.name.clone(),
                    span: p.id.span,
                    wildcard: false,
                    declaration: true,
                }))
                .filter(|o| o.refers_to(name, *wildcard))
                .map(|o| (doc, o))
                .collect()
        }
        Target::Rule { name, wildcard } => docs
            .iter()
            .flat_map(|d| {
                rules(d).flat_map(move |rule| {
                    let declared = Occurrence {
                        name: rule.name.name.clone(),
                        span: rule.name.span,
                        wildcard: false,
                        declaration: true,
                    };
                    std::iter::once(declared)
                        .chain(names_in(d, rule, TokenKind::Identifier))
                        .map(move |o| (d, o))
                })
            })
            .filter(|(_, o)| o.refers_to(name, *wildcard))
            .collect::<Vec<_>>(),
        Target::Binding { rule, declaration } => {
            let Some(rule) = rules(doc).find(|r| r.span == *rule) else { return Vec::new() };
            let found = bindings::bindings(&rule.condition);
            let Some(binding) = binding_at(&found, *declaration) else { return Vec::new() };
            let occurrence = |span, declaration| Occurrence {
                name: binding.name.clone(),
                span,
                wildcard: false,
                declaration,
            };
            std::iter::once(occurrence(binding.declaration, true))
                .chain(binding.uses.iter().map(|&span| occurrence(span, false)))
                .map(|o| (doc, o))
                .collect()
        }
    };
    // A name that no open document declares as a rule is something else
    // (a module, an external variable): nothing to navigate.
    if found.iter().any(|(_, o)| o.declaration) { found } else { Vec::new() }
}

fn rules(doc: &Document) -> impl Iterator<Item = &ast::Rule> {
    doc.parsed().file.items.iter().filter_map(|item| match item {
        ast::Item::Rule(rule) => Some(rule),
        _ => None,
    })
}

/// The names of `kind` in the condition of `rule` (field names after a
/// `.` are not names of rules or patterns).
fn names_in(doc: &Document, rule: &ast::Rule, kind: TokenKind) -> Vec<Occurrence> {
    let text = doc.text();
    let condition = Span { start: rule.condition.span.start, end: rule.span.end };
    let tokens = doc.parsed().tokens.within(condition);
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let after_dot = i.checked_sub(1).is_some_and(|p| tokens[p].text(text) == ".");
        if token.kind != kind || after_dot {
            continue;
        }
        let written = token.text(text);
        let (bare, wildcard) = match written.strip_suffix('*') {
            Some(bare) => (bare, true),
            None => (written, false),
        };
        let name = if kind == TokenKind::PatternIdent { bare.get(1..).unwrap_or("") } else { bare };
        found.push(Occurrence {
            name: name.to_owned(),
            span: token.span,
            wildcard,
            declaration: false,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(name: &str, wildcard: bool) -> Occurrence {
        Occurrence { name: name.to_owned(), span: Span::default(), wildcard, declaration: false }
    }

    #[test]
    fn sets_refer_to_the_names_they_cover() {
        // `$ab` is named by `$ab` and `$a*`, not by `$abc` or `$b*`.
        assert!(written("ab", false).refers_to("ab", false));
        assert!(!written("abc", false).refers_to("ab", false));
        assert!(written("a", true).refers_to("ab", false));
        assert!(!written("b", true).refers_to("ab", false));
        // The set `$a*` names `$ab` and itself, not `$ab*` or `$b`.
        assert!(written("ab", false).refers_to("a", true));
        assert!(written("a", true).refers_to("a", true));
        assert!(!written("ab", true).refers_to("a", true));
        assert!(!written("b", false).refers_to("a", true));
    }
}
