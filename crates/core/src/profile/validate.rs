//! Validation: the merged profile files become a [`Profile`], or the first
//! problem found, as a [`ProfileError::Invalid`] naming the file that set
//! the key (or, for a missing key, the highest-priority file) and the key.
//!
//! The files have already been read into typed structs ([`super::file`]),
//! so what is checked here is whether the values are acceptable and
//! whether the required keys are there.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kuvert_protocol::delivery::{DeliveryError, ProtectionClass, SenderName, Subject};
use kuvert_protocol::identity::OrganizationNumber;
use kuvert_transport::{Endpoints, Proxy, ProxyUrl};

use super::envelope_capacity;
use crate::pdf::PdfProfile;

use super::file::{key, CaseTypeTable, CertificateTable, Key, Layer, Layers};
use super::{
    CaseType, CertificateSource, Department, Environment, Profile, ProfileError, Rules,
    ServiceMode, Sourced, SupportContact, DEFAULT_ALLOWED_TYPES, DEFAULT_MAX_ENVELOPE_BYTES,
    MIN_ENVELOPE_BYTES,
};
use crate::compose::file_type::FileType;

/// The profile the merged `layers` describe.
///
/// # Errors
///
/// The first key that is missing or has a value that is not allowed.
pub(super) fn profile(layers: Layers) -> Result<Profile, ProfileError> {
    let read = Reader { layers: &layers };

    let organisation_number = {
        let key = key!(sender.organisation_number);
        let (text, file) = read.required_text(key)?;
        OrganizationNumber::parse(text).map_err(|e| {
            invalid(
                file,
                key.name,
                format!("{e}; write the organisation number as 202100-3898"),
            )
        })?
    };
    let sender_names = read.sender_names()?;
    let name_key = key!(profile.name);
    let name = match read.text(name_key) {
        Some((name, file)) if name.trim().is_empty() => {
            return Err(invalid(file, name_key.name, "must not be empty".into()))
        }
        Some((name, _)) => name.trim().to_string(),
        None => sender_names[0].as_str().to_string(),
    };
    let environment_key = key!(profile.environment);
    let environment = match read.text(environment_key) {
        None | Some(("production", _)) => Environment::Production,
        Some(("test", _)) => Environment::Test,
        Some((other, file)) => {
            return Err(invalid(
                file,
                environment_key.name,
                format!("{other:?} is not an environment; write \"test\" or \"production\""),
            ))
        }
    };
    let support = read.support(&sender_names[0])?;
    let (mode, endpoints) = read.service_mode()?;
    let ca_bundle = read.required_path(key!(service.ca_bundle))?;
    let connect_timeout = read.seconds(key!(service.connect_timeout_seconds), 10)?;
    let call_timeout = read.seconds(key!(service.call_timeout_seconds), 120)?;
    let proxy = read.proxy()?;
    let certificate = read.certificate(environment)?;
    let seal = read.seal(&mode, environment)?;
    let rules = read.rules()?;
    let case_types = read.case_types(&support)?;
    let department = read.department()?;
    let log_level = read.log_level()?;

    Ok(Profile {
        name,
        environment,
        organisation_number,
        sender_names,
        support,
        endpoints,
        mode,
        ca_bundle,
        connect_timeout,
        call_timeout,
        proxy,
        certificate,
        seal,
        rules,
        case_types,
        department,
        log_level,
        files: layers.files(),
    })
}

fn invalid(file: &Path, key: &str, reason: String) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_path_buf(),
        key: key.to_string(),
        reason,
    }
}

/// The file `name` names, resolved against the directory of the file that
/// set `key`; an empty name is refused.
fn file_name(name: &str, layer: &Layer, key: &str) -> Result<PathBuf, ProfileError> {
    if name.trim().is_empty() {
        return Err(invalid(
            &layer.file,
            key,
            "must not be empty; name a file (relative to the profile)".into(),
        ));
    }
    Ok(layer.path(name))
}

/// Look-ups over the merged layers, with errors naming file and key.
struct Reader<'a> {
    layers: &'a Layers,
}

impl<'a> Reader<'a> {
    /// The error for a missing key, blamed on the highest-priority file.
    fn missing(&self, key: &str, hint: &str) -> ProfileError {
        invalid(self.layers.last_file(), key, format!("missing; {hint}"))
    }

    fn text(&self, key: Key<String>) -> Option<(&'a str, &'a Path)> {
        self.layers
            .value(&key)
            .map(|(text, layer)| (text.as_str(), layer.file.as_path()))
    }

