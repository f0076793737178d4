//! The file layout: items, rule headers, sections and their entries.
//!
//! The AST says what each part is; the tokens give the text to write
//! (literals exactly as the author wrote them) and the comments. A comment
//! is written where it was: before the item or entry it preceded, at the
//! end of the line it ended, or, inside a condition or hex string, among
//! its tokens. A comment inside a part that is written on one line (a rule
//! header, a meta entry, a modifier list) moves to its own line before
//! that part.

use super::Style;
use super::layout::{self, Frame, Mode};
use crate::parser::ast::{File, Item, ModifierKind, Pattern, PatternValue, Rule};
use crate::parser::{Token, TokenKind};
use crate::source::Span;

/// Writes a file in the canonical layout.
pub(super) struct Printer<'a> {
    text: &'a str,
    tokens: &'a [Token],
    style: &'a Style,
    /// Per token: already written (only comments are ever looked up).
    written: Vec<bool>,
    out: String,
    /// Source offset just after the last thing written, to find blank
    /// lines the author left.
    last_end: usize,
}

impl<'a> Printer<'a> {
    pub(super) fn new(text: &'a str, tokens: &'a [Token], style: &'a Style) -> Self {
        let written = vec![false; tokens.len()];
        Self { text, tokens, style, written, out: String::new(), last_end: 0 }
    }

    pub(super) fn file(mut self, file: &File) -> String {
        let mut previous_was_rule = false;
        for (n, item) in file.items.iter().enumerate() {
            let is_rule = matches!(item, Item::Rule(_));
            if n > 0 && (is_rule || previous_was_rule) {
                self.blank();
            }
            match item {
                Item::Import(import) => self.statement(import.span),
                Item::Include(include) => self.statement(include.span),
                Item::Rule(rule) => self.rule(rule),
            }
            previous_was_rule = is_rule;
        }
        self.comments_in(0, self.text.len(), 0);
        self.out
    }

    /// `import "x"` or `include "x"`, as written but spaced.
    fn statement(&mut self, span: Span) {
        self.comments_in(0, span.end as usize, 0);
        self.blank_if_source(span.start as usize);
        let words: Vec<String> = self.code(span).iter().map(|t| self.token(t)).collect();
        self.line(0, &words.join(" "));
        self.after(span.end as usize);
    }

    fn rule(&mut self, rule: &Rule) {
        let open = self.next_code(rule.name.span.end as usize, "{");
        self.comments_in(0, self.tokens[open].span.start as usize, 0);
        self.blank_if_source(rule.span.start as usize);
        let mut header = String::new();
        if rule.is_private {
            header.push_str("private ");
        }
        if rule.is_global {
            header.push_str("global ");
        }
        header.push_str("rule ");
        header.push_str(&rule.name.name);
        if !rule.tags.is_empty() {
            header.push_str(" :");
            for tag in &rule.tags {
                header.push(' ');
                header.push_str(&tag.name);
            }
        }
        header.push_str(" {");
        self.line(0, &header);
        self.after(self.tokens[open].span.end as usize);

        let body_start = self.tokens[open].span.end as usize;
        let mut first_section = true;
        if let Some(first) = rule.meta.first() {
            self.section_header("meta", body_start, first.span.start as usize, first_section);
            first_section = false;
            self.meta(rule);
        }
        if let Some(first) = rule.patterns.first() {
            self.section_header("strings", body_start, first.span.start as usize, first_section);
            first_section = false;
            self.patterns(&rule.patterns);
        }
        let colon = self.section_header(
            "condition",
            body_start,
            rule.condition.span.start as usize,
            first_section,
        );
        let close = self.tokens.partition_point(|t| t.span.end < rule.span.end);
        self.condition(colon + 1, close);
        self.comments_in(0, self.tokens[close].span.start as usize, 0);
        self.line(0, "}");
        self.after(rule.span.end as usize);
    }

    /// Writes `name:` and returns the index of its colon; the keyword is the
    /// last `name` before `limit`.
    fn section_header(&mut self, name: &str, from: usize, limit: usize, first: bool) -> usize {
        let keyword = (self.tokens.partition_point(|t| (t.span.start as usize) < from)
            ..self.tokens.partition_point(|t| (t.span.start as usize) < limit))
            .rev()
            .find(|&i| self.tokens[i].kind == TokenKind::Keyword && self.text_of(i) == name)
            .expect("parsed section keyword");
        let colon = self.next_code(self.tokens[keyword].span.end as usize, ":");
        let indent = if first { self.style.indent } else { 2 * self.style.indent };
        self.comments_in(0, self.tokens[colon].span.end as usize, indent);
        self.line(self.style.indent, &format!("{name}:"));
        self.after(self.tokens[colon].span.end as usize);
        colon
    }

