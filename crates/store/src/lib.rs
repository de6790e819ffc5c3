//! # kuvert-store
//!
//! Kuvert's local SQLite store: drafts, the Outbox and Sent log (one
//! [`Message`] row per send, moving through a persisted state machine), the
//! sent log's full-text search, every message's status history, a
//! tamper-evident hash chain over all of it, retention purge and streaming
//! exports.
//!
//! - [`Store`]: the one handle; opening it migrates the schema.
//! - [`OutgoingMessage`] → [`Store::enqueue`]; then the compare-and-set
//!   [`Store::transition`]s the send lifecycle (`kuvert_core::lifecycle`)
//!   decides ([`SendState`], [`NextState`]) and
//!   [`Store::record_attempt_failure`] ([`AttemptFailure`]).
//! - [`Store::search`] ([`SentLogQuery`] → [`SentSummary`]),
//!   [`Store::status_history`] ([`StatusEvent`]).
//! - Event messages ([`CaseEvent`]): [`Store::latest_event`] (what a new
//!   event in the case follows; [`Batch::latest_event`] inside the write
//!   that stores it) and [`Store::case_events`] (the case's thread).
//! - [`Store::verify_chain`] ([`ChainVerdict`]), [`Store::purge`]
//!   ([`PurgeReport`]).
//! - [`Store::export_csv`], [`Store::export_jsonl`].
//! - Drafts: [`Store::save_draft`], [`Store::drafts`], [`Store::draft`], …
//! - [`ExclusiveDatabase`]: a database held alone as one whole file, to be
//!   moved (the one-time move to the shared data directory).
//!
//! Nothing here reads a clock: every time is passed in. Every call that
//! writes does so in one transaction — a failure leaves nothing half-stored
//! — and [`Store::batch`] puts several writes into one.
//!
//! ```
//! use kuvert_protocol::delivery::{CaseNumber, MessageId, ProtectionClass, SenderName, Subject};
//! use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
//! use kuvert_store::{ChainVerdict, LogKey, MessageContent, NextState, Officer, OutgoingMessage, SendState, Store};
//! use time::macros::datetime;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let mut store = Store::open(dir.path().join("kuvert.sqlite"))?;
//! // The key that signs the log's anchor (kuvert_core keeps it in the keyring).
//! store.set_log_key(Some(LogKey::generate()?));
//! let content = MessageContent {
//!     message_id: MessageId::new("7c9e6679-7425-40de-944b-e07fc1f90ae7")?,
//!     correlation_id: MessageId::new("c0ffee00-0000-4000-8000-000000000001")?,
//!     profile: "Bygglov".into(),
//!     sender_org: OrganizationNumber::from_wire("162021003898")?,
//!     sender_name: SenderName::new("Kommun B")?,
//!     recipient: RecipientId::from_wire("198501012382")?,
//!     subject: Subject::new("Beslut om bygglov")?,
//!     body: "Hej! Här kommer beslutet.".into(),
//!     case_number: Some(CaseNumber::new("BN 2026/0123")?),
//!     attention: None,
//!     protection_class: ProtectionClass::new(2)?,
//!     case_type: None,
//!     officer: Some(Officer { account: "anna.lind".into(), name: "Anna Lind".into() }),
//!     event: None,
//! };
//! let message = OutgoingMessage { content, attachments: vec![], document: None };
//! let t0 = datetime!(2026-11-23 9:00 UTC);
//! store.enqueue(&message, t0)?;
//! store.transition(&message.content.message_id, SendState::Queued,
//!     &NextState::Signed { signed_xml: b"<SignedDelivery/>".to_vec() }, t0)?;
//! // A second process still believing "Queued" loses:
//! assert!(store.transition(&message.content.message_id, SendState::Queued,
//!     &NextState::Signed { signed_xml: vec![] }, t0).is_err());
//! assert!(matches!(store.verify_chain()?, ChainVerdict::Intact { entries: 2 }));
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};

use kuvert_protocol::delivery::{CaseNumber, MessageId};
use kuvert_protocol::identity::RecipientId;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use time::OffsetDateTime;

