//! A small blocking HTTPS/1.1 server with mutual TLS, for the built-in test
//! environment and for tests.
//!
//! One thread per connection, one request per connection (`Connection:
//! close`), bodies by `Content-Length` only. Everything a client sends is
//! untrusted: malformed requests get a 4xx answer, failed handshakes just
//! close that connection, and a panicking handler becomes HTTP 500.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use openssl::error::ErrorStack;
use openssl::pkey::PKey;
use openssl::ssl::{HandshakeError, SslAcceptor, SslMethod, SslStream, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::X509;
use thiserror::Error;

/// Why the server could not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The certificate, key or client CA could not be used; the text says
    /// which and why.
    #[error("server TLS set-up failed: {0}")]
    Tls(String),
    /// The address could not be bound (in use, not permitted…).
    #[error("could not listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// The operating system's error.
        source: io::Error,
    },
    /// Another I/O failure while starting (for example the accept thread
    /// could not be spawned).
    #[error("could not start the server: {0}")]
    Io(#[source] io::Error),
}

/// The server's TLS material, all PEM.
#[derive(Clone)]
pub struct ServerTls {
    /// The server certificate, optionally followed by intermediates.
    pub cert_pem: String,
    /// The server's private key.
    pub key_pem: String,
    /// The CA(s) client certificates must chain to — the only trust anchors.
    pub client_ca_pem: String,
    /// Refuse the handshake when the client presents no certificate. When
    /// false a certificate is still asked for, and verified if presented.
    pub require_client_certificate: bool,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field(
                "require_client_certificate",
                &self.require_client_certificate,
            )
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    fn acceptor(&self) -> Result<SslAcceptor, ServerError> {
        fn tls(what: &'static str) -> impl Fn(ErrorStack) -> ServerError {
            move |e| ServerError::Tls(format!("{what}: {e}"))
        }
        let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())
            .map_err(tls("acceptor"))?;
        let mut chain = X509::stack_from_pem(self.cert_pem.as_bytes())
            .map_err(tls("server certificate"))?
            .into_iter();
        let leaf = chain
            .next()
            .ok_or_else(|| ServerError::Tls("no server certificate in the PEM data".into()))?;
        builder
            .set_certificate(&leaf)
            .map_err(tls("server certificate"))?;
        for extra in chain {
            builder
                .add_extra_chain_cert(extra)
                .map_err(tls("server certificate chain"))?;
        }
        let key = PKey::private_key_from_pem(self.key_pem.as_bytes())
            .map_err(tls("server private key"))?;
        builder
            .set_private_key(&key)
            .map_err(tls("server private key"))?;
        builder
            .check_private_key()
            .map_err(tls("server key does not match the certificate"))?;

        let client_cas =
            X509::stack_from_pem(self.client_ca_pem.as_bytes()).map_err(tls("client CA"))?;
        if client_cas.is_empty() {
            if self.require_client_certificate {
                return Err(ServerError::Tls(
                    "client certificates are required but no client CA was given".into(),
                ));
            }
            builder.set_verify(SslVerifyMode::NONE);
        } else {
            // A fresh store: the client CA is the only trust anchor, never
            // the system roots.
            let mut store = X509StoreBuilder::new().map_err(tls("client CA"))?;
            for ca in &client_cas {
                store.add_cert(ca.clone()).map_err(tls("client CA"))?;
                builder.add_client_ca(ca).map_err(tls("client CA"))?;
            }
            builder.set_cert_store(store.build());
            let mut mode = SslVerifyMode::PEER;
            if self.require_client_certificate {
                mode |= SslVerifyMode::FAIL_IF_NO_PEER_CERT;
            }
            builder.set_verify(mode);
            // OpenSSL refuses session resumption with client verification
            // unless a session id context is set.
            builder
                .set_session_id_context(b"kuvert-transport")
                .map_err(tls("session id context"))?;
        }
        Ok(builder.build())
    }
}

/// A parsed HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, as sent (`POST`, `GET`…).
    pub method: String,
    /// The request target (path and query), as sent.
    pub path: String,
    /// Header names and values in the order received (names as sent).
    pub headers: Vec<(String, String)>,
    /// The body (empty without `Content-Length`).
    pub body: Vec<u8>,
    /// The verified client certificate (DER), if the client presented one.
    pub peer_certificate_der: Option<Vec<u8>>,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a handler answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// An XML response (`text/xml; charset=utf-8`, as SOAP 1.1 wants).
    pub fn xml(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response::with_type(status, "text/xml; charset=utf-8", body)
    }

    /// An HTML response.
    pub fn html(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response::with_type(status, "text/html; charset=utf-8", body)
    }

    /// A plain-text response.
    pub fn text(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response::with_type(status, "text/plain; charset=utf-8", body)
    }

    fn with_type(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type: content_type.to_string(),
            body: body.into(),
        }
    }
}

