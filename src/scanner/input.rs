//! Loading one file to scan: read small files, map large ones.
//!
//! Reading a small file costs one `read` call; mapping costs page-table
//! setup and a page fault per 4 KiB, which only pays off for large files (the
//! same trade-off ripgrep and YARA-X make). Above [`LoadOptions::mmap_threshold`]
//! the file is mapped with memmap2 instead of copied.
//!
//! Only regular files are loaded, and [`open_regular`] looks before it
//! opens: opening a FIFO waits for a writer, reading a device or a socket
//! may never end. A file is read up to the size it had when it was opened
//! (one being appended to is read as it was, not followed), and never more
//! than [`LoadOptions::max_read`] bytes: a 64 GB sparse file under
//! `--no-mmap` is refused, not allocated. Files of `/proc` say they are
//! empty and are scanned as such, as YARA does.
//!
//! A mapped file can shrink while it is scanned; touching a page past the new
//! end raises `SIGBUS`, which would kill the process. This module installs a
//! `SIGBUS` handler once: when the faulting address lies inside one of our
//! live mappings, it maps a zero page over the faulting page and marks the
//! mapping, so the scan reads zeros, finishes, and the caller reports the file
//! as changed during the scan instead of trusting its results. A fault
//! anywhere else restores the previous disposition for good and returns,
//! so the faulting access runs again under it (by default the process is
//! killed, as it would be without the guard). Mappings are registered
//! after `mmap` returns and before any byte of them is read, and
//! unregistered before they are unmapped. This is the crate's only
//! `unsafe` code.

#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::ops::Deref;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
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
    /// Most bytes read into memory from one file (files that are not
    /// mapped): [`DEFAULT_MAX_READ`] unless `--max-filesize` says more.
    pub max_read: u64,
}

/// Most bytes read into memory from one file by default: 1 GiB per
/// scanning thread is as much as a scan should hold; larger files are
/// mapped, or refused under `--no-mmap`.
pub const DEFAULT_MAX_READ: u64 = 1 << 30;

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            mmap_threshold: 16 << 20,
            no_mmap: false,
            max_filesize: None,
            max_read: DEFAULT_MAX_READ,
        }
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
    /// The file is not mapped and larger than [`LoadOptions::max_read`].
    #[error(
        "file is {size} bytes, over the limit of {limit} bytes read into memory \
         (it is not mapped; --max-filesize raises the limit)"
    )]
    TooLargeToRead {
        /// Size of the file.
        size: u64,
        /// The read limit.
        limit: u64,
    },
    /// Not a regular file (a FIFO, device, socket or directory): opening
    /// or reading it could block forever or never end.
    #[error("not a regular file ({0})")]
    NotRegular(&'static str),
}

/// Opens `path` for reading if it is a regular file, without blocking:
/// the type is checked before opening (a FIFO would wait for a writer) and
/// again on the open file (the path may have changed in between).
///
/// # Errors
/// [`LoadError::NotRegular`] for anything else, [`LoadError::Io`] when
/// the file cannot be inspected or opened.
pub fn open_regular(path: &Path) -> Result<File, LoadError> {
    require_regular(&std::fs::metadata(path)?)?;
    let file =
        OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    require_regular(&file.metadata()?)?;
    Ok(file)
}

/// `Ok` for a regular file, else [`LoadError::NotRegular`] saying what it is.
///
/// # Errors
/// When `metadata` is not that of a regular file.
pub fn require_regular(metadata: &std::fs::Metadata) -> Result<(), LoadError> {
    let kind = metadata.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(LoadError::NotRegular(what))
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
    let file = open_regular(path)?;
    let size = file.metadata()?.len();
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
    let limit = options.max_read.max(options.max_filesize.unwrap_or(0));
    if size > limit {
        return Err(LoadError::TooLargeToRead { size, limit });
    }
    Ok(Input::Owned(read_snapshot(file, size)?))
}

/// Reads at most `size` bytes, the size of the file when it was opened:
/// a file that grows meanwhile is read as it was.
///
/// # Errors
/// When reading fails.
pub fn read_snapshot(file: File, size: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let _ = file.take(size).read_to_end(&mut bytes)?;
    Ok(bytes)
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
        // the handler has the SA_SIGINFO signature. The order makes PREVIOUS
        // safe to read from the handler: the current disposition is fetched
        // and stored in PREVIOUS first (without changing it), and only then
        // is the handler installed, so the handler never sees PREVIOUS being
        // written; `call_once` makes this the only write.
        unsafe {
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, std::ptr::null(), &raw mut previous) != 0 {
                return;
            }
            PREVIOUS = Some(previous);
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
            let _ = libc::sigemptyset(&raw mut action.sa_mask);
            let _ = libc::sigaction(libc::SIGBUS, &raw const action, std::ptr::null_mut());
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
        assert!(matches!(
            load(dir.path(), &LoadOptions::default()),
            Err(LoadError::NotRegular("a directory"))
        ));
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        assert!(matches!(
            load(&fifo, &LoadOptions::default()),
            Err(LoadError::NotRegular("a FIFO"))
        ));
        assert!(matches!(
            load(Path::new("/dev/zero"), &LoadOptions::default()),
            Err(LoadError::NotRegular("a character device"))
        ));
    }

    #[test]
    fn files_over_the_read_limit_are_refused_before_any_allocation() {
        let file = tempfile::NamedTempFile::new().unwrap();
        file.as_file().set_len(1 << 36).unwrap();
        let opts = LoadOptions { no_mmap: true, max_read: 1 << 20, ..LoadOptions::default() };
        assert!(matches!(
            load(file.path(), &opts),
            Err(LoadError::TooLargeToRead { size: 68_719_476_736, limit: 1_048_576 })
        ));
        file.as_file().set_len(1 << 20).unwrap();
        assert_eq!(load(file.path(), &opts).unwrap().len(), 1 << 20, "at the limit");
        file.as_file().set_len((1 << 20) - 1).unwrap();
        assert_eq!(load(file.path(), &opts).unwrap().len(), (1 << 20) - 1, "below it");
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
