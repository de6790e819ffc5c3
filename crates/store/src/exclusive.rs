//! [`ExclusiveDatabase`]: a database file held by this connection alone, as
//! one self-contained file, so that it can be moved or copied as a whole.
//!
//! In WAL mode a database is up to three files (`kuvert.sqlite`, `-wal`,
//! `-shm`) and the newest commits may live only in the `-wal`; moving the
//! main file alone, or while another process writes, would lose them.
//! Leaving WAL mode folds the `-wal` into the main file and removes both
//! companions, and SQLite allows it only when no other connection has the
//! database open; the exclusive locking mode then keeps every other
//! connection out until this one closes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::Context;
use crate::StoreError;

/// How long to wait for another connection's lock before calling the
/// database in use: long enough for a short write elsewhere to finish,
/// short enough not to stall a start-up behind a running Kuvert.
const WAIT: Duration = Duration::from_secs(2);

/// A database file that no other connection can read or write while this
/// value lives, with its whole content in the one file at [`path`](Self::path)
/// (no `-wal`, `-shm` or `-journal` beside it).
///
/// Renaming or hard-linking the file meanwhile is safe: the lock belongs to
/// the file, not to its name. Dropping the value releases it. The next
/// [`Store::open`](crate::Store::open) switches the database back to WAL.
pub struct ExclusiveDatabase {
    // Held for its lock; dropped (closed) with the value.
    _conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for ExclusiveDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExclusiveDatabase")
            .field("path", &self.path)
            .finish()
    }
}

impl ExclusiveDatabase {
    /// Takes the existing database at `path` for this connection alone.
    ///
    /// # Errors
    ///
    /// [`StoreError::InUse`] when another connection (in any process) has
    /// the database open; [`StoreError::Database`] when it cannot be opened
    /// (it does not exist, or is not a database).
    pub fn take(path: impl AsRef<Path>) -> Result<ExclusiveDatabase, StoreError> {
        let path = path.as_ref().to_path_buf();
        let in_use = || StoreError::InUse { path: path.clone() };
        let busy = |e: &rusqlite::Error| {
            matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
            )
        };
        // Never create: a missing file is an error, not an empty database.
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .during("opening the database to move it")?;
        conn.busy_timeout(WAIT).during("setting the busy timeout")?;
        let journal_mode = |sql: &str| -> Result<(), StoreError> {
            match conn.query_row(sql, [], |r| r.get::<_, String>(0)) {
                // SQLite answers with the mode it stayed in when another
                // connection prevents the change.
                Ok(mode) if mode.eq_ignore_ascii_case("delete") => Ok(()),
                Ok(_) => Err(in_use()),
                Err(e) if busy(&e) => Err(in_use()),
                Err(source) => Err(StoreError::Database {
                    operation: "leaving WAL mode",
                    source,
                }),
            }
        };
        // In the normal locking mode, so that the journal of this one write
        // (the mode is recorded in the file's header) is deleted at its commit.
        journal_mode("PRAGMA journal_mode = DELETE")?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .during("taking the database for this connection alone")?;
        // A write transaction takes the exclusive lock, which the locking
        // mode keeps after the commit; it changes no page, so it writes no
        // journal.
        match conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;") {
            Ok(()) => {}
            Err(e) if busy(&e) => return Err(in_use()),
            Err(source) => {
                return Err(StoreError::Database {
                    operation: "locking the database",
                    source,
                })
            }
        }
        // Another connection may have come and gone between the two steps.
        journal_mode("PRAGMA journal_mode")?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut companion = path.as_os_str().to_owned();
            companion.push(suffix);
            if Path::new(&companion).exists() {
                // Left by a process that is still running: the main file
                // alone may not be the whole database.
                return Err(in_use());
            }
        }
        Ok(ExclusiveDatabase { _conn: conn, path })
    }

    /// The database file, as it was named when taken.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL database whose one row is still only in the `-wal` file, as a
    /// process that was killed leaves it: copied while its writer is open.
    fn crashed_database(dir: &Path) -> PathBuf {
        let live = dir.join("live");
        std::fs::create_dir(&live).unwrap();
        let writer = Connection::open(live.join("kuvert.sqlite")).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        writer
            .execute_batch("CREATE TABLE t(x TEXT); INSERT INTO t VALUES ('Beslut');")
            .unwrap();
        let crashed = dir.join("crashed");
        std::fs::create_dir(&crashed).unwrap();
        for name in ["kuvert.sqlite", "kuvert.sqlite-wal"] {
            std::fs::copy(live.join(name), crashed.join(name)).unwrap();
        }
        crashed.join("kuvert.sqlite")
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_database_open_elsewhere_is_in_use_and_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kuvert.sqlite");
        let other = crate::Store::open(&path).unwrap();
        assert!(matches!(
            ExclusiveDatabase::take(&path),
            Err(StoreError::InUse { .. })
        ));
        assert!(other.drafts().is_ok());
        assert!(names(dir.path()).contains(&"kuvert.sqlite-wal".to_string()));
    }

    #[test]
    fn a_taken_database_is_one_whole_file_and_nobody_else_gets_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = crashed_database(dir.path());
        let taken = ExclusiveDatabase::take(&path).unwrap();
        // The -wal was folded in and removed, with no -shm or -journal left.
        assert_eq!(names(path.parent().unwrap()), ["kuvert.sqlite"]);
        assert!(matches!(
            ExclusiveDatabase::take(&path),
            Err(StoreError::InUse { .. })
        ));
        // The main file alone is the database: a copy of it has the row.
        let copy = dir.path().join("copy.sqlite");
        std::fs::copy(&path, &copy).unwrap();
        drop(taken);
        let row: String = Connection::open(&copy)
            .unwrap()
            .query_row("SELECT x FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(row, "Beslut");
    }

    #[test]
    fn a_missing_database_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kuvert.sqlite");
        assert!(matches!(
            ExclusiveDatabase::take(&path),
            Err(StoreError::Database { .. })
        ));
        assert!(!path.exists());
    }
}
