//! After a failure: what the officer does about a message the mailbox
//! operator could not deliver (or that was given up). They send it again
//! digitally or on paper — a new message, made from a draft that follows
//! the failed one up, the two linked in both histories when it is sent — or
//! they mark it as handled outside Kuvert with a note. The failed message
//! stays Failed and is followed up at most once. A message the officer
//! withdrew from the Outbox is followed up the same way.

use kuvert_protocol::delivery::MessageId;
use kuvert_store::{
    DraftFields, DraftId, FollowUp, HandledNote, Message, NoteProblem, OutgoingAttachment,
    SendState,
};

use crate::error::Error;

use super::Kuvert;

/// Why a failed message was not followed up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowUpRefused {
    /// The message has not failed.
    #[error(
        "message {message_id} is {state}; only a failed or withdrawn message is sent again or marked as handled"
    )]
    NotFailed {
        /// The message.
        message_id: MessageId,
        /// Its state.
        state: SendState,
    },
    /// The message was already sent again.
    #[error("message {message_id} was already sent again as {new}")]
    AlreadySentAgain {
        /// The failed message.
        message_id: MessageId,
        /// The message sent in its place.
        new: MessageId,
    },
    /// The message was already marked as handled outside Kuvert.
    #[error("message {message_id} was already marked as handled outside Kuvert")]
    AlreadyHandled {
        /// The failed message.
        message_id: MessageId,
    },
    /// The note was refused.
    #[error("the note: {0}")]
    Note(NoteProblem),
}

impl FollowUpRefused {
    /// A stable code for the shells (`not_failed`, `already_sent_again`,
    /// `already_handled`, `note_empty`, `note_too_long`,
    /// `note_forbidden_character`).
    pub fn kind(&self) -> &'static str {
        match self {
            FollowUpRefused::NotFailed { .. } => "not_failed",
            FollowUpRefused::AlreadySentAgain { .. } => "already_sent_again",
            FollowUpRefused::AlreadyHandled { .. } => "already_handled",
            FollowUpRefused::Note(NoteProblem::Empty) => "note_empty",
            FollowUpRefused::Note(NoteProblem::TooLong) => "note_too_long",
            FollowUpRefused::Note(NoteProblem::ForbiddenCharacter(_)) => "note_forbidden_character",
        }
    }

    /// The form field it concerns: `note` for the note, else `follow_up`.
    pub fn field(&self) -> &'static str {
        match self {
            FollowUpRefused::Note(_) => "note",
            _ => "follow_up",
        }
    }

    /// What went wrong, in Swedish, for the officer.
    pub fn swedish(&self) -> String {
        match self {
            FollowUpRefused::NotFailed { .. } => "Meddelandet har inte misslyckats. Bara ett meddelande som inte kunde levereras, eller som återkallades, kan skickas igen eller markeras som hanterat utanför Kuvert.".into(),
            FollowUpRefused::AlreadySentAgain { .. } => "Meddelandet har redan skickats igen som ett nytt meddelande; det nya meddelandet finns i Skickat eller Utkorgen.".into(),
            FollowUpRefused::AlreadyHandled { .. } => "Meddelandet är redan markerat som hanterat utanför Kuvert.".into(),
            FollowUpRefused::Note(NoteProblem::Empty) => "Skriv hur meddelandet hanterades, till exempel ”Beslutet lämnades över personligen den 3 december”.".into(),
            FollowUpRefused::Note(NoteProblem::TooLong) => format!("Anteckningen får vara högst {} tecken.", kuvert_store::follow_up::MAX_NOTE_CHARS),
            FollowUpRefused::Note(NoteProblem::ForbiddenCharacter(code)) => format!("Anteckningen innehåller ett osynligt tecken eller styrtecken (U+{code:04X}). Ta bort det och försök igen."),
        }
    }
}

impl Kuvert {
    /// What was done about the message `message_id`, if it failed and was
    /// followed up.
    pub fn follow_up(&self, message_id: &MessageId) -> Result<Option<FollowUp>, Error> {
        Ok(self.store.follow_up(message_id)?)
    }

    /// A draft to send the Failed message `failed` again — digitally or on
    /// paper, as the officer then chooses in compose: its recipient, subject,
    /// body, diarienummer, attention, protection class, case type, sender
    /// name, event status and attachments as they were sent. Sending the
    /// draft records the link in both messages' histories
    /// ([`FollowUp::SentAgain`]). Asked again before the draft is sent, the
    /// same draft is returned. Refused ([`FollowUpRefused`]) when the message
    /// has not failed or was already followed up.
    pub fn send_again(&self, failed: &MessageId) -> Result<DraftId, Error> {
        let message = self.followable(failed)?;
        let c = &message.content;
        let fields = DraftFields {
            recipient_text: c.recipient.display_form(),
            subject: c.subject.as_str().to_string(),
            body: c.body.clone(),
            case_number: c
                .case_number
                .as_ref()
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
            attention: c
                .attention
                .as_ref()
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
            protection_class: Some(c.protection_class.get()),
            case_type: c.case_type.clone(),
            event: c.event.as_ref().map(|e| e.status),
            sender_name: Some(c.sender_name.as_str().to_string()),
            postal_address: String::new(),
        };
        let mut attachments = Vec::with_capacity(message.attachments.len());
        for a in &message.attachments {
            attachments.push(OutgoingAttachment {
                name: a.name.clone(),
                content_type: a.content_type.clone(),
                bytes: self.attachment_bytes(failed, a)?,
                compressed_from: None,
            });
        }
        Ok(self
            .store
            .follow_up_draft(failed, &fields, &attachments, self.clock.now())?)
    }

    /// Records that the Failed message `failed` was handled outside Kuvert
    /// (by telephone, handed over in person, …), with the officer's note: a
    /// sealed event in its history; it stays Failed and is no longer waiting
    /// for the officer. Refused ([`FollowUpRefused`]) when the note is empty,
    /// too long or holds invisible characters, when the message has not
    /// failed, or was already followed up.
    pub fn mark_handled(&self, failed: &MessageId, note: &str) -> Result<Message, Error> {
        let note = HandledNote::new(note).map_err(FollowUpRefused::Note)?;
        self.followable(failed)?;
        self.store
            .record_follow_up(failed, &FollowUp::HandledOutside(note), self.clock.now())?;
        self.message(failed)
    }

    /// The message `failed`, if it is Failed (or Withdrawn) and not yet
    /// followed up.
    pub(super) fn followable(&self, failed: &MessageId) -> Result<Message, Error> {
        let message = self.message(failed)?;
        if !matches!(message.state, SendState::Failed | SendState::Withdrawn) {
            return Err(FollowUpRefused::NotFailed {
                message_id: failed.clone(),
                state: message.state,
            }
            .into());
        }
        match self.follow_up(failed)? {
            None => Ok(message),
            Some(FollowUp::SentAgain(new)) => Err(FollowUpRefused::AlreadySentAgain {
                message_id: failed.clone(),
                new,
            }
            .into()),
            Some(FollowUp::HandledOutside(_)) => Err(FollowUpRefused::AlreadyHandled {
                message_id: failed.clone(),
            }
            .into()),
        }
    }
}
