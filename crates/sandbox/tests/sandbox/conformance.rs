//! What a mailbox operator stores is judged by the independent verifiers:
//! xmlsec1 accepts both signatures, xmllint the SealedDelivery type.

use std::process::Command;
use std::time::Duration;

use kuvert_protocol::dsig::extract_as_root;
use kuvert_protocol::soap::DeliveryStatus;
use kuvert_protocol::xml::names::MESSAGE_V3;
use kuvert_sandbox::Operator;

use crate::support::*;

#[test]
fn the_stored_sealed_delivery_verifies_and_validates() {
    let sandbox = sandbox();
    let id = message_id();
    let document = signed(
        sandbox,
        &delivery(
            "198501012390",
            &id,
            vec![attachment("Bilaga.pdf", b"%PDF-1.4 bilaga")],
        ),
    );
    let client = client(sandbox);
    let distribution = client.distribute_secure(&document).unwrap();
    assert_eq!(
        settled(&client, &distribution, Duration::from_secs(20)),
        DeliveryStatus::Delivered
    );
    let message = sandbox
        .delivered_messages(Operator::MinMyndighetspost)
        .into_iter()
        .find(|m| m.message_id == id)
        .unwrap();
    let file = message.sealed_delivery_file;
    let sealed = std::fs::read_to_string(&file).unwrap();
    let ca = sandbox.ca_pem_path();

    // The seal: the root's own signature.
    let seal = run(Command::new("xmlsec1")
        .args(["--verify", "--trusted-pem"])
        .arg(&ca)
        .args(["--node-xpath", "/*/*[local-name()='Signature']"])
        .arg(&file));
    assert!(seal.ok, "xmlsec1 rejected the seal: {}", seal.output);

    // The sender's signature, on the SignedDelivery taken out of the seal:
    // byte for byte what Kuvert signed.
    let doc = kuvert_protocol::xml::parse(&sealed).unwrap();
    let inner = extract_as_root(
        &doc,
        MESSAGE_V3,
        "SignedDelivery",
        MESSAGE_V3,
        "SignedDelivery",
    )
    .unwrap();
    assert_eq!(inner, document);
    let inner_file = file.with_extension("signed.xml");
    std::fs::write(&inner_file, &inner).unwrap();
    let sender = run(Command::new("xmlsec1")
        .args(["--verify", "--trusted-pem"])
        .arg(&ca)
        .arg(&inner_file));
    assert!(
        sender.ok,
        "xmlsec1 rejected the sender's signature: {}",
        sender.output
    );
    std::fs::remove_file(&inner_file).unwrap();

    // The SealedDelivery type of the contracts.
    let m3 = contracts().join("schema/v3/Message.xsd");
    let schema_dir = state_dir("schema");
    std::fs::create_dir_all(&schema_dir).unwrap();
    let schema = schema_dir.join("wrap.xsd");
    std::fs::write(
        &schema,
        format!(
            r#"<?xml version="1.0"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema"
        xmlns:m3="http://minameddelanden.gov.se/schema/Message/v3"
        targetNamespace="http://minameddelanden.gov.se/schema/Message/v3"
        elementFormDefault="qualified">
  <include schemaLocation="{}"/>
  <element name="SealedDelivery" type="m3:SealedDelivery"/>
</schema>"#,
            m3.display()
        ),
    )
    .unwrap();
    let lint = run(Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&file));
    assert!(
        lint.ok,
        "xmllint rejected the sealed delivery: {}",
        lint.output
    );
    std::fs::remove_dir_all(&schema_dir).unwrap();
}
