//! The filing package (arkivpaket): an E-ARK SIP (CSIP 2.1 / SIP 2.1,
//! which Riksarkivet's FGS Paketstruktur 2.0 adopts), as one ZIP, of one
//! sent message or of a selection (a case, a date range).
//!
//! ```text
//! kuvert-<uuid>/
//!   METS.xml                                the package: agents, metadata, files, checksums
//!   documentation/om-paketet.txt            what the package holds, in Swedish
//!   metadata/descriptive/<id>.dc.xml        per message: Dublin Core (diarienummer, subject, …)
//!   metadata/descriptive/<id>.kuvert.json   per message: Kuvert's full record and timeline
//!   metadata/preservation/premis.xml        PREMIS 3: the files' fixity, the events, the agents
//!   schemas/                                mets.xsd, xlink.xsd, the CSIP and SIP extensions
//!   representations/rep1/METS.xml           the representation: every data file, checksummed
//!   representations/rep1/data/<id>/
//!     meddelande.pdf                        the message as a document, as made when sent (PDF/A)
//!     bilagor/<name>                        the attachments as sent
//!     signerad-leverans.xml                 the signed delivery exactly as submitted
//!     pappersbrev.pdf                       for the paper route: the letter as printed
//! ```
//!
//! Every file's SHA-256 and size is in METS (`CHECKSUM`, `SIZE`) and, for
//! the data, in PREMIS; times are ISO 8601 in Swedish local time with the
//! offset; the ZIP entries carry the same times.

use std::io::{Seek, Write};

use kuvert_protocol::delivery::MessageId;
use kuvert_store::messages::OPERATOR_TRANSACTION;
use kuvert_store::{EventKind, Message, SendState, StatusEvent};
use quick_xml::escape::escape;
use serde_json::json;
use time::OffsetDateTime;
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use crate::app::Kuvert;
use crate::error::Error;
use crate::filter::LogFilter;
use crate::local_time::LocalTime;

/// File and folder names inside the package.
pub mod names {
    /// The package's METS document, at the root and in the representation.
    pub const METS: &str = "METS.xml";
    /// The message rendered as a letter (in the message's data folder).
    pub const MESSAGE_PDF: &str = "meddelande.pdf";
    /// The signed delivery as submitted.
    pub const SIGNED_XML: &str = "signerad-leverans.xml";
    /// The letter printed for the paper route.
    pub const PAPER_LETTER: &str = "pappersbrev.pdf";
    /// Folder of the attachments (in the message's data folder).
    pub const ATTACHMENTS: &str = "bilagor/";
    /// The representation's data folder, from the package root.
    pub const DATA: &str = "representations/rep1/data/";
    /// The package's description for people.
    pub const DOCUMENTATION: &str = "documentation/om-paketet.txt";
    /// The PREMIS record.
    pub const PREMIS: &str = "metadata/preservation/premis.xml";
}

/// The E-ARK SIP METS profile the package follows.
pub const SIP_PROFILE: &str = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml";

/// What a written package holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackageSummary {
    /// The package id (`mets/@OBJID`, also its root folder).
    pub id: String,
    /// How many messages.
    pub messages: u64,
    /// How many files, METS included.
    pub files: u64,
    /// The files' bytes, uncompressed.
    pub bytes: u64,
}

/// The schemas that travel in every package (`schemas/`).
const SCHEMAS: [(&str, &[u8]); 4] = [
    ("mets.xsd", include_bytes!("../schemas/mets.xsd")),
    ("xlink.xsd", include_bytes!("../schemas/xlink.xsd")),
    (
        "DILCISExtensionMETS.xsd",
        include_bytes!("../schemas/DILCISExtensionMETS.xsd"),
    ),
    (
        "DILCISExtensionSIPMETS.xsd",
        include_bytes!("../schemas/DILCISExtensionSIPMETS.xsd"),
    ),
];

/// The content information type Kuvert declares (`OTHER` with this name).
const CONTENT_TYPE: &str = "Kuvert: expedierade meddelanden (Mina meddelanden)";

/// One file of the package.
struct Entry {
    /// From the package root.
    path: String,
    bytes: Vec<u8>,
    mime: String,
    created: OffsetDateTime,
}

impl Entry {
    fn sha256(&self) -> String {
        hex(&openssl::sha::sha256(&self.bytes))
    }
}

/// One message's part of the package.
struct Part {
    message: Message,
    history: Vec<StatusEvent>,
    /// The message's data files (indices into the package's entries).
    data: Vec<usize>,
    /// Its descriptive records (indices).
    records: Vec<usize>,
    folder: String,
}

