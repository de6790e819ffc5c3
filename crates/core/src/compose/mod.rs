//! From what an officer enters to a validated message.
//!
//! A [`Draft`] holds the form as typed. [`Outgoing::from_draft`] checks
//! every field against the contract and the profile's rules and returns
//! either an [`Outgoing`] message — which the rest of the application can
//! only hold when it is valid — or a [`ComposeError`] listing *all* problems
//! at once, each with its [`Field`] and a Swedish and an English text.
//! [`Outgoing::to_delivery`] turns the message into the protocol's
//! [`Delivery`] with ids chosen by the send pipeline.
//!
//! ```
//! use std::path::Path;
//! use kuvert_core::compose::{AttachmentFile, Draft, Outgoing, Route};
//! use kuvert_core::profile::Profile;
//! use kuvert_protocol::date::CalendarDate;
//!
//! let profile = Profile::from_toml_str(r#"
//!     [sender]
//!     organisation_number = "202100-3898"
//!     names = ["Kommun B"]
//!     [service]
//!     recipient_url = "https://127.0.0.1:8443/Recipient/v3"
//!     message_url = "https://127.0.0.1:8443/Message/v3"
//!     ca_bundle = "ca.pem"
//!     [certificate]
//!     pkcs12 = "sender.p12"
//! "#, Path::new("/etc/kuvert"))?;
//! let today = CalendarDate::new(2026, 11, 23)?;
//! let draft = Draft {
//!     recipient: "850101-2382".into(),
//!     subject: "Beslut om bygglov".into(),
//!     body: "Hej,\n\nhär kommer beslutet.".into(),
//!     attachments: vec![AttachmentFile::new("beslut.pdf", b"%PDF-1.4\n...".to_vec())],
//!     protection_class: Some(2),
//!     case_number: " KS 2026/0123 ".into(),
//!     ..Draft::default()
//! };
//! let message = Outgoing::from_draft(&draft, &profile, today)?;
//! assert_eq!(message.case_number().map(|c| c.as_str()), Some("KS 2026/0123"));
//! assert_eq!(
//!     message.summary(Route::Digital("Kivra")).swedish,
//!     "Klass 2-meddelande till 19850101-2382 via Kivra, 1 bilaga, 39 byte, ärende KS 2026/0123. \
//!      Ämne: Beslut om bygglov. Avsändare: Kommun B."
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod address;
pub mod envelope;
pub mod file_type;
mod problem;

use std::fmt;

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::delivery::{
    Attachment, Attention, Body, CaseNumber, ContentType, Delivery, DeliveryError, EventData,
    MatterStatus, MessageId, ProtectionClass, ReceiptOption, ReplyOption, SecureMessage, Sender,
    SenderName, Subject,
};
use kuvert_protocol::identity::RecipientId;

pub use address::PostalAddress;
pub use envelope::EnvelopeSize;
pub use file_type::FileType;
pub use problem::{ComposeError, Field, Problem, ProblemKind};

use crate::profile::{Profile, Rules, SupportContact};
use kuvert_store::CompressedFrom;

/// The `Language` Kuvert sends.
pub const LANGUAGE: &str = "svSE";

/// An attached file as the officer picked it.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttachmentFile {
    /// The file name (without folders).
    pub file_name: String,
    /// The content.
    pub bytes: Vec<u8>,
    /// The file the officer picked, when `bytes` are a copy compressed to
    /// fit the envelope ([`crate::compress`]); the sent log records both
    /// checksums.
    #[serde(skip)]
    pub compressed_from: Option<CompressedFrom>,
}

impl AttachmentFile {
    /// An attachment from a name and content.
    pub fn new(file_name: &str, bytes: Vec<u8>) -> Self {
        AttachmentFile {
            file_name: file_name.to_string(),
            bytes,
            compressed_from: None,
        }
    }
}

impl fmt::Debug for AttachmentFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentFile")
            .field("file_name", &self.file_name)
            .field("size", &self.bytes.len())
            .field("compressed_from", &self.compressed_from)
            .finish()
    }
}

