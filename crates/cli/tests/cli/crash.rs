//! Crash recovery: the process is stopped the hard way at each step of a send
//! (and at random moments), then `kuvert resume` finishes the job. Nothing is
//! lost and nothing is delivered twice.

use std::time::{Duration, Instant};

use crate::support::{sandbox, send_args, strs, Officer};

const CHECKPOINTS: [&str; 4] = ["stored", "checked", "distributed", "submitted"];

/// Resumes until every message in the log is delivered.
fn resume_until_all_delivered(officer: &Officer) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        officer.run(&["resume"]);
        let log = officer.log();
        if log.iter().all(|m| m["state"] == "delivered") {
            return log;
        }
        assert!(Instant::now() < deadline, "not all delivered: {log:#?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_send_killed_at_any_checkpoint_is_resumed_and_delivered_exactly_once() {
    killed_at_each_checkpoint(Officer::new);
}

/// Issue 14: the same in direct mode (own förmedling). Killed after the
/// operator took it and before Kuvert recorded that ("distributed"), the
/// resumed send delivers the same sealed message again, and the operator
/// takes it once.
#[test]
fn direct_mode_a_send_killed_at_any_checkpoint_is_resumed_and_delivered_exactly_once() {
    killed_at_each_checkpoint(Officer::direct);
}

fn killed_at_each_checkpoint(officer: fn() -> Officer) {
    for point in CHECKPOINTS {
        let officer = officer();
        let output = officer
            .command(&strs(&send_args(
                "198501012390",
                &format!("KS 2026/{point}"),
            )))
            .env("KUVERT_TEST_ABORT_AT", point)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            None,
            "{point}: the process must die by signal"
        );

        let before = officer.log();
        assert_eq!(
            before.len(),
            1,
            "{point}: the message must be stored before any network call"
        );
        let log = resume_until_all_delivered(&officer);
        assert_eq!(log.len(), 1, "{point}");
        let id = log[0]["message_id"].as_str().unwrap();
        assert_eq!(
            sandbox().delivery_count(id),
            1,
            "{point}: delivered exactly once"
        );
        officer.json(0, &["verify-log"]);
    }
}

/// Issue 12: "A `send` that hits a full disk after storing says the message
/// may already be on its way and stays in the Outbox." The disk fills up at
/// each step after the message is stored (every write to a file fails from
/// there, as on a full disk): the send says so and exits 1, the message is
/// in the Outbox, and `resume` finishes it with the same ids — delivered
/// exactly once, the log intact.
#[test]
fn issue_12_a_send_that_finds_the_disk_full_after_storing_says_it_may_be_on_its_way_and_stays_in_the_outbox(
) {
    for point in ["stored", "checked", "distributed"] {
        let officer = Officer::new();
        let mut args = vec!["--json".to_string()];
        args.extend(send_args("198501012390", &format!("KS 2026/full-{point}")));
        let output = officer
            .command(&strs(&args))
            .env("KUVERT_TEST_DISK_FULL_AT", point)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{point}: {stderr}");
        let error: serde_json::Value = serde_json::from_str(stderr.trim())
            .unwrap_or_else(|e| panic!("{point}: not JSON ({e}): {stderr}"));
        let message = error["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("may already be on its way")
                && message.contains("stays in the Outbox")
                && message.contains("do not send it again"),
            "{point}: {message}"
        );
        assert_eq!(error["error"]["state"], "outbox", "{point}: {error}");
        let id = error["error"]["message_id"].as_str().unwrap();

        let log = officer.log();
        assert_eq!(log.len(), 1, "{point}: stored once");
        assert_eq!(log[0]["message_id"], id, "{point}");
        assert_eq!(log[0]["state"], "signed", "{point}: in the Outbox");
        assert!(
            sandbox().delivery_count(id) <= 1,
            "{point}: at most the one delivery so far"
        );

        let log = resume_until_all_delivered(&officer);
        assert_eq!(log.len(), 1, "{point}");
        assert_eq!(
            sandbox().delivery_count(id),
            1,
            "{point}: delivered exactly once"
        );
        officer.json(0, &["verify-log"]);
    }
}

#[test]
fn sends_killed_at_random_moments_lose_nothing_and_duplicate_nothing() {
    killed_at_random_moments(&Officer::new());
}

/// Issue 14: "kill-injection in direct mode (0 lost, 0 duplicated at the
/// operator)".
#[test]
fn direct_mode_sends_killed_at_random_moments_lose_nothing_and_duplicate_nothing() {
    killed_at_random_moments(&Officer::direct());
}

fn killed_at_random_moments(officer: &Officer) {
    let mut confirmed = Vec::new();
    // Deterministic "random" delays spread over a send's lifetime.
    for (round, delay_ms) in [5u64, 40, 90, 150, 220, 300, 420, 650]
        .into_iter()
        .enumerate()
    {
        let mut child = officer
            .command(&strs(&send_args(
                "198501012382",
                &format!("KS 2026/{round:04}"),
            )))
            .arg("--json")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL; harmless if it already finished
        let output = child.wait_with_output().unwrap();
        if output.status.success() {
            let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            confirmed.push(answer["message_id"].as_str().unwrap().to_string());
        }
    }
    let log = resume_until_all_delivered(officer);
    let stored: Vec<&str> = log
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    for id in &confirmed {
        assert!(stored.contains(&id.as_str()), "confirmed {id} was lost");
    }
    for id in &stored {
        assert_eq!(
            sandbox().delivery_count(id),
            1,
            "{id} delivered more than once"
        );
    }
    officer.json(0, &["verify-log"]);
}