pub mod chain;
mod connection;
pub mod drafts;
mod error;
pub mod exclusive;
pub mod export;
pub mod follow_up;
pub mod history;
mod instant;
pub mod messages;
pub mod purge;
mod schema;
pub mod search;
mod wire;

pub use chain::{
    anchor_path, Anchor, ChainBreak, ChainCheck, ChainCheckpoint, ChainScope, ChainVerdict, LogKey,
};
pub use drafts::{DraftAttachment, DraftFields, DraftId, DraftSummary, SavedDraft};
use error::Context;
pub use error::StoreError;
pub use exclusive::ExclusiveDatabase;
pub use follow_up::{FollowUp, HandledNote, NoteProblem};
pub use history::{EventKind, StatusEvent};
pub use messages::{
    AttemptFailure, CaseEvent, CompressedFrom, Mailbox, Message, MessageContent, NextState,
    Officer, OutgoingAttachment, OutgoingMessage, PaperLetter, PaperRecord, SendState,
    StoredAttachment,
};
pub use purge::{PurgeOrder, PurgeRecord, PurgeReport};
pub use search::{
    CaseNumberFilter, SentLogQuery, SentSummary, MAX_INFIX_EXPANSION, MIN_INFIX_CHARS,
    MIN_PREFIX_CHARS,
};

use chain::{enqueue_digest, event_digest, message_digest, Entry, Tail};
use history::HistoryRow;
use instant::to_unix;

/// The store: one SQLite connection to one database file.
///
/// Open one per thread or process; SQLite (WAL mode, busy timeout) and the
/// compare-and-set transitions make concurrent writers safe.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The log key, once looked up (see [`Store::set_log_key_source`]).
    log_key: std::cell::OnceCell<Option<LogKey>>,
    key_source: Option<LogKeySource>,
}

