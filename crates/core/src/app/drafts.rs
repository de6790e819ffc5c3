//! Drafts through the facade: the compose form exactly as typed, autosaved,
//! with its attached files; and sending one, which stores the message and
//! removes the draft in one transaction.

use std::path::Path;

use kuvert_store::{DraftFields, DraftId, DraftSummary, SavedDraft};

use crate::compose::file_type::{self, Sniffed};
use crate::compose::{AttachmentFile, CaseStatus, Draft};
use crate::error::Error;

use super::{Kuvert, SendReport};

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

    /// Attaches the file at `path` to a draft. Its type is told by name and
    /// content; whether the organisation allows it is for validation to say
    /// (with the reason), so an unknown type is kept as
    /// `application/octet-stream` rather than refused here.
    pub fn attach_file(&self, id: DraftId, path: &Path) -> Result<(), Error> {
        let bytes = std::fs::read(path).map_err(Error::file(path))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let content_type = match file_type::sniff(&name, &bytes) {
            Sniffed::Recognised(t) => t.mime(),
            _ => "application/octet-stream",
        };
        self.store
            .add_draft_attachment(id, &name, content_type, &bytes, self.clock.now())?;
        Ok(())
    }

    /// Removes a file from a draft.
    pub fn remove_draft_attachment(&self, id: DraftId, attachment_id: i64) -> Result<(), Error> {
        Ok(self
            .store
            .remove_draft_attachment(id, attachment_id, self.clock.now())?)
    }

    /// The compose form of a saved draft, as validation and sending take it.
    pub fn compose_form(&self, id: DraftId) -> Result<Draft, Error> {
        Ok(compose_form(self.draft(id)?))
    }

    /// Sends a saved draft: as [`Kuvert::send`], and the draft is removed in
    /// the same transaction that stores the message, so it can never be
    /// sent twice (nor lost when storing fails: then it stays a draft).
    pub fn send_draft(&self, id: DraftId) -> Result<SendReport, Error> {
        let form = self.compose_form(id)?;
        self.send_and_remove(&form, Some(id))
    }
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
            .map(|a| AttachmentFile::new(&a.name, a.bytes))
            .collect(),
        protection_class: f.protection_class,
        case_number: f.case_number,
        attention: f.attention,
        case_type: f.case_type,
        sender_name: f.sender_name,
        event: f.event.map(CaseStatus::from),
    }
}
