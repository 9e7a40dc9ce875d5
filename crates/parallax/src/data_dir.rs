//! The data directory: where the database and the configuration file live.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use parallax_ingest::Config;
use parallax_server::ServerConfig;
use parallax_store::SqliteStore;

const DATABASE_FILE: &str = "parallax.sqlite";
const CONFIG_FILE: &str = "parallax.toml";

/// Opens (creating if needed) the store in `dir`.
pub fn open_store(dir: &Path) -> Result<SqliteStore> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!("cannot create the data directory {}; choose another with --data-dir", dir.display())
    })?;
    Ok(SqliteStore::open(&dir.join(DATABASE_FILE))?)
}

/// Opens the store in `dir`, which must exist: commands that only read
/// refuse a mistyped `--data-dir` rather than create an empty database.
pub fn open_existing_store(dir: &Path) -> Result<SqliteStore> {
    let database = dir.join(DATABASE_FILE);
    if !database.is_file() {
        anyhow::bail!(
            "no Parallax data in {} (no {DATABASE_FILE} there); check --data-dir or PARALLAX_DATA_DIR, or fill it with `parallax ingest`",
            dir.display()
        );
    }
    Ok(SqliteStore::open(&database)?)
}

/// Reads the pipeline configuration; see [`load_config_with_server`].
pub fn load_config(dir: &Path, explicit: Option<&Path>) -> Result<Config> {
    load_config_with_server(dir, explicit).map(|(config, _)| config)
}

/// Reads the configuration file: `explicit` if given (it must exist), else
/// `DIR/parallax.toml` if it exists, else the defaults. Its `[server]` table
/// configures `parallax serve`; the rest configures the pipeline.
pub fn load_config_with_server(dir: &Path, explicit: Option<&Path>) -> Result<(Config, ServerConfig)> {
    let path: PathBuf = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let default = dir.join(CONFIG_FILE);
            if !default.exists() {
                return Ok((Config::default(), ServerConfig::default()));
            }
            default
        }
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("config: cannot read {}", path.display()))?;
    let mut table: toml::Table =
        toml::from_str(&text).with_context(|| format!("config: {} is not valid TOML", path.display()))?;
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
