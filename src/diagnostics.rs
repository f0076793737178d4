//! Diagnostics: what the front end says about rule text, and how it is shown.
//!
//! A [`Diagnostic`] points at a [`Span`] of a [`SourceFile`]. It renders as
//! `file:line:col: error[CODE]: message` followed by the source line and a
//! caret under the span (like rustc), or serializes to JSON for tools.
//! Codes are stable: they are part of the `spoor check` output contract and
//! are listed, with what each means, in [`codes`]; warnings also have
//! YARA-X's names, so either can disable them ([`warnings`]).
//!
//! A diagnostic may carry secondary [`Label`]s ("first declared here"),
//! and a [`Fix`] when the remedy is mechanical: `spoor check --fix`
//! applies fixes to the files.

pub mod suggest;
pub mod warnings;

use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

use crate::source::{SourceFile, Span};

/// How bad a diagnostic is: errors make a rule set unusable, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The rule set cannot be compiled.
    Error,
    /// The rule set compiles, but something is likely wrong or slow.
    Warning,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One message about rule text.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code from [`codes`].
    pub code: &'static str,
    /// One-line, lower-case message without a trailing period.
    pub message: String,
    /// The file the message is about; `None` for errors that have no file
    /// (a bad `--define`, say).
    pub source: Option<Arc<SourceFile>>,
    /// Where in `source` the problem is.
    pub span: Span,
    /// Extra lines printed after the excerpt (`note: ...`).
    pub notes: Vec<String>,
    /// Other places the message is about, each with what it is.
    pub labels: Vec<Label>,
    /// The edit that resolves it, when it is mechanical (boxed: most
    /// diagnostics have none, and `Result<_, Diagnostic>` stays small).
    pub fix: Option<Box<Fix>>,
}

/// A secondary place of a [`Diagnostic`]: "first declared here".
#[derive(Debug, Clone)]
pub struct Label {
    /// Its file (the diagnostic's own, or an included one).
    pub source: Arc<SourceFile>,
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// A mechanical remedy: replacements of spans of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, shown as `help:`.
    pub description: String,
    /// Non-overlapping replacements in the diagnostic's file.
    pub edits: Vec<Edit>,
}

/// Replace `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The bytes replaced.
    pub span: Span,
    /// What goes in their place.
    pub replacement: String,
}

impl Fix {
    /// A fix of one replacement.
    #[must_use]
    pub fn replace(
        description: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        Self {
            description: description.into(),
            edits: vec![Edit { span, replacement: replacement.into() }],
        }
    }

    /// `text` with `fixes` applied. Fixes whose edits overlap an edit
    /// already taken are left out (a second `--fix` run applies them), so
    /// the result never mixes two remedies of one place.
    #[must_use]
    pub fn apply_all<'a>(text: &str, fixes: impl IntoIterator<Item = &'a Fix>) -> (String, usize) {
        let mut taken: Vec<&Edit> = Vec::new();
        let mut applied = 0;
        for fix in fixes {
            let overlaps = fix.edits.iter().any(|e| {
                taken.iter().any(|t| e.span.start < t.span.end && t.span.start < e.span.end)
                    || text.get(e.span.start as usize..e.span.end as usize).is_none()
            });
            if !overlaps {
                taken.extend(&fix.edits);
                applied += 1;
            }
        }
        taken.sort_by_key(|e| e.span.start);
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for edit in taken {
            out.push_str(&text[at..edit.span.start as usize]);
            out.push_str(&edit.replacement);
            at = edit.span.end as usize;
        }
        out.push_str(&text[at..]);
        (out, applied)
    }
}

