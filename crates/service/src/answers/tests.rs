//! Unit tests of the server-side SOAP messages: each response round-trips
//! through the client parsers in `soap` and validates against the
//! contracts; each request Kuvert sends is read back exactly.

use super::*;
use crate::testing::{fixture, sealed_full, signed_full, xmllint};
use kuvert_protocol::soap::{self, ServiceSupplier};
use kuvert_protocol::xml::c14n::{self, Algorithm, Subset};

fn recipient(wire: &str) -> RecipientId {
    RecipientId::from_wire(wire).unwrap()
}

fn kommun_b() -> OrganizationNumber {
    OrganizationNumber::from_wire("162021003898").unwrap()
}

/// The envelope's body element as a standalone document, as xmllint needs it.
fn body_document(envelope: &[u8]) -> Vec<u8> {
    let doc = parse(std::str::from_utf8(envelope).unwrap()).unwrap();
    let body = doc.root.child(SOAP_ENV, "Body").unwrap();
    let first = body.elements().next().unwrap();
    let inherited: Vec<NamespaceDecl> = doc
        .root
        .namespace_decls
        .iter()
        .chain(body.namespace_decls.iter())
        .cloned()
        .collect();
    c14n::subtree(
        first,
        &inherited,
        &Algorithm::exclusive(),
        &Subset::default(),
    )
}

fn assert_schema_valid(name: &str, envelope: &[u8]) {
    let (ok, output) = xmllint(name, &body_document(envelope));
    assert!(ok, "xmllint rejected {name}: {output}");
}

fn statuses() -> Vec<ReachabilityStatus> {
    let supplier = ServiceSupplier {
        id: "165568402266".into(),
        name: "Kivra (testmiljö)".into(),
        service_address: "https://127.0.0.1:8443/Service/v3/kivra".into(),
        ui_address: Some("https://127.0.0.1:8444/mailbox/kivra/".into()),
    };
    vec![
        ReachabilityStatus {
            recipient: recipient("198501012382"),
            account: AccountType::Secure,
            pending: false,
            supplier: Some(supplier.clone()),
            sender_accepted: true,
        },
        ReachabilityStatus {
            recipient: recipient("192705178354"),
            account: AccountType::Not,
            pending: false,
            supplier: None,
            sender_accepted: false,
        },
        ReachabilityStatus {
            recipient: recipient("201701012393"),
            account: AccountType::Secure,
            pending: true,
            supplier: Some(ServiceSupplier {
                ui_address: None,
                ..supplier
            }),
            sender_accepted: true,
        },
    ]
}

#[test]
fn is_reachable_round_trips_and_validates() {
    let recipients = [recipient("198501012382"), recipient("165568402266")];
    let request = soap::is_reachable_request(&kommun_b(), &recipients);
    let read = parse_is_reachable_request(std::str::from_utf8(&request).unwrap()).unwrap();
    assert_eq!(read.sender, kommun_b());
    assert_eq!(read.recipients, recipients);
    assert_schema_valid("isReachable", &request);

    let response = is_reachable_response(&statuses());
    let back = soap::parse_is_reachable_response(std::str::from_utf8(&response).unwrap()).unwrap();
    assert_eq!(back, statuses());
    assert_schema_valid("isReachableResponse", &response);
    assert_schema_valid("isReachableResponse-empty", &is_reachable_response(&[]));
}

#[test]
fn distribute_secure_gives_back_the_signed_bytes() {
    let signed = signed_full();
    let request = soap::distribute_secure_request(signed.as_bytes()).unwrap();
    let text = std::str::from_utf8(&request).unwrap();
    assert_eq!(
        parse_distribute_secure_request(text).unwrap(),
        signed.as_bytes()
    );
    assert_schema_valid("distributeSecure", &request);

    // Another stack's prefixes and white space: the payload is recovered
    // through exclusive c14n, which is what the signature covers.
    let inner = signed
        .strip_prefix("<SignedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\">")
        .unwrap()
        .strip_suffix("</SignedDelivery>")
        .unwrap();
    let foreign = format!(
        "<?xml version=\"1.0\"?>\n<S:Envelope xmlns:S=\"{SOAP_ENV}\" xmlns:x=\"urn:unused\"><S:Header/>\n<S:Body>\n<ns3:distributeSecure xmlns:ns3=\"{MESSAGE_V3}\" xmlns=\"{MESSAGE_V3}\"><ns3:signedDelivery>{inner}</ns3:signedDelivery></ns3:distributeSecure></S:Body></S:Envelope>"
    );
    let recovered = parse_distribute_secure_request(&foreign).unwrap();
    assert_eq!(recovered, signed.as_bytes());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let anchors =
        kuvert_protocol::verify::TrustAnchors::from_pem(fixture().ca_pem.as_bytes(), now).unwrap();
    let policy = kuvert_protocol::verify::Policy {
        anchors: Some(&anchors),
        intermediary: None,
        now,
    };
    kuvert_protocol::verify::verify(std::str::from_utf8(&recovered).unwrap(), &policy)
        .unwrap()
        .require_valid()
        .unwrap();

    let response = distribute_secure_response("4f6c0d2e-8f3b-4c1a-9a53-0b7e5d1c2a10");
    assert_eq!(
        soap::parse_distribute_secure_response(std::str::from_utf8(&response).unwrap()).unwrap(),
        "4f6c0d2e-8f3b-4c1a-9a53-0b7e5d1c2a10"
    );
    assert_schema_valid("distributeSecureResponse", &response);
}

