//! Checking one rule: tags, patterns (compiled for the matcher on the
//! way), condition, unused patterns.
//!
//! A rule either checks completely and becomes an [`ir::Rule`] with its
//! patterns, compiled, or leaves nothing behind: regexes it registered are
//! removed again, so a failed rule cannot leave dangling ids in the
//! program.

use std::collections::HashSet;
use std::sync::Arc;

use super::expr::{Env, ExprChecker};
use super::ir::{self, RuleId};
use super::patterns::{PatternContext, RegexTable, RulePatterns, check_patterns};
use crate::diagnostics::{Diagnostic, codes};
use crate::matcher::CompiledPattern;
use crate::parser::ast;
use crate::results::MetaValue;
use crate::source::SourceFile;

/// A rule that checked without error.
pub(super) struct CheckedRule {
    pub rule: ir::Rule,
    pub patterns: Vec<ir::Pattern>,
    /// The patterns compiled, in the same order.
    pub compiled: Vec<CompiledPattern>,
}

/// Where a rule is checked: its id, namespace and what it can see.
pub(super) struct RuleSite<'a> {
    /// The id the rule gets if it checks.
    pub id: RuleId,
    /// Its namespace.
    pub namespace: &'a str,
    /// [`ir::PatternId`] its first pattern gets.
    pub pattern_base: u32,
    /// Names it can refer to.
    pub env: &'a Env<'a>,
    /// Its file.
    pub source: &'a Arc<SourceFile>,
    /// How its patterns are compiled.
    pub patterns: PatternContext<'a>,
}

/// Checks `rule`; diagnostics go to `diags`, regexes of its condition to
/// `regexes`. `None` if the rule has an error or uses a rule that has one.
pub(super) fn check_rule(
    rule: &ast::Rule,
    site: &RuleSite<'_>,
    diags: &mut Vec<Diagnostic>,
    regexes: &mut RegexTable,
) -> Option<CheckedRule> {
    let errors_before = error_count(diags);
    let regexes_before = regexes.len();
    check_tags(rule, site.source, diags);
    let RulePatterns { lowered: patterns, compiled, mut declared } =
        check_patterns(rule, site.id, site.pattern_base, site.source, &site.patterns, diags);
    let condition = ExprChecker::new(site.env, site.source, diags, &mut declared, regexes)
        .condition(&rule.condition);
    if condition.is_some() {
        for (pattern, used) in rule.patterns.iter().zip(&declared.used) {
            if !used {
                diags.push(Diagnostic::error(
                    codes::UNUSED_PATTERN,
                    format!("pattern `${}` is not used in the condition", pattern.id.name),
                    site.source,
                    pattern.id.span,
                ));
            }
        }
    }
    let failed = error_count(diags) > errors_before;
    let Some((condition, frame_size)) = condition.filter(|_| !failed) else {
        regexes.truncate(regexes_before);
        return None;
    };
    let first = site.pattern_base;
    let count = u32::try_from(patterns.len()).ok()?;
    Some(CheckedRule {
        rule: ir::Rule {
            name: rule.name.name.clone(),
            namespace: site.namespace.to_owned(),
            tags: rule.tags.iter().map(|t| t.name.clone()).collect(),
            meta: rule.meta.iter().map(|m| (m.key.name.clone(), meta_value(&m.value))).collect(),
            is_private: rule.is_private,
            is_global: rule.is_global,
            patterns: first..first + count,
            condition,
            frame_size,
        },
        patterns,
        compiled,
    })
}

fn error_count(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.is_error()).count()
}

fn check_tags(rule: &ast::Rule, source: &Arc<SourceFile>, diags: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for tag in &rule.tags {
        if !seen.insert(tag.name.as_str()) {
            diags.push(Diagnostic::error(
                codes::DUPLICATE_TAG,
                format!("duplicate tag `{}`", tag.name),
                source,
                tag.span,
            ));
        }
    }
}

fn meta_value(value: &ast::MetaValue) -> MetaValue {
    match value {
        ast::MetaValue::String(s) => MetaValue::String(String::from_utf8_lossy(s).into_owned()),
        ast::MetaValue::Integer(i) => MetaValue::Integer(*i),
        ast::MetaValue::Float(f) => MetaValue::Float(*f),
        ast::MetaValue::Bool(b) => MetaValue::Bool(*b),
    }
}