/// The state an event message puts the case in (`MatterStatus`). Named as
/// the contract names it (`senderinitiative`, …) wherever Kuvert shows or
/// takes it: the sent log, `kuvert send --status`, the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseStatus {
    /// The authority has taken an initiative (the usual case).
    SenderInitiative,
    /// The recipient is expected to act.
    RecipientInitiative,
    /// The case is closed.
    Closed,
}

impl CaseStatus {
    /// Every status, in the contract's order.
    pub const ALL: [CaseStatus; 3] = [
        CaseStatus::SenderInitiative,
        CaseStatus::RecipientInitiative,
        CaseStatus::Closed,
    ];

    /// The contract's name, e.g. `senderinitiative`.
    pub fn name(self) -> &'static str {
        MatterStatus::from(self).wire()
    }

    /// The status named `name` (the contract's name, any letter case).
    pub fn parse(name: &str) -> Option<CaseStatus> {
        let name = name.trim().to_ascii_lowercase();
        CaseStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    /// In Swedish, as the officer reads it.
    pub fn swedish(self) -> &'static str {
        match self {
            CaseStatus::SenderInitiative => "Initiativ hos myndigheten",
            CaseStatus::RecipientInitiative => "Initiativ hos mottagaren",
            CaseStatus::Closed => "Avslutat",
        }
    }

    /// In English.
    pub fn english(self) -> &'static str {
        match self {
            CaseStatus::SenderInitiative => "the authority acts",
            CaseStatus::RecipientInitiative => "the recipient is to act",
            CaseStatus::Closed => "closed",
        }
    }
}

impl From<CaseStatus> for MatterStatus {
    fn from(status: CaseStatus) -> Self {
        match status {
            CaseStatus::SenderInitiative => MatterStatus::SenderInitiative,
            CaseStatus::RecipientInitiative => MatterStatus::RecipientInitiative,
            CaseStatus::Closed => MatterStatus::Closed,
        }
    }
}

impl From<MatterStatus> for CaseStatus {
    fn from(status: MatterStatus) -> Self {
        match status {
            MatterStatus::SenderInitiative => CaseStatus::SenderInitiative,
            MatterStatus::RecipientInitiative => CaseStatus::RecipientInitiative,
            MatterStatus::Closed => CaseStatus::Closed,
        }
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The compose form as the officer filled it in; any of it may be wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Draft {
    /// The recipient's identity number in any common format.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The message text (may be empty when there are attachments).
    pub body: String,
    /// Attached files.
    pub attachments: Vec<AttachmentFile>,
    /// Skyddsklass 1–3; `None` takes the case type's default.
    pub protection_class: Option<u8>,
    /// The diarienummer (trimmed; required when the profile says so).
    pub case_number: String,
    /// The person or function at a receiving organisation (empty for none).
    pub attention: String,
    /// The case type (template) the draft was started from.
    pub case_type: Option<String>,
    /// Send as an event message (händelsemeddelande) with this case state.
    pub event: Option<CaseStatus>,
    /// The sender name; `None` for the profile's default.
    pub sender_name: Option<String>,
    /// The recipient's postal address as typed, for a letter (empty for
    /// none).
    pub postal_address: String,
}

impl Draft {
    /// Starts from a case type: fills the subject, body and protection class
    /// where the draft has none yet, and records the case type (whose support
    /// text then applies).
    pub fn apply_case_type(&mut self, case_type: &crate::profile::CaseType) {
        if self.subject.trim().is_empty() {
            if let Some(subject) = case_type.subject() {
                self.subject = subject.to_string();
            }
        }
        if self.body.trim().is_empty() {
            if let Some(body) = case_type.body() {
                self.body = body.to_string();
            }
        }
        if self.protection_class.is_none() {
            self.protection_class = case_type.protection_class().map(ProtectionClass::get);
        }
        self.case_type = Some(case_type.name().to_string());
    }
}

/// A validated message, ready to be turned into a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    recipient: RecipientId,
    sender: Sender,
    subject: Subject,
    body: Body,
    attachments: Vec<Attachment>,
    protection_class: ProtectionClass,
    case_number: Option<CaseNumber>,
    attention: Option<Attention>,
    case_type: Option<String>,
    event: Option<CaseStatus>,
    support: SupportContact,
    postal_address: Option<PostalAddress>,
}

/// How the message will go, as the summary says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// Digitally, to the mailbox at this operator (e.g. `Kivra`).
    Digital(&'a str),
    /// On paper: the recipient has no digital mailbox, or the officer chose
    /// paper.
    Paper,
    /// Not yet known (the recipient was not looked up).
    Unchecked,
}

/// The confirmation line shown before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// In Swedish, e.g. "Klass 3-meddelande till 19850101-2382 via Kivra,
    /// 2 bilagor, 1,4 MB, ärende KS 2026/0123".
    pub swedish: String,
    /// In English.
    pub english: String,
}

