//! `kuvert doctor`: what IT checks when sending does not work, or on a
//! schedule for monitoring — the profile, the organisation's certificate
//! (validity, days left, its organisation number against the profile's),
//! its key usage, the certificate password in the keyring, the CA bundle's
//! certificates, whether each endpoint of the intermediary answers over
//! mutual TLS and the certificate its server presents, and the data
//! directory (on the local disk, writable, free space). Each finding says what to fix.
//!
//! Certificates are warned about [`WARN_DAYS`] before they expire (the
//! officer's app shows the same in its header).

mod certificates;

use std::path::Path;

use openssl::x509::X509Ref;
use serde::Serialize;
use time::OffsetDateTime;

use crate::certificate_import::instant;
use crate::profile::Profile;
use crate::secrets::{CertificateRole, Keyring, Password};
use kuvert_local_time::LocalTime;
use kuvert_transport::{HttpsClient, TransportError};

/// The thresholds at which a certificate is warned about, in days before
/// it expires: the first is the default of `kuvert doctor --warn-days`.
pub const WARN_DAYS: [u32; 3] = [30, 14, 7];

/// Free space below which the data directory is warned about (bytes).
pub const LOW_DISK_BYTES: u64 = 500 * 1024 * 1024;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Nothing to do.
    Ok,
    /// Works now, but needs attention soon (a certificate expiring, little disk).
    Warning,
    /// Sending does not work until this is fixed.
    Problem,
}

/// One check's finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which check (`profile`, `certificate`, `keyring`, `ca_bundle`,
    /// `endpoint.recipient`, `endpoint.message`, `data_dir`).
    pub check: String,
    /// How it came out.
    pub health: Health,
    /// What was found.
    pub found: String,
    /// What to do about it, when there is something to do.
    pub fix: Option<String>,
    /// For a certificate: whole days until it expires (negative: expired).
    pub days_left: Option<i64>,
}

impl Finding {
    fn ok(check: &str, found: impl Into<String>) -> Finding {
        Finding {
            check: check.into(),
            health: Health::Ok,
            found: found.into(),
            fix: None,
            days_left: None,
        }
    }

    fn problem(check: &str, found: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            check: check.into(),
            health: Health::Problem,
            found: found.into(),
            fix: Some(fix.into()),
            days_left: None,
        }
    }
}

/// Every finding of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkup {
    /// In the order checked.
    pub findings: Vec<Finding>,
}

impl Checkup {
    /// The worst health found.
    pub fn worst(&self) -> Health {
        self.findings
            .iter()
            .map(|f| f.health)
            .max()
            .unwrap_or(Health::Ok)
    }

    /// The fewest days any certificate has left, if one was read.
    pub fn fewest_days_left(&self) -> Option<i64> {
        self.findings.iter().filter_map(|f| f.days_left).min()
    }
}

