//! Messages: one row per send. The same rows are the Outbox (not yet final)
//! and the Sent log (everything), so an item never has to be copied between
//! folders and cannot be lost in between.
//!
//! A message is created by [`Store::enqueue`](crate::Store::enqueue) before
//! any network call and then moves through a persisted state machine:
//!
//! ```text
//! Queued ─► Signed ─► Submitted ─► Pending ─► Delivered
//!   │         │           │           └─────► Failed ─► Paper
//!   │         │           ├─────────────────► Delivered
//!   │         │           └─────────────────► Failed
//!   ├─────────┴─► Paper   (recipient cannot receive digital mail)
//!   └─────────┴─► Failed  (given up before submission)
//! ```
//!
//! Every transition is compare-and-set: the caller names the state it
//! believes the message is in, and gets [`StoreError::Conflict`] if another
//! process moved it first — so two processes can never both submit.
//! Independently of the state, an Outbox item carries an "attempt failed,
//! retry at T" record ([`AttemptFailure`]).
//!
//! ## Row keys
//!
//! The integer primary key (`sort_key`) is `created_at << 20 | n`: rowid order
//! *is* time order. "Newest first" is then a backwards rowid walk and a date
//! range is a rowid range, which the full-text index can apply while it
//! walks its doclists — this is what keeps search on a million entries fast.

use openssl::hash::{hash, MessageDigest};
use openssl::sha::sha256;
use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use crate::error::Context;
use crate::instant::{from_unix, to_unix};
use crate::schema::{Migrations, Step};
use crate::{wire, StoreError};
use kuvert_protocol::delivery::{
    Attention, CaseNumber, MatterStatus, MessageId, ProtectionClass, SenderName, Subject,
};
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};

pub(crate) static MIGRATIONS: Migrations = Migrations {
    component: "messages",
    steps: &[
        Step::Sql(
            r#"
CREATE TABLE messages (
    sort_key          INTEGER PRIMARY KEY,   -- created_at << 20 | n, see module docs
    id                TEXT NOT NULL UNIQUE CHECK (id <> ''),
    correlation_id    TEXT NOT NULL,
    profile           TEXT NOT NULL,
    sender_org        TEXT NOT NULL,
    sender_name       TEXT NOT NULL,
    recipient         TEXT NOT NULL CHECK (length(recipient) = 12 AND recipient NOT GLOB '*[^0-9]*'),
    recipient_display TEXT NOT NULL,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    case_number       TEXT,
    case_key          TEXT,                  -- case_number folded for exact/prefix lookup
    attention         TEXT,
    protection_class  INTEGER NOT NULL CHECK (protection_class BETWEEN 1 AND 3),
    case_type         TEXT,
    attachment_count  INTEGER NOT NULL DEFAULT 0,
    attachment_names  TEXT NOT NULL DEFAULT '', -- newline-separated, for search and exports
    created_at        INTEGER NOT NULL,
    state             TEXT NOT NULL CHECK (state IN
                        ('queued','signed','submitted','pending','delivered','failed','paper')),
    state_at          INTEGER NOT NULL,
    final_at          INTEGER,               -- set when the state is final; drives retention
    distribution_id   TEXT,
    failure_reason    TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error_code   TEXT,
    last_error_reason TEXT,
    retryable         INTEGER,
    next_attempt_at   INTEGER,               -- NULL: nothing scheduled (final, or waiting for the user)
    last_seq          INTEGER NOT NULL       -- chain entry of the latest event; checked by verify_chain
) STRICT;
CREATE INDEX messages_recipient ON messages (recipient);
CREATE INDEX messages_case_key ON messages (case_key) WHERE case_key IS NOT NULL;
CREATE INDEX messages_state ON messages (state);
CREATE INDEX messages_profile ON messages (profile);
CREATE INDEX messages_next_attempt ON messages (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX messages_final_at ON messages (final_at) WHERE final_at IS NOT NULL;

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    sort_key     INTEGER NOT NULL REFERENCES messages (sort_key) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL CHECK (name <> ''),
    content_type TEXT NOT NULL CHECK (content_type <> ''),
    size         INTEGER NOT NULL,
    md5_hex      TEXT NOT NULL,
    sha256_hex   TEXT NOT NULL,
    UNIQUE (sort_key, position)
) STRICT;

CREATE TABLE attachment_content (
    attachment_id INTEGER PRIMARY KEY REFERENCES attachments (id) ON DELETE CASCADE,
    bytes         BLOB NOT NULL
) STRICT;

CREATE TABLE signed_deliveries (
    sort_key INTEGER PRIMARY KEY REFERENCES messages (sort_key) ON DELETE CASCADE,
    xml      BLOB NOT NULL
) STRICT;

CREATE TABLE paper_letters (
    sort_key   INTEGER PRIMARY KEY REFERENCES messages (sort_key) ON DELETE CASCADE,
    pdf        BLOB,
    sha256_hex TEXT NOT NULL
) STRICT;
"#,
        ),
        // Who sent it and to which mailbox (SKL's requirement list, box 2): the
        // officer at enqueue, the mailbox operator as FaR named it at submission.
        Step::Sql(
            r#"
ALTER TABLE messages ADD COLUMN officer_account TEXT;
ALTER TABLE messages ADD COLUMN officer_name TEXT;
ALTER TABLE messages ADD COLUMN mailbox_operator TEXT;
ALTER TABLE messages ADD COLUMN mailbox_address TEXT;
CREATE INDEX messages_officer ON messages (officer_account) WHERE officer_account IS NOT NULL;
"#,
        ),
        // The message as a document (meddelande.pdf), made at send time and
        // kept, so the filing package holds the bytes of that day.
        Step::Sql(
            r#"
CREATE TABLE message_documents (
    sort_key   INTEGER PRIMARY KEY REFERENCES messages (sort_key) ON DELETE CASCADE,
    pdf        BLOB NOT NULL,
    sha256_hex TEXT NOT NULL
) STRICT;
"#,
        ),
        // Event messages (händelsemeddelanden): the matter status the message
        // gave its case (NULL: an ordinary message) and the EventId it named
        // as its PrecedingEventId. The index serves "the latest event in this
        // case to this recipient" and a case's thread.
        Step::Sql(
            r#"
ALTER TABLE messages ADD COLUMN event_status TEXT
    CHECK (event_status IN ('senderinitiative', 'recipientinitiative', 'closed'));
ALTER TABLE messages ADD COLUMN preceding_event_id TEXT
    CHECK (preceding_event_id IS NULL OR event_status IS NOT NULL);
CREATE INDEX messages_case_events ON messages (case_key, recipient, sort_key)
    WHERE event_status IS NOT NULL;
"#,
        ),
        // Withdrawal: the officer takes a message back before it reached the
        // intermediary. `handed_over_at` is set before the first submission
        // attempt; from then on the intermediary may have the message, and
        // it can no longer be withdrawn.
        // Messages stored before this step may have been handed over already.
        Step::Sql(
            "ALTER TABLE messages ADD COLUMN handed_over_at INTEGER;
             UPDATE messages SET handed_over_at = state_at WHERE state <> 'queued';",
        ),
        Step::Code(|tx| {
            crate::schema::widen_check(
                tx,
                "messages",
                "'failed','paper')",
                "'failed','paper','withdrawn')",
            )
        }),
    ],
};

