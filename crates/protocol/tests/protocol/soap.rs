//! SOAP responses as the services send them, from the captured vectors in
//! `tests/vectors/`: each reads as exactly what it says and validates against
//! the official contracts; each tampered or truncated variant fails with
//! exactly the error it should. Prefixes vary between server stacks,
//! elements may be empty, faults carry ExceptionInformation (v3 or v1).

use kuvert_protocol::identity::RecipientId;
use kuvert_protocol::soap::*;
use kuvert_protocol::xml::c14n::{self, Algorithm, Subset};
use kuvert_protocol::xml::names::SOAP_ENV;
use kuvert_protocol::xml::{parse, XmlError};

use crate::support::{answers_schema, fixture, write, xmllint};

/// FaR's answer for three recipients (JAX-WS prefixes): one reachable, one
/// without a mailbox, one with a registration still pending.
const IS_REACHABLE: &[u8] = include_bytes!("../vectors/is-reachable-response.xml");
/// The same operation written with default namespaces, white space and
/// `0`/`1` booleans.
const IS_REACHABLE_DEFAULT_NS: &[u8] =
    include_bytes!("../vectors/is-reachable-response-default-namespaces.xml");
const DISTRIBUTE_SECURE: &[u8] = include_bytes!("../vectors/distribute-secure-response.xml");
/// Every delivery status, and a paper distribution without one.
const CHECK_STATUS: &[u8] = include_bytes!("../vectors/check-distribution-status-response.xml");
/// A client fault with a v3 `applicationFault`.
const FAULT_V3: &[u8] = include_bytes!("../vectors/fault-application-v3.xml");
/// A server fault with the v1 `distributeSecureFault` of Message-v1.wsdl.
const FAULT_V1: &[u8] = include_bytes!("../vectors/fault-distribute-secure-v1.xml");

fn text(vector: &'static [u8]) -> &'static str {
    std::str::from_utf8(vector).unwrap()
}

/// `xml` with the first `from` replaced by `to`; `from` must be there, so a
/// tampering that no longer matches the vector fails loudly.
fn tamper(xml: &str, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "the vector lacks {from:?}");
    xml.replacen(from, to, 1)
}

/// `xml` without the text from the first `start` to the end of the first
/// `end` after it.
fn cut(xml: &str, start: &str, end: &str) -> String {
    let from = xml.find(start).unwrap();
    let to = xml[from..].find(end).unwrap() + from + end.len();
    format!("{}{}", &xml[..from], &xml[to..])
}

fn recipient(wire: &str) -> RecipientId {
    RecipientId::from_wire(wire).unwrap()
}

// ------------------------------------------------------------ the contracts

/// What the schema governs: the body's element, or for a fault the detail's.
fn payload(envelope: &str) -> Vec<u8> {
    let doc = parse(envelope).unwrap();
    let body = doc.root.child(SOAP_ENV, "Body").unwrap();
    let mut element = body.elements().next().unwrap();
    let mut scope: Vec<_> = [&doc.root, body]
        .iter()
        .flat_map(|e| e.namespace_decls.iter().cloned())
        .collect();
    if element.is(SOAP_ENV, "Fault") {
        scope.extend(element.namespace_decls.iter().cloned());
        let detail = element.elements().find(|e| e.local == "detail").unwrap();
        scope.extend(detail.namespace_decls.iter().cloned());
        element = detail.elements().next().unwrap();
    }
    c14n::subtree(element, &scope, &Algorithm::exclusive(), &Subset::default())
}

#[test]
fn every_vector_is_valid_against_the_contracts() {
    let vectors = [
        ("is-reachable-response", IS_REACHABLE),
        (
            "is-reachable-response-default-namespaces",
            IS_REACHABLE_DEFAULT_NS,
        ),
        ("distribute-secure-response", DISTRIBUTE_SECURE),
        ("check-distribution-status-response", CHECK_STATUS),
        ("fault-application-v3", FAULT_V3),
        ("fault-distribute-secure-v1", FAULT_V1),
    ];
    for (name, vector) in vectors {
        let file = write(
            fixture().dir.path(),
            &format!("vector-{name}.xml"),
            &payload(text(vector)),
        );
        let lint = xmllint(answers_schema(), &file);
        assert!(lint.ok, "{name}: {}", lint.output);
    }
    // The check can fail: a value outside the contract is refused.
    let tampered = tamper(text(CHECK_STATUS), ">Paper<", ">Email<");
    let file = write(
        fixture().dir.path(),
        "vector-tampered.xml",
        &payload(&tampered),
    );
    assert!(!xmllint(answers_schema(), &file).ok);
}