impl Diagnostic {
    /// An error at `span` of `source`.
    #[must_use]
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        source: &Arc<SourceFile>,
        span: Span,
    ) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            source: Some(Arc::clone(source)),
            span,
            notes: Vec::new(),
            labels: Vec::new(),
            fix: None,
        }
    }

    /// A warning at `span` of `source`.
    #[must_use]
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        source: &Arc<SourceFile>,
        span: Span,
    ) -> Self {
        Self { severity: Severity::Warning, ..Self::error(code, message, source, span) }
    }

    /// An error that belongs to no source file.
    #[must_use]
    pub fn global(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            source: None,
            span: Span::default(),
            notes: Vec::new(),
            labels: Vec::new(),
            fix: None,
        }
    }

    /// Adds a `note:` line.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Adds a secondary label at `span` of `source`.
    #[must_use]
    pub fn with_label(
        mut self,
        source: &Arc<SourceFile>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        self.labels.push(Label { source: Arc::clone(source), span, message: message.into() });
        self
    }

    /// Attaches the mechanical remedy.
    #[must_use]
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(Box::new(fix));
        self
    }

    /// Whether this is an error (not a warning).
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// 1-based line and column of the start of the span, if there is a file.
    #[must_use]
    pub fn line_col(&self) -> Option<(usize, usize)> {
        self.source.as_ref().map(|s| s.line_col(self.span.start))
    }

    /// `file:line:col: error[CODE]: message`, the first line of [`render`].
    ///
    /// [`render`]: Diagnostic::render
    #[must_use]
    pub fn headline(&self) -> String {
        let kind = self.severity.as_str();
        match (&self.source, self.line_col()) {
            (Some(src), Some((line, col))) => {
                format!("{}:{line}:{col}: {kind}[{}]: {}", src.origin(), self.code, self.message)
            }
            _ => format!("{kind}[{}]: {}", self.code, self.message),
        }
    }

    /// The full text form: headline, source line, caret line, secondary
    /// labels, notes, and the fix as `help:`.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = self.headline();
        out.push('\n');
        if let Some(src) = &self.source {
            excerpt(&mut out, src, self.span, '^', None);
        }
        for label in &self.labels {
            let same_file = self.source.as_ref().is_some_and(|s| Arc::ptr_eq(s, &label.source));
            if !same_file {
                let (line, col) = label.source.line_col(label.span.start);
                let _ = writeln!(out, "  --> {}:{line}:{col}", label.source.origin());
            }
            excerpt(&mut out, &label.source, label.span, '-', Some(&label.message));
        }
        for note in &self.notes {
            let _ = writeln!(out, "  = note: {note}");
        }
        if let Some(fix) = &self.fix {
            let _ = writeln!(out, "  = help: {} (spoor check --fix applies it)", fix.description);
        }
        out
    }

    /// The machine-readable form used by `spoor check --format json`.
    #[must_use]
    pub fn to_json(&self) -> DiagnosticJson<'_> {
        let (line, column) = self.line_col().unwrap_or((0, 0));
        DiagnosticJson {
            file: self.source.as_ref().map(|s| s.origin()),
            line,
            column,
            span: self.span.into(),
            severity: self.severity,
            code: self.code,
            message: &self.message,
            notes: &self.notes,
            labels: self.labels.iter().map(Label::to_json).collect(),
            fix: self.fix.as_ref().map(|fix| FixJson {
                description: &fix.description,
                edits: fix
                    .edits
                    .iter()
                    .map(|e| EditJson { span: e.span.into(), replacement: &e.replacement })
                    .collect(),
            }),
        }
    }
}

/// Longest excerpt line printed, in characters; a longer line (generated
/// rules, minified files, 50 MB of one line) is cut to a window around the
/// span, marked with `...`.
const EXCERPT_WIDTH: usize = 120;
/// Characters kept before the span when a line is cut.
const EXCERPT_CONTEXT: usize = 40;

/// Writes the line of `span` with `marker`s under it, and `label` after
/// them.
fn excerpt(out: &mut String, src: &SourceFile, span: Span, marker: char, label: Option<&str>) {
    let (line, col) = src.line_col(span.start);
    let text = src.line_text(line);
    let gutter = line.to_string();
    let pad = " ".repeat(gutter.len());
    let (end_line, end_col) = src.line_col(span.end.max(span.start));
    let width = if end_line == line && end_col > col { end_col - col } else { 1 };
    let (shown, first, cut_start) = window(text, col - 1);
    let cut_end = first + shown.chars().count() < text.chars().count();
    let (lead, trail) = (if cut_start { "..." } else { "" }, if cut_end { "..." } else { "" });
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{gutter} | {lead}{shown}{trail}");
    let indent: String = lead
        .chars()
        .map(|_| ' ')
        .chain(shown.chars().take(col - 1 - first).map(|c| if c == '\t' { '\t' } else { ' ' }))
        .collect();
    let room = shown.chars().count().saturating_sub(col - 1 - first).max(1);
    let markers: String = std::iter::repeat_n(marker, width.min(room)).collect();
    match label {
        Some(label) => writeln!(out, "{pad} | {indent}{markers} {label}"),
        None => writeln!(out, "{pad} | {indent}{markers}"),
    }
    .unwrap_or(());
}

