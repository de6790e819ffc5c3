//! Verifying a signed or sealed delivery someone hands us (`kuvert verify`).
//!
//! The signers are judged against trust anchors: the CA certificates given
//! (`--ca`), else the profile's CA bundle, else none — and then nothing is
//! ever reported valid ([`kuvert_protocol::verify::Problem::NoTrustAnchors`]).

use std::path::{Path, PathBuf};

use kuvert_protocol::identity::OrganizationNumber;
use kuvert_protocol::verify::{self, Policy, TrustAnchors};
/// The report's types, for the shells.
pub use kuvert_protocol::verify::{
    Intermediary, Problem, Seal, SignatureAlgorithm, SignatureReport, SignatureRole, Signer, Trust,
    Usage, Validity, Verification,
};
use time::OffsetDateTime;

use crate::error::Error;
use crate::profile::{Profile, ProfileError};

/// Where the trust anchors come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorOrigin {
    /// A CA bundle given for this verification.
    Given(PathBuf),
    /// The profile's CA bundle (`service.ca_bundle`).
    Profile(PathBuf),
    /// None: no CA was given and no profile found.
    None,
}

/// The trust anchors of a verification, read.
#[derive(Debug, Clone)]
pub struct Anchors {
    /// Where they come from.
    pub origin: AnchorOrigin,
    pem: Option<Vec<u8>>,
}

impl Anchors {
    /// `ca` when given, else the CA bundle of the profile (`profile`, or the
    /// default profile when there is one), else none. A profile named but
    /// not loadable is an error, not a silent "no anchors".
    pub fn choose(ca: Option<&Path>, profile: Option<&Path>) -> Result<Self, Error> {
        if let Some(ca) = ca {
            return Ok(Anchors {
                origin: AnchorOrigin::Given(ca.to_path_buf()),
                pem: Some(read(ca)?),
            });
        }
        match Profile::load(profile) {
            Ok(profile) => {
                let path = profile.ca_bundle_path().to_path_buf();
                Ok(Anchors {
                    pem: Some(read(&path)?),
                    origin: AnchorOrigin::Profile(path),
                })
            }
            Err(ProfileError::NotFound { .. }) if profile.is_none() => Ok(Anchors {
                origin: AnchorOrigin::None,
                pem: None,
            }),
            Err(other) => Err(other.into()),
        }
    }
}

/// The intermediary that must have sealed: by organisation number (any
/// common form) or by its certificate (PEM), or `None` when neither is given.
pub fn intermediary(
    organisation_number: Option<&str>,
    certificate: Option<&Path>,
) -> Result<Option<Intermediary>, Error> {
    if let Some(path) = certificate {
        return Ok(Some(Intermediary::from_certificate_pem(&read(path)?)?));
    }
    organisation_number
        .map(|text| {
            OrganizationNumber::parse(text)
                .map(|number| Intermediary::OrganisationNumber(number.as_str().to_string()))
                .map_err(|e| Error::InvalidInput {
                    field: "--intermediary",
                    reason: format!("{text:?} is not an organisation number: {e}"),
                })
        })
        .transpose()
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })
}

/// Verifies `xml` — a standalone `SignedDelivery` or `SealedDelivery`, or a
/// SOAP envelope carrying one in `distributeSecure` or `deliverSecure` — with
/// `anchors` judged at `now`, and `intermediary` as the one that must have
/// sealed a sealed delivery. An `Err` means the signatures are not correct
/// over the delivery presented; an `Ok` whose
/// [`problems`](Verification::problems) are not empty means they are, but
/// the delivery is not vouched for.
pub fn verify_delivery(
    xml: &[u8],
    anchors: &Anchors,
    intermediary: Option<&Intermediary>,
    now: OffsetDateTime,
) -> Result<Verification, Error> {
    let text = std::str::from_utf8(xml).map_err(|_| Error::InvalidInput {
        field: "file",
        reason: "the file is not UTF-8 XML".to_string(),
    })?;
    let trust = anchors
        .pem
        .as_deref()
        .map(|pem| TrustAnchors::from_pem(pem, now.unix_timestamp()))
        .transpose()?;
    let policy = Policy {
        anchors: trust.as_ref(),
        intermediary,
        now: now.unix_timestamp(),
    };
    Ok(verify::verify(text, &policy)?)
}
