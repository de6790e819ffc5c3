//! What the sandbox remembers across restarts: distributions with their
//! statuses, and what each mailbox operator received. Kept as one JSON file
//! (`sandbox-state/records.json`, replaced atomically) plus one file per
//! signed and per sealed delivery.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::directory::Operator;
use crate::SandboxError;

pub(crate) const STATE_DIR: &str = "sandbox-state";

/// Where a distribution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Progress {
    /// Accepted; not yet delivered to the mailbox operator.
    Pending,
    /// The operator confirmed delivery.
    Delivered,
    /// The operator refused it.
    DeliveryFailed,
}

/// One accepted `distributeSecure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Distribution {
    pub id: String,
    pub sender: String,
    pub message_id: String,
    /// SHA-256 (hex) of the signed delivery document, for idempotency.
    pub content_sha256: String,
    pub recipient: String,
    pub operator: Operator,
    pub progress: Progress,
    pub accepted_unix: i64,
}

/// One sealed delivery an operator accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MailboxEntry {
    pub operator: Operator,
    pub transaction_id: String,
    pub message_id: String,
    pub recipient: String,
    pub received_unix: i64,
}

/// Everything persisted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Records {
    /// Ports last listened on, reused when free so saved profiles stay valid.
    pub service_port: Option<u16>,
    pub operator_port: Option<u16>,
    pub web_port: Option<u16>,
    pub distributions: Vec<Distribution>,
    pub mailbox: Vec<MailboxEntry>,
}

/// The state directory's layout.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn open(state_dir: &Path) -> Result<(Self, Records), SandboxError> {
        let dir = state_dir.join(STATE_DIR);
        for sub in ["", "signed", "mailboxes"] {
            let d = dir.join(sub);
            fs::create_dir_all(&d).map_err(|e| SandboxError::io(&d, e))?;
        }
        let store = Store { dir };
        let path = store.records_path();
        let records = match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SandboxError::State {
                path: path.clone(),
                detail: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Records::default(),
            Err(e) => return Err(SandboxError::io(&path, e)),
        };
        Ok((store, records))
    }

    fn records_path(&self) -> PathBuf {
        self.dir.join("records.json")
    }

    /// Writes the records: a temporary file renamed over the old one, so a
    /// crash leaves either the old or the new state.
    pub fn save(&self, records: &Records) -> Result<(), SandboxError> {
        let path = self.records_path();
        let tmp = self.dir.join("records.json.tmp");
        let bytes = serde_json::to_vec_pretty(records).map_err(|e| SandboxError::State {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        fs::write(&tmp, bytes).map_err(|e| SandboxError::io(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| SandboxError::io(&path, e))
    }

    pub fn signed_path(&self, distribution_id: &str) -> PathBuf {
        self.dir
            .join("signed")
            .join(format!("{distribution_id}.xml"))
    }

    pub fn sealed_path(&self, operator: Operator, transaction_id: &str) -> PathBuf {
        self.dir
            .join("mailboxes")
            .join(operator.slug())
            .join(format!("{transaction_id}.xml"))
    }

    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| SandboxError::io(parent, e))?;
        }
        fs::write(path, bytes).map_err(|e| SandboxError::io(path, e))
    }
}

/// Lowercase hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    openssl::sha::sha256(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
