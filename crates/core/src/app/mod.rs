//! [`Kuvert`]: the application handle the shells call. It owns the profile,
//! the store and the connection to the intermediary, and runs the send
//! pipeline ([`crate::send`]) around them.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::delivery::{CaseNumber, MessageId};
use kuvert_protocol::dsig::SigningKey;
use kuvert_protocol::identity::RecipientId;
use kuvert_protocol::soap::Reachability;
use kuvert_store::{
    ChainCheck, ChainScope, Message, OutgoingAttachment, OutgoingMessage, PaperLetter, PurgeRecord,
    PurgeReport, SendState, SentLogQuery, SentSummary, StatusEvent, Store,
};
use kuvert_transport::{Intermediary, Operators};
use time::OffsetDateTime;

use crate::compose::envelope::envelope_bytes;
use crate::compose::{Draft, EnvelopeSize, Limits, Outgoing};
use crate::error::Error;
use crate::lifecycle::{self, Mailbox, RetryPolicy, Step};
use crate::officer::Officer;
use crate::pdf::letter::Letter;
use crate::pipeline::{self, Direct, Pipeline};
use crate::profile::{Profile, ServiceMode};
use crate::reachability;
use crate::seams::{Checkpoint, Checkpoints, Clock, Ids, NoCheckpoints, RandomIds, SystemClock};
use crate::secrets::{CertificateRole, Keyring, Password};

mod department;
mod drafts;
pub use drafts::{compress_attachment, compress_draft_pdfs, Compression};
mod folders;
mod follow_up;
pub use follow_up::FollowUpRefused;
mod withdraw;
pub use withdraw::WithdrawRefused;

pub use folders::{Folder, FolderItem, FOLDER_LIMIT};

/// The saved draft a message is sent from: removed when the message is
/// stored, and the Failed message it is sent in place of, if any.
struct SentFrom {
    draft: kuvert_store::DraftId,
    follows_up: Option<MessageId>,
}

/// A signed delivery and the ids it was signed with.
struct Signed {
    xml: Vec<u8>,
    message_id: MessageId,
    correlation_id: MessageId,
    /// The `PrecedingEventId` it names (event messages).
    preceding: Option<MessageId>,
}

/// The running application for one profile and one local store.
pub struct Kuvert {
    profile: Profile,
    store: Store,
    lock_path: PathBuf,
    keyring: Keyring,
    clock: Box<dyn Clock>,
    ids: Box<dyn Ids>,
    checkpoints: Box<dyn Checkpoints>,
    policy: RetryPolicy,
    connection: Connection,
    officer: Option<Officer>,
}

/// What signing and calling the intermediary need: the signing key and the
/// intermediary's HTTPS client, whose pool keeps connections alive between
/// calls. Each is built on first use, and only when needed (a dry run never
/// builds the client), because a PKCS#12 certificate needs its password from
/// the keyring and a client costs a TLS set-up.
///
/// Cheap to clone; clones share what is built. Handles of one profile given
/// the same connection ([`Kuvert::with_connection`]) share one pool of
/// connections, so a check in one and a send in another make one TLS
/// handshake.
#[derive(Clone, Default)]
pub struct Connection {
    parts: Arc<ConnectionParts>,
}

#[derive(Default)]
struct ConnectionParts {
    key: OnceLock<SigningKey>,
    intermediary: OnceLock<Intermediary>,
    /// In direct mode, the mailbox operators' client (`None` otherwise).
    operators: OnceLock<Option<Operators>>,
    /// In direct mode with its own `[seal]` certificate, the key that
    /// seals (`None`: `key` seals too).
    seal_key: OnceLock<Option<SigningKey>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("key_loaded", &self.parts.key.get().is_some())
            .field("client_built", &self.parts.intermediary.get().is_some())
            .finish()
    }
}

impl std::fmt::Debug for Kuvert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kuvert")
            .field("profile", &self.profile.name())
            .field("store", &self.store)
            .finish()
    }
}

/// How a message is to be sent: through the intermediary, or on paper as
/// the officer chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Digital,
    Paper,
}

/// What [`Kuvert::prepare`] is to build.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    Key,
    Client,
    KeyAndClient,
}

