//! 7z with `sevenz-rust2`, the maintained pure-Rust 7z reader (LZMA, LZMA2,
//! PPMd, bzip2, deflate, BCJ filters, AES). Solid blocks are decoded in
//! order; the members of a block share its stream, so the whole archive's
//! expansion is metered against the archive's size. An encrypted archive
//! is reported (no password is tried).

use std::io::Cursor;
use std::ops::ControlFlow;

use sevenz_rust2::{ArchiveReader, EntryDecision, Password};

use super::{Body, Container, Member, Visit};
use crate::inputs::limits::{MAX_DICTIONARY, Meter, Packed};

/// A 7z archive in memory, its header read.
pub(super) struct SevenZ<'a> {
    reader: ArchiveReader<Cursor<&'a [u8]>>,
    size: u64,
    meter: Meter,
}

impl<'a> SevenZ<'a> {
    pub(super) fn open(data: &'a [u8], meter: &Meter) -> Result<Self, String> {
        let limit_kb = usize::try_from(MAX_DICTIONARY / 1024).unwrap_or(usize::MAX);
        let mut reader =
            ArchiveReader::new_with_memory_limit(Cursor::new(data), Password::empty(), limit_kb)
                .map_err(|e| format!("7z: {e}"))?;
        // Archives are already scanned in parallel, one per worker.
        reader.set_thread_count(1);
        Ok(Self { reader, size: data.len() as u64, meter: meter.clone() })
    }
}

impl Container for SevenZ<'_> {
    fn for_each_member(&mut self, visit: &mut Visit<'_>) -> Result<(), String> {
        let meter = &self.meter;
        let packed = Packed::Fixed(self.size);
        let mut stopped = false;
        let result = self.reader.for_each_entries_with_decision(|entry, reader| {
            if entry.is_directory() || !entry.has_stream() {
                return Ok(EntryDecision::Continue);
            }
            let mut metered = meter.wrap(reader, packed.clone());
            let member = Member {
                name: entry.name().to_owned(),
                size_hint: entry.size(),
                body: Body::Reader(&mut metered),
            };
            Ok(if visit(member) == ControlFlow::Break(()) {
                stopped = true;
                EntryDecision::Stop
            } else {
                EntryDecision::Continue
            })
        });
        match result {
            Err(_) if stopped => Ok(()),
            Err(e) => Err(format!("7z: {e}")),
            Ok(()) => Ok(()),
        }
    }
}
