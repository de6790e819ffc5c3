//! A small PDF 1.4 writer: A4 pages, the standard Helvetica fonts with
//! WinAnsiEncoding (so Swedish letters render without embedding a font),
//! text measuring and word wrapping, and a [`Flow`] that places lines top
//! to bottom, starts new pages and numbers them.
//!
//! Only what Kuvert's letters and reports need; content streams are written
//! uncompressed, which keeps the writer free of dependencies.

use std::fmt::Write as _;

use super::metrics;

/// Points per millimetre.
pub const MM: f32 = 72.0 / 25.4;

/// A page size in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageSize {
    /// Width in points.
    pub width: f32,
    /// Height in points.
    pub height: f32,
}

impl PageSize {
    /// A4 upright (210 × 297 mm).
    pub const A4_PORTRAIT: PageSize = PageSize {
        width: 595.28,
        height: 841.89,
    };
    /// A4 on its side.
    pub const A4_LANDSCAPE: PageSize = PageSize {
        width: 841.89,
        height: 595.28,
    };
}

/// The two fonts Kuvert uses (PDF standard fonts; viewers provide them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &metrics::REGULAR,
            Font::Bold => &metrics::BOLD,
        }
    }
}

/// The WinAnsiEncoding byte for a character; `?` for characters the
/// encoding lacks.
pub fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '\t' => b' ',
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => b'?',
    }
}

/// The width of `text` in points at `size`.
pub fn text_width(text: &str, font: Font, size: f32) -> f32 {
    let widths = font.widths();
    let units: u32 = text
        .chars()
        .map(|c| {
            let code = win_ansi(c);
            u32::from(widths[usize::from(code.saturating_sub(32))])
        })
        .sum();
    units as f32 * size / 1000.0
}

/// Breaks `text` into lines no wider than `max_width`: at line breaks, then
/// between words; a word wider than a line is broken between characters.
pub fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let paragraph = paragraph.trim_end_matches('\r');
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, font, size) <= max_width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone may still be too wide: break it.
            for c in word.chars() {
                line.push(c);
                if text_width(&line, font, size) > max_width && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// A PDF string literal in WinAnsiEncoding: `(…)` with `\`, `(`, `)` and
/// non-ASCII bytes escaped.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('(');
    for c in text.chars() {
        match win_ansi(c) {
            b'\\' => out.push_str("\\\\"),
            b'(' => out.push_str("\\("),
            b')' => out.push_str("\\)"),
            b @ 0x20..=0x7E => out.push(b as char),
            b => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(')');
    out
}

/// One page's drawing operations.
#[derive(Debug, Default, Clone)]
pub struct Page {
    content: String,
}

impl Page {
    /// Draws `text` with its baseline starting at (`x`, `y`), in points from
    /// the bottom-left corner.
    pub fn text(&mut self, x: f32, y: f32, font: Font, size: f32, text: &str) {
        let _ = writeln!(
            self.content,
            "BT /{} {size:.1} Tf {x:.2} {y:.2} Td {} Tj ET",
            font.resource(),
            literal(text)
        );
    }

    /// Draws a straight line.
    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32) {
        let _ = writeln!(
            self.content,
            "{width:.2} w {:.2} {:.2} m {:.2} {:.2} l S",
            from.0, from.1, to.0, to.1
        );
    }

    /// Fills a rectangle in a shade of grey (0 black – 1 white).
    pub fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, grey: f32) {
        let _ = writeln!(
            self.content,
            "q {grey:.2} g {x:.2} {y:.2} {width:.2} {height:.2} re f Q"
        );
    }
}

/// A document of pages of one size.
#[derive(Debug, Clone)]
pub struct Document {
    size: PageSize,
    title: String,
    pages: Vec<Page>,
}

impl Document {
    /// An empty document; `title` goes into the document information.
    pub fn new(size: PageSize, title: &str) -> Self {
        Document {
            size,
            title: title.to_string(),
            pages: Vec::new(),
        }
    }

    /// The page size.
    pub fn size(&self) -> PageSize {
        self.size
    }

