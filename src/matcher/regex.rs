//! YARA's regular expression dialect, read into a `regex_syntax` HIR.
//!
//! YARA regexes work on bytes, not Unicode: `.` is any byte but `\n` (any
//! byte with `s`), `\w \d \s \b` are ASCII, `\xHH` is one byte. That is
//! `regex_syntax` with Unicode off and UTF-8 not required. Where the two
//! dialects read the same text differently, the text is rewritten before
//! parsing, as YARA-X reads it:
//! * the quantifier `{,m}` (YARA: `{0,m}`), which `regex_syntax` lacks;
//! * `\<` and `\>`, which `regex_syntax` reads as word boundaries and
//!   YARA-X as the characters `<` and `>`.
//!
//! There is no multi-line flag after the slashes: `^` and `$` are the start
//! and end of the input. Inside `(?m)`, YARA-X ends a line at `\r` as well as
//! at `\n`, and a `\r\n` pair is one line break; the anchors are given that
//! meaning after translation (`crlf_line_anchors`). YARA-X also keeps a
//! `\n\r` pair together, which no `regex_automata` anchor does: between
//! those two bytes spoor finds a line edge and YARA-X does not
//! (docs/differences.md).
//!
//! [`translate`] is the one entry point for every stage that reads YARA
//! regexes: the matcher's patterns and, through [`compile_search`], the
//! regexes of conditions (`matches`, function arguments) are translated
//! once each, by it.

use std::borrow::Cow;

use regex_automata::meta;
use regex_syntax::ast::{self, Ast};
use regex_syntax::hir::translate::TranslatorBuilder;
use regex_syntax::hir::{Capture, Hir, HirKind, Look, Repetition};

/// How deeply groups may nest. `regex_syntax`'s own default (250) bounds
/// its parser; the same bound keeps our recursive HIR walks shallow.
const MAX_NESTING: u32 = 250;

/// The flags written after a YARA regex: `/.../i` and `/.../s` (or the
/// `nocase` modifier, which means `i`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegexFlags {
    /// `i`: ASCII letters match either case.
    pub case_insensitive: bool,
    /// `s`: `.` matches `\n` too.
    pub dot_matches_new_line: bool,
}

/// Why a YARA regex does not translate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RegexError {
    /// What is wrong, one line (`unclosed group`, `mixing greedy and
    /// non-greedy quantifiers in regular expression`).
    pub message: String,
    /// Byte offset in the pattern text (as written between the slashes)
    /// where the problem starts.
    pub offset: usize,
}

/// Translates YARA regex text (as written between the slashes) into a
/// `regex_syntax` HIR over bytes, in YARA's dialect (see the module doc).
///
/// Build a matcher from the HIR with `regex_automata`, e.g.
/// `meta::Builder::new().build_from_hir(&hir)` (leave `utf8_empty` off:
/// the HIR works on bytes). Like YARA-X, refuses regexes that mix greedy
/// and lazy quantifiers (`/a+b*?/`; an exact count such as `{2}` counts as
/// greedy): their match lengths differ between backtracking and automata
/// engines.
///
/// # Errors
///
/// A [`RegexError`] with the message and the byte offset of the problem.
pub fn translate(pattern: &str, flags: RegexFlags) -> Result<Hir, RegexError> {
    let (rewritten, inserted) = rewrite_to_regex_syntax(pattern);
    // Offsets in the rewritten text, back in the text as written.
    let original = |offset: usize| offset - inserted.iter().filter(|&&at| at < offset).count();
    let error = |message: String, span: &ast::Span| RegexError {
        message: first_message_line(&message),
        offset: original(span.start.offset),
    };
    let syntax = ast::parse::ParserBuilder::new()
        .nest_limit(MAX_NESTING)
        .build()
        .parse(&rewritten)
        .map_err(|e| error(e.kind().to_string(), e.span()))?;
    if let Some(span) = mixed_quantifier(&syntax, &mut None) {
        let message = "mixing greedy and non-greedy quantifiers in regular expression";
        return Err(error(message.to_owned(), &span));
    }
    let hir = TranslatorBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(flags.case_insensitive)
        .dot_matches_new_line(flags.dot_matches_new_line)
        .build()
        .translate(&rewritten, &syntax)
        .map_err(|e| error(e.kind().to_string(), e.span()))?;
    Ok(if hir.properties().look_set().contains_anchor_lf() { crlf_line_anchors(&hir) } else { hir })
}

