//! The certificate password, kept in the operating system's keyring.
//!
//! A PKCS#12 certificate's password is stored once per officer in the OS
//! keyring (on Linux the Secret Service, e.g. gnome-keyring or KWallet)
//! under the service `kuvert` and an account derived from the profile name
//! and the certificate file ([`account`]). It never appears in a file, the
//! database or a log.
//!
//! Headless automation that has no keyring may instead set the environment
//! variable [`PASSWORD_ENV`] (`KUVERT_CERT_PASSWORD`). It is consulted only
//! when the keyring holds no password or cannot be reached, and each use is
//! logged as a warning, because environment variables are visible to other
//! processes of the same user and end up in shell histories.
//!
//! [`Password`] wraps the secret: its `Debug` is redacted and it has no
//! `Display`, so it cannot be logged by accident.

use std::fmt;
use std::path::Path;

use kuvert_store::LogKey;

use crate::profile::{CertificateSource, Profile};

/// The keyring service name under which Kuvert stores passwords.
pub const SERVICE: &str = "kuvert";

/// The environment variable headless automation may use instead of the keyring.
pub const PASSWORD_ENV: &str = "KUVERT_CERT_PASSWORD";

/// The environment variable headless automation may use for the password of
/// direct mode's own seal certificate (`[seal]`).
pub const SEAL_PASSWORD_ENV: &str = "KUVERT_SEAL_PASSWORD";

/// Which of the profile's certificates a password opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertificateRole {
    /// The organisation's certificate (`[certificate]`): signs, and calls
    /// the intermediary.
    #[default]
    Organisation,
    /// The certificate that seals in direct mode: `[seal]`, or else the
    /// organisation's (then it shares that password entry).
    Seal,
}

impl CertificateRole {
    /// The certificate this role names in `profile`.
    pub fn certificate<'p>(&self, profile: &'p Profile) -> &'p CertificateSource {
        match self {
            CertificateRole::Organisation => profile.certificate(),
            CertificateRole::Seal => profile.seal_certificate(),
        }
    }

    /// The environment variable of the headless fallback.
    pub fn environment_variable(&self) -> &'static str {
        match self {
            CertificateRole::Organisation => PASSWORD_ENV,
            CertificateRole::Seal => SEAL_PASSWORD_ENV,
        }
    }
}

/// Headless fallback for the sent log's key (64 hex digits) where no
/// keyring can be reached, e.g. a service account on a server.
pub const LOG_KEY_ENV: &str = "KUVERT_LOG_KEY";

/// A certificate password. `Debug` prints `Password(<redacted>)`; there is no
/// `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Password(password.into())
    }

    /// The password itself, for opening the certificate. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Where a password was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordSource {
    /// The OS keyring.
    Keyring,
    /// The environment variable [`PASSWORD_ENV`] (headless fallback).
    Environment,
}

/// Why the keyring could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// No password is stored for this profile and certificate, and its
    /// environment variable ([`PASSWORD_ENV`] or [`SEAL_PASSWORD_ENV`]) is
    /// not set.
    #[error(
        "no certificate password is stored for {account:?}; enter it once (it is kept in the \
         keyring), or for headless automation set {variable}"
    )]
    NotStored {
        /// The keyring account.
        account: String,
        /// The headless fallback's environment variable.
        variable: &'static str,
    },
    /// The keyring (Secret Service) cannot be reached or refused access, and
    /// [`PASSWORD_ENV`] is not set.
    #[error(
        "the keyring cannot be used ({detail}); unlock it or start a Secret Service such as \
         gnome-keyring, or for headless automation set {PASSWORD_ENV} (and {SEAL_PASSWORD_ENV} \
         for a separate seal certificate)"
    )]
    Unavailable {
        /// What the keyring reported (never secret data).
        detail: String,
    },
    /// The profile's certificate has no password (PEM files).
    #[error("the profile's certificate is a PEM file and has no password")]
    NotNeeded,
    /// An empty password cannot be stored.
    #[error("the password is empty")]
    Empty,
}

/// The keyring account for a profile's certificate: the profile name and the
/// certificate file, so that two profiles (test and production) or two
/// certificates never share a password entry.
pub fn account(profile: &Profile) -> String {
    account_for(profile, CertificateRole::Organisation)
}

/// The keyring account for the certificate `role` names: as [`account`],
/// so a seal that is the organisation's certificate shares its entry.
pub fn account_for(profile: &Profile, role: CertificateRole) -> String {
    format!(
        "{} — {}",
        profile.name(),
        role.certificate(profile).certificate_path().display()
    )
}

