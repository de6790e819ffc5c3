//! A small, namespace-aware element tree for XML that comes from outside.
//!
//! Why not a general-purpose DOM crate: canonicalization needs the *prefixes*
//! as written and the namespace declarations of every element, and Kuvert's
//! parsing rules are stricter than most parsers' defaults — no DTDs, no
//! entities beyond the five predefined ones, bounded nesting. Comments are
//! dropped while parsing (Kuvert only uses canonicalization *without*
//! comments); CDATA sections and character references become plain text.

use quick_xml::events::{BytesStart, Event};
use quick_xml::XmlVersion;

use super::names::{XMLNS_NS, XML_NS};
use super::XmlError;

/// How deep elements may nest before a document is refused. Real deliveries
/// are about ten levels deep; the bound keeps recursion safe on hostile input.
pub const MAX_DEPTH: usize = 128;

/// A parsed document: the root element plus processing instructions that
/// stand outside it (canonical XML keeps those).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Processing instructions before the root element.
    pub before_root: Vec<ProcessingInstruction>,
    /// The document element.
    pub root: Element,
    /// Processing instructions after the root element.
    pub after_root: Vec<ProcessingInstruction>,
}

/// A processing instruction `<?target data?>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessingInstruction {
    /// The target name.
    pub target: String,
    /// Everything after the target, leading white space removed.
    pub data: String,
}

/// One namespace declaration as written on an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceDecl {
    /// `None` for the default namespace (`xmlns="…"`).
    pub prefix: Option<String>,
    /// The namespace URI; empty only for `xmlns=""`.
    pub uri: String,
}

/// An attribute other than a namespace declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The prefix as written, if any.
    pub prefix: Option<String>,
    /// The local name.
    pub local: String,
    /// The resolved namespace URI (`None`: no namespace, as for every
    /// unprefixed attribute).
    pub namespace: Option<String>,
    /// The normalized value (entities resolved, white space normalized as
    /// XML 1.0 prescribes for attribute values).
    pub value: String,
}

/// An element with its name as written and as resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The prefix as written, if any.
    pub prefix: Option<String>,
    /// The local name.
    pub local: String,
    /// The resolved namespace URI, `None` for no namespace.
    pub namespace: Option<String>,
    /// Namespace declarations written on this element, in document order.
    pub namespace_decls: Vec<NamespaceDecl>,
    /// Attributes in document order.
    pub attributes: Vec<Attribute>,
    /// Child nodes in document order.
    pub children: Vec<Node>,
}

/// A child node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data (text, CDATA and references, merged).
    Text(String),
    /// A processing instruction.
    Pi(ProcessingInstruction),
}

impl Element {
    /// The first element (depth first, this one included) that `predicate`
    /// accepts, with the namespace declarations of its ancestors from this
    /// one down, outermost first: what it needs to stand on its own.
    pub fn find_with_scope(
        &self,
        predicate: &dyn Fn(&Element) -> bool,
    ) -> Option<(&Element, Vec<NamespaceDecl>)> {
        fn walk<'a>(
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
                if let Some(found) = walk(child, scope, predicate) {
                    return Some(found);
                }
            }
            scope.truncate(len);
            None
        }
        walk(self, &mut Vec::new(), predicate)
    }

    /// Whether this element has namespace `ns` and local name `local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && self.namespace.as_deref() == Some(ns)
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element named `{ns}local`.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(ns, local))
    }

    /// All child elements named `{ns}local`.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.is(ns, local))
    }

    /// The concatenated character data directly inside this element.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }

    /// The value of the unqualified attribute `local`.
    pub fn attribute(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The qualified name as written (`prefix:local` or `local`).
    pub fn qualified_name(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.local),
            None => self.local.clone(),
        }
    }
}

/// Parses `input` into a [`Document`], refusing DTDs, undeclared entities,
/// undeclared prefixes, mismatched tags and nesting deeper than [`MAX_DEPTH`].
pub fn parse(input: &str) -> Result<Document, XmlError> {
    let mut reader = quick_xml::Reader::from_str(input);
    reader.config_mut().check_comments = true;
    let mut parser = TreeBuilder::default();
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| XmlError::Syntax {
            position,
            reason: e.to_string(),
        })?;
        match event {
            Event::Eof => break,
            Event::DocType(_) => return Err(XmlError::DtdNotAllowed),
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Start(start) => parser.open(&start, position)?,
            Event::Empty(start) => {
                parser.open(&start, position)?;
                parser.close(None, position)?;
            }
            Event::End(end) => parser.close(Some(end.name().into_inner()), position)?,
            Event::Text(text) => parser.text(&text.xml10_content(), position)?,
            Event::CData(cdata) => parser.text(&cdata.xml10_content(), position)?,
            Event::GeneralRef(reference) => {
                let resolved = resolve_reference(&reference)?;
                let mut buf = [0u8; 4];
                parser.text(resolved.encode_utf8(&mut buf), position)?;
            }
            Event::PI(pi) => parser.processing_instruction(pi.target(), pi.content())?,
        }
    }
    parser.finish()
}

