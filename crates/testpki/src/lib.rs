//! Throwaway test PKI for Kuvert's tests and built-in test environment.
//! **Never for production**: keys are generated on the fly, written unencrypted where asked,
//! and nothing here is revocable.
//!
//! The shape mirrors what Mina meddelanden participants use in real life:
//!
//! - [`generate_ca`] makes a self-signed root CA.
//! - [`issue_organisation_certificate`] issues a sender certificate the way Swedish
//!   organisation certificates are issued: `C=SE, O=<name>, CN=<name>,
//!   serialNumber=<12-digit organisation number>`, usable for TLS client authentication
//!   and signing.
//! - [`issue_server_certificate`] issues a TLS server certificate for DNS names and IPs.
//! - [`issue_organisation_certificate_valid_between`] and
//!   [`self_signed_organisation_certificate`] make the forged or expired signers that
//!   verification tests must see refused.
//! - [`TestPki`] bundles all three and [`TestPki::write_to`] puts them on disk in the
//!   formats the application reads (PEM and PKCS#12).
//!
//! All keys are RSA 2048 with SHA-256 signatures, serials are random and certificates are
//! valid from one day ago (tolerating clock skew between test processes) for two years.
//!
//! ```
//! let pki = kuvert_testpki::TestPki::generate("162021003898", "Testkommunen")?;
//! assert!(pki.sender.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
//! let p12 = pki.sender.to_pkcs12("hemligt", "Testkommunen")?;
//! assert!(!p12.is_empty());
//! # Ok::<(), kuvert_testpki::PkiError>(())
//! ```
#![deny(missing_docs)]

use std::fs;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Name, X509NameBuilder, X509};

/// RSA modulus size for every generated key.
const KEY_BITS: u32 = 2048;
/// Certificates start one day in the past so that a machine whose clock is a little behind
/// still accepts them.
const BACKDATE_SECONDS: i64 = 24 * 60 * 60;
/// Validity period after "now".
const VALIDITY_DAYS: u32 = 2 * 365;

/// Why a test certificate could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// OpenSSL failed while generating keys, building or parsing certificates.
    #[error("OpenSSL failed while building the test PKI: {0}")]
    Crypto(#[from] ErrorStack),
    /// The organisation number is not the 12-digit wire form (`16` + 10 digits, e.g.
    /// `162021003898`).
    #[error("organisation number {0:?} is not 12 digits")]
    InvalidOrganisationNumber(String),
    /// A name or password contained a NUL character, which OpenSSL cannot carry.
    #[error("{0} must not contain NUL characters")]
    NulCharacter(&'static str),
    /// Writing the files failed.
    #[error("could not write test PKI file {path}: {source}")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
}

/// A certificate and its private key, both PEM-encoded.
///
/// The key PEM is unencrypted PKCS#8 — acceptable only because this is throwaway test
/// material.
#[derive(Clone)]
pub struct CertifiedKey {
    /// The certificate (`-----BEGIN CERTIFICATE-----`).
    pub cert_pem: String,
    /// The private key, unencrypted PKCS#8 (`-----BEGIN PRIVATE KEY-----`).
    pub key_pem: String,
}

impl std::fmt::Debug for CertifiedKey {
    // Even test keys stay out of logs, so that nobody gets used to seeing keys there.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let subject = self
            .cert()
            .map(|cert| format!("{:?}", cert.subject_name()))
            .unwrap_or_else(|_| "<unparsable certificate>".to_owned());
        f.debug_struct("CertifiedKey")
            .field("subject", &subject)
            .finish_non_exhaustive()
    }
}

impl CertifiedKey {
    fn from_parts(cert: &X509, key: &PKey<Private>) -> Result<Self, PkiError> {
        Ok(CertifiedKey {
            cert_pem: String::from_utf8_lossy(&cert.to_pem()?).into_owned(),
            key_pem: String::from_utf8_lossy(&key.private_key_to_pem_pkcs8()?).into_owned(),
        })
    }

    /// The certificate as an OpenSSL object.
    pub fn cert(&self) -> Result<X509, PkiError> {
        Ok(X509::from_pem(self.cert_pem.as_bytes())?)
    }

    /// The private key as an OpenSSL object.
    pub fn key(&self) -> Result<PKey<Private>, PkiError> {
        Ok(PKey::private_key_from_pem(self.key_pem.as_bytes())?)
    }

    /// The certificate in DER form.
    pub fn cert_der(&self) -> Result<Vec<u8>, PkiError> {
        Ok(self.cert()?.to_der()?)
    }

