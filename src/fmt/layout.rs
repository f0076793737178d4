//! Token layout: the spacing between tokens, and the lines of a condition
//! or a hex string.
//!
//! A condition keeps the author's line breaks; a line longer than the
//! width is broken after its outermost `and`/`or` operators, one operand
//! per line, and each piece again until it fits or cannot be broken. A
//! line's indentation follows the bracket depth at its start. Both rules
//! depend only on the tokens and where the source broke lines, so a second
//! run finds nothing to change.

use crate::parser::{Token, TokenKind};

/// What is being laid out: the spacing rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// A rule condition: operators spaced, brackets tight.
    Condition,
    /// A hex string: bytes spaced, jumps tight (`[2-4]`).
    Hex,
}

/// One output line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    /// Bracket depth at the start of the line (closing brackets that open
    /// it already subtracted).
    pub depth: usize,
    /// The text, without indentation.
    pub text: String,
    /// The source had an empty line before this one.
    pub blank_before: bool,
}

/// The layout settings that matter here.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    /// Spaces per bracket level.
    pub indent: usize,
    /// Columns left for a line at depth 0 (the width minus the base
    /// indentation).
    pub width: usize,
}

/// Lays out `tokens` (all from `text`, in order) into lines.
pub(super) fn lines(text: &str, tokens: &[Token], mode: Mode, frame: Frame) -> Vec<Line> {
    let depths = depths_before(text, tokens);
    let mut out = Vec::new();
    let mut start = 0;
    while start < tokens.len() {
        let mut end = start + 1;
        while end < tokens.len() && !newline_between(text, &tokens[end - 1], &tokens[end]) {
            end += 1;
        }
        let blank_before =
            start > 0 && newlines_between(text, &tokens[start - 1], &tokens[start]) > 1;
        let mut pieces = Vec::new();
        if mode == Mode::Condition {
            split(text, tokens, &depths, start..end, frame, &mut pieces);
        } else {
            pieces.push(start..end);
        }
        for (n, piece) in pieces.into_iter().enumerate() {
            out.push(Line {
                depth: line_depth(text, tokens, &depths, piece.start),
                text: render(text, &tokens[piece], mode),
                blank_before: blank_before && n == 0,
            });
        }
        start = end;
    }
    out
}

/// Breaks `range` after its outermost `and`/`or` while it is too long.
fn split(
    text: &str,
    tokens: &[Token],
    depths: &[usize],
    range: std::ops::Range<usize>,
    frame: Frame,
    out: &mut Vec<std::ops::Range<usize>>,
) {
    let depth = line_depth(text, tokens, depths, range.start);
    let rendered = render(text, &tokens[range.clone()], Mode::Condition);
    let fits = depth * frame.indent + columns(&rendered) <= frame.width;
    let breaks: Vec<usize> = (range.start..range.end - 1)
        .filter(|&i| {
            tokens[i].kind == TokenKind::Keyword && matches!(tokens[i].text(text), "and" | "or")
        })
        .collect();
    let Some(outermost) = breaks.iter().map(|&i| depths[i]).min() else {
        out.push(range);
        return;
    };
    if fits {
        out.push(range);
        return;
    }
    let mut start = range.start;
    for &i in breaks.iter().filter(|&&i| depths[i] == outermost) {
        split(text, tokens, depths, start..i + 1, frame, out);
        start = i + 1;
    }
    split(text, tokens, depths, start..range.end, frame, out);
}

