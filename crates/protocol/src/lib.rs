//! # kuvert-protocol
//!
//! The Mina meddelanden wire format as Kuvert speaks it. Pure: no network,
//! no files, no clock (dates are passed in).
//!
//! - [`identity`]: [`RecipientId`](identity::RecipientId) and
//!   [`OrganizationNumber`](identity::OrganizationNumber) — personnummer,
//!   samordningsnummer and organisationsnummer parsed from what officers
//!   type and normalised to the 12-digit wire form.
//! - [`delivery`]: the validated v3 [`Delivery`](delivery::Delivery) model and
//!   its canonical `SignedDelivery` XML.
//! - [`dsig`]: enveloped XML-DSig signing ([`SigningKey`](dsig::SigningKey),
//!   RSA-SHA256, exclusive c14n).
//! - [`verify`]: verification of signed and sealed deliveries (standalone or
//!   in their SOAP envelope) that cannot be fooled by signature wrapping,
//!   duplicate ids or untrusted and wrong signers; RSA-SHA1 accepted as
//!   legacy.
//! - [`seal`]: the intermediary's seal (used by the test environment).
//! - [`soap`]: SOAP 1.1 requests and responses for `isReachable`,
//!   `distributeSecure`, `checkDistributionStatus`, and faults.
//! - [`xml`]: the strict parser, canonicalization and canonical writer.
//!
//! ```
//! use kuvert_protocol::date::CalendarDate;
//! use kuvert_protocol::identity::RecipientId;
//!
//! let today = CalendarDate::new(2026, 11, 23).unwrap();
//! let id = RecipientId::parse("850101-2382", today).unwrap();
//! assert_eq!(id.as_str(), "198501012382");
//! ```
#![deny(missing_docs)]

pub mod date;
pub mod delivery;
pub mod dsig;
pub mod identity;
pub mod seal;
pub mod soap;
pub mod verify;
pub mod xml;

#[cfg(test)]
#[path = "../../../fuzz/replay.rs"]
mod fuzz_replay;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
