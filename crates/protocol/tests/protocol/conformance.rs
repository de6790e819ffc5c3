//! Every document Kuvert writes validates against the official contracts
//! and every signature verifies with xmlsec1.

use kuvert_protocol::delivery::Delivery;
use kuvert_protocol::dsig::extract_as_root;
use kuvert_protocol::seal::seal;
use kuvert_protocol::soap;
use kuvert_protocol::verify::{Intermediary, Trust};
use kuvert_protocol::xml::c14n::{self, Algorithm, Subset};
use kuvert_protocol::xml::names::{MESSAGE_V3, SOAP_ENV};
use kuvert_protocol::xml::parse;

use crate::support::*;

fn check_signed(name: &str, delivery: &Delivery) -> Vec<u8> {
    let f = fixture();
    let signed = delivery.sign(&f.key).unwrap();
    let file = write(f.dir.path(), name, &signed);
    let schema = wrapper_schema(f.dir.path());

    let lint = xmllint(&schema, &file);
    assert!(lint.ok, "xmllint rejected {name}: {}", lint.output);
    let sec = xmlsec_verify(&f.ca_pem(), &file, &[]);
    assert!(sec.ok, "xmlsec1 rejected {name}: {}", sec.output);

    let verified = verify_trusted(std::str::from_utf8(&signed).unwrap(), None).unwrap();
    assert!(verified.is_valid(), "{:?}", verified.problems);
    assert_eq!(verified.signatures.len(), 1);
    assert!(matches!(
        verified.signatures[0].signer.trust,
        Trust::Trusted { .. }
    ));
    assert_eq!(verified.signatures[0].element, "/SignedDelivery");
    assert_eq!(
        verified.signatures[0].signer.organisation_number.as_deref(),
        Some("162021003898")
    );
    signed
}

#[test]
fn minimal_delivery_is_schema_valid_and_verifies() {
    check_signed("minimal.xml", &minimal());
}

#[test]
fn full_delivery_with_event_data_and_attachments_is_schema_valid_and_verifies() {
    let signed = check_signed("full.xml", &full());
    let text = String::from_utf8(signed).unwrap();
    // The fields land where the brief says.
    for expected in [
        "<msg2:Reference xmlns:msg2=\"http://minameddelanden.gov.se/schema/Message/v2\">KS 2026/0123</msg2:Reference>",
        "<msg2:Recipient xmlns:msg2=\"http://minameddelanden.gov.se/schema/Message/v2\">165568402266</msg2:Recipient>",
        "<Metadata><msg:Tag xmlns:msg=\"http://minameddelanden.gov.se/schema/Message\">skyddsklass</msg:Tag><msg:Value xmlns:msg=\"http://minameddelanden.gov.se/schema/Message\">3</msg:Value></Metadata>",
        "<ofm:OfficialMatterId>KS 2026/0123</ofm:OfficialMatterId>",
        "<ofm:PrecedingEventId>7d1c8a52-0d6e-4a57-9a0e-2b8d6f1c0001</ofm:PrecedingEventId>",
        "<Language>svSE</Language><Reply>NOT_ALLOWED</Reply><ReceiptRequest>NOT</ReceiptRequest>",
        "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\">",
    ] {
        assert!(text.contains(expected), "missing {expected}");
    }
    let checksum = full().message.attachments[0].md5_hex();
    assert!(text.contains(&format!(
        "<msg:Checksum xmlns:msg=\"http://minameddelanden.gov.se/schema/Message\">{checksum}</msg:Checksum>"
    )));
    assert_eq!(checksum.len(), 32);
}

#[test]
fn organisation_delivery_without_event_validates() {
    let mut d = full();
    d.message.event = None;
    d.message.attachments.truncate(1);
    check_signed("org.xml", &d);
}

/// The body element of a SOAP request as a standalone document, for schema
/// validation of the operation element.
fn body_as_document(envelope: &[u8]) -> Vec<u8> {
    let doc = parse(std::str::from_utf8(envelope).unwrap()).unwrap();
    assert!(doc.root.is(SOAP_ENV, "Envelope"));
    let body = doc.root.child(SOAP_ENV, "Body").unwrap();
    let op = body.elements().next().unwrap();
    let inherited: Vec<_> = doc
        .root
        .namespace_decls
        .iter()
        .chain(&body.namespace_decls)
        .cloned()
        .collect();
    c14n::subtree(op, &inherited, &Algorithm::exclusive(), &Subset::default())
}

