//! Drafts: compose fields exactly as typed, and their attachment files.
//!
//! Autosave writes only the one row of fields
//! ([`Store::save_draft`](crate::Store::save_draft)); attachment bytes are
//! written once, when a file is added, never again on autosave.

use kuvert_protocol::delivery::{MatterStatus, MessageId};
use rusqlite::{params, Connection, OptionalExtension};
use time::OffsetDateTime;

use crate::error::Context;
use crate::instant::{from_unix, to_unix};
use crate::messages::{CompressedFrom, OutgoingAttachment};
use crate::schema::{Migrations, Step};
use crate::StoreError;

pub(crate) static MIGRATIONS: Migrations = Migrations {
    component: "drafts",
    steps: &[
        Step::Sql(
            r#"
CREATE TABLE drafts (
    id               INTEGER PRIMARY KEY,
    updated_at       INTEGER NOT NULL,
    recipient_text   TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    case_number      TEXT NOT NULL,
    attention        TEXT NOT NULL,
    protection_class INTEGER,
    case_type        TEXT,
    event            INTEGER NOT NULL,
    sender_name      TEXT
) STRICT;
CREATE TABLE draft_attachments (
    id           INTEGER PRIMARY KEY,
    draft_id     INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL
) STRICT;
CREATE INDEX draft_attachments_draft ON draft_attachments (draft_id, id);
"#,
        ),
        // The matter status an event message is to give its case (`event`
        // stays the yes/no; a draft saved before this reads as the status
        // Kuvert then always sent, senderinitiative).
        Step::Sql(
            r#"
ALTER TABLE drafts ADD COLUMN event_status TEXT
    CHECK (event_status IN ('senderinitiative', 'recipientinitiative', 'closed'));
"#,
        ),
        // A file compressed to fit the envelope keeps the size and SHA-256
        // of the file the officer picked, for the sent log's record.
        Step::Sql(
            r#"
ALTER TABLE draft_attachments ADD COLUMN original_size INTEGER;
ALTER TABLE draft_attachments ADD COLUMN original_sha256 TEXT;
"#,
        ),
        // The recipient's postal address, typed when the message goes on
        // paper (the letter's address field).
        Step::Sql(
            r#"
ALTER TABLE drafts ADD COLUMN postal_address TEXT NOT NULL DEFAULT '';
"#,
        ),
        // The Failed message a draft is sent in place of ("send again"):
        // sending it records the link in both messages' histories.
        Step::Sql(
            r#"
ALTER TABLE drafts ADD COLUMN follows_up TEXT;
CREATE UNIQUE INDEX drafts_follows_up ON drafts (follows_up) WHERE follows_up IS NOT NULL;
"#,
        ),
        // Department mode: the submission id a draft is handed to the
        // department server under, chosen once, so that a hand-over repeated
        // after a lost answer (even after a restart) stores one message.
        Step::Sql(
            r#"
ALTER TABLE drafts ADD COLUMN hand_over_id TEXT;
"#,
        ),
    ],
};

/// The id the draft is handed to the department server under: `fresh` the
/// first time, the same one ever after.
pub(crate) fn hand_over_id(
    tx: &Connection,
    id: DraftId,
    fresh: &str,
) -> Result<Option<String>, StoreError> {
    tx.query_row(
        "UPDATE drafts SET hand_over_id = COALESCE(hand_over_id, ?2) WHERE id = ?1
         RETURNING hand_over_id",
        params![id.0, fresh],
        |row| row.get(0),
    )
    .optional()
    .during("choosing the draft's hand-over id")
}

/// A draft's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DraftId(pub i64);

