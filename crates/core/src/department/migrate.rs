//! `kuvert migrate-to-department`: an officer's local log, message by
//! message, in the form the department server imports
//! ([`ImportedMessage`]), with its ids, history, letters and attachments.

use base64::Engine as _;
use time::format_description::well_known::Rfc3339;

use super::wire::{HistoryLine, ImportedAttachment, ImportedMessage};
use crate::error::Error;
use crate::{Kuvert, MessageId, SendState, SentLogQuery};

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl Kuvert {
    /// Every message of the local log, oldest first.
    ///
    /// # Errors
    ///
    /// [`Error::Store`].
    pub fn local_message_ids(&self) -> Result<Vec<MessageId>, Error> {
        let mut ids = Vec::new();
        let mut offset = 0;
        loop {
            let page = self.log(&SentLogQuery {
                limit: 500,
                offset,
                ..SentLogQuery::default()
            })?;
            if page.is_empty() {
                break;
            }
            offset += page.len() as u32;
            ids.extend(page.into_iter().map(|s| s.message_id));
        }
        ids.reverse();
        Ok(ids)
    }

    /// Whether the local Outbox holds messages not yet handed to the
    /// intermediary (they must be sent or withdrawn before migrating, or
    /// two Outboxes would hold them).
    ///
    /// # Errors
    ///
    /// [`Error::Store`].
    pub fn unsent_in_outbox(&self) -> Result<usize, Error> {
        Ok(self
            .store()
            .outbox()?
            .iter()
            .filter(|m| matches!(m.state, SendState::Queued | SendState::Signed))
            .count())
    }

    /// One local message as the department server imports it.
    ///
    /// # Errors
    ///
    /// [`Error::MessageNotFound`] or [`Error::Store`].
    pub fn imported_form(&self, message_id: &MessageId) -> Result<ImportedMessage, Error> {
        let store = self.store();
        let message = self.message(message_id)?;
        let c = &message.content;
        let mut attachments = Vec::new();
        for a in &message.attachments {
            attachments.push(ImportedAttachment {
                name: a.name.clone(),
                content_type: a.content_type.clone(),
                base64: b64(&self.attachment_bytes(message_id, a)?),
            });
        }
        let history = self
            .history(message_id)?
            .into_iter()
            .map(|e| HistoryLine {
                at: rfc3339(e.at),
                kind: e.kind.as_str().to_string(),
                state: e.state.as_str().to_string(),
                detail: Some(e.detail).filter(|d| !d.is_empty()),
            })
            .collect();
        Ok(ImportedMessage {
            message_id: c.message_id.as_str().to_string(),
            correlation_id: c.correlation_id.as_str().to_string(),
            profile: c.profile.clone(),
            sender_org: c.sender_org.as_str().to_string(),
            sender_name: c.sender_name.as_str().to_string(),
            recipient: c.recipient.as_str().to_string(),
            subject: c.subject.as_str().to_string(),
            body: c.body.clone(),
            case_number: c.case_number.as_ref().map(|n| n.as_str().to_string()),
            attention: c.attention.as_ref().map(|a| a.as_str().to_string()),
            protection_class: c.protection_class.get(),
            case_type: c.case_type.clone(),
            event_status: c.event.as_ref().map(|e| e.status.wire().to_string()),
            preceding_event_id: c.event.as_ref().and_then(|e| {
                e.preceding_event_id
                    .as_ref()
                    .map(|p| p.as_str().to_string())
            }),
            created_at: rfc3339(message.created_at),
            state: message.state.as_str().to_string(),
            state_at: rfc3339(message.state_at),
            distribution_id: message.distribution_id.clone(),
            mailbox: message
                .mailbox
                .as_ref()
                .map(|m| (m.operator.clone(), m.service_address.clone())),
            failure_reason: message.failure_reason.clone(),
            local_officer: c
                .officer
                .as_ref()
                .map(|o| (o.account.clone(), o.name.clone())),
            signed_xml: store.signed_xml(message_id)?.map(|x| b64(&x)),
            document: store.message_document(message_id)?.map(|d| b64(&d)),
            paper_letter: store
                .paper_letter(message_id)?
                .and_then(|p| p.pdf)
                .map(|p| b64(&p)),
            attachments,
            history,
        })
    }
}
