//! What surrounds the cursor, read from the text itself.
//!
//! An author is always mid-edit: `condition: pe.` does not parse, and the
//! parser's recovery leaves the whole rule out. Hover and completion
//! therefore read the few characters around the cursor with a small
//! backward scan over identifiers, dots and brackets, which works whatever
//! the rest of the rule looks like.

use crate::source::Span;

/// Whether `b` can be part of an identifier.
fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A dotted name such as `pe.sections[0].name`, without its indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DottedPath {
    /// The names, outermost first (`["pe", "sections", "name"]`).
    pub segments: Vec<String>,
    /// Where the last segment is (empty when nothing is typed after `.`).
    pub last: Span,
}

/// The dotted name that ends at `end` (the cursor, or the end of the word
/// under it): the identifier before `end` (maybe empty), and each
/// `name.` or `name[...].` before it.
#[must_use]
pub fn dotted_path_ending_at(text: &str, end: usize) -> Option<DottedPath> {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut start = end;
    while start > 0 && is_ident(bytes[start - 1]) {
        start -= 1;
    }
    let last = Span::new(start, end);
    let mut segments = vec![text.get(start..end)?.to_owned()];
    let mut at = start;
    while at > 0 && bytes[at - 1] == b'.' {
        at -= 1;
        at = skip_indexes(bytes, at)?;
        let name_end = at;
        while at > 0 && is_ident(bytes[at - 1]) {
            at -= 1;
        }
        if at == name_end {
            return None;
        }
        segments.push(text.get(at..name_end)?.to_owned());
    }
    segments.reverse();
    Some(DottedPath { segments, last })
}

