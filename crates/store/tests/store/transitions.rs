use kuvert_store::{AttemptFailure, EventKind, NextState, PaperLetter, SendState, StoreError};

use crate::support::{at, deliver, id, kivra, message, store};

fn ids(messages: &[kuvert_store::Message]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m.content.message_id.as_str())
        .collect()
}

#[test]
fn the_digital_route_records_every_state_and_its_data() {
    let (_dir, s) = store();
    s.enqueue(&message(1), at(0)).unwrap();
    let m = s.message(&id("m-1")).unwrap().unwrap();
    assert_eq!(m.state, SendState::Queued);
    assert_eq!(m.attachments[0].md5_hex.len(), 32);
    assert_eq!(m.attachments[0].size, 15);
    assert_eq!(
        s.attachment_bytes(m.attachments[0].id).unwrap().unwrap(),
        b"%PDF-1.7 beslut"
    );

    let steps = [
        (
            SendState::Queued,
            NextState::Signed {
                signed_xml: b"<SignedDelivery>1</SignedDelivery>".to_vec(),
            },
        ),
        (
            SendState::Signed,
            NextState::Submitted {
                distribution_id: "dist-77".into(),
                mailbox: kivra(),
            },
        ),
        (SendState::Submitted, NextState::Pending),
        (SendState::Pending, NextState::Delivered),
    ];
    for (i, (expected, next)) in steps.iter().enumerate() {
        s.transition(&id("m-1"), *expected, next, at(10 + i as i64))
            .unwrap();
        let m = s.message(&id("m-1")).unwrap().unwrap();
        assert_eq!(m.state, next.state());
        assert_eq!(m.state_at, at(10 + i as i64));
    }
    let m = s.message(&id("m-1")).unwrap().unwrap();
    assert_eq!(m.distribution_id.as_deref(), Some("dist-77"));
    assert_eq!(
        s.signed_xml(&id("m-1")).unwrap().unwrap(),
        b"<SignedDelivery>1</SignedDelivery>"
    );
    let history = s.status_history(&id("m-1")).unwrap();
    let states: Vec<SendState> = history.iter().map(|e| e.state).collect();
    use SendState::*;
    assert_eq!(states, [Queued, Signed, Submitted, Pending, Delivered]);
    assert_eq!(history[0].kind, EventKind::Enqueued);
    assert!(history[2].detail.contains("dist-77"));
    assert!(
        s.outbox().unwrap().is_empty(),
        "delivered leaves the Outbox"
    );
}

#[test]
fn failures_and_the_paper_route() {
    let (_dir, s) = store();
    for n in 1..=4 {
        s.enqueue(&message(n), at(0)).unwrap();
    }
    // Submitted → Failed → Paper (with the PDF).
    s.transition(
        &id("m-1"),
        SendState::Queued,
        &NextState::Signed {
            signed_xml: vec![1],
        },
        at(1),
    )
    .unwrap();
    s.transition(
        &id("m-1"),
        SendState::Signed,
        &NextState::Submitted {
            distribution_id: "d".into(),
            mailbox: kivra(),
        },
        at(2),
    )
    .unwrap();
    s.transition(
        &id("m-1"),
        SendState::Submitted,
        &NextState::Failed {
            reason: "Brevlådan finns inte".into(),
        },
        at(3),
    )
    .unwrap();
    assert_eq!(
        s.message(&id("m-1"))
            .unwrap()
            .unwrap()
            .failure_reason
            .as_deref(),
        Some("Brevlådan finns inte")
    );
    s.transition(
        &id("m-1"),
        SendState::Failed,
        &NextState::Paper {
            letter: PaperLetter::Pdf(b"%PDF brev".to_vec()),
        },
        at(4),
    )
    .unwrap();
    let paper = s.paper_letter(&id("m-1")).unwrap().unwrap();
    assert_eq!(paper.pdf.as_deref(), Some(&b"%PDF brev"[..]));
    assert_eq!(paper.sha256_hex.len(), 64);
    // Queued → Paper with only the hash; Signed → Failed; Queued → Failed.
    let hash = "ab".repeat(32);
    s.transition(
        &id("m-2"),
        SendState::Queued,
        &NextState::Paper {
            letter: PaperLetter::Sha256Hex(hash.clone()),
        },
        at(5),
    )
    .unwrap();
    assert_eq!(
        s.paper_letter(&id("m-2")).unwrap().unwrap().sha256_hex,
        hash
    );
    s.transition(
        &id("m-3"),
        SendState::Queued,
        &NextState::Signed {
            signed_xml: vec![1],
        },
        at(5),
    )
    .unwrap();
    s.transition(
        &id("m-3"),
        SendState::Signed,
        &NextState::Failed {
            reason: "avvisad".into(),
        },
        at(6),
    )
    .unwrap();
    s.transition(
        &id("m-4"),
        SendState::Queued,
        &NextState::Failed {
            reason: "avbruten".into(),
        },
        at(6),
    )
    .unwrap();
    for id in ["m-1", "m-2", "m-3", "m-4"] {
        assert!(
            s.message(&self::id(id)).unwrap().unwrap().state.is_final(),
            "{id}"
        );
    }
    assert!(s.outbox().unwrap().is_empty());
}