/// Looks recipients up through `intermediary` as `profile`'s organisation
/// (at most 1000): each input is parsed as of `today`, the valid ones are
/// asked about in one call. [`Kuvert::check`], and department mode's server
/// for its officers.
///
/// # Errors
///
/// [`Error::Call`] when the intermediary did not answer.
pub fn check_recipients(
    intermediary: &Intermediary,
    profile: &Profile,
    inputs: &[String],
    today: CalendarDate,
) -> Result<Vec<CheckOutcome>, Error> {
    let parsed: Vec<(String, Result<RecipientId, String>)> = inputs
        .iter()
        .map(|input| {
            let id = RecipientId::parse(input, today).map_err(|e| e.to_string());
            (input.clone(), id)
        })
        .collect();
    let valid: Vec<RecipientId> = parsed
        .iter()
        .filter_map(|(_, id)| id.as_ref().ok().cloned())
        .collect();
    let statuses = if valid.is_empty() {
        Vec::new()
    } else {
        intermediary.is_reachable(profile.organisation_number(), &valid)?
    };
    let sender = profile.default_sender_name().as_str().to_string();
    Ok(parsed
        .into_iter()
        .map(|(input, id)| match id {
            Err(reason) => CheckOutcome::Invalid { input, reason },
            Ok(recipient) => {
                let reachability = statuses
                    .iter()
                    .find(|s| s.recipient == recipient)
                    .map(|s| s.reachability())
                    .unwrap_or(Reachability::NotRegistered);
                CheckOutcome::Checked {
                    swedish: reachability::reachability_swedish(&reachability, &sender),
                    english: reachability::reachability_english(&reachability, &sender),
                    input,
                    recipient,
                    reachability,
                }
            }
        })
        .collect())
}

/// The answer about one recipient from [`Kuvert::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The text is not a valid identity number.
    Invalid {
        /// As entered.
        input: String,
        /// What is wrong, in English.
        reason: String,
    },
    /// The recipient was looked up.
    Checked {
        /// As entered.
        input: String,
        /// The recipient.
        recipient: RecipientId,
        /// Whether and how they can receive secure digital mail.
        reachability: Reachability,
        /// The answer in plain Swedish.
        swedish: String,
        /// The answer in plain English.
        english: String,
    },
}

/// How a send (or a resumed send) ended for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendReport {
    /// The intermediary accepted the delivery; its status is tracked.
    Submitted {
        /// The message id.
        message_id: MessageId,
        /// The intermediary's distribution id.
        distribution_id: String,
        /// The recipient's mailbox (`None` only for a message submitted
        /// before Kuvert recorded it).
        mailbox: Option<Mailbox>,
    },
    /// The recipient cannot receive digital mail: the message was recorded as
    /// sent on paper and this letter is to be printed and posted.
    Paper {
        /// The message id.
        message_id: MessageId,
        /// Why not digitally, in plain Swedish.
        reason_swedish: String,
        /// Why not digitally, in plain English.
        reason_english: String,
        /// The print-ready letter (PDF).
        letter_pdf: Vec<u8>,
    },
    /// The attempt failed in a way that may pass: the message stays in the
    /// Outbox and is tried again.
    Retrying {
        /// The message id.
        message_id: MessageId,
        /// Plain reason.
        reason: String,
        /// When it will be tried again.
        next_attempt_at: Option<OffsetDateTime>,
    },
    /// The message could not be sent and will not be retried.
    Failed {
        /// The message id.
        message_id: MessageId,
        /// Plain reason.
        reason: String,
    },
    /// Another process is working on the Outbox right now; nothing was done.
    Busy {
        /// The message id.
        message_id: MessageId,
    },
}

impl SendReport {
    /// The message this report is about.
    pub fn message_id(&self) -> &MessageId {
        match self {
            SendReport::Submitted { message_id, .. }
            | SendReport::Paper { message_id, .. }
            | SendReport::Retrying { message_id, .. }
            | SendReport::Failed { message_id, .. }
            | SendReport::Busy { message_id } => message_id,
        }
    }
}

impl Kuvert {
    /// Opens the application for `profile` with its store at `database`
    /// (created if missing).
    pub fn open(profile: Profile, database: &Path) -> Result<Kuvert, Error> {
        let store = Store::open(database)?;
        let kuvert = Kuvert {
            profile,
            store,
            lock_path: crate::paths::outbox_lock_for(database),
            keyring: Keyring::system(),
            clock: Box::new(SystemClock),
            ids: Box::new(RandomIds),
            checkpoints: Box::new(NoCheckpoints),
            policy: RetryPolicy::default(),
            connection: Connection::default(),
            officer: None,
        };
        let mut kuvert = kuvert;
        kuvert.attach_log_key();
        Ok(kuvert)
    }