/// Where a message is in its life. Stored as the lower-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SendState {
    /// Stored, not yet signed.
    Queued,
    /// The signed delivery XML is stored; not yet handed to the intermediary.
    Signed,
    /// The intermediary accepted it and returned a distribution id.
    Submitted,
    /// The intermediary reports delivery as still pending.
    Pending,
    /// Delivered to the recipient's mailbox (final).
    Delivered,
    /// Delivery failed or was given up (final, though it may still go on paper).
    Failed,
    /// Recorded as sent on paper (final).
    Paper,
    /// Taken back by the officer before it was handed to the intermediary
    /// (final; nothing left Kuvert).
    Withdrawn,
}

impl SendState {
    /// Every state, in life order.
    pub const ALL: [SendState; 8] = [
        SendState::Queued,
        SendState::Signed,
        SendState::Submitted,
        SendState::Pending,
        SendState::Delivered,
        SendState::Failed,
        SendState::Paper,
        SendState::Withdrawn,
    ];

    /// The stored (and exported) name: `queued`, `signed`, …
    pub fn as_str(self) -> &'static str {
        match self {
            SendState::Queued => "queued",
            SendState::Signed => "signed",
            SendState::Submitted => "submitted",
            SendState::Pending => "pending",
            SendState::Delivered => "delivered",
            SendState::Failed => "failed",
            SendState::Paper => "paper",
            SendState::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<SendState> {
        SendState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Delivered, Failed, Paper and Withdrawn: the item has left the Outbox
    /// and its retention period runs.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            SendState::Delivered | SendState::Failed | SendState::Paper | SendState::Withdrawn
        )
    }
}
impl std::fmt::Display for SendState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The officer who sent a message: in local mode the operating-system
/// account and its display name; in department mode the authenticated
/// identity.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Officer {
    /// The account, e.g. `anna.lind`.
    pub account: String,
    /// The name people read, e.g. `Anna Lind` (the account when none is set).
    pub name: String,
}

/// The recipient's mailbox: the operator FaR named when the message was
/// submitted, and where that operator takes deliveries.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Mailbox {
    /// The operator's name, e.g. `Kivra`.
    pub operator: String,
    /// The operator's service address (`ServiceAdress`) as FaR gave it.
    pub service_address: String,
}

/// What makes a message an event message (händelsemeddelande): the status
/// it gives its case and the event it follows. Its `EventId` is the
/// message's own id and its `OfficialMatterId` the message's diarienummer,
/// so neither is stored twice.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CaseEvent {
    /// The case's status after this message (`MatterStatus`).
    #[serde(serialize_with = "wire::matter_status")]
    pub status: MatterStatus,
    /// The `EventId` of the previous event message in the same case to the
    /// same recipient, as the delivery named it; `None` for the first.
    #[serde(serialize_with = "wire::optional_text")]
    pub preceding_event_id: Option<MessageId>,
}

/// What a message says, from whom and to whom: the one shape of a message's
/// content, the same before it is stored ([`OutgoingMessage`]) and after
/// ([`Message`]), and what the hash chain seals. Every value is typed, so
/// holding one means it was validated; the store writes their wire forms and
/// checks them again when it reads a row back (an edited row that no longer
/// parses is [`StoreError::Corrupt`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MessageContent {
    /// The delivery's MessageId (a UUID); the key of the message.
    #[serde(serialize_with = "wire::text")]
    pub message_id: MessageId,
    /// The CorrelationId sent with the delivery; reused on every retry.
    #[serde(serialize_with = "wire::text")]
    pub correlation_id: MessageId,
    /// The sender profile's name (configuration), e.g. "Bygglov".
    pub profile: String,
    /// The sending organisation; stored in wire form, e.g. `162021003898`.
    #[serde(serialize_with = "wire::text")]
    pub sender_org: OrganizationNumber,
    /// The sender name shown to the recipient.
    #[serde(serialize_with = "wire::text")]
    pub sender_name: SenderName,
    /// The recipient; stored in 12-digit wire form, e.g. `198501012382`,
    /// and beside it as officers read it (`19850101-2382`).
    #[serde(serialize_with = "wire::text")]
    pub recipient: RecipientId,
    /// Subject line.
    #[serde(serialize_with = "wire::text")]
    pub subject: Subject,
    /// Body text.
    pub body: String,
    /// The case's registry number (diarienummer), e.g. `KS 2026/0123`.
    #[serde(serialize_with = "wire::optional_text")]
    pub case_number: Option<CaseNumber>,
    /// For an organisation: the person or function the message is for.
    #[serde(serialize_with = "wire::optional_text")]
    pub attention: Option<Attention>,
    /// Protection class (skyddsklass) 1, 2 or 3.
    #[serde(serialize_with = "wire::class")]
    pub protection_class: ProtectionClass,
    /// The case type (template) the message was written from.
    pub case_type: Option<String>,
    /// Who sent it; `None` only for messages stored before Kuvert recorded it.
    pub officer: Option<Officer>,
    /// Set when the message was sent as an event message.
    pub event: Option<CaseEvent>,
}