/// Where a filing package's files come from: this computer's store
/// ([`Kuvert::archive`]), or department mode's database (`kuvert-server`).
pub trait PackageSource {
    /// The message's history, oldest first.
    fn history(&self, message: &Message) -> Result<Vec<StatusEvent>, Error>;
    /// The message as a document (PDF/A), as made when it was sent.
    fn document(&self, message: &Message) -> Result<Vec<u8>, Error>;
    /// The bytes of `attachment` of the message.
    fn attachment(
        &self,
        message: &Message,
        attachment: &kuvert_store::StoredAttachment,
    ) -> Result<Vec<u8>, Error>;
    /// The signed delivery exactly as submitted, once it was signed.
    fn signed_xml(&self, message: &Message) -> Result<Option<Vec<u8>>, Error>;
    /// The letter as printed, for a message sent on paper.
    fn paper_letter(&self, message: &Message) -> Result<Option<Vec<u8>>, Error>;
}

/// Who makes a filing package, for which organisation, when.
#[derive(Debug, Clone)]
pub struct Filing {
    /// The organisation (its default sender name).
    pub organisation: String,
    /// Its organisation number, as displayed.
    pub org_number: String,
    /// The person making the package (PREMIS agent).
    pub builder: crate::officer::Officer,
    /// When.
    pub now: OffsetDateTime,
}

/// The label of a package of one message: its diarienummer and subject.
pub fn message_label(message: &Message) -> String {
    format!(
        "{} – {}",
        message
            .content
            .case_number
            .as_ref()
            .map(|c| c.as_str())
            .unwrap_or("utan diarienummer"),
        message.content.subject.as_str()
    )
}

impl Kuvert {
    /// Writes the filing package of `message_id` to `out`.
    pub fn archive(
        &self,
        message_id: &MessageId,
        out: impl Write + Seek,
    ) -> Result<PackageSummary, Error> {
        let message = self.message(message_id)?;
        let label = message_label(&message);
        self.archive_messages(vec![message], &label, out)
    }

    /// Writes one filing package of every message `filter` selects (a case,
    /// a date range; its page limits are ignored) to `out`; an empty
    /// selection is an error.
    pub fn archive_selection(
        &self,
        filter: &LogFilter,
        out: impl Write + Seek,
    ) -> Result<PackageSummary, Error> {
        let mut query = filter.to_query(self.today())?;
        query.limit = u32::MAX;
        query.offset = 0;
        let mut rows = self.log(&query)?;
        // Oldest first, as a registrar reads a case.
        rows.reverse();
        if rows.is_empty() {
            return Err(Error::InvalidInput {
                field: "filter",
                reason: format!("no message matches ({})", filter.describe()),
            });
        }
        let messages = rows
            .iter()
            .map(|row| self.message(&row.message_id))
            .collect::<Result<Vec<_>, _>>()?;
        self.archive_messages(messages, &filter.describe(), out)
    }

    fn archive_messages(
        &self,
        messages: Vec<Message>,
        label: &str,
        out: impl Write + Seek,
    ) -> Result<PackageSummary, Error> {
        let filing = Filing {
            organisation: self.profile().default_sender_name().as_str().to_string(),
            org_number: self.profile().organisation_number().display_form(),
            builder: self.officer()?,
            now: self.now(),
        };
        write_package(&LocalSource(self), &filing, messages, label, out)
    }
}

/// The filing package's files from this computer's store.
struct LocalSource<'a>(&'a Kuvert);

impl PackageSource for LocalSource<'_> {
    fn history(&self, message: &Message) -> Result<Vec<StatusEvent>, Error> {
        self.0.history(&message.content.message_id)
    }

    fn document(&self, message: &Message) -> Result<Vec<u8>, Error> {
        self.0.message_document(message)
    }

    fn attachment(
        &self,
        _: &Message,
        attachment: &kuvert_store::StoredAttachment,
    ) -> Result<Vec<u8>, Error> {
        Ok(self
            .0
            .store()
            .attachment_bytes(attachment.id)?
            .unwrap_or_default())
    }

    fn signed_xml(&self, message: &Message) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.0.store().signed_xml(&message.content.message_id)?)
    }

    fn paper_letter(&self, message: &Message) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .0
            .store()
            .paper_letter(&message.content.message_id)?
            .and_then(|p| p.pdf))
    }
}

