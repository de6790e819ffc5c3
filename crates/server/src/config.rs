//! `server.toml`: what one `kuvert-server` instance needs — where it listens
//! and with which TLS certificate, the staff PKI it accepts officers from,
//! the database, the organisation's Kuvert profile (sender, intermediary,
//! the organisation certificate), the worker's timings and the staff's roles.
//!
//! Paths are relative to the file's folder. The organisation certificate's
//! password is never in this file: it is read from `password_file` (for
//! example a systemd credential, `$CREDENTIALS_DIRECTORY/kuvert-org`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::staff::{Role, StaffMember};

/// The parsed configuration of one instance.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The address the HTTPS API listens on.
    pub listen: SocketAddr,
    /// The server's certificate chain (PEM).
    pub tls_certificate: PathBuf,
    /// The server's private key (PEM).
    pub tls_key: PathBuf,
    /// The CA bundle of the staff PKI: only officers with a certificate it
    /// issued get past the TLS handshake.
    pub staff_ca: PathBuf,
    /// The PostgreSQL connection (a `postgresql://` URL or libpq key=value).
    pub database_url: String,
    /// The organisation's Kuvert profile.
    pub profile: PathBuf,
    /// The file holding the organisation certificate's password, if it has one.
    pub password_file: Option<PathBuf>,
    /// This instance's name in the Outbox's leases.
    pub instance: String,
    /// How long a claimed Outbox item stays claimed without progress.
    pub lease: Duration,
    /// How often the worker looks for due items when nothing woke it.
    pub poll: Duration,
    /// How many worker threads this instance runs.
    pub worker_threads: usize,
    /// How often a submitted message's status is asked for.
    pub status_interval: Duration,
    /// The staff and their roles from the file.
    pub staff: Vec<StaffMember>,
    /// The file holding the secret the log's chain is keyed with
    /// ([`crate::chain::ChainKey`]); the same on every instance.
    pub chain_key_file: PathBuf,
}

