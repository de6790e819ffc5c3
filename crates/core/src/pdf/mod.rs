//! Printable documents: the paper route's letter (which is also the message
//! as a document in the filing package) and the sent log's report.
//!
//! Every PDF is PDF/A ([`PdfProfile`]: PDF/A-2b unless the profile asks for
//! PDF/A-1b), written by the [krilla] crate, which checks the PDF/A rules as
//! it writes. [`layout`] places text on A4 pages (word wrap, page breaks,
//! page numbers) in DejaVu Sans, embedded as a subset, so every Latin
//! letter prints — the Sami `č ŋ š ž đ ŧ` as well as `åäö` — and stays
//! extractable and searchable. On top of it:
//!
//! - [`Letter`]: a print-ready letter of a message for the postal routine
//!   when the recipient cannot receive digital mail, with the recipient's
//!   postal address in the window of a C5/C4 envelope when one was typed.
//!   Attachments are listed; [`print_file`] appends the PDF ones after the
//!   letter, so one print job holds everything (others are enclosed
//!   separately).
//! - [`Report`]: a table of the sent log for the registrar's filing, with
//!   further tables ([`ReportSection`]) after it: the purges.
//!
//! ```
//! use kuvert_core::pdf::{PdfProfile, Report};
//!
//! let report = Report {
//!     title: "Skickade meddelanden".into(),
//!     author: "Kommun B".into(),
//!     created: time::macros::datetime!(2026-11-23 14:05 +01:00),
//!     generated_at: "2026-11-23 14:05".into(),
//!     filter: "Ärende KS 2026/0123".into(),
//!     columns: vec!["Datum".into(), "Mottagare".into(), "Ämne".into()],
//!     rows: vec![vec!["2026-11-20".into(), "19850101-****".into(), "Beslut i ärende".into()]],
//!     sections: vec![],
//! };
//! let pdf = report.to_pdf(PdfProfile::default()).unwrap();
//! assert!(pdf.starts_with(b"%PDF-1.7"));
//! ```

mod fonts;
pub mod layout;
pub mod letter;
pub mod print;
pub mod report;

use kuvert_protocol::date::CalendarDate;

pub use fonts::Font;
pub use letter::{Letter, LetterAttachment};
pub use print::{print_file, Appendix, PrintFile};
pub use report::{Report, ReportSection};

/// The PDF/A conformance Kuvert writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PdfProfile {
    /// PDF/A-2b (ISO 19005-2, level B), on PDF 1.7: the default.
    #[default]
    A2b,
    /// PDF/A-1b (ISO 19005-1, level B), on PDF 1.4: for registry rules that
    /// still name it.
    A1b,
}

impl PdfProfile {
    /// The profile named as the organisation profile writes it: `"2b"` or
    /// `"1b"` (also `"PDF/A-2b"`, any case).
    pub fn from_name(name: &str) -> Option<PdfProfile> {
        let name = name.trim().to_ascii_lowercase();
        match name.strip_prefix("pdf/a-").unwrap_or(&name) {
            "2b" => Some(PdfProfile::A2b),
            "1b" => Some(PdfProfile::A1b),
            _ => None,
        }
    }

    /// The name as people read it (`PDF/A-2b`).
    pub fn label(self) -> &'static str {
        match self {
            PdfProfile::A2b => "PDF/A-2b",
            PdfProfile::A1b => "PDF/A-1b",
        }
    }

    /// The XMP identification (`pdfaid:part`, `pdfaid:conformance`).
    pub fn part_and_conformance(self) -> (u8, &'static str) {
        match self {
            PdfProfile::A2b => (2, "B"),
            PdfProfile::A1b => (1, "B"),
        }
    }

    fn validator(self) -> krilla::configure::Validator {
        match self {
            PdfProfile::A2b => krilla::configure::Validator::A2_B,
            PdfProfile::A1b => krilla::configure::Validator::A1_B,
        }
    }
}

/// When a document was made, as its metadata states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// A day (a letter is dated, not timed).
    Day(CalendarDate),
    /// An instant, with its offset.
    At(time::OffsetDateTime),
}

/// A document's metadata: the XMP and the document information of the PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    /// The title.
    pub title: String,
    /// The author: the organisation (the sender name).
    pub author: String,
    /// When it was made.
    pub created: Created,
    /// The language (BCP 47), `sv`.
    pub language: String,
}

/// Why a PDF could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// The page size is not a valid size.
    #[error("invalid page size")]
    PageSize,
    /// krilla refused the document (a PDF/A rule it would break, a font it
    /// cannot embed).
    #[error("the PDF could not be written: {0}")]
    Write(String),
}
