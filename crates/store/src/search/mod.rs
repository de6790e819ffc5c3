//! Searching the sent log: the full-text index and the filters shared by
//! search and exports.
//!
//! The index is an FTS5 table without its own copy of the text
//! (`content=''`, `contentless_delete=1`); its rowid is the message's sort
//! key, so hits come back in time order and date ranges are rowid ranges
//! (see [`messages`](crate::messages)). The tokenizer is `unicode61` with
//! `remove_diacritics 0`: å, ä and ö are letters of their own in Swedish
//! ("får" is not "far"), while upper and lower case still fold ("ÖVERKLAGA"
//! finds "överklaga").
//!
//! What typed text means (word parts, prefixes, phrases) is in [`text`].

use std::collections::BTreeSet;

use rusqlite::types::Value;
use rusqlite::Connection;
use time::OffsetDateTime;

use crate::error::Context;
use crate::instant::to_unix;
use kuvert_protocol::delivery::{CaseNumber, MessageId, ProtectionClass, SenderName, Subject};
use kuvert_protocol::identity::RecipientId;

use crate::messages::{
    case_key, message_from_row, prefixed_message_columns, sort_key_floor, CaseEvent, Mailbox,
    Message, MessageContent, Officer, SendState, MESSAGE_COLUMNS,
};
use crate::schema::{Migrations, Step};
use crate::StoreError;

mod text;

pub(crate) use text::{dictionary_terms, prune_dictionary, register_functions};
pub use text::{MAX_INFIX_EXPANSION, MIN_INFIX_CHARS, MIN_PREFIX_CHARS};

pub(crate) static MIGRATIONS: Migrations = Migrations {
    component: "messages_fts",
    steps: &[
        Step::Sql(
            r#"
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    subject, body, case_number, recipient, recipient_display, attention, attachment_names,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3'
);
-- Every distinct token of 4+ characters ever indexed (see `expand_prefix`).
CREATE TABLE search_terms (term TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
"#,
        ),
        Step::Sql(
            r#"
-- Trigrams of the dictionary's words, so a word part finds the words
-- containing it (see `text`).
CREATE VIRTUAL TABLE search_terms_tri USING fts5 (term, tokenize = 'trigram');
INSERT INTO search_terms_tri (term) SELECT term FROM search_terms;
"#,
        ),
    ],
};

/// Adds a message to the full-text index.
pub(crate) fn index(
    conn: &Connection,
    sort_key: i64,
    m: &MessageContent,
    attachment_names: &str,
) -> Result<(), StoreError> {
    let recipient_display = m.recipient.display_form();
    let case_number = m.case_number.as_ref().map(|c| c.as_str());
    let attention = m.attention.as_ref().map(|a| a.as_str());
    conn.prepare_cached(
        "INSERT INTO messages_fts (rowid, subject, body, case_number, recipient, recipient_display,
             attention, attachment_names) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut s| {
        s.execute(rusqlite::params![
            sort_key,
            m.subject.as_str(),
            m.body,
            case_number,
            m.recipient.as_str(),
            recipient_display,
            attention,
            attachment_names
        ])
    })
    .during("indexing the message for search")?;
    let mut terms = BTreeSet::new();
    dictionary_terms(
        [
            Some(m.subject.as_str()),
            Some(m.body.as_str()),
            case_number,
            Some(recipient_display.as_str()),
            attention,
            Some(attachment_names),
        ],
        &mut terms,
    );
    text::record_terms(conn, &terms)?;
    Ok(())
}

/// How to match the case number (diarienummer). Both ignore case and extra
/// spaces: `ks 2026/0123` equals `KS 2026/0123`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseNumberFilter {
    /// This case number exactly.
    Exact(String),
    /// Case numbers starting with this, e.g. `KS 2026/` for a whole series.
    Prefix(String),
}

