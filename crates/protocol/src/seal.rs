//! The intermediary's seal: a `SealedDelivery` wrapping a signed delivery
//! with `Seal{ReceivedTime, SignaturesOK}` and a second enveloped signature.
//!
//! Kuvert itself never seals; its built-in test environment does, and the
//! verifier checks both signatures of what mailbox operators receive.

use crate::date::CalendarDate;
use crate::dsig::{sign_enveloped, SignError, SigningKey, Transforms};
use crate::xml::c14n::{self, Algorithm, Subset};
use crate::xml::names::{MESSAGE_V1, MESSAGE_V3};
use crate::xml::writer::CanonicalWriter;
use crate::xml::{parse, Ns, XmlError};

const M3: Ns = Ns::default(MESSAGE_V3);
const M1: Ns = Ns::prefixed("msg", MESSAGE_V1);

/// Why a delivery could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The signed delivery is not well-formed.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The document is not a v3 SignedDelivery.
    #[error("only a v3 SignedDelivery can be sealed")]
    NotSignedDelivery,
    /// Signing the seal failed.
    #[error(transparent)]
    Sign(#[from] SignError),
}

/// Seals `signed_delivery` (a standalone SignedDelivery document) received on
/// `received`, recording whether its signature verified.
pub fn seal(
    signed_delivery: &str,
    received: CalendarDate,
    signatures_ok: bool,
    key: &SigningKey,
) -> Result<Vec<u8>, SealError> {
    let doc = parse(signed_delivery)?;
    if !doc.root.is(MESSAGE_V3, "SignedDelivery") {
        return Err(SealError::NotSignedDelivery);
    }
    let mut w = CanonicalWriter::with_capacity(signed_delivery.len() + 8 * 1024);
    let _ = (|| -> std::io::Result<()> {
        w.open(M3, "SealedDelivery")?;
        // Canonicalize the signed delivery in its new context: inside a
        // parent that already renders the Message/v3 default namespace.
        let inner = c14n::document(&doc, &Algorithm::exclusive(), &Subset::default());
        w.raw(&strip_default_ns_decl(&inner))?;
        w.open(M3, "Seal")?;
        w.leaf(M1, "ReceivedTime", &received.to_string())?;
        w.leaf(
            M1,
            "SignaturesOK",
            if signatures_ok { "true" } else { "false" },
        )?;
        w.close()?;
        w.close()
    })();
    let canonical = w.finish().map_err(|_| SealError::NotSignedDelivery)?;
    Ok(sign_enveloped(
        canonical,
        key,
        Transforms::EnvelopedExclusive,
    )?)
}

/// Removes ` xmlns="…Message/v3"` from the root start tag: inside the sealed
/// delivery that binding is already in effect, so canonical form omits it.
fn strip_default_ns_decl(canonical: &[u8]) -> Vec<u8> {
    let decl = format!(" xmlns=\"{MESSAGE_V3}\"");
    let end_of_start = canonical.iter().position(|b| *b == b'>').unwrap_or(0);
    match canonical[..end_of_start]
        .windows(decl.len())
        .position(|w| w == decl.as_bytes())
    {
        Some(at) => [&canonical[..at], &canonical[at + decl.len()..]].concat(),
        None => canonical.to_vec(),
    }
}
