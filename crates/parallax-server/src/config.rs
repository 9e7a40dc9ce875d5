//! The server's named limits, read from the `[server]` table of
//! `parallax.toml` (every key optional) and overridden by flags.

use std::net::SocketAddr;
use std::time::Duration;

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
    /// Most words a search may have, phrases included; more is a 400.
    pub search_max_terms: usize,
    /// Largest phrase slop (`"a b"~N`) a search may ask for; more is a 400.
    /// The slop, not the words, made `"the a of and to in"~1000000` cost
    /// 73 s of CPU.
    pub search_max_slop: u32,
    /// Letters the last word of a prefix search (`"prime min"*`) needs at
    /// least; fewer is a 400.
    pub search_min_prefix_chars: usize,
    /// Work a phrase may cost, beyond which it is a 400: the stories holding
    /// all its words, times its words, times its slop plus one. A phrase is
    /// scanned in a way no time limit can interrupt; 2,000,000 is about
    /// 220 ms of CPU (`"the the the the the the the the the the"~10`, 5.5
    /// million, took 620 ms over 49,749 stories).
    pub search_max_phrase_cost: u64,
    /// A search stops after this many milliseconds and answers with what it
    /// found (marked `timed_out`). Common queries take about a millisecond.
    pub search_time_limit_ms: u64,
    /// Searches running at once; the rest wait their turn.
    pub search_concurrency: usize,
    /// How long a search waits for its turn, milliseconds, before it is
    /// answered 503 with `Retry-After`.
    pub search_queue_ms: u64,
    /// Memory the search indexer may buffer before writing a segment, bytes.
    pub search_writer_bytes: usize,
    /// Stories re-indexed per batch when the search index catches up.
    pub search_batch: usize,
    /// Deleted documents, as a share of the index, above which it is merged
    /// back into one segment (after bulk changes), so its size and query
    /// cost follow the stories.
    pub search_compact_deleted_share: f32,
    /// Rendered pages and API objects kept in memory, compressed, at most,
    /// in each of the two caches (stories; everything else); 0 turns the
    /// caches off. A story's entries are dropped when the story changes;
    /// listings, search results and the status page when anything changes.
    pub page_cache_entries: usize,
    /// Memory for kept story pages and API story objects, bytes. Each is
    /// kept compressed in the one encoding its first reader took (a story
    /// page of the benchmark corpus about 3.3 KB, its object 1.5 KB, and 256
    /// bytes of bookkeeping each). Default: an eighth of the memory this
    /// process may use (the machine's, or its control group's limit when
    /// lower), at least 256 MiB: on 16 GiB that is 2 GiB, every story page
    /// of a million articles (499,791 stories).
    pub page_cache_bytes: usize,
    /// Memory for kept listings, search results and other pages drawn from
    /// many stories, bytes; apart from the story pages, so a crawl through
    /// every story cannot push out what every reader asks for.
    pub listing_cache_bytes: usize,
    /// A cached page lives at least this long, seconds, and otherwise a
    /// 60th of its story's age (a story updated 10 h ago is re-rendered
    /// every 10 min), so its relative times ("5 h ago") stay as true as
    /// they are shown.
    pub page_cache_secs: u64,
    /// ... and at most this long, seconds.
    pub page_cache_max_secs: u64,
    /// Open connections at most; more wait to be accepted, and the one idle
    /// longest is closed to make room. Lowered at start to the process's
    /// file-descriptor limit minus `reserved_fds`.
    pub max_connections: usize,
    /// File descriptors kept for the database, the search index and logs.
    pub reserved_fds: usize,
    /// A request's headers must arrive within this many seconds of the
    /// server starting to wait for them (a new connection, or the next
    /// request on a kept-alive one); then the connection is closed.
    pub header_read_timeout_secs: u64,
    /// A connection on which no byte moves either way for this many seconds
    /// (a client that stopped reading its answer) is closed.
    pub idle_timeout_secs: u64,
    /// A request taking longer than this many seconds is answered 503.
    pub request_timeout_secs: u64,
    /// The status page shows feed URLs and errors to requests from this
    /// machine (loopback, not forwarded by a proxy) ...
    pub status_private_loopback: bool,
    /// ... and to requests bearing this token (`Authorization: Bearer
    /// TOKEN`, or `?token=TOKEN`); others see totals only. Unset: no token.
    pub status_token: Option<String>,
    /// Feeds per status page.
    pub status_page_feeds: usize,
    /// Editions and the one the home page shows by default
    /// (`[server.editions]`, see `editions.rs`).
    pub editions: crate::editions::EditionsConfig,
    /// Opt-in reading balance (`/me`): opening an article through its story
    /// page records its outlet in a private profile for that browser, under
    /// `DIR/readers/`, keyed by a random cookie. Off by default: with it off
    /// no cookie is set and nothing is recorded.
    pub reading_balance: bool,
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
            search_max_terms: 16,
            search_max_slop: 10,
            search_min_prefix_chars: 3,
            search_max_phrase_cost: 2_000_000,
            search_time_limit_ms: 300,
            search_concurrency: 4,
            search_queue_ms: 500,
            search_writer_bytes: 50 * 1024 * 1024,
            search_batch: 500,
            search_compact_deleted_share: 0.2,
            page_cache_entries: 2_000_000,
            page_cache_bytes: default_page_cache_bytes(),
            listing_cache_bytes: 64 * 1024 * 1024,
            page_cache_secs: 60,
            page_cache_max_secs: 24 * 3600,
            max_connections: 10_000,
            reserved_fds: 256,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 30,
            request_timeout_secs: 10,
            status_private_loopback: true,
            status_token: None,
            status_page_feeds: 100,
            editions: crate::editions::EditionsConfig::default(),
            reading_balance: false,
        }
    }
}

