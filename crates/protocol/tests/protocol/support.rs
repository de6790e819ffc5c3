//! Fixtures: a test PKI, sample deliveries, and the external verifiers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::delivery::*;
use kuvert_protocol::dsig::SigningKey;
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use kuvert_protocol::verify::{
    verify, Intermediary, Policy, TrustAnchors, Verification, VerifyError,
};
use kuvert_testpki::TestPki;

pub const TODAY: (u16, u8, u8) = (2026, 11, 23);

pub fn today() -> CalendarDate {
    CalendarDate::new(TODAY.0, TODAY.1, TODAY.2).unwrap()
}

/// The official contracts, beside the repository (CI always has them).
pub fn contracts() -> PathBuf {
    let dir = std::env::var_os("KUVERT_MM_CONTRACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/mm-contracts")
        });
    assert!(
        dir.join("schema/v3/Message.xsd").is_file(),
        "the official contracts are needed at {} (or set KUVERT_MM_CONTRACTS)",
        dir.display()
    );
    dir.canonicalize().unwrap()
}

pub struct Fixture {
    pub pki: TestPki,
    pub other_pki: TestPki,
    pub key: SigningKey,
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
    pub fn other_ca_pem(&self) -> PathBuf {
        self.dir.path().join("other-ca.pem")
    }
}

/// One PKI for the whole test binary: RSA key generation is slow.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let pki = TestPki::generate("162021003898", "Kommun B").unwrap();
        let other_pki = TestPki::generate("162021003898", "Kommun B (impostor)").unwrap();
        let key = SigningKey::from_pem(
            pki.sender.cert_pem.as_bytes(),
            pki.sender.key_pem.as_bytes(),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), &pki.ca.cert_pem).unwrap();
        std::fs::write(dir.path().join("other-ca.pem"), &other_pki.ca.cert_pem).unwrap();
        Fixture {
            pki,
            other_pki,
            key,
            dir,
        }
    })
}

pub fn sender() -> Sender {
    Sender {
        id: OrganizationNumber::parse("202100-3898").unwrap(),
        name: SenderName::new("Kommun B").unwrap(),
    }
}

pub fn support() -> SupportInfo {
    SupportInfo::new(
        "Frågor? Kontakta kommunens kontaktcenter.",
        Some("https://kommunb.example/kontakt"),
        Some("0123-45 67 89"),
        Some("kontakt@kommunb.example"),
    )
    .unwrap()
}

pub fn message(id: &str, attachments: Vec<Attachment>) -> SecureMessage {
    SecureMessage {
        id: MessageId::new(id).unwrap(),
        subject: Subject::new("Beslut om serveringstillstånd <&> \"åäö\"").unwrap(),
        support: support(),
        event: None,
        protection_class: ProtectionClass::new(2).unwrap(),
        language: "svSE".into(),
        reply: ReplyOption::NotAllowed,
        receipt: ReceiptOption::Not,
        body: Body::plain("Hej!\r\n\nHär kommer beslutet.\tMvh").unwrap(),
        attachments,
    }
}

pub fn pdf(name: &str, size: usize) -> Attachment {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((0..size).map(|i| (i * 31 % 251) as u8));
    Attachment::new(name, ContentType::new("application/pdf").unwrap(), bytes).unwrap()
}

/// A minimal delivery to a person: no case number, no attachment.
pub fn minimal() -> Delivery {
    let mut message = message("7d1c8a52-0d6e-4a57-9a0e-2b8d6f1c0001", vec![]);
    message.support = SupportInfo::new("Kommun B, 0123-45 67 89", None, None, None).unwrap();
    Delivery {
        sender: sender(),
        recipient: RecipientId::parse("198501012382", today()).unwrap(),
        case_number: None,
        correlation_id: None,
        attention: None,
        message,
    }
}