/// Resolves `&name;` / `&#…;`: only the five predefined entities exist
/// because DTDs are refused.
fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> Result<char, XmlError> {
    if let Some(ch) = reference
        .resolve_char_ref()
        .map_err(|e| XmlError::InvalidReference(e.to_string()))?
    {
        if !is_xml_char(ch) {
            return Err(XmlError::InvalidReference(format!("&{};", &**reference)));
        }
        return Ok(ch);
    }
    match &**reference {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        other => Err(XmlError::UndefinedEntity(other.to_string())),
    }
}

/// Whether `ch` may appear in an XML 1.0 document.
pub fn is_xml_char(ch: char) -> bool {
    matches!(ch, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[derive(Default)]
struct TreeBuilder {
    /// Elements opened but not yet closed.
    open: Vec<Element>,
    /// In-scope namespace bindings; each open element pushes its own.
    scopes: Vec<Vec<NamespaceDecl>>,
    before_root: Vec<ProcessingInstruction>,
    after_root: Vec<ProcessingInstruction>,
    root: Option<Element>,
}

impl TreeBuilder {
    fn lookup(&self, prefix: Option<&str>) -> Option<&str> {
        match prefix {
            Some("xml") => return Some(XML_NS),
            Some("xmlns") => return Some(XMLNS_NS),
            _ => {}
        }
        self.scopes
            .iter()
            .rev()
            .flat_map(|decls| decls.iter().rev())
            .find(|d| d.prefix.as_deref() == prefix)
            .map(|d| d.uri.as_str())
            .filter(|uri| !uri.is_empty())
    }

    fn open(&mut self, start: &BytesStart<'_>, position: u64) -> Result<(), XmlError> {
        if self.root.is_some() {
            return Err(XmlError::Syntax {
                position,
                reason: "more than one root element".into(),
            });
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(XmlError::TooDeep(MAX_DEPTH));
        }
        let (prefix, local) = split_qname(start.name().into_inner());
        let mut decls = Vec::new();
        let mut raw_attributes = Vec::new();
        for attribute in start.attributes().with_checks(true) {
            let attribute = attribute.map_err(|e| XmlError::Syntax {
                position,
                reason: e.to_string(),
            })?;
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| match e {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, name),
                    ) => XmlError::UndefinedEntity(name),
                    other => XmlError::InvalidReference(other.to_string()),
                })?
                .into_owned();
            if let Some(bad) = value.chars().find(|c| !is_xml_char(*c)) {
                return Err(XmlError::InvalidReference(format!("U+{:04X}", bad as u32)));
            }
            let (attr_prefix, attr_local) = split_qname(attribute.key.into_inner());
            match (attr_prefix, attr_local) {
                (None, "xmlns") => decls.push(NamespaceDecl {
                    prefix: None,
                    uri: value,
                }),
                (Some("xmlns"), p) => {
                    if value.is_empty() {
                        return Err(XmlError::UndeclaredPrefix(p.to_string()));
                    }
                    decls.push(NamespaceDecl {
                        prefix: Some(p.to_string()),
                        uri: value,
                    })
                }
                (p, l) => raw_attributes.push((p.map(str::to_string), l.to_string(), value)),
            }
        }
        self.scopes.push(decls.clone());
        let namespace = self.resolve(prefix)?;
        let mut attributes = Vec::with_capacity(raw_attributes.len());
        for (attr_prefix, attr_local, value) in raw_attributes {
            let namespace = match attr_prefix.as_deref() {
                None => None,
                p => self.resolve(p)?,
            };
            if attributes.iter().any(|a: &Attribute| {
                a.local == attr_local && a.namespace == namespace && namespace.is_some()
            }) {
                return Err(XmlError::Syntax {
                    position,
                    reason: format!("attribute {attr_local} given twice"),
                });
            }
            attributes.push(Attribute {
                prefix: attr_prefix,
                local: attr_local,
                namespace,
                value,
            });
        }
        self.open.push(Element {
            prefix: prefix.map(str::to_string),
            local: local.to_string(),
            namespace,
            namespace_decls: decls,
            attributes,
            children: Vec::new(),
        });
        Ok(())
    }

    fn resolve(&self, prefix: Option<&str>) -> Result<Option<String>, XmlError> {
        match (prefix, self.lookup(prefix)) {
            (_, Some(uri)) => Ok(Some(uri.to_string())),
            (None, None) => Ok(None),
            (Some(p), None) => Err(XmlError::UndeclaredPrefix(p.to_string())),
        }
    }

    fn close(&mut self, end_name: Option<&str>, position: u64) -> Result<(), XmlError> {
        let element = self.open.pop().ok_or_else(|| XmlError::Syntax {
            position,
            reason: "end tag without start tag".into(),
        })?;
        self.scopes.pop();
        if let Some(name) = end_name {
            if name != element.qualified_name() {
                return Err(XmlError::Syntax {
                    position,
                    reason: format!("</{name}> closes <{}>", element.qualified_name()),
                });
            }
        }
        match self.open.last_mut() {
            Some(parent) => parent.children.push(Node::Element(element)),
            None => self.root = Some(element),
        }
        Ok(())
    }

    fn text(&mut self, text: &str, position: u64) -> Result<(), XmlError> {
        if let Some(bad) = text.chars().find(|c| !is_xml_char(*c)) {
            return Err(XmlError::Syntax {
                position,
                reason: format!("character U+{:04X} is not allowed in XML", bad as u32),
            });
        }
        match self.open.last_mut() {
            Some(parent) => {
                if let Some(Node::Text(existing)) = parent.children.last_mut() {
                    existing.push_str(text);
                } else {
                    parent.children.push(Node::Text(text.to_string()));
                }
                Ok(())
            }
            // Only white space may stand outside the root element.
            None if text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) => Ok(()),
            None => Err(XmlError::Syntax {
                position,
                reason: "text outside the root element".into(),
            }),
        }
    }

    fn processing_instruction(&mut self, target: &str, data: &str) -> Result<(), XmlError> {
        if target.eq_ignore_ascii_case("xml") {
            return Ok(());
        }
        let pi = ProcessingInstruction {
            target: target.to_string(),
            data: data.trim_start().to_string(),
        };
        match (self.open.last_mut(), &self.root) {
            (Some(parent), _) => parent.children.push(Node::Pi(pi)),
            (None, None) => self.before_root.push(pi),
            (None, Some(_)) => self.after_root.push(pi),
        }
        Ok(())
    }

    fn finish(self) -> Result<Document, XmlError> {
        if !self.open.is_empty() {
            return Err(XmlError::UnexpectedEnd);
        }
        let root = self.root.ok_or(XmlError::UnexpectedEnd)?;
        Ok(Document {
            before_root: self.before_root,
            root,
            after_root: self.after_root,
        })
    }
}

