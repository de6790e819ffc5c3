//! The `Kuvert` facade against the built-in test environment: drafts, the
//! atomic send of a draft, and the folders.

use kuvert_core::profile::Profile;
use kuvert_core::reason::HistoryNote;
use kuvert_core::{DraftFields, Folder, Kuvert, SendState};
use kuvert_sandbox::{Sandbox, SandboxConfig};

struct Opened {
    _dir: tempfile::TempDir,
    sandbox: Sandbox,
    kuvert: Kuvert,
}

fn open() -> Opened {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::new(dir.path().join("testmiljo"))).unwrap();
    let profile = Profile::load(Some(&sandbox.profile_path())).unwrap();
    let kuvert = Kuvert::open(profile, &dir.path().join("kuvert.sqlite")).unwrap();
    Opened {
        _dir: dir,
        sandbox,
        kuvert,
    }
}

/// A message's history lines as the codes the app renders.
fn notes(kuvert: &Kuvert, message_id: &kuvert_core::MessageId) -> Vec<HistoryNote> {
    kuvert
        .history(message_id)
        .unwrap()
        .iter()
        .map(|e| HistoryNote::of(e.kind.as_str(), e.state, &e.detail))
        .collect()
}

fn fields(recipient: &str) -> DraftFields {
    DraftFields {
        recipient_text: recipient.into(),
        subject: "Beslut om bygglov".into(),
        body: "Hej, här kommer beslutet.".into(),
        case_number: "BN 2026/0123".into(),
        protection_class: Some(2),
        ..DraftFields::default()
    }
}

#[test]
fn sending_a_draft_removes_it_in_the_same_step_so_it_cannot_be_sent_twice() {
    let o = open();
    let id = o.kuvert.save_draft(None, &fields("19850101-2382")).unwrap();
    let report = o.kuvert.send_draft(id).unwrap();
    assert!(o.kuvert.drafts().unwrap().is_empty(), "the draft is gone");

    // A second send of the same draft (a double click, a second window)
    // finds no draft and stores nothing.
    let again = o.kuvert.send_draft(id).unwrap_err();
    assert!(again.to_string().contains("draft"), "{again}");
    let sent = o.kuvert.folder(Folder::Sent).unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(&sent[0].summary.message_id, report.message_id());
    // The intermediary hands it on to the mailbox in the background.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while o.sandbox.delivery_count(report.message_id().as_str()) == 0 {
        assert!(std::time::Instant::now() < deadline, "never delivered");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(o.sandbox.delivery_count(report.message_id().as_str()), 1);

    // Every line of its history reads back as a code the app renders in
    // Swedish (none is shown as the English record).
    let notes = notes(&o.kuvert, report.message_id());
    assert!(matches!(notes[0], HistoryNote::Queued { .. }), "{notes:?}");
    assert!(
        matches!(notes[1], HistoryNote::Signed { bytes: Some(n) } if n > 1000),
        "{notes:?}"
    );
    assert!(
        matches!(&notes[2], HistoryNote::Submitted { distribution_id: Some(_), operator: Some(op) } if !op.is_empty()),
        "{notes:?}"
    );
    assert!(
        !notes.iter().any(|n| matches!(n, HistoryNote::Other { .. })),
        "{notes:?}"
    );
}

#[test]
fn a_draft_that_does_not_validate_stays_a_draft_and_nothing_is_stored() {
    let o = open();
    let mut bad = fields("19850101-2383"); // wrong check digit
    bad.protection_class = Some(4);
    let id = o.kuvert.save_draft(None, &bad).unwrap();
    assert!(o.kuvert.send_draft(id).is_err());
    assert_eq!(o.kuvert.drafts().unwrap().len(), 1, "the draft is kept");
    assert!(o.kuvert.outbox().unwrap().is_empty());
    assert!(o.kuvert.folder(Folder::Failed).unwrap().is_empty());
}

