//! The department's PostgreSQL database: a pool of connections, the
//! versioned migrations (`migrations/*.sql`), and transactions run as a
//! [`Caller`] (their database role and identity set for row-level security)
//! or as the service (the worker).

use std::time::Duration;

use postgres::{NoTls, Transaction};
use r2d2_postgres::PostgresConnectionManager;

use crate::staff::{Caller, Role, StaffMember};

/// The migrations, in order; each runs once, in its own transaction.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "department log",
        include_str!("../migrations/0001_department_log.sql"),
    ),
    (2, "purges", include_str!("../migrations/0002_purges.sql")),
    (3, "search", include_str!("../migrations/0003_search.sql")),
];

/// The advisory lock that serialises migrations of instances starting together.
const MIGRATION_LOCK: i64 = 0x6b75_7665_7274_0001;

/// Why the database could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// No connection could be had (the database is down or unreachable).
    #[error("the department database cannot be reached: {detail}")]
    Unavailable {
        /// What the pool or the driver said.
        detail: String,
    },
    /// A statement failed.
    #[error("the department database failed while {during}: {}", source.as_db_error().map(|e| e.message().to_string()).unwrap_or_else(|| source.to_string()))]
    Query {
        /// What was being done.
        during: &'static str,
        /// The driver's error.
        source: postgres::Error,
    },
    /// The row was not in the state the move starts from (another worker
    /// moved it first).
    #[error("message {message_id} is no longer {expected}")]
    Conflict {
        /// The message.
        message_id: String,
        /// The state the move expected.
        expected: String,
    },
    /// A stored value is not what Kuvert writes.
    #[error("the department database holds something Kuvert never wrote: {what}")]
    Corrupt {
        /// What and where.
        what: String,
    },
}

/// Attaches what was being done to a driver error.
pub(crate) trait During<T> {
    fn during(self, during: &'static str) -> Result<T, DbError>;
}

impl<T> During<T> for Result<T, postgres::Error> {
    fn during(self, during: &'static str) -> Result<T, DbError> {
        self.map_err(|source| {
            if source.is_closed() || source.as_db_error().is_none() && source.code().is_none() {
                // A broken connection says nothing about the statement.
                DbError::Unavailable {
                    detail: source.to_string(),
                }
            } else {
                DbError::Query { during, source }
            }
        })
    }
}

/// The pool of connections to the department database.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<PostgresConnectionManager<NoTls>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("connections", &self.pool.state().connections)
            .finish()
    }
}

