//! Retention purge (gallring): messages whose final state is older than a
//! cutoff go — content, attachments, signed XML, paper letter, history,
//! search entries and the words only they contained from the prefix
//! dictionary — and the purge itself is sealed into the hash chain (see
//! [`chain`](crate::chain) for why the chain still verifies afterwards).

use std::collections::BTreeSet;

use rusqlite::Connection;
use time::OffsetDateTime;

use crate::chain::{purge_digest, Entry, Tail, PURGE_KIND};
use crate::error::Context;
use crate::instant::{from_unix, to_unix};
use crate::messages::sha256_hex;
use crate::schema::{Migrations, Step};
use crate::StoreError;

pub(crate) static MIGRATIONS: Migrations = Migrations {
    component: "purges",
    steps: &[
        Step::Sql(
            r#"
CREATE TABLE purges (
    seq    INTEGER PRIMARY KEY,   -- the chain entry sealing this purge
    at     INTEGER NOT NULL,
    cutoff INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    ids    TEXT NOT NULL          -- purged message ids, sorted, one per line
) STRICT;
"#,
        ),
        // Who ordered the purge and under which rule (the chain seals both).
        Step::Sql(
            r#"
ALTER TABLE purges ADD COLUMN purger TEXT;
ALTER TABLE purges ADD COLUMN rule TEXT;
"#,
        ),
    ],
};

/// What a retention purge may remove, and who orders it. A message goes
/// when its final state was entered before its limit: its case type's, where
/// the order names one, else `older_than`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgeOrder {
    /// The limit of messages whose case type has no limit of its own.
    pub older_than: OffsetDateTime,
    /// Case types (by name) kept to another limit.
    pub case_type_limits: Vec<(String, OffsetDateTime)>,
    /// Who ordered it (the officer's account).
    pub purger: String,
    /// The organisation's rule applied, in words, for the record.
    pub rule: String,
}

impl PurgeOrder {
    /// An order with one limit for every message.
    pub fn everything_older_than(older_than: OffsetDateTime, purger: &str, rule: &str) -> Self {
        PurgeOrder {
            older_than,
            case_type_limits: Vec::new(),
            purger: purger.to_owned(),
            rule: rule.to_owned(),
        }
    }
}

/// A purge as the log records it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PurgeRecord {
    /// The chain entry that seals it.
    pub seq: u64,
    /// When it was done.
    #[serde(serialize_with = "crate::wire::instant")]
    pub at: OffsetDateTime,
    /// The limit of messages without a case-type limit of their own.
    #[serde(serialize_with = "crate::wire::instant")]
    pub cutoff: OffsetDateTime,
    /// How many messages went.
    pub count: u64,
    /// SHA-256 (hex) of their ids, sorted, one per line.
    pub ids_sha256: String,
    /// Who ordered it (`None` for purges from before Kuvert recorded it).
    pub purger: Option<String>,
    /// The rule applied, in words (`None` likewise).
    pub rule: Option<String>,
}

/// What a purge removed (or, on a dry run, would remove).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgeReport {
    /// Messages whose final state was entered before this time.
    pub cutoff: OffsetDateTime,
    /// How many messages.
    pub count: u64,
    /// Their ids, sorted.
    pub message_ids: Vec<String>,
    /// SHA-256 (hex) of the ids, sorted, one per line (`\n`-joined).
    pub ids_sha256: String,
    /// Whether this was only a dry run (nothing changed).
    pub dry_run: bool,
    /// The chain entry recording the purge (`None` on a dry run).
    pub seq: Option<u64>,
}

