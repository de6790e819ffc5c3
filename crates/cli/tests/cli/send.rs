//! Checking, sending, tracking and filing, through the real binary.

use std::time::Duration;

use kuvert_sandbox::Operator;

use crate::support::{
    assert_checksums, assert_eark_valid, assert_pdf_a, pdf, sandbox, send_args, strs, Officer,
    Package,
};

const DELIVERY: Duration = Duration::from_secs(30);

#[test]
fn check_reports_each_recipient_with_the_right_exit_code() {
    let officer = Officer::new();
    let reachable = officer.json(0, &["check", "850101-2382", "5568402266"]);
    assert_eq!(reachable[0]["digital"], true);
    assert_eq!(reachable[0]["recipient"], "198501012382");
    assert!(reachable[1]["en"]
        .as_str()
        .unwrap()
        .contains("Min myndighetspost"));

    let not = officer.json(3, &["check", "19270517-8354", "199001012385"]);
    assert_eq!(not[0]["digital"], false);
    assert!(not[1]["sv"]
        .as_str()
        .unwrap()
        .contains("tar inte emot post från Kommun B"));

    let invalid = officer.json(2, &["check", "850101-2383"]);
    assert_eq!(invalid[0]["valid"], false);
}

#[test]
fn a_message_is_delivered_filed_and_exported() {
    let officer = Officer::new();
    let attachment = pdf(officer.data.path(), "beslut.pdf");
    let mut args = send_args("19850101-2382", "BN 2026/0123");
    args.extend(["--attach".into(), attachment.display().to_string()]);
    let sent = officer.json(0, &strs(&args));
    assert_eq!(sent["state"], "submitted");
    assert_eq!(sent["operator"], "Kivra (testmiljö)");
    let id = sent["message_id"].as_str().unwrap().to_string();

    let status = officer.wait_for_state(&id, "delivered", DELIVERY);
    let states: Vec<&str> = status["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.first(), Some(&"queued"));
    assert!(states.contains(&"submitted"), "{states:?}");
    assert_eq!(states.last(), Some(&"delivered"));

    // The recipient's mailbox has it, once, with the attachment.
    assert_eq!(sandbox().delivery_count(&id), 1);
    let delivered = sandbox()
        .delivered_messages(Operator::Kivra)
        .into_iter()
        .find(|m| m.message_id == id)
        .expect("in the mailbox");
    assert_eq!(delivered.recipient, "198501012382");

    // Filing package: an E-ARK SIP the validator accepts, checksums that
    // match, the message as PDF/A with its text, the files as sent.
    let zip_path = officer.data.path().join("arkiv.zip");
    let written = officer.json(0, &["archive", &id, "--out", zip_path.to_str().unwrap()]);
    assert_eq!(written["messages"], 1);
    let package = Package::open(&zip_path);
    assert_eq!(written["package_id"], package.root.as_str());
    assert_eq!(
        package.data_of(&id),
        [
            "bilagor/beslut.pdf",
            "meddelande.pdf",
            "signerad-leverans.xml"
        ]
    );
    assert_eq!(
        package.file(&format!("{id}/bilagor/beslut.pdf")),
        std::fs::read(&attachment).unwrap()
    );
    assert!(assert_checksums(&package) >= 10);
    assert_eark_valid(&zip_path);
    let document = package.file(&format!("{id}/meddelande.pdf"));
    let document_path = officer.data.path().join("meddelande.pdf");
    std::fs::write(&document_path, document).unwrap();
    assert_pdf_a(&document_path);
    let metadata = package.record(&id);
    assert_eq!(metadata["case_number"], "BN 2026/0123");
    assert_eq!(metadata["state"], "delivered");
    // Every file of the message's data folder, with its hash.
    assert_eq!(metadata["files"].as_array().unwrap().len(), 3);
    let dc = String::from_utf8(package.file(&format!("{id}.dc.xml")).to_vec()).unwrap();
    for expected in [
        "<dc:relation xml:lang=\"sv\">Diarienummer: BN 2026/0123</dc:relation>",
        "Mottagare: 19850101-2382",
        "Avsändare: Kommun B",
        "Handläggare: ",
        "Skyddsklass: ",
        "Levererad: ",
    ] {
        assert!(dc.contains(expected), "{expected:?} missing in {dc}");
    }
    let premis = String::from_utf8(package.file("premis.xml").to_vec()).unwrap();
    for event in [
        "creation",
        "digital signature generation",
        "transfer",
        "dissemination",
        "information package creation",
    ] {
        assert!(
            premis.contains(&format!("<premis:eventType>{event}</premis:eventType>")),
            "{event} missing in {premis}"
        );
    }
    // Real dates on the ZIP entries (not 1980-01-01).
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    for i in 0..zip.len() {
        let entry = zip.by_index(i).unwrap();
        let modified = entry.last_modified().unwrap();
        assert!(
            modified.year() >= 2026,
            "{}: {modified:?}",
            entry.name().unwrap()
        );
    }

    // The signed delivery in the package verifies against the environment's CA.
    let signed = package.file(&format!("{id}/signerad-leverans.xml"));
    let xml = officer.data.path().join("signed.xml");
    std::fs::write(&xml, signed).unwrap();
    let ca = sandbox().ca_pem_path();
    officer.json(
        0,
        &[
            "verify",
            xml.to_str().unwrap(),
            "--ca",
            ca.to_str().unwrap(),
        ],
    );

    // Exports.
    let csv = officer.data.path().join("logg.csv");
    let exported = officer.json(
        0,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            csv.to_str().unwrap(),
            "--case",
            "BN 2026/*",
        ],
    );
    assert_eq!(exported["entries"], 1);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("BN 2026/0123"), "{text}");
    let jsonl = officer.data.path().join("logg.jsonl");
    officer.json(
        0,
        &[
            "export",
            "--format",
            "jsonl",
            "--out",
            jsonl.to_str().unwrap(),
        ],
    );
    let line: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&jsonl)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(line["message_id"], id.as_str());
    let report = officer.data.path().join("logg.pdf");
    officer.json(
        0,
        &[
            "export",
            "--format",
            "pdf",
            "--out",
            report.to_str().unwrap(),
        ],
    );
    assert!(std::fs::read(&report).unwrap().starts_with(b"%PDF-"));
    assert_pdf_a(&report);

    // Search.
    let found = officer.json(0, &["log", "--text", "bygglov", "--status", "delivered"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    let none = officer.json(0, &["log", "--text", "bygglov", "--status", "failed"]);
    assert!(none.as_array().unwrap().is_empty());

    officer.json(0, &["verify-log"]);
}

#[test]
fn an_unreachable_recipient_gets_a_paper_letter_recorded_as_sent_on_paper() {
    let officer = Officer::new();
    let letter = officer.data.path().join("brev.pdf");
    let mut args = send_args("192705178354", "BN 2026/0200");
    args.extend(["--paper-out".into(), letter.display().to_string()]);
    let sent = officer.json(3, &strs(&args));
    assert_eq!(sent["state"], "paper");
    assert!(sent["reason"]["sv"].as_str().unwrap().contains("papper"));
    assert!(std::fs::read(&letter).unwrap().starts_with(b"%PDF-"));
    let log = officer.log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "paper");
    assert_eq!(
        sandbox().delivery_count(sent["message_id"].as_str().unwrap()),
        0
    );
    assert_pdf_a(&letter);

    // Its filing package holds the letter as printed, and the validator
    // accepts it.
    let id = sent["message_id"].as_str().unwrap();
    let zip_path = officer.data.path().join("papper.zip");
    officer.json(0, &["archive", id, "--out", zip_path.to_str().unwrap()]);
    let package = Package::open(&zip_path);
    assert_eq!(
        package.data_of(id),
        ["meddelande.pdf", "pappersbrev.pdf", "signerad-leverans.xml"]
    );
    assert_eq!(
        package.file(&format!("{id}/pappersbrev.pdf")),
        std::fs::read(&letter).unwrap(),
        "the letter as printed"
    );
    assert_checksums(&package);
    assert_eark_valid(&zip_path);
    let premis = String::from_utf8(package.file("premis.xml").to_vec()).unwrap();
    assert!(
        premis.contains("<premis:eventType>printing</premis:eventType>"),
        "{premis}"
    );
    assert!(!premis.contains("dissemination"), "{premis}");
    assert_eq!(package.record(id)["state"], "paper");
}