/// Writes one filing package of `messages` (in that order) from `source`
/// to `out`, labelled `label`.
///
/// # Errors
///
/// What `source` reports, or [`Error::File`]-like write failures.
pub fn write_package(
    source: &dyn PackageSource,
    filing: &Filing,
    messages: Vec<Message>,
    label: &str,
    out: impl Write + Seek,
) -> Result<PackageSummary, Error> {
    let now = filing.now;
    let id = format!("kuvert-{}", uuid::Uuid::new_v4());
    let builder = &filing.builder;
    let mut entries: Vec<Entry> = Vec::new();
    let mut parts: Vec<Part> = Vec::new();
    for message in messages {
        let history = source.history(&message)?;
        let folder = safe_name(message.content.message_id.as_str());
        let base = format!("{}{folder}/", names::DATA);
        let created = message.created_at;
        let mut data = Vec::new();
        let mut push = |entries: &mut Vec<Entry>, name: String, bytes, mime: &str, at| {
            data.push(entries.len());
            entries.push(Entry {
                path: format!("{base}{name}"),
                bytes,
                mime: mime.to_string(),
                created: at,
            });
        };
        let document = source.document(&message)?;
        push(
            &mut entries,
            names::MESSAGE_PDF.into(),
            document,
            "application/pdf",
            created,
        );
        let mut taken: Vec<String> = Vec::new();
        for attachment in &message.attachments {
            let bytes = source.attachment(&message, attachment)?;
            let name = unique(safe_name(&attachment.name), &mut taken);
            push(
                &mut entries,
                format!("{}{name}", names::ATTACHMENTS),
                bytes,
                &attachment.content_type,
                created,
            );
        }
        if let Some(xml) = source.signed_xml(&message)? {
            let signed_at = event_at(&history, SendState::Signed).unwrap_or(created);
            push(
                &mut entries,
                names::SIGNED_XML.into(),
                xml,
                "application/xml",
                signed_at,
            );
        }
        if let Some(pdf) = source.paper_letter(&message)? {
            let printed_at = event_at(&history, SendState::Paper).unwrap_or(created);
            push(
                &mut entries,
                names::PAPER_LETTER.into(),
                pdf,
                "application/pdf",
                printed_at,
            );
        }
        parts.push(Part {
            message,
            history,
            data,
            records: Vec::new(),
            folder,
        });
    }
    // Descriptive records, per message.
    for part in &mut parts {
        let files: Vec<&Entry> = part.data.iter().map(|&n| &entries[n]).collect();
        let dc = dublin_core(&part.message, &part.history);
        let record = kuvert_record(&part.message, &part.history, &files, &part.folder);
        let at = part.message.state_at;
        let base = format!("metadata/descriptive/{}", part.folder);
        let dc_index = entries.len();
        entries.push(Entry {
            path: format!("{base}.dc.xml"),
            bytes: dc.into_bytes(),
            mime: "application/xml".into(),
            created: at,
        });
        entries.push(Entry {
            path: format!("{base}.kuvert.json"),
            bytes: serde_json::to_vec_pretty(&record).unwrap_or_default(),
            mime: "application/json".into(),
            created: at,
        });
        part.records = vec![dc_index, dc_index + 1];
    }

    let organisation = filing.organisation.as_str();
    let org_number = filing.org_number.as_str();
    let premis = premis(&parts, &entries, organisation, builder, now);
    let premis_index = entries.len();
    entries.push(Entry {
        path: names::PREMIS.into(),
        bytes: premis.into_bytes(),
        mime: "application/xml".into(),
        created: now,
    });
    let documentation_index = entries.len();
    entries.push(Entry {
        path: names::DOCUMENTATION.into(),
        bytes: documentation(&id, label, &parts, organisation, now).into_bytes(),
        mime: "text/plain".into(),
        created: now,
    });
    let schema_indices: Vec<usize> = SCHEMAS
        .iter()
        .map(|(name, bytes)| {
            entries.push(Entry {
                path: format!("schemas/{name}"),
                bytes: bytes.to_vec(),
                mime: "application/xml".into(),
                created: now,
            });
            entries.len() - 1
        })
        .collect();

    let header = Header {
        id: &id,
        label,
        organisation,
        org_number,
        now,
    };
    let rep_mets = representation_mets(&header, &parts, &entries);
    let rep_index = entries.len();
    entries.push(Entry {
        path: "representations/rep1/METS.xml".into(),
        bytes: rep_mets.into_bytes(),
        mime: "application/xml".into(),
        created: now,
    });
    let root = root_mets(
        &header,
        &parts,
        &entries,
        Sections {
            premis: premis_index,
            documentation: documentation_index,
            schemas: &schema_indices,
            representation: rep_index,
        },
    );
    entries.push(Entry {
        path: names::METS.into(),
        bytes: root.into_bytes(),
        mime: "application/xml".into(),
        created: now,
    });

    write_zip(&id, &entries, out)?;
    Ok(PackageSummary {
        id,
        messages: parts.len() as u64,
        files: entries.len() as u64,
        bytes: entries.iter().map(|e| e.bytes.len() as u64).sum(),
    })
}

fn write_zip(id: &str, entries: &[Entry], out: impl Write + Seek) -> Result<(), Error> {
    let failed = |e: zip::result::ZipError| Error::File {
        path: "archive".into(),
        source: std::io::Error::other(e),
    };
    let mut zip = ZipWriter::new(out);
    // METS first: a reader sees what the package is before its content.
    let mut order: Vec<&Entry> = Vec::with_capacity(entries.len());
    order.extend(entries.iter().filter(|e| e.path == names::METS));
    order.extend(entries.iter().filter(|e| e.path != names::METS));
    for entry in order {
        let local = LocalTime::of(entry.created).date_time();
        let modified = zip::DateTime::from_date_and_time(
            u16::try_from(local.year()).unwrap_or(1980),
            u8::from(local.month()),
            local.day(),
            local.hour(),
            local.minute(),
            local.second(),
        )
        .unwrap_or_default();
        // PDFs and most attachments are compressed already.
        let method = if entry.mime == "application/pdf" || entry.mime.starts_with("image/") {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(modified)
            .large_file(entry.bytes.len() as u64 >= u32::MAX as u64)
            .unix_permissions(0o644);
        let name = format!("{id}/{}", entry.path);
        zip.start_file(name.as_str(), options).map_err(failed)?;
        zip.write_all(&entry.bytes).map_err(|source| Error::File {
            path: name.into(),
            source,
        })?;
    }
    zip.finish().map_err(failed)?;
    Ok(())
}

/// When the message first reached `state`.
fn event_at(history: &[StatusEvent], state: SendState) -> Option<OffsetDateTime> {
    history
        .iter()
        .find(|e| e.state == state && e.kind.sets_state())
        .map(|e| e.at)
}

/// A file name that stays inside the package folder.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(
                c,
                '/' | '\\' | '\0' | ':' | '*' | '?' | '"' | '<' | '>' | '|'
            ) || c.is_control()
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    match cleaned.trim_start_matches('.') {
        "" => "bilaga".to_string(),
        rest => rest.to_string(),
    }
}

