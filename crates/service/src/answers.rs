//! The server side of the SOAP contracts, for Kuvert's built-in test
//! environment: reading the requests Kuvert's client sends (`isReachable`,
//! `distributeSecure`, `checkDistributionStatus`) and writing their
//! responses and faults; and the mailbox operators' `deliverSecure`
//! (Service/v3), both the intermediary's request and the operator's response.
//!
//! Responses are written so that the client parsers in
//! [`kuvert_protocol::soap`] read them back and so that they validate against
//! the official schemas. Requests are read by namespace URI and local name,
//! whatever the prefixes.
//!
//! A signed delivery travels inside `distributeSecure/signedDelivery`; the
//! reader gives it back as the standalone `SignedDelivery` document it was
//! signed as — byte for byte when the request has the shape Kuvert writes,
//! otherwise through exclusive canonicalization (which is what the signature
//! covers).

use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use kuvert_protocol::soap::{
    body_element, AccountType, DeliveryStatus, DistributionStatus, DistributionType,
    ExceptionInformation, ReachabilityStatus, SoapError,
};
use kuvert_protocol::xml::names::{
    COMMON_V3, MESSAGE_V1, MESSAGE_V3, RECIPIENT_V1, RECIPIENT_V3, SERVICE_V1, SERVICE_V3, SOAP_ENV,
};
use kuvert_protocol::xml::tree::NamespaceDecl;
use kuvert_protocol::xml::writer::CanonicalWriter;
use kuvert_protocol::xml::{parse, Document, Element, Node, Ns};

const ENV: Ns = Ns::prefixed("soap", SOAP_ENV);
const R3: Ns = Ns::prefixed("rcp", RECIPIENT_V3);
const R1: Ns = Ns::prefixed("rcp1", RECIPIENT_V1);
const M3: Ns = Ns::prefixed("msg3", MESSAGE_V3);
const M1: Ns = Ns::prefixed("msg", MESSAGE_V1);
const S3: Ns = Ns::prefixed("svc3", SERVICE_V3);
const S1: Ns = Ns::prefixed("svc", SERVICE_V1);

const SIGNED_DELIVERY_START: &str =
    "<SignedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\">";
const SIGNED_DELIVERY_END: &str = "</SignedDelivery>";
const SEALED_DELIVERY_START: &str =
    "<SealedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\">";
const SEALED_DELIVERY_END: &str = "</SealedDelivery>";

/// The SOAP envelope head and tail Kuvert writes around a signed delivery
/// (see [`kuvert_protocol::soap::distribute_secure_request`]).
fn distribute_head() -> String {
    format!(
        "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Body><distributeSecure xmlns=\"{MESSAGE_V3}\"><signedDelivery xmlns=\"{MESSAGE_V3}\">"
    )
}
const DISTRIBUTE_TAIL: &str = "</signedDelivery></distributeSecure></soap:Body></soap:Envelope>";

use kuvert_protocol::soap::{
    deliver_secure_head as deliver_head, DELIVER_SECURE_TAIL as DELIVER_TAIL,
};

// ------------------------------------------------------------------ helpers

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

fn invalid(element: &'static str, value: &str) -> SoapError {
    SoapError::Invalid {
        element,
        value: value.chars().take(80).collect(),
    }
}

/// The only child elements of `parent`, which must be exactly `names` in
/// this order (a name may repeat when listed with `many`).
fn only_children<'a>(
    parent: &'a Element,
    ns: &str,
    first: &'static str,
    then: Option<(&'static str, usize, usize)>,
) -> Result<(&'a Element, Vec<&'a Element>), SoapError> {
    if parent
        .children
        .iter()
        .any(|n| matches!(n, Node::Text(t) if !t.trim().is_empty()))
    {
        return Err(invalid(first, "text in element-only content"));
    }
    let mut children = parent.elements();
    let head = children.next().ok_or(SoapError::Missing(first))?;
    expect(head, ns, first)?;
    let rest: Vec<&Element> = children.collect();
    match then {
        None if rest.is_empty() => Ok((head, rest)),
        None => Err(SoapError::UnexpectedElement {
            expected: "no further element",
            found: rest[0].local.clone(),
        }),
        Some((local, min, max)) => {
            for e in &rest {
                expect(e, ns, local)?;
            }
            if rest.len() < min {
                return Err(SoapError::Missing(local));
            }
            if rest.len() > max {
                return Err(invalid(local, &format!("{} elements", rest.len())));
            }
            Ok((head, rest))
        }
    }
}

