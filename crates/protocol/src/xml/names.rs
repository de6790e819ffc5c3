//! Namespace URIs of the Mina meddelanden contracts and the W3C standards
//! Kuvert speaks. Elements are always matched by these URIs, never by prefix.

/// `http://minameddelanden.gov.se/schema/Message` (v1 types: bodies,
/// attachments, metadata, distribution status, seal).
pub const MESSAGE_V1: &str = "http://minameddelanden.gov.se/schema/Message";
/// `…/Message/v2` (the secure delivery header).
pub const MESSAGE_V2: &str = "http://minameddelanden.gov.se/schema/Message/v2";
/// `…/Message/v3` (SignedDelivery, SealedDelivery, the v3 message header and
/// the distributeSecure / checkDistributionStatus operations).
pub const MESSAGE_V3: &str = "http://minameddelanden.gov.se/schema/Message/v3";
/// `…/Sender` (sender id and name).
pub const SENDER: &str = "http://minameddelanden.gov.se/schema/Sender";
/// `…/Recipient` (v1 types: reachability and account status).
pub const RECIPIENT_V1: &str = "http://minameddelanden.gov.se/schema/Recipient";
/// `…/Recipient/v3` (the isReachable operation).
pub const RECIPIENT_V3: &str = "http://minameddelanden.gov.se/schema/Recipient/v3";
/// `…/OfficialMatter/v3` (event-message data).
pub const OFFICIAL_MATTER_V3: &str = "http://minameddelanden.gov.se/schema/OfficialMatter/v3";
/// `…/Service` (v1 types: delivery result of a mailbox operator).
pub const SERVICE_V1: &str = "http://minameddelanden.gov.se/schema/Service";
/// `…/Service/v3` (the mailbox operators' deliverSecure operation).
pub const SERVICE_V3: &str = "http://minameddelanden.gov.se/schema/Service/v3";
/// `…/Common` (v1 ExceptionInformation).
pub const COMMON_V1: &str = "http://minameddelanden.gov.se/schema/Common";
/// `…/Common/v3` (v3 ExceptionInformation and the applicationFault element).
pub const COMMON_V3: &str = "http://minameddelanden.gov.se/schema/Common/v3";
/// XML-DSig.
pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// SOAP 1.1 envelope.
pub const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The namespace bound to the reserved `xml` prefix.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of `xmlns` declarations themselves.
pub const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// A namespace together with the prefix Kuvert writes it with (`None`: the
/// default namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ns {
    /// The prefix used when writing.
    pub prefix: Option<&'static str>,
    /// The namespace URI.
    pub uri: &'static str,
}

impl Ns {
    /// A namespace written with `prefix`.
    pub const fn prefixed(prefix: &'static str, uri: &'static str) -> Self {
        Ns {
            prefix: Some(prefix),
            uri,
        }
    }

    /// A namespace written as the default namespace.
    pub const fn default(uri: &'static str) -> Self {
        Ns { prefix: None, uri }
    }
}
