//! The HTTPS client: SOAP 1.1 POSTs and plain GETs over mutual TLS.
//!
//! One [`HttpsClient`] keeps its connections open between calls (HTTP
//! keep-alive), so a recipient check followed by a delivery costs one TLS
//! handshake. Build it once per profile and reuse it; clones share the pool.

use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use tokio::time::{timeout_at, Instant};

use crate::classify::{self, address_of};
use crate::driver::Driver;
use crate::error::{TimeoutPhase, TransportError};
use crate::identity::ClientIdentity;
use crate::proxy::Proxy;
use crate::trust::CaBundle;

/// `Content-Type` of a SOAP 1.1 request.
const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";
/// The SOAP 1.1 `SOAPAction` header value the service expects: an empty quoted string.
const SOAP_ACTION: &str = "\"\"";
/// How much of an error body is read for [`TransportError::HttpStatus`]'s excerpt.
const EXCERPT_READ_BYTES: usize = 2048;
/// Maximum characters in that excerpt.
const EXCERPT_CHARS: usize = 200;
/// How long an idle connection is kept for the next call. Servers close idle
/// connections on their own schedule too; a closed one is noticed and
/// replaced.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything the client needs; see [`ClientConfig::new`] for defaults.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The organisation's certificate and key, presented to the server.
    pub identity: ClientIdentity,
    /// The only CAs the server's certificate is checked against.
    pub ca: CaBundle,
    /// Limit for establishing a connection: TCP, the tunnel through a proxy
    /// if there is one, and the TLS handshake.
    pub connect_timeout: Duration,
    /// Limit for the whole call: connecting, the request and the complete response.
    pub call_timeout: Duration,
    /// Largest response body accepted.
    pub max_response_bytes: usize,
    /// Directly (the default) or through an HTTP proxy.
    pub proxy: Proxy,
}

impl ClientConfig {
    /// Default connect time-out.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default whole-call time-out; generous because a delivery may carry tens of
    /// megabytes of attachments.
    pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(120);
    /// Default response size limit. Service responses are small; this only stops a
    /// misbehaving server from exhausting memory.
    pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

    /// A configuration with the default time-outs and size limit, connecting
    /// directly.
    pub fn new(identity: ClientIdentity, ca: CaBundle) -> Self {
        ClientConfig {
            identity,
            ca,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            call_timeout: Self::DEFAULT_CALL_TIMEOUT,
            max_response_bytes: Self::DEFAULT_MAX_RESPONSE_BYTES,
            proxy: Proxy::Direct,
        }
    }
}

/// An HTTP response the caller should interpret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// The HTTP status: 2xx, or 500 for a SOAP fault.
    pub status: u16,
    /// The `Content-Type` header as sent, if any.
    pub content_type: Option<String>,
    /// The complete body.
    pub body: Vec<u8>,
}

/// How long [`HttpsClient::download`] waits for the answer's head at
/// least: an export is prepared whole before it is sent.
const DOWNLOAD_HEAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// What [`HttpsClient::download`] got.
#[derive(Debug)]
pub enum Download {
    /// A 2xx answer, its body written to the file.
    Saved {
        /// The body's size.
        bytes: u64,
        /// The response headers (those that are text), names in lower case.
        headers: Vec<(String, String)>,
    },
    /// Another status: the server's answer, read as by a call.
    Refused(HttpReply),
}

/// A reusable HTTPS client with mutual TLS and a pool of kept-alive
/// connections. Cheap to clone; clones share the pool. Usable from any
/// thread, including one of another async runtime (the call blocks it).
#[derive(Clone)]
pub struct HttpsClient {
    inner: Arc<Inner>,
}

struct Inner {
    // Declared before `driver`, so the pool goes before the runtime it lives on.
    client: reqwest::Client,
    connections: Arc<ConnectionCount>,
    call_timeout: Duration,
    max_response_bytes: usize,
    /// The proxy every call goes through, for error messages.
    proxy: Option<String>,
    driver: Driver,
}

impl fmt::Debug for HttpsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpsClient")
            .field("call_timeout", &self.inner.call_timeout)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("proxy", &self.inner.proxy)
            .finish_non_exhaustive()
    }
}

