use kuvert_store::{
    CaseNumberFilter, MessageContent, NextState, OutgoingAttachment, OutgoingMessage, PaperLetter,
    SendState, SentLogQuery, Store, StoreError,
};

use kuvert_protocol::delivery::{Attention, ProtectionClass, SenderName, Subject};
use kuvert_protocol::identity::OrganizationNumber;

use crate::support::{at, case_number, deliver, id, message, purge_order, recipient, store};

const DAY: i64 = 86_400;

/// Four messages that differ in every searchable field.
fn fixture() -> (tempfile::TempDir, Store) {
    let (dir, s) = store();
    let attachment = |name: &str| OutgoingAttachment {
        name: name.into(),
        content_type: "application/pdf".into(),
        bytes: name.as_bytes().to_vec(),
        compressed_from: None,
    };
    let m1 = OutgoingMessage {
        content: MessageContent {
            subject: Subject::new("Beslut om bygglov för kök").unwrap(),
            body: "Bygglov beviljas.".into(),
            case_number: Some(case_number("BN 2026/0123")),
            ..message(1).content
        },
        attachments: vec![attachment("ritning.pdf")],
        document: None,
    };
    let m2 = OutgoingMessage {
        content: MessageContent {
            recipient: recipient("192705178354"),
            subject: Subject::new("Begäran om komplettering").unwrap(),
            body: "Vi behöver fler underlag i ärendet om förskolan.".into(),
            case_number: Some(case_number("KS 2026/0042")),
            attention: Some(Attention::new("Ekonomiavdelningen").unwrap()),
            protection_class: ProtectionClass::new(1).unwrap(),
            profile: "Kansli".into(),
            sender_name: SenderName::new("Kommunstyrelsen").unwrap(),
            ..message(2).content
        },
        attachments: vec![],
        document: None,
    };
    let m3 = OutgoingMessage {
        content: MessageContent {
            recipient: recipient("165568402266"),
            subject: Subject::new("Föreläggande: åtgärda brister").unwrap(),
            body: "Verksamheten ska åtgärda bristerna.".into(),
            case_number: Some(case_number("MN 2025/0999")),
            attention: Some(Attention::new("VD").unwrap()),
            protection_class: ProtectionClass::new(3).unwrap(),
            profile: "Miljö".into(),
            sender_org: OrganizationNumber::from_wire("165568402266").unwrap(),
            sender_name: SenderName::new("Miljönämnden").unwrap(),
            ..message(3).content
        },
        attachments: vec![attachment("föreläggande.pdf")],
        document: None,
    };
    let m4 = OutgoingMessage {
        content: MessageContent {
            recipient: recipient("202201612385"),
            subject: Subject::new("Får du plats i kön?").unwrap(),
            body: "Svar om förskoleplats.".into(),
            case_number: Some(case_number("KS 2026/0043")),
            protection_class: ProtectionClass::new(1).unwrap(),
            profile: "Kansli".into(),
            sender_name: SenderName::new("Kommunstyrelsen").unwrap(),
            ..message(4).content
        },
        attachments: vec![],
        document: None,
    };
    s.enqueue(&m1, at(0)).unwrap();
    s.enqueue(&m2, at(10 * DAY)).unwrap();
    s.enqueue(&m3, at(400 * DAY)).unwrap();
    s.enqueue(&m4, at(20 * DAY)).unwrap();
    deliver(&s, "m-1", at(1));
    s.transition(
        &id("m-3"),
        SendState::Queued,
        &NextState::Failed { reason: "x".into() },
        at(400 * DAY + 1),
    )
    .unwrap();
    s.transition(
        &id("m-4"),
        SendState::Queued,
        &NextState::Paper {
            letter: PaperLetter::Pdf(b"%PDF".to_vec()),
        },
        at(20 * DAY + 1),
    )
    .unwrap();
    (dir, s)
}

fn hits(s: &Store, q: &SentLogQuery) -> Vec<String> {
    s.search(q)
        .unwrap()
        .into_iter()
        .map(|r| r.message_id.to_string())
        .collect()
}

