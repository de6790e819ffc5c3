//! The shapes that cross to the UI (data transfer objects), converted from
//! the core's domain types at the boundary. Their TypeScript declarations
//! are generated into `ui/src/lib/backend/types.ts` (see [`typescript`]).
//!
//! Times are ISO 8601 (RFC 3339) strings in Swedish local time with the
//! offset and whole seconds (`2026-12-02T00:15:03+01:00`); the UI shows
//! them in Europe/Stockholm's time whatever the machine's own time zone.
//! Byte counts are plain numbers (JavaScript's safe integers cover any file
//! Kuvert accepts).

use kuvert_core::certificate_import::InstalledCertificate;
use kuvert_core::compose::{ComposeError, EnvelopeSize, Problem};
use kuvert_core::local_time::LocalTime;
use kuvert_core::paths::DataDirError;
use kuvert_core::paths::{LegacyState, Paths};
use kuvert_core::profile::Profile;
use kuvert_core::profile::ProfileLayer;
use kuvert_core::reason::{Answer, CompressedNote, HistoryNote, Reason};
use kuvert_core::{
    CaseEvent, CheckOutcome, DraftAttachment, DraftFields, DraftSummary, Error, ErrorCode,
    FolderItem, FollowUp, MatterStatus, Message, Reachability, SavedDraft, SendReport, SendState,
    SentSummary, StatusEvent,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

/// A time as it crosses to the UI: RFC 3339 in Swedish local time with the
/// offset, `2026-12-02T00:15:03+01:00`.
pub fn time_text(at: OffsetDateTime) -> String {
    LocalTime::of(at).iso()
}

/// The codes the UI acts on; it maps each to a text through its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Correct the input and try again.
    InvalidInput,
    /// The recipient cannot receive secure digital mail.
    NotReachable,
    /// The intermediary or the network failed.
    Remote,
    /// A signature or the sent log does not verify.
    Verification,
    /// The profile, certificate or keyring is not usable.
    Configuration,
    /// No such message or draft.
    NotFound,
    /// The local store or a file failed.
    Storage,
    /// No profile is open yet (first run).
    NotConfigured,
    /// The officer closed a dialog.
    Cancelled,
    /// Anything the core adds later.
    Unknown,
}

/// One problem with the compose form.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProblemView {
    /// The form field (`recipient`, `subject`, …).
    pub field: String,
    /// What kind of problem (a stable code).
    pub kind: String,
    /// In Swedish.
    pub swedish: String,
    /// In English.
    pub english: String,
}

impl From<&Problem> for ProblemView {
    fn from(p: &Problem) -> Self {
        ProblemView {
            field: p.field.code().to_string(),
            kind: p.kind.code().to_string(),
            swedish: p.swedish(),
            english: p.english(),
        }
    }
}

/// Every error a command returns: one shape.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CommandError {
    /// What the UI acts on.
    pub code: ErrorKind,
    /// Detail for the officer (English, from the core); the UI shows its
    /// own text for `code` first.
    pub message: String,
    /// For `invalid_input` on the compose form: every problem.
    pub problems: Vec<ProblemView>,
}