    fn required_text(&self, key: Key<String>) -> Result<(&'a str, &'a Path), ProfileError> {
        self.text(key)
            .ok_or_else(|| self.missing(key.name, "this key has no default"))
    }

    fn required_path(&self, key: Key<String>) -> Result<Sourced<PathBuf>, ProfileError> {
        let (name, layer) = self
            .layers
            .value(&key)
            .ok_or_else(|| self.missing(key.name, "name the file (relative to the profile)"))?;
        Ok(Sourced {
            value: file_name(name, layer, key.name)?,
            file: layer.file.clone(),
            key: key.name.to_string(),
        })
    }

    fn integer(
        &self,
        key: Key<i64>,
        default: i64,
        allowed: RangeInclusive<i64>,
    ) -> Result<i64, ProfileError> {
        match self.layers.value(&key) {
            None => Ok(default),
            Some((value, _)) if allowed.contains(value) => Ok(*value),
            Some((value, layer)) => Err(invalid(
                &layer.file,
                key.name,
                format!(
                    "{value} is out of range; use {}–{}",
                    allowed.start(),
                    allowed.end()
                ),
            )),
        }
    }

    fn seconds(&self, key: Key<i64>, default: u64) -> Result<Duration, ProfileError> {
        let seconds = self.integer(key, default as i64, 1..=3600)?;
        Ok(Duration::from_secs(seconds.unsigned_abs()))
    }

    fn sender_names(&self) -> Result<Vec<SenderName>, ProfileError> {
        let key = key!(sender.names);
        let Some((names, layer)) = self.layers.value(&key) else {
            return Err(self.missing(
                key.name,
                "list at least one sender name, e.g. names = [\"Kommun B\"]",
            ));
        };
        let invalid = |reason: String| invalid(&layer.file, key.name, reason);
        if names.is_empty() {
            return Err(invalid("must list at least one sender name".into()));
        }
        let mut sender_names: Vec<SenderName> = Vec::with_capacity(names.len());
        for name in names {
            let name = SenderName::new(name).map_err(|e| invalid(e.to_string()))?;
            if name.as_str().chars().count() < 2 {
                return Err(invalid(format!(
                    "the sender name {:?} is too short (at least 2 characters)",
                    name.as_str()
                )));
            }
            if sender_names.contains(&name) {
                return Err(invalid(format!(
                    "the sender name {:?} is listed twice",
                    name.as_str()
                )));
            }
            sender_names.push(name);
        }
        Ok(sender_names)
    }

    fn service_url(&self, key: Key<String>) -> Result<String, ProfileError> {
        let (url, file) = self.required_text(key)?;
        let url = url.trim();
        let rest = url.strip_prefix("https://").ok_or_else(|| {
            invalid(
                file,
                key.name,
                format!("{url:?} must be an https:// address (server verification is always on)"),
            )
        })?;
        if rest.is_empty() || rest.starts_with('/') || url.contains(char::is_whitespace) {
            return Err(invalid(
                file,
                key.name,
                format!("{url:?} is not a web address"),
            ));
        }
        Ok(url.to_string())
    }

    /// `service.mode` and the endpoints it needs: the intermediary's
    /// `recipient_url` and `message_url`, or in direct mode FaR's `far_url`
    /// and the operators' `operator_ca_bundle`. A key of the other mode is
    /// refused, naming it, so that a half-changed profile never sends
    /// somewhere unintended.
    fn service_mode(&self) -> Result<(ServiceMode, Endpoints), ProfileError> {
        let mode_key = key!(service.mode);
        let direct = match self.text(mode_key) {
            None => false,
            Some((mode, file)) => match mode.trim() {
                "intermediary" => false,
                "direct" => true,
                other => {
                    return Err(invalid(
                        file,
                        mode_key.name,
                        format!("{other:?} is not a mode; write \"intermediary\" (through an intermediary, the default) or \"direct\" (Kuvert is its own förmedlare)"),
                    ))
                }
            },
        };
        let refuse = |key: Key<String>, why: &str| -> Result<(), ProfileError> {
            match self.layers.value(&key) {
                Some((_, layer)) => Err(invalid(&layer.file, key.name, why.to_string())),
                None => Ok(()),
            }
        };
        if direct {
            let why = "not used with mode = \"direct\": FaR is far_url, and each recipient's mailbox operator comes from FaR; remove it";
            refuse(key!(service.recipient_url), why)?;
            refuse(key!(service.message_url), why)?;
            let far = self.service_url(key!(service.far_url))?;
            let operator_ca_bundle = self.required_path(key!(service.operator_ca_bundle))?.value;
            Ok((
                ServiceMode::Direct { operator_ca_bundle },
                Endpoints {
                    recipient: far,
                    message: String::new(),
                },
            ))
        } else {
            let why = "only used with mode = \"direct\" (own förmedling); remove it, or set service.mode = \"direct\"";
            refuse(key!(service.far_url), why)?;
            refuse(key!(service.operator_ca_bundle), why)?;
            Ok((
                ServiceMode::Intermediary,
                Endpoints {
                    recipient: self.service_url(key!(service.recipient_url))?,
                    message: self.service_url(key!(service.message_url))?,
                },
            ))
        }
    }