/// A message as the send pipeline hands it to
/// [`Store::enqueue`](crate::Store::enqueue): its content and the attached
/// files' bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// What the message says, from whom and to whom.
    pub content: MessageContent,
    /// Attached files, in order.
    pub attachments: Vec<OutgoingAttachment>,
    /// The message as a document (a PDF), made when it was sent; kept and
    /// sealed with the message.
    pub document: Option<Vec<u8>>,
}

/// One attached file of an [`OutgoingMessage`]. Size, MD5 and SHA-256 are
/// computed by the store from `bytes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingAttachment {
    /// File name as sent, e.g. `beslut.pdf`.
    pub name: String,
    /// MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The file the officer picked, when `bytes` are a compressed copy made
    /// to fit the envelope; the log records both checksums.
    pub compressed_from: Option<CompressedFrom>,
}

/// The Enqueued event's detail: "queued", and for each attachment that was
/// compressed to fit the envelope, its name, both sizes and both SHA-256
/// checksums — sealed in the chain with the event.
pub(crate) fn enqueued_detail(attachments: &[OutgoingAttachment]) -> String {
    let mut detail = String::from("queued");
    for a in attachments {
        if let Some(original) = &a.compressed_from {
            detail.push_str(&format!(
                "; {} compressed from {} bytes (sha256 {}) to {} bytes (sha256 {})",
                a.name,
                original.size,
                original.sha256,
                a.bytes.len(),
                hex(&sha256(&a.bytes)),
            ));
        }
    }
    detail
}

/// The original of an attachment that was compressed before sending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompressedFrom {
    /// The original's size in bytes.
    pub size: u64,
    /// The original's SHA-256, lower-case hex.
    pub sha256: String,
}

/// The next state of a [`transition`](crate::Store::transition), with the
/// data that state records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextState {
    /// The signed `SignedDelivery` XML, exactly as it will be submitted (and
    /// resubmitted on retry: the same bytes, the same ids).
    Signed {
        /// The signed document.
        signed_xml: Vec<u8>,
    },
    /// The intermediary accepted the delivery.
    Submitted {
        /// The distribution id it returned.
        distribution_id: String,
        /// The recipient's mailbox, as FaR named it when the recipient was checked.
        mailbox: Mailbox,
    },
    /// Direct mode (own förmedling): Kuvert sealed the delivery and the
    /// recipient's mailbox operator took it. Recorded as Submitted, its
    /// transaction id where an intermediary's distribution id would be; the
    /// history says to whom, where and when it was sealed.
    HandedToOperator {
        /// The operator's transaction id from its `deliverSecure` answer.
        transaction_id: String,
        /// The operator and the address the delivery was sent to.
        mailbox: Mailbox,
        /// The seal's receive date (`YYYY-MM-DD`, Swedish time).
        sealed_on: String,
    },
    /// The intermediary reports delivery as pending.
    Pending,
    /// The intermediary reports the delivery as delivered.
    Delivered,
    /// Delivery failed (intermediary's DeliveryFailed) or was given up.
    Failed {
        /// Plain reason, shown to the officer.
        reason: String,
    },
    /// Sent on paper instead.
    Paper {
        /// The printed letter.
        letter: PaperLetter,
    },
    /// Taken back by the officer before it was handed to the intermediary.
    /// Refused ([`StoreError::HandedOver`]) once the pipeline has begun to
    /// hand it over ([`Store::hand_over`](crate::Store::hand_over)).
    Withdrawn,
}

impl NextState {
    /// The state this moves the message to.
    pub fn state(&self) -> SendState {
        match self {
            NextState::Signed { .. } => SendState::Signed,
            NextState::Submitted { .. } | NextState::HandedToOperator { .. } => {
                SendState::Submitted
            }
            NextState::Pending => SendState::Pending,
            NextState::Delivered => SendState::Delivered,
            NextState::Failed { .. } => SendState::Failed,
            NextState::Paper { .. } => SendState::Paper,
            NextState::Withdrawn => SendState::Withdrawn,
        }
    }
}

/// The letter of a message sent on paper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaperLetter {
    /// The PDF letter itself (stored; its SHA-256 is computed).
    Pdf(Vec<u8>),
    /// Only the PDF's SHA-256 (lower-case hex), when the PDF is filed elsewhere.
    Sha256Hex(String),
}

/// What is recorded for a message sent on paper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaperRecord {
    /// The PDF, if it was stored.
    pub pdf: Option<Vec<u8>>,
    /// The PDF's SHA-256, lower-case hex.
    pub sha256_hex: String,
}

/// A failed attempt (to submit, or to fetch a status) and when to try again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptFailure {
    /// A stable code the UI can map to a text, e.g. `timeout`, `soap_fault`.
    pub code: String,
    /// Plain reason shown to the officer.
    pub reason: String,
    /// Whether trying again can help (time-outs: yes; a rejected document: no).
    pub retryable: bool,
    /// When to try again; `None` waits for the officer
    /// ([`Store::reschedule`](crate::Store::reschedule)).
    pub next_attempt_at: Option<OffsetDateTime>,
}

/// An attachment as stored (its bytes via
/// [`Store::attachment_bytes`](crate::Store::attachment_bytes)).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StoredAttachment {
    /// The attachment's row id.
    #[serde(skip)]
    pub id: i64,
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// MD5 of the bytes, lower-case hex (as the delivery declares it).
    #[serde(rename = "md5")]
    pub md5_hex: String,
    /// SHA-256 of the bytes, lower-case hex.
    #[serde(rename = "sha256")]
    pub sha256_hex: String,
}