#[test]
fn attached_files_are_typed_by_content_and_kept_with_the_draft() {
    let o = open();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("beslut.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").unwrap();
    let id = o.kuvert.save_draft(None, &fields("19850101-2382")).unwrap();
    o.kuvert.attach_file(id, &pdf).unwrap();
    let saved = o.kuvert.draft(id).unwrap();
    assert_eq!(saved.attachments.len(), 1);
    assert_eq!(saved.attachments[0].content_type, "application/pdf");
    assert_eq!(o.kuvert.compose_form(id).unwrap().attachments.len(), 1);
    o.kuvert
        .remove_draft_attachment(id, saved.attachments[0].id)
        .unwrap();
    assert!(o.kuvert.draft(id).unwrap().attachments.is_empty());
}

#[test]
fn issue_12_a_picked_file_of_a_type_not_allowed_is_refused_before_the_draft_stores_it() {
    let o = open();
    let dir = tempfile::tempdir().unwrap();
    let id = o.kuvert.save_draft(None, &fields("19850101-2382")).unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        ("program.exe", b"MZ\x90\0\x03\0\0\0", "unknown_file_type"),
        (
            "program.pdf",
            b"MZ\x90\0\x03\0\0\0This program cannot be run in DOS mode.%PDF-1.7",
            "file_type_mismatch",
        ),
        ("tom.pdf", b"", "empty_attachment"),
        // A GIF is a type Kuvert knows, but the profile does not allow it.
        (
            "brev.gif",
            b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff,",
            "file_type_not_allowed",
        ),
        ("CON.pdf", b"%PDF-1.4\n%%EOF\n", "invalid_file_name"),
    ];
    for (name, bytes, code) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        match o.kuvert.attach_file(id, &path) {
            Err(kuvert_core::Error::Compose(e)) => {
                assert_eq!(e.problems().len(), 1, "{name}");
                assert_eq!(e.problems()[0].kind.code(), code, "{name}");
                assert_eq!(e.problems()[0].field.code(), "attachments", "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
        assert!(
            o.kuvert.draft(id).unwrap().attachments.is_empty(),
            "{name} was stored"
        );
    }
}

#[test]
fn a_recipient_without_a_mailbox_goes_to_the_paper_folder_with_its_stored_letter() {
    let o = open();
    let id = o.kuvert.save_draft(None, &fields("19270517-8354")).unwrap();
    let report = o.kuvert.send_draft(id).unwrap();
    let paper = o.kuvert.folder(Folder::Paper).unwrap();
    assert_eq!(paper.len(), 1);
    assert_eq!(paper[0].summary.state, SendState::Paper);
    let letter = o.kuvert.stored_letter(report.message_id()).unwrap();
    assert!(letter.starts_with(b"%PDF-"));
    let notes = notes(&o.kuvert, report.message_id());
    assert_eq!(notes.last(), Some(&HistoryNote::Paper), "{notes:?}");
    assert!(
        !notes.iter().any(|n| matches!(n, HistoryNote::Other { .. })),
        "{notes:?}"
    );
    match report {
        kuvert_core::SendReport::Paper { letter_pdf, .. } => assert_eq!(letter_pdf, letter),
        other => panic!("{other:?}"),
    }
}

/// A clock the test moves.
#[derive(Clone)]
struct Calendar(std::sync::Arc<std::sync::Mutex<time::OffsetDateTime>>);

impl kuvert_core::seams::Clock for Calendar {
    fn now(&self) -> time::OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

fn files_of(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            // Inside the package's root folder (kuvert-<uuid>/).
            let name = file.name().unwrap().to_string();
            let inner = name.split_once('/').map_or(name.as_str(), |(_, rest)| rest);
            (inner.to_string(), bytes)
        })
        .collect()
}

