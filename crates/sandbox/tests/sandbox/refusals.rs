//! What the sandbox refuses, and how: tampered signatures, documents that
//! are not schema-valid, a sender id that is not the certificate's, a
//! certificate from another CA, an organisation that is not a sender.

use std::time::Duration;

use kuvert_protocol::delivery::{Sender, SenderName};
use kuvert_protocol::dsig::{sign_enveloped, SigningKey, Transforms};
use kuvert_protocol::identity::OrganizationNumber;
use kuvert_transport::{CallError, ClientIdentity, TransportError};

use kuvert_sandbox::{Sandbox, SandboxConfig};

use crate::support::*;

#[test]
fn a_tampered_signature_is_a_client_fault() {
    let sandbox = sandbox();
    let document = signed(sandbox, &delivery("198501012382", &message_id(), vec![]));
    let text = String::from_utf8(document).unwrap();
    // Changed after signing: still schema-valid, but the digest no longer matches.
    let tampered = text.replacen("Beslut i ärende", "Beslut i ärande", 1);
    assert_ne!(tampered, text);
    let description = client_fault(client(sandbox).distribute_secure(tampered.as_bytes()), 5002);
    assert!(description.contains("signature"), "{description}");
}

#[test]
fn a_schema_invalid_delivery_is_a_client_fault() {
    let sandbox = sandbox();
    let id = message_id();
    let canonical = delivery("198501012382", &id, vec![])
        .to_canonical_xml()
        .unwrap();
    // Validly signed, but Language comes before Metadata: not schema-valid.
    let text = String::from_utf8(canonical).unwrap();
    let metadata_start = text.find("<Metadata>").unwrap();
    let metadata_end = text.find("</Metadata>").unwrap() + "</Metadata>".len();
    let metadata = text[metadata_start..metadata_end].to_string();
    let language = "<Language>svSE</Language>";
    let swapped = text
        .replacen(&metadata, "\u{0}", 1)
        .replacen(language, &metadata, 1)
        .replacen('\u{0}', language, 1);
    assert_ne!(swapped, text);
    let document = sign_enveloped(
        swapped.into_bytes(),
        &signing_key(sandbox),
        Transforms::Enveloped,
    )
    .unwrap();
    let description = client_fault(client(sandbox).distribute_secure(&document), 5001);
    assert!(description.contains("schema"), "{description}");
    assert_eq!(sandbox.delivery_count(&id), 0);
}

#[test]
fn a_sender_id_other_than_the_certificates_is_a_client_fault() {
    let sandbox = sandbox();
    let mut other = delivery("198501012382", &message_id(), vec![]);
    other.sender = Sender {
        id: OrganizationNumber::from_wire("165568402266").unwrap(),
        name: SenderName::new("Annan organisation").unwrap(),
    };
    let description = client_fault(
        client(sandbox).distribute_secure(&signed(sandbox, &other)),
        5003,
    );
    assert!(description.contains("165568402266"), "{description}");
}

#[test]
fn a_client_certificate_from_another_ca_fails_the_handshake() {
    let sandbox = sandbox();
    let stranger = kuvert_testpki::TestPki::generate("162021003898", "Kommun B").unwrap();
    let identity = ClientIdentity::from_pem(
        stranger.sender.cert_pem.as_bytes(),
        stranger.sender.key_pem.as_bytes(),
    )
    .unwrap();
    let error = client_with(sandbox, identity, Duration::from_secs(10))
        .is_reachable(&kommun_b(), &[recipient("198501012382")])
        .unwrap_err();
    assert!(
        matches!(error, CallError::Transport(TransportError::Tls { .. })),
        "{error:?}"
    );
}

/// Another organisation's certificate from the test environment's CA: it
/// is neither a registered sender nor a förmedlare.
fn other_organisation(sandbox: &Sandbox) -> kuvert_testpki::CertifiedKey {
    kuvert_testpki::issue_organisation_certificate(
        &sandbox.pki().ca,
        "165568402266",
        "Annan organisation",
    )
    .unwrap()
}

#[test]
fn another_certified_organisation_is_not_a_registered_sender() {
    let sandbox = sandbox();
    let other = other_organisation(sandbox);
    let identity =
        ClientIdentity::from_pem(other.cert_pem.as_bytes(), other.key_pem.as_bytes()).unwrap();
    let client = client_with(sandbox, identity, Duration::from_secs(10));
    let org = OrganizationNumber::from_wire("165568402266").unwrap();
    let description = client_fault(
        client.is_reachable(&org, &[recipient("198501012382")]),
        5003,
    );
    assert!(
        description.contains("not a registered sender"),
        "{description}"
    );

    // Its own correctly signed delivery is refused the same way.
    let mut own = delivery("198501012382", &message_id(), vec![]);
    own.sender = Sender {
        id: org,
        name: SenderName::new("Annan organisation").unwrap(),
    };
    let key = SigningKey::from_pem(other.cert_pem.as_bytes(), other.key_pem.as_bytes()).unwrap();
    client_fault(client.distribute_secure(&own.sign(&key).unwrap()), 5003);
}

