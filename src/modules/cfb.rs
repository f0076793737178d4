//! Reading compound files ([MS-CFB]), the container of OLE documents
//! (`.doc`, `.xls`, `.msi`, HWP 5 documents, VBA projects), shared by the
//! `olecf`, `vba` and `msi` modules. It knows nothing of any of them.
//!
//! A compound file is a small file system: a header, then sectors of 512
//! (version 3) or 4,096 (version 4) bytes. The FAT chains sectors into
//! streams; the sectors holding the FAT itself are listed by the DIFAT (109
//! entries in the header, more in DIFAT sectors). A directory stream holds
//! 128-byte entries, storages and streams, each a node of a red-black tree
//! of siblings hanging off its parent storage's `child`. Streams shorter
//! than the header's cut-off (4,096 bytes in every sound file) live in the
//! mini stream (the root entry's data), in 64-byte mini sectors chained by
//! the mini FAT.
//!
//! Everything here is bounded by the input: a chain stops at the first
//! sector outside the file and never runs longer than the file has
//! sectors, so cycles and lying sizes cost at most one pass over the file.
//! The chains read once when opening (the directory, the mini FAT, the
//! mini stream) also stop at a sector met before, the DIFAT is read no
//! further than the FAT the file's size needs, and the mini stream ends
//! where the root entry's size says, so that a stream cannot read the
//! sectors of the mini stream's chain that lie past it.

use crate::modules::binary::{u16_le, u32_le, u64_le};

/// The first eight bytes of every compound file.
pub(crate) const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Directory entries read; later ones are left out. Each costs 128 bytes
/// of input, so only files over 8 MiB of directory reach the cap.
pub(crate) const MAX_ENTRIES: usize = 65_536;

/// Sector numbers from this one up are markers (`ENDOFCHAIN`, `FREESECT`,
/// ...), not sectors.
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
/// A sibling or child id meaning "none".
const NO_STREAM: u32 = 0xFFFF_FFFF;
/// Size of a directory entry.
const ENTRY_SIZE: usize = 128;
/// Size of a mini sector.
const MINI_SECTOR_SIZE: usize = 64;
/// DIFAT entries in the header.
const HEADER_DIFAT_ENTRIES: usize = 109;

/// The kind of a directory entry (`ObjectType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryType {
    Storage,
    Stream,
    Root,
}

/// One directory entry in use.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Index in the directory (the entry's stream id).
    pub id: u32,
    /// The name, decoded from UTF-16 up to its terminator; an unpaired
    /// surrogate becomes U+FFFD.
    pub name: String,
    /// The name as stored: its UTF-16 units up to the terminator. Formats
    /// that order or pack names by their units (MSI) read these.
    pub units: Vec<u16>,
    pub kind: EntryType,
    /// The class id of a storage (all zeros in streams).
    pub clsid: [u8; 16],
    pub left: u32,
    pub right: u32,
    pub child: u32,
    start: u32,
    /// The stream size: for 512-byte sectors only its low 32 bits count,
    /// as [MS-CFB] says readers of version 3 files must do.
    pub size: u64,
}

/// A compound file whose header is valid and whose directory was read.
pub(crate) struct CompoundFile<'a> {
    data: &'a [u8],
    shift: u32,
    /// Sectors that lie entirely within the input.
    sectors: u32,
    /// The FAT's own sectors, in order.
    fat_sectors: Vec<u32>,
    /// The mini FAT's sectors, in order.
    mini_fat_sectors: Vec<u32>,
    /// The root entry's sectors: the mini stream.
    mini_stream_sectors: Vec<u32>,
    /// The mini stream's length: the root entry's size.
    mini_stream_size: u64,
    /// Streams shorter than this live in the mini stream. The header
    /// says, as olefile and libgsf (msitools) read it; [MS-CFB] requires
    /// 4,096.
    mini_cutoff: u64,
    /// Entries in use (storages, streams, the root), in directory order.
    pub entries: Vec<Entry>,
}