    /// `log.level`: one of [`LOG_LEVELS`](super::LOG_LEVELS).
    fn log_level(&self) -> Result<Option<String>, ProfileError> {
        let key = key!(log.level);
        let Some((level, file)) = self.text(key) else {
            return Ok(None);
        };
        let level = level.trim().to_ascii_lowercase();
        if super::LOG_LEVELS.contains(&level.as_str()) {
            Ok(Some(level))
        } else {
            Err(invalid(
                file,
                key.name,
                format!(
                    "{level:?} is not a log level; write one of {}",
                    super::LOG_LEVELS.join(", ")
                ),
            ))
        }
    }

    /// `[department]`: both keys or neither; the URL an https:// address.
    fn department(&self) -> Result<Option<Department>, ProfileError> {
        let url_key = key!(department.url);
        let ca_key = key!(department.ca_bundle);
        match (self.text(url_key), self.layers.value(&ca_key)) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(self.missing(
                ca_key.name,
                "department mode needs the CA bundle the server's certificate is checked against",
            )),
            (None, Some((_, layer))) => Err(invalid(
                &layer.file,
                url_key.name,
                "missing; name the department server (https://host:port) or remove department.ca_bundle".into(),
            )),
            (Some(_), Some(_)) => Ok(Some(Department {
                url: self.service_url(url_key)?.trim_end_matches('/').to_string(),
                ca_bundle: self.required_path(ca_key)?.value,
            })),
        }
    }

    /// `service.proxy`: an `http://host:port` address, or `"none"` for never
    /// a proxy; absent, `HTTPS_PROXY`/`NO_PROXY` from the environment decide.
    fn proxy(&self) -> Result<Proxy, ProfileError> {
        let key = key!(service.proxy);
        match self.text(key) {
            None => Ok(Proxy::FromEnvironment),
            Some((text, _)) if text.trim().eq_ignore_ascii_case("none") => Ok(Proxy::Direct),
            Some((text, file)) => ProxyUrl::parse(text)
                .map(Proxy::Via)
                .map_err(|e| invalid(file, key.name, format!("{e} (or \"none\" for no proxy)"))),
        }
    }

    fn support(&self, first_sender: &SenderName) -> Result<SupportContact, ProfileError> {
        let default_text = format!("Frågor om meddelandet? Kontakta {first_sender}.");
        let text = self.text(key!(sender.support_text));
        let email = self.text(key!(sender.support_email));
        let phone = self.text(key!(sender.support_phone));
        let url = self.text(key!(sender.support_url));
        SupportContact::new(
            text.map(|(t, _)| t).unwrap_or(&default_text),
            email.map(|(e, _)| e),
            phone.map(|(p, _)| p),
            url.map(|(u, _)| u),
        )
        .map_err(|e| {
            // Blame the key whose value the contract refused.
            use DeliveryError as D;
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
        let Some((table, layer)) = self.layers.certificate() else {
            return Err(self.missing(
                "certificate.pkcs12",
                "name the organisation's PKCS#12 certificate file",
            ));
        };
        certificate_source(table, layer, "certificate", environment)
    }

    /// `[seal]`: direct mode's own förmedlare certificate, `None` when the
    /// organisation's `[certificate]` seals too. Refused outside direct mode.
    fn seal(
        &self,
        mode: &ServiceMode,
        environment: Environment,
    ) -> Result<Option<Sourced<CertificateSource>>, ProfileError> {
        let Some((table, layer)) = self.layers.seal() else {
            return Ok(None);
        };
        if !matches!(mode, ServiceMode::Direct { .. }) {
            let key = if table.pkcs12.is_some() {
                "seal.pkcs12"
            } else {
                "seal.cert_pem"
            };
            return Err(invalid(
                &layer.file,
                key,
                "only used with service.mode = \"direct\" (the förmedlare certificate that seals); \
                 remove [seal], or set service.mode = \"direct\""
                    .into(),
            ));
        }
        certificate_source(table, layer, "seal", environment).map(Some)
    }

    fn rules(&self) -> Result<Rules, ProfileError> {
        const MAX_BYTES: i64 = 1 << 40;
        let require_case_number = self
            .layers
            .value(&key!(rules.require_case_number))
            .is_none_or(|(required, _)| *required);
        let max_envelope_bytes = self
            .integer(
                key!(rules.max_envelope_bytes),
                DEFAULT_MAX_ENVELOPE_BYTES as i64,
                MIN_ENVELOPE_BYTES as i64..=MAX_BYTES,
            )?
            .unsigned_abs();
        // Unless set, the attachment limits are what the envelope can carry.
        let carried = envelope_capacity(max_envelope_bytes).min(20_000_000);
        let max_attachment_bytes = self
            .integer(
                key!(rules.max_attachment_bytes),
                carried as i64,
                1..=MAX_BYTES,
            )?
            .unsigned_abs();
        let max_total_attachment_bytes = self
            .integer(
                key!(rules.max_total_attachment_bytes),
                max_attachment_bytes.min(carried) as i64,
                1..=MAX_BYTES,
            )?
            .unsigned_abs();
        for (key, limit) in [
            (key!(rules.max_attachment_bytes), max_attachment_bytes),
            (
                key!(rules.max_total_attachment_bytes),
                max_total_attachment_bytes,
            ),
        ] {
            if limit > envelope_capacity(max_envelope_bytes) {
                let file = self
                    .layers
                    .value(&key)
                    .map(|(_, layer)| layer.file.as_path())
                    .unwrap_or(self.layers.last_file());
                return Err(invalid(
                    file,
                    key.name,
                    format!(
                        "{limit} bytes of attachments cannot fit in rules.max_envelope_bytes = {max_envelope_bytes} \
                         (sent as base64 they take {} bytes; at most {} bytes of attachments fit); \
                         lower {} or raise rules.max_envelope_bytes",
                        limit.div_ceil(3) * 4,
                        envelope_capacity(max_envelope_bytes),
                        key.name,
                    ),
                ));
            }
        }
        let retention_days = self
            .integer(key!(rules.retention_days), 3650, 1..=36_500)?
            .unsigned_abs() as u32;
        let allowed_attachment_types = match self
            .layers
            .value(&key!(rules.allowed_attachment_types))
        {
            None => DEFAULT_ALLOWED_TYPES
                .iter()
                .map(|t| t.to_string())
                .collect(),
            Some((types, layer)) => {
                let mut allowed: Vec<String> = Vec::with_capacity(types.len());
                for t in types {
                    let t = t.trim().to_ascii_lowercase();
                    if FileType::from_mime(&t).is_none() {
                        return Err(invalid(
                            &layer.file,
                            "rules.allowed_attachment_types",
                            format!(
                                "Kuvert cannot recognise files of type {t:?}; the types it knows are {}",
                                FileType::known_mime_types().join(", ")
                            ),
                        ));
                    }
                    if !allowed.contains(&t) {
                        allowed.push(t);
                    }
                }
                allowed
            }
        };
        let purgers = match self.layers.value(&key!(retention.purgers)) {
            None => Vec::new(),
            Some((purgers, layer)) => {
                let mut checked = Vec::with_capacity(purgers.len());
                for purger in purgers {
                    let purger = purger.trim();
                    let name = purger.strip_prefix('%').unwrap_or(purger);
                    if name.is_empty() || name.contains(char::is_whitespace) {
                        return Err(invalid(
                            &layer.file,
                            "retention.purgers",
                            format!(
                                "{purger:?} is not an account or a group; write accounts as \"anna.lind\" and groups as \"%registratorer\""
                            ),
                        ));
                    }
                    checked.push(purger.to_string());
                }
                checked
            }
        };
        let pdf_profile = match self.text(key!(rules.pdf_a)) {
            None => PdfProfile::default(),
            Some((name, file)) => PdfProfile::from_name(name).ok_or_else(|| {
                invalid(
                    file,
                    "rules.pdf_a",
                    format!("{name:?} is not a PDF/A conformance Kuvert writes; write \"2b\" (PDF/A-2b, the default) or \"1b\" (PDF/A-1b)"),
                )
            })?,
        };
        Ok(Rules {
            pdf_profile,
            require_case_number,
            max_attachment_bytes,
            max_total_attachment_bytes,
            max_envelope_bytes,
            allowed_attachment_types,
            retention_days,
            purgers,
        })
    }

    fn case_types(&self, support: &SupportContact) -> Result<Vec<CaseType>, ProfileError> {
        let Some((entries, layer)) = self.layers.case_types() else {
            return Ok(Vec::new());
        };
        let mut case_types: Vec<CaseType> = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let key = |k: &str| format!("case_type[{}].{k}", index + 1);
            let case_type = case_type(entry, &layer.file, key, support)?;
            if case_types.iter().any(|c| c.name == case_type.name) {
                return Err(invalid(
                    &layer.file,
                    &key("name"),
                    format!("the case type {:?} is defined twice", case_type.name),
                ));
            }
            case_types.push(case_type);
        }
        Ok(case_types)
    }
}