#[test]
fn the_operator_endpoint_refuses_callers_that_are_not_a_registered_formedlare() {
    let sandbox = sandbox();
    // Certified by the test environment's CA, but not a förmedlare.
    let other = other_organisation(sandbox);
    let identity =
        ClientIdentity::from_pem(other.cert_pem.as_bytes(), other.key_pem.as_bytes()).unwrap();
    let https = https(sandbox, identity, Duration::from_secs(10));
    let reply = https
        .post_soap(
            &sandbox.operator_url(kuvert_sandbox::Operator::Kivra),
            b"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body/></soap:Envelope>",
        )
        .unwrap();
    assert_eq!(reply.status, 500);
    let fault = match kuvert_protocol::soap::body_element(&String::from_utf8_lossy(&reply.body)) {
        Err(kuvert_protocol::soap::SoapError::Fault(fault)) => fault,
        other => panic!("{other:?}"),
    };
    assert!(fault.is_client_fault());
    assert_eq!(fault.detail.unwrap().error_code, 5003);
}

/// Issue 14: a registered förmedlare (the test organisation, in direct
/// mode) delivers only what it sealed itself: the seal must be made with
/// the calling förmedlare's certificate, not another one's.
#[test]
fn a_formedlare_delivering_a_delivery_sealed_by_another_is_refused_and_its_own_is_taken_once() {
    let sandbox = sandbox();
    let operators = kuvert_transport::Operators::new(https(
        sandbox,
        identity(sandbox),
        Duration::from_secs(10),
    ));
    let id = message_id();
    let document = signed(sandbox, &delivery("198501012382", &id, vec![]));
    let text = String::from_utf8(document).unwrap();
    let today = kuvert_protocol::date::CalendarDate::new(2026, 12, 3).unwrap();
    let intermediary_key = SigningKey::from_pem(
        sandbox.pki().intermediary.cert_pem.as_bytes(),
        sandbox.pki().intermediary.key_pem.as_bytes(),
    )
    .unwrap();
    let address = sandbox.operator_url(kuvert_sandbox::Operator::Kivra);
    let by_another = kuvert_protocol::seal::seal(&text, today, true, &intermediary_key).unwrap();
    let description = client_fault(operators.deliver_secure(&address, &by_another), 5002);
    assert!(description.contains("signature"), "{description}");
    assert_eq!(sandbox.delivery_count(&id), 0);

    let own = kuvert_protocol::seal::seal(&text, today, true, &signing_key(sandbox)).unwrap();
    let first = operators.deliver_secure(&address, &own).unwrap();
    let again = operators.deliver_secure(&address, &own).unwrap();
    assert_eq!(first.transaction_id, again.transaction_id);
    assert!(again.statuses.iter().all(|(_, delivered)| *delivered));
    assert_eq!(sandbox.delivery_count(&id), 1);
}

/// The intermediary holds envelopes to `max_envelope_bytes` to the byte: at
/// the limit it takes the delivery, one byte over it answers with a client
/// fault that says the envelope is too large (error 4999) and delivers
/// nothing.
#[test]
fn an_envelope_over_the_limit_is_a_client_fault_saying_it_is_too_large() {
    // One state directory, so one PKI: the same signed document for each limit.
    let dir = state_dir("envelope-limit");
    let first = Sandbox::start(SandboxConfig::new(&dir)).unwrap();
    let id = message_id();
    let document = signed(
        &first,
        &delivery(
            "198501012382",
            &id,
            vec![attachment("beslut.pdf", &[b'%'; 30_000])],
        ),
    );
    first.shutdown();
    let size = kuvert_protocol::soap::distribute_secure_request(&document)
        .unwrap()
        .len() as u64;
    for (limit, accepted) in [(size - 1, false), (size, true), (size + 1, true)] {
        let mut config = SandboxConfig::new(&dir);
        config.max_envelope_bytes = limit;
        let limited = Sandbox::start(config).unwrap();
        let answer = client(&limited).distribute_secure(&document);
        let received = limited.received_envelopes();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].bytes, size, "the envelope's real size");
        assert_eq!(received[0].refused_as_too_large, !accepted);
        if accepted {
            answer.unwrap();
        } else {
            let description = client_fault(answer, 4999);
            assert_eq!(
                description,
                format!(
                    "The SOAP envelope is too large: {size} bytes; this intermediary takes at most {limit} bytes."
                )
            );
            assert_eq!(limited.delivery_count(&id), 0);
        }
        limited.shutdown();
    }
}
