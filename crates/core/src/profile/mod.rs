//! The deployed configuration: who sends, through which intermediary, with
//! which certificate, under which rules, with which case types.
//!
//! A profile is a TOML file (format in `docs/profile.md`). It is looked up
//! in layers:
//!
//! 1. the system-wide file `/etc/kuvert/profile.toml` (deployed by IT),
//! 2. the per-user file `$XDG_CONFIG_HOME/kuvert/profile.toml`
//!    (`~/.config/kuvert/profile.toml`), whose values override the system
//!    file's key by key within each table; a `[[case_type]]` list in the user
//!    file replaces the system list, and a `[certificate]` table replaces the
//!    system one as a whole (its keys only make sense together);
//! 3. or, instead of both, an explicit file (`--profile FILE`), read alone so
//!    that a test profile never inherits production values.
//!
//! Paths are resolved relative to the file that names them. Every key has a
//! default or, when missing or wrong, a [`ProfileError`] naming the file and
//! the key; unknown keys are errors so that typing mistakes in deployed
//! configuration surface at once.
//!
//! ```
//! use std::path::Path;
//! use kuvert_core::profile::{Environment, Profile};
//!
//! let profile = Profile::from_toml_str(r#"
//!     [profile]
//!     name = "Testmiljö"
//!     environment = "test"
//!     [sender]
//!     organisation_number = "202100-3898"
//!     names = ["Kommun B"]
//!     [service]
//!     recipient_url = "https://127.0.0.1:8443/Recipient/v3"
//!     message_url = "https://127.0.0.1:8443/Message/v3"
//!     ca_bundle = "ca.pem"
//!     [certificate]
//!     pkcs12 = "sender.p12"
//! "#, Path::new("/etc/kuvert"))?;
//! assert_eq!(profile.environment(), Environment::Test);
//! assert_eq!(profile.ca_bundle_path(), Path::new("/etc/kuvert/ca.pem"));
//! assert!(profile.rules().require_case_number);
//! # Ok::<(), kuvert_core::profile::ProfileError>(())
//! ```

// Loading goes file → layer → profile: `file` reads each file into typed
// tables and merges the layers key by key; `validate` turns the merged
// values into a `Profile`; `connection` builds what the profile names (TLS
// identity, signing key, HTTPS client).
mod connection;
mod error;
mod file;
mod locations;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use kuvert_protocol::delivery::{ProtectionClass, SenderName, SupportInfo};
use kuvert_protocol::identity::OrganizationNumber;
use kuvert_transport::{Endpoints, Proxy};

pub use error::ProfileError;
pub use locations::{ProfileFile, ProfileLayer, ProfileLocations};

use file::{Layer, Layers};

/// Whether the profile talks to the production service or a test environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// A test environment: PEM certificates with unencrypted keys are allowed.
    Test,
    /// Production (the default).
    Production,
}

/// The support contact shown with each message (`Supportinfo`), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportContact {
    text: String,
    email: Option<String>,
    phone: Option<String>,
    url: Option<String>,
    info: SupportInfo,
}

impl SupportContact {
    /// Validates a support contact as the delivery contract requires it.
    ///
    /// # Errors
    ///
    /// The contract's complaint: empty or over-long text, malformed e-mail
    /// address or web address.
    pub fn new(
        text: &str,
        email: Option<&str>,
        phone: Option<&str>,
        url: Option<&str>,
    ) -> Result<Self, kuvert_protocol::delivery::DeliveryError> {
        let info = SupportInfo::new(text, url, phone, email)?;
        Ok(SupportContact {
            text: text.to_string(),
            email: email.map(|e| e.trim().to_string()),
            phone: phone.map(|p| p.trim().to_string()),
            url: url.map(|u| u.trim().to_string()),
            info,
        })
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The e-mail address, if any.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The telephone number, if any.
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }

    /// The web address, if any.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The contact as printed lines (Swedish labels): the text, then
    /// telephone, e-mail and web address when given.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.text.clone()];
        lines.extend(self.phone.as_ref().map(|p| format!("Telefon: {p}")));
        lines.extend(self.email.as_ref().map(|e| format!("E-post: {e}")));
        lines.extend(self.url.as_ref().map(|u| format!("Webb: {u}")));
        lines
    }

    /// The contract's `Supportinfo`.
    pub fn to_support_info(&self) -> SupportInfo {
        self.info.clone()
    }

    fn with_text(&self, text: &str) -> Result<Self, kuvert_protocol::delivery::DeliveryError> {
        SupportContact::new(
            text,
            self.email.as_deref(),
            self.phone.as_deref(),
            self.url.as_deref(),
        )
    }
}

