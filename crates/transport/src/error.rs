//! [`TransportError`] and how ureq, native-tls and OpenSSL failures map onto
//! it.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use thiserror::Error;

/// Why an HTTPS call failed.
///
/// [`TransportError::is_retryable`] says whether trying again later could
/// help. `address` fields hold the `host:port` the call went to.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The URL is not an `https://` URL Kuvert can call.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No connection: refused, host or network unreachable.
    #[error("could not connect to {address}: {reason}")]
    Connect {
        /// Where the call went.
        address: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The host name could not be resolved.
    #[error("could not look up {address}: {reason}")]
    Dns {
        /// Where the call went.
        address: String,
        /// The resolver's reason.
        reason: String,
    },
    /// The server did not answer in time.
    #[error("no answer from {address} within {limit:?}")]
    Timeout {
        /// Where the call went.
        address: String,
        /// The time limit that ran out (connect or whole-call limit).
        limit: Duration,
    },
    /// The TLS handshake failed: the server's certificate is not trusted,
    /// the server rejected our client certificate, no common protocol…
    #[error("secure connection to {address} failed: {reason} ({detail})")]
    Tls {
        /// Where the call went.
        address: String,
        /// A plain-language reason.
        reason: String,
        /// OpenSSL's own description, for support.
        detail: String,
    },
    /// The TLS client could not be set up from the configured identity and
    /// CA bundle.
    #[error("could not set up TLS: {reason}")]
    TlsSetup {
        /// OpenSSL's description.
        reason: String,
    },
    /// The server answered with an HTTP status Kuvert does not accept.
    #[error("the server answered HTTP {status}: {excerpt}")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// The start of the response body (lossy UTF-8, at most
        /// [`EXCERPT_CHARS`] characters, then `…` when cut).
        excerpt: String,
    },
    /// The response body is larger than the configured limit.
    #[error("the response is larger than {limit} bytes")]
    ResponseTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The server's answer is not understandable HTTP.
    #[error("malformed HTTP response from {address}: {reason}")]
    MalformedResponse {
        /// Where the call went.
        address: String,
        /// What was wrong.
        reason: String,
    },
    /// The connection broke (reset, closed early) or another I/O failure.
    #[error("connection to {address} failed: {reason}")]
    Io {
        /// Where the call went.
        address: String,
        /// The operating system's reason.
        reason: String,
    },
}

/// The maximum number of characters in [`TransportError::HttpStatus`]'s
/// excerpt.
pub const EXCERPT_CHARS: usize = 200;

impl TransportError {
    /// Whether the same call might succeed later: network trouble and server
    /// errors (5xx) are retryable; TLS trust problems, bad URLs, client
    /// errors (4xx) and oversized responses are not, because they need
    /// someone to change something first.
    pub fn is_retryable(&self) -> bool {
        match self {
            TransportError::Connect { .. }
            | TransportError::Dns { .. }
            | TransportError::Timeout { .. }
            | TransportError::Io { .. } => true,
            TransportError::HttpStatus { status, .. } => (500..600).contains(status),
            TransportError::InvalidUrl { .. }
            | TransportError::Tls { .. }
            | TransportError::TlsSetup { .. }
            | TransportError::ResponseTooLarge { .. }
            | TransportError::MalformedResponse { .. } => false,
        }
    }
}

/// Limits needed to describe a timeout.
pub(crate) struct CallContext<'a> {
    pub address: &'a str,
    pub connect_timeout: Duration,
    pub call_timeout: Duration,
}

