//! A lexical pre-scan that bounds bracket nesting before pest runs.
//!
//! pest parses by recursive descent: every `(` or `[` of a condition or hex
//! string costs several stack frames, and so does the builder that turns
//! pairs into the AST. Counting brackets first turns `((((...` ten thousand
//! deep into a diagnostic instead of a stack overflow. The scan skips text
//! strings, regular expressions and comments exactly where the grammar
//! does, so it never undercounts the nesting pest will see.

/// Offset of the first bracket that opens nesting level `max_depth + 1`,
/// or `None` when the text stays within `max_depth`.
pub(super) fn first_too_deep(text: &str, max_depth: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' => {
                depth += 1;
                if depth > max_depth {
                    return Some(i);
                }
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            b'"' => i = skip_delimited(bytes, i + 1, b'"'),
            b'/' => {
                i = match bytes.get(i + 1) {
                    Some(b'/') => skip_until(bytes, i, b"\n"),
                    Some(b'*') => skip_until(bytes, i + 2, b"*/") + 1,
                    _ => skip_delimited(bytes, i + 1, b'/'),
                };
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Index of the closing `delimiter` (or of the newline or end of text that
/// cuts the literal short), honouring backslash escapes.
fn skip_delimited(bytes: &[u8], mut i: usize, delimiter: u8) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1).is_some_and(|&b| b != b'\n') => i += 2,
            b'\n' => return i,
            b if b == delimiter => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Index of the start of `end` at or after `i` (the end of text if absent).
fn skip_until(bytes: &[u8], i: usize, end: &[u8]) -> usize {
    memchr::memmem::find(&bytes[i.min(bytes.len())..], end).map_or(bytes.len(), |p| i + p)
}

#[cfg(test)]
mod tests {
    use super::first_too_deep;

    #[test]
    fn counts_parentheses_and_brackets() {
        assert_eq!(first_too_deep("((a[1]))", 3), None);
        assert_eq!(first_too_deep("((a[1]))", 2), Some(3));
        assert_eq!(first_too_deep(&"(".repeat(10_000), 100), Some(100));
    }

    #[test]
    fn skips_strings_regexes_and_comments() {
        let text = r#"$a = "((((\"((" $b = /((\/((/ // ((((
        /* ((((
        (( */ ( )"#;
        assert_eq!(first_too_deep(text, 1), None);
    }

    #[test]
    fn unterminated_literals_stop_at_the_line_end() {
        assert_eq!(first_too_deep("\"abc\n((", 1), Some(6));
        assert_eq!(first_too_deep("/abc\n((", 1), Some(6));
    }
}
