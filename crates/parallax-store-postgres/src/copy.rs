//! `parallax migrate`: a SQLite data directory copied into PostgreSQL,
//! table by table and row by row with the same ids, in one transaction, and
//! the row counts of both compared before it commits.
//!
//! Ids travel unchanged because a story's id is its first article's and
//! merges, copies and full texts name articles by id.

use std::path::Path;

use parallax_store::{Result, SqliteStore, StoreError};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use rusqlite::{Connection, OpenFlags};

use crate::{PostgresStore, pg};

/// How a column reads from SQLite and writes to PostgreSQL.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Int,
    Text,
    Real,
    Bool,
    Blob,
}

impl Kind {
    fn pg_type(self) -> Type {
        match self {
            Kind::Int => Type::INT8,
            Kind::Text => Type::TEXT,
            Kind::Real => Type::FLOAT8,
            Kind::Bool => Type::BOOL,
            Kind::Blob => Type::BYTEA,
        }
    }
}

use Kind::{Blob, Bool, Int, Real, Text};

/// Every table that holds data, parents before children, with the columns
/// SQLite's schema version [`SQLITE_VERSION`] has. The search queue is not
/// copied: every story is queued afresh for every search index.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    ("outlets", &[("id", Int), ("domain", Text), ("name", Text)]),
    (
        "ratings",
        &[
            ("id", Int),
            ("outlet_id", Int),
            ("provider", Text),
            ("version", Text),
            ("source_file", Text),
            ("outlet_name", Text),
            ("lean", Text),
            ("factuality", Text),
            ("owner", Text),
            ("ownership", Text),
            ("country", Text),
            ("language", Text),
        ],
    ),
    (
        "feeds",
        &[
            ("id", Int),
            ("url", Text),
            ("outlet_id", Int),
            ("title", Text),
            ("language", Text),
            ("categories", Text),
            ("etag", Text),
            ("last_modified", Text),
            ("status", Text),
            ("consecutive_failures", Int),
            ("error_count", Int),
            ("last_error", Text),
            ("last_fetched", Int),
            ("next_fetch", Int),
        ],
    ),
    (
        "articles",
        &[
            ("id", Int),
            ("outlet_id", Int),
            ("feed_id", Int),
            ("guid", Text),
            ("url", Text),
            ("title", Text),
            ("snippet", Text),
            ("content_html", Text),
            ("truncated", Bool),
            ("language", Text),
            ("language_confidence", Real),
            ("published", Int),
            ("date_flag", Text),
            ("fetched", Int),
            ("story_id", Int),
            ("copy_of", Int),
            ("categories", Text),
        ],
    ),
    ("stories", &[("id", Int), ("first_published", Int), ("last_updated", Int), ("merged_into", Int), ("view", Text)]),
    ("story_merges", &[("absorbed", Int), ("into_story", Int), ("merged_at", Int)]),
    (
        "article_texts",
        &[
            ("article_id", Int),
            ("status", Text),
            ("text", Text),
            ("extractor", Text),
            ("error", Text),
            ("fetched", Int),
        ],
    ),
    ("quarantined_feeds", &[("feed_id", Int), ("at", Int), ("reason", Text), ("bytes", Blob)]),
    ("outlet_touches", &[("outlet_id", Int)]),
];

/// The SQLite schema version [`TABLES`] mirrors.
pub const SQLITE_VERSION: i64 = 8;

/// Tables whose ids PostgreSQL hands out: their counters continue after
/// the copied ids.
const IDENTITY_TABLES: &[&str] = &["outlets", "ratings", "feeds", "articles"];

/// What a copy did, table by table: rows in SQLite and in PostgreSQL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub tables: Vec<(String, u64, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("migrate: cannot read {path}: {source}")]
    Source { path: String, source: rusqlite::Error },
    #[error(
        "migrate: {path} has schema version {found}, this build copies version {SQLITE_VERSION}; open it with this Parallax first (any command migrates it)"
    )]
    SourceVersion { path: String, found: i64 },
    #[error(
        "migrate: {url} already holds data ({what}); copy into an empty database, or pass --force to replace what is there"
    )]
    TargetNotEmpty { url: String, what: String },
    #[error("migrate: counts differ after the copy ({0}); nothing was committed")]
    Mismatch(String),
}

impl From<postgres::Error> for CopyError {
    fn from(source: postgres::Error) -> CopyError {
        CopyError::Store(pg("copy rows")(source))
    }
}

