//! Why a profile could not be loaded or used.

use std::path::PathBuf;

/// Why a profile could not be loaded, or what it names could not be used.
///
/// Every variant names the file and, where one is to blame, the key
/// (`table.key`, e.g. `service.ca_bundle`), so that whoever deployed the
/// configuration can find and fix it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// Neither the system-wide nor the per-user profile exists.
    #[error(
        "no Kuvert profile was found (looked for {}); install one or pass --profile FILE",
        display_paths(searched)
    )]
    NotFound {
        /// The files that were looked for.
        searched: Vec<PathBuf>,
    },
    /// A profile file (or a file it names) could not be read.
    #[error("cannot read {path} (named by {key} in {file}): {source}")]
    Read {
        /// The profile file.
        file: PathBuf,
        /// The key that names the unreadable file, or `file` for the profile itself.
        key: String,
        /// The file that could not be read.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{file}:{line}:{column}: not valid TOML: {message}")]
    Syntax {
        /// The profile file.
        file: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// A key is unknown, missing, of the wrong type or has a value that is not allowed.
    #[error("{file}: {key}: {reason}")]
    Invalid {
        /// The profile file that set the key (or the last file read, for a missing key).
        file: PathBuf,
        /// The key, as `table.key` (`case_type[2].name` for list entries).
        key: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// The certificate or key named by the profile could not be loaded.
    #[error("{file}: {key}: the certificate could not be loaded: {reason}")]
    Certificate {
        /// The profile file that named the certificate.
        file: PathBuf,
        /// The key that named it.
        key: String,
        /// What is wrong (wrong password, not a PKCS#12 file, key mismatch, …).
        reason: String,
        /// Whether the reason is a wrong password (the user can fix it by
        /// entering the password again).
        wrong_password: bool,
    },
    /// The certificate is a PKCS#12 file but no password was supplied.
    #[error("{file}: {key}: the certificate file needs a password; store it in the keyring first")]
    PasswordRequired {
        /// The profile file that named the certificate.
        file: PathBuf,
        /// The key that named it.
        key: String,
    },
}

impl ProfileError {
    /// The profile file the problem is in, when there is one.
    pub fn file(&self) -> Option<&std::path::Path> {
        match self {
            ProfileError::NotFound { .. } => None,
            ProfileError::Read { file, .. }
            | ProfileError::Syntax { file, .. }
            | ProfileError::Invalid { file, .. }
            | ProfileError::Certificate { file, .. }
            | ProfileError::PasswordRequired { file, .. } => Some(file),
        }
    }

    /// The key to blame, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ProfileError::NotFound { .. } | ProfileError::Syntax { .. } => None,
            ProfileError::Read { key, .. }
            | ProfileError::Invalid { key, .. }
            | ProfileError::Certificate { key, .. }
            | ProfileError::PasswordRequired { key, .. } => Some(key),
        }
    }
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