impl HttpsClient {
    /// Builds the client. Fails with [`TransportError::Setup`] if OpenSSL does not accept
    /// the identity or CA certificates, or the proxy address is unusable.
    pub fn new(config: ClientConfig) -> Result<Self, TransportError> {
        let setup = |detail: String| TransportError::Setup { detail };
        let identity = config.identity.to_reqwest().map_err(setup)?;
        let roots = config
            .ca
            .certificates()
            .iter()
            .map(|cert| {
                let der = cert.to_der().map_err(|e| e.to_string())?;
                reqwest::Certificate::from_der(&der).map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, String>>()
            .map_err(setup)?;
        let connections = Arc::new(ConnectionCount::default());
        let builder = reqwest::Client::builder()
            .tls_backend_native()
            .identity(identity)
            // Only the configured CAs are trusted: a test CA must not become valid for the
            // real service, and the real service's CA is configured explicitly too.
            // Server verification itself is never turned off.
            .tls_certs_only(roots)
            .tls_version_min(reqwest::tls::Version::TLS_1_2)
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            // A redirect would re-send a signed delivery somewhere nobody configured.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(true)
            .user_agent(concat!("kuvert/", env!("CARGO_PKG_VERSION")))
            .connector_layer(CountConnections(Arc::clone(&connections)));
        let builder = config.proxy.apply(builder)?;
        let driver = Driver::start().map_err(|e| setup(e.to_string()))?;
        let client = {
            let _runtime = driver.handle().enter();
            builder
                .build()
                .map_err(|e| setup(classify::innermost_text(&e)))?
        };
        let proxy = match &config.proxy {
            Proxy::Via(url) => Some(url.to_string()),
            Proxy::FromEnvironment | Proxy::Direct => None,
        };
        Ok(HttpsClient {
            inner: Arc::new(Inner {
                client,
                connections,
                call_timeout: config.call_timeout,
                max_response_bytes: config.max_response_bytes,
                proxy,
                driver,
            }),
        })
    }

    /// POSTs a SOAP 1.1 envelope (`Content-Type: text/xml; charset=utf-8`,
    /// `SOAPAction: ""`).
    ///
    /// Returns the reply for 2xx and for HTTP 500 with an XML body, because SOAP 1.1
    /// carries faults in a 500; the caller parses the envelope. Any other status is
    /// [`TransportError::HttpStatus`].
    pub fn post_soap(&self, url: &str, body: &[u8]) -> Result<HttpReply, TransportError> {
        self.post_soap_owned(url, body.to_vec())
    }

    /// [`post_soap`](Self::post_soap) taking the body by value, which saves a
    /// copy of a large delivery.
    pub(crate) fn post_soap_owned(
        &self,
        url: &str,
        body: Vec<u8>,
    ) -> Result<HttpReply, TransportError> {
        let url = require_https(url)?;
        let request = self
            .inner
            .client
            .post(url)
            .header(CONTENT_TYPE, SOAP_CONTENT_TYPE)
            .header("SOAPAction", SOAP_ACTION)
            .body(body);
        self.call(url, request, Accept::SuccessOrSoapFault)
    }

    /// GETs a resource (e.g. a WSDL). Only 2xx is a reply.
    pub fn get(&self, url: &str) -> Result<HttpReply, TransportError> {
        let url = require_https(url)?;
        let request = self.inner.client.get(url);
        self.call(url, request, Accept::Success)
    }

    /// Calls a JSON API (department mode's `kuvert-server`): GET without a
    /// body, POST with one (`Content-Type: application/json`). Every HTTP
    /// status is a reply, for the caller to interpret.
    pub fn call_json(&self, url: &str, body: Option<Vec<u8>>) -> Result<HttpReply, TransportError> {
        let url = require_https(url)?;
        let request = match body {
            Some(body) => self
                .inner
                .client
                .post(url)
                .header(CONTENT_TYPE, "application/json")
                .body(body),
            None => self.inner.client.get(url),
        };
        self.call(url, request, Accept::Any)
    }

    /// Downloads `url` (GET) into `file`: a 2xx body is written as it
    /// arrives, without the size limit of a call and with the call
    /// time-out between chunks rather than for the whole (the answer's
    /// head may take up to 15 minutes); any other status is
    /// [`Download::Refused`] with the server's (bounded) answer.
    pub fn download(&self, url: &str, file: std::fs::File) -> Result<Download, TransportError> {
        let url = require_https(url)?;
        let request = self.inner.client.get(url);
        let idle = self.inner.call_timeout;
        // A server may prepare the whole file before it answers.
        let exchange = self.exchange(url, Accept::Any, idle.max(DOWNLOAD_HEAD_TIMEOUT));
        let (download, file) = self.drive(exchange.download(request, file, idle))?;
        file.sync_all().map_err(|e| TransportError::Io {
            detail: format!("writing the download: {e}"),
        })?;
        Ok(download)
    }

    /// Follows a stream (GET; server-sent events): a 2xx body goes to
    /// `sink` as it arrives, for as long as the server sends something at
    /// least every `idle` and `sink` takes it (a sink that refuses a chunk
    /// ends the stream with [`TransportError::Io`]); any other status is
    /// [`Download::Refused`]. Blocks the calling thread meanwhile. `sink`
    /// runs on the client's own thread: it must not call this client.
    pub fn stream(
        &self,
        url: &str,
        sink: impl std::io::Write + Send + 'static,
        idle: Duration,
    ) -> Result<Download, TransportError> {
        let url = require_https(url)?;
        let request = self.inner.client.get(url);
        let exchange = self.exchange(url, Accept::Any, self.inner.call_timeout);
        Ok(self.drive(exchange.download(request, sink, idle))?.0)
    }

    /// How many connections this client (with its clones) has opened so
    /// far, each with its own TLS handshake. Calls on a kept-alive
    /// connection add nothing.
    pub fn connections_opened(&self) -> u64 {
        self.inner.connections.opened.load(Ordering::Relaxed)
    }

    fn call(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
        accept: Accept,
    ) -> Result<HttpReply, TransportError> {
        let exchange = self.exchange(url, accept, self.inner.call_timeout);
        self.drive(exchange.run(request))
    }

    /// One exchange with `url`, its answer's head due within `timeout`.
    fn exchange(&self, url: &str, accept: Accept, timeout: Duration) -> Exchange {
        Exchange {
            address: address_of(url),
            proxy: self.inner.proxy.clone(),
            deadline: Instant::now() + timeout,
            max_response_bytes: self.inner.max_response_bytes,
            accept,
            connections: Arc::clone(&self.inner.connections),
        }
    }

    /// Runs `exchange` on the driver's thread and waits for it.
    fn drive<T: Send + 'static>(
        &self,
        exchange: impl Future<Output = Result<T, TransportError>> + Send + 'static,
    ) -> Result<T, TransportError> {
        self.inner.driver.run(exchange).unwrap_or_else(|| {
            Err(TransportError::Io {
                detail: "the HTTPS client failed unexpectedly".to_owned(),
            })
        })
    }
}

/// Which HTTP statuses a call takes as a reply (the others are
/// [`TransportError::HttpStatus`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Accept {
    /// 2xx only.
    Success,
    /// 2xx, and 500 with an XML body (SOAP 1.1 carries faults in a 500).
    SuccessOrSoapFault,
    /// Every status: the caller interprets it (a JSON API's errors).
    Any,
}

