//! Shared fixtures: PKIs (generated once per test binary), servers, clients and a raw
//! OpenSSL client for requests the real client would never send.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use kuvert_service::{HttpsServer, Request, Response, RunningServer, ServerLimits, ServerTls};
use kuvert_testpki::{CertifiedKey, TestPki};
use kuvert_transport::{
    certificate_organisation_number, CaBundle, ClientConfig, ClientIdentity, HttpsClient,
};
use openssl::ssl::{SslConnector, SslMethod};

pub const ORG: &str = "162021003898";
pub const P12_PASSWORD: &str = "korrekt häst";

/// The PKI most tests use.
pub fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate(ORG, "Testkommunen").unwrap())
}

/// An unrelated PKI: its CA trusts nothing of [`pki`]'s and vice versa.
pub fn other_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate("165560000001", "Främmande AB").unwrap())
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

/// Echoes what the server saw, one `name=value` per line, then a blank line and the body.
pub fn echo(request: Request) -> Response {
    let org = request
        .peer_certificate_der
        .as_deref()
        .and_then(certificate_organisation_number)
        .unwrap_or_else(|| "none".to_owned());
    let mut text = format!(
        "method={}\npath={}\nsoapaction={}\ncontent-type={}\norg={}\n\n",
        request.method,
        request.path,
        request.header("soapaction").unwrap_or("missing"),
        request.header("CONTENT-TYPE").unwrap_or("missing"),
        org
    )
    .into_bytes();
    text.extend_from_slice(&request.body);
    Response::xml(200, text)
}

pub fn identity_of(key: &CertifiedKey) -> ClientIdentity {
    let p12 = key.to_pkcs12(P12_PASSWORD, "sender").unwrap();
    ClientIdentity::from_pkcs12(&p12, P12_PASSWORD).unwrap()
}

pub fn config(identity_pki: &TestPki, trusted_pki: &TestPki) -> ClientConfig {
    let mut config = ClientConfig::new(
        identity_of(&identity_pki.sender),
        CaBundle::from_pem(trusted_pki.ca.cert_pem.as_bytes()).unwrap(),
    );
    config.connect_timeout = Duration::from_secs(5);
    config.call_timeout = Duration::from_secs(10);
    config
}

/// The client most tests use: the sender identity, trusting the test CA.
pub fn client() -> HttpsClient {
    HttpsClient::new(config(pki(), pki())).unwrap()
}

/// Sends raw bytes over TLS (optionally with a client certificate) and returns everything
/// the server answered, or the error text.
pub fn raw_exchange(
    addr: SocketAddr,
    identity: Option<&CertifiedKey>,
    request: &[u8],
) -> Result<String, String> {
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    builder
        .cert_store_mut()
        .add_cert(pki().ca.cert().unwrap())
        .map_err(|e| e.to_string())?;
    if let Some(identity) = identity {
        builder
            .set_certificate(&identity.cert().unwrap())
            .map_err(|e| e.to_string())?;
        builder
            .set_private_key(&identity.key().unwrap())
            .map_err(|e| e.to_string())?;
    }
    let connector = builder.build();
    let tcp = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut tls = connector
        .connect("localhost", tcp)
        .map_err(|e| e.to_string())?;
    tls.write_all(request).map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}
