//! Failures mapped to `TransportError` variants.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kuvert_testpki::issue_server_certificate;
use kuvert_transport::server::{HttpsServer, Response, ServerTls};
use kuvert_transport::{CaBundle, ClientConfig, HttpsClient, TransportError};

use crate::common::{client, config, localhost, other_pki, pki, serve, server_tls};

#[test]
fn server_certificate_from_unknown_ca_is_a_tls_error() {
    let server = serve(|_| Response::text(200, "should not get here"));
    let client = HttpsClient::new(ClientConfig {
        ca: CaBundle::from_pem(other_pki().ca.cert_pem.as_bytes()).unwrap(),
        ..config(pki())
    })
    .unwrap();
    match client.post_soap(&server.url("/"), b"<x/>") {
        Err(e @ TransportError::Tls { .. }) => {
            assert!(!e.is_retryable());
            let TransportError::Tls { reason, .. } = &e else {
                unreachable!()
            };
            assert!(reason.contains("not trusted"), "{e}");
        }
        other => panic!("expected Tls, got {other:?}"),
    }
}

#[test]
fn server_certificate_for_another_host_is_a_tls_error() {
    let pki = pki();
    let wrong_host = issue_server_certificate(&pki.ca, &["other.example"], &[]);
    let tls = ServerTls {
        cert_pem: wrong_host.cert_pem,
        key_pem: wrong_host.key_pem,
        ..server_tls(pki)
    };
    let server =
        HttpsServer::bind(localhost(), tls, Arc::new(|_| Response::text(200, "no"))).unwrap();
    match client().get(&server.url("/")) {
        Err(TransportError::Tls { reason, .. }) => {
            assert!(reason.contains("host name"), "{reason}")
        }
        other => panic!("expected Tls, got {other:?}"),
    }
}

#[test]
fn client_certificate_from_another_ca_is_rejected_in_the_handshake() {
    let server = serve(|_| Response::text(200, "should not get here"));
    let client = HttpsClient::new(ClientConfig {
        identity: config(other_pki()).identity,
        ..config(pki())
    })
    .unwrap();
    match client.post_soap(&server.url("/"), b"<x/>") {
        Err(e @ TransportError::Tls { .. }) => {
            assert!(!e.is_retryable());
            let TransportError::Tls { reason, .. } = &e else {
                unreachable!()
            };
            assert!(reason.contains("rejected our client certificate"), "{e}");
        }
        other => panic!("expected Tls, got {other:?}"),
    }
}

#[test]
fn refused_connection_is_a_connect_error() {
    let port = {
        let listener = TcpListener::bind(localhost()).unwrap();
        listener.local_addr().unwrap().port()
    };
    match client().get(&format!("https://127.0.0.1:{port}/")) {
        Err(e @ TransportError::Connect { .. }) => {
            assert!(e.is_retryable());
            assert!(e.to_string().contains(&port.to_string()), "{e}");
        }
        other => panic!("expected Connect, got {other:?}"),
    }
}

#[test]
fn silent_server_is_a_timeout_within_the_call_timeout() {
    // The kernel completes the TCP handshake from the listen backlog; nobody
    // ever reads or answers.
    let listener = TcpListener::bind(localhost()).unwrap();
    let port = listener.local_addr().unwrap().port();
    let call_timeout = Duration::from_millis(500);
    let client = HttpsClient::new(ClientConfig {
        call_timeout,
        ..config(pki())
    })
    .unwrap();
    let started = Instant::now();
    let result = client.post_soap(&format!("https://127.0.0.1:{port}/"), b"<x/>");
    let elapsed = started.elapsed();
    match result {
        Err(e @ TransportError::Timeout { .. }) => assert!(e.is_retryable()),
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(
        elapsed >= call_timeout / 2,
        "gave up too early: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    drop(listener);
}

#[test]
fn http_503_is_a_retryable_status_error() {
    let server = serve(|_| Response::text(503, "busy, try later"));
    match client().post_soap(&server.url("/"), b"<x/>") {
        Err(e @ TransportError::HttpStatus { status: 503, .. }) => {
            assert!(e.is_retryable());
            let TransportError::HttpStatus { excerpt, .. } = &e else {
                unreachable!()
            };
            assert_eq!(excerpt, "busy, try later");
        }
        other => panic!("expected HttpStatus 503, got {other:?}"),
    }
}

#[test]
fn http_404_is_not_retryable_and_excerpt_is_capped() {
    let long = "x".repeat(10_000);
    let server = serve(move |_| Response::html(404, long.clone()));
    match client().get(&server.url("/missing")) {
        Err(e @ TransportError::HttpStatus { status: 404, .. }) => {
            assert!(!e.is_retryable());
            let TransportError::HttpStatus { excerpt, .. } = &e else {
                unreachable!()
            };
            assert!(excerpt.chars().count() <= 201, "{}", excerpt.len());
        }
        other => panic!("expected HttpStatus 404, got {other:?}"),
    }
}

#[test]
fn http_500_with_xml_is_a_reply_for_the_soap_fault_parser() {
    let fault = "<soap:Envelope><soap:Body><soap:Fault/></soap:Body></soap:Envelope>";
    let server = serve(move |_| Response::xml(500, fault));
    let reply = client().post_soap(&server.url("/"), b"<x/>").unwrap();
    assert_eq!(reply.status, 500);
    assert_eq!(reply.body, fault.as_bytes());
}

#[test]
fn http_500_with_html_is_a_status_error() {
    let server = serve(|_| Response::html(500, "<h1>oops</h1>"));
    match client().post_soap(&server.url("/"), b"<x/>") {
        Err(TransportError::HttpStatus { status: 500, .. }) => {}
        other => panic!("expected HttpStatus 500, got {other:?}"),
    }
}

#[test]
fn plain_http_url_is_invalid() {
    match client().post_soap("http://localhost:1/", b"<x/>") {
        Err(e @ TransportError::InvalidUrl { .. }) => assert!(!e.is_retryable()),
        other => panic!("expected InvalidUrl, got {other:?}"),
    }
    assert!(matches!(
        client().get("localhost/"),
        Err(TransportError::InvalidUrl { .. })
    ));
}

#[test]
fn unknown_host_is_a_dns_error() {
    match client().get("https://no-such-host.invalid/") {
        Err(e @ TransportError::Dns { .. }) => assert!(e.is_retryable()),
        other => panic!("expected Dns, got {other:?}"),
    }
}
