//! A reader of OLE compound files (Compound File Binary, `[MS-CFB]`), the
//! container of MSI packages, Office 97 documents and other "structured
//! storage": a small FAT file system inside one file.
//!
//! The file is cut into sectors (512 or 4096 bytes). A FAT chains the
//! sectors of each stream; the sectors holding the FAT are listed by the
//! header and by DIFAT sectors. The directory is itself a stream of
//! 128-byte entries, each a storage (folder) or a stream (file); the
//! children of a storage form a binary tree through `left`, `right` and
//! `child` links. Streams shorter than the mini-stream cut-off live in the
//! mini stream (the root entry's stream) in 64-byte mini sectors chained by
//! the mini FAT.
//!
//! Nothing here trusts the file: chains stop at a free or out-of-range
//! sector and after as many steps as the file has sectors (so a loop ends),
//! a stream never reads past its declared size, tree walks visit each entry
//! once, and the directory is cut at [`MAX_ENTRIES`]. The reader borrows the
//! input and allocates only the FAT tables and the streams it is asked for.
//! It knows nothing about MSI and can serve any compound-file format.

use crate::modules::binary::{u16_le, u32_le, u64_le};

/// The signature every compound file starts with.
pub const MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// At most this many directory entries are read: far above any real file
/// (an MSI has a few hundred), low enough to bound the work per input.
pub const MAX_ENTRIES: usize = 65_536;

/// Sector numbers at or above this are markers (free, end of chain, FAT).
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
/// The "no entry" link of the directory tree.
const NO_STREAM: u32 = 0xFFFF_FFFF;
/// Entries of the header's own DIFAT array.
const HEADER_DIFAT_ENTRIES: usize = 109;
const HEADER_SIZE: usize = 512;
const ENTRY_SIZE: usize = 128;
const MINI_SECTOR_SIZE: usize = 64;

/// What a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A folder of streams and storages.
    Storage,
    /// A file.
    Stream,
    /// The root storage (entry 0), which also owns the mini stream.
    Root,
    /// A free slot.
    Unused,
}

/// One directory entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name as stored, UTF-16 code units without the terminating NUL.
    pub name: Vec<u16>,
    /// Storage, stream or root.
    pub kind: EntryKind,
    /// The class id of a storage (all zeros for streams).
    pub clsid: [u8; 16],
    /// The stream's size in bytes.
    pub size: u64,
    start: u32,
    left: u32,
    right: u32,
    child: u32,
}

impl Entry {
    /// The name as text; unpaired surrogates become U+FFFD.
    #[must_use]
    pub fn name_string(&self) -> String {
        String::from_utf16_lossy(&self.name)
    }
}

/// An index into [`Cfb::entries`].
pub type EntryId = usize;

/// A parsed compound file, borrowing the input.
#[derive(Debug)]
pub struct Cfb<'a> {
    data: &'a [u8],
    sector_size: usize,
    fat: Vec<u32>,
    mini_fat: Vec<u32>,
    mini_cutoff: u64,
    entries: Vec<Entry>,
    /// The mini stream (the root entry's data), read once.
    mini_stream: Vec<u8>,
}

impl<'a> Cfb<'a> {
    /// Opens `data` as a compound file; `None` when the header is not one
    /// or the directory cannot be found. Damage further in (a broken
    /// chain, an entry pointing nowhere) only makes some streams shorter.
    #[must_use]
    pub fn parse(data: &'a [u8]) -> Option<Self> {
        if data.get(..8)? != MAGIC || data.len() < HEADER_SIZE {
            return None;
        }
        let sector_shift = u16_le(data, 0x1E)?;
        let sector_size = match sector_shift {
            9 | 12 => 1usize << sector_shift,
            _ => return None,
        };
        let mut cfb = Cfb {
            data,
            sector_size,
            fat: Vec::new(),
            mini_fat: Vec::new(),
            mini_cutoff: u64::from(u32_le(data, 0x38)?),
            entries: Vec::new(),
            mini_stream: Vec::new(),
        };
        cfb.fat = cfb.read_fat()?;
        let directory = cfb.chain_bytes(u32_le(data, 0x30)?, usize::MAX);
        cfb.entries = directory
            .chunks_exact(ENTRY_SIZE)
            .take(MAX_ENTRIES)
            .map_while(|raw| parse_entry(raw, sector_size))
            .collect();
        let root = cfb.entries.first().filter(|e| e.kind == EntryKind::Root)?.clone();
        let mini_fat_bytes = cfb.chain_bytes(u32_le(data, 0x3C)?, usize::MAX);
        cfb.mini_fat = mini_fat_bytes.chunks_exact(4).filter_map(|c| u32_le(c, 0)).collect();
        cfb.mini_stream = cfb.chain_bytes(root.start, clamp(root.size));
        Some(cfb)
    }

    /// The sector size (512 or 4096).
    #[must_use]
    pub fn sector_size(&self) -> usize {
        self.sector_size
    }

    /// Every directory entry read, the root first. Entries are in file
    /// order; [`Cfb::children`] gives the tree.
    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The root storage's id.
    #[must_use]
    pub const fn root() -> EntryId {
        0
    }

    /// The entries directly inside storage `storage`, in tree order; each
    /// entry at most once, whatever loops the links make.
    #[must_use]
    pub fn children(&self, storage: EntryId) -> Vec<EntryId> {
        let mut seen = vec![false; self.entries.len()];
        let mut out = Vec::new();
        let Some(first) = self.entries.get(storage).map(|e| e.child) else { return out };
        let mut pending = vec![first];
        while let Some(link) = pending.pop() {
            let Some(id) = self.link(link) else { continue };
            if std::mem::replace(&mut seen[id], true) || id == Self::root() {
                continue;
            }
            out.push(id);
            let entry = &self.entries[id];
            pending.push(entry.right);
            pending.push(entry.left);
        }
        out
    }

