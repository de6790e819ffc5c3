//! What a mailbox operator holds, as a recipient would see it: read back
//! from the sealed deliveries the operator stored.

use kuvert_protocol::identity::RecipientId;
use kuvert_service::received::{read_sealed_delivery, ReceivedSealedDelivery};
use serde::Serialize;

use crate::clock::rfc3339;
use crate::directory::Operator;
use crate::records::MailboxEntry;
use crate::Shared;

/// One delivered message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveredMessage {
    /// The operator holding it.
    pub operator: Operator,
    /// The operator's transaction id.
    pub transaction_id: String,
    /// `Message/Header/Id`.
    pub message_id: String,
    /// The recipient, wire form.
    pub recipient: String,
    /// The recipient as people write it (`19850101-2382`, `556840-2266`).
    pub recipient_display: String,
    /// The sender's organisation number (wire form).
    pub sender_id: String,
    /// The sender's name.
    pub sender_name: String,
    /// The case number (`Reference`), if given.
    pub case_number: Option<String>,
    /// The subject.
    pub subject: String,
    /// The body text (lossy UTF-8).
    pub body: String,
    /// The body's content type.
    pub body_content_type: String,
    /// The attachments.
    pub attachments: Vec<DeliveredAttachment>,
    /// Protection class 1–3.
    pub protection_class: u8,
    /// When the operator received it (RFC 3339, UTC).
    pub received_time: String,
    /// The seal's `ReceivedTime` (a date).
    pub sealed_on: String,
    /// The seal's `SignaturesOK`.
    pub seal_signatures_ok: bool,
    /// Whether both signatures verify now against the sandbox CA.
    pub signatures_verified: bool,
    /// The sealed delivery document as stored.
    pub sealed_delivery_file: std::path::PathBuf,
}

/// An attachment of a delivered message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveredAttachment {
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: usize,
}

/// Every message `operator` received, oldest first. Documents that can no
/// longer be read are left out (and logged).
pub(crate) fn delivered(shared: &Shared, operator: Operator) -> Vec<DeliveredMessage> {
    let entries: Vec<MailboxEntry> = shared
        .records()
        .mailbox
        .iter()
        .filter(|m| m.operator == operator)
        .cloned()
        .collect();
    entries
        .iter()
        .filter_map(|entry| match view(shared, entry) {
            Ok(message) => Some(message),
            Err(e) => {
                tracing::warn!(transaction = %entry.transaction_id, "unreadable delivery: {e}");
                None
            }
        })
        .collect()
}

/// The stored sealed delivery of `transaction_id` at `operator`, parsed.
pub(crate) fn content(
    shared: &Shared,
    operator: Operator,
    transaction_id: &str,
) -> Option<ReceivedSealedDelivery> {
    let known = shared
        .records()
        .mailbox
        .iter()
        .any(|m| m.operator == operator && m.transaction_id == transaction_id);
    if !known {
        return None;
    }
    let text = std::fs::read_to_string(shared.store.sealed_path(operator, transaction_id)).ok()?;
    read_sealed_delivery(&text).ok()
}

fn view(shared: &Shared, entry: &MailboxEntry) -> Result<DeliveredMessage, String> {
    let path = shared
        .store
        .sealed_path(entry.operator, &entry.transaction_id);
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let sealed = read_sealed_delivery(&text).map_err(|e| e.to_string())?;
    let verified = shared.verify_strictly(&text).is_ok();
    let delivery = &sealed.delivery;
    let message = delivery
        .messages
        .first()
        .ok_or_else(|| "no message".to_string())?;
    Ok(DeliveredMessage {
        operator: entry.operator,
        transaction_id: entry.transaction_id.clone(),
        message_id: message.id.clone(),
        recipient: delivery.recipient.clone(),
        recipient_display: RecipientId::from_wire(&delivery.recipient)
            .map(|r| r.display_form())
            .unwrap_or_else(|_| delivery.recipient.clone()),
        sender_id: delivery.sender_id.clone(),
        sender_name: delivery.sender_name.clone(),
        case_number: delivery.reference.clone(),
        subject: message.subject.clone(),
        body: String::from_utf8_lossy(&message.body).into_owned(),
        body_content_type: message.body_content_type.clone(),
        attachments: message
            .attachments
            .iter()
            .map(|a| DeliveredAttachment {
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                size: a.bytes.len(),
            })
            .collect(),
        protection_class: message.protection_class,
        received_time: rfc3339(entry.received_unix),
        sealed_on: sealed.received.to_string(),
        seal_signatures_ok: sealed.signatures_ok,
        signatures_verified: verified,
        sealed_delivery_file: path,
    })
}