fn split_qname(name: &str) -> (Option<&str>, &str) {
    match name.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_namespaces_by_uri_whatever_the_prefix() {
        let doc =
            parse(r#"<a:x xmlns:a="urn:a"><b:y xmlns:b="urn:a">t&amp;u</b:y><z/></a:x>"#).unwrap();
        assert!(doc.root.is("urn:a", "x"));
        let y = doc.root.child("urn:a", "y").unwrap();
        assert_eq!(y.text(), "t&u");
        assert_eq!(doc.root.elements().nth(1).unwrap().namespace, None);
    }

    #[test]
    fn refuses_dtds_and_unknown_entities() {
        assert_eq!(
            parse(r#"<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>"#),
            Err(XmlError::DtdNotAllowed)
        );
        assert_eq!(
            parse("<x>&e;</x>"),
            Err(XmlError::UndefinedEntity("e".into()))
        );
    }

    #[test]
    fn refuses_undeclared_prefixes_and_truncation() {
        assert_eq!(parse("<p:x/>"), Err(XmlError::UndeclaredPrefix("p".into())));
        assert!(matches!(
            parse("<x><y></y>"),
            Err(XmlError::UnexpectedEnd) | Err(XmlError::Syntax { .. })
        ));
        assert!(parse("").is_err());
    }

    #[test]
    fn bounds_nesting() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep), Err(XmlError::TooDeep(MAX_DEPTH)));
    }

    #[test]
    fn normalizes_attribute_values_and_line_ends() {
        let doc = parse("<x a=\"1\n2&#9;3\">l1\r\nl2</x>").unwrap();
        assert_eq!(doc.root.attribute("a"), Some("1 2\t3"));
        assert_eq!(doc.root.text(), "l1\nl2");
    }
}
