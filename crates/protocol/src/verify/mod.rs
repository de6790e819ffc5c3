//! Verifying a signed or sealed delivery so that what the verdict vouches
//! for is true.
//!
//! [`verify`] takes a standalone `SignedDelivery` or `SealedDelivery`, or a
//! SOAP envelope carrying one in `distributeSecure` or `deliverSecure`, and
//! returns a [`Verification`] naming exactly which element was verified,
//! who signed it, when the certificate was valid and whether the trust
//! anchors vouch for it. It refuses (with a [`VerifyError`]) whatever is not
//! a mathematically correct signature over the element the document
//! presents:
//!
//! - signature wrapping: the signature must be the last child of the signed
//!   element, its one reference must cover that element (`URI=""`, or a
//!   `#id` naming it and nothing else), ids must be unique, and no delivery,
//!   signature or `ds:Object` may stand anywhere else in the document;
//! - for a `SealedDelivery`, the seal covers the SealedDelivery and the
//!   sender's signature the `SignedDelivery` that is its own first child —
//!   never "the first one found".
//!
//! A correct signature is not yet a genuine delivery: the
//! [`Verification::problems`] say why it is not vouched for — no trust
//! anchors, a signer the anchors do not trust, a certificate not meant for
//! signing or not valid, a signer other than the delivery's `Sender/Id`, a
//! seal by someone other than the expected intermediary.
//! [`Verification::is_valid`] is true only without any.
//!
//! ```
//! use kuvert_protocol::verify::{verify, Policy, VerifyError};
//!
//! let policy = Policy { anchors: None, intermediary: None, now: 1_795_000_000 };
//! assert!(matches!(
//!     verify("<x:Other xmlns:x=\"urn:x\"/>", &policy),
//!     Err(VerifyError::UnexpectedRoot(_))
//! ));
//! ```

mod report;
mod signature;
mod signer;
mod structure;

pub use report::{Problem, Seal, SignatureReport, SignatureRole, Verification};
pub use signature::SignatureAlgorithm;
pub(crate) use signer::subject_text;
pub use signer::{Signer, Trust, TrustAnchors, Usage, Validity};

use openssl::x509::X509;

use crate::date::CalendarDate;
use crate::xml::names::{MESSAGE_V1, MESSAGE_V2, MESSAGE_V3, SENDER};
use crate::xml::{parse, Document, XmlError};

use structure::Kind;

/// Why a document is not a correct signature over the delivery it presents.
/// Each variant names one distinct failure so a caller (and a test) can
/// tell a tampered body from a wrapped or broken signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The document is not well-formed (for example truncated).
    #[error("the document is not well-formed XML: {0}")]
    Xml(#[from] XmlError),
    /// The root element is not one Kuvert verifies.
    #[error(
        "expected a SignedDelivery, a SealedDelivery or a SOAP envelope carrying one, found {0}"
    )]
    UnexpectedRoot(String),
    /// No enveloped `ds:Signature` where one is required.
    #[error("no signature found in {0}")]
    NoSignature(String),
    /// The signature is not the last child of the element it signs.
    #[error("the signature in {0} is not its last child, where the schema puts it")]
    SignatureNotLast(String),
    /// An element with signed content or a signature stands where the
    /// schema has none: the mark of signature wrapping.
    #[error("{element} in {place}, where no such element belongs (signature wrapping?)")]
    UnexpectedElement {
        /// The element found.
        element: String,
        /// Where it was found.
        place: String,
    },
    /// An element's children are not the ones the schema gives it.
    #[error("{element} does not hold what the schema says ({expected})")]
    ChildrenNotAsSchema {
        /// The element.
        element: String,
        /// What it should hold.
        expected: &'static str,
    },
    /// Two elements carry the same id.
    #[error("the id {0:?} is given to more than one element")]
    DuplicateId(String),
    /// A `#id` reference names no element.
    #[error("the signature refers to #{0}, which no element carries")]
    UnresolvedReference(String),
    /// The signature's reference covers something other than the element
    /// that holds the signature.
    #[error("the signature does not cover the element it is in: {0}")]
    ReferenceElsewhere(String),
    /// The signature element lacks a part or has one in an unusable form.
    #[error("the signature is malformed: {0}")]
    MalformedSignature(String),
    /// The seal's `ReceivedTime` or `SignaturesOK` is not readable.
    #[error("the seal is malformed: {0}")]
    MalformedSeal(String),
    /// The delivery's `Header/Sender/Id` is missing.
    #[error("the delivery names no sender (Delivery/Header/Sender/Id)")]
    NoSender,
    /// An algorithm Kuvert does not accept.
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The signed content was changed after signing.
    #[error("the signed content has been changed: the digest does not match")]
    DigestMismatch,
    /// The signature value does not verify with the certificate's key.
    #[error("the signature value does not match the signed information")]
    SignatureInvalid,
    /// The signer's certificate is missing or unreadable.
    #[error("the signer's certificate is missing or unreadable: {0}")]
    Certificate(String),
    /// The trust anchors (or an expected intermediary's certificate) could
    /// not be read.
    #[error("the trust anchors could not be read: {0}")]
    TrustAnchors(String),
    /// The signatures are correct but not vouched for (from
    /// [`Verification::require_valid`]).
    #[error("{0}")]
    NotAccepted(Problem),
}

