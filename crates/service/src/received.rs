//! Reading a received `SignedDelivery` or `SealedDelivery` back into data,
//! for the receiving side (the test environment's intermediary and mailbox
//! operators).
//!
//! The reader checks the document's structure the way a schema validator
//! checks it against the v3 contracts — namespaces, element order and
//! occurrence, required elements, lengths, patterns and enumerations, no
//! stray attributes or text — so a service can refuse a document that is
//! not schema-valid without shipping `xmllint`. A violation is a
//! [`ReceivedError::Schema`]; the checks beyond the schema that a receiver
//! makes (protection class 1–3, attachment checksums) have their own
//! variants. Signatures are checked by
//! [`kuvert_protocol::verify::verify`], not here; only the
//! `ds:Signature` element's shape is.

use base64::Engine;

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::delivery::{check_language, md5_hex};
use kuvert_protocol::xml::names::{
    DSIG, MESSAGE_V1, MESSAGE_V2, MESSAGE_V3, OFFICIAL_MATTER_V3, SENDER,
};
use kuvert_protocol::xml::{parse, Element, Node, XmlError};

/// Why a received delivery is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceivedError {
    /// Not well-formed XML (or a DTD or unknown entity).
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The document is not valid against the v3 schema.
    #[error("not schema-valid at {path}: {reason}")]
    Schema {
        /// Where, as a path of local names.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A message has no `skyddsklass` metadata, or one outside 1–3.
    #[error("message {message_id} has no valid protection class (skyddsklass 1–3): {value:?}")]
    ProtectionClass {
        /// The message's id.
        message_id: String,
        /// The value found, if any.
        value: Option<String>,
    },
    /// An attachment's `Checksum` is not the MD5 of its content.
    #[error("the checksum of attachment {filename:?} does not match its content")]
    ChecksumMismatch {
        /// The attachment's file name.
        filename: String,
    },
}

impl ReceivedError {
    /// Whether the document is not schema-valid (as opposed to well-formed
    /// and valid but refused for a receiver's own rule).
    pub fn is_schema_violation(&self) -> bool {
        matches!(self, ReceivedError::Xml(_) | ReceivedError::Schema { .. })
    }
}

/// The content of a signed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedDelivery {
    /// `Sender/Id` (wire form).
    pub sender_id: String,
    /// `Sender/Name`.
    pub sender_name: String,
    /// `Recipient` (wire form).
    pub recipient: String,
    /// `Reference` (the diarienummer).
    pub reference: Option<String>,
    /// `CorrelationId`.
    pub correlation_id: Option<String>,
    /// `Attention`.
    pub attention: Option<String>,
    /// The messages, at least one.
    pub messages: Vec<ReceivedMessage>,
}

/// One received secure message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// `Header/Id`.
    pub id: String,
    /// `Subject`.
    pub subject: String,
    /// `Supportinfo/Text`.
    pub support_text: String,
    /// `Supportinfo/URL`.
    pub support_url: Option<String>,
    /// `Supportinfo/PhoneNumber`.
    pub support_phone: Option<String>,
    /// `Supportinfo/EmailAdress`.
    pub support_email: Option<String>,
    /// `OfficialMatterExtension/Identity/OfficialMatterId`, for event messages.
    pub official_matter_id: Option<String>,
    /// `Metadata` pairs (Tag, Value).
    pub metadata: Vec<(String, String)>,
    /// The protection class (`skyddsklass` metadata), 1–3.
    pub protection_class: u8,
    /// `Language`.
    pub language: String,
    /// `Reply`, if given.
    pub reply: Option<String>,
    /// `ReceiptRequest`, if given.
    pub receipt_request: Option<String>,
    /// The body's content type.
    pub body_content_type: String,
    /// The body's decoded bytes.
    pub body: Vec<u8>,
    /// The attachments.
    pub attachments: Vec<ReceivedAttachment>,
}

/// One received attachment.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceivedAttachment {
    /// `Filename`.
    pub filename: String,
    /// `ContentType`.
    pub content_type: String,
    /// `Checksum` (verified to be the hex MD5 of the bytes).
    pub checksum: String,
    /// The decoded content.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for ReceivedAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivedAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// A sealed delivery: the signed delivery plus the intermediary's seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSealedDelivery {
    /// The signed delivery inside.
    pub delivery: ReceivedDelivery,
    /// `Seal/ReceivedTime`.
    pub received: CalendarDate,
    /// `Seal/SignaturesOK`.
    pub signatures_ok: bool,
}

