//! The organisation's client identity (certificate + private key) and the CA
//! bundle that server certificates are checked against.

use std::fmt;

use openssl::error::ErrorStack;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::x509::{X509NameRef, X509};
use thiserror::Error;

/// Why a client identity or a CA bundle could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The PKCS#12 password is wrong (OpenSSL: "mac verify failure").
    #[error("wrong password for the certificate file")]
    WrongPassword,
    /// The data is not a readable certificate, key or PKCS#12 file; the text
    /// says what OpenSSL or the check complained about.
    #[error("the certificate file could not be read: {0}")]
    Malformed(String),
    /// The private key does not belong to the certificate.
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
    /// The CA bundle contains no certificate.
    #[error("the CA bundle contains no certificate")]
    EmptyCaBundle,
}

/// The organisation's certificate and private key, ready for mutual TLS.
///
/// `Debug` shows the certificate's subject only; the key is never printed.
#[derive(Clone)]
pub struct ClientIdentity {
    pub(crate) tls: native_tls::Identity,
    certificate: X509,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let summary = self.summary();
        f.debug_struct("ClientIdentity")
            .field("subject_cn", &summary.subject_cn)
            .field("organisation_number", &summary.organisation_number)
            .field("not_after", &summary.not_after)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// What an officer needs to recognise a certificate: whose it is and until
/// when it is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    /// The subject's common name (empty when the certificate has none).
    pub subject_cn: String,
    /// The organisation number from the subject's `serialNumber` attribute.
    pub organisation_number: Option<String>,
    /// End of validity as OpenSSL prints it, e.g. `Nov 23 12:00:00 2027 GMT`.
    pub not_after: String,
}

impl ClientIdentity {
    /// Loads a PKCS#12 (`.p12` / `.pfx`) file, the form Swedish CAs deliver
    /// organisation certificates in. Any CA certificates inside are sent as
    /// the chain.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<ClientIdentity, IdentityError> {
        let pkcs12 = Pkcs12::from_der(der).map_err(malformed)?;
        let parsed = pkcs12.parse2(password).map_err(|e| {
            if has_reason(&e, "mac verify failure") {
                IdentityError::WrongPassword
            } else {
                malformed(e)
            }
        })?;
        let certificate = parsed
            .cert
            .ok_or_else(|| IdentityError::Malformed("no certificate in the file".into()))?;
        let key = parsed
            .pkey
            .ok_or_else(|| IdentityError::Malformed("no private key in the file".into()))?;
        // PKCS12_parse returns the extra certificates in reverse order.
        let chain: Vec<X509> = parsed.ca.into_iter().flatten().rev().collect();
        ClientIdentity::assemble(certificate, chain, &key)
    }

    /// Loads a PEM certificate chain (leaf first) and a PEM private key
    /// (PKCS#8 or traditional RSA/EC form, unencrypted).
    pub fn from_pem(
        cert_chain_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<ClientIdentity, IdentityError> {
        let mut certificates = X509::stack_from_pem(cert_chain_pem)
            .map_err(malformed)?
            .into_iter();
        let certificate = certificates
            .next()
            .ok_or_else(|| IdentityError::Malformed("no certificate in the PEM data".into()))?;
        let key = PKey::private_key_from_pem(key_pem).map_err(malformed)?;
        ClientIdentity::assemble(certificate, certificates.collect(), &key)
    }

    fn assemble(
        certificate: X509,
        chain: Vec<X509>,
        key: &PKey<Private>,
    ) -> Result<ClientIdentity, IdentityError> {
        let public = certificate.public_key().map_err(malformed)?;
        if !public.public_eq(key) {
            return Err(IdentityError::KeyMismatch);
        }
        // native-tls only takes PKCS#8 PEM or PKCS#12; normalising to PKCS#8
        // lets both input forms (and legacy key formats) share one path.
        let mut chain_pem = certificate.to_pem().map_err(malformed)?;
        for extra in &chain {
            chain_pem.extend(extra.to_pem().map_err(malformed)?);
        }
        let key_pem = key.private_key_to_pem_pkcs8().map_err(malformed)?;
        let tls = native_tls::Identity::from_pkcs8(&chain_pem, &key_pem)
            .map_err(|e| IdentityError::Malformed(e.to_string()))?;
        Ok(ClientIdentity { tls, certificate })
    }

    /// The certificate in DER form.
    pub fn certificate_der(&self) -> Vec<u8> {
        // DER encoding of a certificate OpenSSL already parsed cannot fail
        // short of allocation failure; an empty vector is the safe fallback.
        self.certificate.to_der().unwrap_or_default()
    }

    /// Subject, organisation number and expiry of the certificate.
    pub fn summary(&self) -> CertificateSummary {
        summarise(&self.certificate)
    }
}

/// The CA certificates that server certificates must chain to. Nothing else
/// is trusted: the operating system's roots are not used.
#[derive(Clone)]
pub struct CaBundle {
    pub(crate) certificates: Vec<X509>,
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subjects: Vec<String> = self
            .certificates
            .iter()
            .map(|c| common_name(c.subject_name()).unwrap_or_default())
            .collect();
        f.debug_struct("CaBundle")
            .field("subjects", &subjects)
            .finish()
    }
}

impl CaBundle {
    /// Parses one or more PEM certificates.
    pub fn from_pem(pem: &[u8]) -> Result<CaBundle, IdentityError> {
        let certificates = X509::stack_from_pem(pem).map_err(malformed)?;
        if certificates.is_empty() {
            return Err(IdentityError::EmptyCaBundle);
        }
        Ok(CaBundle { certificates })
    }

    /// How many certificates the bundle holds (at least one).
    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    /// Always false: a bundle holds at least one certificate. Present because
    /// a `len` without `is_empty` surprises readers (and clippy).
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }
}

/// The organisation number in a certificate's subject `serialNumber`
/// attribute (where Swedish organisation certificates carry it), or `None`
/// when the DER does not parse or has no such attribute.
pub fn certificate_organisation_number(cert_der: &[u8]) -> Option<String> {
    let certificate = X509::from_der(cert_der).ok()?;
    subject_serial_number(certificate.subject_name())
}

pub(crate) fn summarise(certificate: &X509) -> CertificateSummary {
    CertificateSummary {
        subject_cn: common_name(certificate.subject_name()).unwrap_or_default(),
        organisation_number: subject_serial_number(certificate.subject_name()),
        not_after: certificate.not_after().to_string(),
    }
}

fn subject_serial_number(name: &X509NameRef) -> Option<String> {
    first_entry(name, Nid::SERIALNUMBER)
}

fn common_name(name: &X509NameRef) -> Option<String> {
    first_entry(name, Nid::COMMONNAME)
}

fn first_entry(name: &X509NameRef, nid: Nid) -> Option<String> {
    name.entries_by_nid(nid)
        .next()
        .and_then(|entry| entry.data().to_string().ok())
}

fn has_reason(stack: &ErrorStack, reason: &str) -> bool {
    stack.errors().iter().any(|e| e.reason() == Some(reason))
}

fn malformed(error: ErrorStack) -> IdentityError {
    let reasons: Vec<&str> = error.errors().iter().filter_map(|e| e.reason()).collect();
    if reasons.is_empty() {
        IdentityError::Malformed("unrecognised data".into())
    } else {
        IdentityError::Malformed(reasons.join("; "))
    }
}
