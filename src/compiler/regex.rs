//! Validating regular expressions written in YARA's dialect.
//!
//! YARA regexes are byte-oriented and differ from `regex-syntax` in a few
//! spellings. Before parsing with `regex-syntax` the pattern is rewritten:
//! `\/` (an escaped delimiter) becomes `/`, and the quantifier `{,n}` (zero
//! to n, accepted by YARA) becomes `{0,n}`. Parsing runs with Unicode off,
//! so `\xFF` means the byte 0xFF and `.` any byte but `\n`, as in YARA.
//! This only decides whether a regex is valid; compiling it for scanning is
//! the matcher's job.

use regex_syntax::ParserBuilder;

use crate::parser::ast;

/// Nesting limit for groups and repetitions, so a hostile regex cannot
/// overflow the stack of the parser.
const MAX_REGEX_NESTING: u32 = 1_000;

/// Why a regex is invalid, and where.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct RegexError {
    /// What is wrong.
    pub reason: String,
    /// Byte offset of the problem within the pattern text as written.
    pub offset: usize,
}

/// The problem with an invalid regex, or `None` when it is valid.
pub(super) fn check(regex: &ast::Regex) -> Option<RegexError> {
    let (translated, origins) = to_regex_syntax(&regex.pattern);
    let result = ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(regex.case_insensitive)
        .dot_matches_new_line(regex.dot_matches_new_line)
        .nest_limit(MAX_REGEX_NESTING)
        .build()
        .parse(&translated);
    let (reason, at) = match result {
        Ok(_) => return None,
        Err(regex_syntax::Error::Parse(e)) => (e.kind().to_string(), e.span().start.offset),
        Err(regex_syntax::Error::Translate(e)) => (e.kind().to_string(), e.span().start.offset),
        Err(e) => (e.to_string(), 0),
    };
    let offset = origins.get(at).copied().unwrap_or(regex.pattern.len());
    Some(RegexError { reason, offset })
}

/// Rewrites YARA-only spellings into `regex-syntax` ones. Also returns, for
/// each byte of the result, the offset of the byte of `pattern` it came
/// from, so errors point into the text as written.
fn to_regex_syntax(pattern: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut origins = Vec::with_capacity(pattern.len() + 4);
    let mut push = |out: &mut String, text: &str, from: usize| {
        out.push_str(text);
        origins.extend(std::iter::repeat_n(from, text.len()));
    };
    let mut chars = pattern.char_indices().peekable();
    let mut in_class = false;
    let mut buf = [0; 4];
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, '/')) => push(&mut out, "/", at),
                Some((_, escaped)) => {
                    push(&mut out, "\\", at);
                    push(&mut out, escaped.encode_utf8(&mut buf), at);
                }
                None => push(&mut out, "\\", at),
            },
            '[' if !in_class => {
                in_class = true;
                push(&mut out, "[", at);
                // A `]` right after `[` or `[^` is a literal member.
                if let Some(&(next, '^')) = chars.peek() {
                    push(&mut out, "^", next);
                    chars.next();
                }
                if let Some(&(next, ']')) = chars.peek() {
                    push(&mut out, "\\]", next);
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                push(&mut out, "]", at);
            }
            '{' if !in_class && chars.peek().is_some_and(|&(_, n)| n == ',') => {
                push(&mut out, "{0", at);
            }
            _ => push(&mut out, c.encode_utf8(&mut buf), at),
        }
    }
    origins.push(pattern.len());
    (out, origins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn regex(pattern: &str) -> ast::Regex {
        ast::Regex {
            pattern: pattern.to_owned(),
            case_insensitive: false,
            dot_matches_new_line: false,
            span: Span::default(),
        }
    }

    #[test]
    fn accepts_yara_spellings() {
        for ok in [r"ab{,3}c", r"a\/b", r"a\xffb", r"[]a]", r"[^]a]", r"\w+\b\d", r"(a|b)*?"] {
            assert_eq!(check(&regex(ok)), None, "{ok}");
        }
    }

    #[test]
    fn rejects_broken_regexes_with_a_reason() {
        let error = check(&regex(r"a\/b(c")).unwrap();
        assert!(error.reason.contains("unclosed group"), "{error:?}");
        assert_eq!(error.offset, 4, "points at `(` in the text as written");
        assert_eq!(check(&regex("x{,2}[z-a]")).unwrap().offset, 6);
        assert!(check(&regex("*a")).is_some());
    }
}
