//! Checking a rule's `strings:` section and compiling it: unique
//! identifiers, and each pattern compiled for the matcher right here, so
//! that every error a pattern can have (an invalid or empty-matching
//! regex, a text too short for `base64`, a regex or atom set over a limit)
//! is a diagnostic at the pattern, found by `spoor check` as by a scan.
//! Modifier combinations and arguments are syntax, checked by the parser.
//!
//! The regular expressions of conditions are compiled here too
//! ([`RegexTable`]), for the same reason.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use regex_automata::meta;

use super::ir::{self, PatternId, RegexId, RuleId};
use super::pattern_ir::{lower_modifiers, lower_regex, lower_value};
use super::pattern_lints::lint_pattern;
use crate::diagnostics::{Diagnostic, codes};
use crate::matcher::regex::{RegexError, RegexFlags, compile_search, relax};
use crate::matcher::{CompiledPattern, MatcherLimits, PatternError, PatternSpec};
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

/// The patterns compiled so far, found by their lowered value and
/// modifiers: signature-base declares 29% of its patterns more than once,
/// and a repeat is copied rather than compiled again.
#[derive(Debug, Default)]
pub(super) struct CompiledIndex {
    /// Pattern ids by a hash of the value and modifiers.
    by_hash: HashMap<u64, Vec<u32>>,
}

/// How the patterns of a rule are compiled.
pub(super) struct PatternContext<'a> {
    /// What compiled patterns may cost.
    pub limits: &'a MatcherLimits,
    /// Whether regexes are read in YARA-X's relaxed syntax.
    pub relaxed_re_syntax: bool,
    /// The patterns of the rules before, whose compiled forms a repeat of
    /// one copies.
    pub earlier: EarlierPatterns<'a>,
}

/// The patterns of earlier rules, with their index, as a rule being
/// checked sees them.
#[derive(Clone, Copy)]
pub(super) struct EarlierPatterns<'a> {
    pub index: &'a CompiledIndex,
    /// By [`PatternId`].
    pub lowered: &'a [ir::Pattern],
    /// By [`PatternId`].
    pub compiled: &'a [CompiledPattern],
}

fn key_hash(value: &ir::PatternValue, modifiers: &ir::Modifiers) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    (value, modifiers).hash(&mut hasher);
    hasher.finish()
}

impl CompiledIndex {
    /// Indexes `lowered[from..]`, whose values must be known.
    pub(super) fn add(&mut self, lowered: &[ir::Pattern], from: usize) {
        for (id, pattern) in lowered.iter().enumerate().skip(from) {
            if let (Some(value), Ok(id)) = (&pattern.value, u32::try_from(id)) {
                self.by_hash.entry(key_hash(value, &pattern.modifiers)).or_default().push(id);
            }
        }
    }
}

impl EarlierPatterns<'_> {
    /// The compiled form of an earlier pattern with this value and these
    /// modifiers.
    fn find(
        &self,
        value: &ir::PatternValue,
        modifiers: &ir::Modifiers,
    ) -> Option<&CompiledPattern> {
        let ids = self.index.by_hash.get(&key_hash(value, modifiers))?;
        ids.iter().map(|&id| id as usize).find_map(|id| {
            let earlier = self.lowered.get(id)?;
            (earlier.value.as_ref() == Some(value) && earlier.modifiers == *modifiers)
                .then(|| self.compiled.get(id))
                .flatten()
        })
    }
}

/// The patterns of one rule, lowered and compiled.
#[derive(Debug)]
pub(super) struct RulePatterns {
    /// The lowered patterns, in order.
    pub lowered: Vec<ir::Pattern>,
    /// Their compiled forms, in the same order; shorter when a pattern
    /// failed (the rule then fails).
    pub compiled: Vec<CompiledPattern>,
    /// What the condition checker needs.
    pub declared: DeclaredPatterns,
}

