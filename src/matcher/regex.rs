//! YARA's regular expression dialect, read into a `regex_syntax` HIR.
//!
//! YARA regexes work on bytes, not Unicode: `.` is any byte but `\n` (any
//! byte with `s`), `\w \d \s \b` are ASCII, `\xHH` is one byte. That is
//! `regex_syntax` with Unicode off and UTF-8 not required. The one piece of
//! syntax `regex_syntax` lacks is the quantifier `{,m}` (YARA: `{0,m}`),
//! rewritten before parsing. There is no multi-line mode: `^` and `$` are the
//! start and end of the input.
//!
//! [`translate`] is the one entry point for every stage that reads YARA
//! regexes: the matcher's patterns, the compiler's E004 diagnostics and
//! the evaluator's `matches` operator all accept the same dialect.

use regex_syntax::ast::{self, Ast};
use regex_syntax::hir::translate::TranslatorBuilder;
use regex_syntax::hir::{Hir, HirKind, Look, Repetition};
use serde::{Deserialize, Serialize};

use super::PatternError;

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
    let (rewritten, inserted) = rewrite_open_lower_bound(pattern);
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
    TranslatorBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(flags.case_insensitive)
        .dot_matches_new_line(flags.dot_matches_new_line)
        .build()
        .translate(&rewritten, &syntax)
        .map_err(|e| error(e.kind().to_string(), e.span()))
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

/// [`translate`] for the matcher's patterns.
pub(crate) fn parse(
    pattern: &str,
    case_insensitive: bool,
    dot_matches_new_line: bool,
) -> Result<Hir, PatternError> {
    translate(pattern, RegexFlags { case_insensitive, dot_matches_new_line })
        .map_err(|error| PatternError::InvalidRegex(error.message))
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

/// Rewrites YARA's `{,m}` to `{0,m}`, outside classes and escapes; also
/// gives the offsets (in the result) of the inserted `0`s.
fn rewrite_open_lower_bound(pattern: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut inserted = Vec::new();
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '\\' => out.extend(chars.next()),
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

/// `\b` or `\B` at the very start or end of a wide regex. Widening keeps
/// look-arounds as they are, where they would see the zero bytes of the wide
/// text; YARA-X instead tests them on wide characters (`/ab\b/ wide`
/// matches `a\0b\0 \0`). The edge assertions are taken out of the regex and
/// checked on wide characters after matching; `true` is `\b`, `false` `\B`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WideWordEdges {
    /// Assertion before the first character.
    pub start: Option<bool>,
    /// Assertion after the last character.
    pub end: Option<bool>,
}

/// The wide form of a regex, with its edge word assertions split off.
pub(crate) fn widen_with_edges(hir: &Hir) -> (Hir, WideWordEdges) {
    let mut elements = match hir.kind() {
        HirKind::Concat(subs) => subs.clone(),
        _ => vec![hir.clone()],
    };
    let boundary = |element: &Hir| match element.kind() {
        HirKind::Look(Look::WordAscii) => Some(true),
        HirKind::Look(Look::WordAsciiNegate) => Some(false),
        _ => None,
    };
    let mut edges = WideWordEdges::default();
    if elements.len() > 1
        && let Some(required) = elements.first().and_then(boundary)
    {
        edges.start = Some(required);
        elements.remove(0);
    }
    if elements.len() > 1
        && let Some(required) = elements.last().and_then(boundary)
    {
        edges.end = Some(required);
        elements.pop();
    }
    (widen(&Hir::concat(elements)), edges)
}

/// The HIR of the wide form of a regex: every byte it matches followed by
/// `\0` (YARA's `wide`). Look-arounds are kept as they are: inside the
/// regex, `\b` sees the zero bytes of the wide text (see [`WideWordEdges`]).
pub(crate) fn widen(hir: &Hir) -> Hir {
    let zero = || Hir::literal([0u8]);
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => hir.clone(),
        HirKind::Literal(literal) => Hir::literal(super::forms::widen(&literal.0)),
        HirKind::Class(_) => Hir::concat(vec![hir.clone(), zero()]),
        HirKind::Repetition(repetition) => Hir::repetition(Repetition {
            sub: Box::new(widen(&repetition.sub)),
            ..repetition.clone()
        }),
        HirKind::Capture(capture) => widen(&capture.sub),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(widen).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(widen).collect()),
    }
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
        ];
        for (yara, rust) in cases {
            assert_eq!(rewrite_open_lower_bound(yara).0, rust, "{yara}");
        }
    }

    #[test]
    fn dialect_is_bytes() {
        assert!(parse(r"\xff\x00", false, false).is_ok());
        assert!(parse(r"a\/b", false, false).is_ok());
        let dot = parse(".", false, false).unwrap();
        assert!(matches!(dot.kind(), HirKind::Class(regex_syntax::hir::Class::Bytes(_))));
        let error = parse("a(b", false, false).unwrap_err();
        assert_eq!(error, PatternError::InvalidRegex("unclosed group".to_owned()));
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

    #[test]
    fn wide_edges_are_split_off() {
        let hir = parse(r"\bab\B", false, false).unwrap();
        let (wide, edges) = widen_with_edges(&hir);
        assert_eq!(edges, WideWordEdges { start: Some(true), end: Some(false) });
        assert_eq!(wide, Hir::literal(*b"a\0b\0"));
        let (_, none) = widen_with_edges(&parse(r"\b", false, false).unwrap());
        assert_eq!(none, WideWordEdges::default());
    }

    #[test]
    fn widening_interleaves_zeros() {
        let wide = widen(&parse("ab[cd]", false, false).unwrap());
        let flat = super::super::atoms::flatten(&wide);
        assert_eq!(flat.len(), 6);
        assert_eq!(flat[1], Hir::literal([0u8]));
        assert_eq!(flat[5], Hir::literal([0u8]));
    }
}
