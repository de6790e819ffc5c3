//! SKL's requirement list, box 2, through the real binary against the test
//! environment: the log says to which mailbox each message went, who sent
//! it and for which sender name, in `status`, `log`, every export format and
//! the filing package.

use std::process::Command;
use std::time::Duration;

use kuvert_sandbox::Operator;
use serde_json::Value;

use crate::support::{sandbox, send_args, strs, Officer};

/// The account this test runs as, and the name the system gives it (the
/// first field of its GECOS entry, or the account where there is none).
fn this_account() -> (String, String) {
    let account = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();
    let entry = String::from_utf8(
        Command::new("getent")
            .args(["passwd", &account])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let gecos = entry.trim().split(':').nth(4).unwrap_or_default();
    let name = gecos.split(',').next().unwrap_or_default().trim();
    let name = if name.is_empty() {
        account.clone()
    } else {
        name.to_string()
    };
    (account, name)
}

/// Every seeded recipient that can receive digital mail, and its operator.
const REACHABLE: [(&str, Operator); 4] = [
    ("19850101-2382", Operator::Kivra),
    ("19850101-2390", Operator::MinMyndighetspost),
    ("20220161-2385", Operator::Kivra),
    ("556840-2266", Operator::MinMyndighetspost),
];

#[test]
fn skl_box_2_the_log_says_to_which_mailbox_each_message_went_and_who_sent_it() {
    let officer = Officer::new();
    let (account, name) = this_account();
    let mut sent = Vec::new();
    for (n, (to, operator)) in REACHABLE.iter().enumerate() {
        let case = format!("KS 2026/07{n:02}");
        let answer = officer.json(0, &strs(&send_args(to, &case)));
        assert_eq!(answer["operator"], operator.name(), "{to}");
        let id = answer["message_id"].as_str().unwrap().to_string();
        officer.wait_for_state(&id, "delivered", Duration::from_secs(30));
        sent.push((id, *operator));
    }

    let expect_mailbox = |value: &Value, operator: Operator, what: &str| {
        assert_eq!(value["operator"], operator.name(), "{what}: {value}");
        assert_eq!(
            value["service_address"],
            sandbox().operator_url(operator),
            "{what}: {value}"
        );
    };
    let expect_officer = |value: &Value, what: &str| {
        assert_eq!(value["account"], account.as_str(), "{what}: {value}");
        assert_eq!(value["name"], name.as_str(), "{what}: {value}");
    };

    // status --json
    for (id, operator) in &sent {
        let status = officer.json(0, &["status", id]);
        expect_mailbox(&status["mailbox"], *operator, "status");
        expect_officer(&status["officer"], "status");
        assert_eq!(status["sender_name"], "Kommun B");
    }

    // log --json, and filtering by officer and sender name
    let log = officer.log();
    assert_eq!(log.len(), sent.len());
    for (id, operator) in &sent {
        let row = log.iter().find(|r| r["message_id"] == id.as_str()).unwrap();
        expect_mailbox(&row["mailbox"], *operator, "log");
        expect_officer(&row["officer"], "log");
        assert_eq!(row["sender_name"], "Kommun B");
    }
    let mine = officer.json(0, &["log", "--officer", &account, "--sender", "Kommun B"]);
    assert_eq!(mine.as_array().unwrap().len(), sent.len());
    let nobody = officer.json(0, &["log", "--officer", "ingen.alls"]);
    assert!(nobody.as_array().unwrap().is_empty());

    // CSV
    let csv_path = officer.data.path().join("logg.csv");
    officer.json(
        0,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            csv_path.to_str().unwrap(),
        ],
    );
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    for (id, operator) in &sent {
        let row = rows.iter().find(|r| r[column("message_id")] == id).unwrap();
        assert_eq!(row[column("mailbox_operator")], operator.name());
        assert_eq!(
            row[column("mailbox_address")],
            sandbox().operator_url(*operator)
        );
        assert_eq!(row[column("officer_account")], account);
        assert_eq!(row[column("officer_name")], name);
        assert_eq!(row[column("sender_name")], "Kommun B");
    }

    // JSONL
    let jsonl_path = officer.data.path().join("logg.jsonl");
    officer.json(
        0,
        &[
            "export",
            "--format",
            "jsonl",
            "--out",
            jsonl_path.to_str().unwrap(),
        ],
    );
    let lines: Vec<Value> = std::fs::read_to_string(&jsonl_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (id, operator) in &sent {
        let line = lines
            .iter()
            .find(|l| l["message_id"] == id.as_str())
            .unwrap();
        expect_mailbox(&line["mailbox"], *operator, "jsonl");
        expect_officer(&line["officer"], "jsonl");
        assert_eq!(line["sender_name"], "Kommun B");
    }

    // The PDF report, read back with pdftotext.
    let pdf_path = officer.data.path().join("logg.pdf");
    officer.json(
        0,
        &[
            "export",
            "--format",
            "pdf",
            "--out",
            pdf_path.to_str().unwrap(),
        ],
    );
    let text = Command::new("pdftotext")
        .args(["-layout", pdf_path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils; scripts/deps installs it)");
    let text = String::from_utf8(text.stdout).unwrap();
    for heading in ["Brevlåda", "Handläggare"] {
        assert!(text.contains(heading), "{text}");
    }
    for operator in [Operator::Kivra, Operator::MinMyndighetspost] {
        // The cell may wrap; its first word is on one line.
        let first = operator.name().split(' ').next().unwrap();
        assert!(text.contains(first), "{first}: {text}");
    }
    assert!(text.contains(name.split(' ').next().unwrap()), "{text}");
    // Issue 12: "the PDF report's statuses" in Swedish, never the stored
    // English names.
    for english in ["submitted", "pending", "delivered", "queued", "signed"] {
        assert!(!text.contains(english), "{english}: {text}");
    }
    assert!(
        text.contains("Skickad") || text.contains("Levererad"),
        "{text}"
    );

    // The filing package's metadata.
    for (id, operator) in &sent {
        let zip_path = officer.data.path().join(format!("{id}.zip"));
        officer.json(0, &["archive", id, "--out", zip_path.to_str().unwrap()]);
        let metadata = crate::support::Package::open(&zip_path).record(id);
        expect_mailbox(&metadata["mailbox"], *operator, "filing package");
        expect_officer(&metadata["officer"], "filing package");
        assert_eq!(metadata["sender"]["name"], "Kommun B");
    }

    officer.json(0, &["verify-log"]);
}

fn primary_group() -> String {
    String::from_utf8(Command::new("id").arg("-gn").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string()
}

/// SKL's requirement list, box 2: gallring follows the organisation's rules.
#[test]
fn skl_box_2_a_purge_below_the_rule_or_by_a_non_purger_is_refused_and_purges_are_listed() {
    let officer = Officer::new();
    let (account, _) = this_account();
    let answer = officer.json(0, &strs(&send_args("19850101-2382", "KS 2026/0800")));
    let id = answer["message_id"].as_str().unwrap().to_string();
    officer.wait_for_state(&id, "delivered", Duration::from_secs(30));

    // Below the rule (3650 days in the test environment's profile): exit 2,
    // said why, nothing deleted, nothing recorded — dry run or not.
    for args in [
        vec!["purge", "--older-than", "0"],
        vec!["purge", "--older-than", "3649", "--dry-run"],
    ] {
        let run = officer.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("3650 days"), "{run:?}");
    }
    assert_eq!(officer.log().len(), 1);
    assert_eq!(officer.json(0, &["purges"]), serde_json::json!([]));

    // At the rule: allowed, recorded with who and which rule.
    let done = officer.json(0, &["purge", "--older-than", "3650"]);
    assert_eq!(done["count"], 0);
    assert_eq!(officer.log().len(), 1, "a delivered message of today stays");
    let purges = officer.json(0, &["purges"]);
    let purges = purges.as_array().unwrap();
    assert_eq!(purges.len(), 1);
    assert_eq!(purges[0]["purger"], account.as_str());
    assert_eq!(purges[0]["count"], 0);
    assert!(
        purges[0]["rule"].as_str().unwrap().contains("3650 dagar"),
        "{purges:?}"
    );
    // As read by a person: one line with the count, who and the rule.
    let printed = officer.run(&["purges"]);
    assert_eq!(printed.code, 0, "{printed:?}");
    assert!(
        printed.stdout.contains("0 messages final before")
            && printed.stdout.contains(&format!("by {account}"))
            && printed.stdout.contains("3650 dagar"),
        "{printed:?}"
    );
    officer.json(0, &["verify-log"]);
    exports_carry_the_purge(&officer, &purges[0], &account);

    // A profile that names someone else: refused, whatever the age.
    let others = Officer::with_profile(|text| {
        text.replace(
            &format!("purgers = [\"{account}\"]"),
            "purgers = [\"ingen.annan\", \"%ingen-sadan-grupp\"]",
        )
    });
    let run = others.run(&["purge", "--older-than", "3650"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("may not purge"), "{run:?}");
    assert_eq!(others.json(0, &["purges"]), serde_json::json!([]));

    // A group of the account's counts.
    let group = primary_group();
    let members = Officer::with_profile(|text| {
        text.replace(
            &format!("purgers = [\"{account}\"]"),
            &format!("purgers = [\"%{group}\"]"),
        )
    });
    members.json(0, &["purge", "--older-than", "3650", "--dry-run"]);
}

/// Swedish local time's offset at the end of an ISO 8601 time, winter or
/// summer (issue 10), and no fractions of seconds.
fn assert_swedish_iso(time: &str) {
    assert_eq!(time.len(), 25, "{time}");
    assert!(
        time.ends_with("+01:00") || time.ends_with("+02:00"),
        "{time}"
    );
}

/// Issue 10: every export format carries the purge record — when, who, the
/// rule, how many and the ids' digest; CSV in a second file beside the first.
fn exports_carry_the_purge(officer: &Officer, purge: &Value, account: &str) {
    let digest = purge["ids_sha256"].as_str().unwrap();
    // Nothing purged: the digest of no ids.
    assert_eq!(
        digest,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_swedish_iso(purge["at"].as_str().unwrap());
    let out = |name: &str| officer.data.path().join(name);

    // CSV: the messages in logg.csv, the purges in logg-gallringar.csv.
    let csv_path = out("logg.csv");
    let answer = officer.json(
        0,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            csv_path.to_str().unwrap(),
        ],
    );
    let purges_path = out("logg-gallringar.csv");
    assert_eq!(answer["purges_out"], purges_path.to_str().unwrap());
    assert_eq!(answer["purges"], 1);
    // And the log's signed anchor in logg-forankring.csv: its newest entry,
    // the one `verify-log` names as anchored.
    let anchor_path = out("logg-forankring.csv");
    assert_eq!(answer["anchor_out"], anchor_path.to_str().unwrap());
    let anchor = std::fs::read_to_string(&anchor_path).unwrap();
    let anchor: Vec<Vec<&str>> = anchor
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(';').collect())
        .collect();
    assert_eq!(anchor[0], ["seq", "hash", "at", "signature"]);
    let checked = officer.json(0, &["verify-log"]);
    assert_eq!(anchor[1][0], checked["anchor_seq"].to_string());
    assert_eq!(anchor[1][1].len(), 64);
    assert_swedish_iso(anchor[1][2]);
    assert_eq!(anchor[1][3].len(), 64);
    let messages = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = messages.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let created = header.iter().position(|h| *h == "created").unwrap();
    assert_swedish_iso(lines.next().unwrap().split(';').nth(created).unwrap());
    let purges = std::fs::read_to_string(&purges_path).unwrap();
    assert!(purges.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    let rows: Vec<Vec<&str>> = purges[3..]
        .lines()
        .map(|l| l.split(';').collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "seq",
            "at",
            "cutoff",
            "count",
            "ids_sha256",
            "purger",
            "rule"
        ]
    );
    assert_eq!(rows.len(), 2, "{purges}");
    assert_eq!(rows[1][0], purge["seq"].to_string());
    assert_eq!(rows[1][1], purge["at"].as_str().unwrap());
    assert_eq!(rows[1][3], "0");
    assert_eq!(rows[1][4], digest);
    assert_eq!(rows[1][5], account);
    assert!(rows[1][6].contains("3650 dagar"), "{purges}");

    // JSON Lines: a record of its own after the messages.
    let jsonl_path = out("logg.jsonl");
    officer.json(
        0,
        &[
            "export",
            "--format",
            "jsonl",
            "--out",
            jsonl_path.to_str().unwrap(),
        ],
    );
    let lines: Vec<Value> = std::fs::read_to_string(&jsonl_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["record"], "message");
    assert_swedish_iso(lines[0]["created_at"].as_str().unwrap());
    let anchor = lines.last().unwrap();
    assert_eq!(
        anchor["record"], "anchor",
        "the log's signed head comes last"
    );
    assert_swedish_iso(anchor["at"].as_str().unwrap());
    let last = &lines[lines.len() - 2];
    assert_eq!(last["record"], "purge");
    for field in [
        "seq",
        "at",
        "cutoff",
        "count",
        "ids_sha256",
        "purger",
        "rule",
    ] {
        assert_eq!(last[field], purge[field], "{field}");
    }
    assert!(!out("logg-gallringar.jsonl").exists(), "one file");

    // PDF: a "Gallringar" section, Swedish time to the minute.
    let pdf_path = out("logg.pdf");
    officer.json(
        0,
        &[
            "export",
            "--format",
            "pdf",
            "--out",
            pdf_path.to_str().unwrap(),
        ],
    );
    let text = Command::new("pdftotext")
        .args(["-layout", pdf_path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils; scripts/deps installs it)");
    let text = String::from_utf8(text.stdout).unwrap();
    let section = &text[text.find("Gallringar").expect("the purges section")..];
    assert!(section.contains(account), "{text}");
    assert!(section.contains("3650 dagar"), "{text}");
    assert!(section.contains(&digest[..12]), "{text}");
    // "2026-12-02 00:15": the purge's minute, as the report shows it.
    let minute = &purge["at"].as_str().unwrap()[..16].replace('T', " ");
    assert!(section.contains(minute.as_str()), "{minute}: {text}");
    let created = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Skapad: "))
        .expect("when it was made");
    assert_eq!(created.trim().len(), 16, "to the minute: {created}");
}
