//! Mutual TLS happy paths and server robustness.

use std::io::Write;
use std::net::TcpStream;

use kuvert_transport::server::Response;
use kuvert_transport::{certificate_organisation_number, TransportError};

use crate::common::{client, pki, raw_exchange, serve, ORG_NUMBER};

#[test]
fn post_soap_over_mutual_tls_echoes_soap_action_and_body() {
    let server = serve(|request| {
        let echo = format!(
            "{}|{}|{}|{}",
            request.method,
            request.header("soapaction").unwrap_or("<none>"),
            request.header("CONTENT-TYPE").unwrap_or("<none>"),
            String::from_utf8_lossy(&request.body)
        );
        Response::xml(200, echo)
    });
    let reply = client()
        .post_soap(&server.url("/soap"), b"<Envelope>hej</Envelope>")
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("text/xml; charset=utf-8")
    );
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        r#"POST|""|text/xml; charset=utf-8|<Envelope>hej</Envelope>"#
    );
}

#[test]
fn handler_sees_client_certificate_and_its_organisation_number() {
    let server = serve(|request| {
        let org = request
            .peer_certificate_der
            .as_deref()
            .and_then(certificate_organisation_number)
            .unwrap_or_else(|| "none".into());
        Response::text(200, org)
    });
    let reply = client().get(&server.url("/who")).unwrap();
    assert_eq!(String::from_utf8(reply.body).unwrap(), ORG_NUMBER);
    assert_eq!(
        certificate_organisation_number(&pki().sender.cert_der()).as_deref(),
        Some(ORG_NUMBER)
    );
    assert_eq!(
        certificate_organisation_number(&pki().server.cert_der()),
        None
    );
    assert_eq!(certificate_organisation_number(b"not a certificate"), None);
}

#[test]
fn url_with_ip_address_is_verified_against_ip_san() {
    let server = serve(|_| Response::text(200, "ok"));
    let url = format!("https://127.0.0.1:{}/", server.local_addr().port());
    assert_eq!(client().get(&url).unwrap().body, b"ok");
}

#[test]
fn server_survives_garbage_and_failed_handshakes() {
    let server = serve(|_| Response::text(200, "still here"));
    // Plain HTTP on the TLS port, then a connection that closes at once.
    let mut plain = TcpStream::connect(server.local_addr()).unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    drop(plain);
    drop(TcpStream::connect(server.local_addr()).unwrap());
    // A client certificate the server does not trust.
    let stranger = kuvert_transport::HttpsClient::new(kuvert_transport::ClientConfig {
        identity: crate::common::config(crate::common::other_pki()).identity,
        ..crate::common::config(pki())
    })
    .unwrap();
    assert!(stranger.get(&server.url("/")).is_err());
    assert_eq!(client().get(&server.url("/")).unwrap().body, b"still here");
}

#[test]
fn malformed_requests_get_4xx_answers() {
    let server = serve(|_| Response::text(200, "handled"));
    let addr = server.local_addr();
    let chunked = raw_exchange(
        addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    );
    assert!(chunked.starts_with("HTTP/1.1 411 "), "{chunked}");
    let garbage = raw_exchange(addr, b"\x00\x01 nonsense\r\n\r\n");
    assert!(garbage.starts_with("HTTP/1.1 400 "), "{garbage}");
    let bad_length = raw_exchange(addr, b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n");
    assert!(bad_length.starts_with("HTTP/1.1 400 "), "{bad_length}");
    let folded = raw_exchange(addr, b"GET / HTTP/1.1\r\nA : b\r\n\r\n");
    assert!(folded.starts_with("HTTP/1.1 400 "), "{folded}");
    let ok = raw_exchange(addr, b"get / HTTP/1.0\r\nhost: x\r\n\r\n");
    assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
    assert!(ok.contains("Connection: close\r\n"), "{ok}");
    assert!(ok.ends_with("handled"), "{ok}");
}

#[test]
fn panicking_handler_becomes_500() {
    let server = serve(|request| {
        if request.path == "/boom" {
            panic!("handler bug");
        }
        Response::text(200, "fine")
    });
    match client().get(&server.url("/boom")) {
        Err(TransportError::HttpStatus { status: 500, .. }) => {}
        other => panic!("expected HTTP 500, got {other:?}"),
    }
    assert_eq!(client().get(&server.url("/")).unwrap().body, b"fine");
}

#[test]
fn shutdown_stops_accepting() {
    let server = serve(|_| Response::text(200, "ok"));
    let url = server.url("/");
    assert!(client().get(&url).is_ok());
    server.shutdown();
    match client().get(&url) {
        Err(TransportError::Connect { .. }) => {}
        other => panic!("expected Connect after shutdown, got {other:?}"),
    }
}
