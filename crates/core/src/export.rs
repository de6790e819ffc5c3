//! The registrar's exports of the sent log: CSV for Excel, JSON Lines for
//! registry systems (both streamed by the store), and a printable PDF report.
//! Each carries the purges (gallringar) done in the log: JSON Lines as
//! records of their own after the messages, the PDF in a "Gallringar"
//! section, CSV — one table per file — in a second file beside the first
//! ([`purges_path`]), and the log's signed anchor in a third
//! ([`anchor_path`]). Times are Swedish local time: in CSV and JSON Lines as
//! ISO 8601 with the offset (see [`kuvert_store::export`]), in the PDF to the
//! minute.

use std::io::Write;
use std::path::{Path, PathBuf};

use kuvert_store::{PurgeRecord, SentLogQuery, SentSummary};

use crate::app::Kuvert;
use crate::error::Error;
use crate::files::write_whole;
use crate::local_time::LocalTime;
use crate::pdf::report::{Report, ReportSection};

/// The most rows a PDF report holds; a larger selection is refused (never
/// cut short) with a word to use CSV or JSON Lines or a narrower filter.
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

/// The file a CSV export writes the purges to, beside the messages' file:
/// `logg.csv` → `logg-gallringar.csv`.
pub fn purges_path(path: &Path) -> PathBuf {
    sibling(path, "gallringar")
}

/// The file a CSV export writes the log's signed anchor to, beside the
/// messages' file: `logg.csv` → `logg-forankring.csv`.
pub fn anchor_path(path: &Path) -> PathBuf {
    sibling(path, "forankring")
}

fn sibling(path: &Path, part: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "csv".to_owned());
    path.with_file_name(format!("{stem}-{part}.{extension}"))
}

/// What an export to a file wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFiles {
    /// How many sent-log entries (messages).
    pub entries: u64,
    /// How many purges, wherever they went.
    pub purges: u64,
    /// The second file holding the purges (CSV only; the other formats
    /// hold them in the one file).
    pub purges_file: Option<PathBuf>,
    /// The third file holding the log's signed anchor (CSV only).
    pub anchor_file: Option<PathBuf>,
}

impl Kuvert {
    /// Exports the sent-log entries matching `query`, and every purge, to
    /// `path` in `format` — for CSV the purges to [`purges_path`] beside
    /// it. Each file is written whole or not at all.
    pub fn export_to_file(
        &self,
        format: ExportFormat,
        query: &SentLogQuery,
        filter_description: &str,
        path: &Path,
    ) -> Result<ExportedFiles, Error> {
        let entries = write_whole(path, |w| self.export(format, query, filter_description, w))?;
        if format != ExportFormat::Csv {
            return Ok(ExportedFiles {
                entries,
                purges: self.purges()?.len() as u64,
                purges_file: None,
                anchor_file: None,
            });
        }
        let purges_file = purges_path(path);
        let purges = write_whole(&purges_file, |w| self.export_purges_csv(w))?;
        let anchor_file = anchor_path(path);
        write_whole(&anchor_file, |w| {
            Ok::<_, Error>(self.store().export_anchor_csv(w)?)
        })?;
        Ok(ExportedFiles {
            entries,
            purges,
            purges_file: Some(purges_file),
            anchor_file: Some(anchor_file),
        })
    }

    /// Writes every purge recorded, oldest first, as CSV in the form of the
    /// CSV export (columns [`kuvert_store::export::PURGE_CSV_COLUMNS`]);
    /// returns how many.
    pub fn export_purges_csv(&self, out: impl Write) -> Result<u64, Error> {
        Ok(self.store().export_purges_csv(out)?)
    }

    /// Writes the sent-log entries matching `query` to `out` in `format`
    /// (JSON Lines and PDF with every purge after them; CSV without: see
    /// [`export_purges_csv`](Self::export_purges_csv)); returns how many
    /// entries were written.
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
        // An export holds everything the filter selects: the query's page
        // (the `log` listing's limit and offset) does not apply. One row
        // more than the report may hold tells a selection that is too large.
        let mut query = query.clone();
        query.limit = MAX_REPORT_ROWS + 1;
        query.offset = 0;
        let rows = self.log(&query)?;
        if rows.len() > MAX_REPORT_ROWS as usize {
            return Err(Error::InvalidInput {
                field: "format",
                reason: format!(
                    "the filter selects more than {MAX_REPORT_ROWS} messages, more than a PDF \
                     report holds; export them as csv or jsonl, or narrow the filter"
                ),
            });
        }
        let purges = self.purges()?;
        let report = Report {
            title: format!("Skickade meddelanden – {}", self.profile().name()),
            author: self.profile().default_sender_name().as_str().to_string(),
            created: LocalTime::of(self.now()).date_time(),
            generated_at: LocalTime::of(self.now()).minute_text(),
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
            sections: vec![
                ReportSection {
                    heading: "Gallringar".into(),
                    empty: "Inga gallringar har gjorts.".into(),
                    columns: [
                        "Gallrad",
                        "Gallrad av",
                        "Regel",
                        "Antal",
                        "Avslutade före",
                        "Id:n, SHA-256",
                    ]
                    .map(str::to_string)
                    .to_vec(),
                    rows: purges.iter().map(purge_row).collect(),
                },
                ReportSection {
                    heading: "Förankring".into(),
                    empty: "Loggen är inte förankrad (ingen nyckel i nyckelringen).".into(),
                    columns: [
                        "Senaste post",
                        "Förankrad",
                        "Postens hash (SHA-256)",
                        "Signatur (HMAC-SHA256)",
                    ]
                    .map(str::to_string)
                    .to_vec(),
                    rows: self
                        .store()
                        .log_anchor()
                        .map(|a| {
                            vec![
                                a.seq.to_string(),
                                a.written_at()
                                    .map(|at| LocalTime::of(at).minute_text())
                                    .unwrap_or_default(),
                                a.hash.clone(),
                                a.signature.clone(),
                            ]
                        })
                        .into_iter()
                        .collect(),
                },
            ],
        };
        out.write_all(&report.to_pdf(self.profile().rules().pdf_profile)?)
            .map_err(|source| Error::File {
                path: "export".into(),
                source,
            })?;
        Ok(rows.len() as u64)
    }
}

fn report_row(row: &SentSummary) -> Vec<String> {
    vec![
        LocalTime::of(row.created_at).minute_text(),
        crate::lifecycle::swedish_label(row.state).to_string(),
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

fn purge_row(purge: &PurgeRecord) -> Vec<String> {
    vec![
        LocalTime::of(purge.at).minute_text(),
        purge.purger.clone().unwrap_or_else(|| "–".into()),
        purge
            .rule
            .clone()
            .unwrap_or_else(|| "(ej registrerad)".into()),
        purge.count.to_string(),
        LocalTime::of(purge.cutoff).minute_text(),
        purge.ids_sha256.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purges_file_is_beside_the_messages_file() {
        assert_eq!(
            purges_path(Path::new("/tmp/logg.csv")),
            Path::new("/tmp/logg-gallringar.csv")
        );
        assert_eq!(
            purges_path(Path::new("export")),
            Path::new("export-gallringar.csv")
        );
        assert_eq!(
            purges_path(Path::new("a.b/logg 2026.txt")),
            Path::new("a.b/logg 2026-gallringar.txt")
        );
    }
}