/// The bytes of the one file whose package path ends with `suffix`.
fn file_ending(files: &[(String, Vec<u8>)], suffix: &str) -> Vec<u8> {
    let found: Vec<_> = files.iter().filter(|(n, _)| n.ends_with(suffix)).collect();
    assert_eq!(
        found.len(),
        1,
        "{suffix}: {:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    found[0].1.clone()
}

/// The letter printed for the paper route and the message PDF of a filing
/// package are the bytes made at send time: asked for on another day, they
/// are the same, and the log still verifies.
#[test]
fn letters_and_filing_package_pdfs_are_the_bytes_of_the_day_they_were_sent() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::new(dir.path().join("testmiljo"))).unwrap();
    let profile = Profile::load(Some(&sandbox.profile_path())).unwrap();
    let sent_on = time::macros::datetime!(2026-11-30 22:30 UTC);
    let calendar = Calendar(std::sync::Arc::new(std::sync::Mutex::new(sent_on)));
    let kuvert = Kuvert::open(profile, &dir.path().join("kuvert.sqlite"))
        .unwrap()
        .with_clock(calendar.clone());

    let digital = kuvert
        .send_draft(kuvert.save_draft(None, &fields("19850101-2382")).unwrap())
        .unwrap();
    let paper = kuvert
        .send_draft(kuvert.save_draft(None, &fields("19270517-8354")).unwrap())
        .unwrap();
    let package = |id: &kuvert_core::MessageId| {
        let mut out = std::io::Cursor::new(Vec::new());
        kuvert.archive(id, &mut out).unwrap();
        files_of(&out.into_inner())
    };
    let pdf_of = |files: &[(String, Vec<u8>)]| file_ending(files, "/meddelande.pdf");
    let first_package = pdf_of(&package(digital.message_id()));
    let first_letter = kuvert.stored_letter(paper.message_id()).unwrap();
    let first_paper_package = pdf_of(&package(paper.message_id()));
    assert_eq!(
        first_paper_package, first_letter,
        "the letter is the message's document"
    );

    // Three days later.
    *calendar.0.lock().unwrap() = sent_on + time::Duration::days(3);
    assert_eq!(pdf_of(&package(digital.message_id())), first_package);
    assert_eq!(
        kuvert.stored_letter(paper.message_id()).unwrap(),
        first_letter
    );
    assert_eq!(pdf_of(&package(paper.message_id())), first_paper_package);
    // And it carries the day it was sent.
    let text = crate::support::pdf_text(&first_package);
    assert!(
        text.contains("Datum: 2026-11-30"),
        "dated the day it was sent: {text}"
    );
    assert_log_intact(&kuvert);
}

/// An event message follows the latest event in its case to the same
/// recipient: a send and a dry run name the same `PrecedingEventId`, an
/// event to another recipient starts its own line, and the case's thread
/// lists them in order.
#[test]
fn an_event_message_follows_the_previous_event_in_its_case() {
    use kuvert_core::compose::CaseStatus;
    use kuvert_core::MatterStatus;

    let o = open();
    let event = |recipient: &str, status: MatterStatus| DraftFields {
        event: Some(status),
        ..fields(recipient)
    };
    let send = |fields: DraftFields| {
        let id = o.kuvert.save_draft(None, &fields).unwrap();
        o.kuvert.send_draft(id).unwrap().message_id().clone()
    };
    let stored_event = |id: &kuvert_core::MessageId| o.kuvert.message(id).unwrap().content.event;

    let first = send(event("19850101-2382", MatterStatus::SenderInitiative));
    let first_event = stored_event(&first).expect("recorded as an event");
    assert_eq!(first_event.status, MatterStatus::SenderInitiative);
    assert_eq!(
        first_event.preceding_event_id, None,
        "the case's first event"
    );

    // An ordinary message in the case is no event to follow.
    let ordinary = send(fields("19850101-2382"));
    assert_eq!(stored_event(&ordinary), None);

    // A dry run names the event a send would follow.
    let draft = o
        .kuvert
        .compose_form(
            o.kuvert
                .save_draft(None, &event("19850101-2382", MatterStatus::Closed))
                .unwrap(),
        )
        .unwrap();
    assert_eq!(draft.event, Some(CaseStatus::Closed));
    let dry = String::from_utf8(o.kuvert.sign_only(&draft).unwrap()).unwrap();
    assert!(
        dry.contains(&format!(">{first}</ofm:PrecedingEventId>")),
        "{dry}"
    );

    let second = o.kuvert.send(&draft).unwrap().message_id().clone();
    let second_event = stored_event(&second).unwrap();
    assert_eq!(second_event.status, MatterStatus::Closed);
    assert_eq!(second_event.preceding_event_id.as_ref(), Some(&first));

    // Another recipient in the same case: its own first event.
    let other = send(event("19850101-2390", MatterStatus::RecipientInitiative));
    assert_eq!(stored_event(&other).unwrap().preceding_event_id, None);

    let thread: Vec<_> = o
        .kuvert
        .case_thread("bn 2026/0123")
        .unwrap()
        .into_iter()
        .map(|m| m.content.message_id)
        .collect();
    assert_eq!(thread, [first.clone(), second.clone(), other]);
    let ordinary = o.kuvert.message(&ordinary).unwrap();
    assert!(o.kuvert.thread_of(&ordinary).unwrap().is_empty());
    let second = o.kuvert.message(&second).unwrap();
    assert_eq!(o.kuvert.thread_of(&second).unwrap().len(), 3);
}

