//! # kuvert-server
//!
//! Department mode: one organisation's shared sent log and Outbox on
//! PostgreSQL, behind an HTTPS API with mutual TLS. Officers' desktops and
//! the `kuvert` command hand messages to it; it validates them again, signs
//! them with the organisation certificate (which only the server holds),
//! stores them before it answers, and its worker checks, submits and
//! follows them with `kuvert-core`'s send pipeline. Registrars read the
//! whole organisation's log (or their units').
//!
//! - [`config`]: `server.toml` ([`ServerConfig`](config::ServerConfig)).
//! - [`staff`]: identities from client certificates, roles, callers.
//! - [`db`]: the database, its migrations, transactions as a caller (row-
//!   level security) or as the service.
//! - [`messages`], [`chain`]: the log's tables and its hash chain.
//! - [`ledger`]: the send pipeline's [`Ledger`](kuvert_core::pipeline::Ledger) over the database.
//! - [`department`]: submission, reading, the Outbox step.
//! - [`worker`], [`api`], [`tls`]: the worker threads, the routes, mutual TLS.
//!
//! [`start`] runs one instance; several may run against one database.
#![deny(missing_docs)]

pub mod api;
pub mod chain;
pub mod config;
pub mod db;
pub mod department;
pub mod events;
pub mod export;
pub mod filing;
pub mod ledger;
pub mod messages;
pub mod staff;
pub mod tls;
pub mod worker;

use std::net::SocketAddr;
use std::sync::Arc;

use kuvert_core::secrets::Password;

use crate::config::ServerConfig;
use crate::db::Database;
use crate::department::Department;

/// Why an instance could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The organisation's profile or certificate is not usable.
    #[error("the organisation profile: {0}")]
    Profile(#[from] kuvert_core::profile::ProfileError),
    /// The organisation profile uses own förmedling (`[service] mode =
    /// "direct"`), which kuvert-server does not do yet.
    #[error("{0}: service.mode = \"direct\" (own förmedling) is not supported by kuvert-server yet; use an intermediary profile for the department")]
    DirectMode(std::path::PathBuf),
    /// The password file could not be read.
    #[error("the organisation certificate's password file {}: {source}", path.display())]
    PasswordFile {
        /// The file.
        path: std::path::PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The chain key file is not usable.
    #[error(transparent)]
    ChainKey(#[from] chain::ChainKeyError),
    /// The database could not be reached or migrated.
    #[error(transparent)]
    Database(#[from] db::DbError),
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] tls::TlsSetupError),
    /// The listen address could not be bound.
    #[error("listening on {address}: {source}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// A running instance: its API's address, the department behind it.
#[derive(Debug)]
pub struct RunningServer {
    /// Where the API listens.
    pub address: SocketAddr,
    /// The department (for tests and the worker).
    pub department: Arc<Department>,
    _runtime: tokio::runtime::Runtime,
}

/// Starts an instance for `config`: connects and migrates the database,
/// takes the staff from the file, loads the organisation certificate,
/// starts the worker threads and serves the API.
///
/// # Errors
///
/// [`StartError`] naming what is not usable.
pub fn start(config: &ServerConfig) -> Result<RunningServer, StartError> {
    let profile = kuvert_core::profile::Profile::load(Some(&config.profile))?;
    if !matches!(
        profile.mode(),
        kuvert_core::profile::ServiceMode::Intermediary
    ) {
        return Err(StartError::DirectMode(config.profile.clone()));
    }
    let password = match &config.password_file {
        Some(path) => Some(Password::new(
            std::fs::read_to_string(path)
                .map_err(|source| StartError::PasswordFile {
                    path: path.clone(),
                    source,
                })?
                .trim_end_matches(['\n', '\r'])
                .to_string(),
        )),
        None => None,
    };
    let key = profile.signing_key(password.as_ref())?;
    let chain_key = chain::ChainKey::load(&config.chain_key_file)?;
    let intermediary = profile.intermediary(password.as_ref())?;
    let db = Database::connect(
        &config.database_url,
        (config.worker_threads as u32 + 8).max(12),
    )?;
    db.migrate()?;
    db.sync_configured_staff(&config.staff)?;
    let acceptor = tls::acceptor(&config.tls_certificate, &config.tls_key, &config.staff_ca)?;
    let policy = kuvert_core::lifecycle::RetryPolicy {
        status_interval: config.status_interval,
        ..kuvert_core::lifecycle::RetryPolicy::default()
    };
    let department = Arc::new(
        Department::new(
            db,
            profile,
            key,
            intermediary,
            chain_key,
            config.instance.clone(),
            config.lease,
        )
        .with_retry_policy(policy),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("kuvert-server-api")
        .build()
        .map_err(|source| StartError::Listen {
            address: config.listen,
            source,
        })?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(config.listen))
        .map_err(|source| StartError::Listen {
            address: config.listen,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| StartError::Listen {
        address: config.listen,
        source,
    })?;
    runtime.spawn(tls::serve(
        listener,
        acceptor,
        api::router(Arc::clone(&department)),
    ));
    events::start(Arc::clone(&department), &config.database_url);
    worker::start(
        Arc::clone(&department),
        &config.database_url,
        config.worker_threads,
        config.poll,
    );
    tracing::info!(%address, instance = %config.instance, "kuvert-server is serving");
    Ok(RunningServer {
        address,
        department,
        _runtime: runtime,
    })
}
