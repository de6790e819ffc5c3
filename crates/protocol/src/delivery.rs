//! The v3 secure delivery: a validated model and its canonical XML.
//!
//! Every field an officer fills in becomes a validated value here, so a
//! [`Delivery`] that exists can be written and signed; invalid input is
//! refused with a [`DeliveryError`] naming what is wrong.
//!
//! Namespaces follow the contracts' `elementFormDefault="qualified"` rule:
//! an element lives in the namespace of the schema that declares its
//! parent's type. So `SignedDelivery/Delivery/Header` is in Message/v3 but
//! its children (`Sender`, `Recipient`, `Reference`, …) are in Message/v2,
//! `Sender`'s children in Sender, the message `Body`'s and `Attachment`'s
//! children and `Metadata`'s in Message (v1), and the event data below
//! `OfficialMatterExtension` in OfficialMatter/v3.

use openssl::hash::{hash, MessageDigest};

use crate::date::CalendarDate;
use crate::dsig::{sign_enveloped, SignError, SigningKey, Transforms};
use crate::identity::{OrganizationNumber, RecipientId};
use crate::xml::names::{MESSAGE_V1, MESSAGE_V2, MESSAGE_V3, OFFICIAL_MATTER_V3, SENDER};
use crate::xml::writer::CanonicalWriter;
use crate::xml::Ns;

const M3: Ns = Ns::default(MESSAGE_V3);
const M2: Ns = Ns::prefixed("msg2", MESSAGE_V2);
const M1: Ns = Ns::prefixed("msg", MESSAGE_V1);
const SND: Ns = Ns::prefixed("snd", SENDER);
const OFM: Ns = Ns::prefixed("ofm", OFFICIAL_MATTER_V3);

/// Why a delivery (or one of its parts) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// A required text is empty.
    #[error("{field} must not be empty")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// A text is longer than the contract allows.
    #[error("{field} is {length} characters; at most {max} are allowed")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its length in characters.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// A text holds a character that cannot be sent (control characters,
    /// line breaks in single-line fields).
    #[error("{field} contains a character that cannot be sent (U+{code:04X})")]
    ForbiddenCharacter {
        /// The field.
        field: &'static str,
        /// The character's code point.
        code: u32,
    },
    /// Protection class 4 ("allvarlig") may not be sent through Mina meddelanden.
    #[error("protection class 4 may not be sent through Mina meddelanden; use another channel")]
    ProtectionClass4,
    /// A protection class other than 1–4.
    #[error("protection class must be 1, 2 or 3, not {0}")]
    ProtectionClassOutOfRange(u8),
    /// Neither a body text nor an attachment.
    #[error("the message is empty: write a text or attach a document")]
    EmptyMessage,
    /// An attachment has no content.
    #[error("the attachment {filename} is empty")]
    EmptyAttachment {
        /// The attachment's file name.
        filename: String,
    },
    /// A file name with a path or characters that cannot be shown.
    #[error("the file name {0:?} is not usable (no folders, 1–255 characters)")]
    InvalidFilename(String),
    /// A MIME type that is not `type/subtype`.
    #[error("the content type {0:?} is not a MIME type such as application/pdf")]
    InvalidContentType(String),
    /// A malformed support e-mail address.
    #[error("the support e-mail address {0:?} is not valid")]
    InvalidEmail(String),
    /// A malformed support web address.
    #[error("the support web address {0:?} must start with https:// or http://")]
    InvalidUrl(String),
    /// A language tag that is not like `svSE` or `en`.
    #[error("the language {0:?} is not a language tag such as svSE")]
    InvalidLanguage(String),
}

