//! The send pipeline after a message is stored: check the recipient, submit
//! the signed delivery (or record it as sent on paper), retry what may pass,
//! and follow the intermediary's status — the same steps whichever log holds
//! the message.
//!
//! The pipeline reads and records through a [`Ledger`]: the officer's local
//! SQLite store ([`Store`]) in the desktop app and the `kuvert` command, or
//! department mode's PostgreSQL database in `kuvert-server`. Which moves
//! exist is decided by [`crate::lifecycle`]; the ledger persists what it is
//! told, each move a compare-and-set on the state it starts from, so two
//! workers that race on one message cannot both move it.

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::delivery::MessageId;
use kuvert_protocol::dsig::SigningKey;
use kuvert_protocol::seal::seal;
use kuvert_protocol::soap::Reachability;
use kuvert_store::{
    AttemptFailure, Message, MessageContent, NextState, PaperLetter, SendState, Store,
};
use kuvert_transport::{CallError, Intermediary, Operators};
use time::OffsetDateTime;

use crate::app::SendReport;
use crate::error::Error;
use crate::lifecycle::{self, Call, Failure, RetryPolicy, Route, Step};
use crate::pdf::letter::{Letter, LetterAttachment};
use crate::profile::Profile;
use crate::reachability;
use crate::seams::{Checkpoint, Checkpoints, Clock};

/// Where the pipeline reads a stored message and records its moves.
pub trait Ledger {
    /// One stored message, `None` when there is none with that id.
    fn message(&self, message_id: &MessageId) -> Result<Option<Message>, Error>;
    /// The signed delivery exactly as stored by the Signed move.
    fn signed_xml(&self, message_id: &MessageId) -> Result<Option<Vec<u8>>, Error>;
    /// The message's document as kept when it was sent, if one was.
    fn message_document(&self, message_id: &MessageId) -> Result<Option<Vec<u8>>, Error>;
    /// Moves the message from `expected` to `next` (compare-and-set).
    fn transition(
        &self,
        message_id: &MessageId,
        expected: SendState,
        next: &NextState,
        at: OffsetDateTime,
    ) -> Result<(), Error>;
    /// Records a failed attempt in `expected` and when to try again.
    fn record_attempt_failure(
        &self,
        message_id: &MessageId,
        expected: SendState,
        failure: &AttemptFailure,
        at: OffsetDateTime,
    ) -> Result<(), Error>;
    /// Records, before the first call that submits the Signed message, that
    /// it is being handed to the intermediary (from then on it cannot be
    /// withdrawn); `false` when it is no longer Signed, and then it must
    /// not be submitted.
    fn hand_over(&self, message_id: &MessageId, at: OffsetDateTime) -> Result<bool, Error>;
    /// Sets when the pipeline should next act on a message that is not final.
    fn reschedule(
        &self,
        message_id: &MessageId,
        next_attempt_at: Option<OffsetDateTime>,
    ) -> Result<(), Error>;
}

impl Ledger for Store {
    fn message(&self, message_id: &MessageId) -> Result<Option<Message>, Error> {
        Ok(Store::message(self, message_id)?)
    }

    fn signed_xml(&self, message_id: &MessageId) -> Result<Option<Vec<u8>>, Error> {
        Ok(Store::signed_xml(self, message_id)?)
    }

    fn message_document(&self, message_id: &MessageId) -> Result<Option<Vec<u8>>, Error> {
        Ok(Store::message_document(self, message_id)?)
    }

    fn transition(
        &self,
        message_id: &MessageId,
        expected: SendState,
        next: &NextState,
        at: OffsetDateTime,
    ) -> Result<(), Error> {
        Ok(Store::transition(self, message_id, expected, next, at)?)
    }

    fn record_attempt_failure(
        &self,
        message_id: &MessageId,
        expected: SendState,
        failure: &AttemptFailure,
        at: OffsetDateTime,
    ) -> Result<(), Error> {
        Store::record_attempt_failure(self, message_id, expected, failure, at)?;
        Ok(())
    }

