//! The `messages`, `attachments` and `history` tables: storing a submitted
//! message, and reading rows back into the core's [`Message`] (every value
//! checked back into its type, so a row edited into something Kuvert never
//! writes is [`DbError::Corrupt`]) and into the API's views.

use kuvert_core::department::wire::{AttachmentInfo, HistoryLine, MessageView};
use kuvert_core::{
    CaseEvent, Mailbox, Message, MessageContent, Officer, SendState, StoredAttachment,
};
use kuvert_protocol::delivery::{
    Attention, CaseNumber, MatterStatus, MessageId, ProtectionClass, SenderName, Subject,
};
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use postgres::types::ToSql;
use postgres::{GenericClient, Row};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::db::{DbError, During};

/// A message as the submission handler stores it: signed, in the Outbox.
#[derive(Debug)]
pub struct NewMessage<'a> {
    /// What it says, from and to whom, signed with which ids.
    pub content: &'a MessageContent,
    /// The client's idempotency key.
    pub submission_id: &'a str,
    /// The officer's identity and unit.
    pub officer: &'a str,
    /// The officer's unit.
    pub unit: Option<&'a str>,
    /// The attachments: name, content type and bytes.
    pub attachments: Vec<(&'a str, &'a str, &'a [u8])>,
    /// The signed delivery, exactly as it will be submitted.
    pub signed_xml: &'a [u8],
    /// The message as a document (PDF).
    pub document: &'a [u8],
    /// When it was stored.
    pub at: OffsetDateTime,
}

/// The columns [`from_row`] reads, in order.
const COLUMNS: &str = "id, correlation_id, profile, sender_org, sender_name, recipient, \
    recipient_display, subject, body, case_number, attention, protection_class, case_type, \
    created_at, state, state_at, distribution_id, failure_reason, attempts, last_error_code, \
    last_error_reason, retryable, next_attempt_at, officer, officer_name, mailbox_operator, \
    mailbox_address, event_status, preceding_event_id, unit";

/// Stores a new message in state Signed and its attachments (its first
/// history line is the caller's: [`add_history`], as the service).
pub fn insert(tx: &mut impl GenericClient, new: &NewMessage<'_>) -> Result<(), DbError> {
    let c = new.content;
    let officer = c.officer.as_ref();
    tx.execute(
        "INSERT INTO messages (id, correlation_id, submission_id, officer, officer_name, unit,
             profile, sender_org, sender_name, recipient, recipient_display, subject, body,
             case_number, attention, protection_class, case_type, event_status,
             preceding_event_id, created_at, state, state_at, next_attempt_at, signed_xml,
             document)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             $18, $19, $20, 'signed', $20, $20, $21, $22)",
        &[
            &c.message_id.as_str(),
            &c.correlation_id.as_str(),
            &new.submission_id,
            &new.officer,
            &officer.map(|o| o.name.as_str()).unwrap_or(new.officer),
            &new.unit,
            &c.profile,
            &c.sender_org.as_str(),
            &c.sender_name.as_str(),
            &c.recipient.as_str(),
            &c.recipient.display_form(),
            &c.subject.as_str(),
            &c.body,
            &c.case_number.as_ref().map(|n| n.as_str()),
            &c.attention.as_ref().map(|a| a.as_str()),
            &i16::from(c.protection_class.get()),
            &c.case_type,
            &c.event.as_ref().map(|e| e.status.wire()),
            &c.event
                .as_ref()
                .and_then(|e| e.preceding_event_id.as_ref().map(|p| p.as_str())),
            &new.at,
            &new.signed_xml,
            &new.document,
        ],
    )
    .during("storing a message")?;
    for (position, (name, content_type, bytes)) in new.attachments.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let sha256 = hex(&openssl::sha::sha256(bytes));
        tx.execute(
            "INSERT INTO attachments (message_id, position, name, content_type, size, sha256, bytes)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &c.message_id.as_str(),
                &position,
                name,
                content_type,
                &size,
                &sha256,
                bytes,
            ],
        )
        .during("storing an attachment")?;
    }
    Ok(())
}

/// Appends one history line and seals it in the chain.
pub fn add_history(
    tx: &mut impl GenericClient,
    key: &crate::chain::ChainKey,
    message_id: &str,
    at: OffsetDateTime,
    kind: &str,
    state: SendState,
    detail: Option<&str>,
) -> Result<(), DbError> {
    let seq: i64 = tx
        .query_one(
            "INSERT INTO history (message_id, at, kind, state, detail) VALUES ($1, $2, $3, $4, $5)
             RETURNING seq",
            &[&message_id, &at, &kind, &state.as_str(), &detail],
        )
        .during("recording the history")?
        .get(0);
    // Open windows hear of it once the transaction commits (crate::events).
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&crate::events::CHANNEL, &message_id],
    )
    .during("announcing the change")?;
    crate::chain::append(tx, key, message_id, seq)
}

