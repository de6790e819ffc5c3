//! The department log's tamper-evident chain: every history line appends
//! one entry whose digest covers the line and the message's content, and
//! whose hash covers the digest and the previous entry's hash. Appends take
//! an advisory lock for the rest of their transaction, so entries written
//! by several instances form one chain in commit order.
//!
//! Each entry's hash is keyed: an HMAC-SHA256 under the department's
//! [`ChainKey`], a secret in a file beside `server.toml` that the database
//! never holds. Someone who can write to the database (an administrator, a
//! stolen backup restored) can edit rows and even recompute every digest,
//! but cannot make the links match without the key.
//!
//! [`verify`] walks the chain and recomputes everything from the rows a
//! registrar reads: a message, history line or chain entry edited, added or
//! deleted outside Kuvert is reported.

use openssl::sha::Sha256;
use postgres::GenericClient;
use time::OffsetDateTime;

use crate::db::{DbError, During};

/// The secret the chain's links are keyed with (32 bytes), read from
/// `[log] chain_key_file` (64 hexadecimal digits, readable by the server's
/// user only). Every instance of one department uses the same file.
#[derive(Clone)]
pub struct ChainKey(openssl::pkey::PKey<openssl::pkey::Private>);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(…)")
    }
}

/// Why the chain key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ChainKeyError {
    /// The file could not be read.
    #[error("the chain key {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file does not hold a key.
    #[error("the chain key {}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl ChainKey {
    /// The key in `path`.
    ///
    /// # Errors
    ///
    /// [`ChainKeyError`] when the file is missing, is readable by others
    /// than its owner, or does not hold 64 hexadecimal digits.
    pub fn load(path: &std::path::Path) -> Result<ChainKey, ChainKeyError> {
        let invalid = |reason: &str| ChainKeyError::Invalid {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let read = |source| ChainKeyError::Read {
            path: path.to_path_buf(),
            source,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(read)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(invalid(
                    "others than its owner may read it; chmod 600 (or 400) it",
                ));
            }
        }
        let text = std::fs::read_to_string(path).map_err(read)?;
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(
                "must hold 64 hexadecimal digits (make one with `openssl rand -hex 32`)",
            ));
        }
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect();
        ChainKey::from_bytes(&bytes).map_err(|e| invalid(&e.to_string()))
    }

    /// A key of these bytes.
    ///
    /// # Errors
    ///
    /// OpenSSL's, if it cannot make an HMAC key.
    pub fn from_bytes(bytes: &[u8]) -> Result<ChainKey, openssl::error::ErrorStack> {
        Ok(ChainKey(openssl::pkey::PKey::hmac(bytes)?))
    }

    fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let signed = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &self.0)
            .and_then(|mut signer| {
                signer.update(data)?;
                signer.sign_to_vec()
            });
        // HMAC-SHA256 over a byte string cannot fail once the key exists.
        if let Ok(signed) = signed {
            out.copy_from_slice(&signed[..32]);
        }
        out
    }
}

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

/// An entry's hash: keyed, over its number, its digest and the hash it
/// follows.
fn link(key: &ChainKey, seq: i64, digest: &[u8; 32], prev: &[u8]) -> [u8; 32] {
    let mut canon = Canon::new("kuvert-department-chain/2");
    canon.integer(seq).bytes(digest).bytes(prev);
    key.mac(&canon.finish())
}

/// The next entry's sequence number, the hash it follows and its own hash
/// for `digest`. Takes the chain's lock for the rest of the transaction, so
/// the entry is inserted before any other instance reads the end.
fn next_link(
    tx: &mut impl GenericClient,
    key: &ChainKey,
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
    let hash = link(key, seq, digest, &prev);
    Ok((seq, prev, hash))
}

/// A history line as its chain entry seals it.
struct SealedLine {
    digest: [u8; 32],
    at: OffsetDateTime,
    kind: String,
    state: String,
}