    fn hand_over(&self, message_id: &MessageId, at: OffsetDateTime) -> Result<bool, Error> {
        Ok(Store::hand_over(self, message_id, at)?)
    }

    fn reschedule(
        &self,
        message_id: &MessageId,
        next_attempt_at: Option<OffsetDateTime>,
    ) -> Result<(), Error> {
        Ok(Store::reschedule(self, message_id, next_attempt_at)?)
    }
}

/// One run of the pipeline: the profile it sends for, its ledger, the
/// intermediary and the seams. Cheap to build for each call.
pub struct Pipeline<'a> {
    /// The sending organisation's profile.
    pub profile: &'a Profile,
    /// Where messages are read and their moves recorded.
    pub ledger: &'a dyn Ledger,
    /// The intermediary's client (in direct mode only its `isReachable`,
    /// asked of FaR).
    pub intermediary: &'a Intermediary,
    /// In direct mode, Kuvert's own förmedling; `None` through an
    /// intermediary.
    pub direct: Option<Direct<'a>>,
    /// Where "now" comes from.
    pub clock: &'a dyn Clock,
    /// Told at each checkpoint (the crash tests stop the process there).
    pub checkpoints: &'a dyn Checkpoints,
    /// How failed attempts are retried and statuses polled.
    pub policy: &'a RetryPolicy,
}

/// What Kuvert's own förmedling needs (`[service] mode = "direct"`).
#[derive(Debug, Clone, Copy)]
pub struct Direct<'a> {
    /// The mailbox operators' client.
    pub operators: &'a Operators,
    /// The key the seal is made with (the förmedlare's certificate).
    pub seal_key: &'a SigningKey,
}