impl Outgoing {
    /// Validates a draft against the contract and the profile's rules.
    /// `today` decides the century of short identity numbers.
    ///
    /// # Errors
    ///
    /// A [`ComposeError`] listing every problem found.
    pub fn from_draft(
        draft: &Draft,
        profile: &Profile,
        today: CalendarDate,
    ) -> Result<Outgoing, ComposeError> {
        let rules = profile.rules();
        let limits = Limits {
            per_attachment: rules.max_attachment_bytes,
            total: rules.max_total_attachment_bytes,
        };
        Outgoing::from_draft_within(draft, profile, today, limits)
    }

    /// [`Outgoing::from_draft`] with the attachment size limits `limits`
    /// instead of the profile's: the paper route (no envelope to fit) and the
    /// envelope's measurement (which must measure what does not fit, too).
    pub(crate) fn from_draft_within(
        draft: &Draft,
        profile: &Profile,
        today: CalendarDate,
        limits: Limits,
    ) -> Result<Outgoing, ComposeError> {
        let mut problems = Vec::new();
        let mut report = |field: Field, kind: ProblemKind| problems.push(Problem { field, kind });

        // Recipient.
        let recipient = match draft.recipient.trim() {
            "" => {
                report(Field::Recipient, ProblemKind::Required);
                None
            }
            typed => RecipientId::parse(typed, today)
                .map_err(|e| report(Field::Recipient, ProblemKind::Identity(e)))
                .ok(),
        };

        // Sender name.
        let sender_name: Option<SenderName> = match &draft.sender_name {
            None => Some(profile.default_sender_name().clone()),
            Some(name) => match profile.sender_name(name) {
                Some(n) => Some(n.clone()),
                None => {
                    report(
                        Field::SenderName,
                        ProblemKind::UnknownSenderName { name: name.clone() },
                    );
                    None
                }
            },
        };

        // Case type: its default class and support text.
        let case_type = match &draft.case_type {
            None => None,
            Some(name) => match profile.case_type(name) {
                Some(c) => Some(c),
                None => {
                    report(
                        Field::CaseType,
                        ProblemKind::UnknownCaseType { name: name.clone() },
                    );
                    None
                }
            },
        };

        let subject = Subject::new(&draft.subject)
            .map_err(|e| report(Field::Subject, from_delivery_error(e)))
            .ok();

        let body = Body::plain(&draft.body)
            .map_err(|e| report(Field::Body, from_delivery_error(e)))
            .ok();

        let attachments = attachments(&draft.attachments, profile, limits, &mut report);

        if draft.body.trim().is_empty() && draft.attachments.is_empty() {
            report(Field::Body, ProblemKind::EmptyMessage);
        }

        let protection_class = match draft.protection_class.or_else(|| {
            case_type
                .and_then(|c| c.protection_class())
                .map(ProtectionClass::get)
        }) {
            None => {
                report(Field::ProtectionClass, ProblemKind::Required);
                None
            }
            Some(class) => ProtectionClass::new(class)
                .map_err(|e| report(Field::ProtectionClass, from_delivery_error(e)))
                .ok(),
        };

        let case_number = case_number(&draft.case_number, profile, &mut report);
        let case_number_missing = draft.case_number.trim().is_empty();

        let attention = match draft.attention.trim() {
            "" => None,
            text => match &recipient {
                Some(r) if !r.is_organisation() => {
                    report(Field::Attention, ProblemKind::AttentionForPerson);
                    None
                }
                _ => Attention::new(text)
                    .map_err(|e| report(Field::Attention, from_delivery_error(e)))
                    .ok(),
            },
        };

        let postal_address = PostalAddress::parse(&draft.postal_address)
            .map_err(|kind| report(Field::PostalAddress, kind))
            .ok()
            .flatten();

        if draft.event.is_some() && case_number_missing {
            report(Field::Event, ProblemKind::EventWithoutCaseNumber);
        }

        let support = case_type
            .and_then(|c| c.support())
            .unwrap_or(profile.support())
            .clone();

        match (
            recipient,
            sender_name,
            subject,
            body,
            attachments,
            protection_class,
            case_number,
            attention,
        ) {
            (
                Some(recipient),
                Some(name),
                Some(subject),
                Some(body),
                Some(attachments),
                Some(protection_class),
                Some(case_number),
                attention,
            ) if problems.is_empty() => Ok(Outgoing {
                recipient,
                sender: Sender {
                    id: profile.organisation_number().clone(),
                    name,
                },
                subject,
                body,
                attachments,
                protection_class,
                case_number,
                attention,
                case_type: case_type.map(|c| c.name().to_string()),
                event: draft.event,
                support,
                postal_address,
            }),
            _ => Err(ComposeError::new(problems)),
        }
    }

