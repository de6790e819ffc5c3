//! Swedish local time: an instant as a person in Sweden reads it, in
//! Europe/Stockholm's time with daylight saving time (`+01:00` in winter,
//! `+02:00` in summer).
//!
//! Kuvert keeps every time as UTC (the store's unix seconds, the hash chain);
//! only what people read is local: letters carry the Swedish date, the PDF
//! report, the CLI and the app show Swedish wall-clock time, and the CSV and
//! JSONL exports write ISO 8601 with the offset that applied
//! (`2026-12-02T00:15:03+01:00`). [`LocalTime`] is that presentation;
//! [`write_iso`] is the allocation-free form the exports write per row.
//!
//! ```
//! use kuvert_local_time::LocalTime;
//! use time::macros::datetime;
//!
//! // Just after midnight in Sweden, still the evening before in UTC.
//! let at = LocalTime::of(datetime!(2026-12-01 23:15:03 UTC));
//! assert_eq!(at.date_text(), "2026-12-02");
//! assert_eq!(at.minute_text(), "2026-12-02 00:15");
//! assert_eq!(at.second_text(), "2026-12-02 00:15:03");
//! assert_eq!(at.iso(), "2026-12-02T00:15:03+01:00");
//! ```
//!
//! ## Why jiff
//!
//! The offsets come from [`jiff`]'s copy of the IANA time zone database,
//! compiled into the binary (its `tzdb-bundle-always` feature), and Kuvert
//! asks only that copy ([`TimeZoneDatabase::bundled`]): a machine without
//! `/usr/share/zoneinfo`, or with an outdated one, shows the same times.
//! jiff is actively maintained, updates its bundled database with each IANA
//! release and was already in the app's dependency tree; `chrono-tz` would
//! add a second date library beside `time`, and `time-tz` is little kept.
//! The rest of Kuvert stays on the `time` crate: jiff only answers which
//! offset applied at an instant.

#![deny(missing_docs)]

use std::sync::LazyLock;

use jiff::tz::{Offset, TimeZone, TimeZoneDatabase};
use time::{Date, OffsetDateTime, UtcOffset};

/// The Swedish time zone's rule since 1996 (the EU's), used only should the
/// bundled database somehow lack Europe/Stockholm.
const SWEDISH_RULE: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

static STOCKHOLM: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZoneDatabase::bundled()
        .get("Europe/Stockholm")
        .or_else(|_| TimeZone::posix(SWEDISH_RULE))
        .unwrap_or_else(|_| TimeZone::fixed(Offset::constant(1)))
});

/// Swedish time's offset from UTC, in seconds, at `unix` seconds: 3600 in
/// winter, 7200 in summer. An instant outside what the database covers
/// (before year −9999 or after 9999) gets winter time.
pub fn offset_seconds(unix: i64) -> i32 {
    jiff::Timestamp::from_second(unix)
        .map(|at| STOCKHOLM.to_offset(at).seconds())
        .unwrap_or(3600)
}

/// The instant the Swedish calendar day `date` begins (midnight in
/// Stockholm, `23:00Z` or `22:00Z` the day before): where the sent log's
/// date filters start and end a day.
pub fn start_of_day(date: Date) -> OffsetDateTime {
    let utc_midnight = date.midnight().assume_utc();
    i16::try_from(date.year())
        .ok()
        .and_then(|year| {
            jiff::civil::Date::new(year, u8::from(date.month()) as i8, date.day() as i8).ok()
        })
        .and_then(|day| {
            STOCKHOLM
                .to_ambiguous_timestamp(day.at(0, 0, 0, 0))
                .compatible()
                .ok()
        })
        .and_then(|at| OffsetDateTime::from_unix_timestamp(at.as_second()).ok())
        // Outside the database's years: winter time's midnight.
        .unwrap_or_else(|| utc_midnight.saturating_sub(time::Duration::HOUR))
}

/// An instant as it is shown in Sweden.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(OffsetDateTime);

impl LocalTime {
    /// The Swedish local time of the instant `at` (whatever its offset).
    pub fn of(at: OffsetDateTime) -> LocalTime {
        let offset = UtcOffset::from_whole_seconds(offset_seconds(at.unix_timestamp()))
            .unwrap_or(UtcOffset::UTC);
        // Only at the very ends of `time`'s range does the local time not
        // fit; there UTC is shown.
        LocalTime(at.checked_to_offset(offset).unwrap_or(at))
    }

