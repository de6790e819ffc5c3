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
        ChainVerdict::Intact { entries } => {
            panic!("expected a break, chain of {entries} is intact")
        }
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
