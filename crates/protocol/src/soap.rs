//! SOAP 1.1 messages for the services Kuvert calls: Recipient/v3
//! `isReachable`, Message/v3 `distributeSecure` and `checkDistributionStatus`,
//! and SOAP faults carrying `ExceptionInformation`.
//!
//! Responses are read by namespace URI and local name only — servers use
//! any prefixes (`ns1`, `ns15`, `S`, `soap` …) — from a parser that refuses
//! DTDs and entities.

use crate::identity::{mask_identity_numbers, OrganizationNumber, RecipientId};
use crate::xml::names::{
    COMMON_V1, COMMON_V3, MESSAGE_V1, MESSAGE_V3, RECIPIENT_V1, RECIPIENT_V3, SERVICE_V1,
    SERVICE_V3, SOAP_ENV,
};
use crate::xml::writer::CanonicalWriter;
use crate::xml::{parse, Element, Ns, XmlError};

const ENV: Ns = Ns::prefixed("soap", SOAP_ENV);
const R3: Ns = Ns::prefixed("rcp", RECIPIENT_V3);
const M3: Ns = Ns::prefixed("msg3", MESSAGE_V3);

/// The start tag every canonical `SignedDelivery` Kuvert writes begins with.
const SIGNED_DELIVERY_START: &str =
    "<SignedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\">";
const SIGNED_DELIVERY_END: &str = "</SignedDelivery>";
const SEALED_DELIVERY_START: &str =
    "<SealedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\">";
const SEALED_DELIVERY_END: &str = "</SealedDelivery>";

/// Why a SOAP response could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SoapError {
    /// The response is not well-formed XML (or uses a DTD or entity).
    #[error("the reply is not well-formed XML: {0}")]
    Xml(#[from] XmlError),
    /// The XML is not a SOAP 1.1 envelope with a body.
    #[error("the reply is not a SOAP 1.1 envelope")]
    NotSoap,
    /// The service answered with a SOAP fault.
    #[error("{0}")]
    Fault(SoapFault),
    /// The body holds another element than the operation's response.
    #[error("expected {expected} in the reply, found {found}")]
    UnexpectedElement {
        /// The element expected.
        expected: &'static str,
        /// The element found.
        found: String,
    },
    /// A required element is missing.
    #[error("the reply lacks {0}")]
    Missing(&'static str),
    /// An element holds a value outside the contract.
    #[error("the reply's {element} holds an invalid value {value:?}")]
    Invalid {
        /// The element.
        element: &'static str,
        /// The value found (truncated).
        value: String,
    },
    /// The document to send is not a canonical SignedDelivery from Kuvert.
    #[error("the signed delivery is not in the form Kuvert writes")]
    NotCanonicalDelivery,
}

/// A SOAP fault, with the Mina meddelanden `ExceptionInformation` when the
/// service sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapFault {
    /// `faultcode` (e.g. `soap:Server`, `soap:Client`).
    pub code: String,
    /// `faultstring`.
    pub message: String,
    /// The structured detail, if present.
    pub detail: Option<ExceptionInformation>,
}

impl SoapFault {
    /// Whether the fault blames the request (`Client`): retrying the same
    /// request will fail again.
    pub fn is_client_fault(&self) -> bool {
        let local = self.code.rsplit(':').next().unwrap_or("");
        local.starts_with("Client")
    }
}

impl std::fmt::Display for SoapFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(d) => write!(
                f,
                "the service refused the request: {} (error {}, call id {})",
                d.description, d.error_code, d.call_id
            ),
            None => write!(f, "the service refused the request: {}", self.message),
        }
    }
}

/// `ExceptionInformation{ErrorCode, Description, CallId}` (Common and Common/v3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionInformation {
    /// The service's error code.
    pub error_code: u32,
    /// Human-readable description.
    pub description: String,
    /// The call id to quote to the service's support.
    pub call_id: String,
}

// ------------------------------------------------------------------ writing

fn envelope(body: impl FnOnce(&mut CanonicalWriter) -> std::io::Result<()>) -> Vec<u8> {
    let mut w = CanonicalWriter::with_capacity(1024);
    // Writing into memory cannot fail.
    let _ = (|| {
        w.open(ENV, "Envelope")?;
        w.open(ENV, "Body")?;
        body(&mut w)?;
        w.close()?;
        w.close()
    })();
    w.finish().unwrap_or_default()
}