/// A stored message: its content, where it is in its life, and its
/// attachments' metadata. Serialised (flat, times in RFC 3339) it is a line
/// of the JSONL export, less the history the export adds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    /// What the message says, from whom and to whom.
    #[serde(flatten)]
    pub content: MessageContent,
    /// When it was enqueued.
    #[serde(serialize_with = "wire::instant")]
    pub created_at: OffsetDateTime,
    /// Current state.
    pub state: SendState,
    /// When the current state was entered.
    #[serde(serialize_with = "wire::instant")]
    pub state_at: OffsetDateTime,
    /// The intermediary's distribution id, once submitted.
    pub distribution_id: Option<String>,
    /// The recipient's mailbox, once submitted.
    pub mailbox: Option<Mailbox>,
    /// Why it failed, when [`SendState::Failed`].
    pub failure_reason: Option<String>,
    /// How many attempts have failed so far.
    pub attempts: u32,
    /// The outstanding failed attempt, if the last attempt failed.
    #[serde(skip)]
    pub last_failure: Option<AttemptFailure>,
    /// When the pipeline should next act on it (send, or fetch a status);
    /// `None` when final or waiting for the officer.
    #[serde(skip)]
    pub next_attempt_at: Option<OffsetDateTime>,
    /// Attachments' metadata, in order.
    pub attachments: Vec<StoredAttachment>,
    /// SHA-256 (hex) of the message's document, where one was kept (its
    /// bytes via [`Store::message_document`](crate::Store::message_document)).
    pub document_sha256: Option<String>,
}

/// Columns read by [`message_from_row`], in order.
pub(crate) const MESSAGE_COLUMNS: &str = "sort_key, id, correlation_id, profile, sender_org, \
    sender_name, recipient, recipient_display, subject, body, case_number, attention, \
    protection_class, case_type, created_at, state, state_at, distribution_id, failure_reason, \
    attempts, last_error_code, last_error_reason, retryable, next_attempt_at, officer_account, \
    officer_name, mailbox_operator, mailbox_address, event_status, preceding_event_id";

