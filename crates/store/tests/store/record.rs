//! SKL's requirement list, box 2: the log holds which case messages were
//! sent, to which mailbox, by whom and for which sender name, and it can be
//! searched and exported by them — and none of it can be edited unnoticed.

use kuvert_store::{ChainBreak, ChainVerdict, Officer, OutgoingMessage, SentLogQuery};

use crate::support::{at, deliver, id, kivra, message, officer, raw, store};

fn altered(verdict: ChainVerdict) -> bool {
    matches!(
        verdict,
        ChainVerdict::Broken {
            reason: ChainBreak::ContentAltered { .. },
            ..
        }
    )
}

#[test]
fn skl_box_2_the_log_records_the_mailbox_the_officer_and_the_sender_name() {
    let (_dir, s) = store();
    s.enqueue(&message(1), at(0)).unwrap();
    let queued = s.message(&id("m-1")).unwrap().unwrap();
    assert_eq!(queued.content.officer, Some(officer()));
    assert_eq!(queued.mailbox, None, "no mailbox before submission");

    deliver(&s, "m-1", at(1));
    let delivered = s.message(&id("m-1")).unwrap().unwrap();
    assert_eq!(delivered.mailbox, Some(kivra()));
    assert_eq!(delivered.content.sender_name.as_str(), "Kommun B");
    let history = s.status_history(&id("m-1")).unwrap();
    assert!(
        history.iter().any(|e| e
            .detail
            .contains("mailbox Kivra (https://kivra.test.example/deliver)")),
        "{history:?}"
    );

    let rows = s.search(&SentLogQuery::default()).unwrap();
    assert_eq!(rows[0].mailbox, Some(kivra()));
    assert_eq!(rows[0].officer, Some(officer()));
    assert!(matches!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { .. }
    ));
}

#[test]
fn skl_box_2_the_log_can_be_searched_by_officer_and_sender_name() {
    let (_dir, s) = store();
    let by = |n: u32, account: &str| OutgoingMessage {
        content: kuvert_store::MessageContent {
            officer: Some(Officer {
                account: account.into(),
                name: account.to_uppercase(),
            }),
            ..message(n).content
        },
        ..message(n)
    };
    s.enqueue(&by(1, "anna.lind"), at(0)).unwrap();
    s.enqueue(&by(2, "bo.ek"), at(1)).unwrap();
    s.enqueue(&by(3, "anna.lind"), at(2)).unwrap();
    let hits = |query: SentLogQuery| -> Vec<String> {
        s.search(&query)
            .unwrap()
            .into_iter()
            .map(|r| r.message_id.to_string())
            .collect()
    };
    assert_eq!(
        hits(SentLogQuery {
            officer: Some("anna.lind".into()),
            ..SentLogQuery::default()
        }),
        ["m-3", "m-1"]
    );
    assert_eq!(
        hits(SentLogQuery {
            officer: Some("bo.ek".into()),
            sender_name: Some("Kommun B".into()),
            ..SentLogQuery::default()
        }),
        ["m-2"]
    );
    assert!(hits(SentLogQuery {
        officer: Some("bo.ek".into()),
        sender_name: Some("Miljönämnden".into()),
        ..SentLogQuery::default()
    })
    .is_empty());
}