    /// The recipient.
    pub fn recipient(&self) -> &RecipientId {
        &self.recipient
    }

    /// The sending organisation and the chosen sender name.
    pub fn sender(&self) -> &Sender {
        &self.sender
    }

    /// The subject.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The message text (may be empty when there are attachments).
    pub fn body(&self) -> &str {
        self.body.text()
    }

    /// The attachments, with their recognised MIME types.
    pub fn attachments(&self) -> &[Attachment] {
        &self.attachments
    }

    /// The attachments' total size in bytes.
    pub fn attachment_bytes(&self) -> u64 {
        self.attachments
            .iter()
            .map(|a| a.bytes().len() as u64)
            .sum()
    }

    /// The protection class.
    pub fn protection_class(&self) -> ProtectionClass {
        self.protection_class
    }

    /// The diarienummer, if given.
    pub fn case_number(&self) -> Option<&CaseNumber> {
        self.case_number.as_ref()
    }

    /// The person or function at a receiving organisation, if given.
    pub fn attention(&self) -> Option<&Attention> {
        self.attention.as_ref()
    }

    /// The recipient's postal address, when one was typed (for a letter).
    pub fn postal_address(&self) -> Option<&PostalAddress> {
        self.postal_address.as_ref()
    }

    /// Whether the message can go as a letter: the envelope's window needs
    /// the recipient's postal address.
    pub fn ready_for_paper(&self) -> Result<(), ComposeError> {
        match self.postal_address {
            Some(_) => Ok(()),
            None => Err(ComposeError::new(vec![Problem {
                field: Field::PostalAddress,
                kind: ProblemKind::Required,
            }])),
        }
    }

    /// The case type the message was written from, if any.
    pub fn case_type(&self) -> Option<&str> {
        self.case_type.as_deref()
    }

    /// The case state, when sent as an event message.
    pub fn event(&self) -> Option<CaseStatus> {
        self.event
    }

    /// The support contact sent with the message.
    pub fn support(&self) -> &SupportContact {
        &self.support
    }

    /// The message as the sent log records it: these validated values, the
    /// ids the delivery was signed with (`preceding_event_id` as for
    /// [`Outgoing::to_delivery`]), the profile it was sent from and the
    /// officer who sent it. The local store and department mode's server
    /// both record this.
    pub fn content(
        &self,
        profile: &str,
        message_id: MessageId,
        correlation_id: MessageId,
        preceding_event_id: Option<MessageId>,
        officer: kuvert_store::Officer,
    ) -> kuvert_store::MessageContent {
        kuvert_store::MessageContent {
            message_id,
            correlation_id,
            profile: profile.to_string(),
            sender_org: self.sender().id.clone(),
            sender_name: self.sender().name.clone(),
            recipient: self.recipient().clone(),
            subject: self.subject().clone(),
            body: self.body().to_string(),
            case_number: self.case_number().cloned(),
            attention: self.attention().cloned(),
            protection_class: self.protection_class(),
            case_type: self.case_type().map(str::to_string),
            officer: Some(officer),
            event: self.event().map(|status| kuvert_store::CaseEvent {
                status: status.into(),
                preceding_event_id,
            }),
        }
    }