#[test]
fn soap_requests_carry_schema_valid_operations() {
    let f = fixture();
    let schema = wrapper_schema(f.dir.path());
    let d = full();
    let signed = d.sign(&f.key).unwrap();
    let requests = [
        (
            "distribute.xml",
            soap::distribute_secure_request(&signed).unwrap(),
        ),
        (
            "reachable.xml",
            soap::is_reachable_request(&d.sender.id, &[minimal().recipient, d.recipient.clone()]),
        ),
        (
            "status.xml",
            soap::check_distribution_status_request(&d.sender.id, "dist-0001"),
        ),
    ];
    for (name, request) in requests {
        let body = body_as_document(&request);
        let file = write(f.dir.path(), name, &body);
        let lint = xmllint(&schema, &file);
        assert!(lint.ok, "xmllint rejected {name}: {}", lint.output);
    }
}

#[test]
fn signed_delivery_extracted_from_soap_is_byte_identical_and_verifies() {
    let f = fixture();
    let signed = full().sign(&f.key).unwrap();
    let request = soap::distribute_secure_request(&signed).unwrap();
    let doc = parse(std::str::from_utf8(&request).unwrap()).unwrap();
    let extracted = extract_as_root(
        &doc,
        MESSAGE_V3,
        "signedDelivery",
        MESSAGE_V3,
        "SignedDelivery",
    )
    .unwrap();
    assert_eq!(extracted, signed);
    let file = write(f.dir.path(), "extracted.xml", &extracted);
    let sec = xmlsec_verify(&f.ca_pem(), &file, &[]);
    assert!(
        sec.ok,
        "xmlsec1 rejected the extracted delivery: {}",
        sec.output
    );
}

#[test]
fn sealed_delivery_validates_and_both_signatures_verify() {
    let f = fixture();
    let intermediary = kuvert_testpki::issue_organisation_certificate(
        &f.pki.ca,
        "165568402266",
        "Förmedlare AB (test)",
    )
    .unwrap();
    let seal_key = kuvert_protocol::dsig::SigningKey::from_pem(
        intermediary.cert_pem.as_bytes(),
        intermediary.key_pem.as_bytes(),
    )
    .unwrap();
    let signed = full().sign(&f.key).unwrap();
    let sealed = seal(
        std::str::from_utf8(&signed).unwrap(),
        real_today(),
        true,
        &seal_key,
    )
    .unwrap();
    let file = write(f.dir.path(), "sealed.xml", &sealed);

    let lint = xmllint(&wrapper_schema(f.dir.path()), &file);
    assert!(
        lint.ok,
        "xmllint rejected the sealed delivery: {}",
        lint.output
    );
    // xmlsec1 checks the seal (the root's own signature) …
    let sec = xmlsec_verify(
        &f.ca_pem(),
        &file,
        &["--node-xpath", "/*/*[local-name()='Signature']"],
    );
    assert!(sec.ok, "xmlsec1 rejected the seal: {}", sec.output);
    // … and the sender's signature on the SignedDelivery taken out of it.
    let doc = parse(std::str::from_utf8(&sealed).unwrap()).unwrap();
    let inner = extract_as_root(
        &doc,
        MESSAGE_V3,
        "SignedDelivery",
        MESSAGE_V3,
        "SignedDelivery",
    )
    .unwrap();
    assert_eq!(inner, signed);

    let intermediary = Intermediary::OrganisationNumber("165568402266".into());
    let verified =
        verify_trusted(std::str::from_utf8(&sealed).unwrap(), Some(&intermediary)).unwrap();
    assert!(verified.is_valid(), "{:?}", verified.problems);
    let serials: Vec<_> = verified
        .signatures
        .iter()
        .map(|s| s.signer.organisation_number.clone().unwrap())
        .collect();
    assert_eq!(serials, ["162021003898", "165568402266"]);
    let elements: Vec<_> = verified
        .signatures
        .iter()
        .map(|s| s.element.as_str())
        .collect();
    assert_eq!(
        elements,
        ["/SealedDelivery/SignedDelivery", "/SealedDelivery"]
    );
    assert!(std::str::from_utf8(&sealed)
        .unwrap()
        .contains(">true</msg:SignaturesOK></Seal>"));
}