impl Pipeline<'_> {
    /// Checks the recipient of a Signed message and submits it, or records
    /// it as sent on paper; any other message is reported as it stands.
    pub fn deliver(&self, message_id: &MessageId) -> Result<SendReport, Error> {
        let message = self.message(message_id)?;
        if message.state != SendState::Signed {
            return Ok(report_for(&message));
        }
        let recipient = message.content.recipient.clone();
        let answer = self.intermediary.is_reachable(
            self.profile.organisation_number(),
            std::slice::from_ref(&recipient),
        );
        let statuses = match answer {
            Ok(statuses) => statuses,
            Err(error) => return self.failed_call(&message, Call::Reachability, &error),
        };
        self.checkpoints
            .reached(Checkpoint::Checked, message_id.as_str());
        let route = statuses
            .iter()
            .find(|s| s.recipient == recipient)
            .map(lifecycle::route)
            .unwrap_or(Route::Paper {
                reachability: Reachability::NotRegistered,
            });
        let mailbox = match route {
            Route::Digital { mailbox } => mailbox,
            Route::Paper { reachability } => return self.to_paper(&message, &reachability),
        };
        // Recorded before the call: a crash mid-call leaves no other trace
        // that the intermediary may have it. A message withdrawn meanwhile
        // is left as it is.
        if !self.ledger.hand_over(message_id, self.clock.now())? {
            return Ok(report_for(&self.message(message_id)?));
        }
        let signed = self
            .ledger
            .signed_xml(message_id)?
            .ok_or_else(|| Error::MessageNotFound(message_id.to_string()))?;
        if let Some(direct) = self.direct {
            return self.deliver_directly(&message, direct, &signed, mailbox);
        }
        match self.intermediary.distribute_secure(&signed) {
            Ok(distribution_id) => {
                self.checkpoints
                    .reached(Checkpoint::Distributed, message_id.as_str());
                let step =
                    lifecycle::submitted(message.state, distribution_id.clone(), mailbox.clone())?;
                self.persist(message_id, &step)?;
                self.checkpoints
                    .reached(Checkpoint::Submitted, message_id.as_str());
                Ok(SendReport::Submitted {
                    message_id: message_id.clone(),
                    distribution_id,
                    mailbox: Some(mailbox),
                })
            }
            Err(error) => self.failed_call(&message, Call::Distribution, &error),
        }
    }

    /// Direct mode: seals the signed delivery (today's date as received,
    /// its signature checked when it was signed) and hands it to the
    /// recipient's operator at the address FaR gave (`mailbox`). The
    /// operator's answer is the
    /// outcome: taken → Submitted with the operator's transaction id, then
    /// at once Delivered; not taken → Failed. A call that fails is retried
    /// as through an intermediary, with the same sealed content: the
    /// operators take a repeated delivery once.
    fn deliver_directly(
        &self,
        message: &Message,
        direct: Direct<'_>,
        signed: &[u8],
        mailbox: lifecycle::Mailbox,
    ) -> Result<SendReport, Error> {
        let message_id = &message.content.message_id;
        let received = crate::app::calendar_date(self.clock.now());
        let sealed = seal(
            &String::from_utf8_lossy(signed),
            received,
            true,
            direct.seal_key,
        )?;
        let address = mailbox.service_address.as_str();
        match direct.operators.deliver_secure(address, &sealed) {
            Ok(result) => {
                self.checkpoints
                    .reached(Checkpoint::Distributed, message_id.as_str());
                let taken = result
                    .statuses
                    .iter()
                    .any(|(r, delivered)| *r == message.content.recipient && *delivered);
                if !taken {
                    let reason = format!(
                        "{} did not take the message (transaction {})",
                        mailbox.operator, result.transaction_id
                    );
                    self.persist(
                        message_id,
                        &lifecycle::failed(message.state, reason.clone())?,
                    )?;
                    return Ok(SendReport::Failed {
                        message_id: message_id.clone(),
                        reason,
                    });
                }
                tracing::info!(
                    message = %message_id,
                    operator = %mailbox.operator,
                    address,
                    sealed_on = %received,
                    transaction = %result.transaction_id,
                    "delivered directly to the mailbox operator"
                );
                let step = lifecycle::handed_to_operator(
                    message.state,
                    result.transaction_id.clone(),
                    mailbox.clone(),
                    received,
                )?;
                self.persist(message_id, &step)?;
                self.checkpoints
                    .reached(Checkpoint::Submitted, message_id.as_str());
                self.persist(message_id, &lifecycle::delivered_directly())?;
                Ok(report_for(&self.message(message_id)?))
            }
            Err(error) => self.failed_call(message, Call::Distribution, &error),
        }
    }

    /// Asks the intermediary for the status of a submitted message and
    /// records any change; the next check is scheduled while it is not final.
    /// A check that fails is an [`Error::Call`], never the old state.
    pub fn refresh(&self, message: &Message) -> Result<Message, Error> {
        let (Some(distribution_id), SendState::Submitted | SendState::Pending) =
            (&message.distribution_id, message.state)
        else {
            return Ok(message.clone());
        };
        let message_id = &message.content.message_id;
        if self.direct.is_some() {
            // Direct mode has no status to ask for: Submitted means the
            // operator took it, and it is Delivered (a stop in between
            // left it Submitted).
            self.persist(message_id, &lifecycle::delivered_directly())?;
            return self.message(message_id);
        }
        let now = self.clock.now();
        let statuses = self
            .intermediary
            .check_distribution_status(self.profile.organisation_number(), distribution_id);
        let next_check = Some(now + self.policy.status_interval);
        let next = match statuses {
            Ok(statuses) => lifecycle::after_status(&statuses, message.state),
            // The check itself failed: say so, never the old state as if it
            // were the answer. It is asked again at the next interval.
            Err(error) => {
                self.ledger.reschedule(message_id, next_check)?;
                return Err(error.into());
            }
        };
        match next {
            Some(step) => {
                self.persist(message_id, &step)?;
                if !step.to().is_final() {
                    self.ledger.reschedule(message_id, next_check)?;
                }
            }
            None => self.ledger.reschedule(message_id, next_check)?,
        }
        self.message(message_id)
    }

    fn to_paper(
        &self,
        message: &Message,
        reachability: &Reachability,
    ) -> Result<SendReport, Error> {
        let sender = message.content.sender_name.as_str();
        let letter = match self.ledger.message_document(&message.content.message_id)? {
            Some(pdf) => pdf,
            None => letter(self.profile, message).to_pdf(self.profile.rules().pdf_profile)?,
        };
        let step = lifecycle::on_paper(message.state, PaperLetter::Pdf(letter.clone()))?;
        self.persist(&message.content.message_id, &step)?;
        Ok(SendReport::Paper {
            message_id: message.content.message_id.clone(),
            reason_swedish: reachability::reachability_swedish(reachability, sender),
            reason_english: reachability::reachability_english(reachability, sender),
            letter_pdf: letter,
        })
    }

    fn failed_call(
        &self,
        message: &Message,
        call: Call,
        error: &CallError,
    ) -> Result<SendReport, Error> {
        let now = self.clock.now();
        let message_id = message.content.message_id.clone();
        match lifecycle::after_failed_call(
            error,
            call,
            message.attempts,
            message.last_failure.as_ref(),
            self.policy,
            now,
        ) {
            Failure::Retry(failure) => {
                self.ledger
                    .record_attempt_failure(&message_id, message.state, &failure, now)?;
                Ok(SendReport::Retrying {
                    message_id,
                    reason: failure.reason,
                    next_attempt_at: failure.next_attempt_at,
                })
            }
            Failure::GiveUp { reason } => {
                self.persist(
                    &message_id,
                    &lifecycle::failed(message.state, reason.clone())?,
                )?;
                Ok(SendReport::Failed { message_id, reason })
            }
        }
    }

    /// Persists a move of the lifecycle (compare-and-set on its start).
    fn persist(&self, message_id: &MessageId, step: &Step) -> Result<(), Error> {
        self.ledger
            .transition(message_id, step.from(), step.next(), self.clock.now())
    }

    fn message(&self, message_id: &MessageId) -> Result<Message, Error> {
        self.ledger
            .message(message_id)?
            .ok_or_else(|| Error::MessageNotFound(message_id.to_string()))
    }
}

