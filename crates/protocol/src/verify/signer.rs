//! Who signed: the signer certificate's subject and organisation number,
//! whether it is a certificate for signing at all, when it was valid, and
//! whether it chains to the trust anchors.

use std::cmp::Ordering;

use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::nid::Nid;
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{X509ExtendedKeyUsage, X509KeyUsage, X509StoreContext, X509};

use crate::date::CalendarDate;

use super::VerifyError;

/// Certificates a signer's certificate must chain to, and the time at which
/// the chain is judged (the protocol crate has no clock).
pub struct TrustAnchors {
    store: X509Store,
}

impl std::fmt::Debug for TrustAnchors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustAnchors").finish_non_exhaustive()
    }
}

impl TrustAnchors {
    /// Trust anchors from a PEM bundle, judged at `unix_time`.
    pub fn from_pem(bundle: &[u8], unix_time: i64) -> Result<Self, VerifyError> {
        let anchors = |e: openssl::error::ErrorStack| VerifyError::TrustAnchors(e.to_string());
        let certs = X509::stack_from_pem(bundle).map_err(anchors)?;
        if certs.is_empty() {
            return Err(VerifyError::TrustAnchors(
                "the bundle holds no certificate".into(),
            ));
        }
        let mut builder = X509StoreBuilder::new().map_err(anchors)?;
        for cert in certs {
            builder.add_cert(cert).map_err(anchors)?;
        }
        let mut param = X509VerifyParam::new().map_err(anchors)?;
        param.set_time(unix_time);
        builder.set_param(&param).map_err(anchors)?;
        Ok(TrustAnchors {
            store: builder.build(),
        })
    }
}

/// Whether a certificate chains to the trust anchors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// It chains to the anchor named here (its subject).
    Trusted {
        /// The subject of the trust anchor the chain ends in.
        anchor: String,
    },
    /// It does not chain to the anchors given.
    NotTrusted {
        /// OpenSSL's reason (e.g. "self-signed certificate").
        reason: String,
    },
    /// No trust anchors were given: nobody vouches for the signer.
    NoTrustAnchors,
}

/// Whether a certificate was valid at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Within its validity period.
    Valid,
    /// Before its `notBefore`.
    NotYetValid,
    /// After its `notAfter`.
    Expired,
}

impl std::fmt::Display for Validity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Validity::Valid => "valid",
            Validity::NotYetValid => "not yet valid",
            Validity::Expired => "expired",
        })
    }
}

/// Whether a certificate is meant for signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usage {
    /// Key usage digitalSignature or nonRepudiation, and not a TLS server
    /// certificate only.
    Signing,
    /// Not a signing certificate, and why.
    NotSigning(String),
}

/// The signer, from the certificate in the signature's `KeyInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The certificate's subject as `key=value` pairs.
    pub subject: String,
    /// The subject's `serialNumber` attribute as written, if present.
    pub serial_number: Option<String>,
    /// The organisation number in the 12-digit wire form (`16` + 10
    /// digits), read from `serialNumber` when it holds one.
    pub organisation_number: Option<String>,
    /// The certificate, DER.
    pub certificate_der: Vec<u8>,
    /// Whether the certificate is meant for signing.
    pub usage: Usage,
    /// `notBefore`, as OpenSSL prints it (e.g. `Nov 22 10:00:00 2026 GMT`).
    pub valid_from: String,
    /// `notAfter`, likewise.
    pub valid_until: String,
    /// Validity at the time of verification.
    pub valid_today: Validity,
    /// The day the signature was made, as far as the document tells (the
    /// seal's `ReceivedTime`), and the validity that day; `None` when the
    /// document carries no signing time.
    pub when_signed: Option<(CalendarDate, Validity)>,
    /// Whether the certificate chains to the trust anchors.
    pub trust: Trust,
}

impl Signer {
    /// The facts about `leaf` (with the extra certificates `chain` from
    /// the signature), judged at `now` and on `signed_on` if known.
    pub(super) fn of(
        leaf: &X509,
        chain: Stack<X509>,
        anchors: Option<&TrustAnchors>,
        now: i64,
        signed_on: Option<CalendarDate>,
    ) -> Result<Signer, VerifyError> {
        let certificate = |e: openssl::error::ErrorStack| VerifyError::Certificate(e.to_string());
        let serial_number = leaf
            .subject_name()
            .entries_by_nid(Nid::SERIALNUMBER)
            .next()
            .and_then(|e| e.data().to_string().ok());
        let valid_today = validity_between(leaf, now, now)?;
        let when_signed = match signed_on {
            Some(day) => {
                let start = time::Date::from(day)
                    .midnight()
                    .assume_utc()
                    .unix_timestamp();
                Some((day, validity_between(leaf, start, start + 86_399)?))
            }
            None => None,
        };
        Ok(Signer {
            subject: subject_text(leaf),
            organisation_number: serial_number.as_deref().and_then(organisation_number),
            serial_number,
            certificate_der: leaf.to_der().map_err(certificate)?,
            usage: usage(leaf),
            valid_from: leaf.not_before().to_string(),
            valid_until: leaf.not_after().to_string(),
            valid_today,
            when_signed,
            trust: match anchors {
                Some(anchors) => trust(anchors, leaf, chain)?,
                None => Trust::NoTrustAnchors,
            },
        })
    }
}