#[test]
fn a_stale_expected_state_is_a_conflict_and_changes_nothing() {
    let (_dir, s) = store();
    s.enqueue(&message(1), at(0)).unwrap();
    deliver(&s, "m-1", at(1));
    let before = s.status_history(&id("m-1")).unwrap().len();
    let err = s
        .transition(
            &id("m-1"),
            SendState::Signed,
            &NextState::Submitted {
                distribution_id: "again".into(),
                mailbox: kivra(),
            },
            at(2),
        )
        .unwrap_err();
    match err {
        StoreError::Conflict {
            message_id,
            expected,
            actual,
        } => {
            assert_eq!(
                (message_id.as_str(), expected, actual),
                ("m-1", SendState::Signed, SendState::Delivered)
            );
        }
        other => panic!("expected Conflict, got {other}"),
    }
    assert_eq!(s.status_history(&id("m-1")).unwrap().len(), before);
    assert_eq!(
        s.message(&id("m-1"))
            .unwrap()
            .unwrap()
            .distribution_id
            .as_deref(),
        Some("d-m-1")
    );
}

#[test]
fn a_transition_of_an_unknown_message_is_refused() {
    let (_dir, s) = store();
    let err = s
        .transition(&id("nope"), SendState::Queued, &NextState::Delivered, at(1))
        .unwrap_err();
    assert!(matches!(err, StoreError::MessageNotFound { .. }), "{err}");
}

#[test]
fn failed_attempts_schedule_retries_and_due_follows_them() {
    let (_dir, s) = store();
    s.enqueue(&message(1), at(0)).unwrap();
    s.enqueue(&message(2), at(0)).unwrap();
    assert_eq!(
        ids(&s.due(at(0)).unwrap()),
        ["m-1", "m-2"],
        "new messages are due at once"
    );
    let failure = AttemptFailure {
        code: "timeout".into(),
        reason: "Förmedlaren svarade inte i tid".into(),
        retryable: true,
        next_attempt_at: Some(at(60)),
    };
    assert_eq!(
        s.record_attempt_failure(&id("m-1"), SendState::Queued, &failure, at(1))
            .unwrap(),
        1
    );
    assert_eq!(
        s.record_attempt_failure(&id("m-1"), SendState::Queued, &failure, at(2))
            .unwrap(),
        2
    );
    assert_eq!(ids(&s.due(at(59)).unwrap()), ["m-2"]);
    assert_eq!(ids(&s.due(at(60)).unwrap()), ["m-1", "m-2"]);
    let m = s.message(&id("m-1")).unwrap().unwrap();
    assert_eq!(m.attempts, 2);
    assert_eq!(m.last_failure.as_ref().unwrap().code, "timeout");
    assert_eq!(ids(&s.outbox().unwrap()), ["m-1", "m-2"]);

    // Not retryable: waits for the officer, who retries by rescheduling.
    let rejected = AttemptFailure {
        code: "rejected".into(),
        reason: "Leveransen avvisades".into(),
        retryable: false,
        next_attempt_at: None,
    };
    s.record_attempt_failure(&id("m-2"), SendState::Queued, &rejected, at(3))
        .unwrap();
    assert_eq!(ids(&s.due(at(1000)).unwrap()), ["m-1"]);
    s.reschedule(&id("m-2"), Some(at(1000))).unwrap();
    assert_eq!(ids(&s.due(at(1000)).unwrap()), ["m-1", "m-2"]);

    // A successful step clears the failure but keeps the count.
    s.transition(
        &id("m-1"),
        SendState::Queued,
        &NextState::Signed {
            signed_xml: vec![1],
        },
        at(61),
    )
    .unwrap();
    let m = s.message(&id("m-1")).unwrap().unwrap();
    assert_eq!((m.attempts, m.last_failure), (2, None));
    let kinds: Vec<EventKind> = s
        .status_history(&id("m-1"))
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Enqueued,
            EventKind::AttemptFailed,
            EventKind::AttemptFailed,
            EventKind::StateChanged
        ]
    );
    // A failure recorded against a stale state is a conflict.
    let err = s
        .record_attempt_failure(&id("m-1"), SendState::Queued, &failure, at(62))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
}

