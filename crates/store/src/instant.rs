//! Times as the store keeps them: whole unix seconds (UTC). The store has no
//! clock; callers pass every time in. What it writes out for people (the
//! exports) is Swedish local time, from [`kuvert_local_time`].

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