/// The part of `text` an excerpt shows when the span starts at character
/// `col0`: the slice, the index of its first character, and whether the
/// start was cut.
fn window(text: &str, col0: usize) -> (&str, usize, bool) {
    if text.chars().count() <= EXCERPT_WIDTH {
        return (text, 0, false);
    }
    let first = col0.saturating_sub(EXCERPT_CONTEXT);
    let byte = |chars: usize| text.char_indices().nth(chars).map_or(text.len(), |(i, _)| i);
    let (start, end) = (byte(first), byte(first + EXCERPT_WIDTH));
    (&text[start..end], first, first > 0)
}

impl Label {
    fn to_json(&self) -> LabelJson<'_> {
        let (line, column) = self.source.line_col(self.span.start);
        LabelJson {
            file: self.source.origin(),
            line,
            column,
            span: self.span.into(),
            message: &self.message,
        }
    }
}

/// Serialized form of a [`Diagnostic`]; field names are part of the contract.
#[derive(Debug, Serialize)]
pub struct DiagnosticJson<'a> {
    /// Rule file as given on the command line; `null` for global errors.
    pub file: Option<&'a str>,
    /// 1-based line (0 when there is no file).
    pub line: usize,
    /// 1-based column in characters (0 when there is no file).
    pub column: usize,
    /// Byte offsets into the file.
    pub span: SpanJson,
    /// `error` or `warning`.
    pub severity: Severity,
    /// Stable code.
    pub code: &'static str,
    /// The message.
    pub message: &'a str,
    /// Extra notes.
    pub notes: &'a [String],
    /// Secondary places.
    pub labels: Vec<LabelJson<'a>>,
    /// The mechanical remedy, if any.
    pub fix: Option<FixJson<'a>>,
}

/// Serialized form of a [`Label`].
#[derive(Debug, Serialize)]
pub struct LabelJson<'a> {
    /// Its file.
    pub file: &'a str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Byte offsets.
    pub span: SpanJson,
    /// What is there.
    pub message: &'a str,
}

/// Serialized form of a [`Fix`].
#[derive(Debug, Serialize)]
pub struct FixJson<'a> {
    /// What it does.
    pub description: &'a str,
    /// The replacements.
    pub edits: Vec<EditJson<'a>>,
}

/// Serialized form of an [`Edit`].
#[derive(Debug, Serialize)]
pub struct EditJson<'a> {
    /// The bytes replaced.
    pub span: SpanJson,
    /// Their replacement.
    pub replacement: &'a str,
}

/// Byte range of a diagnostic in JSON.
#[derive(Debug, Serialize)]
pub struct SpanJson {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl From<Span> for SpanJson {
    fn from(span: Span) -> Self {
        Self { start: span.start, end: span.end }
    }
}

/// The stable diagnostic codes.
///
/// `E0xx` are syntax errors found while parsing, `E1xx` semantic errors found
/// while checking, `E2xx` errors about files and the command line, `Wxxx`
/// warnings. A code is never reused for another meaning.
pub mod codes {
    /// Unexpected token, or a construct the grammar does not accept.
    pub const SYNTAX: &str = "E001";
    /// Bad escape sequence in a text string or meta string.
    pub const INVALID_ESCAPE: &str = "E002";
    /// Malformed hex string: odd nibble count, bad jump, empty alternative.
    pub const INVALID_HEX: &str = "E003";
    /// Regular expression that does not parse or cannot be compiled.
    pub const INVALID_REGEX: &str = "E004";
    /// Integer literal that does not fit in 64 bits.
    pub const INTEGER_OVERFLOW: &str = "E005";
    /// Nesting deeper than the configured limit.
    pub const TOO_DEEP: &str = "E006";
    /// Modifier argument out of range (`xor(300)`, a base64 alphabet that is
    /// not 64 bytes, `xor(5-2)`).
    pub const INVALID_MODIFIER_ARG: &str = "E007";
    /// Modifier repeated, or used with a modifier or string kind it cannot
    /// be combined with (`xor nocase`, `base64` on a hex string).
    pub const INVALID_MODIFIER: &str = "E008";
    /// Empty text string or other empty pattern.
    pub const EMPTY_PATTERN: &str = "E009";