/// Reads and checks a standalone `SignedDelivery` document.
pub fn read_signed_delivery(xml: &str) -> Result<ReceivedDelivery, ReceivedError> {
    let doc = parse(xml)?;
    let path = Path::root();
    if !doc.root.is(MESSAGE_V3, "SignedDelivery") {
        return Err(path.error(format!("expected {{{MESSAGE_V3}}}SignedDelivery as root")));
    }
    signed_delivery(&doc.root, &path.child("SignedDelivery"))
}

/// Reads and checks a standalone `SealedDelivery` document.
pub fn read_sealed_delivery(xml: &str) -> Result<ReceivedSealedDelivery, ReceivedError> {
    let doc = parse(xml)?;
    let path = Path::root().child("SealedDelivery");
    if !doc.root.is(MESSAGE_V3, "SealedDelivery") {
        return Err(Path::root().error(format!("expected {{{MESSAGE_V3}}}SealedDelivery as root")));
    }
    attributes(&doc.root, &path, &["Id"])?;
    let parts = sequence(
        &doc.root,
        &path,
        &[
            Slot::one(MESSAGE_V3, "SignedDelivery"),
            Slot::one(MESSAGE_V3, "Seal"),
            Slot::one(DSIG, "Signature"),
        ],
    )?;
    let seal_path = path.child("Seal");
    let seal = parts[1][0];
    attributes(seal, &seal_path, &[])?;
    let fields = sequence(
        seal,
        &seal_path,
        &[
            Slot::one(MESSAGE_V1, "ReceivedTime"),
            Slot::one(MESSAGE_V1, "SignaturesOK"),
        ],
    )?;
    let received = date(fields[0][0], &seal_path.child("ReceivedTime"))?;
    let signatures_ok = boolean(fields[1][0], &seal_path.child("SignaturesOK"))?;
    signature(parts[2][0], &path.child("Signature"))?;
    let delivery = signed_delivery(parts[0][0], &path.child("SignedDelivery"))?;
    Ok(ReceivedSealedDelivery {
        delivery,
        received,
        signatures_ok,
    })
}

// ---------------------------------------------------------------- structure

/// Where in the document a check is, for error messages.
#[derive(Debug, Clone)]
struct Path(String);

impl Path {
    fn root() -> Self {
        Path(String::new())
    }
    fn child(&self, local: &str) -> Self {
        Path(format!("{}/{local}", self.0))
    }
    fn error(&self, reason: impl Into<String>) -> ReceivedError {
        ReceivedError::Schema {
            path: if self.0.is_empty() {
                "/".into()
            } else {
                self.0.clone()
            },
            reason: reason.into(),
        }
    }
}

/// One particle of an `xs:sequence`.
struct Slot {
    ns: &'static str,
    local: &'static str,
    min: usize,
    max: usize,
}

impl Slot {
    const fn one(ns: &'static str, local: &'static str) -> Self {
        Slot {
            ns,
            local,
            min: 1,
            max: 1,
        }
    }
    const fn optional(ns: &'static str, local: &'static str) -> Self {
        Slot {
            ns,
            local,
            min: 0,
            max: 1,
        }
    }
    const fn many(ns: &'static str, local: &'static str, min: usize) -> Self {
        Slot {
            ns,
            local,
            min,
            max: usize::MAX,
        }
    }
}

fn name_of(e: &Element) -> String {
    format!("{{{}}}{}", e.namespace.as_deref().unwrap_or(""), e.local)
}

