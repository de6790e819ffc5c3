//! The intermediary client end to end: SOAP requests built by kuvert-protocol go over
//! mutual TLS to a real server, whose answers (with the prefixes other server stacks
//! use) come back as typed values or typed, classified errors.

use std::sync::{Arc, Mutex};

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use kuvert_protocol::soap::{
    AccountType, DeliveryStatus, DistributionType, Reachability, SoapError,
};
use kuvert_service::{Request, Response, RunningServer};
use kuvert_transport::{CallError, Endpoints, Intermediary};

use crate::support::{client, start};

// Captured answers with the prefixes other server stacks use (tests/vectors/).
const REACHABLE: &[u8] = include_bytes!("../vectors/is-reachable-response.xml");
const DISTRIBUTED: &[u8] = include_bytes!("../vectors/distribute-secure-response.xml");
const STATUS: &[u8] = include_bytes!("../vectors/check-distribution-status-response.xml");
/// A client fault (`soap:Client`) with a v3 `applicationFault`.
const CLIENT_FAULT: &[u8] = include_bytes!("../vectors/fault-client.xml");

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

/// The captured client fault, or the same fault blaming the server.
fn fault(client_fault: bool) -> Response {
    let fault = std::str::from_utf8(CLIENT_FAULT).unwrap();
    if client_fault {
        Response::xml(500, fault)
    } else {
        Response::xml(500, fault.replacen(">S:Client<", ">S:Server<", 1))
    }
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
    assert!(requests[0].contains(&format!(
        "<signedDelivery xmlns=\"{}\"><Delivery/></signedDelivery>",
        kuvert_protocol::xml::names::MESSAGE_V3
    )));
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
            assert_eq!(info.call_id, "3e2d7c1a-9b84-4f60-a2d5-8c7e6f5a4b3c");
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
