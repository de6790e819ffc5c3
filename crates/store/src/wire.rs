//! How the typed values of a [`MessageContent`](crate::MessageContent) are
//! written out: as the text they have on the wire and in the store's columns
//! (the 12-digit recipient, the `16`-prefixed organisation number), the
//! protection class as its number, times as ISO 8601 in Swedish local time
//! with the offset. Used by the JSONL export's serialisation and by the
//! store's own columns (which keep times as unix seconds, not this text).

use kuvert_protocol::delivery::{Attention, CaseNumber, MessageId, SenderName, Subject};
use kuvert_protocol::delivery::{MatterStatus, ProtectionClass};
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use serde::Serializer;
use time::OffsetDateTime;

/// A value with one text form, stored and exported as it is.
pub(crate) trait WireText {
    /// The stored form.
    fn wire(&self) -> &str;
}

macro_rules! wire_text {
    ($($name:ty),*) => {
        $(impl WireText for $name {
            fn wire(&self) -> &str {
                self.as_str()
            }
        })*
    };
}

wire_text!(
    MessageId,
    Subject,
    CaseNumber,
    Attention,
    SenderName,
    OrganizationNumber,
    RecipientId
);

/// Serialises a typed text as its stored form.
pub(crate) fn text<T: WireText, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.wire())
}

/// Serialises an optional typed text as its stored form, or `null`.
pub(crate) fn optional_text<T: WireText, S: Serializer>(
    value: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => s.serialize_str(value.wire()),
        None => s.serialize_none(),
    }
}

/// Serialises a protection class as its number.
pub(crate) fn class<S: Serializer>(class: &ProtectionClass, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u8(class.get())
}

/// Serialises a time as ISO 8601 in Swedish local time with the offset, e.g.
/// `2026-03-01T10:30:00+01:00`.
pub(crate) fn instant<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&kuvert_local_time::LocalTime::of(*at).iso())
}

/// Serialises an event's matter status as the contract names it, e.g. `closed`.
pub(crate) fn matter_status<S: Serializer>(status: &MatterStatus, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(status.wire())
}
