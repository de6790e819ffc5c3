//! The shell's tests: the generated TypeScript is current, and the
//! commands' helpers work against the real built-in test environment
//! (HTTPS with client certificates, SQLite on disk).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::dto::{
    self, DraftFieldsView, DraftView, ErrorKind, MatterStatusView, MessageRow, MessageState,
    PathsView, ProfileLayerView, RecipientCheck,
};
use crate::session::Session;
use kuvert_core::Folder;

fn types_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/backend/types.ts")
}

#[test]
fn typescript_types_are_current() {
    let generated = dto::typescript();
    if std::env::var("UPDATE_TS_TYPES").is_ok_and(|v| v == "1") {
        std::fs::write(types_file(), &generated).expect("writing types.ts");
    }
    let checked_in = std::fs::read_to_string(types_file()).unwrap_or_default();
    assert!(
        checked_in == generated,
        "ui/src/lib/backend/types.ts is stale: run `UPDATE_TS_TYPES=1 cargo test -p kuvert-desktop typescript`"
    );
}

#[test]
fn commands_before_a_profile_is_open_say_not_configured() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::new(dir.path().to_path_buf());
    let error = session.with(|o| Ok(o.kuvert.today())).unwrap_err();
    assert_eq!(error.code, ErrorKind::NotConfigured);
}

fn poll<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = f() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_draft_is_checked_validated_sent_and_delivered_in_the_test_environment() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::new(dir.path().to_path_buf());
    let recipe = session.open_test_environment().unwrap();

    let check = session
        .with(|o| o.kuvert.check(&["198501012382".to_string()]))
        .unwrap()
        .pop()
        .map(RecipientCheck::from)
        .unwrap();
    match check {
        RecipientCheck::Checked { operator, .. } => {
            assert!(operator.unwrap().contains("Kivra"))
        }
        other => panic!("{other:?}"),
    }

    // An invalid form crosses as invalid_input with every problem listed.
    let bad = DraftFieldsView {
        recipient: "198501012383".into(),
        protection_class: Some(4),
        ..DraftFieldsView::default()
    };
    let error = session
        .with(|o| {
            let id = o.kuvert.save_draft(None, &bad.into())?;
            o.kuvert.validate(&o.kuvert.compose_form(id)?)
        })
        .unwrap_err();
    assert_eq!(error.code, ErrorKind::InvalidInput);
    let fields: Vec<&str> = error.problems.iter().map(|p| p.field.as_str()).collect();
    assert!(fields.contains(&"recipient"), "{fields:?}");
    assert!(
        error
            .problems
            .iter()
            .any(|p| p.swedish.contains("skyddsklass 4")),
        "{:?}",
        error.problems
    );

    let pdf = dir.path().join("beslut.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").unwrap();
    let good = DraftFieldsView {
        recipient: "19850101-2382".into(),
        subject: "Beslut om bygglov".into(),
        body: "Hej, här kommer beslutet.".into(),
        case_number: "KS 2026/0123".into(),
        protection_class: Some(2),
        ..DraftFieldsView::default()
    };
    let message_id = session
        .with(|o| {
            let id = o.kuvert.save_draft(None, &good.into())?;
            o.kuvert.attach_file(id, &pdf)?;
            let draft = o.kuvert.compose_form(id)?;
            assert_eq!(draft.attachments.len(), 1);
            let summary = o
                .kuvert
                .validate(&draft)?
                .summary(kuvert_core::compose::Route::Digital("Kivra"));
            assert!(
                summary.swedish.contains("via Kivra, 1 bilaga"),
                "{}",
                summary.swedish
            );
            let report = o.kuvert.send_draft(id)?;
            assert!(
                o.kuvert.drafts()?.iter().all(|d| d.id != id),
                "the sent draft is gone"
            );
            Ok(report.message_id().to_string())
        })
        .unwrap();

    // The background loop's pass, run here until the intermediary reports delivery.
    let follower = recipe.open().unwrap();
    let delivered: MessageRow = poll("delivery", || {
        crate::outbox::round(&follower);
        session
            .with(|o| o.kuvert.folder(Folder::Sent))
            .unwrap()
            .into_iter()
            .map(MessageRow::from)
            .find(|r| r.message_id == message_id && r.state == MessageState::Delivered)
    });
    assert_eq!(delivered.recipient, "19850101-2382");
    assert!(session
        .with(|o| o.kuvert.folder(Folder::Outbox))
        .unwrap()
        .is_empty());
}

#[test]
fn commands_wait_until_opening_at_start_has_finished() {
    let dir = tempfile::tempdir().unwrap();
    let session = std::sync::Arc::new(Session::starting(dir.path().to_path_buf()));
    let waiting = {
        let session = session.clone();
        std::thread::spawn(move || session.state().is_some())
    };
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !waiting.is_finished(),
        "a command ran before opening finished"
    );
    session.open_test_environment().unwrap();
    session.mark_started();
    assert!(
        waiting.join().unwrap(),
        "the waiting command saw the opened profile"
    );
}

