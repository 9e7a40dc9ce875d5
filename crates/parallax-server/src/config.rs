//! The server's named limits, read from the `[server]` table of
//! `parallax.toml` (every key optional) and overridden by flags.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// Everything `parallax serve` can be tuned with, with its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on. Loopback by default: exposing the server is a
    /// decision, usually behind a reverse proxy.
    pub listen: SocketAddr,
    /// Database connections serving reads in parallel (pages and the API).
    /// SQLite in WAL mode lets them read while the scheduler writes.
    pub read_connections: usize,
    /// How often the scheduler looks for due feeds, seconds.
    pub refresh_tick_secs: u64,
    /// How long after a successful fetch a feed is due again when its
    /// server gave no hint (RSS `<ttl>`, Cache-Control max-age), seconds.
    pub refresh_default_interval_secs: u64,
    /// A server's hint is never taken shorter than this, seconds.
    pub refresh_min_interval_secs: u64,
    /// A server's hint is never taken longer than this, seconds.
    pub refresh_max_interval_secs: u64,
    /// Stories on the home page.
    pub home_stories: usize,
    /// Most recently updated stories the home page ranks from.
    pub home_candidates: usize,
    /// A story's recency weight halves every this many hours on the home page.
    pub home_half_life_hours: f64,
    /// Stories per blindspot column and on an outlet's page.
    pub list_stories: usize,
    /// API page size when `limit` is not given.
    pub api_default_limit: usize,
    /// Largest `limit` the API accepts.
    pub api_max_limit: usize,
    /// Search results per page (the search page, and the API's default
    /// `limit`).
    pub search_results: usize,
    /// Search results reachable through the API's cursor; deeper pages are
    /// empty. Each page asks the index for everything before it too, so
    /// this bounds one request's work.
    pub search_max_depth: usize,
    /// Longest search query accepted, characters.
    pub max_query_chars: usize,
    /// Memory the search indexer may buffer before writing a segment, bytes.
    pub search_writer_bytes: usize,
    /// Stories re-indexed per batch when the search index catches up.
    pub search_batch: usize,
    /// Rendered story pages and API story objects kept in memory (each
    /// about 10 to 50 KB); 0 turns the cache off. Entries expire when a
    /// refresh round changes something.
    pub page_cache_entries: usize,
    /// A cached page is re-rendered after this many seconds anyway, so its
    /// relative times ("5 min ago") stay close to true.
    pub page_cache_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            read_connections: 8,
            refresh_tick_secs: 30,
            refresh_default_interval_secs: 15 * 60,
            refresh_min_interval_secs: 5 * 60,
            refresh_max_interval_secs: 24 * 3600,
            home_stories: 30,
            home_candidates: 400,
            home_half_life_hours: 12.0,
            list_stories: 30,
            api_default_limit: 20,
            api_max_limit: 100,
            search_results: 30,
            search_max_depth: 1000,
            max_query_chars: 200,
            search_writer_bytes: 50 * 1024 * 1024,
            search_batch: 500,
            page_cache_entries: 4096,
            page_cache_secs: 60,
        }
    }
}
