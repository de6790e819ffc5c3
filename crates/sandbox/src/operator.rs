//! The mailbox operators' Service/v3 `deliverSecure`: only a registered
//! förmedlare may call it (checked by its client certificate: the
//! sandbox's intermediary, or the test organisation in direct mode), and a
//! delivery is taken only when it is a schema-valid sealed delivery whose
//! two signatures verify — the seal by the calling förmedlare, the
//! delivery by its sender — and whose recipient has a mailbox here. The
//! same message to the same recipient is taken once: a repeat gets the
//! first transaction's answer.

use std::sync::Arc;

use kuvert_protocol::identity::RecipientId;
use kuvert_service::answers::{self, DeliveryResult};
use kuvert_service::received::read_sealed_delivery;
use kuvert_service::{Request, Response};

use crate::directory::{self, Operator, Scenario};
use crate::faults::{Code, Fault};
use crate::records::MailboxEntry;
use crate::Shared;

/// Serves `/Service/v3/<operator>`.
pub(crate) fn handle(shared: &Arc<Shared>, request: Request) -> Response {
    if request.method == "POST" {
        if let Some(refusal) = crate::faults::unsupported_media_type(&request) {
            return refusal;
        }
    }
    let operator = request
        .path
        .strip_prefix("/Service/v3/")
        .and_then(Operator::from_slug);
    match (request.method.as_str(), operator) {
        ("POST", Some(operator)) => {
            deliver_secure(shared, operator, &request).unwrap_or_else(|fault| fault.response())
        }
        ("POST", None) => Response::text(404, "No such mailbox operator.\n"),
        _ => Response::text(405, "deliverSecure takes SOAP 1.1 POST requests.\n"),
    }
}

fn deliver_secure(
    shared: &Shared,
    operator: Operator,
    request: &Request,
) -> Result<Response, Fault> {
    // A registered förmedlare only (this intermediary, or the test
    // organisation's own förmedling); its certificate must be the seal's.
    let (caller, sealer) = request
        .peer_certificate_der
        .as_deref()
        .and_then(|der| shared.registered_formedlare(der))
        .ok_or_else(|| {
            Fault::client(
                Code::Sender,
                "Only a registered förmedlare may deliver to a mailbox operator.",
            )
        })?;
    let xml = std::str::from_utf8(&request.body)
        .map_err(|_| Fault::client(Code::NotSchemaValid, "The request is not UTF-8 text."))?;
    let sealed = answers::parse_deliver_secure_request(xml).map_err(|e| {
        Fault::client(
            Code::NotSchemaValid,
            format!("The deliverSecure request is not schema-valid: {e}"),
        )
    })?;
    let text = std::str::from_utf8(&sealed)
        .map_err(|_| Fault::client(Code::NotSchemaValid, "The sealed delivery is not UTF-8."))?;
    let content = read_sealed_delivery(text).map_err(|e| {
        Fault::client(
            Code::NotSchemaValid,
            format!("The sealed delivery is refused: {e}"),
        )
    })?;
    shared.verify_sealed_by(text, caller, sealer).map_err(|e| {
        Fault::client(
            Code::Signature,
            format!("A signature of the sealed delivery does not verify: {e}"),
        )
    })?;
    let recipient = content.delivery.recipient.clone();
    let scenario = directory::scenario(&recipient);
    if scenario.operator() != Some(operator) {
        return Err(Fault::client(
            Code::Unknown,
            format!("{} holds no mailbox for this recipient.", operator.name()),
        ));
    }
    if let Scenario::DeliveryFails(_) = scenario {
        return Err(Fault::server(
            Code::MailboxUnavailable,
            "The recipient's mailbox cannot take deliveries at the moment (test scenario).",
        ));
    }
    let recipient_id = RecipientId::from_wire(&recipient)
        .map_err(|e| Fault::client(Code::NotSchemaValid, format!("Recipient: {e}")))?;
    let message_id = content
        .delivery
        .messages
        .first()
        .map(|m| m.id.clone())
        .unwrap_or_default();
    // A repeated delivery (the same message to the same recipient, as a
    // förmedlare retries after a lost answer) is taken once: the first
    // transaction's answer again.
    let earlier = shared
        .records()
        .mailbox
        .iter()
        .find(|e| e.operator == operator && e.message_id == message_id && e.recipient == recipient)
        .map(|e| e.transaction_id.clone());
    if let Some(transaction_id) = earlier {
        return Ok(Response::xml(
            200,
            answers::deliver_secure_response(&DeliveryResult {
                transaction_id,
                statuses: vec![(recipient_id, true)],
            }),
        ));
    }
    let transaction_id = uuid::Uuid::new_v4().to_string();
    let path = shared.store.sealed_path(operator, &transaction_id);
    shared
        .store
        .write(&path, &sealed)
        .map_err(|e| Fault::server(Code::Internal, e.to_string()))?;
    let received_unix = shared.now_unix();
    shared
        .update(|records| {
            records.mailbox.push(MailboxEntry {
                operator,
                transaction_id: transaction_id.clone(),
                message_id,
                recipient,
                received_unix,
            })
        })
        .map_err(|e| Fault::server(Code::Internal, e.to_string()))?;
    Ok(Response::xml(
        200,
        answers::deliver_secure_response(&DeliveryResult {
            transaction_id,
            statuses: vec![(recipient_id, true)],
        }),
    ))
}
