//! Exports of the sent log, streamed row by row from SQL to any
//! [`std::io::Write`] (memory stays flat however large the log), and of the
//! purges (gallringar) done in it.
//!
//! Times are ISO 8601 in Swedish local time (Europe/Stockholm) with the
//! offset that applied and whole seconds, e.g. `2026-12-02T00:15:03+01:00`
//! in winter and `2026-07-01T14:00:00+02:00` in summer (see
//! [`kuvert_local_time`]): the wall-clock time a Swede reads and, with the
//! offset, the exact instant. The store itself keeps UTC unix seconds.
//!
//! ## CSV (for Excel)
//!
//! Written for Swedish Excel, which opens a double-clicked `.csv` correctly
//! only with these choices:
//! - UTF-8 with a byte-order mark (without it Excel assumes Windows-1252 and
//!   å, ä, ö break);
//! - `;` as the separator (Swedish Excel's list separator, since `,` is the
//!   decimal comma);
//! - RFC 4180 quoting: a cell containing `;`, `"`, CR or LF is enclosed in
//!   `"` with inner `"` doubled; rows end in CRLF;
//! - formula-injection guard: a text cell starting with `=`, `+`, `-`, `@`,
//!   tab or CR gets a leading `'`, so Excel shows it as text instead of
//!   evaluating it (subjects and names come from officers and recipients).
//!
//! Columns, in order: [`CSV_COLUMNS`]. The body is not exported to CSV (it
//! is in the JSON Lines export); attachment names are one per line inside
//! their cell.
//!
//! A CSV file is one table, so the purges are a second file in the same
//! form ([`Store::export_purges_csv`](crate::Store::export_purges_csv)),
//! columns [`PURGE_CSV_COLUMNS`]: one row per purge, oldest first. A third
//! table holds the log's signed anchor
//! ([`Store::export_anchor_csv`](crate::Store::export_anchor_csv), columns
//! [`ANCHOR_CSV_COLUMNS`]).
//!
//! ## JSON Lines
//!
//! One JSON object per line. First one per message, `"record": "message"`:
//! every field of the message, its attachments' metadata (`name`,
//! `content_type`, `size`, `md5`, `sha256`) and its status timeline (`seq`,
//! `at`, `kind`, `state`, `detail`). Then one per purge ever done,
//! `"record": "purge"`: `seq`, `at`, `cutoff`, `count`, `ids_sha256`,
//! `purger`, `rule` (as [`PurgeRecord`](crate::PurgeRecord) has them).
//! Last, when the log is anchored, one `"record": "anchor"`: the newest
//! entry's `seq` and `hash`, when the anchor was written (`at`) and its
//! `signature` (see [`chain`](crate::chain)).
//!
//! Both exports list messages oldest first, with the same filters as search
//! ([`SentLogQuery`]; its limit and offset are ignored). Purges are not
//! messages and match no filter: every purge is exported, since each says
//! what left the whole log.

use std::io::{BufWriter, Write};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::Context;
use kuvert_local_time::write_iso;

use crate::chain::Anchor;
use crate::messages::{
    attachments, document_sha256, message_from_row, prefixed_message_columns, Message,
};
use crate::purge::{records, PurgeRecord};
use crate::search::{plan, SentLogQuery};
use crate::StoreError;

/// The CSV header, in column order.
pub const CSV_COLUMNS: [&str; 22] = [
    "message_id",
    "created",
    "state",
    "state_changed",
    "case_number",
    "recipient",
    "recipient_display",
    "subject",
    "protection_class",
    "case_type",
    "attention",
    "profile",
    "sender_org",
    "sender_name",
    "distribution_id",
    "attachment_count",
    "attachment_names",
    "failure_reason",
    "mailbox_operator",
    "mailbox_address",
    "officer_account",
    "officer_name",
];

/// The SQL columns behind [`CSV_COLUMNS`] (times as unix seconds).
pub(crate) const CSV_SQL_COLUMNS: &str = "m.id, m.created_at, m.state, m.state_at, m.case_number, \
    m.recipient, m.recipient_display, m.subject, m.protection_class, m.case_type, m.attention, \
    m.profile, m.sender_org, m.sender_name, m.distribution_id, m.attachment_count, \
    m.attachment_names, m.failure_reason, m.mailbox_operator, m.mailbox_address, \
    m.officer_account, m.officer_name";

/// Column positions holding unix seconds to be written as times.
const CSV_TIME_COLUMNS: [usize; 2] = [1, 3];

fn write_err(source: std::io::Error) -> StoreError {
    StoreError::Write { source }
}