/// Matches `parent`'s element-only content against a sequence of slots;
/// returns the elements of each slot.
fn sequence<'a>(
    parent: &'a Element,
    path: &Path,
    slots: &[Slot],
) -> Result<Vec<Vec<&'a Element>>, ReceivedError> {
    element_only(parent, path)?;
    let children: Vec<&Element> = parent.elements().collect();
    let mut at = 0;
    let mut out = Vec::with_capacity(slots.len());
    for slot in slots {
        let mut taken = Vec::new();
        while at < children.len() && taken.len() < slot.max && children[at].is(slot.ns, slot.local)
        {
            taken.push(children[at]);
            at += 1;
        }
        if taken.len() < slot.min {
            let found = children
                .get(at)
                .map(|e| format!("found {}", name_of(e)))
                .unwrap_or_else(|| "found the end of the element".into());
            return Err(path.error(format!("expected {{{}}}{}, {found}", slot.ns, slot.local)));
        }
        out.push(taken);
    }
    if let Some(extra) = children.get(at) {
        return Err(path.error(format!("unexpected element {}", name_of(extra))));
    }
    Ok(out)
}

/// No character data other than white space between child elements.
fn element_only(parent: &Element, path: &Path) -> Result<(), ReceivedError> {
    for node in &parent.children {
        if let Node::Text(t) = node {
            if !t.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
                return Err(path.error("text where only elements are allowed"));
            }
        }
    }
    Ok(())
}

/// Only the listed unqualified attributes (namespace declarations are not
/// attributes); `Id` must be an NCName.
fn attributes(e: &Element, path: &Path, allowed: &[&str]) -> Result<(), ReceivedError> {
    for a in &e.attributes {
        if a.namespace.is_some() || !allowed.contains(&a.local.as_str()) {
            return Err(path.error(format!("attribute {} is not allowed", a.local)));
        }
        if a.local == "Id" && !is_ncname(&a.value) {
            return Err(path.error(format!("Id {:?} is not an NCName", a.value)));
        }
    }
    Ok(())
}

