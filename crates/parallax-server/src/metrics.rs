//! Prometheus metrics in the text exposition format, hand-written: a few
//! counters, gauges and histograms on atomics, no registry.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Upper bounds of the latency buckets, seconds: from a cached page to a
/// slow feed.
const LATENCY_BUCKETS: [f64; 14] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    /// Sum of observations, microseconds.
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {}", bucket.load(Ordering::Relaxed));
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// Everything `/metrics` reports.
#[derive(Debug, Default)]
pub struct Metrics {
    pub feeds_fetched: AtomicU64,
    pub feeds_not_modified: AtomicU64,
    pub feeds_failed: AtomicU64,
    pub articles_new: AtomicU64,
    pub refresh_rounds: AtomicU64,
    pub refresh_errors: AtomicU64,
    pub articles_clustered: AtomicU64,
    pub stories_summarised: AtomicU64,
    pub pages_extracted: AtomicU64,
    /// Feeds, pages, articles and stories a round marked failed.
    pub items_failed: AtomicU64,
    /// Stages that failed or crashed while their round went on.
    pub stage_failures: AtomicU64,
    pub feeds_quarantined: AtomicU64,
    pub articles: AtomicU64,
    pub stories: AtomicU64,
    pub feeds: AtomicU64,
    pub search_documents: AtomicU64,
    /// How long each feed took from the start of its round until it was
    /// stored (the ingest pipeline reports completions, not single fetches).
    pub feed_fetch: Histogram,
    pub refresh_round: Histogram,
    /// Request latency by route pattern (`/stories/{id}`), so ids do not
    /// explode the label set.
    requests: Mutex<BTreeMap<(String, u16), Histogram>>,
    /// The search index's files, bytes.
    pub search_index_bytes: AtomicU64,
    pub searches_timed_out: AtomicU64,
    pub searches_refused: AtomicU64,
    pub searches_busy: AtomicU64,
    pub connections_open: AtomicU64,
    pub connections_shed: AtomicU64,
    pub page_cache_entries: AtomicU64,
    pub page_cache_bytes: AtomicU64,
}

impl Metrics {
    pub fn observe_request(&self, route: &str, status: u16, elapsed: Duration) {
        let mut requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        requests.entry((route.to_string(), status)).or_default().observe(elapsed);
    }

    /// The text exposition format, version 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters = [
            ("parallax_feeds_fetched_total", "Feed fetches that returned a feed.", &self.feeds_fetched),
            ("parallax_feeds_not_modified_total", "Feed fetches answered 304 Not Modified.", &self.feeds_not_modified),
            ("parallax_feeds_failed_total", "Feed fetches that failed.", &self.feeds_failed),
            ("parallax_articles_new_total", "Articles stored by the scheduler.", &self.articles_new),
            ("parallax_refresh_rounds_total", "Scheduler rounds run.", &self.refresh_rounds),
            ("parallax_refresh_errors_total", "Scheduler rounds that stopped on an error.", &self.refresh_errors),
            ("parallax_articles_clustered_total", "Articles placed in stories.", &self.articles_clustered),
            ("parallax_stories_summarised_total", "Story views recomputed.", &self.stories_summarised),
            ("parallax_pages_extracted_total", "Article pages whose full text was extracted.", &self.pages_extracted),
            (
                "parallax_round_items_failed_total",
                "Feeds, pages, articles and stories a round marked failed (the round went on).",
                &self.items_failed,
            ),
            ("parallax_round_stage_failures_total", "Round stages that failed or crashed.", &self.stage_failures),
            ("parallax_feeds_quarantined_total", "Feeds whose parser crashed, bytes kept.", &self.feeds_quarantined),
        ];
        for (name, help, value) in counters {
            let _ =
                writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", value.load(Ordering::Relaxed));
        }
        let gauges = [
            ("parallax_articles", "Articles stored.", &self.articles),
            ("parallax_stories", "Live stories.", &self.stories),
            ("parallax_feeds", "Registered feeds.", &self.feeds),
            ("parallax_search_documents", "Stories in the search index.", &self.search_documents),
        ];
        for (name, help, value) in gauges {
            let _ =
                writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}", value.load(Ordering::Relaxed));
        }
        let name = "parallax_feed_fetch_seconds";
        let _ = writeln!(out, "# HELP {name} Time from a round's start until each feed was stored.");
        let _ = writeln!(out, "# TYPE {name} histogram");
        self.feed_fetch.write(&mut out, name, "");
        let name = "parallax_refresh_round_seconds";
        let _ = writeln!(out, "# HELP {name} Duration of scheduler rounds (fetch, cluster, index).");
        let _ = writeln!(out, "# TYPE {name} histogram");
        self.refresh_round.write(&mut out, name, "");
        let name = "parallax_http_request_seconds";
        let _ = writeln!(out, "# HELP {name} HTTP request latency by route and status.");
        let _ = writeln!(out, "# TYPE {name} histogram");
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        for ((route, status), histogram) in requests.iter() {
            let route = route.replace('\\', "\\\\").replace('"', "\\\"");
            histogram.write(&mut out, name, &format!("route=\"{route}\",status=\"{status}\""));
        }
        self.render_limits(&mut out);
        out
    }

    /// What the server's limits are doing: searches stopped or turned away,
    /// connections, the page cache.
    fn render_limits(&self, out: &mut String) {
        let counters = [
            ("parallax_searches_timed_out_total", "Searches stopped at the time limit.", &self.searches_timed_out),
            ("parallax_searches_refused_total", "Searches refused as over budget (400).", &self.searches_refused),
            (
                "parallax_searches_busy_total",
                "Searches turned away while all slots were taken (503).",
                &self.searches_busy,
            ),
            (
                "parallax_connections_shed_total",
                "Idle connections closed to make room for new ones.",
                &self.connections_shed,
            ),
        ];
        for (name, help, value) in counters {
            let _ =
                writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", value.load(Ordering::Relaxed));
        }
        let gauges = [
            ("parallax_search_index_bytes", "Size of the search index on disk.", &self.search_index_bytes),
            ("parallax_connections_open", "Open HTTP connections.", &self.connections_open),
            ("parallax_page_cache_entries", "Responses kept in the page cache.", &self.page_cache_entries),
            ("parallax_page_cache_bytes", "Bytes kept in the page cache.", &self.page_cache_bytes),
        ];
        for (name, help, value) in gauges {
            let _ =
                writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}", value.load(Ordering::Relaxed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labelled() {
        let metrics = Metrics::default();
        metrics.observe_request("/stories/{id}", 200, Duration::from_millis(3));
        metrics.observe_request("/stories/{id}", 200, Duration::from_millis(30));
        let text = metrics.render();
        assert!(
            text.contains(
                "parallax_http_request_seconds_bucket{route=\"/stories/{id}\",status=\"200\",le=\"0.005\"} 1"
            )
        );
        assert!(
            text.contains("parallax_http_request_seconds_bucket{route=\"/stories/{id}\",status=\"200\",le=\"0.05\"} 2")
        );
        assert!(text.contains("parallax_http_request_seconds_count{route=\"/stories/{id}\",status=\"200\"} 2"));
        assert!(text.contains("# TYPE parallax_feeds_failed_total counter\nparallax_feeds_failed_total 0"));
    }
}
