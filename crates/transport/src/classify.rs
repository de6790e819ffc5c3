//! Turns reqwest's errors into [`TransportError`]s.
//!
//! reqwest reports only coarse kinds ("error sending request"); the real cause
//! sits somewhere down the `source()` chain — hyper-util's connect error, an
//! `io::Error` (time-out, refused), a native-tls/OpenSSL error (handshake),
//! sometimes several. The chain is walked once and the evidence collected,
//! then the most specific explanation wins.

use std::error::Error;
use std::io;

use openssl::error::ErrorStack;

use crate::error::{TimeoutPhase, TlsFailure, TransportError};

/// `host:port` of an `https://` URL, for error messages.
pub(crate) fn address_of(url: &str) -> String {
    let rest = url.get("https://".len()..).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let has_port = match host_port.rfind(']') {
        Some(bracket) => host_port[bracket..].contains(':'),
        None => host_port.contains(':'),
    };
    if has_port {
        host_port.to_owned()
    } else {
        format!("{host_port}:443")
    }
}

/// Maps a reqwest error for a call to `address` (`host:port`).
pub(crate) fn from_reqwest(address: &str, error: &reqwest::Error) -> TransportError {
    if error.is_builder() {
        return TransportError::InvalidUrl {
            url: error
                .url()
                .map(|u| u.to_string())
                .unwrap_or_else(|| address.to_owned()),
            reason: innermost_text(error),
        };
    }
    if error.is_dns() {
        return TransportError::Dns {
            host: host_of(address),
            detail: innermost_text(error),
        };
    }
    if let Some(parse) = find::<hyper::Error>(error).filter(|e| e.is_parse()) {
        return TransportError::MalformedResponse {
            detail: parse.to_string(),
        };
    }
    from_chain(
        address.to_owned(),
        error,
        Context {
            connecting: error.is_connect(),
            timed_out: error.is_timeout(),
        },
    )
}

/// What was known about the call when it failed.
struct Context {
    /// The error arose while the connection was being established.
    connecting: bool,
    /// The error says it is a time-out (besides any `io::Error` kinds found).
    timed_out: bool,
}

/// The first error of type `E` in the chain.
fn find<'a, E: Error + 'static>(error: &'a (dyn Error + 'static)) -> Option<&'a E> {
    let mut current = Some(error);
    for _ in 0..16 {
        let error = current?;
        if let Some(found) = error.downcast_ref::<E>() {
            return Some(found);
        }
        current = error.source();
    }
    None
}

/// What the source chain says happened.
#[derive(Default)]
struct Evidence {
    io_kinds: Vec<io::ErrorKind>,
    /// Reasons from OpenSSL error stacks, e.g. "certificate verify failed".
    tls_reasons: Vec<String>,
    /// native-tls's message, which carries the certificate verification result.
    tls_message: Option<String>,
}

