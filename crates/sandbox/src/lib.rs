//! # kuvert-sandbox
//!
//! Kuvert's built-in test environment: a local, strict simulation of the
//! parts of Mina meddelanden Kuvert talks to, speaking the real contracts
//! over HTTPS with mutual TLS.
//!
//! - FaR's Recipient/v3 `isReachable`, answered from a register of seeded
//!   test recipients ([`directory`]).
//! - An intermediary's Message/v3 `distributeSecure` and
//!   `checkDistributionStatus`: it refuses documents that are not
//!   schema-valid, signatures that do not verify against the sandbox CA and
//!   sender ids that differ from the client certificate's organisation
//!   number, with real SOAP faults; it seals accepted deliveries and hands
//!   them, on a background thread, to the recipient's mailbox operator.
//! - Two mailbox operators' Service/v3 `deliverSecure`, called by the
//!   intermediary over mutual TLS with its own certificate, and a read-only
//!   web page per operator showing what recipients would see
//!   ([`mailbox`]).
//!
//! Everything lives in a state directory: the generated PKI ([`pki`]), the
//! records of distributions and deliveries, and a `profile.toml` that points
//! Kuvert at the sandbox. A restart on the same directory keeps all of it.
//!
//! ```
//! use kuvert_sandbox::{Operator, Sandbox, SandboxConfig};
//!
//! let state = tempfile::tempdir()?;
//! let sandbox = Sandbox::start(SandboxConfig::new(state.path()))?;
//! // What a CLI prints: where Kuvert finds its profile and the services.
//! assert!(sandbox.profile_path().is_file());
//! assert!(sandbox.message_url().starts_with("https://127.0.0.1:"));
//! println!("mailboxes: {}", sandbox.web_url());
//! assert!(sandbox.delivered_messages(Operator::Kivra).is_empty());
//! sandbox.shutdown();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod clock;
pub mod department;
pub mod directory;
mod faults;
mod intermediary;
pub mod mailbox;
mod operator;
pub mod pki;
mod profile;
mod records;
mod web;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use kuvert_protocol::dsig::SigningKey;
use kuvert_protocol::verify::{
    verify, Intermediary, Policy, TrustAnchors, Verification, VerifyError,
};
use kuvert_service::{
    Handler, HttpsServer, Request, Response, RunningServer, ServerError, ServerTls,
};
use kuvert_transport::{CaBundle, ClientConfig, ClientIdentity, HttpsClient, Operators};

pub use clock::{Clock, FixedClock, SystemClock};
pub use directory::{Operator, Scenario};
pub use mailbox::{DeliveredAttachment, DeliveredMessage};
pub use records::Progress;

use records::{Records, Store};

/// How to run a sandbox.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Where the PKI, the records and `profile.toml` live (created if missing).
    pub state_dir: PathBuf,
    /// The address every listener binds to; `127.0.0.1` by default (the
    /// server certificate covers `127.0.0.1`, `::1` and `localhost`).
    pub address: IpAddr,
    /// Port of the FaR + intermediary listener (mutual TLS). 0: the port used
    /// last time in this state directory if it is free, else any free port.
    pub service_port: u16,
    /// Port of the mailbox operators' `deliverSecure` listener (mutual TLS); 0 as above.
    pub operator_port: u16,
    /// Port of the mailbox web pages (HTTPS without client certificates); 0 as above.
    pub web_port: u16,
    /// How long every answer concerning the "slow" recipient is held back.
    pub slow_delay: Duration,
    /// The clock for received and seal times and certificate checks.
    pub clock: Arc<dyn Clock>,
    /// The largest `distributeSecure` SOAP envelope the intermediary takes,
    /// in bytes; a larger one is answered with a client fault saying it is
    /// too large. The profile the sandbox writes sets the same
    /// `rules.max_envelope_bytes`. Default [`SandboxConfig::DEFAULT_MAX_ENVELOPE_BYTES`].
    pub max_envelope_bytes: u64,
    /// Fault injection: the `distributeSecure` calls that the intermediary
    /// accepts (and records, new or repeated) are answered, one each in
    /// this order, with these broken answers instead of the distribution
    /// id, as a broken front end would; then normally. Default none. Tests
    /// of the unknown outcome use it.
    pub broken_answers_after_accepting: Vec<BrokenAnswer>,
}

