//! The limits of fetching, cleaning and ingesting, with their documented
//! defaults.
//!
//! These are sections of the configuration file (`<data-dir>/parallax.toml`,
//! every key optional), which `parallax_ingest::Config` puts together with
//! the sections of the later stages. Durations are whole seconds so the
//! file stays plain.

use serde::{Deserialize, Serialize};

/// Limits on talking to feed servers. See ARCHITECTURE.md, "Fetching".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchConfig {
    /// TCP+TLS connect timeout, seconds.
    pub connect_timeout_secs: u64,
    /// Whole-request timeout including the body, seconds. A server that
    /// drips one byte a second is cut off here.
    pub total_timeout_secs: u64,
    /// Cap on the decoded (decompressed) body, bytes. 15 MiB: the largest
    /// real feed seen in the Kite list is well under 5 MiB.
    pub max_body_bytes: u64,
    /// Redirect hops followed before giving up; each hop is re-checked.
    pub max_redirects: usize,
    /// Allow loopback, private, link-local and other internal addresses.
    /// Off by default: feed URLs are untrusted.
    pub allow_private_networks: bool,
    /// Internal networks allowed even when `allow_private_networks` is
    /// false, in CIDR notation (`"10.20.0.0/16"`, `"fd00:1::/48"`; a bare
    /// address means that one host): for intranet feeds, without opening
    /// every internal address to what a feed list or a redirect names.
    /// Empty by default.
    pub allowed_private_networks: Vec<String>,
    /// Upper clamp for a server's Retry-After, seconds.
    pub max_retry_after_secs: u64,
    /// Lower clamp for a server's Retry-After, seconds.
    pub min_retry_after_secs: u64,
    /// First back-off after a failure, seconds; doubles per consecutive failure.
    pub backoff_base_secs: u64,
    /// Longest back-off for a failing feed, seconds.
    pub backoff_max_secs: u64,
    /// The User-Agent sent with every request.
    pub user_agent: String,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            connect_timeout_secs: 10,
            total_timeout_secs: 30,
            max_body_bytes: 15 * 1024 * 1024,
            max_redirects: 5,
            allow_private_networks: false,
            allowed_private_networks: Vec::new(),
            max_retry_after_secs: 6 * 3600,
            min_retry_after_secs: 60,
            backoff_base_secs: 15 * 60,
            backoff_max_secs: 24 * 3600,
            user_agent: concat!(
                "Parallax/",
                env!("CARGO_PKG_VERSION"),
                " (+https://example.invalid/parallax; open-source news reader)"
            )
            .to_string(),
        }
    }
}

/// Limits on cleaning entries into articles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CleanConfig {
    /// Longest plain-text snippet kept, characters; longer text is cut at a
    /// word boundary (the article is not marked truncated by this cut: the
    /// sanitised content keeps the full text).
    pub max_snippet_chars: usize,
    /// Longest title kept, characters.
    pub max_title_chars: usize,
    /// Longest sanitised content kept, bytes.
    pub max_content_bytes: usize,
    /// A published date this far past the fetch time is treated as bogus,
    /// seconds. Allows for clock skew and time-zone mistakes in feeds.
    pub future_tolerance_secs: i64,
    /// Most entries read from one feed; the rest are reported and skipped.
    pub max_entries_per_feed: usize,
}

impl Default for CleanConfig {
    fn default() -> Self {
        CleanConfig {
            max_snippet_chars: 1000,
            max_title_chars: 500,
            max_content_bytes: 256 * 1024,
            future_tolerance_secs: 2 * 3600,
            max_entries_per_feed: 10_000,
        }
    }
}

/// How hard `ingest` works in parallel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Feeds fetched at once, over all hosts.
    pub concurrency: usize,
    /// Feeds fetched at once from one host, to stay polite.
    pub per_host_concurrency: usize,
    /// Most feeds committed in one transaction (group commit): one fsync
    /// for all of them, each reported stored only after it.
    pub commit_max_feeds: usize,
    /// How long the writer waits for more feeds to join a commit, ms.
    /// Feeds that arrive while a commit runs join the next one anyway.
    pub commit_max_wait_ms: u64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig { concurrency: 32, per_host_concurrency: 2, commit_max_feeds: 256, commit_max_wait_ms: 5 }
    }
}

/// Fetching an article's own page when the feed gave only a teaser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FullTextConfig {
    /// Fetch full text at all.
    pub enabled: bool,
    /// Most article pages fetched per ingest round, newest first; the rest
    /// wait for the next round.
    pub max_per_run: usize,
    /// Page requests per second over all hosts: article pages are the
    /// outlets' own servers, not feeds meant for polling.
    pub requests_per_second: f64,
    /// Page requests in flight per host.
    pub per_host_concurrency: usize,
    /// Honour the outlet's robots.txt for article pages.
    pub respect_robots_txt: bool,
    /// Outlets whose every article gets its full text, cut or not.
    pub always_outlets: Vec<String>,
    /// Outlets whose pages are never fetched (the per-outlet switch).
    pub never_outlets: Vec<String>,
    /// How far back a round looks for articles still wanting their page,
    /// by when they were fetched, seconds (two days): older ones have had
    /// their chance, and the look costs what the recent articles cost,
    /// however large the archive.
    pub lookback_secs: i64,
}

impl Default for FullTextConfig {
    fn default() -> Self {
        FullTextConfig {
            enabled: true,
            max_per_run: 200,
            requests_per_second: 4.0,
            per_host_concurrency: 1,
            respect_robots_txt: true,
            always_outlets: Vec::new(),
            never_outlets: Vec::new(),
            lookback_secs: 2 * 24 * 3600,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documented_limits() {
        let fetch = FetchConfig::default();
        assert_eq!(fetch.max_body_bytes, 15 * 1024 * 1024);
        assert_eq!(fetch.max_redirects, 5);
        assert!(!fetch.allow_private_networks);
        assert!(fetch.allowed_private_networks.is_empty());
    }
}
