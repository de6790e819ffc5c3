//! `kuvert paths` and the one data directory: the default place from
//! XDG_DATA_HOME, what `paths` reports, and the desktop app's old folder
//! moved once by the first command that opens the store.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::support::{sandbox, send_args, strs};

/// One user's home: XDG folders of its own, no KUVERT_DATA_DIR.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data_home(&self) -> PathBuf {
        self.dir.path().join("share")
    }

    fn config_home(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn data_dir(&self) -> PathBuf {
        self.data_home().join("kuvert")
    }

    fn old_app_dir(&self) -> PathBuf {
        self.data_home().join("se.kuvert.desktop")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kuvert"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.data_home())
            .env("XDG_CONFIG_HOME", self.config_home())
            .env_remove("KUVERT_DATA_DIR")
            .env_remove("KUVERT_TEST_ABORT_AT");
        command
    }

    /// Runs `kuvert --json ARGS`, expects success; stdout as JSON and stderr.
    fn json(&self, args: &[&str]) -> (Value, String) {
        let output = self
            .command(&[&["--json"], args].concat())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "kuvert {args:?}: {stderr}");
        let value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"));
        (value, stderr)
    }

    fn profile(&self) -> String {
        sandbox().profile_path().display().to_string()
    }

    /// Sends a message with the test environment's profile; its id.
    fn send(&self, extra: &[&str], case: &str) -> String {
        let args = send_args("19850101-2382", case);
        let profile = self.profile();
        let (sent, _) = self.json(&[extra, &["--profile", &profile], &strs(&args)[..]].concat());
        assert_eq!(sent["state"], "submitted", "{sent}");
        sent["message_id"].as_str().unwrap().to_string()
    }

    fn logged_cases(&self) -> (Vec<String>, String) {
        let profile = self.profile();
        let (log, stderr) = self.json(&["--profile", &profile, "log"]);
        let cases = log
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["case_number"].as_str().unwrap_or_default().to_string())
            .collect();
        (cases, stderr)
    }
}

fn text(path: &Path) -> Value {
    json!(path.display().to_string())
}

#[test]
fn paths_names_every_file_from_the_xdg_folders_and_creates_nothing() {
    let home = Home::new();
    let (paths, _) = home.json(&["paths"]);
    let data = home.data_dir();
    assert_eq!(paths["data_dir"], text(&data));
    assert_eq!(paths["data_dir_source"], "default");
    assert_eq!(paths["database"], text(&data.join("kuvert.sqlite")));
    assert_eq!(
        paths["outbox_lock"],
        text(&data.join("kuvert.sqlite.outbox-lock"))
    );
    assert_eq!(paths["test_environment"], text(&data.join("testmiljo")));
    assert_eq!(paths["log_file"], text(&data.join("kuvert.log")));
    let user_profile = home.config_home().join("kuvert/profile.toml");
    assert_eq!(
        paths["profile_files"],
        json!([
            { "layer": "system", "path": "/etc/kuvert/profile.toml", "read": Path::new("/etc/kuvert/profile.toml").is_file() },
            { "layer": "user", "path": user_profile, "read": false },
        ])
    );
    assert_eq!(
        paths["certificate_store"],
        text(&home.config_home().join("kuvert/certificates"))
    );
    assert_eq!(paths["legacy_dir"], Value::Null);
    // Diagnostics change nothing.
    assert!(!home.data_home().exists());

    let output = home.command(&["paths"]).output().unwrap();
    let people = String::from_utf8_lossy(&output.stdout);
    assert!(
        people.contains(&format!("Data directory:    {}\n", data.display())),
        "{people}"
    );
    assert!(people.contains("(user, not found)"), "{people}");
}

#[test]
fn paths_follows_the_options_and_kuvert_data_dir() {
    let home = Home::new();
    let (paths, _) = home.json(&[
        "--profile",
        "/tmp/x/profile.toml",
        "--data-dir",
        "/srv/k",
        "paths",
    ]);
    assert_eq!(paths["data_dir"], "/srv/k");
    assert_eq!(paths["data_dir_source"], "command_line");
    assert_eq!(
        paths["profile_files"],
        json!([{ "layer": "explicit", "path": "/tmp/x/profile.toml", "read": false }])
    );
    let output = home
        .command(&["--json", "paths"])
        .env("KUVERT_DATA_DIR", "/srv/env")
        .output()
        .unwrap();
    let paths: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(paths["data_dir"], "/srv/env");
    assert_eq!(paths["data_dir_source"], "environment");
}

#[test]
fn the_desktop_apps_old_folder_moves_once_and_then_an_older_store_there_is_left_alone() {
    let home = Home::new();
    // A message sent by the app as it was: its store in Tauri's folder.
    let old = home.old_app_dir();
    home.send(&["--data-dir", &old.display().to_string()], "KS 2026/0001");
    let (paths, _) = home.json(&["paths"]);
    assert_eq!(
        paths["legacy_dir"],
        json!({ "path": old, "state": "pending" })
    );

    // The first command that opens the store moves it, and says so.
    let (cases, stderr) = home.logged_cases();
    assert_eq!(cases, ["KS 2026/0001"]);
    assert!(stderr.contains("moved the desktop app's data"), "{stderr}");
    assert!(home.data_dir().join("kuvert.sqlite").is_file());
    assert!(!old.join("kuvert.sqlite").exists());
    assert!(old.join("README-kuvert-moved.txt").is_file());
    let (paths, _) = home.json(&["paths"]);
    assert_eq!(paths["legacy_dir"]["state"], "moved");

    // What is sent now lands in the same store.
    home.send(&[], "KS 2026/0002");
    let (mut cases, stderr) = home.logged_cases();
    cases.sort();
    assert_eq!(cases, ["KS 2026/0001", "KS 2026/0002"]);
    assert!(stderr.is_empty(), "{stderr}");

    // An older app run meanwhile made a store there again: not merged.
    home.send(&["--data-dir", &old.display().to_string()], "KS 2026/0003");
    let (mut cases, stderr) = home.logged_cases();
    cases.sort();
    assert_eq!(cases, ["KS 2026/0001", "KS 2026/0002"]);
    assert!(stderr.contains("is not used"), "{stderr}");
    assert!(old.join("kuvert.sqlite").is_file());
    let (paths, _) = home.json(&["paths"]);
    assert_eq!(paths["legacy_dir"]["state"], "both_hold_data");
}
