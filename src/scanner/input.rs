//! Loading one file to scan: read small files, map large ones.
//!
//! Reading a small file costs one `read` call; mapping costs page-table
//! setup and a page fault per 4 KiB, which only pays off for large files (the
//! same trade-off ripgrep and YARA-X make). Above [`LoadOptions::mmap_threshold`]
//! the file is mapped with memmap2 instead of copied.
//!
//! A mapped file can shrink while it is scanned; touching a page past the new
//! end raises `SIGBUS`, which would kill the process. This module installs a
//! `SIGBUS` handler once: when the faulting address lies inside one of our
//! live mappings, it maps a zero page over the faulting page and marks the
//! mapping, so the scan reads zeros, finishes, and the caller reports the file
//! as changed during the scan instead of trusting its results. Faults
//! anywhere else are handed back to the previous disposition. This is the
//! crate's only `unsafe` code.

#![allow(unsafe_code)]

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use memmap2::Mmap;

/// How to load files.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Files at least this large are mapped instead of read.
    pub mmap_threshold: u64,
    /// Never map, always read (`--no-mmap`).
    pub no_mmap: bool,
    /// Refuse files larger than this.
    pub max_filesize: Option<u64>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { mmap_threshold: 16 << 20, no_mmap: false, max_filesize: None }
    }
}

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Opening, inspecting or reading failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The file is larger than `--max-filesize`.
    #[error("file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size of the file.
        size: u64,
        /// The configured limit.
        limit: u64,
    },
    /// Not a regular file (a FIFO, device or socket): reading it could block
    /// forever or never end.
    #[error("not a regular file")]
    NotRegular,
}

/// The bytes of one file, owned or mapped.
#[derive(Debug)]
pub enum Input {
    /// Read into memory.
    Owned(Vec<u8>),
    /// Mapped, with a guard against truncation.
    Mapped(GuardedMap),
}

impl Input {
    /// Whether the file shrank while it was mapped, so some of what was
    /// scanned was zeros standing in for lost pages.
    #[must_use]
    pub fn was_truncated(&self) -> bool {
        match self {
            Input::Owned(_) => false,
            Input::Mapped(map) => map.was_truncated(),
        }
    }
}

impl Deref for Input {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Input::Owned(bytes) => bytes,
            Input::Mapped(map) => &map.map,
        }
    }
}

/// Loads `path` as `options` say. Only regular files are loaded.
///
/// # Errors
/// [`LoadError`] when the file cannot be opened or read, is not a regular
/// file, or is over the size limit.
pub fn load(path: &Path, options: &LoadOptions) -> Result<Input, LoadError> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(LoadError::NotRegular);
    }
    let size = metadata.len();
    if let Some(limit) = options.max_filesize.filter(|&limit| size > limit) {
        return Err(LoadError::TooLarge { size, limit });
    }
    if !options.no_mmap
        && size >= options.mmap_threshold
        && size > 0
        && let Some(map) = GuardedMap::new(&file)?
    {
        return Ok(Input::Mapped(map));
    }
    read_bounded(file, size, options.max_filesize)
}

/// Reads a file whose size was `size` when it was opened. The file may grow
/// meanwhile: never read more than the size limit allows.
fn read_bounded(file: File, size: u64, limit: Option<u64>) -> Result<Input, LoadError> {
    let cap = limit.unwrap_or(u64::MAX);
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(cap)).unwrap_or(0));
    let _ = file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    let read = bytes.len() as u64;
    if read > cap {
        return Err(LoadError::TooLarge { size: read, limit: cap });
    }
    Ok(Input::Owned(bytes))
}

/// How many mappings can be guarded at once; one per scanning thread is
/// enough, the rest fall back to reading.
const SLOTS: usize = 256;

/// One live mapping the `SIGBUS` handler may repair. `len == 0` is free.
struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    faulted: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE_SLOT: Slot =
    Slot { start: AtomicUsize::new(0), len: AtomicUsize::new(0), faulted: AtomicBool::new(false) };
static GUARDED: [Slot; SLOTS] = [FREE_SLOT; SLOTS];
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(4096);
static INSTALL: Once = Once::new();
/// The `SIGBUS` disposition before ours, restored for faults not ours.
static mut PREVIOUS: Option<libc::sigaction> = None;

/// A read-only mapping registered with the `SIGBUS` guard.
#[derive(Debug)]
pub struct GuardedMap {
    map: Mmap,
    slot: usize,
}

