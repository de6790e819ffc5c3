//! Small OpenSSL helpers shared by the client and server sides.

use openssl::error::ErrorStack;
use openssl::pkey::{PKey, Private};

/// Parses a PEM private key without ever asking for a passphrase.
///
/// OpenSSL's default passphrase callback prompts on the controlling terminal when it meets
/// an encrypted key; a desktop app or test must never block on that. The callback here
/// supplies no passphrase, so an encrypted key simply fails to decrypt.
pub(crate) fn private_key_without_prompt(pem: &[u8]) -> Result<PKey<Private>, ErrorStack> {
    PKey::private_key_from_pem_callback(pem, |_passphrase| Ok(0))
}

/// OpenSSL's reason texts, joined: shorter and more readable than the full error stack
/// with file names and line numbers.
pub(crate) fn reasons(error: &ErrorStack) -> String {
    let texts: Vec<&str> = error.errors().iter().filter_map(|e| e.reason()).collect();
    if texts.is_empty() {
        error.to_string()
    } else {
        texts.join("; ")
    }
}
