//! Importing a PKCS#12 certificate into the per-user profile: everything or
//! nothing, checked on disk and in a real Secret Service (`secret-tool`).

use std::path::{Path, PathBuf};

use kuvert_core::certificate_import::{
    import_certificate, ImportError, InstalledCertificate, CERTIFICATE_DIR,
};
use kuvert_core::profile::{CertificateSource, Profile, ProfileLocations};
use kuvert_core::secrets::{Keyring, Password};
use kuvert_testpki::TestPki;
use time::OffsetDateTime;

use crate::secrets::{secret_service_available, secret_tool_lookup, test_keyring};
use crate::support::{fixture, pdf_bytes, profile_text_with, P12_PASSWORD};

/// A system-wide profile (IT's, without a usable certificate for this user)
/// and a per-user profile with an override and a comment of its own.
struct Machine {
    _dir: tempfile::TempDir,
    locations: ProfileLocations,
    user_dir: PathBuf,
}

const USER_PROFILE: &str =
    "# mina inställningar\n[service]\ncall_timeout_seconds = 90 # långsamt nät\n";

fn machine() -> Machine {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    let ca = fixture().files.ca_pem.display().to_string();
    let system = profile_text_with("ca_bundle = \"ca.pem\"", &format!("ca_bundle = {ca:?}"))
        .replace("pkcs12 = \"sender.p12\"", "pkcs12 = \"saknas.p12\"");
    std::fs::write(etc.join("profile.toml"), system).unwrap();
    let user_dir = dir.path().join("config").join("kuvert");
    std::fs::create_dir_all(&user_dir).unwrap();
    std::fs::write(user_dir.join("profile.toml"), USER_PROFILE).unwrap();
    Machine {
        locations: ProfileLocations {
            system: etc.join("profile.toml"),
            user: Some(user_dir.join("profile.toml")),
        },
        user_dir,
        _dir: dir,
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Every file under the per-user folder, with its content.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    files
}

/// Imports with a keyring that must never be reached (the import fails before).
fn import_expecting_failure(machine: &Machine, source: &Path, password: &str) -> ImportError {
    let before = snapshot(&machine.user_dir);
    let keyring = Keyring::with_service("kuvert-test-never-used").with_environment(|_| None);
    let error = import_certificate(
        source,
        &Password::new(password),
        &machine.locations,
        &keyring,
        now(),
    )
    .expect_err("the import must fail");
    assert_eq!(
        snapshot(&machine.user_dir),
        before,
        "a failed import changed files"
    );
    error
}

/// Imports the fixture's `sender.p12` with its password.
fn import_fixture(machine: &Machine, keyring: &Keyring) -> (Profile, InstalledCertificate) {
    import_certificate(
        &fixture().files.sender_p12,
        &Password::new(P12_PASSWORD),
        &machine.locations,
        keyring,
        now(),
    )
    .unwrap()
}

#[test]
fn an_imported_certificate_is_installed_named_by_the_profile_and_its_password_is_in_the_keyring() {
    if !secret_service_available() {
        return;
    }
    let machine = machine();
    let keyring = test_keyring();
    let source = &fixture().files.sender_p12;
    let (profile, installed) = import_fixture(&machine, &keyring);

    // The copy, owner-only, in certificates/ beside the per-user profile.
    assert_eq!(
        installed.file.parent(),
        Some(machine.user_dir.join(CERTIFICATE_DIR).as_path())
    );
    assert_eq!(
        std::fs::read(&installed.file).unwrap(),
        std::fs::read(source).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&installed.file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    assert_eq!(installed.subject, "Kommun B");
    // Issue 10: Swedish local time with its offset, whole seconds.
    assert!(
        installed.not_after.len() == 25
            && (installed.not_after.ends_with("+01:00") || installed.not_after.ends_with("+02:00")),
        "{}",
        installed.not_after
    );
    assert_eq!(
        installed.organisation_number.as_deref(),
        Some("162021003898")
    );

    // The per-user profile names it and keeps the officer's own settings.
    let text = std::fs::read_to_string(&installed.profile_file).unwrap();
    assert!(text.contains("# mina inställningar"), "{text}");
    assert!(
        text.contains("call_timeout_seconds = 90 # långsamt nät"),
        "{text}"
    );
    assert_eq!(
        profile.certificate(),
        &CertificateSource::Pkcs12 {
            path: installed.file.clone()
        }
    );
    assert_eq!(profile.call_timeout().as_secs(), 90);

    // The password is in the Secret Service under the new profile's account,
    // and it opens the installed certificate.
    assert_eq!(
        secret_tool_lookup(&keyring, &profile).as_deref(),
        Some(P12_PASSWORD)
    );
    let (password, _) = keyring.password(&profile).unwrap();
    profile.signing_key(Some(&password)).unwrap();
    profile.client_identity(Some(&password)).unwrap();

    // A second import of the same file changes nothing on disk.
    let before = snapshot(&machine.user_dir);
    let (_, again) = import_fixture(&machine, &keyring);
    assert_eq!(again.file, installed.file);
    assert_eq!(snapshot(&machine.user_dir), before);
    keyring.forget_password(&profile).unwrap();
}

#[test]
fn a_wrong_password_is_said_so_and_nothing_is_written() {
    let machine = machine();
    let error = import_expecting_failure(&machine, &fixture().files.sender_p12, "fel lösenord");
    assert!(
        matches!(error, ImportError::WrongPassword { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with("the password does not open "),
        "{error}"
    );
}

#[test]
fn a_file_that_is_not_pkcs12_is_refused() {
    let machine = machine();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("beslut.p12");
    std::fs::write(&pdf, pdf_bytes(300)).unwrap();
    let error = import_expecting_failure(&machine, &pdf, P12_PASSWORD);
    assert!(matches!(error, ImportError::Unusable { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("is not a usable PKCS#12 certificate"),
        "{error}"
    );

    let missing = import_expecting_failure(&machine, &dir.path().join("finns-inte.p12"), "x");
    assert!(matches!(missing, ImportError::Read { .. }), "{missing:?}");
}

#[test]
fn a_certificate_that_is_not_valid_today_is_refused() {
    let machine = machine();
    let before = snapshot(&machine.user_dir);
    let keyring = Keyring::with_service("kuvert-test-never-used").with_environment(|_| None);
    let in_2100 = OffsetDateTime::from_unix_timestamp(4_102_444_800).unwrap();
    let error = import_certificate(
        &fixture().files.sender_p12,
        &Password::new(P12_PASSWORD),
        &machine.locations,
        &keyring,
        in_2100,
    )
    .expect_err("expired");
    assert!(
        matches!(error, ImportError::NotValidNow { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("Kommun B"), "{error}");
    // Issue 10: the validity in Swedish time to the minute, not OpenSSL's GMT form.
    let ImportError::NotValidNow { not_after, .. } = &error else {
        unreachable!()
    };
    assert_eq!(not_after.len(), "2027-06-01 14:00".len(), "{not_after}");
    assert!(!error.to_string().contains("GMT"), "{error}");
    assert_eq!(snapshot(&machine.user_dir), before);
}

#[test]
fn a_certificate_of_another_organisation_is_refused_and_its_copy_removed() {
    let machine = machine();
    let dir = tempfile::tempdir().unwrap();
    let other = TestPki::generate("165568402266", "Annan AB").unwrap();
    let files = other.write_to(dir.path(), "annat").unwrap();
    let error = import_expecting_failure(&machine, &files.sender_p12, "annat");
    assert!(
        matches!(error, ImportError::OtherOrganisation { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the certificate belongs to organisation number 165568402266, \
         but the profile sends as 202100-3898"
    );
}

#[test]
fn without_a_usable_profile_the_import_is_refused() {
    let machine = machine();
    std::fs::remove_file(&machine.locations.system).unwrap();
    let error = import_expecting_failure(&machine, &fixture().files.sender_p12, P12_PASSWORD);
    assert!(matches!(error, ImportError::Profile(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("with this certificate the profile cannot be used: "),
        "{error}"
    );
}

#[test]
fn a_per_user_profile_that_is_not_toml_is_named() {
    let machine = machine();
    std::fs::write(machine.locations.user.as_ref().unwrap(), "[service\n").unwrap();
    let error = import_expecting_failure(&machine, &fixture().files.sender_p12, P12_PASSWORD);
    assert!(
        matches!(error, ImportError::UserProfileSyntax { .. }),
        "{error:?}"
    );
}