#[test]
fn check_distribution_status_round_trips_and_validates() {
    let request = soap::check_distribution_status_request(&kommun_b(), "dist-1");
    let read =
        parse_check_distribution_status_request(std::str::from_utf8(&request).unwrap()).unwrap();
    assert_eq!(
        read,
        CheckDistributionStatusRequest {
            sender: kommun_b(),
            distribution_id: "dist-1".into()
        }
    );
    assert_schema_valid("checkDistributionStatus", &request);

    let statuses = vec![
        DistributionStatus {
            recipient: recipient("198501012382"),
            distribution: DistributionType::Digital,
            delivery: Some(DeliveryStatus::Delivered),
        },
        DistributionStatus {
            recipient: recipient("197001012389"),
            distribution: DistributionType::Digital,
            delivery: Some(DeliveryStatus::DeliveryFailed),
        },
        DistributionStatus {
            recipient: recipient("192705178354"),
            distribution: DistributionType::Not,
            delivery: None,
        },
    ];
    let response = check_distribution_status_response(&statuses);
    assert_eq!(
        soap::parse_check_distribution_status_response(std::str::from_utf8(&response).unwrap())
            .unwrap(),
        statuses
    );
    assert_schema_valid("checkDistributionStatusResponse", &response);
}

#[test]
fn deliver_secure_round_trips_and_validates() {
    let sealed = sealed_full();
    let request = deliver_secure_request(sealed.as_bytes()).unwrap();
    assert_eq!(
        parse_deliver_secure_request(std::str::from_utf8(&request).unwrap()).unwrap(),
        sealed.as_bytes()
    );
    assert_schema_valid("deliverSecure", &request);
    assert_eq!(
        deliver_secure_request(signed_full().as_bytes()),
        Err(SoapError::NotCanonicalDelivery)
    );

    // Another stack's prefixes.
    let inner = sealed
        .strip_prefix("<SealedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\">")
        .unwrap()
        .strip_suffix("</SealedDelivery>")
        .unwrap();
    let foreign = format!(
        "<e:Envelope xmlns:e=\"{SOAP_ENV}\"><e:Body><s:deliverSecure xmlns:s=\"{SERVICE_V3}\"><s:deliverSecure xmlns=\"{MESSAGE_V3}\">{inner}</s:deliverSecure></s:deliverSecure></e:Body></e:Envelope>"
    );
    assert_eq!(
        parse_deliver_secure_request(&foreign).unwrap(),
        sealed.as_bytes()
    );

    let result = DeliveryResult {
        transaction_id: "tx-1".into(),
        statuses: vec![(recipient("198501012382"), true)],
    };
    let response = deliver_secure_response(&result);
    assert_eq!(
        parse_deliver_secure_response(std::str::from_utf8(&response).unwrap()).unwrap(),
        result
    );
    assert_schema_valid("deliverSecureResponse", &response);
}

