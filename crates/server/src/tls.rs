//! HTTPS with mutual TLS: only a client certificate issued by the staff PKI
//! (`server.staff_ca`) gets past the handshake, and the certificate's
//! [`Identity`] goes with each of the connection's requests to the API.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use openssl::ssl::{Ssl, SslAcceptor, SslFiletype, SslMethod, SslVerifyMode, SslVersion};
use tokio::net::TcpListener;
use tokio_openssl::SslStream;

use crate::staff::Identity;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("{what} ({}): {detail}", path.display())]
pub struct TlsSetupError {
    /// What was being loaded.
    pub what: &'static str,
    /// The file.
    pub path: std::path::PathBuf,
    /// OpenSSL's description.
    pub detail: String,
}

/// The acceptor: the server's certificate chain and key, TLS 1.2 or newer,
/// and a client certificate from `staff_ca` required.
///
/// # Errors
///
/// [`TlsSetupError`] naming the file that is not usable.
pub fn acceptor(
    certificate: &Path,
    key: &Path,
    staff_ca: &Path,
) -> Result<Arc<SslAcceptor>, TlsSetupError> {
    let failed = |what: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |e: openssl::error::ErrorStack| TlsSetupError {
            what,
            path,
            detail: e.to_string(),
        }
    };
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())
        .map_err(failed("TLS", certificate))?;
    builder
        .set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(failed("TLS", certificate))?;
    builder
        .set_certificate_chain_file(certificate)
        .map_err(failed("the server certificate", certificate))?;
    builder
        .set_private_key_file(key, SslFiletype::PEM)
        .map_err(failed("the server key", key))?;
    builder
        .check_private_key()
        .map_err(failed("the server key", key))?;
    builder
        .set_ca_file(staff_ca)
        .map_err(failed("the staff CA bundle", staff_ca))?;
    let names = std::fs::read(staff_ca)
        .ok()
        .and_then(|pem| openssl::x509::X509::stack_from_pem(&pem).ok())
        .unwrap_or_default();
    let mut list = openssl::stack::Stack::new().map_err(failed("the staff CA bundle", staff_ca))?;
    for cert in names {
        if let Ok(name) = cert.subject_name().to_owned() {
            let _ = list.push(name);
        }
    }
    builder.set_client_ca_list(list);
    builder.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    Ok(Arc::new(builder.build()))
}

/// Serves `router` on `listener` until the process ends: one task per
/// connection; a failed handshake or a certificate that names nobody ends
/// only that connection.
pub async fn serve(listener: TcpListener, acceptor: Arc<SslAcceptor>, router: Router<()>) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accepting a connection failed");
                continue;
            }
        };
        // Answers go out at once: without this, a response written in two
        // pieces waits for the client's delayed ACK (about 40 ms each).
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, %peer, "TCP_NODELAY could not be set");
        }
        let acceptor = Arc::clone(&acceptor);
        let router = router.clone();
        tokio::spawn(async move {
            let Ok(ssl) = Ssl::new(acceptor.context()) else {
                return;
            };
            let Ok(mut stream) = SslStream::new(ssl, tcp) else {
                return;
            };
            if let Err(error) = Pin::new(&mut stream).accept().await {
                tracing::info!(%peer, %error, "TLS handshake refused");
                return;
            }
            let Some(identity) = stream
                .ssl()
                .peer_certificate()
                .and_then(|c| Identity::of(&c))
            else {
                tracing::info!(%peer, "a client certificate that names nobody");
                return;
            };
            let service = TowerToHyperService::new(router.layer(Extension(identity)));
            let served = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(error) = served {
                tracing::debug!(%peer, %error, "connection ended");
            }
        });
    }
}
