//! Drafts through the facade: the compose form exactly as typed, autosaved,
//! with its attached files; and sending one, which stores the message and
//! removes the draft in one transaction.

use std::path::Path;

use kuvert_store::{CompressedFrom, DraftFields, DraftId, DraftSummary, SavedDraft};

use crate::compose::file_type::{self, Sniffed};
use crate::compose::{self, AttachmentFile, CaseStatus, Draft, EnvelopeSize, FileType};
use crate::compress::{compress_pdf, CompressError, Compressed};
use crate::error::Error;

use super::{Kuvert, SendReport, SentFrom};

impl Kuvert {
    /// Saves a draft's fields (autosave): a new draft when `id` is `None`.
    pub fn save_draft(&self, id: Option<DraftId>, fields: &DraftFields) -> Result<DraftId, Error> {
        Ok(self.store.save_draft(id, fields, self.clock.now())?)
    }

    /// Every draft, most recently saved first (the Drafts folder).
    pub fn drafts(&self) -> Result<Vec<DraftSummary>, Error> {
        Ok(self.store.drafts()?)
    }

    /// One draft with its attachments.
    pub fn draft(&self, id: DraftId) -> Result<SavedDraft, Error> {
        self.store
            .draft(id)?
            .ok_or_else(|| Error::MessageNotFound(format!("draft {id}")))
    }

    /// Deletes a draft and its files.
    pub fn delete_draft(&self, id: DraftId) -> Result<(), Error> {
        Ok(self.store.delete_draft(id)?)
    }

    /// Attaches the file at `path` to a draft. Refused before anything is
    /// stored ([`compose::check_picked_file`]) when it is not a regular file
    /// within [`Rules::largest_input_file`](crate::profile::Rules), has no
    /// usable name, is empty, or is not of a type the profile allows (told
    /// by its structure): the draft is left as it was.
    pub fn attach_file(&self, id: DraftId, path: &Path) -> Result<(), Error> {
        let rules = self.profile().rules();
        let bytes = crate::files::read_input(path, rules.largest_input_file())?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file_type = compose::check_picked_file(&name, &bytes, rules)?;
        self.store
            .add_draft_attachment(id, &name, file_type.mime(), &bytes, self.clock.now())?;
        Ok(())
    }

    /// Removes a file from a draft.
    pub fn remove_draft_attachment(&self, id: DraftId, attachment_id: i64) -> Result<(), Error> {
        Ok(self
            .store
            .remove_draft_attachment(id, attachment_id, self.clock.now())?)
    }

    /// Records a saved draft as sent on paper ([`Kuvert::send_on_paper`]);
    /// the draft is removed in the transaction that stores the message.
    pub fn send_draft_on_paper(&self, id: DraftId) -> Result<SendReport, Error> {
        let (form, from) = self.sent_from(id)?;
        self.send_and_remove(&form, Some(&from), super::Channel::Paper)
    }