#[test]
fn awaiting_status_lists_submitted_and_pending_when_due() {
    let (_dir, s) = store();
    for n in 1..=3 {
        s.enqueue(&message(n), at(0)).unwrap();
        s.transition(
            &id(&format!("m-{n}")),
            SendState::Queued,
            &NextState::Signed {
                signed_xml: vec![1],
            },
            at(1),
        )
        .unwrap();
    }
    s.transition(
        &id("m-1"),
        SendState::Signed,
        &NextState::Submitted {
            distribution_id: "a".into(),
            mailbox: kivra(),
        },
        at(2),
    )
    .unwrap();
    s.transition(
        &id("m-2"),
        SendState::Signed,
        &NextState::Submitted {
            distribution_id: "b".into(),
            mailbox: kivra(),
        },
        at(2),
    )
    .unwrap();
    s.transition(&id("m-2"), SendState::Submitted, &NextState::Pending, at(3))
        .unwrap();
    s.reschedule(&id("m-2"), Some(at(300))).unwrap();
    assert_eq!(ids(&s.awaiting_status(at(3)).unwrap()), ["m-1"]);
    assert_eq!(ids(&s.awaiting_status(at(300)).unwrap()), ["m-1", "m-2"]);
    assert_eq!(
        ids(&s.due(at(300)).unwrap()),
        ["m-3"],
        "signed, not submitted"
    );
    s.transition(
        &id("m-1"),
        SendState::Submitted,
        &NextState::Delivered,
        at(4),
    )
    .unwrap();
    assert_eq!(ids(&s.awaiting_status(at(300)).unwrap()), ["m-2"]);
    let err = s.reschedule(&id("m-1"), Some(at(5))).unwrap_err();
    assert!(
        matches!(err, StoreError::InvalidInput { .. }),
        "final messages are not rescheduled"
    );
}

/// Withdrawal and hand-over are compare-and-sets on one row: whichever
/// comes first wins, so a withdrawn message is never handed over and one
/// being handed over is never withdrawn — also across processes (two
/// stores on one file). The withdrawal is sealed: the chain verifies.
#[test]
fn a_message_being_handed_over_is_never_withdrawn_and_a_withdrawn_one_never_handed_over() {
    let (dir, s) = store();
    let other = kuvert_store::Store::open(dir.path().join("kuvert.sqlite")).unwrap();
    let signed = NextState::Signed {
        signed_xml: b"<SignedDelivery/>".to_vec(),
    };
    for n in [1, 2] {
        s.enqueue(&message(n), at(0)).unwrap();
        s.transition(&id(&format!("m-{n}")), SendState::Queued, &signed, at(1))
            .unwrap();
    }

    // m-1: withdrawn first, then the worker's hand-over finds it gone.
    assert!(s.withdrawable(&id("m-1")).unwrap());
    s.transition(&id("m-1"), SendState::Signed, &NextState::Withdrawn, at(2))
        .unwrap();
    assert!(!other.hand_over(&id("m-1"), at(3)).unwrap());
    assert!(!s.withdrawable(&id("m-1")).unwrap());
    let m = s.message(&id("m-1")).unwrap().unwrap();
    assert_eq!(m.state, SendState::Withdrawn);
    assert_eq!(m.next_attempt_at, None, "nothing left to do");
    assert!(!ids(&s.due(at(10)).unwrap()).contains(&"m-1"));

    // m-2: handed over first (another process), then withdrawal is refused,
    // and stays refused after a failed attempt.
    assert!(other.hand_over(&id("m-2"), at(3)).unwrap());
    assert!(!s.withdrawable(&id("m-2")).unwrap());
    let refused = s
        .transition(&id("m-2"), SendState::Signed, &NextState::Withdrawn, at(4))
        .unwrap_err();
    assert!(
        matches!(refused, StoreError::HandedOver { .. }),
        "{refused}"
    );
    other
        .record_attempt_failure(
            &id("m-2"),
            SendState::Signed,
            &AttemptFailure {
                code: "outcome_unknown".into(),
                reason: "garbled".into(),
                retryable: true,
                next_attempt_at: Some(at(5)),
            },
            at(4),
        )
        .unwrap();
    assert!(
        other.hand_over(&id("m-2"), at(6)).unwrap(),
        "kept on retries"
    );
    assert!(!s.withdrawable(&id("m-2")).unwrap());
    assert_eq!(
        s.message(&id("m-2")).unwrap().unwrap().state,
        SendState::Signed
    );
    assert!(matches!(
        s.verify_chain().unwrap(),
        kuvert_store::ChainVerdict::Intact { .. }
    ));
}
