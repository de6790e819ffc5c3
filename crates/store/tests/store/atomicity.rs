use kuvert_store::{NextState, OutgoingAttachment, SendState, StoreError};

use crate::support::{at, count, message, store};

const TABLES: [&str; 7] = [
    "messages",
    "attachments",
    "attachment_content",
    "status_history",
    "chain",
    "messages_fts",
    "search_terms",
];

#[test]
fn an_enqueue_failing_in_the_attachments_insert_leaves_nothing() {
    let (dir, s) = store();
    let mut m = message(1);
    m.attachments.push(OutgoingAttachment {
        name: String::new(), // the attachments table's CHECK refuses this, after the message row went in
        content_type: "application/pdf".into(),
        bytes: b"%PDF".to_vec(),
    });
    let err = s.enqueue(&m, at(0)).unwrap_err();
    assert!(matches!(err, StoreError::Database { .. }), "{err}");
    for table in TABLES {
        assert_eq!(count(&dir, table), 0, "{table}");
    }
    assert!(s.message("m-1").unwrap().is_none());
    // The store is still usable and the chain starts cleanly.
    s.enqueue(&message(1), at(1)).unwrap();
    assert!(matches!(
        s.verify_chain().unwrap(),
        kuvert_store::ChainVerdict::Intact { entries: 1 }
    ));
}

#[test]
fn a_batch_is_all_or_nothing() {
    let (dir, s) = store();
    let err = s
        .batch(|b| {
            b.enqueue(&message(1), at(0))?;
            b.transition(
                "m-1",
                SendState::Queued,
                &NextState::Signed {
                    signed_xml: vec![1],
                },
                at(1),
            )?;
            b.enqueue(&message(1), at(2)) // duplicate id
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::DuplicateMessage { .. }), "{err}");
    for table in TABLES {
        assert_eq!(count(&dir, table), 0, "{table}");
    }
}

#[test]
fn invalid_messages_are_refused_before_anything_is_written() {
    let (dir, s) = store();
    type Spoil = fn(&mut kuvert_store::OutgoingMessage);
    let cases: [(&str, Spoil); 3] = [
        ("recipient", |m| m.recipient = "19850101-2382".into()),
        ("protection class", |m| m.protection_class = 4),
        ("message id", |m| m.message_id = " ".into()),
    ];
    for (field, spoil) in cases {
        let mut m = message(1);
        spoil(&mut m);
        let err = s.enqueue(&m, at(0)).unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidInput { field: f, .. } if f == field),
            "{field}: {err}"
        );
    }
    assert_eq!(count(&dir, "messages"), 0);
}

#[test]
fn a_failed_write_inside_a_batch_leaves_nothing_even_if_the_batch_goes_on() {
    let (dir, s) = store();
    let mut bad = message(1);
    bad.attachments[0].name = String::new();
    s.batch(|b| {
        assert!(b.enqueue(&bad, at(0)).is_err());
        b.enqueue(&message(2), at(1))
    })
    .unwrap();
    assert_eq!(count(&dir, "messages"), 1);
    assert_eq!(count(&dir, "attachments"), 1);
    assert!(s.message("m-1").unwrap().is_none());
    assert!(matches!(
        s.verify_chain().unwrap(),
        kuvert_store::ChainVerdict::Intact { entries: 1 }
    ));
}
