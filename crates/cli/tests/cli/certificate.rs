//! `kuvert import-certificate`: IT's scripted roll-out of the organisation's
//! PKCS#12 certificate into an officer's per-user profile, its password into
//! the real Secret Service (scripts/test runs this inside
//! scripts/with-secret-service), and a send that can only have found the
//! password there.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kuvert_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

use crate::support::{send_args, strs};

const PASSWORD: &str = "Kuvert-CLI-2026";

/// A home with `kuvert sandbox`'s profile as the per-user profile.
struct Home {
    dir: tempfile::TempDir,
    _sandbox: Sandbox,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxConfig::new(dir.path().join("config/kuvert"))).unwrap();
        Home {
            dir,
            _sandbox: sandbox,
        }
    }

    fn user_dir(&self) -> PathBuf {
        self.dir.path().join("config/kuvert")
    }

    /// The sandbox's sender certificate as IT hands it out: a `.p12`.
    fn p12(&self) -> PathBuf {
        let out = self.dir.path().join("kommunb.p12");
        let user = self.user_dir();
        let status = Command::new("openssl")
            .args(["pkcs12", "-export", "-in"])
            .arg(user.join("sender-cert.pem"))
            .arg("-inkey")
            .arg(user.join("sender-key.pem"))
            .args(["-name", "Kommun B", "-passout"])
            .arg(format!("pass:{PASSWORD}"))
            .arg("-out")
            .arg(&out)
            .status()
            .expect("openssl could not be started; scripts/deps installs it");
        assert!(status.success());
        out
    }

    /// Runs `kuvert ARGS` with this home's configuration and `stdin`.
    fn run(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kuvert"))
            .args(args)
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env_remove("KUVERT_CERT_PASSWORD")
            .env_remove("KUVERT_TEST_ABORT_AT")
            .env_remove("KUVERT_DATA_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command that refuses its arguments exits without reading its
        // input: the pipe may then be closed before the write.
        match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.unwrap(),
        }
        let output = child.wait_with_output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

fn profile_text(user_dir: &Path) -> String {
    std::fs::read_to_string(user_dir.join("profile.toml")).unwrap()
}

#[test]
fn a_certificate_is_imported_and_a_message_sent_with_the_password_from_the_keyring() {
    let home = Home::new();
    let p12 = home.p12();
    let file = p12.to_str().unwrap();
    let before = profile_text(&home.user_dir());

    // Wrong password: said so, exit code 2, nothing changed.
    let (code, _, stderr) = home.run(&["import-certificate", file], "fel\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("the password does not open"), "{stderr}");
    assert_eq!(profile_text(&home.user_dir()), before);
    assert!(!home.user_dir().join("certificates").exists());

    // --profile makes no sense here.
    let (code, _, stderr) = home.run(
        &[
            "--profile",
            "/etc/kuvert/profile.toml",
            "import-certificate",
            file,
        ],
        PASSWORD,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("leave out --profile"), "{stderr}");

    let (code, stdout, stderr) = home.run(
        &["--json", "import-certificate", file],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(code, 0, "{stderr}");
    let installed: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(installed["organisation_number"], "162021003898");
    let copy = PathBuf::from(installed["file"].as_str().unwrap());
    assert_eq!(copy.parent().unwrap(), home.user_dir().join("certificates"));
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&p12).unwrap());
    let text = profile_text(&home.user_dir());
    assert!(text.contains("pkcs12 = \"certificates/kommunb-"), "{text}");
    assert!(!text.contains("cert_pem"), "{text}");
    assert!(!text.contains(PASSWORD));

    // KUVERT_CERT_PASSWORD is removed: the password can only come from the keyring.
    let data = home.dir.path().join("data");
    let mut args = vec![
        "--json".to_string(),
        "--data-dir".into(),
        data.display().to_string(),
    ];
    args.extend(send_args("198501012382", "KS 2026/0777"));
    let (code, stdout, stderr) = home.run(&strs(&args), "");
    assert_eq!(code, 0, "{stderr}");
    let sent: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(sent["state"], "submitted", "{sent}");
}