    /// The Swedish local time of `unix` seconds; `None` outside what
    /// [`OffsetDateTime`] represents.
    pub fn from_unix(unix: i64) -> Option<LocalTime> {
        OffsetDateTime::from_unix_timestamp(unix)
            .ok()
            .map(LocalTime::of)
    }

    /// The instant, with Swedish time's offset.
    pub fn date_time(self) -> OffsetDateTime {
        self.0
    }

    /// The Swedish calendar date (a letter's date).
    pub fn date(self) -> Date {
        self.0.date()
    }

    /// The offset that applies (`+01:00` or `+02:00`).
    pub fn offset(self) -> UtcOffset {
        self.0.offset()
    }

    /// The date as Swedes write it: `2026-12-02`.
    pub fn date_text(self) -> String {
        self.text(Precision::Day)
    }

    /// Date and time to the minute: `2026-12-02 00:15`.
    pub fn minute_text(self) -> String {
        self.text(Precision::Minute)
    }

    /// Date and time to the second: `2026-12-02 00:15:03`.
    pub fn second_text(self) -> String {
        self.text(Precision::Second)
    }

    /// ISO 8601 (RFC 3339) with the offset and whole seconds:
    /// `2026-12-02T00:15:03+01:00`.
    pub fn iso(self) -> String {
        self.text(Precision::Iso)
    }

    fn text(self, precision: Precision) -> String {
        let mut out = Vec::with_capacity(25);
        write(self.0, precision, &mut out);
        // Only ASCII digits and separators are written.
        String::from_utf8(out).unwrap_or_default()
    }
}

impl std::fmt::Display for LocalTime {
    /// The minute form, `2026-12-02 00:15`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.minute_text())
    }
}

/// Appends `unix` seconds as Swedish local time in ISO 8601 with the offset
/// (`2026-12-02T00:15:03+01:00`), without allocating: the exports call this
/// for every row. Outside what [`OffsetDateTime`] represents it writes the
/// seconds as `@<unix>`.
pub fn write_iso(unix: i64, out: &mut Vec<u8>) {
    match LocalTime::from_unix(unix) {
        Some(at) => write(at.0, Precision::Iso, out),
        None => {
            out.push(b'@');
            out.extend_from_slice(unix.to_string().as_bytes());
        }
    }
}

/// How much of a time is written.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precision {
    Day,
    Minute,
    Second,
    Iso,
}

fn write(at: OffsetDateTime, precision: Precision, out: &mut Vec<u8>) {
    let year = at.year();
    if (0..10_000).contains(&year) {
        push_digits(out, year.unsigned_abs(), 4);
    } else {
        out.extend_from_slice(year.to_string().as_bytes());
    }
    out.push(b'-');
    push_digits(out, u32::from(u8::from(at.month())), 2);
    out.push(b'-');
    push_digits(out, u32::from(at.day()), 2);
    if precision == Precision::Day {
        return;
    }
    out.push(if precision == Precision::Iso {
        b'T'
    } else {
        b' '
    });
    push_digits(out, u32::from(at.hour()), 2);
    out.push(b':');
    push_digits(out, u32::from(at.minute()), 2);
    if precision == Precision::Minute {
        return;
    }
    out.push(b':');
    push_digits(out, u32::from(at.second()), 2);
    if precision == Precision::Iso {
        let offset = at.offset();
        let seconds = offset.whole_seconds();
        out.push(if seconds < 0 { b'-' } else { b'+' });
        push_digits(out, offset.whole_hours().unsigned_abs().into(), 2);
        out.push(b':');
        push_digits(out, offset.minutes_past_hour().unsigned_abs().into(), 2);
    }
}

