//! The calls Kuvert makes to its intermediary: `isReachable` (answered on
//! FaR's behalf), `distributeSecure` and `checkDistributionStatus`.
//!
//! Each call is one SOAP request over the mutual-TLS [`HttpsClient`]; a
//! failure is a [`CallError`] that says whether trying again could help.

use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use kuvert_protocol::soap::{self, DistributionStatus, ReachabilityStatus, SoapError};

use crate::client::{HttpReply, HttpsClient};
use crate::error::TransportError;

/// Endpoints of the intermediary's services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Recipient/v3 (reachability look-ups).
    pub recipient: String,
    /// Message/v3 (distribution and status).
    pub message: String,
}

/// A client for one intermediary, signing nothing itself: it carries
/// documents already signed by the caller. Its calls share the
/// [`HttpsClient`]'s kept-alive connections.
#[derive(Debug)]
pub struct Intermediary {
    https: HttpsClient,
    endpoints: Endpoints,
}

/// Why a call to the intermediary failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The request did not get through, or no usable HTTP answer came back.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The answer was a SOAP fault or not the expected SOAP response.
    #[error(transparent)]
    Soap(#[from] SoapError),
}

impl CallError {
    /// Whether the same request may succeed later: transport failures per
    /// [`TransportError::is_retryable`], server-side faults and garbled
    /// replies yes; faults that blame the request (`Client`) no.
    pub fn is_retryable(&self) -> bool {
        match self {
            CallError::Transport(e) => e.is_retryable(),
            CallError::Soap(SoapError::Fault(fault)) => !fault.is_client_fault(),
            CallError::Soap(SoapError::NotCanonicalDelivery) => false,
            CallError::Soap(_) => true,
        }
    }
}

impl Intermediary {
    /// A client for the intermediary at `endpoints`.
    pub fn new(https: HttpsClient, endpoints: Endpoints) -> Self {
        Intermediary { https, endpoints }
    }

    /// Asks whether `recipients` (at most 1000) can receive secure mail from `sender`.
    pub fn is_reachable(
        &self,
        sender: &OrganizationNumber,
        recipients: &[RecipientId],
    ) -> Result<Vec<ReachabilityStatus>, CallError> {
        let request = soap::is_reachable_request(sender, recipients);
        let reply = self
            .https
            .post_soap_owned(&self.endpoints.recipient, request)?;
        Ok(soap::parse_is_reachable_response(&reply_text(&reply))?)
    }

    /// Hands a signed delivery (a standalone `SignedDelivery` document as
    /// Kuvert signs it) to the intermediary; returns the distribution id.
    pub fn distribute_secure(&self, signed_delivery: &[u8]) -> Result<String, CallError> {
        let request = soap::distribute_secure_request(signed_delivery)?;
        let reply = self
            .https
            .post_soap_owned(&self.endpoints.message, request)?;
        Ok(soap::parse_distribute_secure_response(&reply_text(&reply))?)
    }

    /// Asks how the delivery `distribution_id` is doing.
    pub fn check_distribution_status(
        &self,
        sender: &OrganizationNumber,
        distribution_id: &str,
    ) -> Result<Vec<DistributionStatus>, CallError> {
        let request = soap::check_distribution_status_request(sender, distribution_id);
        let reply = self
            .https
            .post_soap_owned(&self.endpoints.message, request)?;
        Ok(soap::parse_check_distribution_status_response(
            &reply_text(&reply),
        )?)
    }
}

/// SOAP replies are UTF-8; anything else is left for the parser to refuse.
fn reply_text(reply: &HttpReply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}
