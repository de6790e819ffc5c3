//! The registrar's table report of the sent log (and, after it, further
//! tables such as the purges).

use super::layout::{text_width, wrap, Flow, PageSize, MM};
use super::{Created, DocumentInfo, Font, PdfError, PdfProfile};

const SIZE: f32 = 8.5;
const LEADING: f32 = SIZE * 1.3;
const PADDING: f32 = 3.0;

/// A table report: a title, when and with which filter it was made, and
/// rows of text under column headings; then any further [`ReportSection`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The title.
    pub title: String,
    /// The author in the metadata: the organisation.
    pub author: String,
    /// When it was generated, for the metadata.
    pub created: time::OffsetDateTime,
    /// When it was generated, as shown.
    pub generated_at: String,
    /// The search filter, in words.
    pub filter: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows; missing cells are empty, extra cells are ignored.
    pub rows: Vec<Vec<String>>,
    /// Tables after the main one, each under its heading.
    pub sections: Vec<ReportSection>,
}

/// A further table of a [`Report`], under a heading of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSection {
    /// The heading (e.g. "Gallringar").
    pub heading: String,
    /// What is printed instead of the table when there are no rows.
    pub empty: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows; missing cells are empty, extra cells are ignored.
    pub rows: Vec<Vec<String>>,
}

impl Report {
    /// The report as a PDF/A file of `profile` (A4 landscape); the heading
    /// row is repeated on every page.
    pub fn to_pdf(&self, profile: PdfProfile) -> Result<Vec<u8>, PdfError> {
        let info = DocumentInfo {
            title: self.title.clone(),
            author: self.author.clone(),
            created: Created::At(self.created),
            language: "sv".into(),
        };
        let mut flow = Flow::new(PageSize::A4_LANDSCAPE, 15.0 * MM, info);
        flow.paragraph(Font::Bold, 14.0, 0.0, &self.title);
        flow.paragraph(
            Font::Regular,
            9.0,
            0.0,
            &format!("Skapad: {}", self.generated_at),
        );
        flow.paragraph(Font::Regular, 9.0, 0.0, &format!("Urval: {}", self.filter));
        flow.paragraph(
            Font::Regular,
            9.0,
            0.0,
            &format!("Antal rader: {}", self.rows.len()),
        );
        flow.space(4.0 * MM);
        table(&mut flow, &self.columns, &self.rows);
        for section in &self.sections {
            flow.space(8.0 * MM);
            flow.paragraph(Font::Bold, 12.0, 0.0, &section.heading);
            flow.space(2.0 * MM);
            if section.rows.is_empty() {
                flow.paragraph(Font::Regular, 9.0, 0.0, &section.empty);
            } else {
                table(&mut flow, &section.columns, &section.rows);
            }
        }
        flow.finish(profile)
    }
}

/// Draws rows under column headings; the heading row is repeated on every
/// page the table reaches.
fn table(flow: &mut Flow, columns: &[String], rows: &[Vec<String>]) {
    if columns.is_empty() {
        return;
    }
    let widths = column_widths(columns, rows, flow.width());
    // A row never gets taller than a page minus the heading row.
    let max_lines = (((flow.page_height() - 3.0 * LEADING) / LEADING).floor() as usize).max(1);
    let cells = |row: &[String], font: Font| -> Vec<Vec<String>> {
        widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let text = row.get(i).map(String::as_str).unwrap_or("");
                let mut lines = wrap(text, font, SIZE, w - 2.0 * PADDING);
                if lines.len() > max_lines {
                    lines.truncate(max_lines);
                    if let Some(last) = lines.last_mut() {
                        last.push('…');
                    }
                }
                lines
            })
            .collect()
    };

    let header = cells(columns, Font::Bold);
    draw_row(flow, &widths, &header, Font::Bold, true);
    for row in rows {
        let row = cells(row, Font::Regular);
        let height = row_height(&row);
        if flow.ensure(height) {
            draw_row(flow, &widths, &header, Font::Bold, true);
        }
        draw_row(flow, &widths, &row, Font::Regular, false);
    }
}

/// Column widths: each column's natural width (its widest cell, capped),
/// scaled to fill the page width.
fn column_widths(columns: &[String], rows: &[Vec<String>], total: f32) -> Vec<f32> {
    let natural: Vec<f32> = columns
        .iter()
        .enumerate()
        .map(|(i, heading)| {
            let widest = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| text_width(c, Font::Regular, SIZE))
                .fold(text_width(heading, Font::Bold, SIZE), f32::max);
            (widest + 2.0 * PADDING).clamp(12.0 * MM, total / 2.0)
        })
        .collect();
    let sum: f32 = natural.iter().sum();
    if sum <= total {
        return natural.iter().map(|w| w * total / sum).collect();
    }
    // Too wide: narrow only the widest columns, to one common width, so
    // that short cells (a date and time) stay on one line.
    let mut sorted = natural.clone();
    sorted.sort_by(f32::total_cmp);
    let mut remaining = total;
    let mut left = sorted.len();
    let mut cap = total / left as f32;
    for w in sorted {
        if w <= remaining / left as f32 {
            remaining -= w;
            left -= 1;
        } else {
            cap = remaining / left as f32;
            break;
        }
    }
    natural.iter().map(|w| w.min(cap)).collect()
}

fn row_height(cells: &[Vec<String>]) -> f32 {
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    lines as f32 * LEADING + 2.0 * PADDING
}

fn draw_row(flow: &mut Flow, widths: &[f32], cells: &[Vec<String>], font: Font, heading: bool) {
    let height = row_height(cells);
    flow.ensure(height);
    let top = flow.y();
    let left = flow.left();
    let width: f32 = widths.iter().sum();
    let page = flow.page();
    if heading {
        page.fill_rect(left, top - height, width, height, 0.88);
    }
    let mut x = left;
    for (column, lines) in widths.iter().zip(cells) {
        for (n, line) in lines.iter().enumerate() {
            let baseline = top - PADDING - (n as f32 + 1.0) * LEADING + LEADING * 0.25;
            page.text(x + PADDING, baseline, font, SIZE, line);
        }
        x += column;
    }
    page.line((left, top - height), (left + width, top - height), 0.4);
    flow.space(height);
}
