//! Issue 14, own förmedling (SKL's "Förmedling", scenario 2): with
//! `[service] mode = "direct"` Kuvert asks FaR which mailbox operator the
//! recipient chose, seals the signed delivery itself and hands it to that
//! operator's `deliverSecure` over mutual TLS — against the test
//! environment, whose operators take deliveries only from a registered
//! förmedlare whose certificate made the seal. What the operator stored is
//! judged by xmlsec1 (both signatures) and xmllint (the contracts'
//! `SealedDelivery` type).

use std::path::{Path, PathBuf};
use std::process::Command;

use kuvert_sandbox::Operator;

use crate::support::{sandbox, send_args, strs, Officer, Run};

/// The official contracts, beside the repository (or KUVERT_MM_CONTRACTS).
fn contracts() -> PathBuf {
    std::env::var_os("KUVERT_MM_CONTRACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/mm-contracts")
        })
}

fn run(command: &mut Command) -> (bool, String) {
    let out = command
        .output()
        .expect("xmlsec1 and xmllint (scripts/deps installs them)");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The base64 text of the certificate in the seal (the outer signature) of
/// the sealed delivery `file`.
fn seal_certificate(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    // The seal is the last signature; its certificate the last one.
    let start = text.rfind("X509Certificate>").unwrap();
    let before = &text[..start];
    let open = before.rfind("X509Certificate>").unwrap() + "X509Certificate>".len();
    let body = &text[open..];
    let end = body.find('<').unwrap();
    body[..end].split_whitespace().collect()
}

/// The base64 body of the first certificate in a PEM file.
fn pem_body(file: &Path) -> String {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect()
}

/// A profile of `text` is refused as a profile error naming `key`.
fn assert_refused_naming(text: &str, key: &str) {
    let officer = Officer::with_profile(|_| text.to_string());
    let run = officer.run(&["check", "19850101-2382"]);
    assert_eq!(run.code, 2, "{key}: {run:?}");
    assert!(run.stderr.contains(key), "{key}: {run:?}");
}

/// What Kivra's mailbox holds of message `id`.
fn at_kivra(id: &str) -> kuvert_sandbox::DeliveredMessage {
    sandbox()
        .delivered_messages(Operator::Kivra)
        .into_iter()
        .find(|m| m.message_id == id)
        .unwrap()
}

/// The direct profile's `[seal]` table replaced by `table` (`""`: none).
fn with_seal(text: &str, table: &str) -> String {
    let start = text.find("[seal]").expect("the direct profile has [seal]");
    let end = start + text[start..].find("[rules]").unwrap();
    format!("{}{table}{}", &text[..start], &text[end..])
}

/// Both signatures of the sealed delivery `file` verify with xmlsec1
/// against the test environment's CA, and it is a `SealedDelivery` by the
/// contracts' schema.
fn judge_sealed(file: &Path, dir: &Path) {
    let ca = sandbox().ca_pem_path();
    let (ok, out) = run(Command::new("xmlsec1")
        .args(["--verify", "--trusted-pem"])
        .arg(&ca)
        .args(["--node-xpath", "/*/*[local-name()='Signature']"])
        .arg(file));
    assert!(ok, "xmlsec1 rejected the seal: {out}");
    let sealed = std::fs::read_to_string(file).unwrap();
    let doc = kuvert_protocol::xml::parse(&sealed).unwrap();
    let inner = kuvert_protocol::dsig::extract_as_root(
        &doc,
        kuvert_protocol::xml::names::MESSAGE_V3,
        "SignedDelivery",
        kuvert_protocol::xml::names::MESSAGE_V3,
        "SignedDelivery",
    )
    .unwrap();
    let inner_file = dir.join("inner-signed.xml");
    std::fs::write(&inner_file, &inner).unwrap();
    let (ok, out) = run(Command::new("xmlsec1")
        .args(["--verify", "--trusted-pem"])
        .arg(&ca)
        .arg(&inner_file));
    assert!(ok, "xmlsec1 rejected the sender's signature: {out}");
    let schema = dir.join("sealed.xsd");
    std::fs::write(
        &schema,
        format!(
            r#"<?xml version="1.0"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema"
        xmlns:m3="http://minameddelanden.gov.se/schema/Message/v3"
        targetNamespace="http://minameddelanden.gov.se/schema/Message/v3"
        elementFormDefault="qualified">
  <include schemaLocation="{}"/>
  <element name="SealedDelivery" type="m3:SealedDelivery"/>
</schema>"#,
            contracts().join("schema/v3/Message.xsd").display()
        ),
    )
    .unwrap();
    let (ok, out) = run(Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(file));
    assert!(ok, "xmllint rejected the sealed delivery: {out}");
}

#[test]
fn skl_formedling_direct_mode_seals_and_delivers_to_the_recipients_operator_once() {
    let officer = Officer::direct();
    for (recipient, operator) in [
        ("19850101-2382", Operator::Kivra),
        ("19850101-2390", Operator::MinMyndighetspost),
        // FaR answers slowly for this one; the operator takes it.
        ("19600101-2381", Operator::MinMyndighetspost),
    ] {
        let sent = officer.json(0, &strs(&send_args(recipient, "BN 2026/1400")));
        assert_eq!(sent["state"], "delivered", "{sent}");
        let id = sent["message_id"].as_str().unwrap().to_string();
        // The operator's answer is the outcome: delivered, no status to wait for.
        let status = officer.json(0, &["status", &id]);
        assert_eq!(status["state"], "delivered", "{status}");
        assert_eq!(sandbox().delivery_count(&id), 1, "{recipient}");
        let delivered = sandbox()
            .delivered_messages(operator)
            .into_iter()
            .find(|m| m.message_id == id)
            .unwrap();
        assert_eq!(delivered.sender_id, "162021003898");
        // Kuvert's own förmedling, not the intermediary's: the transaction
        // is the operator's, and the intermediary never saw the message.
        assert_eq!(
            status["distribution_id"],
            delivered.transaction_id.as_str(),
            "{status}"
        );
        assert_eq!(
            sandbox().distribution_progress(&delivered.transaction_id),
            None
        );
        judge_sealed(&delivered.sealed_delivery_file, officer.data.path());
        // Sealed with the organisation's förmedlare certificate (`[seal]`),
        // and the history says to whom, where and when.
        assert_eq!(
            seal_certificate(&delivered.sealed_delivery_file),
            pem_body(&sandbox().state_dir().join("formedlare-cert.pem"))
        );
        let handed = status["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["note"]["code"] == "handed_to_operator")
            .unwrap_or_else(|| panic!("no hand-over in {status}"));
        assert_eq!(handed["note"]["operator"], operator.name(), "{handed}");
        assert_eq!(
            handed["note"]["transaction_id"],
            delivered.transaction_id.as_str()
        );
        assert_eq!(
            handed["note"]["address"], status["mailbox"]["service_address"],
            "{status}"
        );
        assert_eq!(
            handed["note"]["sealed_on"].as_str().unwrap().len(),
            10,
            "{handed}"
        );

        // Sent again (a retry after a lost answer does the same): the
        // operator takes it once.
        let again = officer.json(0, &["resume"]);
        assert!(again.as_array().unwrap().is_empty(), "{again}");
        assert_eq!(sandbox().delivery_count(&id), 1);
    }
}

#[test]
fn direct_mode_recipients_without_a_digital_mailbox_go_on_paper_as_through_an_intermediary() {
    let officer = Officer::direct();
    // Not registered, registration pending, sender not accepted.
    for recipient in ["192705178354", "201701012393", "199001012385"] {
        let letter = officer.data.path().join(format!("brev-{recipient}.pdf"));
        let mut args = send_args(recipient, "BN 2026/1401");
        args.extend(["--paper-out".into(), letter.display().to_string()]);
        let sent = officer.json(3, &strs(&args));
        assert_eq!(sent["state"], "paper", "{recipient}: {sent}");
        assert!(std::fs::read(&letter).unwrap().starts_with(b"%PDF-"));
        assert_eq!(
            sandbox().delivery_count(sent["message_id"].as_str().unwrap()),
            0
        );
    }
}

#[test]
fn direct_mode_keeps_a_message_in_the_outbox_when_the_operator_cannot_take_it() {
    let officer = Officer::direct();
    let mut args = vec!["--json".to_string()];
    args.extend(send_args("19700101-2389", "BN 2026/1402"));
    let run = officer.run(&strs(&args));
    let sent = run.json();
    assert_eq!(sent["state"], "outbox", "{run:?}");
    assert!(
        sent["reason"]
            .as_str()
            .unwrap()
            .contains("cannot take deliveries"),
        "{sent}"
    );
    let id = sent["message_id"].as_str().unwrap();
    assert_eq!(sandbox().delivery_count(id), 0);
}

#[test]
fn direct_mode_profile_keys_of_the_other_mode_are_refused_naming_the_key() {
    let text = std::fs::read_to_string(sandbox().direct_profile_path()).unwrap();
    for (edit, key) in [
        (
            text.replace("mode = \"direct\"", "mode = \"dirket\""),
            "service.mode",
        ),
        (
            text.replace(
                "far_url = ",
                "recipient_url = \"https://x.example/r\"\nfar_url = ",
            ),
            "service.recipient_url",
        ),
        (
            text.lines()
                .filter(|l| !l.starts_with("operator_ca_bundle"))
                .collect::<Vec<_>>()
                .join("\n"),
            "service.operator_ca_bundle",
        ),
        (
            text.lines()
                .filter(|l| !l.starts_with("mode = "))
                .collect::<Vec<_>>()
                .join("\n"),
            "service.far_url",
        ),
    ] {
        assert_refused_naming(&edit, key);
    }
}

#[test]
fn direct_mode_without_a_seal_certificate_of_its_own_seals_with_the_organisations() {
    let officer = Officer::from_direct(|text| with_seal(&text, ""));
    let sent = officer.json(0, &strs(&send_args("19850101-2382", "BN 2026/1403")));
    assert_eq!(sent["state"], "delivered", "{sent}");
    let id = sent["message_id"].as_str().unwrap();
    let delivered = at_kivra(id);
    judge_sealed(&delivered.sealed_delivery_file, officer.data.path());
    assert_eq!(
        seal_certificate(&delivered.sealed_delivery_file),
        pem_body(&sandbox().state_dir().join("sender-cert.pem"))
    );
}

#[test]
fn direct_mode_seal_pkcs12_password_has_its_own_keyring_entry_and_nothing_is_stored_without_it() {
    let keys = tempfile::tempdir().unwrap();
    let p12 = keys.path().join("formedlare.p12");
    let state = sandbox().state_dir();
    let status = Command::new("openssl")
        .args(["pkcs12", "-export", "-in"])
        .arg(state.join("formedlare-cert.pem"))
        .arg("-inkey")
        .arg(state.join("formedlare-key.pem"))
        .args([
            "-name",
            "Kommun B förmedling",
            "-passout",
            "pass:sigill-test-2026",
            "-out",
        ])
        .arg(&p12)
        .status()
        .expect("openssl (scripts/deps installs it)");
    assert!(status.success());
    let table = format!("[seal]\npkcs12 = {:?}\n\n", p12.display().to_string());
    let officer = Officer::from_direct(|text| with_seal(&text, &table));

    // No password for the seal: refused before anything is stored, naming
    // the seal's own headless fallback.
    let mut args = vec!["--json".to_string()];
    args.extend(send_args("19850101-2382", "BN 2026/1404"));
    let mut command = officer.command(&strs(&args));
    command.env_remove("KUVERT_SEAL_PASSWORD");
    let refused = Run::from(command.output().unwrap());
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(
        refused.stderr.contains("KUVERT_SEAL_PASSWORD")
            && refused.stderr.contains("formedlare.p12"),
        "{refused:?}"
    );
    assert!(officer.json(0, &["log"]).as_array().unwrap().is_empty());

    // `kuvert password set --seal` stores it; the organisation's (PEM, no
    // password) is untouched, and the send goes through.
    let stored = with_stdin(
        &officer,
        &["password", "set", "--seal"],
        "sigill-test-2026\n",
    );
    assert_eq!(stored.code, 0, "{stored:?}");
    assert!(
        stored.stdout.contains("Seal certificate password"),
        "{stored:?}"
    );
    let sent = officer.json(0, &strs(&send_args("19850101-2382", "BN 2026/1404")));
    assert_eq!(sent["state"], "delivered", "{sent}");
    let id = sent["message_id"].as_str().unwrap();
    let delivered = at_kivra(id);
    assert_eq!(
        seal_certificate(&delivered.sealed_delivery_file),
        pem_body(&state.join("formedlare-cert.pem"))
    );
    let forgotten = officer.run(&["password", "forget", "--seal"]);
    assert_eq!(forgotten.code, 0, "{forgotten:?}");
    assert!(forgotten.stdout.contains("removed"), "{forgotten:?}");

    // A profile without a seal of its own has no seal password to set.
    let plain = Officer::from_direct(|text| with_seal(&text, ""));
    let refused = with_stdin(&plain, &["password", "set", "--seal"], "x\n");
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("[seal]"), "{refused:?}");
}

/// `kuvert ARGS` on `officer`'s profile with `input` on standard input.
fn with_stdin(officer: &Officer, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    let mut child = officer
        .command(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    Run::from(child.wait_with_output().unwrap())
}

#[test]
fn a_seal_table_is_a_profile_error_outside_direct_mode_or_half_filled_naming_the_key() {
    let intermediary = std::fs::read_to_string(sandbox().profile_path())
        .unwrap()
        .replace(
        "[rules]",
        "[seal]\ncert_pem = \"formedlare-cert.pem\"\nkey_pem = \"formedlare-key.pem\"\n\n[rules]",
    );
    let direct = std::fs::read_to_string(sandbox().direct_profile_path()).unwrap();
    for (text, key) in [
        (intermediary, "seal.cert_pem"),
        (
            with_seal(&direct, "[seal]\ncert_pem = \"formedlare-cert.pem\"\n\n"),
            "seal.key_pem",
        ),
        (
            with_seal(
                &direct,
                "[seal]\npkcs12 = \"nowhere.p12\"\nkey_pem = \"formedlare-key.pem\"\n\n",
            ),
            "seal",
        ),
    ] {
        assert_refused_naming(&text, key);
    }
}

#[test]
fn direct_mode_an_operator_whose_certificate_is_not_trusted_gets_nothing_and_the_message_waits() {
    // The operators' CA bundle names another CA: the TLS handshake with
    // the operator fails, so nothing is handed over and the message stays
    // in the Outbox with a plain reason.
    let keys = tempfile::tempdir().unwrap();
    let other_ca = keys.path().join("other-ca.pem");
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=Annan CA", "-keyout"])
        .arg(keys.path().join("other-ca-key.pem"))
        .arg("-out")
        .arg(&other_ca)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl (scripts/deps installs it)");
    assert!(status.success());
    let officer = Officer::from_direct(|text| {
        text.lines()
            .map(|line| {
                if line.starts_with("operator_ca_bundle") {
                    format!("operator_ca_bundle = {:?}", other_ca.display().to_string())
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let mut args = vec!["--json".to_string()];
    args.extend(send_args("19850101-2382", "BN 2026/1405"));
    let run = officer.run(&strs(&args));
    let sent = run.json();
    assert_eq!(sent["state"], "outbox", "{run:?}");
    let id = sent["message_id"].as_str().unwrap();
    assert_eq!(sandbox().delivery_count(id), 0);
    let status = officer.json(0, &["status", id]);
    assert_eq!(status["state"], "signed", "{status}");
    let reason = sent["reason"].as_str().unwrap();
    assert!(
        reason.contains("secure connection") || reason.contains("certificate"),
        "{sent}"
    );
}
