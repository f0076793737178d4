//! The installer database: the string pool and the tables.
//!
//! Every string of every table is stored once, in the pool: `_StringPool`
//! holds a codepage, then a (length, reference count) pair per string, and
//! `_StringData` the strings' bytes back to back. Cells hold string ids
//! (1-based; 0 is null), two bytes each, or three when the pool's header
//! says so. A string longer than 65535 bytes takes two pool entries: an
//! entry of length 0 whose reference count holds the length's high half,
//! then the entry with its low half.
//!
//! `_Tables` lists the table names; `_Columns` gives each table's columns
//! (table, number, name, type). A table's stream stores its rows column
//! by column: all cells of the first column, then all of the second, and
//! so on, so the row count is the stream size over the row size. Integer
//! cells are 2 or 4 bytes with the sign bit flipped (0 is null); binary
//! cells are 2 bytes that only say whether the row's stream exists.

use std::collections::BTreeMap;

/// The column type bit of strings (else integers).
const TYPE_STRING: u16 = 0x0800;
/// The column type bit of nullable columns.
const TYPE_NULLABLE: u16 = 0x1000;
/// The column type bits of a valid column.
const TYPE_VALID: u16 = 0x0100;
/// At most this many tables are read.
pub(super) const MAX_TABLES: usize = 1024;
/// At most this many columns per table (Windows Installer allows 32).
const MAX_COLUMNS: usize = 32;
/// At most this many cells are read over all tables: 20 times the rows a
/// large real package has, enough to keep each input's work bounded.
pub(super) const MAX_CELLS: usize = 1_000_000;

/// The string pool.
#[derive(Debug, Default)]
pub(super) struct StringPool {
    /// The codepage the strings are encoded in.
    pub codepage: u32,
    /// Bytes of a string id in a cell (2 or 3).
    ref_size: usize,
    /// Strings by id - 1.
    strings: Vec<Vec<u8>>,
}

impl StringPool {
    /// Reads the pool from the two streams' contents.
    pub(super) fn parse(pool: &[u8], data: &[u8]) -> Self {
        let words: Vec<u16> =
            pool.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        let (Some(&low), Some(&high)) = (words.first(), words.get(1)) else {
            return Self { ref_size: 2, ..Self::default() };
        };
        let ref_size = if high & 0x8000 != 0 { 3 } else { 2 };
        let codepage = u32::from(low) | (u32::from(high & 0x7FFF) << 16);
        let mut strings = Vec::new();
        let mut offset = 0usize;
        let mut entries = words[2..].chunks_exact(2);
        while let Some(entry) = entries.next() {
            let (mut len, refs) = (usize::from(entry[0]), entry[1]);
            if len == 0 && refs != 0 {
                let Some(next) = entries.next() else { break };
                len = (usize::from(refs) << 16) | usize::from(next[0]);
            }
            let end = offset.saturating_add(len).min(data.len());
            strings.push(data.get(offset..end).unwrap_or_default().to_vec());
            offset = end;
        }
        Self { codepage, ref_size, strings }
    }

    /// String `id`; `None` for id 0 (null) and ids past the pool.
    pub(super) fn get(&self, id: u32) -> Option<&[u8]> {
        let index = usize::try_from(id).ok()?.checked_sub(1)?;
        self.strings.get(index).map(Vec::as_slice)
    }
}

/// One column of a table.
#[derive(Debug, Clone)]
pub(super) struct Column {
    pub name: Vec<u8>,
    /// The Windows Installer column type bits.
    pub kind: u16,
}

impl Column {
    /// Binary columns: strings without a length that are not localizable.
    fn is_binary(&self) -> bool {
        self.kind & !TYPE_NULLABLE == TYPE_STRING | TYPE_VALID
    }

    /// Bytes of one cell.
    fn width(&self, ref_size: usize) -> usize {
        if self.is_binary() {
            2
        } else if self.kind & TYPE_STRING != 0 {
            ref_size
        } else if self.kind & 0xFF <= 2 {
            2
        } else {
            4
        }
    }
}

/// A cell's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cell {
    Null,
    Integer(i64),
    String(Vec<u8>),
    /// A binary cell: the data is in the stream `Table.Key`.
    Binary,
}

/// Reads cells of a stored table.
pub(super) struct Reader<'p> {
    pool: &'p StringPool,
    /// Cells still allowed (see [`MAX_CELLS`]).
    budget: usize,
}

impl<'p> Reader<'p> {
    pub(super) fn new(pool: &'p StringPool) -> Self {
        Self { pool, budget: MAX_CELLS }
    }