/// Appends one text cell, guarded and quoted as the module docs say (also
/// for department mode's export, which writes the same CSV).
pub fn push_cell(cell: &[u8], line: &mut Vec<u8>) {
    let guard = matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    let quote = cell
        .iter()
        .any(|b| matches!(b, b';' | b'"' | b'\r' | b'\n'));
    if quote {
        line.push(b'"');
    }
    if guard {
        line.push(b'\'');
    }
    if quote {
        for &b in cell {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(cell);
    }
}

/// Appends a whole number as a cell.
pub fn push_int(n: i64, line: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        line.push(b'-');
    }
    line.extend_from_slice(&buf[i..]);
}

/// A read transaction, so an export is one consistent snapshot.
fn snapshot(conn: &Connection) -> Result<Transaction<'_>, StoreError> {
    Transaction::new_unchecked(conn, TransactionBehavior::Deferred).during("starting an export")
}

pub(crate) fn csv<W: Write>(
    conn: &Connection,
    query: &SentLogQuery,
    out: W,
) -> Result<u64, StoreError> {
    let tx = snapshot(conn)?;
    let plan = plan(&tx, query)?;
    let sql = format!(
        "SELECT {CSV_SQL_COLUMNS} {} ORDER BY {}",
        plan.from_where, plan.order_key
    );
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut line = Vec::with_capacity(4096);
    line.extend_from_slice(b"\xEF\xBB\xBF");
    line.extend_from_slice(CSV_COLUMNS.join(";").as_bytes());
    line.extend_from_slice(b"\r\n");
    out.write_all(&line).map_err(write_err)?;
    let mut stmt = tx.prepare(&sql).during("exporting the sent log")?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(plan.params))
        .during("exporting the sent log")?;
    let mut count = 0u64;
    while let Some(row) = rows.next().during("exporting the sent log")? {
        line.clear();
        for i in 0..CSV_COLUMNS.len() {
            if i > 0 {
                line.push(b';');
            }
            match row.get_ref(i).during("exporting the sent log")? {
                ValueRef::Null => {}
                ValueRef::Integer(n) if CSV_TIME_COLUMNS.contains(&i) => write_iso(n, &mut line),
                ValueRef::Integer(n) => push_int(n, &mut line),
                ValueRef::Real(r) => line.extend_from_slice(r.to_string().as_bytes()),
                ValueRef::Text(t) | ValueRef::Blob(t) => push_cell(t, &mut line),
            }
        }
        line.extend_from_slice(b"\r\n");
        out.write_all(&line).map_err(write_err)?;
        count += 1;
    }
    out.flush().map_err(write_err)?;
    drop(rows);
    drop(stmt);
    tx.commit().during("finishing an export")?;
    Ok(count)
}

/// The purges CSV's header, in column order; the names are those of the
/// JSON Lines export's purge records.
pub const PURGE_CSV_COLUMNS: [&str; 7] = [
    "seq",
    "at",
    "cutoff",
    "count",
    "ids_sha256",
    "purger",
    "rule",
];

/// Columns of the CSV export's anchor table: the log's signed head when it
/// was exported (see [`chain`](crate::chain)).
pub const ANCHOR_CSV_COLUMNS: [&str; 4] = ["seq", "hash", "at", "signature"];

/// Writes the anchor table (header, and one row when the log is anchored)
/// in the CSV export's form; returns the number of rows.
pub(crate) fn anchor_csv<W: Write>(anchor: Option<&Anchor>, out: W) -> Result<u64, StoreError> {
    let mut out = BufWriter::new(out);
    let mut line = Vec::with_capacity(256);
    line.extend_from_slice(b"\xEF\xBB\xBF");
    line.extend_from_slice(ANCHOR_CSV_COLUMNS.join(";").as_bytes());
    line.extend_from_slice(b"\r\n");
    if let Some(anchor) = anchor {
        push_int(i64::try_from(anchor.seq).unwrap_or(i64::MAX), &mut line);
        line.push(b';');
        push_cell(anchor.hash.as_bytes(), &mut line);
        line.push(b';');
        write_iso(anchor.at, &mut line);
        line.push(b';');
        push_cell(anchor.signature.as_bytes(), &mut line);
        line.extend_from_slice(b"\r\n");
    }
    out.write_all(&line).map_err(write_err)?;
    out.flush().map_err(write_err)?;
    Ok(u64::from(anchor.is_some()))
}

pub(crate) fn purges_csv<W: Write>(conn: &Connection, out: W) -> Result<u64, StoreError> {
    let purges = records(conn)?;
    let mut out = BufWriter::new(out);
    let mut line = Vec::with_capacity(512);
    line.extend_from_slice(b"\xEF\xBB\xBF");
    line.extend_from_slice(PURGE_CSV_COLUMNS.join(";").as_bytes());
    line.extend_from_slice(b"\r\n");
    for purge in &purges {
        push_int(purge.seq as i64, &mut line);
        line.push(b';');
        write_iso(purge.at.unix_timestamp(), &mut line);
        line.push(b';');
        write_iso(purge.cutoff.unix_timestamp(), &mut line);
        line.push(b';');
        push_int(purge.count as i64, &mut line);
        line.push(b';');
        push_cell(purge.ids_sha256.as_bytes(), &mut line);
        line.push(b';');
        push_cell(purge.purger.as_deref().unwrap_or("").as_bytes(), &mut line);
        line.push(b';');
        push_cell(purge.rule.as_deref().unwrap_or("").as_bytes(), &mut line);
        line.extend_from_slice(b"\r\n");
    }
    out.write_all(&line).map_err(write_err)?;
    out.flush().map_err(write_err)?;
    Ok(purges.len() as u64)
}

