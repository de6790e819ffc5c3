//! # kuvert-transport
//!
//! HTTPS with mutual TLS for Kuvert's SOAP calls to FaR and the
//! intermediary, with time-outs and typed errors — and the server side the
//! built-in test environment uses.
//!
//! - [`identity`]: the organisation's [`ClientIdentity`] (PKCS#12 or PEM),
//!   the [`CaBundle`] server certificates must chain to, and
//!   [`certificate_organisation_number`].
//! - [`client`]: [`HttpsClient`], which POSTs SOAP envelopes and returns an
//!   [`HttpReply`] or a [`TransportError`] saying whether retrying can help.
//! - [`server`]: [`HttpsServer`](server::HttpsServer), a small blocking HTTPS/1.1 server with
//!   client-certificate verification.
//!
//! Certificate verification is always on; the only trusted CAs are those in
//! the configured bundle.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use kuvert_transport::server::{HttpsServer, Response, ServerTls};
//! use kuvert_transport::{CaBundle, ClientConfig, ClientIdentity, HttpsClient};
//!
//! let pki = kuvert_testpki::TestPki::generate("162021003898", "Testkommunen");
//! let server = HttpsServer::bind(
//!     "127.0.0.1:0".parse().unwrap(),
//!     ServerTls {
//!         cert_pem: pki.server.cert_pem.clone(),
//!         key_pem: pki.server.key_pem.clone(),
//!         client_ca_pem: pki.ca.cert_pem.clone(),
//!         require_client_certificate: true,
//!     },
//!     Arc::new(|_request| Response::xml(200, "<ok/>")),
//! )?;
//!
//! let client = HttpsClient::new(ClientConfig {
//!     identity: ClientIdentity::from_pkcs12(&pki.sender.to_pkcs12("pw", "sender"), "pw")?,
//!     ca: CaBundle::from_pem(pki.ca.cert_pem.as_bytes())?,
//!     connect_timeout: Duration::from_secs(5),
//!     call_timeout: Duration::from_secs(30),
//!     max_response_bytes: 1 << 20,
//! })?;
//! let reply = client.post_soap(&server.url("/service"), b"<Envelope/>")?;
//! assert_eq!(reply.body, b"<ok/>");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod client;
pub mod error;
pub mod identity;
pub mod server;

pub use client::{ClientConfig, HttpReply, HttpsClient};
pub use error::TransportError;
pub use identity::{
    certificate_organisation_number, CaBundle, CertificateSummary, ClientIdentity, IdentityError,
};
