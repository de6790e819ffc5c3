use kuvert_protocol::delivery::{Attention, CaseNumber, Subject};
use kuvert_store::export::{CSV_COLUMNS, PURGE_CSV_COLUMNS};
use kuvert_store::{
    MessageContent, OutgoingAttachment, OutgoingMessage, PurgeOrder, SendState, SentLogQuery, Store,
};
use time::macros::datetime;

use crate::support::{at, deliver, message, store};

/// Parses `;`-separated, CRLF-terminated RFC 4180 CSV.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ';') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "rows end in CRLF");
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\n') => panic!("bare LF outside quotes"),
            (false, c) => cell.push(c),
        }
    }
    assert!(
        row.is_empty() && cell.is_empty(),
        "the last row ends in CRLF"
    );
    rows
}

fn fixture() -> (tempfile::TempDir, Store) {
    let (dir, s) = store();
    let tricky = OutgoingMessage {
        content: MessageContent {
            subject: Subject::new("=HYPERLINK(\"http://x\";\"klicka\")").unwrap(),
            attention: Some(Attention::new("-Ekonomi; \"VD\"").unwrap()),
            case_number: Some(CaseNumber::new("@KS 2026/0001").unwrap()),
            ..message(2).content
        },
        attachments: vec![
            OutgoingAttachment {
                name: "a.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"1".to_vec(),
                compressed_from: None,
            },
            OutgoingAttachment {
                name: "bilaga å.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"2".to_vec(),
                compressed_from: None,
            },
        ],
        document: None,
    };
    s.enqueue(&message(1), at(0)).unwrap();
    s.enqueue(&tricky, at(60)).unwrap();
    deliver(&s, "m-1", at(3661));
    (dir, s)
}

