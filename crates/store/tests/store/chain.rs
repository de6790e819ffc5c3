use kuvert_store::{ChainBreak, ChainVerdict, NextState, SendState, Store};

use crate::support::{at, count, deliver, id, kivra, message, purge_order, raw, store};

/// Three messages: m-1 delivered (seq 1, 4–6), m-2 queued (seq 2), m-3
/// signed (seq 3, 7).
fn fixture() -> (tempfile::TempDir, Store) {
    let (dir, s) = store();
    for n in 1..=3 {
        s.enqueue(&message(n), at(i64::from(n))).unwrap();
    }
    deliver(&s, "m-1", at(10));
    s.transition(
        &id("m-3"),
        SendState::Queued,
        &NextState::Signed {
            signed_xml: b"<x/>".to_vec(),
        },
        at(11),
    )
    .unwrap();
    (dir, s)
}

fn broken(s: &Store) -> (u64, ChainBreak) {
    match s.verify_chain().unwrap() {
        ChainVerdict::Broken { seq, reason } => (seq, reason),
        other => panic!("expected a break, found {other:?}"),
    }
}

#[test]
fn an_untouched_log_verifies() {
    let (_dir, s) = fixture();
    assert_eq!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { entries: 7 }
    );
    let seqs: Vec<u64> = s
        .status_history(&id("m-1"))
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [1, 4, 5, 6]);
}

#[test]
fn each_kind_of_tampering_is_reported_at_its_entry() {
    type Tamper = (&'static str, &'static str, u64, fn(&ChainBreak) -> bool);
    let cases: [Tamper; 9] = [
        ("chain entry edited", "UPDATE chain SET state = 'delivered' WHERE seq = 3", 3, |r| {
            *r == ChainBreak::EntryAltered
        }),
        ("chain entry removed", "DELETE FROM chain WHERE seq = 5", 5, |r| *r == ChainBreak::Missing),
        ("chain relinked", "UPDATE chain SET prev_hash = zeroblob(32) WHERE seq = 4", 4, |r| {
            *r == ChainBreak::BrokenLink
        }),
        ("subject edited", "UPDATE messages SET subject = 'Annat' WHERE id = 'm-2'", 2, |r| {
            matches!(r, ChainBreak::ContentAltered { .. })
        }),
        ("attachment bytes swapped",
         "UPDATE attachment_content SET bytes = x'00' WHERE attachment_id = (SELECT a.id FROM attachments a JOIN messages m USING (sort_key) WHERE m.id = 'm-3')",
         3, |r| matches!(r, ChainBreak::ContentAltered { .. })),
        ("history detail edited", "UPDATE status_history SET detail = 'distribution id fake' WHERE seq = 5", 5, |r| {
            matches!(r, ChainBreak::ContentAltered { .. })
        }),
        ("signed xml swapped",
         "UPDATE signed_deliveries SET xml = x'3c792f3e' WHERE sort_key = (SELECT sort_key FROM messages WHERE id = 'm-3')",
         7, |r| matches!(r, ChainBreak::ContentAltered { .. })),
        ("state rolled back to resend", "UPDATE messages SET state = 'signed' WHERE id = 'm-1'", 6, |r| {
            matches!(r, ChainBreak::StateAltered { message_id } if message_id == "m-1")
        }),
        ("message deleted by hand", "DELETE FROM messages WHERE id = 'm-2'", 2, |r| {
            matches!(r, ChainBreak::ContentMissing { .. })
        }),
    ];
    for (name, sql, seq, reason_ok) in cases {
        let (dir, s) = fixture();
        assert_eq!(
            raw(&dir).execute(sql, []).unwrap(),
            1,
            "{name}: the tamper hit one row"
        );
        let (found, reason) = broken(&s);
        assert_eq!(found, seq, "{name}: {reason}");
        assert!(reason_ok(&reason), "{name}: {reason:?}");
    }
}

#[test]
fn purge_removes_old_final_messages_and_the_chain_still_verifies() {
    let (dir, s) = fixture();
    let report = s.purge(&purge_order(at(100)), false, at(200)).unwrap();
    assert_eq!(report.count, 1);
    assert_eq!(report.message_ids, ["m-1"]);
    assert_eq!(report.seq, Some(8));
    assert!(s.message(&id("m-1")).unwrap().is_none());
    assert!(s.message(&id("m-2")).unwrap().is_some(), "not final: stays");
    assert_eq!(
        count(&dir, "status_history"),
        3,
        "m-2 enqueue, m-3 enqueue + signed"
    );
    assert_eq!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { entries: 8 }
    );
    // The log goes on after the purge and still verifies.
    s.transition(
        &id("m-3"),
        SendState::Signed,
        &NextState::Submitted {
            distribution_id: "d".into(),
            mailbox: kivra(),
        },
        at(300),
    )
    .unwrap();
    assert_eq!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { entries: 9 }
    );
    // A purge record edited to cover a hand deletion is caught.
    let conn = raw(&dir);
    conn.execute("UPDATE purges SET ids = ids || char(10) || 'm-2'", [])
        .unwrap();
    conn.execute("DELETE FROM messages WHERE id = 'm-2'", [])
        .unwrap();
    assert_eq!(broken(&s).0, 8);
}

