//! The warnings spoor gives, and which of them a run shows.
//!
//! Every warning has a stable code (`W001`) and, where YARA-X has the same
//! warning, YARA-X's name for it (`slow_pattern`), so that a
//! `--disable-warnings` list written for `yr` works unchanged. A
//! [`WarningPolicy`] (from the command line or `spoor.toml`'s
//! `[warnings]`) drops disabled warnings and can turn the rest into
//! errors, for CI jobs that want clean rule files.

use std::collections::BTreeSet;

use super::{Diagnostic, Severity, codes};

/// One kind of warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarningKind {
    /// Stable code, as in diagnostics.
    pub code: &'static str,
    /// Name, YARA-X's where it has the warning.
    pub name: &'static str,
    /// What it flags.
    pub summary: &'static str,
}

/// Every warning, by code.
pub const ALL: &[WarningKind] = &[
    kind(codes::SLOW_PATTERN, "slow_pattern", "pattern whose atoms are too short to search fast"),
    kind(codes::CONSTANT_CONDITION, "invariant_expr", "expression that is always true or false"),
    kind(codes::UNSATISFIABLE, "unsatisfiable_expr", "comparison that can never hold"),
    kind(codes::NON_BOOLEAN, "non_bool_expr", "non-boolean value used as a boolean"),
    kind(codes::TEXT_AS_HEX, "text_as_hex", "hex pattern that could be a text string"),
    kind(codes::UNUSED_RULE, "unused_rule", "private rule that no rule uses"),
    kind(codes::REDUNDANT_MODIFIER, "redundant_case_modifier", "`nocase` that changes nothing"),
    kind(codes::UNINTENDED_SET_MEMBER, "unintended_set_member", "pattern caught by a wildcard"),
    kind(codes::SLOW_LOOP, "potentially_slow_loop", "loop over a range as long as the file"),
    kind(codes::DUPLICATE_RULE_BODY, "duplicate_rule", "rule identical to an earlier one"),
    kind(codes::MISSING_METADATA, "missing_metadata", "metadata spoor.toml requires is missing"),
    kind(codes::INVALID_METADATA, "invalid_metadata", "metadata of the wrong type"),
    kind(codes::INVALID_TAG, "invalid_tag", "tag spoor.toml does not allow"),
    kind(codes::INVALID_RULE_NAME, "invalid_rule_name", "rule name against spoor.toml's pattern"),
    kind(codes::DUPLICATE_IMPORT, "duplicate_import", "module imported twice"),
    kind(codes::CONSECUTIVE_JUMPS, "consecutive_jumps", "hex jumps that act as one"),
    kind(codes::AMBIGUOUS_EXPRESSION, "ambiguous_expr", "`0 of` where `none of` is meant"),
];

const fn kind(code: &'static str, name: &'static str, summary: &'static str) -> WarningKind {
    WarningKind { code, name, summary }
}

/// The warning a code (`W005`, any case) or a name (`text_as_hex`) names.
#[must_use]
pub fn find(id: &str) -> Option<&'static WarningKind> {
    ALL.iter().find(|k| k.code.eq_ignore_ascii_case(id) || k.name == id)
}

/// Which warnings a run shows, and whether they count as errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WarningPolicy {
    /// Codes of the warnings dropped.
    disabled: BTreeSet<&'static str>,
    /// Whether every warning is dropped.
    all_disabled: bool,
    /// Whether the warnings left are errors.
    as_errors: bool,
}

impl WarningPolicy {
    /// Drops the warnings `ids` names (codes or names).
    ///
    /// # Errors
    /// The first id that names no warning.
    pub fn disable<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) -> Result<(), String> {
        for id in ids {
            let kind = find(id.trim()).ok_or_else(|| unknown_warning(id))?;
            self.disabled.insert(kind.code);
        }
        Ok(())
    }

    /// Drops every warning.
    pub fn disable_all(&mut self) {
        self.all_disabled = true;
    }

    /// Makes every warning left an error.
    pub fn deny(&mut self) {
        self.as_errors = true;
    }

    /// Whether warnings are errors.
    #[must_use]
    pub fn denies(&self) -> bool {
        self.as_errors
    }

    /// Applies the policy to `diagnostics` from index `from` on: drops
    /// disabled warnings, turns the others into errors if asked to.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>, from: usize) {
        let mut index = from;
        while index < diagnostics.len() {
            let d = &mut diagnostics[index];
            if d.severity == Severity::Warning {
                if self.all_disabled || self.disabled.contains(d.code) {
                    diagnostics.remove(index);
                    continue;
                }
                if self.as_errors {
                    d.severity = Severity::Error;
                }
            }
            index += 1;
        }
    }
}

fn unknown_warning(id: &str) -> String {
    let known: Vec<&str> = ALL.iter().map(|k| k.name).collect();
    let hint = super::suggest::did_you_mean(id, known.iter().copied())
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    format!("unknown warning `{id}`{hint} (`spoor check --list-warnings` lists them)")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::source::{SourceFile, Span};

    #[test]
    fn codes_and_names_are_unique_and_both_find_the_warning() {
        let codes: BTreeSet<_> = ALL.iter().map(|k| k.code).collect();
        let names: BTreeSet<_> = ALL.iter().map(|k| k.name).collect();
        assert_eq!((codes.len(), names.len()), (ALL.len(), ALL.len()));
        assert_eq!(find("w005"), find("text_as_hex"));
        assert_eq!(find("text_as_hex").map(|k| k.code), Some(codes::TEXT_AS_HEX));
        assert_eq!(find("nope"), None);
    }

    #[test]
    fn the_policy_drops_disabled_warnings_and_can_deny_the_rest() {
        let src: Arc<SourceFile> = SourceFile::new("r.yar", "rule a { condition: true }");
        let warning = |code| Diagnostic::warning(code, "w", &src, Span::new(0, 1));
        let error = Diagnostic::error(codes::SYNTAX, "e", &src, Span::new(0, 1));
        let mut all = vec![
            error,
            warning(codes::SLOW_PATTERN),
            warning(codes::TEXT_AS_HEX),
            warning(codes::CONSTANT_CONDITION),
        ];
        let mut policy = WarningPolicy::default();
        policy.disable(["text_as_hex", "W002"]).unwrap();
        policy.deny();
        policy.apply(&mut all, 1);
        let left: Vec<_> = all.iter().map(|d| (d.code, d.is_error())).collect();
        assert_eq!(left, [(codes::SYNTAX, true), (codes::SLOW_PATTERN, true)]);
        let error = policy.disable(["slow_patern"]).unwrap_err();
        assert!(error.contains("did you mean `slow_pattern`?"), "{error}");
    }
}
