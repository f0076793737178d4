//! pest errors to `E001` diagnostics that read like YARA-X's.
//!
//! pest reports the furthest position it reached and the rules it tried
//! there; this module names them in rule-author terms ("expected `{`,
//! found `condition`") and points at the token found.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use pest::Parser as _;
use pest::error::{Error, ErrorVariant, InputLocation};

use super::grammar::{Rule, YaraParser};
use crate::diagnostics::{Diagnostic, codes};
use crate::source::{SourceFile, Span};

/// Serialises the detailed re-parses: pest's error-detail switch is
/// process-wide, and holding this lock while it is on means every detailed
/// re-parse sees it on. Other parses that start meanwhile only collect
/// detail they do not need; their results are the same.
static DETAIL: Mutex<()> = Mutex::new(());

/// Parses `text`, known to be invalid, again with pest's error detail on,
/// which records the literal tokens (`{`, `)`, `=`) that were expected.
/// Detail costs a third of parsing speed, so valid files never pay for it.
pub(super) fn detailed_error(text: &str) -> Error<Rule> {
    let _guard = DETAIL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    pest::set_error_detail(true);
    let result = YaraParser::parse(Rule::file, text);
    pest::set_error_detail(false);
    match result {
        Err(error) => error,
        Ok(_) => Error::new_from_pos(
            ErrorVariant::CustomError { message: "inconsistent parse".to_owned() },
            pest::Position::from_start(text),
        ),
    }
}

/// The diagnostic for a failed parse of `source`.
pub(super) fn diagnostic(source: &Arc<SourceFile>, error: &Error<Rule>) -> Diagnostic {
    let text = source.text();
    let reported = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // pest locates the error at the furthest *rule* it tried; with detail
    // on it also knows the furthest literal it tried. When that literal is
    // punctuation (a missing `:` after `for any of them`), its position is
    // where rule authors and YARA-X look.
    let offset = error
        .parse_attempts()
        .filter(|a| {
            a.expected_tokens().iter().any(|t| STRUCTURAL.contains(&t.to_string().as_str()))
        })
        .map_or(reported, |a| a.max_position.max(reported));
    // Inside a token pest may stop before whitespace; point at what follows.
    let past_space = |at: usize| at + text.get(at..).map_or(0, |r| r.len() - r.trim_start().len());
    // The rules pest names were expected where it reported the error; once
    // the diagnostic points at a later token, only the punctuation wanted
    // there applies (`author "me"` lacks a `=`, not a meta entry).
    let later_token = past_space(offset) > past_space(reported);
    let offset = past_space(offset);
    let found = found_token(text, offset);
    let span = Span::new(offset, offset + found.len().max(1));
    let (code, message) = match &error.variant {
        ErrorVariant::CustomError { message } if message.contains("limit") => {
            (codes::TOO_DEEP, format!("input too complex to parse: {message}"))
        }
        ErrorVariant::CustomError { message } => {
            (codes::SYNTAX, format!("syntax error: {message}"))
        }
        ErrorVariant::ParsingError { .. } if found == "\"" && !string_closes(&text[offset..]) => {
            (codes::SYNTAX, "syntax error: unclosed string literal".to_owned())
        }
        ErrorVariant::ParsingError { positives, .. } => {
            let positives = if later_token { &[][..] } else { positives.as_slice() };
            let expected = expected(error, positives);
            let found =
                if found.is_empty() { "end of file".to_owned() } else { format!("`{found}`") };
            let message = if expected.is_empty() {
                format!("syntax error: unexpected {found}")
            } else {
                format!("syntax error: expected {}, found {found}", join_alternatives(&expected))
            };
            (codes::SYNTAX, message)
        }
    };
    Diagnostic::error(code, message, source, span)
}