/// Where a store finds its log key when it first needs it (a write or a
/// check): the key, and whether it was made just now (the log is then
/// anchored at once); `None` when there is no key to be had.
pub type LogKeySource = Box<dyn Fn() -> Option<(LogKey, bool)> + Send>;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let conn = connection::open(&path)?;
        connection::owner_only(&path)?;
        schema::migrate(&conn, schema::ALL)?;
        Ok(Store {
            conn,
            path,
            log_key: std::cell::OnceCell::new(),
            key_source: None,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Gives the store the key that signs its anchor and checkpoints (see
    /// [`chain`]); from then on every write re-anchors the chain's head.
    pub fn set_log_key(&mut self, key: Option<LogKey>) {
        self.log_key = std::cell::OnceCell::from(key);
        self.key_source = None;
    }

    /// Lets the store look its log key up in `source` when it first needs
    /// it, so what only reads (a listing, a dry run) never asks for it.
    pub fn set_log_key_source(&mut self, source: LogKeySource) {
        self.log_key = std::cell::OnceCell::new();
        self.key_source = Some(source);
    }

    /// Whether the store has a log key (looking it up if need be).
    pub fn has_log_key(&self) -> bool {
        self.key().is_some()
    }

    /// The log key, looked up at the first need; a key made just now
    /// anchors the log at once.
    fn key(&self) -> Option<&LogKey> {
        if let Some(key) = self.log_key.get() {
            return key.as_ref();
        }
        let found = self.key_source.as_ref().and_then(|source| source());
        let created = matches!(found, Some((_, true)));
        let _ = self.log_key.set(found.map(|(key, _)| key));
        if created {
            if let Err(e) = self.anchor() {
                tracing::warn!(error = %e, "the sent log could not be anchored");
            }
        }
        self.log_key.get().and_then(Option::as_ref)
    }

    /// Anchors the chain's current head (its newest entry) in the anchor
    /// file beside the database, signed with the log key; nothing without
    /// one, or on an empty chain. Writes do this themselves; call it when a
    /// log first gets its key.
    pub fn anchor(&self) -> Result<(), StoreError> {
        let Some(key) = self.key() else {
            return Ok(());
        };
        let head: Option<(i64, Vec<u8>, i64)> = self
            .conn
            .query_row(
                "SELECT seq, hash, at FROM chain ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .during("reading the end of the log chain")?;
        match head {
            Some((seq, hash, at)) => chain::write_anchor(&self.path, key, seq, &hash, at),
            None => Ok(()),
        }
    }

    /// Runs `f` in one write transaction: everything it wrote is committed
    /// together when it returns `Ok`, nothing when it returns `Err`. The
    /// transaction takes the write lock up front (`BEGIN IMMEDIATE`), so
    /// compare-and-set checks inside it cannot race another process, and
    /// what `f` reads through the batch (e.g. [`Batch::latest_event`]) stays
    /// true until the commit.
    pub fn batch<T>(
        &self,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.batch_as(f)
    }

    /// As [`Store::batch`], for an `f` that fails with its caller's own
    /// error type: work that is not the store's (signing a delivery that
    /// names what `f` read) can then run inside the write.
    pub fn batch_as<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .during("starting a write")?;
        let tail = Tail::read(&tx)?;
        let first_new = tail.next_seq();
        let mut batch = Batch { tx, tail };
        let value = f(&mut batch)?;
        let appended = batch.tail.next_seq() > first_new;
        batch.tx.commit().during("committing a write")?;
        if appended {
            // The write is committed whatever happens here; an anchor that
            // could not be written lags behind (the next write catches up)
            // and a check names that, so a failure must not undo the answer.
            if let Err(e) = self.anchor() {
                tracing::warn!(error = %e, "the sent log's anchor could not be written");
            }
        }
        Ok(value)
    }

    /// Stores a new message in state [`SendState::Queued`] (with its
    /// attachments, search entry, history and chain entry), due at once.
    /// Refuses a message id that is already stored.
    pub fn enqueue(&self, message: &OutgoingMessage, at: OffsetDateTime) -> Result<(), StoreError> {
        self.batch(|b| b.enqueue(message, at))
    }

    /// Moves a message from `expected` to `next` (compare-and-set): returns
    /// [`StoreError::Conflict`] if it is no longer in `expected`. Which moves
    /// exist is decided by the send lifecycle (`kuvert_core::lifecycle`),
    /// which makes them; the store persists what it is told. Clears any outstanding attempt failure. A non-final message is
    /// due for its next step at `at`, or when a running [`claim`](Store::claim)
    /// lapses, whichever is later.
    pub fn transition(
        &self,
        message_id: &MessageId,
        expected: SendState,
        next: &NextState,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.batch(|b| b.transition(message_id, expected, next, at))
    }

    /// Records that an attempt failed while the message was in `expected`
    /// (compare-and-set; not final) and when to try again. Returns the
    /// number of failed attempts so far.
    pub fn record_attempt_failure(
        &self,
        message_id: &MessageId,
        expected: SendState,
        failure: &AttemptFailure,
        at: OffsetDateTime,
    ) -> Result<u32, StoreError> {
        self.batch(|b| b.record_attempt_failure(message_id, expected, failure, at))
    }

    /// Claims a due message for one attempt before any network call: a
    /// compare-and-set on its state (`expected`) *and* on being due
    /// (`next_attempt_at <= now`) that moves `next_attempt_at` to `until`.
    /// While the claim holds, [`Store::due`] and [`Store::awaiting_status`]
    /// skip the message and a second claim fails with
    /// [`StoreError::Claimed`] — so two processes never submit (or poll) the
    /// same message at once. Transitions keep a running claim (the claimant
    /// signs and then submits under one claim); it ends with
    /// [`record_attempt_failure`](Store::record_attempt_failure) (which sets
    /// the next attempt), a final state, or lapses at `until` if the
    /// claimant died (then the message is due again and is resumed with the
    /// same ids). Claim before every network call.
    pub fn claim(
        &self,
        message_id: &MessageId,
        expected: SendState,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.batch(|b| {
            messages::claim(
                &b.tx,
                message_id.as_str(),
                expected,
                to_unix(now),
                to_unix(until),
            )
        })
    }

    /// Records, before the first call that submits a Signed message, that
    /// it is being handed to the intermediary: from then on the
    /// intermediary may have it (a crash mid-call leaves no other trace), so
    /// it can no longer be withdrawn. A compare-and-set on Signed: `false`
    /// when the message is no longer Signed (withdrawn meanwhile, or moved
    /// on by another process), and then it must not be submitted. Kept on
    /// later attempts; not a log event.
    pub fn hand_over(
        &self,
        message_id: &MessageId,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.batch(|b| messages::hand_over(&b.tx, message_id.as_str(), to_unix(at)))
    }

    /// Whether the message may still be withdrawn: in the Outbox (queued or
    /// signed) and not yet being handed over ([`Store::hand_over`]).
    pub fn withdrawable(&self, message_id: &MessageId) -> Result<bool, StoreError> {
        let (key, state) = messages::locate(&self.conn, message_id.as_str())?;
        Ok(matches!(state, SendState::Queued | SendState::Signed)
            && !messages::handed_over(&self.conn, key)?)
    }

    /// Sets when the pipeline should next act on a message that is not
    /// final: `Some(now)` for "retry now" from the officer, a later time for
    /// a status-poll back-off, `None` to hold it. Not a log event.
    pub fn reschedule(
        &self,
        message_id: &MessageId,
        next_attempt_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        self.batch(|b| {
            let (key, state) = messages::locate(&b.tx, message_id.as_str())?;
            if state.is_final() {
                return Err(StoreError::InvalidInput {
                    field: "reschedule",
                    reason: format!("message {message_id} is already {state}"),
                });
            }
            b.tx.execute(
                "UPDATE messages SET next_attempt_at = ?1 WHERE sort_key = ?2",
                rusqlite::params![next_attempt_at.map(to_unix), key],
            )
            .during("rescheduling a message")?;
            Ok(())
        })
    }

    /// One message with its state and attachments' metadata.
    pub fn message(&self, message_id: &MessageId) -> Result<Option<Message>, StoreError> {
        messages::load(&self.conn, message_id.as_str())
    }

    /// Records what was done about the Failed message `failed`
    /// ([`Batch::record_follow_up`]).
    pub fn record_follow_up(
        &self,
        failed: &MessageId,
        follow_up: &FollowUp,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.batch(|b| b.record_follow_up(failed, follow_up, at))
    }

    /// What was done about the Failed message `message_id`, if anything.
    pub fn follow_up(&self, message_id: &MessageId) -> Result<Option<FollowUp>, StoreError> {
        let (sort_key, _) = messages::locate(&self.conn, message_id.as_str())?;
        follow_up::recorded(&self.conn, sort_key)
    }

    /// A new draft in place of the Failed message `failed`: `fields` and
    /// `attachments` (name, content type, bytes, what it was compressed
    /// from), remembered as following it up, so that sending the draft
    /// records the link ([`SavedDraft::follows_up`]). If a draft already
    /// follows it up, that draft is returned instead and nothing is written.
    pub fn follow_up_draft(
        &self,
        failed: &MessageId,
        fields: &DraftFields,
        attachments: &[OutgoingAttachment],
        at: OffsetDateTime,
    ) -> Result<DraftId, StoreError> {
        self.write(|tx| drafts::follow_up(tx, failed, fields, attachments, at))
    }

    /// The Outbox: every message not in a final state, oldest first.
    pub fn outbox(&self) -> Result<Vec<Message>, StoreError> {
        // By state, not `final_at IS NULL`: the state index makes this a
        // lookup even on a log of a million messages.
        messages::load_where(
            &self.conn,
            "state IN ('queued', 'signed', 'submitted', 'pending')",
            [],
        )
    }

    /// Queued or Signed messages whose next attempt is due at `now`, oldest
    /// first: what the send pipeline should (re)submit.
    pub fn due(&self, now: OffsetDateTime) -> Result<Vec<Message>, StoreError> {
        messages::load_where(
            &self.conn,
            "next_attempt_at <= ?1 AND state IN ('queued', 'signed')",
            [to_unix(now)],
        )
    }

    /// Submitted or Pending messages whose status check is due at `now`,
    /// oldest first.
    pub fn awaiting_status(&self, now: OffsetDateTime) -> Result<Vec<Message>, StoreError> {
        messages::load_where(
            &self.conn,
            "next_attempt_at <= ?1 AND state IN ('submitted', 'pending')",
            [to_unix(now)],
        )
    }

    /// The bytes of a message attachment ([`StoredAttachment::id`]).
    pub fn attachment_bytes(&self, attachment_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row(
                "SELECT bytes FROM attachment_content WHERE attachment_id = ?1",
                [attachment_id],
                |r| r.get(0),
            )
            .optional()
            .during("reading an attachment")
    }

    /// The signed delivery XML stored by the Signed transition.
    pub fn signed_xml(&self, message_id: &MessageId) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row(
                "SELECT s.xml FROM signed_deliveries s JOIN messages m ON m.sort_key = s.sort_key
                 WHERE m.id = ?1",
                [message_id.as_str()],
                |r| r.get(0),
            )
            .optional()
            .during("reading the signed delivery")
    }

    /// The paper letter recorded by the Paper transition.
    pub fn paper_letter(&self, message_id: &MessageId) -> Result<Option<PaperRecord>, StoreError> {
        self.conn
            .query_row(
                "SELECT p.pdf, p.sha256_hex FROM paper_letters p JOIN messages m ON m.sort_key = p.sort_key
                 WHERE m.id = ?1",
                [message_id.as_str()],
                |r| Ok(PaperRecord { pdf: r.get(0)?, sha256_hex: r.get(1)? }),
            )
            .optional()
            .during("reading the paper letter")
    }

    /// Searches the sent log, newest first (see [`SentLogQuery`]).
    pub fn search(&self, query: &SentLogQuery) -> Result<Vec<SentSummary>, StoreError> {
        search::search(&self.conn, query)
    }

    /// The latest event message to `recipient` in the case `case_number`
    /// that is not Failed or sent on Paper: the one a new event message in
    /// that case to that recipient names as its `PrecedingEventId`. (A
    /// failed message never reached the recipient's mailbox and a paper one
    /// only on paper, so a mailbox could not thread after them.) Latest is
    /// last in the sent log's order, the time it was enqueued. Read-only;
    /// a send uses [`Batch::latest_event`] so that the look-up and the
    /// stored message are one transaction.
    pub fn latest_event(
        &self,
        case_number: &CaseNumber,
        recipient: &RecipientId,
    ) -> Result<Option<Message>, StoreError> {
        messages::latest_event(&self.conn, case_number, recipient)
    }

    /// The case's thread: every event message in the case `case_number`
    /// (diarienummer, compared folded as the sent log's case filter does),
    /// to any recipient and in any state, oldest first.
    pub fn case_events(&self, case_number: &CaseNumber) -> Result<Vec<Message>, StoreError> {
        messages::case_events(&self.conn, case_number)
    }

    /// The status history of one message, oldest first.
    pub fn status_history(&self, message_id: &MessageId) -> Result<Vec<StatusEvent>, StoreError> {
        let (key, _) = messages::locate(&self.conn, message_id.as_str())?;
        history::list(&self.conn, key)
    }

    /// Checks the whole hash chain and the data it seals (see [`chain`]),
    /// recording nothing.
    pub fn verify_chain(&self) -> Result<ChainVerdict, StoreError> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .during("starting to verify")?;
        let check = chain::verify(
            &tx,
            Some(connection::open(&self.path)?),
            self.anchoring(),
            ChainScope::Full,
        )?;
        tx.commit().during("finishing verification")?;
        Ok(check.verdict)
    }

    /// Checks the chain in full or from its latest checkpoint and, when it
    /// is intact, records a checkpoint at its end (checked at `at`).
    pub fn check_chain(
        &self,
        scope: ChainScope,
        at: OffsetDateTime,
    ) -> Result<ChainCheck, StoreError> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .during("starting to verify")?;
        let helper = match scope {
            ChainScope::Full => Some(connection::open(&self.path)?),
            ChainScope::SinceCheckpoint => None,
        };
        let mut check = chain::verify(&tx, helper, self.anchoring(), scope)?;
        tx.commit().during("finishing verification")?;
        if let ChainVerdict::Intact { .. } | ChainVerdict::Unanchored { .. } = check.verdict {
            let (up_to, full) = (check.up_to, check.from.is_none());
            let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
                .during("starting a write")?;
            let recorded = chain::record_checkpoint(&tx, self.key(), up_to, full, at)?;
            tx.commit().during("recording a checkpoint")?;
            if full {
                check.last_full = recorded.or(check.last_full);
            }
        }
        Ok(check)
    }

    /// Retention purge: removes every message `order` says may go, and
    /// records the purge (at `at`, with who ordered it and the rule) in the
    /// chain. With `dry_run` it only reports what would go and changes
    /// nothing. Whether the order is allowed is the caller's to decide
    /// (`kuvert_core` checks the organisation's rule and who may purge).
    pub fn purge(
        &self,
        order: &PurgeOrder,
        dry_run: bool,
        at: OffsetDateTime,
    ) -> Result<PurgeReport, StoreError> {
        if dry_run {
            return purge::purge(&self.conn, order, true, at);
        }
        self.batch(|b| purge::purge(&b.tx, order, false, at))
    }

    /// The document of a message (its PDF as made when it was sent), if one
    /// was kept.
    pub fn message_document(&self, message_id: &MessageId) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT d.pdf FROM message_documents d JOIN messages m ON m.sort_key = d.sort_key
                 WHERE m.id = ?1",
            )
            .and_then(|mut s| s.query_row([message_id.as_str()], |r| r.get(0)).optional())
            .during("reading a message's document")
    }

    /// Every purge recorded, oldest first.
    pub fn purges(&self) -> Result<Vec<PurgeRecord>, StoreError> {
        purge::records(&self.conn)
    }

    /// Streams the sent log matching `query` (limit and offset ignored),
    /// oldest first, as CSV for Excel (see [`export`]). Returns the number of
    /// data rows.
    pub fn export_csv<W: Write>(&self, query: &SentLogQuery, out: W) -> Result<u64, StoreError> {
        export::csv(&self.conn, query, out)
    }

    /// Streams the sent log matching `query` (limit and offset ignored),
    /// oldest first, as JSON Lines: one object per message with its
    /// attachments' metadata and status timeline, then one per purge ever
    /// done (see [`export`]). Returns the number of messages.
    pub fn export_jsonl<W: Write>(&self, query: &SentLogQuery, out: W) -> Result<u64, StoreError> {
        export::jsonl(&self.conn, query, self.log_anchor().as_ref(), out)
    }

    /// The log's anchor as its file beside the database has it (see
    /// [`chain`]): the newest entry, its hash, when, and the signature.
    /// `None` when there is none or it cannot be read. Exports carry it, so
    /// a copy filed today shows later whether entries were removed since.
    pub fn log_anchor(&self) -> Option<Anchor> {
        chain::read_anchor(&self.path).ok().flatten()
    }

    /// Writes every purge recorded, oldest first, as CSV in the form of
    /// [`export_csv`](Self::export_csv) (see [`export`]): the second table
    /// of a CSV export. Returns the number of purges.
    pub fn export_purges_csv<W: Write>(&self, out: W) -> Result<u64, StoreError> {
        export::purges_csv(&self.conn, out)
    }

    /// Writes the log's anchor ([`log_anchor`](Self::log_anchor)) as CSV in
    /// the form of [`export_csv`](Self::export_csv): the third table of a
    /// CSV export, one row (none when the log is not anchored). Returns the
    /// number of rows.
    pub fn export_anchor_csv<W: Write>(&self, out: W) -> Result<u64, StoreError> {
        export::anchor_csv(self.log_anchor().as_ref(), out)
    }

    /// Saves a draft's fields: inserts when `id` is `None`, else updates.
    /// Cheap (one row; attachments untouched) — meant for autosave.
    pub fn save_draft(
        &self,
        id: Option<DraftId>,
        fields: &DraftFields,
        at: OffsetDateTime,
    ) -> Result<DraftId, StoreError> {
        self.write(|tx| drafts::save(tx, id, fields, at))
    }

    /// Attaches a file to a draft; returns the attachment's id.
    pub fn add_draft_attachment(
        &self,
        draft: DraftId,
        name: &str,
        content_type: &str,
        bytes: &[u8],
        at: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        self.write(|tx| drafts::add_attachment(tx, draft, name, content_type, bytes, at))
    }

    /// Removes a file from a draft.
    pub fn remove_draft_attachment(
        &self,
        draft: DraftId,
        attachment_id: i64,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.write(|tx| drafts::remove_attachment(tx, draft, attachment_id, at))
    }

    /// Replaces the content of a draft's file (name and type stay), e.g.
    /// with a compressed copy of the file `compressed_from` describes (kept
    /// from the first compression when a file is compressed again).
    pub fn replace_draft_attachment(
        &self,
        draft: DraftId,
        attachment_id: i64,
        bytes: &[u8],
        compressed_from: Option<&CompressedFrom>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            drafts::replace_attachment(tx, draft, attachment_id, bytes, compressed_from, at)
        })
    }

    /// Every draft, most recently saved first.
    pub fn drafts(&self) -> Result<Vec<DraftSummary>, StoreError> {
        drafts::list(&self.conn)
    }

    /// One draft with its attachments.
    pub fn draft(&self, id: DraftId) -> Result<Option<SavedDraft>, StoreError> {
        drafts::load(&self.conn, id)
    }

    /// The id a draft is handed to the department server under (department
    /// mode): `fresh` the first time it is asked for, the same one ever
    /// after; `None` when there is no such draft.
    pub fn hand_over_id(&self, id: DraftId, fresh: &str) -> Result<Option<String>, StoreError> {
        self.write(|tx| drafts::hand_over_id(tx, id, fresh))
    }

    /// Deletes a draft and its attachments.
    pub fn delete_draft(&self, id: DraftId) -> Result<(), StoreError> {
        self.write(|tx| drafts::delete(tx, id))
    }

    /// The database and log key, for checks of the anchor.
    fn anchoring(&self) -> Option<(&Path, &LogKey)> {
        self.key().map(|key| (self.path.as_path(), key))
    }

    /// A write transaction that does not touch the chain.
    fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .during("starting a write")?;
        let value = f(&tx)?;
        tx.commit().during("committing a write")?;
        Ok(value)
    }
}