#[test]
fn skl_box_2_exports_carry_the_mailbox_and_the_officer() {
    let (_dir, s) = store();
    s.enqueue(&message(1), at(0)).unwrap();
    deliver(&s, "m-1", at(1));

    let mut csv = Vec::new();
    s.export_csv(&SentLogQuery::default(), &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let row: Vec<&str> = lines.next().unwrap().split(';').collect();
    let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(cell("mailbox_operator"), "Kivra");
    assert_eq!(
        cell("mailbox_address"),
        "https://kivra.test.example/deliver"
    );
    assert_eq!(cell("officer_account"), "anna.lind");
    assert_eq!(cell("officer_name"), "Anna Lind");
    assert_eq!(cell("sender_name"), "Kommun B");

    let mut jsonl = Vec::new();
    s.export_jsonl(&SentLogQuery::default(), &mut jsonl)
        .unwrap();
    let line: serde_json::Value =
        serde_json::from_slice(jsonl.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(line["mailbox"]["operator"], "Kivra");
    assert_eq!(
        line["mailbox"]["service_address"],
        "https://kivra.test.example/deliver"
    );
    assert_eq!(line["officer"]["account"], "anna.lind");
    assert_eq!(line["officer"]["name"], "Anna Lind");
    assert_eq!(line["sender_name"], "Kommun B");
}

/// What the log says about who sent a message and where it went is sealed
/// by the chain: an edit of any of it is found.
#[test]
fn the_mailbox_and_the_officer_cannot_be_edited_unnoticed() {
    let edits = [
        "UPDATE messages SET mailbox_operator = 'Min myndighetspost'",
        "UPDATE messages SET mailbox_address = 'https://elsewhere.example/'",
        "UPDATE messages SET mailbox_operator = NULL, mailbox_address = NULL",
        "UPDATE messages SET officer_account = 'bo.ek'",
        "UPDATE messages SET officer_name = 'Bo Ek'",
        "UPDATE messages SET officer_account = NULL, officer_name = NULL",
        "UPDATE messages SET distribution_id = 'd-other'",
    ];
    for edit in edits {
        let (dir, s) = store();
        s.enqueue(&message(1), at(0)).unwrap();
        deliver(&s, "m-1", at(1));
        assert!(matches!(
            s.verify_chain().unwrap(),
            ChainVerdict::Intact { .. }
        ));
        raw(&dir).execute_batch(edit).unwrap();
        assert!(altered(s.verify_chain().unwrap()), "{edit}");
    }
}

/// A message stored before Kuvert recorded the officer and the mailbox (no
/// officer, a submission without a mailbox) still verifies.
#[test]
fn a_message_from_before_the_officer_and_the_mailbox_were_recorded_still_verifies() {
    let (_dir, s) = store();
    let old = OutgoingMessage {
        content: kuvert_store::MessageContent {
            officer: None,
            ..message(1).content
        },
        ..message(1)
    };
    s.enqueue(&old, at(0)).unwrap();
    let m = s.message(&id("m-1")).unwrap().unwrap();
    assert_eq!(m.content.officer, None);
    assert!(matches!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { .. }
    ));
}

/// A case type can be kept longer than the rest: an order's per-case-type
/// limit holds its messages back, and the purge record says who purged and
/// under which rule — sealed by the chain.
#[test]
fn a_purge_keeps_each_case_type_to_its_limit_and_records_who_and_which_rule() {
    let (dir, s) = store();
    let typed = |n: u32, case_type: Option<&str>| OutgoingMessage {
        content: kuvert_store::MessageContent {
            case_type: case_type.map(str::to_owned),
            ..message(n).content
        },
        ..message(n)
    };
    s.enqueue(&typed(1, Some("bygglov")), at(0)).unwrap();
    s.enqueue(&typed(2, Some("parkering")), at(0)).unwrap();
    s.enqueue(&typed(3, None), at(0)).unwrap();
    for n in ["m-1", "m-2", "m-3"] {
        deliver(&s, n, at(10));
    }
    let order = kuvert_store::PurgeOrder {
        older_than: at(100),
        // Bygglov is kept for longer: its limit is before the deliveries.
        case_type_limits: vec![("bygglov".into(), at(5))],
        purger: "anna.lind".into(),
        rule: "10 dagar; bygglov 30 dagar".into(),
    };
    let report = s.purge(&order, false, at(200)).unwrap();
    assert_eq!(report.message_ids, ["m-2", "m-3"]);
    assert!(
        s.message(&id("m-1")).unwrap().is_some(),
        "kept by its case type"
    );

    let records = s.purges().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].count, 2);
    assert_eq!(records[0].purger.as_deref(), Some("anna.lind"));
    assert_eq!(
        records[0].rule.as_deref(),
        Some("10 dagar; bygglov 30 dagar")
    );
    assert_eq!(records[0].ids_sha256, report.ids_sha256);
    assert!(matches!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { .. }
    ));

    for edit in [
        "UPDATE purges SET purger = 'bo.ek'",
        "UPDATE purges SET rule = '0 dagar'",
        "UPDATE purges SET purger = NULL, rule = NULL",
    ] {
        let conn = raw(&dir);
        conn.execute_batch(edit).unwrap();
        assert!(altered(s.verify_chain().unwrap()), "{edit}");
        conn.execute_batch(
            "UPDATE purges SET purger = 'anna.lind', rule = '10 dagar; bygglov 30 dagar'",
        )
        .unwrap();
    }
    assert!(matches!(
        s.verify_chain().unwrap(),
        ChainVerdict::Intact { .. }
    ));
}

/// The message's document is kept as it was made at send time, returned as
/// it is, and sealed: neither its bytes nor its recorded digest can change
/// unnoticed.
#[test]
fn the_message_document_is_kept_as_sent_and_sealed() {
    for edit in [
        "UPDATE message_documents SET pdf = X'255044462D312E37206F74686572'",
        "UPDATE message_documents SET sha256_hex = lower(hex(randomblob(32)))",
        "DELETE FROM message_documents",
    ] {
        let (dir, s) = store();
        s.enqueue(&message(1), at(0)).unwrap();
        deliver(&s, "m-1", at(1));
        assert_eq!(
            s.message_document(&id("m-1")).unwrap().as_deref(),
            Some(&b"%PDF-1.7 meddelande"[..])
        );
        assert!(matches!(
            s.verify_chain().unwrap(),
            ChainVerdict::Intact { .. }
        ));
        raw(&dir).execute_batch(edit).unwrap();
        assert!(altered(s.verify_chain().unwrap()), "{edit}");
    }
}