// ------------------------------------------------------------- isReachable

#[test]
fn is_reachable_reads_every_recipient() {
    let kivra = ServiceSupplier {
        id: "165568402266".into(),
        name: "Kivra".into(),
        service_address: "https://kivra.example/service".into(),
        ui_address: Some("https://kivra.example".into()),
    };
    let mmp = ServiceSupplier {
        id: "165592540321".into(),
        name: "Min myndighetspost".into(),
        service_address: "https://mmp.example/service".into(),
        ui_address: None,
    };
    let statuses = parse_is_reachable_response(text(IS_REACHABLE)).unwrap();
    assert_eq!(
        statuses,
        [
            ReachabilityStatus {
                recipient: recipient("198501012382"),
                account: AccountType::Secure,
                pending: false,
                supplier: Some(kivra),
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
                supplier: Some(mmp),
                sender_accepted: true,
            },
        ]
    );
    let explained: Vec<_> = statuses.iter().map(|s| s.reachability()).collect();
    assert_eq!(
        explained,
        [
            Reachability::Digital {
                operator: "Kivra".into()
            },
            Reachability::NotRegistered,
            Reachability::RegistrationPending,
        ]
    );
}

#[test]
fn is_reachable_with_default_namespaces_and_numeric_booleans() {
    let parsed = parse_is_reachable_response(text(IS_REACHABLE_DEFAULT_NS)).unwrap();
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[0].recipient.as_str(), "192705178354");
    assert_eq!(
        parsed[0].reachability(),
        Reachability::Digital {
            operator: "Min myndighetspost".into()
        }
    );
    assert_eq!(parsed[1].reachability(), Reachability::NotRegistered);
    assert!(parsed[1].recipient.is_organisation());
}

#[test]
fn reachability_is_explained_for_every_combination() {
    // The first recipient of the vector, with Type, Pending, SenderAccepted
    // and the service supplier varied.
    let first = {
        let all = text(IS_REACHABLE);
        let second = all.find("<ns15:return>").unwrap() + 1;
        let second = all[second..].find("<ns15:return>").unwrap() + second;
        let end = all.find("</ns15:isReachableResponse>").unwrap();
        format!("{}{}", &all[..second], &all[end..])
    };
    let vary = |kind: &str, pending: &str, supplier: bool, accepted: &str| {
        let mut xml = tamper(&first, ">Secure<", &format!(">{kind}<"));
        xml = tamper(
            &xml,
            "<ns1:Pending>false<",
            &format!("<ns1:Pending>{pending}<"),
        );
        xml = tamper(
            &xml,
            "<ns1:SenderAccepted>true<",
            &format!("<ns1:SenderAccepted>{accepted}<"),
        );
        if !supplier {
            xml = cut(&xml, "<ns1:ServiceSupplier>", "</ns1:ServiceSupplier>");
        }
        xml
    };
    let cases = [
        (
            vary("Secure", "false", true, "true"),
            Reachability::Digital {
                operator: "Kivra".into(),
            },
        ),
        (
            vary("Not", "false", false, "false"),
            Reachability::NotRegistered,
        ),
        (
            vary("Secure", "true", true, "true"),
            Reachability::RegistrationPending,
        ),
        (
            vary("Secure", "false", true, "false"),
            Reachability::SenderNotAccepted,
        ),
        (
            vary("Anonymous", "false", false, "true"),
            Reachability::NotRegistered,
        ),
        (
            vary("Secure", "false", false, "true"),
            Reachability::NotRegistered,
        ),
    ];
    for (xml, expected) in cases {
        let parsed = parse_is_reachable_response(&xml).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].reachability(), expected, "{xml}");
    }
}

