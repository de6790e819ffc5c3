//! Filing packages from the department log (`GET /v1/archive`, `kuvert
//! archive` with a department profile): the same E-ARK SIP a desktop makes
//! of its own log ([`kuvert_core::archive::write_package`]), of one message
//! or of every message of a case that the caller may read, made from what
//! the database holds: the message document as sent, the attachments, the
//! signed delivery, the printed letter and the history.

use std::collections::HashMap;

use kuvert_core::archive::PackageSource;
use kuvert_core::{Error, Message, SendState};
use kuvert_store::{EventKind, StatusEvent, StoredAttachment};
use postgres::GenericClient;
use time::OffsetDateTime;

use crate::db::{DbError, During};

/// What a package is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// One message, by id.
    Message(String),
    /// Every message with this diarienummer, oldest first.
    Case(String),
}

/// A package's contents, read in the caller's transaction (so from one
/// snapshot, under row-level security) before the package is written.
#[derive(Debug)]
pub struct Contents {
    histories: HashMap<String, Vec<StatusEvent>>,
    documents: HashMap<String, Vec<u8>>,
    attachments: HashMap<(String, i64), Vec<u8>>,
    signed: HashMap<String, Vec<u8>>,
    letters: HashMap<String, Vec<u8>>,
    /// The organisation's profile: a message without a stored document
    /// (one moved from a local log from before documents were kept) has it
    /// made again from what was stored, as the desktop does.
    profile: kuvert_core::profile::Profile,
}

/// The kind of a department history line, as the local log names kinds.
fn event_kind(kind: &str) -> EventKind {
    match kind {
        "enqueued" => EventKind::Enqueued,
        "attempt_failed" => EventKind::AttemptFailed,
        "sent_again" => EventKind::SentAgain,
        "resend_of" => EventKind::ResendOf,
        "handled_outside" => EventKind::HandledOutside,
        "imported" => EventKind::Imported,
        // "transition" (the server's), "state_changed" (a local log's, moved).
        _ => EventKind::StateChanged,
    }
}

impl Contents {
    /// Reads what the package of `messages` needs.
    ///
    /// # Errors
    ///
    /// [`DbError`].
    pub fn read(
        tx: &mut impl GenericClient,
        messages: &[Message],
        profile: &kuvert_core::profile::Profile,
    ) -> Result<Contents, DbError> {
        let mut contents = Contents {
            histories: HashMap::new(),
            documents: HashMap::new(),
            attachments: HashMap::new(),
            signed: HashMap::new(),
            letters: HashMap::new(),
            profile: profile.clone(),
        };
        for message in messages {
            let id = message.content.message_id.as_str();
            let history = tx
                .query(
                    "SELECT seq, at, kind, state, detail FROM history WHERE message_id = $1 ORDER BY seq",
                    &[&id],
                )
                .during("reading the history for a filing package")?
                .iter()
                .map(|r| StatusEvent {
                    seq: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0),
                    at: r.get::<_, OffsetDateTime>(1),
                    kind: event_kind(r.get(2)),
                    state: SendState::parse(r.get(3)).unwrap_or(message.state),
                    detail: r.get::<_, Option<String>>(4).unwrap_or_default(),
                })
                .collect();
            contents.histories.insert(id.to_string(), history);
            let row = tx
                .query_one(
                    "SELECT document, signed_xml, paper_letter FROM messages WHERE id = $1",
                    &[&id],
                )
                .during("reading a message for a filing package")?;
            if let Some(document) = row.get::<_, Option<Vec<u8>>>(0) {
                contents.documents.insert(id.to_string(), document);
            }
            if let Some(xml) = row.get::<_, Option<Vec<u8>>>(1) {
                contents.signed.insert(id.to_string(), xml);
            }
            if let Some(letter) = row.get::<_, Option<Vec<u8>>>(2) {
                contents.letters.insert(id.to_string(), letter);
            }
            for a in tx
                .query(
                    "SELECT position, bytes FROM attachments WHERE message_id = $1",
                    &[&id],
                )
                .during("reading attachments for a filing package")?
            {
                contents
                    .attachments
                    .insert((id.to_string(), i64::from(a.get::<_, i32>(0))), a.get(1));
            }
        }
        Ok(contents)
    }
}

impl PackageSource for Contents {
    fn history(&self, message: &Message) -> Result<Vec<StatusEvent>, Error> {
        Ok(self
            .histories
            .get(message.content.message_id.as_str())
            .cloned()
            .unwrap_or_default())
    }

    fn document(&self, message: &Message) -> Result<Vec<u8>, Error> {
        if let Some(pdf) = self.documents.get(message.content.message_id.as_str()) {
            return Ok(pdf.clone());
        }
        let profile = &self.profile;
        Ok(kuvert_core::pipeline::letter(profile, message).to_pdf(profile.rules().pdf_profile)?)
    }

    fn attachment(
        &self,
        message: &Message,
        attachment: &StoredAttachment,
    ) -> Result<Vec<u8>, Error> {
        self.attachments
            .get(&(
                message.content.message_id.as_str().to_string(),
                attachment.id,
            ))
            .cloned()
            .ok_or_else(|| {
                Error::MessageNotFound(format!(
                    "the attachment {} of {}",
                    attachment.name, message.content.message_id
                ))
            })
    }

    fn signed_xml(&self, message: &Message) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .signed
            .get(message.content.message_id.as_str())
            .cloned())
    }

    fn paper_letter(&self, message: &Message) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .letters
            .get(message.content.message_id.as_str())
            .cloned())
    }
}
