//! `profile.toml`: the profile that points Kuvert at the sandbox, in the
//! format the core crate reads (paths relative to the profile file).

use std::path::Path;

use crate::pki::{CA_PEM, FORMEDLARE_CERT, FORMEDLARE_KEY, SENDER_CERT, SENDER_KEY};
use crate::SandboxError;

/// A TOML basic string.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The profile text for the given service URLs.
pub(crate) fn render(recipient_url: &str, message_url: &str, max_envelope_bytes: u64) -> String {
    let q = quoted;
    format!(
        r#"# Written by the Kuvert test environment (kuvert-sandbox) at every start.
[profile]
name = {name}
environment = "test"

[sender]
organisation_number = "202100-3898"
names = [{sender}]
support_text = {support_text}
support_email = "kundtjanst@kommunb.example"
support_phone = "010-000 00 00"
support_url = "https://kommunb.example/kontakt"

[service]
recipient_url = {recipient_url}
message_url = {message_url}
ca_bundle = {ca}
connect_timeout_seconds = 10
call_timeout_seconds = 30
proxy = "none"   # the test environment runs on this machine: never through a proxy

[certificate]
cert_pem = {cert}
key_pem = {key}   # unencrypted test key, generated for the test environment only

[rules]
require_case_number = true
max_envelope_bytes = {max_envelope_bytes}   # the test environment's intermediary refuses larger envelopes
allowed_attachment_types = ["application/pdf", "image/jpeg", "image/png", "text/plain"]
retention_days = 3650

[retention]
purgers = [{purger}]   # the test environment: whoever runs it may purge

[[case_type]]
name = "Beslut"
subject = "Beslut i ärende"
protection_class = 2
body = {beslut}

[[case_type]]
name = "Begäran om komplettering"
subject = "Begäran om komplettering"
protection_class = 2
body = {komplettering}
"#,
        name = q("Testmiljö"),
        sender = q(crate::directory::SENDER_NAME),
        support_text = q("Frågor om meddelandet? Kontakta Kommun B:s kundtjänst."),
        recipient_url = q(recipient_url),
        max_envelope_bytes = max_envelope_bytes,
        message_url = q(message_url),
        ca = q(CA_PEM),
        cert = q(SENDER_CERT),
        key = q(SENDER_KEY),
        purger = q(&whoami::fallible::username().unwrap_or_else(|_| "testmiljo".into())),
        beslut = q("Hej,\n\nHär kommer beslutet i ditt ärende.\n\nMed vänlig hälsning\nKommun B"),
        komplettering =
            q("Hej,\n\nVi behöver fler uppgifter för att kunna handlägga ditt ärende.\n"),
    )
}

/// The direct-mode profile (own förmedling): the same organisation and
/// certificate, FaR at `far_url`, the operators checked against the
/// sandbox CA, and the organisation's förmedlare certificate (`[seal]`)
/// sealing and calling the operators.
pub(crate) fn render_direct(far_url: &str, max_envelope_bytes: u64) -> String {
    let intermediary = render(
        "https://unused.invalid/r",
        "https://unused.invalid/m",
        max_envelope_bytes,
    );
    let mut out = String::with_capacity(intermediary.len() + 256);
    for line in intermediary.lines() {
        if line.starts_with("recipient_url = ") {
            out.push_str("mode = \"direct\"   # Kuvert is its own förmedlare: FaR, then the recipient's mailbox operator\n");
            out.push_str(&format!("far_url = {}\n", quoted(far_url)));
            out.push_str(&format!(
                "operator_ca_bundle = {}   # the mailbox operators' CA\n",
                quoted(CA_PEM)
            ));
        } else if line.starts_with("message_url = ") {
            continue;
        } else if line == "[rules]" {
            // The förmedlare certificate that seals and calls the operators.
            out.push_str(&format!(
                "[seal]\ncert_pem = {}\nkey_pem = {}   # unencrypted test key of the test organisation's förmedlare certificate\n\n",
                quoted(FORMEDLARE_CERT),
                quoted(FORMEDLARE_KEY)
            ));
            out.push_str(line);
            out.push('\n');
        } else if line == format!("name = {}", quoted("Testmiljö")) {
            out.push_str(&format!(
                "name = {}\n",
                quoted("Testmiljö (egen förmedling)")
            ));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Writes the direct-mode profile to `path`.
pub(crate) fn write_direct(
    path: &Path,
    far_url: &str,
    max_envelope_bytes: u64,
) -> Result<(), SandboxError> {
    std::fs::write(path, render_direct(far_url, max_envelope_bytes))
        .map_err(|e| SandboxError::io(path, e))
}

/// Writes the profile to `path`.
pub(crate) fn write(
    path: &Path,
    recipient_url: &str,
    message_url: &str,
    max_envelope_bytes: u64,
) -> Result<(), SandboxError> {
    std::fs::write(path, render(recipient_url, message_url, max_envelope_bytes))
        .map_err(|e| SandboxError::io(path, e))
}
