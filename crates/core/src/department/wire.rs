//! What crosses between `kuvert-server` and its clients, as JSON: a
//! [`Submission`] (the compose form, with its idempotency key), the server's
//! answers ([`Accepted`], [`MessageView`], [`HistoryLine`]) and
//! [`ApiError`]. Both sides build and read these, so they cannot disagree.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::compose::{AttachmentFile, CaseStatus, Draft};

/// A message handed to the server to send: the compose form as the officer
/// filled it in (the server validates it again) and a key that makes
/// handing it over twice store it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Chosen by the client, one per message it means to send: a repeated
    /// submission (its answer was lost) finds the stored message.
    pub submission_id: String,
    /// The recipient's identity number as typed.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The message text.
    pub body: String,
    /// Skyddsklass, if chosen.
    pub protection_class: Option<u8>,
    /// The diarienummer.
    pub case_number: String,
    /// For the attention of.
    pub attention: String,
    /// The case type the draft was started from.
    pub case_type: Option<String>,
    /// An event message's case state.
    pub event: Option<CaseStatus>,
    /// The sender name, `None` for the organisation's default.
    pub sender_name: Option<String>,
    /// The recipient's postal address as typed, for a letter (empty for
    /// none; absent from clients older than it).
    #[serde(default)]
    pub postal_address: String,
    /// The attached files, base64 in the JSON.
    pub attachments: Vec<WireAttachment>,
}

/// One attached file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireAttachment {
    /// The file name.
    pub file_name: String,
    /// The content, standard base64.
    pub base64: String,
}

impl Submission {
    /// The submission of `draft` under `submission_id`.
    pub fn from_draft(draft: &Draft, submission_id: &str) -> Submission {
        Submission {
            submission_id: submission_id.to_string(),
            recipient: draft.recipient.clone(),
            subject: draft.subject.clone(),
            body: draft.body.clone(),
            protection_class: draft.protection_class,
            case_number: draft.case_number.clone(),
            attention: draft.attention.clone(),
            case_type: draft.case_type.clone(),
            event: draft.event,
            sender_name: draft.sender_name.clone(),
            postal_address: draft.postal_address.clone(),
            attachments: draft
                .attachments
                .iter()
                .map(|a| WireAttachment {
                    file_name: a.file_name.clone(),
                    base64: base64::engine::general_purpose::STANDARD.encode(&a.bytes),
                })
                .collect(),
        }
    }