/// The widest line of `text`, in characters (a block comment may span
/// lines).
fn columns(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// Bracket depth before each token.
fn depths_before(text: &str, tokens: &[Token]) -> Vec<usize> {
    let mut depth = 0usize;
    tokens
        .iter()
        .map(|t| {
            let before = depth;
            if t.kind == TokenKind::Punct {
                match t.text(text) {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            before
        })
        .collect()
}

/// Depth of a line starting at token `start`: closing brackets at its
/// start belong to the enclosing level.
fn line_depth(text: &str, tokens: &[Token], depths: &[usize], start: usize) -> usize {
    let closers = tokens[start..]
        .iter()
        .take_while(|t| t.kind == TokenKind::Punct && matches!(t.text(text), ")" | "]" | "}"))
        .count();
    depths[start].saturating_sub(closers)
}

fn newlines_between(text: &str, a: &Token, b: &Token) -> usize {
    text[a.span.end as usize..b.span.start as usize].matches('\n').count()
}

fn newline_between(text: &str, a: &Token, b: &Token) -> bool {
    a.kind == TokenKind::LineComment || newlines_between(text, a, b) > 0
}

/// The tokens of one line, spaced.
pub(super) fn render(text: &str, tokens: &[Token], mode: Mode) -> String {
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 && spaced(text, &tokens[i - 1], token, mode) {
            out.push(' ');
        }
        out.push_str(&token_text(text, token));
    }
    out
}

/// A token as the formatter writes it: hex bytes in upper case, line
/// comments without trailing blanks, everything else as written.
pub(super) fn token_text(text: &str, token: &Token) -> String {
    let written = token.text(text);
    match token.kind {
        TokenKind::HexByte => written.to_ascii_uppercase(),
        TokenKind::LineComment => written.trim_end().to_owned(),
        _ => written.to_owned(),
    }
}

/// Whether a space goes between `prev` and `next`.
fn spaced(text: &str, prev: &Token, next: &Token, mode: Mode) -> bool {
    if prev.is_comment() || next.is_comment() {
        return true;
    }
    let punct = |t: &Token, set: &[&str]| t.kind == TokenKind::Punct && set.contains(&t.text(text));
    match mode {
        Mode::Hex => !(punct(prev, &["[", "-"]) || punct(next, &["]", "-"])),
        Mode::Condition => {
            let call = punct(next, &["("]) && prev.kind == TokenKind::Identifier;
            !(punct(prev, &["(", "[", ".", ".."])
                || prev.kind == TokenKind::UnaryOperator
                || punct(next, &[")", "]", ",", ".", "..", "["])
                || next.kind == TokenKind::Percent
                || call)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// The condition of a one-rule file, laid out.
    fn condition(source: &str, width: usize) -> Vec<String> {
        let file = SourceFile::new("t", source);
        let (_, tokens, diagnostics) = crate::parser::parse_lossless(&file);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let all = tokens.all();
        let colon = all.iter().position(|t| t.text(source) == "condition").unwrap() + 2;
        let body = &all[colon..all.len() - 1];
        lines(source, body, Mode::Condition, Frame { indent: 2, width })
            .into_iter()
            .map(|l| format!("{}{}", "  ".repeat(l.depth), l.text))
            .collect()
    }

    #[test]
    fn spacing_is_canonical() {
        assert_eq!(
            condition(
                "rule r { condition: uint16 ( 0 )==0x5a4d and pe.sections [ 0 ] . name==\"x\" \
                 and #a in ( 0 .. filesize ) > - 1 and 50 % of them and f( 1 , 2 ) }",
                200
            ),
            vec![
                "uint16(0) == 0x5a4d and pe.sections[0].name == \"x\" and #a in (0..filesize) > -1 \
                 and 50% of them and f(1, 2)"
            ]
        );
    }

    #[test]
    fn long_lines_break_after_the_outermost_operators() {
        let got = condition("rule r { condition: true and (false or true or false) and true }", 30);
        assert_eq!(got, vec!["true and", "(false or true or false) and", "true"]);
        let got = condition("rule r { condition: true and (false or true or false) and true }", 8);
        assert_eq!(got, vec!["true and", "(false or", "  true or", "  false) and", "true"]);
    }

    #[test]
    fn author_line_breaks_and_comments_stay() {
        let got = condition(
            "rule r { condition: // why\n  true and\n\n  ( /* a */ false or\n true\n ) }",
            100,
        );
        assert_eq!(got, vec!["// why", "true and", "( /* a */ false or", "  true", ")"]);
    }
}
