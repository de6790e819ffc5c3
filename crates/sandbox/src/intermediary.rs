//! FaR's `isReachable` and the intermediary's `distributeSecure` and
//! `checkDistributionStatus`, and the background delivery of accepted
//! distributions to the mailbox operators.
//!
//! Every request must come with a client certificate of the one registered
//! sender organisation; the organisation number it carries is the only
//! sender the request may speak for.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use kuvert_protocol::identity::RecipientId;
use kuvert_protocol::seal::seal;
use kuvert_protocol::soap::{DeliveryStatus, DistributionStatus, DistributionType, SoapError};
use kuvert_service::answers::{self, CheckDistributionStatusRequest, IsReachableRequest};
use kuvert_service::received::{read_signed_delivery, ReceivedError};
use kuvert_service::{Request, Response};
use kuvert_transport::{certificate_organisation_number, CallError};

use crate::directory::{self, Scenario, SENDER_ORGANISATION};
use crate::faults::{Code, Fault};
use crate::records::{sha256_hex, Distribution, Progress};
use crate::{clock, Shared};

/// Serves `/Recipient/v3` and `/Message/v3`.
pub(crate) fn handle(shared: &Arc<Shared>, request: Request) -> Response {
    if request.method == "POST" {
        if let Some(refusal) = crate::faults::unsupported_media_type(&request) {
            return refusal;
        }
    }
    let result = match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/Recipient/v3") => with_sender(&request).and_then(|(sender, xml)| {
            let parsed = answers::parse_is_reachable_request(xml)
                .map_err(|e| bad_request("isReachable", &e))?;
            is_reachable(shared, &sender, parsed)
        }),
        ("POST", "/Message/v3") => too_large(shared, &request).and_then(|()| {
            with_sender(&request).and_then(|(sender, xml)| message(shared, &sender, xml))
        }),
        ("POST", _) => {
            return Response::text(404, "No such service. Use /Recipient/v3 or /Message/v3.\n")
        }
        _ => return Response::text(405, "The services take SOAP 1.1 POST requests.\n"),
    };
    result.unwrap_or_else(|fault| fault.response())
}

/// A request to the intermediary over the envelope limit is refused, as a
/// production intermediary refuses it, before anything else is looked at.
fn too_large(shared: &Shared, request: &Request) -> Result<(), Fault> {
    let max = shared.config.max_envelope_bytes;
    let size = request.body.len() as u64;
    // The operation's element opens the body, well within its first 4 kB.
    let distribute = request.body[..request.body.len().min(4096)]
        .windows(b"distributeSecure".len())
        .any(|w| w == b"distributeSecure");
    if distribute {
        shared
            .envelopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(crate::Envelope {
                bytes: size,
                refused_as_too_large: size > max,
            });
    }
    if size > max {
        return Err(Fault::client(
            Code::TooLarge,
            format!(
                "The SOAP envelope is too large: {size} bytes; this intermediary takes at most {max} bytes."
            ),
        ));
    }
    Ok(())
}

/// The organisation number of the client certificate, which must be the
/// registered sender's, and the body as text.
fn with_sender(request: &Request) -> Result<(String, &str), Fault> {
    let organisation = request
        .peer_certificate_der
        .as_deref()
        .and_then(certificate_organisation_number)
        .ok_or_else(|| {
            Fault::client(
                Code::Sender,
                "The client certificate carries no organisation number (subject serialNumber).",
            )
        })?;
    if organisation != SENDER_ORGANISATION {
        return Err(Fault::client(
            Code::Sender,
            format!(
                "Organisation {organisation} is not a registered sender in this test environment."
            ),
        ));
    }
    let xml = std::str::from_utf8(&request.body)
        .map_err(|_| Fault::client(Code::NotSchemaValid, "The request is not UTF-8 text."))?;
    Ok((organisation, xml))
}

fn bad_request(operation: &str, error: &SoapError) -> Fault {
    Fault::client(
        Code::NotSchemaValid,
        format!("The {operation} request is not schema-valid: {error}"),
    )
}

fn sender_mismatch(named: &str, certified: &str) -> Fault {
    Fault::client(
        Code::Sender,
        format!(
            "The sender id {named} in the request does not match the organisation number {certified} in the client certificate."
        ),
    )
}

fn internal(what: impl std::fmt::Display) -> Fault {
    Fault::server(
        Code::Internal,
        format!("The test environment failed: {what}"),
    )
}

fn hold_back(shared: &Shared, recipient: &str) {
    if let Some(delay) = directory::delay_for(recipient, shared.config.slow_delay) {
        // Simulated slowness: the caller's time-outs are what is tested.
        std::thread::sleep(delay);
    }
}

