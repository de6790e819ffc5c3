//! Enveloped XML-DSig: signing Kuvert's own documents and verifying signed
//! and sealed deliveries.
//!
//! Signing takes a document that is already canonical (as the
//! [`CanonicalWriter`](crate::xml::writer::CanonicalWriter) writes it), so
//! its digest is simply the hash of its bytes; the `ds:Signature` element is
//! then spliced in as the root's last child. Verification parses the
//! document, recomputes each reference's digest through the listed
//! transforms and checks the signature value with the certificate from
//! `KeyInfo/X509Data`, optionally validating that certificate against trust
//! anchors at a given time (the crate has no clock).

use base64::Engine;
use openssl::hash::{hash, MessageDigest};
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::sign::{Signer, Verifier};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{X509StoreContext, X509};

use crate::xml::c14n::{self, Algorithm, Subset, C14N_10, EXC_C14N};
use crate::xml::names::{DSIG, MESSAGE_V3};
use crate::xml::tree::{Element, NamespaceDecl};
use crate::xml::writer::CanonicalWriter;
use crate::xml::{parse, Document, Ns, XmlError};

const DS: Ns = Ns::prefixed("ds", DSIG);
/// The enveloped-signature transform.
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

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

// ---------------------------------------------------------------- verifying

/// Certificates a signer's certificate must chain to, and the time at which
/// the chain is judged (the protocol crate has no clock).
pub struct TrustAnchors {
    store: X509Store,
}

impl std::fmt::Debug for TrustAnchors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustAnchors").finish_non_exhaustive()
    }
}

impl TrustAnchors {
    /// Trust anchors from a PEM bundle, judged at `unix_time`.
    pub fn from_pem(bundle: &[u8], unix_time: i64) -> Result<Self, VerifyError> {
        let certs =
            X509::stack_from_pem(bundle).map_err(|e| VerifyError::TrustAnchors(e.to_string()))?;
        if certs.is_empty() {
            return Err(VerifyError::TrustAnchors(
                "the bundle holds no certificate".into(),
            ));
        }
        let mut builder =
            X509StoreBuilder::new().map_err(|e| VerifyError::TrustAnchors(e.to_string()))?;
        for cert in certs {
            builder
                .add_cert(cert)
                .map_err(|e| VerifyError::TrustAnchors(e.to_string()))?;
        }
        let mut param =
            X509VerifyParam::new().map_err(|e| VerifyError::TrustAnchors(e.to_string()))?;
        param.set_time(unix_time);
        builder
            .set_param(&param)
            .map_err(|e| VerifyError::TrustAnchors(e.to_string()))?;
        Ok(TrustAnchors {
            store: builder.build(),
        })
    }
}

/// Why a signature did not verify. Each variant names one distinct failure so
/// a caller (and a test) can tell a tampered body from a broken signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The document is not well-formed (for example truncated).
    #[error("the document is not well-formed XML: {0}")]
    Xml(#[from] XmlError),
    /// The root element is not one Kuvert verifies.
    #[error("expected a SignedDelivery or SealedDelivery, found {0}")]
    UnexpectedRoot(String),
    /// No enveloped `ds:Signature` where one is required.
    #[error("no signature found in {0}")]
    NoSignature(String),
    /// The signature element lacks a part or has one in an unusable form.
    #[error("the signature is malformed: {0}")]
    MalformedSignature(String),
    /// An algorithm Kuvert does not accept.
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The signed content was changed after signing.
    #[error("the signed content has been changed: the digest does not match")]
    DigestMismatch,
    /// The signature value does not verify with the certificate's key.
    #[error("the signature value does not match the signed information")]
    SignatureInvalid,
    /// The signer's certificate is missing or unreadable.
    #[error("the signer's certificate is missing or unreadable: {0}")]
    Certificate(String),
    /// The certificate does not chain to the trust anchors.
    #[error("the signer's certificate is not trusted: {0}")]
    Untrusted(String),
    /// The trust anchors could not be read.
    #[error("the trust anchors could not be read: {0}")]
    TrustAnchors(String),
}

/// Which signature of a delivery a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureRole {
    /// The sending authority's signature over the SignedDelivery.
    Sender,
    /// The intermediary's seal over the SealedDelivery.
    Seal,
}

