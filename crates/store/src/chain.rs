//! The tamper-evident hash chain over the sent log.
//!
//! Every log event — enqueue, each state change, each failed attempt, each
//! purge — appends one entry. An entry holds only its sequence number, time,
//! kind, message id, state and a SHA-256 *digest* of the event's content; its
//! `hash` is SHA-256 over a canonical serialisation of all of these and the
//! previous entry's hash (32 zero bytes before the first entry).
//!
//! ## Canonical serialisation
//!
//! A domain tag (`kuvert-chain-entry/1`, `kuvert-message/1`, …) followed by
//! each field as one type byte (`t` text, `i` integer, `n` absent, `b`
//! bytes), an 8-byte big-endian length and the bytes (integers as 8-byte
//! big-endian two's complement). Fixed order, no separators to confuse.
//!
//! ## Purge anchor
//!
//! Retention purge deletes a message's content, attachments and history but
//! never chain entries: they carry no personal data, only ids, times, states
//! and digests. The purge itself is an entry whose digest covers the cutoff,
//! the count and the SHA-256 of the sorted purged ids, which are kept in the
//! `purges` table. [`Store::verify_chain`](crate::Store::verify_chain) therefore still checks every link of the chain
//! after a purge, and accepts a missing message only when a sealed purge
//! entry names it — deleting a message by hand is reported.

use std::collections::HashSet;

use openssl::sha::Sha256;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Context;
use crate::history::EventKind;
use crate::messages::{self, sha256_hex, Message, SendState};
use crate::schema::Migrations;
use crate::StoreError;

