//! The progress display of long scans: files, bytes and hits on standard
//! error, only when a person is watching.

use std::cell::Cell;
use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use spoor::results::FileReport;

/// A spinner with counters, or nothing when standard error is not a
/// terminal or `CI` is set: piped output and CI logs stay clean. Used from
/// the output thread only.
pub struct Progress {
    bar: Option<ProgressBar>,
    bytes: Cell<u64>,
    hits: Cell<u64>,
}

impl Progress {
    /// A progress display if `wanted` and someone can see it.
    pub fn new(wanted: bool) -> Self {
        let visible = wanted && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = visible.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {elapsed} {pos} files, {msg}")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self { bar, bytes: Cell::new(0), hits: Cell::new(0) }
    }

    /// Counts one finished file.
    pub fn file_done(&self, report: &FileReport) {
        let Some(bar) = &self.bar else { return };
        self.bytes.set(self.bytes.get() + report.size);
        self.hits.set(self.hits.get() + report.matches().len() as u64);
        bar.inc(1);
        bar.set_message(format!(
            "{} scanned, {} hits",
            HumanBytes(self.bytes.get()),
            self.hits.get()
        ));
    }

    /// Removes the display.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