/// Issue 12: "attachment names that collide once made safe (`x.pdf` and
/// `.x.pdf`) still produce a filing package" — each file under its own
/// name, the validator satisfied.
#[test]
fn issue_12_attachment_names_that_collide_once_made_safe_still_give_a_filing_package() {
    let officer = Officer::new();
    let first = pdf(officer.data.path(), "x.pdf");
    let hidden = officer.data.path().join("d").join(".x.pdf");
    std::fs::create_dir_all(hidden.parent().unwrap()).unwrap();
    std::fs::copy(&first, &hidden).unwrap();
    let mut args = send_args("19850101-2382", "BN 2026/0301");
    for file in [&first, &hidden] {
        args.extend(["--attach".into(), file.display().to_string()]);
    }
    let mut all = vec!["--json"];
    all.extend(strs(&args));
    let sent = officer.run(&all).json();
    let id = sent["message_id"].as_str().unwrap().to_string();
    let zip_path = officer.data.path().join("krock.zip");
    officer.json(0, &["archive", &id, "--out", zip_path.to_str().unwrap()]);
    let package = Package::open(&zip_path);
    let files = package.data_of(&id);
    assert!(files.contains(&"bilagor/x.pdf".to_string()), "{files:?}");
    assert!(files.contains(&"bilagor/2-x.pdf".to_string()), "{files:?}");
    assert!(assert_checksums(&package) >= 5);
    assert_eark_valid(&zip_path);
}

