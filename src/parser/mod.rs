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
//! [`parse_lossless`] also returns the file's [`Tokens`], comments and
//! punctuation included, for tools that rewrite rule text (the formatter);
//! [`parse_recovering`] goes past syntax errors, one rule at a time, for
//! tools that need the rest of a file being edited (the language server).
//!
//! [`print()`] writes an AST back as rule text; [`erase_spans`] makes two
//! ASTs comparable regardless of where their nodes were written.
//!
//! Where YARA and YARA-X differ, or spoor differs from them:
//! - comparisons do not chain: `1 < 2 < 3` is a syntax error, as in YARA
//!   (YARA-X parses it and reports a type error);
//! - a regex ends at the first `/` not escaped by a backslash, even inside
//!   a character class, as in both (`/[/]/` is an error);
//! - nesting deeper than [`ParseLimits::max_depth`] (100 by default) is
//!   refused with `E006`; YARA-X allows deeper trees (3,000), YARA is bounded
//!   by its parser stack. The deepest condition of signature-base is 13;
//! - only the first syntax error of a file is reported (literal and
//!   modifier errors are all reported).

pub mod ast;
mod build;
mod depth;
mod grammar;
mod literal;
pub(crate) mod modifiers;
mod print;
mod recover;
mod spans;
mod syntax_error;
mod tokens;

use std::num::NonZeroUsize;
use std::sync::{Arc, Once};

use pest::Parser as _;

use crate::diagnostics::{Diagnostic, codes};
use crate::source::{SourceFile, Span};
use grammar::{Rule, YaraParser};

pub use print::{print, string_body};
pub use recover::{parse_recovering, parse_recovering_past};
pub use spans::erase_spans;
pub use tokens::{Token, TokenKind, Tokens};

/// Bounds on what one parse may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Deepest nesting accepted: brackets in the text, and height of every
    /// condition tree (`not not ...` and `a + a + ...` count too). Every
    /// later pass recurses over the tree, so this bounds their stack use.
    pub max_depth: usize,
}

impl ParseLimits {
    /// Nesting accepted by default. The deepest condition of the
    /// signature-base corpus (741 files) is 13 levels high; 100 leaves room
    /// for generated rules while keeping the parser and every recursive pass
    /// inside a 2 MiB thread stack even in debug builds (tested).
    pub const DEFAULT_MAX_DEPTH: usize = 100;
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self { max_depth: Self::DEFAULT_MAX_DEPTH }
    }
}

/// Most grammar-rule calls pest may make on one file: a backstop, so that
/// no input can make the parser work without end even if some grammar path
/// backtracked badly. The grammar is written not to (see the tests in
/// `tests/parser_limits.rs`); the largest signature-base file (1 MB) needs
/// 5 million calls, so real files up to about 20 MB fit. pest keeps the
/// limit process-wide, so it is one constant, set once.
const MAX_PEST_CALLS: usize = 100_000_000;

static SET_CALL_LIMIT: Once = Once::new();

/// Parses a rule file with the default [`ParseLimits`].
///
/// Never panics. On a syntax error the returned file is empty and the
/// diagnostics say why; a rule nested too deep is left out of the file;
/// literal errors leave the rule in, plus their diagnostics.
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
    let (file, _, diagnostics) = parse_inner(source, limits, false);
    (file, diagnostics)
}

/// Parses a rule file with the default [`ParseLimits`], keeping its tokens.
///
/// The tokens come from the same parse as the AST; they are empty when the
/// file has a syntax error or is nested too deep.
#[must_use]
pub fn parse_lossless(source: &Arc<SourceFile>) -> (ast::File, Tokens, Vec<Diagnostic>) {
    parse_inner(source, ParseLimits::default(), true)
}

fn parse_inner(
    source: &Arc<SourceFile>,
    limits: ParseLimits,
    keep_tokens: bool,
) -> (ast::File, Tokens, Vec<Diagnostic>) {
    let empty = ast::File { items: Vec::new() };
    let text = source.text();
    if let Some(offset) = depth::first_too_deep(text, limits.max_depth) {
        let message = format!("brackets nested deeper than the limit of {}", limits.max_depth);
        let span = Span::new(offset, offset + 1);
        let diagnostic = Diagnostic::error(codes::TOO_DEEP, message, source, span);
        return (empty, Tokens::default(), vec![diagnostic]);
    }
    SET_CALL_LIMIT.call_once(|| pest::set_call_limit(NonZeroUsize::new(MAX_PEST_CALLS)));
    let pairs = match YaraParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(_) => {
            let error = syntax_error::detailed_error(text);
            return (empty, Tokens::default(), vec![syntax_error::diagnostic(source, &error)]);
        }
    };
    let tokens =
        if keep_tokens { Tokens::from_pairs(pairs.clone(), text) } else { Tokens::default() };
    let builder = build::Builder::new(source, limits.max_depth);
    let file_pair = pairs.into_iter().next().expect("grammar: file");
    let items = builder.file(file_pair);
    (ast::File { items }, tokens, builder.into_diagnostics())
}
