//! A restart on the same state directory keeps the PKI and the records.

use std::time::Duration;

use kuvert_protocol::soap::DeliveryStatus;
use kuvert_sandbox::{Operator, Sandbox, SandboxConfig};

use crate::support::*;

#[test]
fn a_restart_keeps_pki_distributions_and_mailboxes() {
    let dir = state_dir("restart");
    let first = Sandbox::start(SandboxConfig::new(&dir)).unwrap();
    let ca_before = std::fs::read(first.ca_pem_path()).unwrap();
    let id = message_id();
    let document = signed(&first, &delivery("198501012390", &id, vec![]));
    let distribution = client(&first).distribute_secure(&document).unwrap();
    assert_eq!(
        settled(&client(&first), &distribution, Duration::from_secs(20)),
        DeliveryStatus::Delivered
    );
    let profile_before = std::fs::read_to_string(first.profile_path()).unwrap();
    let first_message_url = first.message_url();
    first.shutdown();

    let second = Sandbox::start(SandboxConfig::new(&dir)).unwrap();
    assert_eq!(std::fs::read(second.ca_pem_path()).unwrap(), ca_before);
    // The freed ports are normally taken again, so a saved profile stays
    // valid; either way the profile names the ports in use now.
    let profile_after = std::fs::read_to_string(second.profile_path()).unwrap();
    assert!(profile_after.contains(&second.message_url()));
    if second.message_url() == first_message_url {
        assert_eq!(profile_after, profile_before);
    }
    let client = client(&second);
    assert_eq!(
        settled(&client, &distribution, Duration::from_secs(5)),
        DeliveryStatus::Delivered
    );
    assert_eq!(second.delivery_count(&id), 1);
    assert!(second
        .delivered_messages(Operator::MinMyndighetspost)
        .iter()
        .any(|m| m.message_id == id));
    // A re-submission after the restart is still recognised.
    assert_eq!(client.distribute_secure(&document).unwrap(), distribution);
    assert_eq!(second.delivery_count(&id), 1);
    second.shutdown();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_profile_points_at_the_sandbox() {
    let sandbox = sandbox();
    let profile = std::fs::read_to_string(sandbox.profile_path()).unwrap();
    for expected in [
        "[profile]\nname = \"Testmiljö\"\nenvironment = \"test\"".to_string(),
        "organisation_number = \"202100-3898\"".to_string(),
        format!("recipient_url = \"{}\"", sandbox.recipient_url()),
        format!("message_url = \"{}\"", sandbox.message_url()),
        "ca_bundle = \"ca.pem\"".to_string(),
        "cert_pem = \"sender-cert.pem\"".to_string(),
        "key_pem = \"sender-key.pem\"".to_string(),
        "body = \"Hej,\\n\\nHär kommer beslutet i ditt ärende.\\n\\nMed vänlig hälsning\\nKommun B\"".to_string(),
    ] {
        assert!(profile.contains(&expected), "profile lacks {expected}:\n{profile}");
    }
    assert!(sandbox.recipient_url().starts_with("https://127.0.0.1:"));
    let dir = sandbox.profile_path().parent().unwrap().to_path_buf();
    for file in ["ca.pem", "sender-cert.pem", "sender-key.pem"] {
        assert!(dir.join(file).is_file(), "{file}");
    }
}
