//! Code actions: the fixes the build's diagnostics carry (`spoor check
//! --fix` applies the same ones), offered as quick fixes where the
//! diagnostic is.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit};

use super::diagnostics::{self, is_own};
use super::documents::Document;
use crate::diagnostics::Diagnostic;

/// The quick fixes of the diagnostics of `found` that touch `range`.
#[must_use]
pub fn quick_fixes(doc: &Document, found: &[Diagnostic], range: Range) -> Vec<CodeActionOrCommand> {
    let (text, lines) = (doc.text(), doc.lines());
    found
        .iter()
        .filter(|d| d.source.as_ref().is_some_and(|s| is_own(doc, s)))
        .filter_map(|d| {
            let fix = d.fix.as_ref()?;
            let at = diagnostics::range_in(doc, d);
            if at.end < range.start || range.end < at.start {
                return None;
            }
            let edits = fix
                .edits
                .iter()
                .map(|e| TextEdit::new(lines.range(text, e.span), e.replacement.clone()))
                .collect();
            let lsp = diagnostics::to_lsp(doc, std::slice::from_ref(d));
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.description.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(lsp),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(doc.uri.clone(), edits)])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}