#[test]
fn each_filter_narrows_as_documented() {
    let (_dir, s) = fixture();
    let q = SentLogQuery::default;
    let text = |t: &str| SentLogQuery {
        text: Some(t.into()),
        ..q()
    };
    let cases: Vec<(&str, SentLogQuery, &[&str])> = vec![
        (
            "no filter: all, newest first",
            q(),
            &["m-3", "m-4", "m-2", "m-1"],
        ),
        ("text in subject", text("bygglov"), &["m-1"]),
        ("text in body", text("underlag"), &["m-2"]),
        ("text: two words AND", text("beslut kök"), &["m-1"]),
        ("text: AND excludes", text("beslut förskolan"), &[]),
        ("text: case number", text("2026/0123"), &["m-1"]),
        ("text: attention", text("ekonomiavdelningen"), &["m-2"]),
        ("text: attachment name", text("ritning"), &["m-1"]),
        ("text: recipient display", text("556840-2266"), &["m-3"]),
        ("text: recipient wire", text("192705178354"), &["m-2"]),
        ("text: å ä ö exact", text("åtgärda"), &["m-3"]),
        ("text: å is not a", text("atgarda"), &[]),
        ("text: upper-case Ö folds", text("FÖRELÄGGANDE"), &["m-3"]),
        ("text: prefix", text("förskol*"), &["m-4", "m-2"]),
        ("text: prefix with å", text("få*"), &["m-4"]),
        ("text: only punctuation matches nothing", text("* -"), &[]),
        (
            "recipient 12 digits",
            SentLogQuery {
                recipient: Some("192705178354".into()),
                ..q()
            },
            &["m-2"],
        ),
        (
            "recipient with dash",
            SentLogQuery {
                recipient: Some("20220161-2385".into()),
                ..q()
            },
            &["m-4"],
        ),
        (
            "case exact",
            SentLogQuery {
                case_number: Some(CaseNumberFilter::Exact("ks 2026/0042".into())),
                ..q()
            },
            &["m-2"],
        ),
        (
            "case prefix",
            SentLogQuery {
                case_number: Some(CaseNumberFilter::Prefix("KS 2026/".into())),
                ..q()
            },
            &["m-4", "m-2"],
        ),
        (
            "case prefix series",
            SentLogQuery {
                case_number: Some(CaseNumberFilter::Prefix("KS".into())),
                ..q()
            },
            &["m-4", "m-2"],
        ),
        (
            "case exact + text",
            SentLogQuery {
                case_number: Some(CaseNumberFilter::Exact("BN 2026/0123".into())),
                text: Some("kök".into()),
                ..q()
            },
            &["m-1"],
        ),
        (
            "case exact + other text",
            SentLogQuery {
                case_number: Some(CaseNumberFilter::Exact("BN 2026/0123".into())),
                text: Some("brister".into()),
                ..q()
            },
            &[],
        ),
        (
            "date from",
            SentLogQuery {
                from: Some(at(10 * DAY)),
                ..q()
            },
            &["m-3", "m-4", "m-2"],
        ),
        (
            "date until (exclusive)",
            SentLogQuery {
                until: Some(at(10 * DAY)),
                ..q()
            },
            &["m-1"],
        ),
        (
            "date range",
            SentLogQuery {
                from: Some(at(5 * DAY)),
                until: Some(at(30 * DAY)),
                ..q()
            },
            &["m-4", "m-2"],
        ),
        (
            "text + date range",
            SentLogQuery {
                text: Some("förskol*".into()),
                from: Some(at(15 * DAY)),
                until: Some(at(30 * DAY)),
                ..q()
            },
            &["m-4"],
        ),
        (
            "state",
            SentLogQuery {
                states: vec![SendState::Delivered],
                ..q()
            },
            &["m-1"],
        ),
        (
            "states",
            SentLogQuery {
                states: vec![SendState::Queued, SendState::Paper],
                ..q()
            },
            &["m-4", "m-2"],
        ),
        (
            "protection class",
            SentLogQuery {
                protection_class: Some(3),
                ..q()
            },
            &["m-3"],
        ),
        (
            "profile",
            SentLogQuery {
                profile: Some("Kansli".into()),
                ..q()
            },
            &["m-4", "m-2"],
        ),
        (
            "sender org",
            SentLogQuery {
                sender_org: Some("165568402266".into()),
                ..q()
            },
            &["m-3"],
        ),
        (
            "sender name",
            SentLogQuery {
                sender_name: Some("Kommun B".into()),
                ..q()
            },
            &["m-1"],
        ),
        ("limit", SentLogQuery { limit: 2, ..q() }, &["m-3", "m-4"]),
        (
            "offset",
            SentLogQuery {
                limit: 2,
                offset: 2,
                ..q()
            },
            &["m-2", "m-1"],
        ),
        (
            "text + offset",
            SentLogQuery {
                text: Some("förskol*".into()),
                offset: 1,
                ..q()
            },
            &["m-2"],
        ),
    ];
    for (name, query, expected) in cases {
        assert_eq!(hits(&s, &query), expected, "{name}");
    }
}