/// Issue 10: a message sent just after midnight Swedish time (still the day
/// before in UTC) is dated the Swedish day, its filing package gives times
/// with the Swedish offset, and the PDF report shows Swedish time to the
/// minute — no fractions of seconds — with a section for the purges.
#[test]
fn issue_10_a_letter_just_after_midnight_carries_the_swedish_date() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::new(dir.path().join("testmiljo"))).unwrap();
    let profile = Profile::load(Some(&sandbox.profile_path())).unwrap();
    // 00:30:05 on 2 December in Sweden.
    let sent_on = time::macros::datetime!(2026-12-01 23:30:05.123456789 UTC);
    let calendar = Calendar(std::sync::Arc::new(std::sync::Mutex::new(sent_on)));
    let kuvert = Kuvert::open(profile, &dir.path().join("kuvert.sqlite"))
        .unwrap()
        .with_clock(calendar);
    assert_eq!(kuvert.today().to_string(), "2026-12-02");

    let paper = kuvert
        .send_draft(kuvert.save_draft(None, &fields("19270517-8354")).unwrap())
        .unwrap();
    let letter = kuvert.stored_letter(paper.message_id()).unwrap();
    let text = crate::support::pdf_text(&letter);
    assert!(text.contains("Datum: 2026-12-02"), "the Swedish date");
    assert!(!text.contains("2026-12-01"), "not UTC's date");

    let mut zip = std::io::Cursor::new(Vec::new());
    kuvert.archive(paper.message_id(), &mut zip).unwrap();
    let files = files_of(&zip.into_inner());
    let metadata = file_ending(&files, ".kuvert.json");
    let metadata: serde_json::Value = serde_json::from_slice(&metadata).unwrap();
    assert_eq!(metadata["created_at"], "2026-12-02T00:30:05+01:00");
    assert_eq!(metadata["timeline"][0]["at"], "2026-12-02T00:30:05+01:00");

    let mut pdf = Vec::new();
    let query = kuvert_core::SentLogQuery::default();
    kuvert
        .export(kuvert_core::ExportFormat::Pdf, &query, "Alla", &mut pdf)
        .unwrap();
    let text = crate::support::pdf_text(&pdf);
    assert!(
        text.contains("Skapad: 2026-12-02 00:30"),
        "to the minute: {text}"
    );
    assert!(
        text.matches("2026-12-02 00:30").count() >= 2,
        "the row's time"
    );
    assert!(
        !text.contains("123456789") && !text.contains(":05."),
        "no fractions"
    );
    assert!(text.contains("Gallringar") && text.contains("Inga gallringar har gjorts."));
}