    /// The protocol's delivery of this message. The send pipeline owns the
    /// ids: `message_id` (unique per message; the sent log's key) and
    /// `correlation_id` (stable per outbox item, so a retry is recognised).
    /// For an event message, `today` is its timestamp and
    /// `preceding_event_id` the id of the previous event message sent in the
    /// same case to the same recipient (the facade finds it:
    /// [`Kuvert::send`](crate::Kuvert::send)); an ordinary message ignores
    /// both.
    pub fn to_delivery(
        &self,
        message_id: MessageId,
        correlation_id: MessageId,
        today: CalendarDate,
        preceding_event_id: Option<MessageId>,
    ) -> Delivery {
        let event = self.event.map(|status| EventData {
            timestamp: today,
            preceding_event_id,
            matter_subject: Some(self.subject.as_str().to_string()),
            event_type: self.case_type.clone(),
            status: Some(status.into()),
        });
        Delivery {
            sender: self.sender.clone(),
            recipient: self.recipient.clone(),
            case_number: self.case_number.clone(),
            correlation_id: Some(correlation_id),
            attention: self.attention.clone(),
            message: SecureMessage {
                id: message_id,
                subject: self.subject.clone(),
                support: self.support.to_support_info(),
                event,
                protection_class: self.protection_class,
                language: LANGUAGE.to_string(),
                reply: ReplyOption::NotAllowed,
                receipt: ReceiptOption::Not,
                body: self.body.clone(),
                attachments: self.attachments.clone(),
            },
        }
    }

    /// The confirmation before sending: how it goes (`route`), to whom,
    /// the attachments and size (the text's and the attachments' together,
    /// in decimal units), the diarienummer, the subject and the sender name.
    /// On paper it says so first, plainly.
    pub fn summary(&self, route: Route<'_>) -> Summary {
        let class = self.protection_class.get();
        let to = self.recipient.display_form();
        let count = self.attachments.len();
        let size = self.attachment_bytes() + self.body.text().len() as u64;
        let (mut swedish, mut english) = match route {
            Route::Paper => (
                format!(
                    "Mottagaren kan inte ta emot digital post. Meddelandet skrivs ut som brev \
                     till {to}"
                ),
                format!(
                    "The recipient cannot receive digital mail. The message is printed as a \
                     letter to {to}"
                ),
            ),
            Route::Digital(_) | Route::Unchecked => (
                format!("Klass {class}-meddelande till {to}"),
                format!("Class {class} message to {to}"),
            ),
        };
        if let Some(attention) = &self.attention {
            swedish.push_str(&format!(" (att: {attention})"));
            english.push_str(&format!(" (attn: {attention})"));
        }
        if let Route::Digital(operator) = route {
            swedish.push_str(&format!(" via {operator}"));
            english.push_str(&format!(" via {operator}"));
        }
        swedish.push_str(&match count {
            0 => ", inga bilagor".to_string(),
            1 => ", 1 bilaga".to_string(),
            n => format!(", {n} bilagor"),
        });
        english.push_str(&match count {
            0 => ", no attachments".to_string(),
            1 => ", 1 attachment".to_string(),
            n => format!(", {n} attachments"),
        });
        swedish.push_str(&format!(", {}", swedish_size(size)));
        english.push_str(&format!(", {}", english_size(size)));
        if let Some(case) = &self.case_number {
            swedish.push_str(&format!(", ärende {case}"));
            english.push_str(&format!(", case {case}"));
        }
        let (subject, sender) = (&self.subject, &self.sender.name);
        swedish.push_str(&format!(". Ämne: {subject}. Avsändare: {sender}."));
        english.push_str(&format!(". Subject: {subject}. Sender: {sender}."));
        Summary { swedish, english }
    }
}

/// A size as Swedes write it: `512 byte`, `34 kB`, `1,4 MB` (decimal units).
pub fn swedish_size(bytes: u64) -> String {
    let (number, unit) = scaled(bytes);
    format!("{} {unit}", number.replace('.', ","))
}