#[test]
fn faults_validate_and_reach_the_callers() {
    let detail = ExceptionInformation {
        error_code: 6004,
        description: "Brevlådan kan inte ta emot <just nu>".into(),
        call_id: "6a1f6f0e-3b7d-4c55-8d0e-7e0b1f9a2c44".into(),
    };
    let fault = fault_response(false, &detail);
    match parse_deliver_secure_response(std::str::from_utf8(&fault).unwrap()) {
        Err(SoapError::Fault(f)) => {
            assert!(!f.is_client_fault());
            assert_eq!(f.detail, Some(detail.clone()));
        }
        other => panic!("{other:?}"),
    }
    // The detail's applicationFault is the contract's element.
    let doc = parse(std::str::from_utf8(&fault).unwrap()).unwrap();
    let detail_element = doc
        .root
        .elements()
        .next()
        .unwrap()
        .elements()
        .next()
        .unwrap()
        .elements()
        .nth(2)
        .unwrap();
    let application_fault = detail_element.elements().next().unwrap();
    let standalone = c14n::subtree(
        application_fault,
        &[],
        &Algorithm::exclusive(),
        &Subset::default(),
    );
    let (ok, output) = xmllint("applicationFault", &standalone);
    assert!(ok, "{output}");
}

#[test]
fn malformed_requests_are_refused_with_the_reason() {
    let kommun = |body: &str| {
        format!("<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Body>{body}</soap:Body></soap:Envelope>")
    };
    let r3 = RECIPIENT_V3;
    let m3 = MESSAGE_V3;
    for (body, what) in [
        (format!("<isReachable xmlns=\"{r3}\"><recipientId>198501012382</recipientId></isReachable>"), "no sender"),
        (format!("<isReachable xmlns=\"{r3}\"><senderOrgNr>198501012382</senderOrgNr></isReachable>"), "a person as sender"),
        (format!("<isReachable xmlns=\"{r3}\"><senderOrgNr>162021003898</senderOrgNr><recipientId>19850101238</recipientId></isReachable>"), "11 digits"),
        (format!("<isReachable xmlns=\"{r3}\"><senderOrgNr>162021003898</senderOrgNr><other/></isReachable>"), "an unknown element"),
        (format!("<isReachable xmlns=\"{m3}\"><senderOrgNr>162021003898</senderOrgNr></isReachable>"), "the wrong namespace"),
        (format!("<isReachable xmlns=\"{r3}\">text<senderOrgNr>162021003898</senderOrgNr></isReachable>"), "text"),
    ] {
        assert!(parse_is_reachable_request(&kommun(&body)).is_err(), "{what}");
    }
    for (body, what) in [
        (format!("<checkDistributionStatus xmlns=\"{m3}\"><senderId>162021003898</senderId></checkDistributionStatus>"), "no id"),
        (format!("<checkDistributionStatus xmlns=\"{m3}\"><senderId>162021003898</senderId><distributionId>{}</distributionId></checkDistributionStatus>", "x".repeat(51)), "a long id"),
        (format!("<checkDistributionStatus xmlns=\"{m3}\"><senderId>162021003898</senderId><distributionId></distributionId></checkDistributionStatus>"), "an empty id"),
    ] {
        assert!(parse_check_distribution_status_request(&kommun(&body)).is_err(), "{what}");
    }
    assert!(matches!(
        parse_distribute_secure_request(&kommun(&format!("<distributeSecure xmlns=\"{m3}\"/>"))),
        Err(SoapError::Missing("signedDelivery"))
    ));
    assert!(matches!(
        parse_distribute_secure_request(&kommun(&format!(
            "<checkDistributionStatus xmlns=\"{m3}\"/>"
        ))),
        Err(SoapError::UnexpectedElement { .. })
    ));
    assert!(parse_deliver_secure_request("<x/>").is_err());
}

// ------------------------------------------------- captured operator answers

/// A mailbox operator's answer to `deliverSecure` as another stack writes
/// it: one recipient delivered, one not.
const DELIVER_SECURE_RESPONSE: &[u8] =
    include_bytes!("../../tests/vectors/deliver-secure-response.xml");
/// A mailbox operator's server fault with a v3 `applicationFault`.
const DELIVER_SECURE_FAULT: &[u8] = include_bytes!("../../tests/vectors/deliver-secure-fault.xml");

fn text(vector: &'static [u8]) -> &'static str {
    std::str::from_utf8(vector).unwrap()
}

/// `xml` with the first `from` replaced by `to`; `from` must be there.
fn tamper(xml: &str, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "the vector lacks {from:?}");
    xml.replacen(from, to, 1)
}

/// The fault's `detail` content as a standalone document.
fn fault_detail_document(envelope: &[u8]) -> Vec<u8> {
    let doc = parse(std::str::from_utf8(envelope).unwrap()).unwrap();
    let body = doc.root.child(SOAP_ENV, "Body").unwrap();
    let fault = body.child(SOAP_ENV, "Fault").unwrap();
    let detail = fault.elements().find(|e| e.local == "detail").unwrap();
    let inherited: Vec<NamespaceDecl> = [&doc.root, body, fault, detail]
        .into_iter()
        .flat_map(|e| e.namespace_decls.iter().cloned())
        .collect();
    let info = detail.elements().next().unwrap();
    c14n::subtree(
        info,
        &inherited,
        &Algorithm::exclusive(),
        &Subset::default(),
    )
}