/// The message an earlier submission with this id stored, if any.
pub fn by_submission(
    tx: &mut impl GenericClient,
    officer: &str,
    submission_id: &str,
) -> Result<Option<(String, String)>, DbError> {
    Ok(tx
        .query_opt(
            "SELECT id, state FROM messages WHERE officer = $1 AND submission_id = $2",
            &[&officer, &submission_id],
        )
        .during("looking up a submission")?
        .map(|r| (r.get(0), r.get(1))))
}

/// One message with its attachments' metadata, as the caller may see it.
pub fn load(tx: &mut impl GenericClient, message_id: &str) -> Result<Option<Stored>, DbError> {
    let mut found = load_where(tx, "id = $1", &[&message_id], 1)?;
    Ok(found.pop())
}

/// A message row with what the core's [`Message`] does not carry.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The message.
    pub message: Message,
    /// The officer's identity.
    pub officer: String,
    /// The officer's unit.
    pub unit: Option<String>,
}

/// The messages matching `condition` (newest first), at most `limit`.
pub fn load_where(
    tx: &mut impl GenericClient,
    condition: &str,
    params: &[&(dyn ToSql + Sync)],
    limit: i64,
) -> Result<Vec<Stored>, DbError> {
    load_from(tx, "messages", condition, params, limit)
}

/// The messages of `source` (the table, or a subquery of it) matching
/// `condition`, newest first, at most `limit`.
pub fn load_from(
    tx: &mut impl GenericClient,
    source: &str,
    condition: &str,
    params: &[&(dyn ToSql + Sync)],
    limit: i64,
) -> Result<Vec<Stored>, DbError> {
    let rows = tx
        .query(
            &format!(
                "SELECT {COLUMNS} FROM {source} AS m WHERE {condition} ORDER BY seq DESC LIMIT {limit}"
            ),
            params,
        )
        .during("reading messages")?;
    let mut stored = Vec::with_capacity(rows.len());
    for row in rows {
        stored.push(from_row(&row)?);
    }
    // Every listed message's attachments in one query.
    let ids: Vec<String> = stored
        .iter()
        .map(|s| s.message.content.message_id.as_str().to_string())
        .collect();
    let mut by_message: std::collections::HashMap<String, Vec<StoredAttachment>> =
        std::collections::HashMap::new();
    for a in tx
        .query(
            "SELECT message_id, position, name, content_type, size, sha256, md5(bytes)
             FROM attachments WHERE message_id = ANY ($1) ORDER BY message_id, position",
            &[&ids],
        )
        .during("reading attachments")?
    {
        by_message
            .entry(a.get(0))
            .or_default()
            .push(StoredAttachment {
                id: i64::from(a.get::<_, i32>(1)),
                name: a.get(2),
                content_type: a.get(3),
                size: u64::try_from(a.get::<_, i64>(4)).unwrap_or(0),
                sha256_hex: a.get(5),
                md5_hex: a.get(6),
            });
    }
    for one in &mut stored {
        if let Some(attachments) = by_message.remove(one.message.content.message_id.as_str()) {
            one.message.attachments = attachments;
        }
    }
    Ok(stored)
}

/// The signed delivery stored with a message.
pub fn signed_xml(
    tx: &mut impl GenericClient,
    message_id: &str,
) -> Result<Option<Vec<u8>>, DbError> {
    Ok(tx
        .query_opt(
            "SELECT signed_xml FROM messages WHERE id = $1",
            &[&message_id],
        )
        .during("reading the signed delivery")?
        .and_then(|r| r.get(0)))
}

/// The message's document stored with it.
pub fn document(tx: &mut impl GenericClient, message_id: &str) -> Result<Option<Vec<u8>>, DbError> {
    Ok(tx
        .query_opt(
            "SELECT document FROM messages WHERE id = $1",
            &[&message_id],
        )
        .during("reading the message document")?
        .and_then(|r| r.get(0)))
}

/// A message's history, oldest first.
pub fn history(tx: &mut impl GenericClient, message_id: &str) -> Result<Vec<HistoryLine>, DbError> {
    Ok(tx
        .query(
            "SELECT at, kind, state, detail FROM history WHERE message_id = $1 ORDER BY seq",
            &[&message_id],
        )
        .during("reading the history")?
        .iter()
        .map(|r| HistoryLine {
            at: rfc3339(r.get(0)),
            kind: r.get(1),
            state: r.get(2),
            detail: r.get(3),
        })
        .collect())
}

/// `text` as an `ILIKE` pattern matching it anywhere.
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", like_literal(text))
}

