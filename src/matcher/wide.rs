//! YARA's `wide` modifier: every character followed by a zero byte, for
//! byte strings and for regexes.

use regex_syntax::hir::{Hir, HirKind, Look, Repetition};
use serde::{Deserialize, Serialize};

/// Interleaves a zero after every byte.
pub(crate) fn widen(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|&byte| [byte, 0]).collect()
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
    (widen_hir(&Hir::concat(elements)), edges)
}

/// The HIR of the wide form of a regex: every byte it matches followed by
/// `\0`. Look-arounds are kept as they are: inside the regex, `\b` sees the
/// zero bytes of the wide text (see [`WideWordEdges`]).
pub(crate) fn widen_hir(hir: &Hir) -> Hir {
    let zero = || Hir::literal([0u8]);
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => hir.clone(),
        HirKind::Literal(literal) => Hir::literal(widen(&literal.0)),
        HirKind::Class(_) => Hir::concat(vec![hir.clone(), zero()]),
        HirKind::Repetition(repetition) => Hir::repetition(Repetition {
            sub: Box::new(widen_hir(&repetition.sub)),
            ..repetition.clone()
        }),
        HirKind::Capture(capture) => widen_hir(&capture.sub),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(widen_hir).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(widen_hir).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::regex::{RegexFlags, translate};
    use super::*;

    fn parse(pattern: &str) -> Hir {
        translate(pattern, RegexFlags::default()).unwrap()
    }

    #[test]
    fn wide_edges_are_split_off() {
        let (wide, edges) = widen_with_edges(&parse(r"\bab\B"));
        assert_eq!(edges, WideWordEdges { start: Some(true), end: Some(false) });
        assert_eq!(wide, Hir::literal(*b"a\0b\0"));
        let (_, none) = widen_with_edges(&parse(r"\b"));
        assert_eq!(none, WideWordEdges::default());
    }

    #[test]
    fn widening_interleaves_zeros() {
        let wide = widen_hir(&parse("ab[cd]"));
        let flat = super::super::atoms::flatten(&wide);
        assert_eq!(flat.len(), 6);
        assert_eq!(flat[1], Hir::literal([0u8]));
        assert_eq!(flat[5], Hir::literal([0u8]));
        assert_eq!(widen(b"ab"), b"a\0b\0");
    }
}
