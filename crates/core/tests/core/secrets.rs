//! The certificate password in a real Secret Service (gnome-keyring inside
//! `dbus-run-session`, as scripts/test runs the tests), checked
//! independently with `secret-tool`.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use kuvert_core::profile::Profile;
use kuvert_core::secrets::{account, Keyring, Password, PasswordSource, SecretError, PASSWORD_ENV};

use crate::support::{self, fixture, run, P12_PASSWORD};

/// Set to `1` to skip these tests on a machine without a Secret Service.
/// CI never sets it: there a missing Secret Service is a failure.
const NO_SECRET_SERVICE: &str = "KUVERT_TEST_NO_SECRET_SERVICE";

/// Whether to run; panics with instructions when no Secret Service is
/// reachable and the run has not declared that it has none.
pub fn secret_service_available() -> bool {
    if std::env::var(NO_SECRET_SERVICE).is_ok_and(|v| v == "1") {
        eprintln!("skipped: {NO_SECRET_SERVICE}=1 says this run has no Secret Service");
        return false;
    }
    let probe = Keyring::with_service("kuvert-test-probe")
        .with_environment(|_| None)
        .password(&support::profile());
    if let Err(SecretError::Unavailable { detail }) = probe {
        panic!(
            "no Secret Service is reachable ({detail}). Run the tests through scripts/test \
             (dbus-run-session with an unlocked gnome-keyring), or set {NO_SECRET_SERVICE}=1 \
             to skip them on a machine that has none."
        );
    }
    true
}

/// A keyring service name of its own per test, so parallel tests and the
/// user's real entries never meet.
pub fn test_keyring() -> Keyring {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    Keyring::with_service(&format!("kuvert-test-{}-{n}", std::process::id()))
        .with_environment(|_| None)
}

/// What `secret-tool` finds for the entry: the independent check that the
/// secret really is in the Secret Service (not in a mock store).
pub fn secret_tool_lookup(keyring: &Keyring, profile: &Profile) -> Option<String> {
    let outcome = run(Command::new("secret-tool").args([
        "lookup",
        "service",
        keyring.service(),
        "username",
        &account(profile),
    ]));
    outcome.ok.then_some(outcome.output)
}

#[test]
fn a_stored_password_is_in_the_secret_service_and_opens_the_certificate() {
    if !secret_service_available() {
        return;
    }
    let keyring = test_keyring();
    let profile = support::profile();
    keyring
        .store_password(&profile, &Password::new(P12_PASSWORD))
        .unwrap();
    assert_eq!(
        secret_tool_lookup(&keyring, &profile).as_deref(),
        Some(P12_PASSWORD)
    );

    let (password, source) = keyring.password(&profile).unwrap();
    assert_eq!(source, PasswordSource::Keyring);
    assert_eq!(password.expose(), P12_PASSWORD);
    profile.signing_key(Some(&password)).unwrap();

    // Replacing keeps one entry.
    keyring
        .store_password(&profile, &Password::new("nytt lösenord"))
        .unwrap();
    assert_eq!(
        secret_tool_lookup(&keyring, &profile).as_deref(),
        Some("nytt lösenord")
    );

    assert!(keyring.forget_password(&profile).unwrap());
    assert_eq!(secret_tool_lookup(&keyring, &profile), None);
    assert!(!keyring.forget_password(&profile).unwrap());
    assert!(matches!(
        keyring.password(&profile),
        Err(SecretError::NotStored { .. })
    ));
}

#[test]
fn profiles_and_certificates_have_separate_entries() {
    if !secret_service_available() {
        return;
    }
    let keyring = test_keyring();
    let test = support::profile();
    let other_name = Profile::from_toml_str(
        &support::FULL_PROFILE.replace("Testmiljö", "Produktion"),
        fixture().dir(),
    )
    .unwrap();
    let other_file = Profile::from_toml_str(
        &support::profile_text_with("pkcs12 = \"sender.p12\"", "pkcs12 = \"annan.p12\""),
        fixture().dir(),
    )
    .unwrap();
    assert_ne!(account(&test), account(&other_name));
    assert_ne!(account(&test), account(&other_file));
    keyring
        .store_password(&test, &Password::new("ett"))
        .unwrap();
    for other in [&other_name, &other_file] {
        assert!(matches!(
            keyring.password(other),
            Err(SecretError::NotStored { .. })
        ));
    }
    assert!(keyring.forget_password(&test).unwrap());
}

#[test]
fn the_environment_variable_is_only_a_fallback() {
    if !secret_service_available() {
        return;
    }
    let profile = support::profile();
    let keyring = test_keyring()
        .with_environment(|name| (name == PASSWORD_ENV).then(|| "från miljön".to_string()));
    let (password, source) = keyring.password(&profile).unwrap();
    assert_eq!(source, PasswordSource::Environment);
    assert_eq!(password.expose(), "från miljön");

    keyring
        .store_password(&profile, &Password::new("från nyckelringen"))
        .unwrap();
    let (password, source) = keyring.password(&profile).unwrap();
    assert_eq!(source, PasswordSource::Keyring);
    assert_eq!(password.expose(), "från nyckelringen");
    assert!(keyring.forget_password(&profile).unwrap());
}

#[test]
fn pem_certificates_need_no_password_and_empty_ones_are_refused() {
    let keyring = test_keyring();
    let pem = Profile::from_toml_str(
        &support::profile_text_with(
            "pkcs12 = \"sender.p12\"",
            "cert_pem = \"sender.pem\"\nkey_pem = \"sender.key\"",
        ),
        fixture().dir(),
    )
    .unwrap();
    assert!(matches!(
        keyring.password(&pem),
        Err(SecretError::NotNeeded)
    ));
    assert!(matches!(
        keyring.store_password(&support::profile(), &Password::new("")),
        Err(SecretError::Empty)
    ));
}

#[test]
fn passwords_never_show_in_debug_output() {
    let password = Password::new("hemligt-123");
    let shown = format!("{password:?} {:?}", (&password, Some(password.clone())));
    assert!(!shown.contains("hemligt"), "{shown}");
    assert!(shown.contains("redacted"));
}