#[test]
fn is_reachable_without_recipients_is_an_empty_list() {
    let none = cut(
        text(IS_REACHABLE),
        "<ns15:return>",
        "</ns15:isReachableResponse>",
    );
    let none = none.replacen("</S:Body>", "</ns15:isReachableResponse></S:Body>", 1);
    assert_eq!(parse_is_reachable_response(&none), Ok(vec![]));
}

#[test]
fn tampered_is_reachable_answers_name_the_element() {
    let xml = text(IS_REACHABLE);
    let cases = [
        (
            tamper(xml, ">Secure<", ">Maybe<"),
            SoapError::Invalid {
                element: "Type",
                value: "Maybe".into(),
            },
        ),
        (
            tamper(xml, "<ns1:Pending>false<", "<ns1:Pending><"),
            SoapError::Invalid {
                element: "Pending",
                value: "".into(),
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
            cut(xml, "<ns1:AccountStatus>", "</ns1:AccountStatus>"),
            SoapError::Missing("AccountStatus"),
        ),
        (
            cut(xml, "<ns1:Name>", "</ns1:Name>"),
            SoapError::Missing("Name"),
        ),
        (
            cut(xml, "<ns1:SenderAccepted>", "</ns1:SenderAccepted>"),
            SoapError::Missing("SenderAccepted"),
        ),
        (
            tamper(xml, "soap/envelope/", "soap/envelope/v2/"),
            SoapError::NotSoap,
        ),
        (
            cut(
                xml,
                "<ns15:isReachableResponse",
                "</ns15:isReachableResponse>",
            ),
            SoapError::Missing("a body element"),
        ),
    ];
    for (tampered, expected) in cases {
        assert_eq!(
            parse_is_reachable_response(&tampered),
            Err(expected),
            "{tampered}"
        );
    }
}

// ------------------------------------------- distributeSecure and its status

#[test]
fn distribute_secure_gives_the_distribution_id() {
    let xml = text(DISTRIBUTE_SECURE);
    assert_eq!(
        parse_distribute_secure_response(xml).as_deref(),
        Ok("4f6c0d2e-8f3b-4c1a-9a53-0b7e5d1c2a10")
    );
    let padded = tamper(xml, ">4f6c", "> 4f6c");
    assert_eq!(
        parse_distribute_secure_response(&padded).as_deref(),
        Ok("4f6c0d2e-8f3b-4c1a-9a53-0b7e5d1c2a10")
    );
    let empty = tamper(xml, ">4f6c0d2e-8f3b-4c1a-9a53-0b7e5d1c2a10<", "><");
    assert_eq!(
        parse_distribute_secure_response(&empty),
        Err(SoapError::Invalid {
            element: "return",
            value: "".into()
        })
    );
    let long = tamper(xml, ">4f6c", &format!(">{}", "x".repeat(20)));
    assert!(matches!(
        parse_distribute_secure_response(&long),
        Err(SoapError::Invalid {
            element: "return",
            ..
        })
    ));
    assert_eq!(
        parse_distribute_secure_response(&cut(xml, "<ns3:return>", "</ns3:return>")),
        Err(SoapError::Missing("return"))
    );
    // Issue 12: "a distribution id from the intermediary that is not a plain
    // id (control characters, paths, markup) is refused as a malformed answer".
    for hostile in [
        "abc\u{7}def",
        "abc\u{1b}[2Jdef",
        "../../etc/passwd",
        "C:\\Windows\\x",
        "a/b",
        ".hidden",
        "a..b",
        "id with spaces",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;b&gt;x",
        "4f6c0d2e\u{202E}8f3b",
        "åäö",
    ] {
        let answer = tamper(xml, "4f6c0d2e-8f3b-4c1a-9a53-0b7e5d1c2a10", hostile);
        assert!(
            // Characters XML itself forbids fail as XML; the rest as the id.
            matches!(
                parse_distribute_secure_response(&answer),
                Err(SoapError::Invalid {
                    element: "return",
                    ..
                } | SoapError::Xml(_))
            ),
            "{hostile:?} was taken as an id"
        );
    }
    for plain in ["dist-1", "A_b.C-9", "4F6C0D2E8F3B4C1A9A530B7E5D1C2A10"] {
        let answer = tamper(xml, "4f6c0d2e-8f3b-4c1a-9a53-0b7e5d1c2a10", plain);
        assert_eq!(
            parse_distribute_secure_response(&answer).as_deref(),
            Ok(plain)
        );
    }
}

#[test]
fn an_answer_to_another_operation_is_refused() {
    assert_eq!(
        parse_is_reachable_response(text(DISTRIBUTE_SECURE)),
        Err(SoapError::UnexpectedElement {
            expected: "isReachableResponse",
            found: "distributeSecureResponse".into()
        })
    );
    assert_eq!(
        parse_distribute_secure_response(text(CHECK_STATUS)),
        Err(SoapError::UnexpectedElement {
            expected: "distributeSecureResponse",
            found: "checkDistributionStatusResponse".into()
        })
    );
}

#[test]
fn what_is_not_soap_is_refused() {
    assert_eq!(
        parse_distribute_secure_response("<html><body>502 Bad Gateway</body></html>"),
        Err(SoapError::NotSoap)
    );
    assert!(matches!(
        parse_distribute_secure_response("Internal error"),
        Err(SoapError::Xml(_))
    ));
}

#[test]
fn check_distribution_status_reads_every_status() {
    assert_eq!(
        parse_check_distribution_status_response(text(CHECK_STATUS)),
        Ok(vec![
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
                recipient: recipient("201701012393"),
                distribution: DistributionType::Digital,
                delivery: Some(DeliveryStatus::Pending),
            },
            DistributionStatus {
                recipient: recipient("192705178354"),
                distribution: DistributionType::Paper,
                delivery: None,
            },
        ])
    );
}