/// Checks a free text: length in characters, no characters XML cannot carry,
/// and for single-line fields no line breaks or tabs.
fn checked_text(
    field: &'static str,
    value: &str,
    max: usize,
    single_line: bool,
) -> Result<String, DeliveryError> {
    let value = if single_line { value.trim() } else { value };
    if value.trim().is_empty() {
        return Err(DeliveryError::Empty { field });
    }
    let length = value.chars().count();
    if length > max {
        return Err(DeliveryError::TooLong { field, length, max });
    }
    if let Some(c) = value.chars().find(|c| {
        !crate::xml::tree::is_xml_char(*c)
            || (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
            || (single_line && (matches!(c, '\n' | '\t' | '\r') || is_invisible(*c)))
    }) {
        return Err(DeliveryError::ForbiddenCharacter {
            field,
            code: c as u32,
        });
    }
    Ok(value.to_string())
}

/// Whether `c` is a character a reader cannot see that changes what a line
/// shows or how it compares: bidirectional controls (U+202A–U+202E,
/// U+2066–U+2069, which can make `fdp.exe` read as `exe.pdf`), zero-width
/// and direction marks (U+200B–U+200F), line and paragraph separators
/// (U+2028, U+2029), the byte-order mark (U+FEFF) and tag characters
/// (U+E0000–U+E007F). One-line fields (subject, attention, file names,
/// postal address lines) refuse them.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2028}' | '\u{2029}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
        | '\u{E0000}'..='\u{E007F}')
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr, $single:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps the text.
            pub fn new(value: &str) -> Result<Self, DeliveryError> {
                checked_text($field, value, $max, $single).map($name)
            }

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(
    /// A message subject: one line, 1–255 characters.
    Subject, "subject", 255, true
);
text_newtype!(
    /// A diarienummer (the case's registry number), carried as `Reference`.
    CaseNumber, "case number", 100, true
);
text_newtype!(
    /// The person or function at a receiving organisation (`Attention`).
    Attention, "attention", 255, true
);
text_newtype!(
    /// The sender's name as recipients see it (2–256 characters per contract).
    SenderName, "sender name", 256, true
);
text_newtype!(
    /// A message id (`Message/Header/Id`): unique per message, in practice a UUID.
    MessageId, "message id", 255, true
);

/// Protection class (skyddsklass) 1–3; class 4 is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtectionClass(u8);

impl ProtectionClass {
    /// Accepts 1, 2 or 3.
    pub fn new(class: u8) -> Result<Self, DeliveryError> {
        match class {
            1..=3 => Ok(ProtectionClass(class)),
            4 => Err(DeliveryError::ProtectionClass4),
            other => Err(DeliveryError::ProtectionClassOutOfRange(other)),
        }
    }

    /// The class number.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// The sending organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// Organisation number.
    pub id: OrganizationNumber,
    /// Name shown to the recipient.
    pub name: SenderName,
}

/// Support contact shown with the message (`Supportinfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportInfo {
    text: String,
    url: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

impl SupportInfo {
    /// Validates a support block: text 1–1024 characters; URL (http/https,
    /// ≤ 255), phone (≤ 255) and e-mail (`x@y.z`, 5–256) optional.
    pub fn new(
        text: &str,
        url: Option<&str>,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> Result<Self, DeliveryError> {
        let text = checked_text("support text", text, 1024, false)?;
        let url = url
            .map(|u| {
                let u = checked_text("support URL", u, 255, true)?;
                let rest = u
                    .strip_prefix("https://")
                    .or_else(|| u.strip_prefix("http://"))
                    .unwrap_or("");
                if rest.is_empty() || rest.starts_with('/') || u.contains(char::is_whitespace) {
                    return Err(DeliveryError::InvalidUrl(u));
                }
                Ok(u)
            })
            .transpose()?;
        let phone = phone
            .map(|p| checked_text("support phone number", p, 255, true))
            .transpose()?;
        let email = email
            .map(|e| {
                let e = checked_text("support e-mail", e, 256, true)?;
                if !is_email(&e) {
                    return Err(DeliveryError::InvalidEmail(e));
                }
                Ok(e)
            })
            .transpose()?;
        Ok(SupportInfo {
            text,
            url,
            phone,
            email,
        })
    }
}

/// The contract's pattern `.+@.+\..+`, plus no white space.
fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !value.contains(char::is_whitespace)
        && domain
            .rfind('.')
            .is_some_and(|dot| dot > 0 && dot + 1 < domain.len())
}