/// `name`, or `name` numbered (`2-name`) when an earlier attachment took
/// it — compared without case, since the package is unpacked on Windows
/// and macOS too, where `X.pdf` and `x.pdf` are one file.
fn unique(name: String, taken: &mut Vec<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate.to_lowercase()) {
        candidate = format!("{n}-{name}");
        n += 1;
    }
    taken.push(candidate.to_lowercase());
    candidate
}

/// A time as the package gives it: ISO 8601 in Swedish local time with the
/// offset (`2026-12-02T00:15:03+01:00`).
fn iso(at: OffsetDateTime) -> String {
    LocalTime::of(at).iso()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn x(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text)
}

fn dublin_core(message: &Message, history: &[StatusEvent]) -> String {
    let c = &message.content;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">\n",
    );
    let mut element = |name: &str, value: &str| {
        out.push_str(&format!(
            "  <dc:{name} xml:lang=\"sv\">{}</dc:{name}>\n",
            x(value)
        ));
    };
    element("title", c.subject.as_str());
    element("identifier", c.message_id.as_str());
    if let Some(case) = &c.case_number {
        element("relation", &format!("Diarienummer: {}", case.as_str()));
    }
    element(
        "creator",
        &format!(
            "{} ({})",
            c.sender_name.as_str(),
            c.sender_org.display_form()
        ),
    );
    if let Some(officer) = &c.officer {
        element(
            "contributor",
            &format!("Handläggare: {} ({})", officer.name, officer.account),
        );
    }
    element("date", &iso(message.created_at));
    element(
        "type",
        "Expedierad handling (meddelande via Mina meddelanden)",
    );
    element("format", "application/pdf");
    element("language", "sv");
    element(
        "rights",
        &format!("Skyddsklass: {}", c.protection_class.get()),
    );
    element(
        "description",
        &format!("Mottagare: {}", c.recipient.display_form()),
    );
    if let Some(attention) = &c.attention {
        element("description", &format!("Att: {}", attention.as_str()));
    }
    element(
        "description",
        &format!("Avsändare: {}", c.sender_name.as_str()),
    );
    element(
        "description",
        &format!(
            "Diarienummer: {}",
            c.case_number.as_ref().map(|n| n.as_str()).unwrap_or("–")
        ),
    );
    element(
        "description",
        &format!("Skapad: {}", iso(message.created_at)),
    );
    for (state, label) in [
        (SendState::Signed, "Signerad"),
        (SendState::Submitted, "Inlämnad"),
        (SendState::Delivered, "Levererad"),
        (SendState::Paper, "Skickad på papper"),
        (SendState::Withdrawn, "Återkallad"),
    ] {
        if let Some(at) = event_at(history, state) {
            element("description", &format!("{label}: {}", iso(at)));
        }
    }
    if let Some(mailbox) = &message.mailbox {
        element("description", &format!("Brevlåda: {}", mailbox.operator));
    }
    element(
        "description",
        &format!(
            "Status: {} ({})",
            crate::lifecycle::swedish(message.state),
            iso(message.state_at)
        ),
    );
    out.push_str("</oai_dc:dc>\n");
    out
}

fn kuvert_record(
    message: &Message,
    history: &[StatusEvent],
    files: &[&Entry],
    folder: &str,
) -> serde_json::Value {
    let content = &message.content;
    let base = format!("{}{folder}/", names::DATA);
    json!({
        "message_id": content.message_id.as_str(),
        "correlation_id": content.correlation_id.as_str(),
        "distribution_id": message.distribution_id,
        "profile": content.profile,
        "sender": {
            "organisation_number": content.sender_org.as_str(),
            "name": content.sender_name.as_str(),
        },
        "recipient": {
            "id": content.recipient.as_str(),
            "display": content.recipient.display_form(),
        },
        "mailbox": message.mailbox.as_ref().map(|m| json!({
            "operator": m.operator,
            "service_address": m.service_address,
        })),
        "officer": content.officer.as_ref().map(|o| json!({
            "account": o.account,
            "name": o.name,
        })),
        "attention": content.attention.as_ref().map(|a| a.as_str()),
        "case_number": content.case_number.as_ref().map(|c| c.as_str()),
        "case_type": content.case_type,
        "subject": content.subject.as_str(),
        "protection_class": content.protection_class.get(),
        "created_at": iso(message.created_at),
        "state": message.state.to_string(),
        "state_at": iso(message.state_at),
        "failure_reason": message.failure_reason,
        "files": files.iter().map(|e| json!({
            "name": e.path.strip_prefix(&base).unwrap_or(&e.path),
            "size": e.bytes.len(),
            "sha256": e.sha256(),
        })).collect::<Vec<_>>(),
        "timeline": history.iter().map(|event| json!({
            "at": iso(event.at),
            "state": event.state.to_string(),
            "detail": event.detail,
        })).collect::<Vec<_>>(),
    })
}