/// Where the organisation's certificate and key come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateSource {
    /// A PKCS#12 file; its password is in the OS keyring (see [`crate::secrets`]).
    Pkcs12 {
        /// The file.
        path: PathBuf,
    },
    /// PEM certificate and unencrypted PEM key: test environments only.
    Pem {
        /// The certificate (chain) file.
        certificate: PathBuf,
        /// The private key file.
        key: PathBuf,
    },
}

impl CertificateSource {
    /// Whether a password is needed to open the certificate.
    pub fn needs_password(&self) -> bool {
        matches!(self, CertificateSource::Pkcs12 { .. })
    }

    /// The certificate file (the PKCS#12 file or the PEM certificate).
    pub fn certificate_path(&self) -> &Path {
        match self {
            CertificateSource::Pkcs12 { path } => path,
            CertificateSource::Pem { certificate, .. } => certificate,
        }
    }
}

/// The organisation's rules for what may be sent and kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// The PDF/A conformance of letters, message documents and reports
    /// (`[rules] pdf_a`, default PDF/A-2b).
    pub pdf_profile: crate::pdf::PdfProfile,
    /// Whether every message needs a diarienummer (default `true`).
    pub require_case_number: bool,
    /// Largest single attachment in bytes (default: what the envelope can
    /// carry, [`envelope_capacity`] of `max_envelope_bytes`, at most
    /// 20 000 000).
    pub max_attachment_bytes: u64,
    /// Largest total of a message's attachments in bytes (default: the
    /// single-attachment limit, at most what the envelope can carry).
    pub max_total_attachment_bytes: u64,
    /// Largest signed delivery as sent, in bytes: the whole SOAP envelope
    /// (base64 attachments, XML, signature) that goes to the intermediary
    /// (default [`DEFAULT_MAX_ENVELOPE_BYTES`]).
    pub max_envelope_bytes: u64,
    /// MIME types that may be attached (default PDF, JPEG, PNG and plain text).
    pub allowed_attachment_types: Vec<String>,
    /// How many days entries stay in the sent log before the retention
    /// purge (gallring) may remove them (default 3650); a case type may
    /// keep its messages for another time.
    pub retention_days: u32,
    /// Who may purge (`[retention] purgers`): accounts, and groups written
    /// `%group`. Empty: nobody may, until IT names the registrars.
    pub purgers: Vec<String>,
}

impl Rules {
    /// How many times the attachment limit a picked file may be: a PDF up
    /// to this much too large is still read, so that compressing it to fit
    /// can be offered; anything larger is refused before it is read.
    pub const READ_FACTOR: u64 = 5;

    /// The least Kuvert reads of a picked file whatever the attachment
    /// limit: a few pages scanned at 300 dpi without compression (about
    /// 9 MB a page) are read, so that compressing them can be offered.
    pub const READ_FLOOR: u64 = 64 << 20;

    /// The most Kuvert reads of a file the officer picks (attachment or
    /// message body): [`Rules::READ_FACTOR`] times the attachment limit,
    /// and never less than [`Rules::READ_FLOOR`].
    pub fn largest_input_file(&self) -> u64 {
        self.max_attachment_bytes
            .saturating_mul(Self::READ_FACTOR)
            .max(Self::READ_FLOOR)
    }
}

/// A case type (template) for a recurring kind of message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseType {
    name: String,
    subject: Option<String>,
    protection_class: Option<ProtectionClass>,
    body: Option<String>,
    support: Option<SupportContact>,
    retention_days: Option<u32>,
}

impl CaseType {
    /// How many days its messages stay in the sent log, where the case type
    /// has a rule of its own (`retention_days`).
    pub fn retention_days(&self) -> Option<u32> {
        self.retention_days
    }

    /// The name officers choose it by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The default subject line.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The default protection class.
    pub fn protection_class(&self) -> Option<ProtectionClass> {
        self.protection_class
    }

    /// The body skeleton.
    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }

    /// The support contact for this case type, when its text overrides the
    /// profile's.
    pub fn support(&self) -> Option<&SupportContact> {
        self.support.as_ref()
    }
}

