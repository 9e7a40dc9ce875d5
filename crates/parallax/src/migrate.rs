//! `parallax migrate --to postgres://…`: the data directory's SQLite
//! database copied into PostgreSQL (`parallax_store_postgres::copy`).

use std::path::Path;

use anyhow::{Result, bail};
use clap::Args;
use parallax_store::SqliteStore;
use parallax_store_postgres::{copy, is_postgres_url, redact};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The PostgreSQL database to fill
    /// (postgres://user:password@host:port/database); created tables and
    /// all, it must exist and be empty.
    #[arg(long, value_name = "URL")]
    to: String,
    /// Replace whatever the target database holds (its Parallax tables are
    /// emptied first, in the same transaction as the copy).
    #[arg(long)]
    force: bool,
}

pub fn run(data_dir: &Path, args: &MigrateArgs) -> Result<()> {
    if !is_postgres_url(&args.to) {
        bail!("--to {} is not a PostgreSQL URL (postgres://user:password@host:port/database)", redact(&args.to));
    }
    let database = data_dir.join(crate::data_dir::DATABASE_FILE);
    if !database.is_file() {
        bail!("no Parallax data in {} (no {} there); check --data-dir", data_dir.display(), database.display());
    }
    // Brings an older data directory to this build's schema first.
    drop(SqliteStore::open(&database)?);
    eprintln!("copying {} to {}", database.display(), redact(&args.to));
    let report = copy::copy_sqlite_to_postgres(&database, &args.to, args.force, &mut |table, rows| {
        eprintln!("  {table}: {rows} rows");
    })?;
    for (table, sqlite, postgres) in &report.tables {
        println!("{table:<18} {sqlite:>10} in SQLite  {postgres:>10} in PostgreSQL");
    }
    eprintln!("done; counts match. Use it with --database {} (or [database] url in parallax.toml).", redact(&args.to));
    Ok(())
}
