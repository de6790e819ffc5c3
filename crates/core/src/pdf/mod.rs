//! Printable documents: the paper route's letter and the sent log's report.
//!
//! [`writer`] is a small self-written PDF 1.4 writer (A4, Helvetica with
//! WinAnsiEncoding, word wrap, page breaks, page numbers). On top of it:
//!
//! - [`Letter`]: a print-ready letter of a message for the postal routine
//!   when the recipient cannot receive digital mail. Attachments are listed
//!   with the note "bifogas separat" (printed and enclosed separately); they
//!   are not merged into the PDF.
//! - [`Report`]: a table of the sent log for the registrar's filing, with
//!   further tables ([`ReportSection`]) after it: the purges.
//!
//! ```
//! use kuvert_core::pdf::Report;
//!
//! let report = Report {
//!     title: "Skickade meddelanden".into(),
//!     generated_at: "2026-11-23 14:05".into(),
//!     filter: "Ärende KS 2026/0123".into(),
//!     columns: vec!["Datum".into(), "Mottagare".into(), "Ämne".into()],
//!     rows: vec![vec!["2026-11-20".into(), "19850101-****".into(), "Beslut i ärende".into()]],
//!     sections: vec![],
//! };
//! let pdf = report.to_pdf();
//! assert!(pdf.starts_with(b"%PDF-1.4"));
//! ```

pub mod letter;
mod metrics;
pub mod report;
pub mod writer;

pub use letter::{Letter, LetterAttachment};
pub use report::{Report, ReportSection};
