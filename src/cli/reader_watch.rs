//! Noticing that the reader of standard output has left (`spoor scan dir |
//! head -1`) before anything more is written.
//!
//! A write into a pipe whose reader is gone fails with a broken pipe, and
//! the scan stops there. But a scan whose next files take long, or match
//! nothing, may not write again for minutes, and would scan on for a
//! reader that is no longer there. When standard output is a pipe, a
//! thread polls it: the kernel reports an error condition on a pipe's
//! write end once its read end is closed, and the thread then cancels the
//! scan, as a failed write would.

use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// How often the watcher looks: a closed reader stops the scan within
/// about this long.
const POLL_INTERVAL_MS: libc::c_int = 50;

/// The watching thread, stopped when dropped.
pub(super) struct ReaderWatch {
    done: Arc<AtomicBool>,
    gone: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ReaderWatch {
    /// Watches standard output when it is a pipe (`None` otherwise, or
    /// when no thread can be started: writes still notice a closed reader).
    /// `cancel` is set when the reader leaves.
    pub(super) fn start(cancel: Arc<AtomicBool>) -> Option<ReaderWatch> {
        let stdout = std::io::stdout();
        let fd = stdout.as_raw_fd();
        if !is_pipe(fd) {
            return None;
        }
        let done = Arc::new(AtomicBool::new(false));
        let gone = Arc::new(AtomicBool::new(false));
        let (thread_done, thread_gone) = (Arc::clone(&done), Arc::clone(&gone));
        let thread = std::thread::Builder::new()
            .name("reader-watch".to_owned())
            .spawn(move || {
                while !thread_done.load(Ordering::Relaxed) {
                    if reader_left(fd) {
                        // Gone before cancelled: a report of a file the
                        // cancel cut short always finds the reader gone.
                        thread_gone.store(true, Ordering::SeqCst);
                        cancel.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            })
            .ok()?;
        Some(ReaderWatch { done, gone, thread: Some(thread) })
    }

    /// Whether the reader left while the scan ran.
    pub(super) fn reader_left(&self) -> bool {
        self.gone.load(Ordering::SeqCst)
    }
}

impl Drop for ReaderWatch {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn is_pipe(fd: libc::c_int) -> bool {
    // SAFETY: fstat writes into the zeroed struct we own; any fd is
    // accepted (a bad one gives an error, not undefined behaviour).
    #[allow(unsafe_code)]
    unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        libc::fstat(fd, &raw mut stat) == 0 && stat.st_mode & libc::S_IFMT == libc::S_IFIFO
    }
}

/// Waits up to [`POLL_INTERVAL_MS`] for `fd`, a pipe's write end, to report
/// that its reader is gone.
fn reader_left(fd: libc::c_int) -> bool {
    // No events asked for: POLLERR and POLLHUP are always reported, and
    // only they are wanted.
    let mut watched = libc::pollfd { fd, events: 0, revents: 0 };
    // SAFETY: one valid pollfd, and its count.
    #[allow(unsafe_code)]
    let ready = unsafe { libc::poll(&raw mut watched, 1, POLL_INTERVAL_MS) };
    ready > 0 && watched.revents & (libc::POLLERR | libc::POLLHUP) != 0
}