impl<'a> CompoundFile<'a> {
    /// Opens `data`; `None` when it is not a compound file: no signature,
    /// a byte order other than little-endian, a sector size other than 512
    /// or 4,096 bytes, or a first directory sector outside the file.
    pub(crate) fn open(data: &'a [u8]) -> Option<Self> {
        (data.get(..8)? == SIGNATURE).then_some(())?;
        (u16_le(data, 28)? == 0xFFFE).then_some(())?;
        let shift = u32::from(u16_le(data, 30)?);
        (shift == 9 || shift == 12).then_some(())?;
        let sectors = u32::try_from((data.len() >> shift).saturating_sub(1)).unwrap_or(u32::MAX);
        let mut file = CompoundFile {
            data,
            shift,
            sectors,
            fat_sectors: Vec::new(),
            mini_fat_sectors: Vec::new(),
            mini_stream_sectors: Vec::new(),
            mini_stream_size: 0,
            mini_cutoff: u64::from(u32_le(data, 56)?),
            entries: Vec::new(),
        };
        file.fat_sectors = file.difat(u32_le(data, 68)?);
        let first_directory = u32_le(data, 48)?;
        (first_directory < sectors).then_some(())?;
        file.mini_fat_sectors = file.chain(u32_le(data, 60)?);
        file.entries = file.directory(first_directory);
        if let Some(&Entry { start, size, .. }) = file.root() {
            file.mini_stream_sectors = file.chain(start);
            file.mini_stream_size = size;
        }
        Some(file)
    }

    /// The root storage: entry 0, when it is one. Its data is the mini
    /// stream; a root entry elsewhere is damage and is not used.
    pub(crate) fn root(&self) -> Option<&Entry> {
        self.by_id(0).filter(|e| e.kind == EntryType::Root)
    }

    fn sector_size(&self) -> usize {
        1 << self.shift
    }

