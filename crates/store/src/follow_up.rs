//! What the officer did about a message that failed: sent it again as a new
//! message (the two linked, each in its own history), or handled it outside
//! Kuvert (with a note). Each is a history event sealed by the chain; the
//! failed message stays Failed, and at most one follow-up is recorded for
//! it, so it cannot be sent again twice.

use kuvert_protocol::delivery::{is_invisible, MessageId};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Context;
use crate::history::EventKind;
use crate::instant::to_unix;
use crate::messages::{locate, SendState};
use crate::{Batch, StoreError};

/// The most characters a note on a message handled outside Kuvert may have.
pub const MAX_NOTE_CHARS: usize = 500;

/// What was done about a Failed message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FollowUp {
    /// Sent again as the new message with this id.
    SentAgain(MessageId),
    /// Handled outside Kuvert (by telephone, by hand, …): the officer's note.
    HandledOutside(HandledNote),
}

impl FollowUp {
    fn kind(&self) -> EventKind {
        match self {
            FollowUp::SentAgain(_) => EventKind::SentAgain,
            FollowUp::HandledOutside(_) => EventKind::HandledOutside,
        }
    }

    fn detail(&self) -> &str {
        match self {
            FollowUp::SentAgain(id) => id.as_str(),
            FollowUp::HandledOutside(note) => note.as_str(),
        }
    }

    /// Reads a follow-up back from its history event.
    pub fn of(kind: EventKind, detail: &str) -> Option<FollowUp> {
        match kind {
            EventKind::SentAgain => MessageId::new(detail).ok().map(FollowUp::SentAgain),
            EventKind::HandledOutside => {
                Some(FollowUp::HandledOutside(HandledNote(detail.to_owned())))
            }
            _ => None,
        }
    }
}

/// The follow-up recorded for the message with `sort_key`, if any.
pub(crate) fn recorded(conn: &Connection, sort_key: i64) -> Result<Option<FollowUp>, StoreError> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT kind, detail FROM status_history
             WHERE sort_key = ?1 AND kind IN ('sent_again', 'handled_outside')
             ORDER BY seq DESC LIMIT 1",
        )
        .and_then(|mut s| {
            s.query_row([sort_key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .during("reading a message's follow-up")?;
    Ok(match row {
        Some((kind, detail)) => FollowUp::of(EventKind::parse(&kind)?, &detail),
        None => None,
    })
}

/// The officer's note on a message handled outside Kuvert: one to
/// [`MAX_NOTE_CHARS`] characters, not only spaces, with no control
/// characters other than line breaks and nothing invisible
/// ([`is_invisible`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandledNote(String);

/// Why a note was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteProblem {
    /// Empty or only spaces.
    #[error("say how the message was handled")]
    Empty,
    /// Longer than [`MAX_NOTE_CHARS`].
    #[error("the note is longer than {MAX_NOTE_CHARS} characters")]
    TooLong,
    /// Holds a control or invisible character (its code point).
    #[error("the note holds the control or invisible character U+{0:04X}")]
    ForbiddenCharacter(u32),
}

impl HandledNote {
    /// Checks and wraps a note; surrounding spaces are trimmed.
    pub fn new(text: &str) -> Result<HandledNote, NoteProblem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(NoteProblem::Empty);
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(NoteProblem::TooLong);
        }
        if let Some(c) = text
            .chars()
            .find(|&c| (c.is_control() && c != '\n') || is_invisible(c))
        {
            return Err(NoteProblem::ForbiddenCharacter(c as u32));
        }
        Ok(HandledNote(text.to_owned()))
    }

    /// The note.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Batch<'_> {
    /// Records `follow_up` for the Failed (or Withdrawn) message `failed`, in
    /// this transaction. Refused unless `failed` is so and has no follow-up
    /// yet ([`StoreError::InvalidInput`] on field `follow_up`). For
    /// [`FollowUp::SentAgain`], the new message (stored in this transaction
    /// or before) records which message it was sent in place of.
    pub fn record_follow_up(
        &mut self,
        failed: &MessageId,
        follow_up: &FollowUp,
        at: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.atomically(|b| b.record_follow_up_now(failed, follow_up, at))
    }

    fn record_follow_up_now(
        &mut self,
        failed: &MessageId,
        follow_up: &FollowUp,
        at: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        let (sort_key, state) = locate(&self.tx, failed.as_str())?;
        let refuse = |reason: String| StoreError::InvalidInput {
            field: "follow_up",
            reason,
        };
        if matches!(follow_up, FollowUp::SentAgain(new) if new == failed) {
            return Err(refuse("a message cannot be sent again as itself".into()));
        }
        if !matches!(state, SendState::Failed | SendState::Withdrawn) {
            return Err(refuse(format!(
                "message {failed} is {state}; only a failed or withdrawn message is followed up"
            )));
        }
        if let Some(done) = recorded(&self.tx, sort_key)? {
            return Err(refuse(match done {
                FollowUp::SentAgain(id) => {
                    format!("message {failed} was already sent again as {id}")
                }
                FollowUp::HandledOutside(_) => {
                    format!("message {failed} was already handled outside Kuvert")
                }
            }));
        }
        let at = to_unix(at);
        self.seal_state_kept(
            sort_key,
            failed,
            at,
            follow_up.kind(),
            state,
            follow_up.detail(),
        )?;
        if let FollowUp::SentAgain(new) = follow_up {
            let (new_key, new_state) = locate(&self.tx, new.as_str())?;
            self.seal_state_kept(
                new_key,
                new,
                at,
                EventKind::ResendOf,
                new_state,
                failed.as_str(),
            )?;
        }
        Ok(())
    }

    /// Seals an event that leaves the message's state as it is, and makes
    /// it the message's latest entry.
    fn seal_state_kept(
        &mut self,
        sort_key: i64,
        message_id: &MessageId,
        at: i64,
        kind: EventKind,
        state: SendState,
        detail: &str,
    ) -> Result<(), StoreError> {
        let seq = self.tail.next_seq();
        self.tx
            .prepare_cached("UPDATE messages SET last_seq = ?1 WHERE sort_key = ?2")
            .and_then(|mut s| s.execute(params![seq, sort_key]))
            .during("recording a follow-up")?;
        self.seal_event(seq, sort_key, message_id, at, kind, state, detail, None)
    }
}