/// The request handler: called once per request, on the connection's
/// thread.
pub type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;

/// Limits for [`HttpsServer::bind_with`]. Start from `default()` and change
/// what you need.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    max_request_body_bytes: usize,
    read_timeout: Duration,
    max_connections: usize,
}

impl Default for ServerOptions {
    /// 64 MiB bodies, 30 s per read, 256 concurrent connections.
    fn default() -> ServerOptions {
        ServerOptions {
            max_request_body_bytes: 64 * 1024 * 1024,
            read_timeout: Duration::from_secs(30),
            max_connections: 256,
        }
    }
}

impl ServerOptions {
    /// Larger request bodies are answered with HTTP 413 without reading them.
    pub fn max_request_body_bytes(mut self, limit: usize) -> ServerOptions {
        self.max_request_body_bytes = limit;
        self
    }

    /// How long a single read (or write) may wait. The TLS handshake and the
    /// request head must also complete within this time.
    pub fn read_timeout(mut self, timeout: Duration) -> ServerOptions {
        self.read_timeout = timeout;
        self
    }

    /// Connections beyond this many at once are closed immediately.
    pub fn max_connections(mut self, limit: usize) -> ServerOptions {
        self.max_connections = limit.max(1);
        self
    }
}

/// Starts HTTPS servers; see [`HttpsServer::bind`].
#[derive(Debug)]
pub struct HttpsServer;

impl HttpsServer {
    /// Listens on `addr` (port 0 picks a free port) with default
    /// [`ServerOptions`] and serves until the returned [`RunningServer`] is
    /// shut down or dropped.
    pub fn bind(
        addr: SocketAddr,
        tls: ServerTls,
        handler: Handler,
    ) -> Result<RunningServer, ServerError> {
        HttpsServer::bind_with(addr, tls, ServerOptions::default(), handler)
    }

    /// Like [`HttpsServer::bind`], with explicit limits.
    pub fn bind_with(
        addr: SocketAddr,
        tls: ServerTls,
        options: ServerOptions,
        handler: Handler,
    ) -> Result<RunningServer, ServerError> {
        let acceptor = Arc::new(tls.acceptor()?);
        let listener = TcpListener::bind(addr).map_err(|source| ServerError::Bind {
            address: addr,
            source,
        })?;
        let local_addr = listener.local_addr().map_err(ServerError::Io)?;
        let stopping = Arc::new(AtomicBool::new(false));
        let accept_loop = AcceptLoop {
            listener,
            acceptor,
            handler,
            options: Arc::new(options),
            stopping: Arc::clone(&stopping),
            active: Arc::new(AtomicUsize::new(0)),
        };
        let thread = thread::Builder::new()
            .name(format!("https-accept-{}", local_addr.port()))
            .spawn(move || accept_loop.run())
            .map_err(ServerError::Io)?;
        Ok(RunningServer {
            local_addr,
            stopping,
            thread: Some(thread),
        })
    }
}

/// A server that is accepting connections. Dropping it shuts it down.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// The address actually bound (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `https://localhost:{port}{path}` — `localhost` because that is the
    /// name test server certificates are issued for.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{}", self.local_addr.port(), path)
    }

    /// Stops accepting connections and waits for the accept loop to end.
    /// Requests already being served finish on their own threads.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.stopping.store(true, Ordering::SeqCst);
        // The accept loop is blocked in accept(); a connection of our own
        // wakes it so it can see the flag. If even that fails the listener
        // is unusable anyway, and joining could hang, so the thread is left
        // to end with the process.
        let mut wake = self.local_addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        if TcpStream::connect_timeout(&wake, Duration::from_secs(5)).is_ok() {
            let _ = thread.join();
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop();
    }
}

struct AcceptLoop {
    listener: TcpListener,
    acceptor: Arc<SslAcceptor>,
    handler: Handler,
    options: Arc<ServerOptions>,
    stopping: Arc<AtomicBool>,
    active: Arc<AtomicUsize>,
}