/// The `isReachable` request (Recipient/v3) for up to 1000 recipients.
pub fn is_reachable_request(sender: &OrganizationNumber, recipients: &[RecipientId]) -> Vec<u8> {
    envelope(|w| {
        w.open(R3, "isReachable")?;
        w.leaf(R3, "senderOrgNr", sender.as_str())?;
        for recipient in recipients.iter().take(1000) {
            w.leaf(R3, "recipientId", recipient.as_str())?;
        }
        w.close()
    })
}

/// The `distributeSecure` request carrying a signed delivery. The delivery
/// travels as `distributeSecure/signedDelivery` with the signed content
/// unchanged, and `signedDelivery` itself declares the Message/v3 default
/// namespace the content was signed under: a peer that cuts the raw
/// subtree out (and names it `SignedDelivery` again) has the signed
/// document byte for byte, and one that restores the root by
/// canonicalization gets the same.
pub fn distribute_secure_request(signed_delivery: &[u8]) -> Result<Vec<u8>, SoapError> {
    let inner = signed_delivery
        .strip_prefix(SIGNED_DELIVERY_START.as_bytes())
        .and_then(|rest| rest.strip_suffix(SIGNED_DELIVERY_END.as_bytes()))
        .ok_or(SoapError::NotCanonicalDelivery)?;
    let head = format!(
        "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Body><distributeSecure xmlns=\"{MESSAGE_V3}\"><signedDelivery xmlns=\"{MESSAGE_V3}\">"
    );
    let tail = "</signedDelivery></distributeSecure></soap:Body></soap:Envelope>";
    let mut out = Vec::with_capacity(head.len() + inner.len() + tail.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(inner);
    out.extend_from_slice(tail.as_bytes());
    Ok(out)
}

/// The head of the `deliverSecure` request (Service/v3) around a sealed
/// delivery's content; [`DELIVER_SECURE_TAIL`] closes it.
pub fn deliver_secure_head() -> String {
    format!(
        "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Body><svc3:deliverSecure xmlns:svc3=\"{SERVICE_V3}\"><svc3:deliverSecure xmlns=\"{MESSAGE_V3}\">"
    )
}

/// The tail of the `deliverSecure` request.
pub const DELIVER_SECURE_TAIL: &str =
    "</svc3:deliverSecure></svc3:deliverSecure></soap:Body></soap:Envelope>";

/// The `deliverSecure` request (Service/v3) a förmedlare sends to a
/// mailbox operator, carrying a standalone `SealedDelivery` document as
/// [`seal`](crate::seal::seal) writes it. The sealed content travels
/// unchanged: the inner wrapper declares the Message/v3 default namespace
/// it was sealed under, so the operator cuts out the sealed document byte
/// for byte.
pub fn deliver_secure_request(sealed_delivery: &[u8]) -> Result<Vec<u8>, SoapError> {
    let inner = sealed_delivery
        .strip_prefix(SEALED_DELIVERY_START.as_bytes())
        .and_then(|rest| rest.strip_suffix(SEALED_DELIVERY_END.as_bytes()))
        .ok_or(SoapError::NotCanonicalDelivery)?;
    let head = deliver_secure_head();
    let mut out = Vec::with_capacity(head.len() + inner.len() + DELIVER_SECURE_TAIL.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(inner);
    out.extend_from_slice(DELIVER_SECURE_TAIL.as_bytes());
    Ok(out)
}

/// The `checkDistributionStatus` request (Message/v3).
pub fn check_distribution_status_request(
    sender: &OrganizationNumber,
    distribution_id: &str,
) -> Vec<u8> {
    envelope(|w| {
        w.open(M3, "checkDistributionStatus")?;
        w.leaf(M3, "senderId", sender.as_str())?;
        w.leaf(M3, "distributionId", distribution_id)?;
        w.close()
    })
}

// ------------------------------------------------------------------ reading

/// Parses an envelope and returns its body's first element, turning a
/// `Fault` into [`SoapError::Fault`].
pub fn body_element(xml: &str) -> Result<Element, SoapError> {
    let doc = parse(xml)?;
    if !doc.root.is(SOAP_ENV, "Envelope") {
        return Err(SoapError::NotSoap);
    }
    let body = doc.root.child(SOAP_ENV, "Body").ok_or(SoapError::NotSoap)?;
    let first = body
        .elements()
        .next()
        .ok_or(SoapError::Missing("a body element"))?;
    if first.is(SOAP_ENV, "Fault") {
        return Err(SoapError::Fault(read_fault(first)));
    }
    Ok(first.clone())
}

/// Reads a fault; personal identity numbers in its texts are masked
/// ([`mask_identity_numbers`]).
fn read_fault(fault: &Element) -> SoapFault {
    // faultcode/faultstring/detail are unqualified in SOAP 1.1, but some
    // stacks qualify them: match on the local name.
    let local = |name: &str| fault.elements().find(|e| e.local == name);
    let detail = local("detail")
        .and_then(|d| d.elements().next())
        .and_then(|info| {
            let field = |name: &str| {
                [COMMON_V3, COMMON_V1]
                    .iter()
                    .find_map(|ns| info.child(ns, name))
                    .map(|e| mask_identity_numbers(e.text().trim()))
            };
            Some(ExceptionInformation {
                error_code: field("ErrorCode")?.parse().ok()?,
                description: field("Description")?,
                call_id: field("CallId")?,
            })
        });
    SoapFault {
        code: local("faultcode")
            .map(|e| e.text().trim().to_string())
            .unwrap_or_default(),
        // The intermediary's words may name the recipient: masked before
        // they reach a log, the history or the screen.
        message: local("faultstring")
            .map(|e| mask_identity_numbers(e.text().trim()))
            .unwrap_or_default(),
        detail,
    }
}

fn expect<'a>(
    element: &'a Element,
    ns: &str,
    local: &'static str,
) -> Result<&'a Element, SoapError> {
    if element.is(ns, local) {
        Ok(element)
    } else {
        Err(SoapError::UnexpectedElement {
            expected: local,
            found: element.local.clone(),
        })
    }
}