/// Issue 11: a PDF export holds every message the filter selects — not the
/// first 50 (the `log` listing's default page) — and says how many.
#[test]
fn issue_11_a_pdf_export_holds_every_message_the_filter_selects() {
    let o = open();
    const SENT: usize = 57;
    for _ in 0..SENT {
        // No mailbox: the paper route, no delivery to wait for.
        let draft = o.kuvert.save_draft(None, &fields("19270517-8354")).unwrap();
        o.kuvert.send_draft(draft).unwrap();
    }
    // The filter as the CLI and the app build it, with the listing's page.
    let filter = kuvert_core::filter::LogFilter::default();
    let query = filter.to_query(o.kuvert.today()).unwrap();
    assert_eq!(query.limit, 50, "the listing's default page");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logg.pdf");
    let written = o
        .kuvert
        .export_to_file(kuvert_core::ExportFormat::Pdf, &query, "Alla", &out)
        .unwrap();
    assert_eq!(written.entries, SENT as u64);
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&out)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; scripts/deps installs it)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("Antal rader: {SENT}")), "{text}");
    let rows = text
        .lines()
        .filter(|l| l.contains("Beslut om bygglov"))
        .count();
    assert_eq!(rows, SENT, "{text}");
}

/// Issue 12 / SKL 2015 (a message is delivered once): eight garbled answers
/// after the intermediary accepted the delivery leave it in the Outbox as
/// an unknown outcome ("Behöver åtgärd"), never Failed; the next
/// resubmission with the same ids is recognised, and the mailbox holds
/// exactly one delivery.
#[test]
fn issue_12_garbled_answers_after_acceptance_end_delivered_once_not_failed() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = SandboxConfig::new(dir.path().join("testmiljo"));
    config.broken_answers_after_accepting = vec![kuvert_sandbox::BrokenAnswer::Garbled; 8];
    let sandbox = Sandbox::start(config).unwrap();
    let profile = Profile::load(Some(&sandbox.profile_path())).unwrap();
    let calendar = Calendar(std::sync::Arc::new(std::sync::Mutex::new(
        time::OffsetDateTime::now_utc(),
    )));
    let kuvert = Kuvert::open(profile, &dir.path().join("kuvert.sqlite"))
        .unwrap()
        .with_clock(calendar.clone());
    let report = kuvert
        .send_draft(kuvert.save_draft(None, &fields("19850101-2382")).unwrap())
        .unwrap();
    let id = report.message_id().clone();
    for attempt in 1..=8 {
        let message = kuvert.message(&id).unwrap();
        assert_eq!(message.state, SendState::Signed, "attempt {attempt}");
        assert_eq!(message.attempts, attempt);
        let failure = message.last_failure.expect("the outcome is recorded");
        assert_eq!(failure.code, kuvert_core::lifecycle::OUTCOME_UNKNOWN);
        assert!(
            failure.reason.contains("do not send it again"),
            "{failure:?}"
        );
        let attention = kuvert.folder(Folder::NeedsAttention).unwrap();
        assert_eq!(attention.len(), 1, "attempt {attempt}: {attention:?}");
        assert!(kuvert.folder(Folder::Failed).unwrap().is_empty());
        // Past the back-off: the Outbox resubmits the same bytes.
        *calendar.0.lock().unwrap() += time::Duration::hours(2);
        kuvert.process_outbox().unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let message = kuvert.refresh_status(&id).unwrap();
        if message.state == SendState::Delivered {
            break;
        }
        assert_ne!(message.state, SendState::Failed);
        assert!(std::time::Instant::now() < deadline, "{message:?}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(sandbox.delivery_count(id.as_str()), 1);
    assert!(kuvert.folder(Folder::Failed).unwrap().is_empty());
}

/// The test environment's profile with `url` (one of its endpoints) made
/// wrong: the endpoint answers 404. Written beside it, so its relative
/// paths still hold.
fn profile_with_wrong_url(sandbox: &Sandbox, url: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(sandbox.profile_path()).unwrap();
    assert!(text.contains(url), "{text}");
    let wrong = sandbox
        .profile_path()
        .with_file_name("profile-wrong-url.toml");
    std::fs::write(&wrong, text.replace(url, &format!("{url}-wrong"))).unwrap();
    wrong
}

/// Issue 12: a 404 at a misconfigured message URL is a configuration error
/// naming the profile key, and the message stays in the Outbox (never
/// Failed, never delivered, nothing at the mailbox).
#[test]
fn issue_12_a_404_at_the_message_url_is_a_configuration_error_not_a_failed_message() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::new(dir.path().join("testmiljo"))).unwrap();
    let wrong = profile_with_wrong_url(&sandbox, &sandbox.message_url());
    let profile = Profile::load(Some(&wrong)).unwrap();
    let kuvert = Kuvert::open(profile, &dir.path().join("kuvert.sqlite")).unwrap();
    let report = kuvert
        .send_draft(kuvert.save_draft(None, &fields("19850101-2382")).unwrap())
        .unwrap();
    let message = kuvert.message(report.message_id()).unwrap();
    assert_eq!(message.state, SendState::Signed, "{message:?}");
    let failure = message.last_failure.unwrap();
    assert_eq!(failure.code, kuvert_core::lifecycle::CONFIGURATION);
    assert!(
        failure.reason.contains("service.message_url"),
        "{failure:?}"
    );
    assert!(failure.reason.contains("IT"), "{failure:?}");
    assert!(kuvert.folder(Folder::Failed).unwrap().is_empty());
    assert_eq!(kuvert.folder(Folder::NeedsAttention).unwrap().len(), 1);
    assert_eq!(sandbox.delivery_count(report.message_id().as_str()), 0);
}