/// `text` inside a `LIKE` pattern, its `\`, `%` and `_` taken literally.
pub fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The API's view of a stored message.
pub fn view(stored: &Stored) -> MessageView {
    let m = &stored.message;
    MessageView {
        message_id: m.content.message_id.as_str().to_string(),
        officer: stored.officer.clone(),
        officer_name: m
            .content
            .officer
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        unit: stored.unit.clone(),
        sender_name: m.content.sender_name.as_str().to_string(),
        recipient: m.content.recipient.display_form(),
        subject: m.content.subject.as_str().to_string(),
        case_number: m
            .content
            .case_number
            .as_ref()
            .map(|c| c.as_str().to_string()),
        state: m.state.as_str().to_string(),
        state_at: rfc3339(m.state_at),
        created_at: rfc3339(m.created_at),
        distribution_id: m.distribution_id.clone(),
        mailbox_operator: m.mailbox.as_ref().map(|b| b.operator.clone()),
        failure_reason: m.failure_reason.clone(),
        retry_reason: m.last_failure.as_ref().map(|f| f.reason.clone()),
        attachments: m.attachments.iter().map(|a| a.name.clone()).collect(),
        protection_class: m.content.protection_class.get(),
        body: m.content.body.clone(),
        attention: m.content.attention.as_ref().map(|a| a.to_string()),
        mailbox_address: m.mailbox.as_ref().map(|b| b.service_address.clone()),
        next_attempt_at: m.next_attempt_at.map(rfc3339),
        event_status: m
            .content
            .event
            .as_ref()
            .map(|e| e.status.wire().to_string()),
        preceding_event_id: m
            .content
            .event
            .as_ref()
            .and_then(|e| e.preceding_event_id.as_ref())
            .map(|p| p.as_str().to_string()),
        attachment_files: m
            .attachments
            .iter()
            .map(|a| AttachmentInfo {
                name: a.name.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
            })
            .collect(),
        followed_up: false,
    }
}

fn from_row(row: &Row) -> Result<Stored, DbError> {
    let id: String = row.get(0);
    let corrupt = |what: &str, value: &str| DbError::Corrupt {
        what: format!("message {id}: {what} {value:?}"),
    };
    let text = |i: usize| -> String { row.get(i) };
    let optional = |i: usize| -> Option<String> { row.get(i) };
    let recipient_wire = text(5);
    let recipient = RecipientId::from_wire(&recipient_wire)
        .map_err(|_| corrupt("recipient", &recipient_wire))?;
    let shown = text(6);
    if shown != recipient.display_form() {
        return Err(corrupt("recipient shown as", &shown));
    }
    let class: i16 = row.get(11);
    let protection_class = u8::try_from(class)
        .ok()
        .and_then(|c| ProtectionClass::new(c).ok())
        .ok_or_else(|| corrupt("protection class", &class.to_string()))?;
    let sender_org = text(3);
    let sender_name = text(4);
    let subject = text(7);
    let state_name = text(14);
    let state = SendState::parse(&state_name).ok_or_else(|| corrupt("state", &state_name))?;
    let event = match (optional(27), optional(28)) {
        (None, None) => None,
        (Some(status), preceding) => Some(CaseEvent {
            status: MatterStatus::from_wire(&status)
                .ok_or_else(|| corrupt("event status", &status))?,
            preceding_event_id: preceding
                .map(|p| MessageId::new(&p).map_err(|_| corrupt("preceding event id", &p)))
                .transpose()?,
        }),
        (None, Some(p)) => return Err(corrupt("preceding event id without an event", &p)),
    };
    let content = MessageContent {
        message_id: MessageId::new(&id).map_err(|_| corrupt("id", &id))?,
        correlation_id: {
            let c = text(1);
            MessageId::new(&c).map_err(|_| corrupt("correlation id", &c))?
        },
        profile: text(2),
        sender_org: OrganizationNumber::from_wire(&sender_org)
            .map_err(|_| corrupt("sender organisation", &sender_org))?,
        sender_name: SenderName::new(&sender_name)
            .map_err(|_| corrupt("sender name", &sender_name))?,
        recipient,
        subject: Subject::new(&subject).map_err(|_| corrupt("subject", &subject))?,
        body: text(8),
        case_number: optional(9)
            .map(|c| CaseNumber::new(&c).map_err(|_| corrupt("case number", &c)))
            .transpose()?,
        attention: optional(10)
            .map(|a| Attention::new(&a).map_err(|_| corrupt("attention", &a)))
            .transpose()?,
        protection_class,
        case_type: optional(12),
        officer: Some(Officer {
            account: text(23),
            name: text(24),
        }),
        event,
    };
    let next_attempt_at: Option<OffsetDateTime> = row.get(22);
    let last_failure = match (optional(19), optional(20)) {
        (Some(code), Some(reason)) => Some(kuvert_core::AttemptFailure {
            code,
            reason,
            retryable: row.get::<_, Option<bool>>(21).unwrap_or(false),
            next_attempt_at,
        }),
        _ => None,
    };
    let message = Message {
        content,
        created_at: row.get(13),
        state,
        state_at: row.get(15),
        distribution_id: optional(16),
        mailbox: match (optional(25), optional(26)) {
            (Some(operator), Some(service_address)) => Some(Mailbox {
                operator,
                service_address,
            }),
            _ => None,
        },
        failure_reason: optional(17),
        attempts: u32::try_from(row.get::<_, i32>(18)).unwrap_or(0),
        last_failure,
        next_attempt_at,
        attachments: Vec::new(),
        document_sha256: None,
    };
    Ok(Stored {
        message,
        officer: text(23),
        unit: optional(29),
    })
}

/// RFC 3339 in UTC.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