    /// The compose form again, or which attachment is not base64.
    pub fn to_draft(&self) -> Result<Draft, String> {
        let attachments = self
            .attachments
            .iter()
            .map(|a| {
                base64::engine::general_purpose::STANDARD
                    .decode(&a.base64)
                    .map(|bytes| AttachmentFile::new(&a.file_name, bytes))
                    .map_err(|_| format!("attachment {:?} is not base64", a.file_name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Draft {
            recipient: self.recipient.clone(),
            subject: self.subject.clone(),
            body: self.body.clone(),
            attachments,
            protection_class: self.protection_class,
            case_number: self.case_number.clone(),
            attention: self.attention.clone(),
            case_type: self.case_type.clone(),
            event: self.event,
            sender_name: self.sender_name.clone(),
            postal_address: self.postal_address.clone(),
        })
    }
}

/// The server's answer to a submission: the message is stored (durably,
/// before this answer) and in its Outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// The message id the delivery was signed with.
    pub message_id: String,
    /// Its state now (`signed` for a new one).
    pub state: String,
    /// `false` when this submission id was stored before (nothing new).
    pub created: bool,
}

/// A message in the department's log, as its officer or a registrar reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// The message id.
    pub message_id: String,
    /// The officer's identity (their certificate's).
    pub officer: String,
    /// The officer's name.
    pub officer_name: String,
    /// The officer's unit.
    pub unit: Option<String>,
    /// The sender name (nämnd).
    pub sender_name: String,
    /// The recipient, as shown.
    pub recipient: String,
    /// The subject.
    pub subject: String,
    /// The diarienummer.
    pub case_number: Option<String>,
    /// The state (`signed`, `submitted`, `delivered`, `paper`, …).
    pub state: String,
    /// When the state was entered (RFC 3339, UTC).
    pub state_at: String,
    /// When the message was stored (RFC 3339, UTC).
    pub created_at: String,
    /// The intermediary's distribution id, once submitted.
    pub distribution_id: Option<String>,
    /// The recipient's mailbox operator, once submitted.
    pub mailbox_operator: Option<String>,
    /// Why it failed, when failed.
    pub failure_reason: Option<String>,
    /// The last failed attempt's reason while it is retried.
    pub retry_reason: Option<String>,
    /// The attachments' names, in order.
    pub attachments: Vec<String>,
    /// Skyddsklass (0 when an older server did not say).
    #[serde(default)]
    pub protection_class: u8,
    /// The message text.
    #[serde(default)]
    pub body: String,
    /// For the attention of.
    #[serde(default)]
    pub attention: Option<String>,
    /// The mailbox operator's service address, once submitted.
    #[serde(default)]
    pub mailbox_address: Option<String>,
    /// When the server's worker next acts on it (RFC 3339, UTC).
    #[serde(default)]
    pub next_attempt_at: Option<String>,
    /// An event message's case state (`senderinitiative`, …).
    #[serde(default)]
    pub event_status: Option<String>,
    /// The event it follows in its case (`PrecedingEventId`).
    #[serde(default)]
    pub preceding_event_id: Option<String>,
    /// The attachments' metadata, in order.
    #[serde(default)]
    pub attachment_files: Vec<AttachmentInfo>,
    /// A Failed message the officer followed up (handled outside Kuvert or
    /// sent again); set in folder listings.
    #[serde(default)]
    pub followed_up: bool,
}

/// An attachment of a message in the department's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    /// The file name.
    pub name: String,
    /// Its MIME type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// One line of a message's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryLine {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// What happened (`enqueued`, `transition`, `attempt_failed`).
    pub kind: String,
    /// The state after it.
    pub state: String,
    /// What it recorded (a distribution id, a reason).
    pub detail: Option<String>,
}

/// What an export of the department log holds (`GET /v1/export.csv?q=&case=`):
/// the caller's reach, narrowed by these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFilter {
    /// A substring of the search text (subject, recipient, diarienummer,
    /// officer, body).
    #[serde(rename = "q", default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A diarienummer, exactly; with a trailing `*`, every one it begins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
}

/// Recipients an officer asks about before sending (`POST /v1/recipients`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientQuestion {
    /// The identity numbers as typed (at most 1000).
    pub inputs: Vec<String>,
}

/// The server's answer about one recipient, asked of FaR with the
/// organisation's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientAnswer {
    /// As typed.
    pub input: String,
    /// Why it is not a valid identity number (English), when it is not.
    pub invalid: Option<String>,
    /// The recipient (display form), when valid.
    pub recipient: Option<String>,
    /// The mailbox operator, when the recipient can receive digital mail.
    pub operator: Option<String>,
    /// The answer in plain Swedish.
    pub swedish: String,
    /// The answer in plain English.
    pub english: String,
}

impl RecipientAnswer {
    /// The answer of one of [`crate::app::check_recipients`]' outcomes.
    pub fn of(outcome: crate::CheckOutcome) -> RecipientAnswer {
        match outcome {
            crate::CheckOutcome::Invalid { input, reason } => RecipientAnswer {
                input,
                invalid: Some(reason),
                recipient: None,
                operator: None,
                swedish: String::new(),
                english: String::new(),
            },
            crate::CheckOutcome::Checked {
                input,
                recipient,
                reachability,
                swedish,
                english,
            } => RecipientAnswer {
                input,
                invalid: None,
                recipient: Some(recipient.display_form()),
                operator: match reachability {
                    kuvert_protocol::soap::Reachability::Digital { operator } => Some(operator),
                    _ => None,
                },
                swedish,
                english,
            },
        }
    }
}

