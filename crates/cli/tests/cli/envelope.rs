//! Issue 17 on the command line: a message too large for the envelope is
//! refused with exit 2 and the ways out; `--compress-pdf` compresses its PDF
//! (logged with both checksums), `--on-paper` records it as sent on paper.

use kuvert_core::compress::sha256_hex;

use crate::scan::scanned_pdf;
use crate::support::{send_args, strs, Officer};

/// The attachments of the one message in the sent log, from the JSON Lines
/// export (name, size, sha256).
fn stored_attachments(officer: &Officer) -> Vec<serde_json::Value> {
    stored_message(officer)["attachments"]
        .as_array()
        .unwrap()
        .clone()
}

/// The one message of the officer's sent log, as `export --format jsonl`
/// writes it.
fn stored_message(officer: &Officer) -> serde_json::Value {
    let out = officer.data.path().join("logg.jsonl");
    officer.json(
        0,
        &[
            "export",
            "--format",
            "jsonl",
            "--out",
            &out.display().to_string(),
        ],
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let messages: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["record"] == "message")
        .collect();
    assert_eq!(messages.len(), 1, "{text}");
    messages[0].clone()
}

/// `text` without the ANSI colour sequences the log writes.
fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn scan(officer: &Officer) -> (String, Vec<u8>) {
    let bytes = scanned_pdf(1, 300, 92);
    assert!(bytes.len() > 1_600_000, "{}", bytes.len());
    let path = officer.data.path().join("skannat-beslut.pdf");
    std::fs::write(&path, &bytes).unwrap();
    (path.display().to_string(), bytes)
}

#[test]
fn a_message_too_large_to_send_is_refused_with_exit_2_and_the_ways_out() {
    let officer = Officer::new();
    let (path, _) = scan(&officer);
    let mut args = send_args("198501012382", "BN 2026/1700");
    args.extend(["--attach".to_string(), path]);
    let run = officer.run(&strs(&args));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("the message cannot be sent"), "{run:?}");
    assert!(run.stderr.contains("--compress-pdf"), "{run:?}");
    assert!(run.stderr.contains("--on-paper"), "{run:?}");
    assert!(officer.log().is_empty(), "nothing stored");
}

#[test]
fn compress_pdf_sends_the_compressed_file_and_logs_both_checksums() {
    let officer = Officer::new();
    let (path, original) = scan(&officer);
    let mut args = send_args("198501012382", "BN 2026/1701");
    args.extend([
        "--attach".to_string(),
        path.clone(),
        "--compress-pdf".to_string(),
    ]);
    let mut command = officer.command(&strs(&args));
    command.env("KUVERT_LOG", "info");
    let out = command.output().unwrap();
    let stderr = without_colours(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let original_sha = sha256_hex(&original);
    assert!(
        stderr.contains(&format!(
            "compressed skannat-beslut.pdf from {} to ",
            original.len()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("attachment compressed to fit the envelope"),
        "the log: {stderr}"
    );
    assert!(
        stderr.contains(&format!("original_sha256={original_sha}")),
        "{stderr}"
    );
    assert!(stderr.contains("compressed_sha256="), "{stderr}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        original,
        "the file itself is untouched"
    );
    let stored = stored_attachments(&officer);
    let size = stored[0]["size"].as_u64().unwrap();
    assert!(size < 1_572_864, "{stored:?}");
    assert!(stderr.contains(&format!(" to {size} bytes")), "{stderr}");
    let sha = stored[0]["sha256"].as_str().unwrap();
    assert!(
        stderr.contains(&format!("compressed_sha256={sha}")),
        "what is stored is what was logged: {stderr}"
    );

    // The sealed sent log records the compression with both checksums, in
    // the message's first history event, and the chain over it holds.
    let id = stored_message(&officer)["message_id"]
        .as_str()
        .unwrap()
        .to_string();
    let status = officer.json(0, &["status", &id]);
    let queued = &status["history"][0];
    assert_eq!(queued["state"], "queued", "{status}");
    assert_eq!(
        queued["detail"].as_str().unwrap(),
        format!(
            "queued; skannat-beslut.pdf compressed from {} bytes (sha256 {original_sha}) to {size} bytes (sha256 {sha})",
            original.len()
        ),
        "{status}"
    );
    officer.json(0, &["verify-log"]);
}

#[test]
fn on_paper_records_a_message_too_large_to_send_as_sent_on_paper() {
    let officer = Officer::new();
    let (path, original) = scan(&officer);
    let mut args = send_args("198501012382", "BN 2026/1702");
    let letter = officer.data.path().join("brev.pdf");
    args.extend([
        "--attach".to_string(),
        path,
        "--on-paper".to_string(),
        "--paper-out".to_string(),
        letter.display().to_string(),
    ]);
    let mut all = vec!["--json"];
    all.extend(strs(&args));
    let run = officer.run(&all);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["state"], "paper");
    assert!(std::fs::read(&letter).unwrap().starts_with(b"%PDF"));
    assert_eq!(officer.log()[0]["state"], "paper");
    let stored = stored_attachments(&officer);
    assert_eq!(
        stored[0]["size"].as_u64(),
        Some(original.len() as u64),
        "with everything attached"
    );
}
