//! Folding ranges: each rule, each of its sections (`meta:`, `strings:`,
//! `condition:`), each comment over several lines and each run of line
//! comments, so an author can fold a file down to its rule headers.

use lsp_types::{FoldingRange, FoldingRangeKind};

use super::documents::Document;
use crate::parser::{Token, TokenKind, ast};
use crate::source::Span;

/// The section keywords that start a foldable part of a rule.
const SECTIONS: [&str; 3] = ["meta", "strings", "condition"];

/// The folding ranges of `doc` (rules with a syntax error have none).
#[must_use]
pub fn folding_ranges(doc: &Document) -> Vec<FoldingRange> {
    let parsed = doc.parsed();
    let text = doc.text();
    let mut ranges = Vec::new();
    for item in &parsed.file.items {
        let ast::Item::Rule(rule) = item else { continue };
        ranges.extend(fold(doc, rule.span, None));
        // A section runs to the next section, or to the rule's `}`.
        let tokens = parsed.tokens.within(rule.span);
        let starts: Vec<&Token> = tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Keyword && SECTIONS.contains(&t.text(text)))
            .collect();
        let closing = tokens.last().map_or(rule.span.end, |t| t.span.start);
        for (i, section) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(closing, |next| next.span.start);
            let span = Span { start: section.span.start, end };
            ranges.extend(fold(doc, trim_end(text, span), None));
        }
    }
    let mut comments = parsed.tokens.comments().peekable();
    while let Some(first) = comments.next() {
        let mut span = first.span;
        if first.kind == TokenKind::LineComment {
            // Line comments on consecutive lines fold as one.
            while let Some(next) = comments.next_if(|n| {
                n.kind == TokenKind::LineComment
                    && text
                        .get(span.end as usize..n.span.start as usize)
                        .is_some_and(|gap| gap.trim().is_empty() && gap.matches('\n').count() == 1)
            }) {
                span.end = next.span.end;
            }
        }
        ranges.extend(fold(doc, span, Some(FoldingRangeKind::Comment)));
    }
    ranges.sort_by_key(|r| (r.start_line, std::cmp::Reverse(r.end_line)));
    ranges
}

/// `span` without the blank text at its end.
fn trim_end(text: &str, span: Span) -> Span {
    let kept = text.get(span.range()).map_or(0, |s| s.trim_end().len());
    Span { end: span.start + super::position::to_u32(kept), ..span }
}

/// The range folding `span`, when it covers more than one line.
fn fold(doc: &Document, span: Span, kind: Option<FoldingRangeKind>) -> Option<FoldingRange> {
    let range = doc.lines().range(doc.text(), span);
    (range.end.line > range.start.line).then(|| FoldingRange {
        start_line: range.start.line,
        end_line: range.end.line,
        kind,
        ..FoldingRange::default()
    })
}
