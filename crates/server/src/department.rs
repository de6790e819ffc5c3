//! [`Department`]: what the API and the worker share — the database, the
//! organisation's profile, its signing key and intermediary client — and
//! the operations they call: submit a message, read the log as a caller,
//! work on the Outbox.

use std::time::Duration;

use kuvert_core::compose::{Draft, Outgoing};
use kuvert_core::department::wire::{
    Accepted, HistoryLine, MessageView, RecipientAnswer, Submission,
};
use kuvert_core::lifecycle::RetryPolicy;
use kuvert_core::pdf::letter::Letter;
use kuvert_core::pipeline::{Ledger, Pipeline};
use kuvert_core::profile::Profile;
use kuvert_core::seams::{Clock, NoCheckpoints, SystemClock};
use kuvert_core::{Folder, Message, MessageId, Officer, SendState};
use kuvert_protocol::dsig::SigningKey;
use kuvert_transport::Intermediary;

use crate::chain::{self, ChainKey, ChainReport};
use crate::db::{act_as, Database, DbError, During};
use crate::export;
use crate::filing;
use crate::ledger::DepartmentLedger;
use crate::messages::{self, NewMessage, Stored};
use crate::staff::{Caller, Role};

/// The advisory lock (per case) under which an event message's predecessor
/// is looked up and the message stored, so two events in one case cannot
/// both follow the same one.
const EVENT_LOCK: i32 = 0x6b76;

/// Why a request was refused or failed, as the API answers it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The message is not valid (every problem, in Swedish).
    #[error("Meddelandet kan inte skickas: {}", problems.join(" "))]
    Invalid {
        /// Each problem.
        problems: Vec<String>,
    },
    /// No such message for this caller (an officer asking for another's
    /// message is told the same: nothing leaks whether it exists).
    #[error("Meddelandet finns inte.")]
    NotFound,
    /// The caller's role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// The certificate is valid but its holder is not in the staff table.
    #[error(
        "Du finns inte bland organisationens handläggare i Kuvert ({0}). Be IT lägga till dig."
    )]
    UnknownCaller(String),
    /// The database failed or is down; nothing was stored.
    #[error("Kuverts server kan inte nå sin databas just nu. Inget har sparats; försök igen om en stund.")]
    Unavailable(#[source] DbError),
    /// The intermediary (FaR) did not answer the server.
    #[error("Förmedlaren svarade inte Kuverts server ({0}). Försök igen om en stund.")]
    Intermediary(String),
    /// Something Kuvert did not expect.
    #[error("Kuverts server kunde inte göra det: {0}")]
    Internal(String),
}

impl From<DbError> for Refusal {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Unavailable { .. } => Refusal::Unavailable(error),
            other => Refusal::Internal(other.to_string()),
        }
    }
}

impl Refusal {
    /// The API's code for it.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Invalid { .. } => "invalid_input",
            Refusal::NotFound => "not_found",
            Refusal::Forbidden(_) => "forbidden",
            Refusal::UnknownCaller(_) => "unknown_caller",
            Refusal::Unavailable(_) | Refusal::Intermediary(_) => "unavailable",
            Refusal::Internal(_) => "internal",
        }
    }
}

/// The department: one organisation's log, Outbox and sending.
pub struct Department {
    db: Database,
    profile: Profile,
    key: SigningKey,
    intermediary: Intermediary,
    policy: RetryPolicy,
    clock: Box<dyn Clock>,
    instance: String,
    lease: Duration,
    /// What the log's chain is keyed with.
    chain_key: ChainKey,
    /// The ids of messages whose history grew (any instance's), for
    /// `GET /v1/events`; an empty id says some may have been missed.
    changes: tokio::sync::broadcast::Sender<String>,
}

/// How many announced changes a slow event stream may fall behind before it
/// is told to read its folders again.
const CHANGES_KEPT: usize = 1024;