/// The PREMIS event type (Library of Congress vocabulary) and the Swedish
/// detail of a status event.
fn premis_event(event: &StatusEvent) -> (&'static str, String, &'static str) {
    let detail = if event.detail.is_empty() {
        String::new()
    } else {
        format!(" ({})", event.detail)
    };
    match (event.kind, event.state) {
        (EventKind::Enqueued, _) => ("creation", format!("Meddelandet skapades och köades{detail}"), "lyckades"),
        (EventKind::AttemptFailed, _) => (
            "transfer",
            format!("Försöket att lämna in meddelandet misslyckades{detail}"),
            "misslyckades",
        ),
        (EventKind::SentAgain, _) => (
            "transfer",
            format!("Meddelandet skickades igen som ett nytt meddelande{detail}"),
            "lyckades",
        ),
        (EventKind::ResendOf, _) => (
            "creation",
            format!("Meddelandet skickades i stället för ett tidigare meddelande som inte nådde mottagaren{detail}"),
            "lyckades",
        ),
        (EventKind::HandledOutside, _) => (
            "transfer",
            format!("Handläggaren hanterade meddelandet utanför Kuvert{detail}"),
            "lyckades",
        ),
        (EventKind::Imported, _) => (
            "ingestion",
            format!("Meddelandet flyttades från en handläggares lokala logg till förvaltningens logg{detail}"),
            "lyckades",
        ),
        // Own förmedling: sealed by the organisation, handed to the operator.
        (_, SendState::Submitted) if event.detail.starts_with(OPERATOR_TRANSACTION) => (
            "transfer",
            format!("Meddelandet förseglades och lämnades direkt till mottagarens brevlådeoperatör{detail}"),
            "lyckades",
        ),
        (_, SendState::Signed) => (
            "digital signature generation",
            format!("Leveransen signerades med organisationens certifikat{detail}"),
            "lyckades",
        ),
        (_, SendState::Submitted) => (
            "transfer",
            format!("Meddelandet lämnades in till förmedlaren{detail}"),
            "lyckades",
        ),
        (_, SendState::Pending) => (
            "transfer",
            format!("Förmedlaren har tagit emot meddelandet, leverans väntar{detail}"),
            "lyckades",
        ),
        (_, SendState::Delivered) => (
            "dissemination",
            format!("Meddelandet levererades till mottagarens digitala brevlåda{detail}"),
            "lyckades",
        ),
        (_, SendState::Withdrawn) => (
            "modification",
            format!("Handläggaren återkallade meddelandet innan det lämnades till förmedlaren; det skickades inte{detail}"),
            "lyckades",
        ),
        (_, SendState::Paper) => (
            "printing",
            format!("Mottagaren kan inte ta emot digital post; meddelandet skickades som pappersbrev{detail}"),
            "lyckades",
        ),
        (_, SendState::Failed) => (
            "transfer",
            format!("Meddelandet kunde inte skickas{detail}"),
            "misslyckades",
        ),
        (_, state) => ("modification", format!("Status: {}{detail}", crate::lifecycle::swedish(state)), "lyckades"),
    }
}

