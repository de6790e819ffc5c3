//! Issue 13: "every existing `kuvert` command works with those profiles" —
//! `send`, `status`, `export`, `archive` and `purges` with the department profiles
//! `kuvert sandbox --department` writes, against a `kuvert-server` over a
//! private PostgreSQL server and the test environment, with real mutual
//! TLS. The filing package the server makes is judged by the E-ARK
//! validator as the desktop's is.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kuvert_sandbox::department::{DepartmentFiles, PrivatePostgres};
use kuvert_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

use crate::support::{assert_checksums, assert_eark_valid, pdf, send_args, strs, Package, Run};

/// A department: PostgreSQL, the test environment, one server.
struct Department {
    _server: kuvert_server::RunningServer,
    sandbox: Option<Sandbox>,
    _postgres: PrivatePostgres,
    files: DepartmentFiles,
    dir: tempfile::TempDir,
}

impl Drop for Department {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            sandbox.shutdown();
        }
    }
}

impl Department {
    fn start() -> Department {
        let postgres = PrivatePostgres::throwaway().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxConfig::new(dir.path().join("sandbox"))).unwrap();
        let files = DepartmentFiles::write(sandbox.state_dir(), &postgres.url(), 0).unwrap();
        let config = kuvert_server::config::ServerConfig::load(&files.server_toml).unwrap();
        let server = kuvert_server::start(&config).unwrap();
        Department {
            _server: server,
            sandbox: Some(sandbox),
            _postgres: postgres,
            files,
            dir,
        }
    }

    /// `kuvert --profile PROFILE ARGS` of staff member `who` (0 officer A,
    /// 1 officer B, 2 the registrar).
    fn run(&self, who: usize, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_kuvert"))
            .arg("--profile")
            .arg(&self.files.profiles[who])
            .arg("--data-dir")
            .arg(self.dir.path().join(format!("data-{who}")))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("KUVERT_DATA_DIR")
            .output()
            .unwrap();
        Run::from(out)
    }

    fn json(&self, who: usize, code: i32, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let run = self.run(who, &all);
        assert_eq!(run.code, code, "kuvert {args:?}: {run:?}");
        run.json()
    }

    /// Sends the standard message of `who` in `case`; waits until delivered.
    fn send(&self, who: usize, case: &str, extra: &[&str]) -> String {
        let mut args = send_args("19850101-2382", case);
        args.extend(extra.iter().map(|a| a.to_string()));
        let sent = self.json(who, 0, &strs(&args));
        let id = sent["message_id"].as_str().unwrap().to_string();
        let started = Instant::now();
        loop {
            let status = self.json(who, 0, &["status", &id]);
            if status["message"]["state"] == "delivered" {
                return id;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{status}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn package_ids(package: &Path) -> Vec<String> {
    let package = Package::open(package);
    let mut ids: Vec<String> = package
        .names()
        .iter()
        .filter_map(|n| n.strip_prefix("metadata/descriptive/"))
        .filter_map(|n| n.strip_suffix(".kuvert.json"))
        .map(str::to_string)
        .collect();
    ids.sort();
    ids
}

/// `kuvert check` with an officer's department profile: the server asks
/// FaR with the organisation's certificate (the officer's staff certificate
/// is not one the intermediary would take).
#[test]
fn an_officer_checks_recipients_through_the_department_server() {
    let department = Department::start();
    let reachable = department.json(0, 0, &["check", "198501012382"]);
    assert_eq!(reachable[0]["digital"], true, "{reachable}");
    assert_eq!(reachable[0]["display"], "19850101-2382");
    assert!(reachable[0]["operator"]
        .as_str()
        .unwrap()
        .starts_with("Kivra"));
    let not_registered = department.json(0, 3, &["check", "192705178354"]);
    assert_eq!(not_registered[0]["digital"], false);
    assert!(!not_registered[0]["sv"].as_str().unwrap().is_empty());
    let invalid = department.json(0, 2, &["check", "19850101-0000"]);
    assert_eq!(invalid[0]["valid"], false);
    // A registrar does not send: refused, in Swedish.
    let refused = department.run(2, &["check", "198501012382"]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("Bara handläggare"), "{refused:?}");
}

#[test]
fn the_registrar_files_a_case_from_the_department_log_as_a_valid_e_ark_package_and_officers_their_own(
) {
    let department = Department::start();
    let attachment = pdf(department.dir.path(), "ritning.pdf");
    let attach = attachment.display().to_string();
    let a1 = department.send(0, "BN 2026/2001", &["--attach", &attach]);
    let a2 = department.send(0, "BN 2026/2001", &[]);
    let b = department.send(1, "BN 2026/2001", &[]);

    // The registrar: the whole case, valid by the E-ARK validator, every
    // file's checksum right, the attachment and the signed delivery in it.
    let case = department.path("arende.zip");
    let filed = department.json(
        2,
        0,
        &[
            "archive",
            "--case",
            "BN 2026/2001",
            "--out",
            case.to_str().unwrap(),
        ],
    );
    assert_eq!(filed["messages"], 3, "{filed}");
    assert_eark_valid(&case);
    let package = Package::open(&case);
    assert!(assert_checksums(&package) > 10);
    let mut all = vec![a1.clone(), a2.clone(), b.clone()];
    all.sort();
    assert_eq!(package_ids(&case), all);
    let files = package.data_of(&a1);
    assert!(
        files.contains(&"bilagor/ritning.pdf".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"signerad-leverans.xml".to_string()),
        "{files:?}"
    );
    assert!(files.contains(&"meddelande.pdf".to_string()), "{files:?}");
    assert_eq!(
        package.file(&format!("{a1}/bilagor/ritning.pdf")),
        std::fs::read(&attachment).unwrap()
    );
    assert!(!department.path("arende.zip.part").exists());

    // Officer A: the same case holds only her own two; B's message does not
    // exist for her.
    let own = department.path("egna.zip");
    department.json(
        0,
        0,
        &[
            "archive",
            "--case",
            "BN 2026/2001",
            "--out",
            own.to_str().unwrap(),
        ],
    );
    let mut mine = vec![a1.clone(), a2.clone()];
    mine.sort();
    assert_eq!(package_ids(&own), mine);
    let refused = department.run(
        0,
        &[
            "archive",
            &b,
            "--out",
            department.path("b.zip").to_str().unwrap(),
        ],
    );
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(!department.path("b.zip").exists());

    // One message, by its id, for the registrar.
    let one = department.path("ett.zip");
    department.json(2, 0, &["archive", &b, "--out", one.to_str().unwrap()]);
    assert_eark_valid(&one);
    assert_eq!(package_ids(&one), vec![b.clone()]);

    // The CSV export from the server, and what is not offered said plainly.
    let csv = department.path("logg.csv");
    let exported = department.json(
        2,
        0,
        &["export", "--format", "csv", "--out", csv.to_str().unwrap()],
    );
    assert_eq!(exported["messages"], 3, "{exported}");
    let by_case = department.json(
        2,
        0,
        &[
            "export",
            "--format",
            "csv",
            "--case",
            "BN 2026/2001",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    assert_eq!(by_case["messages"], 3, "{by_case}");
    let none = department.json(
        2,
        0,
        &[
            "export",
            "--format",
            "csv",
            "--case",
            "BN 2026/200",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    assert_eq!(none["messages"], 0, "{none}");
    let other = department.run(
        2,
        &[
            "export",
            "--format",
            "csv",
            "--from",
            "2026-01-01",
            "--out",
            "x.csv",
        ],
    );
    assert_eq!(other.code, 2, "{other:?}");
    let refused = department.run(2, &["export", "--format", "jsonl", "--out", "x.jsonl"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("--format csv"), "{refused:?}");

    // The purges: none yet, for the registrar; not for an officer.
    let purges = department.json(2, 0, &["purges"]);
    assert_eq!(purges, serde_json::json!([]));
    let refused = department.run(0, &["purges"]);
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(refused.stderr.contains("registratorer"), "{refused:?}");
}
