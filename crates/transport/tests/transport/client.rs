//! Successful calls and how HTTP statuses and sizes become replies or errors.

use std::sync::Arc;

use kuvert_service::{HttpsServer, Response, ServerLimits};
use kuvert_transport::{certificate_organisation_number, HttpsClient, TransportError};

use crate::support::{self, client, echo, start, start_with, ORG};

#[test]
fn mtls_post_sends_soap_headers_and_body() {
    let server = start(echo);
    let reply = client()
        .post_soap(&server.url("/far/Service"), b"<Envelope>hej</Envelope>")
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("text/xml; charset=utf-8")
    );
    let text = String::from_utf8(reply.body).unwrap();
    assert_eq!(
        text,
        format!(
            "method=POST\npath=/far/Service\nsoapaction=\"\"\n\
             content-type=text/xml; charset=utf-8\norg={ORG}\n\n<Envelope>hej</Envelope>"
        )
    );
    server.shutdown();
}

#[test]
fn server_sees_the_client_certificate_and_its_organisation_number() {
    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    let seen_tx = std::sync::Mutex::new(seen_tx);
    let server = start(move |request| {
        let _ = seen_tx.lock().unwrap().send(request.peer_certificate_der);
        Response::xml(200, "<ok/>")
    });
    client().post_soap(&server.url("/"), b"<x/>").unwrap();
    let der = seen_rx.recv().unwrap().expect("client certificate");
    assert_eq!(der, support::pki().sender.cert_der().unwrap());
    assert_eq!(certificate_organisation_number(&der).as_deref(), Some(ORG));
}

#[test]
fn get_returns_the_body() {
    let server = start(echo);
    let reply = client().get(&server.url("/far?wsdl")).unwrap();
    assert_eq!(reply.status, 200);
    let text = String::from_utf8(reply.body).unwrap();
    assert!(text.starts_with("method=GET\npath=/far?wsdl\n"), "{text}");
}

#[test]
fn soap_fault_in_http_500_is_a_reply() {
    let fault = "<Envelope><Body><Fault><faultstring>nej</faultstring></Fault></Body></Envelope>";
    let server = start(move |_| Response::xml(500, fault));
    let reply = client().post_soap(&server.url("/"), b"<x/>").unwrap();
    assert_eq!(reply.status, 500);
    assert_eq!(reply.body, fault.as_bytes());
}