impl Database {
    /// Connects to `url` (a `postgresql://` URL or libpq key=value pairs)
    /// with at most `max_connections`; connections are made as needed.
    ///
    /// # Errors
    ///
    /// [`DbError::Unavailable`] when the URL does not parse.
    pub fn connect(url: &str, max_connections: u32) -> Result<Database, DbError> {
        let config: postgres::Config =
            url.parse()
                .map_err(|e: postgres::Error| DbError::Unavailable {
                    detail: format!("the database URL is not usable: {e}"),
                })?;
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(5))
            .build_unchecked(manager);
        Ok(Database { pool })
    }

    fn connection(
        &self,
    ) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>, DbError> {
        self.pool.get().map_err(|e| DbError::Unavailable {
            detail: e.to_string(),
        })
    }

    /// Applies the migrations not yet applied, under an advisory lock so that
    /// instances starting together apply each once. Returns how many ran.
    ///
    /// # Errors
    ///
    /// [`DbError`] when a migration fails (nothing of it is kept).
    pub fn migrate(&self) -> Result<usize, DbError> {
        let mut conn = self.connection()?;
        let mut tx = conn.transaction().during("starting the migrations")?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .during("locking the migrations")?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    integer PRIMARY KEY,
                 name       text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .during("creating the migrations table")?;
        let mut applied = 0;
        for (version, name, sql) in MIGRATIONS {
            let done = tx
                .query_opt(
                    "SELECT 1 FROM schema_migrations WHERE version = $1",
                    &[version],
                )
                .during("reading the migrations")?
                .is_some();
            if done {
                continue;
            }
            tx.batch_execute(sql).during("migrating the database")?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[version, name],
            )
            .during("recording a migration")?;
            applied += 1;
        }
        tx.commit().during("committing the migrations")?;
        Ok(applied)
    }

    /// Runs `work` in one transaction as `caller`: their database role and
    /// `kuvert.caller` are set for the transaction, so row-level security
    /// sees what the server's checks saw. Committed when `work` succeeds.
    pub fn as_caller<T, E: From<DbError>>(
        &self,
        caller: &Caller,
        work: impl FnOnce(&mut Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(Some(caller), work)
    }

    /// Runs `work` in one transaction as the service (the worker): every
    /// row is visible.
    pub fn as_service<T, E: From<DbError>>(
        &self,
        work: impl FnOnce(&mut Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(None, work)
    }

    fn transaction<T, E: From<DbError>>(
        &self,
        caller: Option<&Caller>,
        work: impl FnOnce(&mut Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.connection()?;
        let mut tx = conn.transaction().during("starting a transaction")?;
        act_as(&mut tx, caller)?;
        let value = work(&mut tx)?;
        tx.commit().during("committing")?;
        Ok(value)
    }

    /// The staff member with `identity`, if the staff table has one.
    ///
    /// # Errors
    ///
    /// [`DbError`] when the table cannot be read.
    pub fn staff_member(&self, identity: &str) -> Result<Option<StaffMember>, DbError> {
        self.as_service(|tx| {
            let row = tx
                .query_opt(
                    "SELECT identity, name, role, unit, units FROM staff WHERE identity = $1",
                    &[&identity],
                )
                .during("reading the staff table")?;
            row.map(|r| staff_from_row(&r)).transpose()
        })
    }

    /// Every member of staff, by identity.
    ///
    /// # Errors
    ///
    /// [`DbError`] when the table cannot be read.
    pub fn staff(&self) -> Result<Vec<StaffMember>, DbError> {
        self.as_service(|tx| {
            tx.query(
                "SELECT identity, name, role, unit, units FROM staff ORDER BY identity",
                &[],
            )
            .during("reading the staff table")?
            .iter()
            .map(staff_from_row)
            .collect()
        })
    }

    /// Replaces the staff entries that came from `server.toml` with
    /// `members`; entries added with `kuvert-server user` stay unless the
    /// file names the same identity.
    ///
    /// # Errors
    ///
    /// [`DbError`]; nothing is changed then.
    pub fn sync_configured_staff(&self, members: &[StaffMember]) -> Result<(), DbError> {
        self.as_service(|tx| {
            tx.execute("DELETE FROM staff WHERE source = 'config'", &[])
                .during("replacing the configured staff")?;
            for member in members {
                upsert_staff(tx, member, "config")?;
            }
            Ok(())
        })
    }

    /// Adds or changes one member of staff (`kuvert-server user add`).
    ///
    /// # Errors
    ///
    /// [`DbError`].
    pub fn put_staff(&self, member: &StaffMember) -> Result<(), DbError> {
        self.as_service(|tx| upsert_staff(tx, member, "cli"))
    }

    /// Removes one member of staff; `false` when there was none.
    ///
    /// # Errors
    ///
    /// [`DbError`].
    pub fn remove_staff(&self, identity: &str) -> Result<bool, DbError> {
        self.as_service(|tx| {
            Ok(tx
                .execute("DELETE FROM staff WHERE identity = $1", &[&identity])
                .during("removing a member of staff")?
                > 0)
        })
    }
}

/// Sets the transaction's database role and caller.
pub(crate) fn act_as(tx: &mut Transaction<'_>, caller: Option<&Caller>) -> Result<(), DbError> {
    match caller {
        Some(caller) => {
            // The role names are Kuvert's own constants, never input.
            tx.batch_execute(&format!("SET LOCAL ROLE {}", caller.role().database_role()))
                .during("taking the caller's role")?;
            tx.execute(
                "SELECT set_config('kuvert.caller', $1, true)",
                &[&caller.identity()],
            )
            .during("naming the caller")?;
        }
        None => tx
            .batch_execute("SET LOCAL ROLE kuvert_service")
            .during("taking the service role")?,
    }
    Ok(())
}

fn upsert_staff(
    tx: &mut Transaction<'_>,
    member: &StaffMember,
    source: &str,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO staff (identity, name, role, unit, units, source)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (identity) DO UPDATE SET name = excluded.name, role = excluded.role,
             unit = excluded.unit, units = excluded.units, source = excluded.source",
        &[
            &member.identity,
            &member.name,
            &member.role.name(),
            &member.unit,
            &member.units,
            &source,
        ],
    )
    .during("recording a member of staff")?;
    Ok(())
}

fn staff_from_row(row: &postgres::Row) -> Result<StaffMember, DbError> {
    let role: String = row.get(2);
    Ok(StaffMember {
        identity: row.get(0),
        name: row.get(1),
        role: Role::parse(&role).ok_or_else(|| DbError::Corrupt {
            what: format!("staff role {role:?}"),
        })?,
        unit: row.get(3),
        units: row.get(4),
    })
}
