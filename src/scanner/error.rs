//! Why scanning one input failed.

use std::time::Duration;

use crate::scanner::input::LoadError;

/// Why a scan produced no result.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The file could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The scan ran past its time limit.
    #[error("scan timed out after {0:?}")]
    Timeout(Duration),
    /// The file shrank while it was mapped: part of what was scanned was
    /// zeros standing in for lost pages, so the results cannot be trusted.
    #[error("file changed during scan")]
    FileChanged,
}
