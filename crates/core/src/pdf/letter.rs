//! The paper route's letter.

use kuvert_protocol::date::CalendarDate;

use super::layout::{text_width, Flow, PageSize, MM};
use super::{Created, DocumentInfo, Font, PdfError, PdfProfile};
use crate::compose::{swedish_size, Outgoing};

/// An attachment as the letter lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterAttachment {
    /// The file name.
    pub file_name: String,
    /// Its MIME type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A print-ready letter of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The sender name shown to the recipient (e.g. "Kommun B").
    pub sender_name: String,
    /// The organisation number as people read it (`202100-3898`).
    pub organisation_number: String,
    /// The letter's date.
    pub date: CalendarDate,
    /// The recipient as people read it (`19850101-2382`, `556840-2266`).
    pub recipient: String,
    /// The person or function at an organisation.
    pub attention: Option<String>,
    /// The diarienummer.
    pub case_number: Option<String>,
    /// The subject.
    pub subject: String,
    /// The text.
    pub body: String,
    /// The attachments: PDFs follow the letter in the print file
    /// ([`super::print_file`]), others are enclosed separately.
    pub attachments: Vec<LetterAttachment>,
    /// The support contact lines.
    pub support: Vec<String>,
    /// The recipient's postal address, printed in the envelope's window;
    /// empty when none was typed (then the letter has no address field).
    pub address: Vec<String>,
}

/// The address field of a left-window C5/C4 envelope on A4 (DIN 5008 form
/// B, which Swedish window envelopes follow): 20 mm from the left edge,
/// 45–90 mm from the top, 85 mm wide; the text keeps 5 mm inside it.
pub mod window {
    /// From the page's left edge to the window, mm.
    pub const LEFT: f32 = 20.0;
    /// From the page's top edge to the window, mm.
    pub const TOP: f32 = 45.0;
    /// The window's width, mm.
    pub const WIDTH: f32 = 85.0;
    /// The window's height, mm.
    pub const HEIGHT: f32 = 45.0;
    /// The text's distance from the window's edges, mm.
    pub const PADDING: f32 = 5.0;
}

impl Letter {
    /// The letter of a validated message, dated `date`.
    pub fn from_outgoing(message: &Outgoing, date: CalendarDate) -> Letter {
        Letter {
            sender_name: message.sender().name.as_str().to_string(),
            organisation_number: message.sender().id.display_form(),
            date,
            recipient: message.recipient().display_form(),
            attention: message.attention().map(|a| a.as_str().to_string()),
            case_number: message.case_number().map(|c| c.as_str().to_string()),
            subject: message.subject().as_str().to_string(),
            body: message.body().to_string(),
            attachments: message
                .attachments()
                .iter()
                .map(|a| LetterAttachment {
                    file_name: a.filename().to_string(),
                    content_type: a.content_type().as_str().to_string(),
                    size: a.bytes().len() as u64,
                })
                .collect(),
            support: message.support().lines(),
            address: message
                .postal_address()
                .map(|a| a.lines().to_vec())
                .unwrap_or_default(),
        }
    }

    /// The letter as a PDF/A file of `profile` (A4); its metadata names the
    /// subject as title, the sender as author, the letter's date and
    /// Swedish.
    pub fn to_pdf(&self, profile: PdfProfile) -> Result<Vec<u8>, PdfError> {
        let info = DocumentInfo {
            title: self.subject.clone(),
            author: self.sender_name.clone(),
            created: Created::Day(self.date),
            language: "sv".into(),
        };
        let mut flow = Flow::new(PageSize::A4_PORTRAIT, 25.0 * MM, info);
        flow.line(Font::Bold, 14.0, 0.0, &self.sender_name);
        flow.line(
            Font::Regular,
            10.0,
            0.0,
            &format!("Organisationsnummer {}", self.organisation_number),
        );
        flow.space(8.0 * MM);

        if !self.address.is_empty() {
            self.address_field(&mut flow);
        }
        flow.line(Font::Regular, 11.0, 0.0, &format!("Datum: {}", self.date));
        flow.line(
            Font::Regular,
            11.0,
            0.0,
            &format!("Mottagare: {}", self.recipient),
        );
        if let Some(attention) = &self.attention {
            flow.paragraph(Font::Regular, 11.0, 0.0, &format!("Att: {attention}"));
        }
        if let Some(case_number) = &self.case_number {
            flow.paragraph(Font::Regular, 11.0, 0.0, &format!("Ärende: {case_number}"));
        }
        flow.space(8.0 * MM);

        flow.paragraph(Font::Bold, 13.0, 0.0, &self.subject);
        flow.space(3.0 * MM);
        flow.paragraph(Font::Regular, 11.0, 0.0, &self.body);

        if !self.attachments.is_empty() {
            flow.space(6.0 * MM);
            flow.line(Font::Bold, 11.0, 0.0, "Bilagor");
            for a in &self.attachments {
                let enclosed = if a.content_type == "application/pdf" {
                    "följer efter brevet"
                } else {
                    "bifogas separat"
                };
                flow.paragraph(
                    Font::Regular,
                    11.0,
                    4.0 * MM,
                    &format!(
                        "• {} ({}, {}) – {enclosed}",
                        a.file_name,
                        type_label(&a.content_type),
                        swedish_size(a.size)
                    ),
                );
            }
        }

        if !self.support.is_empty() {
            flow.space(8.0 * MM);
            for line in &self.support {
                flow.paragraph(Font::Regular, 9.0, 0.0, line);
            }
        }
        flow.finish(profile)
    }
}

impl Letter {
    /// The address in the envelope's window (the sender's name small above
    /// it, as a return line); the letter goes on below the window.
    fn address_field(&self, flow: &mut Flow) {
        let height = PageSize::A4_PORTRAIT.height;
        let from_top = |mm: f32| height - mm * MM;
        let x = (window::LEFT + window::PADDING) * MM;
        let room = (window::WIDTH - 2.0 * window::PADDING) * MM;
        let page = flow.page();
        let mut y = window::TOP + window::PADDING;
        page.text(x, from_top(y), Font::Regular, 7.0, &self.sender_name);
        y += 6.0;
        for line in &self.address {
            // A long line is set smaller rather than cut off by the window.
            let natural = text_width(line, Font::Regular, 11.0);
            let size = if natural > room {
                (11.0 * room / natural).max(7.0)
            } else {
                11.0
            };
            page.text(x, from_top(y), Font::Regular, size, line);
            y += 5.0;
        }
        flow.move_down_to(from_top(window::TOP + window::HEIGHT + 8.0));
    }
}

fn type_label(content_type: &str) -> &str {
    crate::compose::FileType::from_mime(content_type)
        .map(|t| t.label())
        .unwrap_or(content_type)
}