#[test]
fn a_dry_run_reports_and_changes_nothing() {
    let (dir, s) = fixture();
    let snapshot = |dir: &tempfile::TempDir| -> Vec<i64> {
        let tables = [
            "messages",
            "attachments",
            "attachment_content",
            "status_history",
            "chain",
            "purges",
            "messages_fts",
        ];
        tables.iter().map(|t| count(dir, t)).collect()
    };
    let before = snapshot(&dir);
    let report = s.purge(&purge_order(at(100)), true, at(200)).unwrap();
    assert!(report.dry_run);
    assert_eq!((report.count, report.seq), (1, None));
    assert_eq!(report.message_ids, ["m-1"]);
    assert_eq!(report.ids_sha256.len(), 64);
    assert_eq!(snapshot(&dir), before);
    assert_eq!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { entries: 7 }
    );
    let done = s.purge(&purge_order(at(100)), false, at(200)).unwrap();
    assert_eq!(
        done.ids_sha256, report.ids_sha256,
        "the dry run named exactly what went"
    );
}

/// A log with every kind of row a registrar reads: m-1 delivered (with an
/// attempt that failed on the way, a mailbox, an attachment, a document),
/// m-2 failed, m-3 sent on paper, m-4 queued after a failed attempt
/// (its last error shown), m-5 with no attachments and no case number.
fn every_column() -> (tempfile::TempDir, Store) {
    use kuvert_store::{AttemptFailure, MessageContent, OutgoingMessage, PaperLetter};
    let (dir, s) = store();
    for n in 1..=4 {
        s.enqueue(&message(n), at(i64::from(n))).unwrap();
    }
    let bare = OutgoingMessage {
        content: MessageContent {
            case_number: None,
            ..message(5).content
        },
        attachments: vec![],
        document: None,
    };
    s.enqueue(&bare, at(5)).unwrap();
    let failure = |code: &str| AttemptFailure {
        code: code.into(),
        reason: "Förmedlaren svarade inte".into(),
        retryable: true,
        next_attempt_at: Some(at(100)),
    };
    s.record_attempt_failure(&id("m-1"), SendState::Queued, &failure("timeout"), at(6))
        .unwrap();
    deliver(&s, "m-1", at(10));
    s.transition(
        &id("m-2"),
        SendState::Queued,
        &NextState::Failed {
            reason: "Mottagaren kunde inte nås".into(),
        },
        at(11),
    )
    .unwrap();
    s.transition(
        &id("m-3"),
        SendState::Queued,
        &NextState::Paper {
            letter: PaperLetter::Pdf(b"%PDF-1.7 brev".to_vec()),
        },
        at(12),
    )
    .unwrap();
    s.record_attempt_failure(&id("m-4"), SendState::Queued, &failure("http_503"), at(13))
        .unwrap();
    // m-6 delivered in direct mode: sealed by Kuvert, handed to Kivra.
    s.enqueue(&message(6), at(14)).unwrap();
    for (expected, next) in [
        (
            SendState::Queued,
            NextState::Signed {
                signed_xml: b"<SignedDelivery/>".to_vec(),
            },
        ),
        (
            SendState::Signed,
            NextState::HandedToOperator {
                transaction_id: "t-6".into(),
                mailbox: kivra(),
                sealed_on: "2026-12-04".into(),
            },
        ),
        (SendState::Submitted, NextState::Delivered),
    ] {
        s.transition(&id("m-6"), expected, &next, at(15)).unwrap();
    }
    (dir, s)
}

