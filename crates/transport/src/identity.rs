//! The organisation's TLS client identity: its certificate (with any intermediate
//! certificates) and private key.

use std::fmt;

use openssl::error::ErrorStack;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, PKeyRef, Private};
use openssl::x509::{X509Ref, X509};

use crate::certificate::{subject_line, CertificateSummary};
use crate::pem::{private_key_without_prompt, reasons};

/// Why a client identity could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The PKCS#12 password is wrong (OpenSSL reports a MAC verification failure).
    #[error("the password for the certificate file is wrong")]
    WrongPassword,
    /// The bytes are not a PKCS#12 (`.p12`/`.pfx`) file.
    #[error("the certificate file is not a valid PKCS#12 (.p12/.pfx) file: {detail}")]
    MalformedPkcs12 {
        /// OpenSSL's description.
        detail: String,
    },
    /// The PKCS#12 file uses an algorithm this OpenSSL does not offer, typically the legacy
    /// RC2/40-bit encryption of old exports.
    #[error(
        "the certificate file uses an outdated encryption that is not supported; \
         export it again with AES (e.g. `openssl pkcs12 -export`): {detail}"
    )]
    UnsupportedAlgorithm {
        /// OpenSSL's description.
        detail: String,
    },
    /// The PEM certificate (chain) could not be read.
    #[error("the certificate is not a valid PEM certificate: {detail}")]
    MalformedCertificate {
        /// OpenSSL's description.
        detail: String,
    },
    /// The PEM private key could not be read.
    #[error("the private key is not a valid PEM private key: {detail}")]
    MalformedKey {
        /// OpenSSL's description.
        detail: String,
    },
    /// The PEM private key is password-protected; such keys are accepted as PKCS#12 only.
    #[error(
        "the private key is encrypted; provide the certificate and key as a PKCS#12 file instead"
    )]
    EncryptedKey,
    /// The file holds no certificate.
    #[error("the certificate file contains no certificate")]
    MissingCertificate,
    /// The file holds no private key.
    #[error("the certificate file contains no private key")]
    MissingKey,
    /// The private key does not belong to the certificate.
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
}

/// The client certificate and private key presented in mutual TLS.
///
/// `Debug` shows only the subject and expiry; key material never reaches logs.
#[derive(Clone)]
pub struct ClientIdentity {
    certificate: X509,
    chain: Vec<X509>,
    key: PKey<Private>,
}

impl ClientIdentity {
    /// Loads a PKCS#12 (`.p12`/`.pfx`) file protected by `password`.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, IdentityError> {
        // OpenSSL takes the password as a C string; one with a NUL cannot be the right one
        // (and the openssl crate would panic on it).
        if password.contains('\0') {
            return Err(IdentityError::WrongPassword);
        }
        let pkcs12 = Pkcs12::from_der(der).map_err(|e| IdentityError::MalformedPkcs12 {
            detail: reasons(&e),
        })?;
        let parsed = pkcs12.parse2(password).map_err(pkcs12_error)?;
        let certificate = parsed.cert.ok_or(IdentityError::MissingCertificate)?;
        let key = parsed.pkey.ok_or(IdentityError::MissingKey)?;
        let chain = parsed
            .ca
            .map(|stack| stack.into_iter().collect())
            .unwrap_or_default();
        Self::checked(certificate, chain, key)
    }

    /// Loads a PEM certificate chain (the organisation's certificate first, then any
    /// intermediates) and an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<Self, IdentityError> {
        let mut certificates = X509::stack_from_pem(cert_chain_pem)
            .map_err(|e| IdentityError::MalformedCertificate {
                detail: reasons(&e),
            })?
            .into_iter();
        let certificate = certificates
            .next()
            .ok_or(IdentityError::MissingCertificate)?;
        let chain = certificates.collect();
        let key = private_key_without_prompt(key_pem).map_err(|e| {
            if contains(key_pem, b"ENCRYPTED") {
                IdentityError::EncryptedKey
            } else {
                IdentityError::MalformedKey {
                    detail: reasons(&e),
                }
            }
        })?;
        Self::checked(certificate, chain, key)
    }

    fn checked(
        certificate: X509,
        chain: Vec<X509>,
        key: PKey<Private>,
    ) -> Result<Self, IdentityError> {
        let matches = certificate
            .public_key()
            .map(|public| public.public_eq(&key))
            .unwrap_or(false);
        if !matches {
            return Err(IdentityError::KeyMismatch);
        }
        Ok(ClientIdentity {
            certificate,
            chain,
            key,
        })
    }

    /// Subject, organisation number and expiry of the certificate.
    pub fn summary(&self) -> CertificateSummary {
        CertificateSummary::of(&self.certificate)
    }

    /// The organisation's own certificate.
    pub fn certificate(&self) -> &X509Ref {
        &self.certificate
    }

    /// Intermediate certificates sent along with [`certificate`](Self::certificate).
    pub fn chain(&self) -> &[X509] {
        &self.chain
    }

    /// The private key, for signing deliveries with the same identity. Never log it.
    pub fn private_key(&self) -> &PKeyRef<Private> {
        &self.key
    }

    /// The identity in the form reqwest's native-tls (OpenSSL) backend takes:
    /// PEM chain plus PKCS#8 PEM key.
    pub(crate) fn to_reqwest(&self) -> Result<reqwest::Identity, String> {
        let mut chain_pem = self.certificate.to_pem().map_err(|e| reasons(&e))?;
        for cert in &self.chain {
            chain_pem.extend(cert.to_pem().map_err(|e| reasons(&e))?);
        }
        let key_pem = self
            .key
            .private_key_to_pem_pkcs8()
            .map_err(|e| reasons(&e))?;
        reqwest::Identity::from_pkcs8_pem(&chain_pem, &key_pem).map_err(|e| e.to_string())
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("subject", &subject_line(self.certificate.subject_name()))
            .field("not_after", &self.summary().not_after)
            .finish_non_exhaustive()
    }
}

/// Tells a wrong password apart from a damaged or unsupported file.
fn pkcs12_error(error: ErrorStack) -> IdentityError {
    let has_reason = |needle: &str| {
        error
            .errors()
            .iter()
            .any(|e| e.reason().is_some_and(|r| r.contains(needle)))
    };
    if has_reason("mac verify failure") {
        IdentityError::WrongPassword
    } else if has_reason("unsupported") {
        IdentityError::UnsupportedAlgorithm {
            detail: reasons(&error),
        }
    } else {
        IdentityError::MalformedPkcs12 {
            detail: reasons(&error),
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
