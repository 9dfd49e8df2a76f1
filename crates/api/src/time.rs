//! Time as the API shows it, and the injectable clock every layer reads it from.

use chrono::{DateTime, TimeZone, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Milliseconds since the Unix epoch: the resolution the API reports.
pub type Millis = i64;

/// Where "now" comes from. The engine's tests run on [`ManualClock`], deterministic and instant.
pub trait Clock: Send + Sync {
    fn now_millis(&self) -> Millis;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> Millis {
        Utc::now().timestamp_millis()
    }
}

/// A clock that moves only when told to.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(start: Millis) -> Self {
        ManualClock(Arc::new(AtomicI64::new(start)))
    }
    pub fn set(&self, now: Millis) {
        self.0.store(now, Ordering::SeqCst);
    }
    pub fn advance(&self, by: Millis) {
        self.0.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

/// `YYYY-MM-DDTHH:MM:SS.sssZ`, the DateTime string format of every response.
pub fn format_millis(ms: Millis) -> String {
    to_datetime(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn to_datetime(ms: Millis) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_three_fraction_digits() {
        assert_eq!(format_millis(1_767_225_600_042), "2026-01-01T00:00:00.042Z");
        assert_eq!(format_millis(1_767_225_600_000), "2026-01-01T00:00:00.000Z");
    }
}
