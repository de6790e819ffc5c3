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

mod connection;
mod error;
mod file;
mod locations;

use std::path::{Path, PathBuf};
use std::time::Duration;

use kuvert_protocol::delivery::{ProtectionClass, SenderName, SupportInfo};
use kuvert_protocol::identity::OrganizationNumber;
use kuvert_transport::{Endpoints, Proxy, ProxyUrl};

pub use error::ProfileError;
pub use locations::ProfileLocations;

use file::{CaseTypeValues, Layer, Layers, Value};

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
    /// Whether every message needs a diarienummer (default `true`).
    pub require_case_number: bool,
    /// Largest single attachment in bytes (default 20 000 000).
    pub max_attachment_bytes: u64,
    /// Largest total of a message's attachments in bytes (default: the
    /// single-attachment limit).
    pub max_total_attachment_bytes: u64,
    /// MIME types that may be attached (default PDF, JPEG, PNG and plain text).
    pub allowed_attachment_types: Vec<String>,
    /// How many days entries stay in the sent log before the retention
    /// purge (gallring) may remove them (default 3650).
    pub retention_days: u32,
}

/// A case type (template) for a recurring kind of message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseType {
    name: String,
    subject: Option<String>,
    protection_class: Option<ProtectionClass>,
    body: Option<String>,
    support: Option<SupportContact>,
}

impl CaseType {
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
    ca_bundle: Sourced<PathBuf>,
    connect_timeout: Duration,
    call_timeout: Duration,
    proxy: Proxy,
    certificate: Sourced<CertificateSource>,
    rules: Rules,
    case_types: Vec<CaseType>,
    files: Vec<PathBuf>,
}

/// A value with the profile file and key that set it, for error messages
/// raised when the value is used.
#[derive(Debug, Clone)]
struct Sourced<T> {
    value: T,
    file: PathBuf,
    key: String,
}

/// The MIME types allowed when the profile does not list any.
pub const DEFAULT_ALLOWED_TYPES: [&str; 4] =
    ["application/pdf", "image/jpeg", "image/png", "text/plain"];

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
        let candidates: Vec<PathBuf> = match explicit {
            Some(file) => vec![file.to_path_buf()],
            None => std::iter::once(locations.system.clone())
                .chain(locations.user.clone())
                .collect(),
        };
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
        Profile::assemble(Layers(layers))
    }

    /// Reads one profile from text; relative paths are resolved against
    /// `base_dir` (errors name the file `base_dir/profile.toml`).
    ///
    /// # Errors
    ///
    /// The first problem found, naming the key.
    pub fn from_toml_str(text: &str, base_dir: &Path) -> Result<Profile, ProfileError> {
        let file = base_dir.join("profile.toml");
        Profile::assemble(Layers(vec![Layer::parse(text, &file, base_dir)?]))
    }

    fn assemble(layers: Layers) -> Result<Profile, ProfileError> {
        let read = Reader { layers: &layers };

        let organisation_number = {
            let (text, file) = read.required_text("sender.organisation_number")?;
            OrganizationNumber::parse(text).map_err(|e| {
                invalid(
                    file,
                    "sender.organisation_number",
                    format!("{e}; write the organisation number as 202100-3898"),
                )
            })?
        };
        let (names, names_file) = match layers.value("sender.names") {
            Some((Value::TextList(names), file)) => (names.clone(), file.to_path_buf()),
            _ => {
                return Err(invalid(
                    layers.last_file(),
                    "sender.names",
                    "missing; list at least one sender name, e.g. names = [\"Kommun B\"]".into(),
                ))
            }
        };
        if names.is_empty() {
            return Err(invalid(
                &names_file,
                "sender.names",
                "must list at least one sender name".into(),
            ));
        }
        let mut sender_names: Vec<SenderName> = Vec::with_capacity(names.len());
        for name in &names {
            let name = SenderName::new(name)
                .map_err(|e| invalid(&names_file, "sender.names", e.to_string()))?;
            if name.as_str().chars().count() < 2 {
                return Err(invalid(
                    &names_file,
                    "sender.names",
                    format!(
                        "the sender name {:?} is too short (at least 2 characters)",
                        name.as_str()
                    ),
                ));
            }
            if sender_names.contains(&name) {
                return Err(invalid(
                    &names_file,
                    "sender.names",
                    format!("the sender name {:?} is listed twice", name.as_str()),
                ));
            }
            sender_names.push(name);
        }

        let name = match read.optional_text("profile.name")? {
            Some((name, file)) if name.trim().is_empty() => {
                return Err(invalid(file, "profile.name", "must not be empty".into()))
            }
            Some((name, _)) => name.trim().to_string(),
            None => sender_names[0].as_str().to_string(),
        };
        let environment = match read.optional_text("profile.environment")? {
            None => Environment::Production,
            Some(("production", _)) => Environment::Production,
            Some(("test", _)) => Environment::Test,
            Some((other, file)) => {
                return Err(invalid(
                    file,
                    "profile.environment",
                    format!("{other:?} is not an environment; write \"test\" or \"production\""),
                ))
            }
        };

        let support = read.support(&sender_names[0])?;

        let endpoints = Endpoints {
            recipient: read.service_url("service.recipient_url")?,
            message: read.service_url("service.message_url")?,
        };
        let ca_bundle = read.required_path("service.ca_bundle")?;
        let connect_timeout = read.seconds("service.connect_timeout_seconds", 10)?;
        let call_timeout = read.seconds("service.call_timeout_seconds", 120)?;
        let proxy = read.proxy("service.proxy")?;
        let certificate = read.certificate(environment)?;
        let rules = read.rules()?;
        let case_types = read.case_types(&support)?;

        Ok(Profile {
            name,
            environment,
            organisation_number,
            sender_names,
            support,
            endpoints,
            ca_bundle,
            connect_timeout,
            call_timeout,
            proxy,
            certificate,
            rules,
            case_types,
            files: layers.0.iter().map(|l| l.file.clone()).collect(),
        })
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

    /// The intermediary's endpoints.
    pub fn endpoints(&self) -> Endpoints {
        self.endpoints.clone()
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

fn invalid(file: &Path, key: &str, reason: String) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_path_buf(),
        key: key.to_string(),
        reason,
    }
}

