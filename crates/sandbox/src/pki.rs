//! The sandbox's test PKI, generated once per state directory and reused on
//! every later start: a CA, the sender's organisation certificate (Kommun B),
//! the server certificate of every listener and the intermediary's
//! certificate, which it seals with and presents to mailbox operators.

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use kuvert_testpki::{
    generate_ca, issue_organisation_certificate, issue_server_certificate, CertifiedKey,
};
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder};

use crate::directory::{SENDER_NAME, SENDER_ORGANISATION};
use crate::SandboxError;

/// The intermediary's name in its certificate.
pub const INTERMEDIARY_NAME: &str = "Kuvert sandbox förmedlingstjänst";

/// File names inside the state directory. The first three are what
/// `profile.toml` references.
pub(crate) const CA_PEM: &str = "ca.pem";
pub(crate) const SENDER_CERT: &str = "sender-cert.pem";
pub(crate) const SENDER_KEY: &str = "sender-key.pem";
/// The test organisation's förmedlare certificate for its own förmedling
/// (`profile-direct.toml`'s `[seal]`).
pub(crate) const FORMEDLARE_CERT: &str = "formedlare-cert.pem";
pub(crate) const FORMEDLARE_KEY: &str = "formedlare-key.pem";

/// The test organisation's förmedlare name in its seal certificate.
pub const FORMEDLARE_NAME: &str = "Kommun B förmedling";
const PRIVATE_DIR: &str = "sandbox-pki";

/// Every certificate and key of the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxPki {
    /// The CA (trust anchor for servers, clients and signatures).
    pub ca: CertifiedKey,
    /// The sender's organisation certificate (162021003898, Kommun B).
    pub sender: CertifiedKey,
    /// The listeners' server certificate (`localhost`, `127.0.0.1`).
    pub server: CertifiedKey,
    /// The intermediary's certificate (sealing and TLS client).
    pub intermediary: CertifiedKey,
    /// The test organisation's own förmedlare certificate (direct mode's
    /// seal and TLS client to the mailbox operators), registered with them.
    pub formedlare: CertifiedKey,
}

struct Files {
    ca: (PathBuf, PathBuf),
    sender: (PathBuf, PathBuf),
    server: (PathBuf, PathBuf),
    intermediary: (PathBuf, PathBuf),
}

impl Files {
    fn in_dir(dir: &Path) -> Self {
        let private = dir.join(PRIVATE_DIR);
        Files {
            ca: (dir.join(CA_PEM), private.join("ca-key.pem")),
            sender: (dir.join(SENDER_CERT), dir.join(SENDER_KEY)),
            server: (
                private.join("server-cert.pem"),
                private.join("server-key.pem"),
            ),
            intermediary: (
                private.join("intermediary-cert.pem"),
                private.join("intermediary-key.pem"),
            ),
        }
    }

    fn all(&self) -> [&(PathBuf, PathBuf); 4] {
        [&self.ca, &self.sender, &self.server, &self.intermediary]
    }
}

impl SandboxPki {
    /// Loads the PKI from `dir`, or generates and writes it when any part is
    /// missing. A state directory from before the förmedlare certificate
    /// existed keeps its PKI and gains one, issued by its CA.
    pub(crate) fn load_or_generate(dir: &Path) -> Result<Self, SandboxError> {
        let files = Files::in_dir(dir);
        let formedlare = (dir.join(FORMEDLARE_CERT), dir.join(FORMEDLARE_KEY));
        if files.all().iter().all(|(c, k)| c.is_file() && k.is_file()) {
            let read = |(c, k): &(PathBuf, PathBuf)| -> Result<CertifiedKey, SandboxError> {
                Ok(CertifiedKey {
                    cert_pem: read_text(c)?,
                    key_pem: read_text(k)?,
                })
            };
            let ca = read(&files.ca)?;
            let formedlare = if formedlare.0.is_file() && formedlare.1.is_file() {
                read(&formedlare)?
            } else {
                let issued = issue_formedlare_certificate(&ca)?;
                write_text(&formedlare.0, &issued.cert_pem)?;
                write_text(&formedlare.1, &issued.key_pem)?;
                issued
            };
            return Ok(SandboxPki {
                ca,
                sender: read(&files.sender)?,
                server: read(&files.server)?,
                intermediary: read(&files.intermediary)?,
                formedlare,
            });
        }
        let pki = Self::generate()?;
        write_text(&formedlare.0, &pki.formedlare.cert_pem)?;
        write_text(&formedlare.1, &pki.formedlare.key_pem)?;
        fs::create_dir_all(dir.join(PRIVATE_DIR)).map_err(|e| SandboxError::io(dir, e))?;
        for ((cert, key), material) in
            files
                .all()
                .into_iter()
                .zip([&pki.ca, &pki.sender, &pki.server, &pki.intermediary])
        {
            write_text(cert, &material.cert_pem)?;
            write_text(key, &material.key_pem)?;
        }
        Ok(pki)
    }