/// Issue 12: "Outbox items not yet submitted can be withdrawn." A message
/// whose look-up failed (the recipient URL is wrong) waits in the Outbox,
/// never handed over: it is withdrawn, stays in the sealed log as
/// Withdrawn, and its content comes back as a draft. Sent from that draft
/// (once the profile is mended), the new message is delivered and the two
/// are linked in both histories; the withdrawn one never reaches the
/// mailbox. A delivered message is refused.
#[test]
fn issue_12_an_outbox_message_is_withdrawn_and_its_draft_sent_in_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::new(dir.path().join("testmiljo"))).unwrap();
    let wrong = profile_with_wrong_url(&sandbox, &sandbox.recipient_url());
    let database = dir.path().join("kuvert.sqlite");
    let kuvert = Kuvert::open(Profile::load(Some(&wrong)).unwrap(), &database).unwrap();
    let report = kuvert
        .send_draft(kuvert.save_draft(None, &fields("19850101-2382")).unwrap())
        .unwrap();
    let waiting = report.message_id().clone();
    assert_eq!(kuvert.message(&waiting).unwrap().state, SendState::Signed);
    assert!(kuvert.withdrawable(&waiting).unwrap());

    let draft = kuvert.withdraw(&waiting).unwrap();
    assert_eq!(
        kuvert.message(&waiting).unwrap().state,
        SendState::Withdrawn
    );
    assert_eq!(
        notes(&kuvert, &waiting).last(),
        Some(&HistoryNote::Withdrawn)
    );
    assert!(!kuvert.withdrawable(&waiting).unwrap());
    let saved = kuvert.draft(draft).unwrap();
    assert_eq!(saved.fields.subject, "Beslut om bygglov");
    assert_eq!(saved.follows_up.as_ref(), Some(&waiting));
    let kuvert_core::Error::Withdraw(why) = kuvert.withdraw(&waiting).unwrap_err() else {
        panic!("a second withdrawal must be refused")
    };
    assert_eq!(why.kind(), "not_in_outbox");

    // The profile mended: the draft goes, the withdrawn message does not.
    let kuvert = Kuvert::open(
        Profile::load(Some(&sandbox.profile_path())).unwrap(),
        &database,
    )
    .unwrap();
    kuvert.process_outbox().unwrap();
    let new = kuvert.send_draft(draft).unwrap().message_id().clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while kuvert.refresh_status(&new).unwrap().state != SendState::Delivered {
        assert!(std::time::Instant::now() < deadline, "never delivered");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(sandbox.delivery_count(new.as_str()), 1);
    assert_eq!(sandbox.delivery_count(waiting.as_str()), 0);
    assert!(notes(&kuvert, &waiting).contains(&HistoryNote::SentAgain {
        message_id: new.to_string()
    }));
    assert!(notes(&kuvert, &new).contains(&HistoryNote::ResendOf {
        message_id: waiting.to_string()
    }));
    let kuvert_core::Error::Withdraw(why) = kuvert.withdraw(&new).unwrap_err() else {
        panic!("a delivered message must be refused")
    };
    assert_eq!(why.kind(), "not_in_outbox");
    assert!(why.swedish().contains("Utkorgen"), "{why}");
    assert_log_intact(&kuvert);
}

