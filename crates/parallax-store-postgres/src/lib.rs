//! Parallax's storage on PostgreSQL: the same [`Store`] contract as the
//! embedded SQLite default, for when several processes on several machines
//! share one database, plus what those processes need to share it: feed
//! leases, the clustering lock, heartbeats, a search queue per web process
//! ([`coordination`]), and copying a SQLite data directory over ([`copy`]).
//!
//! It owns the PostgreSQL schema and its migrations (append-only, recorded
//! in `schema_migrations`, applied under an advisory lock by whichever
//! process connects first). Like `parallax-store` it must never fetch,
//! parse or clean: it stores what it is given and reports what committed.
//! The schema mirrors SQLite's table by table and column by column, so that
//! [`copy`] needs no translation and both pass one conformance suite.

pub mod coordination;
pub mod copy;
mod read;
pub mod testing;
mod write;

use std::cell::{Cell, RefCell, RefMut};
use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use parallax_store::StoreError;
use postgres::{Client, GenericClient, NoTls, Statement};

pub use coordination::{ClusterLock, ProcessRecord, SEARCH_CONSUMER_MARK_SECS, SEARCH_CONSUMER_STALE_SECS};

/// Append-only: each entry is one migration, applied in order and recorded
/// in `schema_migrations`. Never edit a released entry; add a new one.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_schema", include_str!("migrations/0001_schema.sql")),
    ("0002_coordination", include_str!("migrations/0002_coordination.sql")),
];

/// The advisory lock key the migrations run under ("PRLXMIGR").
const MIGRATION_LOCK: i64 = 0x5052_4c58_4d49_4752;

/// Whether `url` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` with its password replaced by `***`, for messages and pages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((credentials, host)) = rest.rsplit_once('@') else { return url.to_string() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

pub(crate) fn pg(context: &'static str) -> impl FnOnce(postgres::Error) -> StoreError {
    move |source| StoreError::Backend { context, source: Box::new(Described::from(source)) }
}

/// A PostgreSQL error that says what the server said: `postgres::Error`'s
/// own text is only "db error", with the server's message in its source.
#[derive(Debug)]
pub(crate) struct Described(String);

impl From<postgres::Error> for Described {
    fn from(error: postgres::Error) -> Described {
        Described(match error.as_db_error() {
            Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
            None => match std::error::Error::source(&error) {
                Some(cause) => format!("{error}: {cause}"),
                None => error.to_string(),
            },
        })
    }
}

impl std::fmt::Display for Described {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Described {}

pub(crate) fn from_unix(secs: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(secs, 0).single()
}

pub(crate) fn time_or_corrupt(secs: i64, table: &'static str) -> Result<DateTime<Utc>, StoreError> {
    from_unix(secs).ok_or_else(|| StoreError::Corrupt { table, reason: format!("bad time {secs}") })
}

/// A [`parallax_store::Store`] on a PostgreSQL database: one connection.
/// Open one per thread that needs one (the web server opens a pool).
pub struct PostgresStore {
    client: RefCell<Conn>,
    /// Prepared statements by their SQL: one round trip per query, not two.
    statements: RefCell<HashMap<String, Statement>>,
    /// Whose search queue `touched_stories` reads (see [`PostgresStore::with_search_consumer`]).
    consumer: String,
    /// When this connection last marked its search consumer as alive.
    consumer_marked: Cell<Option<std::time::Instant>>,
    url: String,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`)
    /// and brings the schema up to date, waiting for another process that
    /// is doing so.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let redacted = redact(url);
        let client = Client::connect(url, NoTls).map_err(|source| StoreError::Connect {
            url: redacted.clone(),
            source: Box::new(Described::from(source)),
        })?;
        let mut store = PostgresStore {
            client: RefCell::new(Conn(Some(client))),
            statements: RefCell::default(),
            consumer: "default".into(),
            consumer_marked: Cell::new(None),
            url: redacted,
        };
        store.migrate()?;
        Ok(store)
    }

    /// The connection, for one statement or one transaction.
    pub(crate) fn conn(&self) -> RefMut<'_, Client> {
        RefMut::map(self.client.borrow_mut(), Conn::client)
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Client {
        self.client.get_mut().client()
    }

    /// Takes the connection out, for a caller that needs it whole.
    pub(crate) fn into_client(mut self) -> Client {
        self.client.get_mut().0.take().expect("a store's connection is only taken once, when it is consumed")
    }

    /// The database's address, password hidden.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let url = self.url.clone();
        let client = self.conn_mut();
        let mut tx = client.transaction().map_err(pg("begin migration"))?;
        // Held to the end of the transaction: a second process starting at
        // the same moment waits here, then finds the work done.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(pg("lock for migration"))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .map_err(pg("create the migrations table"))?;
        let found: i64 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])
            .and_then(|row| row.try_get(0))
            .map_err(pg("read schema version"))?;
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::TooNew { path: url, found, known });
        }
        for (index, (name, migration)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.batch_execute(migration).map_err(pg("apply migration"))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                &[&(index as i64 + 1), name, &Utc::now().timestamp()],
            )
            .map_err(pg("record schema version"))?;
        }
        tx.commit().map_err(pg("commit migration"))
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let mut client = self.conn();
        client
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])
            .and_then(|row| row.try_get(0))
            .map_err(pg("read schema version"))
    }

    /// A statement prepared once per connection and kept.
    pub(crate) fn prepared(&self, conn: &mut impl GenericClient, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = conn.prepare(sql).map_err(pg("prepare a statement"))?;
        self.statements.borrow_mut().insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

/// A connection that may be dropped anywhere. `postgres::Client` blocks on
/// a runtime of its own when it closes, which panics on a thread of an
/// async runtime (the web server drops its pool there); so there it
/// closes on a thread of its own.
pub(crate) struct Conn(pub(crate) Option<Client>);

impl Conn {
    pub(crate) fn client(&mut self) -> &mut Client {
        self.0.as_mut().expect("a store's connection is only taken when the store is consumed")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            if tokio_runtime_here() {
                std::thread::spawn(move || drop(client));
            } else {
                drop(client);
            }
        }
    }
}

/// Runs `call`, which blocks on the connection's own runtime. Inside the
/// context of an async runtime (the ingest round stores from async code,
/// as it does with SQLite) Tokio forbids that, so the call first leaves
/// the context: allowed on Tokio's multi-threaded runtime, the one the
/// binary runs. A current-thread runtime's task cannot use this store.
pub(crate) fn off_runtime<R>(call: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(call)
        }
        _ => call(),
    }
}

/// Whether this thread runs inside a Tokio runtime, where blocking on
/// another runtime panics.
fn tokio_runtime_here() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_recognised_and_passwords_hidden() {
        assert!(is_postgres_url("postgres://u@h/db") && is_postgres_url("postgresql://h/db"));
        assert!(!is_postgres_url("/var/lib/parallax.sqlite") && !is_postgres_url("mysql://h/db"));
        assert_eq!(
            redact("postgres://parallax:s3cr:et@db.internal:5432/p"),
            "postgres://parallax:***@db.internal:5432/p"
        );
        assert_eq!(redact("postgres://parallax@db/p"), "postgres://parallax@db/p");
        assert_eq!(redact("postgres://db/p"), "postgres://db/p");
    }
}