/// A MIME type (`type/subtype`, optional parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType(String);

impl ContentType {
    /// Accepts `type/subtype` with RFC 2045 token characters.
    pub fn new(value: &str) -> Result<Self, DeliveryError> {
        let value = value.trim();
        let essence = value.split(';').next().unwrap_or("").trim();
        let token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
        };
        match essence.split_once('/') {
            Some((t, s)) if token(t) && token(s) && value.len() <= 255 => {
                Ok(ContentType(value.to_ascii_lowercase()))
            }
            _ => Err(DeliveryError::InvalidContentType(value.to_string())),
        }
    }

    /// The MIME type.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An attached document.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    filename: String,
    content_type: ContentType,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

impl Attachment {
    /// An attachment; refuses empty content and file names with folders.
    pub fn new(
        filename: &str,
        content_type: ContentType,
        bytes: Vec<u8>,
    ) -> Result<Self, DeliveryError> {
        let filename = checked_text("file name", filename, 255, true)
            .map_err(|_| DeliveryError::InvalidFilename(filename.to_string()))?;
        if filename.contains(['/', '\\']) || filename == "." || filename == ".." {
            return Err(DeliveryError::InvalidFilename(filename));
        }
        if bytes.is_empty() {
            return Err(DeliveryError::EmptyAttachment { filename });
        }
        Ok(Attachment {
            filename,
            content_type,
            bytes,
        })
    }

    /// The file name.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The MIME type.
    pub fn content_type(&self) -> &ContentType {
        &self.content_type
    }

    /// The content.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Hex MD5 of the raw bytes, as the `Checksum` element carries it.
    pub fn md5_hex(&self) -> String {
        md5_hex(&self.bytes)
    }
}

/// Lowercase hex MD5 of `bytes`.
pub fn md5_hex(bytes: &[u8]) -> String {
    let digest = hash(MessageDigest::md5(), bytes)
        .map(|d| d.to_vec())
        .unwrap_or_default();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    content_type: ContentType,
    text: String,
}

impl Body {
    /// A plain-text body (may be empty when there are attachments).
    pub fn plain(text: &str) -> Result<Self, DeliveryError> {
        Self::with_type("text/plain", text)
    }

    /// A body of the given text type (`text/plain`, `text/html`).
    pub fn with_type(content_type: &str, text: &str) -> Result<Self, DeliveryError> {
        let text = if text.trim().is_empty() {
            String::new()
        } else {
            checked_text("body", text, 1_000_000, false)?
        };
        Ok(Body {
            content_type: ContentType::new(content_type)?,
            text,
        })
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// `Reply` option; Kuvert sends `NotAllowed` unless the organisation enables replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplyOption {
    /// `REQUESTED`.
    Requested,
    /// `ACCEPTED`.
    Accepted,
    /// `NOT_ALLOWED`.
    #[default]
    NotAllowed,
}

/// `ReceiptRequest` option; Kuvert sends `Not` unless the organisation enables receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReceiptOption {
    /// `NOT`.
    #[default]
    Not,
    /// `SIMPLE`.
    Simple,
    /// `SIGNED`.
    Signed,
}

/// The state an event message puts the case in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatterStatus {
    /// The authority has taken an initiative.
    SenderInitiative,
    /// The recipient is expected to act.
    RecipientInitiative,
    /// The case is closed.
    Closed,
}

impl MatterStatus {
    /// Every status, in the contract's order.
    pub const ALL: [MatterStatus; 3] = [
        MatterStatus::SenderInitiative,
        MatterStatus::RecipientInitiative,
        MatterStatus::Closed,
    ];

    /// The contract's name: `senderinitiative`, `recipientinitiative` or `closed`.
    pub fn wire(self) -> &'static str {
        match self {
            MatterStatus::SenderInitiative => "senderinitiative",
            MatterStatus::RecipientInitiative => "recipientinitiative",
            MatterStatus::Closed => "closed",
        }
    }

    /// The status with the contract's name `name`, if there is one.
    pub fn from_wire(name: &str) -> Option<MatterStatus> {
        MatterStatus::ALL.into_iter().find(|s| s.wire() == name)
    }
}

