//! The enveloped signature of one element, verified as the root of its own
//! document: the signature must be that root's last child, its one
//! reference must cover that root (`URI=""`, or `#id` naming the root and
//! nothing else), and nothing may stand in the signature that the check
//! does not read.

use base64::Engine;
use openssl::hash::{hash, MessageDigest};
use openssl::sign::Verifier;
use openssl::stack::Stack;
use openssl::x509::X509;

use crate::dsig::ENVELOPED;
use crate::xml::c14n::{self, Algorithm, Subset, C14N_10, EXC_C14N};
use crate::xml::names::{DSIG, XML_NS};
use crate::xml::tree::NamespaceDecl;
use crate::xml::{Document, Element};

use super::VerifyError;

const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

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

/// What a mathematically correct signature tells.
pub(super) struct CheckedSignature {
    pub algorithm: SignatureAlgorithm,
    pub legacy_sha1: bool,
    pub leaf: X509,
    pub chain: Stack<X509>,
}

/// Verifies the enveloped `ds:Signature` of `doc`'s root.
pub(super) fn check(doc: &Document) -> Result<CheckedSignature, VerifyError> {
    let root = &doc.root;
    let signature = the_signature(root)?;
    let [signed_info, signature_value, key_info] = signature_parts(signature)?;

    let signed_info_parts = only_children(
        signed_info,
        &["CanonicalizationMethod", "SignatureMethod", "Reference"],
    )?;
    let canonicalization = algorithm_of(signed_info_parts[0])?;
    let signed_info_c14n = c14n_algorithm(canonicalization, Some(signed_info_parts[0]))?;
    let (algorithm, md) = match algorithm_of(signed_info_parts[1])? {
        RSA_SHA256 => (SignatureAlgorithm::RsaSha256, MessageDigest::sha256()),
        RSA_SHA512 => (SignatureAlgorithm::RsaSha512, MessageDigest::sha512()),
        RSA_SHA1 => (SignatureAlgorithm::RsaSha1, MessageDigest::sha1()),
        other => return Err(VerifyError::UnsupportedAlgorithm(other.to_string())),
    };
    let reference = signed_info_parts[2];

    // 1. The signature value over the canonical SignedInfo.
    let (leaf, chain) = certificates(key_info)?;
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
    let value = decode_b64(&signature_value.text())?;
    let mut verifier =
        Verifier::new(md, &public).map_err(|e| VerifyError::Certificate(e.to_string()))?;
    if !verifier
        .verify_oneshot(&value, &canonical_signed_info)
        .unwrap_or(false)
    {
        return Err(VerifyError::SignatureInvalid);
    }

    // 2. The one reference: it covers the root, and its digest matches.
    let digest_sha1 = check_reference(doc, signature, reference)?;
    Ok(CheckedSignature {
        algorithm,
        legacy_sha1: digest_sha1 || algorithm == SignatureAlgorithm::RsaSha1,
        leaf,
        chain,
    })
}

/// The root's one `ds:Signature`, which must be its last child element.
fn the_signature(root: &Element) -> Result<&Element, VerifyError> {
    let mut signatures = root.children_named(DSIG, "Signature");
    let signature = signatures
        .next()
        .ok_or_else(|| VerifyError::NoSignature(root.local.clone()))?;
    if signatures.next().is_some() {
        return Err(VerifyError::UnexpectedElement {
            element: "a second ds:Signature".into(),
            place: root.local.clone(),
        });
    }
    if !root
        .elements()
        .last()
        .is_some_and(|last| std::ptr::eq(last, signature))
    {
        return Err(VerifyError::SignatureNotLast(root.local.clone()));
    }
    Ok(signature)
}

/// `SignedInfo`, `SignatureValue` and `KeyInfo`, in that order and nothing
/// else: a `ds:Object` (or anything) beside them is content the signature
/// check would not read.
fn signature_parts(signature: &Element) -> Result<[&Element; 3], VerifyError> {
    if signature.child(DSIG, "KeyInfo").is_none() {
        return Err(VerifyError::Certificate("no KeyInfo/X509Data".into()));
    }
    let parts = only_children(signature, &["SignedInfo", "SignatureValue", "KeyInfo"])?;
    Ok([parts[0], parts[1], parts[2]])
}

/// The element children of `parent`, which must be exactly `ds:<names>` in
/// this order (text between them only white space).
fn only_children<'a>(parent: &'a Element, names: &[&str]) -> Result<Vec<&'a Element>, VerifyError> {
    if !parent.text().trim().is_empty() {
        return Err(VerifyError::MalformedSignature(format!(
            "text inside ds:{}",
            parent.local
        )));
    }
    let children: Vec<&Element> = parent.elements().collect();
    for (i, name) in names.iter().enumerate() {
        match children.get(i) {
            Some(child) if child.is(DSIG, name) => {}
            Some(child) if names.iter().any(|n| child.is(DSIG, n)) => {
                return Err(VerifyError::MalformedSignature(format!(
                    "ds:{} where ds:{name} belongs",
                    child.local
                )))
            }
            Some(child) => {
                return Err(VerifyError::UnexpectedElement {
                    element: qualified(child),
                    place: format!("ds:{}", parent.local),
                })
            }
            None => {
                return Err(VerifyError::MalformedSignature(format!(
                    "missing ds:{name}"
                )))
            }
        }
    }
    if let Some(extra) = children.get(names.len()) {
        return Err(VerifyError::UnexpectedElement {
            element: if extra.is(DSIG, names[names.len() - 1]) {
                format!("a second {}", qualified(extra))
            } else {
                qualified(extra)
            },
            place: format!("ds:{}", parent.local),
        });
    }
    Ok(children)
}

