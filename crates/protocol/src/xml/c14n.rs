//! Canonical XML: Exclusive XML Canonicalization 1.0 and Canonical XML 1.0,
//! both *without comments* (comments are dropped by the parser).
//!
//! [`Emitter`] is the serializer both directions share: canonicalizing a
//! parsed tree drives it from [`tree::Element`](super::tree::Element)s, and
//! the document [`writer`](super::writer) drives it directly, which is why
//! Kuvert's own documents come out canonical and can be digested without a
//! second pass.
//!
//! Rules implemented (W3C xml-c14n and xml-exc-c14n): UTF-8; empty elements
//! as start/end pairs; attributes sorted by namespace URI then local name;
//! namespace declarations sorted by prefix, default first; text escapes
//! `& < > CR`; attribute escapes `& < " TAB LF CR`; a declaration is output
//! only where its binding differs from the one in effect in the output
//! ancestors; in exclusive mode only for prefixes the element visibly uses
//! (its own and its attributes'), plus an optional inclusive prefix list.

use std::io::{self, Write};

use super::names::XML_NS;
use super::tree::{Document, Element, NamespaceDecl, Node};

/// Which canonicalization algorithm to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Algorithm {
    /// `http://www.w3.org/2001/10/xml-exc-c14n#`, with the InclusiveNamespaces
    /// PrefixList (`#default` for the default namespace).
    Exclusive {
        /// Prefixes treated as in inclusive canonicalization.
        inclusive_prefixes: Vec<String>,
    },
    /// `http://www.w3.org/TR/2001/REC-xml-c14n-20010315`.
    Inclusive,
}

impl Algorithm {
    /// Exclusive canonicalization with an empty prefix list.
    pub fn exclusive() -> Self {
        Algorithm::Exclusive {
            inclusive_prefixes: Vec::new(),
        }
    }
}

/// The algorithm URI of exclusive canonicalization without comments.
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The algorithm URI of Canonical XML 1.0 without comments.
pub const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";

/// A namespace binding: prefix (`None` for the default namespace) and URI.
type Binding = (Option<String>, String);

/// A canonical serializer: the caller says which namespace bindings an element
/// could need, the emitter renders those not already in effect.
pub struct Emitter<W: Write> {
    out: W,
    /// Per open element: the qualified name and the bindings it rendered.
    open: Vec<(String, Vec<Binding>)>,
}

impl<W: Write> Emitter<W> {
    /// An emitter writing into `out`.
    pub fn new(out: W) -> Self {
        Emitter {
            out,
            open: Vec::new(),
        }
    }

    /// The binding of `prefix` in effect in the output, if any was rendered.
    fn rendered(&self, prefix: Option<&str>) -> Option<&str> {
        self.open
            .iter()
            .rev()
            .flat_map(|(_, decls)| decls.iter())
            .find(|(p, _)| p.as_deref() == prefix)
            .map(|(_, uri)| uri.as_str())
    }