    /// A PKCS#12 file holding this certificate and key, protected by `password`, with
    /// `name` as the friendly name.
    pub fn to_pkcs12(&self, password: &str, name: &str) -> Result<Vec<u8>, PkiError> {
        self.to_pkcs12_with_chain(password, name, &[])
    }

    /// Like [`to_pkcs12`](Self::to_pkcs12), also carrying the issuing CA certificates, as
    /// PKCS#12 files from real certificate vendors usually do.
    pub fn to_pkcs12_with_chain(
        &self,
        password: &str,
        name: &str,
        chain: &[&CertifiedKey],
    ) -> Result<Vec<u8>, PkiError> {
        // The openssl crate panics on interior NUL bytes; refuse them here instead.
        if password.contains('\0') {
            return Err(PkiError::NulCharacter("PKCS#12 password"));
        }
        if name.contains('\0') {
            return Err(PkiError::NulCharacter("PKCS#12 friendly name"));
        }
        let key = self.key()?;
        let cert = self.cert()?;
        let mut builder = Pkcs12::builder();
        builder.name(name).pkey(&key).cert(&cert);
        if !chain.is_empty() {
            let mut stack = Stack::new()?;
            for ca in chain {
                stack.push(ca.cert()?)?;
            }
            builder.ca(stack);
        }
        Ok(builder.build2(password)?.to_der()?)
    }
}

/// Generates a self-signed root CA named `common_name`.
pub fn generate_ca(common_name: &str) -> Result<CertifiedKey, PkiError> {
    let key = generate_key()?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COUNTRYNAME, "SE")?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Kuvert test PKI")?;
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    let name = name.build();

    let mut builder = certificate_builder(&name, &key)?;
    builder.set_issuer_name(&name)?;
    builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    builder.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()?,
    )?;
    let ski = SubjectKeyIdentifier::new().build(&builder.x509v3_context(None, None))?;
    builder.append_extension(ski)?;
    builder.sign(&key, MessageDigest::sha256())?;
    CertifiedKey::from_parts(&builder.build(), &key)
}

/// Issues a sender (organisation) certificate signed by `ca`.
///
/// The subject is `C=SE, O=<org_name>, CN=<org_name>, serialNumber=<org_number_wire>`,
/// which is where Swedish organisation certificates carry the organisation number and
/// where the test environment looks for it when it compares the sender id of a delivery
/// with the client certificate. `org_number_wire` must be the 12-digit wire form
/// (e.g. `162021003898`).
pub fn issue_organisation_certificate(
    ca: &CertifiedKey,
    org_number_wire: &str,
    org_name: &str,
) -> Result<CertifiedKey, PkiError> {
    let name = organisation_name(org_number_wire, org_name)?;
    issue(ca, &name, organisation_extensions)
}

/// Like [`issue_organisation_certificate`], valid only from `not_before` to `not_after`
/// (seconds since the epoch): for tests of expired and not yet valid signers.
pub fn issue_organisation_certificate_valid_between(
    ca: &CertifiedKey,
    org_number_wire: &str,
    org_name: &str,
    not_before: i64,
    not_after: i64,
) -> Result<CertifiedKey, PkiError> {
    let name = organisation_name(org_number_wire, org_name)?;
    issue(ca, &name, |builder, ca_cert| {
        let not_before: Asn1Time = Asn1Time::from_unix(not_before)?;
        let not_after: Asn1Time = Asn1Time::from_unix(not_after)?;
        builder.set_not_before(&not_before)?;
        builder.set_not_after(&not_after)?;
        organisation_extensions(builder, ca_cert)
    })
}

/// A certificate with an organisation certificate's subject and usages that no CA
/// issued (it signs itself): for tests of untrusted signers.
pub fn self_signed_organisation_certificate(
    org_number_wire: &str,
    org_name: &str,
) -> Result<CertifiedKey, PkiError> {
    let name = organisation_name(org_number_wire, org_name)?;
    let key = generate_key()?;
    let mut builder = certificate_builder(&name, &key)?;
    builder.set_issuer_name(&name)?;
    builder.append_extension(BasicConstraints::new().critical().build()?)?;
    builder.append_extension(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .non_repudiation()
            .build()?,
    )?;
    builder.sign(&key, MessageDigest::sha256())?;
    CertifiedKey::from_parts(&builder.build(), &key)
}