impl std::fmt::Display for DraftId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The compose fields, as typed (nothing is validated in a draft).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DraftFields {
    /// The recipient as typed, e.g. `850101-2382`.
    pub recipient_text: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Case number (diarienummer) as typed.
    pub case_number: String,
    /// Attention as typed.
    pub attention: String,
    /// The chosen protection class, if any.
    pub protection_class: Option<u8>,
    /// The chosen case type (template), if any.
    pub case_type: Option<String>,
    /// Whether it is an event message, and then the matter status it is to
    /// give the case.
    pub event: Option<MatterStatus>,
    /// The chosen sender name, if any.
    pub sender_name: Option<String>,
    /// The recipient's postal address as typed (one line per line), for a
    /// message that goes on paper; empty when none was typed.
    pub postal_address: String,
}

/// A file attached to a draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftAttachment {
    /// The attachment's row id (for removing it).
    pub id: i64,
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The file the officer picked, when these bytes are a compressed copy.
    pub compressed_from: Option<CompressedFrom>,
}

/// A whole draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedDraft {
    /// Its id.
    pub id: DraftId,
    /// When it was last saved.
    pub updated_at: OffsetDateTime,
    /// The compose fields.
    pub fields: DraftFields,
    /// Attached files, in the order they were added.
    pub attachments: Vec<DraftAttachment>,
    /// The Failed message this draft is to be sent in place of, if any.
    pub follows_up: Option<MessageId>,
}

/// A draft in the Drafts list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftSummary {
    /// Its id.
    pub id: DraftId,
    /// When it was last saved.
    pub updated_at: OffsetDateTime,
    /// The recipient as typed.
    pub recipient_text: String,
    /// Subject.
    pub subject: String,
    /// Number of attached files.
    pub attachment_count: u32,
}

/// Inserts (`id` = None) or updates the fields; returns the draft's id.
pub(crate) fn save(
    conn: &Connection,
    id: Option<DraftId>,
    f: &DraftFields,
    at: OffsetDateTime,
) -> Result<DraftId, StoreError> {
    let at = to_unix(at);
    match id {
        None => {
            conn.prepare_cached(
                "INSERT INTO drafts (updated_at, recipient_text, subject, body, case_number, attention,
                     protection_class, case_type, event, sender_name, event_status, postal_address)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    at, f.recipient_text, f.subject, f.body, f.case_number, f.attention,
                    f.protection_class, f.case_type, f.event.is_some(), f.sender_name,
                    f.event.map(MatterStatus::wire), f.postal_address
                ])
            })
            .during("saving a new draft")?;
            Ok(DraftId(conn.last_insert_rowid()))
        }
        Some(id) => {
            let changed = conn
                .prepare_cached(
                    "UPDATE drafts SET updated_at = ?1, recipient_text = ?2, subject = ?3, body = ?4,
                         case_number = ?5, attention = ?6, protection_class = ?7, case_type = ?8,
                         event = ?9, sender_name = ?10, event_status = ?12, postal_address = ?13
                     WHERE id = ?11",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        at, f.recipient_text, f.subject, f.body, f.case_number, f.attention,
                        f.protection_class, f.case_type, f.event.is_some(), f.sender_name, id.0,
                        f.event.map(MatterStatus::wire), f.postal_address
                    ])
                })
                .during("saving a draft")?;
            if changed == 0 {
                return Err(StoreError::DraftNotFound { draft: id.0 });
            }
            Ok(id)
        }
    }
}

/// Marks the draft as saved now; fails if it does not exist.
fn touch(conn: &Connection, id: DraftId, at: OffsetDateTime) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached("UPDATE drafts SET updated_at = ?1 WHERE id = ?2")
        .and_then(|mut s| s.execute(params![to_unix(at), id.0]))
        .during("saving a draft")?;
    if changed == 0 {
        return Err(StoreError::DraftNotFound { draft: id.0 });
    }
    Ok(())
}

