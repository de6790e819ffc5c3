//! The chain's head, anchored outside the database and keyed.
//!
//! The hash chain alone shows an edit of one row, but not someone who
//! deletes the newest entries or rebuilds every hash: anything in the
//! database can be rewritten by whoever can write the file. So two things
//! are signed with a key the database does not hold ([`LogKey`], kept in the
//! OS keyring by `kuvert_core`):
//!
//! - the **anchor**, a small file beside the database (`kuvert.sqlite.anchor`)
//!   naming the newest entry and its hash, rewritten after every write; and
//! - every **checkpoint** a check records.
//!
//! A check then also requires that the chain still holds the anchored entry
//! with the anchored hash (else entries were removed, or the chain was
//! rebuilt), and that every checkpoint's signature holds. The signature is
//! HMAC-SHA256 over a domain tag, the entry's sequence number, its hash and
//! the time, so an anchor cannot be moved to another entry or replayed as a
//! checkpoint.

use std::io::Write;
use std::path::{Path, PathBuf};

use openssl::memcmp;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use time::OffsetDateTime;

use crate::messages::hex;
use crate::StoreError;

/// The key that signs the anchor and the checkpoints: 32 random bytes.
#[derive(Clone)]
pub struct LogKey([u8; 32]);

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogKey(…)")
    }
}

impl LogKey {
    /// A new random key.
    pub fn generate() -> Result<LogKey, StoreError> {
        let mut key = [0u8; 32];
        openssl::rand::rand_bytes(&mut key).map_err(|e| StoreError::InvalidInput {
            field: "log key",
            reason: format!("no random bytes: {e}"),
        })?;
        Ok(LogKey(key))
    }

    /// The key as 64 lower-case hex digits (how the keyring keeps it).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Reads a key written by [`LogKey::to_hex`].
    pub fn from_hex(text: &str) -> Result<LogKey, StoreError> {
        let bad = || StoreError::InvalidInput {
            field: "log key",
            reason: "not 64 hexadecimal digits".into(),
        };
        let text = text.trim();
        if text.len() != 64 {
            return Err(bad());
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(LogKey(key))
    }

    /// The signature of `(domain, seq, hash, at)`.
    pub(crate) fn sign(&self, domain: &str, seq: i64, hash: &[u8], at: i64) -> Vec<u8> {
        let mut data = Vec::with_capacity(domain.len() + 16 + hash.len());
        data.extend_from_slice(domain.as_bytes());
        data.extend_from_slice(&seq.to_be_bytes());
        data.extend_from_slice(&(hash.len() as u64).to_be_bytes());
        data.extend_from_slice(hash);
        data.extend_from_slice(&at.to_be_bytes());
        let sign = || -> Result<Vec<u8>, openssl::error::ErrorStack> {
            let key = PKey::hmac(&self.0)?;
            let mut signer = Signer::new(openssl::hash::MessageDigest::sha256(), &key)?;
            signer.update(&data)?;
            signer.sign_to_vec()
        };
        // HMAC over bytes in memory does not fail; an empty signature
        // never verifies, so a failure cannot vouch for anything.
        sign().unwrap_or_default()
    }

    /// Whether `signature` is the signature of `(domain, seq, hash, at)`.
    pub(crate) fn verifies(
        &self,
        domain: &str,
        seq: i64,
        hash: &[u8],
        at: i64,
        signature: &[u8],
    ) -> bool {
        let expected = self.sign(domain, seq, hash, at);
        !expected.is_empty()
            && expected.len() == signature.len()
            && memcmp::eq(&expected, signature)
    }
}

/// The domain tag of anchor signatures.
const ANCHOR_DOMAIN: &str = "kuvert-anchor/1";

/// The anchor as stored in its file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    /// The newest entry when it was written.
    pub seq: u64,
    /// That entry's hash, lower-case hex.
    pub hash: String,
    /// When it was written (unix seconds).
    pub at: i64,
    /// The signature, lower-case hex.
    pub signature: String,
}