    fn meta(&mut self, rule: &Rule) {
        let indent = 2 * self.style.indent;
        let key_width = self.aligned(rule.meta.iter().map(|m| m.key.name.chars().count()));
        for meta in &rule.meta {
            self.comments_in(0, meta.span.end as usize, indent);
            self.blank_if_source(meta.span.start as usize);
            let value_span = Span { start: meta.key.span.end, end: meta.span.end };
            let value: String =
                self.code(value_span).iter().skip(1).map(|t| self.token(t)).collect();
            self.line(indent, &format!("{:key_width$} = {value}", meta.key.name));
            self.after(meta.span.end as usize);
        }
    }

    fn patterns(&mut self, patterns: &[Pattern]) {
        let indent = 2 * self.style.indent;
        let id_width = self.aligned(patterns.iter().map(|p| p.id.name.chars().count() + 1));
        for pattern in patterns {
            let value = self.value_span(pattern);
            self.comments_in(0, value.start as usize, indent);
            self.comments_in(value.end as usize, pattern.span.end as usize, indent);
            self.blank_if_source(pattern.span.start as usize);
            let mut lines = match &pattern.value {
                PatternValue::Hex(_) => {
                    let tokens = self.unwritten(value);
                    let frame = Frame { indent: self.style.indent, width: usize::MAX };
                    let lines = layout::lines(self.text, &tokens, Mode::Hex, frame);
                    self.mark_written(value);
                    lines
                        .into_iter()
                        .enumerate()
                        .map(|(n, l)| {
                            let pad = if n == 0 { 0 } else { indent + l.depth * self.style.indent };
                            format!("{}{}", " ".repeat(pad), l.text)
                        })
                        .collect()
                }
                PatternValue::Text(_) | PatternValue::Regex(_) => {
                    vec![self.code(value).iter().map(|t| self.token(t)).collect::<String>()]
                }
            };
            let mut modifiers: Vec<_> = pattern.modifiers.iter().collect();
            modifiers.sort_by_key(|m| modifier_rank(&m.kind));
            let last = lines.last_mut().expect("a value has a line");
            for modifier in modifiers {
                last.push(' ');
                last.extend(self.code(modifier.span).iter().map(|t| self.token(t)));
            }
            let id = format!("${}", pattern.id.name);
            lines[0] = format!("{id:id_width$} = {}", lines[0]);
            self.line(indent, &lines.join("\n"));
            self.after(pattern.span.end as usize);
        }
    }

    /// The span of a pattern's value: for a text pattern, its string token.
    fn value_span(&self, pattern: &Pattern) -> Span {
        match &pattern.value {
            PatternValue::Hex(hex) => hex.span,
            PatternValue::Regex(regex) => regex.span,
            PatternValue::Text(_) => {
                let equals = self.next_code(pattern.id.span.end as usize, "=");
                let at = self.tokens[equals].span.end as usize;
                let value = (self.tokens.partition_point(|t| (t.span.start as usize) < at)
                    ..self.tokens.len())
                    .find(|&i| self.tokens[i].kind == TokenKind::String)
                    .expect("a text pattern has a string");
                self.tokens[value].span
            }
        }
    }

    /// The condition: tokens `from..to`, laid out at the section's content
    /// indentation.
    fn condition(&mut self, from: usize, to: usize) {
        let indent = 2 * self.style.indent;
        let tokens: Vec<Token> =
            (from..to).filter(|&i| !self.written[i]).map(|i| self.tokens[i]).collect();
        let frame =
            Frame { indent: self.style.indent, width: self.style.width.saturating_sub(indent) };
        for line in layout::lines(self.text, &tokens, Mode::Condition, frame) {
            if line.blank_before {
                self.blank();
            }
            self.line(indent + line.depth * self.style.indent, &line.text);
        }
        self.written[from..to].iter_mut().for_each(|w| *w = true);
        if let Some(last) = tokens.last() {
            self.last_end = last.span.end as usize;
        }
    }

