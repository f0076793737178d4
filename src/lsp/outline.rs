//! Document symbols: each rule, with its patterns as children, for the
//! editor's outline and breadcrumbs.

use lsp_types::{DocumentSymbol, DocumentSymbolResponse, SymbolKind};

use super::documents::Document;
use crate::parser::ast;

/// The outline of `doc` (empty when it does not parse).
#[must_use]
pub fn symbols(doc: &Document) -> DocumentSymbolResponse {
    let (text, lines) = (doc.text(), doc.lines());
    let symbols = doc
        .parsed()
        .file
        .items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Rule(rule) => Some(rule),
            _ => None,
        })
        .map(|rule| {
            let patterns = rule
                .patterns
                .iter()
                .map(|p| {
                    symbol(
                        format!("${}", p.id.name),
                        SymbolKind::VARIABLE,
                        lines.range(text, p.span),
                        lines.range(text, p.id.span),
                        None,
                    )
                })
                .collect();
            let tags: Vec<&str> = rule.tags.iter().map(|t| t.name.as_str()).collect();
            let mut rule_symbol = symbol(
                rule.name.name.clone(),
                SymbolKind::CLASS,
                lines.range(text, rule.span),
                lines.range(text, rule.name.span),
                Some(patterns),
            );
            rule_symbol.detail = (!tags.is_empty()).then(|| tags.join(" "));
            rule_symbol
        })
        .collect();
    DocumentSymbolResponse::Nested(symbols)
}

fn symbol(
    name: String,
    kind: SymbolKind,
    range: lsp_types::Range,
    selection_range: lsp_types::Range,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    #[allow(deprecated)] // `deprecated` is a required field of the type
    DocumentSymbol {
        name,
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children,
    }
}