/// One `[[case_type]]` entry; `key` names its keys for errors.
fn case_type(
    entry: &CaseTypeTable,
    file: &Path,
    key: impl Fn(&str) -> String,
    support: &SupportContact,
) -> Result<CaseType, ProfileError> {
    let name = entry
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            invalid(
                file,
                &key("name"),
                "missing; every case type needs a name".into(),
            )
        })?;
    if let Some(subject) = &entry.subject {
        Subject::new(subject).map_err(|e| invalid(file, &key("subject"), e.to_string()))?;
    }
    let protection_class = entry
        .protection_class
        .map(|class| {
            ProtectionClass::new(u8::try_from(class).unwrap_or(u8::MAX)).map_err(|e| {
                invalid(
                    file,
                    &key("protection_class"),
                    format!("{e}; use 1, 2 or 3"),
                )
            })
        })
        .transpose()?;
    let retention_days = entry
        .retention_days
        .map(|days| {
            u32::try_from(days)
                .ok()
                .filter(|d| (1..=36_500).contains(d))
                .ok_or_else(|| {
                    invalid(
                        file,
                        &key("retention_days"),
                        format!("{days} is not a number of days from 1 to 36500"),
                    )
                })
        })
        .transpose()?;
    let support = entry
        .support_text
        .as_deref()
        .map(|text| {
            support
                .with_text(text)
                .map_err(|e| invalid(file, &key("support_text"), e.to_string()))
        })
        .transpose()?;
    Ok(CaseType {
        name: name.to_string(),
        subject: entry.subject.clone(),
        protection_class,
        body: entry.body.clone(),
        support,
        retention_days,
    })
}