/// `regex` in the strict syntax: rewritten from YARA-X's relaxed syntax
/// (see [`relax`]) when `relaxed`, which is what gets compiled and stored.
fn strict_regex(regex: &ast::Regex, relaxed: bool) -> Cow<'_, ast::Regex> {
    if !relaxed {
        return Cow::Borrowed(regex);
    }
    match relax(&regex.pattern) {
        Cow::Borrowed(_) => Cow::Borrowed(regex),
        Cow::Owned(pattern) => Cow::Owned(ast::Regex { pattern, ..regex.clone() }),
    }
}

/// Checks the patterns of `rule`, lowers and compiles them within
/// `limits`, their regexes read in the relaxed syntax when
/// `relaxed_re_syntax`. Errors go to `diags`.
pub(super) fn check_patterns(
    rule: &ast::Rule,
    rule_id: RuleId,
    base: u32,
    source: &Arc<SourceFile>,
    context: &PatternContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> RulePatterns {
    let mut first_use: HashMap<&str, &ast::Pattern> = HashMap::new();
    let mut lowered = Vec::with_capacity(rule.patterns.len());
    let mut compiled = Vec::with_capacity(rule.patterns.len());
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
                    .with_label(source, first.id.span, "first declared here")
                    .with_note(format!("`${name}` is first declared at {line}:{col}")),
                );
            } else {
                first_use.insert(name, pattern);
            }
        }
        let value = match &pattern.value {
            PatternValue::Regex(regex) => match strict_regex(regex, context.relaxed_re_syntax) {
                Cow::Owned(strict) => Cow::Owned(PatternValue::Regex(strict)),
                Cow::Borrowed(_) => Cow::Borrowed(&pattern.value),
            },
            value => Cow::Borrowed(value),
        };
        let (lowered_value, modifiers) = (lower_value(&value), lower_modifiers(&pattern.modifiers));
        let done = match context.earlier.find(&lowered_value, &modifiers) {
            Some(earlier) => Ok(earlier.clone()),
            None => CompiledPattern::new(
                &PatternSpec { value: &value, modifiers: &pattern.modifiers },
                context.limits,
            ),
        };
        match done {
            Ok(done) => {
                lint_pattern(pattern, Some(&done), source, diags);
                compiled.push(done);
            }
            Err(error) => diags.push(pattern_diagnostic(pattern, &error, source)),
        }
        lowered.push(ir::Pattern {
            rule: rule_id,
            name: format!("${name}"),
            value: Some(lowered_value),
            modifiers,
            is_private: pattern.modifiers.iter().any(|m| m.kind == ModifierKind::Private),
        });
    }
    let declared = DeclaredPatterns {
        base,
        names: rule.patterns.iter().map(|p| p.id.name.clone()).collect(),
        used: vec![false; rule.patterns.len()],
    };
    RulePatterns { lowered, compiled, declared }
}

/// The diagnostic for a pattern that does not compile, at the place
/// YARA-X points to: the regex for its own errors, the offending modifier
/// for an alphabet, the pattern declaration otherwise.
fn pattern_diagnostic(
    pattern: &ast::Pattern,
    error: &PatternError,
    source: &Arc<SourceFile>,
) -> Diagnostic {
    let name = &pattern.id.name;
    let value_span = match &pattern.value {
        PatternValue::Regex(regex) => regex.span,
        PatternValue::Hex(hex) => hex.span,
        PatternValue::Text(_) => text_value_span(pattern, source),
    };
    match error {
        PatternError::InvalidRegex(error) => match &pattern.value {
            PatternValue::Regex(regex) => regex_diagnostic(regex, error, source),
            _ => Diagnostic::error(codes::INVALID_REGEX, error.message.clone(), source, value_span),
        },
        PatternError::MatchesEmpty => Diagnostic::error(
            codes::PATTERN_MATCHES_EMPTY,
            format!("pattern `${name}` can match an empty string"),
            source,
            value_span,
        ),
        PatternError::InvalidPattern(why) => Diagnostic::error(
            codes::INVALID_PATTERN,
            format!("invalid pattern `${name}`: {why}"),
            source,
            value_span,
        ),
        PatternError::OverLimit(why) => Diagnostic::error(
            codes::PATTERN_TOO_LARGE,
            format!("pattern `${name}` is too large: {why}"),
            source,
            value_span,
        ),
        PatternError::InvalidModifiers(why) => {
            let alphabet = pattern.modifiers.iter().find(|m| {
                matches!(
                    &m.kind,
                    ModifierKind::Base64 { alphabet: Some(_) }
                        | ModifierKind::Base64Wide { alphabet: Some(_) }
                )
            });
            let span = alphabet.map_or(pattern.span, |m| m.span);
            Diagnostic::error(codes::INVALID_MODIFIER_ARG, why.clone(), source, span)
        }
    }
}