impl ServerConfig {
    /// What one search may cost.
    pub fn search_limits(&self) -> crate::search::SearchLimits {
        crate::search::SearchLimits {
            budget: crate::search::QueryBudget {
                max_terms: self.search_max_terms,
                max_slop: self.search_max_slop,
                min_prefix_chars: self.search_min_prefix_chars,
                max_phrase_cost: self.search_max_phrase_cost,
            },
            time_limit: Duration::from_millis(self.search_time_limit_ms),
        }
    }
}

/// An eighth of [`usable_memory`], at least 256 MiB; 512 MiB when it is
/// unknown.
fn default_page_cache_bytes() -> usize {
    const MIB: u64 = 1024 * 1024;
    let bytes = usable_memory().map_or(512 * MIB, |memory| (memory / 8).max(256 * MIB));
    usize::try_from(bytes).unwrap_or(usize::MAX)
}

/// The memory this process may use, bytes: the machine's (`MemTotal` in
/// `/proc/meminfo`), or its control group's limit (v2 `memory.max`, v1
/// `memory.limit_in_bytes`) when lower, so a container is not sized by its
/// host. Read by hand: the crate that knows this (sysinfo) inventories the
/// whole system for one number. None off Linux.
fn usable_memory() -> Option<u64> {
    let machine = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| mem_total(&text));
    let group = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .find_map(|text| text.trim().parse::<u64>().ok());
    match (machine, group) {
        (Some(machine), Some(group)) => Some(machine.min(group)),
        (machine, group) => machine.or(group),
    }
}

/// `MemTotal` of a `/proc/meminfo` text, bytes.
fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find_map(|line| line.strip_prefix("MemTotal:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_read_from_meminfo() {
        let check = |text: &str, expected: Option<u64>| assert_eq!(mem_total(text), expected, "{text:?}");
        check("MemTotal:       24554468 kB\nMemFree: 1 kB\n", Some(24_554_468 * 1024));
        check("MemFree: 1 kB\n", None);
        check("MemTotal: lots\n", None);
        check("", None);
    }

    #[test]
    fn the_page_cache_takes_an_eighth_of_memory_and_at_least_256_mib() {
        let bytes = default_page_cache_bytes() as u64;
        assert!(bytes >= 256 * 1024 * 1024);
        if let Some(memory) = usable_memory() {
            assert!(bytes == memory / 8 || (memory / 8 < bytes && bytes == 256 * 1024 * 1024));
        }
    }
}