    /// Writes a start tag. `candidates` are the bindings the element may need
    /// (prefix, URI); each is rendered unless the same binding is already in
    /// effect. `attributes` are (namespace URI or "", local name, qualified
    /// name, value) and are sorted here.
    pub fn start<'a>(
        &mut self,
        qname: &str,
        candidates: impl IntoIterator<Item = (Option<&'a str>, &'a str)>,
        attributes: &mut [(&str, &str, &str, &str)],
    ) -> io::Result<()> {
        let mut decls: Vec<Binding> = Vec::new();
        for (prefix, uri) in candidates {
            if prefix == Some("xml") || decls.iter().any(|(p, _)| p.as_deref() == prefix) {
                continue;
            }
            // An unrendered default namespace is the empty one.
            let in_effect = match (prefix, self.rendered(prefix)) {
                (None, None) => Some(""),
                (_, found) => found,
            };
            if in_effect != Some(uri) {
                decls.push((prefix.map(str::to_string), uri.to_string()));
            }
        }
        decls.sort_by(|a, b| a.0.cmp(&b.0));
        attributes.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

        self.out.write_all(b"<")?;
        self.out.write_all(qname.as_bytes())?;
        for (prefix, uri) in &decls {
            match prefix {
                Some(p) => write!(self.out, " xmlns:{p}=\"")?,
                None => self.out.write_all(b" xmlns=\"")?,
            }
            escape_attribute(&mut self.out, uri)?;
            self.out.write_all(b"\"")?;
        }
        for (_, _, name, value) in attributes.iter() {
            write!(self.out, " {name}=\"")?;
            escape_attribute(&mut self.out, value)?;
            self.out.write_all(b"\"")?;
        }
        self.out.write_all(b">")?;
        self.open.push((qname.to_string(), decls));
        Ok(())
    }

    /// Writes character data, escaped.
    pub fn text(&mut self, text: &str) -> io::Result<()> {
        escape_text(&mut self.out, text)
    }

    /// Writes text the caller guarantees needs no escaping (base64, digits).
    pub fn plain_text(&mut self, text: &[u8]) -> io::Result<()> {
        debug_assert!(!text.iter().any(|b| matches!(b, b'&' | b'<' | b'>' | b'\r')));
        self.out.write_all(text)
    }

    /// Writes a processing instruction.
    pub fn processing_instruction(&mut self, target: &str, data: &str) -> io::Result<()> {
        if data.is_empty() {
            write!(self.out, "<?{target}?>")
        } else {
            write!(self.out, "<?{target} {data}?>")
        }
    }

    /// Closes the innermost open element.
    pub fn end(&mut self) -> io::Result<()> {
        match self.open.pop() {
            Some((qname, _)) => write!(self.out, "</{qname}>"),
            None => Err(io::Error::other("end() without an open element")),
        }
    }

    /// How many elements are open.
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Gives back the sink.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The sink, for callers that splice pre-canonicalized bytes in.
    pub fn sink(&mut self) -> &mut W {
        &mut self.out
    }
}

fn escape_text(out: &mut impl Write, text: &str) -> io::Result<()> {
    escape(out, text, |c| match c {
        b'&' => Some(&b"&amp;"[..]),
        b'<' => Some(&b"&lt;"[..]),
        b'>' => Some(&b"&gt;"[..]),
        b'\r' => Some(&b"&#xD;"[..]),
        _ => None,
    })
}

fn escape_attribute(out: &mut impl Write, text: &str) -> io::Result<()> {
    escape(out, text, |c| match c {
        b'&' => Some(&b"&amp;"[..]),
        b'<' => Some(&b"&lt;"[..]),
        b'"' => Some(&b"&quot;"[..]),
        b'\t' => Some(&b"&#x9;"[..]),
        b'\n' => Some(&b"&#xA;"[..]),
        b'\r' => Some(&b"&#xD;"[..]),
        _ => None,
    })
}

/// Copies `text`, replacing the ASCII bytes `table` maps. Works on bytes: the
/// replaced characters are ASCII, so UTF-8 sequences pass through untouched.
fn escape(
    out: &mut impl Write,
    text: &str,
    table: impl Fn(u8) -> Option<&'static [u8]>,
) -> io::Result<()> {
    let bytes = text.as_bytes();
    let mut from = 0;
    for (i, b) in bytes.iter().enumerate() {
        if let Some(replacement) = table(*b) {
            out.write_all(&bytes[from..i])?;
            out.write_all(replacement)?;
            from = i + 1;
        }
    }
    out.write_all(&bytes[from..])
}

/// What to leave out of, or change in, the canonical form.
#[derive(Debug, Clone, Default)]
pub struct Subset<'a> {
    /// An element (compared by identity) whose whole subtree is left out —
    /// the enveloped-signature transform.
    pub exclude: Option<&'a Element>,
    /// Gives the apex element another name: (prefix, local name, namespace).
    /// Used to verify a signed element that travelled under a SOAP wrapper
    /// as the document root it was signed as.
    pub rename_apex: Option<(Option<String>, String, String)>,
}

/// Canonicalizes a whole document (processing instructions around the root
/// included).
pub fn document(doc: &Document, algorithm: &Algorithm, subset: &Subset<'_>) -> Vec<u8> {
    let mut emitter = Emitter::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = (|| -> io::Result<()> {
        for pi in &doc.before_root {
            emitter.processing_instruction(&pi.target, &pi.data)?;
            emitter.sink().write_all(b"\n")?;
        }
        walk(
            &mut emitter,
            &doc.root,
            &mut Vec::new(),
            algorithm,
            subset,
            true,
        )?;
        for pi in &doc.after_root {
            emitter.sink().write_all(b"\n")?;
            emitter.processing_instruction(&pi.target, &pi.data)?;
        }
        Ok(())
    })();
    emitter.into_inner()
}