/// A size in English: `512 bytes`, `34 kB`, `1.4 MB` (decimal units).
pub fn english_size(bytes: u64) -> String {
    match scaled(bytes) {
        (number, "byte") if bytes != 1 => format!("{number} bytes"),
        (number, unit) => format!("{number} {unit}"),
    }
}

/// The number (with a `.` decimal point) and unit for a size.
fn scaled(bytes: u64) -> (String, &'static str) {
    match bytes {
        0..=999 => (bytes.to_string(), "byte"),
        1_000..=999_999 => (((bytes + 500) / 1_000).to_string(), "kB"),
        _ => {
            let tenths = (bytes + 50_000) / 100_000;
            if tenths.is_multiple_of(10) {
                ((tenths / 10).to_string(), "MB")
            } else {
                (format!("{}.{}", tenths / 10, tenths % 10), "MB")
            }
        }
    }
}

/// The type of the file `name` with `bytes`, if it is one the profile
/// allows: told by its structure, which must agree with its name.
/// Otherwise the problem, as validation reports it for the attachments.
fn allowed_file_type(name: &str, bytes: &[u8], rules: &Rules) -> Result<FileType, ProblemKind> {
    let file_type = match file_type::sniff(name, bytes) {
        file_type::Sniffed::Recognised(t) => t,
        file_type::Sniffed::UnknownExtension => {
            return Err(ProblemKind::UnknownFileType {
                file: name.to_string(),
            })
        }
        file_type::Sniffed::Mismatch {
            by_extension,
            by_content,
        } => {
            return Err(ProblemKind::FileTypeMismatch {
                file: name.to_string(),
                by_extension,
                by_content,
            })
        }
    };
    if rules
        .allowed_attachment_types
        .iter()
        .any(|t| t == file_type.mime())
    {
        Ok(file_type)
    } else {
        Err(ProblemKind::FileTypeNotAllowed {
            file: name.to_string(),
            file_type,
        })
    }
}

/// Whether a picked file may be attached at all, before it is stored in a
/// draft: a usable name, not empty, and a type the profile allows (told by
/// its structure). Its size is not judged here: a PDF too large may still
/// be compressed to fit.
pub fn check_picked_file(
    name: &str,
    bytes: &[u8],
    rules: &Rules,
) -> Result<FileType, ComposeError> {
    let refuse = |kind| {
        ComposeError::new(vec![Problem {
            field: Field::Attachments,
            kind,
        }])
    };
    let name = name.trim();
    if !usable_file_name(name) {
        return Err(refuse(ProblemKind::InvalidFileName {
            file: name.to_string(),
        }));
    }
    if bytes.is_empty() {
        return Err(refuse(ProblemKind::EmptyAttachment {
            file: name.to_string(),
        }));
    }
    allowed_file_type(name, bytes, rules).map_err(refuse)
}

/// Whether `name` can be an attachment's file name on every system that
/// will store it: not empty, no folder part (`/`, `\\`, `.`, `..`), no
/// control or invisible character (a right-to-left override makes
/// `fdp.exe` read `exe.pdf`), none of Windows' reserved characters
/// (`< > : " | ? *`), no Windows device name (`CON.pdf`, `com1.txt`), no
/// trailing dot or space (which Windows drops).
pub fn usable_file_name(name: &str) -> bool {
    const DEVICES: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];
    let stem = name.split('.').next().unwrap_or_default().trim_end();
    let upper = stem.to_ascii_uppercase();
    let device = DEVICES.contains(&upper.as_str())
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper.as_bytes()[3].is_ascii_digit());
    !(name.is_empty()
        || name == "."
        || name == ".."
        || device
        || name.ends_with(['.', ' '])
        || name.chars().any(|c| {
            c.is_control()
                || kuvert_protocol::delivery::is_invisible(c)
                || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*')
        }))
}