/// Issue 11: "every column that an export, search, filter, status or purge
/// reads is covered by the chain" — for each, an SQL `UPDATE` (as someone
/// with the database file would make) makes verify-log fail.
#[test]
fn every_column_a_registrar_reads_is_covered_by_the_chain() {
    let (dir, s) = every_column();
    assert!(matches!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { .. }
    ));
    drop(s);
    let m = |id: &str, set: &str| format!("UPDATE messages SET {set} WHERE id = '{id}'");
    let of = |id: &str| format!("(SELECT sort_key FROM messages WHERE id = '{id}')");
    let edits: Vec<(&str, String)> = vec![
        ("correlation id", m("m-1", "correlation_id = 'c-9'")),
        ("profile", m("m-1", "profile = 'Kansli'")),
        ("sender organisation", m("m-1", "sender_org = '165568402266'")),
        ("sender name (nämnd)", m("m-1", "sender_name = 'Annan nämnd'")),
        ("recipient", m("m-1", "recipient = '198501012390', recipient_display = '19850101-2390'")),
        ("recipient as shown", m("m-1", "recipient_display = '19850101-2390'")),
        ("subject", m("m-1", "subject = 'Annat'")),
        ("body", m("m-1", "body = 'Annan text'")),
        ("case number", m("m-1", "case_number = 'BN 2026/9999', case_key = 'BN 2026/9999'")),
        ("case key (the case filter)", m("m-1", "case_key = 'BN 2026/9999'")),
        ("attention", m("m-1", "attention = 'Någon'")),
        ("protection class", m("m-1", "protection_class = 1")),
        ("case type (retention rule)", m("m-1", "case_type = 'annat'")),
        ("attachment count", m("m-1", "attachment_count = 0")),
        ("attachment names (search)", m("m-1", "attachment_names = 'annat.pdf'")),
        ("created (time order)", m("m-1", "created_at = created_at + 1")),
        ("state", m("m-1", "state = 'failed'")),
        ("state time", m("m-1", "state_at = state_at + 1")),
        ("final time (drives retention)", m("m-1", "final_at = 0")),
        ("final time on a live message", m("m-4", "final_at = 0")),
        ("distribution id", m("m-1", "distribution_id = 'd-annan'")),
        ("failure reason", m("m-2", "failure_reason = 'Något annat'")),
        ("failure reason on a delivered message", m("m-1", "failure_reason = 'Misslyckades'")),
        ("attempts", m("m-1", "attempts = 0")),
        ("last error code", m("m-4", "last_error_code = 'annat'")),
        ("last error reason", m("m-4", "last_error_reason = 'Annat'")),
        ("last error on a message without one", m("m-1", "last_error_code = 'x', last_error_reason = 'y'")),
        ("officer account", m("m-1", "officer_account = 'annan'")),
        ("officer name", m("m-1", "officer_name = 'Annan'")),
        ("mailbox operator", m("m-1", "mailbox_operator = 'Annan'")),
        ("mailbox address", m("m-1", "mailbox_address = 'https://annan.example'")),
        ("event status", m("m-1", "event_status = 'closed'")),
        ("latest entry pointer", m("m-1", "last_seq = 1")),
        ("attachment name", format!("UPDATE attachments SET name = 'annat.pdf' WHERE sort_key = {}", of("m-1"))),
        ("attachment type", format!("UPDATE attachments SET content_type = 'text/plain' WHERE sort_key = {}", of("m-1"))),
        ("attachment size", format!("UPDATE attachments SET size = 1 WHERE sort_key = {}", of("m-1"))),
        ("attachment bytes", format!("UPDATE attachment_content SET bytes = x'00' WHERE attachment_id IN (SELECT id FROM attachments WHERE sort_key = {})", of("m-1"))),
        ("attachment removed", format!("DELETE FROM attachments WHERE sort_key = {}", of("m-1"))),
        ("message document", format!("UPDATE message_documents SET pdf = x'00' WHERE sort_key = {}", of("m-1"))),
        ("signed delivery", format!("UPDATE signed_deliveries SET xml = x'00' WHERE sort_key = {}", of("m-1"))),
        ("paper letter", format!("UPDATE paper_letters SET pdf = x'00' WHERE sort_key = {}", of("m-3"))),
        ("history time", format!("UPDATE status_history SET at = at + 1 WHERE sort_key = {}", of("m-2"))),
        ("history detail", format!("UPDATE status_history SET detail = 'x' WHERE sort_key = {}", of("m-4"))),
        ("operator transaction id (direct mode)", m("m-6", "distribution_id = 't-annan'")),
        ("operator address (direct mode)", m("m-6", "mailbox_address = 'https://annan.example'")),
        ("seal date (direct mode)", format!("UPDATE status_history SET detail = replace(detail, 'sealed on 2026-12-04', 'sealed on 2026-12-05') WHERE sort_key = {}", of("m-6"))),
    ];
    let original = std::fs::read(dir.path().join("kuvert.sqlite")).unwrap();
    for (what, sql) in &edits {
        let copy = tempfile::tempdir().unwrap();
        std::fs::write(copy.path().join("kuvert.sqlite"), &original).unwrap();
        let conn = raw(&copy);
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let changed = conn.execute(sql, []).unwrap();
        assert!(changed > 0, "{what}: the edit changed nothing ({sql})");
        drop(conn);
        let edited = Store::open(copy.path().join("kuvert.sqlite")).unwrap();
        assert!(
            matches!(edited.verify_chain().unwrap(), ChainVerdict::Broken { .. }),
            "{what}: an edit of it went unnoticed ({sql})"
        );
    }
}

fn verdict(s: &Store) -> ChainVerdict {
    s.verify_chain().unwrap()
}