/// Maps a ureq transport-level error (not an HTTP status) to a
/// [`TransportError`].
pub(crate) fn from_ureq_transport(t: &ureq::Transport, ctx: &CallContext<'_>) -> TransportError {
    let address = ctx.address.to_string();
    let chain = error_chain(t);
    let during_connect = t.kind() == ureq::ErrorKind::ConnectionFailed;
    if let Some(e) = classify_chain(&chain, ctx, during_connect) {
        return e;
    }
    let reason = describe(t.message(), &chain);
    match t.kind() {
        ureq::ErrorKind::InvalidUrl
        | ureq::ErrorKind::UnknownScheme
        | ureq::ErrorKind::InsecureRequestHttpsOnly => TransportError::InvalidUrl {
            url: t.url().map(|u| u.to_string()).unwrap_or_default(),
            reason,
        },
        ureq::ErrorKind::Dns => TransportError::Dns { address, reason },
        ureq::ErrorKind::ConnectionFailed
        | ureq::ErrorKind::ProxyConnect
        | ureq::ErrorKind::InvalidProxyUrl
        | ureq::ErrorKind::ProxyUnauthorized => TransportError::Connect { address, reason },
        ureq::ErrorKind::BadStatus
        | ureq::ErrorKind::BadHeader
        | ureq::ErrorKind::TooManyRedirects => {
            TransportError::MalformedResponse { address, reason }
        }
        // `HTTP` is reported as `ureq::Error::Status`, never as a transport
        // error; treat it like any other I/O failure should that change.
        ureq::ErrorKind::Io | ureq::ErrorKind::HTTP => TransportError::Io { address, reason },
    }
}