impl CommandError {
    /// An error without problems.
    pub fn new(code: ErrorKind, message: impl Into<String>) -> Self {
        CommandError {
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }
}

impl From<Error> for CommandError {
    fn from(error: Error) -> Self {
        let code = match error.code() {
            ErrorCode::InvalidInput => ErrorKind::InvalidInput,
            ErrorCode::NotReachable => ErrorKind::NotReachable,
            ErrorCode::Remote => ErrorKind::Remote,
            ErrorCode::Verification => ErrorKind::Verification,
            ErrorCode::Configuration => ErrorKind::Configuration,
            ErrorCode::NotFound => ErrorKind::NotFound,
            ErrorCode::Storage => ErrorKind::Storage,
            _ => ErrorKind::Unknown,
        };
        let problems = match &error {
            Error::Compose(compose) => problems(compose),
            Error::DataDir(DataDirError::NetworkShare { dir, file_system }) => vec![ProblemView {
                field: "data_dir".into(),
                kind: "network_share".into(),
                swedish: format!(
                    "Kuverts datamapp {} ligger på en nätverksresurs ({file_system}). Kuvert måste ha sina data på datorns egen disk, eftersom lagret inte fungerar säkert över nätverket. Be IT undanta mappen från mappomdirigering, eller sätt KUVERT_DATA_DIR till en lokal mapp.",
                    dir.display()
                ),
                english: error.to_string(),
            }],
            Error::CertificateImport(import) => vec![ProblemView {
                field: "certificate".into(),
                kind: import.kind().into(),
                swedish: import.swedish(),
                english: import.to_string(),
            }],
            Error::InputFile(file) => vec![ProblemView {
                field: "attachments".into(),
                kind: file.kind().into(),
                swedish: file.swedish(),
                english: file.to_string(),
            }],
            Error::TooYoungToPurge { asked, rule } => vec![ProblemView {
                field: "purge_days".into(),
                kind: "below_retention_rule".into(),
                swedish: format!(
                    "Organisationen bevarar skickade meddelanden i minst {rule} dagar. Gallring av yngre meddelanden nekas; ange {rule} dagar eller fler (du angav {asked})."
                ),
                english: error.to_string(),
            }],
            Error::FollowUp(refused) => vec![ProblemView {
                field: refused.field().into(),
                kind: refused.kind().into(),
                swedish: refused.swedish(),
                english: refused.to_string(),
            }],
            Error::Unfinished { message_id, .. } => vec![ProblemView {
                field: "send".into(),
                kind: "unfinished".into(),
                swedish: format!(
                    "Meddelandet {message_id} är sparat i Utkorgen, men Kuvert kunde inte skriva vad som hände sedan (är disken full?). Det kan redan vara på väg till mottagaren. Skicka det inte igen: Kuvert gör klart det med samma id så snart det går, och mottagaren får det bara en gång."
                ),
                english: error.to_string(),
            }],
            Error::Withdraw(refused) => vec![ProblemView {
                field: "withdraw".into(),
                kind: refused.kind().into(),
                swedish: refused.swedish(),
                english: refused.to_string(),
            }],
            Error::NotAPurger { account } => vec![ProblemView {
                field: "purge".into(),
                kind: "not_a_purger".into(),
                swedish: format!(
                    "Kontot {account} får inte gallra. Gallring görs av registrator; profilen anger vilka konton och grupper som får ([retention] purgers). Kontakta IT-avdelningen."
                ),
                english: error.to_string(),
            }],
            _ => Vec::new(),
        };
        CommandError {
            code,
            message: error.to_string(),
            problems,
        }
    }
}

fn problems(error: &ComposeError) -> Vec<ProblemView> {
    error.problems().iter().map(ProblemView::from).collect()
}

/// A case type (template).
#[derive(Debug, Clone, Serialize, TS)]
pub struct CaseTypeView {
    /// Its name.
    pub name: String,
    /// The subject it fills in.
    pub subject: Option<String>,
    /// The default protection class.
    pub protection_class: Option<u8>,
    /// The body skeleton.
    pub body: Option<String>,
}

/// The organisation's rules the compose form enforces as it goes.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RulesView {
    /// Whether a diarienummer is required.
    pub require_case_number: bool,
    /// Largest single attachment, bytes.
    #[ts(type = "number")]
    pub max_attachment_bytes: u64,
    /// Largest total of attachments, bytes.
    #[ts(type = "number")]
    pub max_total_attachment_bytes: u64,
    /// Largest signed delivery as sent (the SOAP envelope), bytes.
    #[ts(type = "number")]
    pub max_envelope_bytes: u64,
    /// Allowed MIME types.
    pub allowed_attachment_types: Vec<String>,
    /// Retention period in days.
    pub retention_days: u32,
}

/// The profile in use.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProfileView {
    /// Profile name.
    pub name: String,
    /// `production` or `test`.
    pub environment: String,
    /// Sender organisation number (display form).
    pub organisation_number: String,
    /// Sender names; the first is the default.
    pub sender_names: Vec<String>,
    /// Support contact lines.
    pub support: Vec<String>,
    /// Case types.
    pub case_types: Vec<CaseTypeView>,
    /// Rules.
    pub rules: RulesView,
    /// Whether the certificate needs a password from the keyring.
    pub needs_password: bool,
    /// The certificate file (PKCS#12, or the PEM certificate in the test environment).
    pub certificate_file: String,
    /// The profile files read.
    pub files: Vec<String>,
    /// `intermediary` (through an intermediary) or `direct` (Kuvert's own
    /// förmedling: FaR, then the recipient's mailbox operator).
    pub mode: String,
    /// Direct mode's own seal certificate file (`[seal]`), when the profile
    /// names one (otherwise the organisation's certificate seals).
    pub seal_file: Option<String>,
    /// Whether that seal certificate needs a password of its own.
    pub seal_needs_password: bool,
    /// Department mode: the department server (`kuvert-server`) this
    /// profile hands its messages to, which keeps the shared log.
    pub department_url: Option<String>,
}

impl From<&Profile> for ProfileView {
    fn from(p: &Profile) -> Self {
        let rules = p.rules();
        ProfileView {
            name: p.name().to_string(),
            environment: format!("{:?}", p.environment()).to_lowercase(),
            organisation_number: p.organisation_number().display_form(),
            sender_names: p
                .sender_names()
                .iter()
                .map(|n| n.as_str().to_string())
                .collect(),
            support: p.support().lines(),
            case_types: p
                .case_types()
                .iter()
                .map(|c| CaseTypeView {
                    name: c.name().to_string(),
                    subject: c.subject().map(str::to_string),
                    protection_class: c.protection_class().map(|p| p.get()),
                    body: c.body().map(str::to_string),
                })
                .collect(),
            rules: RulesView {
                require_case_number: rules.require_case_number,
                max_attachment_bytes: rules.max_attachment_bytes,
                max_total_attachment_bytes: rules.max_total_attachment_bytes,
                max_envelope_bytes: rules.max_envelope_bytes,
                allowed_attachment_types: rules.allowed_attachment_types.clone(),
                retention_days: rules.retention_days,
            },
            needs_password: p.certificate().needs_password(),
            certificate_file: p.certificate().certificate_path().display().to_string(),
            files: p.files().iter().map(|f| f.display().to_string()).collect(),
            mode: p.mode().code().to_string(),
            seal_file: p
                .own_seal()
                .map(|seal| seal.certificate_path().display().to_string()),
            seal_needs_password: p.own_seal().is_some_and(|seal| seal.needs_password()),
            department_url: p.department().map(|d| d.url.clone()),
        }
    }
}

