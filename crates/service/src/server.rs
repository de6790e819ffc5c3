//! A small blocking HTTPS/1.1 server with mutual TLS, for the built-in test environment
//! and for tests that need a real peer.
//!
//! One thread per connection, requests on a connection one after another (HTTP/1.1
//! keep-alive, no pipelining needed), `Content-Length` bodies only. Nothing a client sends can stop the server: a failed
//! handshake, a malformed request or a panicking handler ends only that connection.

mod connection;
mod http;
mod tls;

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use openssl::ssl::SslAcceptor;

pub use http::{Request, Response};
pub use tls::ServerTls;

/// The application behind the server: one request in, one response out.
pub type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The server certificate PEM is unreadable or empty.
    #[error("the server certificate is not usable: {detail}")]
    Certificate {
        /// OpenSSL's description.
        detail: String,
    },
    /// The server private key PEM is unreadable (or encrypted).
    #[error("the server private key is not usable: {detail}")]
    PrivateKey {
        /// OpenSSL's description.
        detail: String,
    },
    /// The private key does not belong to the server certificate.
    #[error("the server private key does not belong to the server certificate")]
    KeyMismatch,
    /// The client CA PEM is unreadable or empty.
    #[error("the client CA certificate is not usable: {detail}")]
    ClientCa {
        /// OpenSSL's description.
        detail: String,
    },
    /// OpenSSL refused the TLS configuration.
    #[error("could not configure TLS: {detail}")]
    Tls {
        /// OpenSSL's description.
        detail: String,
    },
    /// The address could not be bound (in use, not local, no permission).
    #[error("could not listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// The operating system's error.
        source: io::Error,
    },
    /// Another operating-system failure while starting (e.g. no thread could be started).
    #[error("could not start the server: {0}")]
    Io(#[source] io::Error),
}

/// Limits that keep one client from exhausting the server.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Largest accepted request body; larger ones get 413 without being read.
    pub max_body_bytes: usize,
    /// Largest request line plus headers; larger heads get 431.
    pub max_header_bytes: usize,
    /// Most header fields; more get 431.
    pub max_headers: usize,
    /// Time allowed for handshake plus the complete request; on a kept-alive
    /// connection, for waiting for and reading each further request.
    pub request_timeout: Duration,
    /// Connections served at once; further ones are closed straight away.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    /// 64 MiB bodies (a delivery with 20 MB of attachments, base64-encoded and signed,
    /// fits comfortably), 16 KiB / 100 header fields, 30 s, 64 connections.
    fn default() -> Self {
        ServerLimits {
            max_body_bytes: 64 * 1024 * 1024,
            max_header_bytes: 16 * 1024,
            max_headers: 100,
            request_timeout: Duration::from_secs(30),
            max_connections: 64,
        }
    }
}

/// Starts servers; see [`HttpsServer::bind`].
#[derive(Debug)]
pub struct HttpsServer {
    _not_constructible: (),
}

impl HttpsServer {
    /// Listens on `address` (port 0 picks a free port) with [`ServerLimits::default`] and
    /// serves every request with `handler` until the returned server is shut down or
    /// dropped.
    pub fn bind(
        address: SocketAddr,
        tls: ServerTls,
        handler: Handler,
    ) -> Result<RunningServer, ServerError> {
        Self::bind_with_limits(address, tls, ServerLimits::default(), handler)
    }

    /// Like [`bind`](Self::bind), with explicit limits.
    pub fn bind_with_limits(
        address: SocketAddr,
        tls: ServerTls,
        limits: ServerLimits,
        handler: Handler,
    ) -> Result<RunningServer, ServerError> {
        let acceptor = Arc::new(tls.acceptor()?);
        let listener =
            TcpListener::bind(address).map_err(|source| ServerError::Bind { address, source })?;
        let local_addr = listener.local_addr().map_err(ServerError::Io)?;
        let shared = Arc::new(Shared::default());
        let accept_thread = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("https-accept-{}", local_addr.port()))
                .spawn(move || accept_loop(&listener, &acceptor, &handler, &limits, &shared))
                .map_err(ServerError::Io)?
        };
        Ok(RunningServer {
            local_addr,
            shared,
            accept_thread: Some(accept_thread),
        })
    }
}

/// A server accepting connections on its own thread. Dropping it shuts it down.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// The address actually listened on (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `https://localhost:{port}{path}` — the host name the test server certificates are
    /// issued for. A missing leading `/` is added.
    pub fn url(&self, path: &str) -> String {
        let slash = if path.starts_with('/') { "" } else { "/" };
        format!("https://localhost:{}{slash}{path}", self.local_addr.port())
    }

    /// How many TLS handshakes have completed so far: one per connection a
    /// client opened, however many requests it then sent on it.
    pub fn tls_handshakes(&self) -> u64 {
        self.shared.handshakes.load(Ordering::Relaxed)
    }

    /// Stops accepting, closes open connections and waits for their threads (so for any
    /// handler still running).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(accept_thread) = self.accept_thread.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // `accept` has no time-out; a connection of our own wakes it to see the flag.
        let woken = TcpStream::connect_timeout(&wake_address(self.local_addr), WAKE_TIMEOUT);
        if woken.is_ok() {
            let _ = accept_thread.join();
        }
        // Otherwise the thread is left blocked in `accept` rather than hanging the
        // caller; it exits on the next incoming connection.
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop();
    }
}

const WAKE_TIMEOUT: Duration = Duration::from_secs(2);
/// Pause after a failed `accept` (e.g. out of file descriptors) so the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(20);

/// State shared by the accept loop, the connection threads and [`RunningServer`].
#[derive(Debug, Default)]
struct Shared {
    stopping: AtomicBool,
    /// Completed TLS handshakes.
    handshakes: AtomicU64,
    /// Clones of open connections' sockets, so that shutting down can close them.
    open: Mutex<HashMap<u64, TcpStream>>,
}

impl Shared {
    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<u64, TcpStream>> {
        // A panicking connection thread cannot leave the map inconsistent.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn accept_loop(
    listener: &TcpListener,
    acceptor: &Arc<SslAcceptor>,
    handler: &Handler,
    limits: &ServerLimits,
    shared: &Arc<Shared>,
) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id: u64 = 0;
    for incoming in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let stream = match incoming {
            Ok(stream) => stream,
            Err(_) => {
                thread::sleep(ACCEPT_ERROR_PAUSE);
                continue;
            }
        };
        workers.retain(|worker| !worker.is_finished());
        if workers.len() >= limits.max_connections {
            continue; // dropping the stream closes it
        }
        let Ok(registered) = stream.try_clone() else {
            continue;
        };
        let id = next_id;
        next_id += 1;
        shared.open().insert(id, registered);

        let (acceptor, handler, limits, thread_shared) = (
            Arc::clone(acceptor),
            Arc::clone(handler),
            limits.clone(),
            Arc::clone(shared),
        );
        let spawned = thread::Builder::new()
            .name(format!("https-connection-{id}"))
            .spawn(move || {
                connection::serve(
                    stream,
                    &acceptor,
                    &handler,
                    &limits,
                    &thread_shared.handshakes,
                );
                thread_shared.open().remove(&id);
            });
        match spawned {
            Ok(worker) => workers.push(worker),
            Err(_) => {
                shared.open().remove(&id);
            }
        }
    }
    for stream in shared.open().values() {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
    for worker in workers {
        let _ = worker.join();
    }
}

/// Where to connect to reach a listener bound to `address` (a wildcard address is reached
/// through loopback).
fn wake_address(address: SocketAddr) -> SocketAddr {
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, address.port())
}
