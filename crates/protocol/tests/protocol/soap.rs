//! SOAP responses as different server stacks write them: prefixes vary,
//! elements may be empty; faults carry ExceptionInformation.

use kuvert_protocol::soap::*;
use kuvert_protocol::xml::XmlError;

const ENV_OPEN: &str =
    r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>"#;
const ENV_CLOSE: &str = "</S:Body></S:Envelope>";

fn envelope(body: &str) -> String {
    format!("{ENV_OPEN}{body}{ENV_CLOSE}")
}

fn reachable(id: &str, kind: &str, pending: &str, supplier: bool, accepted: &str) -> String {
    let supplier = if supplier {
        "<ns1:ServiceSupplier><ns1:Id>165568402266</ns1:Id><ns1:Name>Kivra</ns1:Name>\
         <ns1:ServiceAdress>https://kivra.example/service</ns1:ServiceAdress>\
         <ns1:UIAdress>https://kivra.example</ns1:UIAdress>\
         <ns1:InternalServiceAdress>https://kivra.example/int</ns1:InternalServiceAdress></ns1:ServiceSupplier>"
    } else {
        ""
    };
    format!(
        "<ns15:return><ns1:AccountStatus><ns1:RecipientId>{id}</ns1:RecipientId><ns1:Type>{kind}</ns1:Type>\
         <ns1:Pending>{pending}</ns1:Pending>{supplier}</ns1:AccountStatus>\
         <ns1:SenderAccepted>{accepted}</ns1:SenderAccepted></ns15:return>"
    )
}

fn reachable_response(items: &[String]) -> String {
    envelope(&format!(
        "<ns15:isReachableResponse xmlns:ns1=\"http://minameddelanden.gov.se/schema/Recipient\" \
         xmlns:ns15=\"http://minameddelanden.gov.se/schema/Recipient/v3\">{}</ns15:isReachableResponse>",
        items.concat()
    ))
}

#[test]
fn reachability_is_explained_for_every_combination() {
    let cases = [
        (
            reachable("198501012382", "Secure", "false", true, "true"),
            Reachability::Digital {
                operator: "Kivra".into(),
            },
        ),
        (
            reachable("198501012382", "Not", "false", false, "false"),
            Reachability::NotRegistered,
        ),
        (
            reachable("198501012382", "Secure", "true", true, "true"),
            Reachability::RegistrationPending,
        ),
        (
            reachable("198501012382", "Secure", "false", true, "false"),
            Reachability::SenderNotAccepted,
        ),
        (
            reachable("198501012382", "Anonymous", "false", false, "true"),
            Reachability::NotRegistered,
        ),
        (
            reachable("198501012382", "Secure", "false", false, "true"),
            Reachability::NotRegistered,
        ),
    ];
    for (item, expected) in cases {
        let parsed = parse_is_reachable_response(&reachable_response(&[item])).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].reachability(), expected);
    }
}

