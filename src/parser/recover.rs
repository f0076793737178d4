//! Parsing past syntax errors, for tools that need the rest of a file
//! while one rule is mid-edit (the language server).
//!
//! The grammar stops at the first syntax error. [`parse_recovering`] then
//! blanks the top-level item the error is in (spaces over every byte but
//! line breaks, so every span of the rest stays where it was) and parses
//! again, until the rest parses: each broken item gives its own syntax
//! error, every other rule its AST and tokens. Items are found by their
//! leading keyword (`rule`, with `private`/`global` before it, `import`,
//! `include`), as words: a keyword inside a string or comment may cut an
//! item short, which costs a spurious error, never a wrong span.

use std::sync::Arc;

use super::{Tokens, ast, parse_lossless};
use crate::diagnostics::{Diagnostic, codes};
use crate::source::SourceFile;

/// Most items blanked in one file: each costs a parse of the whole file.
const MAX_RECOVERIES: usize = 32;

/// Parses `source` like [`parse_lossless`], but on a syntax error blanks the
/// item it is in and goes on: the AST and tokens of every other item, and
/// every syntax error (up to 32) plus the diagnostics of
/// the final parse. Spans are spans of `source`.
#[must_use]
pub fn parse_recovering(source: &Arc<SourceFile>) -> (ast::File, Tokens, Vec<Diagnostic>) {
    recover(source, None)
}

/// [`parse_recovering`] for a `source` whose parse is known to stop at the
/// syntax error `first`: that parse, the slowest part of recovering from
/// one error, is not done again.
#[must_use]
pub fn parse_recovering_past(
    source: &Arc<SourceFile>,
    first: &Diagnostic,
) -> (ast::File, Tokens, Vec<Diagnostic>) {
    recover(source, Some(first.clone()))
}

fn recover(
    source: &Arc<SourceFile>,
    mut known: Option<Diagnostic>,
) -> (ast::File, Tokens, Vec<Diagnostic>) {
    let mut text = source.text().to_owned();
    let mut errors = Vec::new();
    let mut current = Arc::clone(source);
    for _ in 0..=MAX_RECOVERIES {
        let error = match known.take() {
            Some(error) => error,
            None => {
                let (file, tokens, diagnostics) = parse_lossless(&current);
                match diagnostics.iter().find(|d| d.code == codes::SYNTAX) {
                    Some(error) => error.clone(),
                    None => {
                        errors.extend(diagnostics);
                        return (file, tokens, errors);
                    }
                }
            }
        };
        errors.push(error.clone());
        let Some(item) = item_around(&text, error.span.start as usize) else { break };
        if text[item.clone()].trim().is_empty() {
            break;
        }
        let mut bytes = text.into_bytes();
        for byte in &mut bytes[item] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
        text = String::from_utf8_lossy(&bytes).into_owned();
        current = SourceFile::new(source.origin(), text.as_str());
    }
    (ast::File { items: Vec::new() }, Tokens::default(), errors)
}

/// The byte range of the top-level item around `offset`: from the last
/// item start at or before it (or the start of the text) to the next item
/// start after it (or the end).
fn item_around(text: &str, offset: usize) -> Option<std::ops::Range<usize>> {
    let starts = item_starts(text);
    let start = starts.iter().rev().find(|&&s| s <= offset).copied().unwrap_or(0);
    let end = starts.iter().find(|&&s| s > offset.max(start)).copied().unwrap_or(text.len());
    (start < end && text.is_char_boundary(start) && text.is_char_boundary(end))
        .then_some(start..end)
}

/// Where each top-level item may start: the words `import`, `include` and
/// `rule`, the latter moved back over `private` and `global` before it.
fn item_starts(text: &str) -> Vec<usize> {
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        let word_char = c.is_ascii_alphanumeric() || c == '_';
        match (word_char, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    let mut starts = Vec::new();
    for (i, &(at, word)) in words.iter().enumerate() {
        match word {
            "import" | "include" => starts.push(at),
            "rule" => {
                let mut first = at;
                for &(before, modifier) in words[..i].iter().rev() {
                    if modifier != "private" && modifier != "global" {
                        break;
                    }
                    first = before;
                }
                starts.push(first);
            }
            _ => {}
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(file: &ast::File) -> Vec<&str> {
        file.items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Rule(rule) => Some(rule.name.name.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn each_broken_rule_gets_its_error_and_the_others_parse() {
        let text = "import \"pe\"\nrule a { condition: pe. }\nrule b { condition: true }\n\
                    private global rule c { strings: $x = condition: $x }\nrule d { condition: false }\n";
        let source = SourceFile::new("r.yar", text);
        let (file, tokens, diagnostics) = parse_recovering(&source);
        assert_eq!(names(&file), ["b", "d"]);
        let lines: Vec<usize> = diagnostics.iter().map(|d| d.line_col().unwrap().0).collect();
        assert_eq!(lines, [2, 4], "{diagnostics:?}");
        let b = tokens.all().iter().find(|t| t.text(text) == "b").expect("b's token");
        assert_eq!(b.span.start as usize, text.find("rule b").unwrap() + 5, "spans of the text");
        let first = super::super::parse(&source).1;
        let past = parse_recovering_past(&source, &first[0]);
        assert_eq!((past.0, past.1), (file, tokens), "the same, one parse less");
        let messages = |found: &[Diagnostic]| -> Vec<String> {
            found.iter().map(|d| d.message.clone()).collect()
        };
        assert_eq!(messages(&past.2), messages(&diagnostics));
    }

    #[test]
    fn a_valid_file_parses_as_usual_and_hopeless_text_gives_up() {
        let source = SourceFile::new("r.yar", "rule a { condition: true }");
        let (file, tokens, diagnostics) = parse_recovering(&source);
        let (expected_file, expected_tokens, _) = parse_lossless(&source);
        assert_eq!((file, tokens), (expected_file, expected_tokens));
        assert!(diagnostics.is_empty());
        let (file, _, diagnostics) = parse_recovering(&SourceFile::new("r.yar", "}}}} x"));
        assert!(file.items.is_empty() && diagnostics.len() == 1);
    }
}