/// Canonicalizes the subtree at `element`, whose ancestors declared
/// `inherited` (outermost first), as a document subset.
pub fn subtree(
    element: &Element,
    inherited: &[NamespaceDecl],
    algorithm: &Algorithm,
    subset: &Subset<'_>,
) -> Vec<u8> {
    let mut emitter = Emitter::new(Vec::new());
    let mut scope = inherited.to_vec();
    let _ = walk(&mut emitter, element, &mut scope, algorithm, subset, true);
    emitter.into_inner()
}

fn lookup<'s>(scope: &'s [NamespaceDecl], prefix: Option<&str>) -> &'s str {
    scope
        .iter()
        .rev()
        .find(|d| d.prefix.as_deref() == prefix)
        .map(|d| d.uri.as_str())
        .unwrap_or("")
}

fn walk(
    emitter: &mut Emitter<Vec<u8>>,
    element: &Element,
    scope: &mut Vec<NamespaceDecl>,
    algorithm: &Algorithm,
    subset: &Subset<'_>,
    apex: bool,
) -> io::Result<()> {
    if subset.exclude.is_some_and(|x| std::ptr::eq(x, element)) {
        return Ok(());
    }
    let scope_len = scope.len();
    scope.extend(
        element
            .namespace_decls
            .iter()
            .filter(|d| d.prefix.as_deref() != Some("xml"))
            .cloned(),
    );

    let renamed = if apex {
        subset.rename_apex.as_ref()
    } else {
        None
    };
    let (own_prefix, qname) = match renamed {
        Some((prefix, local, uri)) => {
            scope.push(NamespaceDecl {
                prefix: prefix.clone(),
                uri: uri.clone(),
            });
            let qname = match prefix {
                Some(p) => format!("{p}:{local}"),
                None => local.clone(),
            };
            (prefix.clone(), qname)
        }
        None => (element.prefix.clone(), element.qualified_name()),
    };

    let candidates: Vec<Binding> = match algorithm {
        Algorithm::Inclusive => {
            // Every binding in scope, the innermost declaration of each prefix.
            let mut all: Vec<Binding> = Vec::new();
            for d in scope.iter().rev() {
                if !all.iter().any(|(p, _)| *p == d.prefix) {
                    all.push((d.prefix.clone(), d.uri.clone()));
                }
            }
            if !all.iter().any(|(p, _)| p.is_none()) {
                all.push((None, String::new()));
            }
            all
        }
        Algorithm::Exclusive { inclusive_prefixes } => {
            let mut used: Vec<Option<String>> = vec![own_prefix.clone()];
            used.extend(
                element
                    .attributes
                    .iter()
                    .filter(|a| a.prefix.is_some())
                    .map(|a| a.prefix.clone()),
            );
            for p in inclusive_prefixes {
                let p = if p == "#default" {
                    None
                } else {
                    Some(p.clone())
                };
                if scope.iter().any(|d| d.prefix == p) {
                    used.push(p);
                }
            }
            used.into_iter()
                .map(|p| {
                    let uri = lookup(scope, p.as_deref()).to_string();
                    (p, uri)
                })
                .collect()
        }
    };

    let xml_attrs_prefix = "xml";
    let mut attributes: Vec<(String, &str, String, &str)> = element
        .attributes
        .iter()
        .map(|a| {
            let ns = match a.prefix.as_deref() {
                None => String::new(),
                Some(p) if p == xml_attrs_prefix => XML_NS.to_string(),
                Some(p) => lookup(scope, Some(p)).to_string(),
            };
            let qname = match &a.prefix {
                Some(p) => format!("{p}:{}", a.local),
                None => a.local.clone(),
            };
            (ns, a.local.as_str(), qname, a.value.as_str())
        })
        .collect();
    let mut attribute_refs: Vec<(&str, &str, &str, &str)> = attributes
        .iter_mut()
        .map(|(ns, local, qname, value)| (ns.as_str(), *local, qname.as_str(), *value))
        .collect();

    emitter.start(
        &qname,
        candidates.iter().map(|(p, u)| (p.as_deref(), u.as_str())),
        &mut attribute_refs,
    )?;
    for child in &element.children {
        match child {
            Node::Element(e) => walk(emitter, e, scope, algorithm, subset, false)?,
            Node::Text(t) => emitter.text(t)?,
            Node::Pi(pi) => emitter.processing_instruction(&pi.target, &pi.data)?,
        }
    }
    emitter.end()?;
    scope.truncate(scope_len);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    fn exc(xml: &str) -> String {
        let doc = parse(xml).unwrap();
        String::from_utf8(document(&doc, &Algorithm::exclusive(), &Subset::default())).unwrap()
    }

    fn inc(xml: &str) -> String {
        let doc = parse(xml).unwrap();
        String::from_utf8(document(&doc, &Algorithm::Inclusive, &Subset::default())).unwrap()
    }

    #[test]
    fn exclusive_renders_only_visibly_used_namespaces() {
        assert_eq!(
            exc(r#"<a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns:c="urn:c"><b:x/><b:y/></a:r>"#),
            r#"<a:r xmlns:a="urn:a"><b:x xmlns:b="urn:b"></b:x><b:y xmlns:b="urn:b"></b:y></a:r>"#
        );
    }

    #[test]
    fn inclusive_renders_all_namespaces_once() {
        assert_eq!(
            inc(r#"<a:r xmlns:c="urn:c" xmlns:a="urn:a"><b:x xmlns:b="urn:b"/></a:r>"#),
            r#"<a:r xmlns:a="urn:a" xmlns:c="urn:c"><b:x xmlns:b="urn:b"></b:x></a:r>"#
        );
    }

    #[test]
    fn sorts_attributes_and_escapes() {
        assert_eq!(
            exc("<r xmlns:z=\"urn:z\" b=\"&quot;&#9;\" a=\"&lt;&gt;\" z:a=\"1\">a&amp;b&gt;&#13;</r>"),
            "<r xmlns:z=\"urn:z\" a=\"&lt;>\" b=\"&quot;&#x9;\" z:a=\"1\">a&amp;b&gt;&#xD;</r>"
        );
    }

    #[test]
    fn default_namespace_undeclared_when_needed() {
        assert_eq!(
            exc(r#"<r xmlns="urn:d"><x xmlns=""/></r>"#),
            r#"<r xmlns="urn:d"><x xmlns=""></x></r>"#
        );
        assert_eq!(exc(r#"<r><x xmlns=""/></r>"#), r#"<r><x></x></r>"#);
    }

    #[test]
    fn subset_takes_ancestor_namespaces_it_uses() {
        let doc =
            parse(r#"<s:E xmlns:s="urn:s" xmlns:m="urn:m"><s:B><m:x><m:y/></m:x></s:B></s:E>"#)
                .unwrap();
        let body = doc.root.elements().next().unwrap();
        let x = body.elements().next().unwrap();
        let out = subtree(
            x,
            &doc.root.namespace_decls,
            &Algorithm::exclusive(),
            &Subset::default(),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<m:x xmlns:m="urn:m"><m:y></m:y></m:x>"#
        );
        let out = subtree(
            x,
            &doc.root.namespace_decls,
            &Algorithm::Inclusive,
            &Subset::default(),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<m:x xmlns:m="urn:m" xmlns:s="urn:s"><m:y></m:y></m:x>"#
        );
    }

    #[test]
    fn excluded_subtree_and_renamed_apex() {
        let doc = parse(
            r#"<w:wrap xmlns:w="urn:w" xmlns="urn:m"><A/><ds:S xmlns:ds="urn:ds"/></w:wrap>"#,
        )
        .unwrap();
        let sig = doc.root.elements().nth(1).unwrap();
        let subset = Subset {
            exclude: Some(sig),
            rename_apex: Some((None, "Root".into(), "urn:m".into())),
        };
        let out = document(&doc, &Algorithm::exclusive(), &subset);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<Root xmlns="urn:m"><A></A></Root>"#
        );
    }

    #[test]
    fn whitespace_outside_root_dropped_pis_kept() {
        assert_eq!(
            exc("<?xml version=\"1.0\"?>\n<?p d?>\n<r>\n</r>\n<!-- c -->"),
            "<?p d?>\n<r>\n</r>"
        );
    }
}