/// Typed look-ups over the layers, with errors naming file and key.
struct Reader<'a> {
    layers: &'a Layers,
}

impl<'a> Reader<'a> {
    fn missing(&self, key: &str, hint: &str) -> ProfileError {
        invalid(self.layers.last_file(), key, format!("missing; {hint}"))
    }

    fn optional_text(&self, key: &str) -> Result<Option<(&'a str, &'a Path)>, ProfileError> {
        match self.layers.value(key) {
            None => Ok(None),
            Some((Value::Text(text), file)) => Ok(Some((text.as_str(), file))),
            Some((_, file)) => Err(invalid(file, key, "must be a string".into())),
        }
    }

    fn required_text(&self, key: &str) -> Result<(&'a str, &'a Path), ProfileError> {
        self.optional_text(key)?
            .ok_or_else(|| self.missing(key, "this key has no default"))
    }

    fn required_path(&self, key: &str) -> Result<Sourced<PathBuf>, ProfileError> {
        match self.layers.value(key) {
            Some((Value::Path(path), file)) => Ok(Sourced {
                value: path.clone(),
                file: file.to_path_buf(),
                key: key.to_string(),
            }),
            Some((_, file)) => Err(invalid(file, key, "must be a file name".into())),
            None => Err(self.missing(key, "name the file (relative to the profile)")),
        }
    }

    fn integer(&self, key: &str, default: i64, min: i64, max: i64) -> Result<i64, ProfileError> {
        match self.layers.value(key) {
            None => Ok(default),
            Some((Value::Integer(i), _)) if (min..=max).contains(i) => Ok(*i),
            Some((Value::Integer(i), file)) => Err(invalid(
                file,
                key,
                format!("{i} is out of range; use {min}–{max}"),
            )),
            Some((_, file)) => Err(invalid(file, key, "must be an integer".into())),
        }
    }

    fn seconds(&self, key: &str, default: u64) -> Result<Duration, ProfileError> {
        let seconds = self.integer(key, default as i64, 1, 3600)?;
        Ok(Duration::from_secs(seconds.unsigned_abs()))
    }