/// A loaded, validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    name: String,
    environment: Environment,
    organisation_number: OrganizationNumber,
    sender_names: Vec<SenderName>,
    support: SupportContact,
    endpoints: Endpoints,
    mode: ServiceMode,
    ca_bundle: Sourced<PathBuf>,
    connect_timeout: Duration,
    call_timeout: Duration,
    proxy: Proxy,
    certificate: Sourced<CertificateSource>,
    /// Direct mode's own förmedlare certificate (`[seal]`); `None` when
    /// `certificate` seals too.
    seal: Option<Sourced<CertificateSource>>,
    rules: Rules,
    case_types: Vec<CaseType>,
    department: Option<Department>,
    log_level: Option<String>,
    files: Vec<PathBuf>,
}

/// How messages reach the recipients' mailboxes (`[service] mode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceMode {
    /// Through an intermediary (SKL's scenario 1, the default): it looks the
    /// recipient up in FaR, seals and delivers; Kuvert polls the status.
    Intermediary,
    /// Kuvert is its own förmedlare (SKL's scenario 2): it asks FaR
    /// (`far_url`) which mailbox operator the recipient chose, seals the
    /// signed delivery with the förmedlare certificate (`[seal]`, or else
    /// the organisation's) and hands it to that operator's `deliverSecure`,
    /// whose answer is the outcome.
    Direct {
        /// The mailbox operators' CA certificates.
        operator_ca_bundle: PathBuf,
    },
}

impl ServiceMode {
    /// `intermediary` or `direct`, as the profile writes it.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceMode::Intermediary => "intermediary",
            ServiceMode::Direct { .. } => "direct",
        }
    }
}

/// Department mode: the `kuvert-server` this profile's messages go through
/// (`[department]`). Sending, the Outbox and the sent log are then the
/// server's; this computer keeps drafts only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    /// The server's address, without a trailing slash.
    pub url: String,
    /// The CA bundle its certificate is checked against.
    pub ca_bundle: PathBuf,
}

/// A value with the profile file and key that set it, for error messages
/// raised when the value is used.
#[derive(Debug, Clone)]
struct Sourced<T> {
    value: T,
    file: PathBuf,
    key: String,
}

/// The values of `[log] level`, least to most.
pub const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

/// The MIME types allowed when the profile does not list any.
pub const DEFAULT_ALLOWED_TYPES: [&str; 4] =
    ["application/pdf", "image/jpeg", "image/png", "text/plain"];

/// The default limit on the signed delivery as sent (`rules.max_envelope_bytes`):
/// 2 MiB, 2 097 152 bytes. Sundsvall municipality's production sender on Mina
/// meddelanden caps the outgoing SOAP envelope at this size (and compresses
/// PDFs to fit); larger envelopes are refused in production.
pub const DEFAULT_MAX_ENVELOPE_BYTES: u64 = 2_097_152;

/// The smallest `rules.max_envelope_bytes` a profile may set: an envelope
/// of a message without attachments (XML, signature and certificate) needs
/// some 10 kB already.
pub const MIN_ENVELOPE_BYTES: u64 = 16_384;

/// The most attachment bytes an envelope of `max_envelope_bytes` can carry:
/// attachments travel base64-encoded, 4 bytes for every 3.
pub fn envelope_capacity(max_envelope_bytes: u64) -> u64 {
    max_envelope_bytes / 4 * 3
}

/// The system-wide profile.
pub const SYSTEM_PROFILE: &str = "/etc/kuvert/profile.toml";

impl Profile {
    /// Loads the profile: `explicit` alone when given, otherwise the
    /// system-wide file overlaid with the per-user file (see the
    /// [module documentation](self)).
    ///
    /// # Errors
    ///
    /// [`ProfileError::NotFound`] when no file exists, or the first problem
    /// found in a file.
    pub fn load(explicit: Option<&Path>) -> Result<Profile, ProfileError> {
        Profile::load_from(explicit, &ProfileLocations::from_environment())
    }

