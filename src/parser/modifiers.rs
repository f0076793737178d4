//! Which pattern modifiers may be combined, as YARA and YARA-X decide.
//!
//! Argument ranges (`xor(300)`, alphabet length) are checked while the
//! modifier is built; this module checks the set as a whole: repeats,
//! pairs that exclude each other, and modifiers the pattern kind cannot
//! take. It is the one place that decides: the parser reports its
//! problems with spans, and the matcher refuses a pattern given to it
//! directly with such a list.

use super::ast::{Modifier, ModifierKind, PatternValue};

/// A problem with a pattern's modifier list.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ModifierProblem {
    /// Index in the list of the modifier to point at.
    pub index: usize,
    /// What is wrong.
    pub message: String,
}

/// The keyword of a modifier, as written.
pub(super) fn keyword(kind: &ModifierKind) -> &'static str {
    match kind {
        ModifierKind::Nocase => "nocase",
        ModifierKind::Wide => "wide",
        ModifierKind::Ascii => "ascii",
        ModifierKind::Fullword => "fullword",
        ModifierKind::Private => "private",
        ModifierKind::Xor { .. } => "xor",
        ModifierKind::Base64 { .. } => "base64",
        ModifierKind::Base64Wide { .. } => "base64wide",
    }
}

/// Pairs of modifiers that cannot appear on one pattern.
const EXCLUSIVE: [(&str, &str); 5] = [
    ("xor", "nocase"),
    ("base64", "nocase"),
    ("base64", "xor"),
    ("base64", "fullword"),
    ("base64wide", "nocase"),
];

/// Pairs that `base64wide` shares with `base64`.
const BASE64WIDE_EXCLUSIVE: [&str; 2] = ["xor", "fullword"];

/// Every problem with `modifiers` on a pattern of kind `value`.
pub(crate) fn check(value: &PatternValue, modifiers: &[Modifier]) -> Vec<ModifierProblem> {
    let names: Vec<&str> = modifiers.iter().map(|m| keyword(&m.kind)).collect();
    let mut problems = Vec::new();
    for (index, name) in names.iter().enumerate() {
        if names[..index].contains(name) {
            problems
                .push(ModifierProblem { index, message: format!("duplicate modifier `{name}`") });
            continue;
        }
        if let Some(kind) = not_for_kind(value, name) {
            problems.push(ModifierProblem {
                index,
                message: format!("modifier `{name}` cannot be used with {kind}"),
            });
            continue;
        }
        let clashes = |other: &str| {
            EXCLUSIVE.iter().any(|&(a, b)| (a, b) == (name, other) || (b, a) == (name, other))
                || (*name == "base64wide" && BASE64WIDE_EXCLUSIVE.contains(&other))
                || (other == "base64wide" && BASE64WIDE_EXCLUSIVE.contains(name))
        };
        // Point at the earlier modifier of the pair, where YARA-X points.
        if let Some(first) = names[..index].iter().position(|other| clashes(other)) {
            let other = names[first];
            problems.push(ModifierProblem {
                index: first,
                message: format!("modifiers `{other}` and `{name}` cannot be combined"),
            });
        }
    }
    problems
}

/// The pattern kind, if `name` is a modifier that kind cannot take: hex
/// patterns take only `private`; regexes take neither `xor` nor base64.
fn not_for_kind(value: &PatternValue, name: &str) -> Option<&'static str> {
    match value {
        PatternValue::Hex(_) if name != "private" => Some("hex patterns"),
        PatternValue::Regex(_) if matches!(name, "xor" | "base64" | "base64wide") => {
            Some("regular expressions")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::ast::{HexString, Regex};
    use crate::source::Span;

    fn mods(kinds: Vec<ModifierKind>) -> Vec<Modifier> {
        kinds.into_iter().map(|kind| Modifier { kind, span: Span::default() }).collect()
    }

    fn messages(value: &PatternValue, kinds: Vec<ModifierKind>) -> Vec<(usize, String)> {
        check(value, &mods(kinds)).into_iter().map(|p| (p.index, p.message)).collect()
    }

    #[test]
    fn text_patterns_take_compatible_modifiers() {
        let text = PatternValue::Text(b"abc".to_vec());
        let xor = ModifierKind::Xor { min: 0, max: 255 };
        let b64 = ModifierKind::Base64 { alphabet: None };
        let b64w = ModifierKind::Base64Wide { alphabet: None };
        assert!(
            messages(&text, vec![ModifierKind::Wide, ModifierKind::Ascii, xor.clone()]).is_empty()
        );
        assert!(messages(&text, vec![b64.clone(), b64w.clone(), ModifierKind::Wide]).is_empty());
        assert_eq!(
            messages(&text, vec![xor.clone(), ModifierKind::Nocase]),
            vec![(0, "modifiers `xor` and `nocase` cannot be combined".to_string())]
        );
        assert_eq!(
            messages(&text, vec![ModifierKind::Fullword, b64w]),
            vec![(0, "modifiers `fullword` and `base64wide` cannot be combined".to_string())]
        );
        assert_eq!(
            messages(&text, vec![b64, xor]),
            vec![(0, "modifiers `base64` and `xor` cannot be combined".to_string())]
        );
        assert_eq!(
            messages(&text, vec![ModifierKind::Wide, ModifierKind::Wide]),
            vec![(1, "duplicate modifier `wide`".to_string())]
        );
    }

    #[test]
    fn hex_and_regex_patterns_restrict_modifiers() {
        let hex = PatternValue::Hex(HexString { tokens: vec![], span: Span::default() });
        assert!(messages(&hex, vec![ModifierKind::Private]).is_empty());
        assert_eq!(
            messages(&hex, vec![ModifierKind::Wide]),
            vec![(0, "modifier `wide` cannot be used with hex patterns".to_string())]
        );
        let regex = PatternValue::Regex(Regex {
            pattern: "a".into(),
            case_insensitive: false,
            dot_matches_new_line: false,
            span: Span::default(),
        });
        assert!(messages(&regex, vec![ModifierKind::Nocase, ModifierKind::Wide]).is_empty());
        assert_eq!(
            messages(&regex, vec![ModifierKind::Base64 { alphabet: None }]),
            vec![(0, "modifier `base64` cannot be used with regular expressions".to_string())]
        );
    }
}
