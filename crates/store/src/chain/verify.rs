//! Checking the chain against the data it seals, in full or from a
//! checkpoint.
//!
//! One query walks the chain in sequence order joined with the history row
//! each entry seals and that row's message (rowid lookups, in the order the
//! rows were written, so the walk reads the file mostly front to back).
//! Only what an entry seals beyond its history row is read separately: a
//! message's attachments and document for its enqueue entry, the signed
//! delivery or letter for the entry that stored it, the purge record. A
//! full check of a long chain walks its two halves at once, on two
//! connections (see `walk_in_two`).
//!
//! ## Checkpoints
//!
//! A check that found the chain intact records a checkpoint: the last entry
//! it covered and that entry's hash. An incremental check
//! ([`ChainScope::SinceCheckpoint`]) starts from the latest checkpoint: the
//! entry there must still carry the recorded hash — so no earlier entry can
//! have been changed without recomputing every hash after it — and that
//! entry and every later one, with the data they seal, are checked as in
//! full. What an
//! incremental check does *not* re-read is the data sealed by entries before
//! the checkpoint (an old message's row edited in place); the full check
//! does, and reports when it last ran.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::anchor::{Anchor, LogKey};
use super::{
    enqueue_digest, entry_hash, event_digest, message_digest, purge_digest, ChainBreak,
    ChainVerdict, Entry, PURGE_KIND,
};
use crate::error::Context;
use crate::history::EventKind;
use crate::instant::{from_unix, to_unix};
use crate::messages::{
    self, message_from_row, prefixed_message_columns, sha256_hex, SendState, MESSAGE_COLUMNS,
};
use crate::StoreError;

/// How much of the chain a check covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainScope {
    /// Every entry and everything it seals.
    Full,
    /// The entries after the latest checkpoint (in full when there is none).
    SinceCheckpoint,
}

/// A point up to which the chain was found intact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCheckpoint {
    /// The last entry the check covered.
    pub seq: u64,
    /// When the check ran.
    pub checked_at: OffsetDateTime,
    /// Whether that check read the whole chain (else it started from an
    /// earlier checkpoint).
    pub full: bool,
}

/// What a chain check covered and found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCheck {
    /// The verdict over the entries checked.
    pub verdict: ChainVerdict,
    /// The checkpoint the check started from (`None`: from the first entry).
    pub from: Option<ChainCheckpoint>,
    /// The latest full check's checkpoint (this one, when it was full).
    pub last_full: Option<ChainCheckpoint>,
    /// The last entry checked (0 when none was).
    pub up_to: u64,
    /// The anchor the check found (with a log key).
    pub anchor: Option<Anchor>,
}

/// The chain entry with the history row and message it seals.
struct Walked {
    seq: i64,
    entry_at: i64,
    kind: String,
    message_id: Option<String>,
    state: Option<String>,
    digest: Vec<u8>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
    history: Option<History>,
}

/// A history row and the message row it belongs to.
struct History {
    sort_key: i64,
    at: i64,
    kind: String,
    state: String,
    detail: String,
    blob_sha256: Option<String>,
    row_id: Option<String>,
    last_seq: Option<i64>,
    row_state: Option<String>,
    distribution_id: Option<String>,
    mailbox: (Option<String>, Option<String>),
    row: RowRecord,
}

/// The message row's columns that repeat, for search, exports, status and
/// retention, what its history records: each must say what the sealed
/// history says (checked at the message's latest entry and its enqueue).
/// Not among them: `next_attempt_at` and `retryable`, the Outbox's schedule,
/// which changes without an event and is no part of the record.
struct RowRecord {
    state_at: Option<i64>,
    final_at: Option<i64>,
    failure_reason: Option<String>,
    attempts: Option<i64>,
    last_error: (Option<String>, Option<String>),
    /// Attempt failures in the history (latest entry only).
    failed_attempts: Option<i64>,
    /// The latest state-setting history row ([`EventKind::sets_state`]:
    /// `enqueued`, `state_changed`): at, detail (latest entry only).
    state_entry: Option<(i64, String)>,
    case_key: Option<String>,
    attachment_count: Option<i64>,
    attachment_names: Option<String>,
}

