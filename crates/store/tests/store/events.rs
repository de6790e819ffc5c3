//! Event messages (händelsemeddelanden): their status and preceding event
//! are stored, sealed by the chain, and looked up per case.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Barrier};

use kuvert_protocol::delivery::{MatterStatus, MessageId};
use kuvert_store::{
    CaseEvent, ChainVerdict, MessageContent, NextState, OutgoingMessage, SendState, Store,
};

use crate::support::{at, case_number, deliver, id, message, raw, recipient, store};

const CASE: &str = "BN 2026/0007";

/// Message `m-<n>` to `to` in `case`, an event message with `status`
/// following `preceding` (or an ordinary one when `status` is `None`).
fn in_case(
    n: u32,
    case: &str,
    to: &str,
    status: Option<MatterStatus>,
    preceding: Option<&str>,
) -> OutgoingMessage {
    OutgoingMessage {
        content: MessageContent {
            case_number: Some(case_number(case)),
            recipient: recipient(to),
            event: status.map(|status| CaseEvent {
                status,
                preceding_event_id: preceding.map(id),
            }),
            ..message(n).content
        },
        ..message(n)
    }
}

fn latest(s: &Store, case: &str, to: &str) -> Option<String> {
    s.latest_event(&case_number(case), &recipient(to))
        .unwrap()
        .map(|m| m.content.message_id.to_string())
}

#[test]
fn the_latest_event_is_per_case_and_recipient_and_skips_failed_and_paper() {
    let (_dir, s) = store();
    let anna = "198501012382";
    let bo = "198501012390";
    assert_eq!(latest(&s, CASE, anna), None);

    let sender = Some(MatterStatus::SenderInitiative);
    s.enqueue(&in_case(1, CASE, anna, sender, None), at(0))
        .unwrap();
    // Neither an ordinary message in the case, nor an event in another
    // case or to another recipient, is what the next event follows.
    s.enqueue(&in_case(2, CASE, anna, None, None), at(1))
        .unwrap();
    s.enqueue(&in_case(3, "BN 2026/0008", anna, sender, None), at(2))
        .unwrap();
    s.enqueue(&in_case(4, CASE, bo, sender, None), at(3))
        .unwrap();
    assert_eq!(latest(&s, CASE, anna).as_deref(), Some("m-1"));
    assert_eq!(latest(&s, CASE, bo).as_deref(), Some("m-4"));
    // The case is compared folded, as the sent log's case filter does.
    assert_eq!(latest(&s, " bn  2026/0007", anna).as_deref(), Some("m-1"));

    let closed = Some(MatterStatus::Closed);
    s.enqueue(&in_case(5, CASE, anna, closed, Some("m-1")), at(4))
        .unwrap();
    deliver(&s, "m-5", at(5));
    assert_eq!(latest(&s, CASE, anna).as_deref(), Some("m-5"));

    // A failed event never reached the mailbox: the next one follows m-5.
    s.enqueue(&in_case(6, CASE, anna, closed, Some("m-5")), at(6))
        .unwrap();
    assert_eq!(latest(&s, CASE, anna).as_deref(), Some("m-6"));
    s.transition(
        &id("m-6"),
        SendState::Queued,
        &NextState::Failed {
            reason: "given up".into(),
        },
        at(7),
    )
    .unwrap();
    assert_eq!(latest(&s, CASE, anna).as_deref(), Some("m-5"));

    // Nor did one sent on paper.
    s.enqueue(&in_case(7, CASE, anna, closed, Some("m-5")), at(8))
        .unwrap();
    s.transition(
        &id("m-7"),
        SendState::Queued,
        &NextState::Paper {
            letter: kuvert_store::PaperLetter::Sha256Hex("ab".repeat(32)),
        },
        at(9),
    )
    .unwrap();
    assert_eq!(latest(&s, CASE, anna).as_deref(), Some("m-5"));
}

