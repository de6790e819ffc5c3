use kuvert_store::{NextState, OutgoingAttachment, SendState, StoreError};

use crate::support::{at, count, id, message, raw, store};

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
        compressed_from: None,
    });
    let err = s.enqueue(&m, at(0)).unwrap_err();
    assert!(matches!(err, StoreError::Database { .. }), "{err}");
    for table in TABLES {
        assert_eq!(count(&dir, table), 0, "{table}");
    }
    assert!(s.message(&id("m-1")).unwrap().is_none());
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
                &id("m-1"),
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

/// A message's values are typed, so one Kuvert could not have written (a
/// recipient or organisation number with a wrong check digit, a subject of two
/// lines, the shown
/// recipient differing from the stored one) cannot be enqueued at all; an
/// outside edit that puts one into the database is read back as corrupt,
/// and `verify_chain` calls that message altered instead of vouching for it.
#[test]
fn a_row_edited_into_values_kuvert_never_writes_is_corrupt_and_breaks_the_chain() {
    let edits = [
        (
            "recipient",
            "UPDATE messages SET recipient = '198501012383'",
        ),
        (
            "recipient shown as",
            "UPDATE messages SET recipient_display = '19850101-2383'",
        ),
        (
            "sender organisation",
            "UPDATE messages SET sender_org = '162021003899'",
        ),
        (
            "subject",
            "UPDATE messages SET subject = 'rad ett
rad två'",
        ),
    ];
    for (what, edit) in edits {
        let (dir, s) = store();
        s.enqueue(&message(1), at(0)).unwrap();
        raw(&dir).execute_batch(edit).unwrap();
        let err = s.message(&id("m-1")).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{what}: {err}");
        assert!(
            matches!(
                s.verify_chain().unwrap(),
                kuvert_store::ChainVerdict::Broken {
                    reason: kuvert_store::ChainBreak::ContentAltered { .. },
                    ..
                }
            ),
            "{what}"
        );
    }
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
    assert!(s.message(&id("m-1")).unwrap().is_none());
    assert!(matches!(
        s.verify_chain().unwrap(),
        kuvert_store::ChainVerdict::Intact { entries: 1 }
    ));
}