#[test]
fn csv_has_bom_semicolons_crlf_quoting_and_the_injection_guard() {
    let (_dir, s) = fixture();
    let mut out = Vec::new();
    assert_eq!(s.export_csv(&SentLogQuery::default(), &mut out).unwrap(), 2);
    assert!(out.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    let text = std::str::from_utf8(&out[3..]).unwrap();
    let rows = parse_csv(text);
    assert_eq!(rows[0], CSV_COLUMNS);
    assert_eq!(rows.len(), 3);
    let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    let (first, second) = (&rows[1], &rows[2]);
    assert!(rows.iter().all(|r| r.len() == CSV_COLUMNS.len()));
    assert_eq!(first[col("message_id")], "m-1", "oldest first");
    // 00:00 UTC on New Year's Day is 01:00 in Sweden (winter time).
    assert_eq!(first[col("created")], "2026-01-01T01:00:00+01:00");
    assert_eq!(first[col("state")], "delivered");
    assert_eq!(first[col("state_changed")], "2026-01-01T02:01:01+01:00");
    assert_eq!(first[col("subject")], "Beslut om bygglov 1");
    assert_eq!(first[col("recipient")], "198501012382");
    assert_eq!(first[col("distribution_id")], "d-m-1");
    assert_eq!(first[col("attention")], "", "absent is empty");
    assert_eq!(
        second[col("subject")],
        "'=HYPERLINK(\"http://x\";\"klicka\")"
    );
    assert_eq!(second[col("attention")], "'-Ekonomi; \"VD\"");
    assert_eq!(second[col("case_number")], "'@KS 2026/0001");
    assert_eq!(second[col("attachment_names")], "a.pdf\nbilaga å.pdf");
    assert_eq!(second[col("attachment_count")], "2");
    assert_eq!(second[col("protection_class")], "2");
}

#[test]
fn csv_takes_the_search_filters() {
    let (_dir, s) = fixture();
    let mut out = Vec::new();
    let q = SentLogQuery {
        states: vec![SendState::Queued],
        limit: 0,
        ..SentLogQuery::default()
    };
    assert_eq!(
        s.export_csv(&q, &mut out).unwrap(),
        1,
        "limit is ignored by exports"
    );
    let rows = parse_csv(std::str::from_utf8(&out[3..]).unwrap());
    assert_eq!(rows[1][0], "m-2");
    let mut out = Vec::new();
    let q = SentLogQuery {
        text: Some("hyperlink".into()),
        ..SentLogQuery::default()
    };
    assert_eq!(s.export_csv(&q, &mut out).unwrap(), 1);
}

#[test]
fn jsonl_has_one_parseable_object_per_message_with_attachments_and_timeline() {
    let (_dir, s) = fixture();
    let mut out = Vec::new();
    assert_eq!(
        s.export_jsonl(&SentLogQuery::default(), &mut out).unwrap(),
        2
    );
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "two messages and the anchor");
    assert_eq!(lines[2]["record"], "anchor");
    assert_eq!(
        lines[2]["seq"].as_u64(),
        s.log_anchor().map(|a| a.seq),
        "the log's newest entry"
    );
    let first = &lines[0];
    assert_eq!(first["message_id"], "m-1");
    assert_eq!(first["state"], "delivered");
    assert_eq!(first["record"], "message");
    assert_eq!(first["created_at"], "2026-01-01T01:00:00+01:00");
    assert_eq!(first["body"], "Hej! Här kommer beslutet i ärendet.");
    assert_eq!(first["case_number"], "BN 2026/0001");
    assert_eq!(first["attention"], serde_json::Value::Null);
    assert_eq!(first["attachments"][0]["name"], "beslut.pdf");
    assert_eq!(first["attachments"][0]["size"], 15);
    assert_eq!(
        first["attachments"][0]["sha256"].as_str().unwrap().len(),
        64
    );
    let states: Vec<&str> = first["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["queued", "signed", "submitted", "delivered"]);
    assert_eq!(first["history"][3]["at"], "2026-01-01T02:01:01+01:00");
    let second = &lines[1];
    assert_eq!(
        second["subject"], "=HYPERLINK(\"http://x\";\"klicka\")",
        "JSON is data, not a spreadsheet: no guard"
    );
    assert_eq!(second["attachments"].as_array().unwrap().len(), 2);
}

/// Issue 10: exported times are Swedish local time with the offset that
/// applied, winter (`+01:00`) and summer (`+02:00`) alike, and a message
/// made just after midnight in Sweden carries the Swedish date.
#[test]
fn issue_10_exported_times_are_swedish_local_time_with_their_offset() {
    let (_dir, s) = store();
    s.enqueue(&message(1), datetime!(2026-12-01 23:15:03 UTC))
        .unwrap();
    s.enqueue(&message(2), datetime!(2026-07-01 12:00 UTC))
        .unwrap();
    let query = SentLogQuery::default();

    let mut csv = Vec::new();
    s.export_csv(&query, &mut csv).unwrap();
    let rows = parse_csv(std::str::from_utf8(&csv[3..]).unwrap());
    let created = CSV_COLUMNS.iter().position(|c| *c == "created").unwrap();
    let by_id = |id: &str| rows.iter().find(|r| r[0] == id).unwrap()[created].clone();
    assert_eq!(by_id("m-1"), "2026-12-02T00:15:03+01:00");
    assert_eq!(by_id("m-2"), "2026-07-01T14:00:00+02:00");

    let mut jsonl = Vec::new();
    s.export_jsonl(&query, &mut jsonl).unwrap();
    let lines: Vec<serde_json::Value> = std::str::from_utf8(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let line = |id: &str| lines.iter().find(|l| l["message_id"] == id).unwrap();
    assert_eq!(line("m-1")["created_at"], "2026-12-02T00:15:03+01:00");
    assert_eq!(line("m-1")["history"][0]["at"], "2026-12-02T00:15:03+01:00");
    assert_eq!(line("m-2")["state_at"], "2026-07-01T14:00:00+02:00");
}

/// Issue 10: the purges are exported with the log — as records of their own
/// after the messages in JSON Lines, and as a second CSV table — with when,
/// who, which rule, how many and the ids' digest.
#[test]
fn issue_10_purges_are_exported_with_the_log() {
    let (_dir, s) = fixture();
    let mut empty = Vec::new();
    assert_eq!(s.export_purges_csv(&mut empty).unwrap(), 0);
    let text = std::str::from_utf8(&empty[3..]).unwrap();
    assert_eq!(parse_csv(text), [PURGE_CSV_COLUMNS.to_vec()]);

    let order = PurgeOrder::everything_older_than(at(7200), "anna.lind", "=3650 dagar; m-1");
    let report = s.purge(&order, false, at(10_000)).unwrap();
    assert_eq!(report.message_ids, ["m-1"]);

    let mut csv = Vec::new();
    assert_eq!(s.export_purges_csv(&mut csv).unwrap(), 1);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    let rows = parse_csv(std::str::from_utf8(&csv[3..]).unwrap());
    assert_eq!(rows[0], PURGE_CSV_COLUMNS);
    assert_eq!(
        rows[1],
        [
            report.seq.unwrap().to_string().as_str(),
            "2026-01-01T03:46:40+01:00",
            "2026-01-01T03:00:00+01:00",
            "1",
            report.ids_sha256.as_str(),
            "anna.lind",
            "'=3650 dagar; m-1",
        ]
    );

    let mut jsonl = Vec::new();
    assert_eq!(
        s.export_jsonl(&SentLogQuery::default(), &mut jsonl)
            .unwrap(),
        1,
        "the count is of messages"
    );
    let lines: Vec<serde_json::Value> = std::str::from_utf8(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "the message, the purge and the anchor");
    assert_eq!(lines[2]["record"], "anchor");
    assert_eq!(lines[0]["record"], "message");
    assert_eq!(lines[0]["message_id"], "m-2");
    assert_eq!(
        lines[1],
        serde_json::json!({
            "record": "purge",
            "seq": report.seq.unwrap(),
            "at": "2026-01-01T03:46:40+01:00",
            "cutoff": "2026-01-01T03:00:00+01:00",
            "count": 1,
            "ids_sha256": report.ids_sha256,
            "purger": "anna.lind",
            "rule": "=3650 dagar; m-1",
        })
    );
    // Purges match no message filter: a filtered export still has them all.
    let mut filtered = Vec::new();
    let query = SentLogQuery {
        text: Some("inget sådant".into()),
        ..SentLogQuery::default()
    };
    assert_eq!(s.export_jsonl(&query, &mut filtered).unwrap(), 0);
    assert!(std::str::from_utf8(&filtered)
        .unwrap()
        .contains("\"record\":\"purge\""));
}
