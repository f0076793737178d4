//! A project's rule conventions, from `spoor.toml`'s `[check]`: required
//! metadata and its type (W011, W012), allowed tags (W013), the rule name
//! pattern (W014). They are warnings, as in YARA-X: the rules still run,
//! and `-W error` or `as_errors` makes a CI job fail on them.

use std::sync::Arc;

use regex_automata::meta::Regex;

use super::RuleCheck;
use crate::config::{CheckConfig, MetaType};
use crate::diagnostics::{Diagnostic, codes};
use crate::parser::ast::{self, MetaValue};
use crate::source::SourceFile;

/// The conventions of one `[check]` table, ready to run on rules.
#[derive(Debug)]
pub struct Conventions {
    config: CheckConfig,
    rule_name: Option<Regex>,
}

impl Conventions {
    /// Compiles `config`'s rule name pattern.
    ///
    /// # Errors
    /// When the pattern is not a valid regular expression.
    pub fn new(config: CheckConfig) -> Result<Self, String> {
        let rule_name = config
            .rule_name
            .as_deref()
            .map(Regex::new)
            .transpose()
            .map_err(|e| format!("[check] rule_name: {e}"))?;
        Ok(Self { config, rule_name })
    }
}

impl RuleCheck for Conventions {
    fn check(&self, rule: &ast::Rule, source: &Arc<SourceFile>) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        let name = &rule.name;
        if let (Some(regex), Some(pattern)) = (&self.rule_name, &self.config.rule_name)
            && !regex.is_match(&name.name)
        {
            found.push(Diagnostic::warning(
                codes::INVALID_RULE_NAME,
                format!("rule name `{}` does not match `{pattern}` (spoor.toml)", name.name),
                source,
                name.span,
            ));
        }
        if let Some(allowed) = &self.config.tags {
            for tag in rule.tags.iter().filter(|t| !allowed.contains(&t.name)) {
                found.push(
                    Diagnostic::warning(
                        codes::INVALID_TAG,
                        format!("tag `{}` is not allowed (spoor.toml)", tag.name),
                        source,
                        tag.span,
                    )
                    .with_note(format!("allowed tags: {}", allowed.join(", "))),
                );
            }
        }
        for (key, ty) in &self.config.meta {
            match rule.meta.iter().find(|m| &m.key.name == key) {
                None => found.push(Diagnostic::warning(
                    codes::MISSING_METADATA,
                    format!(
                        "rule `{}` has no `{key}` metadata (spoor.toml requires it)",
                        name.name
                    ),
                    source,
                    name.span,
                )),
                Some(meta) if !fits(&meta.value, *ty) => found.push(Diagnostic::warning(
                    codes::INVALID_METADATA,
                    format!("metadata `{key}` should be {}", describe(*ty)),
                    source,
                    meta.span,
                )),
                Some(_) => {}
            }
        }
        found
    }
}

fn fits(value: &MetaValue, ty: MetaType) -> bool {
    let text = match value {
        MetaValue::String(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    };
    let hex_of = |len: usize| {
        text.is_some_and(|t| t.len() == len && t.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    match ty {
        MetaType::String => text.is_some(),
        MetaType::Integer => matches!(value, MetaValue::Integer(_)),
        MetaType::Float => matches!(value, MetaValue::Float(_) | MetaValue::Integer(_)),
        MetaType::Bool => matches!(value, MetaValue::Bool(_)),
        MetaType::Date => text.is_some_and(is_date),
        MetaType::Md5 => hex_of(32),
        MetaType::Sha1 => hex_of(40),
        MetaType::Sha256 => hex_of(64),
        MetaType::Url => {
            text.is_some_and(|t| t.starts_with("https://") || t.starts_with("http://"))
        }
    }
}

/// `YYYY-MM-DD` with a month 1-12 and a day 1-31.
fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match parts[..] {
        [y, m, d] => {
            number(y, 4).is_some()
                && number(m, 2).is_some_and(|m| (1..=12).contains(&m))
                && number(d, 2).is_some_and(|d| (1..=31).contains(&d))
        }
        _ => false,
    }
}

fn describe(ty: MetaType) -> &'static str {
    match ty {
        MetaType::String => "a string",
        MetaType::Integer => "an integer",
        MetaType::Float => "a number",
        MetaType::Bool => "`true` or `false`",
        MetaType::Date => "a date `YYYY-MM-DD`",
        MetaType::Md5 => "an MD5 (32 hex digits)",
        MetaType::Sha1 => "a SHA-1 (40 hex digits)",
        MetaType::Sha256 => "a SHA-256 (64 hex digits)",
        MetaType::Url => "an http(s) URL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_types_are_checked_by_their_form() {
        let s = |t: &str| MetaValue::String(t.as_bytes().to_vec());
        assert!(fits(&s("2024-02-29"), MetaType::Date));
        assert!(!fits(&s("2024-13-01"), MetaType::Date));
        assert!(!fits(&s("24-01-01"), MetaType::Date));
        assert!(fits(&s(&"a".repeat(64)), MetaType::Sha256));
        assert!(!fits(&s(&"g".repeat(64)), MetaType::Sha256));
        assert!(fits(&MetaValue::Integer(3), MetaType::Float));
        assert!(!fits(&MetaValue::Integer(3), MetaType::String));
        assert!(fits(&s("https://example.org"), MetaType::Url));
    }
}
