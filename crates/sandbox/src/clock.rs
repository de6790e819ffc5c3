//! The sandbox's sense of time, behind a seam so tests can fix it: the
//! received time shown in mailboxes, the seal's `ReceivedTime` and the time
//! at which certificates are judged all come from one [`Clock`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kuvert_protocol::date::CalendarDate;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Where the sandbox reads the current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock standing still at one instant (for tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub SystemTime);

impl FixedClock {
    /// A clock fixed at `unix_seconds` after the epoch.
    pub fn at_unix(unix_seconds: u64) -> Self {
        FixedClock(UNIX_EPOCH + Duration::from_secs(unix_seconds))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// Seconds since the epoch (negative before it).
pub(crate) fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// The UTC time of `unix` seconds; `None` outside what `time` represents
/// (years ±9999).
fn utc(unix: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(unix).ok()
}

/// The UTC calendar date of `unix` seconds; `None` outside years 1–9999.
pub(crate) fn calendar_date(unix: i64) -> Option<CalendarDate> {
    CalendarDate::try_from(utc(unix)?.date()).ok()
}

/// RFC 3339 UTC, e.g. `2026-11-23T14:05:00Z`; outside years 0–9999, which
/// RFC 3339 cannot write, the unix seconds (`@-99999999999`).
pub(crate) fn rfc3339(unix: i64) -> String {
    utc(unix)
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("@{unix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_442_700), "2026-11-23T14:05:00Z");
        assert_eq!(
            calendar_date(1_795_442_700).unwrap().to_string(),
            "2026-11-23"
        );
        assert_eq!(
            calendar_date(951_782_400).unwrap().to_string(),
            "2000-02-29"
        );
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(calendar_date(-1).unwrap().to_string(), "1969-12-31");
    }

    #[test]
    fn instants_outside_the_calendar_are_not_dates() {
        assert_eq!(calendar_date(i64::MAX), None);
        assert_eq!(calendar_date(i64::MIN), None);
        // Year 0 exists for `time` but not for `xs:date`.
        assert_eq!(calendar_date(-62_167_219_200), None);
        assert_eq!(rfc3339(i64::MIN), format!("@{}", i64::MIN));
    }
}
