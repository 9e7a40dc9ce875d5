//! `parallax serve --role ingest|cluster` (and the heartbeat of every
//! process on PostgreSQL): one deployment over several processes and
//! machines sharing one database. Each role runs the round's own stages
//! (`parallax_ingest::run_stages`); the coordination is PostgreSQL's
//! (`parallax_store_postgres::coordination`): ingest workers lease due
//! feeds, one clustering process holds an advisory lock while standbys
//! wait for it, and every process beats its heart into `processes`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use parallax_ingest::fulltext::RobotsCache;
use parallax_ingest::stories::TextEmbedder;
use parallax_ingest::{Config, FeedSupply, IngestOptions, NoProgress, Round, Stages, run_stages};
use parallax_server::ServerConfig;
use parallax_server::app::ProcessLine;
use parallax_store::Store;
use parallax_store_postgres::{ClusterLock, PostgresStore, ProcessRecord};

/// Which part of the work a `serve` process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Everything in one process: fetch, place, serve (the default; the
    /// only role on SQLite).
    All,
    /// Pages and the API from the database, with a search index of its own.
    Web,
    /// Fetch due feeds (leased, so several ingest processes share them).
    Ingest,
    /// Place articles into stories and refresh views: one holder of the
    /// clustering lock at a time, the others stand by.
    Cluster,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Web => "web",
            Role::Ingest => "ingest",
            Role::Cluster => "cluster",
        }
    }
}

/// The `[roles]` table of the configuration file.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RolesConfig {
    /// Seconds a feed lease lasts without renewal: a killed ingest
    /// worker's feeds go to another after this long.
    pub lease_secs: u64,
    /// Seconds between heartbeats (which also renew the leases); a process
    /// unseen for three of them is listed as gone.
    pub heartbeat_secs: u64,
    /// Seconds between a standby clustering process's tries for the lock:
    /// how long a dead holder goes unreplaced at most.
    pub takeover_secs: u64,
    /// Feeds one ingest process leases per round.
    pub feeds_per_round: usize,
}

impl Default for RolesConfig {
    fn default() -> RolesConfig {
        // A round of a few hundred feeds takes well under a minute here;
        // the heartbeat renews leases every 5 s, so 60 s only matters for a
        // worker that died.
        RolesConfig { lease_secs: 60, heartbeat_secs: 5, takeover_secs: 10, feeds_per_round: 500 }
    }
}

/// What one process is, for its heartbeat.
pub struct Identity {
    pub id: String,
    pub role: Role,
    pub started: DateTime<Utc>,
    /// What it is doing now, in a few words.
    pub doing: Mutex<String>,
}

impl Identity {
    pub fn new(role: Role) -> Arc<Identity> {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default().trim().to_string();
        Arc::new(Identity {
            id: format!("{}-{}-{}", role.as_str(), if host.is_empty() { "host" } else { &host }, std::process::id()),
            role,
            started: Utc::now(),
            doing: Mutex::new("starting".into()),
        })
    }

    fn set(&self, doing: impl Into<String>) {
        *self.doing.lock().unwrap_or_else(PoisonError::into_inner) = doing.into();
    }

    fn doing(&self) -> String {
        self.doing.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// A process's heartbeat on a connection of its own: every
/// `heartbeat_secs` it says it is alive, renews its feed leases, and hands
/// the live processes to `seen` (the web server's status page).
pub fn start_heartbeat(
    url: String,
    me: Arc<Identity>,
    config: RolesConfig,
    stop: Arc<AtomicBool>,
    seen: Box<dyn Fn(Vec<ProcessLine>) + Send>,
) -> Result<std::thread::JoinHandle<()>> {
    let store = PostgresStore::open(&url)?;
    let beat = Duration::from_secs(config.heartbeat_secs.max(1));
    let lease = i64::try_from(config.lease_secs).unwrap_or(i64::MAX);
    let gone_after = i64::try_from(config.heartbeat_secs.max(1) * 3).unwrap_or(i64::MAX);
    let thread = std::thread::Builder::new().name("heartbeat".into()).spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let beat_once = || -> parallax_store::Result<Vec<ProcessRecord>> {
                store.heartbeat(&me.id, me.role.as_str(), me.started, &me.doing())?;
                if me.role == Role::Ingest {
                    store.renew_leases(&me.id, lease)?;
                }
                store.live_processes(gone_after)
            };
            match beat_once() {
                Ok(processes) => seen(processes.into_iter().map(process_line).collect()),
                Err(error) => tracing::warn!("heartbeat: {error}"),
            }
            sleep_unless(&stop, beat);
        }
        if let Err(error) = store.forget_process(&me.id) {
            tracing::warn!("heartbeat: {error}");
        }
    })?;
    Ok(thread)
}

