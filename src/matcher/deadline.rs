//! When a scan must stop: a point in time (`--timeout`), a flag raised by
//! another thread (an interrupt, a closed output), or both.
//!
//! Reading the clock costs tens of nanoseconds, a step of the search a few,
//! so the loops that walk the input count their work on a [`Budget`] and
//! look at the clock only every [`UNITS_PER_CHECK`] units, the way boreal's
//! timeout checker does. The deadline then holds inside one long search,
//! verification or module function, not only between them.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Units of work (bytes walked, candidates verified) between two looks at
/// the clock: about 0.1 ms of search.
pub const UNITS_PER_CHECK: u32 = 1 << 16;

/// The end of one scan's time, shared by everything the scan runs.
#[derive(Debug, Clone, Default)]
pub struct Deadline {
    at: Option<Instant>,
    cancel: Option<Arc<AtomicBool>>,
}

impl Deadline {
    /// A deadline `timeout` from now (none for `None`, or when the sum
    /// does not fit an [`Instant`], which is as good as never), also passed
    /// once `cancel` is set.
    #[must_use]
    pub fn after(timeout: Option<Duration>, cancel: Option<Arc<AtomicBool>>) -> Self {
        Self { at: timeout.and_then(|timeout| Instant::now().checked_add(timeout)), cancel }
    }

    /// Whether the scan must stop now.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.cancelled() || self.at.is_some_and(|at| Instant::now() >= at)
    }

    /// Whether the stop came from the cancel flag rather than the clock.
    #[must_use]
    pub fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|flag| flag.load(Ordering::Relaxed))
    }
}

/// Work counted against a [`Deadline`] by one loop (or one scan); once the
/// deadline has passed it stays spent.
#[derive(Debug)]
pub struct Budget<'a> {
    deadline: &'a Deadline,
    units: Cell<u32>,
    spent: Cell<bool>,
}

impl<'a> Budget<'a> {
    /// A budget ending at `deadline`.
    #[must_use]
    pub fn new(deadline: &'a Deadline) -> Self {
        Self { deadline, units: Cell::new(0), spent: Cell::new(false) }
    }

    /// Counts `units` of work; `false` once the deadline has passed.
    pub fn spend(&self, units: u32) -> bool {
        if self.spent.get() {
            return false;
        }
        let (total, wrapped) = self.units.get().overflowing_add(units);
        self.units.set(total % UNITS_PER_CHECK);
        if (wrapped || total >= UNITS_PER_CHECK) && self.deadline.passed() {
            self.spent.set(true);
        }
        !self.spent.get()
    }

    /// Whether the deadline passed while this budget was spent.
    #[must_use]
    pub fn is_spent(&self) -> bool {
        self.spent.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_timeout_is_no_deadline_and_zero_is_immediate() {
        assert!(!Deadline::after(Some(Duration::from_secs(u64::MAX)), None).passed());
        assert!(Deadline::after(Some(Duration::ZERO), None).passed());
        assert!(!Deadline::after(None, None).passed());
    }

    #[test]
    fn the_clock_is_read_every_check_interval_and_a_cancel_flag_stops() {
        let flag = Arc::new(AtomicBool::new(false));
        let deadline = Deadline::after(None, Some(flag.clone()));
        let budget = Budget::new(&deadline);
        assert!(budget.spend(UNITS_PER_CHECK));
        flag.store(true, Ordering::Relaxed);
        assert!(budget.spend(1), "not looked at before the interval is over");
        assert!(!budget.spend(UNITS_PER_CHECK));
        assert!(budget.is_spent() && deadline.cancelled());
    }
}
