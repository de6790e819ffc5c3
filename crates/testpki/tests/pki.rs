//! The generated certificates must be accepted by an independent verifier (OpenSSL's own
//! X509 store) and carry the fields the test environment relies on.

use std::net::IpAddr;
use std::path::PathBuf;

use kuvert_testpki::{
    generate_ca, issue_organisation_certificate, issue_server_certificate, CertifiedKey, PkiError,
    TestPki,
};
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509StoreContext, X509};

const ORG: &str = "162021003898";

fn verifies_against(cert: &CertifiedKey, ca: &CertifiedKey) -> bool {
    let mut store = X509StoreBuilder::new().unwrap();
    store.add_cert(ca.cert().unwrap()).unwrap();
    let store = store.build();
    let mut context = X509StoreContext::new().unwrap();
    context
        .init(&store, &cert.cert().unwrap(), &Stack::new().unwrap(), |c| {
            c.verify_cert()
        })
        .unwrap()
}

fn text_of(cert: &X509) -> String {
    String::from_utf8(cert.to_text().unwrap()).unwrap()
}

#[test]
fn sender_and_server_certificates_verify_against_their_ca() {
    let pki = TestPki::generate(ORG, "Testkommunen").unwrap();
    assert!(verifies_against(&pki.sender, &pki.ca));
    assert!(verifies_against(&pki.server, &pki.ca));
    assert!(verifies_against(&pki.ca, &pki.ca));
}

#[test]
fn certificates_do_not_verify_against_another_ca() {
    let pki = TestPki::generate(ORG, "Testkommunen").unwrap();
    let other = generate_ca("Some other CA").unwrap();
    assert!(!verifies_against(&pki.sender, &other));
}

#[test]
fn sender_certificate_carries_the_organisation_number_as_serial_number() {
    let ca = generate_ca("CA").unwrap();
    let sender = issue_organisation_certificate(&ca, ORG, "Testkommunen").unwrap();
    let cert = sender.cert().unwrap();
    let serial: Vec<String> = cert
        .subject_name()
        .entries_by_nid(Nid::SERIALNUMBER)
        .map(|e| e.data().to_string().unwrap())
        .collect();
    assert_eq!(serial, vec![ORG.to_owned()]);
    let cn = cert
        .subject_name()
        .entries_by_nid(Nid::COMMONNAME)
        .next()
        .unwrap()
        .data()
        .to_string()
        .unwrap();
    assert_eq!(cn, "Testkommunen");

    let text = text_of(&cert);
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    assert!(text.contains("Non Repudiation"), "{text}");
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
    assert!(cert.public_key().unwrap().public_eq(&sender.key().unwrap()));
}

#[test]
fn ca_is_marked_as_ca_and_server_has_alternative_names() {
    let ca = generate_ca("CA").unwrap();
    let ca_text = text_of(&ca.cert().unwrap());
    assert!(ca_text.contains("CA:TRUE"), "{ca_text}");
    assert!(ca_text.contains("Certificate Sign, CRL Sign"), "{ca_text}");

    let server = issue_server_certificate(
        &ca,
        &["localhost", "far.test"],
        &[IpAddr::from([127, 0, 0, 1])],
    )
    .unwrap();
    let text = text_of(&server.cert().unwrap());
    assert!(
        text.contains("DNS:localhost, DNS:far.test, IP Address:127.0.0.1"),
        "{text}"
    );
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
    assert!(text.contains("CA:FALSE"), "{text}");
}

#[test]
fn serial_numbers_are_random() {
    let ca = generate_ca("CA").unwrap();
    let a = issue_organisation_certificate(&ca, ORG, "A").unwrap();
    let b = issue_organisation_certificate(&ca, ORG, "A").unwrap();
    let serial = |c: &CertifiedKey| c.cert().unwrap().serial_number().to_bn().unwrap();
    assert_ne!(serial(&a), serial(&b));
}

#[test]
fn invalid_organisation_number_is_rejected() {
    let ca = generate_ca("CA").unwrap();
    for bad in ["2021003898", "16202100389X", "1620210038981", ""] {
        let err = issue_organisation_certificate(&ca, bad, "X").unwrap_err();
        assert!(
            matches!(err, PkiError::InvalidOrganisationNumber(ref n) if n == bad),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn pkcs12_round_trips_with_chain_and_password() {
    let pki = TestPki::generate(ORG, "Testkommunen").unwrap();
    let der = pki
        .sender
        .to_pkcs12_with_chain("lösenord", "Testkommunen", &[&pki.ca])
        .unwrap();
    let parsed = Pkcs12::from_der(&der).unwrap().parse2("lösenord").unwrap();
    assert_eq!(
        parsed.cert.unwrap().to_der().unwrap(),
        pki.sender.cert_der().unwrap()
    );
    assert!(parsed.pkey.unwrap().public_eq(&pki.sender.key().unwrap()));
    assert_eq!(parsed.ca.map(|ca| ca.len()), Some(1));

    assert!(Pkcs12::from_der(&der).unwrap().parse2("fel").is_err());
    assert!(matches!(
        pki.sender.to_pkcs12("a\0b", "x"),
        Err(PkiError::NulCharacter(_))
    ));
}

#[test]
fn debug_output_never_contains_the_key() {
    let pki = TestPki::generate(ORG, "Testkommunen").unwrap();
    let debug = format!("{pki:?}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    assert!(debug.contains("Testkommunen"), "{debug}");
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("kuvert-testpki-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn write_to_puts_every_file_on_disk() {
    let dir = TempDir::new("write");
    let pki = TestPki::generate(ORG, "Testkommunen").unwrap();
    let files = pki.write_to(&dir.0, "pw").unwrap();

    assert_eq!(files.ca_pem, dir.0.join("ca.pem"));
    assert_eq!(
        std::fs::read_to_string(&files.ca_pem).unwrap(),
        pki.ca.cert_pem
    );
    assert_eq!(
        std::fs::read_to_string(&files.sender_pem).unwrap(),
        pki.sender.cert_pem
    );
    assert_eq!(
        std::fs::read_to_string(&files.sender_key).unwrap(),
        pki.sender.key_pem
    );
    assert_eq!(
        std::fs::read_to_string(&files.server_pem).unwrap(),
        pki.server.cert_pem
    );
    assert_eq!(
        std::fs::read_to_string(&files.server_key).unwrap(),
        pki.server.key_pem
    );
    let p12 = std::fs::read(&files.sender_p12).unwrap();
    let parsed = Pkcs12::from_der(&p12).unwrap().parse2("pw").unwrap();
    assert_eq!(
        parsed.cert.unwrap().to_der().unwrap(),
        pki.sender.cert_der().unwrap()
    );
}

#[test]
fn write_to_a_missing_directory_reports_the_path() {
    let pki = TestPki::generate(ORG, "Testkommunen").unwrap();
    let missing = std::env::temp_dir().join("kuvert-testpki-does-not-exist/nested");
    match pki.write_to(&missing, "pw") {
        Err(PkiError::Io { path, .. }) => assert!(path.starts_with(&missing)),
        other => panic!("expected Io error, got {other:?}"),
    }
}
