//! The department log's tamper-evident chain: every history line appends
//! one entry whose digest covers the line and the message's content, and
//! whose hash covers the digest and the previous entry's hash. Appends take
//! an advisory lock for the rest of their transaction, so entries written
//! by several instances form one chain in commit order.
//!
//! [`verify`] walks the chain and recomputes everything from the rows a
//! registrar reads: a message, history line or chain entry edited, added or
//! deleted outside Kuvert is reported.

use openssl::sha::Sha256;
use postgres::GenericClient;
use time::OffsetDateTime;

use crate::db::{DbError, During};

/// The advisory lock serialising appends.
const CHAIN_LOCK: i64 = 0x6b75_7665_7274_0002;

/// A domain-tagged, length-prefixed serialisation fed to SHA-256.
struct Canon(Sha256);

impl Canon {
    fn new(tag: &str) -> Canon {
        let mut canon = Canon(Sha256::new());
        canon.text(Some(tag));
        canon
    }

    fn text(&mut self, value: Option<&str>) -> &mut Canon {
        match value {
            Some(v) => {
                self.0.update(b"t");
                self.0.update(&(v.len() as u64).to_be_bytes());
                self.0.update(v.as_bytes());
            }
            None => self.0.update(b"n"),
        }
        self
    }

    fn integer(&mut self, value: i64) -> &mut Canon {
        self.0.update(b"i");
        self.0.update(&value.to_be_bytes());
        self
    }

    fn bytes(&mut self, value: &[u8]) -> &mut Canon {
        self.0.update(b"b");
        self.0.update(&(value.len() as u64).to_be_bytes());
        self.0.update(value);
        self
    }

    fn finish(self) -> [u8; 32] {
        self.0.finish()
    }
}

/// What a message's digest covers: everything about it that never changes
/// once stored (the changing state is in its history lines).
const CONTENT_COLUMNS: &str = "m.id, m.correlation_id, m.officer, m.officer_name, m.unit, \
    m.sender_org, m.sender_name, m.recipient, m.recipient_display, m.subject, m.body, \
    m.case_number, m.attention, m.protection_class, m.case_type, m.event_status, \
    m.preceding_event_id, m.created_at, sha256(coalesce(m.signed_xml, '')), \
    sha256(coalesce(m.document, '')), \
    (SELECT coalesce(string_agg(a.name || '/' || a.content_type || '/' || a.sha256 || '/' \
        || encode(sha256(a.bytes), 'hex'), '|' ORDER BY a.position), '') \
     FROM attachments a WHERE a.message_id = m.id)";

fn content_digest(row: &postgres::Row) -> [u8; 32] {
    let mut canon = Canon::new("kuvert-department-message/1");
    for i in 0..row.len() {
        match i {
            13 => canon.integer(i64::from(row.get::<_, i16>(i))),
            17 => canon.integer(row.get::<_, OffsetDateTime>(i).unix_timestamp_nanos() as i64),
            18 | 19 => canon.bytes(&row.get::<_, Vec<u8>>(i)),
            _ => canon.text(row.get::<_, Option<String>>(i).as_deref()),
        };
    }
    canon.finish()
}

/// One history line's digest.
fn event_digest(
    content: &[u8; 32],
    at: OffsetDateTime,
    kind: &str,
    state: &str,
    detail: Option<&str>,
) -> [u8; 32] {
    let mut canon = Canon::new("kuvert-department-event/1");
    canon
        .bytes(content)
        .integer(at.unix_timestamp_nanos() as i64)
        .text(Some(kind))
        .text(Some(state))
        .text(detail);
    canon.finish()
}

fn link(seq: i64, digest: &[u8; 32], prev: &[u8]) -> [u8; 32] {
    let mut canon = Canon::new("kuvert-department-chain/1");
    canon.integer(seq).bytes(digest).bytes(prev);
    canon.finish()
}

/// The next entry's sequence number, the hash it follows and its own hash
/// for `digest`. Takes the chain's lock for the rest of the transaction, so
/// the entry is inserted before any other instance reads the end.
fn next_link(
    tx: &mut impl GenericClient,
    digest: &[u8; 32],
) -> Result<(i64, Vec<u8>, [u8; 32]), DbError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CHAIN_LOCK])
        .during("locking the chain")?;
    let last = tx
        .query_opt("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1", &[])
        .during("reading the chain's end")?;
    let (seq, prev) = match last {
        Some(row) => (row.get::<_, i64>(0) + 1, row.get::<_, Vec<u8>>(1)),
        None => (1, vec![0; 32]),
    };
    let hash = link(seq, digest, &prev);
    Ok((seq, prev, hash))
}