impl GuardedMap {
    /// Maps `file`, or returns `None` when every guard slot is taken (the
    /// caller then reads the file instead).
    fn new(file: &File) -> io::Result<Option<Self>> {
        install_handler();
        // SAFETY: the mapping is read-only and private to this process. The
        // one hazard, the file shrinking under it, raises SIGBUS, which the
        // handler installed above repairs for every address range registered
        // in `GUARDED`; the range is registered before any byte is read.
        let map = unsafe { Mmap::map(file)? };
        let start = map.as_ptr() as usize;
        for (index, slot) in GUARDED.iter().enumerate() {
            if slot.len.compare_exchange(0, usize::MAX, Ordering::AcqRel, Ordering::Relaxed).is_ok()
            {
                slot.faulted.store(false, Ordering::Relaxed);
                slot.start.store(start, Ordering::Relaxed);
                slot.len.store(map.len(), Ordering::Release);
                return Ok(Some(Self { map, slot: index }));
            }
        }
        Ok(None)
    }

    fn was_truncated(&self) -> bool {
        GUARDED[self.slot].faulted.load(Ordering::Acquire)
    }
}

impl Drop for GuardedMap {
    fn drop(&mut self) {
        // Unregister first: after this the handler no longer treats the range
        // as ours; the mapping itself goes when `map` is dropped.
        GUARDED[self.slot].len.store(0, Ordering::Release);
    }
}

fn install_handler() {
    INSTALL.call_once(|| {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if let Ok(page) = usize::try_from(page) {
            PAGE_SIZE.store(page.max(1), Ordering::Relaxed);
        }
        // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value;
        // the handler has the SA_SIGINFO signature; PREVIOUS is written
        // once, here, before the handler can run (it is installed by this
        // very call), and only read by the handler afterwards.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
            let _ = libc::sigemptyset(&raw mut action.sa_mask);
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, &raw const action, &raw mut previous) == 0 {
                PREVIOUS = Some(previous);
            }
        }
    });
}

/// The `SIGBUS` handler. Only async-signal-safe work: atomics and `mmap`.
extern "C" fn on_sigbus(
    _signal: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let address = unsafe { (*info).si_addr() } as usize;
    let page = PAGE_SIZE.load(Ordering::Relaxed);
    for slot in &GUARDED {
        let len = slot.len.load(Ordering::Acquire);
        let start = slot.start.load(Ordering::Relaxed);
        if len == 0 || len == usize::MAX || address < start || address - start >= len {
            continue;
        }
        let page_start = address & !(page - 1);
        // SAFETY: the page lies inside a live read-only mapping we own;
        // replacing it with a zero page changes nothing but its contents.
        let mapped = unsafe {
            libc::mmap(
                page_start as *mut libc::c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if mapped != libc::MAP_FAILED {
            slot.faulted.store(true, Ordering::Release);
            return;
        }
    }
    // Not ours: restore the previous disposition and return, so the fault
    // repeats and is handled (or kills the process) as it would without us.
    // SAFETY: PREVIOUS was written before this handler was installed.
    unsafe {
        let previous: *const Option<libc::sigaction> = &raw const PREVIOUS;
        if let Some(previous) = (*previous).as_ref() {
            let _ = libc::sigaction(libc::SIGBUS, previous, std::ptr::null_mut());
        } else {
            let _ = libc::signal(libc::SIGBUS, libc::SIG_DFL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn options(threshold: u64) -> LoadOptions {
        LoadOptions { mmap_threshold: threshold, ..LoadOptions::default() }
    }

    #[test]
    fn small_files_are_read_and_large_ones_mapped() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"hello world").unwrap();
        let read = load(file.path(), &options(1 << 20)).unwrap();
        assert!(matches!(read, Input::Owned(_)));
        assert_eq!(&*read, b"hello world");
        let mapped = load(file.path(), &options(4)).unwrap();
        assert!(matches!(mapped, Input::Mapped(_)));
        assert_eq!(&*mapped, b"hello world");
        assert!(!mapped.was_truncated());
    }

    #[test]
    fn size_limit_is_enforced() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&[0; 100]).unwrap();
        let opts = LoadOptions { max_filesize: Some(99), ..LoadOptions::default() };
        assert!(matches!(
            load(file.path(), &opts),
            Err(LoadError::TooLarge { size: 100, limit: 99 })
        ));
    }

    #[test]
    fn directories_are_not_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(load(dir.path(), &LoadOptions::default()), Err(LoadError::NotRegular)));
    }

    #[test]
    fn truncation_under_a_mapping_reads_zeros_instead_of_crashing() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&vec![0xAB; 1 << 20]).unwrap();
        let input = load(file.path(), &options(1)).unwrap();
        file.as_file().set_len(4096).unwrap();
        let sum: u64 = input.iter().map(|&b| u64::from(b)).sum();
        assert_eq!(sum, 4096 * 0xAB, "pages past the new end read as zeros");
        assert!(input.was_truncated());
    }
}
