//! The blocking HTTPS client with mutual TLS that Kuvert's SOAP calls use.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{from_io, from_ureq_transport, CallContext, EXCERPT_CHARS};
use crate::identity::{CaBundle, ClientIdentity};
use crate::TransportError;

/// Everything an [`HttpsClient`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The organisation's certificate and key, presented to the server.
    pub identity: ClientIdentity,
    /// The only CAs trusted for server certificates.
    pub ca: CaBundle,
    /// Limit for establishing the TCP connection.
    pub connect_timeout: Duration,
    /// Limit for the whole call: connect, handshake, request and response.
    pub call_timeout: Duration,
    /// Larger response bodies are refused with
    /// [`TransportError::ResponseTooLarge`].
    pub max_response_bytes: usize,
}

/// An HTTP response Kuvert accepts: any 2xx, and HTTP 500 with an XML
/// content type (a SOAP 1.1 fault, which the caller parses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The response body.
    pub body: Vec<u8>,
}

/// A reusable HTTPS client with mutual TLS. Cheap to clone; clones share
/// the connection set-up.
#[derive(Clone)]
pub struct HttpsClient {
    agent: ureq::Agent,
    connect_timeout: Duration,
    call_timeout: Duration,
    max_response_bytes: usize,
}

impl std::fmt::Debug for HttpsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpsClient")
            .field("connect_timeout", &self.connect_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl HttpsClient {
    /// Builds the TLS set-up: our identity, only the configured CAs (the
    /// operating system's roots are switched off, because Mina meddelanden
    /// and test environments use private CAs and nothing else should be
    /// accepted), TLS 1.2 or newer, host name verification on.
    pub fn new(config: ClientConfig) -> Result<HttpsClient, TransportError> {
        let setup = |e: native_tls::Error| TransportError::TlsSetup {
            reason: e.to_string(),
        };
        let mut builder = native_tls::TlsConnector::builder();
        builder
            .identity(config.identity.tls.clone())
            .disable_built_in_roots(true)
            .min_protocol_version(Some(native_tls::Protocol::Tlsv12));
        for ca in &config.ca.certificates {
            let der = ca.to_der().map_err(|e| TransportError::TlsSetup {
                reason: e.to_string(),
            })?;
            builder.add_root_certificate(native_tls::Certificate::from_der(&der).map_err(setup)?);
        }
        let connector = builder.build().map_err(setup)?;
        let agent = ureq::AgentBuilder::new()
            .tls_connector(Arc::new(connector))
            .https_only(true)
            // SOAP endpoints do not redirect; following one could send the
            // signed delivery somewhere unintended.
            .redirects(0)
            .timeout_connect(config.connect_timeout)
            .timeout(config.call_timeout)
            .user_agent(concat!("kuvert/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(HttpsClient {
            agent,
            connect_timeout: config.connect_timeout,
            call_timeout: config.call_timeout,
            max_response_bytes: config.max_response_bytes,
        })
    }

    /// POSTs a SOAP 1.1 envelope (`Content-Type: text/xml; charset=utf-8`,
    /// `SOAPAction: ""`).
    pub fn post_soap(&self, url: &str, body: &[u8]) -> Result<HttpReply, TransportError> {
        let address = https_authority(url)?;
        let request = self
            .agent
            .post(url)
            .set("Content-Type", "text/xml; charset=utf-8")
            .set("SOAPAction", "\"\"");
        self.finish(request.send_bytes(body), &address)
    }

    /// GETs a URL (WSDL, health checks).
    pub fn get(&self, url: &str) -> Result<HttpReply, TransportError> {
        let address = https_authority(url)?;
        self.finish(self.agent.get(url).call(), &address)
    }

    fn finish(
        &self,
        result: Result<ureq::Response, ureq::Error>,
        address: &str,
    ) -> Result<HttpReply, TransportError> {
        let ctx = CallContext {
            address,
            connect_timeout: self.connect_timeout,
            call_timeout: self.call_timeout,
        };
        let response = match result {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(t)) => return Err(from_ureq_transport(&t, &ctx)),
        };
        let status = response.status();
        let content_type = response.header("Content-Type").map(str::to_string);
        let accepted = (200..300).contains(&status)
            || (status == 500 && content_type.as_deref().is_some_and(is_xml));
        if !accepted {
            let excerpt = read_excerpt(response);
            return Err(TransportError::HttpStatus { status, excerpt });
        }
        if let Some(declared) = response
            .header("Content-Length")
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            if declared > self.max_response_bytes as u64 {
                return Err(TransportError::ResponseTooLarge {
                    limit: self.max_response_bytes,
                });
            }
        }
        // Read one byte past the limit to tell "exactly at the limit" from
        // "over it" without trusting Content-Length.
        let mut body = Vec::new();
        response
            .into_reader()
            .take(self.max_response_bytes as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| from_io(&e, &ctx))?;
        if body.len() > self.max_response_bytes {
            return Err(TransportError::ResponseTooLarge {
                limit: self.max_response_bytes,
            });
        }
        Ok(HttpReply {
            status,
            content_type,
            body,
        })
    }
}

/// Checks the scheme and returns `host:port` for error messages.
fn https_authority(url: &str) -> Result<String, TransportError> {
    let invalid = |reason: &str| TransportError::InvalidUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let rest = url
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .map(|_| &url[8..])
        .ok_or_else(|| invalid("only https:// URLs are allowed"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Drop any user:password@ so it never ends up in an error message.
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    if host_port.is_empty() {
        return Err(invalid("no host"));
    }
    let has_port = match host_port.rfind(']') {
        Some(bracket) => host_port[bracket..].contains(':'),
        None => host_port.contains(':'),
    };
    Ok(if has_port {
        host_port.to_string()
    } else {
        format!("{host_port}:443")
    })
}

fn is_xml(content_type: &str) -> bool {
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media_type == "text/xml" || media_type == "application/xml" || media_type.ends_with("+xml")
}

/// The start of an error body for the error message. Failures while reading
/// it are ignored: the status is the error, the body only decoration.
fn read_excerpt(response: ureq::Response) -> String {
    let mut bytes = Vec::new();
    // Four bytes per char is the UTF-8 worst case.
    let _ = response
        .into_reader()
        .take((EXCERPT_CHARS * 4) as u64)
        .read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let trimmed = text.trim();
    let mut excerpt: String = trimmed.chars().take(EXCERPT_CHARS).collect();
    if trimmed.chars().count() > EXCERPT_CHARS {
        excerpt.push('…');
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_from_url() {
        assert_eq!(
            https_authority("https://a.example/x").unwrap(),
            "a.example:443"
        );
        assert_eq!(
            https_authority("HTTPS://a.example:8443?q").unwrap(),
            "a.example:8443"
        );
        assert_eq!(https_authority("https://u:p@[::1]/").unwrap(), "[::1]:443");
        assert_eq!(https_authority("https://[::1]:9/").unwrap(), "[::1]:9");
        assert!(matches!(
            https_authority("http://a.example/"),
            Err(TransportError::InvalidUrl { .. })
        ));
        assert!(matches!(
            https_authority("https:///x"),
            Err(TransportError::InvalidUrl { .. })
        ));
        assert!(matches!(
            https_authority("ftp"),
            Err(TransportError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn xml_content_types() {
        assert!(is_xml("text/xml; charset=utf-8"));
        assert!(is_xml("application/soap+xml"));
        assert!(is_xml("Application/XML"));
        assert!(!is_xml("text/html"));
    }
}
