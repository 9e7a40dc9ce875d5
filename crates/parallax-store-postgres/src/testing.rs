//! For tests, here and in other crates, that need a real PostgreSQL
//! server: `PARALLAX_TEST_POSTGRES_URL` names one the tests may fill (a
//! database of their own per test); without it a test says it is skipped,
//! or fails when `PARALLAX_REQUIRE_POSTGRES=1` (as `.ci/run` sets).

use std::sync::atomic::{AtomicUsize, Ordering};

use parallax_store::{Result, StoreError};
use postgres::{Client, NoTls};

use crate::{pg, redact};

/// The test server's URL, or `None` after saying that `test` is skipped.
///
/// # Panics
///
/// When `PARALLAX_REQUIRE_POSTGRES=1` and no server is named: CI must not
/// pass without running these tests.
pub fn server_url(test: &str) -> Option<String> {
    match std::env::var("PARALLAX_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let required = std::env::var("PARALLAX_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
            assert!(!required, "{test}: PARALLAX_REQUIRE_POSTGRES=1 but PARALLAX_TEST_POSTGRES_URL is not set");
            eprintln!("SKIPPED {test}: no PostgreSQL (set PARALLAX_TEST_POSTGRES_URL=postgres://… to run it)");
            None
        }
    }
}

static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// A new, empty database on `server` for `test` (an earlier one of the same
/// name is dropped first); returns its URL.
pub fn fresh_database(server: &str, test: &str) -> Result<String> {
    let n = DATABASES.fetch_add(1, Ordering::Relaxed);
    let tag: String = test.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(30).collect();
    let name = format!("parallax_{tag}_{}_{n}", std::process::id());
    let mut admin = Client::connect(server, NoTls).map_err(|source| StoreError::Connect {
        url: redact(server),
        source: Box::new(crate::Described::from(source)),
    })?;
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).map_err(pg("drop a test database"))?;
    admin.batch_execute(&format!("CREATE DATABASE {name}")).map_err(pg("create a test database"))?;
    Ok(database_url(server, &name))
}

/// `server` with its database name replaced by `name`.
fn database_url(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}