fn qualified(element: &Element) -> String {
    match element.namespace.as_deref() {
        Some(DSIG) => format!("ds:{}", element.local),
        Some(ns) => format!("{{{ns}}}{}", element.local),
        None => element.local.clone(),
    }
}

/// Checks the Reference; returns whether its digest used SHA-1.
fn check_reference(
    doc: &Document,
    signature: &Element,
    reference: &Element,
) -> Result<bool, VerifyError> {
    let root = &doc.root;
    let uri = reference.attribute("URI").ok_or_else(|| {
        VerifyError::ReferenceElsewhere("a Reference without URI names no element".into())
    })?;
    if let Some(id) = uri.strip_prefix('#') {
        let targets = elements_with_id(root, id);
        match targets.as_slice() {
            [] => return Err(VerifyError::UnresolvedReference(id.to_string())),
            [target] if std::ptr::eq(*target, root) => {}
            [target] => {
                return Err(VerifyError::ReferenceElsewhere(format!(
                    "#{id} is {}, not the {} that holds the signature",
                    qualified(target),
                    root.local
                )))
            }
            _ => return Err(VerifyError::DuplicateId(id.to_string())),
        }
    } else if !uri.is_empty() {
        return Err(VerifyError::ReferenceElsewhere(format!(
            "{uri:?} is not the document (URI=\"\") nor an element in it"
        )));
    }

    let parts: Vec<&Element> = reference.elements().collect();
    let (transforms, rest) = match parts.first() {
        Some(first) if first.is(DSIG, "Transforms") => (Some(*first), &parts[1..]),
        _ => (None, &parts[..]),
    };
    let [digest_method, digest_value] = rest else {
        return Err(VerifyError::MalformedSignature(
            "a Reference holds [Transforms,] DigestMethod and DigestValue".into(),
        ));
    };
    if !digest_method.is(DSIG, "DigestMethod") || !digest_value.is(DSIG, "DigestValue") {
        return Err(VerifyError::MalformedSignature(
            "a Reference holds [Transforms,] DigestMethod and DigestValue".into(),
        ));
    }

    let mut enveloped = false;
    let mut final_c14n = Algorithm::Inclusive;
    let mut c14n_seen = false;
    for transform in transforms.into_iter().flat_map(|t| t.elements()) {
        if !transform.is(DSIG, "Transform") {
            return Err(VerifyError::UnexpectedElement {
                element: qualified(transform),
                place: "ds:Transforms".into(),
            });
        }
        match algorithm_of(transform)? {
            ENVELOPED if !enveloped && !c14n_seen => enveloped = true,
            other if !c14n_seen => {
                final_c14n = c14n_algorithm(other, Some(transform))?;
                c14n_seen = true;
            }
            other => {
                return Err(VerifyError::UnsupportedAlgorithm(format!(
                    "{other} as a further transform"
                )))
            }
        }
    }
    // The signature sits inside what the reference covers: without the
    // enveloped-signature transform the digest could never match, and a
    // signer that leaves it out signed something else.
    if !enveloped {
        return Err(VerifyError::ReferenceElsewhere(
            "the reference lacks the enveloped-signature transform".into(),
        ));
    }
    let (md, sha1) = match algorithm_of(digest_method)? {
        SHA256 => (MessageDigest::sha256(), false),
        SHA512 => (MessageDigest::sha512(), false),
        SHA1 => (MessageDigest::sha1(), true),
        other => return Err(VerifyError::UnsupportedAlgorithm(other.to_string())),
    };
    let subset = Subset {
        exclude: Some(signature),
        rename_apex: None,
    };
    let canonical = if uri.is_empty() {
        c14n::document(doc, &final_c14n, &subset)
    } else {
        c14n::subtree(root, &[], &final_c14n, &subset)
    };
    let expected = decode_b64(&digest_value.text())?;
    let actual = hash(md, &canonical).map_err(|e| VerifyError::Certificate(e.to_string()))?;
    if *actual != *expected {
        return Err(VerifyError::DigestMismatch);
    }
    Ok(sha1)
}

/// Whether `attribute` is one an `#id` reference may name: `Id`, `ID`,
/// `id` (unqualified, as XML-DSig tools look them up) or `xml:id`.
pub(super) fn is_id_attribute(attribute: &crate::xml::tree::Attribute) -> bool {
    match attribute.namespace.as_deref() {
        None => matches!(attribute.local.as_str(), "Id" | "ID" | "id"),
        Some(XML_NS) => attribute.local == "id",
        Some(_) => false,
    }
}

fn elements_with_id<'a>(element: &'a Element, id: &str) -> Vec<&'a Element> {
    let mut found = Vec::new();
    let mut stack = vec![element];
    while let Some(e) = stack.pop() {
        if e.attributes
            .iter()
            .any(|a| is_id_attribute(a) && a.value == id)
        {
            found.push(e);
        }
        stack.extend(e.elements());
    }
    found
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

/// The signer's certificate (the first `X509Certificate`) and any further
/// certificates given with it.
fn certificates(key_info: &Element) -> Result<(X509, Stack<X509>), VerifyError> {
    let data = key_info
        .child(DSIG, "X509Data")
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
