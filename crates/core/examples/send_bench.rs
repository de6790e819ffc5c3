//! Sends messages one after another to the built-in test environment, in one
//! process, through a relay that counts the TCP connections (so the TLS
//! handshakes) between Kuvert and the service — the figures `bench/send.sh`
//! reports.
//!
//! ```text
//! send_bench [SENDS]        (default 50)
//! ```
//! Prints, for SENDS messages with a 10 KB PDF each: the time and rate on one
//! handle (first send included: key loaded, client built, first handshake);
//! the same with a new handle (so a new client) per message on one store, for
//! comparison;
//! and the handshakes of one recipient check followed by one send.

use std::net::SocketAddr;
use std::time::Instant;

use kuvert_core::compose::{AttachmentFile, Draft};
use kuvert_core::profile::Profile;
use kuvert_core::{Kuvert, SendReport};
use kuvert_sandbox::{Sandbox, SandboxConfig};

#[path = "../tests/core/relay.rs"]
mod relay;

use relay::Relay;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // As `kuvert` does (see its main); KUVERT_BENCH_SYSTEM_CAS=1 leaves the
    // system CA list to be parsed by every new client, to show what that costs.
    if std::env::var_os("KUVERT_BENCH_SYSTEM_CAS").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { kuvert_core::skip_system_ca_list() };
    }
    let sends: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 50,
    };
    let state = tempfile::tempdir()?;
    let sandbox = Sandbox::start(SandboxConfig::new(state.path().join("sandbox")))?;
    let relay = Relay::start(service_address(&sandbox).parse::<SocketAddr>()?)?;
    let profile = relayed_profile(&sandbox, &relay)?;
    let open = |name: &str| Kuvert::open(profile.clone(), &state.path().join(name));

    // One handle: what `kuvert resume` or the app's Outbox does.
    let kuvert = open("pooled.sqlite")?;
    let started = Instant::now();
    for n in 0..sends {
        submitted(kuvert.send(&draft(n))?)?;
    }
    let pooled = started.elapsed().as_secs_f64();
    let pooled_handshakes = relay.connections();
    drop(kuvert);
    println!(
        "one handle:        {sends} sends in {pooled:.3} s = {:.1} msg/s, {pooled_handshakes} TLS handshake(s)",
        sends as f64 / pooled
    );

    // A new handle on the same store, so a new client, for each message: what
    // one `kuvert send` per message costs besides process start-up.
    let before = relay.connections();
    let started = Instant::now();
    for n in 0..sends {
        let kuvert = open("separate.sqlite")?;
        submitted(kuvert.send(&draft(n))?)?;
    }
    let separate = started.elapsed().as_secs_f64();
    println!(
        "a handle per send: {sends} sends in {separate:.3} s = {:.1} msg/s, {} TLS handshake(s)",
        sends as f64 / separate,
        relay.connections() - before
    );

    // `kuvert check` then `kuvert send` in one process.
    let before = relay.connections();
    let kuvert = open("check-send.sqlite")?;
    kuvert.check(&["19850101-2382".to_string()])?;
    submitted(kuvert.send(&draft(0))?)?;
    println!(
        "check + send:      {} TLS handshake(s)",
        relay.connections() - before
    );
    drop(kuvert);
    sandbox.shutdown();
    Ok(())
}

/// `127.0.0.1:PORT` of the sandbox's service.
fn service_address(sandbox: &Sandbox) -> String {
    let url = sandbox.message_url();
    let rest = url.trim_start_matches("https://");
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// The sandbox's profile with its service reached through `relay`.
fn relayed_profile(
    sandbox: &Sandbox,
    relay: &Relay,
) -> Result<Profile, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(sandbox.profile_path())?;
    let relayed = text.replace(
        &service_address(sandbox),
        &format!("127.0.0.1:{}", relay.port),
    );
    let path = sandbox.state_dir().join("profile-relayed.toml");
    std::fs::write(&path, relayed)?;
    Ok(Profile::load(Some(&path))?)
}

fn draft(n: usize) -> Draft {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(10_000, b'%');
    Draft {
        recipient: "19850101-2382".into(),
        subject: format!("Beslut {n}"),
        body: "Hej,\n\nHär kommer beslutet i ditt ärende.".into(),
        attachments: vec![AttachmentFile::new("beslut.pdf", pdf)],
        protection_class: Some(2),
        case_number: "BN 2026/0042".into(),
        ..Draft::default()
    }
}

fn submitted(report: SendReport) -> Result<(), Box<dyn std::error::Error>> {
    match report {
        SendReport::Submitted { .. } => Ok(()),
        other => Err(format!("not submitted: {other:?}").into()),
    }
}
