//! HTTPS with mutual TLS for Kuvert's SOAP calls to FaR and the intermediary, with
//! time-outs on every call and typed errors.
//!
//! - [`ClientIdentity`] — the organisation's certificate and key, from PKCS#12 or PEM.
//! - [`CaBundle`] — the CA certificates that are the *only* trust anchors for servers;
//!   verification is always on, a private CA is configured rather than bypassed.
//! - [`HttpsClient`] — SOAP 1.1 POSTs ([`HttpsClient::post_soap`]) and GETs, returning an
//!   [`HttpReply`] or a [`TransportError`] whose
//!   [`is_retryable`](TransportError::is_retryable) drives the send pipeline's back-off.
//!   It keeps its connections alive between calls: build one per profile and reuse it.
//! - [`Proxy`] and [`ProxyUrl`] — directly, through a configured HTTP proxy, or as
//!   `HTTPS_PROXY`/`NO_PROXY` say; TLS is tunnelled through the proxy, never ended there.
//! - [`certificate_organisation_number`] and [`CertificateSummary`] — what a certificate
//!   says about its holder.
//!
//! OpenSSL does all TLS: the client is reqwest on its native-tls backend (and the test
//! server in `kuvert-service` uses OpenSSL too).
//!
//! # Example
//!
//! A server requiring client certificates (the test server from `kuvert-service`) and a
//! client calling it, with a throwaway PKI:
//!
//! ```
//! use std::sync::Arc;
//! use kuvert_service::{HttpsServer, Request, Response, ServerTls};
//! use kuvert_transport::{
//!     certificate_organisation_number, CaBundle, ClientConfig, ClientIdentity, HttpsClient,
//! };
//!
//! let pki = kuvert_testpki::TestPki::generate("162021003898", "Testkommunen")?;
//! let server = HttpsServer::bind(
//!     "127.0.0.1:0".parse()?,
//!     ServerTls {
//!         cert_pem: pki.server.cert_pem.clone(),
//!         key_pem: pki.server.key_pem.clone(),
//!         client_ca_pem: pki.ca.cert_pem.clone(),
//!         require_client_certificate: true,
//!     },
//!     Arc::new(|request: Request| {
//!         let sender = request
//!             .peer_certificate_der
//!             .as_deref()
//!             .and_then(certificate_organisation_number)
//!             .unwrap_or_default();
//!         Response::xml(200, format!("<sender>{sender}</sender>"))
//!     }),
//! )?;
//!
//! let p12 = pki.sender.to_pkcs12("hemligt", "Testkommunen")?;
//! let client = HttpsClient::new(ClientConfig::new(
//!     ClientIdentity::from_pkcs12(&p12, "hemligt")?,
//!     CaBundle::from_pem(pki.ca.cert_pem.as_bytes())?,
//! ))?;
//! let reply = client.post_soap(&server.url("/far"), b"<Envelope/>")?;
//! assert_eq!(reply.status, 200);
//! assert_eq!(reply.body, b"<sender>162021003898</sender>");
//! server.shutdown();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod certificate;
mod classify;
pub mod client;
mod driver;
mod error;
pub mod identity;
pub mod intermediary;
mod operator;
mod pem;
pub mod proxy;
mod trust;

pub use certificate::{certificate_organisation_number, CertificateSummary};
pub use client::{ClientConfig, Download, HttpReply, HttpsClient};
pub use error::{TimeoutPhase, TlsFailure, TransportError};
pub use identity::{ClientIdentity, IdentityError};
pub use intermediary::{CallError, Endpoints, Intermediary};
pub use operator::Operators;
pub use proxy::{InvalidProxy, Proxy, ProxyUrl};
pub use trust::{skip_system_ca_list, CaBundle, CaBundleError};
