//! The CA certificates a TLS peer is verified against.

use openssl::x509::X509;

use crate::pem::reasons;

/// Why a CA bundle could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaBundleError {
    /// No `-----BEGIN CERTIFICATE-----` block was found (empty file, wrong file, DER file).
    #[error("the CA bundle contains no PEM certificate")]
    NoCertificate,
    /// A PEM block could not be parsed.
    #[error("the CA bundle is not valid PEM: {detail}")]
    Malformed {
        /// OpenSSL's description.
        detail: String,
    },
}

/// One or more CA certificates that are the *only* trust anchors for the server's
/// certificate: the operating system's roots are never consulted, so a private test CA
/// works and nothing else is trusted by accident.
#[derive(Debug, Clone)]
pub struct CaBundle {
    certificates: Vec<X509>,
}

impl CaBundle {
    /// Reads one or more PEM certificates.
    pub fn from_pem(pem: &[u8]) -> Result<Self, CaBundleError> {
        let certificates = X509::stack_from_pem(pem).map_err(|e| CaBundleError::Malformed {
            detail: reasons(&e),
        })?;
        if certificates.is_empty() {
            return Err(CaBundleError::NoCertificate);
        }
        Ok(CaBundle { certificates })
    }

    /// The certificates, in file order (never empty).
    pub fn certificates(&self) -> &[X509] {
        &self.certificates
    }
}

/// Tells OpenSSL, for this process, that the system has no CA list.
///
/// Kuvert never trusts the system's CAs: a client trusts only its
/// [`CaBundle`]. But building any OpenSSL TLS client through native-tls still
/// reads and parses the system list (`/etc/ssl/certs/ca-certificates.crt`,
/// twice) before replacing it with the bundle — some 30 ms of every command
/// that makes a call. Pointing OpenSSL's defaults (`SSL_CERT_FILE`,
/// `SSL_CERT_DIR`) at an empty file removes that cost and changes nothing
/// about what is trusted. Child processes inherit the setting.
///
/// # Safety
///
/// Changes the process environment, which is unsound while another thread
/// may read it: call this first thing in `main`, before any thread starts.
pub unsafe fn skip_system_ca_list() {
    #[cfg(unix)]
    for variable in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
        std::env::set_var(variable, "/dev/null");
    }
}