/// Certificate passwords in the OS keyring.
pub struct Keyring {
    service: String,
    environment: EnvironmentLookup,
}

/// Reads an environment variable (a seam so tests control the fallback).
type EnvironmentLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Default for Keyring {
    fn default() -> Self {
        Keyring::system()
    }
}

impl Keyring {
    /// The system keyring under the service [`SERVICE`], with the process
    /// environment as the headless fallback.
    pub fn system() -> Self {
        Keyring {
            service: SERVICE.to_string(),
            environment: Box::new(|name| std::env::var(name).ok()),
        }
    }

    /// The system keyring under another service name, so tests never touch
    /// a user's real entries.
    pub fn with_service(service: &str) -> Self {
        Keyring {
            service: service.to_string(),
            ..Keyring::system()
        }
    }

    /// Replaces the environment look-up used for the [`PASSWORD_ENV`]
    /// fallback (a seam for tests).
    pub fn with_environment(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.environment = Box::new(lookup);
        self
    }

    /// The keyring service name.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(
        &self,
        profile: &Profile,
        role: CertificateRole,
    ) -> Result<keyring::Entry, SecretError> {
        if !role.certificate(profile).needs_password() {
            return Err(SecretError::NotNeeded);
        }
        keyring::Entry::new(&self.service, &account_for(profile, role)).map_err(unavailable)
    }

    /// Stores (or replaces) the password for the profile's certificate.
    ///
    /// # Errors
    ///
    /// [`SecretError::Unavailable`], [`SecretError::NotNeeded`] or
    /// [`SecretError::Empty`].
    pub fn store_password(
        &self,
        profile: &Profile,
        password: &Password,
    ) -> Result<(), SecretError> {
        self.store_password_for(profile, CertificateRole::Organisation, password)
    }

    /// Stores (or replaces) the password for the certificate `role` names.
    ///
    /// # Errors
    ///
    /// As [`Keyring::store_password`].
    pub fn store_password_for(
        &self,
        profile: &Profile,
        role: CertificateRole,
        password: &Password,
    ) -> Result<(), SecretError> {
        if password.expose().is_empty() {
            return Err(SecretError::Empty);
        }
        self.entry(profile, role)?
            .set_password(password.expose())
            .map_err(unavailable)?;
        tracing::info!(service = %self.service, account = %account_for(profile, role), "certificate password stored in the keyring");
        Ok(())
    }

    /// The password for the profile's certificate: from the keyring, or
    /// when it has none or cannot be reached, from [`PASSWORD_ENV`] (with a
    /// logged warning).
    ///
    /// # Errors
    ///
    /// [`SecretError::NotStored`] or [`SecretError::Unavailable`] when
    /// neither source has it; [`SecretError::NotNeeded`] for PEM certificates.
    pub fn password(&self, profile: &Profile) -> Result<(Password, PasswordSource), SecretError> {
        self.password_for(profile, CertificateRole::Organisation)
    }

    /// The password for the certificate `role` names, as
    /// [`Keyring::password`] (the seal's fallback is [`SEAL_PASSWORD_ENV`]
    /// when it has its own certificate).
    ///
    /// # Errors
    ///
    /// As [`Keyring::password`].
    pub fn password_for(
        &self,
        profile: &Profile,
        role: CertificateRole,
    ) -> Result<(Password, PasswordSource), SecretError> {
        // A seal that is the organisation's certificate is its password.
        let role = match (role, profile.own_seal()) {
            (CertificateRole::Seal, None) => CertificateRole::Organisation,
            (role, _) => role,
        };
        let account = account_for(profile, role);
        let variable = role.environment_variable();
        let keyring_result = self.entry(profile, role).and_then(|entry| {
            entry
                .get_password()
                .map_err(unavailable_or_missing(&account, variable))
        });
        let failure = match keyring_result {
            Ok(password) => return Ok((Password(password), PasswordSource::Keyring)),
            Err(SecretError::NotNeeded) => return Err(SecretError::NotNeeded),
            Err(e) => e,
        };
        match (self.environment)(variable).filter(|p| !p.is_empty()) {
            Some(password) => {
                tracing::warn!(
                    account = %account,
                    reason = %failure,
                    "using the certificate password from {variable}; \
                     store it in the keyring instead unless this is headless automation"
                );
                Ok((Password(password), PasswordSource::Environment))
            }
            None => Err(failure),
        }
    }

    /// Removes the stored password. Returns whether one was stored.
    ///
    /// # Errors
    ///
    /// [`SecretError::Unavailable`] or [`SecretError::NotNeeded`].
    pub fn forget_password(&self, profile: &Profile) -> Result<bool, SecretError> {
        self.forget_password_for(profile, CertificateRole::Organisation)
    }

    /// Removes the stored password of the certificate `role` names.
    ///
    /// # Errors
    ///
    /// As [`Keyring::forget_password`].
    pub fn forget_password_for(
        &self,
        profile: &Profile,
        role: CertificateRole,
    ) -> Result<bool, SecretError> {
        match self.entry(profile, role)?.delete_credential() {
            Ok(()) => {
                tracing::info!(service = %self.service, account = %account_for(profile, role), "certificate password removed from the keyring");
                Ok(true)
            }
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// The keyring account of the key that signs the sent log at `database`
/// (its anchor and checkpoints): the database's full path, so each log has
/// its own key and a copy of the database elsewhere is not vouched for by
/// this one's.
pub fn log_account(database: &Path) -> String {
    let path = database
        .canonicalize()
        .unwrap_or_else(|_| database.to_path_buf());
    format!("sent log — {}", path.display())
}

impl Keyring {
    /// The key that signs the sent log at `database`: the one in the
    /// keyring, else [`LOG_KEY_ENV`], else a new one, stored now (then
    /// `created` is true and the caller anchors the log for the first time).
    ///
    /// # Errors
    ///
    /// [`SecretError::Unavailable`] when the keyring cannot be reached and
    /// [`LOG_KEY_ENV`] is not set.
    pub fn log_key(&self, database: &Path) -> Result<(LogKey, bool), SecretError> {
        let account = log_account(database);
        let stored = keyring::Entry::new(&self.service, &account)
            .and_then(|entry| match entry.get_password() {
                Ok(hex) => Ok((entry, Some(hex))),
                Err(keyring::Error::NoEntry) => Ok((entry, None)),
                Err(e) => Err(e),
            })
            .map_err(unavailable);
        let from_env = || {
            (self.environment)(LOG_KEY_ENV)
                .and_then(|hex| LogKey::from_hex(&hex).ok())
                .map(|key| (key, false))
        };
        let bad_key = |_| SecretError::Unavailable {
            detail: format!("the key stored for {account:?} is not a sent-log key"),
        };
        match stored {
            Ok((_, Some(hex))) => LogKey::from_hex(&hex).map(|k| (k, false)).map_err(bad_key),
            Ok((entry, None)) => {
                if let Some(found) = from_env() {
                    return Ok(found);
                }
                let key = LogKey::generate().map_err(|e| SecretError::Unavailable {
                    detail: e.to_string(),
                })?;
                entry.set_password(&key.to_hex()).map_err(unavailable)?;
                tracing::info!(service = %self.service, account = %account, "a key for the sent log was stored in the keyring");
                Ok((key, true))
            }
            Err(e) => from_env().ok_or(e),
        }
    }
}

fn unavailable_or_missing<'a>(
    account: &'a str,
    variable: &'static str,
) -> impl Fn(keyring::Error) -> SecretError + 'a {
    move |e| match e {
        keyring::Error::NoEntry => SecretError::NotStored {
            account: account.to_string(),
            variable,
        },
        other => unavailable(other),
    }
}

/// Describes a keyring failure without ever formatting secret bytes (some
/// variants carry the stored blob).
fn unavailable(e: keyring::Error) -> SecretError {
    use keyring::Error as E;
    let detail = match &e {
        E::PlatformFailure(inner) => format!("platform failure: {inner}"),
        E::NoStorageAccess(inner) => format!("no access to the keyring: {inner}"),
        E::NoEntry => "no entry".to_string(),
        E::BadEncoding(_) => "the stored password is not UTF-8 text".to_string(),
        E::BadDataFormat(_, _) => "the stored password is not in the expected format".to_string(),
        E::BadStoreFormat(why) => format!("the keyring is damaged: {why}"),
        E::TooLong(what, limit) => format!("{what} is longer than {limit}"),
        E::Invalid(what, why) => format!("{what} is invalid: {why}"),
        E::Ambiguous(entries) => format!("{} entries match", entries.len()),
        E::NoDefaultStore => "no Secret Service could be reached".to_string(),
        E::NotSupportedByStore(why) => format!("not supported: {why}"),
        _ => "unknown keyring failure".to_string(),
    };
    SecretError::Unavailable { detail }
}
