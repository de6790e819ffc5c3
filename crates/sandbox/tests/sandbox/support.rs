//! Fixtures: a shared running sandbox, Kuvert's client configured from the
//! sandbox's files, deliveries, and polling with a deadline.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use kuvert_protocol::delivery::*;
use kuvert_protocol::dsig::SigningKey;
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use kuvert_protocol::soap::{DeliveryStatus, SoapError};
use kuvert_sandbox::{Sandbox, SandboxConfig};
use kuvert_transport::{
    CaBundle, CallError, ClientConfig, ClientIdentity, Endpoints, HttpsClient, Intermediary,
};

/// The slow recipient's delay in the shared sandbox.
pub const SLOW: Duration = Duration::from_millis(1500);

/// A state directory under Cargo's per-target temporary directory, emptied first.
pub fn state_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("kuvert-sandbox-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// One sandbox for the whole test binary (PKI generation is slow).
pub fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let mut config = SandboxConfig::new(state_dir("shared"));
        config.slow_delay = SLOW;
        Sandbox::start(config).expect("the sandbox starts")
    })
}

pub fn identity(sandbox: &Sandbox) -> ClientIdentity {
    ClientIdentity::from_pem(
        &std::fs::read(sandbox.sender_cert_path()).unwrap(),
        &std::fs::read(sandbox.sender_key_path()).unwrap(),
    )
    .unwrap()
}

pub fn ca(sandbox: &Sandbox) -> CaBundle {
    CaBundle::from_pem(&std::fs::read(sandbox.ca_pem_path()).unwrap()).unwrap()
}

pub fn https(sandbox: &Sandbox, identity: ClientIdentity, call_timeout: Duration) -> HttpsClient {
    let mut config = ClientConfig::new(identity, ca(sandbox));
    config.call_timeout = call_timeout;
    HttpsClient::new(config).unwrap()
}

/// Kuvert's intermediary client with the sandbox's sender certificate.
pub fn client(sandbox: &Sandbox) -> Intermediary {
    client_with(sandbox, identity(sandbox), Duration::from_secs(30))
}

pub fn client_with(sandbox: &Sandbox, identity: ClientIdentity, timeout: Duration) -> Intermediary {
    Intermediary::new(
        https(sandbox, identity, timeout),
        Endpoints {
            recipient: sandbox.recipient_url(),
            message: sandbox.message_url(),
        },
    )
}

pub fn signing_key(sandbox: &Sandbox) -> SigningKey {
    SigningKey::from_pem(
        &std::fs::read(sandbox.sender_cert_path()).unwrap(),
        &std::fs::read(sandbox.sender_key_path()).unwrap(),
    )
    .unwrap()
}

pub fn kommun_b() -> OrganizationNumber {
    OrganizationNumber::from_wire("162021003898").unwrap()
}

pub fn recipient(wire: &str) -> RecipientId {
    RecipientId::from_wire(wire).unwrap()
}

/// A fresh message id for each test delivery.
pub fn message_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn attachment(name: &str, bytes: &[u8]) -> Attachment {
    Attachment::new(
        name,
        ContentType::new("application/pdf").unwrap(),
        bytes.to_vec(),
    )
    .unwrap()
}

/// A delivery from Kommun B to `to`.
pub fn delivery(to: &str, id: &str, attachments: Vec<Attachment>) -> Delivery {
    Delivery {
        sender: Sender {
            id: kommun_b(),
            name: SenderName::new("Kommun B").unwrap(),
        },
        recipient: recipient(to),
        case_number: Some(CaseNumber::new("KS 2026/0123").unwrap()),
        correlation_id: Some(MessageId::new(&format!("outbox-{id}")).unwrap()),
        attention: None,
        message: SecureMessage {
            id: MessageId::new(id).unwrap(),
            subject: Subject::new("Beslut i ärende <b>viktigt</b> & \"brådskande\"").unwrap(),
            support: SupportInfo::new(
                "Frågor om meddelandet? Kontakta Kommun B:s kundtjänst.",
                Some("https://kommunb.example/kontakt"),
                Some("010-000 00 00"),
                Some("kundtjanst@kommunb.example"),
            )
            .unwrap(),
            event: None,
            protection_class: ProtectionClass::new(2).unwrap(),
            language: "svSE".into(),
            reply: ReplyOption::NotAllowed,
            receipt: ReceiptOption::Not,
            body: Body::plain(
                "Hej,\n\nHär kommer beslutet i ditt ärende.\n<script>alert(1)</script>",
            )
            .unwrap(),
            attachments,
        },
    }
}

/// Signs `delivery` with the sandbox's sender key.
pub fn signed(sandbox: &Sandbox, delivery: &Delivery) -> Vec<u8> {
    delivery.sign(&signing_key(sandbox)).unwrap()
}

/// Polls the distribution's status until it is no longer Pending, or fails
/// after `within`.
pub fn settled(client: &Intermediary, distribution_id: &str, within: Duration) -> DeliveryStatus {
    let deadline = Instant::now() + within;
    loop {
        let statuses = client
            .check_distribution_status(&kommun_b(), distribution_id)
            .unwrap();
        assert_eq!(statuses.len(), 1);
        match statuses[0].delivery {
            Some(DeliveryStatus::Pending) | None => {}
            Some(settled) => return settled,
        }
        assert!(
            Instant::now() < deadline,
            "distribution {distribution_id} still pending after {within:?}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The fault of a failed call, which must be a SOAP fault.
pub fn fault(error: CallError) -> kuvert_protocol::soap::SoapFault {
    match error {
        CallError::Soap(SoapError::Fault(fault)) => fault,
        other => panic!("expected a SOAP fault, got {other:?}"),
    }
}

/// Asserts a client fault with `code`, and returns its description.
pub fn client_fault(result: Result<impl std::fmt::Debug, CallError>, code: u32) -> String {
    let fault = fault(result.expect_err("the call must fail"));
    assert!(
        fault.is_client_fault(),
        "expected a client fault: {fault:?}"
    );
    let detail = fault.detail.expect("ExceptionInformation");
    assert_eq!(detail.error_code, code, "{}", detail.description);
    assert!(detail.call_id.len() >= 20);
    detail.description
}

pub struct Outcome {
    pub ok: bool,
    pub output: String,
}

pub fn run(command: &mut Command) -> Outcome {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?} could not be started ({e}); install it"));
    Outcome {
        ok: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
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
