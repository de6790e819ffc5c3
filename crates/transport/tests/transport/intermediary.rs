//! The intermediary client end to end: SOAP requests built by kuvert-protocol go over
//! mutual TLS to a real server, whose answers (with the prefixes other server stacks
//! use) come back as typed values or typed, classified errors.

use std::sync::{Arc, Mutex};

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use kuvert_protocol::soap::{
    fault_response, AccountType, DeliveryStatus, DistributionType, ExceptionInformation,
    Reachability, SoapError,
};
use kuvert_transport::{CallError, Endpoints, Intermediary, Request, Response, RunningServer};

use crate::support::{client, start};

const REACHABLE: &str = r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>
<ns15:isReachableResponse xmlns:ns15="http://minameddelanden.gov.se/schema/Recipient/v3" xmlns:ns1="http://minameddelanden.gov.se/schema/Recipient">
<ns15:return><ns1:AccountStatus><ns1:RecipientId>198501012382</ns1:RecipientId><ns1:Type>Secure</ns1:Type>
<ns1:ServiceSupplier><ns1:Id>165560000001</ns1:Id><ns1:Name>Kivra (testmiljö)</ns1:Name><ns1:ServiceAdress>https://operator.example/deliver</ns1:ServiceAdress></ns1:ServiceSupplier>
<ns1:Pending>false</ns1:Pending></ns1:AccountStatus><ns1:SenderAccepted>true</ns1:SenderAccepted></ns15:return>
<ns15:return><ns1:AccountStatus><ns1:RecipientId>192705178354</ns1:RecipientId><ns1:Type>Not</ns1:Type><ns1:Pending>false</ns1:Pending></ns1:AccountStatus><ns1:SenderAccepted>false</ns1:SenderAccepted></ns15:return>
</ns15:isReachableResponse></S:Body></S:Envelope>"#;

const DISTRIBUTED: &str = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:distributeSecureResponse xmlns:m="http://minameddelanden.gov.se/schema/Message/v3"><m:return>dist-0001</m:return></m:distributeSecureResponse></soap:Body></soap:Envelope>"#;

const STATUS: &str = r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns3:checkDistributionStatusResponse xmlns:ns3="http://minameddelanden.gov.se/schema/Message/v3" xmlns:ns2="http://minameddelanden.gov.se/schema/Message"><ns3:return><ns2:RecipientId>198501012382</ns2:RecipientId><ns2:Type>Digital</ns2:Type><ns2:DeliveryStatus>Delivered</ns2:DeliveryStatus></ns3:return></ns3:checkDistributionStatusResponse></S:Body></S:Envelope>"#;

fn sender() -> OrganizationNumber {
    OrganizationNumber::parse("202100-3898").unwrap()
}

fn person(number: &str) -> RecipientId {
    RecipientId::parse(number, CalendarDate::new(2026, 11, 23).unwrap()).unwrap()
}

/// A server answering each service path with `answer(path, body)`, recording the
/// request bodies it saw.
fn serve(
    answer: impl Fn(&str, &str) -> Response + Send + Sync + 'static,
) -> (RunningServer, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let server = start(move |request: Request| {
        let body = String::from_utf8_lossy(&request.body).into_owned();
        log.lock().unwrap().push(body.clone());
        answer(&request.path, &body)
    });
    (server, seen)
}

fn intermediary(server: &RunningServer) -> Intermediary {
    Intermediary::new(
        client(),
        Endpoints {
            recipient: server.url("/Recipient/v3"),
            message: server.url("/Message/v3"),
        },
    )
}

fn fault(client_fault: bool) -> Response {
    Response::xml(
        500,
        fault_response(
            client_fault,
            &ExceptionInformation {
                error_code: 1004,
                description: "Avsändaren är inte registrerad".into(),
                call_id: "call-42".into(),
            },
        ),
    )
}