impl AcceptLoop {
    fn run(self) {
        loop {
            let accepted = self.listener.accept();
            if self.stopping.load(Ordering::SeqCst) {
                return;
            }
            let stream = match accepted {
                Ok((stream, _peer)) => stream,
                Err(_) => {
                    // Typically out of file descriptors: back off instead of
                    // spinning, then keep serving.
                    thread::sleep(Duration::from_millis(20));
                    continue;
                }
            };
            if self.active.load(Ordering::SeqCst) >= self.options.max_connections {
                continue; // dropping the stream closes it
            }
            let guard = ActiveGuard::new(Arc::clone(&self.active));
            let acceptor = Arc::clone(&self.acceptor);
            let handler = Arc::clone(&self.handler);
            let options = Arc::clone(&self.options);
            // If the thread cannot be spawned the closure (and with it the
            // stream and guard) is dropped: the client sees a closed
            // connection, the server keeps going.
            let _ = thread::Builder::new()
                .name("https-connection".into())
                .spawn(move || {
                    let _guard = guard;
                    serve_connection(stream, &acceptor, &handler, &options);
                });
        }
    }
}

/// Counts a connection as active for as long as it lives, even if the
/// connection thread panics.
struct ActiveGuard(Arc<AtomicUsize>);

impl ActiveGuard {
    fn new(active: Arc<AtomicUsize>) -> ActiveGuard {
        active.fetch_add(1, Ordering::SeqCst);
        ActiveGuard(active)
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn serve_connection(
    stream: TcpStream,
    acceptor: &SslAcceptor,
    handler: &Handler,
    options: &ServerOptions,
) {
    if stream.set_read_timeout(Some(options.read_timeout)).is_err()
        || stream
            .set_write_timeout(Some(options.read_timeout))
            .is_err()
    {
        return;
    }
    let _ = stream.set_nodelay(true);
    // A failed handshake (untrusted client certificate, plain HTTP, port
    // scan) concerns this connection only.
    let tls = match acceptor.accept(stream) {
        Ok(tls) => tls,
        // With TLS 1.3 the client considers the handshake done before we
        // have checked its certificate, and has already sent its request.
        // Closing now, with that request unread, would send a TCP reset
        // that can destroy our alert before the client reads it; the client
        // would then report a broken connection instead of "certificate
        // rejected". Lingering lets the alert arrive.
        Err(HandshakeError::Failure(mut mid)) => {
            linger(mid.get_mut());
            return;
        }
        Err(HandshakeError::WouldBlock(_) | HandshakeError::SetupFailure(_)) => return,
    };
    let peer_certificate_der = tls
        .ssl()
        .peer_certificate()
        .and_then(|cert| cert.to_der().ok());
    let mut reader = BufReader::new(tls);
    let (response, request_consumed, is_head) = match read_request(&mut reader, options) {
        Ok(mut request) => {
            request.peer_certificate_der = peer_certificate_der;
            let is_head = request.method == "HEAD";
            let response = catch_unwind(AssertUnwindSafe(|| handler(request)))
                .unwrap_or_else(|_| Response::text(500, "internal server error\n"));
            (response, true, is_head)
        }
        Err(Rejection::Respond(status, reason)) => (Response::text(status, reason), false, false),
        Err(Rejection::Gone) => return,
    };
    let tls = reader.get_mut();
    if write_response(tls, &response, is_head).is_err() {
        return;
    }
    close(reader, request_consumed);
}

/// Why a request was not handed to the handler.
enum Rejection {
    /// Answer with this status and text.
    Respond(u16, &'static str),
    /// The client went away or stalled; nothing to answer.
    Gone,
}

/// Limits on the request head, which is read before any body limit applies.
const MAX_LINE_BYTES: u64 = 16 * 1024;
const MAX_HEADERS: usize = 100;

fn read_request(
    reader: &mut BufReader<SslStream<TcpStream>>,
    options: &ServerOptions,
) -> Result<Request, Rejection> {
    // The per-read timeout alone would let a client trickle one byte at a
    // time forever; the head as a whole gets the same budget.
    let head_deadline = Instant::now() + options.read_timeout;

    let request_line = read_line(reader, head_deadline)?.ok_or(Rejection::Gone)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_request());
    };
    if method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_alphabetic())
        || path.is_empty()
        || !version.starts_with("HTTP/1.")
    {
        return Err(bad_request());
    }
    let (method, path) = (method.to_string(), path.to_string());

    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, head_deadline)?.ok_or(Rejection::Gone)?;
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(Rejection::Respond(431, "too many header fields\n"));
        }
        let (name, value) = line.split_once(':').ok_or_else(bad_request)?;
        // Leading whitespace is obsolete line folding; whitespace before the
        // colon is a smuggling vector (RFC 9112 §5.1). Both are refused.
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(bad_request());
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let header = |wanted: &'static str| {
        headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(wanted))
            .map(|(_, v)| v.as_str())
    };

    if header("Transfer-Encoding").next().is_some() {
        return Err(Rejection::Respond(
            411,
            "chunked bodies are not supported; send Content-Length\n",
        ));
    }
    let mut length: Option<u64> = None;
    for value in header("Content-Length") {
        let parsed: u64 = value
            .parse()
            .ok()
            .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(bad_request)?;
        if length.is_some_and(|l| l != parsed) {
            return Err(bad_request());
        }
        length = Some(parsed);
    }
    let length = length.unwrap_or(0);
    if length > options.max_request_body_bytes as u64 {
        return Err(Rejection::Respond(413, "request body too large\n"));
    }
    if header("Expect").any(|v| v.eq_ignore_ascii_case("100-continue")) {
        let stream = reader.get_mut();
        if stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .and_then(|()| stream.flush())
            .is_err()
        {
            return Err(Rejection::Gone);
        }
    }
    // Grows with what actually arrives instead of trusting Content-Length
    // for one big allocation.
    let mut body = Vec::new();
    match reader.take(length).read_to_end(&mut body) {
        Ok(n) if n as u64 == length => {}
        _ => return Err(Rejection::Gone),
    }
    Ok(Request {
        method,
        path,
        headers,
        body,
        peer_certificate_der: None,
    })
}