pub(crate) static MIGRATIONS: Migrations = Migrations {
    component: "chain",
    steps: &[r#"
CREATE TABLE chain (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    message_id TEXT,
    state      TEXT,
    digest     BLOB NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
) STRICT;
"#],
};

/// The kind stored for purge entries (the others are [`EventKind`] names).
pub(crate) const PURGE_KIND: &str = "purge";

/// Builds a canonical serialisation straight into SHA-256.
pub(crate) struct Canon(Sha256);

impl Canon {
    pub(crate) fn new(domain: &str) -> Canon {
        let mut h = Sha256::new();
        h.update(domain.as_bytes());
        Canon(h)
    }

    fn field(&mut self, kind: u8, bytes: &[u8]) -> &mut Canon {
        self.0.update(&[kind]);
        self.0.update(&(bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
        self
    }

    pub(crate) fn text(&mut self, s: &str) -> &mut Canon {
        self.field(b't', s.as_bytes())
    }

    pub(crate) fn opt(&mut self, s: Option<&str>) -> &mut Canon {
        match s {
            Some(s) => self.text(s),
            None => self.field(b'n', &[]),
        }
    }

    pub(crate) fn int(&mut self, i: i64) -> &mut Canon {
        self.field(b'i', &i.to_be_bytes())
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) -> &mut Canon {
        self.field(b'b', b)
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        self.0.finish()
    }
}

/// Digest of a message's content as stored (state excluded: it changes).
pub(crate) fn message_digest(m: &Message) -> [u8; 32] {
    let content = &m.content;
    // Version 2 adds the officer and the document, version 3 (event
    // messages) also the event's status and preceding event. A message
    // stored before Kuvert recorded them keeps the digest it was chained
    // with; one that had them cannot lose them unnoticed (nor an ordinary
    // message gain them), since the version is part of what was hashed.
    let v3 = content.event.is_some();
    let v2 = v3 || content.officer.is_some() || m.document_sha256.is_some();
    let mut c = Canon::new(if v3 {
        "kuvert-message/3"
    } else if v2 {
        "kuvert-message/2"
    } else {
        "kuvert-message/1"
    });
    c.text(content.message_id.as_str())
        .text(content.correlation_id.as_str())
        .text(&content.profile)
        .text(content.sender_org.as_str())
        .text(content.sender_name.as_str())
        .text(content.recipient.as_str())
        .text(&content.recipient.display_form())
        .text(content.subject.as_str())
        .text(&content.body)
        .opt(content.case_number.as_ref().map(|c| c.as_str()))
        .opt(content.attention.as_ref().map(|a| a.as_str()))
        .int(i64::from(content.protection_class.get()))
        .opt(content.case_type.as_deref())
        .int(m.created_at.unix_timestamp())
        .int(m.attachments.len() as i64);
    if v2 {
        let officer = content.officer.as_ref();
        c.opt(officer.map(|o| o.account.as_str()))
            .opt(officer.map(|o| o.name.as_str()))
            .opt(m.document_sha256.as_deref());
    }
    if let Some(event) = &content.event {
        c.text(event.status.wire())
            .opt(event.preceding_event_id.as_ref().map(|p| p.as_str()));
    }
    for a in &m.attachments {
        c.text(&a.name)
            .text(&a.content_type)
            .int(a.size as i64)
            .text(&a.md5_hex)
            .text(&a.sha256_hex);
    }
    c.finish()
}

/// Digest of one status history row.
pub(crate) fn event_digest(
    message_id: &str,
    at: i64,
    kind: &str,
    state: &str,
    detail: &str,
    blob_sha256: Option<&str>,
) -> [u8; 32] {
    let mut c = Canon::new("kuvert-event/1");
    c.text(message_id)
        .int(at)
        .text(kind)
        .text(state)
        .text(detail)
        .opt(blob_sha256);
    c.finish()
}

/// Digest of an enqueue: the stored content and its history row together.
pub(crate) fn enqueue_digest(content: &[u8; 32], event: &[u8; 32]) -> [u8; 32] {
    let mut c = Canon::new("kuvert-enqueue/1");
    c.bytes(content).bytes(event);
    c.finish()
}

/// Digest of a purge record.
/// Digest of a purge record; version 2 adds who ordered it and the rule
/// (purges from before Kuvert recorded them keep version 1).
pub(crate) fn purge_digest(
    at: i64,
    cutoff: i64,
    count: i64,
    ids_sha256: &str,
    ordered: Option<(&str, &str)>,
) -> [u8; 32] {
    let mut c = Canon::new(match ordered {
        Some(_) => "kuvert-purge/2",
        None => "kuvert-purge/1",
    });
    c.int(at).int(cutoff).int(count).text(ids_sha256);
    if let Some((purger, rule)) = ordered {
        c.text(purger).text(rule);
    }
    c.finish()
}

/// The fields an entry's hash covers.
pub(crate) struct Entry<'a> {
    pub at: i64,
    pub kind: &'a str,
    pub message_id: Option<&'a str>,
    pub state: Option<&'a str>,
    pub digest: [u8; 32],
}

fn entry_hash(prev: &[u8], seq: i64, e: &Entry<'_>) -> [u8; 32] {
    let mut c = Canon::new("kuvert-chain-entry/1");
    c.bytes(prev)
        .int(seq)
        .int(e.at)
        .text(e.kind)
        .opt(e.message_id)
        .opt(e.state)
        .bytes(&e.digest);
    c.finish()
}

/// The end of the chain inside a write transaction.
#[derive(Clone)]
pub(crate) struct Tail {
    next_seq: i64,
    prev: Vec<u8>,
}

impl Tail {
    /// Reads the current end; call inside the (IMMEDIATE) write transaction.
    pub(crate) fn read(conn: &Connection) -> Result<Tail, StoreError> {
        let last: Option<(i64, Vec<u8>)> = conn
            .prepare_cached("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1")
            .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .during("reading the end of the log chain")?;
        Ok(match last {
            Some((seq, hash)) => Tail {
                next_seq: seq + 1,
                prev: hash,
            },
            None => Tail {
                next_seq: 1,
                prev: vec![0; 32],
            },
        })
    }

    /// The seq the next appended entry will get.
    pub(crate) fn next_seq(&self) -> i64 {
        self.next_seq
    }

    /// Appends `entry` with the next seq and returns that seq.
    pub(crate) fn append(
        &mut self,
        conn: &Connection,
        entry: &Entry<'_>,
    ) -> Result<i64, StoreError> {
        let seq = self.next_seq;
        let hash = entry_hash(&self.prev, seq, entry);
        conn.prepare_cached(
            "INSERT INTO chain (seq, at, kind, message_id, state, digest, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .and_then(|mut s| {
            s.execute(params![
                seq,
                entry.at,
                entry.kind,
                entry.message_id,
                entry.state,
                &entry.digest[..],
                self.prev,
                &hash[..]
            ])
        })
        .during("appending to the log chain")?;
        self.prev = hash.to_vec();
        self.next_seq += 1;
        Ok(seq)
    }
}

/// The outcome of [`Store::verify_chain`](crate::Store::verify_chain).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainVerdict {
    /// Every entry links to the previous one and matches the stored data.
    Intact {
        /// Number of entries checked.
        entries: u64,
    },
    /// The first entry (lowest seq) that does not hold.
    Broken {
        /// The entry's sequence number.
        seq: u64,
        /// What is wrong with it.
        reason: ChainBreak,
    },
}