    /// Lets the store take the key that signs the sent log's anchor and
    /// checkpoints from the keyring when it first writes or checks (a new
    /// key anchors the log). Without a keyring the log works on, unanchored:
    /// `verify-log` then says so instead of calling it intact.
    fn attach_log_key(&mut self) {
        let keyring = Keyring::with_service(self.keyring.service());
        let database = self.store.path().to_path_buf();
        self.store
            .set_log_key_source(Box::new(move || match keyring.log_key(&database) {
                Ok(found) => Some(found),
                Err(e) => {
                    tracing::warn!(error = %e, "no key for the sent log: it is kept unanchored");
                    None
                }
            }));
    }

    /// Records `officer` as the sender of what this handle sends, instead
    /// of the account logged in to this computer (department mode; tests).
    pub fn with_officer(mut self, officer: Officer) -> Self {
        self.officer = Some(officer);
        self
    }

    /// The officer this handle records as the sender.
    pub fn officer(&self) -> Result<Officer, Error> {
        match &self.officer {
            Some(officer) => Ok(officer.clone()),
            None => crate::officer::from_system(),
        }
    }

    /// Shares `connection` (the signing key and the intermediary client) with
    /// the other handles that have it. They must all be of the same profile.
    pub fn with_connection(mut self, connection: Connection) -> Self {
        self.connection = connection;
        self
    }

    /// This handle's connection, for [`Kuvert::with_connection`].
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Uses `clock` for every time recorded.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Uses `ids` for message and correlation ids.
    pub fn with_ids(mut self, ids: impl Ids + 'static) -> Self {
        self.ids = Box::new(ids);
        self
    }

    /// Tells `checkpoints` when the pipeline passes each [`Checkpoint`].
    pub fn with_checkpoints(mut self, checkpoints: impl Checkpoints + 'static) -> Self {
        self.checkpoints = Box::new(checkpoints);
        self
    }

    /// Retries failed attempts per `policy`.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Reads the certificate password from `keyring`.
    pub fn with_keyring(mut self, keyring: Keyring) -> Self {
        self.keyring = keyring;
        // The log's key lives in the keyring too.
        self.attach_log_key();
        self
    }

    /// The profile in use.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The bytes of the stored attachment `attachment` of `message_id`
    /// ([`Error::MessageNotFound`] when they are gone).
    pub(crate) fn attachment_bytes(
        &self,
        message_id: &MessageId,
        attachment: &kuvert_store::StoredAttachment,
    ) -> Result<Vec<u8>, Error> {
        self.store.attachment_bytes(attachment.id)?.ok_or_else(|| {
            Error::MessageNotFound(format!(
                "the attachment {} of {message_id}",
                attachment.name
            ))
        })
    }

    /// The local store (for the facade's own modules; the shells go
    /// through the facade's methods).
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Today's date in Sweden, as letters, the identity-number rules and
    /// event messages need it.
    pub fn today(&self) -> CalendarDate {
        calendar_date(self.clock.now())
    }

    /// The signing key, loaded on first use.
    fn signing_key(&self) -> Result<&SigningKey, Error> {
        self.prepare(Needs::Key)?;
        Ok(self.connection.parts.key.get().expect("prepared"))
    }

    /// The intermediary client, built on first use.
    fn intermediary(&self) -> Result<&Intermediary, Error> {
        self.prepare(Needs::Client)?;
        Ok(self.connection.parts.intermediary.get().expect("prepared"))
    }

    /// Builds what `needs` asks for and is not built yet, with one password
    /// look-up for all of it.
    fn prepare(&self, needs: Needs) -> Result<(), Error> {
        let parts = &self.connection.parts;
        let key_missing = needs != Needs::Client && parts.key.get().is_none();
        let client_missing = needs != Needs::Key && parts.intermediary.get().is_none();
        if !key_missing && !client_missing {
            return Ok(());
        }
        let password: Option<Password> = if self.profile.certificate().needs_password() {
            Some(self.keyring.password(&self.profile)?.0)
        } else {
            None
        };
        if key_missing {
            let key = self.profile.signing_key(password.as_ref())?;
            let _ = parts.key.set(key);
        }
        if client_missing {
            let intermediary = self.profile.intermediary(password.as_ref())?;
            let (operators, seal_key) = self.direct_parts(password.as_ref())?;
            let _ = parts.intermediary.set(intermediary);
            let _ = parts.operators.set(operators);
            let _ = parts.seal_key.set(seal_key);
        }
        Ok(())
    }