pub(crate) fn add_attachment(
    conn: &Connection,
    id: DraftId,
    name: &str,
    content_type: &str,
    bytes: &[u8],
    at: OffsetDateTime,
) -> Result<i64, StoreError> {
    touch(conn, id, at)?;
    conn.prepare_cached(
        "INSERT INTO draft_attachments (draft_id, name, content_type, bytes) VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut s| s.execute(params![id.0, name, content_type, bytes]))
    .during("attaching a file to a draft")?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn remove_attachment(
    conn: &Connection,
    id: DraftId,
    attachment_id: i64,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    touch(conn, id, at)?;
    conn.prepare_cached("DELETE FROM draft_attachments WHERE id = ?1 AND draft_id = ?2")
        .and_then(|mut s| s.execute(params![attachment_id, id.0]))
        .during("removing a file from a draft")?;
    Ok(())
}

pub(crate) fn replace_attachment(
    conn: &Connection,
    id: DraftId,
    attachment_id: i64,
    bytes: &[u8],
    compressed_from: Option<&CompressedFrom>,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    touch(conn, id, at)?;
    // A file compressed twice still names the file the officer picked.
    conn.prepare_cached(
        "UPDATE draft_attachments SET bytes = ?3,
             original_size = coalesce(original_size, ?4),
             original_sha256 = coalesce(original_sha256, ?5)
         WHERE id = ?1 AND draft_id = ?2",
    )
    .and_then(|mut s| {
        s.execute(params![
            attachment_id,
            id.0,
            bytes,
            compressed_from.map(|c| i64::try_from(c.size).unwrap_or(i64::MAX)),
            compressed_from.map(|c| c.sha256.as_str()),
        ])
    })
    .during("replacing a file of a draft")?;
    Ok(())
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<DraftSummary>, StoreError> {
    let rows: Vec<(i64, i64, String, String, i64)> = conn
        .prepare_cached(
            "SELECT d.id, d.updated_at, d.recipient_text, d.subject,
                 (SELECT count(*) FROM draft_attachments a WHERE a.draft_id = d.id)
             FROM drafts d ORDER BY d.updated_at DESC, d.id DESC",
        )
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect()
        })
        .during("listing drafts")?;
    rows.into_iter()
        .map(|(id, at, recipient_text, subject, n)| {
            Ok(DraftSummary {
                id: DraftId(id),
                updated_at: from_unix(at)?,
                recipient_text,
                subject,
                attachment_count: u32::try_from(n).unwrap_or(u32::MAX),
            })
        })
        .collect()
}

pub(crate) fn load(conn: &Connection, id: DraftId) -> Result<Option<SavedDraft>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT updated_at, recipient_text, subject, body, case_number, attention,
                 protection_class, case_type, event, sender_name, event_status, postal_address,
                 follows_up
             FROM drafts WHERE id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([id.0], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    DraftFields {
                        recipient_text: r.get(1)?,
                        subject: r.get(2)?,
                        body: r.get(3)?,
                        case_number: r.get(4)?,
                        attention: r.get(5)?,
                        protection_class: r.get(6)?,
                        case_type: r.get(7)?,
                        event: r
                            .get::<_, bool>(8)?
                            .then(|| {
                                r.get::<_, Option<String>>(10).map(|status| {
                                    status
                                        .as_deref()
                                        .and_then(MatterStatus::from_wire)
                                        .unwrap_or(MatterStatus::SenderInitiative)
                                })
                            })
                            .transpose()?,
                        sender_name: r.get(9)?,
                        postal_address: r.get(11)?,
                    },
                    r.get::<_, Option<String>>(12)?,
                ))
            })
            .optional()
        })
        .during("reading a draft")?;
    let Some((updated_at, fields, follows_up)) = row else {
        return Ok(None);
    };
    let attachments = conn
        .prepare_cached(
            "SELECT id, name, content_type, bytes, original_size, original_sha256
             FROM draft_attachments WHERE draft_id = ?1 ORDER BY id",
        )
        .and_then(|mut s| {
            s.query_map([id.0], |r| {
                let original_size: Option<i64> = r.get(4)?;
                let original_sha256: Option<String> = r.get(5)?;
                Ok(DraftAttachment {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    content_type: r.get(2)?,
                    bytes: r.get(3)?,
                    compressed_from: original_size.zip(original_sha256).map(|(size, sha256)| {
                        CompressedFrom {
                            size: u64::try_from(size).unwrap_or(0),
                            sha256,
                        }
                    }),
                })
            })?
            .collect()
        })
        .during("reading a draft's attachments")?;
    let follows_up = follows_up
        .map(|text| {
            MessageId::new(&text).map_err(|_| StoreError::Corrupt {
                what: format!("draft {id} follows up {text:?}, not a message id"),
            })
        })
        .transpose()?;
    Ok(Some(SavedDraft {
        id,
        updated_at: from_unix(updated_at)?,
        fields,
        attachments,
        follows_up,
    }))
}