/// Sends to the test person whose mailbox operator cannot deliver, and
/// waits until the message is Failed.
fn failed_message(o: &Opened) -> kuvert_core::MessageId {
    let report = o
        .kuvert
        .send_draft(o.kuvert.save_draft(None, &fields("19700101-2389")).unwrap())
        .unwrap();
    let id = report.message_id().clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while o.kuvert.refresh_status(&id).unwrap().state != SendState::Failed {
        assert!(std::time::Instant::now() < deadline, "never failed");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    id
}

/// Issue 12: a Failed message is sent again from a draft made of it; the
/// two are linked in both histories, it is then no longer waiting for the
/// officer, and it cannot be sent again a second time.
#[test]
fn issue_12_a_failed_message_is_sent_again_once_and_both_histories_link_the_two() {
    let o = open();
    let failed = failed_message(&o);
    let waiting = o.kuvert.folder(Folder::Failed).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].follow_up, None, "waiting for the officer");

    let draft = o.kuvert.send_again(&failed).unwrap();
    // Asked again before it is sent: the same draft, not a second one.
    assert_eq!(o.kuvert.send_again(&failed).unwrap(), draft);
    assert_eq!(o.kuvert.drafts().unwrap().len(), 1);
    let saved = o.kuvert.draft(draft).unwrap();
    assert_eq!(saved.fields.subject, "Beslut om bygglov");
    assert_eq!(saved.fields.case_number, "BN 2026/0123");
    assert_eq!(saved.follows_up.as_ref(), Some(&failed));

    // The officer corrects the recipient (a colleague found the right one)
    // and sends it.
    let mut corrected = saved.fields.clone();
    corrected.recipient_text = "19850101-2382".into();
    o.kuvert.save_draft(Some(draft), &corrected).unwrap();
    let report = o.kuvert.send_draft(draft).unwrap();
    let new = report.message_id().clone();
    assert_ne!(new, failed);

    assert_eq!(
        o.kuvert.follow_up(&failed).unwrap(),
        Some(kuvert_core::FollowUp::SentAgain(new.clone()))
    );
    assert!(notes(&o.kuvert, &failed).contains(&HistoryNote::SentAgain {
        message_id: new.to_string()
    }));
    assert!(notes(&o.kuvert, &new).contains(&HistoryNote::ResendOf {
        message_id: failed.to_string()
    }));
    assert_eq!(o.kuvert.message(&failed).unwrap().state, SendState::Failed);
    let listed = o.kuvert.folder(Folder::Failed).unwrap();
    assert!(listed[0].follow_up.is_some(), "no longer waiting");

    // Neither a second resend nor a note afterwards.
    for refused in [
        o.kuvert.send_again(&failed).unwrap_err(),
        o.kuvert.mark_handled(&failed, "Ringde upp").unwrap_err(),
    ] {
        let kuvert_core::Error::FollowUp(why) = &refused else {
            panic!("{refused:?}")
        };
        assert_eq!(why.kind(), "already_sent_again");
        assert!(why.swedish().contains("redan skickats igen"), "{why}");
    }
    // Nor of a message that did not fail.
    let kuvert_core::Error::FollowUp(why) = o.kuvert.send_again(&new).unwrap_err() else {
        panic!()
    };
    assert_eq!(why.kind(), "not_failed");
    // The chain still vouches for the log with the new events in it.
    assert_log_intact(&o.kuvert);
}

