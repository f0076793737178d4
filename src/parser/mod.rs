//! Rule text to AST.
//!
//! [`parse`] runs in three steps: a lexical pre-scan bounds bracket nesting
//! (so deep input gives `E006`, not a stack overflow), the pest grammar in
//! `grammar/yara.pest` checks the syntax, and the builder turns pest's pairs
//! into an [`ast::File`], decoding literals and applying operator
//! precedence. A syntax error stops the parse of that file with one `E001`
//! diagnostic; literal errors (bad escapes, out-of-range numbers, modifier
//! misuse) are all reported and parsing goes on.
//!
//! [`print()`] writes an AST back as rule text; [`erase_spans`] makes two
//! ASTs comparable regardless of where their nodes were written.

pub mod ast;
mod build;
mod depth;
mod grammar;
mod literal;
mod modifiers;
mod print;
mod spans;
mod syntax_error;

use std::num::NonZeroUsize;
use std::sync::Arc;

use pest::Parser as _;

use crate::diagnostics::{Diagnostic, codes};
use crate::source::{SourceFile, Span};
use grammar::{Rule, YaraParser};

pub use print::print;
pub use spans::erase_spans;

/// Bounds on what one parse may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Deepest nesting accepted: brackets in the text, and height of every
    /// condition tree (`not not ...` and `a + a + ...` count too). Every
    /// later pass recurses over the tree, so this bounds their stack use.
    pub max_depth: usize,
    /// Most grammar-rule calls pest may make on one file, so that no input
    /// makes the parser work without end; far above what a real file of a
    /// few megabytes needs.
    pub max_calls: usize,
}

impl ParseLimits {
    /// Nesting accepted by default. The deepest condition of the
    /// signature-base corpus (741 files) is 13 to 16 levels high; 100 leaves room
    /// for generated rules while keeping the parser and every recursive pass
    /// inside a 2 MiB thread stack even in debug builds (tested).
    pub const DEFAULT_MAX_DEPTH: usize = 100;
    /// Rule-call budget by default.
    pub const DEFAULT_MAX_CALLS: usize = 200_000_000;
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self { max_depth: Self::DEFAULT_MAX_DEPTH, max_calls: Self::DEFAULT_MAX_CALLS }
    }
}

/// Parses a rule file with the default [`ParseLimits`].
///
/// Never panics. On a syntax error the returned file is empty and the
/// diagnostics say why; literal errors leave a usable file plus errors.
#[must_use]
pub fn parse(source: &Arc<SourceFile>) -> (ast::File, Vec<Diagnostic>) {
    parse_with_limits(source, ParseLimits::default())
}

/// Parses a rule file within `limits`.
#[must_use]
pub fn parse_with_limits(
    source: &Arc<SourceFile>,
    limits: ParseLimits,
) -> (ast::File, Vec<Diagnostic>) {
    let empty = ast::File { items: Vec::new() };
    let text = source.text();
    if let Some(offset) = depth::first_too_deep(text, limits.max_depth) {
        let message = format!("brackets nested deeper than the limit of {}", limits.max_depth);
        let span = Span::new(offset, offset + 1);
        return (empty, vec![Diagnostic::error(codes::TOO_DEEP, message, source, span)]);
    }
    pest::set_call_limit(NonZeroUsize::new(limits.max_calls));
    let pairs = match YaraParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(_) => {
            let error = syntax_error::detailed_error(text);
            return (empty, vec![syntax_error::diagnostic(source, &error)]);
        }
    };
    let builder = build::Builder::new(source, limits.max_depth);
    let file_pair = pairs.into_iter().next().expect("grammar: file");
    let items = builder.file(file_pair);
    let diagnostics = builder.into_diagnostics();
    match items {
        Ok(items) => (ast::File { items }, diagnostics),
        Err(build::Abort) => (empty, diagnostics),
    }
}
