//! ISO 9660 images (the format of `.iso` lures and installer discs), read
//! directly: no maintained crate reads an image from memory, and the part
//! needed (volume descriptors, directory records) is small. Joliet names
//! (UCS-2) are used when the image has them, else the primary names with
//! their `;1` version suffix removed. File members are slices of the image.

use std::collections::HashSet;
use std::ops::ControlFlow;

use super::{Body, Container, Member, Visit};
use crate::inputs::limits::MAX_ISO_DIRECTORY_DEPTH;

/// Every ISO 9660 structure is addressed in 2048-byte sectors.
const SECTOR: usize = 2048;
/// The first volume descriptor is in sector 16.
const FIRST_DESCRIPTOR: usize = 16;
/// Volume descriptors read before giving up on finding a terminator.
const MAX_DESCRIPTORS: usize = 64;
/// Where a descriptor holds its root directory record.
const ROOT_RECORD: usize = 156;
/// The directory bit of a record's flags.
const DIRECTORY: u8 = 0x02;

/// Whether `data` holds an ISO 9660 volume descriptor at sector 16.
pub(super) fn is_iso(data: &[u8]) -> bool {
    data.get(FIRST_DESCRIPTOR * SECTOR + 1..FIRST_DESCRIPTOR * SECTOR + 6) == Some(b"CD001")
}

/// One file found in the directory tree.
struct File {
    name: String,
    start: usize,
    length: usize,
}

/// An ISO 9660 image in memory, its directory tree read.
pub(super) struct Iso<'a> {
    data: &'a [u8],
    files: Vec<File>,
}

impl<'a> Iso<'a> {
    pub(super) fn open(data: &'a [u8]) -> Result<Self, String> {
        let (root, joliet) = root_record(data).ok_or("iso9660: no primary volume descriptor")?;
        let mut walker = Walker { data, joliet, files: Vec::new(), seen: HashSet::new() };
        walker.directory(root, "", 0)?;
        Ok(Self { data, files: walker.files })
    }
}

/// The root directory record, from the Joliet descriptor when there is
/// one, else from the primary one; and whether it is Joliet.
fn root_record(data: &[u8]) -> Option<(&[u8], bool)> {
    let mut primary = None;
    for index in 0..MAX_DESCRIPTORS {
        let at = (FIRST_DESCRIPTOR + index) * SECTOR;
        let descriptor = data.get(at..at + SECTOR)?;
        if &descriptor[1..6] != b"CD001" {
            return None;
        }
        let root = &descriptor[ROOT_RECORD..ROOT_RECORD + 34];
        match descriptor[0] {
            1 => primary = primary.or(Some(root)),
            2 if matches!(&descriptor[88..91], b"%/@" | b"%/C" | b"%/E") => {
                return Some((root, true));
            }
            255 => break,
            _ => {}
        }
    }
    primary.map(|root| (root, false))
}

struct Walker<'a> {
    data: &'a [u8],
    joliet: bool,
    files: Vec<File>,
    seen: HashSet<usize>,
}

impl Walker<'_> {
    /// Adds the files below the directory of `record` to `files`.
    fn directory(&mut self, record: &[u8], prefix: &str, depth: u32) -> Result<(), String> {
        let (start, length) = extent(record);
        if depth > MAX_ISO_DIRECTORY_DEPTH || !self.seen.insert(start) {
            return Ok(());
        }
        let data = self.data;
        let table = data
            .get(start..start.saturating_add(length))
            .ok_or("iso9660: directory beyond the end of the image")?;
        let mut at = 0;
        while at < table.len() {
            let size = usize::from(table[at]);
            if size == 0 {
                at = (at / SECTOR + 1) * SECTOR; // records never cross sectors
                continue;
            }
            let Some(entry) = table.get(at..at + size).filter(|e| e.len() >= 34) else {
                return Err("iso9660: truncated directory record".to_owned());
            };
            at += size;
            let name_length = usize::from(entry[32]);
            let Some(raw) = entry.get(33..33 + name_length) else { continue };
            if raw == [0] || raw == [1] {
                continue; // "." and ".."
            }
            let path = format!("{prefix}{}", self.name(raw));
            if entry[25] & DIRECTORY != 0 {
                self.directory(entry, &format!("{path}/"), depth + 1)?;
            } else {
                let (start, length) = extent(entry);
                self.files.push(File { name: path, start, length });
            }
        }
        Ok(())
    }

    fn name(&self, raw: &[u8]) -> String {
        let name = if self.joliet {
            let units: Vec<u16> =
                raw.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect();
            String::from_utf16_lossy(&units)
        } else {
            String::from_utf8_lossy(raw).into_owned()
        };
        let name = name.split_once(';').map_or(name.as_str(), |(base, _)| base);
        name.strip_suffix('.').unwrap_or(name).to_owned()
    }
}

/// The byte range a directory record points at.
fn extent(record: &[u8]) -> (usize, usize) {
    let word = |at: usize| {
        usize::try_from(u32::from_le_bytes([
            record[at],
            record[at + 1],
            record[at + 2],
            record[at + 3],
        ]))
        .unwrap_or(usize::MAX)
    };
    (word(2).saturating_mul(SECTOR), word(10))
}

impl Container for Iso<'_> {
    fn for_each_member(&mut self, visit: &mut Visit<'_>) -> Result<(), String> {
        for file in &self.files {
            let body = match self.data.get(file.start..file.start.saturating_add(file.length)) {
                Some(bytes) => Body::Bytes(bytes),
                None => Body::Problem("iso9660: file extent beyond the end of the image".into()),
            };
            let member = Member { name: file.name.clone(), size_hint: file.length as u64, body };
            if visit(member) == ControlFlow::Break(()) {
                break;
            }
        }
        Ok(())
    }
}