/// Why `server.toml` could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A key is missing, misspelt or has a value of the wrong kind.
    #[error("{}: {key}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The key (`server.listen`).
        key: String,
        /// What is wrong.
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    server: ServerSection,
    database: DatabaseSection,
    organisation: OrganisationSection,
    log: LogSection,
    #[serde(default)]
    worker: WorkerSection,
    #[serde(default)]
    staff: Vec<StaffEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    listen: SocketAddr,
    tls_certificate: PathBuf,
    tls_key: PathBuf,
    staff_ca: PathBuf,
    instance: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSection {
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganisationSection {
    profile: PathBuf,
    password_file: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogSection {
    chain_key_file: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkerSection {
    #[serde(default = "default_lease_seconds")]
    lease_seconds: u64,
    #[serde(default = "default_poll_milliseconds")]
    poll_milliseconds: u64,
    #[serde(default = "default_threads")]
    threads: usize,
    #[serde(default = "default_status_interval_seconds")]
    status_interval_seconds: u64,
}

impl Default for WorkerSection {
    fn default() -> Self {
        WorkerSection {
            lease_seconds: default_lease_seconds(),
            poll_milliseconds: default_poll_milliseconds(),
            threads: default_threads(),
            status_interval_seconds: default_status_interval_seconds(),
        }
    }
}

fn default_lease_seconds() -> u64 {
    60
}

fn default_poll_milliseconds() -> u64 {
    1000
}

fn default_threads() -> usize {
    4
}

fn default_status_interval_seconds() -> u64 {
    30
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffEntry {
    identity: String,
    name: Option<String>,
    role: Role,
    unit: Option<String>,
    #[serde(default)]
    units: Vec<String>,
}

impl ServerConfig {
    /// Reads and checks `path`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the key at fault.
    pub fn load(path: &Path) -> Result<ServerConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        ServerConfig::parse(&text, path, base)
    }

    fn parse(text: &str, path: &Path, base: &Path) -> Result<ServerConfig, ConfigError> {
        let invalid = |key: &str, reason: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            key: key.to_string(),
            reason,
        };
        let deserializer =
            toml::Deserializer::parse(text).map_err(|e| invalid("file", e.to_string()))?;
        let file: File = serde_path_to_error::deserialize(deserializer)
            .map_err(|e| invalid(&e.path().to_string(), e.inner().message().to_string()))?;
        if file.worker.lease_seconds < 5 {
            return Err(invalid(
                "worker.lease_seconds",
                "must be at least 5 seconds (a lease shorter than one call would let two instances work on one message)".into(),
            ));
        }
        let mut staff = Vec::new();
        for (i, entry) in file.staff.into_iter().enumerate() {
            let identity = entry.identity.trim().to_string();
            if identity.is_empty() {
                return Err(invalid(&format!("staff[{i}].identity"), "is empty".into()));
            }
            if staff.iter().any(|s: &StaffMember| s.identity == identity) {
                return Err(invalid(
                    &format!("staff[{i}].identity"),
                    format!("{identity} is listed twice"),
                ));
            }
            staff.push(StaffMember {
                name: entry.name.unwrap_or_else(|| identity.clone()),
                identity,
                role: entry.role,
                unit: entry.unit,
                units: entry.units,
            });
        }
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        Ok(ServerConfig {
            listen: file.server.listen,
            tls_certificate: resolve(file.server.tls_certificate),
            tls_key: resolve(file.server.tls_key),
            staff_ca: resolve(file.server.staff_ca),
            database_url: file.database.url,
            profile: resolve(file.organisation.profile),
            password_file: file.organisation.password_file.map(resolve),
            instance: file
                .server
                .instance
                .unwrap_or_else(|| format!("kuvert-server-{}", std::process::id())),
            lease: Duration::from_secs(file.worker.lease_seconds),
            poll: Duration::from_millis(file.worker.poll_milliseconds),
            worker_threads: file.worker.threads.clamp(1, 64),
            status_interval: Duration::from_secs(file.worker.status_interval_seconds.max(1)),
            staff,
            chain_key_file: resolve(file.log.chain_key_file),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [server]
        listen = "127.0.0.1:8600"
        tls_certificate = "server.pem"
        tls_key = "server-key.pem"
        staff_ca = "staff-ca.pem"
        [database]
        url = "host=/run/postgresql dbname=kuvert"
        [organisation]
        profile = "organisation.toml"
        password_file = "/run/credentials/kuvert-org"
        [log]
        chain_key_file = "chain.key"
        [[staff]]
        identity = "anna@kommun.example"
        role = "officer"
        unit = "Bygglov"
    "#;

    #[test]
    fn paths_resolve_against_the_file_and_defaults_apply() {
        let config = ServerConfig::parse(
            MINIMAL,
            Path::new("/etc/kuvert/server.toml"),
            Path::new("/etc/kuvert"),
        )
        .unwrap();
        assert_eq!(config.tls_certificate, Path::new("/etc/kuvert/server.pem"));
        assert_eq!(
            config.password_file.as_deref(),
            Some(Path::new("/run/credentials/kuvert-org"))
        );
        assert_eq!(config.lease, Duration::from_secs(60));
        assert_eq!(config.chain_key_file, Path::new("/etc/kuvert/chain.key"));
        assert_eq!(config.staff[0].name, "anna@kommun.example");
        assert_eq!(config.staff[0].role, Role::Officer);
    }

    #[test]
    fn the_shipped_example_is_a_valid_configuration() {
        let text = include_str!("../../../packaging/server/server.toml.example");
        let config = ServerConfig::parse(
            text,
            Path::new("/etc/kuvert/server.toml"),
            Path::new("/etc/kuvert"),
        )
        .unwrap();
        assert_eq!(config.staff.len(), 3);
        assert_eq!(config.staff[2].role, Role::Administrator);
        assert_eq!(
            config.password_file.as_deref(),
            Some(Path::new(
                "/run/credentials/kuvert-server.service/kuvert-org"
            ))
        );
    }

    #[test]
    fn a_misspelt_key_is_named() {
        let text = MINIMAL.replace("staff_ca", "staf_ca");
        let error = ServerConfig::parse(&text, Path::new("s.toml"), Path::new(".")).unwrap_err();
        assert!(error.to_string().contains("server"), "{error}");
    }

    #[test]
    fn an_unknown_role_is_named() {
        let text = MINIMAL.replace("role = \"officer\"", "role = \"boss\"");
        let error = ServerConfig::parse(&text, Path::new("s.toml"), Path::new(".")).unwrap_err();
        assert!(error.to_string().contains("staff[0].role"), "{error}");
    }

    #[test]
    fn a_password_in_the_file_is_refused() {
        let text = MINIMAL.replace("password_file =", "password = \"hemligt\"\n#");
        let error = ServerConfig::parse(&text, Path::new("s.toml"), Path::new(".")).unwrap_err();
        assert!(error.to_string().contains("organisation"), "{error}");
    }
}