    /// The size of a saved draft as it would be sent now
    /// ([`Kuvert::envelope_size`]), for the compose window to show while the
    /// form is filled in: a recipient, diarienummer, protection class or
    /// subject not yet (validly) given is measured with a stand-in of the
    /// same length class (a 12-digit identity number, a diarienummer
    /// `KS 2026/0001`, class 1, the subject "–"), so the figure is the sent
    /// size once those are given (they are small beside the attachments).
    /// `None` while the draft is still invalid for another reason.
    pub fn draft_envelope_size(&self, id: DraftId) -> Result<Option<EnvelopeSize>, Error> {
        let mut form = self.compose_form(id)?;
        let today = self.today();
        if kuvert_protocol::identity::RecipientId::parse(&form.recipient, today).is_err() {
            form.recipient = "19850101-2382".into();
        }
        if form.case_number.trim().is_empty() {
            form.case_number = "KS 2026/0001".into();
        }
        if form.protection_class.is_none() {
            form.protection_class = Some(1);
        }
        if form.subject.trim().is_empty() {
            form.subject = "–".into();
        }
        match self.envelope_size(&form) {
            Ok(size) => Ok(Some(size)),
            Err(Error::Compose(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Compresses the PDF `attachment_id` of a draft ([`compress_pdf`]) and
    /// puts the compressed file in its place, under the same name: that is
    /// what is sent and stored. The file the officer picked is not touched
    /// (the draft holds a copy). The log records it with both checksums.
    pub fn compress_draft_attachment(
        &self,
        id: DraftId,
        attachment_id: i64,
    ) -> Result<Compression, Error> {
        let draft = self.draft(id)?;
        let attachment = draft
            .attachments
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or_else(|| Error::MessageNotFound(format!("attachment {attachment_id}")))?;
        let compression = compress_attachment(&attachment.name, &attachment.bytes)?;
        self.store.replace_draft_attachment(
            id,
            attachment_id,
            &compression.compressed.bytes,
            Some(&compression.original()),
            self.clock.now(),
        )?;
        Ok(compression)
    }

    /// The compose form of a saved draft, as validation and sending take it.
    pub fn compose_form(&self, id: DraftId) -> Result<Draft, Error> {
        Ok(compose_form(self.draft(id)?))
    }

    /// Sends a saved draft: as [`Kuvert::send`], and the draft is removed in
    /// the same transaction that stores the message, so it can never be
    /// sent twice (nor lost when storing fails: then it stays a draft).
    pub fn send_draft(&self, id: DraftId) -> Result<SendReport, Error> {
        let (form, from) = self.sent_from(id)?;
        self.send_and_remove(&form, Some(&from), super::Channel::Digital)
    }

    /// The compose form of a saved draft and where it is sent from.
    fn sent_from(&self, id: DraftId) -> Result<(Draft, SentFrom), Error> {
        let saved = self.draft(id)?;
        let from = SentFrom {
            draft: id,
            follows_up: saved.follows_up.clone(),
        };
        Ok((compose_form(saved), from))
    }
}

/// A PDF attachment compressed: its name and what [`compress_pdf`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compression {
    /// The file name.
    pub file_name: String,
    /// The compressed file and both checksums.
    pub compressed: Compressed,
}

impl Compression {
    /// The file before compression, as the sent log records it.
    pub fn original(&self) -> CompressedFrom {
        CompressedFrom {
            size: self.compressed.original_size,
            sha256: self.compressed.original_sha256.clone(),
        }
    }
}

/// Compresses the PDF `bytes` of the attachment `name` and logs it, with
/// both checksums.
pub fn compress_attachment(name: &str, bytes: &[u8]) -> Result<Compression, Error> {
    let compressed = compress_pdf(bytes).map_err(|source| Error::Compress {
        file: name.to_string(),
        source,
    })?;
    tracing::info!(
        file = name,
        original_bytes = compressed.original_size,
        original_sha256 = %compressed.original_sha256,
        compressed_bytes = compressed.bytes.len(),
        compressed_sha256 = %compressed.compressed_sha256,
        images_downsampled = compressed.images_downsampled,
        "attachment compressed to fit the envelope"
    );
    Ok(Compression {
        file_name: name.to_string(),
        compressed,
    })
}

/// Compresses every PDF attachment of `draft` in place (`kuvert send
/// --compress-pdf`); returns what was done. A PDF that cannot be made
/// smaller is left as it is.
pub fn compress_draft_pdfs(draft: &mut Draft) -> Result<Vec<Compression>, Error> {
    let mut done = Vec::new();
    for file in &mut draft.attachments {
        if !matches!(
            file_type::sniff(&file.file_name, &file.bytes),
            Sniffed::Recognised(FileType::Pdf)
        ) {
            continue;
        }
        match compress_attachment(&file.file_name, &file.bytes) {
            Ok(compression) => {
                file.bytes = compression.compressed.bytes.clone();
                // Compressed twice, it still names the file the officer picked.
                file.compressed_from
                    .get_or_insert_with(|| compression.original());
                done.push(compression);
            }
            Err(Error::Compress {
                source: CompressError::NotSmaller { .. },
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// A saved draft's fields as the compose form.
pub(crate) fn compose_form(saved: SavedDraft) -> Draft {
    let f = saved.fields;
    Draft {
        recipient: f.recipient_text,
        subject: f.subject,
        body: f.body,
        attachments: saved
            .attachments
            .into_iter()
            .map(|a| AttachmentFile {
                compressed_from: a.compressed_from,
                ..AttachmentFile::new(&a.name, a.bytes)
            })
            .collect(),
        protection_class: f.protection_class,
        case_number: f.case_number,
        attention: f.attention,
        case_type: f.case_type,
        sender_name: f.sender_name,
        postal_address: f.postal_address,
        event: f.event.map(CaseStatus::from),
    }
}
