//! The registrar's exports of the sent log: CSV for Excel, JSON Lines for
//! registry systems (both streamed by the store), and a printable PDF report.

use std::io::Write;

use kuvert_store::{SentLogQuery, SentSummary};
use time::format_description::well_known::Rfc3339;

use crate::app::Kuvert;
use crate::error::Error;
use crate::pdf::report::Report;

/// The most rows a PDF report holds; larger selections belong in CSV.
pub const MAX_REPORT_ROWS: u32 = 5000;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Semicolon-separated UTF-8 CSV with a byte-order mark, as Swedish Excel opens it.
    Csv,
    /// One JSON object per message, with attachments and status timeline.
    JsonLines,
    /// A printable table report (A4 landscape).
    Pdf,
}

impl std::str::FromStr for ExportFormat {
    type Err = Error;
    fn from_str(name: &str) -> Result<Self, Error> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" | "json-lines" | "ndjson" => Ok(ExportFormat::JsonLines),
            "pdf" => Ok(ExportFormat::Pdf),
            other => Err(Error::InvalidInput {
                field: "format",
                reason: format!("{other:?} is not an export format (csv, jsonl or pdf)"),
            }),
        }
    }
}

impl Kuvert {
    /// Writes the sent-log entries matching `query` to `out` in `format`;
    /// returns how many entries were written.
    pub fn export(
        &self,
        format: ExportFormat,
        query: &SentLogQuery,
        filter_description: &str,
        out: impl Write,
    ) -> Result<u64, Error> {
        match format {
            ExportFormat::Csv => Ok(self.store().export_csv(query, out)?),
            ExportFormat::JsonLines => Ok(self.store().export_jsonl(query, out)?),
            ExportFormat::Pdf => self.export_pdf(query, filter_description, out),
        }
    }

    fn export_pdf(
        &self,
        query: &SentLogQuery,
        filter_description: &str,
        mut out: impl Write,
    ) -> Result<u64, Error> {
        let mut query = query.clone();
        query.limit = query.limit.clamp(1, MAX_REPORT_ROWS);
        query.offset = 0;
        let rows = self.log(&query)?;
        let report = Report {
            title: format!("Skickade meddelanden – {}", self.profile().name()),
            generated_at: self.now().format(&Rfc3339).unwrap_or_default(),
            filter: filter_description.to_string(),
            columns: [
                "Skapad",
                "Status",
                "Mottagare",
                "Diarienummer",
                "Ämne",
                "Klass",
                "Avsändare",
                "Brevlåda",
                "Handläggare",
                "Bilagor",
            ]
            .map(str::to_string)
            .to_vec(),
            rows: rows.iter().map(report_row).collect(),
        };
        out.write_all(&report.to_pdf())
            .map_err(|source| Error::File {
                path: "export".into(),
                source,
            })?;
        Ok(rows.len() as u64)
    }
}

fn report_row(row: &SentSummary) -> Vec<String> {
    let date = row.created_at.date();
    let time = row.created_at.time();
    vec![
        format!("{date} {:02}:{:02}", time.hour(), time.minute()),
        row.state.to_string(),
        row.recipient.display_form(),
        row.case_number
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        row.subject.to_string(),
        row.protection_class.get().to_string(),
        row.sender_name.to_string(),
        row.mailbox
            .as_ref()
            .map(|m| m.operator.clone())
            .unwrap_or_default(),
        row.officer
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        row.attachment_count.to_string(),
    ]
}
