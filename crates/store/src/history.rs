//! Status history: one row per event of a message (enqueued, each state
//! change, each failed attempt). Each row shares its `seq` with the hash
//! chain entry that seals it, so [`verify_chain`](crate::Store::verify_chain)
//! can check the row against the chain.

use rusqlite::{params, Connection};
use time::OffsetDateTime;

use crate::error::Context;
use crate::instant::from_unix;
use crate::messages::{parse_state, SendState};
use crate::schema::{Migrations, Step};
use crate::StoreError;

pub(crate) static MIGRATIONS: Migrations = Migrations {
    component: "status_history",
    steps: &[Step::Sql(
        r#"
CREATE TABLE status_history (
    seq         INTEGER PRIMARY KEY,   -- the chain entry's seq
    sort_key    INTEGER NOT NULL REFERENCES messages (sort_key) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL,
    detail      TEXT NOT NULL,
    blob_sha256 TEXT                   -- SHA-256 of the signed XML / paper letter stored with it
) STRICT;
CREATE INDEX status_history_message ON status_history (sort_key, seq);
"#,
    )],
};

/// What kind of event a history entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// The message was stored (state Queued).
    Enqueued,
    /// The state changed (to the entry's state).
    StateChanged,
    /// An attempt failed; the state stayed.
    AttemptFailed,
    /// A Failed message was sent again as a new message (the detail is the
    /// new message's id); the state stayed.
    SentAgain,
    /// This message was sent in place of a Failed one (the detail is that
    /// message's id).
    ResendOf,
    /// The officer handled a Failed message outside Kuvert (the detail is
    /// their note); the state stayed.
    HandledOutside,
    /// Department mode only (never in a local log, so not in
    /// [`EventKind::ALL`]): the message was moved from an officer's local
    /// log to the department's (`kuvert migrate-to-department`).
    Imported,
}

impl EventKind {
    /// Every kind a local log holds.
    pub const ALL: [EventKind; 6] = [
        EventKind::Enqueued,
        EventKind::StateChanged,
        EventKind::AttemptFailed,
        EventKind::SentAgain,
        EventKind::ResendOf,
        EventKind::HandledOutside,
    ];

    /// Whether the event records a change of state (or the message's
    /// creation), as opposed to an attempt or a follow-up that leaves the
    /// state as it was.
    pub fn sets_state(self) -> bool {
        matches!(self, EventKind::Enqueued | EventKind::StateChanged)
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Enqueued => "enqueued",
            EventKind::StateChanged => "state_changed",
            EventKind::AttemptFailed => "attempt_failed",
            EventKind::SentAgain => "sent_again",
            EventKind::ResendOf => "resend_of",
            EventKind::HandledOutside => "handled_outside",
            EventKind::Imported => "imported",
        }
    }

    pub(crate) fn parse(name: &str) -> Result<EventKind, StoreError> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| StoreError::Corrupt {
                what: format!("unknown event kind {name:?}"),
            })
    }
}

/// One entry of a message's status history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusEvent {
    /// The hash-chain entry that seals this event.
    pub seq: u64,
    /// When it happened.
    pub at: OffsetDateTime,
    /// What happened.
    pub kind: EventKind,
    /// The message's state after the event.
    pub state: SendState,
    /// Plain detail: the distribution id, the failure reason, …
    pub detail: String,
}

/// One history row as the chain seals it.
pub(crate) struct HistoryRow<'a> {
    pub seq: i64,
    pub sort_key: i64,
    pub at: i64,
    pub kind: EventKind,
    pub state: SendState,
    pub detail: &'a str,
    pub blob_sha256: Option<&'a str>,
}

pub(crate) fn insert(conn: &Connection, row: &HistoryRow<'_>) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO status_history (seq, sort_key, at, kind, state, detail, blob_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            row.seq,
            row.sort_key,
            row.at,
            row.kind.as_str(),
            row.state.as_str(),
            row.detail,
            row.blob_sha256
        ])
    })
    .during("recording the status history")?;
    Ok(())
}

/// The history of the message with `sort_key`, oldest first.
pub(crate) fn list(conn: &Connection, sort_key: i64) -> Result<Vec<StatusEvent>, StoreError> {
    let rows: Vec<(i64, i64, String, String, String)> = conn
        .prepare_cached(
            "SELECT seq, at, kind, state, detail FROM status_history WHERE sort_key = ?1 ORDER BY seq",
        )
        .and_then(|mut s| {
            s.query_map([sort_key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                .collect()
        })
        .during("reading the status history")?;
    rows.into_iter()
        .map(|(seq, at, kind, state, detail)| {
            Ok(StatusEvent {
                seq: seq.max(0) as u64,
                at: from_unix(at)?,
                kind: EventKind::parse(&kind)?,
                state: parse_state(&state)?,
                detail,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_database;

    #[test]
    fn rows_round_trip_and_follow_their_message() {
        let (_dir, conn) = test_database(&[&crate::messages::MIGRATIONS, &MIGRATIONS]);
        conn.execute(
            "INSERT INTO messages (sort_key, id, correlation_id, profile, sender_org, sender_name,
                recipient, recipient_display, subject, body, protection_class, created_at, state,
                state_at, last_seq)
             VALUES (7, 'm', 'c', 'p', 'o', 'n', '198501012382', 'r', 's', 'b', 1, 0, 'queued', 0, 1)",
            [],
        )
        .unwrap();
        for (seq, kind, state) in [
            (1, EventKind::Enqueued, SendState::Queued),
            (2, EventKind::StateChanged, SendState::Signed),
        ] {
            let row = HistoryRow {
                seq,
                sort_key: 7,
                at: 100 + seq,
                kind,
                state,
                detail: "d",
                blob_sha256: None,
            };
            insert(&conn, &row).unwrap();
        }
        let events = list(&conn, 7).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].state, SendState::Signed);
        assert_eq!(events[1].kind, EventKind::StateChanged);
        conn.execute("DELETE FROM messages WHERE sort_key = 7", [])
            .unwrap();
        assert!(
            list(&conn, 7).unwrap().is_empty(),
            "history goes with its message"
        );
    }
}
