//! What can go wrong on an HTTPS call, in terms the send pipeline can act on.

use std::fmt;

/// Why an HTTPS call failed.
///
/// [`is_retryable`](Self::is_retryable) tells the send pipeline whether to keep the item
/// in the Outbox and try again with back-off.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The URL is not an absolute `https://` URL. Plain HTTP is never used: the service
    /// requires mutual TLS.
    #[error("invalid service address {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS client settings could not be built from the identity and CA bundle.
    #[error("could not set up TLS with the configured certificate: {detail}")]
    Setup {
        /// OpenSSL's description.
        detail: String,
    },
    /// The host name could not be resolved.
    #[error("could not look up {host}: {detail}")]
    Dns {
        /// The host name.
        host: String,
        /// The resolver's description.
        detail: String,
    },
    /// No TCP connection could be made: refused, or the network/host is unreachable.
    #[error("could not connect to {address}: {detail}")]
    Connect {
        /// `host:port` that was tried.
        address: String,
        /// The operating system's description.
        detail: String,
    },
    /// The server did not answer in time.
    #[error("{address} did not answer in time ({phase})")]
    Timeout {
        /// `host:port` of the server.
        address: String,
        /// What was being waited for.
        phase: TimeoutPhase,
    },
    /// The TLS handshake failed (or the server broke off the connection with a TLS alert
    /// right after it, which is how TLS 1.3 servers reject client certificates).
    #[error("secure connection to {address} failed: {failure} ({detail})")]
    Tls {
        /// `host:port` of the server.
        address: String,
        /// What kind of TLS failure it was.
        failure: TlsFailure,
        /// OpenSSL's reason, e.g. the certificate verification result.
        detail: String,
    },
    /// The server answered with an HTTP status that is not a success (and not a SOAP fault,
    /// which [`HttpsClient::post_soap`](crate::HttpsClient::post_soap) returns as a reply).
    #[error("the server answered HTTP {status}: {excerpt}")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// The start of the response body, lossily decoded, whitespace collapsed, capped.
        excerpt: String,
    },
    /// The response body is larger than the configured limit.
    #[error("the server's response is larger than the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The server's answer is not valid HTTP.
    #[error("the server's answer is not valid HTTP: {detail}")]
    MalformedResponse {
        /// What could not be parsed.
        detail: String,
    },
    /// The connection failed in some other way (reset, closed early, …).
    #[error("network error: {detail}")]
    Io {
        /// The operating system's description.
        detail: String,
    },
}

impl TransportError {
    /// Whether trying the same call again later may succeed.
    ///
    /// True for network trouble (DNS, connect, time-out, I/O, garbled answers) and for
    /// HTTP 5xx, 408 and 429. False for TLS failures, bad URLs, set-up problems, oversized
    /// responses and other 4xx: repeating those without a change in configuration only
    /// repeats the failure.
    pub fn is_retryable(&self) -> bool {
        match self {
            TransportError::Dns { .. }
            | TransportError::Connect { .. }
            | TransportError::Timeout { .. }
            | TransportError::MalformedResponse { .. }
            | TransportError::Io { .. } => true,
            TransportError::HttpStatus { status, .. } => {
                *status >= 500 || *status == 408 || *status == 429
            }
            TransportError::InvalidUrl { .. }
            | TransportError::Setup { .. }
            | TransportError::Tls { .. }
            | TransportError::ResponseTooLarge { .. } => false,
        }
    }
}

/// What the client was waiting for when a time-out struck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Establishing the connection — TCP, the tunnel through a proxy, the TLS
    /// handshake — took longer than the connect time-out.
    Connect,
    /// The call time-out struck while the connection was still being set up
    /// (typically a server that accepts TCP but never completes the TLS
    /// handshake, with a call time-out shorter than the connect time-out).
    TlsHandshake,
    /// Sending the request or waiting for / reading the response (call time-out).
    Response,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "while connecting",
            TimeoutPhase::TlsHandshake => "during the TLS handshake",
            TimeoutPhase::Response => "while waiting for the response",
        })
    }
}

/// The kind of TLS failure, so that the user can be told what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server's certificate does not verify against the configured CA bundle, or is
    /// not valid for the host name.
    ServerCertificateUntrusted,
    /// The server rejected the client certificate (unknown CA, expired, missing, revoked).
    ClientCertificateRejected,
    /// No common TLS version or cipher, or the server does not speak TLS on that port.
    ProtocolMismatch,
    /// Any other TLS failure; the detail string says more.
    Other,
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsFailure::ServerCertificateUntrusted => {
                "the server's certificate is not trusted by the configured CA bundle"
            }
            TlsFailure::ClientCertificateRejected => {
                "the server rejected the organisation's client certificate"
            }
            TlsFailure::ProtocolMismatch => {
                "no common TLS version or cipher (is this an HTTPS address?)"
            }
            TlsFailure::Other => "the TLS handshake failed",
        })
    }
}
