//! # kuvert-service
//!
//! The service side of the Mina meddelanden contracts, used only by Kuvert's
//! built-in test environment (`kuvert-sandbox`) and by tests that need a real
//! peer. Nothing in the client crates depends on it.
//!
//! - [`answers`]: reading the SOAP requests Kuvert sends (`isReachable`,
//!   `distributeSecure`, `checkDistributionStatus`) and writing their
//!   responses and faults; the mailbox operators' `deliverSecure` request
//!   and response.
//! - [`received`]: reading a received `SignedDelivery` or `SealedDelivery`
//!   as an intermediary or mailbox operator does, refusing what is not
//!   schema-valid ([`ReceivedError`](received::ReceivedError)).
//! - [`server`]: [`HttpsServer`], a small blocking HTTPS server with
//!   client-certificate authentication; a [`Handler`] turns each
//!   [`Request`] into a [`Response`].
//!
//! The wire format itself (identity numbers, deliveries, XML, signatures) is
//! `kuvert-protocol`'s; this crate only adds the other end of each call.
//!
//! ```
//! use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
//! use kuvert_protocol::soap;
//! use kuvert_service::answers;
//!
//! // What Kuvert's client sends…
//! let sender = OrganizationNumber::from_wire("162021003898").unwrap();
//! let person = RecipientId::from_wire("198501012382").unwrap();
//! let request = soap::is_reachable_request(&sender, &[person.clone()]);
//!
//! // …is what the service reads.
//! let read = answers::parse_is_reachable_request(std::str::from_utf8(&request)?)?;
//! assert_eq!(read.sender, sender);
//! assert_eq!(read.recipients, [person]);
//!
//! // The service's answer is what the client parses.
//! let response = answers::distribute_secure_response("dist-1");
//! let id = soap::parse_distribute_secure_response(std::str::from_utf8(&response)?)?;
//! assert_eq!(id, "dist-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod answers;
pub mod received;
pub mod server;

pub use server::{
    Handler, HttpsServer, Request, Response, RunningServer, ServerError, ServerLimits, ServerTls,
};

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
#[path = "../../../fuzz/replay.rs"]
mod fuzz_replay;
#[cfg(test)]
mod testing;
