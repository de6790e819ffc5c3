//! Received and seal times come from the injected clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kuvert_protocol::soap::DeliveryStatus;
use kuvert_sandbox::{FixedClock, Operator, Sandbox, SandboxConfig};

use crate::support::*;

#[test]
fn received_and_seal_times_come_from_the_clock() {
    // An hour ago, on a whole minute: inside the certificates' validity.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let fixed = (now - 3600) / 60 * 60;
    let dir = state_dir("clock");
    let mut config = SandboxConfig::new(&dir);
    config.clock = std::sync::Arc::new(FixedClock::at_unix(fixed));
    let sandbox = Sandbox::start(config).unwrap();
    let id = message_id();
    let client = client(&sandbox);
    let distribution = client
        .distribute_secure(&signed(&sandbox, &delivery("202201612385", &id, vec![])))
        .unwrap();
    assert_eq!(
        settled(&client, &distribution, Duration::from_secs(20)),
        DeliveryStatus::Delivered
    );
    let message = sandbox
        .delivered_messages(Operator::Kivra)
        .into_iter()
        .find(|m| m.message_id == id)
        .unwrap();
    let expected = date_time(fixed);
    assert_eq!(message.received_time, expected);
    assert_eq!(message.sealed_on, expected[..10]);
    assert_eq!(message.recipient_display, "20220161-2385");
    sandbox.shutdown();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// RFC 3339 of `unix`, computed independently of the sandbox with `date`.
fn date_time(unix: u64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{unix}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
