//! Enveloped XML-DSig: signing Kuvert's own documents (verification is
//! [`crate::verify`]).
//!
//! Signing takes a document that is already canonical (as the
//! [`CanonicalWriter`](crate::xml::writer::CanonicalWriter) writes it), so
//! its digest is simply the hash of its bytes; the `ds:Signature` element is
//! then spliced in as the root's last child.

use base64::Engine;
use openssl::hash::{hash, MessageDigest};
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use openssl::x509::X509;

use crate::verify::subject_text;
use crate::xml::c14n::{self, Algorithm, Subset, EXC_C14N};
use crate::xml::names::DSIG;
use crate::xml::tree::{Element, NamespaceDecl};
use crate::xml::writer::CanonicalWriter;
use crate::xml::{Document, Ns};

const DS: Ns = Ns::prefixed("ds", DSIG);
/// The enveloped-signature transform.
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// A private key with its certificate: the organisation's signing identity.
pub struct SigningKey {
    key: PKey<Private>,
    certificate: X509,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("SigningKey")
            .field("subject", &subject_text(&self.certificate))
            .finish_non_exhaustive()
    }
}

/// Why a signing key could not be loaded or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The PKCS#12 password is wrong.
    #[error("the certificate password is wrong")]
    WrongPassword,
    /// The key or certificate file could not be read.
    #[error("the certificate or key could not be read: {0}")]
    MalformedKey(String),
    /// The certificate does not belong to the private key.
    #[error("the certificate does not match the private key")]
    KeyMismatch,
    /// Only RSA keys are used for Mina meddelanden signatures.
    #[error("the key is not an RSA key")]
    NotRsa,
    /// The document to sign is not one of Kuvert's canonical documents.
    #[error("the document to sign is not canonical XML with a closing root tag")]
    NotCanonical,
    /// The cryptographic library failed.
    #[error("signing failed: {0}")]
    Crypto(String),
}

impl SigningKey {
    /// Loads a PKCS#12 (`.p12`/`.pfx`) file's key and certificate.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, SignError> {
        let p12 = Pkcs12::from_der(der).map_err(|e| SignError::MalformedKey(e.to_string()))?;
        let parsed = p12.parse2(password).map_err(|e| {
            if e.errors()
                .iter()
                .any(|x| x.reason().is_some_and(|r| r.contains("mac verify failure")))
            {
                SignError::WrongPassword
            } else {
                SignError::MalformedKey(e.to_string())
            }
        })?;
        match (parsed.pkey, parsed.cert) {
            (Some(key), Some(certificate)) => Self::checked(key, certificate),
            _ => Err(SignError::MalformedKey(
                "the PKCS#12 file holds no key and certificate".into(),
            )),
        }
    }

    /// Loads a PEM certificate and PEM private key.
    pub fn from_pem(certificate_pem: &[u8], key_pem: &[u8]) -> Result<Self, SignError> {
        let certificate =
            X509::from_pem(certificate_pem).map_err(|e| SignError::MalformedKey(e.to_string()))?;
        let key = PKey::private_key_from_pem(key_pem)
            .map_err(|e| SignError::MalformedKey(e.to_string()))?;
        Self::checked(key, certificate)
    }

    fn checked(key: PKey<Private>, certificate: X509) -> Result<Self, SignError> {
        if key.rsa().is_err() {
            return Err(SignError::NotRsa);
        }
        let public = certificate
            .public_key()
            .map_err(|e| SignError::MalformedKey(e.to_string()))?;
        if !public.public_eq(&key) {
            return Err(SignError::KeyMismatch);
        }
        Ok(SigningKey { key, certificate })
    }

    /// The certificate, DER-encoded.
    pub fn certificate_der(&self) -> Vec<u8> {
        self.certificate.to_der().unwrap_or_default()
    }

    /// The certificate's subject as `key=value` pairs.
    pub fn subject(&self) -> String {
        subject_text(&self.certificate)
    }
}

/// The transforms a signature's reference lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transforms {
    /// Enveloped-signature only (the sender's signature); the node set is
    /// then serialized with Canonical XML 1.0, which for Kuvert's canonical
    /// documents gives the same bytes as exclusive canonicalization.
    Enveloped,
    /// Enveloped-signature followed by exclusive canonicalization (the
    /// intermediary's seal).
    EnvelopedExclusive,
}

