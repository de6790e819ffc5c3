//! Fixtures shared by the unit tests: a test PKI, a delivery with every
//! optional part (signed and sealed), and `xmllint` against the official
//! contracts.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::delivery::*;
use kuvert_protocol::dsig::SigningKey;
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};

pub struct Fixture {
    pub sender_key: SigningKey,
    pub seal_key: SigningKey,
    pub ca_pem: String,
    pub dir: tempfile::TempDir,
}

/// One PKI per test binary: RSA key generation is slow.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let pki = kuvert_testpki::TestPki::generate("162021003898", "Kommun B").unwrap();
        let seal =
            kuvert_testpki::issue_organisation_certificate(&pki.ca, "165568402266", "Förmedlare")
                .unwrap();
        Fixture {
            sender_key: SigningKey::from_pem(
                pki.sender.cert_pem.as_bytes(),
                pki.sender.key_pem.as_bytes(),
            )
            .unwrap(),
            seal_key: SigningKey::from_pem(seal.cert_pem.as_bytes(), seal.key_pem.as_bytes())
                .unwrap(),
            ca_pem: pki.ca.cert_pem,
            dir: tempfile::tempdir().unwrap(),
        }
    })
}

pub fn today() -> CalendarDate {
    CalendarDate::new(2026, 11, 23).unwrap()
}

/// A delivery with every optional part: case number, correlation id,
/// attention, event data and two attachments.
pub fn full_delivery() -> Delivery {
    let attachment = |name: &str, bytes: &[u8]| {
        Attachment::new(
            name,
            ContentType::new("application/pdf").unwrap(),
            bytes.to_vec(),
        )
        .unwrap()
    };
    Delivery {
        sender: Sender {
            id: OrganizationNumber::parse("202100-3898").unwrap(),
            name: SenderName::new("Kommun B").unwrap(),
        },
        recipient: RecipientId::from_wire("165568402266").unwrap(),
        case_number: Some(CaseNumber::new("KS 2026/0123").unwrap()),
        correlation_id: Some(MessageId::new("outbox-42").unwrap()),
        attention: Some(Attention::new("Registrator").unwrap()),
        message: SecureMessage {
            id: MessageId::new("7d1c8a52-0d6e-4a57-9a0e-2b8d6f1c0002").unwrap(),
            subject: Subject::new("Beslut om serveringstillstånd").unwrap(),
            support: SupportInfo::new(
                "Frågor? Kontakta kommunen.",
                Some("https://kommunb.example/kontakt"),
                Some("0123-45 67 89"),
                Some("kontakt@kommunb.example"),
            )
            .unwrap(),
            event: Some(EventData {
                timestamp: today(),
                preceding_event_id: Some(MessageId::new("previous-1").unwrap()),
                matter_subject: Some("Serveringstillstånd".into()),
                event_type: Some("Beslut".into()),
                status: Some(MatterStatus::Closed),
            }),
            protection_class: ProtectionClass::new(3).unwrap(),
            language: "svSE".into(),
            reply: ReplyOption::NotAllowed,
            receipt: ReceiptOption::Not,
            body: Body::plain("Hej!\n\nHär kommer beslutet.").unwrap(),
            attachments: vec![
                attachment("Beslut.pdf", b"%PDF-1.4 beslut"),
                attachment("Bilaga 1.pdf", &[7u8; 3000]),
            ],
        },
    }
}

pub fn signed_full() -> String {
    String::from_utf8(full_delivery().sign(&fixture().sender_key).unwrap()).unwrap()
}

pub fn sealed_full() -> String {
    let sealed =
        kuvert_protocol::seal::seal(&signed_full(), today(), true, &fixture().seal_key).unwrap();
    String::from_utf8(sealed).unwrap()
}

/// The official contracts beside the repository (or `KUVERT_MM_CONTRACTS`).
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

/// A schema that makes the contracts' global elements available and
/// declares SignedDelivery and SealedDelivery elements of their types.
pub fn wrapper_schema() -> PathBuf {
    static SCHEMA: OnceLock<PathBuf> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let c = contracts();
            let xsd = format!(
                r#"<?xml version="1.0"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema"
        xmlns:m3="http://minameddelanden.gov.se/schema/Message/v3"
        targetNamespace="http://minameddelanden.gov.se/schema/Message/v3"
        elementFormDefault="qualified">
  <include schemaLocation="{m3}"/>
  <import namespace="http://minameddelanden.gov.se/schema/Recipient/v3" schemaLocation="{r3}"/>
  <import namespace="http://minameddelanden.gov.se/schema/Service/v3" schemaLocation="{s3}"/>
  <import namespace="http://minameddelanden.gov.se/schema/Common/v3" schemaLocation="{c3}"/>
  <element name="SignedDelivery" type="m3:SignedDelivery"/>
  <element name="SealedDelivery" type="m3:SealedDelivery"/>
</schema>"#,
                m3 = c.join("schema/v3/Message.xsd").display(),
                r3 = c.join("schema/v3/Recipient.xsd").display(),
                s3 = c.join("schema/v3/Service.xsd").display(),
                c3 = c.join("schema/v3/Common.xsd").display(),
            );
            let path = fixture().dir.path().join("wrap.xsd");
            std::fs::write(&path, xsd).unwrap();
            path
        })
        .clone()
}

/// Whether `xmllint --nonet --schema` accepts `document`, with its output.
pub fn xmllint(name: &str, document: &[u8]) -> (bool, String) {
    let file = fixture().dir.path().join(format!("{name}.xml"));
    std::fs::write(&file, document).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(wrapper_schema())
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("xmllint could not be started ({e}); install libxml2-utils"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