#[test]
fn tampered_status_answers_name_the_element() {
    let xml = text(CHECK_STATUS);
    let cases = [
        (
            tamper(xml, ">Paper<", ">Email<"),
            SoapError::Invalid {
                element: "Type",
                value: "Email".into(),
            },
        ),
        (
            tamper(xml, ">Delivered<", ">Lost<"),
            SoapError::Invalid {
                element: "DeliveryStatus",
                value: "Lost".into(),
            },
        ),
        (
            cut(xml, "<ns2:RecipientId>", "</ns2:RecipientId>"),
            SoapError::Missing("RecipientId"),
        ),
        (
            cut(xml, "<ns2:Type>", "</ns2:Type>"),
            SoapError::Missing("Type"),
        ),
    ];
    for (tampered, expected) in cases {
        assert_eq!(
            parse_check_distribution_status_response(&tampered),
            Err(expected),
            "{tampered}"
        );
    }
}

// ------------------------------------------------------------------ faults

fn fault_of(result: Result<impl std::fmt::Debug, SoapError>) -> SoapFault {
    match result {
        Err(SoapError::Fault(fault)) => fault,
        other => panic!("expected a fault, got {other:?}"),
    }
}

/// Issue 12: "identity numbers inside text from the intermediary are
/// masked before logging" — the fault as parsed never holds them.
#[test]
fn identity_numbers_in_a_fault_are_masked_as_it_is_read() {
    let words = "Mottagaren 19850101-2382 (198501012382) har ingen brevlåda";
    let named = text(FAULT_V3).replace("Avsändaren saknar behörighet", words);
    let fault = fault_of(parse_distribute_secure_response(&named));
    let expected = "Mottagaren 19850101-**** (19850101****) har ingen brevlåda";
    assert_eq!(fault.message, expected);
    assert_eq!(fault.detail.as_ref().unwrap().description, expected);
    assert!(!fault.to_string().contains("2382"), "{fault}");
}

#[test]
fn a_v3_fault_carries_description_and_call_id() {
    let fault = fault_of(parse_distribute_secure_response(text(FAULT_V3)));
    assert_eq!(
        fault,
        SoapFault {
            code: "S:Client".into(),
            message: "Avsändaren saknar behörighet".into(),
            detail: Some(ExceptionInformation {
                error_code: 5002,
                description: "Avsändaren saknar behörighet".into(),
                call_id: "b7c1e0f2-3c4d-4e5f-8a9b-0c1d2e3f4a5b".into(),
            }),
        }
    );
    assert!(fault.is_client_fault());
    assert!(fault.to_string().contains("call id b7c1e0f2"));
}