/// Event-message data (händelsemeddelande): the case this message belongs to.
/// `OfficialMatterId` is the diarienummer and `EventId` the message id; the
/// preceding event id links to the previous message in the same case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventData {
    /// Creation date of the message.
    pub timestamp: CalendarDate,
    /// The id of the previous message sent in this case to this recipient.
    pub preceding_event_id: Option<MessageId>,
    /// What the case concerns, if given.
    pub matter_subject: Option<String>,
    /// The kind of event, if given.
    pub event_type: Option<String>,
    /// The case's state after this message.
    pub status: Option<MatterStatus>,
}

/// One secure message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureMessage {
    /// Unique id; the sent log is keyed on it.
    pub id: MessageId,
    /// Subject line.
    pub subject: Subject,
    /// Support contact.
    pub support: SupportInfo,
    /// Event data, when sent as an event message.
    pub event: Option<EventData>,
    /// Protection class, also written as Metadata `skyddsklass`.
    pub protection_class: ProtectionClass,
    /// Language tag, `svSE` by default.
    pub language: String,
    /// Reply option.
    pub reply: ReplyOption,
    /// Receipt option.
    pub receipt: ReceiptOption,
    /// The text.
    pub body: Body,
    /// Attached documents.
    pub attachments: Vec<Attachment>,
}

/// Checks an `xs:language` tag (`[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`).
pub fn check_language(tag: &str) -> Result<String, DeliveryError> {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if first_ok && rest_ok {
        Ok(tag.to_string())
    } else {
        Err(DeliveryError::InvalidLanguage(tag.to_string()))
    }
}

/// A delivery of one secure message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Sender organisation.
    pub sender: Sender,
    /// Recipient.
    pub recipient: RecipientId,
    /// The diarienummer (`Reference`).
    pub case_number: Option<CaseNumber>,
    /// A stable id of the outbox item, so a retry can be recognised.
    pub correlation_id: Option<MessageId>,
    /// Person or function at a receiving organisation.
    pub attention: Option<Attention>,
    /// The message.
    pub message: SecureMessage,
}

impl Delivery {
    /// Checks the rules that span fields (a message must say something).
    pub fn validate(&self) -> Result<(), DeliveryError> {
        check_language(&self.message.language)?;
        if let Some(event) = &self.message.event {
            for (field, value) in [
                ("matter subject", &event.matter_subject),
                ("event type", &event.event_type),
            ] {
                if let Some(value) = value {
                    checked_text(field, value, 2000, false)?;
                }
            }
        }
        if self.message.body.text.is_empty() && self.message.attachments.is_empty() {
            return Err(DeliveryError::EmptyMessage);
        }
        Ok(())
    }

    /// The unsigned `SignedDelivery` document (without `ds:Signature`), in
    /// canonical form.
    pub fn to_canonical_xml(&self) -> Result<Vec<u8>, DeliveryError> {
        self.validate()?;
        let attachment_bytes: usize = self.message.attachments.iter().map(|a| a.bytes.len()).sum();
        let capacity = (attachment_bytes + self.message.body.text.len()) / 3 * 4 + 16 * 1024;
        let mut w = CanonicalWriter::with_capacity(capacity);
        // Writing into memory only fails on allocation failure, which aborts.
        let _ = self.write(&mut w);
        w.finish()
            .map_err(|_| DeliveryError::Empty { field: "document" })
    }

    /// Builds and signs the `SignedDelivery` (enveloped RSA-SHA256).
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, SignOrDeliveryError> {
        let canonical = self.to_canonical_xml()?;
        Ok(sign_enveloped(canonical, key, Transforms::Enveloped)?)
    }

