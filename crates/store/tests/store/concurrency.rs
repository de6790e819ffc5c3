use std::sync::{Arc, Barrier};

use kuvert_store::{NextState, SendState, Store, StoreError};

use crate::support::{at, id, kivra, message, store};

/// Two connections (as two processes would have) race the same
/// compare-and-set Signed → Submitted for each of many messages: exactly one
/// wins every race, the other gets a Conflict, and only one distribution id
/// is ever recorded.
#[test]
fn racing_the_same_transition_exactly_one_wins() {
    let (dir, s) = store();
    const MESSAGES: u32 = 30;
    for n in 0..MESSAGES {
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
    let path = dir.path().join("kuvert.sqlite");
    let barrier = Arc::new(Barrier::new(2));
    let racers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|who| {
            let path = path.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let store = Store::open(&path).expect("second connection");
                let mut outcomes = Vec::new();
                for n in 0..MESSAGES {
                    barrier.wait();
                    let next = NextState::Submitted {
                        distribution_id: format!("{who}-{n}"),
                        mailbox: kivra(),
                    };
                    outcomes.push(store.transition(
                        &id(&format!("m-{n}")),
                        SendState::Signed,
                        &next,
                        at(2),
                    ));
                }
                outcomes
            })
        })
        .collect();
    let results: Vec<Vec<Result<(), StoreError>>> =
        racers.into_iter().map(|r| r.join().unwrap()).collect();
    for (n, (a, b)) in results[0].iter().zip(&results[1]).enumerate() {
        assert!(
            a.is_ok() != b.is_ok(),
            "message {n}: exactly one wins ({a:?}, {b:?})"
        );
        let loser = if a.is_ok() { b } else { a };
        assert!(
            matches!(
                loser,
                Err(StoreError::Conflict {
                    actual: SendState::Submitted,
                    ..
                })
            ),
            "message {n}: {loser:?}"
        );
        let m = s.message(&id(&format!("m-{n}"))).unwrap().unwrap();
        let winner = if a.is_ok() { "a" } else { "b" };
        assert_eq!(m.distribution_id, Some(format!("{winner}-{n}")));
        let submitted = s
            .status_history(&m.content.message_id)
            .unwrap()
            .iter()
            .filter(|e| e.state == SendState::Submitted)
            .count();
        assert_eq!(submitted, 1);
    }
    assert!(matches!(
        s.verify_chain().unwrap(),
        kuvert_store::ChainVerdict::Intact { .. }
    ));
}

/// Claims keep a second process away from a message while an attempt runs,
/// and lapse if the claimant dies.
#[test]
fn a_claim_holds_until_the_attempt_ends_or_lapses() {
    let (dir, s) = store();
    s.enqueue(&message(1), at(0)).unwrap();
    let other = Store::open(dir.path().join("kuvert.sqlite")).unwrap();
    s.claim(&id("m-1"), SendState::Queued, at(1), at(61))
        .unwrap();
    let err = other
        .claim(&id("m-1"), SendState::Queued, at(2), at(62))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Claimed { ref until, .. } if *until == at(61)),
        "{err}"
    );
    assert!(
        other.due(at(60)).unwrap().is_empty(),
        "claimed: not due elsewhere"
    );
    // The claimant died: at 61 the claim has lapsed and another takes over.
    assert_eq!(other.due(at(61)).unwrap().len(), 1);
    other
        .claim(&id("m-1"), SendState::Queued, at(61), at(121))
        .unwrap();
    other
        .transition(
            &id("m-1"),
            SendState::Queued,
            &NextState::Signed {
                signed_xml: vec![1],
            },
            at(70),
        )
        .unwrap();
    let err = s
        .claim(&id("m-1"), SendState::Queued, at(200), at(260))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                actual: SendState::Signed,
                ..
            }
        ),
        "{err}"
    );
}

/// A claim covers the whole attempt: signing does not release it.
#[test]
fn transitions_keep_a_running_claim() {
    let (_dir, s) = store();
    s.enqueue(&message(1), at(0)).unwrap();
    s.claim(&id("m-1"), SendState::Queued, at(1), at(61))
        .unwrap();
    s.transition(
        &id("m-1"),
        SendState::Queued,
        &NextState::Signed {
            signed_xml: vec![1],
        },
        at(2),
    )
    .unwrap();
    assert!(
        s.due(at(60)).unwrap().is_empty(),
        "still claimed after signing"
    );
    let err = s
        .claim(&id("m-1"), SendState::Signed, at(3), at(63))
        .unwrap_err();
    assert!(matches!(err, StoreError::Claimed { .. }), "{err}");
    assert_eq!(s.due(at(61)).unwrap().len(), 1);
}