/// Who the server says the caller is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    /// The identity from the client certificate.
    pub identity: String,
    /// The name in the staff table.
    pub name: String,
    /// `officer`, `registrar` or `administrator`.
    pub role: String,
}

/// An error answer: a code the client acts on and a text in Swedish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// `invalid_input`, `not_found`, `forbidden`, `unknown_caller`,
    /// `unavailable` or `internal`.
    pub code: String,
    /// What went wrong, in Swedish.
    pub message: String,
    /// Each problem of an invalid message, in Swedish.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// What the server's check of the log's chain found (`kuvert verify-log`
/// in department mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogCheck {
    /// Chain entries checked.
    pub entries: u64,
    /// Messages checked.
    pub messages: u64,
    /// Every break found (empty: intact).
    pub breaks: Vec<String>,
}

impl LogCheck {
    /// Whether nothing was found.
    pub fn intact(&self) -> bool {
        self.breaks.is_empty()
    }
}

/// An officer's note that a Failed message was handled outside Kuvert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandledRequest {
    /// How it was handled (1–500 characters).
    pub note: String,
}

/// A registrar's order to purge (gallra) what the retention rule allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeRequest {
    /// Purge what has been final for more than this many days (at least the
    /// organisation's rule).
    pub older_than_days: u32,
    /// Only count; remove nothing.
    pub dry_run: bool,
}

/// What a purge removed (or, in a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeAnswer {
    /// How many messages.
    pub count: u64,
    /// The rule applied, in words (as recorded).
    pub rule: String,
    /// Whether nothing was removed.
    pub dry_run: bool,
}

/// One recorded purge of the department log (`GET /v1/purges`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeRecordView {
    /// The purge's number.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who ordered it (the registrar's identity).
    pub purged_by: String,
    /// The rule applied, in words.
    pub rule: String,
    /// What had been final since before this was purged (RFC 3339).
    pub older_than: String,
    /// How many messages.
    pub count: u64,
    /// The SHA-256 of the purged ids (sorted, one per line).
    pub ids_sha256: String,
}

/// A message of an officer's local log, handed to the department server by
/// `kuvert migrate-to-department`: everything the local log kept of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedMessage {
    /// The message id (kept: it is what the delivery was signed with).
    pub message_id: String,
    /// The correlation id.
    pub correlation_id: String,
    /// The local profile's name.
    pub profile: String,
    /// The sender's organisation number (wire form).
    pub sender_org: String,
    /// The sender name.
    pub sender_name: String,
    /// The recipient (wire form).
    pub recipient: String,
    /// The subject.
    pub subject: String,
    /// The text.
    pub body: String,
    /// The diarienummer.
    pub case_number: Option<String>,
    /// For the attention of.
    pub attention: Option<String>,
    /// Skyddsklass.
    pub protection_class: u8,
    /// The case type.
    pub case_type: Option<String>,
    /// An event message's status (wire name) and predecessor.
    pub event_status: Option<String>,
    /// The event it followed.
    pub preceding_event_id: Option<String>,
    /// When it was stored (RFC 3339).
    pub created_at: String,
    /// Its state (`submitted`, `pending`, `delivered`, `failed`, `paper`).
    pub state: String,
    /// When it entered the state (RFC 3339).
    pub state_at: String,
    /// The distribution id.
    pub distribution_id: Option<String>,
    /// The mailbox operator and its address.
    pub mailbox: Option<(String, String)>,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// Who sent it from the local log (account, name).
    pub local_officer: Option<(String, String)>,
    /// The signed delivery, base64.
    pub signed_xml: Option<String>,
    /// The message's document (PDF), base64.
    pub document: Option<String>,
    /// The paper letter (PDF), base64.
    pub paper_letter: Option<String>,
    /// The attachments as sent.
    pub attachments: Vec<ImportedAttachment>,
    /// Its history, oldest first.
    pub history: Vec<HistoryLine>,
}

/// One attachment of an [`ImportedMessage`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedAttachment {
    /// The file name.
    pub name: String,
    /// The MIME type.
    pub content_type: String,
    /// The bytes, base64.
    pub base64: String,
}