/// Everything filled in: case number, correlation id, two attachments and
/// event-message data, to an organisation with Attention.
pub fn full() -> Delivery {
    let mut message = message(
        "7d1c8a52-0d6e-4a57-9a0e-2b8d6f1c0002",
        vec![
            pdf("Beslut KS 2026-0123.pdf", 5000),
            pdf("Bilaga 1.pdf", 70_000),
        ],
    );
    message.protection_class = ProtectionClass::new(3).unwrap();
    message.event = Some(EventData {
        timestamp: today(),
        preceding_event_id: Some(MessageId::new("7d1c8a52-0d6e-4a57-9a0e-2b8d6f1c0001").unwrap()),
        matter_subject: Some("Serveringstillstånd".into()),
        event_type: Some("Beslut".into()),
        status: Some(MatterStatus::Closed),
    });
    Delivery {
        sender: sender(),
        recipient: RecipientId::parse("556840-2266", today()).unwrap(),
        case_number: Some(CaseNumber::new("KS 2026/0123").unwrap()),
        correlation_id: Some(MessageId::new("outbox-42").unwrap()),
        attention: Some(Attention::new("Miljöförvaltningen, att. registrator").unwrap()),
        message,
    }
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A schema declaring `element` of a type from the contracts, or importing
/// them to validate one of their global elements.
pub fn wrapper_schema(dir: &Path) -> PathBuf {
    let contracts = contracts();
    let m3 = contracts.join("schema/v3/Message.xsd");
    let r3 = contracts.join("schema/v3/Recipient.xsd");
    let xsd = format!(
        r#"<?xml version="1.0"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema"
        xmlns:m3="http://minameddelanden.gov.se/schema/Message/v3"
        targetNamespace="http://minameddelanden.gov.se/schema/Message/v3"
        elementFormDefault="qualified">
  <include schemaLocation="{m3}"/>
  <import namespace="http://minameddelanden.gov.se/schema/Recipient/v3" schemaLocation="{r3}"/>
  <element name="SignedDelivery" type="m3:SignedDelivery"/>
  <element name="SealedDelivery" type="m3:SealedDelivery"/>
</schema>"#,
        m3 = m3.display(),
        r3 = r3.display()
    );
    write(dir, "wrap.xsd", xsd.as_bytes())
}

/// A schema under which every SOAP payload the services send validates: the
/// global elements of Recipient/v3, Message/v3 and Common/v3
/// (`applicationFault`), and the v1 fault elements that `Message-v1.wsdl`
/// declares in its own types section (copied out of the WSDL unchanged).
pub fn answers_schema() -> &'static Path {
    static SCHEMA: OnceLock<PathBuf> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let contracts = contracts();
        let dir = &fixture().dir;
        let wsdl = std::fs::read_to_string(contracts.join("Message-v1.wsdl")).unwrap();
        let start = wsdl.find("<xsd:schema").unwrap();
        let end = wsdl.find("</xsd:schema>").unwrap() + "</xsd:schema>".len();
        let location = format!("schemaLocation=\"{}/schema/", contracts.display());
        let message_v1 = wsdl[start..end]
            .replacen(
                "<xsd:schema",
                "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"",
                1,
            )
            .replace("schemaLocation=\"schema/", &location);
        let message_v1 = write(dir.path(), "message-v1-wsdl.xsd", message_v1.as_bytes());
        let v3 = |name: &str| contracts.join("schema/v3").join(name).display().to_string();
        let xsd = format!(
            r#"<?xml version="1.0"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:kuvert:tests:answers">
  <import namespace="http://minameddelanden.gov.se/schema/Recipient/v3" schemaLocation="{r3}"/>
  <import namespace="http://minameddelanden.gov.se/schema/Message/v3" schemaLocation="{m3}"/>
  <import namespace="http://minameddelanden.gov.se/schema/Common/v3" schemaLocation="{c3}"/>
  <import namespace="http://minameddelanden.gov.se/Message" schemaLocation="{m1}"/>
</schema>"#,
            r3 = v3("Recipient.xsd"),
            m3 = v3("Message.xsd"),
            c3 = v3("Common.xsd"),
            m1 = message_v1.display(),
        );
        write(dir.path(), "answers.xsd", xsd.as_bytes())
    })
}

pub struct Outcome {
    pub ok: bool,
    pub output: String,
}

fn run(command: &mut Command) -> Outcome {
    let out = command.output().unwrap_or_else(|e| {
        panic!("{command:?} could not be started ({e}); install it (see .ci/run)")
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

/// `xmllint --noout --nonet --schema wrap.xsd FILE`.
pub fn xmllint(schema: &Path, file: &Path) -> Outcome {
    run(Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema)
        .arg(file))
}

/// `xmlsec1 --verify --trusted-pem CA FILE [extra…]`.
pub fn xmlsec_verify(ca: &Path, file: &Path, extra: &[&str]) -> Outcome {
    run(Command::new("xmlsec1")
        .arg("--verify")
        .arg("--trusted-pem")
        .arg(ca)
        .args(extra)
        .arg(file))
}

pub fn xmlsec(args: &[&str]) -> Outcome {
    run(Command::new("xmlsec1").args(args))
}

/// Seconds since the epoch: the protocol crate takes time as a parameter.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Verifies `text` against the fixture's CA, now, with `intermediary` as
/// the expected sealer.
pub fn verify_trusted(
    text: &str,
    intermediary: Option<&Intermediary>,
) -> Result<Verification, VerifyError> {
    let anchors = TrustAnchors::from_pem(fixture().pki.ca.cert_pem.as_bytes(), now()).unwrap();
    verify(
        text,
        &Policy {
            anchors: Some(&anchors),
            intermediary,
            now: now(),
        },
    )
}

/// Verifies `text` without trust anchors.
pub fn verify_untrusted(text: &str) -> Result<Verification, VerifyError> {
    verify(
        text,
        &Policy {
            anchors: None,
            intermediary: None,
            now: now(),
        },
    )
}

/// The real day today (UTC): for seals, whose day the verifier compares with
/// the validity of certificates generated now.
pub fn real_today() -> CalendarDate {
    let date = time::OffsetDateTime::from_unix_timestamp(now())
        .unwrap()
        .date();
    CalendarDate::try_from(date).unwrap()
}
