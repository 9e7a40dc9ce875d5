//! `parallax serve`: the web server with the background refresh, or the
//! offline demo.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use clap::Args;
use parallax_ingest::{FeedSupply, NetworkSupply, Stages};
use parallax_server::server::StoreOpener;
use parallax_server::{ServeOptions, Server};
use parallax_store::Store;
use parallax_store_postgres::PostgresStore;

use crate::roles::{Identity, Role, Worker};

/// The demo keeps its own database beside the real one and rebuilds it at
/// every start, so its dates are always fresh and real data is never mixed
/// with sample data.
const DEMO_DIR: &str = "demo";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8080, only this
    /// machine]. Use 0.0.0.0:8080 to accept other machines.
    /// Config key: server.listen.
    #[arg(long, env = "PARALLAX_LISTEN", value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Register and refresh only the feeds of this OPML file (repeatable).
    /// Without it, every registered feed is refreshed (the bundled outlet
    /// list is registered first when none is).
    #[arg(long, value_name = "FILE")]
    opml: Vec<PathBuf>,
    /// Allow feeds on loopback, private, link-local and other internal
    /// addresses (for tests and intranets). Config key: fetch.allow_private_networks.
    #[arg(long)]
    allow_private_networks: bool,
    /// Show the bundled sample data without any network: invented outlets,
    /// ratings and stories from demo/ in the repository, labelled as sample
    /// data on every page. Uses DIR/demo, rebuilt at every start.
    #[arg(long)]
    demo: bool,
    /// Serve what is stored without fetching any feed.
    #[arg(long)]
    no_refresh: bool,
    /// Seconds between looks for due feeds [default: 30]. A feed is due 15
    /// minutes after its last fetch, or when its server's hint says, within
    /// server.refresh_min_interval_secs and server.refresh_max_interval_secs.
    /// Config key: server.refresh_tick_secs.
    #[arg(long, env = "PARALLAX_REFRESH_TICK", value_name = "SECS")]
    refresh_tick: Option<u64>,
    /// Database connections answering requests in parallel [default: 8].
    /// Config key: server.read_connections.
    #[arg(long, env = "PARALLAX_READ_CONNECTIONS", value_name = "N")]
    read_connections: Option<usize>,
    /// What this process does [default: all]. Beside `all` (everything in
    /// one process, the only role on SQLite), processes sharing one
    /// PostgreSQL database (--database) split the work: any number of
    /// `ingest` (fetch due feeds, leased so none is fetched twice at
    /// once), `cluster` (place articles into stories; one holds the lock,
    /// others stand by) and `web` (pages and API, each with its own search
    /// index in DIR/search). Config keys: roles.lease_secs (60),
    /// roles.heartbeat_secs (5), roles.takeover_secs (10),
    /// roles.feeds_per_round (500).
    #[arg(long, value_enum, default_value = "all", env = "PARALLAX_ROLE")]
    role: Role,
}

