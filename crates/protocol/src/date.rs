//! Calendar dates without a clock.
//!
//! [`CalendarDate`] is a validated date in the (proleptic) Gregorian calendar,
//! written and read in the `xs:date` form `YYYY-MM-DD`. The protocol crate has
//! no clock: callers pass "today" in as a `CalendarDate`, which keeps identity
//! parsing and document building deterministic in tests.
//!
//! The calendar itself (leap years, month lengths) is the `time` crate's; a
//! `CalendarDate` is a [`time::Date`] limited to the years `xs:date` and
//! Kuvert write, and converts to and from one.
//!
//! ```
//! use kuvert_protocol::date::CalendarDate;
//!
//! let leap_day = CalendarDate::new(2000, 2, 29).unwrap();
//! assert_eq!(leap_day.to_string(), "2000-02-29");
//! assert!(CalendarDate::new(1900, 2, 29).is_err());
//! assert_eq!("2026-11-23".parse::<CalendarDate>().unwrap().day(), 23);
//! ```

use std::fmt;
use std::str::FromStr;

use time::{Date, Month};

/// A date that exists in the Gregorian calendar, years 1–9999.
///
/// Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate(Date);

/// Why a date was rejected by [`CalendarDate::new`] or
/// [`CalendarDate::from_str`](std::str::FromStr::from_str).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidDate {
    /// The year is 0 or above 9999; `xs:date` has no year 0 and Kuvert only
    /// writes four-digit years.
    #[error("year {year} is outside 1–9999")]
    Year {
        /// The rejected year.
        year: u16,
    },
    /// The month is not 1–12.
    #[error("month {month} does not exist (months are 1–12)")]
    Month {
        /// The rejected month.
        month: u8,
    },
    /// The month has no such day (including 29 February outside leap years).
    #[error("{year:04}-{month:02} has no day {day}")]
    Day {
        /// The year of the rejected date.
        year: u16,
        /// The month of the rejected date.
        month: u8,
        /// The rejected day.
        day: u8,
    },
    /// The text is not exactly `YYYY-MM-DD` (ASCII digits, dashes, 10 characters).
    #[error("a date must be written YYYY-MM-DD")]
    Format,
}

/// Whether `year` is a Gregorian leap year (2000 is, 1900 is not).
pub fn is_leap_year(year: u16) -> bool {
    time::util::is_leap_year(i32::from(year))
}

/// The number of days in `month` (1–12) of `year`, or 0 if `month` is not a
/// month.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    Month::try_from(month).map_or(0, |month| month.length(i32::from(year)))
}

/// The years a [`CalendarDate`] may have.
const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

impl CalendarDate {
    /// 0001-01-01, the earliest date a `CalendarDate` holds.
    pub const FIRST: CalendarDate = CalendarDate(time::macros::date!(0001 - 01 - 01));

    /// Validates and builds a date; fails if the year is outside 1–9999 or the
    /// day does not exist in that month.
    pub fn new(year: u16, month: u8, day: u8) -> Result<CalendarDate, InvalidDate> {
        if !YEARS.contains(&i32::from(year)) {
            return Err(InvalidDate::Year { year });
        }
        let month_of_year = Month::try_from(month).map_err(|_| InvalidDate::Month { month })?;
        Date::from_calendar_date(i32::from(year), month_of_year, day)
            .map(CalendarDate)
            .map_err(|_| InvalidDate::Day { year, month, day })
    }

    /// The year (1–9999).
    pub fn year(&self) -> u16 {
        // In 1–9999 by construction.
        u16::try_from(self.0.year()).unwrap_or_default()
    }

    /// The month (1–12).
    pub fn month(&self) -> u8 {
        u8::from(self.0.month())
    }

    /// The day of the month (1–31).
    pub fn day(&self) -> u8 {
        self.0.day()
    }
}

/// The same day as a [`time::Date`].
impl From<CalendarDate> for Date {
    fn from(date: CalendarDate) -> Date {
        date.0
    }
}

/// A [`time::Date`] in years 1–9999; other years are [`InvalidDate::Year`]
/// (with year 0 for years that do not fit a `u16`, such as negative ones).
impl TryFrom<Date> for CalendarDate {
    type Error = InvalidDate;

    fn try_from(date: Date) -> Result<CalendarDate, InvalidDate> {
        if YEARS.contains(&date.year()) {
            Ok(CalendarDate(date))
        } else {
            Err(InvalidDate::Year {
                year: u16::try_from(date.year()).unwrap_or(0),
            })
        }
    }
}

/// Writes the `xs:date` form `YYYY-MM-DD`, the year zero-padded to four digits.
impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

/// Reads exactly `YYYY-MM-DD` (no time zone, no surrounding whitespace).
impl FromStr for CalendarDate {
    type Err = InvalidDate;

