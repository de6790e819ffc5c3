//! Times as the store keeps them: whole unix seconds (UTC). The store has no
//! clock; callers pass every time in.

use time::OffsetDateTime;

use crate::StoreError;

/// Whole seconds since the unix epoch (sub-second parts are dropped).
pub(crate) fn to_unix(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

/// The UTC time of stored unix seconds.
pub(crate) fn from_unix(secs: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| StoreError::Corrupt {
        what: format!("time {secs} is out of range"),
    })
}

/// Writes `secs` as `YYYY-MM-DDTHH:MM:SSZ` without allocation; exports call
/// this once or twice per row, so it avoids the general formatter.
pub(crate) fn write_iso(secs: i64, out: &mut Vec<u8>) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, rem / 60 % 60, rem % 60);
    if (0..10_000).contains(&y) {
        push_digits(out, y as u32, 4);
    } else {
        out.extend_from_slice(y.to_string().as_bytes());
    }
    out.push(b'-');
    push_digits(out, m, 2);
    out.push(b'-');
    push_digits(out, d, 2);
    out.push(b'T');
    push_digits(out, hh as u32, 2);
    out.push(b':');
    push_digits(out, mm as u32, 2);
    out.push(b':');
    push_digits(out, ss as u32, 2);
    out.push(b'Z');
}

/// `secs` as an ISO 8601 string (see [`write_iso`]).
pub(crate) fn iso(secs: i64) -> String {
    let mut out = Vec::with_capacity(20);
    write_iso(secs, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn push_digits(out: &mut Vec<u8>, value: u32, width: u32) {
    for i in (0..width).rev() {
        out.push(b'0' + (value / 10u32.pow(i) % 10) as u8);
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day), by
/// the `time` crate's calendar (no allocation).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    /// The Julian day number of 1970-01-01.
    const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
    let date = i32::try_from(days + UNIX_EPOCH_JULIAN_DAY)
        .ok()
        .and_then(|julian| time::Date::from_julian_day(julian).ok())
        // Stored times come from `OffsetDateTime`, so they are in range.
        .unwrap_or(time::Date::MIN);
    (
        i64::from(date.year()),
        u32::from(u8::from(date.month())),
        u32::from(date.day()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_matches_the_time_crate() {
        for secs in [
            0,
            951_782_400,
            1_790_000_000,
            1_709_164_799,
            -1,
            4_102_444_800,
        ] {
            let expected = OffsetDateTime::from_unix_timestamp(secs)
                .unwrap()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap();
            assert_eq!(iso(secs), expected, "{secs}");
        }
    }
}