#[test]
fn http_500_that_is_not_xml_is_an_error() {
    let server = start(|_| Response::text(500, "Internal error"));
    let error = client().post_soap(&server.url("/"), b"<x/>").unwrap_err();
    assert!(
        matches!(error, TransportError::HttpStatus { status: 500, ref excerpt } if excerpt == "Internal error"),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[test]
fn get_does_not_accept_a_500_even_with_xml() {
    let server = start(|_| Response::xml(500, "<Fault/>"));
    let error = client().get(&server.url("/")).unwrap_err();
    assert!(
        matches!(error, TransportError::HttpStatus { status: 500, .. }),
        "{error:?}"
    );
}

#[test]
fn http_503_is_a_retryable_status_error_with_an_excerpt() {
    let long_page = format!(
        "<html>\n  <body>Service   unavailable: maintenance {}</body></html>",
        "x".repeat(5000)
    );
    let server = start(move |_| Response::html(503, long_page.clone()));
    let error = client().post_soap(&server.url("/"), b"<x/>").unwrap_err();
    match &error {
        TransportError::HttpStatus { status, excerpt } => {
            assert_eq!(*status, 503);
            assert!(
                excerpt.starts_with("<html> <body>Service unavailable: maintenance xxx"),
                "{excerpt}"
            );
            assert!(excerpt.chars().count() <= 201, "{excerpt}");
        }
        other => panic!("expected HttpStatus, got {other:?}"),
    }
    assert!(error.is_retryable());
}

#[test]
fn client_errors_are_not_retryable_but_429_is() {
    let server = start(|request| match request.path.as_str() {
        "/busy" => Response::text(429, "slow down"),
        _ => Response::text(404, "no such service"),
    });
    let not_found = client()
        .post_soap(&server.url("/nope"), b"<x/>")
        .unwrap_err();
    assert!(matches!(
        not_found,
        TransportError::HttpStatus { status: 404, .. }
    ));
    assert!(!not_found.is_retryable());
    let busy = client()
        .post_soap(&server.url("/busy"), b"<x/>")
        .unwrap_err();
    assert!(matches!(
        busy,
        TransportError::HttpStatus { status: 429, .. }
    ));
    assert!(busy.is_retryable());
}

#[test]
fn response_over_the_limit_is_refused_and_at_the_limit_accepted() {
    let server = start(|request| Response::xml(200, vec![b'a'; request.body.len()]));
    let mut config = support::config(support::pki(), support::pki());
    config.max_response_bytes = 1024;
    let client = HttpsClient::new(config).unwrap();

    let error = client
        .post_soap(&server.url("/"), &[b'x'; 1025])
        .unwrap_err();
    assert!(
        matches!(error, TransportError::ResponseTooLarge { limit: 1024 }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    let reply = client.post_soap(&server.url("/"), &[b'x'; 1024]).unwrap();
    assert_eq!(reply.body.len(), 1024);
}

#[test]
fn plain_http_and_malformed_urls_are_invalid() {
    let client = client();
    for url in [
        "http://localhost:1/far",
        "localhost/far",
        "https://",
        "ftp://x/",
    ] {
        let error = client.post_soap(url, b"<x/>").unwrap_err();
        assert!(
            matches!(error, TransportError::InvalidUrl { url: ref u, .. } if u == url),
            "{url}: {error:?}"
        );
        assert!(!error.is_retryable());
    }
    let error = client.get("http://localhost:1/").unwrap_err();
    assert!(matches!(error, TransportError::InvalidUrl { .. }));
}

#[test]
fn request_body_over_the_server_limit_gets_413() {
    let limits = ServerLimits {
        max_body_bytes: 1024,
        ..ServerLimits::default()
    };
    let server = start_with(limits, echo);
    let error = client()
        .post_soap(&server.url("/"), &vec![b'x'; 4096])
        .unwrap_err();
    assert!(
        matches!(error, TransportError::HttpStatus { status: 413, .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    // At the limit is fine.
    let reply = client()
        .post_soap(&server.url("/"), &vec![b'x'; 1024])
        .unwrap();
    assert_eq!(reply.status, 200);
}

#[test]
fn one_client_serves_many_calls_over_one_connection() {
    let server = start(echo);
    let client = client();
    for i in 0..5 {
        let body = format!("<n>{i}</n>");
        let reply = client.post_soap(&server.url("/"), body.as_bytes()).unwrap();
        assert!(reply.body.ends_with(body.as_bytes()));
    }
    // Clones share the pool too.
    client.clone().get(&server.url("/")).unwrap();
    assert_eq!(server.tls_handshakes(), 1);
    assert_eq!(client.connections_opened(), 1);
}

#[test]
fn separate_clients_each_make_their_own_handshake() {
    let server = start(echo);
    let (first, second) = (client(), client());
    first.post_soap(&server.url("/"), b"<x/>").unwrap();
    second.post_soap(&server.url("/"), b"<x/>").unwrap();
    first.post_soap(&server.url("/"), b"<x/>").unwrap();
    assert_eq!(server.tls_handshakes(), 2);
    assert_eq!(
        (first.connections_opened(), second.connections_opened()),
        (1, 1)
    );
}

#[test]
fn a_kept_connection_the_server_has_closed_is_replaced() {
    let first = start(echo);
    let address = first.local_addr();
    let client = client();
    client.get(&first.url("/")).unwrap();
    // The server goes away, closing the idle connection the client keeps, and
    // comes back on the same port: the next call must open a new connection
    // rather than fail on the old one.
    first.shutdown();
    let second = HttpsServer::bind(
        address,
        support::server_tls(support::pki(), true),
        Arc::new(echo),
    )
    .unwrap();
    let reply = client.get(&second.url("/again")).unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(client.connections_opened(), 2);
    assert_eq!(second.tls_handshakes(), 1);
}

#[test]
fn the_client_works_on_a_thread_of_another_async_runtime() {
    // The desktop app calls from Tauri's async commands, i.e. on tokio worker
    // threads: building, calling and dropping the client must all work there.
    let server = start(echo);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let url = server.url("/");
    let status = runtime.block_on(async move {
        let client = client();
        let status = client.post_soap(&url, b"<x/>").unwrap().status;
        drop(client);
        status
    });
    assert_eq!(status, 200);
}