    /// The bytes of sector `n`, when it lies within the input.
    fn sector(&self, n: u32) -> Option<&'a [u8]> {
        if n >= self.sectors {
            return None;
        }
        let start = (n as usize + 1) << self.shift;
        self.data.get(start..start + self.sector_size())
    }

    /// The FAT sectors: the header's DIFAT entries, then those of the DIFAT
    /// sectors chained from `first`. No more are kept than the FAT needs
    /// to describe every sector of the file.
    fn difat(&self, first: u32) -> Vec<u32> {
        let per_sector = self.sector_size() / 4;
        let needed = (self.sectors as usize).div_ceil(per_sector);
        let header = (0..HEADER_DIFAT_ENTRIES).filter_map(|i| u32_le(self.data, 76 + 4 * i));
        let mut fat: Vec<u32> = header.take(needed).collect();
        let mut next = first;
        let mut visited = 0;
        while fat.len() < needed && next < MAX_REGULAR_SECTOR && visited < self.sectors {
            let Some(sector) = self.sector(next) else { break };
            let entries = (0..per_sector - 1).filter_map(|i| u32_le(sector, 4 * i));
            fat.extend(entries.take(needed - fat.len()));
            next = u32_le(sector, 4 * (per_sector - 1)).unwrap_or(NO_STREAM);
            visited += 1;
        }
        fat
    }

    /// The FAT's entry for sector `n`: the next sector of its chain.
    fn next_sector(&self, n: u32) -> Option<u32> {
        let per_sector = self.sector_size() / 4;
        let fat_sector = *self.fat_sectors.get(n as usize / per_sector)?;
        u32_le(self.sector(fat_sector)?, 4 * (n as usize % per_sector))
    }

    /// The chain of sectors from `start`, up to its end, a sector outside
    /// the file, or a sector met before (a cycle).
    fn chain(&self, start: u32) -> Vec<u32> {
        let mut chain = Vec::new();
        let mut seen = vec![false; self.sectors as usize];
        let mut current = start;
        while current < self.sectors && !std::mem::replace(&mut seen[current as usize], true) {
            chain.push(current);
            match self.next_sector(current) {
                Some(next) => current = next,
                None => break,
            }
        }
        chain
    }

    /// The directory's entries in use, from the chain at `first`.
    fn directory(&self, first: u32) -> Vec<Entry> {
        let per_sector = self.sector_size() / ENTRY_SIZE;
        let mut entries = Vec::new();
        for (index, sector) in self.chain(first).into_iter().enumerate() {
            let Some(bytes) = self.sector(sector) else { break };
            for (slot, raw) in bytes.chunks_exact(ENTRY_SIZE).enumerate() {
                let id = u32::try_from(index * per_sector + slot).unwrap_or(u32::MAX);
                if entries.len() < MAX_ENTRIES
                    && let Some(entry) = self.entry(id, raw)
                {
                    entries.push(entry);
                }
            }
        }
        entries
    }

    /// The entry in the 128 bytes `raw`, when it is in use.
    fn entry(&self, id: u32, raw: &[u8]) -> Option<Entry> {
        let kind = match raw[66] {
            1 => EntryType::Storage,
            2 => EntryType::Stream,
            5 => EntryType::Root,
            _ => return None,
        };
        let name_len = usize::from(u16_le(raw, 64)?).min(64);
        let units: Vec<u16> = raw[..name_len]
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .take_while(|&unit| unit != 0)
            .collect();
        let size = u64_le(raw, 120)?;
        Some(Entry {
            id,
            name: String::from_utf16_lossy(&units),
            units,
            kind,
            clsid: raw[80..96].try_into().ok()?,
            left: u32_le(raw, 68)?,
            right: u32_le(raw, 72)?,
            child: u32_le(raw, 76)?,
            start: u32_le(raw, 116)?,
            size: if self.shift == 9 { size & 0xFFFF_FFFF } else { size },
        })
    }

    /// The entry with stream id `id`.
    fn by_id(&self, id: u32) -> Option<&Entry> {
        self.entries.binary_search_by_key(&id, |e| e.id).ok().map(|i| &self.entries[i])
    }

    /// The entries directly inside `storage`, in directory order: the tree
    /// of siblings under its `child`, each entry visited once however the
    /// links loop, and never `storage` itself nor the root.
    pub(crate) fn children(&self, storage: &Entry) -> Vec<&Entry> {
        let mut seen = std::collections::HashSet::from([storage.id, 0]);
        let mut pending = vec![storage.child];
        let mut children = Vec::new();
        while let Some(id) = pending.pop() {
            if id == NO_STREAM || !seen.insert(id) {
                continue;
            }
            let Some(entry) = self.by_id(id) else { continue };
            children.push(entry);
            pending.extend([entry.left, entry.right]);
        }
        children.sort_by_key(|e| e.id);
        children
    }

    /// The child of `storage` named `name`, compared without regard to
    /// case as [MS-CFB] compares names.
    pub(crate) fn child(&self, storage: &Entry, name: &str) -> Option<&Entry> {
        self.children(storage).into_iter().find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The data of `entry`, at most `limit` bytes of it (`usize::MAX`: the
    /// whole stream, which the file's sector count still bounds). A chain
    /// shorter than the size gives what it holds.
    pub(crate) fn read(&self, entry: &Entry, limit: usize) -> Vec<u8> {
        let size = usize::try_from(entry.size).unwrap_or(usize::MAX).min(limit);
        if entry.size < self.mini_cutoff && entry.kind != EntryType::Root {
            return self.read_mini(entry.start, size);
        }
        let mut data = Vec::new();
        let mut current = entry.start;
        let mut steps = 0;
        while data.len() < size && steps < self.sectors {
            steps += 1;
            let Some(sector) = self.sector(current) else { break };
            data.extend_from_slice(&sector[..sector.len().min(size - data.len())]);
            match self.next_sector(current) {
                Some(next) => current = next,
                None => break,
            }
        }
        data
    }

    /// `size` bytes of the mini stream chain from mini sector `start`,
    /// within the root entry's size.
    fn read_mini(&self, start: u32, size: usize) -> Vec<u8> {
        let per_sector = self.sector_size() / MINI_SECTOR_SIZE;
        let stored = usize::try_from(self.mini_stream_size).unwrap_or(usize::MAX);
        let mini_sectors =
            (self.mini_stream_sectors.len() * per_sector).min(stored.div_ceil(MINI_SECTOR_SIZE));
        let mut data = Vec::new();
        let mut current = start as usize;
        let mut steps = 0;
        while data.len() < size && current < mini_sectors && steps < mini_sectors {
            steps += 1;
            let sector = self.mini_stream_sectors[current / per_sector];
            let Some(bytes) = self.sector(sector) else { break };
            let offset = (current % per_sector) * MINI_SECTOR_SIZE;
            let in_stream = MINI_SECTOR_SIZE.min(stored - current * MINI_SECTOR_SIZE);
            let chunk = &bytes[offset..offset + in_stream];
            data.extend_from_slice(&chunk[..chunk.len().min(size - data.len())]);
            match self.next_mini_sector(current) {
                Some(next) => current = next as usize,
                None => break,
            }
        }
        data
    }

    /// The mini FAT's entry for mini sector `n`.
    fn next_mini_sector(&self, n: usize) -> Option<u32> {
        let per_sector = self.sector_size() / 4;
        let sector = *self.mini_fat_sectors.get(n / per_sector)?;
        u32_le(self.sector(sector)?, 4 * (n % per_sector))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A version 3 file: header, the FAT in sector 0, the directory in
    /// sector 1 (up to four entries: name, type, child, size, start), then
    /// `sectors`, chained by `fat`.
    pub(crate) fn file(
        entries: &[(&str, u8, u32, u64, u32)],
        sectors: &[&[u8]],
        fat: &[u32],
    ) -> Vec<u8> {
        let mut data = vec![0u8; 512];
        data[..8].copy_from_slice(&SIGNATURE);
        data[26..28].copy_from_slice(&3u16.to_le_bytes());
        data[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
        data[30..32].copy_from_slice(&9u16.to_le_bytes());
        data[48..52].copy_from_slice(&1u32.to_le_bytes());
        data[56..60].copy_from_slice(&4096u32.to_le_bytes());
        data[60..64].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        data[68..72].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        for i in 0..HEADER_DIFAT_ENTRIES {
            let v: u32 = if i == 0 { 0 } else { NO_STREAM };
            data[76 + 4 * i..80 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        let mut fat_sector = vec![0xFFu8; 512];
        for (i, v) in fat.iter().enumerate() {
            fat_sector[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        data.extend(fat_sector);
        let mut directory = vec![0u8; 512];
        for (i, &(name, kind, child, size, start)) in entries.iter().enumerate() {
            let raw = &mut directory[i * 128..(i + 1) * 128];
            let units: Vec<u8> =
                name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
            raw[..units.len()].copy_from_slice(&units);
            raw[64..66].copy_from_slice(&(units.len() as u16).to_le_bytes());
            raw[66] = kind;
            raw[68..76].copy_from_slice(&[0xFF; 8]);
            raw[76..80].copy_from_slice(&child.to_le_bytes());
            raw[116..120].copy_from_slice(&start.to_le_bytes());
            raw[120..128].copy_from_slice(&size.to_le_bytes());
        }
        data.extend(directory);
        for sector in sectors {
            let mut s = sector.to_vec();
            s.resize(512, 0);
            data.extend(s);
        }
        data
    }

    pub(crate) const END: u32 = 0xFFFF_FFFE;

    #[test]
    fn entries_and_regular_streams_are_read() {
        let sectors: Vec<Vec<u8>> = (1..=9).map(|v| vec![v; 512]).collect();
        let sectors: Vec<&[u8]> = sectors.iter().map(Vec::as_slice).collect();
        let data = file(
            &[("Root Entry", 5, 1, 0, END), ("Big", 2, NO_STREAM, 4600, 2)],
            &sectors,
            &[0xFFFF_FFFD, END, 3, 4, 5, 6, 7, 8, 9, 10, END],
        );
        let file = CompoundFile::open(&data).expect("a compound file");
        let names: Vec<&str> = file.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Root Entry", "Big"]);
        let root = &file.entries[0];
        let big = file.child(root, "BIG").expect("found without regard to case");
        let content = file.read(big, usize::MAX);
        assert_eq!(content.len(), 4600);
        assert_eq!((content[0], content[4599]), (1, 9));
        assert_eq!(file.read(big, 10).len(), 10);
    }

    #[test]
    fn cycles_and_lies_end_reads() {
        // Sector 2 points to itself; the stream claims 1 MiB.
        let data = file(
            &[("Root Entry", 5, 1, 0, END), ("Loop", 2, 1, 1 << 20, 2)],
            &[&[9; 512]],
            &[0xFFFF_FFFD, END, 2],
        );
        let file = CompoundFile::open(&data).expect("a compound file");
        // The entry's child points to itself too.
        assert_eq!(file.children(&file.entries[0]).len(), 1);
        assert_eq!(file.read(&file.entries[1], usize::MAX).len(), 512 * 3);
    }

    #[test]
    fn small_streams_are_read_from_the_mini_stream_within_the_root_size() {
        // Sector 2 holds the mini stream, whose root entry claims two mini
        // sectors; sector 3 is the mini FAT: 0 -> 1 -> end, 2 -> end.
        let mini: Vec<u8> = (0..8).flat_map(|v| [v; 64]).collect();
        let mini_fat: Vec<u8> = [1, END, END].iter().flat_map(|v: &u32| v.to_le_bytes()).collect();
        let mut data = file(
            &[("Root Entry", 5, 1, 128, 2), ("Small", 2, NO_STREAM, 100, 0), ("Past", 2, 1, 64, 2)],
            &[&mini, &mini_fat],
            &[0xFFFF_FFFD, END, END, END],
        );
        data[60..64].copy_from_slice(&3u32.to_le_bytes());
        data[512 + 512 + 128 + 80] = 0xC1;
        let file = CompoundFile::open(&data).expect("a compound file");
        let small = file.read(&file.entries[1], usize::MAX);
        assert_eq!((small.len(), small[63], small[64]), (100, 0, 1));
        assert_eq!(file.entries[1].clsid[0], 0xC1);
        // Mini sector 2 lies in the mini stream's sector, past its size.
        assert!(file.read(&file.entries[2], usize::MAX).is_empty());
    }

    #[test]
    fn children_leave_out_their_storage_and_the_root() {
        // The root's child links back to the root, and the storage's child
        // is itself.
        let mut data = file(
            &[("Root Entry", 5, 1, 0, END), ("Storage", 1, 1, 0, END)],
            &[],
            &[0xFFFF_FFFD, END],
        );
        data[512 + 512 + 128 + 68..][..4].copy_from_slice(&0u32.to_le_bytes());
        let file = CompoundFile::open(&data).expect("a compound file");
        let root = file.root().expect("entry 0 is the root");
        assert_eq!(file.children(root).len(), 1);
        assert!(file.children(&file.entries[1]).is_empty());
    }

    #[test]
    fn other_files_are_refused() {
        assert!(CompoundFile::open(b"").is_none());
        assert!(CompoundFile::open(&SIGNATURE).is_none());
        let mut data = file(&[("Root Entry", 5, NO_STREAM, 0, END)], &[], &[]);
        data[30] = 10;
        assert!(CompoundFile::open(&data).is_none());
    }
}