#[test]
fn is_reachable_sends_every_recipient_and_reads_prefixed_answers() {
    let (server, seen) = serve(|path, _| match path {
        "/Recipient/v3" => Response::xml(200, REACHABLE),
        _ => Response::xml(404, "<nope/>"),
    });
    let statuses = intermediary(&server)
        .is_reachable(&sender(), &[person("198501012382"), person("192705178354")])
        .unwrap();
    let request = seen.lock().unwrap()[0].clone();
    server.shutdown();

    assert!(request.contains(">162021003898<"), "{request}");
    assert!(request.contains(">198501012382<") && request.contains(">192705178354<"));
    assert_eq!(statuses.len(), 2);
    assert_eq!(
        statuses[0].reachability(),
        Reachability::Digital {
            operator: "Kivra (testmiljö)".into()
        }
    );
    assert_eq!(statuses[1].account, AccountType::Not);
    assert_eq!(statuses[1].reachability(), Reachability::NotRegistered);
}

#[test]
fn distribute_and_status_go_to_the_message_service() {
    let (server, seen) = serve(|path, body| match path {
        "/Message/v3" if body.contains("distributeSecure") => Response::xml(200, DISTRIBUTED),
        "/Message/v3" if body.contains("checkDistributionStatus") => Response::xml(200, STATUS),
        _ => Response::xml(404, "<nope/>"),
    });
    let intermediary = intermediary(&server);
    let signed = format!(
        "<SignedDelivery xmlns=\"{}\"><Delivery/></SignedDelivery>",
        kuvert_protocol::xml::names::MESSAGE_V3
    );
    let id = intermediary.distribute_secure(signed.as_bytes()).unwrap();
    let statuses = intermediary
        .check_distribution_status(&sender(), &id)
        .unwrap();
    let requests = seen.lock().unwrap().clone();
    server.shutdown();

    assert_eq!(id, "dist-0001");
    assert!(requests[0].contains("<signedDelivery><Delivery/></signedDelivery>"));
    assert!(requests[1].contains(">dist-0001<"));
    assert_eq!(statuses[0].distribution, DistributionType::Digital);
    assert_eq!(statuses[0].delivery, Some(DeliveryStatus::Delivered));
}

#[test]
fn a_client_fault_is_final_and_a_server_fault_may_be_retried() {
    let (server, _) = serve(|path, _| fault(path.ends_with("client")));
    let with_path = |path: &str| {
        Intermediary::new(
            client(),
            Endpoints {
                recipient: server.url(path),
                message: server.url(path),
            },
        )
    };
    let client_error = with_path("/client")
        .is_reachable(&sender(), &[person("198501012382")])
        .unwrap_err();
    let server_error = with_path("/server")
        .check_distribution_status(&sender(), "dist-0001")
        .unwrap_err();
    server.shutdown();

    match &client_error {
        CallError::Soap(SoapError::Fault(fault)) => {
            assert!(fault.is_client_fault());
            let info = fault.detail.as_ref().unwrap();
            assert_eq!(info.error_code, 1004);
            assert_eq!(info.call_id, "call-42");
        }
        other => panic!("expected a SOAP fault, got {other:?}"),
    }
    assert!(!client_error.is_retryable());
    assert!(matches!(server_error, CallError::Soap(SoapError::Fault(_))));
    assert!(server_error.is_retryable());
}

#[test]
fn a_garbled_answer_is_a_soap_error_and_may_be_retried() {
    let (server, _) = serve(|_, _| Response::xml(200, "<html>maintenance</html>"));
    let error = intermediary(&server)
        .distribute_secure(
            format!(
                "<SignedDelivery xmlns=\"{}\"><Delivery/></SignedDelivery>",
                kuvert_protocol::xml::names::MESSAGE_V3
            )
            .as_bytes(),
        )
        .unwrap_err();
    server.shutdown();
    assert!(
        matches!(error, CallError::Soap(SoapError::NotSoap)),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[test]
fn a_delivery_not_in_kuverts_signed_form_is_refused_before_sending() {
    let (server, seen) = serve(|_, _| Response::xml(200, DISTRIBUTED));
    let error = intermediary(&server)
        .distribute_secure(b"<SignedDelivery><Delivery/></SignedDelivery>")
        .unwrap_err();
    let requests = seen.lock().unwrap().len();
    server.shutdown();
    assert!(matches!(
        error,
        CallError::Soap(SoapError::NotCanonicalDelivery)
    ));
    assert!(!error.is_retryable());
    assert_eq!(requests, 0, "nothing may be sent");
}