/// Issue 12: a follow-up draft of a failed message may go on paper, and
/// the failed message records that too.
#[test]
fn issue_12_a_failed_message_sent_again_on_paper_is_linked_to_the_letter() {
    let o = open();
    let failed = failed_message(&o);
    let draft = o.kuvert.send_again(&failed).unwrap();
    let mut fields = o.kuvert.draft(draft).unwrap().fields;
    fields.postal_address = "Testgatan 1\n123 45 Teststad".into();
    o.kuvert.save_draft(Some(draft), &fields).unwrap();
    let report = o.kuvert.send_draft_on_paper(draft).unwrap();
    let new = report.message_id().clone();
    assert_eq!(o.kuvert.message(&new).unwrap().state, SendState::Paper);
    assert_eq!(
        o.kuvert.follow_up(&failed).unwrap(),
        Some(kuvert_core::FollowUp::SentAgain(new))
    );
}

/// Issue 12: a Failed message handled outside Kuvert gets the officer's
/// note in its sealed history; an empty note or one with invisible
/// characters is refused in Swedish and nothing is recorded. A follow-up
/// draft made before is then refused before anything is signed.
#[test]
fn issue_12_a_failed_message_marked_as_handled_outside_kuvert_keeps_the_note() {
    let o = open();
    let failed = failed_message(&o);
    let stale = o.kuvert.send_again(&failed).unwrap();
    for (note, kind) in [
        ("   ", "note_empty"),
        ("Lämnat\u{202e}över", "note_forbidden_character"),
        (&"x".repeat(501)[..], "note_too_long"),
    ] {
        let kuvert_core::Error::FollowUp(why) = o.kuvert.mark_handled(&failed, note).unwrap_err()
        else {
            panic!("{note:?}")
        };
        assert_eq!(why.kind(), kind);
        assert_eq!(why.field(), "note");
        assert!(!why.swedish().is_empty());
        assert_eq!(o.kuvert.follow_up(&failed).unwrap(), None, "{note:?}");
    }
    let message = o
        .kuvert
        .mark_handled(
            &failed,
            "  Beslutet lämnades över personligen den 3 december.  ",
        )
        .unwrap();
    assert_eq!(message.state, SendState::Failed);
    assert!(
        notes(&o.kuvert, &failed).contains(&HistoryNote::HandledOutside {
            note: "Beslutet lämnades över personligen den 3 december.".into()
        })
    );
    let kuvert_core::Error::FollowUp(why) = o.kuvert.send_again(&failed).unwrap_err() else {
        panic!()
    };
    assert_eq!(why.kind(), "already_handled");
    let kuvert_core::Error::FollowUp(why) = o.kuvert.send_draft(stale).unwrap_err() else {
        panic!()
    };
    assert_eq!(why.kind(), "already_handled");
    assert_eq!(o.kuvert.drafts().unwrap().len(), 1, "the draft is kept");
    assert_eq!(
        o.kuvert.log(&Default::default()).unwrap().len(),
        1,
        "nothing stored"
    );
    assert_log_intact(&o.kuvert);
}

fn assert_log_intact(kuvert: &Kuvert) {
    let verdict = kuvert
        .verify_log(kuvert_core::ChainScope::Full)
        .unwrap()
        .verdict;
    assert!(
        matches!(verdict, kuvert_core::ChainVerdict::Intact { .. }),
        "{verdict:?}"
    );
}