fn from_delivery_error(e: DeliveryError) -> ProblemKind {
    match e {
        DeliveryError::Empty { .. } => ProblemKind::Required,
        DeliveryError::TooLong { length, max, .. } => ProblemKind::TooLong { length, max },
        DeliveryError::ForbiddenCharacter { code, .. } => ProblemKind::ForbiddenCharacter { code },
        DeliveryError::ProtectionClass4 => ProblemKind::ProtectionClass4,
        DeliveryError::ProtectionClassOutOfRange(c) => ProblemKind::ProtectionClassOutOfRange(c),
        DeliveryError::EmptyMessage => ProblemKind::EmptyMessage,
        DeliveryError::EmptyAttachment { filename } => {
            ProblemKind::EmptyAttachment { file: filename }
        }
        DeliveryError::InvalidFilename(file) => ProblemKind::InvalidFileName { file },
        // The remaining variants concern values Kuvert itself supplies
        // (content types, language, support info validated with the profile).
        _ => ProblemKind::Required,
    }
}

fn case_number(
    typed: &str,
    profile: &Profile,
    report: &mut impl FnMut(Field, ProblemKind),
) -> Option<Option<CaseNumber>> {
    let typed = typed.trim();
    if typed.is_empty() {
        if profile.rules().require_case_number {
            report(Field::CaseNumber, ProblemKind::Required);
            return None;
        }
        return Some(None);
    }
    if let Some(character) = typed
        .chars()
        .find(|c| !(c.is_alphanumeric() || " -/.:_()#".contains(*c)))
    {
        report(
            Field::CaseNumber,
            ProblemKind::CaseNumberCharacter { character },
        );
        return None;
    }
    match CaseNumber::new(typed) {
        Ok(number) => Some(Some(number)),
        Err(e) => {
            report(Field::CaseNumber, from_delivery_error(e));
            None
        }
    }
}

/// The attachment size limits a validation applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single attachment.
    pub per_attachment: u64,
    /// Largest total.
    pub total: u64,
}

impl Limits {
    /// What Kuvert accepts where no envelope has to be fitted (the paper
    /// route, measuring an envelope): 20 000 000 bytes, the attachment
    /// limit Kuvert had before the envelope limit.
    pub const UNENVELOPED: Limits = Limits {
        per_attachment: 20_000_000,
        total: 20_000_000,
    };
}

fn attachments(
    files: &[AttachmentFile],
    profile: &Profile,
    limits: Limits,
    report: &mut impl FnMut(Field, ProblemKind),
) -> Option<Vec<Attachment>> {
    let rules = profile.rules();
    let mut accepted = Vec::with_capacity(files.len());
    let mut seen: Vec<String> = Vec::with_capacity(files.len());
    let mut ok = true;
    let mut fail = |kind: ProblemKind| {
        report(Field::Attachments, kind);
        false
    };
    for file in files {
        let name = file.file_name.trim();
        if !usable_file_name(name) {
            ok = fail(ProblemKind::InvalidFileName {
                file: name.to_string(),
            });
            continue;
        }
        let folded = name.to_lowercase();
        if seen.contains(&folded) {
            ok = fail(ProblemKind::DuplicateFileName {
                file: name.to_string(),
            });
            continue;
        }
        seen.push(folded);
        let size = file.bytes.len() as u64;
        if size == 0 {
            ok = fail(ProblemKind::EmptyAttachment {
                file: name.to_string(),
            });
            continue;
        }
        if size > limits.per_attachment {
            ok = fail(ProblemKind::AttachmentTooLarge {
                file: name.to_string(),
                size,
                max: limits.per_attachment,
            });
            continue;
        }
        let file_type = match allowed_file_type(name, &file.bytes, rules) {
            Ok(t) => t,
            Err(kind) => {
                ok = fail(kind);
                continue;
            }
        };
        let content_type = match ContentType::new(file_type.mime()) {
            Ok(c) => c,
            Err(e) => {
                ok = fail(from_delivery_error(e));
                continue;
            }
        };
        match Attachment::new(name, content_type, file.bytes.clone()) {
            Ok(a) => accepted.push(a),
            Err(e) => ok = fail(from_delivery_error(e)),
        }
    }
    let total: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
    if total > limits.total {
        ok = fail(ProblemKind::AttachmentsTooLarge {
            total,
            max: limits.total,
        });
    }
    ok.then_some(accepted)
}