/// Whether the app has a profile open.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppStatus {
    /// A profile is open.
    pub configured: bool,
    /// It is the built-in test environment.
    pub test_environment: bool,
    /// The profile, when open.
    pub profile: Option<ProfileView>,
    /// Why the configured profile could not be opened, if it could not.
    pub problem: Option<CommandError>,
}

/// The organisation's certificate when it needs attention (expiring within
/// 30 days, or not valid today), as the header warns about it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CertificateHealthView {
    /// Whose: `certificate` (the organisation's) or `ca_bundle` (a CA
    /// certificate the intermediary's servers are trusted by).
    pub check: String,
    /// `warning` (expiring soon) or `problem` (not valid today).
    pub health: String,
    /// Whole days until it expires (negative: expired).
    #[ts(type = "number")]
    pub days_left: i64,
    /// What was found (English, for IT).
    pub found: String,
}

/// The answer about one recipient.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecipientCheck {
    /// Not a valid identity number.
    Invalid {
        /// As entered.
        input: String,
        /// Why (English).
        reason: String,
    },
    /// Looked up.
    Checked {
        /// As entered.
        input: String,
        /// Display form, e.g. `19850101-2382`.
        recipient: String,
        /// The mailbox operator when digital mail can be received.
        operator: Option<String>,
        /// The answer in Swedish.
        swedish: String,
        /// The answer in English.
        english: String,
    },
}

impl From<CheckOutcome> for RecipientCheck {
    fn from(outcome: CheckOutcome) -> Self {
        match outcome {
            CheckOutcome::Invalid { input, reason } => RecipientCheck::Invalid { input, reason },
            CheckOutcome::Checked {
                input,
                recipient,
                reachability,
                swedish,
                english,
            } => RecipientCheck::Checked {
                input,
                recipient: recipient.display_form(),
                operator: match reachability {
                    Reachability::Digital { operator } => Some(operator),
                    _ => None,
                },
                swedish,
                english,
            },
        }
    }
}

/// The status an event message (händelsemeddelande) gives its case, named
/// as the contract names it; the UI shows its own text for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum MatterStatusView {
    /// The authority acts (the usual case).
    SenderInitiative,
    /// The recipient is expected to act.
    RecipientInitiative,
    /// The case is closed.
    Closed,
}

impl From<MatterStatus> for MatterStatusView {
    fn from(status: MatterStatus) -> Self {
        match status {
            MatterStatus::SenderInitiative => MatterStatusView::SenderInitiative,
            MatterStatus::RecipientInitiative => MatterStatusView::RecipientInitiative,
            MatterStatus::Closed => MatterStatusView::Closed,
        }
    }
}

impl From<MatterStatusView> for MatterStatus {
    fn from(status: MatterStatusView) -> Self {
        match status {
            MatterStatusView::SenderInitiative => MatterStatus::SenderInitiative,
            MatterStatusView::RecipientInitiative => MatterStatus::RecipientInitiative,
            MatterStatusView::Closed => MatterStatus::Closed,
        }
    }
}

/// What makes a sent message an event message.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EventView {
    /// The status it gave its case.
    pub status: MatterStatusView,
    /// The id of the event it follows (`PrecedingEventId`); `None` for the
    /// case's first event to this recipient.
    pub preceding_event_id: Option<String>,
}

impl From<&CaseEvent> for EventView {
    fn from(e: &CaseEvent) -> Self {
        EventView {
            status: e.status.into(),
            preceding_event_id: e.preceding_event_id.as_ref().map(ToString::to_string),
        }
    }
}

/// The compose form's fields as saved in a draft.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
pub struct DraftFieldsView {
    /// Recipient as typed.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Diarienummer as typed.
    pub case_number: String,
    /// Attention (organisations).
    pub attention: String,
    /// Skyddsklass 1–3 (4 is refused with an explanation).
    pub protection_class: Option<u8>,
    /// Case type name.
    pub case_type: Option<String>,
    /// Sender name.
    pub sender_name: Option<String>,
    /// Send as an event message (händelsemeddelande) giving the case this
    /// status; `None` for an ordinary message. Needs the diarienummer.
    pub event: Option<MatterStatusView>,
    /// The recipient's postal address (one line per line), for a letter.
    #[serde(default)]
    pub postal_address: String,
}

impl From<DraftFieldsView> for DraftFields {
    fn from(v: DraftFieldsView) -> Self {
        DraftFields {
            recipient_text: v.recipient,
            subject: v.subject,
            body: v.body,
            case_number: v.case_number,
            attention: v.attention,
            protection_class: v.protection_class,
            case_type: v.case_type,
            event: v.event.map(Into::into),
            sender_name: v.sender_name,
            postal_address: v.postal_address,
        }
    }
}

impl From<DraftFields> for DraftFieldsView {
    fn from(f: DraftFields) -> Self {
        DraftFieldsView {
            recipient: f.recipient_text,
            subject: f.subject,
            body: f.body,
            case_number: f.case_number,
            attention: f.attention,
            protection_class: f.protection_class,
            case_type: f.case_type,
            sender_name: f.sender_name,
            event: f.event.map(Into::into),
            postal_address: f.postal_address,
        }
    }
}