/// `hir` with the multi-line anchors of `(?m)` (which end lines at `\n`
/// only) replaced by their CRLF forms, which end lines at `\r` or `\n`
/// and never between the two bytes of `\r\n`. Only the anchors change:
/// translating in CRLF mode would also keep `.` off `\r`, which YARA's `.`
/// matches.
fn crlf_line_anchors(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Look(Look::StartLF) => Hir::look(Look::StartCRLF),
        HirKind::Look(Look::EndLF) => Hir::look(Look::EndCRLF),
        HirKind::Repetition(repetition) => Hir::repetition(Repetition {
            sub: Box::new(crlf_line_anchors(&repetition.sub)),
            ..repetition.clone()
        }),
        HirKind::Capture(capture) => Hir::capture(Capture {
            sub: Box::new(crlf_line_anchors(&capture.sub)),
            ..capture.clone()
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(crlf_line_anchors).collect()),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.iter().map(crlf_line_anchors).collect())
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => hir.clone(),
    }
}

/// Compiles a condition's regular expression (`matches`, function
/// arguments) for an unanchored search over bytes, its automaton within
/// `size_limit` heap bytes.
///
/// # Errors
/// The translation's error, or one at offset 0 when the automaton would
/// exceed `size_limit`.
pub fn compile_search(
    pattern: &str,
    flags: RegexFlags,
    size_limit: usize,
) -> Result<meta::Regex, RegexError> {
    let hir = translate(pattern, flags)?;
    meta::Builder::new()
        .configure(meta::Config::new().utf8_empty(false).nfa_size_limit(Some(size_limit)))
        .build_from_hir(&hir)
        .map_err(|error| RegexError {
            message: match error.size_limit() {
                Some(limit) => {
                    format!("too large: its automaton exceeds the limit of {limit} bytes")
                }
                None => first_message_line(&error.to_string()),
            },
            offset: 0,
        })
}

/// The span of the first quantifier whose greediness differs from the
/// first one's (`first` holds that one's once seen).
fn mixed_quantifier(syntax: &Ast, first: &mut Option<bool>) -> Option<ast::Span> {
    match syntax {
        Ast::Repetition(repetition) => {
            if *first.get_or_insert(repetition.greedy) != repetition.greedy {
                return Some(repetition.op.span);
            }
            mixed_quantifier(&repetition.ast, first)
        }
        Ast::Group(group) => mixed_quantifier(&group.ast, first),
        Ast::Alternation(alternation) => {
            alternation.asts.iter().find_map(|sub| mixed_quantifier(sub, first))
        }
        Ast::Concat(concat) => concat.asts.iter().find_map(|sub| mixed_quantifier(sub, first)),
        _ => None,
    }
}

/// Whether `hir` has a lazy repetition (a valid regex then has no greedy
/// one).
pub(crate) fn is_lazy(hir: &Hir) -> bool {
    let (mut greedy, mut lazy) = (false, false);
    quantifier_kinds(hir, &mut greedy, &mut lazy);
    lazy
}

/// Records whether `hir` has greedy and lazy repetitions.
fn quantifier_kinds(hir: &Hir, greedy: &mut bool, lazy: &mut bool) {
    match hir.kind() {
        HirKind::Repetition(repetition) => {
            if repetition.greedy {
                *greedy = true;
            } else {
                *lazy = true;
            }
            quantifier_kinds(&repetition.sub, greedy, lazy);
        }
        HirKind::Capture(capture) => quantifier_kinds(&capture.sub, greedy, lazy),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().for_each(|sub| quantifier_kinds(sub, greedy, lazy));
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => {}
    }
}

/// `regex_syntax` errors span several lines (pattern, caret, message); the
/// diagnostic wants the message.
fn first_message_line(error: &str) -> String {
    error.lines().find_map(|line| line.strip_prefix("error: ")).unwrap_or(error).to_owned()
}

/// Letters YARA-X accepts after a backslash in a regex outside a class.
const ESCAPE_LETTERS: &str = "aAbBdDfnrsStvwWxz";

/// The regex text YARA-X's relaxed syntax (`--relaxed-re-syntax`) means,
/// written in the strict syntax: a backslash before a letter that is no
/// escape is dropped (`\R` is `R`), and a `{` that starts no repetition
/// (`a{b`, `x{`, `{1,2` unclosed) is escaped. Everything else, an
/// invalid escape of a digit included, is left for [`translate`] to judge.
#[must_use]
pub fn relax(pattern: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.char_indices().peekable();
    let mut in_class = false;
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, letter))
                    if !in_class
                        && letter.is_ascii_alphabetic()
                        && !ESCAPE_LETTERS.contains(letter) =>
                {
                    out.push(letter);
                }
                Some((_, next)) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal member.
                if let Some((_, caret @ '^')) = chars.peek().copied() {
                    out.push(caret);
                    chars.next();
                }
                if let Some((_, bracket @ ']')) = chars.peek().copied() {
                    out.push(bracket);
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '{' if !in_class && !starts_repetition(&pattern[at..]) => out.push_str("\\{"),
            _ => out.push(c),
        }
    }
    if out == pattern { Cow::Borrowed(pattern) } else { Cow::Owned(out) }
}