/// The span of a text pattern's quoted value: from after the `=` to the
/// first modifier (the AST keeps no span of its own for the text).
fn text_value_span(pattern: &ast::Pattern, source: &SourceFile) -> Span {
    let (start, end) = (pattern.id.span.end as usize, pattern.span.end as usize);
    let end = pattern.modifiers.first().map_or(end, |m| m.span.start as usize);
    let Some(declaration) = source.text().get(start..end) else { return pattern.span };
    let value = declaration.trim_start().trim_start_matches('=').trim_start();
    let value_start = end - value.len();
    Span::new(value_start, value_start + value.trim_end().len())
}

/// E004 at the place in a regex literal where `error` starts (the pattern
/// text starts after the opening slash).
fn regex_diagnostic(
    regex: &ast::Regex,
    error: &RegexError,
    source: &Arc<SourceFile>,
) -> Diagnostic {
    let at = regex.span.start as usize + 1 + error.offset;
    Diagnostic::error(
        codes::INVALID_REGEX,
        format!("invalid regular expression: {}", error.message),
        source,
        Span::new(at, at + 1),
    )
}

/// The regular expressions of conditions, compiled as they are met.
#[derive(Debug)]
pub(super) struct RegexTable {
    /// Each as written, by [`RegexId`].
    pub sources: Vec<ir::Regex>,
    /// Each compiled, by [`RegexId`].
    pub compiled: Vec<Arc<meta::Regex>>,
    /// Heap bytes one compiled regex may take.
    size_limit: usize,
    /// Whether regexes are read in YARA-X's relaxed syntax.
    relaxed: bool,
}

impl RegexTable {
    /// An empty table whose regexes are bounded by `limits`.
    pub(super) fn new(limits: &MatcherLimits) -> Self {
        Self {
            sources: Vec::new(),
            compiled: Vec::new(),
            size_limit: limits.regex_size_limit,
            relaxed: false,
        }
    }

    /// Compiles `regex` and gives its id; `None` (with an E004 in `diags`)
    /// when it does not compile.
    pub(super) fn add(
        &mut self,
        regex: &ast::Regex,
        source: &Arc<SourceFile>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<RegexId> {
        let written = regex;
        let regex = &*strict_regex(regex, self.relaxed);
        let flags = RegexFlags {
            case_insensitive: regex.case_insensitive,
            dot_matches_new_line: regex.dot_matches_new_line,
        };
        match compile_search(&regex.pattern, flags, self.size_limit) {
            Ok(compiled) => {
                let id = RegexId(u32::try_from(self.sources.len()).ok()?);
                self.sources.push(lower_regex(regex));
                self.compiled.push(Arc::new(compiled));
                Some(id)
            }
            Err(error) => {
                diags.push(regex_diagnostic(written, &error, source));
                None
            }
        }
    }

    /// Bounds the regexes compiled from now on by `limits`.
    pub(super) fn set_limits(&mut self, limits: &MatcherLimits) {
        self.size_limit = limits.regex_size_limit;
    }

    /// Reads the regexes added from now on in YARA-X's relaxed syntax.
    pub(super) fn set_relaxed(&mut self, relaxed: bool) {
        self.relaxed = relaxed;
    }

    /// How many regexes there are.
    pub(super) fn len(&self) -> usize {
        self.sources.len()
    }

    /// Forgets the regexes from the `len`-th on (those of a failed rule).
    pub(super) fn truncate(&mut self, len: usize) {
        self.sources.truncate(len);
        self.compiled.truncate(len);
    }
}