/// A file attached to a draft.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AttachmentView {
    /// Its id within the draft.
    #[ts(type = "number")]
    pub id: i64,
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    #[ts(type = "number")]
    pub size: u64,
}

impl From<&DraftAttachment> for AttachmentView {
    fn from(a: &DraftAttachment) -> Self {
        AttachmentView {
            id: a.id,
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            size: a.bytes.len() as u64,
        }
    }
}

/// A whole draft.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DraftView {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
    /// Last saved.
    pub updated_at: String,
    /// The fields.
    pub fields: DraftFieldsView,
    /// Attachments.
    pub attachments: Vec<AttachmentView>,
    /// The Failed message this draft is sent in place of, if any.
    pub follows_up: Option<String>,
}

impl From<SavedDraft> for DraftView {
    fn from(d: SavedDraft) -> Self {
        DraftView {
            id: d.id.0,
            follows_up: d.follows_up.as_ref().map(ToString::to_string),
            updated_at: time_text(d.updated_at),
            attachments: d.attachments.iter().map(AttachmentView::from).collect(),
            fields: d.fields.into(),
        }
    }
}

/// A draft in the Drafts folder.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DraftRow {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
    /// Last saved.
    pub updated_at: String,
    /// Recipient as typed.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Number of attachments.
    pub attachment_count: u32,
}

impl From<DraftSummary> for DraftRow {
    fn from(d: DraftSummary) -> Self {
        DraftRow {
            id: d.id.0,
            updated_at: time_text(d.updated_at),
            recipient: d.recipient_text,
            subject: d.subject,
            attachment_count: d.attachment_count,
        }
    }
}

/// The confirmation shown before sending.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SummaryView {
    /// In Swedish.
    pub swedish: String,
    /// In English.
    pub english: String,
}

/// A draft's size as it would be sent, against the profile's limit.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EnvelopeView {
    /// The SOAP envelope's bytes.
    #[ts(type = "number")]
    pub bytes: u64,
    /// `rules.max_envelope_bytes`.
    #[ts(type = "number")]
    pub max: u64,
    /// Whether it is within the limit.
    pub fits: bool,
    /// Size against limit in Swedish: "1,4 av 2,0 MB".
    pub swedish: String,
}

impl From<EnvelopeSize> for EnvelopeView {
    fn from(size: EnvelopeSize) -> Self {
        EnvelopeView {
            bytes: size.bytes,
            max: size.max,
            fits: size.fits(),
            swedish: size.swedish(),
        }
    }
}

/// A draft's PDF attachment compressed in place.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CompressionView {
    /// The file name.
    pub file_name: String,
    /// Its size before, bytes.
    #[ts(type = "number")]
    pub original_size: u64,
    /// Its size now, bytes.
    #[ts(type = "number")]
    pub compressed_size: u64,
    /// The draft with the compressed file.
    pub draft: DraftView,
}

/// A draft made of what another program handed to Kuvert
/// ([`crate::handoff`]): the compose form opens on it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HandoffView {
    /// The new draft.
    #[ts(type = "number")]
    pub draft_id: i64,
    /// The files that could not be attached, each with why.
    pub refused: Vec<RefusedFileView>,
}

/// A handed-over file Kuvert did not attach.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RefusedFileView {
    /// The file's name.
    pub file_name: String,
    /// Why (the same error the file dialog's choice would give).
    pub error: CommandError,
}

/// How a send ended for now.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SendOutcome {
    /// Accepted by the intermediary; the status is followed.
    Submitted {
        /// Message id.
        message_id: String,
        /// Mailbox operator.
        operator: String,
    },
    /// Recorded as sent on paper; the letter can be saved for printing.
    Paper {
        /// Message id.
        message_id: String,
        /// Why not digitally (Swedish).
        reason_swedish: String,
        /// Why not digitally (English).
        reason_english: String,
    },
    /// Kept in the Outbox and tried again.
    Retrying {
        /// Message id.
        message_id: String,
        /// Why, as a code the UI renders.
        reason: Reason,
        /// Next attempt.
        next_attempt_at: Option<String>,
    },
    /// Could not be sent.
    Failed {
        /// Message id.
        message_id: String,
        /// Why, as a code the UI renders.
        reason: Reason,
    },
    /// The Outbox is busy in another process; it will be sent from there.
    Busy {
        /// Message id.
        message_id: String,
    },
    /// Department mode: the department server has stored the message and
    /// sends it (its progress shows in the folders).
    HandedOver {
        /// Message id.
        message_id: String,
    },
}

impl From<SendReport> for SendOutcome {
    fn from(report: SendReport) -> Self {
        match report {
            SendReport::Submitted {
                message_id,
                mailbox,
                ..
            } => SendOutcome::Submitted {
                message_id: message_id.to_string(),
                operator: mailbox.map(|m| m.operator).unwrap_or_default(),
            },
            SendReport::Paper {
                message_id,
                reason_swedish,
                reason_english,
                ..
            } => SendOutcome::Paper {
                message_id: message_id.to_string(),
                reason_swedish,
                reason_english,
            },
            SendReport::Retrying {
                message_id,
                reason,
                next_attempt_at,
            } => SendOutcome::Retrying {
                message_id: message_id.to_string(),
                reason: Reason::of(&reason),
                next_attempt_at: next_attempt_at.map(time_text),
            },
            SendReport::Failed { message_id, reason } => SendOutcome::Failed {
                message_id: message_id.to_string(),
                reason: Reason::of(&reason),
            },
            SendReport::Busy { message_id } => SendOutcome::Busy {
                message_id: message_id.to_string(),
            },
        }
    }
}