/// Moves back over `[...]` groups that end at `at`.
fn skip_indexes(bytes: &[u8], mut at: usize) -> Option<usize> {
    while at > 0 && bytes[at - 1] == b']' {
        let mut depth = 0usize;
        loop {
            at = at.checked_sub(1)?;
            match bytes[at] {
                b']' => depth += 1,
                b'[' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    Some(at)
}

/// The call whose argument list `offset` is in: the offset of its `(`
/// and the index of the argument the cursor is on (the commas before it
/// at that level).
///
/// The text is read forward from the rule around `offset` (its start is
/// the last `rule` word before it), so strings, regexes and comments,
/// which may hold brackets and commas, are skipped, and an unclosed call
/// being typed counts.
#[must_use]
pub fn enclosing_call(text: &str, offset: usize) -> Option<(usize, usize)> {
    let offset = offset.min(text.len());
    let start = text.get(..offset)?.rfind("rule").unwrap_or(0);
    let bytes = text.as_bytes();
    // Open brackets: where each is, whether it is `(`, commas seen in it.
    let mut open: Vec<(usize, bool, usize)> = Vec::new();
    let mut at = start;
    while at < offset {
        let rest = &bytes[at..];
        let skip_to = |end: Option<usize>| end.map_or(bytes.len(), |e| at + e);
        at = match rest[0] {
            b'"' => skip_to(literal_end(rest, b'"')),
            b'/' if rest.get(1) == Some(&b'/') => skip_to(memchr::memchr(b'\n', rest)),
            b'/' if rest.get(1) == Some(&b'*') => {
                skip_to(memchr::memmem::find(rest, b"*/").map(|e| e + 2))
            }
            b'/' => skip_to(literal_end(rest, b'/')),
            b'(' | b'[' => {
                open.push((at, rest[0] == b'(', 0));
                at + 1
            }
            b')' | b']' => {
                open.pop();
                at + 1
            }
            b',' => {
                if let Some(innermost) = open.last_mut() {
                    innermost.2 += 1;
                }
                at + 1
            }
            _ => at + 1,
        };
    }
    // The cursor inside a literal or comment is in no argument list.
    if at > offset {
        return None;
    }
    let &(paren, is_call, commas) = open.last()?;
    is_call.then_some((paren, commas))
}

/// Where the literal opening `rest` with `quote` ends (past its closing
/// quote), backslash escapes skipped; `None` when it is not closed.
fn literal_end(rest: &[u8], quote: u8) -> Option<usize> {
    let mut at = 1;
    while at < rest.len() {
        match rest[at] {
            b'\\' => at += 2,
            b if b == quote => return Some(at + 1),
            b'\n' => return Some(at),
            _ => at += 1,
        }
    }
    None
}

/// The end of the identifier that `offset` is in or just after.
#[must_use]
pub fn word_end(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = offset.min(bytes.len());
    while end < bytes.len() && is_ident(bytes[end]) {
        end += 1;
    }
    end
}

/// The identifier, with its sigil (`$ # @ !`) if any, that `offset` is in
/// or just after, and its span.
#[must_use]
pub fn word_at(text: &str, offset: usize) -> Option<(&str, Span)> {
    let bytes = text.as_bytes();
    let end = word_end(text, offset);
    let mut start = offset.min(end);
    while start > 0 && is_ident(bytes[start - 1]) {
        start -= 1;
    }
    if start > 0 && b"$#@!".contains(&bytes[start - 1]) {
        start -= 1;
    }
    (start < end).then(|| Some((text.get(start..end)?, Span::new(start, end)))).flatten()
}

/// The sigil and partial name of a pattern reference being typed before
/// `offset` (`$ab` gives `('$', "ab")`).
#[must_use]
pub fn pattern_prefix(text: &str, offset: usize) -> Option<(char, &str)> {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let mut start = offset;
    while start > 0 && is_ident(bytes[start - 1]) {
        start -= 1;
    }
    let sigil = *bytes.get(start.checked_sub(1)?)?;
    b"$#@!".contains(&sigil).then(|| Some((char::from(sigil), text.get(start..offset)?))).flatten()
}

/// Whether `offset` is inside the quotes of an `import "..."`.
#[must_use]
pub fn in_import(text: &str, offset: usize) -> bool {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.rsplit('\n').next().unwrap_or("");
    let Some(open) = line.rfind('"') else { return false };
    line[..open].trim_end().ends_with("import") && line.matches('"').count() % 2 == 1
}

/// The name of every `rule NAME` of `text`, found by words, so rules that
/// do not parse are found too.
#[must_use]
pub fn rule_names(text: &str) -> Vec<&str> {
    let mut words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    let mut names = Vec::new();
    while let Some(word) = words.next() {
        if word == "rule"
            && let Some(name) = words.find(|w| !w.is_empty())
        {
            names.push(name);
        }
    }
    names
}

/// The pattern identifiers declared (`$name =`) in the rule that `offset`
/// is in, found by lines: used when the rule does not parse.
#[must_use]
pub fn declared_patterns(text: &str, offset: usize) -> Vec<&str> {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let rule_start = before.rfind("rule ").unwrap_or(0);
    let mut found = Vec::new();
    for line in text[rule_start..offset.min(text.len()).max(rule_start)].lines() {
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix('$') {
            let name_len = rest.bytes().take_while(|&b| is_ident(b)).count();
            if rest[name_len..].trim_start().starts_with('=') {
                found.push(&rest[..name_len]);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_skip_indexes_and_stop_at_other_text() {
        let text = "x and pe.sections[pe.number_of_sections - 1].na";
        let path = dotted_path_ending_at(text, text.len()).unwrap();
        assert_eq!(path.segments, ["pe", "sections", "na"]);
        assert_eq!(path.last, Span::new(45, 47));
        let text = "condition: pe.";
        assert_eq!(dotted_path_ending_at(text, text.len()).unwrap().segments, ["pe", ""]);
        assert_eq!(dotted_path_ending_at("a . b", 5).unwrap().segments, ["b"]);
        assert_eq!(dotted_path_ending_at("x]].y", 5), None);
    }

    #[test]
    fn words_patterns_and_imports() {
        assert_eq!(word_at("#abc and", 2), Some(("#abc", Span::new(0, 4))));
        assert_eq!(word_at("  ", 1), None);
        assert_eq!(pattern_prefix("x and $ab", 9), Some(('$', "ab")));
        assert_eq!(pattern_prefix("x and ab", 8), None);
        assert!(in_import("import \"p", 9));
        assert!(!in_import("import \"pe\" ", 12));
        let text = "rule a {\n strings:\n  $x = \"1\"\n  $y= {00}\n condition: $";
        assert_eq!(declared_patterns(text, text.len()), ["x", "y"]);
        assert_eq!(rule_names("rule a { } private rule b : t {"), ["a", "b"]);
    }

    #[test]
    fn calls_are_found_past_literals_comments_and_inner_calls() {
        let text = "rule r { condition: pe.imports(\"a,(\", /* ,( */ /x,(/i, f(1, 2), ";
        assert_eq!(enclosing_call(text, text.len()), Some((text.find('(').unwrap(), 3)));
        let inner = text.find("1,").unwrap() + 2;
        assert_eq!(enclosing_call(text, inner), Some((text.find("f(").unwrap() + 1, 1)));
        assert_eq!(enclosing_call(text, text.find("a,").unwrap() + 2), None, "in a string");
        assert_eq!(enclosing_call("rule r { condition: a[1, ", 25), None, "an index");
        assert_eq!(enclosing_call("x and f(1) and ", 15), None, "closed");
    }
}
