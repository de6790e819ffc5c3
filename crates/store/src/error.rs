//! The one error type of the store.

use crate::messages::SendState;

/// Everything that can go wrong in the store. Every variant says what and,
/// where it helps, what the caller can do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error while doing `operation`.
    #[error("the local database failed while {operation}: {source}")]
    Database {
        /// What the store was doing, e.g. "enqueueing a message".
        operation: &'static str,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// A compare-and-set transition found the message in another state than
    /// expected: another process (or an earlier run) moved it first. Re-read
    /// the message and decide again; never retry blindly.
    #[error(
        "message {message_id} is {actual}, not {expected} as expected; it was changed elsewhere"
    )]
    Conflict {
        /// The message's id.
        message_id: String,
        /// The state the caller expected.
        expected: SendState,
        /// The state the message is in.
        actual: SendState,
    },
    /// Another process claimed the message for an attempt that may still be
    /// running (see [`Store::claim`](crate::Store::claim)); leave it alone
    /// until `until`.
    #[error(
        "message {message_id} is being worked on elsewhere until {}",
        kuvert_local_time::LocalTime::of(*.until).second_text()
    )]
    Claimed {
        /// The message's id.
        message_id: String,
        /// When the other claim lapses.
        until: time::OffsetDateTime,
    },
    /// The message cannot be withdrawn: the pipeline has begun to hand it
    /// to the intermediary, which may already have it.
    #[error("message {message_id} cannot be withdrawn: it is being handed to the intermediary, which may already have it")]
    HandedOver {
        /// The message's id.
        message_id: String,
    },
    /// No message with this id is stored (it may have been purged).
    #[error("no message with id {message_id} is stored")]
    MessageNotFound {
        /// The id that was looked up.
        message_id: String,
    },
    /// A message with this id is already stored; enqueueing twice is refused.
    #[error("a message with id {message_id} is already stored")]
    DuplicateMessage {
        /// The duplicate id.
        message_id: String,
    },
    /// No draft with this id is stored.
    #[error("no draft with id {draft} is stored")]
    DraftNotFound {
        /// The draft id that was looked up.
        draft: i64,
    },
    /// A value handed to the store breaks one of its rules.
    #[error("{field} is not acceptable: {reason}")]
    InvalidInput {
        /// The field, e.g. "protection class".
        field: &'static str,
        /// Why, in plain words.
        reason: String,
    },
    /// The database was written by a newer Kuvert; upgrade Kuvert to open it.
    #[error("table {table} has schema version {found}, newer than the {supported} this Kuvert knows; upgrade Kuvert")]
    SchemaTooNew {
        /// The table (migration component).
        table: &'static str,
        /// The version found in the database.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A stored value cannot be read back (edited outside Kuvert or damaged).
    #[error("the local database holds an unreadable value: {what}")]
    Corrupt {
        /// What was unreadable.
        what: String,
    },
    /// Another connection (another Kuvert, or a tool) has the database
    /// open, so it cannot be taken alone (see
    /// [`ExclusiveDatabase`](crate::ExclusiveDatabase)); close the other
    /// program and try again.
    #[error("{} is in use by another program; close every Kuvert window and command, then try again", path.display())]
    InUse {
        /// The database file.
        path: std::path::PathBuf,
    },
    /// Writing an export failed.
    #[error("the export could not be written: {source}")]
    Write {
        /// The I/O error from the writer.
        #[source]
        source: std::io::Error,
    },
}

/// Attaches the operation's name to a SQLite error.
pub(crate) trait Context<T> {
    /// Maps `Err(e)` to [`StoreError::Database`] with `operation`.
    fn during(self, operation: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn during(self, operation: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Database { operation, source })
    }
}
