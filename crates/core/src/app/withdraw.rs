//! Withdrawing a message from the Outbox: the officer takes back a message
//! that has not yet been handed to the intermediary (it waits for a retry,
//! or the intermediary cannot be reached). It stays in the sent log as
//! Withdrawn — nothing left Kuvert — and a draft made of it lets the officer
//! change it and send it later, digitally or on paper; sending that draft
//! links the two in both histories, as for a failed message.
//!
//! A message is withdrawable until the pipeline begins to hand it over
//! ([`kuvert_store::Store::hand_over`], recorded before the first call that
//! submits it): from then on the intermediary may have it, and only a status
//! check or a resubmission with the same ids may decide its outcome. Both
//! are compare-and-sets in the store, so a withdrawn message is never also
//! submitted, and a submitted one is never reported as withdrawn.

use kuvert_protocol::delivery::MessageId;
use kuvert_store::{DraftId, SendState, StoreError};

use crate::error::Error;
use crate::lifecycle;

use super::Kuvert;

/// Why a message was not withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WithdrawRefused {
    /// The message is not in the Outbox (sent, on paper, failed or already
    /// withdrawn).
    #[error("message {message_id} is {state}; only a message in the Outbox can be withdrawn")]
    NotInOutbox {
        /// The message.
        message_id: MessageId,
        /// Its state.
        state: SendState,
    },
    /// The pipeline has begun to hand the message to the intermediary.
    #[error("message {message_id} cannot be withdrawn: it has been handed to the intermediary, which may already have it; its status tells how it ends")]
    HandedOver {
        /// The message.
        message_id: MessageId,
    },
}

impl WithdrawRefused {
    /// A stable code for the shells (`not_in_outbox`, `handed_over`).
    pub fn kind(&self) -> &'static str {
        match self {
            WithdrawRefused::NotInOutbox { .. } => "not_in_outbox",
            WithdrawRefused::HandedOver { .. } => "handed_over",
        }
    }

    /// What went wrong, in Swedish, for the officer.
    pub fn swedish(&self) -> String {
        match self {
            WithdrawRefused::NotInOutbox { .. } => "Meddelandet ligger inte längre i Utkorgen och kan inte återkallas.".into(),
            WithdrawRefused::HandedOver { .. } => "Meddelandet kan inte återkallas: det har lämnats till förmedlaren, som kan ha tagit emot det. Statusen visar hur det går; skicka det inte igen.".into(),
        }
    }
}

impl Kuvert {
    /// Whether the message may still be withdrawn (in the Outbox and not
    /// yet being handed over).
    pub fn withdrawable(&self, message_id: &MessageId) -> Result<bool, Error> {
        Ok(self.store.withdrawable(message_id)?)
    }

    /// Withdraws the Outbox message `message_id`: recorded as Withdrawn
    /// (a sealed event in its history), and a draft made of it returned
    /// (as [`Kuvert::send_again`] makes one). Refused ([`WithdrawRefused`])
    /// when it is not in the Outbox or has been handed to the intermediary.
    pub fn withdraw(&self, message_id: &MessageId) -> Result<DraftId, Error> {
        let message = self.message(message_id)?;
        let refused_not_in_outbox = |state| {
            Error::from(WithdrawRefused::NotInOutbox {
                message_id: message_id.clone(),
                state,
            })
        };
        let step = lifecycle::withdrawn(message.state)
            .map_err(|_| refused_not_in_outbox(message.state))?;
        match self
            .store
            .transition(message_id, step.from(), step.next(), self.clock.now())
        {
            Ok(()) => {}
            Err(StoreError::HandedOver { .. }) => {
                return Err(WithdrawRefused::HandedOver {
                    message_id: message_id.clone(),
                }
                .into())
            }
            // Moved on meanwhile (submitted by a worker that was faster).
            Err(StoreError::Conflict { actual, .. }) => return Err(refused_not_in_outbox(actual)),
            Err(other) => return Err(other.into()),
        }
        self.send_again(message_id)
    }
}
