//! Loading client identities and CA bundles, and what certificates say.

use kuvert_transport::{
    certificate_organisation_number, CaBundle, CaBundleError, CertificateSummary, ClientIdentity,
    IdentityError,
};
use openssl::symm::Cipher;

use crate::support::{pki, ORG, P12_PASSWORD};

#[test]
fn pkcs12_with_the_right_password_loads() {
    let p12 = pki()
        .sender
        .to_pkcs12_with_chain(P12_PASSWORD, "Testkommunen", &[&pki().ca])
        .unwrap();
    let identity = ClientIdentity::from_pkcs12(&p12, P12_PASSWORD).unwrap();
    assert_eq!(
        identity.certificate().to_der().unwrap(),
        pki().sender.cert_der().unwrap()
    );
    assert_eq!(identity.chain().len(), 1);
    let summary = identity.summary();
    assert_eq!(summary.subject_cn, "Testkommunen");
    assert_eq!(summary.organisation_number.as_deref(), Some(ORG));
    assert_eq!(summary.not_after.len(), "2027-06-01T12:00:00Z".len());
    assert!(summary.not_after.ends_with('Z'), "{}", summary.not_after);
}

#[test]
fn pkcs12_with_a_wrong_password_is_wrong_password() {
    let p12 = pki().sender.to_pkcs12(P12_PASSWORD, "x").unwrap();
    for wrong in ["fel", "", "korrekt hast", "a\0b"] {
        let error = ClientIdentity::from_pkcs12(&p12, wrong).unwrap_err();
        assert!(
            matches!(error, IdentityError::WrongPassword),
            "{wrong:?}: {error:?}"
        );
    }
}

#[test]
fn damaged_pkcs12_is_malformed() {
    let p12 = pki().sender.to_pkcs12(P12_PASSWORD, "x").unwrap();
    for damaged in [&b""[..], b"not a pkcs12 file", &p12[..p12.len() / 2]] {
        let error = ClientIdentity::from_pkcs12(damaged, P12_PASSWORD).unwrap_err();
        assert!(
            matches!(error, IdentityError::MalformedPkcs12 { .. }),
            "{error:?}"
        );
    }
}

#[test]
fn pem_identity_loads_and_checks_the_key() {
    let sender = &pki().sender;
    let identity =
        ClientIdentity::from_pem(sender.cert_pem.as_bytes(), sender.key_pem.as_bytes()).unwrap();
    assert_eq!(identity.summary().organisation_number.as_deref(), Some(ORG));

    let wrong_key = &pki().server.key_pem;
    assert!(matches!(
        ClientIdentity::from_pem(sender.cert_pem.as_bytes(), wrong_key.as_bytes()),
        Err(IdentityError::KeyMismatch)
    ));
    assert!(matches!(
        ClientIdentity::from_pem(b"", sender.key_pem.as_bytes()),
        Err(IdentityError::MissingCertificate)
    ));
    assert!(matches!(
        ClientIdentity::from_pem(sender.cert_pem.as_bytes(), b"garbage"),
        Err(IdentityError::MalformedKey { .. })
    ));
}

#[test]
fn encrypted_pem_key_is_refused_without_prompting() {
    let sender = &pki().sender;
    let encrypted = sender
        .key()
        .unwrap()
        .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), b"secret")
        .unwrap();
    assert!(matches!(
        ClientIdentity::from_pem(sender.cert_pem.as_bytes(), &encrypted),
        Err(IdentityError::EncryptedKey)
    ));
}

#[test]
fn debug_output_shows_the_subject_and_never_the_key() {
    let sender = &pki().sender;
    let identity =
        ClientIdentity::from_pem(sender.cert_pem.as_bytes(), sender.key_pem.as_bytes()).unwrap();
    let debug = format!("{identity:?}");
    assert!(debug.contains("CN=Testkommunen"), "{debug}");
    assert!(debug.contains(&format!("serialNumber={ORG}")), "{debug}");
    assert!(!debug.contains("PRIVATE"), "{debug}");
    let key_body: String = sender
        .key_pem
        .lines()
        .nth(1)
        .unwrap()
        .chars()
        .take(20)
        .collect();
    assert!(!debug.contains(&key_body), "{debug}");
}

#[test]
fn ca_bundle_accepts_one_or_more_certificates() {
    let one = CaBundle::from_pem(pki().ca.cert_pem.as_bytes()).unwrap();
    assert_eq!(one.certificates().len(), 1);
    let two = format!("{}\n{}", pki().ca.cert_pem, pki().server.cert_pem);
    assert_eq!(
        CaBundle::from_pem(two.as_bytes())
            .unwrap()
            .certificates()
            .len(),
        2
    );
}

#[test]
fn empty_or_invalid_ca_bundle_is_an_error() {
    for empty in [&b""[..], b"   \n", b"this is not PEM"] {
        assert!(
            matches!(CaBundle::from_pem(empty), Err(CaBundleError::NoCertificate)),
            "{:?}",
            String::from_utf8_lossy(empty)
        );
    }
    let pem = &pki().ca.cert_pem;
    let truncated = &pem[..pem.len() / 2];
    let broken = format!("{truncated}\n-----END CERTIFICATE-----\n");
    assert!(
        matches!(
            CaBundle::from_pem(broken.as_bytes()),
            Err(CaBundleError::Malformed { .. })
        ),
        "{:?}",
        CaBundle::from_pem(broken.as_bytes())
    );
}

#[test]
fn organisation_number_comes_from_the_subject_serial_number() {
    let sender_der = pki().sender.cert_der().unwrap();
    assert_eq!(
        certificate_organisation_number(&sender_der).as_deref(),
        Some(ORG)
    );
    let server_der = pki().server.cert_der().unwrap();
    assert_eq!(certificate_organisation_number(&server_der), None);
    let summary = CertificateSummary::from_der(&server_der).unwrap();
    assert_eq!(summary.subject_cn, "localhost");
    assert_eq!(summary.organisation_number, None);
}

/// Exported with `openssl pkcs12 -export -legacy` (RC2-40); see `data/README.md`.
const LEGACY_P12: &[u8] = include_bytes!("data/legacy-rc2-40.p12");

#[test]
fn legacy_encrypted_pkcs12_is_unsupported_not_malformed() {
    match ClientIdentity::from_pkcs12(LEGACY_P12, "pw") {
        Err(IdentityError::UnsupportedAlgorithm { detail }) => {
            assert!(detail.contains("unsupported"), "{detail}")
        }
        other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
    }
    // The MAC is checked first, so a wrong password is still reported as such.
    assert!(matches!(
        ClientIdentity::from_pkcs12(LEGACY_P12, "fel"),
        Err(IdentityError::WrongPassword)
    ));
}
