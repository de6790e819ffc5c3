//! One test environment per test binary; one data directory per test; the
//! real `kuvert` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use kuvert_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

/// The test environment shared by every test in this binary.
pub fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("kuvert-cli-sandbox")
            .tempdir()
            .unwrap()
            .keep();
        let mut config = SandboxConfig::new(dir);
        config.slow_delay = Duration::from_secs(4);
        Sandbox::start(config).unwrap()
    })
}

/// The result of one `kuvert` run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            // A process killed by a signal has no exit code.
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Standard output as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

/// One officer's Kuvert: its own data directory, a profile for the shared
/// test environment.
pub struct Officer {
    pub data: tempfile::TempDir,
    pub profile: PathBuf,
}

impl Officer {
    /// With the test environment's own profile.
    pub fn new() -> Officer {
        Officer::with_profile(|text| text)
    }

    /// With the test environment's profile edited by `edit` (written next to
    /// it, so its relative paths still hold).
    pub fn with_profile(edit: impl FnOnce(String) -> String) -> Officer {
        let sandbox = sandbox();
        let text = std::fs::read_to_string(sandbox.profile_path()).unwrap();
        let data = tempfile::tempdir().unwrap();
        let name = data
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let profile = sandbox.state_dir().join(format!("profile-{name}.toml"));
        std::fs::write(&profile, edit(text)).unwrap();
        Officer { data, profile }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kuvert"));
        command
            .arg("--profile")
            .arg(&self.profile)
            .arg("--data-dir")
            .arg(self.data.path())
            .args(args)
            .current_dir(self.data.path())
            .env_remove("KUVERT_TEST_ABORT_AT")
            .env_remove("KUVERT_DATA_DIR");
        command
    }

    /// Runs `kuvert ARGS` where no keyring can be reached.
    pub fn run_without_keyring(&self, args: &[&str]) -> Run {
        let mut command = self.command(args);
        command.env_remove("DBUS_SESSION_BUS_ADDRESS").env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/kuvert-no-bus",
        );
        Run::from(command.output().unwrap())
    }

    /// Runs `kuvert ARGS`.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// Runs `kuvert --json ARGS` and expects exit code `code`.
    pub fn json(&self, code: i32, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        assert_eq!(run.code, code, "kuvert {args:?}: {run:?}");
        run.json()
    }

    /// The database file.
    pub fn database(&self) -> PathBuf {
        self.data.path().join("kuvert.sqlite")
    }

    /// Every message in the sent log (newest first).
    pub fn log(&self) -> Vec<Value> {
        self.json(0, &["log", "--limit", "1000"])
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Runs `resume` (and `status --refresh`) until `message_id` is in
    /// `state`, or panics after `limit`.
    pub fn wait_for_state(&self, message_id: &str, state: &str, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let status = self.json(0, &["status", message_id, "--refresh"]);
            if status["state"] == state {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{message_id} did not become {state}: {status}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Writes a small but real PDF attachment and returns its path.
pub fn pdf(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    )
    .unwrap();
    path
}

/// The standard message to `to`, as arguments after `send`.
pub fn send_args(to: &str, case: &str) -> Vec<String> {
    [
        "send",
        "--to",
        to,
        "--subject",
        "Beslut om bygglov",
        "--body",
        "Hej! Här kommer beslutet i ditt ärende.",
        "--class",
        "2",
        "--case",
        case,
    ]
    .map(str::to_string)
    .to_vec()
}

/// `&[String]` as `&[&str]`.
pub fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