/// A broken answer to a delivery the intermediary has accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokenAnswer {
    /// HTTP 200 with a body that is not SOAP.
    Garbled,
    /// This HTTP status (e.g. 400, 409, 500) with a short HTML body.
    Status(u16),
}

impl SandboxConfig {
    /// The default slow-recipient delay.
    pub const DEFAULT_SLOW_DELAY: Duration = Duration::from_secs(3);

    /// The default envelope limit: 2 097 152 bytes, as Kuvert's production
    /// default (Sundsvall municipality's production sender caps its SOAP
    /// envelopes at 2 MiB).
    pub const DEFAULT_MAX_ENVELOPE_BYTES: u64 = 2_097_152;

    /// Defaults: `127.0.0.1`, ports reused or chosen freely, a 3 s delay for
    /// the slow recipient, the system clock.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        SandboxConfig {
            state_dir: state_dir.into(),
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            service_port: 0,
            operator_port: 0,
            web_port: 0,
            slow_delay: Self::DEFAULT_SLOW_DELAY,
            clock: Arc::new(SystemClock),
            max_envelope_bytes: Self::DEFAULT_MAX_ENVELOPE_BYTES,
            broken_answers_after_accepting: Vec::new(),
        }
    }
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("state_dir", &self.state_dir)
            .field("address", &self.address)
            .field("service_port", &self.service_port)
            .field("operator_port", &self.operator_port)
            .field("web_port", &self.web_port)
            .field("slow_delay", &self.slow_delay)
            .field("max_envelope_bytes", &self.max_envelope_bytes)
            .field(
                "broken_answers_after_accepting",
                &self.broken_answers_after_accepting,
            )
            .finish_non_exhaustive()
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A file in the state directory could not be read or written.
    #[error("could not use {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The records file is damaged.
    #[error("the sandbox records in {path} cannot be read: {detail}")]
    State {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The test PKI could not be generated or loaded.
    #[error("the sandbox's test certificates are not usable: {0}")]
    Pki(String),
    /// A listener could not start.
    #[error("the sandbox could not listen: {0}")]
    Listen(#[from] ServerError),
    /// The department's PostgreSQL server could not be set up or started.
    #[error("the test environment's PostgreSQL server: {0}")]
    Postgres(String),
}

impl SandboxError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        SandboxError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn pki(error: impl std::fmt::Display) -> Self {
        SandboxError::Pki(error.to_string())
    }
}

/// Base URLs of the listeners.
#[derive(Debug, Clone)]
pub(crate) struct Urls {
    service: String,
    operators: String,
    web: String,
}

/// State shared by the listeners' handlers and the delivery threads.
pub(crate) struct Shared {
    config: SandboxConfig,
    pki: pki::SandboxPki,
    store: Store,
    records: Mutex<Records>,
    seal_key: SigningKey,
    intermediary_cert_der: Vec<u8>,
    /// The registered förmedlare the mailbox operators take deliveries
    /// from, by certificate (DER) with the name they know it by: this
    /// intermediary, and the test organisation for its own förmedling
    /// (direct mode) with its förmedlare certificate or its organisation
    /// certificate.
    formedlare: Vec<(Vec<u8>, &'static str)>,
    operators: Operators,
    urls: OnceLock<Urls>,
    deliveries: Mutex<Vec<JoinHandle<()>>>,
    accepting: AtomicBool,
    /// The size of every `distributeSecure` envelope received, refused or
    /// not, oldest first (for tests: what the intermediary really got).
    envelopes: Mutex<Vec<Envelope>>,
    /// Broken answers still to be given to accepted `distributeSecure` calls.
    broken_left: Mutex<std::collections::VecDeque<BrokenAnswer>>,
}

/// A `distributeSecure` request the intermediary received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// The SOAP envelope's bytes.
    pub bytes: u64,
    /// Whether it was refused as too large.
    pub refused_as_too_large: bool,
}

