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
    pub fn from(output: Output) -> Run {
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
        Officer::of(sandbox(), edit)
    }

    /// With the profile of `sandbox` (a test environment of the test's
    /// own, e.g. with fault injection) edited by `edit`.
    pub fn of(sandbox: &Sandbox, edit: impl FnOnce(String) -> String) -> Officer {
        Officer::from_file(sandbox, &sandbox.profile_path(), edit)
    }

    /// With the test environment's direct-mode profile (own förmedling,
    /// `profile-direct.toml`).
    pub fn direct() -> Officer {
        Officer::from_direct(|text| text)
    }

    /// With the direct-mode profile edited by `edit`.
    pub fn from_direct(edit: impl FnOnce(String) -> String) -> Officer {
        Officer::from_file(sandbox(), &sandbox().direct_profile_path(), edit)
    }

    fn from_file(sandbox: &Sandbox, file: &Path, edit: impl FnOnce(String) -> String) -> Officer {
        let text = std::fs::read_to_string(file).unwrap();
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
            .env_remove("KUVERT_TEST_DISK_FULL_AT")
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

/// A filing package (ZIP) read back: every file by its path inside the
/// package's root folder (`kuvert-<uuid>/`).
pub struct Package {
    /// The root folder's name.
    pub root: String,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Package {
    pub fn open(zip_path: &Path) -> Package {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
        let mut root = String::new();
        let mut files = Vec::new();
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).unwrap();
            let name = file.name().unwrap().to_string();
            let (top, inner) = name.split_once('/').expect("one root folder");
            assert!(root.is_empty() || root == top, "{name} outside {root}/");
            root = top.to_string();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            files.push((inner.to_string(), bytes));
        }
        Package { root, files }
    }

    /// The bytes of the one file whose path ends with `suffix`.
    pub fn file(&self, suffix: &str) -> &[u8] {
        let found: Vec<_> = self
            .files
            .iter()
            .filter(|(n, _)| n.ends_with(suffix))
            .collect();
        assert_eq!(found.len(), 1, "{suffix} in {:?}", self.names());
        &found[0].1
    }

    pub fn names(&self) -> Vec<&str> {
        self.files.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The files of one message's data folder, by their names in it, sorted.
    pub fn data_of(&self, message_id: &str) -> Vec<String> {
        let prefix = format!("representations/rep1/data/{message_id}/");
        let mut names: Vec<String> = self
            .files
            .iter()
            .filter_map(|(n, _)| n.strip_prefix(&prefix).map(str::to_string))
            .collect();
        names.sort();
        names
    }

    /// Kuvert's JSON record of one message.
    pub fn record(&self, message_id: &str) -> Value {
        serde_json::from_slice(self.file(&format!("metadata/descriptive/{message_id}.kuvert.json")))
            .unwrap()
    }
}

/// Runs the E-ARK validator (`../shared/e-ark/eark-validate`, offline) on a
/// package and returns its findings of severity Error. The structure must
/// be well formed and METS schema-valid. The validator's one defect is
/// allowed (README, "Arkivpaket"): SIP14 asks the software agent's note for
/// an unqualified `@NOTETYPE="IDENTIFICATIONCODE"`, which the METS schema
/// forbids and which contradicts CSIP16 (`@csip:NOTETYPE="SOFTWARE VERSION"`
/// on that same note).
pub fn eark_errors(package: &Path) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/e-ark/eark-validate");
    assert!(script.is_file(), "{} is missing", script.display());
    // The script installs the validator on first use; tests running at
    // once must not each start that install (the second saw a half-made venv).
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new(&script).arg(package).output().unwrap();
    drop(guard);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: Value = stdout
        .lines()
        .rev()
        .filter(|l| l.trim_start().starts_with('{'))
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| {
            panic!(
                "no report from eark-validate:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert_eq!(report["structure"]["status"], "WellFormed", "{stdout}");
    assert_eq!(
        report["metadata"]["schema_results"]["status"], "VALID",
        "{stdout}"
    );
    let mut errors = Vec::new();
    for list in [
        &report["structure"]["messages"],
        &report["metadata"]["schematron_results"]["messages"],
    ] {
        for m in list.as_array().into_iter().flatten() {
            if m["severity"] == "Error" {
                errors.push(format!(
                    "{}: {}",
                    m["rule_id"].as_str().unwrap_or("?"),
                    m["message"]
                ));
            }
        }
    }
    errors
}

/// Asserts that the E-ARK validator finds no Error but the known SIP14
/// defect (see [`eark_errors`]), and exactly that one, so that a fixed
/// validator or a new finding both show.
pub fn assert_eark_valid(package: &Path) {
    let errors = eark_errors(package);
    let unexpected: Vec<_> = errors.iter().filter(|e| !e.starts_with("SIP14:")).collect();
    assert!(unexpected.is_empty(), "E-ARK errors: {unexpected:#?}");
}

/// Every `file` and `mdRef` of the package's METS documents (the root's and
/// the representation's) names a file of the package whose size and SHA-256
/// match; every file but the root METS is named. Returns how many checked.
pub fn assert_checksums(package: &Package) -> usize {
    let mut checked = std::collections::BTreeSet::new();
    for (mets, base) in [
        ("METS.xml", ""),
        ("representations/rep1/METS.xml", "representations/rep1/"),
    ] {
        let xml = std::str::from_utf8(package.file_exact(mets))
            .unwrap()
            .to_string();
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut current: Option<(String, String)> = None; // (size, checksum) of the open <file>
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Eof => break,
                quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                    let attr = |name: &str| {
                        e.attributes()
                            .filter_map(Result::ok)
                            .find(|a| a.key.into_inner() == name)
                            .map(|a| {
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .unwrap()
                                    .into_owned()
                            })
                    };
                    let (size, sum, href) = match e.local_name().into_inner() {
                        "file" => {
                            assert_eq!(attr("CHECKSUMTYPE").as_deref(), Some("SHA-256"));
                            current = Some((attr("SIZE").unwrap(), attr("CHECKSUM").unwrap()));
                            continue;
                        }
                        "FLocat" => {
                            let (size, sum) = current.take().expect("FLocat in a file");
                            (size, sum, attr("xlink:href").unwrap())
                        }
                        "mdRef" => (
                            attr("SIZE").unwrap(),
                            attr("CHECKSUM").unwrap(),
                            attr("xlink:href").unwrap(),
                        ),
                        _ => continue,
                    };
                    let path = format!("{base}{}", percent_decode(&href));
                    let bytes = package.file_exact(&path);
                    assert_eq!(size, bytes.len().to_string(), "{path}: SIZE");
                    assert_eq!(sum, hex_sha256(bytes), "{path}: CHECKSUM");
                    checked.insert(path);
                }
                _ => {}
            }
        }
    }
    for name in package.names() {
        assert!(
            name == "METS.xml" || checked.contains(name),
            "{name} is not in METS"
        );
    }
    checked.len()
}

