//! The central directory of a zip archive, walked the way YARA-X's `zip`
//! module walks it.
//!
//! Archive scanning (`crate::inputs::containers`) reads zips with the `zip`
//! crate, but its index cannot stand in here: it keys entries by name, so
//! duplicate names (a known trick to show one file to a checker and
//! another to an installer) collapse into one, and it hides the raw
//! compression method. YARA-X's answers follow the records as stored, so
//! this reader does too, and its acceptance rules are YARA-X's: the last
//! end-of-central-directory record whose comment fits the file, one disk,
//! zip64 records when a field is saturated, a central directory found at
//! its stated offset or, for archives with data prepended (a CRX header),
//! shifted by the prepended length. The walk stops at the first record
//! that does not parse; the records before it stand.

use crate::modules::binary::{bytes_at, u16_le, u32_le, u64_le};

/// `PK\5\6`: end of central directory.
const END_OF_DIRECTORY: u32 = 0x0605_4b50;
/// `PK\6\6`: zip64 end of central directory.
const ZIP64_END_OF_DIRECTORY: u32 = 0x0606_4b50;
/// `PK\6\7`: zip64 end of central directory locator.
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
/// `PK\1\2`: central directory file header.
const CENTRAL_HEADER: u32 = 0x0201_4b50;

const END_OF_DIRECTORY_LEN: usize = 22;
const ZIP64_LOCATOR_LEN: usize = 20;
const ZIP64_END_OF_DIRECTORY_LEN: usize = 56;
const CENTRAL_HEADER_LEN: usize = 46;
/// How far before its locator a misplaced zip64 record is looked for.
const ZIP64_SEARCH_WINDOW: usize = 4096;
/// The largest extra field searched for zip64 sizes.
const MAX_ZIP64_EXTRA: usize = 256;

/// General purpose flags for strong encryption and masked local headers,
/// which end the walk.
const FLAGS_STRONG_ENCRYPTION: u16 = 1 << 6 | 1 << 13;

/// A zip archive whose central directory was located.
pub(crate) struct Archive<'a> {
    data: &'a [u8],
    /// Absolute offset of the first central directory record.
    directory: usize,
    /// Where the central directory must end: the (zip64) end record.
    directory_limit: usize,
    /// Records the end record announces.
    count: u64,
}

/// One central directory record.
#[derive(Debug, Clone)]
pub(crate) struct Entry<'a> {
    /// The stored name, bytes as they are.
    pub(crate) path: &'a [u8],
    /// The compression method as stored.
    pub(crate) method: u16,
    pub(crate) compressed_size: u64,
    pub(crate) uncompressed_size: u64,
}

/// The end-of-central-directory fields that locate the directory.
struct Directory {
    count: u64,
    size: u64,
    offset: u64,
    /// Where the end record (zip64 when there is one) starts.
    end: usize,
}

impl<'a> Archive<'a> {
    /// The archive in `data`, or `None` when it is not one.
    pub(crate) fn open(data: &'a [u8]) -> Option<Self> {
        let eocd = find_end_of_directory(data)?;
        let single_disk = u16_le(data, eocd + 4)? == 0 && u16_le(data, eocd + 6)? == 0;
        single_disk.then_some(())?;
        let count = u16_le(data, eocd + 10)?;
        let size = u32_le(data, eocd + 12)?;
        let offset = u32_le(data, eocd + 16)?;
        let dir = if count == u16::MAX || size == u32::MAX || offset == u32::MAX {
            zip64_directory(data, eocd)?
        } else {
            Directory {
                count: u64::from(count),
                size: u64::from(size),
                offset: u64::from(offset),
                end: eocd,
            }
        };
        let used = dir.offset.checked_add(dir.size)?;
        let prepended = (dir.end as u64).checked_sub(used)?;
        let shifted = prepended.checked_add(dir.offset)?;
        // A directory at its stated offset wins; else it is taken shifted
        // by the prepended length, as long as that is inside the file.
        let directory = if has_signature(data, dir.offset, CENTRAL_HEADER) {
            dir.offset
        } else {
            (shifted <= data.len() as u64).then_some(shifted)?
        };
        (directory.checked_add(dir.size)? <= eocd as u64).then_some(())?;
        let empty_but_misplaced = dir.count == 0 && dir.size == 0 && dir.offset == 0 && eocd != 0;
        (!empty_but_misplaced).then_some(())?;
        Some(Archive {
            data,
            directory: usize::try_from(directory).ok()?,
            directory_limit: dir.end,
            count: dir.count,
        })
    }