    fn service_url(&self, key: &str) -> Result<String, ProfileError> {
        let (url, file) = self.required_text(key)?;
        let url = url.trim();
        let rest = url.strip_prefix("https://").ok_or_else(|| {
            invalid(
                file,
                key,
                format!("{url:?} must be an https:// address (server verification is always on)"),
            )
        })?;
        if rest.is_empty() || rest.starts_with('/') || url.contains(char::is_whitespace) {
            return Err(invalid(file, key, format!("{url:?} is not a web address")));
        }
        Ok(url.to_string())
    }

    /// `service.proxy`: an `http://host:port` address, `"none"`, or (absent)
    /// the environment's proxy settings.
    fn proxy(&self, key: &str) -> Result<Proxy, ProfileError> {
        match self.optional_text(key)? {
            None => Ok(Proxy::FromEnvironment),
            Some((text, _)) if text.trim().eq_ignore_ascii_case("none") => Ok(Proxy::Direct),
            Some((text, file)) => ProxyUrl::parse(text)
                .map(Proxy::Via)
                .map_err(|e| invalid(file, key, format!("{e} (or \"none\" for no proxy)"))),
        }
    }

    fn support(&self, first_sender: &SenderName) -> Result<SupportContact, ProfileError> {
        let default_text = format!("Frågor om meddelandet? Kontakta {first_sender}.");
        let text = self.optional_text("sender.support_text")?;
        let email = self.optional_text("sender.support_email")?;
        let phone = self.optional_text("sender.support_phone")?;
        let url = self.optional_text("sender.support_url")?;
        use kuvert_protocol::delivery::DeliveryError as D;
        SupportContact::new(
            text.map(|(t, _)| t).unwrap_or(&default_text),
            email.map(|(e, _)| e),
            phone.map(|(p, _)| p),
            url.map(|(u, _)| u),
        )
        .map_err(|e| {
            let (key, source) = match &e {
                D::InvalidEmail(_) => ("sender.support_email", email),
                D::InvalidUrl(_) => ("sender.support_url", url),
                D::Empty { field }
                | D::TooLong { field, .. }
                | D::ForbiddenCharacter { field, .. } => match *field {
                    "support URL" => ("sender.support_url", url),
                    "support phone number" => ("sender.support_phone", phone),
                    "support e-mail" => ("sender.support_email", email),
                    _ => ("sender.support_text", text),
                },
                _ => ("sender.support_text", text),
            };
            let file = source.map(|(_, f)| f).unwrap_or(self.layers.last_file());
            invalid(file, key, e.to_string())
        })
    }

    fn certificate(
        &self,
        environment: Environment,
    ) -> Result<Sourced<CertificateSource>, ProfileError> {
        let get = |key: &str| match self.layers.value_in_whole_table("certificate", key) {
            Some((Value::Path(p), file)) => Some((p.clone(), file.to_path_buf())),
            _ => None,
        };
        match (get("pkcs12"), get("cert_pem"), get("key_pem")) {
            (Some((path, file)), None, None) => Ok(Sourced {
                value: CertificateSource::Pkcs12 { path },
                file,
                key: "certificate.pkcs12".into(),
            }),
            (None, Some((certificate, file)), Some((key, _))) => {
                if environment != Environment::Test {
                    return Err(invalid(
                        &file,
                        "certificate.cert_pem",
                        "PEM files with an unencrypted key are only allowed with \
                         environment = \"test\"; use a PKCS#12 file (pkcs12 = …)"
                            .into(),
                    ));
                }
                Ok(Sourced {
                    value: CertificateSource::Pem { certificate, key },
                    file,
                    key: "certificate.cert_pem".into(),
                })
            }
            (Some((_, file)), _, _) => Err(invalid(
                &file,
                "certificate",
                "give either pkcs12 or cert_pem with key_pem, not both".into(),
            )),
            (None, Some((_, file)), None) => Err(invalid(
                &file,
                "certificate.key_pem",
                "missing; cert_pem needs key_pem".into(),
            )),
            (None, None, Some((_, file))) => Err(invalid(
                &file,
                "certificate.cert_pem",
                "missing; key_pem needs cert_pem".into(),
            )),
            (None, None, None) => Err(self.missing(
                "certificate.pkcs12",
                "name the organisation's PKCS#12 certificate file",
            )),
        }
    }

