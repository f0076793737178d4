//! Hover: what the name under the cursor is.
//!
//! - a module field or function: its type or overloads and its doc comment,
//!   from the module's declaration ([`members`]);
//! - a pattern reference (`$a`, `#a`, `@a`, `!a`, `$a*`): the declaration of
//!   each pattern it names, and their modifiers;
//! - a rule name: the rule's header, tags and meta;
//! - the value of spoor's `actor` or `family` meta: the profile's name,
//!   aliases and ATT&CK id.

use std::fmt::Write as _;

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use super::context;
use super::documents::Document;
use super::members;
use crate::attribution::Profiles;
use crate::parser::ast;
use crate::source::Span;

/// The hover at `position` of `doc`, if there is something to say.
#[must_use]
pub fn hover(doc: &Document, position: Position) -> Option<Hover> {
    let offset = doc.offset(position)?;
    let text = doc.text();
    let (word, span) = context::word_at(text, offset)?;
    let profiles = match doc.profiles.as_deref() {
        Some(profiles) => profiles.get(),
        None => Profiles::bundled(),
    };
    let markdown = meta_value(doc, offset, profiles).or_else(|| {
        match word.strip_prefix(['$', '#', '@', '!']) {
            Some(name) => {
                let wildcard = text.as_bytes().get(span.end as usize) == Some(&b'*');
                patterns(doc, offset, name, wildcard)
            }
            None => module_member(text, span).or_else(|| rule(doc, word)),
        }
    })?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(doc.lines().range(text, span)),
    })
}

fn module_member(text: &str, word: Span) -> Option<String> {
    let path = context::dotted_path_ending_at(text, word.end as usize)?;
    if path.segments.len() == 1 {
        let module = crate::modules::find(&path.segments[0])?.1;
        let fields = module.declaration().fields.len();
        return Some(format!(
            "```yara\nimport \"{}\"\n```\n\nmodule with {fields} members",
            module.name()
        ));
    }
    Some(members::describe(&path.segments)?.markdown())
}

/// The declarations of the patterns of the rule at `offset` that `name`
/// (a prefix when `wildcard`) names.
fn patterns(doc: &Document, offset: usize, name: &str, wildcard: bool) -> Option<String> {
    let rule = doc.rule_at(offset)?;
    let text = doc.text();
    let mut out = String::new();
    for pattern in &rule.patterns {
        let id = &pattern.id.name;
        if !(id == name || (wildcard && id.starts_with(name))) {
            continue;
        }
        let declaration = text.get(pattern.span.range()).unwrap_or_default();
        let _ = write!(out, "```yara\n{declaration}\n```\n");
        let modifiers: Vec<&str> =
            pattern.modifiers.iter().filter_map(|m| text.get(m.span.range())).collect();
        if !modifiers.is_empty() {
            let _ = writeln!(out, "modifiers: {}\n", modifiers.join(", "));
        }
    }
    (!out.is_empty()).then(|| out.trim_end().to_owned())
}

/// A rule's header, tags and meta.
fn rule(doc: &Document, name: &str) -> Option<String> {
    let rule = doc.parsed().file.items.iter().find_map(|item| match item {
        ast::Item::Rule(rule) if rule.name.name == name => Some(rule),
        _ => None,
    })?;
    let text = doc.text();
    // The header as written, from `rule` (or its modifiers) to `{`.
    let after_name = text.get(rule.name.span.end as usize..rule.span.end as usize)?;
    let end = rule.name.span.end as usize + after_name.find('{').unwrap_or(0);
    let header = text.get(rule.span.start as usize..end).unwrap_or_default();
    let header = header.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = format!("```yara\n{header}\n```");
    if !rule.meta.is_empty() {
        out.push_str("\n\n```yara\nmeta:\n");
        for meta in &rule.meta {
            let _ = writeln!(out, "  {}", text.get(meta.span.range()).unwrap_or_default());
        }
        out.push_str("```");
    }
    let _ = write!(out, "\n\n{} pattern(s)", rule.patterns.len());
    Some(out)
}

/// The profile behind the `actor` or `family` meta value at `offset`.
fn meta_value(doc: &Document, offset: usize, profiles: &Profiles) -> Option<String> {
    let rule = doc.rule_at(offset)?;
    let meta = rule.meta.iter().find(|m| m.span.range().contains(&offset))?;
    if meta.key.span.range().contains(&offset) {
        return None;
    }
    let ast::MetaValue::String(value) = &meta.value else { return None };
    let value = String::from_utf8_lossy(value);
    match meta.key.name.as_str() {
        "actor" => {
            let profile = profiles.resolve(&value)?;
            Some(describe_profile(
                &profile.name,
                profile.id(),
                profile.aliases.iter().map(|a| a.get_ref().as_str()),
                profile.attack_id.as_ref().map(|a| a.get_ref().as_str()),
                &profile.description,
            ))
        }
        "family" => profiles.iter().find_map(|profile| {
            let family = profile.family(&value)?;
            let mut out = describe_profile(
                &family.name,
                family.id(),
                family.aliases.iter().map(|a| a.get_ref().as_str()),
                family.attack_id.as_ref().map(|a| a.get_ref().as_str()),
                &family.description,
            );
            let _ =
                write!(out, "\n\n{} of actor {} (`{}`)", family.kind, profile.name, profile.id());
            Some(out)
        }),
        _ => None,
    }
}

fn describe_profile<'a>(
    name: &str,
    id: &str,
    aliases: impl Iterator<Item = &'a str>,
    attack_id: Option<&str>,
    description: &str,
) -> String {
    let mut out = format!("**{name}** (`{id}`)");
    let aliases: Vec<&str> = aliases.collect();
    if !aliases.is_empty() {
        let _ = write!(out, "\n\naliases: {}", aliases.join(", "));
    }
    if let Some(attack) = attack_id {
        let _ = write!(out, "\n\nATT&CK: {attack}");
    }
    let _ = write!(out, "\n\n{}", description.trim());
    out
}
