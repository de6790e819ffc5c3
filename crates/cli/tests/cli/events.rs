//! Event messages (händelsemeddelanden) through the real binary: two events
//! in one case, the second naming the first as its `PrecedingEventId` in
//! the signed delivery — as a real send stores and submits it and as
//! `send --event --dry-run` writes it — judged by xmllint, not by Kuvert.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::{sandbox, send_args, strs, Officer};

const CASE: &str = "BN 2026/0456";

/// `xmllint --xpath EXPR FILE`: the string value of an XPath 1.0 expression.
fn xpath(file: &Path, expression: &str) -> String {
    let out = Command::new("xmllint")
        .args(["--nonet", "--xpath", expression])
        .arg(file)
        .output()
        .expect("xmllint (scripts/deps installs libxml2-utils)");
    assert!(
        out.status.success(),
        "xmllint --xpath {expression} {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The value of the event-message (`OfficialMatter/v3`) element `name`.
fn event_field(file: &Path, name: &str) -> String {
    xpath(
        file,
        &format!("string(//*[local-name()='OfficialMatterExtension']//*[local-name()='{name}'])"),
    )
}

/// How many `PrecedingEventId` elements the document has.
fn preceding_count(file: &Path) -> String {
    xpath(file, "count(//*[local-name()='PrecedingEventId'])")
}

/// The signed delivery of a stored message, as its filing package exports it.
fn stored_delivery(officer: &Officer, id: &str) -> PathBuf {
    let zip_path = officer.data.path().join(format!("{id}.zip"));
    officer.json(0, &["archive", id, "--out", zip_path.to_str().unwrap()]);
    let package = crate::support::Package::open(&zip_path);
    let xml = package.file(&format!("{id}/signerad-leverans.xml"));
    let path = officer.data.path().join(format!("{id}.xml"));
    std::fs::write(&path, xml).unwrap();
    path
}

/// The official contracts, beside the repository, when present.
fn contracts() -> Option<PathBuf> {
    let dir = std::env::var_os("KUVERT_MM_CONTRACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/mm-contracts")
        });
    dir.join("schema/v3/Message.xsd")
        .is_file()
        .then(|| dir.canonicalize().unwrap())
}

/// Validates a standalone `SignedDelivery` against the official XSD and
/// verifies its signature with xmlsec1 against the environment's CA.
fn judge(file: &Path) {
    let verify = Command::new("xmlsec1")
        .arg("--verify")
        .arg("--trusted-pem")
        .arg(sandbox().ca_pem_path())
        .arg(file)
        .output()
        .expect("xmlsec1 (scripts/deps installs it)");
    assert!(
        verify.status.success(),
        "xmlsec1 --verify {}: {}",
        file.display(),
        String::from_utf8_lossy(&verify.stderr)
    );
    let Some(contracts) = contracts() else {
        eprintln!("the contracts are absent: schema validation skipped (CI has them)");
        return;
    };
    let schema = file.with_extension("xsd");
    std::fs::write(
        &schema,
        format!(
            r#"<?xml version="1.0"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema"
        xmlns:m3="http://minameddelanden.gov.se/schema/Message/v3"
        targetNamespace="http://minameddelanden.gov.se/schema/Message/v3"
        elementFormDefault="qualified">
  <include schemaLocation="{}"/>
  <element name="SignedDelivery" type="m3:SignedDelivery"/>
</schema>"#,
            contracts.join("schema/v3/Message.xsd").display()
        ),
    )
    .unwrap();
    let lint = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "xmllint --schema {}: {}",
        file.display(),
        String::from_utf8_lossy(&lint.stderr)
    );
}

fn send_event(officer: &Officer, case: &str, extra: &[&str]) -> String {
    let mut args = send_args("19850101-2382", case);
    args.push("--event".into());
    args.extend(extra.iter().map(|a| a.to_string()));
    let sent = officer.json(0, &strs(&args));
    assert_eq!(sent["state"], "submitted", "{sent}");
    sent["message_id"].as_str().unwrap().to_string()
}

