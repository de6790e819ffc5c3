//! Where the signed element is, and that the document holds nothing a
//! signature could be wrapped around: ids unique, the signed elements where
//! the schema puts them with their signature as last child, and no
//! delivery, signature or `ds:Object` anywhere else.

use std::borrow::Cow;

use crate::dsig::element_as_root;
use crate::xml::names::{DSIG, MESSAGE_V1, MESSAGE_V3, SERVICE_V3, SOAP_ENV};
use crate::xml::tree::NamespaceDecl;
use crate::xml::{parse, Document, Element};

use super::signature::is_id_attribute;
use super::VerifyError;

/// What kind of delivery the document presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Signed,
    Sealed,
}

/// The signed element the document presents, and where.
pub(super) struct Located<'a> {
    pub kind: Kind,
    pub element: &'a Element,
    /// Namespace declarations of its ancestors, outermost first.
    pub inherited: Vec<NamespaceDecl>,
    /// Its place, by local names (`/Envelope/Body/distributeSecure/signedDelivery`).
    pub path: String,
    /// The SOAP operation element around it, if any.
    operation: Option<&'a Element>,
}

/// Refuses a document in which two elements carry the same id (`Id`, `ID`,
/// `id` in any namespace, `xml:id`): a reference to it could mean either.
pub(super) fn unique_ids(doc: &Document) -> Result<(), VerifyError> {
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![&doc.root];
    while let Some(element) = stack.pop() {
        for attribute in &element.attributes {
            let id_like = is_id_attribute(attribute)
                || matches!(attribute.local.as_str(), "Id" | "ID" | "id");
            if id_like && !seen.insert(attribute.value.as_str()) {
                return Err(VerifyError::DuplicateId(attribute.value.clone()));
            }
        }
        stack.extend(element.elements());
    }
    Ok(())
}

/// Finds the signed element: the root `SignedDelivery` or `SealedDelivery`,
/// or the payload of a SOAP `distributeSecure` or `deliverSecure`.
pub(super) fn locate(doc: &Document) -> Result<Located<'_>, VerifyError> {
    let root = &doc.root;
    if root.is(MESSAGE_V3, "SignedDelivery") || root.is(MESSAGE_V3, "SealedDelivery") {
        let kind = if root.local == "SignedDelivery" {
            Kind::Signed
        } else {
            Kind::Sealed
        };
        return Ok(Located {
            kind,
            element: root,
            inherited: Vec::new(),
            path: format!("/{}", root.local),
            operation: None,
        });
    }
    if !root.is(SOAP_ENV, "Envelope") {
        return Err(VerifyError::UnexpectedRoot(expanded(root)));
    }
    let body = match root.elements().collect::<Vec<_>>().as_slice() {
        [body] | [_, body] if body.is(SOAP_ENV, "Body") => *body,
        _ => {
            return Err(VerifyError::ChildrenNotAsSchema {
                element: "soap:Envelope".into(),
                expected: "soap:Header?, soap:Body",
            })
        }
    };
    let [operation] = body.elements().collect::<Vec<_>>()[..] else {
        return Err(VerifyError::ChildrenNotAsSchema {
            element: "soap:Body".into(),
            expected: "one operation element",
        });
    };
    let (kind, payload_ns, payload) = if operation.is(MESSAGE_V3, "distributeSecure") {
        (Kind::Signed, MESSAGE_V3, "signedDelivery")
    } else if operation.is(SERVICE_V3, "deliverSecure") {
        (Kind::Sealed, SERVICE_V3, "deliverSecure")
    } else {
        return Err(VerifyError::UnexpectedRoot(format!(
            "{} in the SOAP body (expected distributeSecure or deliverSecure)",
            expanded(operation)
        )));
    };
    let [element] = operation.elements().collect::<Vec<_>>()[..] else {
        return Err(VerifyError::ChildrenNotAsSchema {
            element: operation.local.clone(),
            expected: "exactly one payload element",
        });
    };
    if !element.is(payload_ns, payload) {
        return Err(VerifyError::ChildrenNotAsSchema {
            element: operation.local.clone(),
            expected: if kind == Kind::Signed {
                "signedDelivery"
            } else {
                "deliverSecure"
            },
        });
    }
    let inherited = [root, body, operation]
        .iter()
        .flat_map(|e| e.namespace_decls.iter().cloned())
        .collect();
    Ok(Located {
        kind,
        element,
        inherited,
        path: format!("/Envelope/Body/{}/{}", operation.local, element.local),
        operation: Some(operation),
    })
}

