//! Writing XML that is already in exclusive canonical form.
//!
//! Every element is written with the namespace it belongs to; the writer
//! declares a namespace exactly where exclusive canonicalization would render
//! it (on the outermost element that uses it, and again in each sibling
//! subtree). So the bytes written *are* the canonical form, and a signer can
//! digest them directly instead of re-parsing a 20 MB document.

use std::io::{self, Write};

use base64::Engine;

use super::c14n::Emitter;
use super::names::Ns;

/// Writes canonical XML into a byte buffer.
pub struct CanonicalWriter<W: Write = Vec<u8>> {
    emitter: Emitter<W>,
}

impl CanonicalWriter<Vec<u8>> {
    /// A writer into a new buffer with `capacity` bytes reserved.
    pub fn with_capacity(capacity: usize) -> Self {
        CanonicalWriter {
            emitter: Emitter::new(Vec::with_capacity(capacity)),
        }
    }
}

impl<W: Write> CanonicalWriter<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        CanonicalWriter {
            emitter: Emitter::new(out),
        }
    }

    /// Opens `<local>` in namespace `ns`, with unqualified `attributes`
    /// (name, value).
    pub fn open_with(
        &mut self,
        ns: Ns,
        local: &str,
        attributes: &[(&str, &str)],
    ) -> io::Result<()> {
        let qname = match ns.prefix {
            Some(p) => format!("{p}:{local}"),
            None => local.to_string(),
        };
        let mut attrs: Vec<(&str, &str, &str, &str)> =
            attributes.iter().map(|(n, v)| ("", *n, *n, *v)).collect();
        self.emitter
            .start(&qname, [(ns.prefix, ns.uri)], &mut attrs)
    }

    /// Opens `<local>` in namespace `ns`.
    pub fn open(&mut self, ns: Ns, local: &str) -> io::Result<()> {
        self.open_with(ns, local, &[])
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) -> io::Result<()> {
        self.emitter.end()
    }

    /// Writes escaped text.
    pub fn text(&mut self, text: &str) -> io::Result<()> {
        self.emitter.text(text)
    }

    /// `<local>text</local>`.
    pub fn leaf(&mut self, ns: Ns, local: &str, text: &str) -> io::Result<()> {
        self.open(ns, local)?;
        self.text(text)?;
        self.close()
    }

    /// `<local>` + the base64 of `bytes` + `</local>`, encoded in chunks so a
    /// large attachment is never held twice.
    pub fn base64_leaf(&mut self, ns: Ns, local: &str, bytes: &[u8]) -> io::Result<()> {
        self.open(ns, local)?;
        // 48 KiB of input is exactly 64 KiB of base64 (a multiple of 3 bytes).
        const CHUNK: usize = 48 * 1024;
        let mut encoded = vec![0u8; CHUNK / 3 * 4];
        for chunk in bytes.chunks(CHUNK) {
            let n = base64::engine::general_purpose::STANDARD
                .encode_slice(chunk, &mut encoded)
                .map_err(io::Error::other)?;
            self.emitter.plain_text(&encoded[..n])?;
        }
        self.close()
    }

    /// Writes bytes that are already canonical XML in the current context.
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.emitter.sink().write_all(bytes)
    }

    /// Gives back the sink; every opened element must have been closed.
    pub fn finish(self) -> io::Result<W> {
        if self.emitter.depth() != 0 {
            return Err(io::Error::other("unclosed elements"));
        }
        Ok(self.emitter.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::c14n::{document, Algorithm, Subset};
    use crate::xml::parse;

    const A: Ns = Ns::default("urn:a");
    const B: Ns = Ns::prefixed("b", "urn:b");

    #[test]
    fn output_is_its_own_canonical_form() {
        let mut w = CanonicalWriter::with_capacity(0);
        w.open_with(A, "root", &[("z", "1"), ("Id", "x\"y")])
            .unwrap();
        w.open(B, "x").unwrap();
        w.leaf(A, "in", "a<b & c\r\n").unwrap();
        w.close().unwrap();
        w.leaf(B, "y", "ü").unwrap();
        w.base64_leaf(A, "data", &[0, 1, 2, 250]).unwrap();
        w.close().unwrap();
        let bytes = w.finish().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let doc = parse(&text).unwrap();
        assert_eq!(
            document(&doc, &Algorithm::exclusive(), &Subset::default()),
            bytes
        );
        assert_eq!(
            document(&doc, &Algorithm::Inclusive, &Subset::default()),
            bytes
        );
        assert!(
            text.starts_with(r#"<root xmlns="urn:a" Id="x&quot;y" z="1"><b:x xmlns:b="urn:b">"#)
        );
    }
}