/// One call in flight on the driver's thread.
struct Exchange {
    address: String,
    proxy: Option<String>,
    deadline: Instant,
    max_response_bytes: usize,
    accept: Accept,
    connections: Arc<ConnectionCount>,
}

/// Why no response head arrived.
enum NoResponse {
    TimedOut(TimeoutPhase),
    Failed(reqwest::Error),
}

impl Exchange {
    async fn run(self, request: reqwest::RequestBuilder) -> Result<HttpReply, TransportError> {
        let response = self.head(request).await?;
        self.reply(response).await
    }

    /// The response head, sent once more on a new connection when a
    /// kept-alive one turned out closed.
    async fn head(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, TransportError> {
        // A server may close a kept-alive connection just as it is reused; the
        // request then meets a closed connection before any answer. That is
        // not a failure of the call, so it is sent once more, on a new
        // connection. (Sending a delivery again is safe: the intermediary
        // recognises the same signed delivery, as on any resubmission.)
        let spare = request.try_clone();
        let opened_before = self.connections.opened.load(Ordering::SeqCst);
        let response = match (self.response(request).await, spare) {
            (Err(NoResponse::Failed(error)), Some(again))
                if met_a_closed_connection(&error)
                    && self.connections.opened.load(Ordering::SeqCst) == opened_before =>
            {
                self.response(again).await
            }
            (outcome, _) => outcome,
        };
        match response {
            Ok(response) => Ok(response),
            Err(NoResponse::Failed(error)) => Err(self.failed(&error)),
            Err(NoResponse::TimedOut(phase)) => Err(self.timed_out(phase)),
        }
    }

    /// The reply to a response head: its status checked, its body read.
    async fn reply(&self, response: reqwest::Response) -> Result<HttpReply, TransportError> {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let accepted = match self.accept {
            Accept::Success => (200..300).contains(&status),
            Accept::SuccessOrSoapFault => {
                (200..300).contains(&status)
                    || status == 500 && content_type.as_deref().is_some_and(is_xml)
            }
            Accept::Any => true,
        };
        if !accepted {
            return Err(TransportError::HttpStatus {
                status,
                excerpt: self.excerpt(response).await,
            });
        }
        let body = self.read_body(response).await?;
        Ok(HttpReply {
            status,
            content_type,
            body,
        })
    }

    /// A download: a 2xx body goes to `sink` chunk by chunk, each chunk
    /// within `idle` of the one before (the whole may take longer than a
    /// call); any other status is read as a reply, for the caller. A sink
    /// that refuses a chunk ends it ([`TransportError::Io`]).
    async fn download<W: std::io::Write>(
        mut self,
        request: reqwest::RequestBuilder,
        mut sink: W,
        idle: Duration,
    ) -> Result<(Download, W), TransportError> {
        let mut response = self.head(request).await?;
        if !response.status().is_success() {
            return Ok((Download::Refused(self.reply(response).await?), sink));
        }
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let mut bytes = 0u64;
        loop {
            self.deadline = Instant::now() + idle;
            match timeout_at(self.deadline, response.chunk()).await {
                Ok(Ok(Some(chunk))) => {
                    sink.write_all(&chunk)
                        .and_then(|()| sink.flush())
                        .map_err(|e| TransportError::Io {
                            detail: format!("writing the download: {e}"),
                        })?;
                    bytes += chunk.len() as u64;
                }
                Ok(Ok(None)) => break,
                Ok(Err(error)) => return Err(self.failed(&error)),
                Err(_) => return Err(self.timed_out(TimeoutPhase::Response)),
            }
        }
        Ok((Download::Saved { bytes, headers }, sink))
    }

    /// Sends the request and waits for the response head.
    async fn response(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, NoResponse> {
        let mut sending = pin!(request.send());
        match timeout_at(self.deadline, sending.as_mut()).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(NoResponse::Failed(error)),
            // The call time-out struck; asked while the request still exists, so
            // its connection attempt (if any) still counts as under way.
            Err(_) if self.connections.being_opened() => {
                Err(NoResponse::TimedOut(TimeoutPhase::TlsHandshake))
            }
            Err(_) => Err(NoResponse::TimedOut(TimeoutPhase::Response)),
        }
    }

    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, TransportError> {
        let limit = self.max_response_bytes;
        let too_large = TransportError::ResponseTooLarge { limit };
        // Fail before reading when the server announces an oversized body.
        let announced = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if announced.is_some_and(|length| length > limit as u64) {
            return Err(too_large);
        }
        let mut body = Vec::with_capacity(announced.map_or(0, |n| n as usize));
        loop {
            match timeout_at(self.deadline, response.chunk()).await {
                Ok(Ok(Some(chunk))) => {
                    if body.len() + chunk.len() > limit {
                        return Err(too_large);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(Ok(None)) => return Ok(body),
                Ok(Err(error)) => return Err(self.failed(&error)),
                Err(_) => return Err(self.timed_out(TimeoutPhase::Response)),
            }
        }
    }

    /// A short, readable start of an error body. Best effort: a body that cannot be
    /// read gives an empty excerpt rather than hiding the status.
    async fn excerpt(&self, mut response: reqwest::Response) -> String {
        let mut bytes = Vec::new();
        while bytes.len() < EXCERPT_READ_BYTES {
            match timeout_at(self.deadline, response.chunk()).await {
                Ok(Ok(Some(chunk))) => bytes.extend_from_slice(&chunk),
                _ => break,
            }
        }
        bytes.truncate(EXCERPT_READ_BYTES);
        let text = String::from_utf8_lossy(&bytes);
        let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        // An error page may echo the recipient: masked before it is kept.
        let collapsed = kuvert_protocol::identity::mask_identity_numbers(&collapsed);
        if collapsed.chars().count() > EXCERPT_CHARS {
            let mut short: String = collapsed.chars().take(EXCERPT_CHARS).collect();
            short.push('…');
            short
        } else {
            collapsed
        }
    }

    fn failed(&self, error: &reqwest::Error) -> TransportError {
        match classify::from_reqwest(&self.address, error) {
            TransportError::Connect { address, detail } if self.proxy.is_some() => {
                let proxy = self.proxy.as_deref().unwrap_or_default();
                TransportError::Connect {
                    address,
                    detail: format!("{detail} (through the proxy {proxy})"),
                }
            }
            other => other,
        }
    }

    fn timed_out(&self, phase: TimeoutPhase) -> TransportError {
        TransportError::Timeout {
            address: self.address.clone(),
            phase,
        }
    }
}

/// Connections opened, and attempts under way, seen from a layer around
/// reqwest's connector (which does TCP, the proxy tunnel and TLS).
#[derive(Debug, Default)]
struct ConnectionCount {
    opened: AtomicU64,
    being_opened: AtomicUsize,
}

impl ConnectionCount {
    fn being_opened(&self) -> bool {
        self.being_opened.load(Ordering::SeqCst) > 0
    }
}

/// The connector layer that keeps a [`ConnectionCount`].
#[derive(Clone)]
struct CountConnections(Arc<ConnectionCount>);

impl<S> tower_layer::Layer<S> for CountConnections {
    type Service = Counted<S>;

    fn layer(&self, inner: S) -> Counted<S> {
        Counted {
            inner,
            count: Arc::clone(&self.0),
        }
    }
}

#[derive(Clone)]
struct Counted<S> {
    inner: S,
    count: Arc<ConnectionCount>,
}

type BoxedFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, R> tower_service::Service<R> for Counted<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxedFuture<S::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, target: R) -> Self::Future {
        let attempt = Attempt::start(Arc::clone(&self.count));
        let connecting = self.inner.call(target);
        Box::pin(async move {
            let result = connecting.await;
            if result.is_ok() {
                attempt.count.opened.fetch_add(1, Ordering::Relaxed);
            }
            result
        })
    }
}

/// A connection attempt under way; ends (and stops counting as under way)
/// when it completes or is abandoned.
struct Attempt {
    count: Arc<ConnectionCount>,
}

impl Attempt {
    fn start(count: Arc<ConnectionCount>) -> Attempt {
        count.being_opened.fetch_add(1, Ordering::SeqCst);
        Attempt { count }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        self.count.being_opened.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The connection was closed (or reset) under the request before any answer came.
fn met_a_closed_connection(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        if cause.downcast_ref::<std::io::Error>().is_some_and(|e| {
            matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            )
        }) {
            return true;
        }
        source = cause.source();
    }
    false
}

fn require_https(url: &str) -> Result<&str, TransportError> {
    let is_https = url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    if is_https && url.len() > 8 {
        Ok(url)
    } else {
        Err(TransportError::InvalidUrl {
            url: url.to_owned(),
            reason: "only https:// addresses are allowed".to_owned(),
        })
    }
}

/// `text/xml`, `application/xml`, `application/soap+xml` and other `+xml` media types.
fn is_xml(content_type: &str) -> bool {
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media_type == "text/xml" || media_type == "application/xml" || media_type.ends_with("+xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_urls_pass() {
        assert!(require_https("https://far.example/x").is_ok());
        assert!(require_https("HTTPS://far.example/x").is_ok());
        for bad in [
            "http://far.example/",
            "https://",
            "ftp://x",
            "",
            "far.example",
        ] {
            assert!(
                matches!(require_https(bad), Err(TransportError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn xml_media_types_are_recognised() {
        assert!(is_xml("text/xml; charset=utf-8"));
        assert!(is_xml("Application/SOAP+XML"));
        assert!(is_xml("application/xml"));
        assert!(!is_xml("text/html; charset=utf-8"));
        assert!(!is_xml("text/xmlish"));
    }
}