    /// In direct mode, the operators' client and (with its own `[seal]`
    /// certificate, whose password has its own keyring entry) the key that
    /// seals; `password` is the organisation certificate's.
    fn direct_parts(
        &self,
        password: Option<&Password>,
    ) -> Result<(Option<Operators>, Option<SigningKey>), Error> {
        let Some(own_seal) = self.profile.own_seal() else {
            return Ok((self.profile.operators(password)?, None));
        };
        let seal_password = if own_seal.needs_password() {
            Some(
                self.keyring
                    .password_for(&self.profile, CertificateRole::Seal)?
                    .0,
            )
        } else {
            None
        };
        let operators = self.profile.operators(seal_password.as_ref())?;
        let seal_key = self.profile.seal_key(seal_password.as_ref())?;
        Ok((operators, Some(seal_key)))
    }

    /// Validates a draft without sending anything.
    pub fn validate(&self, draft: &Draft) -> Result<Outgoing, Error> {
        Ok(Outgoing::from_draft(draft, &self.profile, self.today())?)
    }

    /// Looks recipients up (at most 1000): each input is parsed, the valid
    /// ones are asked about in one call.
    pub fn check(&self, inputs: &[String]) -> Result<Vec<CheckOutcome>, Error> {
        check_recipients(self.intermediary()?, &self.profile, inputs, self.today())
    }

    /// Builds and signs the standalone `SignedDelivery` of a draft without
    /// storing or sending it (`kuvert send --dry-run`). An event message
    /// names the event it would follow if it were sent now, exactly as
    /// [`Kuvert::send`] would (a read-only look-up: a dry run stores nothing,
    /// so two dry runs name the same predecessor).
    pub fn sign_only(&self, draft: &Draft) -> Result<Vec<u8>, Error> {
        let outgoing = self.validate(draft)?;
        let preceding = self.preceding_event(&outgoing, |case, recipient| {
            self.store.latest_event(case, recipient)
        })?;
        Ok(self.sign(&outgoing, preceding, self.clock.now())?.xml)
    }

    /// The `PrecedingEventId` of an event message: the id of the latest
    /// event in its case to its recipient that `latest` finds (see
    /// [`Store::latest_event`]); `None` for an ordinary message or the
    /// case's first event.
    fn preceding_event(
        &self,
        outgoing: &Outgoing,
        latest: impl FnOnce(
            &CaseNumber,
            &RecipientId,
        ) -> Result<Option<Message>, kuvert_store::StoreError>,
    ) -> Result<Option<MessageId>, Error> {
        match (outgoing.event(), outgoing.case_number()) {
            (Some(_), Some(case)) => {
                Ok(latest(case, outgoing.recipient())?.map(|previous| previous.content.message_id))
            }
            _ => Ok(None),
        }
    }

    /// The thread of the case whose diarienummer an officer typed
    /// (`kuvert thread DNR`): every event message in it, to any recipient
    /// and in any state, oldest first ([`Store::case_events`]).
    pub fn case_thread(&self, case_number: &str) -> Result<Vec<Message>, Error> {
        let case = CaseNumber::new(case_number.trim()).map_err(|e| Error::InvalidInput {
            field: "case number",
            reason: e.to_string(),
        })?;
        Ok(self.store.case_events(&case)?)
    }

    /// The thread `message` is part of when it is an event message (its
    /// case's events, oldest first, itself among them); empty for an
    /// ordinary message.
    pub fn thread_of(&self, message: &Message) -> Result<Vec<Message>, Error> {
        match (&message.content.event, &message.content.case_number) {
            (Some(_), Some(case)) => Ok(self.store.case_events(case)?),
            _ => Ok(Vec::new()),
        }
    }

    /// Signs `outgoing` with new ids; an event message follows `preceding`
    /// and is dated `now`.
    fn sign(
        &self,
        outgoing: &Outgoing,
        preceding: Option<MessageId>,
        now: OffsetDateTime,
    ) -> Result<Signed, Error> {
        let id = || {
            MessageId::new(&self.ids.new_id()).map_err(|e| Error::InvalidInput {
                field: "message id",
                reason: e.to_string(),
            })
        };
        let (message_id, correlation_id) = (id()?, id()?);
        let delivery = outgoing.to_delivery(
            message_id.clone(),
            correlation_id.clone(),
            calendar_date(now),
            preceding.clone(),
        );
        let xml = delivery.sign(self.signing_key()?)?;
        Ok(Signed {
            xml,
            message_id,
            correlation_id,
            preceding,
        })
    }

