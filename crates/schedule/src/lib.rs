//! Image Builder's schedules, pure: cron expressions and the IANA time zones they are
//! evaluated in ([`cron`]). No I/O, no clock: callers say what "after" is.
#![forbid(unsafe_code)]

pub mod cron;

pub use chrono_tz::Tz;
pub use cron::{Cron, CronError};

/// The time zone called `name` (an IANA name such as `America/Los_Angeles` or `Etc/UTC`).
pub fn time_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| {
        format!(
            "'{name}' is not an IANA time zone name (for example Etc/UTC or America/Los_Angeles)."
        )
    })
}

#[cfg(test)]
mod tests;
