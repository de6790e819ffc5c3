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

    /// Whether `bytes` have the structure of a file of this type: the
    /// header where the format puts it (at the very start, never "somewhere
    /// near it", so a program with `%PDF-` in its first kilobyte is not a
    /// PDF), and for the ZIP-based formats the parts that make the document.
    pub fn content_matches(self, bytes: &[u8]) -> bool {
        match self {
            FileType::Pdf => pdf_header(bytes),
            // SOI, then the start of the next marker segment.
            FileType::Jpeg => matches!(bytes, [0xFF, 0xD8, 0xFF, 0xC0..=0xFE, ..]),
            // The signature, then the IHDR chunk (length 13) the format requires first.
            FileType::Png => {
                bytes.starts_with(b"\x89PNG\r\n\x1a\n")
                    && bytes.get(8..16) == Some(b"\0\0\0\rIHDR".as_slice())
            }
            FileType::Gif => {
                (bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")) && bytes.len() >= 13
            }
            FileType::Tiff => {
                (bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*")) && bytes.len() >= 8
            }
            FileType::PlainText => looks_like_text(bytes),
            FileType::Docx => office_open(bytes, "word/document.xml"),
            FileType::Xlsx => office_open(bytes, "xl/workbook.xml"),
            FileType::Odt => open_document_text(bytes),
        }
    }
}

/// `%PDF-` and a version (`1.0`–`2.9`) as the file's first bytes.
fn pdf_header(bytes: &[u8]) -> bool {
    matches!(
        bytes,
        [
            b'%',
            b'P',
            b'D',
            b'F',
            b'-',
            b'1' | b'2',
            b'.',
            b'0'..=b'9',
            ..
        ]
    )
}

/// A ZIP archive (read by its central directory) holding the Office Open
/// XML content-types part and the document's main part.
fn office_open(bytes: &[u8], main_part: &str) -> bool {
    if !bytes.starts_with(b"PK\x03\x04") {
        return false;
    }
    let Ok(archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return false;
    };
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|name| name.ok().map(|n| n.into_owned()))
        .collect();
    let has = |part: &str| names.iter().any(|n| n == part);
    has("[Content_Types].xml") && has(main_part)
}

/// An OpenDocument text: the ZIP's first entry is the uncompressed
/// `mimetype` naming the text type, as the OpenDocument standard requires
/// (local file header: name length at 26, extra length at 28, name at 30).
fn open_document_text(bytes: &[u8]) -> bool {
    const MIME: &[u8] = b"application/vnd.oasis.opendocument.text";
    if !bytes.starts_with(b"PK\x03\x04") || bytes.len() < 30 {
        return false;
    }
    let name_len = u16::from_le_bytes([bytes[26], bytes[27]]) as usize;
    let extra_len = u16::from_le_bytes([bytes[28], bytes[29]]) as usize;
    let content = 30 + name_len + extra_len;
    bytes.get(30..30 + name_len) == Some(b"mimetype".as_slice())
        && bytes.get(content..content + MIME.len()) == Some(MIME)
        && zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok()
}

/// No NUL bytes, DEL or other control characters than tab, line breaks,
/// form feed and the old end-of-file marker in the first 64 KiB; UTF-8 or a
/// single-byte encoding.
fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .take(64 * 1024)
            .all(|b| (*b >= 0x20 && *b != 0x7F) || matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
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