/// Why a chain entry does not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainBreak {
    /// The entry is missing (the chain jumps past it).
    Missing,
    /// Its `prev_hash` is not the previous entry's hash.
    BrokenLink,
    /// Its stored hash does not match its fields: the entry was edited.
    EntryAltered,
    /// The data it seals (message, attachment, history row, purge record)
    /// was changed.
    ContentAltered {
        /// Which data, e.g. "message 3f2…".
        what: String,
    },
    /// The data it seals is gone without a purge that names it.
    ContentMissing {
        /// Which data.
        what: String,
    },
    /// A message's stored state is not the state its latest entry sealed.
    StateAltered {
        /// The message's id.
        message_id: String,
    },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Missing => f.write_str("the entry is missing"),
            ChainBreak::BrokenLink => f.write_str("the entry does not link to the one before it"),
            ChainBreak::EntryAltered => f.write_str("the entry was altered"),
            ChainBreak::ContentAltered { what } => write!(f, "{what} was altered"),
            ChainBreak::ContentMissing { what } => write!(f, "{what} was removed outside a purge"),
            ChainBreak::StateAltered { message_id } => {
                write!(f, "the state of message {message_id} was altered")
            }
        }
    }
}

/// One row of the `chain` table.
struct Stored {
    seq: i64,
    at: i64,
    kind: String,
    message_id: Option<String>,
    state: Option<String>,
    digest: Vec<u8>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

/// Verifies the whole chain against the stored data (see the module docs).
/// Runs in one read transaction, so a concurrent writer cannot make it
/// report a half-written event.
pub(crate) fn verify(conn: &Connection) -> Result<ChainVerdict, StoreError> {
    let purged = purged_ids(conn)?;
    let mut stmt = conn
        .prepare("SELECT seq, at, kind, message_id, state, digest, prev_hash, hash FROM chain ORDER BY seq")
        .during("reading the log chain")?;
    let mut rows = stmt.query([]).during("reading the log chain")?;
    let mut expected_seq = 1;
    let mut prev = vec![0u8; 32];
    let mut count = 0u64;
    while let Some(row) = rows.next().during("reading the log chain")? {
        let e = Stored {
            seq: row.get(0).during("reading the log chain")?,
            at: row.get(1).during("reading the log chain")?,
            kind: row.get(2).during("reading the log chain")?,
            message_id: row.get(3).during("reading the log chain")?,
            state: row.get(4).during("reading the log chain")?,
            digest: row.get(5).during("reading the log chain")?,
            prev_hash: row.get(6).during("reading the log chain")?,
            hash: row.get(7).during("reading the log chain")?,
        };
        let broken = |reason| {
            Ok(ChainVerdict::Broken {
                seq: e.seq.max(0) as u64,
                reason,
            })
        };
        if e.seq != expected_seq {
            return Ok(ChainVerdict::Broken {
                seq: expected_seq.max(0) as u64,
                reason: ChainBreak::Missing,
            });
        }
        if e.prev_hash != prev {
            return broken(ChainBreak::BrokenLink);
        }
        let Ok(digest) = <[u8; 32]>::try_from(e.digest.as_slice()) else {
            return broken(ChainBreak::EntryAltered);
        };
        let entry = Entry {
            at: e.at,
            kind: &e.kind,
            message_id: e.message_id.as_deref(),
            state: e.state.as_deref(),
            digest,
        };
        if entry_hash(&prev, e.seq, &entry)[..] != e.hash[..] {
            return broken(ChainBreak::EntryAltered);
        }
        if let Some(reason) = check_content(conn, &e, &digest, &purged)? {
            return broken(reason);
        }
        prev = e.hash;
        expected_seq += 1;
        count += 1;
    }
    if let Some((seq, reason)) = check_states(conn)? {
        return Ok(ChainVerdict::Broken { seq, reason });
    }
    Ok(ChainVerdict::Intact { entries: count })
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

/// A history row with its message's id and latest chain entry:
/// (sort key, at, kind, state, detail, blob SHA-256, message id, last seq).
type SealedEvent = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
);

/// Checks the data entry `e` seals; `None` when it matches.
fn check_content(
    conn: &Connection,
    e: &Stored,
    digest: &[u8; 32],
    purged: &HashSet<String>,
) -> Result<Option<ChainBreak>, StoreError> {
    if e.kind == PURGE_KIND {
        return check_purge(conn, e, digest);
    }
    let id = e.message_id.as_deref().unwrap_or_default();
    let event: Option<SealedEvent> = conn
        .prepare_cached(
            "SELECT h.sort_key, h.at, h.kind, h.state, h.detail, h.blob_sha256, m.id, m.last_seq
             FROM status_history h JOIN messages m ON m.sort_key = h.sort_key WHERE h.seq = ?1",
        )
        .and_then(|mut s| {
            s.query_row([e.seq], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })
            .optional()
        })
        .during("reading the status history")?;
    let Some((sort_key, at, kind, state, detail, blob, row_id, last_seq)) = event else {
        if purged.contains(id) {
            return Ok(None);
        }
        return Ok(Some(ChainBreak::ContentMissing {
            what: format!("the history of message {id}"),
        }));
    };
    let altered = |what: String| Ok(Some(ChainBreak::ContentAltered { what }));
    if row_id != id
        || last_seq < e.seq
        || e.state.as_deref() != Some(state.as_str())
        || kind != e.kind
    {
        return altered(format!("the history of message {id}"));
    }
    let event = event_digest(id, at, &kind, &state, &detail, blob.as_deref());
    if kind == EventKind::Enqueued.as_str() {
        let message = match messages::load(conn, id) {
            Ok(Some(message)) => message,
            Ok(None) => {
                return Ok(Some(ChainBreak::ContentMissing {
                    what: format!("message {id}"),
                }))
            }
            // A row edited into values Kuvert never writes is altered
            // content, not a reason to stop checking.
            Err(StoreError::Corrupt { .. }) => return altered(format!("message {id}")),
            Err(e) => return Err(e),
        };
        if enqueue_digest(&message_digest(&message), &event) != *digest {
            return altered(format!("message {id}"));
        }
        if let Some(name) = altered_attachment(conn, sort_key)? {
            return altered(format!("attachment {name} of message {id}"));
        }
        if let Some(sha256) = &message.document_sha256 {
            let pdf: Vec<u8> = conn
                .prepare_cached("SELECT pdf FROM message_documents WHERE sort_key = ?1")
                .and_then(|mut s| s.query_row([sort_key], |r| r.get(0)))
                .during("reading a message's document")?;
            if sha256_hex(&pdf) != *sha256 {
                return altered(format!("the document of message {id}"));
            }
        }
        return Ok(None);
    }
    if event != *digest {
        return altered(format!("the history of message {id}"));
    }
    // The distribution id and the mailbox are kept in the message's row for
    // search and exports; the chain seals them in the submission's detail.
    if SendState::parse(&state) == Some(SendState::Submitted) {
        let row: (Option<String>, Option<String>, Option<String>) = conn
            .prepare_cached(
                "SELECT distribution_id, mailbox_operator, mailbox_address FROM messages
                 WHERE sort_key = ?1",
            )
            .and_then(|mut s| s.query_row([sort_key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))
            .during("reading the message's mailbox")?;
        let mailbox = match (row.1, row.2) {
            (Some(operator), Some(service_address)) => Some(messages::Mailbox {
                operator,
                service_address,
            }),
            (None, None) => None,
            _ => return altered(format!("the mailbox of message {id}")),
        };
        let recorded = row
            .0
            .map(|distribution_id| messages::submitted_detail(&distribution_id, mailbox.as_ref()));
        if recorded.as_deref() != Some(detail.as_str()) {
            return altered(format!("the mailbox of message {id}"));
        }
    }
    if let Some(expected) = blob {
        let actual = match SendState::parse(&state) {
            Some(SendState::Signed) => conn
                .prepare_cached("SELECT xml FROM signed_deliveries WHERE sort_key = ?1")
                .and_then(|mut s| {
                    s.query_row([sort_key], |r| r.get::<_, Vec<u8>>(0))
                        .optional()
                })
                .during("reading the signed delivery")?
                .map(|xml| sha256_hex(&xml)),
            Some(SendState::Paper) => conn
                .prepare_cached("SELECT pdf, sha256_hex FROM paper_letters WHERE sort_key = ?1")
                .and_then(|mut s| {
                    s.query_row([sort_key], |r| {
                        Ok((r.get::<_, Option<Vec<u8>>>(0)?, r.get::<_, String>(1)?))
                    })
                    .optional()
                })
                .during("reading the paper letter")?
                .map(|(pdf, stored)| pdf.map_or(stored, |p| sha256_hex(&p))),
            _ => Some(expected.clone()),
        };
        if actual.as_deref() != Some(expected.as_str()) {
            return altered(format!("the {state} document of message {id}"));
        }
    }
    Ok(None)
}

/// The name of the first attachment whose bytes no longer match its SHA-256.
fn altered_attachment(conn: &Connection, sort_key: i64) -> Result<Option<String>, StoreError> {
    let rows: Vec<(String, String, Option<Vec<u8>>)> = conn
        .prepare_cached(
            "SELECT a.name, a.sha256_hex, c.bytes FROM attachments a
             LEFT JOIN attachment_content c ON c.attachment_id = a.id
             WHERE a.sort_key = ?1 ORDER BY a.position",
        )
        .and_then(|mut s| {
            s.query_map([sort_key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .during("reading attachments")?;
    Ok(rows
        .into_iter()
        .find(|(_, sha, bytes)| bytes.as_deref().map(sha256_hex).as_deref() != Some(sha.as_str()))
        .map(|(name, _, _)| name))
}

fn check_purge(
    conn: &Connection,
    e: &Stored,
    digest: &[u8; 32],
) -> Result<Option<ChainBreak>, StoreError> {
    type Record = (i64, i64, i64, String, Option<String>, Option<String>);
    let record: Option<Record> = conn
        .prepare_cached("SELECT at, cutoff, count, ids, purger, rule FROM purges WHERE seq = ?1")
        .and_then(|mut s| s.query_row([e.seq], |r| Record::try_from(r)).optional())
        .during("reading a purge record")?;
    let Some((at, cutoff, count, ids, purger, rule)) = record else {
        return Ok(Some(ChainBreak::ContentMissing {
            what: "the purge record".into(),
        }));
    };
    let listed = ids.lines().count() as i64;
    let ordered = match (&purger, &rule) {
        (Some(purger), Some(rule)) => Some((purger.as_str(), rule.as_str())),
        (None, None) => None,
        _ => {
            return Ok(Some(ChainBreak::ContentAltered {
                what: "the purge record".into(),
            }))
        }
    };
    if listed != count
        || purge_digest(at, cutoff, count, &sha256_hex(ids.as_bytes()), ordered) != *digest
    {
        return Ok(Some(ChainBreak::ContentAltered {
            what: "the purge record".into(),
        }));
    }
    Ok(None)
}

/// Every live message's state must be the state sealed by its latest entry.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_database;

    #[test]
    fn appended_entries_link_and_edits_show() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        conn.execute_batch("CREATE TABLE purges (seq INTEGER PRIMARY KEY, at INTEGER, cutoff INTEGER, count INTEGER, ids TEXT, purger TEXT, rule TEXT); CREATE TABLE messages (sort_key INTEGER PRIMARY KEY, id TEXT, state TEXT, last_seq INTEGER); CREATE TABLE status_history (seq INTEGER PRIMARY KEY, sort_key INTEGER, at INTEGER, kind TEXT, state TEXT, detail TEXT, blob_sha256 TEXT);").unwrap();
        let mut tail = Tail::read(&conn).unwrap();
        for at in 0..3 {
            let ids = "";
            let d = purge_digest(at, 0, 0, &sha256_hex(ids.as_bytes()), None);
            let seq = tail
                .append(
                    &conn,
                    &Entry {
                        at,
                        kind: PURGE_KIND,
                        message_id: None,
                        state: None,
                        digest: d,
                    },
                )
                .unwrap();
            conn.execute(
                "INSERT INTO purges VALUES (?1, ?2, 0, 0, '', NULL, NULL)",
                [seq, at],
            )
            .unwrap();
        }
        assert_eq!(verify(&conn).unwrap(), ChainVerdict::Intact { entries: 3 });
        assert_eq!(Tail::read(&conn).unwrap().next_seq(), 4);
        conn.execute("UPDATE chain SET at = 9 WHERE seq = 2", [])
            .unwrap();
        assert_eq!(
            verify(&conn).unwrap(),
            ChainVerdict::Broken {
                seq: 2,
                reason: ChainBreak::EntryAltered
            }
        );
    }

    #[test]
    fn canonical_fields_cannot_be_shifted() {
        let mut a = Canon::new("d");
        a.text("ab").text("c");
        let mut b = Canon::new("d");
        b.text("a").text("bc");
        assert_ne!(a.finish(), b.finish());
        let mut n = Canon::new("d");
        n.opt(None);
        let mut e = Canon::new("d");
        e.opt(Some(""));
        assert_ne!(n.finish(), e.finish());
    }
}