fn premis(
    parts: &[Part],
    entries: &[Entry],
    organisation: &str,
    builder: &crate::officer::Officer,
    now: OffsetDateTime,
) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <premis:premis xmlns:premis=\"http://www.loc.gov/premis/v3\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.loc.gov/premis/v3 https://www.loc.gov/standards/premis/premis.xsd\" \
         version=\"3.0\">\n",
    );
    let identifier = |kind: &str, id: &str| {
        format!(
            "<premis:{kind}Identifier><premis:{kind}IdentifierType>local</premis:{kind}IdentifierType><premis:{kind}IdentifierValue>{}</premis:{kind}IdentifierValue></premis:{kind}Identifier>",
            x(id)
        )
    };
    for part in parts {
        for &n in &part.data {
            let e = &entries[n];
            out.push_str(&format!(
                "  <premis:object xsi:type=\"premis:file\">{}<premis:objectCharacteristics><premis:fixity><premis:messageDigestAlgorithm>SHA-256</premis:messageDigestAlgorithm><premis:messageDigest>{}</premis:messageDigest></premis:fixity><premis:size>{}</premis:size><premis:format><premis:formatDesignation><premis:formatName>{}</premis:formatName></premis:formatDesignation></premis:format></premis:objectCharacteristics></premis:object>\n",
                identifier("object", &e.path),
                e.sha256(),
                e.bytes.len(),
                x(&e.mime)
            ));
        }
    }
    let software = format!("Kuvert {}", env!("CARGO_PKG_VERSION"));
    let mut officers: Vec<(String, String)> = vec![(builder.account.clone(), builder.name.clone())];
    for part in parts {
        let message_id = part.message.content.message_id.as_str();
        let document = &entries[part.data[0]].path;
        let officer = part.message.content.officer.as_ref();
        if let Some(o) = officer {
            if !officers.iter().any(|(a, _)| a == &o.account) {
                officers.push((o.account.clone(), o.name.clone()));
            }
        }
        for (i, event) in part.history.iter().enumerate() {
            let (kind, detail, outcome) = premis_event(event);
            let mut agents = identifier("linkingAgent", "kuvert");
            agents.push_str(&identifier("linkingAgent", "organisation"));
            if let (Some(o), EventKind::Enqueued) = (officer, event.kind) {
                agents.push_str(&identifier(
                    "linkingAgent",
                    &format!("officer:{}", o.account),
                ));
            }
            out.push_str(&format!(
                "  <premis:event>{}<premis:eventType>{kind}</premis:eventType><premis:eventDateTime>{}</premis:eventDateTime><premis:eventDetailInformation><premis:eventDetail>{}</premis:eventDetail></premis:eventDetailInformation><premis:eventOutcomeInformation><premis:eventOutcome>{outcome}</premis:eventOutcome></premis:eventOutcomeInformation>{agents}{}</premis:event>\n",
                identifier("event", &format!("{message_id}-{}", i + 1)),
                iso(event.at),
                x(&detail),
                identifier("linkingObject", document),
            ));
        }
    }
    out.push_str(&format!(
        "  <premis:event>{}<premis:eventType>information package creation</premis:eventType><premis:eventDateTime>{}</premis:eventDateTime><premis:eventDetailInformation><premis:eventDetail>Arkivpaketet (E-ARK SIP) skapades av {} med {software}</premis:eventDetail></premis:eventDetailInformation><premis:eventOutcomeInformation><premis:eventOutcome>lyckades</premis:eventOutcome></premis:eventOutcomeInformation>{}{}</premis:event>\n",
        identifier("event", "paketet"),
        iso(now),
        x(&builder.name),
        identifier("linkingAgent", "kuvert"),
        identifier("linkingAgent", &format!("officer:{}", builder.account)),
    ));
    out.push_str(&format!(
        "  <premis:agent>{}<premis:agentName>Kuvert</premis:agentName><premis:agentType>software</premis:agentType><premis:agentVersion>{}</premis:agentVersion></premis:agent>\n",
        identifier("agent", "kuvert"),
        env!("CARGO_PKG_VERSION")
    ));
    out.push_str(&format!(
        "  <premis:agent>{}<premis:agentName>{}</premis:agentName><premis:agentType>organization</premis:agentType></premis:agent>\n",
        identifier("agent", "organisation"),
        x(organisation)
    ));
    for (account, name) in officers {
        out.push_str(&format!(
            "  <premis:agent>{}<premis:agentName>{}</premis:agentName><premis:agentType>person</premis:agentType></premis:agent>\n",
            identifier("agent", &format!("officer:{account}")),
            x(&name)
        ));
    }
    out.push_str("</premis:premis>\n");
    out
}

fn documentation(
    id: &str,
    label: &str,
    parts: &[Part],
    organisation: &str,
    now: OffsetDateTime,
) -> String {
    let mut out = format!(
        "Arkivpaket {id}\n\
         Urval: {label}\n\
         Skapat: {} av Kuvert {} för {organisation}\n\n\
         Paketet följer E-ARK CSIP 2.1 och E-ARK SIP 2.1 (FGS Paketstruktur 2.0).\n\
         METS.xml beskriver paketet och anger storlek och SHA-256 för varje fil.\n\
         metadata/descriptive/: per meddelande en Dublin Core-post (.dc.xml) och Kuverts\n\
         fullständiga post med statushistorik (.kuvert.json).\n\
         metadata/preservation/premis.xml: PREMIS 3 – filernas kontrollsummor och händelserna\n\
         (skapad, signerad, inlämnad, levererad eller skickad på papper).\n\
         representations/rep1/data/<meddelande-id>/: meddelandet som PDF (meddelande.pdf),\n\
         bilagorna som de skickades (bilagor/), den signerade leveransen exakt som den\n\
         lämnades in (signerad-leverans.xml) och för pappersbrev brevet som skrevs ut\n\
         (pappersbrev.pdf).\n\n\
         Meddelanden ({}):\n",
        iso(now),
        env!("CARGO_PKG_VERSION"),
        parts.len()
    );
    for part in parts {
        let c = &part.message.content;
        out.push_str(&format!(
            "- {}: {} – {} – {} ({})\n",
            part.folder,
            c.case_number
                .as_ref()
                .map(|n| n.as_str())
                .unwrap_or("utan diarienummer"),
            c.subject.as_str(),
            crate::lifecycle::swedish(part.message.state),
            iso(part.message.state_at)
        ));
    }
    out
}

