//! Page layout over [krilla]: A4 pages, text measuring and word wrapping,
//! and a [`Flow`] that places lines top to bottom, starts new pages and
//! numbers them; [`Flow::finish`] writes the PDF/A file with the document's
//! metadata (title, author, creation date, language) in its XMP.
//!
//! Coordinates are in points from the page's bottom-left corner, as in PDF.

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::TextDirection;
use krilla::{Document, SerializeSettings};

use super::fonts::{drawable, Font};
use super::{Created, DocumentInfo, PdfError, PdfProfile};

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

/// The width of `text` in points at `size`.
pub fn text_width(text: &str, font: Font, size: f32) -> f32 {
    drawable(text).chars().map(|c| font.advance(c, size)).sum()
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

/// One drawing operation.
#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        font: Font,
        size: f32,
        text: String,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
    },
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        grey: f32,
    },
}

/// One page's drawing operations.
#[derive(Debug, Default, Clone)]
pub struct Page {
    ops: Vec<Op>,
}

impl Page {
    /// Draws `text` with its baseline starting at (`x`, `y`).
    pub fn text(&mut self, x: f32, y: f32, font: Font, size: f32, text: &str) {
        self.ops.push(Op::Text {
            x,
            y,
            font,
            size,
            text: drawable(text),
        });
    }

    /// Draws a straight line.
    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32) {
        self.ops.push(Op::Line { from, to, width });
    }

    /// Fills a rectangle in a shade of grey (0 black – 1 white).
    pub fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, grey: f32) {
        self.ops.push(Op::Rect {
            x,
            y,
            width,
            height,
            grey,
        });
    }
}

fn grey(level: f32) -> luma::Color {
    luma::Color::new((level.clamp(0.0, 1.0) * 255.0).round() as u8)
}

/// Lays out lines from the top of a page downwards, starting a new page
/// when one is full, and finally numbers the pages ("Sida 1 av 3").
#[derive(Debug)]
pub struct Flow {
    size: PageSize,
    info: DocumentInfo,
    pages: Vec<Page>,
    margin: f32,
    bottom: f32,
    y: f32,
}

impl Flow {
    /// A flow over `size` pages with `margin` points on every side (and room
    /// for the page number below the bottom margin).
    pub fn new(size: PageSize, margin: f32, info: DocumentInfo) -> Self {
        Flow {
            size,
            info,
            pages: vec![Page::default()],
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
        self.size.width - 2.0 * self.margin
    }

    /// The height of a whole page's text area.
    pub fn page_height(&self) -> f32 {
        self.size.height - self.margin - self.bottom
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
        self.pages.push(Page::default());
        self.y = self.size.height - self.margin;
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

    /// Moves down to `y` points from the page's bottom (never up).
    pub fn move_down_to(&mut self, y: f32) {
        self.y = self.y.min(y).max(self.bottom);
    }

    /// The page being written.
    pub fn page(&mut self) -> &mut Page {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
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

    /// Numbers the pages at the bottom centre and writes the PDF/A file of
    /// `profile`.
    pub fn finish(mut self, profile: PdfProfile) -> Result<Vec<u8>, PdfError> {
        let count = self.pages.len();
        let y = self.bottom / 2.0;
        let width = self.size.width;
        for (i, page) in self.pages.iter_mut().enumerate() {
            let text = format!("Sida {} av {count}", i + 1);
            let x = (width - text_width(&text, Font::Regular, 9.0)) / 2.0;
            page.text(x, y, Font::Regular, 9.0, &text);
        }
        render(self.size, &self.info, &self.pages, profile)
    }
}

fn render(
    size: PageSize,
    info: &DocumentInfo,
    pages: &[Page],
    profile: PdfProfile,
) -> Result<Vec<u8>, PdfError> {
    let settings = SerializeSettings {
        configuration: krilla::configure::Configuration::new_with_validator(profile.validator()),
        // Level b asks for no structure tree; an untagged file stays small.
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    document.set_metadata(
        Metadata::new()
            .title(info.title.clone())
            .authors(vec![info.author.clone()])
            .creator("Kuvert".into())
            .producer(format!("Kuvert {} (krilla)", env!("CARGO_PKG_VERSION")))
            .language(info.language.clone())
            .creation_date(date_time(info.created)),
    );
    let settings = PageSettings::from_wh(size.width, size.height).ok_or(PdfError::PageSize)?;
    for page in pages {
        let mut krilla_page = document.start_page_with(settings.clone());
        let mut surface = krilla_page.surface();
        // krilla measures y from the top of the page.
        let top = |y: f32| size.height - y;
        for op in &page.ops {
            match op {
                Op::Text {
                    x,
                    y,
                    font,
                    size,
                    text,
                } => {
                    if text.is_empty() {
                        continue;
                    }
                    surface.set_fill(Some(Fill {
                        paint: grey(0.0).into(),
                        ..Fill::default()
                    }));
                    surface.draw_text(
                        Point::from_xy(*x, top(*y)),
                        font.krilla(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Line { from, to, width } => {
                    let mut path = PathBuilder::new();
                    path.move_to(from.0, top(from.1));
                    path.line_to(to.0, top(to.1));
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: grey(0.0).into(),
                            width: *width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Rect {
                    x,
                    y,
                    width,
                    height,
                    grey: level,
                } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, top(*y + *height), *width, *height) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill {
                            paint: grey(*level).into(),
                            ..Fill::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        krilla_page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

fn date_time(created: Created) -> DateTime {
    match created {
        Created::Day(date) => DateTime::new(date.year())
            .month(date.month())
            .day(date.day()),
        Created::At(at) => {
            let offset = at.offset();
            DateTime::new(u16::try_from(at.year()).unwrap_or(0))
                .month(u8::from(at.month()))
                .day(at.day())
                .hour(at.hour())
                .minute(at.minute())
                .second(at.second())
                .utc_offset_hour(offset.whole_hours())
                .utc_offset_minute(offset.minutes_past_hour().unsigned_abs())
        }
    }
}
