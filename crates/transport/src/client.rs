//! The HTTPS client: SOAP 1.1 POSTs and plain GETs over mutual TLS.

use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use crate::classify;
use crate::error::TransportError;
use crate::identity::ClientIdentity;
use crate::trust::CaBundle;

/// `Content-Type` of a SOAP 1.1 request.
const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";
/// The SOAP 1.1 `SOAPAction` header value the service expects: an empty quoted string.
const SOAP_ACTION: &str = "\"\"";
/// How much of an error body is read for [`TransportError::HttpStatus`]'s excerpt.
const EXCERPT_READ_BYTES: u64 = 2048;
/// Maximum characters in that excerpt.
const EXCERPT_CHARS: usize = 200;

/// Everything the client needs; see [`ClientConfig::new`] for defaults.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The organisation's certificate and key, presented to the server.
    pub identity: ClientIdentity,
    /// The only CAs the server's certificate is checked against.
    pub ca: CaBundle,
    /// Limit for establishing the TCP connection.
    pub connect_timeout: Duration,
    /// Limit for the whole call: connect, handshake, request and the complete response.
    pub call_timeout: Duration,
    /// Largest response body accepted.
    pub max_response_bytes: usize,
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

    /// A configuration with the default time-outs and size limit.
    pub fn new(identity: ClientIdentity, ca: CaBundle) -> Self {
        ClientConfig {
            identity,
            ca,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            call_timeout: Self::DEFAULT_CALL_TIMEOUT,
            max_response_bytes: Self::DEFAULT_MAX_RESPONSE_BYTES,
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

/// A reusable HTTPS client with mutual TLS. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct HttpsClient {
    agent: ureq::Agent,
    max_response_bytes: usize,
}

impl fmt::Debug for HttpsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpsClient")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl HttpsClient {
    /// Builds the client. Fails with [`TransportError::Setup`] if OpenSSL does not accept
    /// the identity or CA certificates.
    pub fn new(config: ClientConfig) -> Result<Self, TransportError> {
        let setup = |detail: String| TransportError::Setup { detail };
        let mut tls = native_tls::TlsConnector::builder();
        tls.identity(config.identity.to_native_tls().map_err(setup)?)
            // Only the configured CAs are trusted: a test CA must not become valid for the
            // real service, and the real service's CA is configured explicitly too.
            .disable_built_in_roots(true)
            .min_protocol_version(Some(native_tls::Protocol::Tlsv12));
        for cert in config.ca.certificates() {
            let der = cert.to_der().map_err(|e| setup(e.to_string()))?;
            let cert = native_tls::Certificate::from_der(&der).map_err(|e| setup(e.to_string()))?;
            tls.add_root_certificate(cert);
        }
        let connector = tls.build().map_err(|e| setup(e.to_string()))?;

        let agent = ureq::AgentBuilder::new()
            .tls_connector(Arc::new(connector))
            .timeout_connect(config.connect_timeout)
            .timeout(config.call_timeout)
            // A redirect would re-send a signed delivery somewhere nobody configured.
            .redirects(0)
            .https_only(true)
            .user_agent(concat!("kuvert/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(HttpsClient {
            agent,
            max_response_bytes: config.max_response_bytes,
        })
    }

    /// POSTs a SOAP 1.1 envelope (`Content-Type: text/xml; charset=utf-8`,
    /// `SOAPAction: ""`).
    ///
    /// Returns the reply for 2xx and for HTTP 500 with an XML body, because SOAP 1.1
    /// carries faults in a 500; the caller parses the envelope. Any other status is
    /// [`TransportError::HttpStatus`].
    pub fn post_soap(&self, url: &str, body: &[u8]) -> Result<HttpReply, TransportError> {
        let url = require_https(url)?;
        let result = self
            .agent
            .post(url)
            .set("Content-Type", SOAP_CONTENT_TYPE)
            .set("SOAPAction", SOAP_ACTION)
            .send_bytes(body);
        self.reply(url, result, true)
    }

    /// GETs a resource (e.g. a WSDL). Only 2xx is a reply.
    pub fn get(&self, url: &str) -> Result<HttpReply, TransportError> {
        let url = require_https(url)?;
        let result = self.agent.get(url).call();
        self.reply(url, result, false)
    }

    fn reply(
        &self,
        url: &str,
        result: Result<ureq::Response, ureq::Error>,
        soap_fault_allowed: bool,
    ) -> Result<HttpReply, TransportError> {
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(error)) => return Err(classify::from_ureq(url, &error)),
        };
        let status = response.status();
        let content_type = response.header("content-type").map(str::to_owned);
        let is_soap_fault =
            soap_fault_allowed && status == 500 && content_type.as_deref().is_some_and(is_xml);
        if !(200..300).contains(&status) && !is_soap_fault {
            return Err(TransportError::HttpStatus {
                status,
                excerpt: excerpt(response),
            });
        }
        let body = self.read_body(url, response)?;
        Ok(HttpReply {
            status,
            content_type,
            body,
        })
    }

    fn read_body(&self, url: &str, response: ureq::Response) -> Result<Vec<u8>, TransportError> {
        let limit = self.max_response_bytes;
        let too_large = TransportError::ResponseTooLarge { limit };
        // Fail before reading when the server announces an oversized body.
        let announced = response
            .header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if announced.is_some_and(|length| length > limit as u64) {
            return Err(too_large);
        }
        let mut body = Vec::new();
        // One byte over the limit tells "exactly at the limit" from "too large".
        response
            .into_reader()
            .take(limit as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|error| classify::from_body_read(url, &error))?;
        if body.len() > limit {
            return Err(too_large);
        }
        Ok(body)
    }
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

/// A short, readable start of an error body. Best effort: a body that cannot be read
/// gives an empty excerpt rather than hiding the status.
fn excerpt(response: ureq::Response) -> String {
    let mut bytes = Vec::new();
    let _ = response
        .into_reader()
        .take(EXCERPT_READ_BYTES)
        .read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > EXCERPT_CHARS {
        let mut short: String = collapsed.chars().take(EXCERPT_CHARS).collect();
        short.push('…');
        short
    } else {
        collapsed
    }
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