/// Signs `canonical` — a complete canonical XML document as the
/// [`CanonicalWriter`] produces it — with an enveloped RSA-SHA256 signature
/// inserted as the last child of the root element.
pub fn sign_enveloped(
    mut canonical: Vec<u8>,
    key: &SigningKey,
    transforms: Transforms,
) -> Result<Vec<u8>, SignError> {
    let close_at = closing_root_tag(&canonical).ok_or(SignError::NotCanonical)?;
    let digest =
        hash(MessageDigest::sha256(), &canonical).map_err(|e| SignError::Crypto(e.to_string()))?;
    let digest_b64 = base64::engine::general_purpose::STANDARD.encode(digest);

    let signed_info =
        write_signed_info(&digest_b64, transforms).map_err(|e| SignError::Crypto(e.to_string()))?;
    let mut signer = Signer::new(MessageDigest::sha256(), &key.key)
        .map_err(|e| SignError::Crypto(e.to_string()))?;
    let signature = signer
        .sign_oneshot_to_vec(&signed_info)
        .map_err(|e| SignError::Crypto(e.to_string()))?;

    let certificate = key
        .certificate
        .to_der()
        .map_err(|e| SignError::Crypto(e.to_string()))?;
    let element = write_signature_element(&digest_b64, transforms, &signature, &certificate)
        .map_err(|e| SignError::Crypto(e.to_string()))?;
    canonical.splice(close_at..close_at, element);
    Ok(canonical)
}

/// Where the root's closing tag starts, if the buffer ends with one.
fn closing_root_tag(doc: &[u8]) -> Option<usize> {
    if doc.last() != Some(&b'>') {
        return None;
    }
    let start = doc.iter().rposition(|b| *b == b'<')?;
    (doc.get(start + 1) == Some(&b'/')).then_some(start)
}

fn write_signed_info_into(
    w: &mut CanonicalWriter,
    digest_b64: &str,
    transforms: Transforms,
) -> std::io::Result<()> {
    w.open(DS, "SignedInfo")?;
    w.open_with(DS, "CanonicalizationMethod", &[("Algorithm", EXC_C14N)])?;
    w.close()?;
    w.open_with(DS, "SignatureMethod", &[("Algorithm", RSA_SHA256)])?;
    w.close()?;
    w.open_with(DS, "Reference", &[("URI", "")])?;
    w.open(DS, "Transforms")?;
    w.open_with(DS, "Transform", &[("Algorithm", ENVELOPED)])?;
    w.close()?;
    if transforms == Transforms::EnvelopedExclusive {
        w.open_with(DS, "Transform", &[("Algorithm", EXC_C14N)])?;
        w.close()?;
    }
    w.close()?;
    w.open_with(DS, "DigestMethod", &[("Algorithm", SHA256)])?;
    w.close()?;
    w.leaf(DS, "DigestValue", digest_b64)?;
    w.close()?;
    w.close()
}

/// The canonical form of SignedInfo as a document subset: exclusive c14n
/// renders `xmlns:ds` on it whatever its context, so it can be written alone.
fn write_signed_info(digest_b64: &str, transforms: Transforms) -> std::io::Result<Vec<u8>> {
    let mut w = CanonicalWriter::with_capacity(1024);
    write_signed_info_into(&mut w, digest_b64, transforms)?;
    w.finish()
}

fn write_signature_element(
    digest_b64: &str,
    transforms: Transforms,
    signature: &[u8],
    certificate_der: &[u8],
) -> std::io::Result<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut w = CanonicalWriter::with_capacity(4096);
    w.open(DS, "Signature")?;
    write_signed_info_into(&mut w, digest_b64, transforms)?;
    w.leaf(DS, "SignatureValue", &b64.encode(signature))?;
    w.open(DS, "KeyInfo")?;
    w.open(DS, "X509Data")?;
    w.leaf(DS, "X509Certificate", &b64.encode(certificate_der))?;
    w.close()?;
    w.close()?;
    w.close()?;
    w.finish()
}

// ------------------------------------------------------- signed elements

/// Finds the first element `{wrapper_ns}wrapper` in `doc` (depth first) and
/// returns it as [`element_as_root`] does. For reading payloads whose place
/// is already checked; verification locates its element itself
/// ([`crate::verify`]).
pub fn extract_as_root(
    doc: &Document,
    wrapper_ns: &str,
    wrapper: &str,
    root_ns: &str,
    root: &str,
) -> Option<Vec<u8>> {
    let (element, inherited) = doc
        .root
        .find_with_scope(&|e: &Element| e.is(wrapper_ns, wrapper))?;
    Some(element_as_root(element, &inherited, root_ns, root))
}

/// `element` (whose ancestors declared `inherited`, outermost first)
/// canonicalized (exclusive c14n) as a standalone document whose root is
/// renamed `{root_ns}root` — the form it was signed in. The root's prefix is
/// the one its first child uses for `root_ns`, as signers write root and
/// children alike.
pub fn element_as_root(
    element: &Element,
    inherited: &[NamespaceDecl],
    root_ns: &str,
    root: &str,
) -> Vec<u8> {
    let prefix = element
        .elements()
        .next()
        .filter(|c| c.namespace.as_deref() == Some(root_ns))
        .map(|c| c.prefix.clone())
        .unwrap_or_else(|| {
            (element.namespace.as_deref() == Some(root_ns))
                .then(|| element.prefix.clone())
                .flatten()
        });
    let subset = Subset {
        exclude: None,
        rename_apex: Some((prefix, root.to_string(), root_ns.to_string())),
    };
    c14n::subtree(element, inherited, &Algorithm::exclusive(), &subset)
}