    /// [`Profile::load`] with the standard locations given explicitly (a seam
    /// for tests and for the CLI's diagnostics).
    ///
    /// # Errors
    ///
    /// As [`Profile::load`].
    pub fn load_from(
        explicit: Option<&Path>,
        locations: &ProfileLocations,
    ) -> Result<Profile, ProfileError> {
        let candidates: Vec<PathBuf> = locations
            .read_order(explicit)
            .into_iter()
            .map(|file| file.path)
            .collect();
        let mut layers = Vec::new();
        for file in &candidates {
            let text = match std::fs::read_to_string(file) {
                Ok(text) => text,
                // The layered files are each optional; an explicit one is not.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                    continue
                }
                Err(source) => {
                    return Err(ProfileError::Read {
                        file: file.clone(),
                        key: "file".into(),
                        path: file.clone(),
                        source,
                    })
                }
            };
            let base_dir = file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
            layers.push(Layer::parse(&text, file, &base_dir)?);
        }
        if layers.is_empty() {
            return Err(ProfileError::NotFound {
                searched: candidates,
            });
        }
        validate::profile(Layers(layers))
    }

    /// Reads one profile from text; relative paths are resolved against
    /// `base_dir` (errors name the file `base_dir/profile.toml`).
    ///
    /// # Errors
    ///
    /// The first problem found, naming the key.
    pub fn from_toml_str(text: &str, base_dir: &Path) -> Result<Profile, ProfileError> {
        let file = base_dir.join("profile.toml");
        validate::profile(Layers(vec![Layer::parse(text, &file, base_dir)?]))
    }

    /// `[log] level`: how much the desktop app writes to its log file
    /// (`KUVERT_LOG` still wins); `None` for the default.
    pub fn log_level(&self) -> Option<&str> {
        self.log_level.as_deref()
    }

    /// The department server, when the profile is in department mode.
    pub fn department(&self) -> Option<&Department> {
        self.department.as_ref()
    }

    /// The profile's name (shown in the window title; part of the keyring
    /// account). Defaults to the first sender name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Test or production.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The sending organisation.
    pub fn organisation_number(&self) -> &OrganizationNumber {
        &self.organisation_number
    }

    /// The sender names officers may choose from; never empty.
    pub fn sender_names(&self) -> &[SenderName] {
        &self.sender_names
    }

    /// The default sender name (the first listed).
    pub fn default_sender_name(&self) -> &SenderName {
        // `assemble` refuses an empty list.
        &self.sender_names[0]
    }

    /// The sender name `name` if the profile lists it (compared exactly,
    /// after trimming).
    pub fn sender_name(&self, name: &str) -> Option<&SenderName> {
        self.sender_names.iter().find(|n| n.as_str() == name.trim())
    }

    /// The support contact.
    pub fn support(&self) -> &SupportContact {
        &self.support
    }

    /// The endpoints Kuvert calls: the intermediary's Recipient/v3 and
    /// Message/v3; in direct mode FaR's Recipient/v3 as `recipient` and no
    /// `message` (empty: each operator's address comes from FaR).
    pub fn endpoints(&self) -> Endpoints {
        self.endpoints.clone()
    }

    /// Through an intermediary, or Kuvert's own förmedling.
    pub fn mode(&self) -> &ServiceMode {
        &self.mode
    }

    /// The CA bundle file that server certificates are checked against.
    pub fn ca_bundle_path(&self) -> &Path {
        &self.ca_bundle.value
    }

    /// Limit for establishing a connection (default 10 s).
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Limit for a whole call (default 120 s).
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// How calls reach the intermediary: through `service.proxy`, directly
    /// (`proxy = "none"`), or by default as `HTTPS_PROXY`/`NO_PROXY` say.
    pub fn proxy(&self) -> &Proxy {
        &self.proxy
    }

    /// Where the certificate comes from.
    pub fn certificate(&self) -> &CertificateSource {
        &self.certificate.value
    }

    /// Direct mode's own förmedlare certificate (`[seal]`), when the
    /// profile names one; otherwise the organisation's certificate
    /// ([`Profile::certificate`]) seals and calls the operators too.
    pub fn own_seal(&self) -> Option<&CertificateSource> {
        self.seal.as_ref().map(|s| &s.value)
    }

    /// The certificate that seals deliveries and calls the mailbox
    /// operators in direct mode: `[seal]`, or else `[certificate]`.
    pub fn seal_certificate(&self) -> &CertificateSource {
        self.own_seal().unwrap_or(&self.certificate.value)
    }

    /// The organisation's rules.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The case types, in file order.
    pub fn case_types(&self) -> &[CaseType] {
        &self.case_types
    }

    /// The case type called `name` (compared after trimming).
    pub fn case_type(&self, name: &str) -> Option<&CaseType> {
        self.case_types.iter().find(|c| c.name == name.trim())
    }

    /// The files the profile was read from, lowest priority first.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}