#[test]
fn summaries_carry_the_listed_fields() {
    let (_dir, s) = fixture();
    let rows = s
        .search(&SentLogQuery {
            text: Some("bygglov".into()),
            ..SentLogQuery::default()
        })
        .unwrap();
    let r = &rows[0];
    assert_eq!(r.state, SendState::Delivered);
    assert_eq!(r.recipient.as_str(), "198501012382");
    assert_eq!(
        r.case_number.as_ref().map(|c| c.as_str()),
        Some("BN 2026/0123")
    );
    assert_eq!(r.attachment_count, 1);
    assert_eq!(r.distribution_id.as_deref(), Some("d-m-1"));
    assert_eq!(r.created_at, at(0));
}

#[test]
fn a_malformed_recipient_filter_is_refused() {
    let (_dir, s) = fixture();
    let err = s
        .search(&SentLogQuery {
            recipient: Some("850101-2382".into()),
            ..SentLogQuery::default()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput { .. }), "{err}");
}

#[test]
fn purged_messages_leave_the_index() {
    let (_dir, s) = fixture();
    s.purge(&purge_order(at(2)), false, at(1000 * DAY)).unwrap();
    assert!(hits(
        &s,
        &SentLogQuery {
            text: Some("bygglov".into()),
            ..SentLogQuery::default()
        }
    )
    .is_empty());
    assert_eq!(hits(&s, &SentLogQuery::default()), ["m-3", "m-4", "m-2"]);
}

