//! Scanning one walked file together with the members of its containers.

use std::path::Path;

use super::expand::{Event, expand};
use super::limits::ArchiveLimits;
use crate::Scanner;
use crate::file_vars::Origin;
use crate::results::{FileReport, Outcome};
use crate::scanner::error::ScanError;
use crate::scanner::input::{self, LoadOptions};
use crate::scanner::report_of;

/// Scans the file at `path`, then (with `archives`) every member of it
/// that is a container, recursively; each report goes to `emit` as soon as
/// it is made: the file's own first, then its members in stored order.
pub fn scan_path(
    scanner: &mut Scanner<'_>,
    path: &Path,
    load: &LoadOptions,
    archives: Option<&ArchiveLimits>,
    emit: &mut dyn FnMut(FileReport),
) {
    let input = match input::load(path, load) {
        Ok(input) => input,
        Err(error) => {
            emit(FileReport::failed(path.to_path_buf(), ScanError::from(error).to_string()));
            return;
        }
    };
    emit(report_of(scanner.scan_input(&input, path), path, input.len() as u64));
    let Some(limits) = archives else { return };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    expand(&input, &name, limits, &mut |event| emit(member_report(scanner, path, event)));
    if input.was_truncated() {
        emit(FileReport::failed(path.to_path_buf(), ScanError::FileChanged.to_string()));
    }
}

/// The report of one member event.
fn member_report(scanner: &mut Scanner<'_>, path: &Path, event: Event<'_>) -> FileReport {
    let (chain, mut report) = match event {
        Event::Member { chain, data, warning } => {
            let origin = Origin { path, member: chain };
            let mut report =
                report_of(scanner.scan_bytes_from(data, origin), path, data.len() as u64);
            if let (Some(warning), Outcome::Scanned { warnings, .. }) =
                (warning, &mut report.outcome)
            {
                warnings.push(warning);
            }
            (chain, report)
        }
        Event::Problem { chain, reason } => (chain, FileReport::failed(path.to_path_buf(), reason)),
    };
    report.member = chain.to_vec();
    report
}