    fn from_str(s: &str) -> Result<CalendarDate, InvalidDate> {
        let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *s.as_bytes() else {
            return Err(InvalidDate::Format);
        };
        let year = number(&[y1, y2, y3, y4])?;
        let month = number(&[m1, m2])?;
        let day = number(&[d1, d2])?;
        // Four and two ASCII digits always fit.
        let year = u16::try_from(year).map_err(|_| InvalidDate::Format)?;
        let month = u8::try_from(month).map_err(|_| InvalidDate::Format)?;
        let day = u8::try_from(day).map_err(|_| InvalidDate::Format)?;
        CalendarDate::new(year, month, day)
    }
}

/// The value of a run of ASCII digits.
fn number(digits: &[u8]) -> Result<u32, InvalidDate> {
    digits.iter().try_fold(0u32, |value, &b| {
        if b.is_ascii_digit() {
            Ok(value * 10 + u32::from(b - b'0'))
        } else {
            Err(InvalidDate::Format)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(is_leap_year(2000));
        assert!(is_leap_year(2024));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2026));
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2026, 4), 30);
        assert_eq!(days_in_month(2026, 12), 31);
        assert_eq!(days_in_month(2026, 13), 0);
        assert_eq!(days_in_month(2026, 0), 0);
    }

    #[test]
    fn new_accepts_existing_dates_only() {
        assert!(CalendarDate::new(2000, 2, 29).is_ok());
        assert_eq!(
            CalendarDate::new(1900, 2, 29),
            Err(InvalidDate::Day {
                year: 1900,
                month: 2,
                day: 29
            })
        );
        assert_eq!(
            CalendarDate::new(2026, 13, 1),
            Err(InvalidDate::Month { month: 13 })
        );
        assert_eq!(
            CalendarDate::new(2026, 0, 1),
            Err(InvalidDate::Month { month: 0 })
        );
        assert!(matches!(
            CalendarDate::new(2026, 1, 0),
            Err(InvalidDate::Day { .. })
        ));
        assert!(matches!(
            CalendarDate::new(2026, 4, 31),
            Err(InvalidDate::Day { .. })
        ));
        assert_eq!(
            CalendarDate::new(0, 1, 1),
            Err(InvalidDate::Year { year: 0 })
        );
        assert_eq!(
            CalendarDate::new(10000, 1, 1),
            Err(InvalidDate::Year { year: 10000 })
        );
    }

    #[test]
    fn display_is_xs_date_and_round_trips() {
        let date = CalendarDate::new(2026, 11, 23).unwrap();
        assert_eq!((date.year(), date.month(), date.day()), (2026, 11, 23));
        assert_eq!(date.to_string(), "2026-11-23");
        assert_eq!(
            CalendarDate::new(987, 1, 2).unwrap().to_string(),
            "0987-01-02"
        );
        for text in ["2026-11-23", "0987-01-02", "2000-02-29", "9999-12-31"] {
            assert_eq!(text.parse::<CalendarDate>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn from_str_is_strict() {
        for bad in [
            "",
            "2026-1-23",
            "26-11-23",
            "2026/11/23",
            " 2026-11-23",
            "2026-11-23Z",
            "2026-11-2x",
            "+026-11-23",
            "2026-11-23T00:00:00",
        ] {
            assert_eq!(
                bad.parse::<CalendarDate>(),
                Err(InvalidDate::Format),
                "{bad:?}"
            );
        }
        assert!(matches!(
            "2026-02-29".parse::<CalendarDate>(),
            Err(InvalidDate::Day { .. })
        ));
        assert_eq!(
            "0000-01-01".parse::<CalendarDate>(),
            Err(InvalidDate::Year { year: 0 })
        );
    }

    #[test]
    fn converts_to_and_from_time_dates() {
        let date = CalendarDate::new(2000, 2, 29).unwrap();
        let as_time = Date::from(date);
        assert_eq!(
            as_time,
            Date::from_calendar_date(2000, Month::February, 29).unwrap()
        );
        assert_eq!(CalendarDate::try_from(as_time), Ok(date));
        let last = Date::from_calendar_date(9999, Month::December, 31).unwrap();
        assert_eq!(
            CalendarDate::try_from(last).unwrap().to_string(),
            "9999-12-31"
        );
        assert_eq!(CalendarDate::FIRST, CalendarDate::new(1, 1, 1).unwrap());
        for year in [0, -1] {
            let early = Date::from_calendar_date(year, Month::January, 1).unwrap();
            assert_eq!(
                CalendarDate::try_from(early),
                Err(InvalidDate::Year { year: 0 })
            );
        }
    }

    #[test]
    fn ordering_is_chronological() {
        let a = CalendarDate::new(1999, 12, 31).unwrap();
        let b = CalendarDate::new(2000, 1, 1).unwrap();
        let c = CalendarDate::new(2000, 2, 1).unwrap();
        assert!(a < b && b < c);
    }
}