/// Who must have sealed a sealed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intermediary {
    /// The intermediary's organisation number, 12-digit wire form.
    OrganisationNumber(String),
    /// The intermediary's own certificate (pinned).
    Certificate {
        /// The certificate, DER.
        der: Vec<u8>,
        /// Its subject, for messages.
        subject: String,
    },
}

impl Intermediary {
    /// The intermediary whose certificate this PEM holds.
    pub fn from_certificate_pem(pem: &[u8]) -> Result<Self, VerifyError> {
        let cert = X509::from_pem(pem).map_err(|e| VerifyError::TrustAnchors(e.to_string()))?;
        Ok(Intermediary::Certificate {
            der: cert
                .to_der()
                .map_err(|e| VerifyError::TrustAnchors(e.to_string()))?,
            subject: signer::subject_text(&cert),
        })
    }

    fn matches(&self, signer: &Signer) -> bool {
        match self {
            Intermediary::OrganisationNumber(number) => {
                signer.organisation_number.as_deref() == Some(number.as_str())
            }
            Intermediary::Certificate { der, .. } => signer.certificate_der == *der,
        }
    }
}

impl std::fmt::Display for Intermediary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Intermediary::OrganisationNumber(number) => write!(f, "organisation {number}"),
            Intermediary::Certificate { subject, .. } => write!(f, "the certificate of {subject}"),
        }
    }
}

/// What a verification is judged against.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    /// The certificates signers must chain to; `None`: nobody vouches for
    /// any signer ([`Problem::NoTrustAnchors`]).
    pub anchors: Option<&'a TrustAnchors>,
    /// Who must have sealed a sealed delivery; `None` leaves the sealer
    /// unchecked ([`Problem::NoIntermediaryGiven`]).
    pub intermediary: Option<&'a Intermediary>,
    /// Now, in seconds since the epoch: certificate validity "today".
    pub now: i64,
}

