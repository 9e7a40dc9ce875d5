//! ARCHITECTURE.md's invariants, checked mechanically (as rust-analyzer's
//! `tidy` does): which crates may open sockets, touch SQLite, know HTTP
//! routes, or stay pure. Read from each crate's Cargo.toml and sources, so
//! a change that breaks an invariant fails here, not in review.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A crate of the workspace: its name, its normal and dev dependencies,
/// and its Rust sources outside `tests/`, `benches/` and `examples/`.
struct Crate {
    name: String,
    dependencies: Vec<String>,
    sources: Vec<(PathBuf, String)>,
}

fn workspace() -> Vec<Crate> {
    let crates_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut crates = Vec::new();
    for entry in std::fs::read_dir(&crates_dir).expect("read crates/") {
        let dir = entry.expect("a crate folder").path();
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else { continue };
        let manifest: toml::Table = toml::from_str(&manifest).expect("a valid Cargo.toml");
        let name = manifest["package"]["name"].as_str().expect("a package name").to_string();
        let dependencies = manifest
            .get("dependencies")
            .and_then(toml::Value::as_table)
            .map(|table| table.keys().cloned().collect())
            .unwrap_or_default();
        let mut sources = Vec::new();
        collect_sources(&dir.join("src"), &mut sources);
        crates.push(Crate { name, dependencies, sources });
    }
    crates.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(crates.len() >= 12, "found only {} crates under {}", crates.len(), crates_dir.display());
    crates
}

fn collect_sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.expect("a source entry").path();
        if path.is_dir() {
            collect_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read a source file");
            out.push((path, text));
        }
    }
}

/// The crates that depend on `dependency` (normal dependencies only).
fn dependents<'a>(crates: &'a [Crate], dependency: &str) -> Vec<&'a str> {
    crates.iter().filter(|c| c.dependencies.iter().any(|d| d == dependency)).map(|c| c.name.as_str()).collect()
}

/// Crate name to the source files that contain any of `needles`.
fn uses<'a>(crates: &'a [Crate], needles: &[&str]) -> BTreeMap<&'a str, Vec<String>> {
    let mut found: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for krate in crates {
        for (path, text) in &krate.sources {
            if needles.iter().any(|needle| text.contains(needle)) {
                found.entry(&krate.name).or_default().push(path.display().to_string());
            }
        }
    }
    found
}

fn check_only(what: &str, found: &[&str], allowed: &[&str]) {
    let intruders: Vec<&&str> = found.iter().filter(|name| !allowed.contains(name)).collect();
    assert!(intruders.is_empty(), "ARCHITECTURE.md: only {allowed:?} may {what}; also: {intruders:?}");
}

#[test]
fn only_parallax_fetch_opens_client_sockets() {
    let crates = workspace();
    check_only("depend on reqwest", &dependents(&crates, "reqwest"), &["parallax-fetch"]);
    let sockets = uses(&crates, &["TcpStream", "UdpSocket", "TcpListener", "tokio::net"]);
    let names: Vec<&str> = sockets.keys().copied().collect();
    // The server listens and the fixture server serves; neither connects out.
    check_only("use sockets", &names, &["parallax-fetch", "parallax-server", "parallax-testkit"]);
}

#[test]
fn only_the_store_crates_touch_a_database() {
    let crates = workspace();
    let stores = ["parallax-store", "parallax-store-postgres"];
    // The PostgreSQL store reads SQLite too: `parallax migrate` copies it.
    check_only("depend on rusqlite", &dependents(&crates, "rusqlite"), &stores);
    check_only("depend on postgres", &dependents(&crates, "postgres"), &["parallax-store-postgres"]);
    let sql = uses(&crates, &["rusqlite::", "SELECT ", "INSERT INTO", "UPDATE "]);
    let names: Vec<&str> = sql.keys().copied().filter(|name| !stores.contains(name)).collect();
    check_only("write SQL", &names, &[]);
}

#[test]
fn only_parallax_server_knows_routes() {
    let crates = workspace();
    check_only("depend on axum", &dependents(&crates, "axum"), &["parallax-server"]);
    let routes = uses(&crates, &["axum::", ".route(\""]);
    let names: Vec<&str> = routes.keys().copied().collect();
    check_only("know HTTP routes", &names, &["parallax-server"]);
}

#[test]
fn the_engines_stay_pure() {
    let crates = workspace();
    let pure = [
        "parallax-core",
        "parallax-feed",
        "parallax-outlets",
        "parallax-cluster",
        "parallax-summary",
        "parallax-coverage",
        "parallax-extract",
    ];
    for krate in crates.iter().filter(|c| pure.contains(&c.name.as_str())) {
        for io in ["tokio", "reqwest", "rusqlite", "axum", "parallax-store", "parallax-fetch", "parallax-ingest"] {
            assert!(
                !krate.dependencies.iter().any(|d| d == io),
                "ARCHITECTURE.md: {} is pure, yet depends on {io}",
                krate.name
            );
        }
        for (path, text) in &krate.sources {
            // Address types (`std::net::IpAddr`) are plain data; sockets
            // and name lookups are I/O.
            let io = [
                "std::fs::",
                "TcpStream",
                "TcpListener",
                "UdpSocket",
                "ToSocketAddrs",
                "Utc::now()",
                "SystemTime::now()",
            ];
            for needle in io {
                assert!(
                    !text.contains(needle),
                    "ARCHITECTURE.md: {} is pure (no I/O, no clock), yet {} uses {needle}",
                    krate.name,
                    path.display()
                );
            }
        }
    }
}

#[test]
fn the_testkit_serves_tests_and_benchmarks_only() {
    let crates = workspace();
    // The binary's `parallax bench ingest` serves generated feeds with it.
    check_only(
        "depend on parallax-testkit outside dev-dependencies",
        &dependents(&crates, "parallax-testkit"),
        &["parallax"],
    );
    let embed = dependents(&crates, "parallax-embed");
    check_only("depend on parallax-embed (behind the `embeddings` feature)", &embed, &["parallax"]);
}

#[test]
fn only_the_ingest_round_orders_the_stages() {
    // The CLI, the scheduler and the demo run `run_round`; none of them
    // calls a stage on its own.
    let crates = workspace();
    let stages =
        ["fetch_full_texts(", "cluster_pending(", "refresh_views(", "refresh_views_reporting(", "fetch_and_store("];
    let callers = uses(&crates, &stages);
    let names: Vec<&str> = callers.keys().copied().collect();
    check_only("call a round's stages", &names, &["parallax-ingest"]);
}