/// Issue 11: "deleting the newest message and its chain rows fails".
#[test]
fn removing_the_newest_entries_is_found_by_the_anchor() {
    let (dir, s) = fixture();
    s.enqueue(&message(4), at(20)).unwrap(); // seq 8, the newest
    assert!(matches!(verdict(&s), ChainVerdict::Intact { entries: 8 }));
    let conn = raw(&dir);
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         DELETE FROM chain WHERE seq = 8;
         DELETE FROM messages WHERE id = 'm-4';",
    )
    .unwrap();
    assert_eq!(count(&dir, "status_history"), 7);
    assert_eq!(
        broken(&s),
        (8, ChainBreak::Truncated { anchored: 8 }),
        "the rows are gone, so only the anchor can tell"
    );
}

/// Issue 11: "a full rechain without the key fails" — the log rebuilt by
/// Kuvert's own code, every hash consistent, with one subject changed.
#[test]
fn a_log_rebuilt_with_consistent_hashes_but_without_the_key_is_found() {
    use kuvert_protocol::delivery::Subject;
    use kuvert_store::{LogKey, MessageContent, OutgoingMessage};
    let build = |dir: &std::path::Path, key: LogKey, subject: &str| {
        let mut s = Store::open(dir.join("kuvert.sqlite")).unwrap();
        s.set_log_key(Some(key));
        for n in 1..=3 {
            let m = message(n);
            let m = OutgoingMessage {
                content: MessageContent {
                    subject: Subject::new(&format!("{subject} {n}")).unwrap(),
                    ..m.content
                },
                ..m
            };
            s.enqueue(&m, at(i64::from(n))).unwrap();
        }
        deliver(&s, "m-1", at(10));
    };
    let genuine = tempfile::tempdir().unwrap();
    build(
        genuine.path(),
        crate::support::test_key(),
        "Beslut om bygglov",
    );
    let forged = tempfile::tempdir().unwrap();
    build(
        forged.path(),
        LogKey::generate().unwrap(),
        "Beslut om rivning",
    );
    let db = |d: &tempfile::TempDir| d.path().join("kuvert.sqlite");
    let anchor = |d: &tempfile::TempDir| kuvert_store::anchor_path(&db(d));

    // The rebuilt database in place of the genuine one.
    std::fs::copy(db(&forged), db(&genuine)).unwrap();
    let s = crate::support::keyed(Store::open(db(&genuine)).unwrap());
    let (seq, reason) = broken(&s);
    assert_eq!((seq, reason), (6, ChainBreak::AnchorMismatch));
    drop(s);
    // And its anchor too, signed with the forger's key.
    std::fs::copy(anchor(&forged), anchor(&genuine)).unwrap();
    let s = crate::support::keyed(Store::open(db(&genuine)).unwrap());
    assert_eq!(broken(&s), (6, ChainBreak::AnchorForged));
    drop(s);
    // Or no anchor at all.
    std::fs::remove_file(anchor(&genuine)).unwrap();
    let s = crate::support::keyed(Store::open(db(&genuine)).unwrap());
    assert_eq!(broken(&s), (6, ChainBreak::AnchorMissing));
}

#[test]
fn checkpoints_are_signed_and_a_forged_one_is_found() {
    use kuvert_store::ChainScope;
    let (dir, s) = fixture();
    let full = s.check_chain(ChainScope::Full, at(50)).unwrap();
    assert!(matches!(full.verdict, ChainVerdict::Intact { entries: 7 }));
    assert_eq!(full.anchor.as_ref().map(|a| a.seq), Some(7));
    s.enqueue(&message(4), at(60)).unwrap();
    // An unsigned checkpoint at the head is not a place to start from.
    raw(&dir)
        .execute(
            "INSERT INTO chain_checkpoints (seq, hash, checked_at, full)
             SELECT seq, hash, 61, 1 FROM chain WHERE seq = 8",
            [],
        )
        .unwrap();
    let since = s.check_chain(ChainScope::SinceCheckpoint, at(70)).unwrap();
    assert_eq!(since.from.map(|c| c.seq), Some(7), "the signed checkpoint");
    assert!(matches!(since.verdict, ChainVerdict::Intact { entries: 2 }));
    // A signed checkpoint edited (here: claimed to be a full check later).
    raw(&dir)
        .execute(
            "UPDATE chain_checkpoints SET checked_at = checked_at + 1 WHERE seq = 7",
            [],
        )
        .unwrap();
    assert_eq!(broken(&s), (7, ChainBreak::CheckpointForged));
}

#[test]
fn without_the_key_a_consistent_log_is_not_called_intact() {
    let (dir, s) = fixture();
    drop(s);
    let unkeyed = Store::open(dir.path().join("kuvert.sqlite")).unwrap();
    assert_eq!(verdict(&unkeyed), ChainVerdict::Unanchored { entries: 7 });
}