    fn generate() -> Result<Self, SandboxError> {
        let ca = generate_ca("Kuvert sandbox CA").map_err(SandboxError::pki)?;
        let sender = issue_organisation_certificate(&ca, SENDER_ORGANISATION, SENDER_NAME)
            .map_err(SandboxError::pki)?;
        let server = issue_server_certificate(
            &ca,
            &["localhost"],
            &[
                IpAddr::from([127, 0, 0, 1]),
                IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
            ],
        )
        .map_err(SandboxError::pki)?;
        let intermediary =
            issue_intermediary_certificate(&ca).map_err(|e| SandboxError::Pki(e.to_string()))?;
        let formedlare = issue_formedlare_certificate(&ca)?;
        Ok(SandboxPki {
            ca,
            sender,
            server,
            intermediary,
            formedlare,
        })
    }
}

/// The test organisation's förmedlare certificate: an organisation
/// certificate of Kommun B under another name, a key of its own.
fn issue_formedlare_certificate(ca: &CertifiedKey) -> Result<CertifiedKey, SandboxError> {
    issue_organisation_certificate(ca, SENDER_ORGANISATION, FORMEDLARE_NAME)
        .map_err(SandboxError::pki)
}

fn read_text(path: &Path) -> Result<String, SandboxError> {
    fs::read_to_string(path).map_err(|e| SandboxError::io(path, e))
}

fn write_text(path: &Path, text: &str) -> Result<(), SandboxError> {
    fs::write(path, text).map_err(|e| SandboxError::io(path, e))
}

/// The intermediary's certificate: signing and TLS client authentication.
/// Not an organisation certificate from kuvert-testpki because that carries
/// an organisation number, and the sandbox has no published test number to
/// give its intermediary.
fn issue_intermediary_certificate(ca: &CertifiedKey) -> Result<CertifiedKey, ErrorStack> {
    let ca_cert = openssl::x509::X509::from_pem(ca.cert_pem.as_bytes())?;
    let ca_key = PKey::private_key_from_pem(ca.key_pem.as_bytes())?;
    let key = PKey::from_rsa(Rsa::generate(2048)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COUNTRYNAME, "SE")?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Kuvert test environment")?;
    name.append_entry_by_nid(Nid::COMMONNAME, INTERMEDIARY_NAME)?;
    let name = name.build();
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(128, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    builder.set_issuer_name(ca_cert.subject_name())?;
    builder.set_pubkey(&key)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let not_before = Asn1Time::from_unix(now - 86_400)?;
    let not_after = Asn1Time::days_from_now(2 * 365)?;
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    builder.append_extension(BasicConstraints::new().critical().build()?)?;
    builder.append_extension(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .non_repudiation()
            .key_encipherment()
            .build()?,
    )?;
    builder.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?;
    let ski = SubjectKeyIdentifier::new().build(&builder.x509v3_context(Some(&ca_cert), None))?;
    builder.append_extension(ski)?;
    let aki = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&builder.x509v3_context(Some(&ca_cert), None))?;
    builder.append_extension(aki)?;
    builder.sign(&ca_key, MessageDigest::sha256())?;
    let cert = builder.build();
    Ok(CertifiedKey {
        cert_pem: String::from_utf8_lossy(&cert.to_pem()?).into_owned(),
        key_pem: String::from_utf8_lossy(&key.private_key_to_pem_pkcs8()?).into_owned(),
    })
}
