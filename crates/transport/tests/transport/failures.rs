//! Network failures: refused connections and servers that never answer.

use std::net::TcpListener;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kuvert_service::Response;
use kuvert_transport::{HttpsClient, TimeoutPhase, TransportError};

use crate::support::{self, start};

fn client_with_timeouts(connect: Duration, call: Duration) -> HttpsClient {
    let mut config = support::config(support::pki(), support::pki());
    config.connect_timeout = connect;
    config.call_timeout = call;
    HttpsClient::new(config).unwrap()
}

#[test]
fn refused_connection_is_connect_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // the listener is dropped: nothing listens there now
    let error = support::client()
        .post_soap(&format!("https://127.0.0.1:{port}/far"), b"<x/>")
        .unwrap_err();
    match &error {
        TransportError::Connect { address, detail } => {
            assert_eq!(address, &format!("127.0.0.1:{port}"));
            assert!(detail.contains("refused"), "{detail}");
        }
        other => panic!("expected Connect, got {other:?}"),
    }
    assert!(error.is_retryable());
}

#[test]
fn silent_server_times_out_within_the_call_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    // Accepts and then says nothing until released.
    let silent = std::thread::spawn(move || {
        let accepted = listener.accept();
        let _ = release_rx.recv();
        drop(accepted);
    });

    let call_timeout = Duration::from_millis(500);
    let client = client_with_timeouts(Duration::from_secs(5), call_timeout);
    let started = Instant::now();
    let error = client
        .post_soap(&format!("https://localhost:{port}/"), b"<x/>")
        .unwrap_err();
    let elapsed = started.elapsed();

    assert!(
        matches!(
            error,
            TransportError::Timeout {
                phase: TimeoutPhase::TlsHandshake,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert!(elapsed >= call_timeout, "gave up early: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    release_tx.send(()).unwrap();
    silent.join().unwrap();
}

#[test]
fn slow_handler_times_out_waiting_for_the_response() {
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let server = start(move |_| {
        // Holds the response back until the test has seen the time-out.
        let _ = release_rx.lock().unwrap().recv();
        Response::xml(200, "<late/>")
    });
    let client = client_with_timeouts(Duration::from_secs(5), Duration::from_millis(500));
    let started = Instant::now();
    let error = client.post_soap(&server.url("/"), b"<x/>").unwrap_err();
    assert!(
        matches!(
            error,
            TransportError::Timeout {
                phase: TimeoutPhase::Response,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    release_tx.send(()).unwrap();
    server.shutdown();
}

#[test]
fn unknown_host_is_a_dns_error() {
    let error = support::client()
        .post_soap("https://kuvert-no-such-host.invalid/far", b"<x/>")
        .unwrap_err();
    assert!(
        matches!(error, TransportError::Dns { ref host, .. } if host == "kuvert-no-such-host.invalid"),
        "{error:?}"
    );
    assert!(error.is_retryable());
}
