use kuvert_store::{
    ChainVerdict, EventKind, FollowUp, HandledNote, NextState, NoteProblem, SendState, StoreError,
};

use crate::support::{at, id, message, store};

/// `m-n` enqueued and failed before submission.
fn failed(s: &kuvert_store::Store, n: u32) {
    s.enqueue(&message(n), at(0)).unwrap();
    s.transition(
        &id(&format!("m-{n}")),
        SendState::Queued,
        &NextState::Failed {
            reason: "Brevlådan kunde inte ta emot meddelandet".into(),
        },
        at(1),
    )
    .unwrap();
}

fn refused_field(result: Result<(), StoreError>) -> &'static str {
    match result {
        Err(StoreError::InvalidInput { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_message_sent_again_is_linked_in_both_histories_and_stays_failed() {
    let (_dir, s) = store();
    failed(&s, 1);
    s.enqueue(&message(2), at(5)).unwrap();
    s.record_follow_up(&id("m-1"), &FollowUp::SentAgain(id("m-2")), at(6))
        .unwrap();

    let old = s.status_history(&id("m-1")).unwrap();
    let last = old.last().unwrap();
    assert_eq!(last.kind, EventKind::SentAgain);
    assert_eq!(last.detail, "m-2");
    assert_eq!(last.state, SendState::Failed);
    let new = s.status_history(&id("m-2")).unwrap();
    assert_eq!(new.last().unwrap().kind, EventKind::ResendOf);
    assert_eq!(new.last().unwrap().detail, "m-1");
    assert_eq!(new.last().unwrap().state, SendState::Queued);
    assert_eq!(
        s.message(&id("m-1")).unwrap().unwrap().state,
        SendState::Failed
    );
    assert_eq!(
        s.follow_up(&id("m-1")).unwrap(),
        Some(FollowUp::SentAgain(id("m-2")))
    );
    assert_eq!(s.follow_up(&id("m-2")).unwrap(), None);
    // Both events are sealed: the chain holds them and still verifies, and
    // the new message's later states follow on from its link.
    s.transition(
        &id("m-2"),
        SendState::Queued,
        &NextState::Signed {
            signed_xml: b"<x/>".to_vec(),
        },
        at(7),
    )
    .unwrap();
    assert_eq!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { entries: 6 }
    );
}

#[test]
fn a_failed_message_is_followed_up_once_and_only_a_failed_one() {
    let (_dir, s) = store();
    failed(&s, 1);
    s.enqueue(&message(2), at(2)).unwrap();
    s.enqueue(&message(3), at(2)).unwrap();
    let note =
        HandledNote::new("Ringde mottagaren 3 dec, beslutet lämnades i receptionen.").unwrap();

    // Not failed: m-2 is queued.
    assert_eq!(
        refused_field(s.record_follow_up(
            &id("m-2"),
            &FollowUp::HandledOutside(note.clone()),
            at(3)
        )),
        "follow_up"
    );
    // Not as itself.
    assert_eq!(
        refused_field(s.record_follow_up(&id("m-1"), &FollowUp::SentAgain(id("m-1")), at(3))),
        "follow_up"
    );
    s.record_follow_up(&id("m-1"), &FollowUp::HandledOutside(note.clone()), at(3))
        .unwrap();
    // Once: neither a second note nor a resend after it.
    for again in [
        FollowUp::HandledOutside(note.clone()),
        FollowUp::SentAgain(id("m-3")),
    ] {
        assert_eq!(
            refused_field(s.record_follow_up(&id("m-1"), &again, at(4))),
            "follow_up"
        );
    }
    assert_eq!(
        s.follow_up(&id("m-1")).unwrap(),
        Some(FollowUp::HandledOutside(note))
    );
    // A refused resend left nothing on m-3.
    assert_eq!(s.status_history(&id("m-3")).unwrap().len(), 1);
    assert!(matches!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { .. }
    ));
}

#[test]
fn a_note_must_say_something_plainly() {
    let cases: [(&str, Result<&str, NoteProblem>); 7] = [
        ("  Skickat med bud.  ", Ok("Skickat med bud.")),
        ("Rad ett\nrad två", Ok("Rad ett\nrad två")),
        ("   ", Err(NoteProblem::Empty)),
        ("", Err(NoteProblem::Empty)),
        (
            "Ringt\u{202E}tgnir",
            Err(NoteProblem::ForbiddenCharacter(0x202E)),
        ),
        ("Ringt\u{7}", Err(NoteProblem::ForbiddenCharacter(7))),
        (
            "dold\u{200B}text",
            Err(NoteProblem::ForbiddenCharacter(0x200B)),
        ),
    ];
    for (text, expected) in cases {
        let got = HandledNote::new(text);
        assert_eq!(
            got.as_ref().map(HandledNote::as_str).map_err(|e| *e),
            expected,
            "{text:?}"
        );
    }
    assert_eq!(
        HandledNote::new(&"å".repeat(kuvert_store::follow_up::MAX_NOTE_CHARS))
            .map(|n| n.as_str().chars().count()),
        Ok(kuvert_store::follow_up::MAX_NOTE_CHARS)
    );
    assert_eq!(
        HandledNote::new(&"å".repeat(kuvert_store::follow_up::MAX_NOTE_CHARS + 1)),
        Err(NoteProblem::TooLong)
    );
}

#[test]
fn sending_again_makes_one_draft_with_the_files_however_often_it_is_asked() {
    let (_dir, s) = store();
    failed(&s, 1);
    let sent = message(1);
    let fields = kuvert_store::DraftFields {
        recipient_text: "19850101-2382".into(),
        subject: sent.content.subject.as_str().into(),
        ..kuvert_store::DraftFields::default()
    };
    let first = s
        .follow_up_draft(&id("m-1"), &fields, &sent.attachments, at(2))
        .unwrap();
    let second = s
        .follow_up_draft(&id("m-1"), &fields, &sent.attachments, at(3))
        .unwrap();
    assert_eq!(first, second, "asked twice, one draft");
    assert_eq!(s.drafts().unwrap().len(), 1);
    let draft = s.draft(first).unwrap().unwrap();
    assert_eq!(draft.follows_up, Some(id("m-1")));
    assert_eq!(draft.fields.subject, "Beslut om bygglov 1");
    assert_eq!(draft.attachments.len(), 1);
    assert_eq!(draft.attachments[0].bytes, b"%PDF-1.7 beslut");
    // An ordinary draft follows nothing up.
    let plain = s.save_draft(None, &fields, at(4)).unwrap();
    assert_eq!(s.draft(plain).unwrap().unwrap().follows_up, None);
}

/// The follow-up is part of the sealed record: editing its note, removing
/// it (so the message could be sent again a second time) or turning it
/// into another kind of event breaks the chain at that entry.
#[test]
fn an_edited_or_removed_follow_up_breaks_the_chain() {
    let cases = [
        (
            "note edited",
            "UPDATE status_history SET detail = 'Något annat' WHERE kind = 'handled_outside'",
        ),
        (
            "follow-up removed",
            "DELETE FROM status_history WHERE kind = 'handled_outside'",
        ),
        (
            "kind changed",
            "UPDATE status_history SET kind = 'attempt_failed' WHERE kind = 'handled_outside'",
        ),
    ];
    for (name, sql) in cases {
        let (dir, s) = store();
        failed(&s, 1);
        let note = HandledNote::new("Lämnat över personligen.").unwrap();
        s.record_follow_up(&id("m-1"), &FollowUp::HandledOutside(note), at(3))
            .unwrap();
        assert!(matches!(
            s.verify_chain().unwrap(),
            ChainVerdict::Intact { entries: 3 }
        ));
        assert_eq!(
            crate::support::raw(&dir).execute(sql, []).unwrap(),
            1,
            "{name}"
        );
        match s.verify_chain().unwrap() {
            ChainVerdict::Broken { seq, .. } => assert_eq!(seq, 3, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}