impl RowRecord {
    /// What in the row differs from the history, for the message's latest
    /// entry `h` (whose state the caller has checked).
    fn differs_from_history(&self, h: &History) -> Option<&'static str> {
        let state = SendState::parse(&h.state)?;
        let (state_at, state_detail) = match &self.state_entry {
            Some((at, detail)) => (*at, detail.as_str()),
            None => return Some("state time"),
        };
        if self.state_at != Some(state_at) {
            return Some("state time");
        }
        if self.final_at != state.is_final().then_some(state_at) {
            return Some("final time");
        }
        let reason = (state == SendState::Failed).then_some(state_detail);
        if self.failure_reason.as_deref() != reason {
            return Some("failure reason");
        }
        if self.attempts != self.failed_attempts {
            return Some("attempt count");
        }
        let last_error = match &self.last_error {
            (None, None) => None,
            (Some(code), Some(reason)) => Some(format!(
                "attempt {} failed ({code}): {reason}",
                self.attempts.unwrap_or_default()
            )),
            _ => return Some("last error"),
        };
        let expected = (h.kind == EventKind::AttemptFailed.as_str()).then_some(h.detail.as_str());
        if last_error.as_deref() != expected {
            return Some("last error");
        }
        None
    }
}

/// The lookups the walk makes per entry, prepared once: a statement taken
/// from rusqlite's cache is re-prepared by SQLite on every reuse (clearing
/// its bindings expires it), which on a million messages costs more than
/// the checks themselves.
struct Lookups<'c> {
    attachments: rusqlite::Statement<'c>,
    document: rusqlite::Statement<'c>,
    signed: rusqlite::Statement<'c>,
    letter: rusqlite::Statement<'c>,
}

