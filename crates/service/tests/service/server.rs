//! The test server: request parsing, limits, robustness, start-up errors and shutdown.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kuvert_service::{HttpsServer, Response, ServerError, ServerLimits};

use crate::support::{self, echo, pki, raw, start, start_with};

/// The server keeps connections alive: each raw exchange asks it to close.
const GET: &str = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

fn is_ok(answer: &str) -> bool {
    answer.starts_with("HTTP/1.1 200 OK\r\n")
}

#[test]
fn url_points_at_localhost_and_the_bound_port() {
    let server = start(echo);
    let port = server.local_addr().port();
    assert_ne!(port, 0);
    assert_eq!(server.url("/far"), format!("https://localhost:{port}/far"));
    assert_eq!(server.url("far"), format!("https://localhost:{port}/far"));
}

#[test]
fn answers_carry_length_and_close_when_asked_to() {
    let server = start(|_| Response::text(200, "hej"));
    let answer = raw(server.local_addr(), GET);
    assert_eq!(
        answer,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\
         Connection: close\r\n\r\nhej"
    );
}

#[test]
fn head_requests_get_no_body() {
    let server = start(|_| Response::text(200, "hej"));
    let answer = raw(
        server.local_addr(),
        "HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert!(
        answer.ends_with("Content-Length: 3\r\nConnection: close\r\n\r\n"),
        "{answer}"
    );
}

#[test]
fn a_connection_serves_requests_until_the_client_closes_it() {
    let server = start(|request| Response::text(200, request.path));
    // Both requests in one write: the second arrives with the first's bytes.
    let answer = raw(
        server.local_addr(),
        "GET /first HTTP/1.1\r\n\r\nGET /second HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        answer,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\
         Connection: keep-alive\r\n\r\n/first\
         HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 7\r\n\
         Connection: close\r\n\r\n/second"
    );
    assert_eq!(server.tls_handshakes(), 1);
}

#[test]
fn an_idle_kept_alive_connection_is_closed_after_the_request_timeout() {
    let limits = ServerLimits {
        request_timeout: Duration::from_millis(300),
        ..ServerLimits::default()
    };
    let server = start_with(limits, |_| Response::text(200, "hej"));
    let started = Instant::now();
    // No `Connection: close`: the answer comes, then the server waits for more
    // and finally closes, which ends the read.
    let answer = raw(server.local_addr(), "GET / HTTP/1.1\r\n\r\n");
    let elapsed = started.elapsed();
    assert!(
        answer.ends_with("Connection: keep-alive\r\n\r\nhej"),
        "{answer}"
    );
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn chunked_request_gets_411() {
    let server = start(echo);
    let answer = raw(
        server.local_addr(),
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    assert!(
        answer.starts_with("HTTP/1.1 411 Length Required\r\n"),
        "{answer}"
    );
}

#[test]
fn malformed_requests_get_400_and_the_server_keeps_serving() {
    let server = start(echo);
    for request in [
        "NONSENSE\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon here\r\n\r\n",
    ] {
        let answer = raw(server.local_addr(), request);
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{request:?}: {answer}"
        );
    }
    assert!(is_ok(&raw(server.local_addr(), GET)));
}

#[test]
fn oversized_head_gets_431() {
    let limits = ServerLimits {
        max_header_bytes: 512,
        ..ServerLimits::default()
    };
    let server = start_with(limits, echo);
    let request = format!("GET / HTTP/1.1\r\nX-Long: {}\r\n\r\n", "a".repeat(2000));
    let answer = raw(server.local_addr(), &request);
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
}

#[test]
fn expect_continue_is_honoured() {
    let server = start(echo);
    let answer = raw(
        server.local_addr(),
        "POST /x HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\
         Connection: close\r\n\r\nbody",
    );
    assert!(
        answer.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"),
        "{answer}"
    );
    assert!(answer.ends_with("\n\nbody"), "{answer}");
}

#[test]
fn panicking_handler_gives_500_and_the_server_keeps_serving() {
    let server = start(|request| {
        if request.path == "/panic" {
            panic!("handler bug (expected in this test)");
        }
        Response::xml(200, "<ok/>")
    });
    let post = |path: &str| {
        let request =
            format!("POST {path} HTTP/1.1\r\nContent-Length: 4\r\nConnection: close\r\n\r\n<x/>");
        raw(server.local_addr(), &request)
    };
    let answer = post("/panic");
    assert!(
        answer.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
        "{answer}"
    );
    assert!(is_ok(&post("/ok")));
}

#[test]
fn shutdown_stops_accepting_and_closes_idle_connections() {
    let server = start(echo);
    let addr = server.local_addr();
    // An idle connection that never starts its handshake would otherwise hold its thread
    // for the whole request time-out (30 s by default).
    let idle = TcpStream::connect(addr).unwrap();
    // Make sure the server has accepted it before shutting down.
    assert!(is_ok(&raw(addr, GET)));

    let started = Instant::now();
    server.shutdown();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    drop(idle);

    let refused = TcpStream::connect(addr).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn dropping_the_server_shuts_it_down() {
    let addr = {
        let server = start(echo);
        server.local_addr()
    };
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn slow_clients_are_cut_off_by_the_request_timeout() {
    let limits = ServerLimits {
        request_timeout: Duration::from_millis(300),
        ..ServerLimits::default()
    };
    let server = start_with(limits, echo);
    let mut silent = TcpStream::connect(server.local_addr()).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut sink = Vec::new();
    // Returns when the server gives up on the handshake and closes.
    let _ = std::io::Read::read_to_end(&mut silent, &mut sink);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn bad_tls_material_is_reported_at_start() {
    let addr = support::localhost_any_port();
    let handler: kuvert_service::Handler = Arc::new(echo);

    let mut tls = support::server_tls(pki(), true);
    tls.cert_pem = "not a certificate".to_owned();
    assert!(matches!(
        HttpsServer::bind(addr, tls, handler.clone()),
        Err(ServerError::Certificate { .. })
    ));

    let mut tls = support::server_tls(pki(), true);
    tls.key_pem = pki().sender.key_pem.clone();
    assert!(matches!(
        HttpsServer::bind(addr, tls, handler.clone()),
        Err(ServerError::KeyMismatch)
    ));

    let mut tls = support::server_tls(pki(), true);
    tls.key_pem = "garbage".to_owned();
    assert!(matches!(
        HttpsServer::bind(addr, tls, handler.clone()),
        Err(ServerError::PrivateKey { .. })
    ));

    let mut tls = support::server_tls(pki(), true);
    tls.client_ca_pem = String::new();
    assert!(matches!(
        HttpsServer::bind(addr, tls, handler.clone()),
        Err(ServerError::ClientCa { .. })
    ));

    let taken = TcpListener::bind(addr).unwrap();
    let taken_addr = taken.local_addr().unwrap();
    assert!(matches!(
        HttpsServer::bind(taken_addr, support::server_tls(pki(), true), handler),
        Err(ServerError::Bind { address, .. }) if address == taken_addr
    ));
}