fn from_chain(address: String, error: &(dyn Error + 'static), context: Context) -> TransportError {
    let mut evidence = Evidence::default();
    visit(error, 0, &mut evidence);

    let timed_out = context.timed_out
        || evidence
            .io_kinds
            .iter()
            .any(|k| matches!(k, io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock));
    if timed_out {
        // Time-outs of the call as a whole are told apart where they strike
        // (the client's own timer); one reported by reqwest while connecting
        // is its connect time-out, which covers TCP, a proxy tunnel and TLS.
        let phase = if context.connecting {
            TimeoutPhase::Connect
        } else {
            TimeoutPhase::Response
        };
        return TransportError::Timeout { address, phase };
    }
    if !evidence.tls_reasons.is_empty() {
        return TransportError::Tls {
            address,
            failure: tls_failure(&evidence.tls_reasons),
            detail: tls_detail(&evidence),
        };
    }
    let unreachable = evidence.io_kinds.iter().any(|k| {
        matches!(
            k,
            io::ErrorKind::ConnectionRefused
                | io::ErrorKind::NetworkUnreachable
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::AddrNotAvailable
        )
    });
    if unreachable || context.connecting {
        return TransportError::Connect {
            address,
            detail: innermost_text(error),
        };
    }
    TransportError::Io {
        detail: innermost_text(error),
    }
}

/// Walks the chain. `io::Error::source()` skips the error it wraps, so wrapped errors are
/// visited through `get_ref()` instead.
fn visit(error: &(dyn Error + 'static), depth: usize, evidence: &mut Evidence) {
    // Guards against a pathological cyclic or endless chain.
    if depth > 16 {
        return;
    }
    if let Some(io_error) = error.downcast_ref::<io::Error>() {
        evidence.io_kinds.push(io_error.kind());
        if let Some(inner) = io_error.get_ref() {
            visit(inner, depth + 1, evidence);
            return;
        }
    }
    if let Some(native) = error.downcast_ref::<native_tls::Error>() {
        evidence
            .tls_message
            .get_or_insert_with(|| native.to_string());
    }
    if let Some(stack) = error.downcast_ref::<ErrorStack>() {
        evidence.tls_reasons.extend(
            stack
                .errors()
                .iter()
                .filter_map(|e| e.reason())
                .map(str::to_owned),
        );
    }
    if let Some(source) = error.source() {
        visit(source, depth + 1, evidence);
    }
}

/// Classifies OpenSSL reason strings. Alerts are what the *server* sent us, so a
/// certificate-related alert means it did not accept our client certificate.
fn tls_failure(reasons: &[String]) -> TlsFailure {
    let any = |needles: &[&str]| {
        reasons
            .iter()
            .any(|reason| needles.iter().any(|needle| reason.contains(needle)))
    };
    if any(&["certificate verify failed"]) {
        TlsFailure::ServerCertificateUntrusted
    } else if any(&[
        "alert certificate",
        "alert bad certificate",
        "alert unknown ca",
        "alert access denied",
        "alert unsupported certificate",
    ]) {
        TlsFailure::ClientCertificateRejected
    } else if any(&[
        "wrong version number",
        "unsupported protocol",
        "protocol version",
        "no protocols available",
        "no shared cipher",
        "no cipher",
        "packet length too long",
        "record layer failure",
    ]) {
        TlsFailure::ProtocolMismatch
    } else {
        TlsFailure::Other
    }
}

/// The certificate verification result when there is one (native-tls appends it in
/// parentheses), otherwise OpenSSL's reasons.
fn tls_detail(evidence: &Evidence) -> String {
    let verify_result = evidence.tls_message.as_deref().and_then(|message| {
        let start = message.rfind(" (")?;
        message[start + 2..].strip_suffix(')').map(str::to_owned)
    });
    verify_result.unwrap_or_else(|| evidence.tls_reasons.join("; "))
}

/// The message of the deepest error in the chain: the OS's own words ("Connection refused
/// (os error 111)") rather than reqwest's wrapping.
pub(crate) fn innermost_text(error: &(dyn Error + 'static)) -> String {
    let mut current = error;
    for _ in 0..16 {
        let next = match current.downcast_ref::<io::Error>() {
            Some(io_error) => io_error.get_ref().map(|e| e as &(dyn Error + 'static)),
            None => current.source(),
        };
        match next {
            Some(next) => current = next,
            None => break,
        }
    }
    current.to_string()
}

fn host_of(address: &str) -> String {
    match address.rsplit_once(':') {
        Some((host, _port)) => host.to_owned(),
        None => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_of_adds_the_default_port_and_drops_the_path() {
        assert_eq!(address_of("https://far.example/x?wsdl"), "far.example:443");
        assert_eq!(address_of("https://localhost:8443/far"), "localhost:8443");
        assert_eq!(address_of("https://user@h:1"), "h:1");
        assert_eq!(address_of("https://[::1]/"), "[::1]:443");
        assert_eq!(address_of("https://[::1]:9/"), "[::1]:9");
    }

    #[test]
    fn tls_failures_are_told_apart_by_reason() {
        let classify = |r: &str| tls_failure(&[r.to_owned()]);
        assert_eq!(
            classify("certificate verify failed"),
            TlsFailure::ServerCertificateUntrusted
        );
        assert_eq!(
            classify("tlsv13 alert certificate required"),
            TlsFailure::ClientCertificateRejected
        );
        assert_eq!(
            classify("tlsv1 alert unknown ca"),
            TlsFailure::ClientCertificateRejected
        );
        assert_eq!(
            classify("wrong version number"),
            TlsFailure::ProtocolMismatch
        );
        assert_eq!(classify("something new"), TlsFailure::Other);
    }

    #[test]
    fn timed_out_io_errors_become_timeouts() {
        let not_connecting = || Context {
            connecting: false,
            timed_out: false,
        };
        let error = io::Error::new(io::ErrorKind::TimedOut, "too slow");
        assert!(matches!(
            from_chain("h:443".into(), &error, not_connecting()),
            TransportError::Timeout {
                phase: TimeoutPhase::Response,
                ..
            }
        ));
        let connecting = Context {
            connecting: true,
            timed_out: false,
        };
        assert!(matches!(
            from_chain("h:443".into(), &error, connecting),
            TransportError::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            }
        ));
        let reset = io::Error::new(io::ErrorKind::ConnectionReset, "reset");
        assert!(matches!(
            from_chain("h:443".into(), &reset, not_connecting()),
            TransportError::Io { .. }
        ));
    }
}