#[test]
fn a_cases_thread_is_its_event_messages_oldest_first_with_their_links() {
    let (_dir, s) = store();
    let anna = "198501012382";
    let bo = "198501012390";
    let sender = Some(MatterStatus::SenderInitiative);
    // Enqueued out of time order: the thread is in time order.
    s.enqueue(
        &in_case(3, CASE, anna, Some(MatterStatus::Closed), Some("m-1")),
        at(30),
    )
    .unwrap();
    s.enqueue(&in_case(1, CASE, anna, sender, None), at(10))
        .unwrap();
    s.enqueue(
        &in_case(2, CASE, bo, Some(MatterStatus::RecipientInitiative), None),
        at(20),
    )
    .unwrap();
    s.enqueue(&in_case(4, CASE, anna, None, None), at(40))
        .unwrap();
    s.enqueue(&in_case(5, "KS 2026/0001", anna, sender, None), at(50))
        .unwrap();

    let thread = s.case_events(&case_number("bn 2026/0007")).unwrap();
    let shown: Vec<(String, MatterStatus, Option<String>)> = thread
        .iter()
        .map(|m| {
            let event = m.content.event.as_ref().expect("an event message");
            (
                m.content.message_id.to_string(),
                event.status,
                event.preceding_event_id.as_ref().map(MessageId::to_string),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("m-1".to_string(), MatterStatus::SenderInitiative, None),
            ("m-2".to_string(), MatterStatus::RecipientInitiative, None),
            (
                "m-3".to_string(),
                MatterStatus::Closed,
                Some("m-1".to_string())
            ),
        ]
    );
    // The search and the stored message carry the event too.
    let stored = s.message(&id("m-3")).unwrap().unwrap();
    assert_eq!(
        stored.content.event,
        Some(CaseEvent {
            status: MatterStatus::Closed,
            preceding_event_id: Some(id("m-1")),
        })
    );
    assert_eq!(s.message(&id("m-4")).unwrap().unwrap().content.event, None);
}

#[test]
fn an_events_status_and_link_are_sealed_by_the_chain() {
    let edits = [
        (
            "status changed",
            "UPDATE messages SET event_status = 'closed' WHERE id = 'm-2'",
        ),
        (
            "link changed",
            "UPDATE messages SET preceding_event_id = 'm-9' WHERE id = 'm-2'",
        ),
        (
            "link removed",
            "UPDATE messages SET preceding_event_id = NULL WHERE id = 'm-2'",
        ),
        (
            "event made ordinary",
            "UPDATE messages SET event_status = NULL, preceding_event_id = NULL WHERE id = 'm-2'",
        ),
        (
            "ordinary made an event",
            "UPDATE messages SET event_status = 'closed' WHERE id = 'm-3'",
        ),
    ];
    for (what, sql) in edits {
        let (dir, s) = store();
        let anna = "198501012382";
        s.enqueue(
            &in_case(1, CASE, anna, Some(MatterStatus::SenderInitiative), None),
            at(0),
        )
        .unwrap();
        s.enqueue(
            &in_case(
                2,
                CASE,
                anna,
                Some(MatterStatus::RecipientInitiative),
                Some("m-1"),
            ),
            at(1),
        )
        .unwrap();
        s.enqueue(&in_case(3, CASE, anna, None, None), at(2))
            .unwrap();
        assert!(
            matches!(
                s.verify_chain().unwrap(),
                ChainVerdict::Intact { entries: 3 }
            ),
            "{what}: intact before the edit"
        );
        raw(&dir).execute(sql, []).unwrap();
        assert!(
            matches!(s.verify_chain().unwrap(), ChainVerdict::Broken { .. }),
            "{what}: must be found"
        );
    }
}

#[test]
fn the_table_refuses_an_unknown_status_and_a_link_without_an_event() {
    let (dir, s) = store();
    s.enqueue(&in_case(1, CASE, "198501012382", None, None), at(0))
        .unwrap();
    let conn = raw(&dir);
    for sql in [
        "UPDATE messages SET event_status = 'open' WHERE id = 'm-1'",
        "UPDATE messages SET preceding_event_id = 'm-0' WHERE id = 'm-1'",
    ] {
        assert!(conn.execute(sql, []).is_err(), "{sql} must be refused");
    }
}

/// Several connections (as several processes would) each add events to one
/// case, looking the predecessor up inside the write that stores the new
/// event (and reading the clock there, as the send does: the latest event
/// is the latest stored): the events form one line, none sharing a
/// predecessor.
#[test]
fn concurrent_senders_link_each_event_to_a_different_predecessor() {
    let (dir, _s) = store();
    const SENDERS: u32 = 4;
    const EACH: u32 = 8;
    let path = dir.path().join("kuvert.sqlite");
    let barrier = Arc::new(Barrier::new(SENDERS as usize));
    let clock = Arc::new(AtomicI64::new(0));
    let senders: Vec<_> = (0..SENDERS)
        .map(|who| {
            let path = path.clone();
            let barrier = Arc::clone(&barrier);
            let clock = Arc::clone(&clock);
            std::thread::spawn(move || {
                let store = crate::support::keyed(Store::open(&path).expect("own connection"));
                barrier.wait();
                for k in 0..EACH {
                    let n = who * 100 + k;
                    store
                        .batch(|b| {
                            let anna = recipient("198501012382");
                            let preceding = b
                                .latest_event(&case_number(CASE), &anna)?
                                .map(|m| m.content.message_id.to_string());
                            let m = in_case(
                                n,
                                CASE,
                                anna.as_str(),
                                Some(MatterStatus::SenderInitiative),
                                preceding.as_deref(),
                            );
                            b.enqueue(&m, at(clock.fetch_add(1, Ordering::SeqCst)))
                        })
                        .expect("stored");
                }
            })
        })
        .collect();
    for sender in senders {
        sender.join().unwrap();
    }
    let store = crate::support::keyed(Store::open(&path).unwrap());
    let thread = store.case_events(&case_number(CASE)).unwrap();
    assert_eq!(thread.len(), (SENDERS * EACH) as usize);
    let mut firsts = 0;
    let mut predecessors = std::collections::HashSet::new();
    for m in &thread {
        match &m.content.event.as_ref().unwrap().preceding_event_id {
            None => firsts += 1,
            Some(p) => assert!(
                predecessors.insert(p.to_string()),
                "{p} is the predecessor of two events"
            ),
        }
    }
    assert_eq!(firsts, 1, "exactly one event starts the case");
    assert!(matches!(
        store.verify_chain().unwrap(),
        ChainVerdict::Intact { .. }
    ));
}