/// Ids of the messages `order` removes, sorted.
fn candidates(conn: &Connection, order: &PurgeOrder) -> Result<Vec<(i64, String)>, StoreError> {
    let mut params = vec![rusqlite::types::Value::Integer(to_unix(order.older_than))];
    let mut limit = String::from("?1");
    if !order.case_type_limits.is_empty() {
        limit = String::from("CASE case_type");
        for (case_type, cutoff) in &order.case_type_limits {
            params.push(rusqlite::types::Value::Text(case_type.clone()));
            let name = params.len();
            params.push(rusqlite::types::Value::Integer(to_unix(*cutoff)));
            limit.push_str(&format!(" WHEN ?{name} THEN ?{}", params.len()));
        }
        limit.push_str(" ELSE ?1 END");
    }
    conn.prepare(&format!(
        "SELECT sort_key, id FROM messages WHERE final_at IS NOT NULL AND final_at < {limit}
         ORDER BY id"
    ))
    .and_then(|mut s| {
        s.query_map(rusqlite::params_from_iter(params), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect()
    })
    .during("finding messages to purge")
}

/// Every purge recorded, oldest first.
pub(crate) fn records(conn: &Connection) -> Result<Vec<PurgeRecord>, StoreError> {
    /// seq, at, cutoff, count, ids, purger, rule
    type Row = (i64, i64, i64, i64, String, Option<String>, Option<String>);
    let rows: Vec<Row> = conn
        .prepare_cached("SELECT seq, at, cutoff, count, ids, purger, rule FROM purges ORDER BY seq")
        .and_then(|mut s| s.query_map([], |r| Row::try_from(r))?.collect())
        .during("listing purges")?;
    rows.into_iter()
        .map(|(seq, at, cutoff, count, ids, purger, rule)| {
            Ok(PurgeRecord {
                seq: seq.max(0) as u64,
                at: from_unix(at)?,
                cutoff: from_unix(cutoff)?,
                count: count.max(0) as u64,
                ids_sha256: sha256_hex(ids.as_bytes()),
                purger,
                rule,
            })
        })
        .collect()
}

/// Purges inside the caller's write transaction (or only reports, on a dry run).
pub(crate) fn purge(
    conn: &Connection,
    order: &PurgeOrder,
    dry_run: bool,
    at: OffsetDateTime,
) -> Result<PurgeReport, StoreError> {
    let older_than = order.older_than;
    let cutoff = to_unix(older_than);
    let found = candidates(conn, order)?;
    let ids: Vec<String> = found.iter().map(|(_, id)| id.clone()).collect();
    let joined = ids.join("\n");
    let ids_sha256 = sha256_hex(joined.as_bytes());
    let mut report = PurgeReport {
        cutoff: older_than,
        count: ids.len() as u64,
        message_ids: ids,
        ids_sha256,
        dry_run,
        seq: None,
    };
    if dry_run {
        return Ok(report);
    }
    let mut terms = BTreeSet::new();
    for (sort_key, _) in &found {
        let fields: [Option<String>; 6] = conn
            .prepare_cached(
                "SELECT subject, body, case_number, recipient_display, attention, attachment_names
                 FROM messages WHERE sort_key = ?1",
            )
            .and_then(|mut s| {
                s.query_row([sort_key], |r| {
                    Ok([
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ])
                })
            })
            .during("reading a message to purge")?;
        crate::search::dictionary_terms(fields.each_ref().map(Option::as_deref), &mut terms);
        crate::search::unindex(conn, *sort_key)?;
        // Attachments, their bytes, signed XML, paper letter and history go
        // by ON DELETE CASCADE.
        conn.prepare_cached("DELETE FROM messages WHERE sort_key = ?1")
            .and_then(|mut s| s.execute([sort_key]))
            .during("purging a message")?;
    }
    crate::search::prune_dictionary(conn, &terms)?;
    let at = to_unix(at);
    let count = report.count as i64;
    let mut tail = Tail::read(conn)?;
    let seq = tail.append(
        conn,
        &Entry {
            at,
            kind: PURGE_KIND,
            message_id: None,
            state: None,
            digest: purge_digest(
                at,
                cutoff,
                count,
                &report.ids_sha256,
                Some((&order.purger, &order.rule)),
            ),
        },
    )?;
    conn.prepare_cached(
        "INSERT INTO purges (seq, at, cutoff, count, ids, purger, rule)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(rusqlite::params![
            seq,
            at,
            cutoff,
            count,
            joined,
            order.purger,
            order.rule
        ])
    })
    .during("recording the purge")?;
    report.seq = Some(seq.max(0) as u64);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_database;

    #[test]
    fn an_empty_purge_is_still_recorded_and_verifies() {
        let (_dir, conn) = test_database(crate::schema::ALL);
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let order = PurgeOrder::everything_older_than(at, "registrator", "3650 dagar");
        let dry = purge(&conn, &order, true, at).unwrap();
        assert_eq!((dry.count, dry.seq), (0, None));
        let n: i64 = conn
            .query_row("SELECT count(*) FROM chain", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "a dry run writes nothing");
        let done = purge(&conn, &order, false, at).unwrap();
        assert_eq!(done.seq, Some(1));
        assert_eq!(
            crate::chain::verify(&conn, None, None, crate::ChainScope::Full)
                .unwrap()
                .verdict,
            crate::ChainVerdict::Unanchored { entries: 1 }
        );
    }
}