/// Seals the history line `history_seq` of `message_id`: appends its entry.
/// Call in the transaction that wrote the line, after the message's content
/// is complete (its attachments stored).
pub fn append(
    tx: &mut impl GenericClient,
    message_id: &str,
    history_seq: i64,
) -> Result<(), DbError> {
    let content = tx
        .query_one(
            &format!("SELECT {CONTENT_COLUMNS} FROM messages m WHERE m.id = $1"),
            &[&message_id],
        )
        .during("reading a message for the chain")?;
    let content = content_digest(&content);
    let line = tx
        .query_one(
            "SELECT at, kind, state, detail FROM history WHERE seq = $1",
            &[&history_seq],
        )
        .during("reading a history line for the chain")?;
    let at: OffsetDateTime = line.get(0);
    let state: String = line.get(2);
    let digest = event_digest(&content, at, line.get(1), &state, line.get(3));
    let (seq, prev, hash) = next_link(tx, &digest)?;
    tx.execute(
        "INSERT INTO chain (seq, history_seq, at, kind, message_id, state, digest, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &seq,
            &history_seq,
            &at,
            &line.get::<_, String>(1),
            &message_id,
            &state,
            &digest.as_slice(),
            &prev,
            &hash.as_slice(),
        ],
    )
    .during("appending to the chain")?;
    Ok(())
}

fn purge_digest(row: &postgres::Row) -> [u8; 32] {
    let mut canon = Canon::new("kuvert-department-purge/1");
    canon
        .integer(row.get::<_, OffsetDateTime>(1).unix_timestamp_nanos() as i64)
        .text(Some(row.get(2)))
        .text(Some(row.get(3)))
        .integer(row.get::<_, OffsetDateTime>(4).unix_timestamp_nanos() as i64)
        .integer(row.get(5))
        .text(Some(row.get(6)));
    canon.finish()
}

const PURGE_COLUMNS: &str = "id, at, purged_by, rule, older_than, count, ids_sha256, message_ids";

/// Seals the purge `purge_id`: appends its entry.
pub fn append_purge(tx: &mut impl GenericClient, purge_id: i64) -> Result<(), DbError> {
    let row = tx
        .query_one(
            &format!("SELECT {PURGE_COLUMNS} FROM purges WHERE id = $1"),
            &[&purge_id],
        )
        .during("reading a purge for the chain")?;
    let digest = purge_digest(&row);
    let at: OffsetDateTime = row.get(1);
    let (seq, prev, hash) = next_link(tx, &digest)?;
    tx.execute(
        "INSERT INTO chain (seq, purge_id, at, kind, digest, prev_hash, hash)
         VALUES ($1, $2, $3, 'purge', $4, $5, $6)",
        &[
            &seq,
            &purge_id,
            &at,
            &digest.as_slice(),
            &prev,
            &hash.as_slice(),
        ],
    )
    .during("appending to the chain")?;
    Ok(())
}

/// The SHA-256 (hex) of sorted message ids, one per line: what a purge
/// record seals of what it removed.
pub fn ids_sha256(ids: &[String]) -> String {
    let mut sorted: Vec<&String> = ids.iter().collect();
    sorted.sort();
    let mut sha = Sha256::new();
    for id in sorted {
        sha.update(id.as_bytes());
        sha.update(b"\n");
    }
    crate::messages::hex(&sha.finish())
}

/// What [`verify`] found (every break in plain English).
pub use kuvert_core::department::wire::LogCheck as ChainReport;