fn is_reachable(
    shared: &Shared,
    sender: &str,
    request: IsReachableRequest,
) -> Result<Response, Fault> {
    if request.sender.as_str() != sender {
        return Err(sender_mismatch(request.sender.as_str(), sender));
    }
    if let Some(slow) = request
        .recipients
        .iter()
        .find(|r| directory::delay_for(r.as_str(), shared.config.slow_delay).is_some())
    {
        hold_back(shared, slow.as_str());
    }
    let statuses: Vec<_> = request
        .recipients
        .iter()
        .map(|r| {
            directory::reachability(r, &|o| shared.operator_url(o), &|o| shared.mailbox_url(o))
        })
        .collect();
    Ok(Response::xml(
        200,
        answers::is_reachable_response(&statuses),
    ))
}

fn message(shared: &Arc<Shared>, sender: &str, xml: &str) -> Result<Response, Fault> {
    match answers::parse_distribute_secure_request(xml) {
        Ok(signed) => distribute(shared, sender, signed).map(|answer| garble(shared, answer)),
        Err(SoapError::UnexpectedElement { found, .. }) if found == "checkDistributionStatus" => {
            let request = answers::parse_check_distribution_status_request(xml)
                .map_err(|e| bad_request("checkDistributionStatus", &e))?;
            check_status(shared, sender, request)
        }
        Err(e) => Err(bad_request("distributeSecure", &e)),
    }
}

/// The accepted answer, or a broken one while fault injection asks for it
/// ([`crate::SandboxConfig::broken_answers_after_accepting`]).
fn garble(shared: &Arc<Shared>, answer: Response) -> Response {
    let broken = shared
        .broken_left
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .pop_front();
    match broken {
        None => answer,
        Some(crate::BrokenAnswer::Garbled) => {
            tracing::info!("fault injection: answering an accepted delivery with a garbled body");
            Response::xml(200, "<html>garbled</html>")
        }
        Some(crate::BrokenAnswer::Status(status)) => {
            tracing::info!(
                status,
                "fault injection: answering an accepted delivery with an HTTP error"
            );
            Response::xml(status, "<html><body>Bad Request</body></html>")
        }
    }
}

fn refusal(error: &ReceivedError) -> Fault {
    if error.is_schema_violation() {
        Fault::client(
            Code::NotSchemaValid,
            format!("The signed delivery is not schema-valid: {error}"),
        )
    } else {
        Fault::client(
            Code::NotSchemaValid,
            format!("The signed delivery is refused: {error}"),
        )
    }
}

