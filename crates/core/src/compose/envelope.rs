//! The signed delivery as it is sent, measured against the profile's
//! `rules.max_envelope_bytes`.
//!
//! What the intermediary receives is the SOAP envelope carrying the signed
//! delivery: attachments base64-encoded, the XML around them and the
//! signature with its certificate. Its size is measured on the real
//! envelope ([`envelope_bytes`]), never estimated from the attachments.
//!
//! ```
//! use kuvert_core::compose::EnvelopeSize;
//!
//! let size = EnvelopeSize { bytes: 1_468_006, max: 2_097_152 };
//! assert!(size.fits());
//! assert_eq!(size.swedish(), "1,4 av 2,0 MB");
//! ```

use kuvert_protocol::soap::{self, SoapError};

use super::{ComposeError, Field, Problem, ProblemKind};

/// The size of a message as sent and the limit it must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct EnvelopeSize {
    /// The SOAP envelope's bytes.
    pub bytes: u64,
    /// The profile's `rules.max_envelope_bytes`.
    pub max: u64,
}

impl EnvelopeSize {
    /// Whether the envelope is within the limit (the limit itself fits).
    pub fn fits(&self) -> bool {
        self.bytes <= self.max
    }

    /// Size against limit as Swedes read it: `1,4 av 2,0 MB`.
    pub fn swedish(&self) -> String {
        format!("{} av {} MB", mebibytes(self.bytes), mebibytes(self.max))
    }

    /// The problem a message that does not fit is refused with.
    pub fn problem(&self) -> ComposeError {
        ComposeError::new(vec![Problem {
            field: Field::Attachments,
            kind: ProblemKind::EnvelopeTooLarge {
                size: self.bytes,
                max: self.max,
            },
        }])
    }
}

/// The bytes of the `distributeSecure` SOAP envelope that carries
/// `signed_delivery` (the very request the intermediary is sent).
///
/// # Errors
///
/// When `signed_delivery` is not a signed delivery Kuvert wrote.
pub fn envelope_bytes(signed_delivery: &[u8]) -> Result<u64, SoapError> {
    Ok(soap::distribute_secure_request(signed_delivery)?.len() as u64)
}

/// A size in megabytes of 1 048 576 bytes with one decimal and a decimal
/// comma: the limit's 2 097 152 bytes are "2,0". (Megabytes of 2²⁰ bytes
/// because the limit is one: it reads as the round figure it is.)
fn mebibytes(bytes: u64) -> String {
    let tenths = (bytes * 10 + (1 << 19)) >> 20;
    format!("{},{}", tenths / 10, tenths % 10)
}

/// A size in megabytes as [`EnvelopeSize::swedish`] writes it, with unit:
/// `2,0 MB`.
pub fn megabytes(bytes: u64) -> String {
    format!("{} MB", mebibytes(bytes))
}