    fn write(&self, w: &mut CanonicalWriter) -> std::io::Result<()> {
        w.open(M3, "SignedDelivery")?;
        w.open(M3, "Delivery")?;
        w.open(M3, "Header")?;
        w.open(M2, "Sender")?;
        w.leaf(SND, "Id", self.sender.id.as_str())?;
        w.leaf(SND, "Name", self.sender.name.as_str())?;
        w.close()?;
        w.leaf(M2, "Recipient", self.recipient.as_str())?;
        if let Some(reference) = &self.case_number {
            w.leaf(M2, "Reference", reference.as_str())?;
        }
        if let Some(correlation) = &self.correlation_id {
            w.leaf(M2, "CorrelationId", correlation.as_str())?;
        }
        if let Some(attention) = &self.attention {
            w.leaf(M2, "Attention", attention.as_str())?;
        }
        w.close()?;
        self.write_message(w)?;
        w.close()?;
        w.close()
    }

    fn write_message(&self, w: &mut CanonicalWriter) -> std::io::Result<()> {
        let m = &self.message;
        w.open(M3, "Message")?;
        w.open(M3, "Header")?;
        w.leaf(M3, "Id", m.id.as_str())?;
        w.leaf(M3, "Subject", m.subject.as_str())?;
        w.open(M3, "Supportinfo")?;
        w.leaf(M3, "Text", &m.support.text)?;
        for (local, value) in [
            ("URL", &m.support.url),
            ("PhoneNumber", &m.support.phone),
            ("EmailAdress", &m.support.email),
        ] {
            if let Some(value) = value {
                w.leaf(M3, local, value)?;
            }
        }
        w.close()?;
        if let Some(event) = &m.event {
            self.write_event(w, event)?;
        }
        w.open(M3, "Metadata")?;
        w.leaf(M1, "Tag", "skyddsklass")?;
        w.leaf(M1, "Value", &m.protection_class.get().to_string())?;
        w.close()?;
        w.leaf(M3, "Language", &m.language)?;
        let reply = match m.reply {
            ReplyOption::Requested => "REQUESTED",
            ReplyOption::Accepted => "ACCEPTED",
            ReplyOption::NotAllowed => "NOT_ALLOWED",
        };
        w.leaf(M3, "Reply", reply)?;
        let receipt = match m.receipt {
            ReceiptOption::Not => "NOT",
            ReceiptOption::Simple => "SIMPLE",
            ReceiptOption::Signed => "SIGNED",
        };
        w.leaf(M3, "ReceiptRequest", receipt)?;
        w.close()?;

        w.open(M3, "Body")?;
        w.leaf(M1, "ContentType", m.body.content_type.as_str())?;
        w.base64_leaf(M1, "Body", m.body.text.as_bytes())?;
        w.close()?;
        for attachment in &m.attachments {
            w.open(M3, "Attachment")?;
            w.leaf(M1, "ContentType", attachment.content_type.as_str())?;
            w.base64_leaf(M1, "Body", &attachment.bytes)?;
            w.leaf(M1, "Checksum", &attachment.md5_hex())?;
            w.leaf(M1, "Filename", &attachment.filename)?;
            w.close()?;
        }
        w.close()
    }

    fn write_event(&self, w: &mut CanonicalWriter, event: &EventData) -> std::io::Result<()> {
        w.open(M3, "OfficialMatter")?;
        w.open(M3, "OfficialMatterExtension")?;
        w.leaf(OFM, "Timestamp", &event.timestamp.to_string())?;
        w.open(OFM, "Identity")?;
        w.leaf(OFM, "EventId", self.message.id.as_str())?;
        if let Some(case) = &self.case_number {
            w.leaf(OFM, "OfficialMatterId", case.as_str())?;
        }
        if let Some(preceding) = &event.preceding_event_id {
            w.leaf(OFM, "PrecedingEventId", preceding.as_str())?;
        }
        w.close()?;
        if let Some(subject) = &event.matter_subject {
            w.leaf(OFM, "MatterSubject", subject)?;
        }
        if let Some(event_type) = &event.event_type {
            w.leaf(OFM, "EventType", event_type)?;
        }
        if let Some(status) = event.status {
            w.leaf(OFM, "MatterStatus", status.wire())?;
        }
        w.close()?;
        w.close()
    }
}

/// Building or signing a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignOrDeliveryError {
    /// The delivery is invalid.
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
}
