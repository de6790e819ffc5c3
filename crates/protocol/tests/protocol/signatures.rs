//! Tampered, truncated and foreign vectors fail with the exact error; legacy
//! RSA-SHA1 signatures made by xmlsec1 verify and are flagged.

use kuvert_protocol::verify::{
    verify as verify_with, Policy, Problem, SignatureAlgorithm, SignatureRole, TrustAnchors,
    VerifyError,
};
use kuvert_protocol::xml::XmlError;

use crate::support::*;

fn signed_text() -> String {
    String::from_utf8(minimal().sign(&fixture().key).unwrap()).unwrap()
}

/// Verifies against the fixture's CA and requires a vouched-for delivery.
fn verify(text: &str) -> Result<(), VerifyError> {
    verify_trusted(text, None)?.require_valid().map(|_| ())
}

/// Replaces the first occurrence of `from`, which must be present.
fn tamper(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "vector lacks {from}");
    text.replacen(from, to, 1)
}

fn xmlsec_accepts(text: &str) -> bool {
    let f = fixture();
    let file = write(f.dir.path(), "tampered.xml", text.as_bytes());
    xmlsec_verify(&f.ca_pem(), &file, &[]).ok
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap() + start.len();
    let to = from + text[from..].find(end).unwrap();
    &text[from..to]
}

#[test]
fn untouched_vector_verifies() {
    assert_eq!(verify(&signed_text()), Ok(()));
}

#[test]
fn changed_subject_is_a_digest_mismatch() {
    let text = tamper(&signed_text(), "Beslut om", "Beslut om INTE");
    assert_eq!(verify(&text), Err(VerifyError::DigestMismatch));
    assert!(!xmlsec_accepts(&text));
}

#[test]
fn changed_recipient_is_a_digest_mismatch() {
    let text = tamper(&signed_text(), ">198501012382<", ">192705178354<");
    assert_eq!(verify(&text), Err(VerifyError::DigestMismatch));
    assert!(!xmlsec_accepts(&text));
}

#[test]
fn changed_signature_value_is_invalid() {
    let text = signed_text();
    let value = between(&text, "<ds:SignatureValue>", "</ds:SignatureValue>");
    let flipped = format!(
        "{}{}",
        if value.starts_with('A') { 'B' } else { 'A' },
        &value[1..]
    );
    let text = tamper(&text, value, &flipped);
    assert_eq!(verify(&text), Err(VerifyError::SignatureInvalid));
    assert!(!xmlsec_accepts(&text));
}

#[test]
fn changed_digest_value_breaks_the_signature() {
    let text = signed_text();
    let digest = between(&text, "<ds:DigestValue>", "</ds:DigestValue>");
    let other = format!(
        "{}{}",
        if digest.starts_with('A') { 'B' } else { 'A' },
        &digest[1..]
    );
    let text = tamper(&text, digest, &other);
    assert_eq!(verify(&text), Err(VerifyError::SignatureInvalid));
}

#[test]
fn truncated_between_tags_is_unexpected_end() {
    let text = signed_text();
    let cut = text.find("</msg2:Recipient>").unwrap() + "</msg2:Recipient>".len();
    assert_eq!(
        verify(&text[..cut]),
        Err(VerifyError::Xml(XmlError::UnexpectedEnd))
    );
}

#[test]
fn truncated_inside_a_tag_is_a_syntax_error() {
    let text = signed_text();
    let cut = text.find("<ds:SignatureValue>").unwrap() + 5;
    assert!(matches!(
        verify(&text[..cut]),
        Err(VerifyError::Xml(XmlError::Syntax { .. }))
    ));
}

#[test]
fn missing_signature_is_reported() {
    let text = signed_text();
    let start = text.find("<ds:Signature ").unwrap();
    let end = text.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let stripped = format!("{}{}", &text[..start], &text[end..]);
    assert_eq!(
        verify(&stripped),
        Err(VerifyError::NoSignature("SignedDelivery".into()))
    );
}

#[test]
fn certificate_of_another_key_does_not_verify() {
    let f = fixture();
    let text = signed_text();
    let cert = between(&text, "<ds:X509Certificate>", "</ds:X509Certificate>");
    let der = openssl::x509::X509::from_pem(f.other_pki.sender.cert_pem.as_bytes())
        .unwrap()
        .to_der()
        .unwrap();
    use base64::Engine;
    let other = base64::engine::general_purpose::STANDARD.encode(der);
    assert_eq!(
        verify(&tamper(&text, cert, &other)),
        Err(VerifyError::SignatureInvalid)
    );
}

