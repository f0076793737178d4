//! Warnings about patterns that compile but are written in a way that is
//! slow or unclear: hex that is really text (W005), modifiers that change
//! nothing (W007), jumps one after the other (W016), and patterns whose
//! atoms are too short to search fast (W001, decided on the compiled
//! form). Each mechanical remedy is attached as a [`Fix`].

use std::sync::Arc;

use crate::diagnostics::{Diagnostic, Edit, Fix, codes};
use crate::matcher::CompiledPattern;
use crate::parser::ast::{self, HexToken, ModifierKind, PatternValue};
use crate::source::{SourceFile, Span};

/// Hex patterns shorter than this are left alone: `{ 4D 5A }` reads as
/// well as `"MZ"`.
const TEXT_AS_HEX_MIN: usize = 4;

/// Atoms shorter than this make a pattern slow (YARA warns at the same
/// point): every second byte of the input is a candidate.
const SLOW_ATOM: usize = 2;

/// The warnings of one pattern; `compiled` is its compiled form, when it
/// compiled.
pub(super) fn lint_pattern(
    pattern: &ast::Pattern,
    compiled: Option<&CompiledPattern>,
    source: &Arc<SourceFile>,
    diags: &mut Vec<Diagnostic>,
) {
    let name = &pattern.id.name;
    if let PatternValue::Hex(hex) = &pattern.value {
        text_as_hex(name, hex, source, diags);
        consecutive_jumps(name, &hex.tokens, source, diags);
    }
    redundant_modifiers(pattern, source, diags);
    if compiled.is_some_and(|c| c.shortest_atom() < SLOW_ATOM) {
        diags.push(
            Diagnostic::warning(
                codes::SLOW_PATTERN,
                format!("pattern `${name}` is slow to search: it has no atom of {SLOW_ATOM} or more fixed bytes"),
                source,
                pattern.span,
            )
            .with_note("make it longer, or anchor it with fixed bytes, or check it only at an offset"),
        );
    } else if let Some(atom) = compiled.and_then(CompiledPattern::common_atom) {
        let atom: Vec<String> = atom.iter().map(|byte| format!("{byte:02X}")).collect();
        diags.push(
            Diagnostic::warning(
                codes::SLOW_PATTERN,
                format!(
                    "pattern `${name}` is slow to search: its best atom, `{}`, is padding or fill that executables are full of",
                    atom.join(" ")
                ),
                source,
                pattern.span,
            )
            .with_note("add bytes that are not 00, FF or 90 to it, or check it only at an offset"),
        );
    }
}

/// W005: `{ 61 62 63 64 }` is `"abcd"`.
fn text_as_hex(
    name: &str,
    hex: &ast::HexString,
    source: &Arc<SourceFile>,
    diags: &mut Vec<Diagnostic>,
) {
    let bytes: Option<Vec<u8>> = hex
        .tokens
        .iter()
        .map(|t| match t {
            HexToken::Byte { value, mask: 0xFF } if (0x20..0x7F).contains(value) => Some(*value),
            _ => None,
        })
        .collect();
    let Some(bytes) = bytes.filter(|b| b.len() >= TEXT_AS_HEX_MIN) else { return };
    let mut text = String::from("\"");
    for byte in bytes {
        match byte {
            b'"' => text.push_str("\\\""),
            b'\\' => text.push_str("\\\\"),
            other => text.push(char::from(other)),
        }
    }
    text.push('"');
    diags.push(
        Diagnostic::warning(
            codes::TEXT_AS_HEX,
            format!("hex pattern `${name}` is printable text"),
            source,
            hex.span,
        )
        .with_fix(Fix::replace(format!("write it as {text}"), hex.span, text)),
    );
}

/// W016: `[2] [0-3]` acts as `[2-5]`.
fn consecutive_jumps(
    name: &str,
    tokens: &[HexToken],
    source: &Arc<SourceFile>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut run: Vec<(u32, Option<u32>, Span)> = Vec::new();
    let flush = |run: &mut Vec<(u32, Option<u32>, Span)>, diags: &mut Vec<Diagnostic>| {
        if run.len() > 1 {
            let min = run.iter().fold(0u32, |sum, j| sum.saturating_add(j.0));
            let max = run.iter().try_fold(0u32, |sum, j| j.1.map(|m| sum.saturating_add(m)));
            let merged = match max {
                Some(max) if max == min => format!("[{min}]"),
                Some(max) => format!("[{min}-{max}]"),
                None => format!("[{min}-]"),
            };
            let span = Span { start: run[0].2.start, end: run[run.len() - 1].2.end };
            diags.push(
                Diagnostic::warning(
                    codes::CONSECUTIVE_JUMPS,
                    format!("consecutive jumps in hex pattern `${name}` act as {merged}"),
                    source,
                    span,
                )
                .with_fix(Fix::replace(format!("write {merged}"), span, merged)),
            );
        }
        run.clear();
    };
    for token in tokens {
        match token {
            HexToken::Jump { min, max, span } => run.push((*min, *max, *span)),
            HexToken::Alternatives(alternatives) => {
                flush(&mut run, diags);
                for alternative in alternatives {
                    consecutive_jumps(name, alternative, source, diags);
                }
            }
            _ => flush(&mut run, diags),
        }
    }
    flush(&mut run, diags);
}

/// W007: `nocase` on a text without letters or on a regex that already
/// has `/i`. (`ascii` alone is the default too, but spelling it out is a
/// common and harmless style, so it is left alone.)
fn redundant_modifiers(
    pattern: &ast::Pattern,
    source: &Arc<SourceFile>,
    diags: &mut Vec<Diagnostic>,
) {
    for modifier in &pattern.modifiers {
        let why = match (&modifier.kind, &pattern.value) {
            (ModifierKind::Nocase, PatternValue::Text(text))
                if !text.iter().any(u8::is_ascii_alphabetic) =>
            {
                "`nocase` on a text without letters changes nothing"
            }
            (ModifierKind::Nocase, PatternValue::Regex(regex)) if regex.case_insensitive => {
                "`nocase` on a regex that has `/i` already"
            }
            _ => continue,
        };
        let removed = with_leading_blanks(source.text(), modifier.span);
        diags.push(
            Diagnostic::warning(
                codes::REDUNDANT_MODIFIER,
                format!("redundant modifier in `${}`: {why}", pattern.id.name),
                source,
                modifier.span,
            )
            .with_fix(Fix {
                description: "remove it".to_owned(),
                edits: vec![Edit { span: removed, replacement: String::new() }],
            }),
        );
    }
}

/// `span` widened to the spaces and tabs before it, so that removing it
/// leaves no double blank.
fn with_leading_blanks(text: &str, span: Span) -> Span {
    let before = &text.as_bytes()[..span.start as usize];
    let blanks = before.iter().rev().take_while(|b| matches!(b, b' ' | b'\t')).count();
    Span { start: span.start - u32::try_from(blanks).unwrap_or(0), end: span.end }
}