fn organisation(element: &Element, name: &'static str) -> Result<OrganizationNumber, SoapError> {
    let text = element.text();
    OrganizationNumber::from_wire(&text).map_err(|_| invalid(name, &text))
}

fn recipient(element: &Element, name: &'static str) -> Result<RecipientId, SoapError> {
    let text = element.text();
    RecipientId::from_wire(&text).map_err(|_| invalid(name, &text))
}

/// A copy of `element` that carries the namespace declarations of its
/// ancestors (`inherited`, outermost first) as its own, so it can stand as a
/// document root.
fn as_root(element: &Element, inherited: &[NamespaceDecl]) -> Document {
    let mut root = element.clone();
    let mut decls: Vec<NamespaceDecl> = Vec::new();
    for decl in inherited.iter().chain(element.namespace_decls.iter()) {
        decls.retain(|d| d.prefix != decl.prefix);
        decls.push(decl.clone());
    }
    root.namespace_decls = decls;
    Document {
        before_root: Vec::new(),
        root,
        after_root: Vec::new(),
    }
}

/// The payload element `{ns}local` that is the only child of the body's
/// operation element, as a standalone document renamed `{root_ns}root`
/// (exclusive canonical form).
fn canonical_payload(
    doc: &Document,
    payload: (&str, &'static str),
    root: &'static str,
) -> Result<Vec<u8>, SoapError> {
    let body = doc.root.child(SOAP_ENV, "Body").ok_or(SoapError::NotSoap)?;
    let operation = body
        .elements()
        .next()
        .ok_or(SoapError::Missing("a body element"))?;
    let (inner, _) = only_children(operation, payload.0, payload.1, None)?;
    let inherited: Vec<NamespaceDecl> = doc
        .root
        .namespace_decls
        .iter()
        .chain(body.namespace_decls.iter())
        .chain(operation.namespace_decls.iter())
        .cloned()
        .collect();
    let standalone = as_root(inner, &inherited);
    kuvert_protocol::dsig::extract_as_root(&standalone, payload.0, payload.1, MESSAGE_V3, root)
        .ok_or(SoapError::Missing(payload.1))
}

/// When `xml` is exactly `head + inner + tail`, `start + inner + end`.
fn byte_exact(xml: &str, head: &str, tail: &str, start: &str, end: &str) -> Option<Vec<u8>> {
    let inner = xml.strip_prefix(head)?.strip_suffix(tail)?;
    let mut out = Vec::with_capacity(start.len() + inner.len() + end.len());
    out.extend_from_slice(start.as_bytes());
    out.extend_from_slice(inner.as_bytes());
    out.extend_from_slice(end.as_bytes());
    Some(out)
}

fn soap_body(xml: &str) -> Result<(Document, Element), SoapError> {
    let doc = parse(xml)?;
    if !doc.root.is(SOAP_ENV, "Envelope") {
        return Err(SoapError::NotSoap);
    }
    let first = body_element(xml)?;
    Ok((doc, first))
}

// ------------------------------------------------------------ isReachable

/// An `isReachable` request as the service reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsReachableRequest {
    /// `senderOrgNr`.
    pub sender: OrganizationNumber,
    /// `recipientId` (0–1000).
    pub recipients: Vec<RecipientId>,
}

