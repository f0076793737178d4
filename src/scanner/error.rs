//! Why scanning one input failed.

use std::time::Duration;

use crate::scanner::ScanResults;
use crate::scanner::input::LoadError;

/// Why a scan produced no result.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The file could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The scan ran past its time limit; `partial` holds the rules known
    /// to match before it stopped (decided with every match they needed).
    #[error("scan timed out after {after:?}")]
    Timeout {
        /// The time limit.
        after: Duration,
        /// What was decided before the deadline.
        partial: Box<ScanResults>,
    },
    /// The scan was cancelled (an interrupt, a closed output); `partial`
    /// as for [`ScanError::Timeout`].
    #[error("scan interrupted")]
    Interrupted {
        /// What was decided before the interruption.
        partial: Box<ScanResults>,
    },
    /// The file shrank while it was mapped: part of what was scanned was
    /// zeros standing in for lost pages, so the results cannot be trusted.
    #[error("file changed during scan")]
    FileChanged,
}