/// Maps an I/O error met while reading a response body.
pub(crate) fn from_io(error: &io::Error, ctx: &CallContext<'_>) -> TransportError {
    let mut chain: Vec<&(dyn StdError + 'static)> = vec![error];
    push_sources(error, &mut chain);
    classify_chain(&chain, ctx, false).unwrap_or_else(|| TransportError::Io {
        address: ctx.address.to_string(),
        reason: error.to_string(),
    })
}

/// Decides from the causes alone, in order of specificity: a time-out beats
/// everything (OpenSSL reports a timed-out read as a failed handshake too),
/// then TLS failures, then what the operating system said.
fn classify_chain(
    chain: &[&(dyn StdError + 'static)],
    ctx: &CallContext<'_>,
    during_connect: bool,
) -> Option<TransportError> {
    let address = ctx.address.to_string();
    let io_kinds: Vec<io::ErrorKind> = chain
        .iter()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .map(io::Error::kind)
        .collect();
    if io_kinds
        .iter()
        .any(|k| matches!(k, io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock))
    {
        let limit = if during_connect {
            ctx.connect_timeout.min(ctx.call_timeout)
        } else {
            ctx.call_timeout
        };
        return Some(TransportError::Timeout { address, limit });
    }
    if let Some(detail) = tls_detail(chain) {
        return Some(TransportError::Tls {
            address,
            reason: tls_reason(&detail).to_string(),
            detail,
        });
    }
    let io_reason = || {
        chain
            .iter()
            .rev()
            .find(|e| e.downcast_ref::<io::Error>().is_some())
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    for kind in &io_kinds {
        match kind {
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::AddrNotAvailable => {
                return Some(TransportError::Connect {
                    address,
                    reason: io_reason(),
                })
            }
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof => {
                return Some(TransportError::Io {
                    address,
                    reason: io_reason(),
                })
            }
            _ => {}
        }
    }
    None
}

/// OpenSSL's description of a TLS failure somewhere in the chain, if any.
/// native-tls's own `Display` is preferred because it appends the
/// certificate verification result ("unable to get local issuer
/// certificate"), which OpenSSL's error stack lacks.
fn tls_detail(chain: &[&(dyn StdError + 'static)]) -> Option<String> {
    if let Some(e) = chain
        .iter()
        .find_map(|e| e.downcast_ref::<native_tls::Error>())
    {
        return Some(e.to_string());
    }
    for e in chain {
        if let Some(ssl) = e.downcast_ref::<openssl::ssl::Error>() {
            // SYSCALL errors are socket failures reported through OpenSSL;
            // the io::Error behind them is classified separately.
            if ssl.ssl_error().is_some() {
                return Some(ssl.to_string());
            }
        }
        if let Some(stack) = e.downcast_ref::<openssl::error::ErrorStack>() {
            if !stack.errors().is_empty() {
                return Some(stack.to_string());
            }
        }
    }
    None
}

/// Turns OpenSSL's reason strings into something an officer or an
/// administrator can act on.
fn tls_reason(detail: &str) -> &'static str {
    let d = detail.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| d.contains(n));
    if has(&["hostname mismatch", "ip address mismatch"]) {
        "the server's certificate is not issued for this host name"
    } else if has(&["certificate has expired", "certificate is not yet valid"]) {
        "the server's certificate is expired or not yet valid"
    } else if has(&["certificate verify failed"]) {
        "the server's certificate is not trusted by the configured CA bundle"
    } else if has(&[
        "alert certificate required",
        "alert bad certificate",
        "alert unknown ca",
        "alert certificate unknown",
        "alert certificate expired",
        "alert certificate revoked",
        "alert unsupported certificate",
        "alert access denied",
        "alert decrypt error",
    ]) {
        "the server rejected our client certificate"
    } else if has(&[
        "wrong version number",
        "packet length too long",
        "record layer failure",
    ]) {
        "the server does not speak TLS on this port"
    } else if has(&["unsupported protocol", "protocol version"]) {
        "the server and Kuvert have no TLS version in common (TLS 1.2 or newer is required)"
    } else if has(&["no shared cipher", "no cipher", "handshake failure"]) {
        "the server and Kuvert could not agree on TLS parameters"
    } else {
        "the TLS handshake failed"
    }
}

fn describe(message: Option<&str>, chain: &[&(dyn StdError + 'static)]) -> String {
    let mut parts: Vec<String> = message.map(str::to_string).into_iter().collect();
    // The first entry is the ureq error itself, whose Display repeats the
    // message and URL.
    parts.extend(chain.iter().skip(1).map(|e| e.to_string()));
    parts.dedup();
    if parts.is_empty() {
        "unknown failure".into()
    } else {
        parts.join(": ")
    }
}

/// The error and all its causes. `io::Error::source` skips the wrapped
/// error (it returns the wrapped error's *source*), so the wrapped error is
/// added explicitly: it is where native-tls and OpenSSL errors hide.
fn error_chain<'a>(top: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut chain = vec![top];
    push_sources(top, &mut chain);
    chain
}

fn push_sources<'a>(
    mut current: &'a (dyn StdError + 'static),
    chain: &mut Vec<&'a (dyn StdError + 'static)>,
) {
    // Bounded in case some error type reports itself as its own source.
    for _ in 0..16 {
        if let Some(inner) = current
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
        {
            let inner: &(dyn StdError + 'static) = inner;
            chain.push(inner);
            current = inner;
            continue;
        }
        match current.source() {
            Some(next) => {
                chain.push(next);
                current = next;
            }
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_classification() {
        let status = |status| TransportError::HttpStatus {
            status,
            excerpt: String::new(),
        };
        assert!(status(503).is_retryable());
        assert!(status(500).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(!status(413).is_retryable());
        assert!(!TransportError::ResponseTooLarge { limit: 1 }.is_retryable());
        assert!(TransportError::Timeout {
            address: "a:1".into(),
            limit: Duration::from_secs(1)
        }
        .is_retryable());
    }

    #[test]
    fn tls_reasons_are_plain_language() {
        assert_eq!(
            tls_reason("error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed (unable to get local issuer certificate)"),
            "the server's certificate is not trusted by the configured CA bundle"
        );
        assert_eq!(
            tls_reason(
                "error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required"
            ),
            "the server rejected our client certificate"
        );
        assert_eq!(
            tls_reason("error:0A00010B:SSL routines:ssl3_get_record:wrong version number"),
            "the server does not speak TLS on this port"
        );
    }

    #[test]
    fn chain_looks_inside_io_errors() {
        let inner = io::Error::new(io::ErrorKind::TimedOut, "slow");
        let outer = io::Error::other(inner);
        let chain = error_chain(&outer);
        assert!(chain
            .iter()
            .filter_map(|e| e.downcast_ref::<io::Error>())
            .any(|e| e.kind() == io::ErrorKind::TimedOut));
    }
}