/// The message list's folders (Drafts has its own command).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Folder {
    /// Not yet handed over (queued, signed).
    Outbox,
    /// Handed over: submitted, pending, delivered.
    Sent,
    /// Sent on paper.
    Paper,
    /// Failed for good.
    Failed,
    /// In the Outbox with a failed attempt.
    NeedsAttention,
}

impl From<Folder> for kuvert_core::Folder {
    fn from(folder: Folder) -> Self {
        match folder {
            Folder::Outbox => kuvert_core::Folder::Outbox,
            Folder::Sent => kuvert_core::Folder::Sent,
            Folder::Paper => kuvert_core::Folder::Paper,
            Folder::Failed => kuvert_core::Folder::Failed,
            Folder::NeedsAttention => kuvert_core::Folder::NeedsAttention,
        }
    }
}

/// Where a message is in its life, as the UI names it (a TypeScript union
/// of the lower-case names, converted from the core's [`SendState`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum MessageState {
    /// Stored, not yet signed.
    Queued,
    /// Signed, not yet handed to the intermediary.
    Signed,
    /// The intermediary accepted it.
    Submitted,
    /// Delivery pending at the mailbox operator.
    Pending,
    /// Delivered to the recipient's mailbox.
    Delivered,
    /// Could not be delivered, or given up.
    Failed,
    /// Recorded as sent on paper.
    Paper,
    /// Withdrawn by the officer before it was handed to the intermediary.
    Withdrawn,
}

impl From<SendState> for MessageState {
    fn from(state: SendState) -> Self {
        match state {
            SendState::Queued => MessageState::Queued,
            SendState::Signed => MessageState::Signed,
            SendState::Submitted => MessageState::Submitted,
            SendState::Pending => MessageState::Pending,
            SendState::Delivered => MessageState::Delivered,
            SendState::Failed => MessageState::Failed,
            SendState::Paper => MessageState::Paper,
            SendState::Withdrawn => MessageState::Withdrawn,
        }
    }
}

/// One row of a message list or of the sent log.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MessageRow {
    /// Message id.
    pub message_id: String,
    /// When it was stored.
    pub created_at: String,
    /// State.
    pub state: MessageState,
    /// When the state was entered.
    pub state_at: String,
    /// Recipient (display form).
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Diarienummer.
    pub case_number: Option<String>,
    /// Protection class.
    pub protection_class: u8,
    /// Sender name.
    pub sender_name: String,
    /// The recipient's mailbox operator, once submitted.
    pub mailbox: Option<String>,
    /// Who sent it (display name), where recorded.
    pub officer: Option<String>,
    /// Number of attachments.
    pub attachment_count: u32,
    /// Why it failed or is waiting, if it is, as a code the UI renders.
    pub reason: Option<Reason>,
    /// Set for an event message.
    pub event: Option<EventView>,
    /// A Failed message the officer has followed up (sent again or
    /// handled outside Kuvert): no longer waiting for them.
    pub followed_up: bool,
}

impl From<SentSummary> for MessageRow {
    fn from(s: SentSummary) -> Self {
        MessageRow {
            message_id: s.message_id.to_string(),
            created_at: time_text(s.created_at),
            state: s.state.into(),
            state_at: time_text(s.state_at),
            recipient: s.recipient.display_form(),
            subject: s.subject.to_string(),
            case_number: s.case_number.map(|c| c.to_string()),
            protection_class: s.protection_class.get(),
            sender_name: s.sender_name.to_string(),
            mailbox: s.mailbox.map(|m| m.operator),
            officer: s.officer.map(|o| o.name),
            attachment_count: s.attachment_count,
            reason: None,
            event: s.event.as_ref().map(EventView::from),
            followed_up: false,
        }
    }
}

impl From<FolderItem> for MessageRow {
    fn from(item: FolderItem) -> Self {
        MessageRow {
            reason: item.reason.as_deref().map(Reason::of),
            followed_up: item.follow_up.is_some(),
            ..MessageRow::from(item.summary)
        }
    }
}

impl From<&Message> for MessageRow {
    fn from(m: &Message) -> Self {
        let c = &m.content;
        MessageRow {
            message_id: c.message_id.to_string(),
            created_at: time_text(m.created_at),
            state: m.state.into(),
            state_at: time_text(m.state_at),
            recipient: c.recipient.display_form(),
            subject: c.subject.to_string(),
            case_number: c.case_number.as_ref().map(ToString::to_string),
            protection_class: c.protection_class.get(),
            sender_name: c.sender_name.to_string(),
            mailbox: m.mailbox.as_ref().map(|b| b.operator.clone()),
            officer: c.officer.as_ref().map(|o| o.name.clone()),
            attachment_count: m.attachments.len() as u32,
            reason: m
                .failure_reason
                .as_deref()
                .or_else(|| m.last_failure.as_ref().map(|f| f.reason.as_str()))
                .map(Reason::of),
            event: c.event.as_ref().map(EventView::from),
            followed_up: false,
        }
    }
}