/// Walks the whole chain and recomputes every entry from the messages and
/// history lines; also checks that each message's state and recorded
/// outcome are what its last history line says.
pub fn verify(tx: &mut impl GenericClient) -> Result<ChainReport, DbError> {
    let mut breaks = Vec::new();
    let mut contents = std::collections::HashMap::new();
    for row in tx
        .query(&format!("SELECT {CONTENT_COLUMNS} FROM messages m"), &[])
        .during("reading messages for the check")?
    {
        contents.insert(row.get::<_, String>(0), content_digest(&row));
    }
    let lines: std::collections::HashMap<
        i64,
        (String, OffsetDateTime, String, String, Option<String>),
    > = tx
        .query(
            "SELECT seq, message_id, at, kind, state, detail FROM history",
            &[],
        )
        .during("reading the history for the check")?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3), r.get(4), r.get(5))))
        .collect();
    let mut purged = std::collections::HashSet::new();
    let mut purges = std::collections::HashMap::new();
    for row in tx
        .query(&format!("SELECT {PURGE_COLUMNS} FROM purges"), &[])
        .during("reading the purges for the check")?
    {
        let ids: Vec<String> = row.get(7);
        if ids_sha256(&ids) != row.get::<_, String>(6) || ids.len() as i64 != row.get::<_, i64>(5) {
            breaks.push(format!(
                "purge {} lists other messages than it sealed",
                row.get::<_, i64>(0)
            ));
        }
        purged.extend(ids);
        purges.insert(row.get::<_, i64>(0), purge_digest(&row));
    }
    let mut sealed_purges = std::collections::HashSet::new();
    let mut sealed = std::collections::HashSet::new();
    let mut prev = vec![0u8; 32];
    let mut expected_seq = 1i64;
    let entries = tx
        .query(
            "SELECT seq, history_seq, message_id, digest, prev_hash, hash, purge_id FROM chain ORDER BY seq",
            &[],
        )
        .during("reading the chain")?;
    for entry in &entries {
        let seq: i64 = entry.get(0);
        let history_seq: Option<i64> = entry.get(1);
        let message_id: Option<String> = entry.get(2);
        let digest: Vec<u8> = entry.get(3);
        let prev_hash: Vec<u8> = entry.get(4);
        let hash: Vec<u8> = entry.get(5);
        if seq != expected_seq {
            breaks.push(format!(
                "entry {expected_seq} is missing (the next is {seq})"
            ));
        }
        expected_seq = seq + 1;
        if prev_hash != prev {
            breaks.push(format!("entry {seq} does not follow the entry before it"));
        }
        let digest32: [u8; 32] = digest.as_slice().try_into().unwrap_or([0; 32]);
        if link(seq, &digest32, &prev_hash).as_slice() != hash.as_slice() {
            breaks.push(format!("entry {seq}'s hash is not its content's"));
        }
        prev = hash;
        if let Some(purge_id) = entry.get::<_, Option<i64>>(6) {
            sealed_purges.insert(purge_id);
            if purges.get(&purge_id) != Some(&digest32) {
                breaks.push(format!(
                    "entry {seq}: purge {purge_id} was changed or deleted"
                ));
            }
            continue;
        }
        let (Some(history_seq), Some(message_id)) = (history_seq, message_id) else {
            breaks.push(format!("entry {seq} seals nothing"));
            continue;
        };
        sealed.insert(history_seq);
        if purged.contains(&message_id) && !contents.contains_key(&message_id) {
            // Removed by a sealed purge: only the link is left to check.
            continue;
        }
        let Some((line_message, at, kind, state, detail)) = lines.get(&history_seq) else {
            breaks.push(format!(
                "entry {seq}: history line {history_seq} of message {message_id} was deleted"
            ));
            continue;
        };
        let Some(content) = contents.get(&message_id) else {
            breaks.push(format!("entry {seq}: message {message_id} was deleted"));
            continue;
        };
        if line_message != &message_id
            || event_digest(content, *at, kind, state, detail.as_deref()) != digest32
        {
            breaks.push(format!(
                "entry {seq}: message {message_id} or its history line {history_seq} was changed"
            ));
        }
    }
    for (seq, (message_id, ..)) in &lines {
        if !sealed.contains(seq) {
            breaks.push(format!(
                "history line {seq} of message {message_id} is not in the chain"
            ));
        }
    }
    for id in purges.keys() {
        if !sealed_purges.contains(id) {
            breaks.push(format!("purge {id} is not in the chain"));
        }
    }
    // The state shown must be the last sealed line's.
    for row in tx
        .query(
            "SELECT m.id, m.state, (SELECT h.state FROM history h WHERE h.message_id = m.id
                 ORDER BY h.seq DESC LIMIT 1) FROM messages m",
            &[],
        )
        .during("reading the states for the check")?
    {
        let (id, state, last): (String, String, Option<String>) =
            (row.get(0), row.get(1), row.get(2));
        if last.as_deref() != Some(state.as_str()) {
            breaks.push(format!(
                "message {id} shows state {state}, its history says {last:?}"
            ));
        }
    }
    Ok(ChainReport {
        entries: entries.len() as u64,
        messages: contents.len() as u64,
        breaks,
    })
}