/// Reads an `isReachable` request (Recipient/v3).
pub fn parse_is_reachable_request(xml: &str) -> Result<IsReachableRequest, SoapError> {
    let body = body_element(xml)?;
    let request = expect(&body, RECIPIENT_V3, "isReachable")?;
    let (sender, rest) = only_children(
        request,
        RECIPIENT_V3,
        "senderOrgNr",
        Some(("recipientId", 0, 1000)),
    )?;
    Ok(IsReachableRequest {
        sender: organisation(sender, "senderOrgNr")?,
        recipients: rest
            .into_iter()
            .map(|e| recipient(e, "recipientId"))
            .collect::<Result<_, _>>()?,
    })
}

/// The `isReachableResponse`. A supplier's `ServiceAdress` is also written as
/// the contract's required `InternalServiceAdress`.
pub fn is_reachable_response(statuses: &[ReachabilityStatus]) -> Vec<u8> {
    envelope(|w| {
        w.open(R3, "isReachableResponse")?;
        for status in statuses {
            w.open(R3, "return")?;
            w.open(R1, "AccountStatus")?;
            w.leaf(R1, "RecipientId", status.recipient.as_str())?;
            let kind = match status.account {
                AccountType::Secure => "Secure",
                AccountType::Anonymous => "Anonymous",
                AccountType::Not => "Not",
            };
            w.leaf(R1, "Type", kind)?;
            w.leaf(R1, "Pending", if status.pending { "true" } else { "false" })?;
            if let Some(s) = &status.supplier {
                w.open(R1, "ServiceSupplier")?;
                w.leaf(R1, "Id", &s.id)?;
                w.leaf(R1, "Name", &s.name)?;
                w.leaf(R1, "ServiceAdress", &s.service_address)?;
                if let Some(ui) = &s.ui_address {
                    w.leaf(R1, "UIAdress", ui)?;
                }
                w.leaf(R1, "InternalServiceAdress", &s.service_address)?;
                w.close()?;
            }
            w.close()?;
            w.leaf(
                R1,
                "SenderAccepted",
                if status.sender_accepted {
                    "true"
                } else {
                    "false"
                },
            )?;
            w.close()?;
        }
        w.close()
    })
}

// -------------------------------------------------------- distributeSecure

/// Reads a `distributeSecure` request and returns the standalone
/// `SignedDelivery` it carries: byte for byte what Kuvert signed when the
/// request has the shape Kuvert writes, otherwise the payload's exclusive
/// canonical form under its signed root name.
pub fn parse_distribute_secure_request(xml: &str) -> Result<Vec<u8>, SoapError> {
    let (doc, body) = soap_body(xml)?;
    expect(&body, MESSAGE_V3, "distributeSecure")?;
    if let Some(exact) = byte_exact(
        xml,
        &distribute_head(),
        DISTRIBUTE_TAIL,
        SIGNED_DELIVERY_START,
        SIGNED_DELIVERY_END,
    ) {
        // The wrapper binds only the Message/v3 default namespace, which is
        // also what the signed root binds: the content means the same.
        return Ok(exact);
    }
    canonical_payload(&doc, (MESSAGE_V3, "signedDelivery"), "SignedDelivery")
}

/// The `distributeSecureResponse` carrying the distribution id.
pub fn distribute_secure_response(distribution_id: &str) -> Vec<u8> {
    envelope(|w| {
        w.open(M3, "distributeSecureResponse")?;
        w.leaf(M3, "return", distribution_id)?;
        w.close()
    })
}

// ------------------------------------------------- checkDistributionStatus

/// A `checkDistributionStatus` request as the service reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDistributionStatusRequest {
    /// `senderId`.
    pub sender: OrganizationNumber,
    /// `distributionId` (1–50 characters).
    pub distribution_id: String,
}

/// Reads a `checkDistributionStatus` request (Message/v3).
pub fn parse_check_distribution_status_request(
    xml: &str,
) -> Result<CheckDistributionStatusRequest, SoapError> {
    let body = body_element(xml)?;
    let request = expect(&body, MESSAGE_V3, "checkDistributionStatus")?;
    let (sender, rest) = only_children(
        request,
        MESSAGE_V3,
        "senderId",
        Some(("distributionId", 1, 1)),
    )?;
    let id = rest[0].text();
    if id.is_empty() || id.chars().count() > 50 {
        return Err(invalid("distributionId", &id));
    }
    Ok(CheckDistributionStatusRequest {
        sender: organisation(sender, "senderId")?,
        distribution_id: id,
    })
}