/// Checks the located element's children against the schema and refuses
/// any delivery, signature or `ds:Object` elsewhere in the document.
pub(super) fn no_wrapping(doc: &Document, located: &Located<'_>) -> Result<(), VerifyError> {
    let mut allowed: Vec<&Element> = vec![located.element];
    allowed.extend(located.operation);
    match located.kind {
        Kind::Signed => allowed.extend(signed_delivery_parts(located.element)?),
        Kind::Sealed => {
            let [signed, seal, signature] = children_as_schema(
                located.element,
                &[(MESSAGE_V3, "SignedDelivery"), (MESSAGE_V3, "Seal")],
                "SignedDelivery, Seal, ds:Signature",
            )?[..] else {
                unreachable!("children_as_schema returns the three children")
            };
            children_as_schema_plain(
                seal,
                &[(MESSAGE_V1, "ReceivedTime"), (MESSAGE_V1, "SignaturesOK")],
                "ReceivedTime, SignaturesOK",
            )?;
            allowed.extend([signed, seal, signature]);
            allowed.extend(signed_delivery_parts(signed)?);
        }
    }
    walk(&doc.root, "", &allowed)
}

/// `Delivery` and `ds:Signature`, the children of a SignedDelivery.
fn signed_delivery_parts(element: &Element) -> Result<Vec<&Element>, VerifyError> {
    children_as_schema(
        element,
        &[(MESSAGE_V3, "Delivery")],
        "Delivery, ds:Signature",
    )
}

/// The children of `element`, which must be `content` followed by one
/// `ds:Signature` as the last child; text only white space.
fn children_as_schema<'a>(
    element: &'a Element,
    content: &[(&str, &str)],
    expected: &'static str,
) -> Result<Vec<&'a Element>, VerifyError> {
    let children: Vec<&Element> = element.elements().collect();
    let signatures = children.iter().filter(|c| c.is(DSIG, "Signature")).count();
    match (signatures, children.last()) {
        (0, _) => return Err(VerifyError::NoSignature(element.local.clone())),
        (1, Some(last)) if last.is(DSIG, "Signature") => {}
        (1, _) => return Err(VerifyError::SignatureNotLast(element.local.clone())),
        _ => {
            return Err(VerifyError::UnexpectedElement {
                element: "a second ds:Signature".into(),
                place: element.local.clone(),
            })
        }
    }
    let matches = children.len() == content.len() + 1
        && content
            .iter()
            .zip(&children)
            .all(|((ns, local), child)| child.is(ns, local));
    if !matches || !element.text().trim().is_empty() {
        return Err(VerifyError::ChildrenNotAsSchema {
            element: element.local.clone(),
            expected,
        });
    }
    Ok(children)
}

/// Like [`children_as_schema`] for an element without a signature.
fn children_as_schema_plain(
    element: &Element,
    content: &[(&str, &str)],
    expected: &'static str,
) -> Result<(), VerifyError> {
    let children: Vec<&Element> = element.elements().collect();
    let matches = children.len() == content.len()
        && content
            .iter()
            .zip(&children)
            .all(|((ns, local), child)| child.is(ns, local));
    if matches {
        Ok(())
    } else {
        Err(VerifyError::ChildrenNotAsSchema {
            element: element.local.clone(),
            expected,
        })
    }
}

/// Elements that carry signed content or a signature, and may therefore
/// stand only where [`no_wrapping`] allows them.
fn is_guarded(element: &Element) -> bool {
    match element.namespace.as_deref() {
        Some(MESSAGE_V3) => matches!(
            element.local.as_str(),
            "SignedDelivery"
                | "SealedDelivery"
                | "Delivery"
                | "Seal"
                | "signedDelivery"
                | "distributeSecure"
        ),
        Some(SERVICE_V3) => element.local == "deliverSecure",
        Some(DSIG) => matches!(
            element.local.as_str(),
            "Signature" | "Object" | "Manifest" | "SignatureProperties"
        ),
        _ => false,
    }
}

fn walk(element: &Element, parent_path: &str, allowed: &[&Element]) -> Result<(), VerifyError> {
    if is_guarded(element) && !allowed.iter().any(|a| std::ptr::eq(*a, element)) {
        return Err(VerifyError::UnexpectedElement {
            element: qualified(element),
            place: if parent_path.is_empty() {
                "the document root".into()
            } else {
                parent_path.to_string()
            },
        });
    }
    let path = format!("{parent_path}/{}", element.local);
    element
        .elements()
        .try_for_each(|child| walk(child, &path, allowed))
}

/// The located element as the root of its own document, named `root` in
/// Message/v3 — the form it was signed in. A root that already is that
/// element is used as it stands.
pub(super) fn standalone<'a>(
    doc: &'a Document,
    element: &Element,
    inherited: &[NamespaceDecl],
    root: &str,
) -> Result<Cow<'a, Document>, VerifyError> {
    if std::ptr::eq(&doc.root, element) && element.is(MESSAGE_V3, root) {
        return Ok(Cow::Borrowed(doc));
    }
    let bytes = element_as_root(element, inherited, MESSAGE_V3, root);
    let text =
        String::from_utf8(bytes).map_err(|e| VerifyError::MalformedSignature(e.to_string()))?;
    Ok(Cow::Owned(parse(&text)?))
}

fn qualified(element: &Element) -> String {
    match element.namespace.as_deref() {
        Some(DSIG) => format!("ds:{}", element.local),
        _ => expanded(element),
    }
}

fn expanded(element: &Element) -> String {
    format!(
        "{{{}}}{}",
        element.namespace.as_deref().unwrap_or(""),
        element.local
    )
}
