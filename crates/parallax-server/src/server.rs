//! Putting it together: open the database and the search index, bind,
//! serve, refresh in the background, and stop cleanly.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parallax_ingest::stories::TextEmbedder;
use parallax_ingest::{Config, FeedSupply, NetworkSupply, Stages};
use parallax_store::{SqliteStore, Store, StoreError};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::{AppState, router};
use crate::config::ServerConfig;
use crate::connections::ConnectionLimits;
use crate::demo::DemoError;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::pool::ReadPool;
use crate::scheduler::Scheduler;
use crate::search::{SearchError, SearchIndex};

pub const DATABASE_FILE: &str = "parallax.sqlite";
pub const SEARCH_DIR: &str = "search";

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Search(#[from] SearchError),
    #[error("{0}")]
    Demo(#[from] DemoError),
    #[error("{0}")]
    App(#[from] AppError),
    #[error("server: cannot listen on {addr}: {source}; choose another address with --listen")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    #[error("server: {0}")]
    Ingest(#[from] parallax_ingest::IngestError),
}

/// Opens one connection to a database other than the data directory's
/// SQLite file (PostgreSQL, chosen by the binary).
pub type StoreOpener = Arc<dyn Fn() -> Result<Box<dyn Store>, StoreError> + Send + Sync>;

/// How to run.
pub struct ServeOptions {
    /// Holds `parallax.sqlite` and the search index; must exist.
    pub data_dir: PathBuf,
    pub config: Config,
    pub server: ServerConfig,
    /// Refresh only these feed URLs (`--opml`); all feeds when `None`.
    pub selected_feeds: Option<Vec<String>>,
    /// Serve the bundled sample data, labelled as such on every page.
    pub demo: bool,
    /// Fetch feeds in the background. Off: serve what is stored.
    pub refresh: bool,
    /// Dense embeddings for clustering (the binary's `embeddings` feature).
    pub embedder: Option<Arc<dyn TextEmbedder>>,
    /// Where feed bytes come from; `None`: the network (or, with `demo`,
    /// the sample files). Tests hand in fixtures.
    pub supply: Option<Arc<dyn FeedSupply>>,
    /// The database; `None`: `parallax.sqlite` in the data directory.
    pub open_store: Option<StoreOpener>,
    /// The round's stages this process runs (`Stages::ALL` alone on one
    /// machine; `Stages::NONE` for a web process beside ingest and
    /// clustering processes: it only keeps its search index current).
    pub stages: Stages,
}

/// Opens a connection: the caller's opener, else SQLite in the data
/// directory. On a blocking thread: a database client may block on a
/// runtime of its own.
async fn open_store(opener: Option<&StoreOpener>, database: &Path) -> Result<Box<dyn Store>, ServerError> {
    match opener {
        Some(open) => {
            let open = open.clone();
            let opened = tokio::task::spawn_blocking(move || open()).await;
            Ok(opened.map_err(|e| std::io::Error::other(e.to_string()))??)
        }
        None => Ok(Box::new(SqliteStore::open(database)?)),
    }
}

/// A bound server, not yet answering.
pub struct Server {
    listener: TcpListener,
    state: Arc<AppState>,
    scheduler: Option<Scheduler>,
}

impl Server {
    /// Opens everything and binds the address; fails early, before any
    /// background work starts, on a busy port or an unusable database.
    pub async fn start(options: ServeOptions) -> Result<Server, ServerError> {
        let database = options.data_dir.join(DATABASE_FILE);
        let opener = options.open_store.as_ref();
        let mut writer = open_store(opener, &database).await?;
        let mut selected = options.selected_feeds;
        let mut config = options.config;
        let supply: Arc<dyn FeedSupply> = match options.supply {
            Some(supply) => supply,
            None if options.demo => {
                selected = Some(crate::demo::seed(writer.as_mut())?);
                // The sample articles' pages do not exist.
                config.fulltext.enabled = false;
                Arc::new(crate::demo::supply(chrono::Utc::now(), &config.clean)?)
            }
            None => Arc::new(NetworkSupply::from_config(&config.fetch)?),
        };
        let mut readers: Vec<Box<dyn Store>> = Vec::new();
        for _ in 0..options.server.read_connections.max(1) {
            readers.push(open_store(opener, &database).await?);
        }
        let search = Arc::new(SearchIndex::open(
            &options.data_dir.join(SEARCH_DIR),
            options.server.search_writer_bytes,
            options.server.search_compact_deleted_share,
        )?);
        let listen = options.server.listen;
        let state = Arc::new(
            AppState::new(ReadPool::new(readers), search, Arc::new(Metrics::default()), options.server, options.demo)
                .with_pipeline(&config)
                .with_readers(options.data_dir.join("readers")),
        );
        state.load().await?;
        let listener = TcpListener::bind(listen).await.map_err(|source| ServerError::Bind { addr: listen, source })?;
        let scheduler = if options.refresh {
            let scheduler = Scheduler::new(writer, config, selected, supply, state.clone(), options.embedder);
            Some(scheduler.with_stages(options.stages))
        } else {
            // Nothing will write: bring the search index up to date once.
            let state = state.clone();
            tokio::task::spawn_blocking(move || -> Result<(), ServerError> {
                // Pages do not need the index: a failed catch-up is said,
                // and the server serves them (a scheduled server retries at
                // every tick; this one has no ticks).
                if let Err(error) = state.search.catch_up(writer.as_mut(), state.config.search_batch) {
                    tracing::error!("search index not brought up to date, search may miss stories: {error}");
                }
                state.publish(&writer.outlets()?, writer.counts()?, true);
                state.search.close()?;
                Ok(())
            })
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
            None
        };
        Ok(Server { listener, state, scheduler })
    }

    /// The state the pages read, for a caller that adds to it (the
    /// process list of a deployment on several machines).
    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` completes, then lets requests in flight
    /// finish, lets the scheduler finish its round, and closes the
    /// database.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServerError> {
        let (stop, stopped) = watch::channel(false);
        let scheduler = self.scheduler.map(|scheduler| tokio::spawn(scheduler.run(stopped.clone())));
        let app = router(self.state.clone());
        let limits = ConnectionLimits::from_config(&self.state.config);
        tracing::info!(max_connections = limits.max_connections, "accepting connections");
        let serving =
            tokio::spawn(crate::connections::serve(self.listener, app, limits, self.state.metrics.clone(), stopped));
        shutdown.await;
        tracing::info!("shutting down: finishing requests and the current refresh round");
        let _ = stop.send(true);
        if let Err(error) = serving.await {
            tracing::error!("the server's accept loop crashed: {error}");
        }
        if let Some(scheduler) = scheduler
            && let Err(error) = scheduler.await
        {
            tracing::error!("scheduler crashed: {error}");
        }
        self.state.pool.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}
