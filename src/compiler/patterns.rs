//! Checking a rule's `strings:` section: unique identifiers and valid
//! regular expressions. Modifier combinations and arguments are syntax,
//! checked by the parser.

use std::collections::HashMap;
use std::sync::Arc;

use super::ir::{self, PatternId, RuleId};
use super::pattern_ir::{lower_modifiers, lower_value};
use crate::diagnostics::{Diagnostic, codes};
use crate::matcher::regex::{RegexFlags, translate};
use crate::parser::ast::{self, ModifierKind, PatternValue};
use crate::source::{SourceFile, Span};

/// The patterns of one rule, as the condition checker sees them.
#[derive(Debug)]
pub(super) struct DeclaredPatterns {
    /// [`PatternId`] of the rule's first pattern in the program.
    pub base: u32,
    /// Names without `$`, empty for anonymous patterns, in order.
    pub names: Vec<String>,
    /// Whether the condition refers to each pattern.
    pub used: Vec<bool>,
}

impl DeclaredPatterns {
    /// The id of the pattern at `index` in this rule.
    pub(super) fn id(&self, index: usize) -> PatternId {
        PatternId(self.base + u32::try_from(index).unwrap_or(u32::MAX))
    }

    /// The index of the named pattern.
    pub(super) fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| !n.is_empty() && n == name)
    }
}

/// Checks the patterns of `rule` and lowers them. Errors go to `diags`.
pub(super) fn check_patterns(
    rule: &ast::Rule,
    rule_id: RuleId,
    base: u32,
    source: &Arc<SourceFile>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<ir::Pattern>, DeclaredPatterns) {
    let mut first_use: HashMap<&str, &ast::Pattern> = HashMap::new();
    let mut lowered = Vec::with_capacity(rule.patterns.len());
    for pattern in &rule.patterns {
        let name = pattern.id.name.as_str();
        if !name.is_empty() {
            if let Some(first) = first_use.get(name) {
                let (line, col) = source.line_col(first.id.span.start);
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_PATTERN,
                        format!("duplicate pattern `${name}`"),
                        source,
                        pattern.id.span,
                    )
                    .with_note(format!("`${name}` is first declared at {line}:{col}")),
                );
            } else {
                first_use.insert(name, pattern);
            }
        }
        if let PatternValue::Regex(regex) = &pattern.value {
            check_regex(regex, source, diags);
        }
        lowered.push(ir::Pattern {
            rule: rule_id,
            name: format!("${name}"),
            value: lower_value(&pattern.value),
            modifiers: lower_modifiers(&pattern.modifiers),
            is_private: pattern.modifiers.iter().any(|m| m.kind == ModifierKind::Private),
        });
    }
    let declared = DeclaredPatterns {
        base,
        names: rule.patterns.iter().map(|p| p.id.name.clone()).collect(),
        used: vec![false; rule.patterns.len()],
    };
    (lowered, declared)
}

/// Reports an invalid regex (E004). The regex is read by the matcher's
/// translation, so what the checker accepts is what scanning and `matches`
/// run.
pub(super) fn check_regex(
    regex: &ast::Regex,
    source: &Arc<SourceFile>,
    diags: &mut Vec<Diagnostic>,
) {
    let flags = RegexFlags {
        case_insensitive: regex.case_insensitive,
        dot_matches_new_line: regex.dot_matches_new_line,
    };
    if let Err(error) = translate(&regex.pattern, flags) {
        // The pattern text starts after the opening slash.
        let at = regex.span.start as usize + 1 + error.offset;
        diags.push(Diagnostic::error(
            codes::INVALID_REGEX,
            format!("invalid regular expression: {}", error.message),
            source,
            Span::new(at, at + 1),
        ));
    }
}