    /// Width to pad names to: the longest, when aligning.
    fn aligned(&self, widths: impl Iterator<Item = usize>) -> usize {
        if self.style.align { widths.max().unwrap_or(0) } else { 0 }
    }

    // ------------------------------------------------------------ comments

    /// Writes, each on its own line at `indent`, the comments not yet
    /// written that start in `from..to`.
    fn comments_in(&mut self, from: usize, to: usize, indent: usize) {
        let first = self.tokens.partition_point(|t| (t.span.start as usize) < from);
        for i in first..self.tokens.len() {
            let token = self.tokens[i];
            if token.span.start as usize >= to {
                break;
            }
            if token.is_comment() && !self.written[i] {
                self.blank_if_source(token.span.start as usize);
                let text = self.token(&token);
                self.line(indent, &text);
                self.written[i] = true;
                self.last_end = self.last_end.max(token.span.end as usize);
            }
        }
    }

    /// Marks `end` as written, and appends to the last line the comments
    /// that followed it on its source line.
    fn after(&mut self, end: usize) {
        self.last_end = end;
        let mut i = self.tokens.partition_point(|t| (t.span.start as usize) < end);
        while let Some(&token) = self.tokens.get(i) {
            let gap = &self.text[self.last_end..token.span.start as usize];
            if !token.is_comment() || self.written[i] || gap.contains('\n') {
                break;
            }
            let text = self.token(&token);
            self.out.pop();
            self.out.push(' ');
            self.out.push_str(&text);
            self.out.push('\n');
            self.written[i] = true;
            self.last_end = token.span.end as usize;
            i += 1;
        }
    }

    // ------------------------------------------------------------ output

    fn line(&mut self, indent: usize, text: &str) {
        self.out.extend(std::iter::repeat_n(' ', indent));
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// One empty line, unless at the start or after one already.
    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// An empty line if the author left one between the last thing written
    /// and `offset`.
    fn blank_if_source(&mut self, offset: usize) {
        if offset > self.last_end && self.text[self.last_end..offset].matches('\n').count() > 1 {
            self.blank();
        }
    }

    // ------------------------------------------------------------ tokens

    fn text_of(&self, index: usize) -> &str {
        self.tokens[index].text(self.text)
    }

    fn token(&self, token: &Token) -> String {
        layout::token_text(self.text, token)
    }

    /// The index of the first token `text` at or after `offset`.
    fn next_code(&self, offset: usize, text: &str) -> usize {
        (self.tokens.partition_point(|t| (t.span.start as usize) < offset)..self.tokens.len())
            .find(|&i| !self.tokens[i].is_comment() && self.text_of(i) == text)
            .expect("parsed punctuation")
    }

    /// The tokens inside `span` that are not comments.
    fn code(&self, span: Span) -> Vec<Token> {
        self.within(span).filter(|t| !t.is_comment()).collect()
    }

    /// The tokens inside `span` not yet written.
    fn unwritten(&self, span: Span) -> Vec<Token> {
        let first = self.tokens.partition_point(|t| t.span.start < span.start);
        (first..self.tokens.len())
            .take_while(|&i| self.tokens[i].span.end <= span.end)
            .filter(|&i| !self.written[i])
            .map(|i| self.tokens[i])
            .collect()
    }

    fn mark_written(&mut self, span: Span) {
        let first = self.tokens.partition_point(|t| t.span.start < span.start);
        let last = self.tokens.partition_point(|t| t.span.end <= span.end);
        self.written[first..last.max(first)].iter_mut().for_each(|w| *w = true);
    }

    fn within(&self, span: Span) -> impl Iterator<Item = Token> + '_ {
        let first = self.tokens.partition_point(|t| t.span.start < span.start);
        self.tokens[first..].iter().take_while(move |t| t.span.end <= span.end).copied()
    }
}

/// The one modifier order: encodings, then matching, then transforms, then
/// `private`.
pub(super) fn modifier_rank(kind: &ModifierKind) -> u8 {
    match kind {
        ModifierKind::Ascii => 0,
        ModifierKind::Wide => 1,
        ModifierKind::Nocase => 2,
        ModifierKind::Fullword => 3,
        ModifierKind::Xor { .. } => 4,
        ModifierKind::Base64 { .. } => 5,
        ModifierKind::Base64Wide { .. } => 6,
        ModifierKind::Private => 7,
    }
}
