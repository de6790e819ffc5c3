//! Reading the facts Kuvert shows or checks about an X.509 certificate: who it belongs to,
//! which organisation number it carries, and when it expires.

use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::nid::Nid;
use openssl::x509::{X509NameRef, X509Ref, X509};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// What the user (and the test environment) needs to know about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    /// The subject's common name; the whole subject line when there is no CN.
    pub subject_cn: String,
    /// The subject `serialNumber` attribute, where Swedish organisation certificates carry
    /// the organisation number (see [`certificate_organisation_number`]).
    pub organisation_number: Option<String>,
    /// End of validity, UTC, RFC 3339 (`2027-06-01T12:00:00Z`).
    pub not_after: String,
}

impl CertificateSummary {
    /// Summarises a parsed certificate.
    pub fn of(cert: &X509Ref) -> Self {
        let subject = cert.subject_name();
        CertificateSummary {
            subject_cn: first_entry(subject, Nid::COMMONNAME)
                .unwrap_or_else(|| subject_line(subject)),
            organisation_number: first_entry(subject, Nid::SERIALNUMBER),
            not_after: rfc3339(cert.not_after()),
        }
    }

    /// Summarises a DER-encoded certificate; `None` when it does not parse.
    pub fn from_der(cert_der: &[u8]) -> Option<Self> {
        X509::from_der(cert_der).ok().map(|cert| Self::of(&cert))
    }
}

/// The organisation number in a certificate's subject `serialNumber` attribute, as written
/// there (trimmed; no normalisation — e.g. `162021003898`).
///
/// Swedish organisation certificates carry the organisation number in that attribute; the
/// test environment compares it with the sender id of a delivery, as the real service
/// does. `None` when the certificate does not parse or has no such attribute.
pub fn certificate_organisation_number(cert_der: &[u8]) -> Option<String> {
    let cert = X509::from_der(cert_der).ok()?;
    first_entry(cert.subject_name(), Nid::SERIALNUMBER)
}

/// The subject as one line, `C=SE, O=Testkommunen, CN=Testkommunen, serialNumber=…`.
pub(crate) fn subject_line(name: &X509NameRef) -> String {
    name.entries()
        .map(|entry| {
            let key = entry.object().nid().short_name().unwrap_or("?");
            let value = entry
                .data()
                .to_string()
                .unwrap_or_else(|_| "<unreadable>".to_owned());
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_entry(name: &X509NameRef, nid: Nid) -> Option<String> {
    let value = name.entries_by_nid(nid).next()?.data().to_string().ok()?;
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Formats an ASN.1 time as RFC 3339 UTC. OpenSSL's own text form (`Jun  1 12:00:00 2027
/// GMT`) is neither sortable nor what the UI expects; it is kept only for a time RFC 3339
/// cannot write.
fn rfc3339(time: &Asn1TimeRef) -> String {
    unix_seconds(time)
        .and_then(|unix| OffsetDateTime::from_unix_timestamp(unix).ok())
        .and_then(|utc| utc.format(&Rfc3339).ok())
        .unwrap_or_else(|| time.to_string())
}

fn unix_seconds(time: &Asn1TimeRef) -> Option<i64> {
    let epoch = Asn1Time::from_unix(0).ok()?;
    let diff = epoch.diff(time).ok()?;
    Some(i64::from(diff.days) * 86_400 + i64::from(diff.secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        for (unix, expected) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_798_761_599, "2026-12-31T23:59:59Z"),
        ] {
            let time = Asn1Time::from_unix(unix).unwrap();
            assert_eq!(rfc3339(&time), expected);
        }
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(certificate_organisation_number(b"not a certificate"), None);
        assert_eq!(CertificateSummary::from_der(&[]), None);
    }
}
