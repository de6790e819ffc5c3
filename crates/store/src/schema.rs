//! Migrations: each table module owns an ordered list of SQL steps; the
//! `schema_version` table records, per module, how many have been applied.
//!
//! Steps are only ever appended, never edited: a database written by an
//! older Kuvert is brought forward step by step, and one written by a newer
//! Kuvert (more steps than we know) is refused rather than misread.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::error::Context;
use crate::StoreError;

/// One table module's migrations.
pub(crate) struct Migrations {
    /// The module's name in `schema_version`.
    pub component: &'static str,
    /// Step `i` brings the module from version `i` to `i + 1`.
    pub steps: &'static [Step],
}

/// One migration step, run inside the migration's transaction.
pub(crate) enum Step {
    /// A batch of SQL.
    Sql(&'static str),
    /// What SQL alone cannot say (reading the schema to change it).
    Code(fn(&Transaction<'_>) -> Result<(), StoreError>),
}

impl Step {
    fn run(&self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        match self {
            Step::Sql(sql) => tx.execute_batch(sql).during("migrating the schema"),
            Step::Code(step) => step(tx),
        }
    }
}

/// Widens a `CHECK` constraint of `table` by replacing `old` with `new` in
/// the table's definition: SQLite's documented way to change a constraint
/// that leaves the stored rows as they are (lang_altertable.html, "making
/// other kinds of table schema changes"), with the schema version bumped so
/// every connection reads the new definition. `old` must occur exactly once.
pub(crate) fn widen_check(
    tx: &Transaction<'_>,
    table: &str,
    old: &str,
    new: &str,
) -> Result<(), StoreError> {
    let sql: String = tx
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |row| row.get(0),
        )
        .during("reading a table's definition")?;
    if sql.matches(old).count() != 1 {
        return Err(StoreError::Corrupt {
            what: format!(
                "the definition of table {table} (the constraint to widen is not in it once)"
            ),
        });
    }
    let version: i64 = tx
        .query_row("PRAGMA schema_version", [], |row| row.get(0))
        .during("reading the schema version")?;
    tx.execute_batch("PRAGMA writable_schema = ON")
        .during("widening a constraint")?;
    let updated = tx
        .execute(
            "UPDATE sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = ?2",
            (sql.replacen(old, new, 1), table),
        )
        .during("widening a constraint");
    tx.execute_batch(&format!(
        "PRAGMA schema_version = {}; PRAGMA writable_schema = OFF;",
        version + 1
    ))
    .during("widening a constraint")?;
    updated?;
    let check: String = tx
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .during("checking the widened table")?;
    if check != "ok" {
        return Err(StoreError::Corrupt {
            what: format!("table {table} after widening a constraint: {check}"),
        });
    }
    Ok(())
}

/// Every module, in dependency order (referenced tables first).
pub(crate) const ALL: &[&Migrations] = &[
    &crate::messages::MIGRATIONS,
    &crate::history::MIGRATIONS,
    &crate::chain::MIGRATIONS,
    &crate::search::MIGRATIONS,
    &crate::purge::MIGRATIONS,
    &crate::drafts::MIGRATIONS,
];

/// Brings every component in `all` to its newest version, in one
/// transaction (a second process opening at the same time waits, then finds
/// nothing left to do).
pub(crate) fn migrate(conn: &Connection, all: &[&Migrations]) -> Result<(), StoreError> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
        .during("starting the migration")?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             component TEXT PRIMARY KEY,
             version   INTEGER NOT NULL
         ) STRICT;",
    )
    .during("creating schema_version")?;
    for migrations in all {
        let found = version(&tx, migrations.component)?;
        let supported = migrations.steps.len() as i64;
        if found > supported {
            return Err(StoreError::SchemaTooNew {
                table: migrations.component,
                found,
                supported,
            });
        }
        for step in &migrations.steps[found as usize..] {
            step.run(&tx)?;
        }
        if found < supported {
            tx.execute(
                "INSERT INTO schema_version (component, version) VALUES (?1, ?2)
                 ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                (migrations.component, supported),
            )
            .during("recording the schema version")?;
        }
    }
    tx.commit().during("committing the migration")
}

/// The applied version of `component` (0 when never migrated).
pub(crate) fn version(conn: &Connection, component: &str) -> Result<i64, StoreError> {
    conn.query_row(
        "SELECT version FROM schema_version WHERE component = ?1",
        [component],
        |row| row.get(0),
    )
    .optional()
    .during("reading the schema version")
    .map(|v| v.unwrap_or(0))
}

/// Shared by the table modules' own tests: a fresh on-disk database with
/// `all` applied, plus the directory keeping it alive.
#[cfg(test)]
pub(crate) fn test_database(all: &[&Migrations]) -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().expect("temp dir");
    let conn = crate::connection::open(&dir.path().join("t.sqlite")).expect("open");
    migrate(&conn, all).expect("migrate");
    (dir, conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    static FIRST: Migrations = Migrations {
        component: "demo",
        steps: &[Step::Sql("CREATE TABLE demo (a INTEGER) STRICT;")],
    };
    static SECOND: Migrations = Migrations {
        component: "demo",
        steps: &[
            Step::Sql("CREATE TABLE demo (a INTEGER) STRICT;"),
            Step::Sql("ALTER TABLE demo ADD COLUMN b TEXT;"),
        ],
    };

    #[test]
    fn applies_only_new_steps_and_refuses_newer_databases() {
        let (_dir, conn) = test_database(&[&FIRST]);
        assert_eq!(version(&conn, "demo").unwrap(), 1);
        conn.execute("INSERT INTO demo (a) VALUES (1)", []).unwrap();
        migrate(&conn, &[&SECOND]).unwrap();
        assert_eq!(version(&conn, "demo").unwrap(), 2);
        let b: Option<String> = conn
            .query_row("SELECT b FROM demo", [], |r| r.get(0))
            .unwrap();
        assert_eq!(b, None);
        migrate(&conn, &[&SECOND]).unwrap();
        let err = migrate(&conn, &[&FIRST]).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::SchemaTooNew {
                    found: 2,
                    supported: 1,
                    ..
                }
            ),
            "{err}"
        );
    }
}
