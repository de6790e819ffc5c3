//! The call a förmedlare makes to a mailbox operator: `deliverSecure`
//! (Service/v3), carrying a sealed delivery to the address FaR gave for the
//! recipient's operator (`ServiceSupplier/ServiceAdress`). Kuvert makes it
//! in direct mode (its own förmedling); its test environment's
//! intermediary makes it too.

use kuvert_protocol::soap::{self, DeliveryResult};

use crate::client::HttpsClient;
use crate::intermediary::CallError;

/// A client for mailbox operators, over one mutual-TLS [`HttpsClient`]
/// (the förmedlare's certificate; the operators' CA bundle).
#[derive(Debug)]
pub struct Operators {
    https: HttpsClient,
}

impl Operators {
    /// Operators reached through `https`.
    pub fn new(https: HttpsClient) -> Self {
        Operators { https }
    }

    /// Hands `sealed_delivery` (a standalone `SealedDelivery` document) to
    /// the operator at `service_address`; its answer: the transaction id
    /// and, per recipient, whether it took the delivery. A SOAP fault is a
    /// [`CallError::Soap`] (a client fault: the operator refuses it for
    /// good).
    pub fn deliver_secure(
        &self,
        service_address: &str,
        sealed_delivery: &[u8],
    ) -> Result<DeliveryResult, CallError> {
        let request = soap::deliver_secure_request(sealed_delivery)?;
        let reply = self.https.post_soap_owned(service_address, request)?;
        Ok(soap::parse_deliver_secure_response(
            &String::from_utf8_lossy(&reply.body),
        )?)
    }
}