/// The certificate's subject as `key=value` pairs.
pub(crate) fn subject_text(cert: &X509) -> String {
    cert.subject_name()
        .entries()
        .map(|e| {
            format!(
                "{}={}",
                e.object().nid().short_name().unwrap_or("?"),
                e.data().to_string().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The wire form of an organisation number written in a certificate's
/// `serialNumber` (`162021003898`, `2021003898`, `202100-3898`,
/// `SE2021003898`…), or `None` when it holds something else.
fn organisation_number(serial: &str) -> Option<String> {
    let digits: String = serial.chars().filter(char::is_ascii_digit).collect();
    let rest = serial
        .chars()
        .filter(|c| !c.is_ascii_digit() && *c != '-')
        .collect::<String>();
    if !(rest.is_empty() || rest.eq_ignore_ascii_case("SE")) {
        return None;
    }
    match digits.len() {
        10 => Some(format!("16{digits}")),
        12 if digits.starts_with("16") => Some(digits),
        _ => None,
    }
}

fn usage(cert: &X509) -> Usage {
    let signing = X509KeyUsage::DIGITAL_SIGNATURE | X509KeyUsage::NON_REPUDIATION;
    match cert.key_usage() {
        None => {
            return Usage::NotSigning(
                "the certificate states no key usage (a signing certificate has \
                 digitalSignature or nonRepudiation)"
                    .into(),
            )
        }
        Some(bits) if !bits.intersects(signing) => {
            return Usage::NotSigning(
                "the certificate's key usage allows neither digitalSignature nor nonRepudiation"
                    .into(),
            )
        }
        Some(_) => {}
    }
    if cert.extended_key_usage() == Some(X509ExtendedKeyUsage::SSL_SERVER) {
        return Usage::NotSigning("the certificate is a TLS server certificate only".into());
    }
    Usage::Signing
}

/// Validity over the whole interval `from..=to` (both ends inside the
/// validity period: valid).
fn validity_between(cert: &X509, from: i64, to: i64) -> Result<Validity, VerifyError> {
    if compare(cert.not_before(), to)? == Ordering::Greater {
        return Ok(Validity::NotYetValid);
    }
    if compare(cert.not_after(), from)? == Ordering::Less {
        return Ok(Validity::Expired);
    }
    Ok(Validity::Valid)
}

fn compare(time: &Asn1TimeRef, unix: i64) -> Result<Ordering, VerifyError> {
    let certificate = |e: openssl::error::ErrorStack| VerifyError::Certificate(e.to_string());
    let other = Asn1Time::from_unix(unix).map_err(certificate)?;
    time.compare(&other).map_err(certificate)
}

fn trust(anchors: &TrustAnchors, leaf: &X509, chain: Stack<X509>) -> Result<Trust, VerifyError> {
    let failed = |e: openssl::error::ErrorStack| VerifyError::TrustAnchors(e.to_string());
    let mut context = X509StoreContext::new().map_err(failed)?;
    context
        .init(&anchors.store, leaf, &chain, |ctx| {
            if ctx.verify_cert()? {
                let anchor = ctx
                    .chain()
                    .and_then(|c| c.iter().last().map(|a| subject_text(&a.to_owned())))
                    .unwrap_or_default();
                Ok(Trust::Trusted { anchor })
            } else {
                Ok(Trust::NotTrusted {
                    reason: ctx.error().error_string().to_string(),
                })
            }
        })
        .map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::organisation_number;

    #[test]
    fn organisation_numbers_in_the_forms_certificates_write_them() {
        for written in ["162021003898", "2021003898", "202100-3898", "SE2021003898"] {
            assert_eq!(
                organisation_number(written).as_deref(),
                Some("162021003898"),
                "{written}"
            );
        }
        for other in ["", "198501012382", "ABC2021003898", "12345"] {
            assert_eq!(organisation_number(other), None, "{other}");
        }
    }
}
