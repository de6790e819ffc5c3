//! One pooled connection per profile: a check followed by a send makes one
//! TLS handshake, counted by a relay between Kuvert and the test environment
//! (not by either of them); and a dry run builds no HTTPS client at all.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use kuvert_core::compose::{AttachmentFile, Draft};
use kuvert_core::profile::Profile;
use kuvert_core::{CheckOutcome, Error, Kuvert, SendReport};
use kuvert_protocol::soap::Reachability;
use kuvert_sandbox::{Sandbox, SandboxConfig};

use crate::relay::Relay;
use crate::support::pdf_bytes;

/// The test environment shared by the tests of this module.
fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let state = tempfile::Builder::new()
            .prefix("kuvert-core-sandbox")
            .tempdir()
            .unwrap()
            .keep();
        Sandbox::start(SandboxConfig::new(state)).unwrap()
    })
}

/// The service's `host:port` as the sandbox's profile names it.
fn service_authority() -> String {
    let url = sandbox().message_url();
    let rest = url.strip_prefix("https://").unwrap();
    rest[..rest.find('/').unwrap()].to_string()
}

/// The sandbox's profile with `edit` applied, written beside it.
fn profile_with(name: &str, edit: impl FnOnce(String) -> String) -> Profile {
    let text = std::fs::read_to_string(sandbox().profile_path()).unwrap();
    let path: PathBuf = sandbox().state_dir().join(format!("profile-{name}.toml"));
    std::fs::write(&path, edit(text)).unwrap();
    Profile::load(Some(&path)).unwrap()
}

/// A relay to the sandbox and a profile whose service addresses go through it.
fn through_relay(name: &str) -> (Relay, Profile) {
    let authority = service_authority();
    let relay = Relay::start(authority.parse::<SocketAddr>().unwrap()).unwrap();
    let relayed = format!("127.0.0.1:{}", relay.port);
    let profile = profile_with(name, |text| text.replace(&authority, &relayed));
    (relay, profile)
}

/// A handle with a store of its own.
fn open(profile: &Profile) -> (Kuvert, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let kuvert = Kuvert::open(profile.clone(), &data.path().join("kuvert.sqlite")).unwrap();
    (kuvert, data)
}

fn draft() -> Draft {
    Draft {
        recipient: "19850101-2382".into(),
        subject: "Beslut om bygglov".into(),
        body: "Hej,\n\nHär kommer beslutet.".into(),
        attachments: vec![AttachmentFile::new("beslut.pdf", pdf_bytes(10_000))],
        protection_class: Some(2),
        case_number: "BN 2026/0042".into(),
        ..Draft::default()
    }
}

fn is_digital(outcomes: &[CheckOutcome]) -> bool {
    matches!(
        outcomes,
        [CheckOutcome::Checked {
            reachability: Reachability::Digital { .. },
            ..
        }]
    )
}

#[test]
fn a_check_a_send_and_a_status_refresh_make_one_tls_handshake() {
    let (relay, profile) = through_relay("one-handshake");
    let (kuvert, _data) = open(&profile);
    assert!(is_digital(
        &kuvert.check(&["19850101-2382".into()]).unwrap()
    ));
    let report = kuvert.send(&draft()).unwrap();
    let SendReport::Submitted { message_id, .. } = report else {
        panic!("not submitted: {report:?}");
    };
    kuvert.refresh_status(&message_id).unwrap();
    // The send itself asked isReachable and distributeSecure: four calls in all.
    assert_eq!(relay.connections(), 1);
}

#[test]
fn handles_sharing_a_connection_share_its_handshake_and_separate_handles_do_not() {
    let (relay, profile) = through_relay("shared-handles");
    let (first, _first_data) = open(&profile);
    let (second, _second_data) = open(&profile);
    assert!(is_digital(&first.check(&["19850101-2382".into()]).unwrap()));
    assert!(is_digital(
        &second.check(&["19850101-2382".into()]).unwrap()
    ));
    assert_eq!(relay.connections(), 2);

    let (third, _third_data) = open(&profile);
    let third = third.with_connection(first.connection().clone());
    let report = third.send(&draft()).unwrap();
    assert!(matches!(report, SendReport::Submitted { .. }), "{report:?}");
    assert_eq!(relay.connections(), 2);
}

#[test]
fn a_dry_run_needs_only_the_signing_key() {
    // A CA bundle that does not exist: building the HTTPS client would fail.
    let profile = profile_with("no-ca-bundle", |text| {
        text.lines()
            .map(|line| match line.starts_with("ca_bundle") {
                true => "ca_bundle = \"no-such-ca.pem\"",
                false => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let (kuvert, _data) = open(&profile);
    let signed = String::from_utf8(kuvert.sign_only(&draft()).unwrap()).unwrap();
    assert!(signed.contains("<ds:SignatureValue>"), "no signature");
    // Anything that does need the client says what is missing.
    match kuvert.check(&["19850101-2382".into()]) {
        Err(Error::Profile(error)) => assert_eq!(error.key(), Some("service.ca_bundle")),
        other => panic!("expected the CA bundle to be missing: {other:?}"),
    }
}
