//! Verifying a signed or sealed delivery someone hands us (`kuvert verify`).

use kuvert_protocol::dsig::{self, TrustAnchors, VerifiedDelivery};
use time::OffsetDateTime;

use crate::error::Error;

/// Verifies every signature of a standalone `SignedDelivery` or
/// `SealedDelivery`; with `ca_pem`, each signer certificate must also chain
/// to those CA certificates (judged at `now`).
pub fn verify_delivery(
    xml: &[u8],
    ca_pem: Option<&[u8]>,
    now: OffsetDateTime,
) -> Result<VerifiedDelivery, Error> {
    let text = std::str::from_utf8(xml).map_err(|_| Error::InvalidInput {
        field: "file",
        reason: "the file is not UTF-8 XML".to_string(),
    })?;
    let anchors = ca_pem
        .map(|pem| TrustAnchors::from_pem(pem, now.unix_timestamp()))
        .transpose()?;
    Ok(dsig::verify_delivery(text, anchors.as_ref())?)
}
