//! Shared fixtures: a test PKI on disk, profiles, drafts, external tools.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kuvert_core::compose::{AttachmentFile, Draft};
use kuvert_core::profile::Profile;
use kuvert_protocol::date::CalendarDate;
use kuvert_testpki::{TestPki, TestPkiFiles};

/// The fixed "today" of the tests.
pub fn today() -> CalendarDate {
    CalendarDate::new(2026, 11, 23).unwrap()
}

/// The PKCS#12 password of the fixture's `sender.p12`.
pub const P12_PASSWORD: &str = "hemligt lösenord";

pub struct Fixture {
    /// Keeps the directory alive for the whole test run.
    _dir: tempfile::TempDir,
    pub pki: TestPki,
    pub files: TestPkiFiles,
}

impl Fixture {
    pub fn dir(&self) -> &Path {
        self.files.ca_pem.parent().unwrap()
    }
}

/// A test PKI for "Kommun B" (202100-3898), written once per test run.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let pki = TestPki::generate("162021003898", "Kommun B").unwrap();
        let files = pki.write_to(dir.path(), P12_PASSWORD).unwrap();
        Fixture {
            _dir: dir,
            pki,
            files,
        }
    })
}

/// The profile format as the test environment writes it, with every key.
pub const FULL_PROFILE: &str = r#"
[profile]
name = "Testmiljö"
environment = "test"

[sender]
organisation_number = "202100-3898"
names = ["Kommun B", "Kommun B Bygglov"]
support_text = "Frågor om meddelandet? Kontakta Kommun B:s kundtjänst."
support_email = "kundtjanst@kommunb.example"
support_phone = "010-000 00 00"
support_url = "https://kommunb.example/kontakt"

[service]
recipient_url = "https://127.0.0.1:8443/Recipient/v3"
message_url = "https://127.0.0.1:8443/Message/v3"
ca_bundle = "ca.pem"
connect_timeout_seconds = 5
call_timeout_seconds = 30
proxy = "http://proxy.kommunb.example:8080"

[certificate]
pkcs12 = "sender.p12"

[rules]
require_case_number = true
max_attachment_bytes = 1000
max_total_attachment_bytes = 2000
allowed_attachment_types = ["application/pdf", "image/jpeg", "image/png", "text/plain"]
retention_days = 3650

[[case_type]]
name = "Beslut"
subject = "Beslut i ärende"
protection_class = 2
body = "Hej,\n\nHär kommer beslutet i ditt ärende."
support_text = "Frågor om beslutet? Ring bygglovsenheten."

[[case_type]]
name = "Komplettering"
subject = "Begäran om komplettering"
protection_class = 3
"#;

/// [`FULL_PROFILE`] with its files in the fixture's directory.
pub fn profile() -> Profile {
    Profile::from_toml_str(FULL_PROFILE, fixture().dir()).unwrap()
}

/// [`FULL_PROFILE`] with `from` replaced by `to` (which must occur).
pub fn profile_text_with(from: &str, to: &str) -> String {
    assert!(
        FULL_PROFILE.contains(from),
        "{from:?} is not in the profile"
    );
    FULL_PROFILE.replacen(from, to, 1)
}

/// A small but valid PDF's first bytes.
pub fn pdf_bytes(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(size.max(bytes.len()), b'%');
    bytes
}

/// A draft that passes validation with [`profile`].
pub fn valid_draft() -> Draft {
    Draft {
        recipient: "19850101-2382".into(),
        subject: "Beslut om bygglov".into(),
        body: "Hej,\n\nHär kommer beslutet. Hälsningar, Åsa Öberg".into(),
        attachments: vec![AttachmentFile::new("beslut.pdf", pdf_bytes(400))],
        protection_class: Some(2),
        case_number: "KS 2026/0123".into(),
        ..Draft::default()
    }
}

pub struct Outcome {
    pub ok: bool,
    pub output: String,
}

/// Runs an external tool; a missing tool fails the test with a hint.
pub fn run(command: &mut Command) -> Outcome {
    let out = command.output().unwrap_or_else(|e| {
        panic!("{command:?} could not be started ({e}); scripts/deps installs it")
    });
    Outcome {
        ok: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// The official contracts, beside the repository, when present.
pub fn contracts() -> Option<PathBuf> {
    let dir = std::env::var_os("KUVERT_MM_CONTRACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/mm-contracts")
        });
    dir.join("schema/v3/Message.xsd")
        .is_file()
        .then(|| dir.canonicalize().unwrap())
}

/// A PDF/A file of `profile`, as independent tools see it: `pdffonts` lists
/// only embedded fonts, the XMP metadata (`pdfinfo -meta`) carries the
/// PDF/A identification, and `qpdf --check` finds no error or warning.
pub fn assert_pdf_a(file: &std::path::Path, profile: kuvert_core::pdf::PdfProfile) {
    let fonts = run(Command::new("pdffonts").arg(file));
    assert!(fonts.ok, "pdffonts: {}", fonts.output);
    let rows: Vec<&str> = fonts.output.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts: {}", fonts.output);
    for row in rows {
        // name type encoding emb sub uni object ID
        let columns: Vec<&str> = row.split_whitespace().collect();
        let n = columns.len();
        assert!(n >= 7, "{row}");
        assert_eq!(columns[n - 5], "yes", "not embedded: {row}");
        assert_eq!(columns[n - 3], "yes", "no ToUnicode map: {row}");
    }
    let meta = run(Command::new("pdfinfo").arg("-meta").arg(file));
    assert!(meta.ok, "pdfinfo -meta: {}", meta.output);
    let (part, conformance) = profile.part_and_conformance();
    let xmp = meta.output.replace(['\n', ' '], "");
    assert!(
        xmp.contains(&format!("<pdfaid:part>{part}</pdfaid:part>"))
            || xmp.contains(&format!("pdfaid:part=\"{part}\"")),
        "no PDF/A part {part} in the XMP:\n{}",
        meta.output
    );
    assert!(
        xmp.contains(&format!(
            "<pdfaid:conformance>{conformance}</pdfaid:conformance>"
        )) || xmp.contains(&format!("pdfaid:conformance=\"{conformance}\"")),
        "no conformance {conformance} in the XMP:\n{}",
        meta.output
    );
    let check = run(Command::new("qpdf").arg("--check").arg(file));
    assert!(check.ok, "qpdf --check: {}", check.output);
    assert!(
        check
            .output
            .contains("No syntax or stream encoding errors found"),
        "{}",
        check.output
    );
    assert!(!check.output.contains("WARNING"), "{}", check.output);
}

/// `pdftotext`'s text of a PDF (in reading order, UTF-8).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("document.pdf");
    std::fs::write(&file, pdf).unwrap();
    let text = run(Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-"));
    assert!(text.ok, "pdftotext: {}", text.output);
    text.output
}
