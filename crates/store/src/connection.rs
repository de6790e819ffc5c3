//! Opening a SQLite connection with the settings every Kuvert connection
//! uses.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::Context;
use crate::StoreError;

/// How long a writer waits for another process's write transaction before
/// giving up with "database is locked". Sends are short transactions, so
/// this is generous.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Page cache size in KiB, as SQLite's negative `cache_size` wants it.
const CACHE_KIB: i64 = -16 * 1024;

/// Opens (creating if needed) the database at `path`: WAL journal (readers
/// never block the writer), foreign keys on, `synchronous = FULL` (a commit
/// is on disk before it returns: a recorded distribution id survives even a
/// power cut; sends are rare, so the fsync per commit is affordable), busy
/// timeout.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).during("opening the database")?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .during("setting the busy timeout")?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .during("switching to WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")
        .during("setting synchronous")?;
    conn.pragma_update(None, "foreign_keys", true)
        .during("enabling foreign keys")?;
    // 16 MiB of page cache (SQLite's default is 2 MiB): keeps the upper
    // levels of the sent log's indexes and the search index's structure in
    // memory on a large log; allocated only as pages are used.
    conn.pragma_update(None, "cache_size", CACHE_KIB)
        .during("sizing the page cache")?;
    conn.set_prepared_statement_cache_capacity(64);
    crate::search::register_functions(&conn)?;
    Ok(conn)
}

/// Makes the database and its companion files (`-wal`, `-shm`, the anchor)
/// readable and writable by their owner only (0600): they hold class-3
/// message bodies and identity numbers. SQLite gives the journal files it
/// creates later the database file's permissions.
pub(crate) fn owner_only(database: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm", ".anchor"] {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            let file = Path::new(&name);
            let Ok(meta) = std::fs::metadata(file) else {
                continue;
            };
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode & 0o600))
                    .map_err(|e| StoreError::InvalidInput {
                        field: "database file",
                        reason: format!("{} cannot be made private: {e}", file.display()),
                    })?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = database;
    Ok(())
}