/// `C=SE, O=<org_name>, CN=<org_name>, serialNumber=<org_number_wire>`.
fn organisation_name(org_number_wire: &str, org_name: &str) -> Result<X509Name, PkiError> {
    if org_number_wire.len() != 12 || !org_number_wire.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PkiError::InvalidOrganisationNumber(
            org_number_wire.to_owned(),
        ));
    }
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COUNTRYNAME, "SE")?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, org_name)?;
    name.append_entry_by_nid(Nid::COMMONNAME, org_name)?;
    name.append_entry_by_nid(Nid::SERIALNUMBER, org_number_wire)?;
    Ok(name.build())
}

/// An organisation certificate's extensions: an end entity for signing and TLS client
/// authentication.
fn organisation_extensions(builder: &mut X509Builder, ca_cert: &X509) -> Result<(), PkiError> {
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
    append_key_identifiers(builder, ca_cert)
}

/// Issues a staff member's certificate (as an e-tjänstekort carries one):
/// `C=SE, O=<organisation>, CN=<name>, emailAddress=<email>`, the e-mail
/// also in subjectAltName, for TLS client authentication only. Department
/// mode's server takes the e-mail as the officer's identity.
pub fn issue_staff_certificate(
    ca: &CertifiedKey,
    organisation: &str,
    name: &str,
    email: &str,
) -> Result<CertifiedKey, PkiError> {
    let mut subject = X509NameBuilder::new()?;
    subject.append_entry_by_nid(Nid::COUNTRYNAME, "SE")?;
    subject.append_entry_by_nid(Nid::ORGANIZATIONNAME, organisation)?;
    subject.append_entry_by_nid(Nid::COMMONNAME, name)?;
    subject.append_entry_by_nid(Nid::PKCS9_EMAILADDRESS, email)?;
    let subject = subject.build();
    issue(ca, &subject, |builder, ca_cert| {
        builder.append_extension(BasicConstraints::new().critical().build()?)?;
        builder.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
        builder.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?;
        let san = SubjectAlternativeName::new()
            .email(email)
            .build(&builder.x509v3_context(Some(ca_cert), None))?;
        builder.append_extension(san)?;
        append_key_identifiers(builder, ca_cert)
    })
}

/// Issues a TLS server certificate signed by `ca` for the given DNS names and IP
/// addresses (all of them go into subjectAltName; the first DNS name, or the first IP,
/// also becomes the CN).
pub fn issue_server_certificate(
    ca: &CertifiedKey,
    dns_names: &[&str],
    ips: &[IpAddr],
) -> Result<CertifiedKey, PkiError> {
    let ip_texts: Vec<String> = ips.iter().map(IpAddr::to_string).collect();
    let common_name = dns_names
        .first()
        .copied()
        .or(ip_texts.first().map(String::as_str))
        .unwrap_or("Kuvert test server");
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COUNTRYNAME, "SE")?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Kuvert test environment")?;
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    let name = name.build();

    issue(ca, &name, |builder, ca_cert| {
        builder.append_extension(BasicConstraints::new().critical().build()?)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_encipherment()
                .build()?,
        )?;
        builder.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        if !dns_names.is_empty() || !ip_texts.is_empty() {
            let mut san = SubjectAlternativeName::new();
            for dns in dns_names {
                san.dns(dns);
            }
            for ip in &ip_texts {
                san.ip(ip);
            }
            let san = san.build(&builder.x509v3_context(Some(ca_cert), None))?;
            builder.append_extension(san)?;
        }
        append_key_identifiers(builder, ca_cert)
    })
}

/// A complete throwaway PKI: one CA, one sender (organisation) certificate and one server
/// certificate for `localhost` and `127.0.0.1`.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The root CA that issued the other two.
    pub ca: CertifiedKey,
    /// The sending organisation's certificate (TLS client authentication and signing).
    pub sender: CertifiedKey,
    /// The test environment's TLS server certificate.
    pub server: CertifiedKey,
}

/// Where [`TestPki::write_to`] put each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestPkiFiles {
    /// `ca.pem`: the CA certificate, to be used as the trust bundle on both sides.
    pub ca_pem: PathBuf,
    /// `sender.pem`: the sender certificate.
    pub sender_pem: PathBuf,
    /// `sender.key`: the sender's unencrypted PKCS#8 private key.
    pub sender_key: PathBuf,
    /// `sender.p12`: sender certificate, key and CA in one password-protected PKCS#12.
    pub sender_p12: PathBuf,
    /// `server.pem`: the server certificate.
    pub server_pem: PathBuf,
    /// `server.key`: the server's unencrypted PKCS#8 private key.
    pub server_key: PathBuf,
}

