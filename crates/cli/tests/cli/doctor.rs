//! `kuvert doctor` against the test environment: all well; a certificate
//! about to expire (a warning and exit 7 within --warn-days, nothing below
//! it); an expired one (a problem, exit 2). The certificates are issued by
//! the test environment's own CA, as a renewal would be.

use kuvert_testpki::{issue_organisation_certificate_valid_between, CertifiedKey};
use serde_json::Value;

use crate::support::{sandbox, Officer};

const DAY: i64 = 86_400;

/// An officer whose profile uses a certificate of the test environment's
/// CA valid from `from_days` to `to_days` (relative to now).
fn officer_with_certificate(from_days: i64, to_days: i64) -> Officer {
    let dir = sandbox().state_dir().to_path_buf();
    let ca = CertifiedKey {
        cert_pem: std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
        key_pem: std::fs::read_to_string(dir.join("sandbox-pki").join("ca-key.pem")).unwrap(),
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let cert = issue_organisation_certificate_valid_between(
        &ca,
        "162021003898",
        "Kommun B",
        now + from_days * DAY,
        now + to_days * DAY,
    )
    .unwrap();
    let stem = format!("doctor-{from_days}-{to_days}");
    std::fs::write(dir.join(format!("{stem}.pem")), &cert.cert_pem).unwrap();
    std::fs::write(dir.join(format!("{stem}.key")), &cert.key_pem).unwrap();
    Officer::with_profile(|text| {
        text.lines()
            .map(|line| {
                if line.starts_with("cert_pem") {
                    format!("cert_pem = \"{stem}.pem\"")
                } else if line.starts_with("key_pem") {
                    format!("key_pem = \"{stem}.key\"   # test key")
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn finding<'a>(report: &'a Value, check: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no {check} in {report}"))
}

#[test]
fn doctor_finds_everything_well_in_the_test_environment() {
    let officer = Officer::new();
    let report = officer.json(0, &["doctor"]);
    assert_eq!(report["health"], "ok", "{report}");
    for check in [
        "profile",
        "certificate",
        "ca_bundle",
        "endpoint.recipient",
        "endpoint.message",
        "data_dir",
        "certificate.key_usage",
    ] {
        assert_eq!(finding(&report, check)["health"], "ok", "{check}: {report}");
    }
    // The certificate the intermediary's server presented, with its days left.
    let servers: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["check"]
                .as_str()
                .unwrap()
                .starts_with("server_certificate.")
        })
        .collect();
    assert!(!servers.is_empty(), "{report}");
    for server in servers {
        assert_eq!(server["health"], "ok", "{server}");
        assert!(server["days_left"].as_i64().unwrap() > 30, "{server}");
    }
    assert!(
        finding(&report, "certificate")["days_left"]
            .as_i64()
            .unwrap()
            > 30
    );
}

#[test]
fn doctor_warns_about_a_certificate_expiring_within_the_warn_days_and_exits_7() {
    let officer = officer_with_certificate(-300, 10);
    let report = officer.json(7, &["doctor", "--warn-days", "14"]);
    assert_eq!(report["health"], "warning", "{report}");
    let certificate = finding(&report, "certificate");
    assert_eq!(certificate["health"], "warning", "{report}");
    let days = certificate["days_left"].as_i64().unwrap();
    assert!((9..=10).contains(&days), "{certificate}");
    assert!(
        certificate["found"]
            .as_str()
            .unwrap()
            .contains("expires in"),
        "{certificate}"
    );
    assert!(certificate["fix"]
        .as_str()
        .unwrap()
        .contains("new certificate"));
    // It still works today: the intermediary takes it.
    assert_eq!(
        finding(&report, "endpoint.message")["health"],
        "ok",
        "{report}"
    );
    assert_eq!(report["fewest_days_left"].as_i64(), Some(days));

    // Below the threshold asked for, nothing to warn about.
    let report = officer.json(0, &["doctor", "--warn-days", "7"]);
    assert_eq!(finding(&report, "certificate")["health"], "ok", "{report}");
    // For people: the line says what to do.
    let run = officer.run(&["doctor", "--warn-days", "30"]);
    assert_eq!(run.code, 7, "{run:?}");
    assert!(run.stdout.contains("WARNING certificate"), "{run:?}");
    assert!(
        run.stdout.contains("fix: order a new certificate"),
        "{run:?}"
    );
}

#[test]
fn doctor_reports_an_expired_certificate_as_a_problem_and_exits_2() {
    let officer = officer_with_certificate(-400, -2);
    let report = officer.json(2, &["doctor"]);
    assert_eq!(report["health"], "problem", "{report}");
    let certificate = finding(&report, "certificate");
    assert_eq!(certificate["health"], "problem", "{report}");
    assert!(certificate["found"].as_str().unwrap().contains("expired"));
    assert!(certificate["days_left"].as_i64().unwrap() < 0);
    assert!(certificate["fix"]
        .as_str()
        .unwrap()
        .contains("kuvert import-certificate"));
}

/// Every entry of the ZIP at `path`, by name, as text.
fn zip_entries(path: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            (entry.name().unwrap().to_string(), text)
        })
        .collect()
}

#[test]
fn doctor_bundle_holds_the_findings_profile_and_log_for_it_with_identity_numbers_masked_and_no_secrets(
) {
    // A profile with a password pasted into it by mistake (as a comment: a
    // key Kuvert does not know is refused), and a log line
    // with an unmasked (test) identity number, as a fault text from
    // elsewhere could carry.
    let officer =
        Officer::with_profile(|text| format!("# password = \"Hemligt-lösen-99\"\n{text}"));
    std::fs::write(
        officer.data.path().join("kuvert.log"),
        "2026-12-03 WARN the intermediary said: no mailbox for 19850101-2382\n",
    )
    .unwrap();
    let bundle = officer.data.path().join("felsokning.zip");
    let report = officer.json(0, &["doctor", "--bundle", bundle.to_str().unwrap()]);
    assert_eq!(report["bundle"], bundle.to_str().unwrap());

    let entries = zip_entries(&bundle);
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    assert!(names.contains(&"LASMIG.txt"), "{names:?}");
    assert!(names.contains(&"about.json"), "{names:?}");
    assert!(names.contains(&"log/kuvert.log"), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("profile/1-")),
        "{names:?}"
    );
    let doctor: Value = serde_json::from_str(&entries["doctor.json"]).unwrap();
    assert_eq!(doctor["health"], "ok");
    assert_eq!(doctor["findings"], report["findings"]);
    assert!(entries["log/kuvert.log"].contains("no mailbox for 19850101-****"));
    let everything: String = entries.values().cloned().collect();
    assert!(!everything.contains("19850101-2382"));
    assert!(!everything.contains("Hemligt-lösen-99"));
    // Certificates and keys are named by path in the profile, never included.
    assert!(
        !everything.contains("BEGIN"),
        "a certificate or key went in"
    );
    assert!(!names.iter().any(|n| n.ends_with(".sqlite")), "{names:?}");
}

#[test]
fn doctor_refuses_a_certificate_not_made_for_signing_and_tls_client_authentication() {
    // A TLS server's certificate from the same CA: valid, but its extended
    // key usage is serverAuth only.
    let dir = sandbox().state_dir().to_path_buf();
    let ca = CertifiedKey {
        cert_pem: std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
        key_pem: std::fs::read_to_string(dir.join("sandbox-pki").join("ca-key.pem")).unwrap(),
    };
    let server = kuvert_testpki::issue_server_certificate(&ca, &["kuvert.example"], &[]).unwrap();
    std::fs::write(dir.join("doctor-server.pem"), &server.cert_pem).unwrap();
    std::fs::write(dir.join("doctor-server.key"), &server.key_pem).unwrap();
    let officer = Officer::with_profile(|text| {
        text.lines()
            .map(|line| {
                if line.starts_with("cert_pem") {
                    "cert_pem = \"doctor-server.pem\"".to_string()
                } else if line.starts_with("key_pem") {
                    "key_pem = \"doctor-server.key\"   # test key".to_string()
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let report = officer.json(2, &["doctor"]);
    let usage = finding(&report, "certificate.key_usage");
    assert_eq!(usage["health"], "problem", "{report}");
    assert!(
        usage["found"]
            .as_str()
            .unwrap()
            .contains("lacks clientAuth"),
        "{usage}"
    );
    assert!(
        usage["fix"]
            .as_str()
            .unwrap()
            .contains("TLS client authentication"),
        "{usage}"
    );
}

/// Issue 14: in direct mode doctor checks FaR (not the intermediary's two
/// endpoints) and the mailbox operators' CA certificates.
#[test]
fn doctor_in_direct_mode_checks_far_and_the_operators_ca() {
    let officer = Officer::direct();
    let report = officer.json(0, &["doctor"]);
    assert_eq!(finding(&report, "endpoint.far")["health"], "ok", "{report}");
    // The seal certificate of its own ([seal]): read, valid, usable.
    let seal = finding(&report, "seal");
    assert_eq!(seal["health"], "ok", "{report}");
    assert!(
        seal["found"].as_str().unwrap().contains("förmedling"),
        "{seal}"
    );
    assert_eq!(
        finding(&report, "seal.key_usage")["health"],
        "ok",
        "{report}"
    );
    assert_eq!(
        finding(&report, "operator_ca_bundle")["health"],
        "ok",
        "{report}"
    );
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "endpoint.message"),
        "{report}"
    );

    // A seal whose key file is gone is a problem naming [seal].
    let broken = Officer::from_direct(|text| {
        text.replace(
            "key_pem = \"formedlare-key.pem\"",
            "key_pem = \"no-such-key.pem\"",
        )
    });
    let run = broken.run(&["--json", "doctor"]);
    let report = run.json();
    let seal = finding(&report, "seal");
    assert_eq!(seal["health"], "problem", "{report}");
    assert!(seal["fix"].as_str().unwrap().contains("[seal]"), "{seal}");
}