impl Anchor {
    /// Whether `key` signed this anchor.
    pub(crate) fn signed_by(&self, key: &LogKey) -> bool {
        match (unhex(&self.hash), unhex(&self.signature)) {
            (Some(hash), Some(signature)) => key.verifies(
                ANCHOR_DOMAIN,
                i64::try_from(self.seq).unwrap_or(-1),
                &hash,
                self.at,
                &signature,
            ),
            _ => false,
        }
    }

    /// When it was written.
    pub fn written_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp(self.at).ok()
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The anchor file of the database at `database`.
pub fn anchor_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".anchor");
    PathBuf::from(name)
}

/// Reads the anchor file; `None` when there is none.
pub(crate) fn read(database: &Path) -> Result<Option<Anchor>, StoreError> {
    let path = anchor_path(database);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                what: format!("the log's anchor {}: {e}", path.display()),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::InvalidInput {
            field: "log anchor",
            reason: format!("{} cannot be read: {e}", path.display()),
        }),
    }
}

/// Anchors the chain's head `(seq, hash)` at `at`, unless the file already
/// anchors a later entry (another process wrote after us). Written whole:
/// a temporary file, flushed, then renamed over the old one.
pub(crate) fn write(
    database: &Path,
    key: &LogKey,
    seq: i64,
    hash: &[u8],
    at: i64,
) -> Result<(), StoreError> {
    if let Ok(Some(existing)) = read(database) {
        if existing.signed_by(key) && i64::try_from(existing.seq).unwrap_or(i64::MAX) >= seq {
            return Ok(());
        }
    }
    let anchor = Anchor {
        seq: u64::try_from(seq).unwrap_or(0),
        hash: hex(hash),
        at,
        signature: hex(&key.sign(ANCHOR_DOMAIN, seq, hash, at)),
    };
    let path = anchor_path(database);
    let tmp = {
        let mut name = path.as_os_str().to_owned();
        name.push(".tmp");
        PathBuf::from(name)
    };
    let failed = |e: std::io::Error| StoreError::InvalidInput {
        field: "log anchor",
        reason: format!("{} cannot be written: {e}", path.display()),
    };
    let json = serde_json::to_vec(&anchor).map_err(|e| StoreError::Corrupt {
        what: format!("the log's anchor: {e}"),
    })?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(failed)?;
    file.write_all(&json).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    std::fs::rename(&tmp, &path).map_err(failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_only_for_what_was_signed_and_the_key() {
        let key = LogKey::generate().unwrap();
        let other = LogKey::generate().unwrap();
        let s = key.sign(ANCHOR_DOMAIN, 7, b"hash", 100);
        assert!(key.verifies(ANCHOR_DOMAIN, 7, b"hash", 100, &s));
        assert!(!key.verifies(ANCHOR_DOMAIN, 8, b"hash", 100, &s));
        assert!(!key.verifies(ANCHOR_DOMAIN, 7, b"hasH", 100, &s));
        assert!(!key.verifies(ANCHOR_DOMAIN, 7, b"hash", 101, &s));
        assert!(!key.verifies("kuvert-checkpoint/1/full", 7, b"hash", 100, &s));
        assert!(!other.verifies(ANCHOR_DOMAIN, 7, b"hash", 100, &s));
        assert!(!key.verifies(ANCHOR_DOMAIN, 7, b"hash", 100, &[]));
        assert_eq!(LogKey::from_hex(&key.to_hex()).unwrap().0, key.0);
        assert!(LogKey::from_hex("zz").is_err());
        assert_eq!(format!("{key:?}"), "LogKey(…)");
    }

    #[test]
    fn the_anchor_file_only_moves_forward() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("kuvert.sqlite");
        let key = LogKey::generate().unwrap();
        write(&db, &key, 5, b"five", 1).unwrap();
        write(&db, &key, 4, b"four", 2).unwrap();
        let anchor = read(&db).unwrap().unwrap();
        assert_eq!(
            (anchor.seq, anchor.hash.as_str()),
            (5, hex(b"five").as_str())
        );
        assert!(anchor.signed_by(&key));
        assert!(!anchor.signed_by(&LogKey::generate().unwrap()));
        let forged = Anchor { seq: 9, ..anchor };
        assert!(!forged.signed_by(&key));
    }
}