/// [`MESSAGE_COLUMNS`] qualified with a table alias, for queries that join
/// tables with columns of the same names (the full-text index).
pub(crate) fn prefixed_message_columns(alias: &str) -> String {
    MESSAGE_COLUMNS
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a message row (its attachments left empty) and its sort key,
/// checking every value back into its type: a row edited outside Kuvert
/// into something Kuvert would never have written is [`StoreError::Corrupt`].
pub(crate) fn message_from_row(row: &Row<'_>) -> Result<(i64, Message), StoreError> {
    let text = |column: usize| -> Result<String, StoreError> {
        row.get(column).during("reading a message")
    };
    let optional = |column: usize| -> Result<Option<String>, StoreError> {
        row.get(column).during("reading a message")
    };
    let integer =
        |column: usize| -> Result<i64, StoreError> { row.get(column).during("reading a message") };
    let sort_key = integer(0)?;
    let message_id = text(1)?;
    let corrupt = |what: &str, value: &str| StoreError::Corrupt {
        what: format!("message {message_id}: {what} {value:?}"),
    };
    let recipient_wire = text(6)?;
    let recipient = RecipientId::from_wire(&recipient_wire)
        .map_err(|_| corrupt("recipient", &recipient_wire))?;
    // The column officers' searches and the CSV export read must say what
    // the recipient is, not something else.
    let shown = text(7)?;
    if shown != recipient.display_form() {
        return Err(corrupt("recipient shown as", &shown));
    }
    let class = integer(12)?;
    let protection_class = u8::try_from(class)
        .ok()
        .and_then(|c| ProtectionClass::new(c).ok())
        .ok_or_else(|| corrupt("protection class", &class.to_string()))?;
    let sender_org = text(4)?;
    let sender_name = text(5)?;
    let subject = text(8)?;
    let content = MessageContent {
        message_id: MessageId::new(&message_id).map_err(|_| corrupt("id", &message_id))?,
        correlation_id: {
            let id = text(2)?;
            MessageId::new(&id).map_err(|_| corrupt("correlation id", &id))?
        },
        profile: text(3)?,
        sender_org: OrganizationNumber::from_wire(&sender_org)
            .map_err(|_| corrupt("sender organisation", &sender_org))?,
        sender_name: SenderName::new(&sender_name)
            .map_err(|_| corrupt("sender name", &sender_name))?,
        recipient,
        subject: Subject::new(&subject).map_err(|_| corrupt("subject", &subject))?,
        body: text(9)?,
        case_number: optional(10)?
            .map(|c| CaseNumber::new(&c).map_err(|_| corrupt("case number", &c)))
            .transpose()?,
        attention: optional(11)?
            .map(|a| Attention::new(&a).map_err(|_| corrupt("attention", &a)))
            .transpose()?,
        protection_class,
        case_type: optional(13)?,
        officer: match (optional(24)?, optional(25)?) {
            (Some(account), Some(name)) => Some(Officer { account, name }),
            _ => None,
        },
        event: match (optional(28)?, optional(29)?) {
            (None, None) => None,
            (Some(status), preceding) => Some(CaseEvent {
                status: MatterStatus::from_wire(&status)
                    .ok_or_else(|| corrupt("event status", &status))?,
                preceding_event_id: preceding
                    .map(|p| MessageId::new(&p).map_err(|_| corrupt("preceding event id", &p)))
                    .transpose()?,
            }),
            (None, Some(preceding)) => {
                return Err(corrupt("preceding event id without an event", &preceding))
            }
        },
    };
    let next_attempt_at = row
        .get::<_, Option<i64>>(23)
        .during("reading a message")?
        .map(from_unix)
        .transpose()?;
    let last_failure = match (optional(20)?, optional(21)?) {
        (Some(code), Some(reason)) => Some(AttemptFailure {
            code,
            reason,
            retryable: row
                .get::<_, Option<i64>>(22)
                .during("reading a message")?
                .unwrap_or(0)
                != 0,
            next_attempt_at,
        }),
        _ => None,
    };
    let message = Message {
        content,
        created_at: from_unix(integer(14)?)?,
        state: parse_state(&text(15)?)?,
        state_at: from_unix(integer(16)?)?,
        distribution_id: optional(17)?,
        mailbox: match (optional(26)?, optional(27)?) {
            (Some(operator), Some(service_address)) => Some(Mailbox {
                operator,
                service_address,
            }),
            _ => None,
        },
        failure_reason: optional(18)?,
        attempts: u32::try_from(integer(19)?).unwrap_or(u32::MAX),
        last_failure,
        next_attempt_at,
        attachments: Vec::new(),
        document_sha256: None,
    };
    Ok((sort_key, message))
}

/// Parses a stored state name.
pub(crate) fn parse_state(name: &str) -> Result<SendState, StoreError> {
    SendState::parse(name).ok_or_else(|| StoreError::Corrupt {
        what: format!("unknown state {name:?}"),
    })
}

/// Folds a case number for exact and prefix matching: trimmed, inner
/// whitespace collapsed to one space, upper-case ("ks  2026/0123" and
/// "KS 2026/0123" are the same case).
pub(crate) fn case_key(case_number: &str) -> String {
    case_number
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// SHA-256 of `bytes`, lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha256(bytes))
}

fn md5_hex(bytes: &[u8]) -> Result<String, StoreError> {
    hash(MessageDigest::md5(), bytes)
        .map(|d| hex(&d))
        .map_err(|e| StoreError::InvalidInput {
            field: "attachment",
            reason: format!("MD5 unavailable: {e}"),
        })
}

/// Bits of the sort key below the creation second.
const SORT_KEY_SHIFT: u32 = 20;

/// The first sort key of second `secs`.
pub(crate) fn sort_key_floor(secs: i64) -> i64 {
    secs.saturating_mul(1 << SORT_KEY_SHIFT)
}

/// The next free sort key within the second `created_at`.
fn next_sort_key(conn: &Connection, created_at: i64) -> Result<i64, StoreError> {
    let floor = sort_key_floor(created_at);
    let ceiling = sort_key_floor(created_at.saturating_add(1));
    let max: Option<i64> = conn
        .prepare_cached("SELECT max(sort_key) FROM messages WHERE sort_key >= ?1 AND sort_key < ?2")
        .and_then(|mut s| s.query_row([floor, ceiling], |r| r.get(0)))
        .during("allocating a row key")?;
    let key = max.map_or(floor, |m| m + 1);
    if key >= ceiling {
        return Err(StoreError::InvalidInput {
            field: "created_at",
            reason: "more than a million messages in one second".into(),
        });
    }
    Ok(key)
}

/// Inserts the message, its attachments and its search entry; returns the
/// sort key. Part of a caller's transaction (see [`crate::Batch`]).
pub(crate) fn insert(
    conn: &Connection,
    message: &OutgoingMessage,
    created_at: i64,
    last_seq: i64,
) -> Result<i64, StoreError> {
    let content = &message.content;
    let id = content.message_id.as_str();
    let exists: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM messages WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .during("checking for a duplicate message")?;
    if exists.is_some() {
        return Err(StoreError::DuplicateMessage {
            message_id: id.to_owned(),
        });
    }
    let sort_key = next_sort_key(conn, created_at)?;
    let names = message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    conn.prepare_cached(
        "INSERT INTO messages (sort_key, id, correlation_id, profile, sender_org, sender_name,
             recipient, recipient_display, subject, body, case_number, case_key, attention,
             protection_class, case_type, attachment_count, attachment_names, created_at,
             state, state_at, next_attempt_at, last_seq, officer_account, officer_name,
             event_status, preceding_event_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, 'queued', ?18, ?18, ?19, ?20, ?21, ?22, ?23)",
    )
    .and_then(|mut s| {
        s.execute(params![
            sort_key,
            id,
            content.correlation_id.as_str(),
            content.profile,
            content.sender_org.as_str(),
            content.sender_name.as_str(),
            content.recipient.as_str(),
            content.recipient.display_form(),
            content.subject.as_str(),
            content.body,
            content.case_number.as_ref().map(CaseNumber::as_str),
            content.case_number.as_ref().map(|c| case_key(c.as_str())),
            content.attention.as_ref().map(Attention::as_str),
            content.protection_class.get(),
            content.case_type,
            message.attachments.len() as i64,
            names,
            created_at,
            last_seq,
            content.officer.as_ref().map(|o| o.account.as_str()),
            content.officer.as_ref().map(|o| o.name.as_str()),
            content.event.as_ref().map(|e| e.status.wire()),
            content
                .event
                .as_ref()
                .and_then(|e| e.preceding_event_id.as_ref())
                .map(MessageId::as_str),
        ])
    })
    .during("storing the message")?;
    for (position, attachment) in message.attachments.iter().enumerate() {
        let md5 = md5_hex(&attachment.bytes)?;
        conn.prepare_cached(
            "INSERT INTO attachments (sort_key, position, name, content_type, size, md5_hex, sha256_hex)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .and_then(|mut s| {
            s.execute(params![
                sort_key,
                position as i64,
                attachment.name,
                attachment.content_type,
                attachment.bytes.len() as i64,
                md5,
                sha256_hex(&attachment.bytes),
            ])
        })
        .during("storing an attachment")?;
        let id = conn.last_insert_rowid();
        conn.prepare_cached(
            "INSERT INTO attachment_content (attachment_id, bytes) VALUES (?1, ?2)",
        )
        .and_then(|mut s| s.execute(params![id, attachment.bytes]))
        .during("storing an attachment's bytes")?;
    }
    if let Some(pdf) = &message.document {
        conn.prepare_cached(
            "INSERT INTO message_documents (sort_key, pdf, sha256_hex) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut s| s.execute(params![sort_key, pdf, sha256_hex(pdf)]))
        .during("storing the message's document")?;
    }
    crate::search::index(conn, sort_key, content, &names)?;
    Ok(sort_key)
}