    /// Identifier that names no rule, module, variable or external.
    pub const UNKNOWN_IDENTIFIER: &str = "E101";
    /// Reference to a pattern the rule does not declare.
    pub const UNDEFINED_PATTERN: &str = "E102";
    /// Pattern declared but never used by the condition.
    pub const UNUSED_PATTERN: &str = "E103";
    /// Two rules with one name in one namespace.
    pub const DUPLICATE_RULE: &str = "E104";
    /// Two patterns with one identifier in one rule.
    pub const DUPLICATE_PATTERN: &str = "E105";
    /// Operand of the wrong type.
    pub const TYPE_MISMATCH: &str = "E106";
    /// Field that the structure or module does not have.
    pub const UNKNOWN_FIELD: &str = "E107";
    /// Function called with the wrong number or types of arguments.
    pub const WRONG_ARGUMENTS: &str = "E108";
    /// `import` of a module spoor does not know.
    pub const UNKNOWN_MODULE: &str = "E109";
    /// `include` of a file that cannot be read.
    pub const INCLUDE_NOT_FOUND: &str = "E110";
    /// A file that includes itself, directly or not.
    pub const INCLUDE_CYCLE: &str = "E111";
    /// Identifier used as an external variable that was never defined.
    pub const UNDEFINED_EXTERNAL: &str = "E112";
    /// Value out of range where a constant is required (negative range
    /// bound, `N` larger than the set in `N of`, percentage over 100).
    pub const INVALID_VALUE: &str = "E113";
    /// Module used without `import`.
    pub const MODULE_NOT_IMPORTED: &str = "E114";
    /// Same tag twice on one rule.
    pub const DUPLICATE_TAG: &str = "E115";
    /// `$`, `#`, `@` or `!` without a name outside a `for ... of` loop.
    pub const ANONYMOUS_OUTSIDE_LOOP: &str = "E116";
    /// Loop variable count that does not fit what is iterated.
    pub const LOOP_VARIABLES: &str = "E117";
    /// A name declared twice in one scope (`with`, loop variables).
    pub const DUPLICATE_IDENTIFIER: &str = "E118";
    /// Rule reference that would make a rule depend on itself.
    pub const RULE_CYCLE: &str = "E119";
    /// Regex or hex pattern that can match the empty string (`/a*/`,
    /// `/a|/`, `/\b/`): it would match at every offset.
    pub const PATTERN_MATCHES_EMPTY: &str = "E120";
    /// Pattern YARA-X refuses although its parts are valid: a text shorter
    /// than 3 bytes with `base64`, a zero-length jump.
    pub const INVALID_PATTERN: &str = "E121";
    /// Pattern whose compiled form is over a matcher limit: a regex
    /// automaton over its size limit, more atoms than one form may add.
    pub const PATTERN_TOO_LARGE: &str = "E122";
    /// Rule set whose patterns together are too many for one search index.
    pub const RULESET_TOO_LARGE: &str = "E123";
    /// Rule left out by `--ignore-invalid-rules` because it uses a rule
    /// that was left out (a warning: only that mode reports it).
    pub const USES_IGNORED_RULE: &str = "E124";

    /// A rule file or directory that cannot be read.
    pub const IO: &str = "E201";
    /// Malformed `--define NAME=VALUE`.
    pub const INVALID_DEFINE: &str = "E202";
    /// The rule files given hold no rule at all (without `--allow-empty`).
    pub const NO_RULES: &str = "E203";
    /// A `spoor.toml` that cannot be read or is invalid, or a warning id
    /// that names no warning.
    pub const CONFIG: &str = "E204";