/// One entry of a message's status timeline.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TimelineEntry {
    /// When.
    pub at: String,
    /// `enqueued`, `state_changed` or `attempt_failed`.
    pub kind: String,
    /// The state after it.
    pub state: MessageState,
    /// Detail as recorded (English; the sealed record).
    pub detail: String,
    /// What it says, as a code the UI renders.
    pub note: HistoryNote,
}

impl From<StatusEvent> for TimelineEntry {
    fn from(e: StatusEvent) -> Self {
        TimelineEntry {
            at: time_text(e.at),
            kind: e.kind.as_str().to_string(),
            state: e.state.into(),
            note: HistoryNote::of(e.kind.as_str(), e.state, &e.detail),
            detail: e.detail,
        }
    }
}

/// An attachment of a stored message.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StoredAttachmentView {
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    #[ts(type = "number")]
    pub size: u64,
}

/// A message in the reading pane.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MessageView {
    /// The list row's fields.
    pub row: MessageRow,
    /// Body.
    pub body: String,
    /// Attention.
    pub attention: Option<String>,
    /// Distribution id.
    pub distribution_id: Option<String>,
    /// The mailbox operator's service address, as FaR gave it.
    pub mailbox_address: Option<String>,
    /// The sending officer's account, where recorded.
    pub officer_account: Option<String>,
    /// Next attempt or status check.
    pub next_attempt_at: Option<String>,
    /// Attachments.
    pub attachments: Vec<StoredAttachmentView>,
    /// Status timeline, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// For an event message, its case's events oldest first (itself among
    /// them); empty for an ordinary message.
    pub thread: Vec<MessageRow>,
    /// For a Failed (or withdrawn) message, what the officer did about it.
    pub follow_up: Option<FollowUpView>,
    /// Whether it may still be withdrawn from the Outbox (not yet handed to
    /// the intermediary).
    pub withdrawable: bool,
}

/// What the officer did about a Failed message.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FollowUpView {
    /// Sent again as a new message.
    SentAgain {
        /// The new message's id.
        message_id: String,
    },
    /// Handled outside Kuvert.
    HandledOutside {
        /// The officer's note.
        note: String,
    },
}

impl From<FollowUp> for FollowUpView {
    fn from(f: FollowUp) -> Self {
        match f {
            FollowUp::SentAgain(id) => FollowUpView::SentAgain {
                message_id: id.to_string(),
            },
            FollowUp::HandledOutside(note) => FollowUpView::HandledOutside {
                note: note.as_str().to_string(),
            },
        }
    }
}

impl MessageView {
    /// A message, its history, its case's thread, its follow-up and
    /// whether it may be withdrawn.
    pub fn new(
        m: Message,
        history: Vec<StatusEvent>,
        thread: &[Message],
        follow_up: Option<FollowUp>,
        withdrawable: bool,
    ) -> Self {
        MessageView {
            withdrawable,
            follow_up: follow_up.map(FollowUpView::from),
            thread: thread.iter().map(MessageRow::from).collect(),
            row: MessageRow::from(&m),
            body: m.content.body,
            attention: m.content.attention.map(|a| a.to_string()),
            distribution_id: m.distribution_id,
            mailbox_address: m.mailbox.map(|b| b.service_address),
            officer_account: m.content.officer.map(|o| o.account),
            next_attempt_at: m.next_attempt_at.map(time_text),
            attachments: m
                .attachments
                .into_iter()
                .map(|a| StoredAttachmentView {
                    name: a.name,
                    content_type: a.content_type,
                    size: a.size,
                })
                .collect(),
            timeline: history.into_iter().map(TimelineEntry::from).collect(),
        }
    }
}

/// Sent-log filters as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
pub struct LogFilterView {
    /// Free text.
    pub text: Option<String>,
    /// Recipient identity number.
    pub recipient: Option<String>,
    /// Diarienummer; trailing `*` for a prefix.
    pub case_number: Option<String>,
    /// First day, YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD.
    pub to: Option<String>,
    /// States.
    pub states: Vec<String>,
    /// Protection class.
    pub protection_class: Option<u8>,
    /// Sender name.
    pub sender_name: Option<String>,
    /// The sending officer's account.
    pub officer: Option<String>,
    /// At most this many rows (0: 50).
    pub limit: u32,
}

impl From<LogFilterView> for kuvert_core::filter::LogFilter {
    fn from(v: LogFilterView) -> Self {
        kuvert_core::filter::LogFilter {
            text: v.text,
            recipient: v.recipient,
            case_number: v.case_number,
            from: v.from,
            to: v.to,
            states: v.states,
            officer: v.officer,
            protection_class: v.protection_class,
            sender_name: v.sender_name,
            limit: v.limit,
            offset: 0,
        }
    }
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// CSV for spreadsheets.
    Csv,
    /// JSON Lines for registry systems.
    Jsonl,
    /// Printable PDF report.
    Pdf,
}

impl From<ExportKind> for kuvert_core::ExportFormat {
    fn from(k: ExportKind) -> Self {
        match k {
            ExportKind::Csv => kuvert_core::ExportFormat::Csv,
            ExportKind::Jsonl => kuvert_core::ExportFormat::JsonLines,
            ExportKind::Pdf => kuvert_core::ExportFormat::Pdf,
        }
    }
}