    /// The rows of a table stored as `stream` with `columns`; rows past
    /// the cell budget are left out.
    pub(super) fn rows(&mut self, stream: &[u8], columns: &[Column]) -> Vec<Vec<Cell>> {
        let widths: Vec<usize> = columns.iter().map(|c| c.width(self.pool.ref_size)).collect();
        let row_size: usize = widths.iter().sum();
        if row_size == 0 {
            return Vec::new();
        }
        let count = (stream.len() / row_size).min(self.budget / columns.len());
        self.budget -= count * columns.len();
        let mut rows = vec![Vec::with_capacity(columns.len()); count];
        let mut offset = 0;
        for (column, &width) in columns.iter().zip(&widths) {
            for row in &mut rows {
                let raw = &stream[offset..offset + width];
                row.push(self.cell(column, raw));
                offset += width;
            }
        }
        rows
    }

    fn cell(&self, column: &Column, raw: &[u8]) -> Cell {
        let value = raw.iter().rev().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        if value == 0 {
            return Cell::Null;
        }
        if column.is_binary() {
            Cell::Binary
        } else if column.kind & TYPE_STRING != 0 {
            self.pool.get(value).map_or(Cell::Null, |s| Cell::String(s.to_vec()))
        } else if raw.len() == 2 {
            Cell::Integer(i64::from((value ^ 0x8000) as u16 as i16))
        } else {
            Cell::Integer(i64::from((value ^ 0x8000_0000) as i32))
        }
    }

    /// The columns of every table, from the rows of `_Columns`, ordered by
    /// column number.
    pub(super) fn columns(&mut self, stream: &[u8]) -> BTreeMap<Vec<u8>, Vec<Column>> {
        let schema = [
            Column { name: b"Table".to_vec(), kind: TYPE_STRING | TYPE_VALID | 64 },
            Column { name: b"Number".to_vec(), kind: TYPE_VALID | 2 },
            Column { name: b"Name".to_vec(), kind: TYPE_STRING | TYPE_VALID | 64 },
            Column { name: b"Type".to_vec(), kind: TYPE_VALID | 2 },
        ];
        let mut numbered: BTreeMap<Vec<u8>, BTreeMap<i64, Column>> = BTreeMap::new();
        for row in self.rows(stream, &schema) {
            let [
                Cell::String(table),
                Cell::Integer(number),
                Cell::String(name),
                Cell::Integer(kind),
            ] = &row[..]
            else {
                continue;
            };
            let columns = numbered.entry(table.clone()).or_default();
            if columns.len() < MAX_COLUMNS {
                let kind = *kind as u16;
                let _ = columns.insert(*number, Column { name: name.clone(), kind });
            }
        }
        numbered.into_iter().map(|(t, c)| (t, c.into_values().collect())).collect()
    }

    /// The table names listed in `_Tables`, in stored order.
    pub(super) fn table_names(&mut self, stream: &[u8]) -> Vec<Vec<u8>> {
        let schema = [Column { name: b"Name".to_vec(), kind: TYPE_STRING | TYPE_VALID | 64 }];
        self.rows(stream, &schema)
            .into_iter()
            .filter_map(|row| match row.into_iter().next() {
                Some(Cell::String(name)) => Some(name),
                _ => None,
            })
            .take(MAX_TABLES)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[u16]) -> Vec<u8> {
        list.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn pool_strings_and_long_string_entries() {
        let pool = words(&[65001, 0, 3, 1, 0, 0, 0, 1, 2, 1]);
        let parsed = StringPool::parse(&pool, b"abc\x00\x01xy");
        assert_eq!(parsed.codepage, 65001);
        assert_eq!(parsed.get(1), Some(&b"abc"[..]));
        assert_eq!(parsed.get(2), Some(&b""[..]));
        // An entry of length 0 with references: the next entry's length
        // gains a high half (65536 + 2 here, cut at the data's end).
        assert_eq!(parsed.get(3), Some(&b"\x00\x01xy"[..]));
        assert_eq!((parsed.get(0), parsed.get(4)), (None, None));
        assert_eq!(StringPool::parse(&words(&[0, 0x8000]), b"").ref_size, 3);
    }

    #[test]
    fn rows_are_stored_column_by_column() {
        let pool = StringPool::parse(&words(&[1252, 0, 1, 1, 1, 1]), b"ab");
        let columns = [
            Column { name: b"Key".to_vec(), kind: TYPE_STRING | TYPE_VALID | 72 },
            Column { name: b"N".to_vec(), kind: TYPE_VALID | TYPE_NULLABLE | 4 },
        ];
        let stream = [words(&[1, 2]), vec![0x05, 0, 0, 0x80, 0, 0, 0, 0]].concat();
        let rows = Reader::new(&pool).rows(&stream, &columns);
        assert_eq!(
            rows,
            [
                vec![Cell::String(b"a".to_vec()), Cell::Integer(5)],
                vec![Cell::String(b"b".to_vec()), Cell::Null]
            ]
        );
    }
}