/// Event messages in the case `case_number` stand in this condition over
/// `messages` (parameter 1 the folded case number).
const CASE_EVENTS: &str = "case_key = ?1 AND event_status IS NOT NULL";

/// The latest event message to `recipient` in the case `case_number` that
/// its mailbox has or may yet get: any state but Failed and Paper. A failed
/// message never reached the mailbox and one sent on paper reached it only
/// on paper, so the recipient's mailbox cannot thread a new event after
/// either of them; the new one follows the last event that can be there.
pub(crate) fn latest_event(
    conn: &Connection,
    case_number: &CaseNumber,
    recipient: &RecipientId,
) -> Result<Option<Message>, StoreError> {
    let condition = format!(
        "sort_key = (SELECT max(sort_key) FROM messages
                     WHERE {CASE_EVENTS} AND recipient = ?2 AND state NOT IN ('failed', 'paper'))"
    );
    let mut found = load_where(
        conn,
        &condition,
        [
            case_key(case_number.as_str()),
            recipient.as_str().to_owned(),
        ],
    )?;
    Ok(found.pop())
}

/// Every event message in the case `case_number`, to any recipient and in
/// any state, oldest first: the case's thread.
pub(crate) fn case_events(
    conn: &Connection,
    case_number: &CaseNumber,
) -> Result<Vec<Message>, StoreError> {
    load_where(conn, CASE_EVENTS, [case_key(case_number.as_str())])
}

/// The sort key and current state of message `id`.
pub(crate) fn locate(conn: &Connection, id: &str) -> Result<(i64, SendState), StoreError> {
    let found: Option<(i64, String)> = conn
        .prepare_cached("SELECT sort_key, state FROM messages WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .during("looking up a message")?;
    let (key, state) = found.ok_or_else(|| StoreError::MessageNotFound {
        message_id: id.to_owned(),
    })?;
    Ok((key, parse_state(&state)?))
}

/// The sort key of message `id` if it is in state `expected`; else the
/// compare-and-set's [`StoreError::Conflict`].
fn expect_state(conn: &Connection, id: &str, expected: SendState) -> Result<i64, StoreError> {
    let (key, actual) = locate(conn, id)?;
    if actual != expected {
        return Err(StoreError::Conflict {
            message_id: id.to_owned(),
            expected,
            actual,
        });
    }
    Ok(key)
}

/// Loads one message with its attachments.
pub(crate) fn load(conn: &Connection, id: &str) -> Result<Option<Message>, StoreError> {
    let mut messages = load_where(conn, "id = ?1", [id])?;
    Ok(messages.pop())
}

/// Loads every message matching `condition` (a WHERE clause over
/// `messages`), oldest first.
pub(crate) fn load_where(
    conn: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Message>, StoreError> {
    let mut statement = conn
        .prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE {condition} ORDER BY sort_key"
        ))
        .during("listing messages")?;
    let mut rows = statement.query(params).during("listing messages")?;
    let mut messages = Vec::new();
    while let Some(row) = rows.next().during("listing messages")? {
        let (key, mut message) = message_from_row(row)?;
        message.attachments = attachments(conn, key)?;
        message.document_sha256 = document_sha256(conn, key)?;
        messages.push(message);
    }
    Ok(messages)
}

/// The SHA-256 recorded for the document of the message with `sort_key`.
pub(crate) fn document_sha256(
    conn: &Connection,
    sort_key: i64,
) -> Result<Option<String>, StoreError> {
    conn.prepare_cached("SELECT sha256_hex FROM message_documents WHERE sort_key = ?1")
        .and_then(|mut s| s.query_row([sort_key], |r| r.get(0)).optional())
        .during("reading a message's document")
}

/// Attachments' metadata of the message with `sort_key`, in order.
pub(crate) fn attachments(
    conn: &Connection,
    sort_key: i64,
) -> Result<Vec<StoredAttachment>, StoreError> {
    conn.prepare_cached(
        "SELECT id, name, content_type, size, md5_hex, sha256_hex FROM attachments
         WHERE sort_key = ?1 ORDER BY position",
    )
    .and_then(|mut s| s.query_map([sort_key], stored_attachment)?.collect())
    .during("reading attachments")
}

/// An attachment's row, its columns first in the order `id, name,
/// content_type, size, md5_hex, sha256_hex`.
pub(crate) fn stored_attachment(r: &Row<'_>) -> rusqlite::Result<StoredAttachment> {
    Ok(StoredAttachment {
        id: r.get(0)?,
        name: r.get(1)?,
        content_type: r.get(2)?,
        size: r.get::<_, i64>(3)?.max(0) as u64,
        md5_hex: r.get(4)?,
        sha256_hex: r.get(5)?,
    })
}

