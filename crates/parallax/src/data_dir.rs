//! The data directory: where the database and the configuration file live.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use parallax_ingest::Config;
use parallax_server::ServerConfig;
use parallax_store::{SqliteStore, Store};
use parallax_store_postgres::{PostgresStore, is_postgres_url};

pub const DATABASE_FILE: &str = "parallax.sqlite";
const CONFIG_FILE: &str = "parallax.toml";

/// `--database` (or `PARALLAX_DATABASE_URL`) and `--config`, as `main`
/// parsed them: every command opens its store through them.
static CHOICE: OnceLock<(Option<String>, Option<PathBuf>)> = OnceLock::new();

/// Remembers the command line's database and configuration file.
pub fn choose_database(url: Option<String>, config: Option<PathBuf>) {
    let _ = CHOICE.set((url, config));
}

/// The PostgreSQL URL to use, if any: `--database`, else `[database] url`
/// in the configuration file; `None` means SQLite in the data directory.
pub fn database_url(dir: &Path) -> Result<Option<String>> {
    let (flag, config) = CHOICE.get().cloned().unwrap_or_default();
    let url = match flag.filter(|url| !url.is_empty()) {
        Some(url) => Some(url),
        None => load_database_config(dir, config.as_deref())?.url.filter(|url| !url.is_empty()),
    };
    match url {
        Some(url) if !is_postgres_url(&url) => bail!(
            "database URL {} is not a PostgreSQL URL (postgres://user:password@host:port/database); leave it unset for SQLite in the data directory",
            parallax_store_postgres::redact(&url)
        ),
        other => Ok(other),
    }
}

/// Opens (creating if needed) the store: PostgreSQL when a URL is chosen,
/// else SQLite in `dir`.
pub fn open_store(dir: &Path) -> Result<Box<dyn Store>> {
    if let Some(url) = database_url(dir)? {
        return Ok(Box::new(PostgresStore::open(&url)?));
    }
    std::fs::create_dir_all(dir).with_context(|| {
        format!("cannot create the data directory {}; choose another with --data-dir", dir.display())
    })?;
    Ok(Box::new(SqliteStore::open(&dir.join(DATABASE_FILE))?))
}

/// Opens the store, which must exist: commands that only read refuse a
/// mistyped `--data-dir` rather than create an empty database.
pub fn open_existing_store(dir: &Path) -> Result<Box<dyn Store>> {
    if let Some(url) = database_url(dir)? {
        return Ok(Box::new(PostgresStore::open(&url)?));
    }
    let database = dir.join(DATABASE_FILE);
    if !database.is_file() {
        anyhow::bail!(
            "no Parallax data in {} (no {DATABASE_FILE} there); check --data-dir or PARALLAX_DATA_DIR, or fill it with `parallax ingest`",
            dir.display()
        );
    }
    Ok(Box::new(SqliteStore::open(&database)?))
}

/// The `[database]` table of the configuration file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `postgres://…`: use PostgreSQL there instead of SQLite in the data
    /// directory.
    pub url: Option<String>,
}

/// The `[roles]` table of the configuration file (see `serve --role`).
pub fn load_roles_config(dir: &Path) -> Result<crate::roles::RolesConfig> {
    let config = CHOICE.get().and_then(|(_, config)| config.clone());
    let Some((path, mut table)) = read_config_table(dir, config.as_deref())? else { return Ok(Default::default()) };
    match table.remove("roles") {
        Some(value) => value.try_into().with_context(|| format!("config: [roles] in {} is not valid", path.display())),
        None => Ok(Default::default()),
    }
}

fn load_database_config(dir: &Path, explicit: Option<&Path>) -> Result<DatabaseConfig> {
    let Some((path, mut table)) = read_config_table(dir, explicit)? else { return Ok(DatabaseConfig::default()) };
    match table.remove("database") {
        Some(value) => {
            value.try_into().with_context(|| format!("config: [database] in {} is not valid", path.display()))
        }
        None => Ok(DatabaseConfig::default()),
    }
}

/// The configuration file as a table, with its path; `None` without one.
fn read_config_table(dir: &Path, explicit: Option<&Path>) -> Result<Option<(PathBuf, toml::Table)>> {
    let path: PathBuf = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let default = dir.join(CONFIG_FILE);
            if !default.exists() {
                return Ok(None);
            }
            default
        }
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("config: cannot read {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("config: {} is not valid TOML", path.display()))?;
    Ok(Some((path, table)))
}

/// Reads the pipeline configuration; see [`load_config_with_server`].
pub fn load_config(dir: &Path, explicit: Option<&Path>) -> Result<Config> {
    load_config_with_server(dir, explicit).map(|(config, _)| config)
}

/// Reads the configuration file: `explicit` if given (it must exist), else
/// `DIR/parallax.toml` if it exists, else the defaults. Its `[server]` table
/// configures `parallax serve`; the rest configures the pipeline.
pub fn load_config_with_server(dir: &Path, explicit: Option<&Path>) -> Result<(Config, ServerConfig)> {
    let Some((path, mut table)) = read_config_table(dir, explicit)? else {
        return Ok((Config::default(), ServerConfig::default()));
    };
    // Read on their own by `database_url` and `load_roles_config`.
    table.remove("database");
    table.remove("roles");
    let server = match table.remove("server") {
        Some(value) => {
            value.try_into().with_context(|| format!("config: [server] in {} is not valid", path.display()))?
        }
        None => ServerConfig::default(),
    };
    let config =
        toml::Value::Table(table).try_into().with_context(|| format!("config: {} is not valid", path.display()))?;
    Ok((config, server))
}