    /// The contents of stream `id`, cut short where its chain breaks;
    /// `None` for a storage or an unknown id.
    #[must_use]
    pub fn read(&self, id: EntryId) -> Option<Vec<u8>> {
        let entry = self.entries.get(id).filter(|e| e.kind == EntryKind::Stream)?;
        let size = clamp(entry.size);
        if entry.size < self.mini_cutoff {
            Some(self.mini_chain_bytes(entry.start, size))
        } else {
            Some(self.chain_bytes(entry.start, size))
        }
    }

    /// The entry a tree link names, if it names one.
    fn link(&self, link: u32) -> Option<EntryId> {
        if link == NO_STREAM {
            return None;
        }
        usize::try_from(link).ok().filter(|&i| i < self.entries.len())
    }

    /// The FAT: the sectors listed by the header's DIFAT array and the
    /// DIFAT sector chain, concatenated.
    fn read_fat(&self) -> Option<Vec<u32>> {
        let total_sectors = self.data.len() / self.sector_size;
        let mut fat_sectors: Vec<u32> = (0..HEADER_DIFAT_ENTRIES)
            .map_while(|i| u32_le(self.data, 0x4C + 4 * i))
            .filter(|&s| s <= MAX_REGULAR_SECTOR)
            .collect();
        let mut difat = u32_le(self.data, 0x44)?;
        // A sound file lists each of its sectors at most once, and its
        // DIFAT chain is no longer than the file.
        for _ in 0..total_sectors {
            if fat_sectors.len() >= total_sectors {
                break;
            }
            let Some(sector) = self.sector(difat) else { break };
            let words: Vec<u32> = sector.chunks_exact(4).filter_map(|c| u32_le(c, 0)).collect();
            let (&next, listed) = words.split_last()?;
            fat_sectors.extend(listed.iter().copied().filter(|&s| s <= MAX_REGULAR_SECTOR));
            difat = next;
        }
        fat_sectors.truncate(total_sectors);
        let fat = fat_sectors
            .iter()
            .filter_map(|&s| self.sector(s))
            .flat_map(|sector| sector.chunks_exact(4).filter_map(|c| u32_le(c, 0)))
            .collect();
        Some(fat)
    }

    /// Sector `n`, when it lies wholly inside the file.
    fn sector(&self, n: u32) -> Option<&'a [u8]> {
        if n > MAX_REGULAR_SECTOR {
            return None;
        }
        let start = (n as usize).checked_add(1)?.checked_mul(self.sector_size)?;
        self.data.get(start..start.checked_add(self.sector_size)?)
    }

    /// The bytes of the sector chain starting at `start`, at most `limit`.
    fn chain_bytes(&self, start: u32, limit: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut next = start;
        // A chain that does not loop visits each sector of the file once.
        for _ in 0..self.data.len() / self.sector_size {
            if out.len() >= limit {
                break;
            }
            let Some(sector) = self.sector(next) else { break };
            out.extend_from_slice(&sector[..sector.len().min(limit - out.len())]);
            match self.fat.get(next as usize) {
                Some(&n) => next = n,
                None => break,
            }
        }
        out
    }

    /// The bytes of the mini-sector chain starting at `start`, at most
    /// `limit`.
    fn mini_chain_bytes(&self, start: u32, limit: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut next = start;
        for _ in 0..self.mini_stream.len() / MINI_SECTOR_SIZE {
            if out.len() >= limit || next > MAX_REGULAR_SECTOR {
                break;
            }
            let offset = next as usize * MINI_SECTOR_SIZE;
            let Some(sector) = self.mini_stream.get(offset..offset + MINI_SECTOR_SIZE) else {
                break;
            };
            out.extend_from_slice(&sector[..MINI_SECTOR_SIZE.min(limit - out.len())]);
            match self.mini_fat.get(next as usize) {
                Some(&n) => next = n,
                None => break,
            }
        }
        out
    }
}

/// A declared size as a length to read (larger than memory: unbounded).
fn clamp(size: u64) -> usize {
    usize::try_from(size).unwrap_or(usize::MAX)
}

/// One 128-byte directory entry (free slots are kept, so entry ids stay
/// file positions); `None` ends the directory at the first entry of an
/// unknown type. Version 3 files (512-byte sectors) have 32-bit sizes
/// whose high half writers may leave dirty.
fn parse_entry(raw: &[u8], sector_size: usize) -> Option<Entry> {
    let kind = match raw[0x42] {
        0 => EntryKind::Unused,
        2 => EntryKind::Stream,
        1 => EntryKind::Storage,
        5 => EntryKind::Root,
        _ => return None,
    };
    let name_bytes = usize::from(u16_le(raw, 0x40)?).min(64);
    let mut name: Vec<u16> =
        raw[..name_bytes].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    if name.last() == Some(&0) {
        name.pop();
    }
    let mut clsid = [0; 16];
    clsid.copy_from_slice(&raw[0x50..0x60]);
    Some(Entry {
        name,
        kind,
        clsid,
        size: if sector_size == 512 { u64::from(u32_le(raw, 0x78)?) } else { u64_le(raw, 0x78)? },
        start: u32_le(raw, 0x74)?,
        left: u32_le(raw, 0x44)?,
        right: u32_le(raw, 0x48)?,
        child: u32_le(raw, 0x4C)?,
    })
}
