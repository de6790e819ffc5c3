//! The floor for `bench/sign.sh`: only MD5, SHA-256 and base64 over the
//! attachment bytes, with none of the XML or signing work.
//!
//! ```text
//! raw_digest FILE…
//! ```

use base64::Engine;
use openssl::hash::{hash, MessageDigest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut encoded_total = 0usize;
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        let md5 = hash(MessageDigest::md5(), &bytes)?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let sha = hash(MessageDigest::sha256(), encoded.as_bytes())?;
        encoded_total += encoded.len() + md5.len() + sha.len();
    }
    println!("{encoded_total}");
    Ok(())
}