/// A file written.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Written {
    /// Where.
    pub path: String,
    /// How many entries it holds.
    #[ts(type = "number")]
    pub count: u64,
    /// A second file written beside it: a CSV export's purges
    /// (`logg-gallringar.csv`).
    pub purges_path: Option<String>,
    /// A third: a CSV export's signed anchor of the log
    /// (`logg-forankring.csv`).
    pub anchor_path: Option<String>,
}

/// A paper letter's print file, written.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PrintFileView {
    /// Where.
    pub path: String,
    /// The PDF attachments whose pages follow the letter.
    pub appended: Vec<String>,
    /// PDF attachments that could not be added, to print separately.
    pub print_separately: Vec<String>,
}

impl PrintFileView {
    /// The view of `file`, written at `path`.
    pub fn new(path: String, file: kuvert_core::pdf::PrintFile) -> Self {
        PrintFileView {
            path,
            appended: file.appended,
            print_separately: file.left_out,
        }
    }
}

/// A certificate installed by the import in Settings.
#[derive(Debug, Clone, Serialize, TS)]
pub struct InstalledCertificateView {
    /// The installed copy.
    pub file: String,
    /// The per-user profile that names it.
    pub profile_file: String,
    /// The certificate subject's common name.
    pub subject: String,
    /// The organisation number in the certificate, as written there.
    pub organisation_number: Option<String>,
    /// End of validity (RFC 3339, Swedish local time with the offset).
    pub not_after: String,
    /// The profile now open.
    pub profile: ProfileView,
}

impl InstalledCertificateView {
    /// The view of an import's result and the profile opened after it.
    pub fn new(installed: InstalledCertificate, profile: &Profile) -> Self {
        InstalledCertificateView {
            file: installed.file.display().to_string(),
            profile_file: installed.profile_file.display().to_string(),
            subject: installed.subject,
            organisation_number: installed.organisation_number,
            not_after: installed.not_after,
            profile: ProfileView::from(profile),
        }
    }
}

/// What a retention purge removed (or would remove).
#[derive(Debug, Clone, Serialize, TS)]
pub struct PurgeView {
    /// Final before this time.
    pub cutoff: String,
    /// How many messages.
    #[ts(type = "number")]
    pub count: u64,
    /// A dry run only.
    pub dry_run: bool,
}

impl From<kuvert_core::PurgeReport> for PurgeView {
    fn from(r: kuvert_core::PurgeReport) -> Self {
        PurgeView {
            cutoff: time_text(r.cutoff),
            count: r.count,
            dry_run: r.dry_run,
        }
    }
}

/// A purge as the log records it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PurgeRecordView {
    /// When it was done.
    pub at: String,
    /// Messages final before this time went (unless their case type keeps them longer).
    pub cutoff: String,
    /// How many messages went.
    #[ts(type = "number")]
    pub count: u64,
    /// SHA-256 of their ids.
    pub ids_sha256: String,
    /// Who ordered it, where recorded.
    pub purger: Option<String>,
    /// The rule applied, in words, where recorded.
    pub rule: Option<String>,
}

impl From<kuvert_core::PurgeRecord> for PurgeRecordView {
    fn from(r: kuvert_core::PurgeRecord) -> Self {
        PurgeRecordView {
            at: time_text(r.at),
            cutoff: time_text(r.cutoff),
            count: r.count,
            ids_sha256: r.ids_sha256,
            purger: r.purger,
            rule: r.rule,
        }
    }
}

/// Whether the sent log's hash chain holds, and where it is anchored.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ChainView {
    /// Intact: every entry holds and so does the signed anchor.
    pub intact: bool,
    /// Every entry holds, but no log key was at hand to check the anchor.
    pub unanchored: bool,
    /// Entries checked, or where and why it breaks.
    pub detail: String,
    /// The entry the log's anchor names (the newest, when intact).
    #[ts(type = "number | null")]
    pub anchor_seq: Option<u64>,
    /// When the anchor was written (RFC 3339, Swedish local time).
    pub anchored_at: Option<String>,
}

impl From<kuvert_core::ChainCheck> for ChainView {
    fn from(check: kuvert_core::ChainCheck) -> Self {
        let anchor_seq = check.anchor.as_ref().map(|a| a.seq);
        let anchored_at = check
            .anchor
            .as_ref()
            .and_then(|a| a.written_at())
            .map(|at| LocalTime::of(at).iso());
        let (intact, unanchored, detail) = match check.verdict {
            kuvert_core::ChainVerdict::Intact { entries } => (true, false, format!("{entries}")),
            kuvert_core::ChainVerdict::Unanchored { entries } => {
                (false, true, format!("{entries}"))
            }
            kuvert_core::ChainVerdict::Broken { seq, reason } => {
                (false, false, format!("{seq}: {reason}"))
            }
        };
        ChainView {
            intact,
            unanchored,
            detail,
            anchor_seq,
            anchored_at,
        }
    }
}

/// Which layer a profile file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProfileLayerView {
    /// The system-wide file.
    System,
    /// The per-user file.
    User,
    /// A file read alone (`KUVERT_PROFILE`, the test environment's).
    Explicit,
}