impl<'c> Lookups<'c> {
    fn prepare(conn: &'c Connection) -> Result<Lookups<'c>, StoreError> {
        let prepare = |sql: &str| conn.prepare(sql).during("preparing the log check");
        Ok(Lookups {
            attachments: prepare(
                "SELECT a.id, a.name, a.content_type, a.size, a.md5_hex, a.sha256_hex, c.bytes
                 FROM attachments a LEFT JOIN attachment_content c ON c.attachment_id = a.id
                 WHERE a.sort_key = ?1 ORDER BY a.position",
            )?,
            document: prepare("SELECT sha256_hex, pdf FROM message_documents WHERE sort_key = ?1")?,
            signed: prepare("SELECT xml FROM signed_deliveries WHERE sort_key = ?1")?,
            letter: prepare("SELECT pdf, sha256_hex FROM paper_letters WHERE sort_key = ?1")?,
        })
    }
}

/// The message's columns, read only on its enqueue entry (the only one
/// that seals them): on the other entries SQLite then skips decoding the
/// row's text.
fn enqueue_only_message_columns() -> String {
    prefixed_message_columns("m")
        .split(", ")
        .map(|c| format!("CASE WHEN h.kind = 'enqueued' THEN {c} END"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Column where the walk's own columns start (the message's come first, so
/// [`message_from_row`] reads them where it expects).
fn walk_offset() -> usize {
    MESSAGE_COLUMNS.split(',').count()
}

fn walked(row: &Row<'_>) -> rusqlite::Result<Walked> {
    let o = walk_offset();
    let history = match row.get::<_, Option<i64>>(o + 8)? {
        None => None,
        Some(sort_key) => Some(History {
            sort_key,
            at: row.get(o + 9)?,
            kind: row.get(o + 10)?,
            state: row.get(o + 11)?,
            detail: row.get(o + 12)?,
            blob_sha256: row.get(o + 13)?,
            row_id: row.get(o + 14)?,
            last_seq: row.get(o + 15)?,
            row_state: row.get(o + 16)?,
            distribution_id: row.get(o + 17)?,
            mailbox: (row.get(o + 18)?, row.get(o + 19)?),
            row: RowRecord {
                state_at: row.get(o + 20)?,
                final_at: row.get(o + 21)?,
                failure_reason: row.get(o + 22)?,
                attempts: row.get(o + 23)?,
                last_error: (row.get(o + 24)?, row.get(o + 25)?),
                failed_attempts: row.get(o + 26)?,
                state_entry: match (row.get(o + 27)?, row.get(o + 28)?) {
                    (Some(at), Some(detail)) => Some((at, detail)),
                    _ => None,
                },
                case_key: row.get(o + 29)?,
                attachment_count: row.get(o + 30)?,
                attachment_names: row.get(o + 31)?,
            },
        }),
    };
    Ok(Walked {
        seq: row.get(o)?,
        entry_at: row.get(o + 1)?,
        kind: row.get(o + 2)?,
        message_id: row.get(o + 3)?,
        state: row.get(o + 4)?,
        digest: row.get(o + 5)?,
        prev_hash: row.get(o + 6)?,
        hash: row.get(o + 7)?,
        history,
    })
}

/// Checks the chain (see the module docs). Runs in the caller's read
/// transaction, so a concurrent writer cannot make it report a half-written
/// event.
///
/// A full check of a long chain is split between this connection and
/// `helper`, a second connection to the same database (see
/// [`walk_in_two`]).
pub(crate) fn verify(
    conn: &Connection,
    helper: Option<Connection>,
    anchoring: Option<(&std::path::Path, &LogKey)>,
    scope: ChainScope,
) -> Result<ChainCheck, StoreError> {
    let key = anchoring.map(|(_, key)| key);
    let last_full = latest_checkpoint(conn, true, key.is_some())?;
    let from = match scope {
        ChainScope::Full => None,
        ChainScope::SinceCheckpoint => latest_checkpoint(conn, false, key.is_some())?,
    };
    let (start_seq, prev) = match &from {
        None => (1, vec![0u8; 32]),
        Some(cp) => {
            let seq = cp.seq as i64;
            let recorded: Vec<u8> = conn
                .query_row(
                    "SELECT hash FROM chain_checkpoints WHERE seq = ?1",
                    [seq],
                    |r| r.get(0),
                )
                .during("reading the checkpoint")?;
            let stored: Option<(Vec<u8>, Vec<u8>)> = conn
                .query_row(
                    "SELECT prev_hash, hash FROM chain WHERE seq = ?1",
                    [seq],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .during("reading the log chain")?;
            let prev_hash = match stored {
                Some((prev_hash, hash)) if hash == recorded => prev_hash,
                _ => {
                    let seq = cp.seq;
                    return Ok(ChainCheck {
                        verdict: ChainVerdict::Broken {
                            seq,
                            reason: ChainBreak::CheckpointMismatch,
                        },
                        from,
                        last_full,
                        up_to: seq,
                        anchor: None,
                    });
                }
            };
            // The walk starts at the checkpoint's own entry, so its fields
            // and what it seals are checked against its hash too.
            (seq, prev_hash)
        }
    };
    let end: i64 = conn
        .query_row("SELECT coalesce(max(seq), 0) FROM chain", [], |r| r.get(0))
        .during("reading the log chain")?;
    let walked = match helper {
        Some(helper) if from.is_none() && end >= PARALLEL_MIN_ENTRIES => {
            walk_in_two(conn, helper, end)?
        }
        _ => walk(conn, start_seq, end, prev)?,
    };
    let mut broken = walked.broken;
    if broken.is_none() {
        broken = check_checkpoints(conn, key)?;
    }
    let mut anchor = None;
    if let Some((database, key)) = anchoring {
        let (found, anchor_broken) = check_anchor(conn, database, key, end)?;
        anchor = found;
        broken = broken.or(anchor_broken);
    }
    if broken.is_none() && from.is_none() {
        broken = check_states(conn)?.map(|(seq, reason)| (seq as i64, reason));
    }
    let verdict = match broken {
        Some((seq, reason)) => ChainVerdict::Broken {
            seq: seq.max(0) as u64,
            reason,
        },
        None if key.is_some() => ChainVerdict::Intact {
            entries: walked.count,
        },
        None => ChainVerdict::Unanchored {
            entries: walked.count,
        },
    };
    Ok(ChainCheck {
        verdict,
        from,
        last_full,
        up_to: (start_seq - 1).max(0) as u64 + walked.count,
        anchor,
    })
}

/// A full check of at least this many entries is split between two
/// threads (the machines Kuvert runs on have at least two cores).
const PARALLEL_MIN_ENTRIES: i64 = 100_000;

/// What walking a range of the chain found.
struct Walk {
    /// The first entry that does not hold.
    broken: Option<(i64, ChainBreak)>,
    /// Entries checked.
    count: u64,
    /// The hash of the last entry checked.
    last_hash: Vec<u8>,
}

/// Walks entries `first..=last`, the entry before `first` having hash
/// `prev`.
fn walk(conn: &Connection, first: i64, last: i64, mut prev: Vec<u8>) -> Result<Walk, StoreError> {
    let mut purged = None;
    let sql = format!(
        "SELECT {}, c.seq, c.at, c.kind, c.message_id, c.state, c.digest, c.prev_hash, c.hash,
                h.sort_key, h.at, h.kind, h.state, h.detail, h.blob_sha256,
                m.id, m.last_seq, m.state, m.distribution_id, m.mailbox_operator, m.mailbox_address,
                m.state_at, m.final_at, m.failure_reason, m.attempts, m.last_error_code,
                m.last_error_reason,
                CASE WHEN m.last_seq = c.seq THEN
                    (SELECT count(*) FROM status_history x
                     WHERE x.sort_key = m.sort_key AND x.kind = 'attempt_failed') END,
                CASE WHEN m.last_seq = c.seq THEN
                    (SELECT x.at FROM status_history x
                     WHERE x.sort_key = m.sort_key AND x.kind IN ('enqueued', 'state_changed')
                     ORDER BY x.seq DESC LIMIT 1) END,
                CASE WHEN m.last_seq = c.seq THEN
                    (SELECT x.detail FROM status_history x
                     WHERE x.sort_key = m.sort_key AND x.kind IN ('enqueued', 'state_changed')
                     ORDER BY x.seq DESC LIMIT 1) END,
                m.case_key, m.attachment_count, m.attachment_names
         FROM chain c
         LEFT JOIN status_history h ON h.seq = c.seq
         LEFT JOIN messages m ON m.sort_key = h.sort_key
         WHERE c.seq >= ?1 AND c.seq <= ?2 ORDER BY c.seq",
        enqueue_only_message_columns()
    );
    let mut lookups = Lookups::prepare(conn)?;
    let mut stmt = conn.prepare(&sql).during("reading the log chain")?;
    let mut rows = stmt.query([first, last]).during("reading the log chain")?;
    let mut expected_seq = first;
    let mut count = 0u64;
    let broken = loop {
        let Some(row) = rows.next().during("reading the log chain")? else {
            // Entries missing at the end of the range.
            break (expected_seq <= last).then_some((expected_seq, ChainBreak::Missing));
        };
        let e = walked(row).during("reading the log chain")?;
        if e.seq != expected_seq {
            break Some((expected_seq, ChainBreak::Missing));
        }
        if let Some(reason) = check_entry(conn, &mut lookups, row, &e, &prev, &mut purged)? {
            break Some((e.seq, reason));
        }
        prev = e.hash;
        expected_seq += 1;
        count += 1;
    };
    Ok(Walk {
        broken,
        count,
        last_hash: prev,
    })
}

/// Walks `1..=end` in two halves at once, the second on `helper` (a
/// connection of its own) in a read transaction begun after the caller's:
/// it sees the same entries up to `end` — the chain only grows — and
/// anything newer it sees of a message (a later state) is what a later
/// entry, beyond `end`, seals. The halves must meet: the first half's last
/// hash is the one the second half started from.
fn walk_in_two(conn: &Connection, helper: Connection, end: i64) -> Result<Walk, StoreError> {
    let mid = end / 2;
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(move || -> Result<(Walk, Option<Vec<u8>>), StoreError> {
            let tx = rusqlite::Transaction::new_unchecked(
                &helper,
                rusqlite::TransactionBehavior::Deferred,
            )
            .during("starting to verify")?;
            let before: Option<Vec<u8>> = tx
                .query_row("SELECT hash FROM chain WHERE seq = ?1", [mid], |r| r.get(0))
                .optional()
                .during("reading the log chain")?;
            let walked = walk(&tx, mid + 1, end, before.clone().unwrap_or_default())?;
            tx.commit().during("finishing verification")?;
            Ok((walked, before))
        });
        let first = walk(conn, 1, mid, vec![0u8; 32]);
        let second = second.join().unwrap_or_else(|_| {
            Err(StoreError::Corrupt {
                what: "the log check stopped unexpectedly".into(),
            })
        });
        (first, second)
    });
    let first = first?;
    let (second, before) = second?;
    if first.broken.is_some() {
        return Ok(first);
    }
    if before.as_deref() != Some(first.last_hash.as_slice()) {
        return Ok(Walk {
            broken: Some((mid + 1, ChainBreak::BrokenLink)),
            ..first
        });
    }
    Ok(Walk {
        broken: second.broken,
        count: first.count + second.count,
        last_hash: second.last_hash,
    })
}

/// Checks one entry: its link, its hash, and what it seals.
fn check_entry(
    conn: &Connection,
    lookups: &mut Lookups<'_>,
    row: &Row<'_>,
    e: &Walked,
    prev: &[u8],
    purged: &mut Option<HashSet<String>>,
) -> Result<Option<ChainBreak>, StoreError> {
    if e.prev_hash != prev {
        return Ok(Some(ChainBreak::BrokenLink));
    }
    let Ok(digest) = <[u8; 32]>::try_from(e.digest.as_slice()) else {
        return Ok(Some(ChainBreak::EntryAltered));
    };
    let entry = Entry {
        at: e.entry_at,
        kind: &e.kind,
        message_id: e.message_id.as_deref(),
        state: e.state.as_deref(),
        digest,
    };
    if entry_hash(prev, e.seq, &entry)[..] != e.hash[..] {
        return Ok(Some(ChainBreak::EntryAltered));
    }
    if e.kind == PURGE_KIND {
        return check_purge(conn, e.seq, &digest);
    }
    let id = e.message_id.as_deref().unwrap_or_default();
    let Some(h) = &e.history else {
        let purged = match purged {
            Some(ids) => ids,
            None => purged.insert(purged_ids(conn)?),
        };
        if purged.contains(id) {
            return Ok(None);
        }
        return Ok(Some(ChainBreak::ContentMissing {
            what: format!("the history of message {id}"),
        }));
    };
    let altered = |what: String| Ok(Some(ChainBreak::ContentAltered { what }));
    let last_seq = h.last_seq.unwrap_or(i64::MIN);
    if h.row_id.as_deref() != Some(id)
        || last_seq < e.seq
        || e.state.as_deref() != Some(h.state.as_str())
        || h.kind != e.kind
    {
        return altered(format!("the history of message {id}"));
    }
    // The message's latest entry seals the state its row shows, and what
    // the row repeats of its history.
    if last_seq == e.seq {
        if h.row_state.as_deref() != Some(h.state.as_str()) {
            return Ok(Some(ChainBreak::StateAltered {
                message_id: id.to_owned(),
            }));
        }
        if let Some(what) = h.row.differs_from_history(h) {
            return altered(format!("the {what} of message {id}"));
        }
    }
    let event = event_digest(
        id,
        h.at,
        &h.kind,
        &h.state,
        &h.detail,
        h.blob_sha256.as_deref(),
    );
    if h.kind == EventKind::Enqueued.as_str() {
        return check_enqueued(lookups, row, h, id, &event, &digest);
    }
    if event != digest {
        return altered(format!("the history of message {id}"));
    }
    // The distribution id and the mailbox are kept in the message's row for
    // search and exports; the chain seals them in the submission's detail.
    if SendState::parse(&h.state) == Some(SendState::Submitted) {
        let mailbox = match &h.mailbox {
            (Some(operator), Some(service_address)) => Some(messages::Mailbox {
                operator: operator.clone(),
                service_address: service_address.clone(),
            }),
            (None, None) => None,
            _ => return altered(format!("the mailbox of message {id}")),
        };
        // Direct mode's hand-over to the operator names the seal's date too.
        let recorded = h.distribution_id.as_deref().map(|d| {
            match (
                h.detail.starts_with(messages::OPERATOR_TRANSACTION),
                &mailbox,
            ) {
                (true, Some(mailbox)) => messages::handed_to_operator_detail(
                    d,
                    mailbox,
                    messages::sealed_on(&h.detail).unwrap_or("?"),
                ),
                _ => messages::submitted_detail(d, mailbox.as_ref()),
            }
        });
        if recorded.as_deref() != Some(h.detail.as_str()) {
            return altered(format!("the mailbox of message {id}"));
        }
    }
    if let Some(expected) = &h.blob_sha256 {
        if sealed_blob_sha256(lookups, h)?.as_ref() != Some(expected) {
            return altered(format!("the {} document of message {id}", h.state));
        }
    }
    Ok(None)
}

/// The SHA-256 of the blob a history row stored (signed delivery, letter).
fn sealed_blob_sha256(
    lookups: &mut Lookups<'_>,
    h: &History,
) -> Result<Option<String>, StoreError> {
    Ok(match SendState::parse(&h.state) {
        Some(SendState::Signed) => lookups
            .signed
            .query_row([h.sort_key], |r| r.get::<_, Vec<u8>>(0))
            .optional()
            .during("reading the signed delivery")?
            .map(|xml| sha256_hex(&xml)),
        Some(SendState::Paper) => lookups
            .letter
            .query_row([h.sort_key], |r| {
                Ok((r.get::<_, Option<Vec<u8>>>(0)?, r.get::<_, String>(1)?))
            })
            .optional()
            .during("reading the paper letter")?
            .map(|(pdf, stored)| pdf.map_or(stored, |p| sha256_hex(&p))),
        _ => h.blob_sha256.clone(),
    })
}

/// Checks an enqueue entry: the message row, its attachments' bytes and its
/// document, as sealed together with the history row.
fn check_enqueued(
    lookups: &mut Lookups<'_>,
    row: &Row<'_>,
    h: &History,
    id: &str,
    event: &[u8; 32],
    digest: &[u8; 32],
) -> Result<Option<ChainBreak>, StoreError> {
    let altered = |what: String| Ok(Some(ChainBreak::ContentAltered { what }));
    let mut message = match message_from_row(row) {
        Ok((_, message)) => message,
        // A row edited into values Kuvert never writes is altered
        // content, not a reason to stop checking.
        Err(StoreError::Corrupt { .. }) => return altered(format!("message {id}")),
        Err(e) => return Err(e),
    };
    let mut altered_name = None;
    message.attachments = lookups
        .attachments
        .query_map([h.sort_key], |r| {
            let bytes: Option<Vec<u8>> = r.get(6)?;
            Ok((messages::stored_attachment(r)?, bytes))
        })
        .and_then(|rows| {
            rows.map(|r| {
                r.map(|(a, bytes)| {
                    if altered_name.is_none()
                        && bytes.as_deref().map(sha256_hex).as_deref() != Some(&a.sha256_hex)
                    {
                        altered_name = Some(a.name.clone());
                    }
                    a
                })
            })
            .collect()
        })
        .during("reading attachments")?;
    let document: Option<(String, Vec<u8>)> = lookups
        .document
        .query_row([h.sort_key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .during("reading a message's document")?;
    message.document_sha256 = document.as_ref().map(|(sha, _)| sha.clone());
    if enqueue_digest(&message_digest(&message), event) != *digest {
        return altered(format!("message {id}"));
    }
    // What the row repeats of the content, for search, filters and exports.
    let case_key = message
        .content
        .case_number
        .as_ref()
        .map(|c| messages::case_key(c.as_str()));
    if h.row.case_key != case_key {
        return altered(format!("the case key of message {id}"));
    }
    let names = message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    if h.row.attachment_count != Some(message.attachments.len() as i64)
        || h.row.attachment_names.as_deref() != Some(names.as_str())
    {
        return altered(format!("the attachment list of message {id}"));
    }
    if h.sort_key >> 20 != message.created_at.unix_timestamp() {
        return altered(format!("the position in time of message {id}"));
    }
    if let Some(name) = altered_name {
        return altered(format!("attachment {name} of message {id}"));
    }
    if let Some((sha256, pdf)) = &document {
        if sha256_hex(pdf) != *sha256 {
            return altered(format!("the document of message {id}"));
        }
    }
    Ok(None)
}

/// Every id a purge record names.
fn purged_ids(conn: &Connection) -> Result<HashSet<String>, StoreError> {
    let lists: Vec<String> = conn
        .prepare("SELECT ids FROM purges")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .during("reading purge records")?;
    Ok(lists
        .iter()
        .flat_map(|l| l.lines().map(str::to_owned))
        .collect())
}

fn check_purge(
    conn: &Connection,
    seq: i64,
    digest: &[u8; 32],
) -> Result<Option<ChainBreak>, StoreError> {
    type Record = (i64, i64, i64, String, Option<String>, Option<String>);
    let record: Option<Record> = conn
        .prepare_cached("SELECT at, cutoff, count, ids, purger, rule FROM purges WHERE seq = ?1")
        .and_then(|mut s| s.query_row([seq], |r| Record::try_from(r)).optional())
        .during("reading a purge record")?;
    let altered = || {
        Ok(Some(ChainBreak::ContentAltered {
            what: "the purge record".into(),
        }))
    };
    let Some((at, cutoff, count, ids, purger, rule)) = record else {
        return Ok(Some(ChainBreak::ContentMissing {
            what: "the purge record".into(),
        }));
    };
    let listed = ids.lines().count() as i64;
    let ordered = match (&purger, &rule) {
        (Some(purger), Some(rule)) => Some((purger.as_str(), rule.as_str())),
        (None, None) => None,
        _ => return altered(),
    };
    if listed != count
        || purge_digest(at, cutoff, count, &sha256_hex(ids.as_bytes()), ordered) != *digest
    {
        return altered();
    }
    Ok(None)
}

/// Every live message's latest entry must exist and be its own (the walk
/// checks the state such an entry seals).
fn check_states(conn: &Connection) -> Result<Option<(u64, ChainBreak)>, StoreError> {
    let bad: Option<(String, i64)> = conn
        .prepare(
            "SELECT m.id, m.last_seq FROM messages m LEFT JOIN chain c ON c.seq = m.last_seq
             WHERE c.seq IS NULL OR c.message_id IS NOT m.id OR c.state IS NOT m.state
             ORDER BY m.last_seq LIMIT 1",
        )
        .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .during("checking message states")?;
    Ok(bad.map(|(message_id, seq)| (seq.max(0) as u64, ChainBreak::StateAltered { message_id })))
}

/// The latest checkpoint (of a full check only, with `full_only`).
fn latest_checkpoint(
    conn: &Connection,
    full_only: bool,
    signed_only: bool,
) -> Result<Option<ChainCheckpoint>, StoreError> {
    let row: Option<(i64, i64, bool)> = conn
        .prepare_cached(
            "SELECT seq, checked_at, full FROM chain_checkpoints
             WHERE (full OR NOT ?1) AND (signature IS NOT NULL OR NOT ?2)
             ORDER BY seq DESC, checked_at DESC LIMIT 1",
        )
        .and_then(|mut s| {
            s.query_row([full_only, signed_only], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        })
        .during("reading the checkpoint")?;
    row.map(|(seq, at, full)| {
        Ok(ChainCheckpoint {
            seq: seq.max(0) as u64,
            checked_at: from_unix(at)?,
            full,
        })
    })
    .transpose()
}

/// Records that the chain up to its current end was found intact by a check
/// (`full` or incremental) that ran at `at`; returns the checkpoint, or
/// `None` for an empty chain.
pub(crate) fn record_checkpoint(
    conn: &Connection,
    key: Option<&LogKey>,
    up_to: u64,
    full: bool,
    at: OffsetDateTime,
) -> Result<Option<ChainCheckpoint>, StoreError> {
    let seq = i64::try_from(up_to).unwrap_or(i64::MAX);
    let hash: Option<Vec<u8>> = conn
        .query_row("SELECT hash FROM chain WHERE seq = ?1", [seq], |r| r.get(0))
        .optional()
        .during("reading the log chain")?;
    let Some(hash) = hash else {
        return Ok(None);
    };
    let was_full: bool = conn
        .query_row(
            "SELECT full FROM chain_checkpoints WHERE seq = ?1 AND hash = ?2",
            params![seq, hash],
            |r| r.get(0),
        )
        .optional()
        .during("reading the checkpoint")?
        .unwrap_or(false);
    let full = full || was_full;
    let at_unix = to_unix(at);
    let signature = key.map(|k| k.sign(checkpoint_domain(full), seq, &hash, at_unix));
    conn.execute(
        "INSERT INTO chain_checkpoints (seq, hash, checked_at, full, signature)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (seq) DO UPDATE SET checked_at = excluded.checked_at,
             full = excluded.full, signature = excluded.signature
         WHERE chain_checkpoints.hash = excluded.hash",
        params![seq, hash, at_unix, full, signature],
    )
    .during("recording a checkpoint")?;
    Ok(Some(ChainCheckpoint {
        seq: up_to,
        checked_at: at,
        full,
    }))
}

/// The signature domain of a checkpoint, which seals whether its check
/// was full.
fn checkpoint_domain(full: bool) -> &'static str {
    if full {
        "kuvert-checkpoint/1/full"
    } else {
        "kuvert-checkpoint/1/since-checkpoint"
    }
}

/// Every recorded checkpoint must still name its entry with the hash it
/// had, and with a key, be signed by it (those from before checkpoints
/// were signed excepted).
fn check_checkpoints(
    conn: &Connection,
    key: Option<&LogKey>,
) -> Result<Option<(i64, ChainBreak)>, StoreError> {
    type Row = (i64, Vec<u8>, i64, bool, Option<Vec<u8>>, Option<Vec<u8>>);
    let rows: Vec<Row> = conn
        .prepare(
            "SELECT k.seq, k.hash, k.checked_at, k.full, k.signature, c.hash
             FROM chain_checkpoints k LEFT JOIN chain c ON c.seq = k.seq ORDER BY k.seq",
        )
        .and_then(|mut s| s.query_map([], |r| Row::try_from(r))?.collect())
        .during("reading the checkpoints")?;
    for (seq, hash, at, full, signature, chained) in rows {
        if let (Some(key), Some(signature)) = (key, &signature) {
            if !key.verifies(checkpoint_domain(full), seq, &hash, at, signature) {
                return Ok(Some((seq, ChainBreak::CheckpointForged)));
            }
        }
        match chained {
            None => return Ok(Some((seq, ChainBreak::Missing))),
            Some(chained) if chained != hash => {
                return Ok(Some((seq, ChainBreak::CheckpointMismatch)))
            }
            Some(_) => {}
        }
    }
    Ok(None)
}

/// Where and why the chain does not hold.
type Break = (i64, ChainBreak);

/// The anchor must be signed by the key and name an entry the chain still
/// holds, with its hash; with no anchor file, the log must be empty.
fn check_anchor(
    conn: &Connection,
    database: &std::path::Path,
    key: &LogKey,
    end: i64,
) -> Result<(Option<Anchor>, Option<Break>), StoreError> {
    let Some(anchor) = super::anchor::read(database)? else {
        let broken = (end > 0).then_some((end, ChainBreak::AnchorMissing));
        return Ok((None, broken));
    };
    let seq = i64::try_from(anchor.seq).unwrap_or(i64::MAX);
    if !anchor.signed_by(key) {
        return Ok((Some(anchor), Some((seq, ChainBreak::AnchorForged))));
    }
    if seq > end {
        let broken = (
            end + 1,
            ChainBreak::Truncated {
                anchored: anchor.seq,
            },
        );
        return Ok((Some(anchor), Some(broken)));
    }
    let hash: Option<Vec<u8>> = conn
        .query_row("SELECT hash FROM chain WHERE seq = ?1", [seq], |r| r.get(0))
        .optional()
        .during("reading the log chain")?;
    if hash.map(|h| crate::messages::hex(&h)).as_deref() != Some(anchor.hash.as_str()) {
        return Ok((Some(anchor), Some((seq, ChainBreak::AnchorMismatch))));
    }
    Ok((Some(anchor), None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MessageContent, NextState, OutgoingMessage, Store};
    use kuvert_protocol::delivery::{MessageId, ProtectionClass, SenderName, Subject};
    use kuvert_protocol::identity::{OrganizationNumber, RecipientId};

    /// A store with `n` messages, each enqueued and signed (two entries).
    fn store(n: u32) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("kuvert.sqlite")).unwrap();
        for i in 0..n {
            let id = MessageId::new(&format!("00000000-0000-4000-8000-{i:012}")).unwrap();
            let content = MessageContent {
                message_id: id.clone(),
                correlation_id: id.clone(),
                profile: "Bygglov".into(),
                sender_org: OrganizationNumber::from_wire("162021003898").unwrap(),
                sender_name: SenderName::new("Kommun B").unwrap(),
                recipient: RecipientId::from_wire("198501012382").unwrap(),
                subject: Subject::new("Beslut").unwrap(),
                body: format!("Meddelande {i}"),
                case_number: None,
                attention: None,
                protection_class: ProtectionClass::new(1).unwrap(),
                case_type: None,
                officer: None,
                event: None,
            };
            let message = OutgoingMessage {
                content,
                attachments: vec![],
                document: None,
            };
            let t = OffsetDateTime::from_unix_timestamp(1_800_000_000 + i64::from(i)).unwrap();
            store.enqueue(&message, t).unwrap();
            store
                .transition(
                    &id,
                    SendState::Queued,
                    &NextState::Signed {
                        signed_xml: b"<SignedDelivery/>".to_vec(),
                    },
                    t,
                )
                .unwrap();
        }
        (dir, store)
    }

    /// Both halves checked, as one walk would: (entries, first break).
    fn in_two(store: &Store) -> (u64, Option<(i64, ChainBreak)>) {
        let conn = crate::connection::open(store.path()).unwrap();
        let tx =
            rusqlite::Transaction::new_unchecked(&conn, rusqlite::TransactionBehavior::Deferred)
                .unwrap();
        let end: i64 = tx
            .query_row("SELECT max(seq) FROM chain", [], |r| r.get(0))
            .unwrap();
        let helper = crate::connection::open(store.path()).unwrap();
        let walked = walk_in_two(&tx, helper, end).unwrap();
        (walked.count, walked.broken)
    }

    fn sql(store: &Store, statement: &str) {
        crate::connection::open(store.path())
            .unwrap()
            .execute_batch(statement)
            .unwrap();
    }

    #[test]
    fn the_halves_check_what_one_walk_checks() {
        let (_dir, store) = store(10);
        assert_eq!(in_two(&store), (20, None));
        assert_eq!(
            store.verify_chain().unwrap(),
            ChainVerdict::Unanchored { entries: 20 }
        );
    }

    #[test]
    fn a_change_in_either_half_or_at_the_seam_is_found() {
        for (seq, statement, reason) in [
            (
                3,
                "UPDATE chain SET at = at + 1 WHERE seq = 3",
                ChainBreak::EntryAltered,
            ),
            (
                15,
                "UPDATE chain SET at = at + 1 WHERE seq = 15",
                ChainBreak::EntryAltered,
            ),
            (10, "DELETE FROM chain WHERE seq = 10", ChainBreak::Missing),
            (
                11,
                "UPDATE chain SET prev_hash = zeroblob(32) WHERE seq = 11",
                ChainBreak::BrokenLink,
            ),
            (
                20,
                "DELETE FROM chain WHERE seq = 20",
                ChainBreak::StateAltered {
                    message_id: "00000000-0000-4000-8000-000000000009".into(),
                },
            ),
        ] {
            let (_dir, store) = store(10);
            sql(&store, statement);
            let (_, broken) = in_two(&store);
            if seq == 20 {
                // The last entry gone: both halves hold, the message's
                // state check (run after them) finds its entry missing.
                assert_eq!(broken, None, "{statement}");
                assert_eq!(
                    store.verify_chain().unwrap(),
                    ChainVerdict::Broken { seq: 20, reason },
                    "{statement}"
                );
                continue;
            }
            assert_eq!(broken, Some((seq, reason)), "{statement}");
        }
    }
}