#[test]
fn captured_operator_answers_are_valid_against_the_contracts() {
    assert_schema_valid("vector-deliverSecureResponse", DELIVER_SECURE_RESPONSE);
    let (ok, output) = xmllint(
        "vector-deliverSecureFault",
        &fault_detail_document(DELIVER_SECURE_FAULT),
    );
    assert!(ok, "{output}");
    // The check can fail: a value outside the contract is refused.
    let tampered = tamper(text(DELIVER_SECURE_RESPONSE), ">false<", ">nej<");
    let (ok, _) = xmllint("vector-tampered", &body_document(tampered.as_bytes()));
    assert!(!ok);
}

#[test]
fn a_captured_operator_answer_reads_as_what_it_says() {
    assert_eq!(
        parse_deliver_secure_response(text(DELIVER_SECURE_RESPONSE)),
        Ok(DeliveryResult {
            transaction_id: "kivra-7f3e9a2c-1b4d-4e8f-a6c5-d2e1f0b9c8a7".into(),
            statuses: vec![
                (recipient("198501012382"), true),
                (recipient("197001012389"), false),
            ],
        })
    );
    match parse_deliver_secure_response(text(DELIVER_SECURE_FAULT)) {
        Err(SoapError::Fault(fault)) => {
            assert!(!fault.is_client_fault());
            assert_eq!(
                fault.detail,
                Some(ExceptionInformation {
                    error_code: 6004,
                    description: "Brevlådan kan inte ta emot just nu".into(),
                    call_id: "6a1f6f0e-3b7d-4c55-8d0e-7e0b1f9a2c44".into(),
                })
            );
        }
        other => panic!("expected a fault, got {other:?}"),
    }
}

#[test]
fn tampered_operator_answers_name_the_element() {
    let xml = text(DELIVER_SECURE_RESPONSE);
    let without = |start: &str, end: &str| {
        let from = xml.find(start).unwrap();
        let to = xml[from..].find(end).unwrap() + from + end.len();
        format!("{}{}", &xml[..from], &xml[to..])
    };
    let cases = [
        (
            tamper(xml, ">true<", ">yes<"),
            SoapError::Invalid {
                element: "Delivered",
                value: "yes".into(),
            },
        ),
        (
            // A wrong check digit.
            tamper(xml, ">198501012382<", ">198501012383<"),
            SoapError::Invalid {
                element: "RecipientId",
                value: "198501012383".into(),
            },
        ),
        (
            without("<ns2:TransId>", "</ns2:TransId>"),
            SoapError::UnexpectedElement {
                expected: "TransId",
                found: "Status".into(),
            },
        ),
        (
            without("<ns2:Status>", "</ns4:return>").replacen(
                "</ns4:deliverSecureResponse>",
                "</ns4:return></ns4:deliverSecureResponse>",
                1,
            ),
            SoapError::Missing("Status"),
        ),
        (
            without("<ns2:Delivered>", "</ns2:Delivered>"),
            SoapError::Missing("Delivered"),
        ),
        (
            tamper(xml, "</ns4:return>", "</ns4:return><ns4:return/>"),
            SoapError::UnexpectedElement {
                expected: "no further element",
                found: "return".into(),
            },
        ),
    ];
    for (tampered, expected) in cases {
        assert_eq!(
            parse_deliver_secure_response(&tampered),
            Err(expected),
            "{tampered}"
        );
    }
}

#[test]
fn truncated_operator_answers_are_incomplete_xml() {
    let mut cuts = 0;
    for vector in [DELIVER_SECURE_RESPONSE, DELIVER_SECURE_FAULT] {
        let xml = text(vector);
        for (at, _) in xml[..xml.len() - 1].match_indices('>') {
            assert_eq!(
                parse_deliver_secure_response(&xml[..=at]),
                Err(SoapError::Xml(
                    kuvert_protocol::xml::XmlError::UnexpectedEnd
                ))
            );
            assert!(matches!(
                parse_deliver_secure_response(&xml[..at]),
                Err(SoapError::Xml(
                    kuvert_protocol::xml::XmlError::Syntax { .. }
                ))
            ));
            cuts += 1;
        }
    }
    assert!(cuts > 20, "{cuts}");
}
