//! Shared fixtures: a PKI (generated once per test binary), servers, and a raw OpenSSL
//! client that sends exactly the bytes a test needs.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use kuvert_service::{HttpsServer, Request, Response, RunningServer, ServerLimits, ServerTls};
use kuvert_testpki::TestPki;
use openssl::ssl::{SslConnector, SslMethod};

/// The PKI every test uses.
pub fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate("162021003898", "Testkommunen").unwrap())
}

pub fn server_tls(pki: &TestPki, require_client_certificate: bool) -> ServerTls {
    ServerTls {
        cert_pem: pki.server.cert_pem.clone(),
        key_pem: pki.server.key_pem.clone(),
        client_ca_pem: pki.ca.cert_pem.clone(),
        require_client_certificate,
    }
}

pub fn start(handler: impl Fn(Request) -> Response + Send + Sync + 'static) -> RunningServer {
    start_with(ServerLimits::default(), handler)
}

pub fn start_with(
    limits: ServerLimits,
    handler: impl Fn(Request) -> Response + Send + Sync + 'static,
) -> RunningServer {
    HttpsServer::bind_with_limits(
        localhost_any_port(),
        server_tls(pki(), true),
        limits,
        Arc::new(handler),
    )
    .unwrap()
}

pub fn localhost_any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Echoes the method and path, then a blank line and the body.
pub fn echo(request: Request) -> Response {
    let mut text = format!("method={}\npath={}\n\n", request.method, request.path).into_bytes();
    text.extend_from_slice(&request.body);
    Response::xml(200, text)
}

/// Sends `request` as it is over TLS with the sender's client certificate and returns
/// everything the server answered before closing.
pub fn raw(addr: SocketAddr, request: &str) -> String {
    let sender = &pki().sender;
    let mut builder = SslConnector::builder(SslMethod::tls_client()).unwrap();
    builder
        .cert_store_mut()
        .add_cert(pki().ca.cert().unwrap())
        .unwrap();
    builder.set_certificate(&sender.cert().unwrap()).unwrap();
    builder.set_private_key(&sender.key().unwrap()).unwrap();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = builder.build().connect("localhost", tcp).unwrap();
    tls.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}