impl TestPki {
    /// Generates a CA named "Kuvert Test CA", a sender certificate for the organisation and
    /// a server certificate for `localhost` / `127.0.0.1`.
    pub fn generate(org_number_wire: &str, org_name: &str) -> Result<Self, PkiError> {
        let ca = generate_ca("Kuvert Test CA")?;
        let sender = issue_organisation_certificate(&ca, org_number_wire, org_name)?;
        let server =
            issue_server_certificate(&ca, &["localhost"], &[IpAddr::from([127, 0, 0, 1])])?;
        Ok(TestPki { ca, sender, server })
    }

    /// Writes the PKI into `dir` (which must exist): `ca.pem`, `sender.pem`, `sender.key`,
    /// `sender.p12` (protected by `p12_password`, friendly name = the sender's CN),
    /// `server.pem` and `server.key`.
    pub fn write_to(&self, dir: &Path, p12_password: &str) -> Result<TestPkiFiles, PkiError> {
        let sender_name = self
            .sender
            .cert()?
            .subject_name()
            .entries_by_nid(Nid::COMMONNAME)
            .next()
            .and_then(|entry| entry.data().to_string().ok())
            .unwrap_or_else(|| "sender".to_owned());
        let p12 = self
            .sender
            .to_pkcs12_with_chain(p12_password, &sender_name, &[&self.ca])?;

        let files = TestPkiFiles {
            ca_pem: dir.join("ca.pem"),
            sender_pem: dir.join("sender.pem"),
            sender_key: dir.join("sender.key"),
            sender_p12: dir.join("sender.p12"),
            server_pem: dir.join("server.pem"),
            server_key: dir.join("server.key"),
        };
        write_file(&files.ca_pem, self.ca.cert_pem.as_bytes())?;
        write_file(&files.sender_pem, self.sender.cert_pem.as_bytes())?;
        write_file(&files.sender_key, self.sender.key_pem.as_bytes())?;
        write_file(&files.sender_p12, &p12)?;
        write_file(&files.server_pem, self.server.cert_pem.as_bytes())?;
        write_file(&files.server_key, self.server.key_pem.as_bytes())?;
        Ok(files)
    }
}

fn write_file(path: &Path, contents: &[u8]) -> Result<(), PkiError> {
    fs::write(path, contents).map_err(|source| PkiError::Io {
        path: path.to_owned(),
        source,
    })
}

fn generate_key() -> Result<PKey<Private>, ErrorStack> {
    PKey::from_rsa(Rsa::generate(KEY_BITS)?)
}

/// A builder with version, random serial, subject, public key and validity filled in.
fn certificate_builder(subject: &X509Name, key: &PKey<Private>) -> Result<X509Builder, PkiError> {
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?; // X.509 v3 (the field is zero-based)
    let mut serial = BigNum::new()?;
    // 127 random bits, top bit clear: positive, and well under the 20-octet limit.
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(subject)?;
    builder.set_pubkey(key)?;

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    // time_t is i64 on every platform Kuvert targets.
    let not_before = Asn1Time::from_unix(now - BACKDATE_SECONDS)?;
    let not_after = Asn1Time::days_from_now(VALIDITY_DAYS)?;
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    Ok(builder)
}

/// Issues an end-entity certificate for `subject` signed by `ca`; `extend` adds the
/// profile-specific extensions.
fn issue(
    ca: &CertifiedKey,
    subject: &X509Name,
    extend: impl FnOnce(&mut X509Builder, &X509) -> Result<(), PkiError>,
) -> Result<CertifiedKey, PkiError> {
    let ca_cert = ca.cert()?;
    let ca_key = ca.key()?;
    let key = generate_key()?;
    let mut builder = certificate_builder(subject, &key)?;
    builder.set_issuer_name(ca_cert.subject_name())?;
    extend(&mut builder, &ca_cert)?;
    builder.sign(&ca_key, MessageDigest::sha256())?;
    CertifiedKey::from_parts(&builder.build(), &key)
}

fn append_key_identifiers(builder: &mut X509Builder, ca_cert: &X509) -> Result<(), PkiError> {
    let ski = SubjectKeyIdentifier::new().build(&builder.x509v3_context(Some(ca_cert), None))?;
    builder.append_extension(ski)?;
    let aki = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&builder.x509v3_context(Some(ca_cert), None))?;
    builder.append_extension(aki)?;
    Ok(())
}
