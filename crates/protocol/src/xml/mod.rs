//! XML machinery: a strict namespace-aware tree, exclusive and inclusive
//! canonicalization, and a writer whose output is canonical by construction.

pub mod c14n;
pub mod names;
pub mod tree;
pub mod writer;

pub use names::Ns;
pub use tree::{parse, Document, Element, Node};

/// Why a piece of XML could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The text is not well-formed XML.
    #[error("malformed XML at byte {position}: {reason}")]
    Syntax {
        /// Byte offset where the problem was noticed.
        position: u64,
        /// What the parser found.
        reason: String,
    },
    /// The document ended before its root element was closed (truncated).
    #[error("the XML document ends before it is complete (truncated?)")]
    UnexpectedEnd,
    /// A document type declaration was present; Kuvert never processes DTDs.
    #[error("DTDs (<!DOCTYPE …>) are not accepted")]
    DtdNotAllowed,
    /// An entity other than the five predefined ones was referenced.
    #[error("undefined entity &{0};")]
    UndefinedEntity(String),
    /// A character reference is malformed or names a character XML forbids.
    #[error("invalid character reference {0}")]
    InvalidReference(String),
    /// A prefix was used without a namespace declaration in scope.
    #[error("namespace prefix `{0}` is not declared")]
    UndeclaredPrefix(String),
    /// Elements nest deeper than the parser allows.
    #[error("elements nest deeper than {0} levels")]
    TooDeep(usize),
}