fn required<'a>(
    parent: &'a Element,
    ns: &str,
    local: &'static str,
) -> Result<&'a Element, SoapError> {
    parent.child(ns, local).ok_or(SoapError::Missing(local))
}

fn invalid(element: &'static str, value: &str) -> SoapError {
    SoapError::Invalid {
        element,
        value: value.chars().take(80).collect(),
    }
}

fn boolean(parent: &Element, ns: &str, local: &'static str) -> Result<bool, SoapError> {
    let text = required(parent, ns, local)?.text();
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(invalid(local, other)),
    }
}

fn recipient(parent: &Element, ns: &str) -> Result<RecipientId, SoapError> {
    let text = required(parent, ns, "RecipientId")?.text();
    RecipientId::from_wire(text.trim()).map_err(|_| invalid("RecipientId", &text))
}

/// What FaR says about one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachabilityStatus {
    /// The recipient asked about.
    pub recipient: RecipientId,
    /// Account type.
    pub account: AccountType,
    /// Whether the registration is still pending.
    pub pending: bool,
    /// The chosen mailbox operator, if any.
    pub supplier: Option<ServiceSupplier>,
    /// Whether the recipient accepts mail from this sender.
    pub sender_accepted: bool,
}

/// `AccountTypes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountType {
    /// A secure mailbox.
    Secure,
    /// An anonymous account (cannot receive secure mail).
    Anonymous,
    /// Not registered.
    Not,
}

/// A mailbox operator (`ServiceSupplier`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSupplier {
    /// Operator's organisation number (wire form).
    pub id: String,
    /// Operator's name, e.g. "Kivra".
    pub name: String,
    /// Where the intermediary delivers (`ServiceAdress`).
    pub service_address: String,
    /// Where recipients read their mail (`UIAdress`).
    pub ui_address: Option<String>,
}

/// Whether a digital delivery is possible, and if not, why — in the terms an
/// officer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reachability {
    /// Can receive secure digital mail from this sender through `operator`.
    Digital {
        /// The mailbox operator's name.
        operator: String,
    },
    /// Has no mailbox for secure digital mail.
    NotRegistered,
    /// Has begun registering, but the registration is not finished.
    RegistrationPending,
    /// Has a mailbox but has not accepted mail from this sender.
    SenderNotAccepted,
}