/// How a stored message stands, as a [`SendReport`]: Failed with its
/// reason, Submitted once it has a distribution id, otherwise Busy.
pub fn report_for(message: &Message) -> SendReport {
    let message_id = message.content.message_id.clone();
    match (&message.state, &message.distribution_id) {
        (SendState::Failed, _) => SendReport::Failed {
            message_id,
            reason: message.failure_reason.clone().unwrap_or_default(),
        },
        (_, Some(distribution_id)) => SendReport::Submitted {
            message_id,
            distribution_id: distribution_id.clone(),
            mailbox: message.mailbox.clone(),
        },
        _ => SendReport::Busy { message_id },
    }
}

/// The print-ready letter of a stored message, dated the day it was stored.
pub fn letter(profile: &Profile, message: &Message) -> Letter {
    let attachments = message
        .attachments
        .iter()
        .map(|a| LetterAttachment {
            file_name: a.name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
        })
        .collect();
    letter_of(
        profile,
        &message.content,
        attachments,
        crate::app::calendar_date(message.created_at),
    )
}

/// The letter of `content`, dated `date`: the message as a document.
pub fn letter_of(
    profile: &Profile,
    content: &MessageContent,
    attachments: Vec<LetterAttachment>,
    date: CalendarDate,
) -> Letter {
    // The case type's support text applies when the message had one.
    let support = content
        .case_type
        .as_deref()
        .and_then(|name| profile.case_type(name))
        .and_then(|case_type| case_type.support())
        .unwrap_or_else(|| profile.support());
    Letter {
        sender_name: content.sender_name.as_str().to_owned(),
        organisation_number: profile.organisation_number().display_form(),
        date,
        recipient: content.recipient.display_form(),
        attention: content.attention.as_ref().map(|a| a.as_str().to_owned()),
        case_number: content.case_number.as_ref().map(|c| c.as_str().to_owned()),
        subject: content.subject.as_str().to_owned(),
        body: content.body.clone(),
        attachments,
        support: support.lines(),
        address: Vec::new(),
    }
}