/// A `[certificate]` or `[seal]` table (`table_name`) as a certificate
/// source: a PKCS#12 file, or in test environments a PEM pair.
fn certificate_source(
    table: &CertificateTable,
    layer: &Layer,
    table_name: &str,
    environment: Environment,
) -> Result<Sourced<CertificateSource>, ProfileError> {
    let path = |name: &Option<String>, key: &str| {
        name.as_deref()
            .map(|name| file_name(name, layer, key))
            .transpose()
    };
    let pkcs12 = path(&table.pkcs12, &format!("{table_name}.pkcs12"))?;
    let cert_pem = path(&table.cert_pem, &format!("{table_name}.cert_pem"))?;
    let key_pem = path(&table.key_pem, &format!("{table_name}.key_pem"))?;
    let sourced = |value, key: &str| Sourced {
        value,
        file: layer.file.clone(),
        key: key.to_string(),
    };
    let file = layer.file.as_path();
    match (pkcs12, cert_pem, key_pem) {
        (Some(path), None, None) => Ok(sourced(
            CertificateSource::Pkcs12 { path },
            &format!("{table_name}.pkcs12"),
        )),
        (None, Some(certificate), Some(key)) => {
            if environment != Environment::Test {
                return Err(invalid(
                    file,
                    &format!("{table_name}.cert_pem"),
                    "PEM files with an unencrypted key are only allowed with \
                     environment = \"test\"; use a PKCS#12 file (pkcs12 = …)"
                        .into(),
                ));
            }
            Ok(sourced(
                CertificateSource::Pem { certificate, key },
                &format!("{table_name}.cert_pem"),
            ))
        }
        (Some(_), _, _) => Err(invalid(
            file,
            table_name,
            "give either pkcs12 or cert_pem with key_pem, not both".into(),
        )),
        (None, Some(_), None) => Err(invalid(
            file,
            &format!("{table_name}.key_pem"),
            "missing; cert_pem needs key_pem".into(),
        )),
        (None, None, Some(_)) => Err(invalid(
            file,
            &format!("{table_name}.cert_pem"),
            "missing; key_pem needs cert_pem".into(),
        )),
        // `Layers::certificate` only returns a table that sets a key.
        (None, None, None) => Err(invalid(
            file,
            &format!("{table_name}.pkcs12"),
            "missing; name a PKCS#12 certificate file".into(),
        )),
    }
}