/// The `checkDistributionStatusResponse`.
pub fn check_distribution_status_response(statuses: &[DistributionStatus]) -> Vec<u8> {
    envelope(|w| {
        w.open(M3, "checkDistributionStatusResponse")?;
        for status in statuses {
            w.open(M3, "return")?;
            w.leaf(M1, "RecipientId", status.recipient.as_str())?;
            let kind = match status.distribution {
                DistributionType::Digital => "Digital",
                DistributionType::Paper => "Paper",
                DistributionType::Not => "Not",
            };
            w.leaf(M1, "Type", kind)?;
            if let Some(delivery) = status.delivery {
                let text = match delivery {
                    DeliveryStatus::Delivered => "Delivered",
                    DeliveryStatus::Pending => "Pending",
                    DeliveryStatus::DeliveryFailed => "DeliveryFailed",
                };
                w.leaf(M1, "DeliveryStatus", text)?;
            }
            w.close()?;
        }
        w.close()
    })
}

// ----------------------------------------------------------- deliverSecure

pub use kuvert_protocol::soap::{
    deliver_secure_request, parse_deliver_secure_response, DeliveryResult,
};

/// Reads a `deliverSecure` request and returns the standalone
/// `SealedDelivery` it carries (byte for byte for requests in the shape
/// [`deliver_secure_request`] writes, otherwise in exclusive canonical form).
pub fn parse_deliver_secure_request(xml: &str) -> Result<Vec<u8>, SoapError> {
    let (doc, body) = soap_body(xml)?;
    expect(&body, SERVICE_V3, "deliverSecure")?;
    if let Some(exact) = byte_exact(
        xml,
        &deliver_head(),
        DELIVER_TAIL,
        SEALED_DELIVERY_START,
        SEALED_DELIVERY_END,
    ) {
        return Ok(exact);
    }
    canonical_payload(&doc, (SERVICE_V3, "deliverSecure"), "SealedDelivery")
}

/// The `deliverSecureResponse`.
pub fn deliver_secure_response(result: &DeliveryResult) -> Vec<u8> {
    envelope(|w| {
        w.open(S3, "deliverSecureResponse")?;
        w.open(S3, "return")?;
        w.leaf(S1, "TransId", &result.transaction_id)?;
        for (recipient, delivered) in &result.statuses {
            w.open(S1, "Status")?;
            w.leaf(S1, "RecipientId", recipient.as_str())?;
            w.leaf(S1, "Delivered", if *delivered { "true" } else { "false" })?;
            w.close()?;
        }
        w.close()?;
        w.close()
    })
}

// ------------------------------------------------------------------ faults

/// A SOAP 1.1 fault envelope with `ExceptionInformation` in the detail, as
/// the services send it (`applicationFault`, Common/v3).
pub fn fault_response(client_fault: bool, detail: &ExceptionInformation) -> Vec<u8> {
    let common = Ns::prefixed("cmn", COMMON_V3);
    envelope(|w| {
        w.open(ENV, "Fault")?;
        let code = if client_fault {
            "soap:Client"
        } else {
            "soap:Server"
        };
        w.leaf(Ns::default(""), "faultcode", code)?;
        w.leaf(Ns::default(""), "faultstring", &detail.description)?;
        w.open(Ns::default(""), "detail")?;
        w.open(common, "applicationFault")?;
        w.leaf(common, "ErrorCode", &detail.error_code.to_string())?;
        w.leaf(common, "Description", &detail.description)?;
        w.leaf(common, "CallId", &detail.call_id)?;
        w.close()?;
        w.close()?;
        w.close()
    })
}

#[cfg(test)]
mod tests;
