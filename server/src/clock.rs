//! The server's clock: the system's, or moved on purpose so that a test can live a
//! month of warnings, escalations and visits in seconds. Everything a request or the
//! warning sweep dates goes through it; the command line reads the system's
//! ([`system_now`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jinlin_shared::time::Timestamp;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Milliseconds added to the system's clock.
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let system = system_now().as_millis();
        Timestamp::from_millis(system.saturating_add(self.offset.load(Ordering::Relaxed)))
    }

    /// Moves the clock so that it reads `at` now (and runs on from there).
    pub fn set(&self, at: Timestamp) {
        let system = system_now().as_millis();
        self.offset.store(at.as_millis().saturating_sub(system), Ordering::Relaxed);
    }
}

/// The system's clock, in the form the shared crate takes.
pub fn system_now() -> Timestamp {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    Timestamp::from_millis(millis)
}