/// A new draft following up `failed` with `fields` and `attachments`; the
/// draft that already follows it up, if there is one.
pub(crate) fn follow_up(
    conn: &Connection,
    failed: &MessageId,
    fields: &DraftFields,
    attachments: &[OutgoingAttachment],
    at: OffsetDateTime,
) -> Result<DraftId, StoreError> {
    let existing: Option<i64> = conn
        .prepare_cached("SELECT id FROM drafts WHERE follows_up = ?1")
        .and_then(|mut s| s.query_row([failed.as_str()], |r| r.get(0)).optional())
        .during("looking for a draft that follows up a message")?;
    if let Some(id) = existing {
        return Ok(DraftId(id));
    }
    let id = save(conn, None, fields, at)?;
    conn.prepare_cached("UPDATE drafts SET follows_up = ?1 WHERE id = ?2")
        .and_then(|mut s| s.execute(params![failed.as_str(), id.0]))
        .during("saving a draft")?;
    for a in attachments {
        let attachment = add_attachment(conn, id, &a.name, &a.content_type, &a.bytes, at)?;
        if let Some(original) = &a.compressed_from {
            replace_attachment(conn, id, attachment, &a.bytes, Some(original), at)?;
        }
    }
    Ok(id)
}

pub(crate) fn delete(conn: &Connection, id: DraftId) -> Result<(), StoreError> {
    let n = conn
        .prepare_cached("DELETE FROM drafts WHERE id = ?1")
        .and_then(|mut s| s.execute([id.0]))
        .during("deleting a draft")?;
    if n == 0 {
        return Err(StoreError::DraftNotFound { draft: id.0 });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_database;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    #[test]
    fn save_list_get_delete_round_trip() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        let mut fields = DraftFields {
            recipient_text: "850101-2382".into(),
            subject: "Begäran om komplettering".into(),
            protection_class: Some(2),
            ..DraftFields::default()
        };
        let id = save(&conn, None, &fields, at(100)).unwrap();
        fields.body = "Hej! Vi behöver ritningar.".into();
        fields.postal_address = "Anna Andersson\nStorgatan 1\n123 45 Småstad".into();
        assert_eq!(save(&conn, Some(id), &fields, at(200)).unwrap(), id);
        let a = add_attachment(
            &conn,
            id,
            "ritning.pdf",
            "application/pdf",
            b"%PDF-1.7",
            at(300),
        )
        .unwrap();
        let draft = load(&conn, id).unwrap().unwrap();
        assert_eq!(draft.fields, fields);
        assert_eq!(draft.updated_at, at(300));
        assert_eq!(draft.attachments[0].bytes, b"%PDF-1.7");
        assert_eq!(list(&conn).unwrap()[0].attachment_count, 1);
        remove_attachment(&conn, id, a, at(400)).unwrap();
        assert!(load(&conn, id).unwrap().unwrap().attachments.is_empty());
        delete(&conn, id).unwrap();
        assert!(load(&conn, id).unwrap().is_none());
        assert!(matches!(
            delete(&conn, id),
            Err(StoreError::DraftNotFound { .. })
        ));
        assert!(matches!(
            save(&conn, Some(id), &fields, at(1)),
            Err(StoreError::DraftNotFound { .. })
        ));
    }
}