/// Applies a checked transition to the row: compare-and-set on `expected`.
/// Returns the history detail and the SHA-256 of any blob it stored.
pub(crate) fn apply(
    conn: &Connection,
    id: &str,
    expected: SendState,
    next: &NextState,
    at: i64,
    seq: i64,
) -> Result<(i64, String, Option<String>), StoreError> {
    // Which moves exist is the lifecycle's to say (kuvert_core::lifecycle);
    // the store persists the move it is given, if the message is still in
    // the state the move starts from.
    let key = expect_state(conn, id, expected)?;
    if matches!(next, NextState::Withdrawn) && handed_over(conn, key)? {
        return Err(StoreError::HandedOver {
            message_id: id.to_owned(),
        });
    }
    let to = next.state();
    let final_at = to.is_final().then_some(at);
    // A non-final message is due at once for its next step (signed → submit,
    // submitted/pending → status check) — unless a claim is still running:
    // the claimant carries on (sign, then submit) without a second claim,
    // and nobody else picks the message up meanwhile.
    let next_attempt_at = (!to.is_final()).then_some(at);
    let mailbox = match next {
        NextState::Submitted { mailbox, .. } | NextState::HandedToOperator { mailbox, .. } => {
            Some(mailbox)
        }
        _ => None,
    };
    let changed = conn
        .prepare_cached(
            "UPDATE messages SET state = ?1, state_at = ?2, final_at = ?3,
                 next_attempt_at = CASE WHEN ?4 IS NULL THEN NULL
                                        ELSE max(?4, coalesce(next_attempt_at, ?4)) END,
                 last_error_code = NULL, last_error_reason = NULL, retryable = NULL, last_seq = ?5,
                 distribution_id = coalesce(?6, distribution_id),
                 failure_reason = coalesce(?7, failure_reason),
                 mailbox_operator = coalesce(?10, mailbox_operator),
                 mailbox_address = coalesce(?11, mailbox_address)
             WHERE sort_key = ?8 AND state = ?9",
        )
        .and_then(|mut s| {
            s.execute(params![
                to.as_str(),
                at,
                final_at,
                next_attempt_at,
                seq,
                match next {
                    NextState::Submitted {
                        distribution_id, ..
                    } => Some(distribution_id.as_str()),
                    NextState::HandedToOperator { transaction_id, .. } => {
                        Some(transaction_id.as_str())
                    }
                    _ => None,
                },
                match next {
                    NextState::Failed { reason } => Some(reason.as_str()),
                    _ => None,
                },
                key,
                expected.as_str(),
                mailbox.map(|m| m.operator.as_str()),
                mailbox.map(|m| m.service_address.as_str()),
            ])
        })
        .during("changing a message's state")?;
    if changed != 1 {
        // Unreachable inside our IMMEDIATE transaction, kept as the
        // compare-and-set's last line of defence.
        let (_, actual) = locate(conn, id)?;
        return Err(StoreError::Conflict {
            message_id: id.to_owned(),
            expected,
            actual,
        });
    }
    let (detail, blob_sha256) = match next {
        NextState::Signed { signed_xml } => {
            conn.prepare_cached(
                "INSERT INTO signed_deliveries (sort_key, xml) VALUES (?1, ?2)
                 ON CONFLICT (sort_key) DO UPDATE SET xml = excluded.xml",
            )
            .and_then(|mut s| s.execute(params![key, signed_xml]))
            .during("storing the signed delivery")?;
            let digest = sha256_hex(signed_xml);
            (
                format!("signed delivery, {} bytes", signed_xml.len()),
                Some(digest),
            )
        }
        // The mailbox is in the history's detail, so the hash chain seals it.
        NextState::Submitted {
            distribution_id,
            mailbox,
        } => (submitted_detail(distribution_id, Some(mailbox)), None),
        NextState::HandedToOperator {
            transaction_id,
            mailbox,
            sealed_on,
        } => (
            handed_to_operator_detail(transaction_id, mailbox, sealed_on),
            None,
        ),
        NextState::Pending => ("delivery pending".to_owned(), None),
        NextState::Delivered => ("delivered".to_owned(), None),
        NextState::Failed { reason } => (reason.clone(), None),
        NextState::Paper { letter } => {
            let (pdf, digest) = match letter {
                PaperLetter::Pdf(pdf) => (Some(pdf.as_slice()), sha256_hex(pdf)),
                PaperLetter::Sha256Hex(h) => (None, h.to_ascii_lowercase()),
            };
            conn.prepare_cached(
                "INSERT INTO paper_letters (sort_key, pdf, sha256_hex) VALUES (?1, ?2, ?3)
                 ON CONFLICT (sort_key) DO UPDATE SET pdf = excluded.pdf, sha256_hex = excluded.sha256_hex",
            )
            .and_then(|mut s| s.execute(params![key, pdf, digest]))
            .during("storing the paper letter")?;
            ("sent on paper".to_owned(), Some(digest))
        }
        NextState::Withdrawn => ("withdrawn by the officer".to_owned(), None),
    };
    Ok((key, detail, blob_sha256))
}

/// Whether the pipeline has begun to hand the message with `key` to the
/// intermediary (see [`Store::hand_over`](crate::Store::hand_over)).
pub(crate) fn handed_over(conn: &Connection, key: i64) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT handed_over_at IS NOT NULL FROM messages WHERE sort_key = ?1")
        .and_then(|mut s| s.query_row([key], |row| row.get(0)))
        .during("reading whether a message was handed over")
}

/// See [`Store::hand_over`](crate::Store::hand_over).
pub(crate) fn hand_over(conn: &Connection, id: &str, at: i64) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE messages SET handed_over_at = coalesce(handed_over_at, ?2)
             WHERE id = ?1 AND state = 'signed'",
        )
        .and_then(|mut s| s.execute(params![id, at]))
        .during("recording that a message is being handed over")?;
    Ok(changed == 1)
}

/// The history detail of a submission: the distribution id and the mailbox
/// (which messages submitted before Kuvert recorded it lack).
pub(crate) fn submitted_detail(distribution_id: &str, mailbox: Option<&Mailbox>) -> String {
    match mailbox {
        Some(m) => format!(
            "distribution id {distribution_id}; mailbox {} ({})",
            m.operator, m.service_address
        ),
        None => format!("distribution id {distribution_id}"),
    }
}

/// The history detail of [`NextState::HandedToOperator`]: "operator
/// transaction id X; mailbox OPERATOR (ADDRESS); sealed on YYYY-MM-DD".
pub(crate) fn handed_to_operator_detail(
    transaction_id: &str,
    mailbox: &Mailbox,
    sealed_on: &str,
) -> String {
    format!(
        "{OPERATOR_TRANSACTION}{transaction_id}; mailbox {} ({}); sealed on {sealed_on}",
        mailbox.operator, mailbox.service_address
    )
}