/// The signature algorithm found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSA with SHA-256 (current).
    RsaSha256,
    /// RSA with SHA-512.
    RsaSha512,
    /// RSA with SHA-1: legacy, still accepted for older deliveries.
    RsaSha1,
}

/// One verified signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// Sender signature or seal.
    pub role: SignatureRole,
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// Whether SHA-1 was used anywhere (signature or digest): legacy.
    pub legacy_sha1: bool,
    /// The signer certificate's subject.
    pub signer: String,
    /// The signer certificate's `serialNumber` attribute (the organisation
    /// number on Swedish organisation certificates), if present.
    pub signer_serial_number: Option<String>,
    /// Whether the certificate chained to the trust anchors (`None`: no
    /// anchors were given).
    pub trusted: Option<bool>,
}

/// The outcome of verifying a delivery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDelivery {
    /// The signatures checked, sender's first, then the seal if sealed.
    pub signatures: Vec<VerifiedSignature>,
}

/// Verifies a standalone `SignedDelivery` or `SealedDelivery` document: every
/// signature must verify, and with `anchors` each signer certificate must
/// chain to them.
pub fn verify_delivery(
    xml: &str,
    anchors: Option<&TrustAnchors>,
) -> Result<VerifiedDelivery, VerifyError> {
    let doc = parse(xml)?;
    let root = &doc.root;
    if root.is(MESSAGE_V3, "SignedDelivery") {
        let sender = verify_enveloped(&doc, anchors, SignatureRole::Sender)?;
        return Ok(VerifiedDelivery {
            signatures: vec![sender],
        });
    }
    if root.is(MESSAGE_V3, "SealedDelivery") {
        let seal = verify_enveloped(&doc, anchors, SignatureRole::Seal)?;
        let inner = extract_as_root(
            &doc,
            MESSAGE_V3,
            "SignedDelivery",
            MESSAGE_V3,
            "SignedDelivery",
        )
        .ok_or_else(|| {
            VerifyError::UnexpectedRoot("SealedDelivery without SignedDelivery".into())
        })?;
        let inner =
            String::from_utf8(inner).map_err(|e| VerifyError::MalformedSignature(e.to_string()))?;
        let inner_doc = parse(&inner)?;
        let sender = verify_enveloped(&inner_doc, anchors, SignatureRole::Sender)?;
        return Ok(VerifiedDelivery {
            signatures: vec![sender, seal],
        });
    }
    Err(VerifyError::UnexpectedRoot(format!(
        "{{{}}}{}",
        root.namespace.as_deref().unwrap_or(""),
        root.local
    )))
}

/// Finds the first element `{wrapper_ns}wrapper` in `doc` (depth first) and
/// returns it canonicalized (exclusive c14n) as a standalone document whose
/// root is renamed `{root_ns}root` — the form it was signed in. The root's
/// prefix is the one its first child uses for `root_ns`, as signers write
/// root and children alike.
pub fn extract_as_root(
    doc: &Document,
    wrapper_ns: &str,
    wrapper: &str,
    root_ns: &str,
    root: &str,
) -> Option<Vec<u8>> {
    let (element, inherited) = find_with_scope(&doc.root, &mut Vec::new(), &|e: &Element| {
        e.is(wrapper_ns, wrapper)
    })?;
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
    Some(c14n::subtree(
        element,
        &inherited,
        &Algorithm::exclusive(),
        &subset,
    ))
}

/// Depth-first search that also returns the namespace declarations of the
/// found element's ancestors.
fn find_with_scope<'a>(
    element: &'a Element,
    scope: &mut Vec<NamespaceDecl>,
    predicate: &dyn Fn(&Element) -> bool,
) -> Option<(&'a Element, Vec<NamespaceDecl>)> {
    if predicate(element) {
        return Some((element, scope.clone()));
    }
    let len = scope.len();
    scope.extend(element.namespace_decls.iter().cloned());
    for child in element.elements() {
        if let Some(found) = find_with_scope(child, scope, predicate) {
            return Some(found);
        }
    }
    scope.truncate(len);
    None
}

