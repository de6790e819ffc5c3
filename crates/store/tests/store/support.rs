//! Shared fixtures: a store in a temp dir and sample messages that use only
//! Skatteverket's published test identity numbers.

use kuvert_store::{OutgoingAttachment, OutgoingMessage, Store};
use time::OffsetDateTime;

/// A store in its own temp dir (kept alive by the returned guard).
pub fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("kuvert.sqlite")).expect("open store");
    (dir, store)
}

/// `secs` after 2026-01-01T00:00:00Z.
pub fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_767_225_600 + secs).expect("time")
}

/// A valid message with id `m-<n>` and one attachment.
pub fn message(n: u32) -> OutgoingMessage {
    OutgoingMessage {
        message_id: format!("m-{n}"),
        correlation_id: format!("c-{n}"),
        profile: "Bygglov".into(),
        sender_org: "162021003898".into(),
        sender_name: "Kommun B".into(),
        recipient: "198501012382".into(),
        recipient_display: "19850101-2382".into(),
        subject: format!("Beslut om bygglov {n}"),
        body: "Hej! Här kommer beslutet i ärendet.".into(),
        case_number: Some(format!("BN 2026/{n:04}")),
        attention: None,
        protection_class: 2,
        case_type: Some("beslut".into()),
        attachments: vec![OutgoingAttachment {
            name: "beslut.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.7 beslut".to_vec(),
        }],
    }
}

/// Opens the same database file with plain rusqlite, as an outside editor would.
pub fn raw(dir: &tempfile::TempDir) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.path().join("kuvert.sqlite")).expect("raw open");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    conn
}

/// Number of rows in `table`.
pub fn count(dir: &tempfile::TempDir, table: &str) -> i64 {
    raw(dir)
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

/// Takes message `id` from Queued to Delivered at `t`.
pub fn deliver(store: &Store, id: &str, t: OffsetDateTime) {
    use kuvert_store::{NextState, SendState};
    let steps = [
        (
            SendState::Queued,
            NextState::Signed {
                signed_xml: b"<SignedDelivery/>".to_vec(),
            },
        ),
        (
            SendState::Signed,
            NextState::Submitted {
                distribution_id: format!("d-{id}"),
            },
        ),
        (SendState::Submitted, NextState::Delivered),
    ];
    for (expected, next) in steps {
        store
            .transition(id, expected, &next, t)
            .expect("transition");
    }
}
