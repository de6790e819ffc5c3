//! Size limits on both sides.

use kuvert_transport::server::{Response, ServerOptions};
use kuvert_transport::{ClientConfig, HttpsClient, TransportError};

use crate::common::{client, config, pki, serve, serve_with};

#[test]
fn oversized_response_is_refused() {
    let server = serve(|_| Response::xml(200, vec![b'a'; 4096]));
    let client = HttpsClient::new(ClientConfig {
        max_response_bytes: 1024,
        ..config(pki())
    })
    .unwrap();
    match client.post_soap(&server.url("/"), b"<x/>") {
        Err(e @ TransportError::ResponseTooLarge { limit: 1024 }) => assert!(!e.is_retryable()),
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
}

#[test]
fn response_exactly_at_the_limit_is_accepted() {
    let server = serve(|_| Response::xml(200, vec![b'a'; 1024]));
    let client = HttpsClient::new(ClientConfig {
        max_response_bytes: 1024,
        ..config(pki())
    })
    .unwrap();
    assert_eq!(
        client
            .post_soap(&server.url("/"), b"<x/>")
            .unwrap()
            .body
            .len(),
        1024
    );
}

#[test]
fn request_body_over_the_server_limit_is_413() {
    let server = serve_with(
        ServerOptions::default().max_request_body_bytes(1024),
        |_| Response::text(200, "should not get here"),
    );
    match client().post_soap(&server.url("/"), &vec![b'a'; 64 * 1024]) {
        Err(e @ TransportError::HttpStatus { status: 413, .. }) => assert!(!e.is_retryable()),
        other => panic!("expected HttpStatus 413, got {other:?}"),
    }
    // At the limit is fine.
    assert!(client().post_soap(&server.url("/"), &[b'a'; 1024]).is_ok());
}