/// Verifies the `ds:Signature` that is a direct child of the root.
fn verify_enveloped(
    doc: &Document,
    anchors: Option<&TrustAnchors>,
    role: SignatureRole,
) -> Result<VerifiedSignature, VerifyError> {
    let root = &doc.root;
    let signature = root
        .child(DSIG, "Signature")
        .ok_or_else(|| VerifyError::NoSignature(root.local.clone()))?;
    let signed_info = required(signature, "SignedInfo")?;
    let canonicalization = algorithm_of(required(signed_info, "CanonicalizationMethod")?)?;
    let signed_info_c14n = c14n_algorithm(canonicalization, None)?;
    let signature_method = algorithm_of(required(signed_info, "SignatureMethod")?)?;
    let (algorithm, md) = match signature_method {
        RSA_SHA256 => (SignatureAlgorithm::RsaSha256, MessageDigest::sha256()),
        RSA_SHA512 => (SignatureAlgorithm::RsaSha512, MessageDigest::sha512()),
        RSA_SHA1 => (SignatureAlgorithm::RsaSha1, MessageDigest::sha1()),
        other => return Err(VerifyError::UnsupportedAlgorithm(other.to_string())),
    };

    // 1. The signature value over the canonical SignedInfo.
    let (leaf, chain) = certificates(signature)?;
    let public = leaf
        .public_key()
        .map_err(|e| VerifyError::Certificate(e.to_string()))?;
    let inherited: Vec<NamespaceDecl> = root
        .namespace_decls
        .iter()
        .chain(signature.namespace_decls.iter())
        .cloned()
        .collect();
    let canonical_signed_info = c14n::subtree(
        signed_info,
        &inherited,
        &signed_info_c14n,
        &Subset::default(),
    );
    let value = decode_b64(&required(signature, "SignatureValue")?.text())?;
    let mut verifier =
        Verifier::new(md, &public).map_err(|e| VerifyError::Certificate(e.to_string()))?;
    if !verifier
        .verify_oneshot(&value, &canonical_signed_info)
        .unwrap_or(false)
    {
        return Err(VerifyError::SignatureInvalid);
    }

    // 2. Every reference's digest.
    let mut legacy_sha1 = algorithm == SignatureAlgorithm::RsaSha1;
    let references: Vec<&Element> = signed_info.children_named(DSIG, "Reference").collect();
    if references.is_empty() {
        return Err(VerifyError::MalformedSignature("no Reference".into()));
    }
    for reference in references {
        legacy_sha1 |= check_reference(doc, signature, reference)?;
    }

    // 3. The certificate's trust.
    let trusted = match anchors {
        Some(anchors) => {
            chain_verifies(anchors, &leaf, chain)?;
            Some(true)
        }
        None => None,
    };
    Ok(VerifiedSignature {
        role,
        algorithm,
        legacy_sha1,
        signer: subject_text(&leaf),
        signer_serial_number: serial_number_attribute(&leaf),
        trusted,
    })
}

/// Checks one Reference; returns whether it used SHA-1.
fn check_reference(
    doc: &Document,
    signature: &Element,
    reference: &Element,
) -> Result<bool, VerifyError> {
    let uri = reference.attribute("URI").unwrap_or("");
    let mut enveloped = false;
    let mut final_c14n = Algorithm::Inclusive;
    if let Some(transforms) = reference.child(DSIG, "Transforms") {
        for transform in transforms.children_named(DSIG, "Transform") {
            match algorithm_of(transform)? {
                ENVELOPED => enveloped = true,
                other => final_c14n = c14n_algorithm(other, Some(transform))?,
            }
        }
    }
    let digest_method = algorithm_of(required(reference, "DigestMethod")?)?;
    let (md, sha1) = match digest_method {
        SHA256 => (MessageDigest::sha256(), false),
        SHA512 => (MessageDigest::sha512(), false),
        SHA1 => (MessageDigest::sha1(), true),
        other => return Err(VerifyError::UnsupportedAlgorithm(other.to_string())),
    };
    let subset = Subset {
        exclude: enveloped.then_some(signature),
        rename_apex: None,
    };
    let canonical = if uri.is_empty() {
        c14n::document(doc, &final_c14n, &subset)
    } else if let Some(id) = uri.strip_prefix('#') {
        let (target, inherited) = find_with_scope(&doc.root, &mut Vec::new(), &|e: &Element| {
            ["Id", "ID", "id"]
                .iter()
                .any(|n| e.attribute(n) == Some(id))
        })
        .ok_or_else(|| VerifyError::MalformedSignature(format!("no element with Id {id}")))?;
        c14n::subtree(target, &inherited, &final_c14n, &subset)
    } else {
        return Err(VerifyError::UnsupportedAlgorithm(format!(
            "reference to an external resource {uri}"
        )));
    };
    let expected = decode_b64(&required(reference, "DigestValue")?.text())?;
    let actual = hash(md, &canonical).map_err(|e| VerifyError::Certificate(e.to_string()))?;
    if *actual != *expected {
        return Err(VerifyError::DigestMismatch);
    }
    Ok(sha1)
}