    /// Sends a draft: validates it, signs it, stores it (before any network
    /// call), checks the recipient and submits it, or records it as sent on
    /// paper when the recipient cannot receive digital mail.
    ///
    /// An event message names as its `PrecedingEventId` the latest event in
    /// its case to its recipient that is not Failed or on Paper
    /// ([`Store::latest_event`]). The look-up, the signing (the signature
    /// covers the link) and the storing are one write transaction, which
    /// holds the store's write lock throughout: two sends in one case, from
    /// this process or another, cannot both follow the same event. The time
    /// the message is stored with is read inside it too, so the latest
    /// event is also the last one in the sent log's order.
    ///
    /// Errors are for what prevented storing the message (invalid input,
    /// configuration); once stored, the outcome is a [`SendReport`].
    ///
    /// A message whose signed delivery as sent (the SOAP envelope) is over
    /// the profile's `rules.max_envelope_bytes` is refused with
    /// [`ProblemKind::EnvelopeTooLarge`](crate::compose::ProblemKind) before
    /// anything is stored; [`Kuvert::envelope_size`] tells beforehand.
    pub fn send(&self, draft: &Draft) -> Result<SendReport, Error> {
        self.send_and_remove(draft, None, Channel::Digital)
    }

    /// Records a draft as sent on paper without trying the digital route
    /// (the officer's choice, e.g. for a message too large for the
    /// intermediary): validated (the attachment limits that exist for the
    /// envelope do not apply, [`Limits::UNENVELOPED`] does), signed and
    /// stored as [`Kuvert::send`] does, then recorded as sent on paper with
    /// its letter, with no call to the intermediary.
    pub fn send_on_paper(&self, draft: &Draft) -> Result<SendReport, Error> {
        self.send_and_remove(draft, None, Channel::Paper)
    }

    /// The size of `draft` as it would be sent now, against the limit: the
    /// draft is validated (its attachments as large as they are, up to
    /// [`Limits::UNENVELOPED`]), signed with new ids and wrapped in the
    /// SOAP envelope it would be sent in, which is measured. Nothing is
    /// stored.
    pub fn envelope_size(&self, draft: &Draft) -> Result<EnvelopeSize, Error> {
        let outgoing =
            Outgoing::from_draft_within(draft, &self.profile, self.today(), Limits::UNENVELOPED)?;
        let preceding = self.preceding_event(&outgoing, |case, recipient| {
            self.store.latest_event(case, recipient)
        })?;
        let signed = self.sign(&outgoing, preceding, self.clock.now())?;
        self.measure(&signed.xml)
    }

    /// The envelope that carries `signed_xml`, against the profile's limit.
    fn measure(&self, signed_xml: &[u8]) -> Result<EnvelopeSize, Error> {
        let bytes = envelope_bytes(signed_xml).map_err(|e| Error::InvalidInput {
            field: "signed delivery",
            reason: e.to_string(),
        })?;
        Ok(EnvelopeSize {
            bytes,
            max: self.profile.rules().max_envelope_bytes,
        })
    }