    /// The central directory records in stored order, up to the first that
    /// does not parse.
    pub(crate) fn entries(&self) -> impl Iterator<Item = Entry<'a>> + '_ {
        let mut next = self.directory;
        (0..self.count).map_while(move |_| {
            let (entry, after) = self.entry_at(next)?;
            next = after;
            Some(entry)
        })
    }

    /// The record at `offset` and the offset of the next one.
    fn entry_at(&self, offset: usize) -> Option<(Entry<'a>, usize)> {
        let data = self.data;
        (u32_le(data, offset)? == CENTRAL_HEADER).then_some(())?;
        let flags = u16_le(data, offset + 8)?;
        (flags & FLAGS_STRONG_ENCRYPTION == 0).then_some(())?;
        let name_len = usize::from(u16_le(data, offset + 28)?);
        let extra_len = usize::from(u16_le(data, offset + 30)?);
        let comment_len = usize::from(u16_le(data, offset + 32)?);
        let name_start = offset + CENTRAL_HEADER_LEN;
        let next = name_start + name_len + extra_len + comment_len;
        (next <= self.directory_limit).then_some(())?;
        let mut entry = Entry {
            path: bytes_at(data, name_start, name_len)?,
            method: u16_le(data, offset + 10)?,
            compressed_size: u64::from(u32_le(data, offset + 20)?),
            uncompressed_size: u64::from(u32_le(data, offset + 24)?),
        };
        // The local header offset is only read for the zip64 extra field,
        // whose layout depends on which fields are saturated.
        let local_header = u32_le(data, offset + 42)?;
        let wanted = [entry.uncompressed_size, entry.compressed_size, u64::from(local_header)]
            .map(|v| v == u64::from(u32::MAX));
        if wanted.contains(&true) {
            (extra_len <= MAX_ZIP64_EXTRA).then_some(())?;
            let extra = bytes_at(data, name_start + name_len, extra_len)?;
            let [uncompressed, compressed, _] = zip64_extra(extra, wanted)?;
            entry.uncompressed_size = uncompressed.unwrap_or(entry.uncompressed_size);
            entry.compressed_size = compressed.unwrap_or(entry.compressed_size);
        }
        Some((entry, next))
    }
}

/// Whether the four bytes at `offset` are `signature`.
fn has_signature(data: &[u8], offset: u64, signature: u32) -> bool {
    usize::try_from(offset).ok().and_then(|o| u32_le(data, o)) == Some(signature)
}

/// The last end-of-central-directory record within the archive comment's
/// reach of the end whose comment fits in the file.
fn find_end_of_directory(data: &[u8]) -> Option<usize> {
    let window = data.len().min(END_OF_DIRECTORY_LEN + usize::from(u16::MAX));
    let start = data.len() - window;
    (start..=data.len().checked_sub(END_OF_DIRECTORY_LEN)?).rev().find(|&at| {
        u32_le(data, at) == Some(END_OF_DIRECTORY)
            && u16_le(data, at + 20).is_some_and(|comment| {
                at + END_OF_DIRECTORY_LEN + usize::from(comment) <= data.len()
            })
    })
}