    /// Adds an empty page and returns it.
    pub fn add_page(&mut self) -> &mut Page {
        self.pages.push(Page::default());
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// The pages so far.
    pub fn pages_mut(&mut self) -> &mut [Page] {
        &mut self.pages
    }

    /// The number of pages.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The PDF file. A document without pages gets one empty page (a PDF
    /// needs at least one).
    pub fn to_bytes(&self) -> Vec<u8> {
        let empty = [Page::default()];
        let pages: &[Page] = if self.pages.is_empty() {
            &empty
        } else {
            &self.pages
        };
        // Objects: 1 catalog, 2 page tree, 3–4 fonts, 5 info, then per page
        // a page object and its content stream.
        let mut objects: Vec<Vec<u8>> = Vec::with_capacity(5 + 2 * pages.len());
        objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
        let kids: Vec<String> = (0..pages.len())
            .map(|i| format!("{} 0 R", 6 + 2 * i))
            .collect();
        objects.push(
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                pages.len()
            )
            .into_bytes(),
        );
        for base in ["Helvetica", "Helvetica-Bold"] {
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>"
                )
                .into_bytes(),
            );
        }
        objects.push(
            format!(
                "<< /Title {} /Producer (Kuvert) >>",
                utf16_text(&self.title)
            )
            .into_bytes(),
        );
        for (i, page) in pages.iter().enumerate() {
            objects.push(
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {:.2} {:.2}] \
                     /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                    self.size.width,
                    self.size.height,
                    7 + 2 * i
                )
                .into_bytes(),
            );
            let mut stream = format!("<< /Length {} >>\nstream\n", page.content.len()).into_bytes();
            stream.extend_from_slice(page.content.as_bytes());
            stream.extend_from_slice(b"\nendstream");
            objects.push(stream);
        }

        // A binary comment after the header tells tools the file is binary.
        let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, object) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(object);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for offset in offsets {
            let _ = writeln!(table, "{offset:010} 00000 n ");
        }
        let _ = write!(
            table,
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        );
        out.extend_from_slice(table.as_bytes());
        out
    }
}

/// A PDF text string in UTF-16BE with a byte-order mark, as hex.
fn utf16_text(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

/// Lays out lines from the top of a page downwards, starting a new page
/// when one is full, and finally numbers the pages ("Sida 1 av 3").
#[derive(Debug)]
pub struct Flow {
    document: Document,
    margin: f32,
    bottom: f32,
    y: f32,
}

impl Flow {
    /// A flow over `size` pages with `margin` points on every side (and room
    /// for the page number below the bottom margin).
    pub fn new(size: PageSize, margin: f32, title: &str) -> Self {
        let mut document = Document::new(size, title);
        document.add_page();
        Flow {
            document,
            margin,
            bottom: margin,
            y: size.height - margin,
        }
    }

    /// The left edge of the text area.
    pub fn left(&self) -> f32 {
        self.margin
    }

    /// The width of the text area.
    pub fn width(&self) -> f32 {
        self.document.size.width - 2.0 * self.margin
    }

    /// The height of a whole page's text area.
    pub fn page_height(&self) -> f32 {
        self.document.size.height - self.margin - self.bottom
    }

    /// The current position (baseline of the next line is below it).
    pub fn y(&self) -> f32 {
        self.y
    }

    /// Whether `height` points still fit on this page.
    pub fn fits(&self, height: f32) -> bool {
        self.y - height >= self.bottom
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        self.document.add_page();
        self.y = self.document.size.height - self.margin;
    }

    /// Starts a new page unless `height` points still fit. Returns whether
    /// a page was started.
    pub fn ensure(&mut self, height: f32) -> bool {
        if self.fits(height) {
            false
        } else {
            self.new_page();
            true
        }
    }

    /// Moves down by `height` points (not past the page end).
    pub fn space(&mut self, height: f32) {
        self.y = (self.y - height).max(self.bottom);
    }

    /// The page being written.
    pub fn page(&mut self) -> &mut Page {
        let pages = self.document.pages_mut();
        let last = pages.len() - 1;
        &mut pages[last]
    }

    /// Writes one line at `indent` points from the left edge.
    pub fn line(&mut self, font: Font, size: f32, indent: f32, text: &str) {
        let leading = size * 1.35;
        self.ensure(leading);
        self.y -= leading;
        let (x, y) = (self.margin + indent, self.y + size * 0.25);
        self.page().text(x, y, font, size, text);
    }

    /// Writes `text` wrapped to the text width less `indent`.
    pub fn paragraph(&mut self, font: Font, size: f32, indent: f32, text: &str) {
        for line in wrap(text, font, size, self.width() - indent) {
            self.line(font, size, indent, &line);
        }
    }

    /// Numbers the pages at the bottom centre and returns the PDF.
    pub fn finish(mut self) -> Vec<u8> {
        let count = self.document.page_count();
        let size = self.document.size;
        let y = self.bottom / 2.0;
        for (i, page) in self.document.pages_mut().iter_mut().enumerate() {
            let text = format!("Sida {} av {count}", i + 1);
            let x = (size.width - text_width(&text, Font::Regular, 9.0)) / 2.0;
            page.text(x, y, Font::Regular, 9.0, &text);
        }
        self.document.to_bytes()
    }
}