fn process_line(p: ProcessRecord) -> ProcessLine {
    ProcessLine {
        id: p.id,
        role: p.role,
        host: p.host,
        pid: p.pid,
        doing: p.doing,
        started: p.started,
        last_seen: p.last_seen,
    }
}

/// Sleeps `total`, waking early when `stop` turns true.
fn sleep_unless(stop: &AtomicBool, total: Duration) {
    let step = Duration::from_millis(200);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        slept += step;
    }
}

/// What an ingest or cluster process works with.
pub struct Worker {
    pub url: String,
    pub me: Arc<Identity>,
    pub config: Config,
    pub server: ServerConfig,
    pub roles: RolesConfig,
    pub selected: Option<Vec<String>>,
    pub supply: Arc<dyn FeedSupply>,
    pub embedder: Option<Arc<dyn TextEmbedder>>,
    pub stop: Arc<AtomicBool>,
}

impl Worker {
    /// Rounds of this worker's role until `stop`.
    pub fn run(self, runtime: &tokio::runtime::Handle) -> Result<()> {
        let mut store = PostgresStore::open(&self.url)?;
        let robots = RobotsCache::default();
        let result = match self.me.role {
            Role::Ingest => self.ingest(&mut store, &robots, runtime),
            Role::Cluster => self.cluster(&mut store, &robots, runtime),
            Role::All | Role::Web => Ok(()),
        };
        if self.me.role == Role::Ingest {
            store.release_leases(&self.me.id)?;
        }
        result
    }

    fn round<'a>(&'a self, feeds: Vec<parallax_store::FeedRecord>, robots: &'a RobotsCache) -> Round<'a> {
        Round {
            config: &self.config,
            supply: self.supply.clone(),
            feeds,
            options: IngestOptions::default(),
            progress: &NoProgress,
            embedder: self.embedder.as_deref(),
            robots,
            search: None,
        }
    }

    fn tick(&self) -> Duration {
        Duration::from_secs(self.server.refresh_tick_secs.max(1))
    }

    /// Leases due feeds, fetches them, gives the leases back; again at
    /// once while more are due, else after a tick.
    fn ingest(&self, store: &mut PostgresStore, robots: &RobotsCache, runtime: &tokio::runtime::Handle) -> Result<()> {
        let lease = i64::try_from(self.roles.lease_secs).unwrap_or(i64::MAX);
        while !self.stop.load(Ordering::Relaxed) {
            let now = Utc::now();
            let due: Vec<_> = store
                .feeds(self.selected.as_deref())?
                .into_iter()
                .filter(|feed| parallax_server::scheduler::is_due(feed, &self.server, now))
                .collect();
            let candidates: Vec<_> = due.iter().map(|feed| (feed.id, feed.last_fetched)).collect();
            let leased = store.lease_feeds(&self.me.id, &candidates, self.roles.feeds_per_round, lease)?;
            let feeds: Vec<_> = due.into_iter().filter(|feed| leased.binary_search(&feed.id).is_ok()).collect();
            if feeds.is_empty() {
                self.me.set("waiting for due feeds");
                sleep_unless(&self.stop, self.tick());
                continue;
            }
            self.me.set(format!("fetching {} feeds", feeds.len()));
            let report = run_stages(store, self.round(feeds, robots), Stages::FETCH, runtime);
            store.release_leases(&self.me.id)?;
            for line in report.lines() {
                tracing::info!(role = "ingest", "{line}");
            }
            if let Some(stopped) = &report.stopped {
                self.me.set("round stopped; waiting");
                tracing::error!("ingest round stopped: {}", stopped.reason);
                sleep_unless(&self.stop, self.tick());
            }
        }
        Ok(())
    }

    /// Waits for the clustering lock, then places new articles every tick
    /// while it holds it.
    fn cluster(&self, store: &mut PostgresStore, robots: &RobotsCache, runtime: &tokio::runtime::Handle) -> Result<()> {
        let mut lock: Option<ClusterLock> = None;
        while !self.stop.load(Ordering::Relaxed) {
            let held = match lock.as_mut() {
                Some(held) => held.still_held(),
                None => false,
            };
            if !held {
                lock = ClusterLock::try_acquire(&self.url).context("cluster: cannot try the clustering lock")?;
                if lock.is_none() {
                    self.me.set("standby: another process holds the clustering lock");
                    sleep_unless(&self.stop, Duration::from_secs(self.roles.takeover_secs.max(1)));
                    continue;
                }
                tracing::info!("cluster: holding the clustering lock");
            }
            self.me.set("placing articles into stories");
            let report = run_stages(store, self.round(Vec::new(), robots), Stages::PLACE, runtime);
            if report.changed() || !report.failures.is_empty() || report.stopped.is_some() {
                for line in report.lines() {
                    tracing::info!(role = "cluster", "{line}");
                }
            }
            self.me.set("holding the clustering lock");
            sleep_unless(&self.stop, self.tick());
        }
        Ok(())
    }
}