impl Shared {
    fn records(&self) -> MutexGuard<'_, Records> {
        // A panicking handler cannot leave the records half-changed: every
        // change is a single push or assignment.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the records and saves them.
    fn update<R>(&self, change: impl FnOnce(&mut Records) -> R) -> Result<R, SandboxError> {
        let mut records = self.records();
        let result = change(&mut records);
        self.store.save(&records)?;
        Ok(result)
    }

    fn now_unix(&self) -> i64 {
        clock::unix_seconds(self.config.clock.now())
    }

    /// Verifies a signed or sealed delivery as strictly as `kuvert verify`
    /// does: every signature correct over the element presented, every
    /// signer trusted by the sandbox CA with a valid signing certificate,
    /// the sender's signature by the sender and the seal by this
    /// intermediary. Any doubt refuses it.
    fn verify_strictly(&self, text: &str) -> Result<Verification, VerifyError> {
        self.verify_sealed_by(text, &self.intermediary_cert_der, pki::INTERMEDIARY_NAME)
    }

    /// The registered förmedlare whose certificate (DER) is `der`: the
    /// certificate as registered, and its name.
    fn registered_formedlare(&self, der: &[u8]) -> Option<(&[u8], &'static str)> {
        self.formedlare
            .iter()
            .find(|(registered, _)| registered.as_slice() == der)
            .map(|(registered, name)| (registered.as_slice(), *name))
    }

    /// [`Shared::verify_strictly`] with the seal made by the förmedlare
    /// whose certificate is `sealer_der`.
    fn verify_sealed_by(
        &self,
        text: &str,
        sealer_der: &[u8],
        sealer: &str,
    ) -> Result<Verification, VerifyError> {
        let anchors = TrustAnchors::from_pem(self.pki.ca.cert_pem.as_bytes(), self.now_unix())?;
        let intermediary = Intermediary::Certificate {
            der: sealer_der.to_vec(),
            subject: sealer.to_string(),
        };
        let policy = Policy {
            anchors: Some(&anchors),
            intermediary: Some(&intermediary),
            now: self.now_unix(),
        };
        verify(text, &policy)?.require_valid()
    }

    fn urls(&self) -> Urls {
        self.urls.get().cloned().unwrap_or(Urls {
            service: String::new(),
            operators: String::new(),
            web: String::new(),
        })
    }

    fn operator_url(&self, operator: Operator) -> String {
        format!("{}/Service/v3/{}", self.urls().operators, operator.slug())
    }

    fn mailbox_url(&self, operator: Operator) -> String {
        format!("{}/mailbox/{}/", self.urls().web, operator.slug())
    }
}

/// A running sandbox. Dropping it shuts it down.
pub struct Sandbox {
    shared: Arc<Shared>,
    service: Option<RunningServer>,
    operators: Option<RunningServer>,
    web: Option<RunningServer>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("state_dir", &self.shared.config.state_dir)
            .field("urls", &self.shared.urls.get())
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts the sandbox on `config.state_dir`: loads or generates the PKI,
    /// loads the records, starts the three listeners, writes `profile.toml`
    /// and resumes deliveries still pending from a previous run.
    pub fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let dir = config.state_dir.clone();
        std::fs::create_dir_all(&dir).map_err(|e| SandboxError::io(&dir, e))?;
        let pki = pki::SandboxPki::load_or_generate(&dir)?;
        let (store, records) = Store::open(&dir)?;
        let seal_key = SigningKey::from_pem(
            pki.intermediary.cert_pem.as_bytes(),
            pki.intermediary.key_pem.as_bytes(),
        )
        .map_err(SandboxError::pki)?;
        let intermediary_cert_der = pki.intermediary.cert_der().map_err(SandboxError::pki)?;
        let sender_cert_der = pki.sender.cert_der().map_err(SandboxError::pki)?;
        let formedlare_cert_der = pki.formedlare.cert_der().map_err(SandboxError::pki)?;
        let operator_client = HttpsClient::new(ClientConfig::new(
            ClientIdentity::from_pem(
                pki.intermediary.cert_pem.as_bytes(),
                pki.intermediary.key_pem.as_bytes(),
            )
            .map_err(SandboxError::pki)?,
            CaBundle::from_pem(pki.ca.cert_pem.as_bytes()).map_err(SandboxError::pki)?,
        ))
        .map_err(SandboxError::pki)?;
        let last_ports = (
            records.service_port,
            records.operator_port,
            records.web_port,
        );
        let broken_left = Mutex::new(
            config
                .broken_answers_after_accepting
                .iter()
                .copied()
                .collect(),
        );
        let shared = Arc::new(Shared {
            broken_left,
            config,
            pki,
            store,
            records: Mutex::new(records),
            seal_key,
            formedlare: vec![
                (intermediary_cert_der.clone(), pki::INTERMEDIARY_NAME),
                (formedlare_cert_der, pki::FORMEDLARE_NAME),
                (sender_cert_der, directory::SENDER_NAME),
            ],
            intermediary_cert_der,
            operators: Operators::new(operator_client),
            urls: OnceLock::new(),
            deliveries: Mutex::new(Vec::new()),
            accepting: AtomicBool::new(true),
            envelopes: Mutex::new(Vec::new()),
        });

