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

/// The service's clock: a base clock (the wall clock in `stepwise serve`) plus an offset that
/// only moves forward, so that tests can make time pass (`/_stepwise/clock`). Every
/// timestamp the service writes reads it.
pub struct MovableClock {
    base: Arc<dyn Clock>,
    offset: AtomicI64,
}

/// Why the clock did not move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("The clock only moves forward: {target} is before the current time {now}.")]
    Backward { target: String, now: String },
}

impl MovableClock {
    pub fn new(base: Arc<dyn Clock>, offset: Millis) -> MovableClock {
        MovableClock {
            base,
            offset: AtomicI64::new(offset),
        }
    }

    /// How far ahead of its base the clock is, in milliseconds.
    pub fn offset(&self) -> Millis {
        self.offset.load(Ordering::SeqCst)
    }

    /// Moves "now" to `target`; refused if that is before the current time. Returns the
    /// offset to keep for the move to survive a restart.
    pub fn move_to(&self, target: Millis) -> Result<Millis, ClockError> {
        let mut current = self.offset();
        loop {
            let now = self.base.now_millis() + current;
            if target < now {
                return Err(ClockError::Backward {
                    target: format_millis(target),
                    now: format_millis(now),
                });
            }
            let offset = target - self.base.now_millis();
            let offset = offset.max(current);
            match self
                .offset
                .compare_exchange(current, offset, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return Ok(offset),
                Err(seen) => current = seen,
            }
        }
    }
}

impl Clock for MovableClock {
    fn now_millis(&self) -> Millis {
        self.base.now_millis() + self.offset()
    }
}

/// An ISO-8601 (RFC 3339) date and time with its offset (`2027-01-01T00:00:00Z`,
/// `2027-01-01T09:00:00.250+09:00`), as milliseconds.
pub fn parse_timestamp(text: &str) -> Option<Millis> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

/// `YYYY-MM-DDTHH:MM:SS.sssZ`, the DateTime string format of every response. Computed
/// with integer arithmetic (civil-from-days): list responses format many of these per
/// request, and a general date library spends most of its time elsewhere.
pub fn format_millis(ms: Millis) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (h, m, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    let mut out = String::with_capacity(24);
    push_digits(&mut out, year, 4);
    out.push('-');
    push_digits(&mut out, month, 2);
    out.push('-');
    push_digits(&mut out, day, 2);
    out.push('T');
    push_digits(&mut out, h, 2);
    out.push(':');
    push_digits(&mut out, m, 2);
    out.push(':');
    push_digits(&mut out, s, 2);
    out.push('.');
    push_digits(&mut out, milli, 3);
    out.push('Z');
    out
}

/// Zero-padded decimal of a non-negative `value` in at least `width` digits.
fn push_digits(out: &mut String, value: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut v = value.max(0);
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let start = i.min(buf.len() - width);
    out.push_str(std::str::from_utf8(&buf[start..]).unwrap_or("0"));
}

/// (year, month, day) of a count of days since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub fn to_datetime(ms: Millis) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    #[test]
    fn a_movable_clock_moves_forward_only() {
        let base = super::ManualClock::new(1_000_000);
        let clock = super::MovableClock::new(Arc::new(base.clone()), 500);
        assert_eq!(clock.now_millis(), 1_000_500);
        assert_eq!(clock.move_to(1_086_400_500), Ok(1_085_400_500));
        assert_eq!(clock.now_millis(), 1_086_400_500);
        base.advance(1_000);
        assert_eq!(clock.now_millis(), 1_086_401_500);
        let e = clock.move_to(0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The clock only moves forward: 1970-01-01T00:00:00.000Z is before the current time 1970-01-13T13:46:41.500Z."
        );
        assert_eq!(clock.now_millis(), 1_086_401_500);
        assert_eq!(clock.move_to(clock.now_millis()), Ok(clock.offset()));
    }

    #[test]
    fn timestamps_parse_with_their_offset() {
        assert_eq!(super::parse_timestamp("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(
            super::parse_timestamp("1970-01-01T09:00:00.250+09:00"),
            Some(250)
        );
        assert_eq!(super::parse_timestamp("yesterday"), None);
        assert_eq!(super::parse_timestamp("2027-01-01"), None);
    }

    use super::*;

    #[test]
    fn matches_chrono_over_four_centuries_of_days() {
        let mut ms = 0;
        while ms < 12_700_000_000_000 {
            assert_eq!(
                format_millis(ms),
                to_datetime(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            );
            ms += 86_400_000 * 7 + 3_723_456;
        }
    }

    #[test]
    fn formats_with_three_fraction_digits() {
        assert_eq!(format_millis(1_767_225_600_042), "2026-01-01T00:00:00.042Z");
        assert_eq!(format_millis(1_767_225_600_000), "2026-01-01T00:00:00.000Z");
        assert_eq!(format_millis(951_782_399_999), "2000-02-28T23:59:59.999Z");
        for ms in [
            0,
            1,
            999,
            1_000,
            86_399_999,
            951_868_800_000,
            1_709_164_800_123,
            1_709_251_199_999,
            4_102_444_800_000,
            253_402_300_799_999,
        ] {
            assert_eq!(
                format_millis(ms),
                to_datetime(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            );
        }
    }
}
