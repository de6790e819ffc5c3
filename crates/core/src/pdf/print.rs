//! The print file of a paper letter: the stored letter, then every PDF
//! attachment's pages, so that one print job holds everything that goes in
//! the envelope.
//!
//! The letter stays the PDF/A file the sent log sealed; the print file is
//! made from it and the stored attachments whenever it is asked for (the
//! same bytes in, the same pages out) and is not itself PDF/A, since PDF/A
//! forbids embedding other PDF files as they are. krilla embeds the pages
//! (through hayro); an attachment it cannot read (damaged, encrypted, a
//! newer PDF version) is left out and named, to be printed separately.

use std::sync::Arc;

use krilla::pdf::{Pdf, PdfDocument};
use krilla::Document;

use super::PdfError;

/// One PDF to append.
#[derive(Debug, Clone, Copy)]
pub struct Appendix<'a> {
    /// The attachment's file name.
    pub file_name: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
}

/// A print file and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintFile {
    /// The PDF to print.
    pub pdf: Vec<u8>,
    /// The attachments whose pages follow the letter, in order.
    pub appended: Vec<String>,
    /// The PDF attachments that could not be read, to print separately.
    pub left_out: Vec<String>,
}

/// The letter's pages, then each readable appendix's pages; the letter
/// itself when no appendix can be added.
pub fn print_file(letter_pdf: &[u8], appendices: &[Appendix<'_>]) -> Result<PrintFile, PdfError> {
    let letter = readable(letter_pdf)
        .ok_or_else(|| PdfError::Write("the stored letter cannot be read".into()))?;
    let mut entries: Vec<(&str, Option<(PdfDocument, usize)>)> = appendices
        .iter()
        .map(|a| (a.file_name, readable(a.bytes)))
        .collect();
    let appended = |entries: &[(&str, Option<(PdfDocument, usize)>)]| -> Vec<(PdfDocument, usize)> {
        entries.iter().filter_map(|(_, pdf)| pdf.clone()).collect()
    };
    // Usually every readable file embeds and one document is written; only
    // when that fails is each tried on its own, so that one file krilla
    // cannot embed leaves the others in.
    let mut pdf = combine(&letter, &appended(&entries));
    if pdf.is_err() {
        for (_, part) in &mut entries {
            if part
                .as_ref()
                .is_some_and(|p| combine(&letter, std::slice::from_ref(p)).is_err())
            {
                *part = None;
            }
        }
        pdf = combine(&letter, &appended(&entries));
    }
    let parts = appended(&entries);
    // Nothing to append: the letter as stored (PDF/A), byte for byte.
    let pdf = if parts.is_empty() {
        letter_pdf.to_vec()
    } else {
        pdf?
    };
    let names = |with_pdf: bool| -> Vec<String> {
        entries
            .iter()
            .filter(|(_, part)| part.is_some() == with_pdf)
            .map(|(name, _)| name.to_string())
            .collect()
    };
    Ok(PrintFile {
        pdf,
        appended: names(true),
        left_out: names(false),
    })
}

/// The document and its page count, when hayro can read it (a hostile file
/// that makes the reader panic counts as unreadable).
fn readable(bytes: &[u8]) -> Option<(PdfDocument, usize)> {
    let data: Arc<Vec<u8>> = Arc::new(bytes.to_vec());
    std::panic::catch_unwind(move || {
        let pdf = Pdf::new(data).ok()?;
        let pages = pdf.pages().len();
        (pages > 0).then(|| (PdfDocument::new(Arc::new(pdf)), pages))
    })
    .ok()
    .flatten()
}

fn combine(
    letter: &(PdfDocument, usize),
    rest: &[(PdfDocument, usize)],
) -> Result<Vec<u8>, PdfError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut document = Document::new();
        for (pdf, pages) in std::iter::once(letter).chain(rest) {
            let indices: Vec<usize> = (0..*pages).collect();
            document.embed_pdf_pages(pdf, &indices);
        }
        document
            .finish()
            .map_err(|e| PdfError::Write(format!("{e:?}")))
    }))
    .unwrap_or_else(|_| Err(PdfError::Write("a PDF could not be embedded".into())))
}
