//! `spoor fmt`: one canonical layout for rule files.
//!
//! The layout follows YARA-X's `yr fmt`: imports first as written, one
//! empty line between rules, sections indented under the rule and their
//! entries under the section, the `=` of meta entries and of patterns
//! aligned, modifiers in one order, hex bytes in upper case and separated
//! by spaces, and conditions broken after their outermost `and`/`or` when
//! a line is wider than [`Style::width`]. Literals are written exactly as
//! the author wrote them; comments stay where they were (see
//! [`printer`](self) for where a comment goes).
//!
//! The formatter reads the parser's lossless token stream and its AST, never
//! the text itself. Each result is checked before it is returned: it must
//! parse to the same AST (modifier order aside) and hold the same number of
//! comments, else [`FormatError::Unstable`] is returned rather than a file
//! that means something else.

mod layout;
mod printer;

use std::sync::Arc;

use crate::diagnostics::Diagnostic;
use crate::parser::{self, ast};
use crate::source::SourceFile;

/// Layout options (the `[fmt]` table of `spoor.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// Spaces per indentation level.
    pub indent: usize,
    /// Widest condition line before it is broken.
    pub width: usize,
    /// Whether to align the `=` of meta entries and patterns.
    pub align: bool,
}

impl Style {
    /// Spaces per level by default, as YARA-X.
    pub const DEFAULT_INDENT: usize = 2;
    /// Condition width by default: what fits a review pane beside another.
    pub const DEFAULT_WIDTH: usize = 100;
}

impl Default for Style {
    fn default() -> Self {
        Self { indent: Self::DEFAULT_INDENT, width: Self::DEFAULT_WIDTH, align: true }
    }
}

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The file does not parse; the diagnostics say why.
    Parse(Vec<Diagnostic>),
    /// The layout would change what the file means or lose a comment: a
    /// formatter bug, reported instead of writing the file.
    Unstable(String),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::Parse(diagnostics) => {
                for diagnostic in diagnostics {
                    write!(f, "{}", diagnostic.render())?;
                }
                Ok(())
            }
            FormatError::Unstable(why) => write!(f, "not formatted: {why}"),
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats one rule file.
///
/// # Errors
/// [`FormatError::Parse`] when the file has errors (a file with literal
/// errors is not formatted either), [`FormatError::Unstable`] when the
/// result fails its own check.
pub fn format(source: &Arc<SourceFile>, style: &Style) -> Result<String, FormatError> {
    let (file, tokens, diagnostics) = parser::parse_lossless(source);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(FormatError::Parse(diagnostics));
    }
    let formatted = printer::Printer::new(source.text(), tokens.all(), style).file(&file);

    let again = SourceFile::new(source.origin(), formatted.as_str());
    let (new_file, new_tokens, new_diagnostics) = parser::parse_lossless(&again);
    if new_diagnostics.iter().any(Diagnostic::is_error) {
        let first = new_diagnostics.iter().map(Diagnostic::render).next().unwrap_or_default();
        return Err(FormatError::Unstable(format!("the result does not parse: {first}")));
    }
    if normalized(file) != normalized(new_file) {
        return Err(FormatError::Unstable("the result parses to different rules".to_owned()));
    }
    let (before, after) = (tokens.comments().count(), new_tokens.comments().count());
    if before != after {
        return Err(FormatError::Unstable(format!("{before} comments became {after}")));
    }
    Ok(formatted)
}

/// `file` without spans and with modifiers in the formatter's order, so
/// that two files that say the same thing compare equal.
fn normalized(mut file: ast::File) -> ast::File {
    parser::erase_spans(&mut file);
    for item in &mut file.items {
        if let ast::Item::Rule(rule) = item {
            for pattern in &mut rule.patterns {
                pattern.modifiers.sort_by_key(|m| printer::modifier_rank(&m.kind));
            }
        }
    }
    file
}

#[cfg(test)]
mod tests;
