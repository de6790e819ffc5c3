//! The filing package (arkivpaket) of one sent message: a ZIP a registrar
//! can register as a dispatched document. It holds the message as a PDF,
//! its attachments, the signed delivery XML exactly as sent, the paper
//! letter if it went on paper, and `metadata.json` with every file's
//! SHA-256 and the status timeline (times in ISO 8601, Swedish local time
//! with the offset).

use std::io::{Seek, Write};

use kuvert_protocol::delivery::MessageId;
use kuvert_store::{Message, StatusEvent};
use serde_json::json;
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use crate::app::Kuvert;
use crate::error::Error;

/// File names inside the package.
pub mod names {
    /// The message rendered as a letter.
    pub const MESSAGE_PDF: &str = "meddelande.pdf";
    /// The signed delivery as submitted.
    pub const SIGNED_XML: &str = "signerad-leverans.xml";
    /// The letter printed for the paper route.
    pub const PAPER_LETTER: &str = "pappersbrev.pdf";
    /// Metadata, hashes and timeline.
    pub const METADATA: &str = "metadata.json";
    /// Folder of the attachments.
    pub const ATTACHMENTS: &str = "bilagor/";
}

impl Kuvert {
    /// Writes the filing package of `message_id` to `out`.
    pub fn archive(&self, message_id: &MessageId, out: impl Write + Seek) -> Result<(), Error> {
        let message = self.message(message_id)?;
        let history = self.history(message_id)?;
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        files.push((names::MESSAGE_PDF.into(), self.message_document(&message)?));
        for attachment in &message.attachments {
            let bytes = self
                .store()
                .attachment_bytes(attachment.id)?
                .unwrap_or_default();
            files.push((
                format!("{}{}", names::ATTACHMENTS, safe_name(&attachment.name)),
                bytes,
            ));
        }
        if let Some(xml) = self.store().signed_xml(message_id)? {
            files.push((names::SIGNED_XML.into(), xml));
        }
        if let Some(pdf) = self.store().paper_letter(message_id)?.and_then(|p| p.pdf) {
            files.push((names::PAPER_LETTER.into(), pdf));
        }
        let metadata = metadata(&message, &history, &files);
        files.push((
            names::METADATA.into(),
            serde_json::to_vec_pretty(&metadata).unwrap_or_default(),
        ));

        let failed = |e: zip::result::ZipError| Error::File {
            path: "archive".into(),
            source: std::io::Error::other(e),
        };
        let mut zip = ZipWriter::new(out);
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o644);
        for (name, bytes) in &files {
            zip.start_file(name.as_str(), options).map_err(failed)?;
            zip.write_all(bytes).map_err(|source| Error::File {
                path: name.into(),
                source,
            })?;
        }
        zip.finish().map_err(failed)?;
        Ok(())
    }
}

/// A file name that stays inside the package folder.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    match cleaned.trim_start_matches('.') {
        "" => "bilaga".to_string(),
        rest => rest.to_string(),
    }
}

/// A time as the metadata gives it: ISO 8601 in Swedish local time with the
/// offset (`2026-12-02T00:15:03+01:00`).
fn iso(at: time::OffsetDateTime) -> String {
    crate::local_time::LocalTime::of(at).iso()
}

fn metadata(
    message: &Message,
    history: &[StatusEvent],
    files: &[(String, Vec<u8>)],
) -> serde_json::Value {
    let content = &message.content;
    json!({
        "message_id": content.message_id.as_str(),
        "correlation_id": content.correlation_id.as_str(),
        "distribution_id": message.distribution_id,
        "profile": content.profile,
        "sender": {
            "organisation_number": content.sender_org.as_str(),
            "name": content.sender_name.as_str(),
        },
        "recipient": {
            "id": content.recipient.as_str(),
            "display": content.recipient.display_form(),
        },
        "mailbox": message.mailbox.as_ref().map(|m| json!({
            "operator": m.operator,
            "service_address": m.service_address,
        })),
        "officer": content.officer.as_ref().map(|o| json!({
            "account": o.account,
            "name": o.name,
        })),
        "attention": content.attention.as_ref().map(|a| a.as_str()),
        "case_number": content.case_number.as_ref().map(|c| c.as_str()),
        "case_type": content.case_type,
        "subject": content.subject.as_str(),
        "protection_class": content.protection_class.get(),
        "created_at": iso(message.created_at),
        "state": message.state.to_string(),
        "state_at": iso(message.state_at),
        "failure_reason": message.failure_reason,
        "files": files.iter().map(|(name, bytes)| json!({
            "name": name,
            "size": bytes.len(),
            "sha256": hex(&openssl::sha::sha256(bytes)),
        })).collect::<Vec<_>>(),
        "timeline": history.iter().map(|event| json!({
            "at": iso(event.at),
            "state": event.state.to_string(),
            "detail": event.detail,
        })).collect::<Vec<_>>(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn attachment_names_cannot_leave_the_folder() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name("beslut.pdf"), "beslut.pdf");
        assert_eq!(safe_name(".."), "bilaga");
    }
}