/// What the grammar would have accepted, in rule-author terms: the names
/// of the rules pest tried, plus the punctuation it wanted (pest's detail
/// also lists every keyword and character class an expression may start
/// with; naming "expression" says that better).
fn expected(error: &Error<Rule>, positives: &[Rule]) -> Vec<String> {
    let mut names: BTreeSet<String> =
        positives.iter().filter_map(|&r| describe(r)).map(str::to_owned).collect();
    let expects_expression = names.contains("expression");
    if let Some(attempts) = error.parse_attempts() {
        for token in attempts.expected_tokens() {
            let token = token.to_string();
            let is_structural = STRUCTURAL.contains(&token.as_str());
            if is_structural && !(expects_expression && token == "(") {
                names.insert(format!("`{token}`"));
            }
        }
    }
    // Inside parentheses, `,` and `..` only continue the rare list or range.
    if names.contains("`)`") {
        names.remove("`,`");
        names.remove("`..`");
    }
    names.into_iter().collect()
}

/// Punctuation worth naming when it is missing.
const STRUCTURAL: [&str; 9] = ["{", "}", "(", ")", ":", "=", ",", "]", ".."];

/// `a`, `a or b`, `a, b or c`.
fn join_alternatives(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Whether the string literal opening `rest` ends on its own line (a raw
/// newline ends no string; `\"` does not close one). A literal that closes
/// is not the error: a missing `=` before it is (`author "me"`).
fn string_closes(rest: &str) -> bool {
    let mut bytes = rest.bytes().skip(1);
    while let Some(b) = bytes.next() {
        match b {
            b'"' => return true,
            b'\\' if bytes.next().is_some_and(|e| e != b'\n') => {}
            b'\\' | b'\n' => return false,
            _ => {}
        }
    }
    false
}

/// The token at `offset`: a word, a comparison operator, or a single
/// character; empty at the end of the text.
fn found_token(text: &str, offset: usize) -> &str {
    let rest = text.get(offset..).unwrap_or("");
    let word = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
    if word > 0 {
        return &rest[..word];
    }
    for operator in ["==", "!=", "<=", ">=", "<<", ">>", ".."] {
        if rest.starts_with(operator) {
            return operator;
        }
    }
    rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
}

/// A rule-author name for a grammar rule; `None` for rules that only
/// restate what the enclosing rule already says.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::ident | Rule::rule_ref => "identifier",
        Rule::string_lit | Rule::string_body => "string literal",
        Rule::integer | Rule::meta_number => "number",
        Rule::float => "float",
        Rule::regex | Rule::regex_body => "regular expression",
        Rule::hex_string => "hex pattern",
        Rule::hex_byte | Rule::hex_not => "hex byte",
        Rule::hex_jump | Rule::hex_range => "jump",
        Rule::hex_alternatives | Rule::hex_tokens => "hex token",
        Rule::pattern_ident | Rule::pattern_ref => "pattern identifier",
        Rule::modifier | Rule::xor_modifier | Rule::base64_modifier | Rule::base64wide_modifier => {
            "pattern modifier"
        }
        Rule::import => "`import`",
        Rule::include => "`include`",
        Rule::rule_decl | Rule::private_flag | Rule::global_flag => "rule",
        Rule::meta_section => "`meta`",
        Rule::meta_entry => "meta entry",
        Rule::strings_section => "`strings`",
        Rule::condition_section => "`condition`",
        Rule::op_and | Rule::op_or | Rule::percent => "operator",
        rule if super::tokens::is_symbol_operator(rule) => "operator",
        Rule::bool_expr
        | Rule::comparison
        | Rule::arith_expr
        | Rule::quantity
        | Rule::value
        | Rule::paren
        | Rule::pattern_match
        | Rule::keyword_of
        | Rule::for_expr
        | Rule::with_expr
        | Rule::reader
        | Rule::pattern_count
        | Rule::pattern_offset
        | Rule::pattern_length
        | Rule::op_not
        | Rule::op_defined
        | Rule::op_neg
        | Rule::op_bitnot => "expression",
        Rule::range => "range",
        Rule::quantifier => "quantifier",
        Rule::of_tail | Rule::k_of => "`of`",
        Rule::pattern_set | Rule::rule_set | Rule::bool_tuple => "set",
        Rule::iterable => "iterable",
        Rule::for_of | Rule::for_in => "`of` or loop variable",
        Rule::paren_range | Rule::paren_list => "`)`",
        Rule::field | Rule::index | Rule::call => "operator",
        Rule::k_condition => "`condition`",
        Rule::k_rule => "`rule`",
        Rule::k_in => "`in`",
        Rule::k_at => "`at`",
        Rule::k_them => "`them`",
        _ => return None,
    })
}