    /// As [`Kuvert::send`] or [`Kuvert::send_on_paper`]; the saved draft
    /// `sent_from`, if any, is deleted in the transaction that stores the
    /// message.
    fn send_and_remove(
        &self,
        draft: &Draft,
        sent_from: Option<&SentFrom>,
        channel: Channel,
    ) -> Result<SendReport, Error> {
        if let Some(failed) = sent_from.and_then(|d| d.follows_up.as_ref()) {
            // Told plainly before anything is signed; the store refuses it
            // again in the transaction.
            self.followable(failed)?;
        }
        let outgoing = match channel {
            Channel::Digital => self.validate(draft)?,
            Channel::Paper => Outgoing::from_draft_within(
                draft,
                &self.profile,
                self.today(),
                Limits::UNENVELOPED,
            )?,
        };
        let officer = self.officer()?;
        // Key and client both, with one password look-up (before the write
        // below takes the lock); on paper, no call is made.
        self.prepare(match channel {
            Channel::Digital => Needs::KeyAndClient,
            Channel::Paper => Needs::Key,
        })?;
        // The message as a document, made now and kept: the filing package
        // and a paper letter are these bytes, whenever they are asked for.
        let document = Letter::from_outgoing(&outgoing, self.today())
            .to_pdf(self.profile.rules().pdf_profile)?;
        let message_id = self.store.batch_as(|batch| {
            let now = self.clock.now();
            let preceding = self.preceding_event(&outgoing, |case, recipient| {
                batch.latest_event(case, recipient)
            })?;
            let signed = self.sign(&outgoing, preceding, now)?;
            if channel == Channel::Digital {
                // Refused before anything is stored: the transaction is
                // rolled back, the draft stays.
                let size = self.measure(&signed.xml)?;
                if !size.fits() {
                    return Err(Error::Compose(size.problem()));
                }
            }
            let mut record = self.stored_form(draft, &outgoing, &signed, officer);
            record.document = Some(document.clone());
            let message_id = signed.message_id;
            batch.enqueue(&record, now)?;
            let step = lifecycle::signed(signed.xml);
            batch.transition(&message_id, step.from(), step.next(), now)?;
            if channel == Channel::Paper {
                // The officer's choice is recorded with the message itself:
                // no moment where it waits in the Outbox, where a worker
                // would send it digitally.
                let letter = PaperLetter::Pdf(document.clone());
                let step = lifecycle::on_paper(step.to(), letter)?;
                batch.transition(&message_id, step.from(), step.next(), now)?;
            }
            if let Some(from) = sent_from {
                if let Some(failed) = &from.follows_up {
                    batch.record_follow_up(
                        failed,
                        &kuvert_store::FollowUp::SentAgain(message_id.clone()),
                        now,
                    )?;
                }
                batch.delete_draft(from.draft)?;
            }
            Ok::<_, Error>(message_id)
        })?;
        self.checkpoints
            .reached(Checkpoint::Stored, message_id.as_str());
        if channel == Channel::Paper {
            return Ok(SendReport::Paper {
                message_id,
                reason_swedish: "Handläggaren valde att skicka meddelandet med post.".into(),
                reason_english: "The officer chose to send the message on paper.".into(),
                letter_pdf: document,
            });
        }
        // From here the message is stored: whatever fails now leaves it in
        // the Outbox, possibly already with the intermediary.
        let unfinished = |cause: Error| Error::Unfinished {
            message_id: message_id.to_string(),
            cause: Box::new(cause),
        };
        let lock = self.outbox_lock(true).map_err(unfinished)?;
        let report = self.deliver(&message_id).map_err(unfinished);
        drop(lock);
        report
    }

    /// The message as the store keeps it: the validated values, typed, with
    /// the ids the delivery was signed with, and which attachments of
    /// `draft` were compressed from what.
    fn stored_form(
        &self,
        draft: &Draft,
        outgoing: &Outgoing,
        signed: &Signed,
        officer: Officer,
    ) -> OutgoingMessage {
        OutgoingMessage {
            content: outgoing.content(
                self.profile.name(),
                signed.message_id.clone(),
                signed.correlation_id.clone(),
                signed.preceding.clone(),
                officer,
            ),
            attachments: outgoing
                .attachments()
                .iter()
                .map(|a| OutgoingAttachment {
                    name: a.filename().to_string(),
                    content_type: a.content_type().as_str().to_string(),
                    bytes: a.bytes().to_vec(),
                    // Validation keeps the names (trimmed) and the order.
                    compressed_from: draft
                        .attachments
                        .iter()
                        .find(|f| f.file_name.trim() == a.filename())
                        .and_then(|f| f.compressed_from.clone()),
                })
                .collect(),
            document: None,
        }
    }