impl std::fmt::Debug for Department {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Department")
            .field("profile", &self.profile.name())
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl Department {
    /// The department over `db`, sending for `profile` with `key` through
    /// `intermediary`, its log's chain keyed with `chain_key`; `instance`
    /// names this server in the Outbox's leases.
    pub fn new(
        db: Database,
        profile: Profile,
        key: SigningKey,
        intermediary: Intermediary,
        chain_key: ChainKey,
        instance: String,
        lease: Duration,
    ) -> Self {
        Department {
            db,
            profile,
            key,
            intermediary,
            policy: RetryPolicy::default(),
            clock: Box::new(SystemClock),
            instance,
            lease,
            chain_key,
            changes: tokio::sync::broadcast::channel(CHANGES_KEPT).0,
        }
    }

    /// Tells the event streams that `message_id`'s history grew.
    pub fn announce(&self, message_id: &str) {
        // No subscriber: nobody to tell.
        let _ = self.changes.send(message_id.to_string());
    }

    /// Tells the event streams that changes may have been missed (the
    /// notifications were lost for a while).
    pub fn announce_gap(&self) {
        let _ = self.changes.send(String::new());
    }

    /// The changes announced from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// Retries and polls statuses per `policy`.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Who `identity` is, per the staff table.
    ///
    /// # Errors
    ///
    /// [`Refusal::UnknownCaller`] when they are not in it.
    pub fn caller(&self, identity: &str) -> Result<Caller, Refusal> {
        match self.db.staff_member(identity)? {
            Some(member) => Ok(Caller { member }),
            None => Err(Refusal::UnknownCaller(identity.to_string())),
        }
    }

    /// Stores a submitted message, signed with the organisation
    /// certificate, in the Outbox; the worker sends it. The same submission
    /// id again returns the stored message.
    ///
    /// # Errors
    ///
    /// [`Refusal::Invalid`] with every problem (the core's rules, run again
    /// here); [`Refusal::Forbidden`] for a caller who is not an officer;
    /// [`Refusal::Unavailable`] when nothing could be stored.
    pub fn submit(&self, caller: &Caller, submission: &Submission) -> Result<Accepted, Refusal> {
        if caller.role() != Role::Officer {
            return Err(Refusal::Forbidden(
                "Bara handläggare skickar meddelanden i Kuvert.".into(),
            ));
        }
        if submission.submission_id.trim().is_empty() || submission.submission_id.len() > 100 {
            return Err(Refusal::Invalid {
                problems: vec!["Inlämningens id saknas eller är för långt.".into()],
            });
        }
        if let Some(found) = self.find_submission(caller, &submission.submission_id)? {
            return Ok(found);
        }
        let draft: Draft = submission.to_draft().map_err(|reason| Refusal::Invalid {
            problems: vec![reason],
        })?;
        let now = self.clock.now();
        let today = kuvert_core::app::calendar_date(now);
        let outgoing =
            Outgoing::from_draft(&draft, &self.profile, today).map_err(|e| Refusal::Invalid {
                problems: e
                    .problems()
                    .iter()
                    .map(|p| format!("{}: {}", p.field.swedish(), p.swedish()))
                    .collect(),
            })?;
        let document = Letter::from_outgoing(&outgoing, today)
            .to_pdf(self.profile.rules().pdf_profile)
            .map_err(|e| Refusal::Internal(e.to_string()))?;
        let result = self.db.as_caller(caller, |tx| {
            let preceding = self.preceding_event(tx, &outgoing)?;
            let (message_id, correlation_id) = (new_id(), new_id());
            let xml = outgoing
                .to_delivery(
                    message_id.clone(),
                    correlation_id.clone(),
                    today,
                    preceding.clone(),
                )
                .sign(&self.key)
                .map_err(|e| Refusal::Internal(e.to_string()))?;
            // The organisation's envelope limit, measured on what will be
            // sent, as on a desktop: refused before anything is stored.
            let size = kuvert_core::compose::envelope::EnvelopeSize {
                bytes: kuvert_core::compose::envelope::envelope_bytes(&xml)
                    .map_err(|e| Refusal::Internal(e.to_string()))?,
                max: self.profile.rules().max_envelope_bytes,
            };
            if !size.fits() {
                return Err(Refusal::Invalid {
                    problems: size
                        .problem()
                        .problems()
                        .iter()
                        .map(|p| format!("{}: {}", p.field.swedish(), p.swedish()))
                        .collect(),
                });
            }
            let content = outgoing.content(
                self.profile.name(),
                message_id.clone(),
                correlation_id,
                preceding,
                Officer {
                    account: caller.identity().to_string(),
                    name: caller.member.name.clone(),
                },
            );
            let attachments = outgoing
                .attachments()
                .iter()
                .map(|a| (a.filename(), a.content_type().as_str(), a.bytes()))
                .collect();
            messages::insert(
                tx,
                &NewMessage {
                    content: &content,
                    submission_id: &submission.submission_id,
                    officer: caller.identity(),
                    unit: caller.member.unit.as_deref(),
                    attachments,
                    signed_xml: &xml,
                    document: &document,
                    at: now,
                },
            )?;
            // The history line and its chain entry are the service's to write.
            act_as(tx, None)?;
            messages::add_history(
                tx,
                &self.chain_key,
                message_id.as_str(),
                now,
                "enqueued",
                SendState::Signed,
                None,
            )?;
            tx.execute(
                "SELECT pg_notify('kuvert_outbox', $1)",
                &[&message_id.as_str()],
            )
            .during("waking the worker")?;
            Ok(Accepted {
                message_id: message_id.as_str().to_string(),
                state: SendState::Signed.as_str().to_string(),
                created: true,
            })
        });
        match result {
            // Two hand-overs of one submission at once: the second finds the first.
            Err(Refusal::Internal(_)) | Err(Refusal::Unavailable(_))
                if self
                    .find_submission(caller, &submission.submission_id)
                    .ok()
                    .flatten()
                    .is_some() =>
            {
                Ok(self
                    .find_submission(caller, &submission.submission_id)?
                    .expect("just found"))
            }
            other => other,
        }
    }

    fn find_submission(
        &self,
        caller: &Caller,
        submission_id: &str,
    ) -> Result<Option<Accepted>, Refusal> {
        Ok(self
            .db
            .as_caller(caller, |tx| {
                messages::by_submission(tx, caller.identity(), submission_id)
            })?
            .map(|(message_id, state)| Accepted {
                message_id,
                state,
                created: false,
            }))
    }

    /// The latest event in the case to the recipient that an event message
    /// follows, looked up under the case's lock.
    fn preceding_event(
        &self,
        tx: &mut postgres::Transaction<'_>,
        outgoing: &Outgoing,
    ) -> Result<Option<MessageId>, Refusal> {
        let (Some(_), Some(case)) = (outgoing.event(), outgoing.case_number()) else {
            return Ok(None);
        };
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&EVENT_LOCK, &case.as_str()],
        )
        .during("locking the case")?;
        // As the service: the case's events may be another officer's.
        act_as(tx, None)?;
        let found: Option<String> = tx
            .query_opt(
                "SELECT id FROM messages WHERE case_number = $1 AND recipient = $2
                   AND event_status IS NOT NULL AND state NOT IN ('failed', 'paper')
                 ORDER BY seq DESC LIMIT 1",
                &[&case.as_str(), &outgoing.recipient().as_str()],
            )
            .during("finding the case's latest event")?
            .map(|r| r.get(0));
        Ok(found.and_then(|id| MessageId::new(&id).ok()))
    }

    /// One message, if the caller may read it.
    ///
    /// # Errors
    ///
    /// [`Refusal::NotFound`] when there is none the caller may read.
    pub fn message(&self, caller: &Caller, message_id: &str) -> Result<MessageView, Refusal> {
        let found = self
            .db
            .as_caller(caller, |tx| self.visible(tx, caller, message_id))?;
        found.map(|s| messages::view(&s)).ok_or(Refusal::NotFound)
    }

    /// A message's history, if the caller may read the message.
    ///
    /// # Errors
    ///
    /// As [`Department::message`].
    pub fn history(&self, caller: &Caller, message_id: &str) -> Result<Vec<HistoryLine>, Refusal> {
        self.db.as_caller(caller, |tx| {
            if self.visible(tx, caller, message_id)?.is_none() {
                return Err(Refusal::NotFound);
            }
            Ok(messages::history(tx, message_id)?)
        })
    }

    /// The server's own check of who reads what (row-level security checks
    /// the same again underneath).
    fn visible(
        &self,
        tx: &mut postgres::Transaction<'_>,
        caller: &Caller,
        message_id: &str,
    ) -> Result<Option<Stored>, DbError> {
        let found = messages::load(tx, message_id)?;
        Ok(found.filter(|s| may_read(caller, s)))
    }

    /// The log the caller may read, newest first.
    ///
    /// # Errors
    ///
    /// [`Refusal::Unavailable`].
    pub fn log(
        &self,
        caller: &Caller,
        text: Option<&str>,
        limit: u32,
    ) -> Result<Vec<MessageView>, Refusal> {
        let limit = i64::from(limit.clamp(1, 5000));
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        let found = self.db.as_caller(caller, |tx| match text {
            Some(text) => Self::search(tx, text, limit),
            None => messages::load_where(tx, "true", &[], limit),
        })?;
        Ok(found
            .iter()
            .filter(|s| may_read(caller, s))
            .map(messages::view)
            .collect())
    }

    /// Whether recipients can receive secure digital mail, asked of FaR
    /// with the organisation's certificate (staff who send: officers).
    ///
    /// # Errors
    ///
    /// [`Refusal::Forbidden`] for others, [`Refusal::Invalid`] for more
    /// than 1000, [`Refusal::Intermediary`] when FaR did not answer.
    pub fn check_recipients(
        &self,
        caller: &Caller,
        inputs: &[String],
    ) -> Result<Vec<RecipientAnswer>, Refusal> {
        if caller.role() != Role::Officer {
            return Err(Refusal::Forbidden(
                "Bara handläggare skickar meddelanden och slår upp mottagare.".into(),
            ));
        }
        if inputs.len() > 1000 {
            return Err(Refusal::Invalid {
                problems: vec!["Högst 1000 mottagare åt gången.".into()],
            });
        }
        let today = kuvert_core::app::calendar_date(self.clock.now());
        let outcomes =
            kuvert_core::app::check_recipients(&self.intermediary, &self.profile, inputs, today)
                .map_err(|e| Refusal::Intermediary(e.to_string()))?;
        Ok(outcomes.into_iter().map(RecipientAnswer::of).collect())
    }

    /// The messages of one of the officer's folders the caller may read,
    /// newest first (at most [`kuvert_core::FOLDER_LIMIT`]), as the desktop's
    /// folders hold them; a Failed message says whether it was followed up.
    ///
    /// # Errors
    ///
    /// [`Refusal::Unavailable`].
    pub fn folder(&self, caller: &Caller, folder: Folder) -> Result<Vec<MessageView>, Refusal> {
        let condition = match folder {
            Folder::Outbox => "state IN ('queued', 'signed')",
            Folder::NeedsAttention => {
                "state IN ('queued', 'signed') AND last_error_code IS NOT NULL"
            }
            Folder::Sent => "state IN ('submitted', 'pending', 'delivered')",
            Folder::Paper => "state = 'paper'",
            Folder::Failed => "state = 'failed'",
        };
        let (found, followed_up) = self.db.as_caller(caller, |tx| {
            let found =
                messages::load_where(tx, condition, &[], i64::from(kuvert_core::FOLDER_LIMIT))?;
            let followed_up: std::collections::HashSet<String> = if folder == Folder::Failed {
                let ids: Vec<&str> = found
                    .iter()
                    .map(|s| s.message.content.message_id.as_str())
                    .collect();
                tx.query(
                    "SELECT DISTINCT message_id FROM history
                     WHERE message_id = ANY ($1) AND kind IN ('handled_outside', 'sent_again')",
                    &[&ids],
                )
                .during("reading follow-ups")?
                .iter()
                .map(|r| r.get(0))
                .collect()
            } else {
                std::collections::HashSet::new()
            };
            Ok::<_, DbError>((found, followed_up))
        })?;
        Ok(found
            .iter()
            .filter(|s| may_read(caller, s))
            .map(|s| MessageView {
                followed_up: followed_up.contains(s.message.content.message_id.as_str()),
                ..messages::view(s)
            })
            .collect())
    }

    /// How many of the caller's newest messages a search reads before it asks
    /// the trigram index.
    const RECENT_FIRST: i64 = 5000;

    /// The caller's messages whose search text (subject, recipient,
    /// diarienummer, officer, body; migration 0003) contains `text`, newest
    /// first. Most searches are for recent cases, and a word that is common
    /// fills a page from the newest messages at once, so the newest
    /// [`Self::RECENT_FIRST`] are read first; when they do not fill the
    /// page, the trigram index finds every match.
    fn search(
        tx: &mut postgres::Transaction<'_>,
        text: &str,
        limit: i64,
    ) -> Result<Vec<Stored>, DbError> {
        let pattern = messages::contains_pattern(text);
        let recent = messages::load_from(
            tx,
            &format!(
                "(SELECT * FROM messages ORDER BY seq DESC LIMIT {})",
                Self::RECENT_FIRST
            ),
            "search_text ILIKE $1",
            &[&pattern],
            limit,
        )?;
        if recent.len() as i64 >= limit || text.chars().count() < 3 {
            // A page full, or too short for trigrams (the recent ones only:
            // one or two letters match nearly everything).
            return Ok(recent);
        }
        // kuvert_search (migration 0003) asks the trigram index.
        let max_rows = i32::try_from(limit).unwrap_or(i32::MAX);
        messages::load_where(
            tx,
            "seq IN (SELECT kuvert_search($1, $2))",
            &[&pattern, &max_rows],
            limit,
        )
    }

    /// The CSV export of what the caller may read (with `text` as a
    /// substring of the search text, when given), oldest first, written to
    /// `out` from one snapshot. Returns the number of messages.
    ///
    /// # Errors
    ///
    /// [`Refusal::Forbidden`] for administrators, [`Refusal::Unavailable`],
    /// or [`Refusal::Internal`] when `out` cannot be written.
    pub fn export_csv(
        &self,
        caller: &Caller,
        filter: &kuvert_core::department::wire::ExportFilter,
        out: &mut impl std::io::Write,
    ) -> Result<u64, Refusal> {
        self.db.as_caller(caller, |tx| {
            export::csv(tx, caller, filter, out).map_err(|e| match e {
                export::ExportError::NotAllowed => Refusal::Forbidden(
                    "Administratörer läser inga meddelanden och kan inte exportera loggen.".into(),
                ),
                export::ExportError::Database(e) => e.into(),
                export::ExportError::Write(e) => {
                    Refusal::Internal(format!("writing the export: {e}"))
                }
            })
        })
    }

    /// The filing package (E-ARK SIP, as the desktop makes it) of the
    /// message or case `selection` names, of what the caller may read,
    /// written to `out`; `made_by` is the caller.
    ///
    /// # Errors
    ///
    /// [`Refusal::NotFound`] when the caller may read nothing it names,
    /// [`Refusal::Forbidden`] for administrators, [`Refusal::Unavailable`],
    /// or [`Refusal::Internal`] when the package cannot be written.
    pub fn archive(
        &self,
        caller: &Caller,
        selection: &filing::Selection,
        out: impl std::io::Write + std::io::Seek,
    ) -> Result<kuvert_core::archive::PackageSummary, Refusal> {
        if caller.role() == Role::Administrator {
            return Err(Refusal::Forbidden(
                "Administratörer läser inga meddelanden och kan inte göra arkivpaket.".into(),
            ));
        }
        let (messages, contents) = self.db.as_caller(caller, |tx| {
            let found: Vec<Message> = match selection {
                filing::Selection::Message(id) => self
                    .visible(tx, caller, id)?
                    .into_iter()
                    .map(|s| s.message)
                    .collect(),
                filing::Selection::Case(case) => {
                    let mut found: Vec<Message> =
                        messages::load_where(tx, "case_number = $1", &[case], i64::from(u32::MAX))?
                            .into_iter()
                            .filter(|s| may_read(caller, s))
                            .map(|s| s.message)
                            .collect();
                    // Oldest first, as a registrar reads a case.
                    found.reverse();
                    found
                }
            };
            if found.is_empty() {
                return Err(Refusal::NotFound);
            }
            let contents = filing::Contents::read(tx, &found, &self.profile)?;
            Ok((found, contents))
        })?;
        let label = match selection {
            filing::Selection::Message(_) => kuvert_core::archive::message_label(&messages[0]),
            filing::Selection::Case(case) => format!("diarienummer {case}"),
        };
        let made = kuvert_core::archive::Filing {
            organisation: self.profile.default_sender_name().as_str().to_string(),
            org_number: self.profile.organisation_number().display_form(),
            builder: Officer {
                account: caller.identity().to_string(),
                name: caller.member.name.clone(),
            },
            now: time::OffsetDateTime::now_utc(),
        };
        kuvert_core::archive::write_package(&contents, &made, messages, &label, out)
            .map_err(|e| Refusal::Internal(format!("making the filing package: {e}")))
    }

    /// The printed letter of a message sent on paper, if the caller may
    /// read the message.
    ///
    /// # Errors
    ///
    /// [`Refusal::NotFound`] when there is none (or no letter).
    pub fn letter(&self, caller: &Caller, message_id: &str) -> Result<Vec<u8>, Refusal> {
        self.db.as_caller(caller, |tx| {
            if self.visible(tx, caller, message_id)?.is_none() {
                return Err(Refusal::NotFound);
            }
            let letter: Option<Vec<u8>> = tx
                .query_one(
                    "SELECT paper_letter FROM messages WHERE id = $1",
                    &[&message_id],
                )
                .during("reading the paper letter")?
                .get(0);
            letter.ok_or(Refusal::NotFound)
        })
    }

    /// Records, for the officer who sent it, that a Failed message was
    /// handled outside Kuvert (by telephone, in person, …), with the
    /// officer's note: a history line `handled_outside`, sealed in the
    /// chain. The message stays Failed and is followed up at most once; the
    /// note is trimmed, 1–500 characters, without control or invisible
    /// characters (as on a desktop).
    ///
    /// # Errors
    ///
    /// [`Refusal::Forbidden`] for anyone but an officer;
    /// [`Refusal::NotFound`] for a message the caller did not send;
    /// [`Refusal::Invalid`] for a bad note, a message that has not failed,
    /// or one already followed up.
    pub fn mark_handled(
        &self,
        caller: &Caller,
        message_id: &str,
        note: &str,
    ) -> Result<MessageView, Refusal> {
        use kuvert_core::{FollowUpRefused, HandledNote};
        if caller.role() != Role::Officer {
            return Err(Refusal::Forbidden(
                "Bara handläggaren som skickade meddelandet kan markera det som hanterat.".into(),
            ));
        }
        let refused = |why: FollowUpRefused| Refusal::Invalid {
            problems: vec![why.swedish()],
        };
        let note = HandledNote::new(note).map_err(|p| refused(FollowUpRefused::Note(p)))?;
        let id = kuvert_core::message_id(message_id).map_err(|_| Refusal::NotFound)?;
        let now = self.clock.now();
        self.db.as_caller(caller, |tx| {
            if self.visible(tx, caller, message_id)?.is_none() {
                return Err(Refusal::NotFound);
            }
            // The rest is the service's: the row locked (two notes at once
            // record one), the history line and its chain entry written.
            act_as(tx, None)?;
            let state: String = tx
                .query_one(
                    "SELECT state FROM messages WHERE id = $1 FOR UPDATE",
                    &[&message_id],
                )
                .during("locking the message")?
                .get(0);
            let state = SendState::parse(&state).ok_or_else(|| {
                Refusal::Internal(format!("{message_id} has an unknown state {state}"))
            })?;
            if state != SendState::Failed {
                return Err(refused(FollowUpRefused::NotFailed {
                    message_id: id.clone(),
                    state,
                }));
            }
            let done: i64 = tx
                .query_one(
                    "SELECT count(*) FROM history
                     WHERE message_id = $1 AND kind IN ('handled_outside', 'sent_again')",
                    &[&message_id],
                )
                .during("reading the follow-ups")?
                .get(0);
            if done > 0 {
                return Err(refused(FollowUpRefused::AlreadyHandled {
                    message_id: id.clone(),
                }));
            }
            messages::add_history(
                tx,
                &self.chain_key,
                message_id,
                now,
                "handled_outside",
                SendState::Failed,
                Some(note.as_str()),
            )?;
            Ok(())
        })?;
        self.message(caller, message_id)
    }

    /// The recorded purges, oldest first (registrars; the table's policy
    /// lets only them read it).
    ///
    /// # Errors
    ///
    /// [`Refusal::Forbidden`] for others, [`Refusal::Unavailable`].
    pub fn purges(
        &self,
        caller: &Caller,
    ) -> Result<Vec<kuvert_core::department::wire::PurgeRecordView>, Refusal> {
        if caller.role() != Role::Registrar {
            return Err(Refusal::Forbidden(
                "Bara registratorer ser gallringarna.".into(),
            ));
        }
        self.db.as_caller(caller, |tx| {
            Ok(tx
                .query(
                    "SELECT id, at, purged_by, rule, older_than, count, ids_sha256
                     FROM purges ORDER BY id",
                    &[],
                )
                .during("reading the purges")?
                .iter()
                .map(|r| kuvert_core::department::wire::PurgeRecordView {
                    id: r.get(0),
                    at: messages::rfc3339(r.get(1)),
                    purged_by: r.get(2),
                    rule: r.get(3),
                    older_than: messages::rfc3339(r.get(4)),
                    count: u64::try_from(r.get::<_, i64>(5)).unwrap_or(0),
                    ids_sha256: r.get(6),
                })
                .collect())
        })
    }

    /// Purges, for a registrar, what has been final for more than
    /// `older_than_days` and the retention rule allows (their units' only,
    /// when they read named units): the messages, attachments and history
    /// go; the purge is recorded with the ids' digest and sealed in the
    /// chain, in one transaction.
    ///
    /// # Errors
    ///
    /// [`Refusal::Forbidden`] for anyone but a registrar;
    /// [`Refusal::Invalid`] for an order shorter than the rule.
    pub fn purge(
        &self,
        caller: &Caller,
        older_than_days: u32,
        dry_run: bool,
    ) -> Result<kuvert_core::department::wire::PurgeAnswer, Refusal> {
        if caller.role() != Role::Registrar {
            return Err(Refusal::Forbidden(
                "Bara registratorer gallrar i Kuvert.".into(),
            ));
        }
        let now = self.clock.now();
        let order = kuvert_core::retention::order_within_rule(
            &self.profile,
            caller.identity(),
            older_than_days,
            now,
        )
        .map_err(|e| Refusal::Invalid {
            problems: vec![match e {
                kuvert_core::Error::TooYoungToPurge { asked, rule } => format!(
                    "Organisationens regel bevarar meddelanden i {rule} dagar; {asked} dagar är för kort."
                ),
                other => other.to_string(),
            }],
        })?;
        let names: Vec<String> = order
            .case_type_limits
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        let units = caller.member.units.clone();
        self.db.as_service(|tx| {
            let mut ids: Vec<String> = tx
                .query(
                    "SELECT id FROM messages
                     WHERE state IN ('delivered', 'failed', 'paper')
                       AND (cardinality($3::text[]) = 0 OR unit = ANY ($3))
                       AND (case_type IS NULL OR NOT case_type = ANY ($2))
                       AND state_at < $1",
                    &[&order.older_than, &names, &units],
                )
                .during("finding what to purge")?
                .iter()
                .map(|r| r.get(0))
                .collect();
            for (name, limit) in &order.case_type_limits {
                ids.extend(
                    tx.query(
                        "SELECT id FROM messages
                         WHERE state IN ('delivered', 'failed', 'paper')
                           AND (cardinality($3::text[]) = 0 OR unit = ANY ($3))
                           AND case_type = $2 AND state_at < $1",
                        &[limit, name, &units],
                    )
                    .during("finding what to purge")?
                    .iter()
                    .map(|r| r.get::<_, String>(0)),
                );
            }
            let answer = kuvert_core::department::wire::PurgeAnswer {
                count: ids.len() as u64,
                rule: order.rule.clone(),
                dry_run,
            };
            if dry_run || ids.is_empty() {
                return Ok(answer);
            }
            tx.execute("DELETE FROM messages WHERE id = ANY ($1)", &[&ids])
                .during("purging")?;
            let purge_id: i64 = tx
                .query_one(
                    "INSERT INTO purges (at, purged_by, rule, older_than, count, message_ids, ids_sha256)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    &[
                        &now,
                        &caller.identity(),
                        &order.rule,
                        &order.older_than,
                        &(ids.len() as i64),
                        &ids,
                        &chain::ids_sha256(&ids),
                    ],
                )
                .during("recording the purge")?
                .get(0);
            chain::append_purge(tx, &self.chain_key, purge_id)?;
            Ok(answer)
        })
    }

    /// Imports one message of an officer's local log (`kuvert
    /// migrate-to-department`) as theirs, with its ids, history, letters
    /// and attachments; a message the log has already is left as it is.
    /// Every value is checked back into its type, as a submission is.
    ///
    /// # Errors
    ///
    /// [`Refusal::Invalid`] for another organisation's message, one still
    /// waiting to be sent, or a value Kuvert would not have stored;
    /// [`Refusal::Forbidden`] for anyone but an officer.
    pub fn import(
        &self,
        caller: &Caller,
        imported: &kuvert_core::department::wire::ImportedMessage,
    ) -> Result<Accepted, Refusal> {
        use base64::Engine as _;
        use time::format_description::well_known::Rfc3339;
        if caller.role() != Role::Officer {
            return Err(Refusal::Forbidden(
                "Bara handläggare flyttar sin egen logg till avdelningen.".into(),
            ));
        }
        let invalid = |what: &str| Refusal::Invalid {
            problems: vec![format!("Meddelande {}: {what}", imported.message_id)],
        };
        if imported.sender_org != self.profile.organisation_number().as_str() {
            return Err(invalid(
                "det skickades för en annan organisation än avdelningens; det flyttas inte",
            ));
        }
        let state = SendState::parse(&imported.state).ok_or_else(|| invalid("okänt tillstånd"))?;
        if matches!(state, SendState::Queued | SendState::Signed) {
            return Err(invalid(
                "det väntar fortfarande på att skickas; skicka det först",
            ));
        }
        let time = |text: &str| {
            time::OffsetDateTime::parse(text, &Rfc3339).map_err(|_| invalid("ogiltig tid"))
        };
        let bytes = |text: &Option<String>| -> Result<Option<Vec<u8>>, Refusal> {
            text.as_ref()
                .map(|t| {
                    base64::engine::general_purpose::STANDARD
                        .decode(t)
                        .map_err(|_| invalid("ogiltig bilaga eller handling"))
                })
                .transpose()
        };
        let created_at = time(&imported.created_at)?;
        let state_at = time(&imported.state_at)?;
        let signed_xml = bytes(&imported.signed_xml)?;
        let document = bytes(&imported.document)?;
        let letter = bytes(&imported.paper_letter)?;
        let mut attachments = Vec::new();
        for a in &imported.attachments {
            attachments.push((a, bytes(&Some(a.base64.clone()))?.unwrap_or_default()));
        }
        let recipient = kuvert_protocol::identity::RecipientId::from_wire(&imported.recipient)
            .map_err(|_| invalid("ogiltig mottagare"))?;
        let now = self.clock.now();
        let next_attempt_at = (!state.is_final()).then_some(now);
        self.db.as_caller(caller, |tx| {
            let inserted = tx
                .query_opt(
                    "INSERT INTO messages (id, correlation_id, submission_id, officer, officer_name,
                         unit, profile, sender_org, sender_name, recipient, recipient_display,
                         subject, body, case_number, attention, protection_class, case_type,
                         event_status, preceding_event_id, created_at, state, state_at,
                         distribution_id, mailbox_operator, mailbox_address, failure_reason,
                         next_attempt_at, signed_xml, document, paper_letter)
                     VALUES ($1, $2, 'import:' || $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26,
                         $27, $28, $29)
                     ON CONFLICT (id) DO NOTHING RETURNING id",
                    &[
                        &imported.message_id,
                        &imported.correlation_id,
                        &caller.identity(),
                        &caller.member.name,
                        &caller.member.unit,
                        &imported.profile,
                        &imported.sender_org,
                        &imported.sender_name,
                        &recipient.as_str(),
                        &recipient.display_form(),
                        &imported.subject,
                        &imported.body,
                        &imported.case_number,
                        &imported.attention,
                        &i16::from(imported.protection_class),
                        &imported.case_type,
                        &imported.event_status,
                        &imported.preceding_event_id,
                        &created_at,
                        &state.as_str(),
                        &state_at,
                        &imported.distribution_id,
                        &imported.mailbox.as_ref().map(|m| m.0.as_str()),
                        &imported.mailbox.as_ref().map(|m| m.1.as_str()),
                        &imported.failure_reason,
                        &next_attempt_at,
                        &signed_xml,
                        &document,
                        &letter,
                    ],
                )
                .during("importing a message")?;
            if inserted.is_none() {
                return Ok(Accepted {
                    message_id: imported.message_id.clone(),
                    state: state.as_str().to_string(),
                    created: false,
                });
            }
            for (position, (a, content)) in attachments.iter().enumerate() {
                tx.execute(
                    "INSERT INTO attachments (message_id, position, name, content_type, size, sha256, bytes)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        &imported.message_id,
                        &(position as i32),
                        &a.name,
                        &a.content_type,
                        &(content.len() as i64),
                        &messages::hex(&openssl::sha::sha256(content)),
                        content,
                    ],
                )
                .during("importing an attachment")?;
            }
            // What the row says must be a message Kuvert could have written.
            if messages::load(tx, &imported.message_id).is_err() {
                return Err(invalid("värden som Kuvert aldrig skriver"));
            }
            act_as(tx, None)?;
            for line in &imported.history {
                let line_state = SendState::parse(&line.state).ok_or_else(|| invalid("okänt tillstånd i historiken"))?;
                messages::add_history(tx, &self.chain_key, &imported.message_id, time(&line.at)?, &line.kind, line_state, line.detail.as_deref())?;
            }
            let from = imported
                .local_officer
                .as_ref()
                .map(|(account, name)| format!("; skickat av {name} ({account})"))
                .unwrap_or_default();
            messages::add_history(
                tx,
                &self.chain_key,
                &imported.message_id,
                now,
                "imported",
                state,
                Some(&format!("flyttat från en lokal logg i profilen {}{from}", imported.profile)),
            )?;
            Ok(Accepted {
                message_id: imported.message_id.clone(),
                state: state.as_str().to_string(),
                created: true,
            })
        })
    }

    /// Walks the chain (registrars and administrators).
    ///
    /// # Errors
    ///
    /// [`Refusal::Forbidden`] for officers.
    pub fn verify_log(&self, caller: &Caller) -> Result<ChainReport, Refusal> {
        if caller.role() == Role::Officer {
            return Err(Refusal::Forbidden(
                "Bara registratorer kontrollerar hela loggen.".into(),
            ));
        }
        Ok(self
            .db
            .as_service(|tx| chain::verify(tx, &self.chain_key))?)
    }

    /// Claims one due Outbox item (a lease, `FOR UPDATE SKIP LOCKED`, so
    /// instances never work on one item at once) and moves it one step on:
    /// submits a Signed message, or checks the status of a submitted one.
    /// Returns whether there was one.
    ///
    /// # Errors
    ///
    /// [`DbError`] when the database failed; a failed call to the
    /// intermediary is recorded on the message, not an error.
    pub fn work_once(&self) -> Result<bool, DbError> {
        let now = self.clock.now();
        let lease_until = now + self.lease;
        let claimed = self.db.as_service(|tx| {
            tx.query_opt(
                "UPDATE messages SET lease_owner = $1, lease_until = $3
                 WHERE seq = (SELECT seq FROM messages
                              WHERE next_attempt_at <= $2
                                AND state IN ('signed', 'submitted', 'pending')
                                AND (lease_until IS NULL OR lease_until < $2)
                              ORDER BY next_attempt_at LIMIT 1
                              FOR UPDATE SKIP LOCKED)
                 RETURNING id",
                &[&self.instance, &now, &lease_until],
            )
            .during("claiming an Outbox item")
        })?;
        let Some(row) = claimed else {
            return Ok(false);
        };
        let id: String = row.get(0);
        let Ok(message_id) = MessageId::new(&id) else {
            return Err(DbError::Corrupt {
                what: format!("message id {id:?}"),
            });
        };
        let ledger = DepartmentLedger::new(self.db.clone(), self.chain_key.clone());
        let pipeline = Pipeline {
            profile: &self.profile,
            ledger: &ledger,
            intermediary: &self.intermediary,
            // The server refuses a direct-mode profile at start.
            direct: None,
            clock: self.clock.as_ref(),
            checkpoints: &NoCheckpoints,
            policy: &self.policy,
        };
        let outcome = match ledger.message(&message_id) {
            Ok(Some(message)) if message.state == SendState::Signed => {
                pipeline.deliver(&message_id).map(|_| ())
            }
            Ok(Some(message)) => pipeline.refresh(&message).map(|_| ()),
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(error) = outcome {
            // The lease stays: the item is tried again when it lapses, not
            // at once in a loop.
            tracing::warn!(message_id = %id, %error, "an Outbox step failed; it is tried again after the lease");
            return Ok(true);
        }
        self.db.as_service(|tx| {
            tx.execute(
                "UPDATE messages SET lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_owner = $2",
                &[&id, &self.instance],
            )
            .during("releasing an Outbox item")
        })?;
        Ok(true)
    }
}

/// Whether `caller` may read `stored`: an officer their own, a registrar
/// their units' (or all), an administrator none.
fn may_read(caller: &Caller, stored: &Stored) -> bool {
    match caller.role() {
        Role::Officer => stored.officer == caller.identity(),
        Role::Registrar => {
            caller.member.units.is_empty()
                || stored
                    .unit
                    .as_ref()
                    .is_some_and(|u| caller.member.units.contains(u))
        }
        Role::Administrator => false,
    }
}

fn new_id() -> MessageId {
    MessageId::new(&uuid::Uuid::new_v4().to_string()).expect("a UUID is a message id")
}
