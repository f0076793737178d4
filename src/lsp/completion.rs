//! Completion, from the text before the cursor ([`context`]), so it works
//! in the unfinished line an author is typing even when the file does not
//! parse:
//!
//! - after `name.` (`pe.`, `pe.sections[0].`): the module's fields and
//!   functions, with their types and docs;
//! - inside `import "`: the module names;
//! - after `$`, `#`, `@` or `!`: the patterns of the rule;
//! - elsewhere: keywords, imported modules and rule names.
//!
//! Patterns come from the parse when their rule parses, else from a scan of
//! its lines; rule names from a scan of the words of the file.

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionResponse, Documentation, MarkupContent,
    MarkupKind, Position,
};

use super::context;
use super::documents::Document;
use super::members;
use crate::modules;
use crate::parser::ast;
use crate::types::Type;

/// The keywords of the rule language, sections included.
const KEYWORDS: &[&str] = &[
    "all",
    "and",
    "any",
    "ascii",
    "at",
    "base64",
    "base64wide",
    "condition",
    "contains",
    "defined",
    "endswith",
    "entrypoint",
    "false",
    "filesize",
    "for",
    "fullword",
    "global",
    "icontains",
    "iendswith",
    "iequals",
    "import",
    "in",
    "include",
    "istartswith",
    "matches",
    "meta",
    "nocase",
    "none",
    "not",
    "of",
    "or",
    "private",
    "rule",
    "startswith",
    "strings",
    "them",
    "true",
    "wide",
    "with",
    "xor",
];

/// The completions at `position` of `doc`.
#[must_use]
pub fn complete(doc: &Document, position: Position) -> Option<CompletionResponse> {
    let offset = doc.offset(position)?;
    let text = doc.text();
    let items = if context::in_import(text, offset) {
        modules::names().map(|name| item(name, CompletionItemKind::MODULE, None)).collect()
    } else if let Some((sigil, _)) = context::pattern_prefix(text, offset) {
        patterns(doc, offset)
            .into_iter()
            .map(|name| item(&format!("{sigil}{name}"), CompletionItemKind::VARIABLE, None))
            .collect()
    } else if let Some(path) = context::dotted_path_ending_at(text, offset)
        && path.segments.len() > 1
    {
        module_members(&path.segments)?
    } else {
        words(doc)
    };
    Some(CompletionResponse::Array(items))
}

/// The fields and functions of the structure `segments` lead to (the last
/// segment is what is typed so far, and the client filters by it).
fn module_members(segments: &[String]) -> Option<Vec<CompletionItem>> {
    let (module_name, rest) = segments.split_first()?;
    let (_, module) = modules::find(module_name)?;
    let parents = rest.split_last().map_or(&[][..], |(_, parents)| parents);
    let structure = members::structure(module, parents)?;
    let items = structure
        .fields
        .iter()
        .map(|field| {
            let mut path: Vec<String> = segments[..segments.len() - 1].to_vec();
            path.push(field.name.to_owned());
            let described = members::describe(&path);
            let kind = match field.ty {
                Type::Function(_) => CompletionItemKind::FUNCTION,
                _ if field.constant.is_some() => CompletionItemKind::CONSTANT,
                Type::Struct(_) => CompletionItemKind::MODULE,
                _ => CompletionItemKind::FIELD,
            };
            let mut item = item(field.name, kind, described.as_ref().map(|d| d.markdown()));
            item.detail = Some(field.ty.to_string());
            item
        })
        .collect();
    Some(items)
}

/// The patterns declared in the rule at `offset`.
fn patterns(doc: &Document, offset: usize) -> Vec<String> {
    match doc.rule_at(offset) {
        Some(rule) => rule.patterns.iter().map(|p| p.id.name.clone()).collect(),
        None => {
            context::declared_patterns(doc.text(), offset).into_iter().map(str::to_owned).collect()
        }
    }
}

/// Keywords, imported modules and rule names. Rules are found by words,
/// so the rule being edited, which does not parse, is one of them.
fn words(doc: &Document) -> Vec<CompletionItem> {
    let imports = doc.parsed().file.items.iter().filter_map(|item| match item {
        ast::Item::Import(import) => Some(import.module.as_str()),
        _ => None,
    });
    let mut rules = context::rule_names(doc.text());
    rules.sort_unstable();
    rules.dedup();
    let keywords = KEYWORDS.iter().map(|k| item(k, CompletionItemKind::KEYWORD, None));
    let modules = imports.map(|m| item(m, CompletionItemKind::MODULE, None));
    let rules = rules.into_iter().map(|r| item(r, CompletionItemKind::CLASS, None));
    keywords.chain(modules).chain(rules).collect()
}

fn item(label: &str, kind: CompletionItemKind, markdown: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_owned(),
        kind: Some(kind),
        documentation: markdown.map(|value| {
            Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value })
        }),
        ..CompletionItem::default()
    }
}
