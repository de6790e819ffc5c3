//! The sandbox's sense of time, behind a seam so tests can fix it: the
//! received time shown in mailboxes, the seal's `ReceivedTime` and the time
//! at which certificates are judged all come from one [`Clock`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kuvert_protocol::date::CalendarDate;

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

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The UTC calendar date of `unix` seconds; `None` outside years 1–9999.
pub(crate) fn calendar_date(unix: i64) -> Option<CalendarDate> {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let y = u16::try_from(y).ok()?;
    CalendarDate::new(y, u8::try_from(m).ok()?, u8::try_from(d).ok()?).ok()
}

/// RFC 3339 UTC, e.g. `2026-11-23T14:05:00Z`.
pub(crate) fn rfc3339(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
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
    }
}