/// Copies the SQLite database at `sqlite` into the PostgreSQL database at
/// `url` (migrated first). Refuses a target that holds data unless
/// `replace`; then empties it first. `progress` hears each table's name
/// and row count as it is copied.
pub fn copy_sqlite_to_postgres(
    sqlite: &Path,
    url: &str,
    replace: bool,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<CopyReport, CopyError> {
    let path = sqlite.display().to_string();
    let source_error = |source| CopyError::Source { path: path.clone(), source };
    let source = Connection::open_with_flags(sqlite, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(source_error)?;
    let found: i64 = source.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(source_error)?;
    if found != SQLITE_VERSION {
        return Err(CopyError::SourceVersion { path, found });
    }
    let target = PostgresStore::open(url)?;
    let url = target.url.clone();
    let mut client = target.into_client();
    let mut tx = client.transaction()?;
    let held: Vec<String> = ["outlets", "feeds", "articles", "stories"]
        .into_iter()
        .filter_map(|table| {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {table})");
            match tx.query_one(&sql, &[]).and_then(|row| row.try_get::<_, bool>(0)) {
                Ok(true) => Some(Ok(table.to_string())),
                Ok(false) => None,
                Err(error) => Some(Err(error)),
            }
        })
        .collect::<Result<_, _>>()?;
    if !held.is_empty() {
        if !replace {
            return Err(CopyError::TargetNotEmpty { url, what: held.join(", ") });
        }
        let all: Vec<&str> = TABLES.iter().map(|(name, _)| *name).chain(["story_touches", "processes"]).collect();
        tx.batch_execute(&format!("TRUNCATE {} RESTART IDENTITY CASCADE", all.join(", ")))?;
    }

    let mut report = CopyReport::default();
    for (table, columns) in TABLES {
        if *table == "outlet_touches" {
            // The ratings copied in fired their trigger; the source's own
            // queue is the one that holds.
            tx.batch_execute("DELETE FROM outlet_touches")?;
        }
        let copied = copy_table(&source, &mut tx, table, columns).map_err(|e| match e {
            CopyError::Source { source, .. } => CopyError::Source { path: path.clone(), source },
            other => other,
        })?;
        progress(table, copied);
        let in_source: i64 =
            source.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| row.get(0)).map_err(source_error)?;
        let in_target: i64 = tx.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?.try_get(0)?;
        report.tables.push((table.to_string(), in_source as u64, in_target as u64));
    }
    let differ: Vec<String> = report
        .tables
        .iter()
        .filter(|(_, a, b)| a != b)
        .map(|(table, a, b)| format!("{table}: {a} in SQLite, {b} in PostgreSQL"))
        .collect();
    if !differ.is_empty() {
        return Err(CopyError::Mismatch(differ.join("; ")));
    }
    for table in IDENTITY_TABLES {
        tx.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))?;
    }
    tx.batch_execute(
        "INSERT INTO story_touches (consumer, story_id) SELECT c.name, s.id FROM search_consumers c, stories s
         ON CONFLICT DO NOTHING",
    )?;
    tx.commit()?;
    Ok(report)
}

/// Streams one table with COPY (binary): the fastest way in, and one
/// statement however many rows.
fn copy_table(
    source: &Connection,
    target: &mut postgres::Transaction<'_>,
    table: &str,
    columns: &[(&str, Kind)],
) -> Result<u64, CopyError> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let types: Vec<Type> = columns.iter().map(|(_, kind)| kind.pg_type()).collect();
    let list = names.join(", ");
    let source_error = |source| CopyError::Source { path: String::new(), source };
    let mut select = source.prepare(&format!("SELECT {list} FROM {table}")).map_err(source_error)?;
    let mut rows = select.query([]).map_err(source_error)?;
    let sink = target.copy_in(&format!("COPY {table} ({list}) FROM STDIN (FORMAT binary)"))?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut copied = 0u64;
    while let Some(row) = rows.next().map_err(source_error)? {
        let mut cells: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(columns.len());
        for (index, (_, kind)) in columns.iter().enumerate() {
            let cell: Box<dyn ToSql + Sync> = match kind {
                Int => Box::new(row.get::<_, Option<i64>>(index).map_err(source_error)?),
                Text => Box::new(row.get::<_, Option<String>>(index).map_err(source_error)?),
                Real => Box::new(row.get::<_, Option<f64>>(index).map_err(source_error)?),
                Bool => Box::new(row.get::<_, Option<bool>>(index).map_err(source_error)?),
                Blob => Box::new(row.get::<_, Option<Vec<u8>>>(index).map_err(source_error)?),
            };
            cells.push(cell);
        }
        let refs: Vec<&(dyn ToSql + Sync)> = cells.iter().map(|c| c.as_ref()).collect();
        writer.write(&refs)?;
        copied += 1;
    }
    writer.finish()?;
    Ok(copied)
}

/// Whether this build's SQLite schema is the one [`TABLES`] mirrors (a test
/// keeps the two in step).
pub fn mirrors_sqlite_schema() -> bool {
    SqliteStore::SCHEMA_VERSION == SQLITE_VERSION
}
