//! Byte offsets to LSP positions and back.
//!
//! spoor's spans are byte offsets into UTF-8 text; LSP positions are a
//! zero-based line and a character counted in UTF-16 code units (the
//! protocol's default encoding, the only one every client accepts). A
//! [`LineIndex`] keeps the line starts of one text, so each conversion
//! looks at one line only. Out-of-range positions clamp, as the
//! specification asks: a character past the end of its line means the end
//! of the line, a line past the end of the text means the end of the text.

use lsp_types::{Position, Range};

use crate::source::Span;

/// The line starts of one text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Self { starts }
    }

    /// The position of byte `offset` of `text` (clamped to the text, and
    /// moved back to a character boundary).
    #[must_use]
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character = text.get(start..offset).map_or(0, |s| s.encode_utf16().count());
        Position::new(to_u32(line), to_u32(character))
    }

    /// The range of `span`.
    #[must_use]
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(self.position(text, span.start as usize), self.position(text, span.end as usize))
    }

    /// The byte offset of `position` in `text`, clamped as the protocol
    /// says.
    #[must_use]
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self.starts.get(position.line as usize + 1).map_or(text.len(), |&e| e - 1);
        let line = text.get(start..end).unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }
}

pub(super) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_are_utf16_code_units() {
        // `é` is 2 bytes and 1 unit; `😀` is 4 bytes and 2 units.
        let text = "ab\né😀x\r\nlast";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), Position::new(0, 0));
        assert_eq!(index.position(text, 3), Position::new(1, 0));
        assert_eq!(index.position(text, 5), Position::new(1, 1));
        assert_eq!(index.position(text, 9), Position::new(1, 3), "x after the emoji");
        assert_eq!(index.position(text, 7), Position::new(1, 1), "inside the emoji: back");
        assert_eq!(index.offset(text, Position::new(1, 3)), 9);
        assert_eq!(index.offset(text, Position::new(1, 99)), 10, "clamped before \\r");
        assert_eq!(index.offset(text, Position::new(2, 2)), 14);
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        for offset in [0, 1, 2, 3, 5, 9, 10, 12, text.len()] {
            assert_eq!(index.offset(text, index.position(text, offset)), offset);
        }
    }
}
