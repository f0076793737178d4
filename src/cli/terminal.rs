//! Writing to standard output and standard error without panicking.
//!
//! `println!` and `eprintln!` panic when the write fails (a closed pipe,
//! `/dev/full`): a tool fed to `head` or run with a full disk must end with
//! a message and an exit status instead.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

/// Writes one line to standard error, ignoring failure: the line is a
/// diagnostic, and what it reports already decides the exit status.
pub fn eprint_line(line: fmt::Arguments) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Writes `text` to standard error as it is (it ends its own lines).
pub fn eprint_text(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Writes `text` to standard output and flushes it: exit 0 when written or
/// when the reader went away (`| head` has what it wanted), 2 with a
/// message when the write failed otherwise.
pub fn print_all(text: &str) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprint_line(format_args!("error: cannot write to standard output: {e}"));
            ExitCode::from(2)
        }
    }
}
