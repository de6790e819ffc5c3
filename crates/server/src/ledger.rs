//! The send pipeline's [`Ledger`] over the department database: what
//! `kuvert_core::pipeline` reads and records when `kuvert-server`'s worker
//! sends a message. Every move is a compare-and-set on the state it starts
//! from, with its history line and chain entry in the same transaction.

use kuvert_core::pipeline::Ledger;
use kuvert_core::{AttemptFailure, Error, Message, MessageId, NextState, PaperLetter, SendState};
use time::OffsetDateTime;

use crate::chain::ChainKey;
use crate::db::{Database, DbError, During};
use crate::messages;

/// The worker's view of the database.
#[derive(Debug, Clone)]
pub struct DepartmentLedger {
    db: Database,
    chain_key: ChainKey,
}

impl DepartmentLedger {
    /// The ledger over `db`, its history lines sealed with `chain_key`.
    pub fn new(db: Database, chain_key: ChainKey) -> Self {
        DepartmentLedger { db, chain_key }
    }
}

/// The core's error for a database error.
pub fn core_error(error: DbError) -> Error {
    Error::Database {
        conflict: matches!(error, DbError::Conflict { .. }),
        detail: error.to_string(),
    }
}

impl Ledger for DepartmentLedger {
    fn message(&self, message_id: &MessageId) -> Result<Option<Message>, Error> {
        self.db
            .as_service(|tx| messages::load(tx, message_id.as_str()))
            .map(|found| found.map(|s| s.message))
            .map_err(core_error)
    }

    fn signed_xml(&self, message_id: &MessageId) -> Result<Option<Vec<u8>>, Error> {
        self.db
            .as_service(|tx| messages::signed_xml(tx, message_id.as_str()))
            .map_err(core_error)
    }

    fn message_document(&self, message_id: &MessageId) -> Result<Option<Vec<u8>>, Error> {
        self.db
            .as_service(|tx| messages::document(tx, message_id.as_str()))
            .map_err(core_error)
    }

    fn transition(
        &self,
        message_id: &MessageId,
        expected: SendState,
        next: &NextState,
        at: OffsetDateTime,
    ) -> Result<(), Error> {
        let id = message_id.as_str();
        if matches!(next, NextState::Withdrawn) {
            // Department mode offers no withdrawal (yet): its database has
            // no such state, and nothing here asks for it.
            return Err(Error::Database {
                conflict: false,
                detail: format!("{id}: department mode does not withdraw messages"),
            });
        }
        let state = next.state();
        let final_ = state.is_final();
        let (distribution_id, operator, address, reason, letter, detail) = match next {
            NextState::Submitted {
                distribution_id,
                mailbox,
            } => (
                Some(distribution_id.as_str()),
                Some(mailbox.operator.as_str()),
                Some(mailbox.service_address.as_str()),
                None,
                None,
                Some(distribution_id.clone()),
            ),
            // The server refuses direct mode (`StartError::DirectMode`);
            // should a hand-over to an operator reach it, it is kept as one.
            NextState::HandedToOperator {
                transaction_id,
                mailbox,
                ..
            } => (
                Some(transaction_id.as_str()),
                Some(mailbox.operator.as_str()),
                Some(mailbox.service_address.as_str()),
                None,
                None,
                Some(transaction_id.clone()),
            ),
            NextState::Failed { reason } => (
                None,
                None,
                None,
                Some(reason.as_str()),
                None,
                Some(reason.clone()),
            ),
            NextState::Paper { letter } => match letter {
                PaperLetter::Pdf(pdf) => (None, None, None, None, Some(pdf.as_slice()), None),
                PaperLetter::Sha256Hex(_) => (None, None, None, None, None, None),
            },
            _ => (None, None, None, None, None, None),
        };
        self.db
            .as_service(|tx| {
                let moved = tx
                    .execute(
                        "UPDATE messages SET state = $3, state_at = $4,
                             distribution_id = coalesce($5, distribution_id),
                             mailbox_operator = coalesce($6, mailbox_operator),
                             mailbox_address = coalesce($7, mailbox_address),
                             failure_reason = coalesce($8, failure_reason),
                             paper_letter = coalesce($9, paper_letter),
                             last_error_code = NULL, last_error_reason = NULL, retryable = NULL,
                             next_attempt_at = CASE WHEN $10 THEN NULL ELSE $4::timestamptz END
                         WHERE id = $1 AND state = $2",
                        &[
                            &id,
                            &expected.as_str(),
                            &state.as_str(),
                            &at,
                            &distribution_id,
                            &operator,
                            &address,
                            &reason,
                            &letter,
                            &final_,
                        ],
                    )
                    .during("moving a message")?;
                if moved == 0 {
                    return Err(DbError::Conflict {
                        message_id: id.to_string(),
                        expected: expected.as_str().to_string(),
                    });
                }
                messages::add_history(
                    tx,
                    &self.chain_key,
                    id,
                    at,
                    "transition",
                    state,
                    detail.as_deref(),
                )
            })
            .map_err(core_error)
    }

    /// Department mode offers no withdrawal, so nothing needs to know that
    /// a submission began: the message is submitted while it is Signed.
    fn hand_over(&self, _: &MessageId, _: OffsetDateTime) -> Result<bool, Error> {
        Ok(true)
    }

    fn record_attempt_failure(
        &self,
        message_id: &MessageId,
        expected: SendState,
        failure: &AttemptFailure,
        at: OffsetDateTime,
    ) -> Result<(), Error> {
        let id = message_id.as_str();
        self.db
            .as_service(|tx| {
                let moved = tx
                    .execute(
                        "UPDATE messages SET attempts = attempts + 1, last_error_code = $3,
                             last_error_reason = $4, retryable = $5, next_attempt_at = $6
                         WHERE id = $1 AND state = $2",
                        &[
                            &id,
                            &expected.as_str(),
                            &failure.code,
                            &failure.reason,
                            &failure.retryable,
                            &failure.next_attempt_at,
                        ],
                    )
                    .during("recording a failed attempt")?;
                if moved == 0 {
                    return Err(DbError::Conflict {
                        message_id: id.to_string(),
                        expected: expected.as_str().to_string(),
                    });
                }
                messages::add_history(
                    tx,
                    &self.chain_key,
                    id,
                    at,
                    "attempt_failed",
                    expected,
                    Some(&failure.reason),
                )
            })
            .map_err(core_error)
    }

    fn reschedule(
        &self,
        message_id: &MessageId,
        next_attempt_at: Option<OffsetDateTime>,
    ) -> Result<(), Error> {
        self.db
            .as_service(|tx| {
                tx.execute(
                    "UPDATE messages SET next_attempt_at = $2
                     WHERE id = $1 AND state IN ('queued', 'signed', 'submitted', 'pending')",
                    &[&message_id.as_str(), &next_attempt_at],
                )
                .during("rescheduling a message")
            })
            .map(|_| ())
            .map_err(core_error)
    }
}