/// Whether `text` (starting at a `{`) is a repetition: `{n}`, `{n,}`,
/// `{n,m}` or YARA's `{,m}`.
fn starts_repetition(text: &str) -> bool {
    let Some(end) = text.find('}') else { return false };
    let inside = &text[1..end];
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match inside.split_once(',') {
        Some((low, high)) => digits(low) && digits(high) && !(low.is_empty() && high.is_empty()),
        None => !inside.is_empty() && digits(inside),
    }
}

/// Rewrites what YARA-X reads differently from `regex_syntax` (see the
/// module doc): `{,m}` to `{0,m}` outside classes and escapes, `\<` and
/// `\>` outside classes to the escaped bytes `\x3C` and `\x3E` (inside
/// one, both dialects refuse them). Also gives the offsets (in
/// the result) of the characters inserted.
fn rewrite_to_regex_syntax(pattern: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut inserted = Vec::new();
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '\\' => match chars.next() {
                Some(bracket @ ('<' | '>')) if !in_class => {
                    inserted.extend([out.len() + 1, out.len() + 2]);
                    out.push_str(if bracket == '<' { "x3C" } else { "x3E" });
                }
                next => out.extend(next),
            },
            '[' if !in_class => {
                in_class = true;
                // A `]` right after `[` or `[^` is a literal member.
                if chars.peek() == Some(&'^') {
                    out.extend(chars.next());
                }
                if chars.peek() == Some(&']') {
                    out.extend(chars.next());
                }
            }
            ']' if in_class => in_class = false,
            '{' if !in_class && chars.peek() == Some(&',') => {
                inserted.push(out.len());
                out.push('0');
            }
            _ => {}
        }
    }
    (out, inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_lower_bound_becomes_zero() {
        let cases = [
            ("a{,3}", "a{0,3}"),
            (r"a\{,3}", r"a\{,3}"),
            ("[{,]{,2}", "[{,]{0,2}"),
            ("[]{,]x", "[]{,]x"),
            ("a{2,3}", "a{2,3}"),
            (r"\<a\>{,2}", r"\x3Ca\x3E{0,2}"),
            (r"[\<]\\<", r"[\<]\\<"),
        ];
        for (yara, rust) in cases {
            assert_eq!(rewrite_to_regex_syntax(yara).0, rust, "{yara}");
        }
    }

    #[test]
    fn relaxed_syntax_reads_as_yara_x_does() {
        let cases = [
            (r"a\Rb", "aRb"),
            ("a{b", r"a\{b"),
            ("a{,b", r"a\{,b"),
            ("a{1,2", r"a\{1,2"),
            ("x{", r"x\{"),
            (r"\ka\Q", "kaQ"),
            ("a{2}b{,3}c{1,}d{1,2}", "a{2}b{,3}c{1,}d{1,2}"),
            (r"[{\R]\{\w\x41\8", r"[{\R]\{\w\x41\8"),
            ("a{}", r"a\{}"),
        ];
        for (relaxed, strict) in cases {
            assert_eq!(relax(relaxed), strict, "{relaxed}");
        }
        assert!(matches!(relax("abc"), Cow::Borrowed(_)));
        assert!(translate(&relax(r"a\Rb{x"), RegexFlags::default()).is_ok());
    }

    #[test]
    fn dialect_is_bytes() {
        let parse = |pattern| translate(pattern, RegexFlags::default());
        assert!(parse(r"\xff\x00").is_ok());
        assert!(parse(r"a\/b").is_ok());
        let dot = parse(".").unwrap();
        assert!(matches!(dot.kind(), HirKind::Class(regex_syntax::hir::Class::Bytes(_))));
        assert_eq!(parse("a(b").unwrap_err().message, "unclosed group");
    }

    #[test]
    fn errors_point_into_the_text_as_written() {
        let cases = [
            ("a(b", "unclosed group", 1),
            ("a{,2}b(", "unclosed group", 6),
            ("ab+c*?", "mixing greedy and non-greedy quantifiers in regular expression", 4),
            ("x{,3}y{2,1}", "invalid repetition count range, the start must be <= the end", 6),
        ];
        for (pattern, message, offset) in cases {
            let error = translate(pattern, RegexFlags::default()).unwrap_err();
            assert_eq!((error.message.as_str(), error.offset), (message, offset), "{pattern}");
        }
        let flags = RegexFlags { case_insensitive: true, dot_matches_new_line: true };
        assert!(translate(r"a{,2}\xff.", flags).is_ok());
    }
}