/// Issue 15: one filing package of a whole case (`--case`) or of a date
/// range (`--from`, `--to`), delivered and paper messages alike, each in
/// its folder; the validator accepts it and every checksum matches.
#[test]
fn issue_15_a_whole_case_is_filed_as_one_package() {
    let officer = Officer::new();
    let attachment = pdf(officer.data.path(), "beslut.pdf");
    let mut ids = Vec::new();
    for (to, attach) in [
        ("19850101-2382", true),
        ("192705178354", false),
        ("19850101-2382", false),
    ] {
        let mut args = send_args(to, "BN 2026/0300");
        if attach {
            args.extend(["--attach".into(), attachment.display().to_string()]);
        }
        let mut all = vec!["--json"];
        all.extend(strs(&args));
        let sent = officer.run(&all).json();
        ids.push(sent["message_id"].as_str().unwrap().to_string());
    }
    let other = officer.json(0, &strs(&send_args("19850101-2382", "BN 2026/0999")));
    let other = other["message_id"].as_str().unwrap();

    let zip_path = officer.data.path().join("arende.zip");
    let written = officer.json(
        0,
        &[
            "archive",
            "--case",
            "BN 2026/0300",
            "--out",
            zip_path.to_str().unwrap(),
        ],
    );
    assert_eq!(written["messages"], 3);
    let package = Package::open(&zip_path);
    for id in &ids {
        assert!(
            package.data_of(id).contains(&"meddelande.pdf".to_string()),
            "{id}"
        );
        assert_eq!(package.record(id)["case_number"], "BN 2026/0300");
    }
    assert!(package.data_of(other).is_empty(), "another case's message");
    assert!(package
        .data_of(&ids[0])
        .contains(&"bilagor/beslut.pdf".to_string()));
    assert!(package
        .data_of(&ids[1])
        .contains(&"pappersbrev.pdf".to_string()));
    assert!(assert_checksums(&package) >= 20);
    assert_eark_valid(&zip_path);
    let mets = String::from_utf8(package.file_exact("METS.xml").to_vec()).unwrap();
    assert_eq!(
        mets.matches("MDTYPE=\"DC\"").count(),
        3,
        "a description per message"
    );

    // A date range: today's messages, the other case's too.
    let today = officer.json(0, &["log"])[0]["created_at"].as_str().unwrap()[..10].to_string();
    let range = officer.data.path().join("dagens.zip");
    let written = officer.json(
        0,
        &[
            "archive",
            "--from",
            &today,
            "--to",
            &today,
            "--out",
            range.to_str().unwrap(),
        ],
    );
    assert_eq!(written["messages"], 4);
    assert_eark_valid(&range);
    // Nothing selected: an error, no file.
    let empty = officer.data.path().join("tom.zip");
    let refused = officer.run(&[
        "--json",
        "archive",
        "--case",
        "BN 1999/1",
        "--out",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("no message matches"), "{refused:?}");
    assert!(!empty.exists());
}

#[test]
fn a_failed_delivery_is_reported_as_failed_and_is_marked_as_handled_once_with_a_note() {
    let officer = Officer::new();
    let sent = officer.json(0, &strs(&send_args("197001012389", "BN 2026/0300")));
    let id = sent["message_id"].as_str().unwrap();
    let status = officer.wait_for_state(id, "failed", DELIVERY);
    assert!(status["failure_reason"]
        .as_str()
        .unwrap()
        .contains("could not deliver"));

    // Issue 12: the officer handled it outside Kuvert; a note is required,
    // and it is recorded once, in the sealed history.
    let empty = officer.run(&["handled", id, "--note", "  "]);
    assert_eq!(empty.code, 2, "{empty:?}");
    assert!(empty.stderr.contains("say how"), "{empty:?}");
    let handled = officer.json(
        0,
        &[
            "handled",
            id,
            "--note",
            "Lämnat över personligen i receptionen.",
        ],
    );
    assert_eq!(handled["state"], "failed");
    let last = handled["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["note"]["code"], "handled_outside", "{last}");
    assert_eq!(
        last["note"]["note"],
        "Lämnat över personligen i receptionen."
    );
    let again = officer.run(&["handled", id, "--note", "Igen"]);
    assert_eq!(again.code, 2, "{again:?}");
    assert!(again.stderr.contains("already"), "{again:?}");
    officer.json(0, &["verify-log"]);
}

/// Issue 12: "Outbox items not yet submitted can be withdrawn." A message
/// waiting in the Outbox because the look-up timed out (nothing was handed
/// over) is withdrawn: it stays in the sealed log as withdrawn, a draft
/// keeps its content, and resuming with a working intermediary sends
/// nothing. A message the intermediary may already have (it accepted, then
/// answered 400) is refused, and is then delivered exactly once.
#[test]
fn issue_12_an_outbox_message_not_yet_handed_over_is_withdrawn_and_never_sent() {
    let original = std::fs::read_to_string(sandbox().profile_path()).unwrap();
    let officer = Officer::with_profile(|text| {
        text.replace("call_timeout_seconds = 30", "call_timeout_seconds = 1")
    });
    let sent = officer.json(4, &strs(&send_args("196001012381", "BN 2026/0401")));
    assert_eq!(sent["state"], "outbox", "{sent}");
    let id = sent["message_id"].as_str().unwrap().to_string();

    let withdrawn = officer.json(0, &["withdraw", &id]);
    assert_eq!(withdrawn["state"], "withdrawn", "{withdrawn}");
    assert!(withdrawn["draft"].as_i64().unwrap() > 0, "{withdrawn}");
    let status = officer.json(0, &["status", &id]);
    assert_eq!(status["state"], "withdrawn", "{status}");
    let last = status["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["note"]["code"], "withdrawn", "{last}");

    // The intermediary answers again: nothing withdrawn is sent.
    std::fs::write(&officer.profile, &original).unwrap();
    let resumed = officer.run(&["resume"]);
    assert_eq!(resumed.code, 0, "{resumed:?}");
    assert_eq!(officer.json(0, &["status", &id])["state"], "withdrawn");
    assert_eq!(sandbox().delivery_count(&id), 0, "never delivered");

    let again = officer.run(&["withdraw", &id]);
    assert_eq!(again.code, 2, "{again:?}");
    assert!(
        again.stderr.contains("only a message in the Outbox"),
        "{again:?}"
    );
    officer.json(0, &["verify-log"]);

    // Handed over (accepted, then answered 400): the intermediary may have
    // it, so it is not withdrawn; its outcome is found with the same ids.
    use kuvert_sandbox::{BrokenAnswer, Sandbox, SandboxConfig};
    let dir = tempfile::tempdir().unwrap();
    let mut config = SandboxConfig::new(dir.path().join("testmiljo"));
    config.broken_answers_after_accepting = vec![BrokenAnswer::Status(400)];
    let broken = Sandbox::start(config).unwrap();
    let officer = Officer::of(&broken, |text| text);
    let sent = officer.json(4, &strs(&send_args("198501012382", "BN 2026/0402")));
    assert_eq!(sent["coded"]["code"], "outcome_unknown", "{sent}");
    let id = sent["message_id"].as_str().unwrap().to_string();
    let refused = officer.run(&["withdraw", &id]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("handed to the intermediary"),
        "{refused:?}"
    );
    assert_eq!(officer.json(0, &["status", &id])["state"], "signed");
    officer.wait_for_state(&id, "delivered", DELIVERY);
    assert_eq!(broken.delivery_count(&id), 1, "exactly one delivery");
    officer.json(0, &["verify-log"]);
}

#[test]
fn a_slow_intermediary_leaves_the_message_in_the_outbox() {
    let officer = Officer::with_profile(|text| {
        text.replace("call_timeout_seconds = 30", "call_timeout_seconds = 1")
    });
    let sent = officer.json(4, &strs(&send_args("196001012381", "BN 2026/0400")));
    assert_eq!(sent["state"], "outbox");
    assert!(
        sent["reason"].as_str().unwrap().contains("in time"),
        "{sent}"
    );
    let id = sent["message_id"].as_str().unwrap();
    let status = officer.json(0, &["status", id]);
    assert_eq!(status["state"], "signed");
    assert_eq!(status["attempts"], 1);
    // The slow answer is the look-up's: no delivery was sent, so this is a
    // plain time-out, not an unknown outcome.
    assert_eq!(status["last_failure"]["code"], "timeout");
    assert_eq!(sandbox().delivery_count(id), 0);
}

#[test]
fn dry_run_writes_a_verifiable_signed_delivery_and_stores_nothing() {
    let officer = Officer::new();
    let out = officer.data.path().join("leverans.xml");
    let mut args = send_args("850101-2382", "BN 2026/0500");
    args.extend([
        "--dry-run".into(),
        "--out".into(),
        out.display().to_string(),
    ]);
    officer.json(0, &strs(&args));
    let ca = sandbox().ca_pem_path();
    let verified = officer.json(
        0,
        &[
            "verify",
            out.to_str().unwrap(),
            "--ca",
            ca.to_str().unwrap(),
        ],
    );
    assert_eq!(verified["valid"], true);
    assert!(officer.log().is_empty());

    // One changed byte in the signed content: verification fails with exit code 5.
    let text = std::fs::read_to_string(&out).unwrap();
    std::fs::write(&out, text.replace("Beslut om bygglov", "Beslut om rivning")).unwrap();
    let tampered = officer.json(5, &["verify", out.to_str().unwrap()]);
    assert_eq!(tampered["valid"], false);
}

#[test]
fn an_altered_sent_log_is_detected() {
    let officer = Officer::new();
    officer.json(3, &strs(&send_args("192705178354", "BN 2026/0600")));
    officer.json(0, &["verify-log"]);
    let altered = std::process::Command::new("sqlite3")
        .arg(officer.database())
        .arg("UPDATE messages SET subject = 'Något annat'")
        .status()
        .unwrap();
    assert!(altered.success());
    let verdict = officer.json(5, &["verify-log"]);
    assert_eq!(verdict["intact"], false);
}

#[test]
fn verify_log_since_checkpoint_checks_what_was_added_and_that_the_chain_still_ends_there() {
    let officer = Officer::new();
    let sqlite = |sql: &str| {
        let done = std::process::Command::new("sqlite3")
            .arg(officer.database())
            .arg(sql)
            .output()
            .unwrap();
        assert!(done.status.success(), "{sql}");
        String::from_utf8(done.stdout).unwrap().trim().to_owned()
    };
    officer.json(3, &strs(&send_args("192705178354", "BN 2026/0610")));
    // No checkpoint yet: the incremental check is a full one.
    let first = officer.json(0, &["verify-log", "--since-checkpoint"]);
    assert_eq!(first["scope"], "full");
    let entries = first["entries"].as_u64().unwrap();
    assert!(entries > 0);
    assert!(first["last_full_check"].is_string());

    officer.json(3, &strs(&send_args("192705178354", "BN 2026/0611")));
    let total: u64 = sqlite("SELECT max(seq) FROM chain").parse().unwrap();
    let since = officer.json(0, &["verify-log", "--since-checkpoint"]);
    assert_eq!(since["scope"], "since_checkpoint");
    assert_eq!(since["checkpoint_seq"], entries);
    assert_eq!(
        since["entries"].as_u64().unwrap(),
        total - entries + 1,
        "the new entries and the checkpoint's own"
    );

    // An entry added after the checkpoint is checked like in full.
    officer.json(3, &strs(&send_args("192705178354", "BN 2026/0612")));
    let last: u64 = sqlite("SELECT max(seq) FROM chain").parse().unwrap();
    sqlite(&format!("UPDATE chain SET at = at + 1 WHERE seq = {last}"));
    let broken = officer.json(5, &["verify-log", "--since-checkpoint"]);
    assert_eq!(broken["intact"], false);
    assert_eq!(broken["seq"], last);
    sqlite(&format!("UPDATE chain SET at = at - 1 WHERE seq = {last}"));

    // A chain rewritten up to the checkpoint no longer ends in its hash.
    let checkpoint: u64 = sqlite("SELECT max(seq) FROM chain_checkpoints")
        .parse()
        .unwrap();
    sqlite(&format!(
        "UPDATE chain SET hash = zeroblob(32) WHERE seq = {checkpoint}"
    ));
    let rewritten = officer.json(5, &["verify-log", "--since-checkpoint"]);
    assert_eq!(rewritten["seq"], checkpoint);
    assert!(
        rewritten["reason"].as_str().unwrap().contains("checkpoint"),
        "{rewritten}"
    );
    // What the incremental check does not re-read, the full check does.
    let full = officer.json(5, &["verify-log"]);
    assert_eq!(full["scope"], "full");
}

/// Issue 11: the log's head is anchored outside the database; what the
/// database alone cannot show (its newest entries removed, its anchor gone,
/// no key to check with) is never called intact.
#[test]
fn verify_log_vouches_only_with_the_signed_anchor() {
    let officer = Officer::new();
    officer.json(3, &strs(&send_args("192705178354", "BN 2026/0620")));
    let intact = officer.json(0, &["verify-log"]);
    let newest = intact["entries"].as_u64().unwrap();
    assert_eq!(intact["anchor_seq"], newest, "{intact}");
    assert!(intact["anchored_at"].is_string(), "{intact}");

    // Without the keyring (no D-Bus session): consistent, but not vouched for.
    let run = officer.run_without_keyring(&["--json", "verify-log"]);
    assert_eq!(run.code, 5, "{run:?}");
    let unanchored = run.json();
    assert_eq!(unanchored["intact"], false);
    assert_eq!(unanchored["anchored"], false);

    // The anchor file removed.
    let mut anchor = officer.database().into_os_string();
    anchor.push(".anchor");
    let saved = std::fs::read(&anchor).unwrap();
    std::fs::remove_file(&anchor).unwrap();
    let missing = officer.json(5, &["verify-log"]);
    assert!(
        missing["reason"].as_str().unwrap().contains("anchor"),
        "{missing}"
    );
    std::fs::write(&anchor, saved).unwrap();
    officer.json(0, &["verify-log"]);
}

/// Issue 11: the data directory and the database are the officer's only
/// (0700/0600), also when they were found open.
#[cfg(unix)]
#[test]
fn the_data_directory_and_the_database_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let officer = Officer::new();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    std::fs::set_permissions(officer.data.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    officer.json(0, &["log"]);
    assert_eq!(mode(officer.data.path()), 0o700);
    assert_eq!(mode(&officer.database()), 0o600);
}

/// Issue 12: `status --refresh` says when the check itself failed (exit 4
/// and the reason) instead of exiting 0 with the old state, and exits 0
/// once the intermediary answers again.
#[test]
fn issue_12_status_refresh_says_when_the_check_itself_failed() {
    let officer = Officer::new();
    let sent = officer.json(0, &strs(&send_args("198501012382", "BN 2026/1200")));
    let id = sent["message_id"].as_str().unwrap();
    let working = std::fs::read_to_string(&officer.profile).unwrap();
    let url = sandbox().message_url();
    assert!(working.contains(&url), "{working}");
    // A port nothing listens on: the intermediary is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = working.replace(&url, &format!("https://127.0.0.1:{port}/Message/v3"));
    std::fs::write(&officer.profile, down).unwrap();
    let failed = officer.run(&["status", id, "--refresh"]);
    assert_eq!(failed.code, 4, "{failed:?}");
    assert!(failed.stderr.contains(&port.to_string()), "{failed:?}");
    let failed_json = officer.run(&["--json", "status", id, "--refresh"]);
    assert_eq!(failed_json.code, 4, "{failed_json:?}");
    std::fs::write(&officer.profile, working).unwrap();
    let status = officer.wait_for_state(id, "delivered", DELIVERY);
    assert_eq!(status["state"], "delivered");
    assert_eq!(sandbox().delivery_count(id), 1);
}

/// Issue 12: a test intermediary that accepts the delivery and then answers
/// HTTP 400, and then garbage, leaves the message in the Outbox as
/// "outcome unknown" (JSON code `outcome_unknown`), never Failed and never
/// on paper; `status --refresh` checks by resubmitting with the same ids,
/// says when that check itself did not tell (exit 4), and the mailbox
/// ends with exactly one delivery.
#[test]
fn issue_12_an_accepted_delivery_answered_4xx_then_garbage_is_outcome_unknown_never_failed() {
    use kuvert_sandbox::{BrokenAnswer, Sandbox, SandboxConfig};
    let dir = tempfile::tempdir().unwrap();
    let mut config = SandboxConfig::new(dir.path().join("testmiljo"));
    config.broken_answers_after_accepting = vec![BrokenAnswer::Status(400), BrokenAnswer::Garbled];
    let broken = Sandbox::start(config).unwrap();
    let officer = Officer::of(&broken, |text| text);

    let sent = officer.json(4, &strs(&send_args("198501012382", "BN 2026/1210")));
    let id = sent["message_id"].as_str().unwrap().to_string();
    assert_eq!(sent["state"], "outbox", "{sent}");
    assert_eq!(sent["coded"]["code"], "outcome_unknown", "{sent}");
    assert_eq!(sent["coded"]["cause"]["code"], "http", "{sent}");
    assert_eq!(sent["coded"]["cause"]["status"], 400, "{sent}");
    // The intermediary accepted it, so the mailbox may already hold it.
    assert!(broken.delivery_count(&id) <= 1);

    // The check: a resubmission with the same ids, answered with garbage.
    let check = officer.run(&["--json", "status", &id, "--refresh"]);
    assert_eq!(check.code, 4, "{check:?}");
    let status = officer.json(0, &["status", &id]);
    assert_eq!(status["state"], "signed", "{status}");
    assert_eq!(
        status["last_failure"]["code"], "outcome_unknown",
        "{status}"
    );
    assert_eq!(
        status["last_failure"]["coded"]["cause"]["code"], "malformed_answer",
        "{status}"
    );
    assert!(status["failure"].is_null(), "{status}");
    let notes: Vec<&str> = status["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["note"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        ["queued", "signed", "attempt_failed", "attempt_failed"],
        "{status}"
    );

    // The next check is answered: the intermediary recognises the ids.
    let checked = officer.json(0, &["status", &id, "--refresh"]);
    assert_ne!(checked["state"], "failed", "{checked}");
    let delivered = officer.wait_for_state(&id, "delivered", DELIVERY);
    assert_eq!(delivered["state"], "delivered");
    assert_eq!(broken.delivery_count(&id), 1, "exactly one delivery");
    assert!(officer.log().iter().all(|m| m["state"] != "paper"));
}

/// Issue 12: on the paper route the letter carries the postal address
/// given with --address-line in the envelope's window, and the file to
/// print holds the letter and then each PDF attachment's pages; an
/// attachment no PDF reader can open is named to print separately.
/// `kuvert letter` writes the same file again.
#[test]
fn issue_12_the_paper_letter_has_the_address_and_the_pdf_attachments_in_one_print_file() {
    let officer = Officer::new();
    let dir = officer.data.path();
    // A real two-page PDF as the decision: the test environment's own
    // report export makes one.
    for n in 0..3 {
        officer.json(
            3,
            &strs(&send_args("192705178354", &format!("BN 2026/13{n:02}"))),
        );
    }
    let decision = dir.join("beslut.pdf");
    officer.json(
        0,
        &[
            "export",
            "--format",
            "pdf",
            "--out",
            decision.to_str().unwrap(),
        ],
    );
    let broken = crate::support::pdf(dir, "trasig.pdf");
    let letter = dir.join("utskrift.pdf");
    let mut args = send_args("192705178354", "BN 2026/1399");
    for extra in [
        "--address-line",
        "Åsa Öberg",
        "--address-line",
        "Storgatan 1 B",
        "--address-line",
        "123 45 Småstad",
        "--attach",
        decision.to_str().unwrap(),
        "--attach",
        broken.to_str().unwrap(),
        "--paper-out",
        letter.to_str().unwrap(),
    ] {
        args.push(extra.to_string());
    }
    let sent = officer.json(3, &strs(&args));
    assert_eq!(sent["state"], "paper", "{sent}");
    assert_eq!(
        sent["appended"],
        serde_json::json!(["beslut.pdf"]),
        "{sent}"
    );
    assert_eq!(
        sent["print_separately"],
        serde_json::json!(["trasig.pdf"]),
        "{sent}"
    );
    let pages = |path: &std::path::Path| -> usize {
        let info = std::process::Command::new("pdfinfo")
            .arg(path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&info.stdout).into_owned();
        text.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{text}"))
    };
    let text = |path: &std::path::Path| -> String {
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(path)
            .arg("-")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(pages(&letter), 1 + pages(&decision));
    let printed = text(&letter);
    for expected in [
        "Åsa Öberg",
        "123 45 Småstad",
        "beslut.pdf (PDF",
        "trasig.pdf (PDF",
    ] {
        assert!(printed.contains(expected), "{expected:?} not in {printed}");
    }
    assert!(
        printed.contains("BN 2026/1300"),
        "the decision's pages follow: {printed}"
    );
    let qpdf = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&letter)
        .output()
        .unwrap();
    assert!(
        qpdf.status.success(),
        "{}",
        String::from_utf8_lossy(&qpdf.stdout)
    );

    let id = sent["message_id"].as_str().unwrap();
    let again = dir.join("igen.pdf");
    let written = officer.json(0, &["letter", id, "--out", again.to_str().unwrap()]);
    assert_eq!(
        written["print_separately"],
        serde_json::json!(["trasig.pdf"])
    );
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&letter).unwrap(),
        "the same file"
    );
    // A message that went digitally has no letter to print.
    let digital = officer.json(0, &strs(&send_args("198501012382", "BN 2026/1398")));
    let none = officer.run(&["letter", digital["message_id"].as_str().unwrap()]);
    assert_ne!(none.code, 0, "{none:?}");
}