/// A sent-log query. Every filter set must hold (AND); unset filters match
/// everything.
///
/// ```
/// use kuvert_store::{SentLogQuery, SendState};
/// use time::macros::datetime;
///
/// let query = SentLogQuery {
///     text: Some("bygglov kök*".into()),
///     from: Some(datetime!(2026-01-01 0:00 UTC)),
///     states: vec![SendState::Delivered],
///     ..SentLogQuery::default()
/// };
/// assert_eq!(query.limit, 100);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentLogQuery {
    /// Free text over subject, body, case number, recipient (wire and
    /// display), attention and attachment names. Words are ANDed. A word of
    /// [`MIN_INFIX_CHARS`] or more matches any word containing it
    /// (`tillstånd` finds "parkeringstillstånd"); shorter words match whole
    /// words; a word ending in `*` matches as a prefix (at least
    /// [`MIN_PREFIX_CHARS`] characters, else [`StoreError::InvalidInput`]);
    /// `"quoted words"` and punctuation inside a word (`2026/0123`) make a
    /// phrase. Case folds; å, ä and ö are letters of their own. No other
    /// query syntax is interpreted.
    pub text: Option<String>,
    /// Recipient: 12 digits, separators allowed (`19850101-2382`).
    pub recipient: Option<String>,
    /// Case number, exact or prefix.
    pub case_number: Option<CaseNumberFilter>,
    /// Sent at or after this time.
    pub from: Option<OffsetDateTime>,
    /// Sent before this time (exclusive).
    pub until: Option<OffsetDateTime>,
    /// Any of these states (empty: any state).
    pub states: Vec<SendState>,
    /// This protection class.
    pub protection_class: Option<u8>,
    /// Sender profile name (exact).
    pub profile: Option<String>,
    /// Sender organisation, wire form (exact).
    pub sender_org: Option<String>,
    /// Sender name (exact).
    pub sender_name: Option<String>,
    /// The sending officer's account (exact).
    pub officer: Option<String>,
    /// At most this many rows (search only; exports are never limited).
    pub limit: u32,
    /// Skip this many rows first (search only).
    pub offset: u32,
}

impl Default for SentLogQuery {
    fn default() -> Self {
        SentLogQuery {
            text: None,
            recipient: None,
            case_number: None,
            from: None,
            until: None,
            states: Vec::new(),
            protection_class: None,
            profile: None,
            sender_org: None,
            sender_name: None,
            officer: None,
            limit: 100,
            offset: 0,
        }
    }
}

/// One row of a search result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentSummary {
    /// The delivery's MessageId.
    pub message_id: MessageId,
    /// When it was enqueued.
    pub created_at: OffsetDateTime,
    /// Current state.
    pub state: SendState,
    /// When the current state was entered.
    pub state_at: OffsetDateTime,
    /// Recipient (shown with [`RecipientId::display_form`]).
    pub recipient: RecipientId,
    /// Subject.
    pub subject: Subject,
    /// Diarienummer.
    pub case_number: Option<CaseNumber>,
    /// Protection class.
    pub protection_class: ProtectionClass,
    /// Sender profile.
    pub profile: String,
    /// Sender name.
    pub sender_name: SenderName,
    /// Number of attachments.
    pub attachment_count: u32,
    /// Distribution id, once submitted.
    pub distribution_id: Option<String>,
    /// The recipient's mailbox, once submitted.
    pub mailbox: Option<Mailbox>,
    /// Who sent it (`None` for messages from before Kuvert recorded it).
    pub officer: Option<Officer>,
    /// Set for an event message: its status and preceding event.
    pub event: Option<CaseEvent>,
}

impl From<&Message> for SentSummary {
    fn from(m: &Message) -> Self {
        let c = &m.content;
        SentSummary {
            message_id: c.message_id.clone(),
            created_at: m.created_at,
            state: m.state,
            state_at: m.state_at,
            recipient: c.recipient.clone(),
            subject: c.subject.clone(),
            case_number: c.case_number.clone(),
            protection_class: c.protection_class,
            profile: c.profile.clone(),
            sender_name: c.sender_name.clone(),
            attachment_count: u32::try_from(m.attachments.len()).unwrap_or(u32::MAX),
            distribution_id: m.distribution_id.clone(),
            mailbox: m.mailbox.clone(),
            officer: c.officer.clone(),
            event: c.event.clone(),
        }
    }
}