        let tls = |require_client_certificate| ServerTls {
            cert_pem: shared.pki.server.cert_pem.clone(),
            key_pem: shared.pki.server.key_pem.clone(),
            client_ca_pem: shared.pki.ca.cert_pem.clone(),
            require_client_certificate,
        };
        let config = &shared.config;
        let operators = listen(
            config.address,
            config.operator_port,
            last_ports.1,
            tls(true),
            handler(&shared, operator::handle),
        )?;
        let web = listen(
            config.address,
            config.web_port,
            last_ports.2,
            tls(false),
            handler(&shared, web::handle),
        )?;
        // The service listener answers with the operators' and web
        // addresses, so those are known before it starts; its own URL is set
        // right after binding, before any request can need it.
        let host = match config.address {
            ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        };
        let base = |server: &RunningServer| {
            format!(
                "https://{}",
                SocketAddr::new(host, server.local_addr().port())
            )
        };
        let (operators_base, web_base) = (base(&operators), base(&web));
        let service = listen(
            config.address,
            config.service_port,
            last_ports.0,
            tls(true),
            handler(&shared, intermediary::handle),
        )?;
        let _ = shared.urls.set(Urls {
            service: base(&service),
            operators: operators_base,
            web: web_base,
        });
        let ports = (
            service.local_addr().port(),
            operators.local_addr().port(),
            web.local_addr().port(),
        );
        shared.update(|r| {
            r.service_port = Some(ports.0);
            r.operator_port = Some(ports.1);
            r.web_port = Some(ports.2);
        })?;
        let sandbox = Sandbox {
            shared,
            service: Some(service),
            operators: Some(operators),
            web: Some(web),
        };
        profile::write(
            &sandbox.profile_path(),
            &sandbox.recipient_url(),
            &sandbox.message_url(),
            sandbox.shared.config.max_envelope_bytes,
        )?;
        profile::write_direct(
            &sandbox.direct_profile_path(),
            &sandbox.recipient_url(),
            sandbox.shared.config.max_envelope_bytes,
        )?;
        intermediary::resume_pending(&sandbox.shared);
        tracing::info!(
            service = %sandbox.shared.urls().service,
            web = %sandbox.web_url(),
            "sandbox started"
        );
        Ok(sandbox)
    }

    /// The state directory.
    pub fn state_dir(&self) -> &Path {
        &self.shared.config.state_dir
    }

    /// `DIR/profile.toml`, the profile that points Kuvert at this sandbox.
    pub fn profile_path(&self) -> PathBuf {
        self.state_dir().join("profile.toml")
    }

    /// `DIR/profile-direct.toml`: the same organisation in direct mode
    /// (own förmedling): FaR is this sandbox's Recipient/v3, and Kuvert
    /// seals and hands each message to the recipient's operator itself.
    pub fn direct_profile_path(&self) -> PathBuf {
        self.state_dir().join("profile-direct.toml")
    }

    /// The CA certificate (PEM file) every sandbox certificate chains to.
    pub fn ca_pem_path(&self) -> PathBuf {
        self.state_dir().join(pki::CA_PEM)
    }

    /// The sender's certificate (PEM file): Kommun B, 162021003898.
    pub fn sender_cert_path(&self) -> PathBuf {
        self.state_dir().join(pki::SENDER_CERT)
    }

    /// The sender's unencrypted private key (PEM file; test material only).
    pub fn sender_key_path(&self) -> PathBuf {
        self.state_dir().join(pki::SENDER_KEY)
    }

    /// The sandbox's certificates and keys.
    pub fn pki(&self) -> &pki::SandboxPki {
        &self.shared.pki
    }

    /// Recipient/v3 (`isReachable`).
    pub fn recipient_url(&self) -> String {
        format!("{}/Recipient/v3", self.shared.urls().service)
    }

    /// Message/v3 (`distributeSecure`, `checkDistributionStatus`).
    pub fn message_url(&self) -> String {
        format!("{}/Message/v3", self.shared.urls().service)
    }

    /// The `deliverSecure` endpoint (Service/v3) of `operator`.
    pub fn operator_url(&self, operator: Operator) -> String {
        self.shared.operator_url(operator)
    }

    /// The index of the mailbox web pages (HTTPS, no client certificate).
    pub fn web_url(&self) -> String {
        format!("{}/", self.shared.urls().web)
    }

    /// The web page of `operator`'s mailboxes.
    pub fn mailbox_url(&self, operator: Operator) -> String {
        self.shared.mailbox_url(operator)
    }

    /// The JSON listing of what `operator` received.
    pub fn messages_json_url(&self, operator: Operator) -> String {
        format!("{}messages.json", self.shared.mailbox_url(operator))
    }

    /// How many times a message with this `Message/Header/Id` reached a
    /// mailbox (over all operators). Anything above 1 is a duplicate.
    pub fn delivery_count(&self, message_id: &str) -> usize {
        self.shared
            .records()
            .mailbox
            .iter()
            .filter(|m| m.message_id == message_id)
            .count()
    }

    /// Every `distributeSecure` envelope the intermediary received, oldest
    /// first, with its size and whether it was refused as too large.
    pub fn received_envelopes(&self) -> Vec<Envelope> {
        self.shared
            .envelopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// What `operator` received, oldest first.
    pub fn delivered_messages(&self, operator: Operator) -> Vec<DeliveredMessage> {
        mailbox::delivered(&self.shared, operator)
    }

    /// Where the distribution `distribution_id` stands, if it exists.
    pub fn distribution_progress(&self, distribution_id: &str) -> Option<Progress> {
        self.shared
            .records()
            .distributions
            .iter()
            .find(|d| d.id == distribution_id)
            .map(|d| d.progress)
    }

    /// Stops accepting requests, waits for deliveries under way, then stops
    /// the listeners.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.accepting.store(false, Ordering::SeqCst);
        if let Some(service) = self.service.take() {
            service.shutdown();
        }
        let pending: Vec<JoinHandle<()>> = std::mem::take(
            &mut *self
                .shared
                .deliveries
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for delivery in pending {
            let _ = delivery.join();
        }
        if let Some(operators) = self.operators.take() {
            operators.shutdown();
        }
        if let Some(web) = self.web.take() {
            web.shutdown();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

fn handler(shared: &Arc<Shared>, serve: fn(&Arc<Shared>, Request) -> Response) -> Handler {
    let shared = Arc::clone(shared);
    Arc::new(move |request| serve(&shared, request))
}

/// Binds `wanted`, or when that is 0 the port used last time (falling back
/// to any free port).
fn listen(
    address: IpAddr,
    wanted: u16,
    last: Option<u16>,
    tls: ServerTls,
    handler: Handler,
) -> Result<RunningServer, SandboxError> {
    if wanted == 0 {
        if let Some(last) = last.filter(|p| *p != 0) {
            let reused = HttpsServer::bind(
                SocketAddr::new(address, last),
                tls.clone(),
                Arc::clone(&handler),
            );
            if let Ok(server) = reused {
                return Ok(server);
            }
        }
    }
    Ok(HttpsServer::bind(
        SocketAddr::new(address, wanted),
        tls,
        handler,
    )?)
}