#[test]
fn a_slow_lookup_does_not_hold_up_the_other_commands() {
    let dir = tempfile::tempdir().unwrap();
    let session = std::sync::Arc::new(Session::new(dir.path().to_path_buf()));
    session.open_test_environment().unwrap();
    // 19600101-2381: the test environment answers every call about it after 3 s.
    let slow = {
        let session = session.clone();
        std::thread::spawn(move || {
            session.with_own_handle(|kuvert| kuvert.check(&["196001012381".to_string()]))
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let drafts = session.with(|o| Ok(o.kuvert.drafts()?.len())).unwrap();
    assert_eq!(drafts, 0);
    assert!(
        !slow.is_finished(),
        "the folder command waited for the slow lookup"
    );
    let outcome = slow
        .join()
        .unwrap()
        .unwrap()
        .pop()
        .map(RecipientCheck::from);
    assert!(
        matches!(outcome, Some(RecipientCheck::Checked { .. })),
        "{outcome:?}"
    );
}

#[test]
fn settings_show_the_data_directory_and_what_the_open_profile_reads() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::new(dir.path().to_path_buf());
    let (paths, database) = session.paths_in_use();
    let view = PathsView::new(&paths, &database);
    assert_eq!(view.data_dir, dir.path().display().to_string());
    assert_eq!(
        view.database,
        dir.path().join("kuvert.sqlite").display().to_string()
    );
    assert!(view.legacy.is_none());

    session.open_test_environment().unwrap();
    let (paths, database) = session.paths_in_use();
    let view = PathsView::new(&paths, &database);
    assert_eq!(view.data_dir, dir.path().display().to_string());
    // The test environment's own store and profile, in the one data directory.
    let store = dir.path().join("testmiljo.sqlite");
    assert_eq!(view.database, store.display().to_string());
    assert_eq!(view.outbox_lock, format!("{}.outbox-lock", store.display()));
    assert_eq!(view.profile_files.len(), 1);
    let file = &view.profile_files[0];
    assert_eq!(file.layer, ProfileLayerView::Explicit);
    assert_eq!(
        file.path,
        dir.path()
            .join("testmiljo/profile.toml")
            .display()
            .to_string()
    );
    assert!(file.read);
}

#[test]
fn a_refused_purge_is_explained_to_the_registrar_in_swedish() {
    let below = dto::CommandError::from(kuvert_core::Error::TooYoungToPurge {
        asked: 30,
        rule: 3650,
    });
    assert!(matches!(below.code, ErrorKind::InvalidInput));
    assert!(
        below.problems[0].swedish.contains("minst 3650 dagar"),
        "{below:?}"
    );
    let stranger = dto::CommandError::from(kuvert_core::Error::NotAPurger {
        account: "bo.ek".into(),
    });
    assert!(
        stranger.problems[0]
            .swedish
            .contains("bo.ek får inte gallra"),
        "{stranger:?}"
    );
}

#[test]
fn an_event_draft_keeps_its_status_and_the_reading_pane_shows_the_cases_thread() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::new(dir.path().to_path_buf());
    session.open_test_environment().unwrap();
    let event = |status| DraftFieldsView {
        recipient: "19850101-2382".into(),
        subject: "Beslut om bygglov".into(),
        body: "Hej, här kommer beslutet.".into(),
        case_number: "KS 2026/0777".into(),
        protection_class: Some(2),
        event: Some(status),
        ..DraftFieldsView::default()
    };
    let (first, second) = session
        .with(|o| {
            let id = o
                .kuvert
                .save_draft(None, &event(MatterStatusView::RecipientInitiative).into())?;
            let saved = DraftView::from(o.kuvert.draft(id)?);
            assert_eq!(
                saved.fields.event,
                Some(MatterStatusView::RecipientInitiative)
            );
            let first = o.kuvert.send_draft(id)?.message_id().to_string();
            let id = o
                .kuvert
                .save_draft(None, &event(MatterStatusView::Closed).into())?;
            let second = o.kuvert.send_draft(id)?.message_id().clone();
            Ok((first, second))
        })
        .unwrap();
    let view = session
        .with(|o| crate::commands::message_view(&o.kuvert, o.kuvert.message(&second)?))
        .unwrap();
    let event = view.row.event.expect("an event message");
    assert_eq!(event.status, MatterStatusView::Closed);
    assert_eq!(event.preceding_event_id.as_deref(), Some(first.as_str()));
    let thread: Vec<&str> = view.thread.iter().map(|r| r.message_id.as_str()).collect();
    assert_eq!(thread, [first.as_str(), second.as_str()]);
}