fn bad_request() -> Rejection {
    Rejection::Respond(400, "malformed request\n")
}

/// One line without its CRLF (a bare LF is tolerated). `Ok(None)` when the
/// client closed the connection before sending anything.
fn read_line(
    reader: &mut BufReader<SslStream<TcpStream>>,
    deadline: Instant,
) -> Result<Option<String>, Rejection> {
    if Instant::now() > deadline {
        return Err(Rejection::Gone);
    }
    let mut line = Vec::new();
    let read = reader
        .by_ref()
        .take(MAX_LINE_BYTES)
        .read_until(b'\n', &mut line)
        .map_err(|_| Rejection::Gone)?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if read as u64 >= MAX_LINE_BYTES {
            Rejection::Respond(431, "header line too long\n")
        } else {
            Rejection::Gone
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    // Header values are ASCII in practice; anything else is decoded lossily
    // rather than refused.
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

fn write_response(
    stream: &mut SslStream<TcpStream>,
    response: &Response,
    is_head: bool,
) -> io::Result<()> {
    // The handler is our own code, but a CR or LF in the content type would
    // still corrupt the response framing.
    let content_type: String = response
        .content_type
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let status = if (100..1000).contains(&response.status) {
        response.status
    } else {
        500
    };
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reason_phrase(status),
        response.body.len()
    );
    let mut out = head.into_bytes();
    if !is_head {
        out.extend_from_slice(&response.body);
    }
    stream.write_all(&out)?;
    stream.flush()
}

/// Closes the connection. When the request was refused before its body was
/// read, the connection lingers (see [`linger`]) so the client gets to read
/// the answer.
fn close(mut reader: BufReader<SslStream<TcpStream>>, request_consumed: bool) {
    let tls = reader.get_mut();
    let _ = tls.shutdown();
    if request_consumed {
        let _ = tls.get_mut().shutdown(Shutdown::Write);
    } else {
        linger(tls.get_mut());
    }
}

/// Half-closes the connection and reads and discards what the client still
/// sends, for a bounded time and amount, before the socket is closed.
/// Closing a socket with unread data sends a TCP reset, which can destroy
/// our last words (an answer or a TLS alert) before the client reads them.
fn linger(tcp: &mut TcpStream) {
    const DRAIN_LIMIT: usize = 8 * 1024 * 1024;
    const DRAIN_TIME: Duration = Duration::from_secs(2);
    let _ = tcp.shutdown(Shutdown::Write);
    let deadline = Instant::now() + DRAIN_TIME;
    let _ = tcp.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 16 * 1024];
    let mut drained = 0;
    while drained < DRAIN_LIMIT && Instant::now() < deadline {
        match tcp.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