#[test]
fn issue_10_the_second_event_in_a_case_names_the_first_as_preceding_event() {
    let officer = Officer::new();
    let first = send_event(&officer, CASE, &[]);
    let first_xml = stored_delivery(&officer, &first);
    assert_eq!(event_field(&first_xml, "EventId"), first);
    assert_eq!(event_field(&first_xml, "OfficialMatterId"), CASE);
    assert_eq!(event_field(&first_xml, "MatterStatus"), "senderinitiative");
    assert_eq!(preceding_count(&first_xml), "0", "the case's first event");
    judge(&first_xml);

    // An ordinary message in the case changes nothing.
    officer.json(0, &strs(&send_args("19850101-2382", CASE)));

    // The dry run writes the chaining a send would.
    let dry = officer.data.path().join("dry-run.xml");
    let mut args = send_args("19850101-2382", "bn  2026/0456");
    args.extend(
        ["--event", "--status", "closed", "--dry-run", "--out"]
            .map(str::to_string)
            .into_iter()
            .chain([dry.display().to_string()]),
    );
    officer.json(0, &strs(&args));
    assert_eq!(event_field(&dry, "PrecedingEventId"), first);
    assert_eq!(event_field(&dry, "MatterStatus"), "closed");
    judge(&dry);

    let second = send_event(&officer, CASE, &["--status", "closed"]);
    let second_xml = stored_delivery(&officer, &second);
    assert_eq!(event_field(&second_xml, "EventId"), second);
    assert_eq!(event_field(&second_xml, "PrecedingEventId"), first);
    assert_eq!(event_field(&second_xml, "MatterStatus"), "closed");
    judge(&second_xml);

    // The sent log says so too.
    let status = officer.json(0, &["status", &second]);
    assert_eq!(status["event"]["status"], "closed");
    assert_eq!(status["event"]["preceding_event_id"], first.as_str());
    let log = officer.json(0, &["log", "--case", CASE]);
    let events: Vec<(&str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| !row["event"].is_null())
        .map(|row| {
            (
                row["message_id"].as_str().unwrap(),
                row["event"]["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            (second.as_str(), "closed"),
            (first.as_str(), "senderinitiative")
        ],
        "newest first"
    );

    // The case's thread: its events, oldest first.
    let thread = officer.json(0, &["thread", "bn 2026/0456"]);
    let ids: Vec<&str> = thread
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first.as_str(), second.as_str()]);
    assert_eq!(thread[1]["event"]["preceding_event_id"], first.as_str());
    let text = officer.run(&["thread", CASE]);
    assert_eq!(text.code, 0, "{text:?}");
    assert!(
        text.stdout.contains(&format!("follows {first}")),
        "{}",
        text.stdout
    );

    // Both reach the mailbox.
    officer.wait_for_state(&second, "delivered", Duration::from_secs(30));
}

#[test]
fn an_event_needs_a_case_number_and_a_known_status() {
    let officer = Officer::new();
    let mut args: Vec<String> = send_args("19850101-2382", CASE);
    // Without the case: the compose problem, nothing stored.
    let at = args.iter().position(|a| a == "--case").unwrap();
    args.drain(at..at + 2);
    args.push("--event".into());
    let run = officer.run(&strs(&args));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("case number"), "{run:?}");

    let mut args = send_args("19850101-2382", CASE);
    args.extend(["--event", "--status", "open"].map(str::to_string));
    assert_eq!(officer.run(&strs(&args)).code, 2, "an unknown status");

    let mut args = send_args("19850101-2382", CASE);
    args.extend(["--status", "closed"].map(str::to_string));
    assert_eq!(
        officer.run(&strs(&args)).code,
        2,
        "--status without --event"
    );
    assert!(officer.log().is_empty(), "nothing was stored");
}
