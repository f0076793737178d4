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

/// The error message for an invalid regex, or `None` when it is valid.
pub(super) fn invalid_reason(regex: &ast::Regex) -> Option<String> {
    let translated = to_regex_syntax(&regex.pattern);
    let result = ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(regex.case_insensitive)
        .dot_matches_new_line(regex.dot_matches_new_line)
        .nest_limit(MAX_REGEX_NESTING)
        .build()
        .parse(&translated);
    match result {
        Ok(_) => None,
        Err(regex_syntax::Error::Parse(e)) => Some(e.kind().to_string()),
        Err(regex_syntax::Error::Translate(e)) => Some(e.kind().to_string()),
        Err(e) => Some(e.to_string()),
    }
}

/// Rewrites YARA-only spellings into `regex-syntax` ones.
fn to_regex_syntax(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('/') => out.push('/'),
                Some(escaped) => {
                    out.push('\\');
                    out.push(escaped);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` right after `[` or `[^` is a literal member.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '{' if !in_class && chars.peek() == Some(&',') => out.push_str("{0"),
            _ => out.push(c),
        }
    }
    out
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
            assert_eq!(invalid_reason(&regex(ok)), None, "{ok}");
        }
    }

    #[test]
    fn rejects_broken_regexes_with_a_reason() {
        assert!(invalid_reason(&regex("ab(c")).unwrap().contains("unclosed group"));
        assert!(invalid_reason(&regex("a{3,1}")).is_some());
        assert!(invalid_reason(&regex("*a")).is_some());
    }
}
