//! Which HTTP proxy, if any, carries the calls.
//!
//! Municipal networks often reach the outside only through an HTTP proxy.
//! TLS is never terminated there: the client asks the proxy for a tunnel
//! (`CONNECT host:port`) and runs mutual TLS with the service through it, so
//! the server is verified against the CA bundle and the client certificate
//! is presented exactly as without a proxy.

use std::fmt;

use crate::error::TransportError;

/// The address of an HTTP proxy, `http://host[:port]` (port 80 by default),
/// checked when it is read from a profile.
///
/// Credentials are refused: they do not belong in a configuration file.
/// (A proxy URL with credentials can still come from `HTTPS_PROXY`.)
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    url: reqwest::Url,
}

/// Why a proxy address was refused; the text says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct InvalidProxy {
    reason: String,
}

impl ProxyUrl {
    /// Checks `text` as a proxy address.
    ///
    /// # Errors
    ///
    /// Not an absolute `http://` URL with a host, or one with credentials, a
    /// path, a query or a fragment.
    pub fn parse(text: &str) -> Result<ProxyUrl, InvalidProxy> {
        let text = text.trim();
        let refuse = |why: &str| InvalidProxy {
            reason: format!("{text:?} is not a proxy address: {why}; write it as http://host:port"),
        };
        let url = reqwest::Url::parse(text).map_err(|e| refuse(&e.to_string()))?;
        match url.scheme() {
            "http" => {}
            "https" => {
                return Err(refuse(
                    "Kuvert speaks plain HTTP to the proxy and tunnels its own TLS through it",
                ))
            }
            other => return Err(refuse(&format!("{other}: proxies are not supported"))),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(refuse("there is no host name"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse(
                "credentials do not belong in the profile (set HTTPS_PROXY in the environment instead)",
            ));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(refuse("a proxy address has no path"));
        }
        Ok(ProxyUrl { url })
    }

    /// The address as `http://host:port/`.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProxyUrl").field(&self.as_str()).finish()
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the client reaches the service: directly or through an HTTP proxy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Proxy {
    /// Directly, whatever the environment says. The default of
    /// [`ClientConfig::new`](crate::ClientConfig::new), so that nothing
    /// implicit happens to a client built in code.
    #[default]
    Direct,
    /// Every call through this proxy.
    Via(ProxyUrl),
    /// As the environment says, by the usual rules (reqwest's, as curl's):
    /// the proxy in `HTTPS_PROXY` (or `https_proxy`, then `ALL_PROXY`),
    /// except for the hosts listed in `NO_PROXY` (or `no_proxy`); directly
    /// when none is set.
    FromEnvironment,
}

impl Proxy {
    /// `builder` set up to connect as this says.
    pub(crate) fn apply(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, TransportError> {
        Ok(match self {
            Proxy::Direct => builder.no_proxy(),
            Proxy::Via(url) => {
                let proxy =
                    reqwest::Proxy::all(url.as_str()).map_err(|e| TransportError::Setup {
                        detail: format!("the proxy {url} cannot be used: {e}"),
                    })?;
                // An explicit proxy also turns off reqwest's reading of the environment.
                builder.proxy(proxy)
            }
            // reqwest reads the environment itself when no proxy is given.
            Proxy::FromEnvironment => builder,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_proxy_addresses_are_accepted() {
        for (text, expected) in [
            (
                "http://proxy.kommun.se:8080",
                "http://proxy.kommun.se:8080/",
            ),
            ("  HTTP://10.0.0.1:3128/ ", "http://10.0.0.1:3128/"),
            ("http://proxy.kommun.se", "http://proxy.kommun.se/"),
            ("http://[::1]:3128", "http://[::1]:3128/"),
        ] {
            assert_eq!(ProxyUrl::parse(text).unwrap().as_str(), expected, "{text}");
        }
    }

    #[test]
    fn other_addresses_are_refused_with_a_reason() {
        for (text, reason) in [
            ("proxy.kommun.se:8080", "write it as http://host:port"),
            ("https://proxy:3128", "tunnels its own TLS"),
            ("socks5://proxy:1080", "socks5: proxies are not supported"),
            ("http://user:secret@proxy:3128", "credentials do not belong"),
            ("http://proxy:3128/path", "no path"),
            ("http://proxy:3128/?x=1", "no path"),
            ("http://:3128", "not a proxy address"),
            ("", "not a proxy address"),
        ] {
            let error = ProxyUrl::parse(text).unwrap_err().to_string();
            assert!(error.contains(reason), "{text}: {error}");
        }
    }
}
