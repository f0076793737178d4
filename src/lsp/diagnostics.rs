//! Diagnostics of an open document: the build `spoor check` runs
//! ([`project::check_file`]), on the unsaved text, in LSP's terms.
//!
//! Codes, messages, severities and spans are the build's; notes follow the
//! message on their own lines, as `check` prints them; labels ("first
//! declared here") become related information. A diagnostic about an
//! included file is shown on the document at its first line, naming the
//! file and place, since the client may not have that file open.

use std::sync::Arc;

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range,
};

use super::documents::{Document, MAX_DOCUMENT_BYTES, uri_of};
use super::position::to_u32;
use crate::compiler::RuleCheck;
use crate::compiler::project::{self, CheckOptions};
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::SourceFile;

/// The name clients show as the diagnostics' origin.
pub const SOURCE: &str = "spoor";

/// Every diagnostic of `doc`'s current text, as `spoor check` finds them.
#[must_use]
pub fn check(doc: &Document, meta: Option<&Arc<dyn RuleCheck>>) -> Vec<Diagnostic> {
    if !doc.is_analysable() {
        return Vec::new();
    }
    project::check_file(&CheckOptions::default(), &doc.path, Some(doc.text()), meta).0
}

/// `found` in LSP's terms, for `doc`.
#[must_use]
pub fn to_lsp(doc: &Document, found: &[Diagnostic]) -> Vec<lsp_types::Diagnostic> {
    if !doc.is_analysable() {
        let message = format!(
            "not analysed: the document has {} bytes, over the limit of {MAX_DOCUMENT_BYTES}",
            doc.text().len()
        );
        let mut d = lsp_types::Diagnostic::new_simple(Range::default(), message);
        d.severity = Some(DiagnosticSeverity::WARNING);
        d.source = Some(SOURCE.to_owned());
        return vec![d];
    }
    found.iter().map(|d| convert(doc, d)).collect()
}

/// Whether `source` is the document's own text (not an included file).
pub fn is_own(doc: &Document, source: &SourceFile) -> bool {
    source.origin() == doc.path.display().to_string()
}

/// The range of a diagnostic in `doc`: its span when it is about the
/// document, else the start of the document.
#[must_use]
pub fn range_in(doc: &Document, d: &Diagnostic) -> Range {
    match &d.source {
        Some(source) if is_own(doc, source) => doc.lines().range(doc.text(), d.span),
        _ => Range::default(),
    }
}

fn convert(doc: &Document, d: &Diagnostic) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if let Some(source) = d.source.as_ref().filter(|s| !is_own(doc, s)) {
        let (line, col) = source.line_col(d.span.start);
        message = format!("{}:{line}:{col}: {message}", source.origin());
    }
    for note in &d.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(fix) = &d.fix {
        message.push_str("\nhelp: ");
        message.push_str(&fix.description);
    }
    let related: Vec<_> = d
        .labels
        .iter()
        .filter_map(|label| {
            let location = if is_own(doc, &label.source) {
                Location::new(doc.uri.clone(), doc.lines().range(doc.text(), label.span))
            } else {
                let (line, col) = label.source.line_col(label.span.start);
                let at = Position::new(to_u32(line - 1), to_u32(col - 1));
                Location::new(uri_of(label.source.origin().as_ref())?, Range::new(at, at))
            };
            Some(DiagnosticRelatedInformation { location, message: label.message.clone() })
        })
        .collect();
    lsp_types::Diagnostic {
        range: range_in(doc, d),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_owned())),
        source: Some(SOURCE.to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}