/// The history line `history_seq` of `message_id` and its digest, from the
/// rows as they stand.
fn sealed_line(
    tx: &mut impl GenericClient,
    message_id: &str,
    history_seq: i64,
) -> Result<SealedLine, DbError> {
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
    let (at, kind, state): (OffsetDateTime, String, String) =
        (line.get(0), line.get(1), line.get(2));
    Ok(SealedLine {
        digest: event_digest(&content, at, &kind, &state, line.get(3)),
        at,
        kind,
        state,
    })
}

/// The purge `purge_id`'s digest and time, from its row as it stands.
fn sealed_purge(
    tx: &mut impl GenericClient,
    purge_id: i64,
) -> Result<([u8; 32], OffsetDateTime), DbError> {
    let row = tx
        .query_one(
            &format!("SELECT {PURGE_COLUMNS} FROM purges WHERE id = $1"),
            &[&purge_id],
        )
        .during("reading a purge for the chain")?;
    Ok((purge_digest(&row), row.get(1)))
}

/// Seals the history line `history_seq` of `message_id`: appends its entry.
/// Call in the transaction that wrote the line, after the message's content
/// is complete (its attachments stored).
pub fn append(
    tx: &mut impl GenericClient,
    key: &ChainKey,
    message_id: &str,
    history_seq: i64,
) -> Result<(), DbError> {
    let line = sealed_line(tx, message_id, history_seq)?;
    let (seq, prev, hash) = next_link(tx, key, &line.digest)?;
    tx.execute(
        "INSERT INTO chain (seq, history_seq, at, kind, message_id, state, digest, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &seq,
            &history_seq,
            &line.at,
            &line.kind,
            &message_id,
            &line.state,
            &line.digest.as_slice(),
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
pub fn append_purge(
    tx: &mut impl GenericClient,
    key: &ChainKey,
    purge_id: i64,
) -> Result<(), DbError> {
    let (digest, at) = sealed_purge(tx, purge_id)?;
    let (seq, prev, hash) = next_link(tx, key, &digest)?;
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

/// Recomputes every entry of the chain under `key` from the rows as they
/// stand now, in order — what someone who can write the database would do
/// to hide an edit. Under any key but the department's, [`verify`] then
/// reports every entry; under the department's own, the edit is sealed as
/// if Kuvert had made it (which is why the key never goes in the database).
/// The tests play the attacker with it; IT could rekey a log with it after
/// it verified under the old key. Returns the number of entries.
pub fn reseal(tx: &mut impl GenericClient, key: &ChainKey) -> Result<u64, DbError> {
    let entries = tx
        .query(
            "SELECT seq, history_seq, message_id, purge_id FROM chain ORDER BY seq",
            &[],
        )
        .during("reading the chain")?;
    let mut prev = vec![0u8; 32];
    for entry in &entries {
        let seq: i64 = entry.get(0);
        let digest = match (
            entry.get::<_, Option<i64>>(1),
            entry.get::<_, Option<String>>(2),
            entry.get::<_, Option<i64>>(3),
        ) {
            (Some(history_seq), Some(message_id), _) => {
                sealed_line(tx, &message_id, history_seq)?.digest
            }
            (_, _, Some(purge_id)) => sealed_purge(tx, purge_id)?.0,
            _ => continue,
        };
        let hash = link(key, seq, &digest, &prev);
        tx.execute(
            "UPDATE chain SET digest = $2, prev_hash = $3, hash = $4 WHERE seq = $1",
            &[&seq, &digest.as_slice(), &prev, &hash.as_slice()],
        )
        .during("resealing the chain")?;
        prev = hash.to_vec();
    }
    Ok(entries.len() as u64)
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
pub fn verify(tx: &mut impl GenericClient, key: &ChainKey) -> Result<ChainReport, DbError> {
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
        if link(key, seq, &digest32, &prev_hash).as_slice() != hash.as_slice() {
            breaks.push(format!(
                "entry {seq}'s hash is not its content's under the department's chain key"
            ));
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
