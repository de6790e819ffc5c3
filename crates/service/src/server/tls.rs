//! The server's TLS settings and the OpenSSL acceptor built from them.

use openssl::error::ErrorStack;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::X509;

use super::ServerError;

/// Certificates and client-authentication policy of an [`HttpsServer`](super::HttpsServer).
#[derive(Clone)]
pub struct ServerTls {
    /// The server certificate in PEM, followed by any intermediates.
    pub cert_pem: String,
    /// The server's unencrypted PEM private key.
    pub key_pem: String,
    /// PEM CA certificate(s): the only trust anchors for client certificates.
    pub client_ca_pem: String,
    /// Refuse the handshake when the client presents no certificate. When false a
    /// certificate is still requested, and verified if presented.
    pub require_client_certificate: bool,
}

impl std::fmt::Debug for ServerTls {
    // The private key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field(
                "require_client_certificate",
                &self.require_client_certificate,
            )
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Builds the acceptor: Mozilla's "intermediate" profile (TLS 1.2 and 1.3), peer
    /// verification against the client CA only.
    pub(crate) fn acceptor(&self) -> Result<SslAcceptor, ServerError> {
        let mut chain = X509::stack_from_pem(self.cert_pem.as_bytes())
            .map_err(|e| ServerError::Certificate {
                detail: reasons(&e),
            })?
            .into_iter();
        let leaf = chain.next().ok_or_else(|| ServerError::Certificate {
            detail: "no PEM certificate found".to_owned(),
        })?;
        let key = private_key_without_prompt(self.key_pem.as_bytes()).map_err(|e| {
            ServerError::PrivateKey {
                detail: reasons(&e),
            }
        })?;
        let client_cas = X509::stack_from_pem(self.client_ca_pem.as_bytes()).map_err(|e| {
            ServerError::ClientCa {
                detail: reasons(&e),
            }
        })?;
        if client_cas.is_empty() {
            return Err(ServerError::ClientCa {
                detail: "no PEM certificate found".to_owned(),
            });
        }

        let tls_error = |e: openssl::error::ErrorStack| ServerError::Tls {
            detail: reasons(&e),
        };
        let mut builder =
            SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).map_err(tls_error)?;
        builder.set_certificate(&leaf).map_err(tls_error)?;
        for intermediate in chain {
            builder
                .add_extra_chain_cert(intermediate)
                .map_err(tls_error)?;
        }
        // Checked here because OpenSSL's own check only yields a generic error.
        let key_matches = leaf
            .public_key()
            .map(|public| public.public_eq(&key))
            .unwrap_or(false);
        if !key_matches {
            return Err(ServerError::KeyMismatch);
        }
        builder.set_private_key(&key).map_err(tls_error)?;

        // A dedicated verify store, so that only the configured client CA is trusted.
        let mut store = X509StoreBuilder::new().map_err(tls_error)?;
        for ca in &client_cas {
            store.add_cert(ca.clone()).map_err(tls_error)?;
            // Advertised in CertificateRequest so clients with several identities pick
            // the right one.
            builder.add_client_ca(ca).map_err(tls_error)?;
        }
        builder
            .set_verify_cert_store(store.build())
            .map_err(tls_error)?;
        let mode = if self.require_client_certificate {
            SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT
        } else {
            SslVerifyMode::PEER
        };
        builder.set_verify(mode);
        // OpenSSL refuses session resumption with client verification unless a session
        // id context is set.
        builder
            .set_session_id_context(b"kuvert-service")
            .map_err(tls_error)?;
        Ok(builder.build())
    }
}

/// Parses a PEM private key without ever asking for a passphrase: OpenSSL's default
/// callback would prompt on the controlling terminal for an encrypted key, and a test must
/// never block on that. (The client side has the same helper in kuvert-transport, private
/// there.)
fn private_key_without_prompt(pem: &[u8]) -> Result<PKey<Private>, ErrorStack> {
    PKey::private_key_from_pem_callback(pem, |_passphrase| Ok(0))
}

/// OpenSSL's reason texts, joined: shorter than the full error stack with file names and
/// line numbers.
fn reasons(error: &ErrorStack) -> String {
    let texts: Vec<&str> = error.errors().iter().filter_map(|e| e.reason()).collect();
    if texts.is_empty() {
        error.to_string()
    } else {
        texts.join("; ")
    }
}