/// The zip64 end record the locator before `eocd` points to (or that lies
/// shortly before the locator when the pointer is wrong).
fn zip64_directory(data: &[u8], eocd: usize) -> Option<Directory> {
    let locator = eocd.checked_sub(ZIP64_LOCATOR_LEN)?;
    (u32_le(data, locator)? == ZIP64_LOCATOR).then_some(())?;
    let one_disk = u32_le(data, locator + 4)? == 0 && u32_le(data, locator + 16)? == 1;
    one_disk.then_some(())?;
    let stated = u64_le(data, locator + 8)?;
    let record = if has_signature(data, stated, ZIP64_END_OF_DIRECTORY) {
        usize::try_from(stated).ok()?
    } else {
        let from = locator.saturating_sub(ZIP64_SEARCH_WINDOW);
        (from..locator.checked_sub(4)? + 1)
            .rev()
            .find(|&at| u32_le(data, at) == Some(ZIP64_END_OF_DIRECTORY))?
    };
    bytes_at(data, record, ZIP64_END_OF_DIRECTORY_LEN)?;
    let record_len = u64_le(data, record + 4)?.checked_add(12)?;
    ((record as u64).checked_add(record_len)? <= data.len() as u64).then_some(())?;
    let one_disk = u32_le(data, record + 16)? == 0 && u32_le(data, record + 20)? == 0;
    one_disk.then_some(())?;
    Some(Directory {
        count: u64_le(data, record + 32)?,
        size: u64_le(data, record + 40)?,
        offset: u64_le(data, record + 48)?,
        end: record,
    })
}

/// The 64-bit values of the zip64 extra field for the `wanted` ones of
/// uncompressed size, compressed size and local header offset, in that
/// order; `None` when there is no such field or it is too short.
fn zip64_extra(mut extra: &[u8], wanted: [bool; 3]) -> Option<[Option<u64>; 3]> {
    while extra.len() >= 4 {
        let kind = u16_le(extra, 0)?;
        let len = usize::from(u16_le(extra, 2)?);
        let field = bytes_at(extra, 4, len)?;
        extra = &extra[4 + len..];
        if kind != 1 {
            continue;
        }
        let mut at = 0;
        let mut values = [None; 3];
        for (value, wanted) in values.iter_mut().zip(wanted) {
            if wanted {
                *value = Some(u64_le(field, at)?);
                at += 8;
            }
        }
        return Some(values);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored archive of `(name, content)` members, as a zip writer lays
    /// it out, after `prefix`.
    fn archive(prefix: &[u8], members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = prefix.to_vec();
        let mut directory = Vec::new();
        for (name, content) in members {
            let local = (out.len() - prefix.len()) as u32;
            let size = (content.len() as u32).to_le_bytes();
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&size);
            out.extend_from_slice(&size);
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(content);
            directory.extend_from_slice(&CENTRAL_HEADER.to_le_bytes());
            directory.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            directory.extend_from_slice(&size);
            directory.extend_from_slice(&size);
            directory.extend_from_slice(&(name.len() as u16).to_le_bytes());
            directory.extend_from_slice(&[0; 12]);
            directory.extend_from_slice(&local.to_le_bytes());
            directory.extend_from_slice(name.as_bytes());
        }
        let offset = (out.len() - prefix.len()) as u32;
        out.extend_from_slice(&directory);
        out.extend_from_slice(&END_OF_DIRECTORY.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        let count = (members.len() as u16).to_le_bytes();
        out.extend_from_slice(&count);
        out.extend_from_slice(&count);
        out.extend_from_slice(&(directory.len() as u32).to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn duplicate_names_are_kept() {
        let data = archive(b"", &[("a.txt", b"one"), ("a.txt", b"two")]);
        let zip = Archive::open(&data).expect("a zip");
        let paths: Vec<&[u8]> = zip.entries().map(|e| e.path).collect();
        assert_eq!(paths, [&b"a.txt"[..], b"a.txt"]);
        let sizes: Vec<u64> = zip.entries().map(|e| e.uncompressed_size).collect();
        assert_eq!(sizes, [3, 3]);
    }

    #[test]
    fn prepended_data_shifts_the_offsets() {
        let data = archive(b"Cr24 header bytes", &[("manifest.json", b"{}")]);
        let zip = Archive::open(&data).expect("a zip");
        assert_eq!(zip.entries().next().map(|e| e.path), Some(&b"manifest.json"[..]));
    }

    #[test]
    fn the_walk_stops_at_a_broken_record() {
        let mut data = archive(b"", &[("a", b"1"), ("b", b"2")]);
        let second = data.windows(4).rposition(|w| w == CENTRAL_HEADER.to_le_bytes()).unwrap();
        data[second] = b'X';
        let zip = Archive::open(&data).expect("still a zip");
        assert_eq!(zip.entries().count(), 1);
        assert!(Archive::open(b"PK\x05\x06").is_none());
        assert!(Archive::open(&data[..data.len() - 1]).is_none());
    }
}
