//! Shared fixtures: a store in a temp dir and sample messages that use only
//! Skatteverket's published test identity numbers.

use kuvert_protocol::delivery::{CaseNumber, MessageId, ProtectionClass, SenderName, Subject};
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use kuvert_store::{
    LogKey, Mailbox, MessageContent, Officer, OutgoingAttachment, OutgoingMessage, Store,
};
use time::OffsetDateTime;

/// A store in its own temp dir (kept alive by the returned guard), with
/// the test log key.
pub fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = keyed(Store::open(dir.path().join("kuvert.sqlite")).expect("open store"));
    (dir, store)
}

/// The log key of the tests' stores (a test value, not a secret).
pub fn test_key() -> LogKey {
    LogKey::from_hex(&"7e57".repeat(16)).expect("test key")
}

/// `store` with the test log key, as `kuvert_core` opens it.
pub fn keyed(mut store: Store) -> Store {
    store.set_log_key(Some(test_key()));
    store
}

/// `secs` after 2026-01-01T00:00:00Z.
pub fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_767_225_600 + secs).expect("time")
}

/// The officer the test messages are sent by.
pub fn officer() -> Officer {
    Officer {
        account: "anna.lind".into(),
        name: "Anna Lind".into(),
    }
}

/// The mailbox the test messages are submitted to.
pub fn kivra() -> Mailbox {
    Mailbox {
        operator: "Kivra".into(),
        service_address: "https://kivra.test.example/deliver".into(),
    }
}

/// A purge of everything final before `older_than`, ordered by a registrar.
pub fn purge_order(older_than: OffsetDateTime) -> kuvert_store::PurgeOrder {
    kuvert_store::PurgeOrder::everything_older_than(older_than, "registrator", "3650 dagar")
}

/// A message id (tests use short ones such as `m-1`).
pub fn id(text: &str) -> MessageId {
    MessageId::new(text).expect("message id")
}

/// A recipient from its 12-digit wire form.
pub fn recipient(wire: &str) -> RecipientId {
    RecipientId::from_wire(wire).expect("recipient")
}

/// A case number.
pub fn case_number(text: &str) -> CaseNumber {
    CaseNumber::new(text).expect("case number")
}

/// A valid message with id `m-<n>` and one attachment.
pub fn message(n: u32) -> OutgoingMessage {
    OutgoingMessage {
        content: MessageContent {
            message_id: id(&format!("m-{n}")),
            correlation_id: id(&format!("c-{n}")),
            profile: "Bygglov".into(),
            sender_org: OrganizationNumber::from_wire("162021003898").unwrap(),
            sender_name: SenderName::new("Kommun B").unwrap(),
            recipient: recipient("198501012382"),
            subject: Subject::new(&format!("Beslut om bygglov {n}")).unwrap(),
            body: "Hej! Här kommer beslutet i ärendet.".into(),
            case_number: Some(case_number(&format!("BN 2026/{n:04}"))),
            attention: None,
            protection_class: ProtectionClass::new(2).unwrap(),
            case_type: Some("beslut".into()),
            officer: Some(officer()),
            event: None,
        },
        attachments: vec![OutgoingAttachment {
            name: "beslut.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.7 beslut".to_vec(),
            compressed_from: None,
        }],
        document: Some(b"%PDF-1.7 meddelande".to_vec()),
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
                mailbox: kivra(),
            },
        ),
        (SendState::Submitted, NextState::Delivered),
    ];
    for (expected, next) in steps {
        store
            .transition(&self::id(id), expected, &next, t)
            .expect("transition");
    }
}