struct Header<'a> {
    id: &'a str,
    label: &'a str,
    organisation: &'a str,
    org_number: &'a str,
    now: OffsetDateTime,
}

struct Sections<'a> {
    premis: usize,
    documentation: usize,
    schemas: &'a [usize],
    representation: usize,
}

const METS_NAMESPACES: &str = "xmlns=\"http://www.loc.gov/METS/\" \
    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
    xmlns:csip=\"https://DILCIS.eu/XML/METS/CSIPExtensionMETS\" \
    xmlns:sip=\"https://DILCIS.eu/XML/METS/SIPExtensionMETS\" \
    xmlns:xlink=\"http://www.w3.org/1999/xlink\"";

/// `mets` start tag and `metsHdr`; `schemas` is the path to the package's
/// `schemas/` folder from the document.
fn mets_start(h: &Header, objid: &str, schemas: &str) -> String {
    let now = iso(h.now);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <mets {METS_NAMESPACES} xsi:schemaLocation=\"http://www.loc.gov/METS/ {schemas}mets.xsd http://www.w3.org/1999/xlink {schemas}xlink.xsd https://DILCIS.eu/XML/METS/CSIPExtensionMETS {schemas}DILCISExtensionMETS.xsd https://DILCIS.eu/XML/METS/SIPExtensionMETS {schemas}DILCISExtensionSIPMETS.xsd\" \
         OBJID=\"{}\" LABEL=\"{}\" TYPE=\"Mixed\" csip:CONTENTINFORMATIONTYPE=\"OTHER\" csip:OTHERCONTENTINFORMATIONTYPE=\"{CONTENT_TYPE}\" PROFILE=\"{SIP_PROFILE}\">\n\
         <metsHdr CREATEDATE=\"{now}\" LASTMODDATE=\"{now}\" RECORDSTATUS=\"NEW\" csip:OAISPACKAGETYPE=\"SIP\">\n\
         <agent ROLE=\"CREATOR\" TYPE=\"OTHER\" OTHERTYPE=\"SOFTWARE\"><name>Kuvert</name><note csip:NOTETYPE=\"SOFTWARE VERSION\">{}</note></agent>\n\
         <agent ROLE=\"ARCHIVIST\" TYPE=\"ORGANIZATION\"><name>{}</name><note csip:NOTETYPE=\"IDENTIFICATIONCODE\">{}</note></agent>\n\
         </metsHdr>\n",
        x(objid),
        x(h.label),
        env!("CARGO_PKG_VERSION"),
        x(h.organisation),
        x(h.org_number),
    )
}

/// A `file` element; `from` is the folder of the METS document (its
/// `href`s are relative to it).
fn file_element(id: &str, entry: &Entry, from: &str) -> String {
    format!(
        "<file ID=\"{id}\" MIMETYPE=\"{}\" SIZE=\"{}\" CREATED=\"{}\" CHECKSUM=\"{}\" CHECKSUMTYPE=\"SHA-256\"><FLocat LOCTYPE=\"URL\" xlink:type=\"simple\" xlink:href=\"{}\"/></file>\n",
        x(&entry.mime),
        entry.bytes.len(),
        iso(entry.created),
        entry.sha256(),
        x(&href(entry.path.strip_prefix(from).unwrap_or(&entry.path)))
    )
}

