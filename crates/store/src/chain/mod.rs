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

use openssl::sha::Sha256;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Context;
use crate::messages::Message;
use crate::schema::{Migrations, Step};
use crate::StoreError;

pub(crate) static MIGRATIONS: Migrations = Migrations {
    component: "chain",
    steps: &[
        Step::Sql(
            r#"
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
"#,
        ),
        Step::Sql(
            r#"
-- Points up to which a check found the chain intact (see `verify`).
CREATE TABLE chain_checkpoints (
    seq        INTEGER PRIMARY KEY,   -- the last entry the check covered
    hash       BLOB NOT NULL,         -- that entry's hash when checked
    checked_at INTEGER NOT NULL,
    full       INTEGER NOT NULL CHECK (full IN (0, 1))
) STRICT;
"#,
        ),
        Step::Sql(
            r#"
-- The log key's signature of a checkpoint (see `anchor`); NULL for those
-- recorded before checkpoints were signed, which no check starts from.
ALTER TABLE chain_checkpoints ADD COLUMN signature BLOB;
"#,
        ),
    ],
};

mod anchor;
mod verify;

pub use anchor::{anchor_path, Anchor, LogKey};

pub(crate) use anchor::{read as read_anchor, write as write_anchor};
pub(crate) use verify::{record_checkpoint, verify};
pub use verify::{ChainCheck, ChainCheckpoint, ChainScope};

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
    /// Every entry links and matches the stored data, but no log key was at
    /// hand (the keyring could not be reached), so neither the removal of
    /// the newest entries nor a rebuilt chain can be ruled out.
    Unanchored {
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
    /// The entry a checkpoint names no longer has the hash it had when the
    /// chain was checked: the chain was rewritten up to there.
    CheckpointMismatch,
    /// A checkpoint's signature does not hold under the log key.
    CheckpointForged,
    /// The anchor file is gone although the log has a key.
    AnchorMissing,
    /// The anchor file's signature does not hold under the log key.
    AnchorForged,
    /// The chain ends before the anchored entry: newer entries were removed.
    Truncated {
        /// The entry the anchor names.
        anchored: u64,
    },
    /// The anchored entry no longer has the anchored hash: the chain was
    /// rebuilt.
    AnchorMismatch,
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
            ChainBreak::CheckpointMismatch => {
                f.write_str("the chain no longer matches its last checkpoint")
            }
            ChainBreak::CheckpointForged => {
                f.write_str("a checkpoint's signature does not hold: it was not made by this log")
            }
            ChainBreak::AnchorMissing => {
                f.write_str("the log's anchor file (beside the database) was removed")
            }
            ChainBreak::AnchorForged => {
                f.write_str("the log's anchor file was not signed with this log's key")
            }
            ChainBreak::Truncated { anchored } => write!(
                f,
                "the newest entries were removed: the log was anchored at entry {anchored}"
            ),
            ChainBreak::AnchorMismatch => {
                f.write_str("the anchored entry's hash changed: the chain was rebuilt")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::sha256_hex;
    use crate::schema::test_database;

    #[test]
    fn appended_entries_link_and_edits_show() {
        let (_dir, conn) = test_database(crate::schema::ALL);
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
        assert_eq!(
            verify(&conn, None, None, ChainScope::Full).unwrap().verdict,
            ChainVerdict::Unanchored { entries: 3 }
        );
        assert_eq!(Tail::read(&conn).unwrap().next_seq(), 4);
        conn.execute("UPDATE chain SET at = 9 WHERE seq = 2", [])
            .unwrap();
        assert_eq!(
            verify(&conn, None, None, ChainScope::Full).unwrap().verdict,
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