fn is_ncname(value: &str) -> bool {
    let mut chars = value.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The text of a simple-typed element (no attributes, no child elements).
fn simple(e: &Element, path: &Path) -> Result<String, ReceivedError> {
    attributes(e, path, &[])?;
    if e.elements().next().is_some() {
        return Err(path.error("a simple value may not contain elements"));
    }
    Ok(e.text())
}

fn collapse(text: &str) -> String {
    text.split([' ', '\t', '\n', '\r'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn max_length(e: &Element, path: &Path, max: usize) -> Result<String, ReceivedError> {
    let text = simple(e, path)?;
    let length = text.chars().count();
    if length > max {
        return Err(path.error(format!("{length} characters, at most {max} allowed")));
    }
    Ok(text)
}

fn optional_text(
    slot: &[&Element],
    path: &Path,
    max: usize,
) -> Result<Option<String>, ReceivedError> {
    slot.first().map(|e| max_length(e, path, max)).transpose()
}

/// `recipient:RecipientId`: `(16\d{10})|((18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{4})|((18|19|20)\d{2}(0[1-9]|1[0-2])(\d{2})\d{4})`.
/// The third branch admits every two-digit day (samordningsnummer), so the
/// day is not checked further.
fn recipient_id(e: &Element, path: &Path) -> Result<String, ReceivedError> {
    let text = simple(e, path)?;
    let b = text.as_bytes();
    let digits = b.len() == 12 && b.iter().all(u8::is_ascii_digit);
    let ok = digits
        && (b.starts_with(b"16")
            || (matches!(&b[..2], b"18" | b"19" | b"20")
                && matches!((b[4], b[5]), (b'0', b'1'..=b'9') | (b'1', b'0'..=b'2'))));
    if !ok {
        return Err(path.error(format!("{text:?} does not match the RecipientId pattern")));
    }
    Ok(text)
}

fn enumeration(e: &Element, path: &Path, values: &[&str]) -> Result<String, ReceivedError> {
    let text = simple(e, path)?;
    if !values.contains(&text.as_str()) {
        return Err(path.error(format!("{text:?} is not one of {values:?}")));
    }
    Ok(text)
}

fn boolean(e: &Element, path: &Path) -> Result<bool, ReceivedError> {
    match collapse(&simple(e, path)?).as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(path.error(format!("{other:?} is not a boolean"))),
    }
}

/// `xs:date`: `YYYY-MM-DD` with an optional time zone.
fn date(e: &Element, path: &Path) -> Result<CalendarDate, ReceivedError> {
    let text = collapse(&simple(e, path)?);
    let bad = || path.error(format!("{text:?} is not a date"));
    let (day, zone) = text.split_at_checked(10).ok_or_else(bad)?;
    let zone_ok = zone.is_empty() || zone == "Z" || {
        let z = zone.as_bytes();
        z.len() == 6
            && matches!(z[0], b'+' | b'-')
            && z[3] == b':'
            && [1, 2, 4, 5].iter().all(|&i| z[i].is_ascii_digit())
            && zone[1..3].parse::<u8>().is_ok_and(|h| h <= 14)
            && zone[4..6].parse::<u8>().is_ok_and(|m| m <= 59)
    };
    if !zone_ok {
        return Err(bad());
    }
    day.parse::<CalendarDate>().map_err(|_| bad())
}

/// `xs:base64Binary` (white space ignored).
fn base64(e: &Element, path: &Path) -> Result<Vec<u8>, ReceivedError> {
    let text = simple(e, path)?;
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r'))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| path.error("not base64"))
}

/// `recipient:EMailAdress`: 5–256 characters matching `.+@.+\..+`.
fn email(e: &Element, path: &Path) -> Result<String, ReceivedError> {
    let text = simple(e, path)?;
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let no_breaks = !chars.iter().any(|c| matches!(c, '\n' | '\r'));
    let at = chars.iter().skip(1).position(|c| *c == '@').map(|p| p + 1);
    let dot = at.is_some_and(|at| (at + 2..n.saturating_sub(1)).any(|j| chars[j] == '.'));
    if !(5..=256).contains(&n) || !no_breaks || !dot {
        return Err(path.error(format!("{text:?} is not an e-mail address")));
    }
    Ok(text)
}

// ---------------------------------------------------------------- documents

fn signed_delivery(root: &Element, path: &Path) -> Result<ReceivedDelivery, ReceivedError> {
    attributes(root, path, &["Id"])?;
    let parts = sequence(
        root,
        path,
        &[
            Slot::one(MESSAGE_V3, "Delivery"),
            Slot::one(DSIG, "Signature"),
        ],
    )?;
    signature(parts[1][0], &path.child("Signature"))?;
    let delivery_path = path.child("Delivery");
    let delivery = parts[0][0];
    attributes(delivery, &delivery_path, &[])?;
    let parts = sequence(
        delivery,
        &delivery_path,
        &[
            Slot::one(MESSAGE_V3, "Header"),
            Slot::many(MESSAGE_V3, "Message", 1),
        ],
    )?;
    let header_path = delivery_path.child("Header");
    let header = parts[0][0];
    attributes(header, &header_path, &[])?;
    let h = sequence(
        header,
        &header_path,
        &[
            Slot::one(MESSAGE_V2, "Sender"),
            Slot::one(MESSAGE_V2, "Recipient"),
            Slot::optional(MESSAGE_V2, "Reference"),
            Slot::optional(MESSAGE_V2, "CorrelationId"),
            Slot::optional(MESSAGE_V2, "Attention"),
        ],
    )?;
    let sender_path = header_path.child("Sender");
    attributes(h[0][0], &sender_path, &[])?;
    let s = sequence(
        h[0][0],
        &sender_path,
        &[
            Slot::one(SENDER, "Id"),
            Slot::one(SENDER, "Name"),
            Slot::optional(SENDER, "Attention"),
        ],
    )?;
    let sender_id = recipient_id(s[0][0], &sender_path.child("Id"))?;
    let sender_name = max_length(s[1][0], &sender_path.child("Name"), 256)?;
    if sender_name.chars().count() < 2 {
        return Err(sender_path.child("Name").error("at least 2 characters"));
    }
    optional_text(&s[2], &sender_path.child("Attention"), usize::MAX)?;
    let recipient = recipient_id(h[1][0], &header_path.child("Recipient"))?;
    let reference = optional_text(&h[2], &header_path.child("Reference"), usize::MAX)?;
    let correlation_id = optional_text(&h[3], &header_path.child("CorrelationId"), usize::MAX)?;
    let attention = optional_text(&h[4], &header_path.child("Attention"), usize::MAX)?;
    let messages = parts[1]
        .iter()
        .map(|m| message(m, &delivery_path.child("Message")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReceivedDelivery {
        sender_id,
        sender_name,
        recipient,
        reference,
        correlation_id,
        attention,
        messages,
    })
}

fn message(m: &Element, path: &Path) -> Result<ReceivedMessage, ReceivedError> {
    attributes(m, path, &[])?;
    let parts = sequence(
        m,
        path,
        &[
            Slot::one(MESSAGE_V3, "Header"),
            Slot::one(MESSAGE_V3, "Body"),
            Slot::many(MESSAGE_V3, "Attachment", 0),
        ],
    )?;
    let hp = path.child("Header");
    attributes(parts[0][0], &hp, &[])?;
    let h = sequence(
        parts[0][0],
        &hp,
        &[
            Slot::one(MESSAGE_V3, "Id"),
            Slot::one(MESSAGE_V3, "Subject"),
            Slot::one(MESSAGE_V3, "Supportinfo"),
            Slot::optional(MESSAGE_V3, "OfficialMatter"),
            Slot::many(MESSAGE_V3, "Metadata", 0),
            Slot::one(MESSAGE_V3, "Language"),
            Slot::optional(MESSAGE_V3, "Reply"),
            Slot::optional(MESSAGE_V3, "ReceiptRequest"),
        ],
    )?;
    let id = simple(h[0][0], &hp.child("Id"))?;
    let subject = max_length(h[1][0], &hp.child("Subject"), 255)?;

    let sp = hp.child("Supportinfo");
    attributes(h[2][0], &sp, &[])?;
    let s = sequence(
        h[2][0],
        &sp,
        &[
            Slot::one(MESSAGE_V3, "Text"),
            Slot::optional(MESSAGE_V3, "URL"),
            Slot::optional(MESSAGE_V3, "PhoneNumber"),
            Slot::optional(MESSAGE_V3, "EmailAdress"),
        ],
    )?;
    let support_text = max_length(s[0][0], &sp.child("Text"), 1024)?;
    let support_url = s[1]
        .first()
        .map(|e| {
            let url = collapse(&simple(e, &sp.child("URL"))?);
            if url.chars().count() > 255 {
                return Err(sp.child("URL").error("longer than 255 characters"));
            }
            Ok(url)
        })
        .transpose()?;
    let support_phone = optional_text(&s[2], &sp.child("PhoneNumber"), 255)?;
    let support_email = s[3]
        .first()
        .map(|e| email(e, &sp.child("EmailAdress")))
        .transpose()?;

    let official_matter_id = h[3]
        .first()
        .map(|e| official_matter(e, &hp.child("OfficialMatter")))
        .transpose()?
        .flatten();

    let mut metadata = Vec::new();
    for e in &h[4] {
        let mp = hp.child("Metadata");
        attributes(e, &mp, &[])?;
        let kv = sequence(
            e,
            &mp,
            &[Slot::one(MESSAGE_V1, "Tag"), Slot::one(MESSAGE_V1, "Value")],
        )?;
        metadata.push((
            simple(kv[0][0], &mp.child("Tag"))?,
            simple(kv[1][0], &mp.child("Value"))?,
        ));
    }
    let language = collapse(&simple(h[5][0], &hp.child("Language"))?);
    check_language(&language).map_err(|_| {
        hp.child("Language")
            .error(format!("{language:?} is not a language tag"))
    })?;
    let reply = h[6]
        .first()
        .map(|e| {
            enumeration(
                e,
                &hp.child("Reply"),
                &["REQUESTED", "ACCEPTED", "NOT_ALLOWED"],
            )
        })
        .transpose()?;
    let receipt_request = h[7]
        .first()
        .map(|e| enumeration(e, &hp.child("ReceiptRequest"), &["NOT", "SIMPLE", "SIGNED"]))
        .transpose()?;

    let bp = path.child("Body");
    attributes(parts[1][0], &bp, &[])?;
    let b = sequence(
        parts[1][0],
        &bp,
        &[
            Slot::one(MESSAGE_V1, "ContentType"),
            Slot::one(MESSAGE_V1, "Body"),
        ],
    )?;
    let body_content_type = simple(b[0][0], &bp.child("ContentType"))?;
    let body = base64(b[1][0], &bp.child("Body"))?;

    let mut attachments = Vec::new();
    for a in &parts[2] {
        let ap = path.child("Attachment");
        attributes(a, &ap, &[])?;
        let f = sequence(
            a,
            &ap,
            &[
                Slot::one(MESSAGE_V1, "ContentType"),
                Slot::one(MESSAGE_V1, "Body"),
                Slot::one(MESSAGE_V1, "Checksum"),
                Slot::one(MESSAGE_V1, "Filename"),
            ],
        )?;
        attachments.push(ReceivedAttachment {
            content_type: simple(f[0][0], &ap.child("ContentType"))?,
            bytes: base64(f[1][0], &ap.child("Body"))?,
            checksum: simple(f[2][0], &ap.child("Checksum"))?,
            filename: simple(f[3][0], &ap.child("Filename"))?,
        });
    }

    // Beyond the schema: a receiver's own rules.
    let class_value = metadata
        .iter()
        .find(|(tag, _)| tag == "skyddsklass")
        .map(|(_, v)| v.clone());
    let protection_class = match class_value.as_deref().map(str::trim) {
        Some("1") => 1,
        Some("2") => 2,
        Some("3") => 3,
        _ => {
            return Err(ReceivedError::ProtectionClass {
                message_id: id,
                value: class_value,
            })
        }
    };
    for a in &attachments {
        if !a.checksum.trim().eq_ignore_ascii_case(&md5_hex(&a.bytes)) {
            return Err(ReceivedError::ChecksumMismatch {
                filename: a.filename.clone(),
            });
        }
    }
    Ok(ReceivedMessage {
        id,
        subject,
        support_text,
        support_url,
        support_phone,
        support_email,
        official_matter_id,
        metadata,
        protection_class,
        language,
        reply,
        receipt_request,
        body_content_type,
        body,
        attachments,
    })
}

/// `OfficialMatter`: either one `OfficialMatterExtension` (Message/v3) or
/// any number of elements from other namespaces. Returns the matter id.
fn official_matter(e: &Element, path: &Path) -> Result<Option<String>, ReceivedError> {
    attributes(e, path, &[])?;
    element_only(e, path)?;
    let children: Vec<&Element> = e.elements().collect();
    if let [only] = children.as_slice() {
        if only.is(MESSAGE_V3, "OfficialMatterExtension") {
            return extension(only, &path.child("OfficialMatterExtension"));
        }
    }
    for child in children {
        match child.namespace.as_deref() {
            None | Some(MESSAGE_V3) => {
                return Err(path.error(format!("unexpected element {}", name_of(child))))
            }
            Some(OFFICIAL_MATTER_V3) if child.local == "OfficialMatterExtension" => {
                extension(child, &path.child("OfficialMatterExtension"))?;
            }
            Some(_) => {}
        }
    }
    Ok(None)
}

fn extension(e: &Element, path: &Path) -> Result<Option<String>, ReceivedError> {
    attributes(e, path, &[])?;
    element_only(e, path)?;
    let children: Vec<&Element> = e.elements().collect();
    let first = children
        .first()
        .filter(|c| c.is(OFFICIAL_MATTER_V3, "Timestamp"))
        .ok_or_else(|| path.error("expected Timestamp first"))?;
    date(first, &path.child("Timestamp"))?;
    // `any ##other` (lax) may follow the time stamp.
    let mut at = 1;
    while children.get(at).is_some_and(|c| {
        c.namespace
            .as_deref()
            .is_some_and(|ns| ns != OFFICIAL_MATTER_V3)
    }) {
        at += 1;
    }
    let rest = Element {
        children: children[at..]
            .iter()
            .map(|c| Node::Element((*c).clone()))
            .collect(),
        ..e.clone()
    };
    let parts = sequence(
        &rest,
        path,
        &[
            Slot::optional(OFFICIAL_MATTER_V3, "Identity"),
            Slot::optional(OFFICIAL_MATTER_V3, "MatterSubject"),
            Slot::optional(OFFICIAL_MATTER_V3, "EventType"),
            Slot::optional(OFFICIAL_MATTER_V3, "MatterStatus"),
        ],
    )?;
    let mut matter_id = None;
    if let Some(identity) = parts[0].first() {
        let ip = path.child("Identity");
        attributes(identity, &ip, &[])?;
        let ids = sequence(
            identity,
            &ip,
            &[
                Slot::optional(OFFICIAL_MATTER_V3, "EventId"),
                Slot::optional(OFFICIAL_MATTER_V3, "OfficialMatterId"),
                Slot::optional(OFFICIAL_MATTER_V3, "PrecedingEventId"),
            ],
        )?;
        optional_text(&ids[0], &ip.child("EventId"), 255)?;
        matter_id = optional_text(&ids[1], &ip.child("OfficialMatterId"), 255)?;
        optional_text(&ids[2], &ip.child("PrecedingEventId"), 255)?;
    }
    optional_text(&parts[1], &path.child("MatterSubject"), 2000)?;
    optional_text(&parts[2], &path.child("EventType"), 2000)?;
    if let Some(status) = parts[3].first() {
        enumeration(
            status,
            &path.child("MatterStatus"),
            &["senderinitiative", "recipientinitiative", "closed"],
        )?;
    }
    Ok(matter_id)
}

/// The shape of an enveloped `ds:Signature` (xmldsig-core-schema): the
/// parts whose content the schema fixes are checked; algorithm parameters
/// and key information beyond the certificate are open content there.
fn signature(e: &Element, path: &Path) -> Result<(), ReceivedError> {
    attributes(e, path, &["Id"])?;
    let parts = sequence(
        e,
        path,
        &[
            Slot::one(DSIG, "SignedInfo"),
            Slot::one(DSIG, "SignatureValue"),
            Slot::optional(DSIG, "KeyInfo"),
            Slot::many(DSIG, "Object", 0),
        ],
    )?;
    let sp = path.child("SignedInfo");
    attributes(parts[0][0], &sp, &["Id"])?;
    let si = sequence(
        parts[0][0],
        &sp,
        &[
            Slot::one(DSIG, "CanonicalizationMethod"),
            Slot::one(DSIG, "SignatureMethod"),
            Slot::many(DSIG, "Reference", 1),
        ],
    )?;
    algorithm(si[0][0], &sp.child("CanonicalizationMethod"))?;
    algorithm(si[1][0], &sp.child("SignatureMethod"))?;
    for reference in &si[2] {
        let rp = sp.child("Reference");
        attributes(reference, &rp, &["Id", "URI", "Type"])?;
        let r = sequence(
            reference,
            &rp,
            &[
                Slot::optional(DSIG, "Transforms"),
                Slot::one(DSIG, "DigestMethod"),
                Slot::one(DSIG, "DigestValue"),
            ],
        )?;
        if let Some(transforms) = r[0].first() {
            let tp = rp.child("Transforms");
            attributes(transforms, &tp, &[])?;
            let t = sequence(transforms, &tp, &[Slot::many(DSIG, "Transform", 1)])?;
            for transform in &t[0] {
                algorithm(transform, &tp.child("Transform"))?;
            }
        }
        algorithm(r[1][0], &rp.child("DigestMethod"))?;
        base64(r[2][0], &rp.child("DigestValue"))?;
    }
    let vp = path.child("SignatureValue");
    attributes(parts[1][0], &vp, &["Id"])?;
    if parts[1][0].elements().next().is_some() {
        return Err(vp.error("a simple value may not contain elements"));
    }
    base64(
        &Element {
            attributes: Vec::new(),
            ..parts[1][0].clone()
        },
        &vp,
    )?;
    if let Some(key_info) = parts[2].first() {
        let kp = path.child("KeyInfo");
        attributes(key_info, &kp, &["Id"])?;
        element_only(key_info, &kp)?;
        for data in key_info.children_named(DSIG, "X509Data") {
            let xp = kp.child("X509Data");
            attributes(data, &xp, &[])?;
            element_only(data, &xp)?;
            if data.elements().next().is_none() {
                return Err(xp.error("X509Data may not be empty"));
            }
            for cert in data.children_named(DSIG, "X509Certificate") {
                base64(cert, &xp.child("X509Certificate"))?;
            }
        }
    }
    Ok(())
}

/// A `*Method`/`Transform` element: a required `Algorithm` URI, open content.
fn algorithm(e: &Element, path: &Path) -> Result<(), ReceivedError> {
    if e.attributes
        .iter()
        .any(|a| a.namespace.is_none() && a.local != "Algorithm")
    {
        return Err(path.error("only the Algorithm attribute is allowed"));
    }
    if e.attribute("Algorithm").is_none() {
        return Err(path.error("the Algorithm attribute is required"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