/// Digits of a recipient filter, which must be the 12-digit wire form.
fn recipient_digits(recipient: &str) -> Result<String, StoreError> {
    let digits: String = recipient
        .chars()
        .filter(|c| !matches!(c, '-' | '+' | ' '))
        .collect();
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::InvalidInput {
            field: "recipient filter",
            reason: format!("{recipient:?} is not a 12-digit identity number"),
        });
    }
    Ok(digits)
}

/// A query translated to SQL: `FROM … WHERE …` and its parameters. The
/// message table is always `m`.
pub(crate) struct Plan {
    pub from_where: String,
    pub params: Vec<Value>,
    /// The expression to order by (the sort key, through the index or the
    /// table depending on which drives the query).
    pub order_key: &'static str,
}

/// Plans `query` (ignoring limit and offset).
pub(crate) fn plan(conn: &Connection, query: &SentLogQuery) -> Result<Plan, StoreError> {
    let mut conditions: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    let bind = |params: &mut Vec<Value>, v: Value| {
        params.push(v);
        format!("?{}", params.len())
    };
    let text = match query.text.as_deref() {
        Some(t) => text::parse(conn, t)?,
        None => text::TextQuery::default(),
    };
    let exact_case = matches!(query.case_number, Some(CaseNumberFilter::Exact(_)));
    // Which side drives: normally the full-text index, walking its rowids
    // (= time) backwards and stopping at the limit. An exact case number is
    // so selective that its index goes first and the text is checked per row.
    let (from, order_key, key) = match (&text.fts, exact_case) {
        (Some(t), false) => {
            let p = bind(&mut params, Value::Text(t.clone()));
            conditions.push(format!("messages_fts MATCH {p}"));
            (
                "messages_fts f CROSS JOIN messages m ON m.sort_key = f.rowid",
                "f.rowid",
                "f.rowid",
            )
        }
        (Some(t), true) => {
            let p = bind(&mut params, Value::Text(t.clone()));
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM messages_fts WHERE messages_fts MATCH {p} AND rowid = m.sort_key)"
            ));
            ("messages m", "m.sort_key", "m.sort_key")
        }
        (None, _) => ("messages m", "m.sort_key", "m.sort_key"),
    };
    // Word parts too common to expand: checked on the row's text.
    for part in &text.parts {
        let p = bind(&mut params, Value::Text(part.clone()));
        conditions.push(format!(
            "{}({p}, m.subject, m.body, m.case_number, m.recipient_display, m.attention, \
             m.attachment_names)",
            text::CONTAINS_FUNCTION
        ));
    }
    if let Some(from) = query.from {
        let p = bind(&mut params, Value::Integer(sort_key_floor(to_unix(from))));
        conditions.push(format!("{key} >= {p}"));
    }
    if let Some(until) = query.until {
        let p = bind(&mut params, Value::Integer(sort_key_floor(to_unix(until))));
        conditions.push(format!("{key} < {p}"));
    }
    if let Some(recipient) = &query.recipient {
        let p = bind(&mut params, Value::Text(recipient_digits(recipient)?));
        conditions.push(format!("m.recipient = {p}"));
    }
    match &query.case_number {
        Some(CaseNumberFilter::Exact(c)) => {
            let p = bind(&mut params, Value::Text(case_key(c)));
            conditions.push(format!("m.case_key = {p}"));
        }
        Some(CaseNumberFilter::Prefix(c)) => {
            // A range on the folded key uses its index; U+10FFFF sorts after
            // every character that can follow the prefix.
            let mut prefix = case_key(c);
            if c.ends_with(char::is_whitespace) && !prefix.is_empty() {
                prefix.push(' ');
            }
            let lo = bind(&mut params, Value::Text(prefix.clone()));
            let hi = bind(&mut params, Value::Text(format!("{prefix}\u{10FFFF}")));
            conditions.push(format!("m.case_key >= {lo} AND m.case_key < {hi}"));
        }
        None => {}
    }
    if !query.states.is_empty() {
        let list: Vec<String> = query
            .states
            .iter()
            .map(|s| bind(&mut params, Value::Text(s.as_str().to_owned())))
            .collect();
        conditions.push(format!("m.state IN ({})", list.join(", ")));
    }
    if let Some(class) = query.protection_class {
        let p = bind(&mut params, Value::Integer(i64::from(class)));
        conditions.push(format!("m.protection_class = {p}"));
    }
    for (column, value) in [
        ("m.profile", &query.profile),
        ("m.sender_org", &query.sender_org),
        ("m.sender_name", &query.sender_name),
        ("m.officer_account", &query.officer),
    ] {
        if let Some(v) = value {
            let p = bind(&mut params, Value::Text(v.clone()));
            conditions.push(format!("{column} = {p}"));
        }
    }
    if query.text.is_some() && text.is_empty() {
        // Text with no searchable word matches nothing rather than everything.
        conditions.push("0".to_owned());
    }
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    Ok(Plan {
        from_where: format!("FROM {from}{where_clause}"),
        params,
        order_key,
    })
}

