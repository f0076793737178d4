//! Rule source text and byte spans into it.
//!
//! Every AST node and every diagnostic points back into a [`SourceFile`] with a
//! [`Span`]; line and column numbers are computed only when a diagnostic is
//! rendered, so parsing never pays for them.

use std::fmt;
use std::sync::Arc;

/// A half-open byte range `start..end` into one source text.
///
/// Offsets are `u32`: rule files over 4 GiB are refused before parsing.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets.
    #[must_use]
    pub fn new(start: usize, end: usize) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Self { start: clamp(start), end: clamp(end) }
    }

    /// The smallest span covering both `self` and `other`.
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// The span as a `usize` range, for slicing the source text.
    #[must_use]
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// One rule file (or in-memory rule text) with a precomputed line index.
#[derive(Debug)]
pub struct SourceFile {
    origin: String,
    text: String,
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// Wraps `text`; `origin` is what diagnostics print as the file name.
    #[must_use]
    pub fn new(origin: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        Arc::new(Self { origin: origin.into(), text, line_starts })
    }

    /// The name diagnostics print: a path as given, or `<string>` and such.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The whole source text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    #[must_use]
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = offset.min(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let end = (offset as usize).max(start);
        let column = self.text.get(start..end).map_or(end - start, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// The text of a 1-based line, without its line terminator.
    #[must_use]
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let rest = &self.text[start as usize..];
        let line = rest.split('\n').next().unwrap_or("");
        line.strip_suffix('\r').unwrap_or(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_and_in_characters() {
        let src = SourceFile::new("t.yar", "ab\nçd\n\nx");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(3), (2, 1));
        assert_eq!(src.line_col(5), (2, 2), "ç is two bytes, one column");
        assert_eq!(src.line_col(7), (3, 1));
        assert_eq!(src.line_col(8), (4, 1));
        assert_eq!(src.line_col(99), (4, 2), "offsets past the end clamp");
        assert_eq!(src.line_text(2), "çd");
        assert_eq!(src.line_text(3), "");
        assert_eq!(src.line_text(9), "");
    }
}
