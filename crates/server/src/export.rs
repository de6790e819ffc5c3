//! The department log as CSV (`GET /v1/export.csv`, `kuvert export
//! --format csv` with a department profile): the same file as a desktop's
//! export of its own log — the columns of
//! [`kuvert_store::export::CSV_COLUMNS`], UTF-8 with a BOM, `;`, CRLF,
//! times in Swedish local time and the formula guard — over the messages
//! the caller may read: an officer their own, a registrar their units'
//! (or the whole organisation's). The server's reach is in the query, and
//! row-level security applies it a second time underneath.

use std::io::Write;

use kuvert_store::export::{push_cell, push_int, CSV_COLUMNS};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::Transaction;

use kuvert_core::department::wire::ExportFilter;

use crate::db::{DbError, During};
use crate::messages::like_literal;
use crate::staff::{Caller, Role};

/// The SQL behind [`CSV_COLUMNS`], in their order (times as unix seconds),
/// before the caller's filter.
pub const SELECT: &str = "SELECT m.id, extract(epoch FROM m.created_at)::bigint, m.state, \
    extract(epoch FROM m.state_at)::bigint, m.case_number, m.recipient, m.recipient_display, \
    m.subject, m.protection_class::bigint, m.case_type, m.attention, m.profile, m.sender_org, \
    m.sender_name, m.distribution_id, coalesce(a.n, 0), coalesce(a.names, ''), m.failure_reason, \
    m.mailbox_operator, m.mailbox_address, m.officer, m.officer_name \
    FROM messages m LEFT JOIN LATERAL ( \
        SELECT count(*) AS n, string_agg(name, E'\\n' ORDER BY position) AS names \
        FROM attachments WHERE message_id = m.id) a ON true";

/// Column positions holding unix seconds, written as local times.
const TIME_COLUMNS: [usize; 2] = [1, 3];

/// Column positions holding other whole numbers (protection class,
/// attachment count).
const NUMBER_COLUMNS: [usize; 2] = [8, 15];

/// Why there is no export.
#[derive(Debug)]
pub enum ExportError {
    /// The caller's role exports nothing (administrators read no messages).
    NotAllowed,
    /// The database failed.
    Database(DbError),
    /// The file could not be written.
    Write(std::io::Error),
}

impl From<DbError> for ExportError {
    fn from(error: DbError) -> Self {
        ExportError::Database(error)
    }
}

/// The query for what `caller` may read, oldest first, with `text` (when
/// given) as a substring of the search text; and its parameters.
pub fn query(caller: &Caller, filter: &ExportFilter) -> Result<(String, Vec<String>), ExportError> {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    match caller.role() {
        Role::Officer => {
            params.push(caller.identity().to_string());
            conditions.push(format!("m.officer = ${}", params.len()));
        }
        Role::Registrar if caller.member.units.is_empty() => {}
        Role::Registrar => {
            let mut units = Vec::new();
            for unit in &caller.member.units {
                params.push(unit.clone());
                units.push(format!("${}", params.len()));
            }
            conditions.push(format!("m.unit IN ({})", units.join(", ")));
        }
        Role::Administrator => return Err(ExportError::NotAllowed),
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        params.push(crate::messages::contains_pattern(text));
        conditions.push(format!("m.search_text ILIKE ${}", params.len()));
    }
    if let Some(case) = filter
        .case
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match case.strip_suffix('*') {
            Some(prefix) => {
                params.push(format!("{}%", like_literal(prefix.trim_end())));
                conditions.push(format!("m.case_number LIKE ${}", params.len()));
            }
            None => {
                params.push(case.to_string());
                conditions.push(format!("m.case_number = ${}", params.len()));
            }
        }
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    Ok((format!("{SELECT}{filter} ORDER BY m.seq"), params))
}

/// Writes the CSV of what `caller` may read to `out`, reading the rows as
/// they come (one snapshot: the caller's transaction). Returns the number
/// of messages written.
///
/// # Errors
///
/// [`ExportError`].
pub fn csv(
    tx: &mut Transaction<'_>,
    caller: &Caller,
    filter: &ExportFilter,
    out: &mut impl Write,
) -> Result<u64, ExportError> {
    let (sql, params) = query(caller, filter)?;
    let params: Vec<&(dyn ToSql + Sync)> =
        params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
    let mut line = Vec::with_capacity(4096);
    line.extend_from_slice(b"\xEF\xBB\xBF");
    line.extend_from_slice(CSV_COLUMNS.join(";").as_bytes());
    line.extend_from_slice(b"\r\n");
    out.write_all(&line).map_err(ExportError::Write)?;
    let mut rows = tx
        .query_raw(&sql, params)
        .during("exporting the department log")?;
    let mut count = 0u64;
    while let Some(row) = rows.next().during("exporting the department log")? {
        line.clear();
        for i in 0..CSV_COLUMNS.len() {
            if i > 0 {
                line.push(b';');
            }
            if TIME_COLUMNS.contains(&i) || NUMBER_COLUMNS.contains(&i) {
                let n: Option<i64> = row.try_get(i).during("exporting the department log")?;
                match n {
                    Some(n) if TIME_COLUMNS.contains(&i) => {
                        kuvert_local_time::write_iso(n, &mut line)
                    }
                    Some(n) => push_int(n, &mut line),
                    None => {}
                }
            } else {
                let text: Option<&str> = row.try_get(i).during("exporting the department log")?;
                if let Some(text) = text {
                    push_cell(text.as_bytes(), &mut line);
                }
            }
        }
        line.extend_from_slice(b"\r\n");
        out.write_all(&line).map_err(ExportError::Write)?;
        count += 1;
    }
    out.flush().map_err(ExportError::Write)?;
    Ok(count)
}
