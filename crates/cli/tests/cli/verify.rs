//! Issue 11: `kuvert verify` says "OK" (`"valid": true`, exit 0) only for a
//! delivery whose signer is trusted and is the sender; a correct signature
//! nobody vouches for is exit 6, a forged or wrapped one exit 5. It reads
//! SOAP envelopes as well as standalone deliveries.

use std::process::Command;

use crate::support::*;

const M3: &str = "http://minameddelanden.gov.se/schema/Message/v3";

/// A signed delivery from `send --dry-run`.
fn signed_delivery(officer: &Officer) -> String {
    let out = officer.data.path().join("leverans.xml");
    let mut args = send_args("850101-2382", "BN 2026/0700");
    args.extend([
        "--dry-run".into(),
        "--out".into(),
        out.display().to_string(),
    ]);
    officer.json(0, &strs(&args));
    std::fs::read_to_string(out).unwrap()
}

fn file(officer: &Officer, name: &str, text: &str) -> String {
    let path = officer.data.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `kuvert` with neither a profile nor `--ca`.
fn without_profile(officer: &Officer, args: &[&str]) -> (i32, String) {
    let empty = officer.data.path().join("no-config");
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kuvert"))
        .args(args)
        .env("XDG_CONFIG_HOME", &empty)
        .env("HOME", &empty)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn issue_11_verify_vouches_only_for_a_trusted_signer_that_is_the_sender() {
    let officer = Officer::new();
    let signed = signed_delivery(&officer);
    let path = file(&officer, "leverans.xml", &signed);

    // The profile's CA bundle vouches for the sender.
    let verified = officer.json(0, &["verify", &path]);
    assert_eq!(verified["valid"], true);
    assert_eq!(verified["trust_anchors"]["from"], "profile");
    assert_eq!(verified["sender_id"], "162021003898");
    let signature = &verified["signatures"][0];
    assert_eq!(signature["element"], "/SignedDelivery");
    assert_eq!(signature["organisation_number"], "162021003898");
    assert_eq!(signature["trust"]["trusted"], true);
    assert_eq!(signature["valid_today"], "valid");
    let text = officer.run(&["verify", &path]);
    assert!(text.stdout.starts_with("OK: "), "{text:?}");

    // Without a CA or profile: correct, not trusted, never "OK".
    let (code, stdout) = without_profile(&officer, &["--json", "verify", &path]);
    assert_eq!(code, 6, "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["signatures_correct"], true);
    assert!(report["trust_anchors"].is_null());
    assert!(
        report["problems"][0]
            .as_str()
            .unwrap()
            .contains("mathematically correct, but no CA certificates"),
        "{report}"
    );
    let (code, stdout) = without_profile(&officer, &["verify", &path]);
    assert_eq!(code, 6);
    assert!(!stdout.contains("OK"), "{stdout}");
    assert!(stdout.starts_with("NOT ACCEPTED"), "{stdout}");

    // --ca given explicitly.
    let ca = sandbox().ca_pem_path();
    let (code, stdout) = without_profile(
        &officer,
        &["--json", "verify", &path, "--ca", ca.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("\"from\":\"ca\""), "{stdout}");

    // The same delivery inside the distributeSecure Kuvert sends.
    let inner = signed
        .strip_prefix(&format!("<SignedDelivery xmlns=\"{M3}\">"))
        .and_then(|s| s.strip_suffix("</SignedDelivery>"))
        .unwrap();
    let envelope = format!(
        "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>\
         <ns3:distributeSecure xmlns:ns3=\"{M3}\"><signedDelivery xmlns=\"{M3}\">{inner}</signedDelivery>\
         </ns3:distributeSecure></S:Body></S:Envelope>"
    );
    let soap = file(&officer, "distribute.xml", &envelope);
    let verified = officer.json(0, &["verify", &soap]);
    assert_eq!(
        verified["signatures"][0]["element"],
        "/Envelope/Body/distributeSecure/signedDelivery"
    );

    // A forged delivery presented, the genuine one hidden in ds:Object: 5.
    let delivery_start = signed.find("<Delivery>").unwrap();
    let delivery_end = signed.find("</Delivery>").unwrap() + "</Delivery>".len();
    let genuine_delivery = &signed[delivery_start..delivery_end];
    let forged = signed
        .replacen(
            genuine_delivery,
            &genuine_delivery.replacen("Beslut om bygglov", "Beslut om rivning", 1),
            1,
        )
        .replacen(
            "</ds:Signature>",
            &format!(
                "<ds:Object>{}</ds:Object></ds:Signature>",
                signed.replacen(&format!(" xmlns=\"{M3}\""), "", 1)
            ),
            1,
        );
    let forged = file(&officer, "forged.xml", &forged);
    let refused = officer.json(5, &["verify", &forged]);
    assert_eq!(refused["valid"], false);
    assert_eq!(refused["signatures_correct"], false);
    assert!(
        refused["reason"].as_str().unwrap().contains("ds:Object"),
        "{refused}"
    );
    let text = officer.run(&["verify", &forged]);
    assert!(text.stdout.starts_with("NOT VALID"), "{text:?}");
}

#[test]
fn issue_11_verify_help_documents_the_exit_codes() {
    let officer = Officer::new();
    let help = officer.run(&["verify", "--help"]);
    for code in [
        "0 valid",
        "5 not a correct signature",
        "6 the signatures are",
    ] {
        assert!(help.stdout.contains(code), "{code:?} in {}", help.stdout);
    }
}
