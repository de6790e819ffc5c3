//! TLS failures on either side, and that the server survives them.

use std::sync::Arc;

use kuvert_service::HttpsServer;
use kuvert_testpki::{issue_server_certificate, TestPki};
use kuvert_transport::{HttpsClient, TlsFailure, TransportError};

use crate::support::{self, echo, other_pki, pki, start};

#[test]
fn server_certificate_from_an_untrusted_ca_is_a_tls_error() {
    let server = start(echo);
    // Our identity, but trusting only the other PKI's CA.
    let client = HttpsClient::new(support::config(pki(), other_pki())).unwrap();
    let error = client.post_soap(&server.url("/"), b"<x/>").unwrap_err();
    match &error {
        TransportError::Tls {
            failure, detail, ..
        } => {
            assert_eq!(*failure, TlsFailure::ServerCertificateUntrusted, "{detail}");
            assert!(!detail.is_empty());
        }
        other => panic!("expected Tls, got {other:?}"),
    }
    assert!(!error.is_retryable());
    // The server is unaffected.
    support::client()
        .post_soap(&server.url("/"), b"<x/>")
        .unwrap();
}

#[test]
fn server_certificate_for_another_host_name_is_a_tls_error() {
    let wrong_name = issue_server_certificate(&pki().ca, &["far.example"], &[]).unwrap();
    let mut tls = support::server_tls(pki(), true);
    tls.cert_pem = wrong_name.cert_pem;
    tls.key_pem = wrong_name.key_pem;
    let server = HttpsServer::bind(support::localhost_any_port(), tls, Arc::new(echo)).unwrap();
    let error = support::client()
        .post_soap(&server.url("/"), b"<x/>")
        .unwrap_err();
    match &error {
        TransportError::Tls {
            failure, detail, ..
        } => {
            assert_eq!(*failure, TlsFailure::ServerCertificateUntrusted);
            assert!(detail.contains("hostname mismatch"), "{detail}");
        }
        other => panic!("expected Tls, got {other:?}"),
    }
}

#[test]
fn client_certificate_from_another_ca_is_rejected_and_the_server_keeps_serving() {
    let server = start(echo);
    // The other organisation's certificate, but trusting our server's CA.
    let stranger = HttpsClient::new(support::config(other_pki(), pki())).unwrap();
    let error = stranger.post_soap(&server.url("/"), b"<x/>").unwrap_err();
    match &error {
        TransportError::Tls {
            failure, detail, ..
        } => assert_eq!(*failure, TlsFailure::ClientCertificateRejected, "{detail}"),
        other => panic!("expected Tls, got {other:?}"),
    }
    assert!(!error.is_retryable());
    let reply = support::client()
        .post_soap(&server.url("/"), b"<x/>")
        .unwrap();
    assert_eq!(reply.status, 200);
}

#[test]
fn server_requiring_a_client_certificate_refuses_a_client_without_one() {
    let server = start(echo);
    let outcome = support::raw_exchange(
        server.local_addr(),
        None,
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    );
    let error = outcome.expect_err("served a request without a client certificate");
    assert!(error.contains("certificate required"), "{error}");
    // Still serving.
    support::client().get(&server.url("/")).unwrap();
}

#[test]
fn server_not_requiring_a_client_certificate_serves_without_one() {
    let server = HttpsServer::bind(
        support::localhost_any_port(),
        support::server_tls(pki(), false),
        Arc::new(echo),
    )
    .unwrap();
    let answer = support::raw_exchange(
        server.local_addr(),
        None,
        b"GET /open HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\norg=none\n"), "{answer}");
    // A certificate from the wrong CA is still refused when presented.
    let stranger = HttpsClient::new(support::config(other_pki(), pki())).unwrap();
    assert!(matches!(
        stranger.get(&server.url("/")).unwrap_err(),
        TransportError::Tls { .. }
    ));
}

#[test]
fn plain_tcp_garbage_does_not_stop_the_server() {
    use std::io::{Read, Write};
    let server = start(echo);
    let mut raw = std::net::TcpStream::connect(server.local_addr()).unwrap();
    raw.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let mut sink = Vec::new();
    let _ = raw.read_to_end(&mut sink); // the server closes after its handshake fails
    drop(raw);
    support::client().get(&server.url("/")).unwrap();
}

#[test]
fn fresh_pki_end_to_end() {
    // Independent of the shared fixtures: a PKI generated for this test only.
    let pki = TestPki::generate("162120000001", "Nya kommunen").unwrap();
    let server = HttpsServer::bind(
        support::localhost_any_port(),
        support::server_tls(&pki, true),
        Arc::new(echo),
    )
    .unwrap();
    let client = HttpsClient::new(support::config(&pki, &pki)).unwrap();
    let reply = client.post_soap(&server.url("/"), b"<x/>").unwrap();
    let text = String::from_utf8(reply.body).unwrap();
    assert!(text.contains("\norg=162120000001\n"), "{text}");
}
