//! Shared fixtures.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use kuvert_testpki::TestPki;
use kuvert_transport::server::{
    HttpsServer, Request, Response, RunningServer, ServerOptions, ServerTls,
};
use kuvert_transport::{CaBundle, ClientConfig, ClientIdentity, HttpsClient};
use openssl::pkey::PKey;
use openssl::ssl::{SslConnector, SslMethod};
use openssl::x509::X509;

pub const ORG_NUMBER: &str = "162021003898";

/// RSA key generation is slow; one PKI serves all tests.
pub fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate(ORG_NUMBER, "Testkommunen"))
}

/// A second, unrelated PKI.
pub fn other_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate("165560000001", "Annan AB"))
}

pub fn server_tls(pki: &TestPki) -> ServerTls {
    ServerTls {
        cert_pem: pki.server.cert_pem.clone(),
        key_pem: pki.server.key_pem.clone(),
        client_ca_pem: pki.ca.cert_pem.clone(),
        require_client_certificate: true,
    }
}

pub fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

pub fn serve(handler: impl Fn(Request) -> Response + Send + Sync + 'static) -> RunningServer {
    HttpsServer::bind(localhost(), server_tls(pki()), Arc::new(handler)).unwrap()
}

pub fn serve_with(
    options: ServerOptions,
    handler: impl Fn(Request) -> Response + Send + Sync + 'static,
) -> RunningServer {
    HttpsServer::bind_with(localhost(), server_tls(pki()), options, Arc::new(handler)).unwrap()
}

pub fn config(pki: &TestPki) -> ClientConfig {
    ClientConfig {
        identity: ClientIdentity::from_pem(
            pki.sender.cert_pem.as_bytes(),
            pki.sender.key_pem.as_bytes(),
        )
        .unwrap(),
        ca: CaBundle::from_pem(pki.ca.cert_pem.as_bytes()).unwrap(),
        connect_timeout: Duration::from_secs(5),
        call_timeout: Duration::from_secs(20),
        max_response_bytes: 1024 * 1024,
    }
}

pub fn client() -> HttpsClient {
    HttpsClient::new(config(pki())).unwrap()
}

/// Sends raw bytes over mutual TLS and returns whatever the server answers,
/// for requests the real client would never produce.
pub fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    let pki = pki();
    let mut builder = SslConnector::builder(SslMethod::tls_client()).unwrap();
    builder
        .cert_store_mut()
        .add_cert(X509::from_pem(pki.ca.cert_pem.as_bytes()).unwrap())
        .unwrap();
    builder
        .set_certificate(&X509::from_pem(pki.sender.cert_pem.as_bytes()).unwrap())
        .unwrap();
    builder
        .set_private_key(&PKey::private_key_from_pem(pki.sender.key_pem.as_bytes()).unwrap())
        .unwrap();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = builder.build().connect("localhost", tcp).unwrap();
    tls.write_all(request).unwrap();
    let mut answer = Vec::new();
    // The server closes after answering; errors after some data (a reset
    // after close_notify) do not matter here.
    let _ = tls.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}