impl ReachabilityStatus {
    /// Digital delivery needs `Type=Secure`, `Pending=false` and
    /// `SenderAccepted=true`; anything else is explained.
    pub fn reachability(&self) -> Reachability {
        match (
            self.account,
            self.pending,
            self.sender_accepted,
            &self.supplier,
        ) {
            (AccountType::Secure, false, true, Some(s)) => Reachability::Digital {
                operator: s.name.clone(),
            },
            (AccountType::Secure | AccountType::Anonymous, true, _, _) => {
                Reachability::RegistrationPending
            }
            (AccountType::Secure, false, false, _) => Reachability::SenderNotAccepted,
            _ => Reachability::NotRegistered,
        }
    }
}

impl std::fmt::Display for Reachability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reachability::Digital { operator } => {
                write!(f, "can receive digital mail ({operator})")
            }
            Reachability::NotRegistered => f.write_str("has no digital mailbox"),
            Reachability::RegistrationPending => {
                f.write_str("has started registering a digital mailbox but not finished")
            }
            Reachability::SenderNotAccepted => {
                f.write_str("has a digital mailbox but has not accepted mail from this sender")
            }
        }
    }
}

/// Reads an `isReachableResponse`.
pub fn parse_is_reachable_response(xml: &str) -> Result<Vec<ReachabilityStatus>, SoapError> {
    let body = body_element(xml)?;
    let response = expect(&body, RECIPIENT_V3, "isReachableResponse")?;
    response
        .children_named(RECIPIENT_V3, "return")
        .map(read_reachability)
        .collect()
}

fn read_reachability(status: &Element) -> Result<ReachabilityStatus, SoapError> {
    let account = required(status, RECIPIENT_V1, "AccountStatus")?;
    let kind = required(account, RECIPIENT_V1, "Type")?.text();
    let account_type = match kind.trim() {
        "Secure" => AccountType::Secure,
        "Anonymous" => AccountType::Anonymous,
        "Not" => AccountType::Not,
        other => return Err(invalid("Type", other)),
    };
    let supplier = match account.child(RECIPIENT_V1, "ServiceSupplier") {
        Some(s) => {
            let text = |local: &'static str| -> Result<String, SoapError> {
                Ok(required(s, RECIPIENT_V1, local)?.text().trim().to_string())
            };
            Some(ServiceSupplier {
                id: text("Id")?,
                name: text("Name")?,
                service_address: text("ServiceAdress")?,
                ui_address: s
                    .child(RECIPIENT_V1, "UIAdress")
                    .map(|e| e.text().trim().to_string()),
            })
        }
        None => None,
    };
    Ok(ReachabilityStatus {
        recipient: recipient(account, RECIPIENT_V1)?,
        account: account_type,
        pending: boolean(account, RECIPIENT_V1, "Pending")?,
        supplier,
        sender_accepted: boolean(status, RECIPIENT_V1, "SenderAccepted")?,
    })
}

/// Reads a `distributeSecureResponse`: the distribution id.
pub fn parse_distribute_secure_response(xml: &str) -> Result<String, SoapError> {
    let body = body_element(xml)?;
    let response = expect(&body, MESSAGE_V3, "distributeSecureResponse")?;
    let id = required(response, MESSAGE_V3, "return")?.text();
    let id = id.trim();
    if !is_plain_id(id) {
        return Err(invalid("return", id));
    }
    Ok(id.to_string())
}

/// A mailbox operator's answer to `deliverSecure` (`DeliveryResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryResult {
    /// The operator's transaction id.
    pub transaction_id: String,
    /// Per recipient, whether the delivery was taken.
    pub statuses: Vec<(RecipientId, bool)>,
}