/// Runs a search, newest first.
pub(crate) fn search(
    conn: &Connection,
    query: &SentLogQuery,
) -> Result<Vec<SentSummary>, StoreError> {
    let plan = plan(conn, query)?;
    let mut params = plan.params;
    params.push(Value::Integer(i64::from(query.limit)));
    let limit = params.len();
    params.push(Value::Integer(i64::from(query.offset)));
    let offset = params.len();
    // The row is read as a message is (one place checks every value back
    // into its type), plus the attachment count the summary shows.
    let sql = format!(
        "SELECT {}, m.attachment_count
         {} ORDER BY {} DESC LIMIT ?{limit} OFFSET ?{offset}",
        prefixed_message_columns("m"),
        plan.from_where,
        plan.order_key
    );
    let count_column = MESSAGE_COLUMNS.split(',').count();
    let mut statement = conn.prepare_cached(&sql).during("searching the sent log")?;
    let mut rows = statement
        .query(rusqlite::params_from_iter(params))
        .during("searching the sent log")?;
    let mut found = Vec::new();
    while let Some(row) = rows.next().during("searching the sent log")? {
        let (_, message) = message_from_row(row)?;
        let count: i64 = row.get(count_column).during("searching the sent log")?;
        found.push(SentSummary {
            attachment_count: u32::try_from(count).unwrap_or(0),
            ..SentSummary::from(&message)
        });
    }
    Ok(found)
}

/// Removes messages from the index.
pub(crate) fn unindex(conn: &Connection, sort_key: i64) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM messages_fts WHERE rowid = ?1")
        .and_then(|mut s| s.execute([sort_key]))
        .during("removing a message from the search index")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_database;

    #[test]
    fn bundled_sqlite_has_fts5_and_the_index_folds_case_but_not_swedish_letters() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        for (rowid, subject) in [
            (1, "Får du plats"),
            (2, "Far och mor"),
            (3, "ÖVERKLAGANDE av beslut"),
        ] {
            conn.execute(
                "INSERT INTO messages_fts (rowid, subject) VALUES (?1, ?2)",
                rusqlite::params![rowid, subject],
            )
            .unwrap();
        }
        let hits = |q: &str| -> Vec<i64> {
            let q = text::parse(&conn, q).unwrap().fts.unwrap();
            let mut s = conn
                .prepare(
                    "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid",
                )
                .unwrap();
            s.query_map([q], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(hits("får"), vec![1]);
        assert_eq!(hits("far"), vec![2]);
        assert_eq!(hits("överkl*"), vec![3]);
        assert_eq!(hits("Överklagande"), vec![3]);
        unindex(&conn, 3).unwrap();
        assert!(hits("överkl*").is_empty());
    }
}
