//! The mailbox operators' deliverSecure, called directly with the
//! intermediary's certificate: acceptance, the failing mailbox's server
//! fault, a recipient without a mailbox there, a broken seal.

use std::time::Duration;

use kuvert_protocol::dsig::SigningKey;
use kuvert_protocol::seal::seal;
use kuvert_protocol::soap::{SoapError, SoapFault};
use kuvert_sandbox::{Operator, Sandbox};
use kuvert_service::answers::{deliver_secure_request, parse_deliver_secure_response};
use kuvert_transport::ClientIdentity;

use crate::support::*;

fn sealed(sandbox: &Sandbox, to: &str, id: &str) -> Vec<u8> {
    let pki = sandbox.pki();
    let key = SigningKey::from_pem(
        pki.intermediary.cert_pem.as_bytes(),
        pki.intermediary.key_pem.as_bytes(),
    )
    .unwrap();
    let signed = signed(sandbox, &delivery(to, id, vec![]));
    seal(
        std::str::from_utf8(&signed).unwrap(),
        seal_day(),
        true,
        &key,
    )
    .unwrap()
}

/// The seal's day: today, as the operator checks that the certificates
/// (made now) were valid on it.
fn seal_day() -> kuvert_protocol::date::CalendarDate {
    time::OffsetDateTime::now_utc().date().try_into().unwrap()
}

/// Calls `operator`'s deliverSecure as the intermediary.
fn deliver(sandbox: &Sandbox, operator: Operator, sealed: &[u8]) -> Result<String, SoapFault> {
    let pki = sandbox.pki();
    let identity = ClientIdentity::from_pem(
        pki.intermediary.cert_pem.as_bytes(),
        pki.intermediary.key_pem.as_bytes(),
    )
    .unwrap();
    let reply = https(sandbox, identity, Duration::from_secs(10))
        .post_soap(
            &sandbox.operator_url(operator),
            &deliver_secure_request(sealed).unwrap(),
        )
        .unwrap();
    match parse_deliver_secure_response(&String::from_utf8_lossy(&reply.body)) {
        Ok(result) => {
            assert_eq!(reply.status, 200);
            assert!(result.statuses.iter().all(|(_, delivered)| *delivered));
            Ok(result.transaction_id)
        }
        Err(SoapError::Fault(fault)) => {
            assert_eq!(reply.status, 500);
            Err(fault)
        }
        Err(other) => panic!("{other:?}"),
    }
}

#[test]
fn the_operator_takes_a_sealed_delivery_from_the_intermediary() {
    let sandbox = sandbox();
    let id = message_id();
    let transaction = deliver(
        sandbox,
        Operator::Kivra,
        &sealed(sandbox, "198501012382", &id),
    )
    .unwrap();
    let stored = sandbox
        .delivered_messages(Operator::Kivra)
        .into_iter()
        .find(|m| m.transaction_id == transaction)
        .unwrap();
    assert_eq!(stored.message_id, id);
    assert_eq!(stored.sealed_on, seal_day().to_string());
    assert_eq!(sandbox.delivery_count(&id), 1);
}

#[test]
fn the_failing_mailbox_answers_with_a_server_fault() {
    let sandbox = sandbox();
    let fault = deliver(
        sandbox,
        Operator::Kivra,
        &sealed(sandbox, "197001012389", &message_id()),
    )
    .unwrap_err();
    assert!(!fault.is_client_fault(), "{fault:?}");
    assert_eq!(fault.detail.unwrap().error_code, 6004);
}

#[test]
fn a_recipient_without_a_mailbox_there_is_a_client_fault() {
    let sandbox = sandbox();
    let fault = deliver(
        sandbox,
        Operator::MinMyndighetspost,
        &sealed(sandbox, "198501012382", &message_id()),
    )
    .unwrap_err();
    assert!(fault.is_client_fault());
    assert_eq!(fault.detail.unwrap().error_code, 5004);
}

#[test]
fn a_broken_seal_is_a_client_fault() {
    let sandbox = sandbox();
    let id = message_id();
    let document = String::from_utf8(sealed(sandbox, "198501012382", &id)).unwrap();
    let broken = document.replacen(">true</msg:SignaturesOK>", ">false</msg:SignaturesOK>", 1);
    assert_ne!(broken, document);
    let fault = deliver(sandbox, Operator::Kivra, broken.as_bytes()).unwrap_err();
    assert!(fault.is_client_fault());
    assert_eq!(fault.detail.unwrap().error_code, 5002);
    assert_eq!(sandbox.delivery_count(&id), 0);
}
