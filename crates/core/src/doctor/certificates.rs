//! What `kuvert doctor` checks about certificates beyond their dates: the
//! organisation certificate's key usage, and the certificates the
//! intermediary's servers present (their expiry is IT's problem as much as
//! the organisation's own).

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509Ref, X509};
use time::OffsetDateTime;

use super::{certificate_finding, Finding};
use crate::profile::Profile;
use kuvert_transport::{ClientIdentity, Proxy};

/// The key usages the organisation certificate needs: signing the delivery
/// (XML-DSig) and authenticating to the intermediary (TLS client). A
/// certificate without the extensions is not restricted.
pub fn key_usage_finding(certificate: &X509Ref) -> Finding {
    let text = certificate
        .to_text()
        .map(|t| String::from_utf8_lossy(&t).into_owned())
        .unwrap_or_default();
    let key_usage = extension_values(&text, "X509v3 Key Usage");
    let extended = extension_values(&text, "X509v3 Extended Key Usage");
    let mut missing = Vec::new();
    if let Some(usages) = &key_usage {
        if !usages
            .iter()
            .any(|u| u == "Digital Signature" || u == "Non Repudiation")
        {
            missing.push("digitalSignature (to sign the messages)");
        }
    }
    if let Some(usages) = &extended {
        if !usages.iter().any(|u| u == "TLS Web Client Authentication") {
            missing.push("clientAuth (to log in to the intermediary over TLS)");
        }
    }
    let described = |usages: &Option<Vec<String>>| {
        usages
            .as_ref()
            .map_or_else(|| "not restricted".to_string(), |u| u.join(", "))
    };
    let found = format!(
        "key usage: {}; extended key usage: {}",
        described(&key_usage),
        described(&extended)
    );
    if missing.is_empty() {
        Finding::ok("certificate.key_usage", found)
    } else {
        Finding::problem(
            "certificate.key_usage",
            format!("{found} — it lacks {}", missing.join(" and ")),
            "order the organisation certificate for signing and TLS client authentication (a function certificate for Mina meddelanden), and install it with kuvert import-certificate FILE",
        )
    }
}

/// The values of the extension `name` in OpenSSL's text form of a
/// certificate (the line after its name), `None` when it has none.
fn extension_values(text: &str, name: &str) -> Option<Vec<String>> {
    let mut lines = text.lines();
    lines.find(|line| {
        line.trim()
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with(':'))
    })?;
    let values = lines.next()?;
    Some(values.split(',').map(|v| v.trim().to_owned()).collect())
}

/// The certificate each endpoint's server presents (one TLS handshake,
/// with the organisation's certificate, verified against the CA bundle):
/// its dates as for the organisation's own. Not looked at through a proxy
/// (the tunnel is the endpoints' check).
pub fn server_findings(
    profile: &Profile,
    identity: &ClientIdentity,
    warn_days: u32,
    now: OffsetDateTime,
) -> Vec<Finding> {
    if through_proxy(profile.proxy()) {
        return Vec::new();
    }
    let endpoints = profile.endpoints();
    let mut seen: Vec<(String, u16)> = Vec::new();
    let mut findings = Vec::new();
    for url in [endpoints.recipient, endpoints.message] {
        let Some((host, port)) = host_port(&url) else {
            continue;
        };
        if seen.contains(&(host.clone(), port)) {
            continue;
        }
        seen.push((host.clone(), port));
        let check = format!("server_certificate.{host}:{port}");
        findings.push(match server_certificate(profile, identity, &host, port) {
            Ok(certificate) => certificate_finding(&check, &certificate, warn_days, now),
            Err(error) => Finding::problem(
                &check,
                format!("the TLS handshake with {host}:{port} failed: {error}"),
                "check [service] ca_bundle (the intermediary's CA) and the network; the endpoint checks say more",
            ),
        });
    }
    findings
}

fn through_proxy(proxy: &Proxy) -> bool {
    match proxy {
        Proxy::Direct => false,
        Proxy::Via(_) => true,
        Proxy::FromEnvironment => ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|value| !value.is_empty())),
    }
}

fn host_port(url: &str) -> Option<(String, u16)> {
    let url = url::Url::parse(url).ok()?;
    Some((url.host_str()?.to_owned(), url.port_or_known_default()?))
}

/// The server's certificate after a verified handshake.
fn server_certificate(
    profile: &Profile,
    identity: &ClientIdentity,
    host: &str,
    port: u16,
) -> Result<X509, String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(|e| text(&e))?;
    let mut store = X509StoreBuilder::new().map_err(|e| text(&e))?;
    for ca in profile.ca_bundle().map_err(|e| text(&e))?.certificates() {
        store.add_cert(ca.clone()).map_err(|e| text(&e))?;
    }
    builder
        .set_verify_cert_store(store.build())
        .map_err(|e| text(&e))?;
    builder.set_verify(SslVerifyMode::PEER);
    builder
        .set_certificate(identity.certificate())
        .map_err(|e| text(&e))?;
    builder
        .set_private_key(identity.private_key())
        .map_err(|e| text(&e))?;
    for extra in identity.chain() {
        builder
            .add_extra_chain_cert(extra.clone())
            .map_err(|e| text(&e))?;
    }
    let timeout = profile.connect_timeout().max(Duration::from_secs(1));
    let address = (host, port)
        .to_socket_addrs()
        .map_err(|e| text(&e))?
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    let stream = TcpStream::connect_timeout(&address, timeout).map_err(|e| text(&e))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| text(&e))?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| text(&e))?;
    let tls = builder
        .build()
        .connect(host, stream)
        .map_err(|e| text(&e))?;
    tls.ssl()
        .peer_certificate()
        .ok_or_else(|| "the server presented no certificate".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "        X509v3 extensions:\n            X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment\n            X509v3 Extended Key Usage: \n                TLS Web Server Authentication\n";

    #[test]
    fn an_extension_is_read_from_the_line_after_its_name() {
        assert_eq!(
            extension_values(TEXT, "X509v3 Key Usage").unwrap(),
            ["Digital Signature", "Key Encipherment"]
        );
        assert_eq!(
            extension_values(TEXT, "X509v3 Extended Key Usage").unwrap(),
            ["TLS Web Server Authentication"]
        );
        assert_eq!(
            extension_values(TEXT, "X509v3 Subject Alternative Name"),
            None
        );
    }

    #[test]
    fn the_host_and_port_come_from_the_url_with_https_as_443() {
        assert_eq!(
            host_port("https://mm.example.se/recipient"),
            Some(("mm.example.se".into(), 443))
        );
        assert_eq!(
            host_port("https://127.0.0.1:8443/x"),
            Some(("127.0.0.1".into(), 8443))
        );
    }
}