fn c14n_algorithm(uri: &str, transform: Option<&Element>) -> Result<Algorithm, VerifyError> {
    match uri {
        EXC_C14N => {
            let inclusive_prefixes = transform
                .and_then(|t| t.elements().find(|e| e.local == "InclusiveNamespaces"))
                .and_then(|e| e.attribute("PrefixList"))
                .map(|list| list.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            Ok(Algorithm::Exclusive { inclusive_prefixes })
        }
        C14N_10 => Ok(Algorithm::Inclusive),
        other => Err(VerifyError::UnsupportedAlgorithm(other.to_string())),
    }
}

fn required<'a>(parent: &'a Element, local: &str) -> Result<&'a Element, VerifyError> {
    parent
        .child(DSIG, local)
        .ok_or_else(|| VerifyError::MalformedSignature(format!("missing ds:{local}")))
}

fn algorithm_of(element: &Element) -> Result<&str, VerifyError> {
    element.attribute("Algorithm").ok_or_else(|| {
        VerifyError::MalformedSignature(format!("ds:{} without Algorithm", element.local))
    })
}

fn decode_b64(text: &str) -> Result<Vec<u8>, VerifyError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| VerifyError::MalformedSignature(format!("bad base64: {e}")))
}

fn certificates(signature: &Element) -> Result<(X509, Stack<X509>), VerifyError> {
    let data = signature
        .child(DSIG, "KeyInfo")
        .and_then(|k| k.child(DSIG, "X509Data"))
        .ok_or_else(|| VerifyError::Certificate("no KeyInfo/X509Data".into()))?;
    let mut certs = data
        .children_named(DSIG, "X509Certificate")
        .map(|c| {
            let der = decode_b64(&c.text())?;
            X509::from_der(&der).map_err(|e| VerifyError::Certificate(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter();
    let leaf = certs
        .next()
        .ok_or_else(|| VerifyError::Certificate("no X509Certificate".into()))?;
    let mut chain = Stack::new().map_err(|e| VerifyError::Certificate(e.to_string()))?;
    for cert in certs {
        chain
            .push(cert)
            .map_err(|e| VerifyError::Certificate(e.to_string()))?;
    }
    Ok((leaf, chain))
}

fn chain_verifies(
    anchors: &TrustAnchors,
    leaf: &X509,
    chain: Stack<X509>,
) -> Result<(), VerifyError> {
    let mut context = X509StoreContext::new().map_err(|e| VerifyError::Untrusted(e.to_string()))?;
    let (ok, reason) = context
        .init(&anchors.store, leaf, &chain, |ctx| {
            let ok = ctx.verify_cert()?;
            Ok((ok, ctx.error().error_string().to_string()))
        })
        .map_err(|e| VerifyError::Untrusted(e.to_string()))?;
    if ok {
        Ok(())
    } else {
        Err(VerifyError::Untrusted(reason))
    }
}

fn subject_text(cert: &X509) -> String {
    cert.subject_name()
        .entries()
        .map(|e| {
            format!(
                "{}={}",
                e.object().nid().short_name().unwrap_or("?"),
                e.data().to_string().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn serial_number_attribute(cert: &X509) -> Option<String> {
    cert.subject_name()
        .entries_by_nid(openssl::nid::Nid::SERIALNUMBER)
        .next()
        .and_then(|e| e.data().to_string().ok())
}