impl From<ProfileLayer> for ProfileLayerView {
    fn from(layer: ProfileLayer) -> Self {
        match layer {
            ProfileLayer::System => ProfileLayerView::System,
            ProfileLayer::User => ProfileLayerView::User,
            ProfileLayer::Explicit => ProfileLayerView::Explicit,
        }
    }
}

/// One profile file the loader reads.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProfileFileView {
    /// Its layer.
    pub layer: ProfileLayerView,
    /// The file.
    pub path: String,
    /// Whether it is there (and so read).
    pub read: bool,
}

/// What the desktop app's old data folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LegacyStateView {
    /// Data not moved yet (it moves at the next start).
    Pending,
    /// A move was interrupted (it is finished at the next start).
    Interrupted,
    /// It holds data too, which is not used and not merged.
    BothHoldData,
    /// Its data has moved to the data directory.
    Moved,
}

/// The desktop app's old data folder.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LegacyView {
    /// The folder.
    pub path: String,
    /// What it holds.
    pub state: LegacyStateView,
}

/// Where Kuvert keeps its files (Settings), as `kuvert paths` shows them.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PathsView {
    /// The data directory, shared with the `kuvert` command.
    pub data_dir: String,
    /// The store open (the test environment has its own, beside the other).
    pub database: String,
    /// That store's Outbox lock.
    pub outbox_lock: String,
    /// The profile files, in the order they are read.
    pub profile_files: Vec<ProfileFileView>,
    /// Where imported certificates are kept.
    pub certificate_store: Option<String>,
    /// The app's log file.
    pub log_file: String,
    /// The old app data folder, when there is one to speak of.
    pub legacy: Option<LegacyView>,
}

impl PathsView {
    /// The view of `paths` with `database` as the store open.
    pub fn new(paths: &Paths, database: &std::path::Path) -> Self {
        let text = |p: &std::path::Path| p.display().to_string();
        PathsView {
            data_dir: text(paths.data_dir()),
            database: text(database),
            outbox_lock: text(&kuvert_core::paths::outbox_lock_for(database)),
            profile_files: paths
                .profile_files()
                .into_iter()
                .map(|f| ProfileFileView {
                    layer: f.layer.into(),
                    read: f.exists(),
                    path: text(&f.path),
                })
                .collect(),
            certificate_store: paths.certificate_store().as_deref().map(text),
            log_file: text(&paths.log_file()),
            legacy: paths.legacy().map(|l| LegacyView {
                path: text(&l.path),
                state: match l.state {
                    LegacyState::Pending => LegacyStateView::Pending,
                    LegacyState::Interrupted => LegacyStateView::Interrupted,
                    LegacyState::BothHoldData => LegacyStateView::BothHoldData,
                    LegacyState::Moved => LegacyStateView::Moved,
                    // Anything the core adds later reads as "not moved yet".
                    _ => LegacyStateView::Pending,
                },
            }),
        }
    }
}

/// Sent to the UI (event `message-status`) when a message's state changes
/// in the background.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StatusChange {
    /// Message id.
    pub message_id: String,
    /// The new state.
    pub state: MessageState,
    /// Subject, for the notification.
    pub subject: String,
    /// Recipient (display form).
    pub recipient: String,
}

/// Every declaration, in a stable order, as `ui/src/lib/backend/types.ts`
/// holds them.
pub fn typescript() -> String {
    let declarations = [
        ErrorKind::decl(),
        ProblemView::decl(),
        CommandError::decl(),
        CaseTypeView::decl(),
        RulesView::decl(),
        ProfileView::decl(),
        AppStatus::decl(),
        CertificateHealthView::decl(),
        RecipientCheck::decl(),
        MatterStatusView::decl(),
        EventView::decl(),
        DraftFieldsView::decl(),
        AttachmentView::decl(),
        DraftView::decl(),
        DraftRow::decl(),
        SummaryView::decl(),
        EnvelopeView::decl(),
        CompressionView::decl(),
        RefusedFileView::decl(),
        HandoffView::decl(),
        SendOutcome::decl(),
        Folder::decl(),
        MessageState::decl(),
        MessageRow::decl(),
        Answer::decl(),
        Reason::decl(),
        CompressedNote::decl(),
        HistoryNote::decl(),
        TimelineEntry::decl(),
        StoredAttachmentView::decl(),
        FollowUpView::decl(),
        MessageView::decl(),
        LogFilterView::decl(),
        ExportKind::decl(),
        Written::decl(),
        PrintFileView::decl(),
        InstalledCertificateView::decl(),
        PurgeView::decl(),
        PurgeRecordView::decl(),
        ChainView::decl(),
        ProfileLayerView::decl(),
        ProfileFileView::decl(),
        LegacyStateView::decl(),
        LegacyView::decl(),
        PathsView::decl(),
        StatusChange::decl(),
        crate::preferences::Language::decl(),
        crate::preferences::Preferences::decl(),
    ];
    let mut out = String::from(
        "// Generated from src-tauri/src/dto.rs by `UPDATE_TS_TYPES=1 cargo test -p kuvert-desktop`.\n\
         // Do not edit; a test fails when this file is stale.\n",
    );
    for declaration in declarations {
        out.push_str("\nexport ");
        out.push_str(&declaration);
        out.push('\n');
    }
    out
}