#[test]
fn purge_prunes_words_only_purged_messages_had_from_the_prefix_dictionary() {
    let (dir, s) = fixture();
    let terms = |dir: &tempfile::TempDir| -> Vec<String> {
        let conn = crate::support::raw(dir);
        let mut stmt = conn
            .prepare("SELECT term FROM search_terms WHERE term IN ('ritning', 'beslut', 'bygglov', 'underlag')")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(terms(&dir), ["beslut", "bygglov", "ritning", "underlag"]);
    s.enqueue(
        &OutgoingMessage {
            content: MessageContent {
                subject: Subject::new("Beslut").unwrap(),
                ..message(9).content
            },
            ..message(9)
        },
        at(500 * DAY),
    )
    .unwrap();
    s.purge(&purge_order(at(2)), false, at(1000 * DAY)).unwrap(); // m-1: bygglov, ritning, beslut
    assert_eq!(
        terms(&dir),
        ["beslut", "underlag"],
        "beslut is still used by m-9"
    );
    assert_eq!(
        hits(
            &s,
            &SentLogQuery {
                text: Some("besl*".into()),
                ..SentLogQuery::default()
            }
        ),
        ["m-9"]
    );
}

/// Messages whose subjects are Swedish compound words, for the word-part
/// table below.
fn compounds() -> (tempfile::TempDir, Store) {
    let (dir, s) = store();
    let subjects = [
        "Parkeringstillstånd för rörelsehindrade",
        "Serveringstillstånd beviljas",
        "Tillståndet gäller ett år",
        "Ansökan om bygglov",
        "Bygglov: ansökan om ändring",
        "Ombyggnad av kök",
        "ÅTERKALLELSE av tillstand",
        "Överklagande av beslut",
    ];
    for (n, subject) in subjects.iter().enumerate() {
        let n = n as u32 + 1;
        let m = OutgoingMessage {
            content: MessageContent {
                subject: Subject::new(subject).unwrap(),
                body: String::new(),
                case_number: None,
                ..message(n).content
            },
            attachments: vec![],
            document: None,
        };
        s.enqueue(&m, at(i64::from(n) * DAY)).unwrap();
    }
    (dir, s)
}

#[test]
fn text_search_finds_swedish_word_parts_prefixes_and_phrases() {
    let (_dir, s) = compounds();
    let text = |t: &str| SentLogQuery {
        text: Some(t.into()),
        ..SentLogQuery::default()
    };
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "word part inside compounds",
            "tillstånd",
            &["m-3", "m-2", "m-1"],
        ),
        ("word part folds Å/å", "TILLSTÅND", &["m-3", "m-2", "m-1"]),
        ("å is not a in a word part", "tillstand", &["m-7"]),
        ("word part at the start", "bygg", &["m-6", "m-5", "m-4"]),
        (
            "three characters are a word part",
            "byg",
            &["m-6", "m-5", "m-4"],
        ),
        ("word part at the end", "hindrade", &["m-1"]),
        ("Ö/ö folds", "ÖVERKLAG", &["m-8"]),
        ("Å/å folds", "återkall", &["m-7"]),
        ("two word parts AND", "tillstånd servering", &["m-2"]),
        ("prefix keeps meaning starts-with", "bygg*", &["m-5", "m-4"]),
        ("two-letter prefix", "by*", &["m-5", "m-4"]),
        ("phrase in order", "\"ansökan om bygglov\"", &["m-4"]),
        (
            "phrase words out of order miss",
            "\"bygglov om ansökan\"",
            &[],
        ),
        ("short words are whole words", "om", &["m-5", "m-4"]),
        ("short word not a part", "av", &["m-8", "m-7", "m-6"]),
        ("a part no word has", "xyzzy", &[]),
    ];
    for (what, typed, want) in cases {
        assert_eq!(&hits(&s, &text(typed)), want, "{what}: {typed:?}");
    }
}

#[test]
fn a_one_letter_prefix_is_refused_not_scanned() {
    let (_dir, s) = compounds();
    let err = s
        .search(&SentLogQuery {
            text: Some("b*".into()),
            ..SentLogQuery::default()
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::InvalidInput {
                field: "search text",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_word_part_in_too_many_words_is_still_found_row_by_row() {
    let (_dir, s) = store();
    // More distinct words containing "kvarter" than the dictionary expands.
    let many = kuvert_store::MAX_INFIX_EXPANSION + 44;
    s.batch(|b| {
        for n in 0..many as u32 {
            let m = OutgoingMessage {
                content: MessageContent {
                    subject: Subject::new(&format!("Detaljplan kvarter{n:04}")).unwrap(),
                    body: String::new(),
                    case_number: None,
                    ..message(n + 1).content
                },
                attachments: vec![],
                document: None,
            };
            b.enqueue(&m, at(i64::from(n) * 60))?;
        }
        Ok(())
    })
    .unwrap();
    let found = |text: &str, limit| {
        s.search(&SentLogQuery {
            text: Some(text.into()),
            limit,
            ..SentLogQuery::default()
        })
        .unwrap()
    };
    let newest = found("KVARTER", 5);
    assert_eq!(newest.len(), 5);
    assert_eq!(
        newest[0].subject.as_str(),
        format!("Detaljplan kvarter{:04}", many - 1)
    );
    assert_eq!(found("kvarter", 10_000).len(), many);
    assert_eq!(found("kvarter0007 detaljplan", 10).len(), 1);
    assert!(found("kvarterx", 10).is_empty());
}