/// One line of the JSONL export: the message as stored (its serialised
/// form), the recipient as officers read it, and the message's history.
#[derive(serde::Serialize)]
struct JsonLine<'a> {
    record: &'static str,
    #[serde(flatten)]
    message: &'a Message,
    recipient_display: String,
    history: Vec<JsonEvent>,
}

/// A purge's line of the JSONL export.
#[derive(serde::Serialize)]
struct JsonPurge<'a> {
    record: &'static str,
    #[serde(flatten)]
    purge: &'a PurgeRecord,
}

/// The anchor's line of the JSONL export: the log's newest entry when it
/// was exported, signed (see [`chain`](crate::chain)).
#[derive(serde::Serialize)]
struct JsonAnchor<'a> {
    record: &'static str,
    seq: u64,
    hash: &'a str,
    at: String,
    signature: &'a str,
}

#[derive(serde::Serialize)]
struct JsonEvent {
    seq: i64,
    at: String,
    kind: String,
    state: String,
    detail: String,
}

pub(crate) fn jsonl<W: Write>(
    conn: &Connection,
    query: &SentLogQuery,
    anchor: Option<&Anchor>,
    out: W,
) -> Result<u64, StoreError> {
    let tx = snapshot(conn)?;
    let plan = plan(&tx, query)?;
    let sql = format!(
        "SELECT {} {} ORDER BY {}",
        prefixed_message_columns("m"),
        plan.from_where,
        plan.order_key
    );
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut stmt = tx.prepare(&sql).during("exporting the sent log")?;
    let mut history = tx
        .prepare("SELECT seq, at, kind, state, detail FROM status_history WHERE sort_key = ?1 ORDER BY seq")
        .during("exporting the sent log")?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(plan.params))
        .during("exporting the sent log")?;
    let mut count = 0u64;
    while let Some(row) = rows.next().during("exporting the sent log")? {
        let (key, mut message) = message_from_row(row)?;
        message.attachments = attachments(&tx, key)?;
        message.document_sha256 = document_sha256(&tx, key)?;
        let history = history
            .query_map([key], |h| {
                Ok(JsonEvent {
                    seq: h.get(0)?,
                    at: local_iso(h.get(1)?),
                    kind: h.get(2)?,
                    state: h.get(3)?,
                    detail: h.get(4)?,
                })
            })
            .and_then(|rows| rows.collect())
            .during("exporting the sent log")?;
        let line = JsonLine {
            record: "message",
            recipient_display: message.content.recipient.display_form(),
            message: &message,
            history,
        };
        serde_json::to_writer(&mut out, &line).map_err(|e| write_err(e.into()))?;
        out.write_all(b"\n").map_err(write_err)?;
        count += 1;
    }
    for purge in &records(&tx)? {
        let line = JsonPurge {
            record: "purge",
            purge,
        };
        serde_json::to_writer(&mut out, &line).map_err(|e| write_err(e.into()))?;
        out.write_all(b"\n").map_err(write_err)?;
    }
    if let Some(anchor) = anchor {
        let line = JsonAnchor {
            record: "anchor",
            seq: anchor.seq,
            hash: &anchor.hash,
            at: local_iso(anchor.at),
            signature: &anchor.signature,
        };
        serde_json::to_writer(&mut out, &line).map_err(|e| write_err(e.into()))?;
        out.write_all(b"\n").map_err(write_err)?;
    }
    out.flush().map_err(write_err)?;
    drop(rows);
    drop(stmt);
    drop(history);
    tx.commit().during("finishing an export")?;
    Ok(count)
}

/// `unix` seconds as [`write_iso`] writes them.
fn local_iso(unix: i64) -> String {
    let mut out = Vec::with_capacity(25);
    write_iso(unix, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s: &str) -> String {
        let mut v = Vec::new();
        push_cell(s.as_bytes(), &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn cells_are_quoted_and_guarded() {
        assert_eq!(cell("Beslut"), "Beslut");
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("säg \"hej\""), "\"säg \"\"hej\"\"\"");
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("-1;2"), "\"'-1;2\"");
        assert_eq!(cell("rad1\nrad2"), "\"rad1\nrad2\"");
        let mut n = Vec::new();
        push_int(-120, &mut n);
        assert_eq!(n, b"-120");
    }
}
