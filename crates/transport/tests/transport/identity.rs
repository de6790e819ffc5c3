//! Loading identities and CA bundles.

use kuvert_transport::{CaBundle, ClientIdentity, IdentityError};

use crate::common::{pki, ORG_NUMBER};

#[test]
fn pkcs12_with_wrong_password_is_wrong_password() {
    let p12 = pki().sender.to_pkcs12("right", "sender");
    assert_eq!(
        ClientIdentity::from_pkcs12(&p12, "wrong").unwrap_err(),
        IdentityError::WrongPassword
    );
    assert!(ClientIdentity::from_pkcs12(&p12, "right").is_ok());
}

#[test]
fn garbage_pkcs12_is_malformed() {
    assert!(matches!(
        ClientIdentity::from_pkcs12(b"definitely not DER", "pw"),
        Err(IdentityError::Malformed(_))
    ));
}

#[test]
fn pem_identity_summary_shows_whose_certificate_it_is() {
    let pki = pki();
    let identity = ClientIdentity::from_pem(
        pki.sender.cert_pem.as_bytes(),
        pki.sender.key_pem.as_bytes(),
    )
    .unwrap();
    let summary = identity.summary();
    assert_eq!(summary.subject_cn, "Testkommunen");
    assert_eq!(summary.organisation_number.as_deref(), Some(ORG_NUMBER));
    assert!(summary.not_after.ends_with("GMT"), "{}", summary.not_after);
    assert_eq!(identity.certificate_der(), pki.sender.cert_der());
}

#[test]
fn pem_key_of_another_certificate_is_key_mismatch() {
    let pki = pki();
    assert_eq!(
        ClientIdentity::from_pem(
            pki.sender.cert_pem.as_bytes(),
            pki.server.key_pem.as_bytes()
        )
        .unwrap_err(),
        IdentityError::KeyMismatch
    );
}

#[test]
fn pem_without_certificate_is_malformed() {
    let pki = pki();
    assert!(matches!(
        ClientIdentity::from_pem(b"", pki.sender.key_pem.as_bytes()),
        Err(IdentityError::Malformed(_))
    ));
    assert!(matches!(
        ClientIdentity::from_pem(pki.sender.cert_pem.as_bytes(), b"no key"),
        Err(IdentityError::Malformed(_))
    ));
}

#[test]
fn debug_output_never_contains_the_private_key() {
    let pki = pki();
    let identity = ClientIdentity::from_pem(
        pki.sender.cert_pem.as_bytes(),
        pki.sender.key_pem.as_bytes(),
    )
    .unwrap();
    let debug = format!("{identity:?}");
    assert!(debug.contains("Testkommunen"), "{debug}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    let key_body_line = pki.sender.key_pem.lines().nth(1).unwrap();
    assert!(!debug.contains(key_body_line), "{debug}");
    assert!(!format!("{:?}", pki.sender).contains("PRIVATE KEY"));
}

#[test]
fn invalid_ca_bundles_are_refused() {
    assert_eq!(
        CaBundle::from_pem(b"nothing here").unwrap_err(),
        IdentityError::EmptyCaBundle
    );
    assert!(matches!(
        CaBundle::from_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        Err(IdentityError::Malformed(_))
    ));
    let two = format!(
        "{}{}",
        pki().ca.cert_pem,
        crate::common::other_pki().ca.cert_pem
    );
    assert_eq!(CaBundle::from_pem(two.as_bytes()).unwrap().len(), 2);
}