/// Reads a `deliverSecureResponse` (faults become [`SoapError::Fault`]),
/// strictly in the contract's shape: one `return` holding a plain
/// `TransId` and then one or more `Status` (`RecipientId`, `Delivered`),
/// nothing else.
pub fn parse_deliver_secure_response(xml: &str) -> Result<DeliveryResult, SoapError> {
    let body = body_element(xml)?;
    let response = expect(&body, SERVICE_V3, "deliverSecureResponse")?;
    let [result] = exactly(response, [(SERVICE_V3, "return")])?;
    let mut parts = result.elements();
    let transaction_id = match parts.next() {
        Some(first) => expect(first, SERVICE_V1, "TransId")?.text(),
        None => return Err(SoapError::Missing("TransId")),
    };
    let transaction_id = transaction_id.trim();
    if !is_plain_id(transaction_id) {
        return Err(invalid("TransId", transaction_id));
    }
    let statuses = parts
        .map(|status| {
            expect(status, SERVICE_V1, "Status")?;
            let [id, delivered] = exactly(
                status,
                [(SERVICE_V1, "RecipientId"), (SERVICE_V1, "Delivered")],
            )?;
            let delivered = match delivered.text().trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                other => return Err(invalid("Delivered", other)),
            };
            let text = id.text();
            let recipient =
                RecipientId::from_wire(text.trim()).map_err(|_| invalid("RecipientId", &text))?;
            Ok((recipient, delivered))
        })
        .collect::<Result<Vec<_>, SoapError>>()?;
    if statuses.is_empty() {
        return Err(SoapError::Missing("Status"));
    }
    Ok(DeliveryResult {
        transaction_id: transaction_id.to_string(),
        statuses,
    })
}

/// The children of `parent`, exactly these in this order.
fn exactly<'a, const N: usize>(
    parent: &'a Element,
    names: [(&str, &'static str); N],
) -> Result<[&'a Element; N], SoapError> {
    let mut children = parent.elements();
    let mut found = Vec::with_capacity(N);
    for (ns, local) in names {
        let child = children.next().ok_or(SoapError::Missing(local))?;
        found.push(expect(child, ns, local)?);
    }
    if let Some(extra) = children.next() {
        return Err(SoapError::UnexpectedElement {
            expected: "no further element",
            found: extra.local.clone(),
        });
    }
    // N were pushed, one per name.
    found.try_into().map_err(|_| SoapError::Missing(names[0].1))
}

/// A distribution id Kuvert keeps, shows and sends back: 1–50 ASCII
/// letters, digits, `-`, `_` and `.` (not leading, never `..`), as the
/// intermediaries' UUIDs are. Anything else — control characters, paths,
/// markup, spaces — is a malformed answer, not an id to store.
pub fn is_plain_id(id: &str) -> bool {
    (1..=50).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !id.starts_with('.')
        && !id.contains("..")
}

/// How the intermediary routed a delivery (`DistributionTypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistributionType {
    /// Delivered digitally.
    Digital,
    /// Routed to paper.
    Paper,
    /// Not distributed.
    Not,
}

/// Whether a mailbox operator has the delivery (`DeliveryStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// The mailbox operator confirmed delivery.
    Delivered,
    /// Still on its way.
    Pending,
    /// The mailbox operator could not take it.
    DeliveryFailed,
}

/// One entry of a `checkDistributionStatusResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionStatus {
    /// The recipient.
    pub recipient: RecipientId,
    /// How it was routed.
    pub distribution: DistributionType,
    /// Delivery outcome, when known.
    pub delivery: Option<DeliveryStatus>,
}

/// Reads a `checkDistributionStatusResponse`.
pub fn parse_check_distribution_status_response(
    xml: &str,
) -> Result<Vec<DistributionStatus>, SoapError> {
    let body = body_element(xml)?;
    let response = expect(&body, MESSAGE_V3, "checkDistributionStatusResponse")?;
    response
        .children_named(MESSAGE_V3, "return")
        .map(|status| {
            let kind = required(status, MESSAGE_V1, "Type")?.text();
            let distribution = match kind.trim() {
                "Digital" => DistributionType::Digital,
                "Paper" => DistributionType::Paper,
                "Not" => DistributionType::Not,
                other => return Err(invalid("Type", other)),
            };
            let delivery = match status.child(MESSAGE_V1, "DeliveryStatus") {
                None => None,
                Some(e) => Some(match e.text().trim() {
                    "Delivered" => DeliveryStatus::Delivered,
                    "Pending" => DeliveryStatus::Pending,
                    "DeliveryFailed" => DeliveryStatus::DeliveryFailed,
                    other => return Err(invalid("DeliveryStatus", other)),
                }),
            };
            Ok(DistributionStatus {
                recipient: recipient(status, MESSAGE_V1)?,
                distribution,
                delivery,
            })
        })
        .collect()
}
