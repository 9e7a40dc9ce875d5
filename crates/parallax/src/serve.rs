//! `parallax serve`: the web server with the background refresh, or the
//! offline demo.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use parallax_server::{ServeOptions, Server};
use parallax_store::SqliteStore;

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
    let selected = if args.demo { None } else { register_feeds(&dir, &args.opml)? };

    let embedder = crate::embedder::load(&config.embed, None)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
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
        };
        let server = Server::start(options).await?;
        let addr = server.local_addr()?;
        if args.demo {
            eprintln!("Parallax demo (sample data) on http://{addr}/ — Ctrl-C to stop.");
        } else {
            eprintln!("Parallax on http://{addr}/ (data in {}) — Ctrl-C to stop.", dir.display());
        }
        server.run(shutdown_signal()).await?;
        anyhow::Ok(())
    })?;
    eprintln!("Stopped; the database is closed.");
    Ok(())
}

/// Registers the feeds to refresh, as `ingest` does.
fn register_feeds(dir: &Path, opml: &[PathBuf]) -> Result<Option<Vec<String>>> {
    let mut store = SqliteStore::open(&dir.join(parallax_server::server::DATABASE_FILE))?;
    crate::commands::register_feeds(&mut store, opml)
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