    fn rules(&self) -> Result<Rules, ProfileError> {
        let require_case_number = match self.layers.value("rules.require_case_number") {
            None => true,
            Some((Value::Boolean(b), _)) => *b,
            Some((_, file)) => {
                return Err(invalid(
                    file,
                    "rules.require_case_number",
                    "must be true or false".into(),
                ))
            }
        };
        const MAX: i64 = 1 << 40;
        let max_attachment_bytes = self
            .integer("rules.max_attachment_bytes", 20_000_000, 1, MAX)?
            .unsigned_abs();
        let max_total_attachment_bytes = self
            .integer(
                "rules.max_total_attachment_bytes",
                max_attachment_bytes as i64,
                1,
                MAX,
            )?
            .unsigned_abs();
        let retention_days = self
            .integer("rules.retention_days", 3650, 1, 36_500)?
            .unsigned_abs() as u32;
        let allowed_attachment_types = match self.layers.value("rules.allowed_attachment_types") {
            None => DEFAULT_ALLOWED_TYPES
                .iter()
                .map(|t| t.to_string())
                .collect(),
            Some((Value::TextList(types), file)) => {
                let mut allowed = Vec::with_capacity(types.len());
                for t in types {
                    let t = t.trim().to_ascii_lowercase();
                    if crate::compose::file_type::FileType::from_mime(&t).is_none() {
                        return Err(invalid(
                            file,
                            "rules.allowed_attachment_types",
                            format!(
                                "Kuvert cannot recognise files of type {t:?}; the types it knows are {}",
                                crate::compose::file_type::FileType::known_mime_types().join(", ")
                            ),
                        ));
                    }
                    if !allowed.contains(&t) {
                        allowed.push(t);
                    }
                }
                allowed
            }
            Some((_, file)) => {
                return Err(invalid(
                    file,
                    "rules.allowed_attachment_types",
                    "must be a list of MIME types".into(),
                ))
            }
        };
        Ok(Rules {
            require_case_number,
            max_attachment_bytes,
            max_total_attachment_bytes,
            allowed_attachment_types,
            retention_days,
        })
    }

    fn case_types(&self, support: &SupportContact) -> Result<Vec<CaseType>, ProfileError> {
        let Some((entries, file)) = self.layers.case_types() else {
            return Ok(Vec::new());
        };
        let mut case_types: Vec<CaseType> = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let case_type = case_type(entry, index, file, support)?;
            if case_types.iter().any(|c| c.name == case_type.name) {
                return Err(invalid(
                    file,
                    &format!("case_type[{}].name", index + 1),
                    format!("the case type {:?} is defined twice", case_type.name),
                ));
            }
            case_types.push(case_type);
        }
        Ok(case_types)
    }
}

fn case_type(
    entry: &CaseTypeValues,
    index: usize,
    file: &Path,
    support: &SupportContact,
) -> Result<CaseType, ProfileError> {
    let key = |k: &str| format!("case_type[{}].{k}", index + 1);
    let text = |k: &str| match entry.get(k) {
        Some(Value::Text(t)) => Some(t.clone()),
        _ => None,
    };
    let name = text("name")
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            invalid(
                file,
                &key("name"),
                "missing; every case type needs a name".into(),
            )
        })?;
    let subject = text("subject");
    if let Some(subject) = &subject {
        kuvert_protocol::delivery::Subject::new(subject)
            .map_err(|e| invalid(file, &key("subject"), e.to_string()))?;
    }
    let protection_class = match entry.get("protection_class") {
        None => None,
        Some(Value::Integer(class)) => {
            let class = u8::try_from(*class).unwrap_or(u8::MAX);
            Some(ProtectionClass::new(class).map_err(|e| {
                invalid(
                    file,
                    &key("protection_class"),
                    format!("{e}; use 1, 2 or 3"),
                )
            })?)
        }
        Some(_) => {
            return Err(invalid(
                file,
                &key("protection_class"),
                "must be 1, 2 or 3".into(),
            ))
        }
    };
    let support = match text("support_text") {
        None => None,
        Some(t) => Some(
            support
                .with_text(&t)
                .map_err(|e| invalid(file, &key("support_text"), e.to_string()))?,
        ),
    };
    Ok(CaseType {
        name,
        subject,
        protection_class,
        body: text("body"),
        support,
    })
}