impl Package {
    /// The bytes at exactly `path`.
    pub fn file_exact(&self, path: &str) -> &[u8] {
        &self
            .files
            .iter()
            .find(|(n, _)| n == path)
            .unwrap_or_else(|| panic!("{path} missing in {:?}", self.names()))
            .1
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn hex_sha256(bytes: &[u8]) -> String {
    let digest = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
        .unwrap();
    String::from_utf8(digest.stdout).unwrap()[..64].to_string()
}

/// A PDF/A-2b file as independent tools see it: `pdffonts` lists only
/// embedded fonts, the XMP (`pdfinfo -meta`) says part 2, conformance B,
/// and `qpdf --check` finds nothing.
pub fn assert_pdf_a(file: &Path) {
    let run = |program: &str, args: &[&str]| {
        let out = Command::new(program)
            .args(args)
            .arg(file)
            .output()
            .unwrap_or_else(|e| panic!("{program} ({e}); scripts/deps installs it"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{program}: {text}");
        text
    };
    let fonts = run("pdffonts", &[]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(columns[columns.len() - 5], "yes", "not embedded: {row}");
    }
    let xmp = run("pdfinfo", &["-meta"]).replace(['\n', ' '], "");
    assert!(
        xmp.contains("<pdfaid:part>2</pdfaid:part>") || xmp.contains("pdfaid:part=\"2\""),
        "{xmp}"
    );
    let check = run("qpdf", &["--check"]);
    assert!(
        check.contains("No syntax or stream encoding errors found") && !check.contains("WARNING"),
        "{check}"
    );
}