fn push_digits(out: &mut Vec<u8>, value: u32, width: u32) {
    for i in (0..width).rev() {
        out.push(b'0' + (value / 10u32.pow(i) % 10) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// UTC instant → Swedish ISO form, around both switches of 2026 (last
    /// Sunday of March and of October, 01:00 UTC) and midnight.
    #[test]
    fn daylight_saving_time_switches_at_one_utc() {
        for (utc, local) in [
            // Winter time until 01:00 UTC on 29 March...
            (
                datetime!(2026-03-29 00:59:59 UTC),
                "2026-03-29T01:59:59+01:00",
            ),
            // ...then the clocks jump from 02:00 to 03:00.
            (datetime!(2026-03-29 01:00 UTC), "2026-03-29T03:00:00+02:00"),
            (datetime!(2026-07-01 12:00 UTC), "2026-07-01T14:00:00+02:00"),
            // Summer time until 01:00 UTC on 25 October...
            (datetime!(2026-10-25 00:59 UTC), "2026-10-25T02:59:00+02:00"),
            // ...then 02:00–03:00 is lived twice; the offset tells them apart.
            (datetime!(2026-10-25 01:00 UTC), "2026-10-25T02:00:00+01:00"),
            (datetime!(2026-12-01 23:30 UTC), "2026-12-02T00:30:00+01:00"),
            (datetime!(2026-06-30 22:00 UTC), "2026-07-01T00:00:00+02:00"),
            (datetime!(2027-03-28 01:00 UTC), "2027-03-28T03:00:00+02:00"),
            (datetime!(1970-01-01 00:00 UTC), "1970-01-01T01:00:00+01:00"),
        ] {
            assert_eq!(LocalTime::of(utc).iso(), local, "{utc}");
            let mut fast = Vec::new();
            write_iso(utc.unix_timestamp(), &mut fast);
            assert_eq!(fast, local.as_bytes(), "{utc}");
        }
    }

    #[test]
    fn a_letter_just_after_midnight_carries_the_swedish_date() {
        let at = LocalTime::of(datetime!(2026-12-01 23:30 UTC));
        assert_eq!(at.date(), time::macros::date!(2026 - 12 - 02));
        assert_eq!(at.date_text(), "2026-12-02");
        assert_eq!(at.minute_text(), "2026-12-02 00:30");
        assert_eq!(at.to_string(), "2026-12-02 00:30");
        // In summer midnight comes two hours before UTC's.
        let summer = LocalTime::of(datetime!(2026-06-30 22:00 UTC));
        assert_eq!(summer.date_text(), "2026-07-01");
    }

    #[test]
    fn no_fractions_of_seconds_are_shown() {
        let at = LocalTime::of(datetime!(2026-12-02 08:15:03.123456789 UTC));
        assert_eq!(at.iso(), "2026-12-02T09:15:03+01:00");
        assert_eq!(at.second_text(), "2026-12-02 09:15:03");
        assert_eq!(at.minute_text(), "2026-12-02 09:15");
    }

    #[test]
    fn the_same_instant_whatever_offset_it_came_with() {
        let utc = datetime!(2026-12-01 23:30 UTC);
        let elsewhere = utc.to_offset(time::macros::offset!(-5));
        assert_eq!(LocalTime::of(elsewhere), LocalTime::of(utc));
        assert_eq!(LocalTime::of(utc).date_time(), utc);
        assert_eq!(LocalTime::of(utc).offset(), time::macros::offset!(+1));
    }

    #[test]
    fn a_swedish_day_starts_at_swedish_midnight() {
        use time::macros::date;
        for (day, start) in [
            (date!(2026 - 12 - 02), datetime!(2026-12-01 23:00 UTC)),
            (date!(2026 - 07 - 01), datetime!(2026-06-30 22:00 UTC)),
            // The switch days begin before their switch.
            (date!(2026 - 03 - 29), datetime!(2026-03-28 23:00 UTC)),
            (date!(2026 - 10 - 25), datetime!(2026-10-24 22:00 UTC)),
            (date!(2026 - 10 - 26), datetime!(2026-10-25 23:00 UTC)),
        ] {
            assert_eq!(start_of_day(day), start, "{day}");
            assert_eq!(LocalTime::of(start_of_day(day)).date(), day);
        }
        assert_eq!(
            start_of_day(Date::MIN),
            Date::MIN.midnight().assume_utc(),
            "no panic at the end of the range"
        );
    }

    #[test]
    fn the_bundled_database_knows_stockholm() {
        assert!(TimeZoneDatabase::bundled().get("Europe/Stockholm").is_ok());
    }

    #[test]
    fn times_outside_the_range_do_not_panic() {
        let mut out = Vec::new();
        write_iso(i64::MAX, &mut out);
        assert_eq!(out, format!("@{}", i64::MAX).as_bytes());
        assert_eq!(offset_seconds(i64::MIN), 3600);
        assert_eq!(LocalTime::from_unix(i64::MIN), None);
        let last = LocalTime::of(time::PrimitiveDateTime::MAX.assume_utc());
        assert!(
            last.iso().starts_with("9999-12-31T23:59:59"),
            "{}",
            last.iso()
        );
    }
}