/// Runs every check for `profile` with its data in `data_dir`; a
/// certificate expiring within `warn_days` is a warning.
pub fn checkup(
    profile: &Profile,
    keyring: &Keyring,
    data_dir: &Path,
    warn_days: u32,
    now: OffsetDateTime,
) -> Checkup {
    let mut findings = vec![Finding::ok(
        "profile",
        format!(
            "{} for {} ({})",
            profile.name(),
            profile.organisation_number().display_form(),
            profile
                .files()
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )];
    let password = password(profile, keyring, &mut findings);
    let identity = match profile.client_identity(password.as_ref()) {
        Ok(identity) => {
            findings.push(certificate_finding(
                "certificate",
                identity.certificate(),
                warn_days,
                now,
            ));
            if let Err(other) = crate::certificate_import::check_organisation(&identity, profile) {
                findings.push(Finding::problem(
                    "certificate.organisation",
                    other.to_string(),
                    "use the organisation's own certificate (kuvert import-certificate FILE), or correct [sender] organisation_number",
                ));
            }
            findings.push(certificates::key_usage_finding(identity.certificate()));
            Some(identity)
        }
        Err(error) => {
            findings.push(Finding::problem(
                "certificate",
                error.to_string(),
                "check [certificate] in the profile and the password (kuvert password set)",
            ));
            None
        }
    };
    seal_findings(profile, keyring, warn_days, now, &mut findings);
    match profile.ca_bundle() {
        Ok(bundle) => {
            for certificate in bundle.certificates() {
                findings.push(certificate_finding(
                    "ca_bundle",
                    certificate,
                    warn_days,
                    now,
                ));
            }
        }
        Err(error) => findings.push(Finding::problem(
            "ca_bundle",
            error.to_string(),
            "point [service] ca_bundle at the intermediary's CA certificates (PEM)",
        )),
    }
    // Own förmedling: the mailbox operators' CA certificates too.
    match profile.operator_ca_bundle() {
        Ok(Some(bundle)) => {
            for certificate in bundle.certificates() {
                findings.push(certificate_finding(
                    "operator_ca_bundle",
                    certificate,
                    warn_days,
                    now,
                ));
            }
        }
        Ok(None) => {}
        Err(error) => findings.push(Finding::problem(
            "operator_ca_bundle",
            error.to_string(),
            "point [service] operator_ca_bundle at the mailbox operators' CA certificates (PEM)",
        )),
    }
    if let Some(identity) = &identity {
        findings.extend(endpoints(profile, password.as_ref()));
        findings.extend(certificates::server_findings(
            profile, identity, warn_days, now,
        ));
    }
    findings.push(data_dir_finding(data_dir));
    Checkup { findings }
}

/// The organisation's certificate as the app's header warns about it: its
/// finding (days left; a warning within `warn_days`, a problem when it is
/// not valid today), or, when a CA certificate of the bundle expires
/// sooner and needs attention, that one's. `None` when the organisation's
/// certificate cannot be read now (a password the keyring does not have, a
/// missing file: `kuvert doctor` says which).
pub fn certificate_health(
    profile: &Profile,
    keyring: &Keyring,
    warn_days: u32,
    now: OffsetDateTime,
) -> Option<Finding> {
    let password = if profile.certificate().needs_password() {
        Some(keyring.password(profile).ok()?.0)
    } else {
        None
    };
    let identity = profile.client_identity(password.as_ref()).ok()?;
    let own = certificate_finding("certificate", identity.certificate(), warn_days, now);
    let soonest_ca = profile.ca_bundle().ok().and_then(|bundle| {
        bundle
            .certificates()
            .iter()
            .map(|ca| certificate_finding("ca_bundle", ca, warn_days, now))
            .filter(|f| f.health != Health::Ok)
            .min_by_key(|f| f.days_left)
    });
    Some(match soonest_ca {
        Some(ca) if own.health == Health::Ok || ca.days_left < own.days_left => ca,
        _ => own,
    })
}

/// The password from the keyring where the certificate needs one.
fn password(profile: &Profile, keyring: &Keyring, findings: &mut Vec<Finding>) -> Option<Password> {
    password_for(profile, keyring, CertificateRole::Organisation, findings)
}

/// The password of the certificate `role` names, where it needs one, with
/// a finding (`keyring`, or `seal.keyring`) saying where it came from.
fn password_for(
    profile: &Profile,
    keyring: &Keyring,
    role: CertificateRole,
    findings: &mut Vec<Finding>,
) -> Option<Password> {
    if !role.certificate(profile).needs_password() {
        return None;
    }
    let (check, fix) = match role {
        CertificateRole::Organisation => (
            "keyring",
            "store the certificate password: kuvert password set",
        ),
        CertificateRole::Seal => (
            "seal.keyring",
            "store the seal certificate's password: kuvert password set --seal",
        ),
    };
    match keyring.password_for(profile, role) {
        Ok((password, source)) => {
            findings.push(Finding::ok(
                check,
                format!("the certificate password comes from {source:?}"),
            ));
            Some(password)
        }
        Err(error) => {
            findings.push(Finding::problem(check, error.to_string(), fix));
            None
        }
    }
}

/// Direct mode's own seal certificate (`[seal]`), when the profile has
/// one: its password, validity and key usage.
fn seal_findings(
    profile: &Profile,
    keyring: &Keyring,
    warn_days: u32,
    now: OffsetDateTime,
    findings: &mut Vec<Finding>,
) {
    if profile.own_seal().is_none() {
        return;
    }
    let password = password_for(profile, keyring, CertificateRole::Seal, findings);
    match profile.seal_identity(password.as_ref()) {
        Ok(identity) => {
            findings.push(certificate_finding(
                "seal",
                identity.certificate(),
                warn_days,
                now,
            ));
            let mut usage = certificates::key_usage_finding(identity.certificate());
            usage.check = "seal.key_usage".to_string();
            findings.push(usage);
        }
        Err(error) => findings.push(Finding::problem(
            "seal",
            error.to_string(),
            "check [seal] in the profile and its password (kuvert password set --seal)",
        )),
    }
}

/// A certificate's validity against `now`.
fn certificate_finding(
    check: &str,
    certificate: &X509Ref,
    warn_days: u32,
    now: OffsetDateTime,
) -> Finding {
    let summary = kuvert_transport::CertificateSummary::of(certificate);
    let until = instant(certificate.not_after());
    let from = instant(certificate.not_before());
    let days_left = until.map(|u| (u - now).whole_days());
    let until_text = until.map_or_else(
        || certificate.not_after().to_string(),
        |u| LocalTime::of(u).minute_text(),
    );
    let mut finding = Finding::ok(
        check,
        // Only its dates are checked here: whether the intermediary trusts
        // it is the endpoints' check, over mutual TLS.
        format!(
            "{} is within its validity dates until {until_text}",
            summary.subject_cn
        ),
    );
    finding.days_left = days_left;
    if from.is_some_and(|f| f > now) {
        finding.health = Health::Problem;
        finding.found = format!("{} is not valid yet", summary.subject_cn);
        finding.fix = Some("check the computer's clock, or use a certificate valid today".into());
    } else if until.is_some_and(|u| u <= now) {
        finding.health = Health::Problem;
        finding.found = format!("{} expired on {until_text}", summary.subject_cn);
        finding.fix =
            Some("order a new certificate and install it (kuvert import-certificate FILE)".into());
    } else if let Some(days) = days_left.filter(|&d| d <= i64::from(warn_days)) {
        finding.health = Health::Warning;
        finding.found = format!(
            "{} expires in {days} day{} ({until_text})",
            summary.subject_cn,
            if days == 1 { "" } else { "s" }
        );
        finding.fix = Some("order a new certificate now and install it before then".into());
    }
    finding
}

/// Whether each endpoint answers over mutual TLS (any HTTP answer will do:
/// the handshake and the organisation's certificate were accepted).
fn endpoints(profile: &Profile, password: Option<&Password>) -> Vec<Finding> {
    let client = match profile
        .client_config(password)
        .map_err(|e| e.to_string())
        .and_then(|c| HttpsClient::new(c).map_err(|e| e.to_string()))
    {
        Ok(client) => client,
        Err(error) => {
            return vec![Finding::problem(
                "endpoint",
                error,
                "check [certificate] and [service] ca_bundle in the profile",
            )]
        }
    };
    let endpoints = profile.endpoints();
    let checks = match profile.mode() {
        crate::profile::ServiceMode::Intermediary => vec![
            (
                "endpoint.recipient",
                "service.recipient_url",
                endpoints.recipient,
            ),
            ("endpoint.message", "service.message_url", endpoints.message),
        ],
        // Own förmedling: FaR; each operator's address comes from FaR.
        crate::profile::ServiceMode::Direct { .. } => {
            vec![("endpoint.far", "service.far_url", endpoints.recipient)]
        }
    };
    checks
        .into_iter()
    .map(|(check, key, url)| {
        let answered = |status: u16| {
            Finding::ok(
                check,
                format!("{url} answers over mutual TLS (HTTP {status})"),
            )
        };
        match client.get(&url) {
            Ok(reply) => answered(reply.status),
            Err(TransportError::HttpStatus { status: 404, .. }) => Finding::problem(
                check,
                format!("{url} answers, but not found (HTTP 404)"),
                format!("check {key}: the intermediary's address for this service is wrong"),
            ),
            Err(TransportError::HttpStatus {
                status: status @ (401 | 403),
                ..
            }) => Finding::problem(
                check,
                format!("{url} refuses the organisation (HTTP {status})"),
                "ask the intermediary to give the organisation's certificate access".to_string(),
            ),
            // Any other answer means the handshake and the certificate were
            // accepted (a service taking SOAP POSTs answers a GET with 405).
            Err(TransportError::HttpStatus { status, .. }) => answered(status),
            Err(error) => Finding::problem(
                check,
                format!("{url}: {error}"),
                format!("check {key}, the network and the proxy ([service] proxy); ask IT whether the intermediary is up"),
            ),
        }
    })
    .collect()
}

/// The data directory: on the local disk, writable, with room for the log.
fn data_dir_finding(dir: &Path) -> Finding {
    if let Some(file_system) = crate::paths::network::network_file_system(dir) {
        return Finding::problem(
            "data_dir",
            format!("{} is on a network share ({file_system})", dir.display()),
            "keep Kuvert's data on the local disk (the store cannot work safely over a network share): set KUVERT_DATA_DIR to a local folder, or keep the folder out of folder redirection",
        );
    }
    let probe = dir.join(".kuvert-doctor");
    if let Err(error) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&probe, b"probe"))
    {
        return Finding::problem(
            "data_dir",
            format!("{} cannot be written: {error}", dir.display()),
            "give the officer's account write access to it, or choose another with --data-dir / KUVERT_DATA_DIR",
        );
    }
    let _ = std::fs::remove_file(&probe);
    match free_bytes(dir) {
        Some(free) if free < LOW_DISK_BYTES => Finding {
            check: "data_dir".into(),
            health: Health::Warning,
            found: format!("{}: only {} MB free", dir.display(), free / 1_000_000),
            fix: Some("free some space: a full disk stops sending".into()),
            days_left: None,
        },
        Some(free) => Finding::ok(
            "data_dir",
            format!(
                "{} is writable, {} MB free",
                dir.display(),
                free / 1_000_000
            ),
        ),
        None => Finding::ok("data_dir", format!("{} is writable", dir.display())),
    }
}

#[cfg(unix)]
#[allow(clippy::useless_conversion)] // the fields' types differ between systems
fn free_bytes(dir: &Path) -> Option<u64> {
    let stats = nix::sys::statvfs::statvfs(dir).ok()?;
    Some(u64::from(stats.blocks_available()) * u64::from(stats.fragment_size()))
}

#[cfg(not(unix))]
fn free_bytes(_: &Path) -> Option<u64> {
    None
}