#[test]
fn signer_from_another_ca_is_untrusted() {
    let f = fixture();
    let anchors = TrustAnchors::from_pem(f.other_pki.ca.cert_pem.as_bytes(), now()).unwrap();
    let policy = Policy {
        anchors: Some(&anchors),
        intermediary: None,
        now: now(),
    };
    let report = verify_with(&signed_text(), &policy).unwrap();
    assert!(
        matches!(
            report.problems.as_slice(),
            [Problem::NotTrusted {
                role: SignatureRole::Sender,
                ..
            }]
        ),
        "{:?}",
        report.problems
    );
    // Without anchors the signature is reported as correct, never as valid.
    let report = verify_untrusted(&signed_text()).unwrap();
    assert_eq!(report.problems, [Problem::NoTrustAnchors]);
    assert!(!report.is_valid());
    let file = write(f.dir.path(), "foreign.xml", signed_text().as_bytes());
    assert!(!xmlsec_verify(&f.other_ca_pem(), &file, &[]).ok);
}

#[test]
fn dtd_and_entities_are_refused() {
    let text = signed_text().replacen(
        "<SignedDelivery",
        "<!DOCTYPE SignedDelivery [<!ENTITY x \"y\">]><SignedDelivery",
        1,
    );
    assert_eq!(
        verify(&text),
        Err(VerifyError::Xml(XmlError::DtdNotAllowed))
    );
}

#[test]
fn unsupported_signature_algorithm_is_named() {
    let text = tamper(
        &signed_text(),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
    );
    assert_eq!(
        verify(&text),
        Err(VerifyError::UnsupportedAlgorithm(
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1".into()
        ))
    );
}

#[test]
fn other_roots_are_refused() {
    assert_eq!(
        verify("<x:Other xmlns:x=\"urn:x\"/>"),
        Err(VerifyError::UnexpectedRoot("{urn:x}Other".into()))
    );
}

/// A delivery signed by xmlsec1 from a pretty-printed template with the given
/// algorithms, as other senders' tools produce them.
fn xmlsec_signed(
    signature_method: &str,
    digest_method: &str,
    c14n: &str,
    transforms: &str,
) -> String {
    let f = fixture();
    let unsigned = String::from_utf8(minimal().to_canonical_xml().unwrap()).unwrap();
    let template = format!(
        r#"<dsig:Signature xmlns:dsig="http://www.w3.org/2000/09/xmldsig#">
  <dsig:SignedInfo>
    <dsig:CanonicalizationMethod Algorithm="{c14n}"/>
    <dsig:SignatureMethod Algorithm="{signature_method}"/>
    <dsig:Reference URI="">
      <dsig:Transforms>{transforms}</dsig:Transforms>
      <dsig:DigestMethod Algorithm="{digest_method}"/>
      <dsig:DigestValue/>
    </dsig:Reference>
  </dsig:SignedInfo>
  <dsig:SignatureValue/>
  <dsig:KeyInfo><dsig:X509Data/></dsig:KeyInfo>
</dsig:Signature>"#
    );
    let document = unsigned.replacen(
        "</SignedDelivery>",
        &format!("\n{template}\n</SignedDelivery>"),
        1,
    );
    let dir = f.dir.path();
    let tmpl = write(dir, "template.xml", document.as_bytes());
    let key = write(dir, "sender.key", f.pki.sender.key_pem.as_bytes());
    let cert = write(dir, "sender.pem", f.pki.sender.cert_pem.as_bytes());
    let out = dir.join(format!("xmlsec-signed-{}.xml", now()));
    let keyspec = format!("{},{}", key.display(), cert.display());
    let result = xmlsec(&[
        "--sign",
        "--privkey-pem",
        &keyspec,
        "--output",
        out.to_str().unwrap(),
        tmpl.to_str().unwrap(),
    ]);
    assert!(result.ok, "xmlsec1 --sign failed: {}", result.output);
    std::fs::read_to_string(out).unwrap()
}

const ENVELOPED: &str =
    r#"<dsig:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#;

#[test]
fn legacy_rsa_sha1_from_xmlsec_verifies_and_is_flagged() {
    let text = xmlsec_signed(
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#sha1",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        ENVELOPED,
    );
    let report = verify_trusted(&text, None).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(report.signatures[0].algorithm, SignatureAlgorithm::RsaSha1);
    assert!(report.signatures[0].legacy_sha1);
    // and tampering is still caught
    assert_eq!(
        verify(&tamper(&text, "Beslut om", "Beslut OM")),
        Err(VerifyError::DigestMismatch)
    );
}

#[test]
fn xmlsec_signature_with_exclusive_c14n_and_other_prefix_verifies() {
    let exc = "http://www.w3.org/2001/10/xml-exc-c14n#";
    let text = xmlsec_signed(
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmlenc#sha256",
        exc,
        &format!(r#"{ENVELOPED}<dsig:Transform Algorithm="{exc}"/>"#),
    );
    let report = verify_trusted(&text, None).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(
        report.signatures[0].algorithm,
        SignatureAlgorithm::RsaSha256
    );
    assert!(!report.signatures[0].legacy_sha1);
}