/// Verifies `xml`: a standalone `SignedDelivery` or `SealedDelivery`, or a
/// SOAP envelope whose body is `distributeSecure/signedDelivery` or
/// `deliverSecure/deliverSecure`. Every signature must be mathematically
/// correct over the element the document presents (else the
/// [`VerifyError`]); what is left to doubt is in
/// [`Verification::problems`].
pub fn verify(xml: &str, policy: &Policy<'_>) -> Result<Verification, VerifyError> {
    let doc = parse(xml)?;
    structure::unique_ids(&doc)?;
    let located = structure::locate(&doc)?;
    structure::no_wrapping(&doc, &located)?;
    match located.kind {
        Kind::Signed => {
            let signed =
                structure::standalone(&doc, located.element, &located.inherited, "SignedDelivery")?;
            let sender =
                signature_report(&signed, SignatureRole::Sender, &located.path, None, policy)?;
            let sender_id = sender_id(&signed)?;
            Ok(Verification::judged(vec![sender], sender_id, None, policy))
        }
        Kind::Sealed => {
            let sealed =
                structure::standalone(&doc, located.element, &located.inherited, "SealedDelivery")?;
            let seal = seal_of(&sealed)?;
            let seal_report = signature_report(
                &sealed,
                SignatureRole::Seal,
                &located.path,
                Some(seal.received),
                policy,
            )?;
            // The SignedDelivery that is the SealedDelivery's own first
            // child (the structure check made sure it is one).
            let inner = sealed
                .root
                .elements()
                .next()
                .ok_or_else(|| VerifyError::NoSignature("SealedDelivery".into()))?;
            let signed = structure::standalone(
                &sealed,
                inner,
                &sealed.root.namespace_decls,
                "SignedDelivery",
            )?;
            structure::no_wrapping(&signed, &structure::locate(&signed)?)?;
            let path = format!("{}/SignedDelivery", located.path);
            let sender = signature_report(
                &signed,
                SignatureRole::Sender,
                &path,
                Some(seal.received),
                policy,
            )?;
            let sender_id = sender_id(&signed)?;
            Ok(Verification::judged(
                vec![sender, seal_report],
                sender_id,
                Some(seal),
                policy,
            ))
        }
    }
}

fn signature_report(
    doc: &Document,
    role: SignatureRole,
    path: &str,
    signed_on: Option<CalendarDate>,
    policy: &Policy<'_>,
) -> Result<SignatureReport, VerifyError> {
    let checked = signature::check(doc)?;
    let signer = Signer::of(
        &checked.leaf,
        checked.chain,
        policy.anchors,
        policy.now,
        signed_on,
    )?;
    Ok(SignatureReport {
        role,
        element: path.to_string(),
        algorithm: checked.algorithm,
        legacy_sha1: checked.legacy_sha1,
        signer,
    })
}

/// `Delivery/Header/Sender/Id` of a standalone SignedDelivery.
fn sender_id(signed: &Document) -> Result<String, VerifyError> {
    let id = signed
        .root
        .child(MESSAGE_V3, "Delivery")
        .and_then(|d| d.child(MESSAGE_V3, "Header"))
        .and_then(|h| h.child(MESSAGE_V2, "Sender"))
        .and_then(|s| s.child(SENDER, "Id"))
        .ok_or(VerifyError::NoSender)?;
    Ok(id.text().trim().to_string())
}

/// `Seal{ReceivedTime, SignaturesOK}` of a standalone SealedDelivery.
fn seal_of(sealed: &Document) -> Result<Seal, VerifyError> {
    let seal = sealed
        .root
        .child(MESSAGE_V3, "Seal")
        .ok_or_else(|| VerifyError::MalformedSeal("no Seal".into()))?;
    let field = |local: &str| {
        seal.child(MESSAGE_V1, local)
            .map(|e| e.text().trim().to_string())
            .ok_or_else(|| VerifyError::MalformedSeal(format!("no {local}")))
    };
    let received_text = field("ReceivedTime")?;
    // xs:date may carry a time zone (`Z`, `+01:00`): the day is what counts.
    let day = received_text.get(..10).unwrap_or(&received_text);
    let received = day
        .parse::<CalendarDate>()
        .map_err(|e| VerifyError::MalformedSeal(format!("ReceivedTime {received_text:?}: {e}")))?;
    let signatures_ok = match field("SignaturesOK")?.as_str() {
        "true" | "1" => true,
        "false" | "0" => false,
        other => {
            return Err(VerifyError::MalformedSeal(format!(
                "SignaturesOK {other:?} is not a boolean"
            )))
        }
    };
    Ok(Seal {
        received,
        signatures_ok,
    })
}
