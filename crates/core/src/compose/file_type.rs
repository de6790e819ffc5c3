//! Recognising attachment types from the file name *and* the content.
//!
//! An attachment's type is decided by its extension and then confirmed by
//! its first bytes (magic numbers), so a renamed executable does not pass as
//! a PDF and a PDF named `.jpg` is caught before the recipient's mailbox
//! fails to show it.

/// A file type Kuvert recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileType {
    /// `application/pdf` (`.pdf`).
    Pdf,
    /// `image/jpeg` (`.jpg`, `.jpeg`).
    Jpeg,
    /// `image/png` (`.png`).
    Png,
    /// `image/gif` (`.gif`).
    Gif,
    /// `image/tiff` (`.tif`, `.tiff`).
    Tiff,
    /// `text/plain` (`.txt`): text without binary control characters.
    PlainText,
    /// Word document (`.docx`), a ZIP container.
    Docx,
    /// Excel workbook (`.xlsx`), a ZIP container.
    Xlsx,
    /// OpenDocument text (`.odt`), a ZIP container.
    Odt,
}

const ALL: [FileType; 9] = [
    FileType::Pdf,
    FileType::Jpeg,
    FileType::Png,
    FileType::Gif,
    FileType::Tiff,
    FileType::PlainText,
    FileType::Docx,
    FileType::Xlsx,
    FileType::Odt,
];

impl FileType {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Gif => "image/gif",
            FileType::Tiff => "image/tiff",
            FileType::PlainText => "text/plain",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Odt => "application/vnd.oasis.opendocument.text",
        }
    }

    /// A short name people know (`PDF`, `JPEG`, …).
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Jpeg => "JPEG",
            FileType::Png => "PNG",
            FileType::Gif => "GIF",
            FileType::Tiff => "TIFF",
            FileType::PlainText => "text",
            FileType::Docx => "Word",
            FileType::Xlsx => "Excel",
            FileType::Odt => "OpenDocument",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Jpeg => &["jpg", "jpeg"],
            FileType::Png => &["png"],
            FileType::Gif => &["gif"],
            FileType::Tiff => &["tif", "tiff"],
            FileType::PlainText => &["txt"],
            FileType::Docx => &["docx"],
            FileType::Xlsx => &["xlsx"],
            FileType::Odt => &["odt"],
        }
    }

    /// The type with this MIME type (parameters and case ignored).
    pub fn from_mime(mime: &str) -> Option<FileType> {
        let essence = mime.split(';').next().unwrap_or("").trim();
        ALL.into_iter()
            .find(|t| t.mime().eq_ignore_ascii_case(essence))
    }

    /// Every MIME type Kuvert recognises.
    pub fn known_mime_types() -> Vec<&'static str> {
        ALL.iter().map(|t| t.mime()).collect()
    }

    /// The type a file name's extension stands for.
    pub fn from_file_name(name: &str) -> Option<FileType> {
        let (_, extension) = name.rsplit_once('.')?;
        ALL.into_iter().find(|t| {
            t.extensions()
                .iter()
                .any(|e| e.eq_ignore_ascii_case(extension))
        })
    }

    /// The type the content's first bytes show, if any. Text is reported
    /// only when nothing else matches.
    pub fn from_content(bytes: &[u8]) -> Option<FileType> {
        ALL.into_iter()
            .filter(|t| *t != FileType::PlainText)
            .find(|t| t.content_matches(bytes))
            .or_else(|| looks_like_text(bytes).then_some(FileType::PlainText))
    }

    /// Whether `bytes` look like a file of this type.
    pub fn content_matches(self, bytes: &[u8]) -> bool {
        match self {
            // Readers accept the header within the first kilobyte.
            FileType::Pdf => {
                let head = &bytes[..bytes.len().min(1024)];
                head.windows(5).any(|w| w == b"%PDF-")
            }
            FileType::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
            FileType::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            FileType::Gif => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
            FileType::Tiff => bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*"),
            FileType::PlainText => looks_like_text(bytes),
            FileType::Docx | FileType::Xlsx | FileType::Odt => bytes.starts_with(b"PK\x03\x04"),
        }
    }
}

/// No NUL bytes and no control characters other than tab, line breaks,
/// form feed and the old end-of-file marker in the first 64 KiB; UTF-8 or a
/// single-byte encoding.
fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .take(64 * 1024)
            .all(|b| *b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
}

/// Why an attachment's type was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// The extension and the content agree.
    Recognised(FileType),
    /// The extension is missing or not one Kuvert knows.
    UnknownExtension,
    /// The content does not look like the extension says.
    Mismatch {
        /// What the extension says.
        by_extension: FileType,
        /// What the content looks like, if anything known.
        by_content: Option<FileType>,
    },
}

/// Decides an attachment's type from its name and content.
pub fn sniff(file_name: &str, bytes: &[u8]) -> Sniffed {
    let Some(by_extension) = FileType::from_file_name(file_name) else {
        return Sniffed::UnknownExtension;
    };
    if by_extension.content_matches(bytes) {
        Sniffed::Recognised(by_extension)
    } else {
        Sniffed::Mismatch {
            by_extension,
            by_content: FileType::from_content(bytes),
        }
    }
}