    /// Holds the Outbox for this process; released when dropped or when the
    /// process dies, however it dies. `wait` blocks for another holder,
    /// otherwise `None` means another process has it.
    fn outbox_lock(&self, wait: bool) -> Result<Option<File>, Error> {
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)
            .map_err(Error::file(&self.lock_path))?;
        if wait {
            file.lock().map_err(Error::file(&self.lock_path))?;
            return Ok(Some(file));
        }
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::file(&self.lock_path)(e)),
        }
    }

    /// In direct mode, what Kuvert's own förmedling needs: the operators'
    /// client and the key that seals (`[seal]`'s, or else the
    /// organisation's, as it signs).
    fn direct(&self) -> Result<Option<Direct<'_>>, Error> {
        if !matches!(self.profile.mode(), ServiceMode::Direct { .. }) {
            return Ok(None);
        }
        self.prepare(Needs::KeyAndClient)?;
        let parts = &self.connection.parts;
        let seal_key = match parts.seal_key.get() {
            Some(Some(own)) => Some(own),
            _ => parts.key.get(),
        };
        Ok(parts
            .operators
            .get()
            .and_then(Option::as_ref)
            .zip(seal_key)
            .map(|(operators, seal_key)| Direct {
                operators,
                seal_key,
            }))
    }

    /// The send pipeline over this handle's store.
    fn pipeline<'a>(
        &'a self,
        intermediary: &'a Intermediary,
        direct: Option<Direct<'a>>,
    ) -> Pipeline<'a> {
        Pipeline {
            profile: &self.profile,
            ledger: &self.store,
            intermediary,
            direct,
            clock: self.clock.as_ref(),
            checkpoints: self.checkpoints.as_ref(),
            policy: &self.policy,
        }
    }

    /// Checks the recipient of a Signed message and submits it.
    fn deliver(&self, message_id: &MessageId) -> Result<SendReport, Error> {
        let message = self.message(message_id)?;
        if message.state != SendState::Signed {
            return Ok(pipeline::report_for(&message));
        }
        let direct = self.direct()?;
        self.pipeline(self.intermediary()?, direct)
            .deliver(message_id)
    }

    /// The letter as it was stored when the message was recorded as sent on
    /// paper (the very PDF that was printed, not a new one with today's
    /// date).
    pub fn stored_letter(&self, message_id: &MessageId) -> Result<Vec<u8>, Error> {
        self.store
            .paper_letter(message_id)?
            .and_then(|record| record.pdf)
            .ok_or_else(|| Error::MessageNotFound(format!("the paper letter of {message_id}")))
    }

    /// What to print for a message sent on paper: its stored letter, then
    /// the pages of each PDF attachment, as one file (one print job). An
    /// attachment that cannot be read is named in
    /// [`PrintFile::left_out`](crate::pdf::PrintFile), to print separately.
    pub fn print_file(&self, message_id: &MessageId) -> Result<crate::pdf::PrintFile, Error> {
        let letter = self.stored_letter(message_id)?;
        let message = self.message(message_id)?;
        let mut pdfs = Vec::new();
        for a in message
            .attachments
            .iter()
            .filter(|a| a.content_type == "application/pdf")
        {
            pdfs.push((a.name.as_str(), self.attachment_bytes(message_id, a)?));
        }
        let appendices: Vec<crate::pdf::Appendix<'_>> = pdfs
            .iter()
            .map(|(file_name, bytes)| crate::pdf::Appendix { file_name, bytes })
            .collect();
        Ok(crate::pdf::print_file(&letter, &appendices)?)
    }

    /// The print-ready letter of a stored message.
    pub fn letter(&self, message: &Message) -> Result<Letter, Error> {
        Ok(pipeline::letter(&self.profile, message))
    }

    /// The message's document as it was made when it was sent; for a message
    /// from before Kuvert kept one, made again from what was stored, dated
    /// the day it was sent (so the same bytes every time).
    pub fn message_document(&self, message: &Message) -> Result<Vec<u8>, Error> {
        match self.store.message_document(&message.content.message_id)? {
            Some(pdf) => Ok(pdf),
            None => Ok(self
                .letter(message)?
                .to_pdf(self.profile.rules().pdf_profile)?),
        }
    }

    /// Works through the Outbox: submits every message whose (next) attempt
    /// is due and refreshes the status of every submitted one that is due.
    /// Returns one report per message acted on; an empty list when another
    /// process holds the Outbox.
    pub fn process_outbox(&self) -> Result<Vec<SendReport>, Error> {
        let Some(lock) = self.outbox_lock(false)? else {
            return Ok(Vec::new());
        };
        let now = self.clock.now();
        let mut reports = Vec::new();
        for message in self.store.due(now)? {
            if message.state == SendState::Queued {
                // Queued and Signed are stored in one transaction, so a
                // Queued message was never signed: it cannot be resumed.
                let step =
                    lifecycle::failed(SendState::Queued, "the message was never signed".into())?;
                self.persist(&message.content.message_id, &step)?;
                continue;
            }
            reports.push(self.deliver(&message.content.message_id)?);
        }
        for message in self.store.awaiting_status(now)? {
            match self.refresh(&message) {
                Ok(refreshed) => reports.push(pipeline::report_for(&refreshed)),
                // One status that cannot be fetched must not stop the rest;
                // it is asked again at the next interval.
                Err(error @ Error::Call(_)) => {
                    tracing::warn!(message_id = %message.content.message_id, %error, "status check failed");
                    self.store.reschedule(
                        &message.content.message_id,
                        Some(now + self.policy.status_interval),
                    )?;
                }
                Err(error) => return Err(error),
            }
        }
        drop(lock);
        Ok(reports)
    }

    /// Asks the intermediary for the status of a submitted message now and
    /// records any change.
    ///
    /// A message whose outcome is unknown (in the Outbox after a delivery
    /// the intermediary may hold) is checked the one way the intermediary
    /// allows: by resubmitting it now, with the same ids and bytes, which it
    /// recognises — never by a new send. When the answer still does not
    /// say, the attempt is recorded and [`Error::StillUnknown`] returned.
    /// While another process holds the Outbox, the message is returned as
    /// it is: that process is at it.
    pub fn refresh_status(&self, message_id: &MessageId) -> Result<Message, Error> {
        let message = self.message(message_id)?;
        let unknown = message
            .last_failure
            .as_ref()
            .is_some_and(|f| f.code == lifecycle::OUTCOME_UNKNOWN);
        if message.state == SendState::Signed && unknown {
            let Some(lock) = self.outbox_lock(false)? else {
                return Ok(message);
            };
            let report = self.deliver(message_id)?;
            drop(lock);
            if let SendReport::Retrying { reason, .. } = report {
                return Err(Error::StillUnknown {
                    message_id: message_id.to_string(),
                    reason,
                });
            }
            return self.message(message_id);
        }
        self.refresh(&message)
    }

    fn refresh(&self, message: &Message) -> Result<Message, Error> {
        if !matches!(message.state, SendState::Submitted | SendState::Pending)
            || message.distribution_id.is_none()
        {
            return Ok(message.clone());
        }
        let direct = self.direct()?;
        self.pipeline(self.intermediary()?, direct).refresh(message)
    }

    /// Persists a move of the lifecycle (compare-and-set on its start).
    fn persist(&self, message_id: &MessageId, step: &Step) -> Result<(), Error> {
        Ok(self
            .store
            .transition(message_id, step.from(), step.next(), self.clock.now())?)
    }

    /// One stored message.
    pub fn message(&self, message_id: &MessageId) -> Result<Message, Error> {
        self.store
            .message(message_id)?
            .ok_or_else(|| Error::MessageNotFound(message_id.to_string()))
    }

    /// The status history of one message, oldest first.
    pub fn history(&self, message_id: &MessageId) -> Result<Vec<StatusEvent>, Error> {
        Ok(self.store.status_history(message_id)?)
    }

    /// Searches the sent log.
    pub fn log(&self, query: &SentLogQuery) -> Result<Vec<SentSummary>, Error> {
        Ok(self.store.search(query)?)
    }

    /// Checks the sent log's hash chain in full, or only what was added
    /// since the latest checkpoint (see [`kuvert_store::ChainScope`]); an
    /// intact chain gets a checkpoint at its end.
    pub fn verify_log(&self, scope: ChainScope) -> Result<ChainCheck, Error> {
        Ok(self.store.check_chain(scope, self.clock.now())?)
    }

    /// Retention purge of messages final for more than `older_than_days`,
    /// as the organisation's rule allows and by an officer it names
    /// ([`crate::retention`]); each case type's messages are kept as long as
    /// its own rule says. A dry run is checked the same way.
    pub fn purge(&self, older_than_days: u32, dry_run: bool) -> Result<PurgeReport, Error> {
        let now = self.clock.now();
        let order = crate::retention::order(&self.profile, &self.officer()?, older_than_days, now)?;
        Ok(self.store.purge(&order, dry_run, now)?)
    }

    /// Every purge recorded in the sent log, oldest first.
    pub fn purges(&self) -> Result<Vec<PurgeRecord>, Error> {
        Ok(self.store.purges()?)
    }

    /// The current time per the application's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}

/// The Swedish calendar date of `at` (Europe/Stockholm: just after midnight
/// in Sweden it is already the new day, whatever UTC says); a clock before
/// year 1 (which `time` can represent but no real clock shows) gives
/// 0001-01-01.
pub fn calendar_date(at: OffsetDateTime) -> CalendarDate {
    CalendarDate::try_from(crate::local_time::LocalTime::of(at).date())
        .unwrap_or(CalendarDate::FIRST)
}