fn distribute(shared: &Arc<Shared>, sender: &str, signed: Vec<u8>) -> Result<Response, Fault> {
    let text = std::str::from_utf8(&signed)
        .map_err(|_| Fault::client(Code::NotSchemaValid, "The signed delivery is not UTF-8."))?;
    let delivery = read_signed_delivery(text).map_err(|e| refusal(&e))?;
    if delivery.sender_id != sender {
        return Err(sender_mismatch(&delivery.sender_id, sender));
    }
    // Also refuses a signer other than the delivery's Sender/Id, which is
    // (just checked) the client certificate's organisation.
    let verified = shared.verify_strictly(text).map_err(|e| {
        Fault::client(
            Code::Signature,
            format!("The signature of the delivery does not verify: {e}"),
        )
    })?;
    if verified.sender_id != delivery.sender_id {
        return Err(sender_mismatch(&verified.sender_id, sender));
    }
    let scenario = directory::scenario(&delivery.recipient);
    let operator = match (scenario.accepts_deliveries(), scenario.operator()) {
        (true, Some(operator)) => operator,
        _ => {
            let reason = match scenario {
                Scenario::RegistrationPending(_) => "has not finished registering a mailbox",
                Scenario::SenderNotAccepted(_) => "does not accept mail from this sender",
                _ => "has no mailbox for secure digital mail",
            };
            return Err(Fault::client(
                Code::Unknown,
                format!("The recipient {reason}; check reachability before sending."),
            ));
        }
    };
    hold_back(shared, &delivery.recipient);
    let message_id = delivery
        .messages
        .first()
        .map(|m| m.id.clone())
        .unwrap_or_default();
    let content_sha256 = sha256_hex(&signed);

    let mut records = shared.records();
    if let Some(existing) = records
        .distributions
        .iter()
        .find(|d| d.sender == sender && d.message_id == message_id)
    {
        if existing.content_sha256 == content_sha256 {
            tracing::info!(distribution = %existing.id, "repeated distributeSecure recognised");
            return Ok(Response::xml(
                200,
                answers::distribute_secure_response(&existing.id),
            ));
        }
        return Err(Fault::client(
            Code::Duplicate,
            format!(
                "MessageId {message_id} was already distributed with other content (distribution {}).",
                existing.id
            ),
        ));
    }
    if !shared.accepting.load(Ordering::SeqCst) {
        return Err(Fault::server(
            Code::Internal,
            "The test environment is shutting down.",
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    shared
        .store
        .write(&shared.store.signed_path(&id), &signed)
        .map_err(internal)?;
    records.distributions.push(Distribution {
        id: id.clone(),
        sender: sender.to_string(),
        message_id,
        content_sha256,
        recipient: delivery.recipient.clone(),
        operator,
        progress: Progress::Pending,
        accepted_unix: shared.now_unix(),
    });
    if let Err(e) = shared.store.save(&records) {
        records.distributions.pop();
        return Err(internal(e));
    }
    drop(records);
    spawn_delivery(shared, id.clone());
    Ok(Response::xml(200, answers::distribute_secure_response(&id)))
}

fn check_status(
    shared: &Shared,
    sender: &str,
    request: CheckDistributionStatusRequest,
) -> Result<Response, Fault> {
    if request.sender.as_str() != sender {
        return Err(sender_mismatch(request.sender.as_str(), sender));
    }
    let found = shared
        .records()
        .distributions
        .iter()
        .find(|d| d.id == request.distribution_id && d.sender == sender)
        .cloned();
    let distribution = found.ok_or_else(|| {
        Fault::client(
            Code::Unknown,
            format!(
                "There is no distribution {} from this sender.",
                request.distribution_id
            ),
        )
    })?;
    hold_back(shared, &distribution.recipient);
    let recipient = RecipientId::from_wire(&distribution.recipient).map_err(internal)?;
    let delivery = match distribution.progress {
        Progress::Pending => DeliveryStatus::Pending,
        Progress::Delivered => DeliveryStatus::Delivered,
        Progress::DeliveryFailed => DeliveryStatus::DeliveryFailed,
    };
    let status = DistributionStatus {
        recipient,
        distribution: DistributionType::Digital,
        delivery: Some(delivery),
    };
    Ok(Response::xml(
        200,
        answers::check_distribution_status_response(&[status]),
    ))
}

// ------------------------------------------------------------ delivering

fn spawn_delivery(shared: &Arc<Shared>, distribution_id: String) {
    let worker = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name("sandbox-delivery".into())
        .spawn(move || deliver(&worker, &distribution_id));
    match spawned {
        Ok(handle) => {
            let mut deliveries = shared
                .deliveries
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            deliveries.retain(|d| !d.is_finished());
            deliveries.push(handle);
        }
        Err(e) => tracing::error!("could not start a delivery thread: {e}"),
    }
}

/// Starts delivering every distribution a previous run left pending.
pub(crate) fn resume_pending(shared: &Arc<Shared>) {
    let pending: Vec<String> = shared
        .records()
        .distributions
        .iter()
        .filter(|d| d.progress == Progress::Pending)
        .map(|d| d.id.clone())
        .collect();
    for id in pending {
        spawn_delivery(shared, id);
    }
}

/// Seals the distribution and calls the operator's `deliverSecure`; records
/// Delivered or DeliveryFailed. A transport failure leaves it Pending, to be
/// resumed at the next start.
fn deliver(shared: &Shared, distribution_id: &str) {
    let Some(distribution) = shared
        .records()
        .distributions
        .iter()
        .find(|d| d.id == distribution_id)
        .cloned()
    else {
        return;
    };
    let outcome = attempt(shared, &distribution);
    let progress = match outcome {
        Ok(true) => Progress::Delivered,
        Ok(false) => Progress::DeliveryFailed,
        Err(reason) => {
            tracing::warn!(distribution = %distribution_id, "delivery not attempted: {reason}");
            return;
        }
    };
    let saved = shared.update(|records| {
        if let Some(d) = records
            .distributions
            .iter_mut()
            .find(|d| d.id == distribution_id)
        {
            d.progress = progress;
        }
    });
    if let Err(e) = saved {
        tracing::error!("could not record the delivery outcome: {e}");
    }
}

/// `Ok(delivered?)` when the operator answered; `Err` when it could not be asked.
fn attempt(shared: &Shared, distribution: &Distribution) -> Result<bool, String> {
    let path = shared.store.signed_path(&distribution.id);
    let signed = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let received = clock::calendar_date(shared.now_unix())
        .ok_or_else(|| "the clock is outside years 1–9999".to_string())?;
    let sealed = match seal(&signed, received, true, &shared.seal_key) {
        Ok(sealed) => sealed,
        Err(e) => {
            tracing::warn!("sealing failed: {e}");
            return Ok(false);
        }
    };
    match shared
        .operators
        .deliver_secure(&shared.operator_url(distribution.operator), &sealed)
    {
        Ok(result) => Ok(result
            .statuses
            .iter()
            .any(|(r, delivered)| r.as_str() == distribution.recipient && *delivered)),
        // Not asked: left Pending, resumed at the next start.
        Err(CallError::Transport(e)) => Err(e.to_string()),
        Err(e) => {
            tracing::info!(distribution = %distribution.id, "the operator refused the delivery: {e}");
            Ok(false)
        }
    }
}