/// A relative URL of a path: each segment percent-encoded where a URL needs it.
fn href(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            url::form_urlencoded::byte_serialize(segment.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn md_ref(entry: &Entry, mdtype: &str) -> String {
    format!(
        "<mdRef LOCTYPE=\"URL\" xlink:type=\"simple\" xlink:href=\"{}\" {mdtype} MIMETYPE=\"{}\" SIZE=\"{}\" CREATED=\"{}\" CHECKSUM=\"{}\" CHECKSUMTYPE=\"SHA-256\"/>",
        x(&href(&entry.path)),
        x(&entry.mime),
        entry.bytes.len(),
        iso(entry.created),
        entry.sha256()
    )
}

fn file_group_attributes() -> String {
    format!(
        "csip:CONTENTINFORMATIONTYPE=\"OTHER\" csip:OTHERCONTENTINFORMATIONTYPE=\"{CONTENT_TYPE}\""
    )
}

fn representation_mets(h: &Header, parts: &[Part], entries: &[Entry]) -> String {
    let mut out = mets_start(h, &format!("{}-rep1", h.id), "../../schemas/");
    out.push_str(&format!(
        "<fileSec ID=\"rep1-filesec\">\n<fileGrp ID=\"rep1-data\" USE=\"Data\" {}>\n",
        file_group_attributes()
    ));
    let mut n = 0;
    for part in parts {
        for &i in &part.data {
            n += 1;
            out.push_str(&file_element(
                &format!("rep1-file-{n}"),
                &entries[i],
                "representations/rep1/",
            ));
        }
    }
    out.push_str("</fileGrp>\n</fileSec>\n");
    out.push_str(
        "<structMap ID=\"rep1-structmap\" TYPE=\"PHYSICAL\" LABEL=\"CSIP\">\n\
         <div ID=\"rep1-div\" LABEL=\"rep1\"><div ID=\"rep1-div-data\" LABEL=\"Data\"><fptr FILEID=\"rep1-data\"/></div></div>\n\
         </structMap>\n</mets>\n",
    );
    out
}

fn root_mets(h: &Header, parts: &[Part], entries: &[Entry], s: Sections) -> String {
    let mut out = mets_start(h, h.id, "schemas/");
    let mut dmd_ids = Vec::new();
    let mut n = 0;
    for part in parts {
        for &i in &part.records {
            n += 1;
            let id = format!("dmd-{n}");
            let e = &entries[i];
            let mdtype = if e.path.ends_with(".dc.xml") {
                "MDTYPE=\"DC\"".to_string()
            } else {
                "MDTYPE=\"OTHER\" OTHERMDTYPE=\"Kuvert\"".to_string()
            };
            out.push_str(&format!(
                "<dmdSec ID=\"{id}\" CREATED=\"{}\" STATUS=\"CURRENT\">{}</dmdSec>\n",
                iso(e.created),
                md_ref(e, &mdtype)
            ));
            dmd_ids.push(id);
        }
    }
    let premis = &entries[s.premis];
    out.push_str(&format!(
        "<amdSec ID=\"amd-1\"><digiprovMD ID=\"digiprov-premis\" CREATED=\"{}\" STATUS=\"CURRENT\">{}</digiprovMD></amdSec>\n",
        iso(premis.created),
        md_ref(premis, "MDTYPE=\"PREMIS\"")
    ));
    let group = file_group_attributes();
    out.push_str(&format!(
        "<fileSec ID=\"filesec\">\n<fileGrp ID=\"grp-documentation\" USE=\"Documentation\" {group}>\n{}</fileGrp>\n",
        file_element("file-documentation", &entries[s.documentation], "")
    ));
    out.push_str(&format!(
        "<fileGrp ID=\"grp-schemas\" USE=\"Schemas\" {group}>\n"
    ));
    for (k, &i) in s.schemas.iter().enumerate() {
        out.push_str(&file_element(
            &format!("file-schema-{}", k + 1),
            &entries[i],
            "",
        ));
    }
    out.push_str("</fileGrp>\n");
    out.push_str(&format!(
        "<fileGrp ID=\"grp-rep1\" USE=\"Representations/rep1\" {group}>\n{}</fileGrp>\n</fileSec>\n",
        file_element("file-rep1-mets", &entries[s.representation], "")
    ));
    out.push_str(&format!(
        "<structMap ID=\"structmap\" TYPE=\"PHYSICAL\" LABEL=\"CSIP\">\n\
         <div ID=\"div-package\" LABEL=\"{}\">\n\
         <div ID=\"div-metadata\" LABEL=\"Metadata\" DMDID=\"{}\" ADMID=\"digiprov-premis\"/>\n\
         <div ID=\"div-documentation\" LABEL=\"Documentation\"><fptr FILEID=\"grp-documentation\"/></div>\n\
         <div ID=\"div-schemas\" LABEL=\"Schemas\"><fptr FILEID=\"grp-schemas\"/></div>\n\
         <div ID=\"div-representations\" LABEL=\"Representations\"><fptr FILEID=\"grp-rep1\"/>\
         <div ID=\"div-rep1\" LABEL=\"Representations/rep1\"><mptr LOCTYPE=\"URL\" xlink:type=\"simple\" xlink:href=\"representations/rep1/METS.xml\" xlink:title=\"grp-rep1\"/></div></div>\n\
         </div>\n</structMap>\n</mets>\n",
        x(h.id),
        dmd_ids.join(" ")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::{href, safe_name, unique};

    #[test]
    fn attachment_names_cannot_leave_the_folder() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name("beslut.pdf"), "beslut.pdf");
        assert_eq!(safe_name(".."), "bilaga");
        let mut taken = Vec::new();
        assert_eq!(unique("a.pdf".into(), &mut taken), "a.pdf");
        assert_eq!(unique("a.pdf".into(), &mut taken), "2-a.pdf");
        assert_eq!(unique("A.PDF".into(), &mut taken), "3-A.PDF");
        assert_eq!(unique("2-a.pdf".into(), &mut taken), "2-2-a.pdf");
        // Names that collide once made safe.
        assert_eq!(safe_name(".x.pdf"), safe_name("x.pdf"));
    }

    #[test]
    fn hrefs_are_relative_urls() {
        assert_eq!(
            href("bilagor/Beslut 1 (å).pdf"),
            "bilagor/Beslut%201%20%28%C3%A5%29.pdf"
        );
    }
}