pub fn serve(data_dir: &Path, config_path: Option<&Path>, args: ServeArgs) -> Result<()> {
    let (mut config, mut server) = crate::data_dir::load_config_with_server(data_dir, config_path)?;
    config.fetch.allow_private_networks |= args.allow_private_networks;
    if let Some(listen) = args.listen {
        server.listen = listen;
    }
    if let Some(tick) = args.refresh_tick {
        server.refresh_tick_secs = tick;
    }
    if let Some(n) = args.read_connections {
        server.read_connections = n;
    }
    let dir = if args.demo { prepare_demo_dir(data_dir)? } else { data_dir.to_path_buf() };
    std::fs::create_dir_all(&dir).with_context(|| {
        format!("cannot create the data directory {}; choose another with --data-dir", dir.display())
    })?;
    let url = if args.demo { None } else { crate::data_dir::database_url(data_dir)? };
    if args.role != Role::All && url.is_none() {
        bail!(
            "--role {} needs a database several processes share: pass --database postgres://… (SQLite serves one process: --role all)",
            args.role.as_str()
        );
    }
    let selected = match args.role {
        _ if args.demo => None,
        Role::All | Role::Ingest => register_feeds(&dir, &args.opml)?,
        Role::Web | Role::Cluster => None,
    };

    let embedder = crate::embedder::load(&config.embed, None)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let roles = crate::data_dir::load_roles_config(data_dir)?;
    let me = Identity::new(args.role);
    let stop = Arc::new(AtomicBool::new(false));
    if let Some(url) = url.as_ref().filter(|_| matches!(args.role, Role::Ingest | Role::Cluster)) {
        let heartbeat =
            crate::roles::start_heartbeat(url.clone(), me.clone(), roles.clone(), stop.clone(), Box::new(|_| {}))?;
        let stopper = stop.clone();
        runtime.spawn(async move {
            shutdown_signal().await;
            stopper.store(true, Ordering::Relaxed);
        });
        let supply: Arc<dyn FeedSupply> = Arc::new(NetworkSupply::from_config(&config.fetch)?);
        eprintln!(
            "Parallax {} process {} on {} — Ctrl-C to stop.",
            args.role.as_str(),
            me.id,
            parallax_store_postgres::redact(url)
        );
        let worker =
            Worker { url: url.clone(), me, config, server, roles, selected, supply, embedder, stop: stop.clone() };
        let result = worker.run(runtime.handle());
        stop.store(true, Ordering::Relaxed);
        let _ = heartbeat.join();
        result?;
        eprintln!("Stopped.");
        return Ok(());
    }
    let (open_store, stages) = match &url {
        None => (None, Stages::ALL),
        Some(url) => web_store(url, &dir, args.role)?,
    };
    runtime.block_on(async {
        let options = ServeOptions {
            data_dir: dir.clone(),
            config,
            server,
            selected_feeds: selected,
            demo: args.demo,
            refresh: !args.no_refresh,
            embedder,
            supply: None,
            open_store,
            stages,
        };
        let server = Server::start(options).await?;
        let addr = server.local_addr()?;
        if let Some(url) = &url {
            let state = server.state();
            let seen = Box::new(move |processes| state.set_scheduler_status(|s| s.processes = processes));
            let url = url.clone();
            let (me, roles, stop) = (me.clone(), roles.clone(), stop.clone());
            tokio::task::spawn_blocking(move || crate::roles::start_heartbeat(url, me, roles, stop, seen))
                .await
                .context("heartbeat")??;
        }
        if args.demo {
            eprintln!("Parallax demo (sample data) on http://{addr}/ — Ctrl-C to stop.");
        } else {
            eprintln!("Parallax on http://{addr}/ (data in {}) — Ctrl-C to stop.", dir.display());
        }
        server.run(shutdown_signal()).await?;
        anyhow::Ok(())
    })?;
    stop.store(true, Ordering::Relaxed);
    eprintln!("Stopped; the database is closed.");
    Ok(())
}

/// Registers the feeds to refresh, as `ingest` does.
fn register_feeds(dir: &Path, opml: &[PathBuf]) -> Result<Option<Vec<String>>> {
    let mut store = crate::data_dir::open_store(dir)?;
    crate::commands::register_feeds(store.as_mut(), opml)
}

/// How a `serve` process on PostgreSQL opens its connections, and which
/// stages it runs: all of them alone (`--role all`), only its search
/// index's for `--role web`, which drains a search queue of its own.
fn web_store(url: &str, dir: &Path, role: Role) -> Result<(Option<StoreOpener>, Stages)> {
    let (consumer, stages) = match role {
        Role::Web => {
            let path = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
            (format!("web:{}:{}", host.trim(), path.display()), Stages::NONE)
        }
        _ => ("default".to_string(), Stages::ALL),
    };
    let fresh = !dir.join(parallax_server::server::SEARCH_DIR).exists();
    drop(PostgresStore::open(url)?.with_search_consumer(&consumer, fresh)?);
    let url = url.to_string();
    let opener: StoreOpener = Arc::new(move || {
        let store = PostgresStore::open(&url)?.with_search_consumer(&consumer, false)?;
        Ok(Box::new(store) as Box<dyn Store>)
    });
    Ok((Some(opener), stages))
}

/// Empties DIR/demo of what an earlier demo left (only the files the demo
/// writes), so the sample stories are replayed with current dates.
fn prepare_demo_dir(data_dir: &Path) -> Result<PathBuf> {
    let dir = data_dir.join(DEMO_DIR);
    let database = parallax_server::server::DATABASE_FILE;
    for file in [database.to_string(), format!("{database}-wal"), format!("{database}-shm")] {
        let path = dir.join(file);
        if path.exists() {
            std::fs::remove_file(&path).with_context(|| format!("cannot reset the demo: {}", path.display()))?;
        }
    }
    let search = dir.join(parallax_server::server::SEARCH_DIR);
    if search.exists() {
        std::fs::remove_dir_all(&search).with_context(|| format!("cannot reset the demo: {}", search.display()))?;
    }
    Ok(dir)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