#[test]
fn a_v1_fault_from_another_stack_is_read_the_same_way() {
    let fault = fault_of(parse_check_distribution_status_response(text(FAULT_V1)));
    assert_eq!(
        fault,
        SoapFault {
            code: "soapenv:Server".into(),
            message: "Internt fel".into(),
            detail: Some(ExceptionInformation {
                error_code: 4999,
                description: "Tekniskt fel".into(),
                call_id: "0123456789abcdefghij".into(),
            }),
        }
    );
    assert!(!fault.is_client_fault());
    // Some stacks qualify faultcode, faultstring and detail.
    let qualified = ["faultcode", "faultstring", "detail"].iter().fold(
        text(FAULT_V1).to_string(),
        |xml, name| {
            let xml = tamper(&xml, &format!("<{name}>"), &format!("<soapenv:{name}>"));
            tamper(&xml, &format!("</{name}>"), &format!("</soapenv:{name}>"))
        },
    );
    assert_eq!(
        fault_of(parse_check_distribution_status_response(&qualified)),
        fault
    );
}

#[test]
fn a_fault_without_usable_detail_still_gives_the_fault_string() {
    let xml = text(FAULT_V3);
    let bare = cut(xml, "<detail>", "</detail>");
    let fault = fault_of(parse_is_reachable_response(&bare));
    assert_eq!(fault.detail, None);
    assert_eq!(
        fault.to_string(),
        "the service refused the request: Avsändaren saknar behörighet"
    );
    let garbled = tamper(xml, ">5002<", ">femtio<");
    assert_eq!(fault_of(parse_is_reachable_response(&garbled)).detail, None);
}

// ------------------------------------------------------- truncation and XML

/// One of the response parsers, its value dropped.
type Parser = fn(&str) -> Result<(), SoapError>;

/// Every vector cut short after any complete tag is unfinished XML; cut
/// inside a tag it is malformed.
#[test]
fn truncated_vectors_are_refused_as_incomplete_xml() {
    let parsers: [Parser; 3] = [
        |xml| parse_is_reachable_response(xml).map(drop),
        |xml| parse_distribute_secure_response(xml).map(drop),
        |xml| parse_check_distribution_status_response(xml).map(drop),
    ];
    let vectors = [
        IS_REACHABLE,
        IS_REACHABLE_DEFAULT_NS,
        DISTRIBUTE_SECURE,
        CHECK_STATUS,
        FAULT_V3,
        FAULT_V1,
    ];
    let mut cuts = 0;
    for vector in vectors {
        let xml = text(vector);
        let end = xml.trim_end().len();
        for (at, _) in xml[..end - 1].match_indices('>') {
            let (after_tag, in_tag) = (&xml[..=at], &xml[..at]);
            for parse in parsers {
                assert_eq!(
                    parse(after_tag),
                    Err(SoapError::Xml(XmlError::UnexpectedEnd)),
                    "{after_tag}"
                );
                assert!(
                    matches!(parse(in_tag), Err(SoapError::Xml(XmlError::Syntax { .. }))),
                    "{in_tag}"
                );
            }
            cuts += 1;
        }
    }
    assert!(cuts > 100, "{cuts}");
}

#[test]
fn entity_expansion_is_refused() {
    let xml = text(IS_REACHABLE);
    let declaration_end = xml.find("?>").unwrap() + 2;
    let bomb = format!(
        "{}<!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>{}",
        &xml[..declaration_end],
        &xml[declaration_end..]
    );
    assert_eq!(
        parse_is_reachable_response(&bomb),
        Err(SoapError::Xml(XmlError::DtdNotAllowed))
    );
    assert_eq!(
        parse_is_reachable_response(&tamper(xml, ">Kivra<", ">&xxe;<")),
        Err(SoapError::Xml(XmlError::UndefinedEntity("xxe".into())))
    );
}