/// Several log writes in one transaction (see [`Store::batch`]): all of them
/// are stored, or none. Each write is also atomic on its own (a savepoint):
/// one that fails leaves nothing behind, even if the closure carries on.
pub struct Batch<'s> {
    tx: Transaction<'s>,
    tail: Tail,
}

impl Batch<'_> {
    /// Runs one write under a savepoint, undoing it (and the chain tail) if
    /// it fails.
    fn atomically<T>(
        &mut self,
        write: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.tx
            .execute_batch("SAVEPOINT kuvert_write")
            .during("starting a write")?;
        let tail = self.tail.clone();
        match write(self) {
            Ok(value) => {
                self.tx
                    .execute_batch("RELEASE kuvert_write")
                    .during("finishing a write")?;
                Ok(value)
            }
            Err(e) => {
                self.tail = tail;
                self.tx
                    .execute_batch("ROLLBACK TO kuvert_write; RELEASE kuvert_write")
                    .during("undoing a failed write")?;
                Err(e)
            }
        }
    }

    /// As [`Store::latest_event`], inside this write: while the batch runs no
    /// other process can store an event in the case, so a message enqueued
    /// in the same batch follows the event that is truly the latest.
    pub fn latest_event(
        &self,
        case_number: &CaseNumber,
        recipient: &RecipientId,
    ) -> Result<Option<Message>, StoreError> {
        messages::latest_event(&self.tx, case_number, recipient)
    }

    /// As [`Store::enqueue`].
    pub fn enqueue(
        &mut self,
        message: &OutgoingMessage,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.atomically(|b| b.enqueue_now(message, at))
    }

    fn enqueue_now(
        &mut self,
        message: &OutgoingMessage,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let at = to_unix(at);
        let seq = self.tail.next_seq();
        let sort_key = messages::insert(&self.tx, message, at, seq)?;
        let detail = &messages::enqueued_detail(&message.attachments);
        let kind = EventKind::Enqueued.as_str();
        let state = SendState::Queued.as_str();
        history::insert(
            &self.tx,
            &HistoryRow {
                seq,
                sort_key,
                at,
                kind: EventKind::Enqueued,
                state: SendState::Queued,
                detail,
                blob_sha256: None,
            },
        )?;
        // Hash what was stored, read back, so verification recomputes from
        // exactly the same values.
        let stored =
            messages::load(&self.tx, message.content.message_id.as_str())?.ok_or_else(|| {
                StoreError::MessageNotFound {
                    message_id: message.content.message_id.as_str().to_owned(),
                }
            })?;
        let event = event_digest(
            message.content.message_id.as_str(),
            at,
            kind,
            state,
            detail,
            None,
        );
        self.tail.append(
            &self.tx,
            &Entry {
                at,
                kind,
                message_id: Some(message.content.message_id.as_str()),
                state: Some(state),
                digest: enqueue_digest(&message_digest(&stored), &event),
            },
        )?;
        Ok(())
    }

    /// Deletes a draft and its attachments in this transaction: the draft a
    /// message was sent from goes in the same commit that stores the message.
    pub fn delete_draft(&mut self, id: DraftId) -> Result<(), StoreError> {
        self.atomically(|b| drafts::delete(&b.tx, id))
    }

    /// As [`Store::transition`].
    pub fn transition(
        &mut self,
        message_id: &MessageId,
        expected: SendState,
        next: &NextState,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.atomically(|b| b.transition_now(message_id, expected, next, at))
    }

    fn transition_now(
        &mut self,
        message_id: &MessageId,
        expected: SendState,
        next: &NextState,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let at = to_unix(at);
        let seq = self.tail.next_seq();
        let (sort_key, detail, blob) =
            messages::apply(&self.tx, message_id.as_str(), expected, next, at, seq)?;
        self.seal_event(
            seq,
            sort_key,
            message_id,
            at,
            EventKind::StateChanged,
            next.state(),
            &detail,
            blob.as_deref(),
        )
    }

    /// As [`Store::record_attempt_failure`].
    pub fn record_attempt_failure(
        &mut self,
        message_id: &MessageId,
        expected: SendState,
        failure: &AttemptFailure,
        at: OffsetDateTime,
    ) -> Result<u32, StoreError> {
        self.atomically(|b| b.record_attempt_failure_now(message_id, expected, failure, at))
    }

    fn record_attempt_failure_now(
        &mut self,
        message_id: &MessageId,
        expected: SendState,
        failure: &AttemptFailure,
        at: OffsetDateTime,
    ) -> Result<u32, StoreError> {
        let at = to_unix(at);
        let seq = self.tail.next_seq();
        let (sort_key, attempts) =
            messages::record_failure(&self.tx, message_id.as_str(), expected, failure, seq)?;
        let detail = format!(
            "attempt {attempts} failed ({}): {}",
            failure.code, failure.reason
        );
        self.seal_event(
            seq,
            sort_key,
            message_id,
            at,
            EventKind::AttemptFailed,
            expected,
            &detail,
            None,
        )?;
        Ok(attempts)
    }

    /// Writes the history row and the chain entry sealing it.
    #[allow(clippy::too_many_arguments)]
    fn seal_event(
        &mut self,
        seq: i64,
        sort_key: i64,
        message_id: &MessageId,
        at: i64,
        kind: EventKind,
        state: SendState,
        detail: &str,
        blob_sha256: Option<&str>,
    ) -> Result<(), StoreError> {
        history::insert(
            &self.tx,
            &HistoryRow {
                seq,
                sort_key,
                at,
                kind,
                state,
                detail,
                blob_sha256,
            },
        )?;
        let digest = event_digest(
            message_id.as_str(),
            at,
            kind.as_str(),
            state.as_str(),
            detail,
            blob_sha256,
        );
        self.tail.append(
            &self.tx,
            &Entry {
                at,
                kind: kind.as_str(),
                message_id: Some(message_id.as_str()),
                state: Some(state.as_str()),
                digest,
            },
        )?;
        Ok(())
    }
}