/// How the history detail of a hand-over to a mailbox operator (direct
/// mode, [`NextState::HandedToOperator`]) begins.
pub const OPERATOR_TRANSACTION: &str = "operator transaction id ";

/// The seal date at the end of a [`handed_to_operator_detail`], when it is
/// a well-formed `YYYY-MM-DD`.
pub(crate) fn sealed_on(detail: &str) -> Option<&str> {
    let (_, date) = detail.rsplit_once("; sealed on ")?;
    let well_formed = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    well_formed.then_some(date)
}

/// See [`Store::claim`](crate::Store::claim).
pub(crate) fn claim(
    conn: &Connection,
    id: &str,
    expected: SendState,
    now: i64,
    until: i64,
) -> Result<(), StoreError> {
    let key = expect_state(conn, id, expected)?;
    let next: Option<i64> = conn
        .prepare_cached("SELECT next_attempt_at FROM messages WHERE sort_key = ?1")
        .and_then(|mut s| s.query_row([key], |r| r.get(0)))
        .during("claiming a message")?;
    match next {
        Some(next) if next <= now => {}
        Some(next) => {
            return Err(StoreError::Claimed {
                message_id: id.to_owned(),
                until: from_unix(next)?,
            })
        }
        None => {
            return Err(StoreError::InvalidInput {
                field: "claim",
                reason: format!(
                    "message {id} is not scheduled (final, or waiting for the officer)"
                ),
            })
        }
    }
    conn.prepare_cached("UPDATE messages SET next_attempt_at = ?1 WHERE sort_key = ?2")
        .and_then(|mut s| s.execute(params![until, key]))
        .during("claiming a message")?;
    Ok(())
}

/// Records a failed attempt: compare-and-set on `expected`, which must not
/// be final. Returns the sort key and the new attempt count.
pub(crate) fn record_failure(
    conn: &Connection,
    id: &str,
    expected: SendState,
    failure: &AttemptFailure,
    seq: i64,
) -> Result<(i64, u32), StoreError> {
    let key = expect_state(conn, id, expected)?;
    if expected.is_final() {
        return Err(StoreError::InvalidInput {
            field: "attempt failure",
            reason: format!("message {id} is already {expected}"),
        });
    }
    let attempts: i64 = conn
        .prepare_cached(
            "UPDATE messages SET attempts = attempts + 1, last_error_code = ?1,
                 last_error_reason = ?2, retryable = ?3, next_attempt_at = ?4, last_seq = ?5
             WHERE sort_key = ?6 AND state = ?7 RETURNING attempts",
        )
        .and_then(|mut s| {
            s.query_row(
                params![
                    failure.code,
                    failure.reason,
                    failure.retryable,
                    failure.next_attempt_at.map(to_unix),
                    seq,
                    key,
                    expected.as_str(),
                ],
                |r| r.get(0),
            )
        })
        .during("recording a failed attempt")?;
    Ok((key, u32::try_from(attempts).unwrap_or(u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_database;

    #[test]
    fn migration_creates_tables_and_constraints_hold() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        for table in [
            "messages",
            "attachments",
            "attachment_content",
            "signed_deliveries",
            "paper_letters",
        ] {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, 1, "{table}");
        }
        let bad_class = conn.execute(
            "INSERT INTO messages (sort_key, id, correlation_id, profile, sender_org, sender_name,
                recipient, recipient_display, subject, body, protection_class, created_at, state,
                state_at, last_seq)
             VALUES (1, 'a', 'c', 'p', 'o', 'n', '198501012382', 'r', 's', 'b', 4, 0, 'queued', 0, 1)",
            [],
        );
        assert!(
            bad_class.is_err(),
            "protection class 4 must be refused by the table"
        );
    }

    /// A database written before withdrawal existed: its CHECK on the state
    /// is widened in place (rows kept, other states still refused), and
    /// what was already past the Outbox's first step counts as handed over.
    #[test]
    fn the_withdrawal_steps_widen_the_state_check_of_an_older_database() {
        let older = Migrations {
            component: "messages",
            steps: &MIGRATIONS.steps[..MIGRATIONS.steps.len() - 2],
        };
        let (_dir, conn) = test_database(&[&older]);
        for (key, id, state) in [(1, "q", "queued"), (2, "s", "signed")] {
            conn.execute(
                "INSERT INTO messages (sort_key, id, correlation_id, profile, sender_org, sender_name,
                    recipient, recipient_display, subject, body, protection_class, created_at, state,
                    state_at, last_seq)
                 VALUES (?1, ?2, 'c', 'p', 'o', 'n', '198501012382', 'r', 's', 'b', 2, 0, ?3, 7, 1)",
                (key, id, state),
            )
            .unwrap();
        }
        let withdraw = |conn: &Connection, id: &str| {
            conn.execute(
                "UPDATE messages SET state = 'withdrawn' WHERE id = ?1",
                [id],
            )
        };
        assert!(withdraw(&conn, "q").is_err(), "the older CHECK refuses it");

        crate::schema::migrate(&conn, &[&MIGRATIONS]).unwrap();
        let handed: Vec<(String, Option<i64>)> = conn
            .prepare("SELECT id, handed_over_at FROM messages ORDER BY sort_key")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(handed, [("q".into(), None), ("s".into(), Some(7))]);
        assert_eq!(withdraw(&conn, "q").unwrap(), 1);
        assert!(conn
            .execute("UPDATE messages SET state = 'gone' WHERE id = 's'", [])
            .is_err());
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    #[test]
    fn state_names_round_trip() {
        for s in SendState::ALL {
            assert_eq!(SendState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn case_keys_fold_spacing_and_case() {
        assert_eq!(case_key("  ks  2026/0123 "), "KS 2026/0123");
        assert_eq!(case_key("Bn 2025/7"), "BN 2025/7");
    }
}