#[test]
fn several_recipients_and_default_namespace_prefixes() {
    // Same content, written with default namespaces instead of prefixes.
    let xml = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header/><soap:Body>
      <isReachableResponse xmlns="http://minameddelanden.gov.se/schema/Recipient/v3">
        <return><AccountStatus xmlns="http://minameddelanden.gov.se/schema/Recipient">
          <RecipientId>192705178354</RecipientId><Type>Secure</Type><Pending>0</Pending>
          <ServiceSupplier><Id>165568402266</Id><Name>Min myndighetspost</Name><ServiceAdress>https://mmp.example</ServiceAdress><InternalServiceAdress>https://mmp.example/i</InternalServiceAdress></ServiceSupplier>
        </AccountStatus><SenderAccepted xmlns="http://minameddelanden.gov.se/schema/Recipient">1</SenderAccepted></return>
        <return><AccountStatus xmlns="http://minameddelanden.gov.se/schema/Recipient">
          <RecipientId>162021003898</RecipientId><Type>Not</Type><Pending>false</Pending>
        </AccountStatus><SenderAccepted xmlns="http://minameddelanden.gov.se/schema/Recipient">false</SenderAccepted></return>
      </isReachableResponse></soap:Body></soap:Envelope>"#;
    let parsed = parse_is_reachable_response(xml).unwrap();
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
fn empty_response_is_an_empty_list() {
    assert_eq!(
        parse_is_reachable_response(&reachable_response(&[])).unwrap(),
        vec![]
    );
}

#[test]
fn invalid_values_are_named() {
    let bad_type =
        reachable_response(&[reachable("198501012382", "Maybe", "false", false, "true")]);
    assert_eq!(
        parse_is_reachable_response(&bad_type),
        Err(SoapError::Invalid {
            element: "Type",
            value: "Maybe".into()
        })
    );
    let bad_bool = reachable_response(&[reachable("198501012382", "Secure", "", false, "true")]);
    assert_eq!(
        parse_is_reachable_response(&bad_bool),
        Err(SoapError::Invalid {
            element: "Pending",
            value: "".into()
        })
    );
    let bad_id = reachable_response(&[reachable("198501012383", "Secure", "false", false, "true")]);
    assert!(matches!(
        parse_is_reachable_response(&bad_id),
        Err(SoapError::Invalid {
            element: "RecipientId",
            ..
        })
    ));
    let missing = envelope(
        "<x:isReachableResponse xmlns:x=\"http://minameddelanden.gov.se/schema/Recipient/v3\"><x:return/></x:isReachableResponse>",
    );
    assert_eq!(
        parse_is_reachable_response(&missing),
        Err(SoapError::Missing("AccountStatus"))
    );
}

#[test]
fn wrong_operation_and_non_soap_are_refused() {
    let other = envelope("<m:distributeSecureResponse xmlns:m=\"http://minameddelanden.gov.se/schema/Message/v3\"><m:return>x</m:return></m:distributeSecureResponse>");
    assert_eq!(
        parse_is_reachable_response(&other),
        Err(SoapError::UnexpectedElement {
            expected: "isReachableResponse",
            found: "distributeSecureResponse".into()
        })
    );
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
fn distribution_id_and_statuses() {
    let ok = envelope("<ns3:distributeSecureResponse xmlns:ns3=\"http://minameddelanden.gov.se/schema/Message/v3\"><ns3:return> dist-123 </ns3:return></ns3:distributeSecureResponse>");
    assert_eq!(parse_distribute_secure_response(&ok).unwrap(), "dist-123");
    let empty = envelope("<ns3:distributeSecureResponse xmlns:ns3=\"http://minameddelanden.gov.se/schema/Message/v3\"><ns3:return/></ns3:distributeSecureResponse>");
    assert!(matches!(
        parse_distribute_secure_response(&empty),
        Err(SoapError::Invalid {
            element: "return",
            ..
        })
    ));

    let status = envelope(
        "<a:checkDistributionStatusResponse xmlns:a=\"http://minameddelanden.gov.se/schema/Message/v3\" xmlns:b=\"http://minameddelanden.gov.se/schema/Message\">\
         <a:return><b:RecipientId>198501012382</b:RecipientId><b:Type>Digital</b:Type><b:DeliveryStatus>Delivered</b:DeliveryStatus></a:return>\
         <a:return><b:RecipientId>192705178354</b:RecipientId><b:Type>Paper</b:Type></a:return>\
         </a:checkDistributionStatusResponse>",
    );
    let parsed = parse_check_distribution_status_response(&status).unwrap();
    assert_eq!(parsed[0].distribution, DistributionType::Digital);
    assert_eq!(parsed[0].delivery, Some(DeliveryStatus::Delivered));
    assert_eq!(parsed[1].distribution, DistributionType::Paper);
    assert_eq!(parsed[1].delivery, None);
}

#[test]
fn faults_carry_description_and_call_id() {
    let v3 = ExceptionInformation {
        error_code: 5002,
        description: "Avsändaren saknar behörighet".into(),
        call_id: "b7c1e0f2-3c4d-4e5f-8a9b-0c1d2e3f4a5b".into(),
    };
    let written = String::from_utf8(fault_response(true, &v3)).unwrap();
    let fault = match parse_distribute_secure_response(&written) {
        Err(SoapError::Fault(f)) => f,
        other => panic!("expected a fault, got {other:?}"),
    };
    assert!(fault.is_client_fault());
    assert_eq!(fault.detail.as_ref(), Some(&v3));
    assert!(fault.to_string().contains("call id b7c1e0f2"));

    // A v1 detail from another stack, qualified fault children.
    let v1 = envelope(
        "<S:Fault><faultcode>S:Server</faultcode><faultstring>Internt fel</faultstring><detail>\
         <ns2:distributeSecureFault xmlns:ns2=\"http://minameddelanden.gov.se/Message\" xmlns:c=\"http://minameddelanden.gov.se/schema/Common\">\
         <c:ErrorCode>4999</c:ErrorCode><c:Description>Tekniskt fel</c:Description><c:CallId>0123456789abcdefghij</c:CallId>\
         </ns2:distributeSecureFault></detail></S:Fault>",
    );
    match parse_check_distribution_status_response(&v1) {
        Err(SoapError::Fault(f)) => {
            assert!(!f.is_client_fault());
            assert_eq!(f.detail.unwrap().error_code, 4999);
        }
        other => panic!("expected a fault, got {other:?}"),
    }
    // A fault without detail still gives the fault string.
    let bare = envelope("<S:Fault><faultcode>S:Server</faultcode><faultstring>Database down</faultstring></S:Fault>");
    match parse_is_reachable_response(&bare) {
        Err(SoapError::Fault(f)) => {
            assert_eq!(f.detail, None);
            assert!(f.to_string().contains("Database down"));
        }
        other => panic!("expected a fault, got {other:?}"),
    }
}

#[test]
fn entity_expansion_is_refused() {
    let bomb = format!(
        "<!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>{}",
        envelope("<x>&b;</x>")
    );
    assert_eq!(
        parse_is_reachable_response(&bomb),
        Err(SoapError::Xml(XmlError::DtdNotAllowed))
    );
    assert_eq!(
        parse_is_reachable_response(&envelope("<x>&xxe;</x>")),
        Err(SoapError::Xml(XmlError::UndefinedEntity("xxe".into())))
    );
}