    /// An actor profile file that is not valid TOML or does not follow the
    /// profile schema (unknown key, wrong type, missing key).
    pub const PROFILE_SCHEMA: &str = "E301";
    /// A profile value that breaks a rule of the schema: id or ATT&CK id
    /// pattern, file name not equal to `id`, no references.
    pub const PROFILE_INVALID: &str = "E302";
    /// A family id or alias used by two actors or families.
    pub const PROFILE_DUPLICATE: &str = "E303";
    /// A rule's spoor meta (`actor`, `family`, `confidence`, `reference`)
    /// does not fit the loaded profiles.
    pub const RULE_META: &str = "E304";

    /// Pattern whose atoms are so short that scanning will be slow.
    pub const SLOW_PATTERN: &str = "W001";
    /// Condition that is always true or always false.
    pub const CONSTANT_CONDITION: &str = "W002";
    /// Integer readers or ranges whose result can never match.
    pub const UNSATISFIABLE: &str = "W003";
    /// An integer, float or string where a boolean is expected.
    pub const NON_BOOLEAN: &str = "W004";
    /// Hex pattern of printable bytes only, clearer as a text string.
    pub const TEXT_AS_HEX: &str = "W005";
    /// Private rule no other rule uses: it can never show.
    pub const UNUSED_RULE: &str = "W006";
    /// `nocase` that changes nothing: on a text without letters, or on a
    /// regex that has `/i`.
    pub const REDUNDANT_MODIFIER: &str = "W007";
    /// Pattern caught by a wildcard set whose other members follow a
    /// naming scheme it does not.
    pub const UNINTENDED_SET_MEMBER: &str = "W008";
    /// Loop over a range as long as the file.
    pub const SLOW_LOOP: &str = "W009";
    /// Rule with the same patterns and condition as an earlier one.
    pub const DUPLICATE_RULE_BODY: &str = "W010";
    /// Rule without metadata that `spoor.toml` requires.
    pub const MISSING_METADATA: &str = "W011";
    /// Metadata of a type other than `spoor.toml` requires.
    pub const INVALID_METADATA: &str = "W012";
    /// Tag not in `spoor.toml`'s allowed list.
    pub const INVALID_TAG: &str = "W013";
    /// Rule name that does not match `spoor.toml`'s pattern.
    pub const INVALID_RULE_NAME: &str = "W014";
    /// Module imported twice in one file.
    pub const DUPLICATE_IMPORT: &str = "W015";
    /// Hex jumps one after the other, which act as one.
    pub const CONSECUTIVE_JUMPS: &str = "W016";
    /// `0 of` a set, which says `none of` less clearly.
    pub const AMBIGUOUS_EXPRESSION: &str = "W017";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_span() {
        let text = format!("rule a {{ condition: {} and $b }}", "true and ".repeat(200));
        let start = text.find("$b").unwrap();
        let src = SourceFile::new("r.yar", text.as_str());
        let d = Diagnostic::error(
            codes::UNDEFINED_PATTERN,
            "unknown pattern `$b`",
            &src,
            Span::new(start, start + 2),
        );
        let rendered = d.render();
        let lines: Vec<&str> = rendered.lines().collect();
        assert!(lines[0].starts_with(&format!("r.yar:1:{}:", start + 1)), "{rendered}");
        assert!(lines[2].starts_with("1 | ...") && lines[2].contains("$b"), "{rendered}");
        assert!(lines[2].chars().count() < EXCERPT_WIDTH + 20, "{rendered}");
        let caret = lines[3].find('^').unwrap();
        assert_eq!(&lines[2][caret..caret + 2], "$b", "{rendered}");
    }

    #[test]
    fn renders_headline_excerpt_and_caret() {
        let src = SourceFile::new("r.yar", "rule a {\n  condition: $b\n}\n");
        let d = Diagnostic::error(
            codes::UNDEFINED_PATTERN,
            "unknown pattern `$b`",
            &src,
            Span::new(22, 24),
        );
        assert_eq!(
            d.render(),
            "r.yar:2:14: error[E102]: unknown pattern `$b`\n  |\n2 |   condition: $b\n  |              ^^\n"
        );
        let json = serde_json::to_value(d.to_json()).unwrap();
        assert_eq!(json["line"], 2);
        assert_eq!(json["column"], 14);
        assert_eq!(json["code"], "E102");
        assert_eq!(json["severity"], "error");
    }
}
