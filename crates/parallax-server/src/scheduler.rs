//! The background loop: every tick, one round (`parallax_ingest::run_round`)
//! over the due feeds, with the search index as its last stage; then the
//! pages see the new state. It owns the only writing connection, and no
//! stage sequence of its own.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use parallax_ingest::fulltext::RobotsCache;
use parallax_ingest::stories::TextEmbedder;
use parallax_ingest::{
    Config, FeedOutcome, FeedSupply, IngestOptions, Progress, Round, RoundReport, SearchCatchUp, UnstoredFetches,
};
use parallax_store::{FeedRecord, FeedStatus, Store};
use tokio::sync::watch;

use crate::app::{AppState, RoundStatus};
use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::search::SearchIndex;

/// When a feed is next due. A failing feed waits out its back-off; a feed
/// whose server said when to come back (recorded as `next_fetch`) is
/// believed within the configured clamps; otherwise the default interval
/// runs from the last fetch. A feed never fetched is due at once.
pub fn due_at(feed: &FeedRecord, config: &ServerConfig) -> Option<DateTime<Utc>> {
    let secs = |s: u64| Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000));
    let last = feed.last_fetched?;
    Some(match feed.next_fetch {
        Some(next) if feed.status == FeedStatus::Failed => next,
        Some(next) => {
            next.max(last + secs(config.refresh_min_interval_secs)).min(last + secs(config.refresh_max_interval_secs))
        }
        None => last + secs(config.refresh_default_interval_secs),
    })
}

fn is_due(feed: &FeedRecord, config: &ServerConfig, now: DateTime<Utc>) -> bool {
    due_at(feed, config).is_none_or(|at| at <= now)
}

/// Counts fetches for `/metrics` as the ingest round reports them.
struct MetricsProgress<'a> {
    metrics: &'a Metrics,
    started: Instant,
}

impl Progress for MetricsProgress<'_> {
    fn started(&self, _feeds: usize) {}

    fn feed_done(&self, feed_url: &str, outcome: &FeedOutcome) {
        let m = self.metrics;
        match outcome {
            FeedOutcome::Fetched { new, .. } => {
                m.feeds_fetched.fetch_add(1, Relaxed);
                m.articles_new.fetch_add(*new as u64, Relaxed);
                tracing::info!(feed = feed_url, new, "stored");
            }
            FeedOutcome::NotModified => {
                m.feeds_not_modified.fetch_add(1, Relaxed);
            }
            FeedOutcome::Failed { reason } => {
                m.feeds_failed.fetch_add(1, Relaxed);
                tracing::warn!(feed = feed_url, "failed: {reason}");
            }
            FeedOutcome::Skipped { .. } => return,
        }
        m.feed_fetch.observe(self.started.elapsed());
    }
}

pub struct Scheduler {
    /// `None` only while a round holds it.
    store: Option<Box<dyn Store>>,
    config: Arc<Config>,
    /// Only these feed URLs (from `--opml`); all feeds when `None`.
    selected: Option<Vec<String>>,
    supply: Arc<dyn FeedSupply>,
    state: Arc<AppState>,
    embedder: Option<Arc<dyn TextEmbedder>>,
    /// Kept across rounds, so an origin's robots.txt is read once a day.
    robots: Arc<RobotsCache>,
    /// Feeds fetched but not stored (the store failed): kept across rounds,
    /// so they back off instead of being downloaded at every tick.
    unstored: Arc<UnstoredFetches>,
}

/// The server's search index as a round's last stage.
struct IndexCatchUp<'a> {
    index: &'a SearchIndex,
    batch: usize,
}

impl SearchCatchUp for IndexCatchUp<'_> {
    fn catch_up(&self, store: &mut dyn Store) -> Result<usize, String> {
        self.index.catch_up(store, self.batch).map_err(|error| error.to_string())
    }
}

impl Scheduler {
    pub fn new(
        store: Box<dyn Store>,
        config: Config,
        selected: Option<Vec<String>>,
        supply: Arc<dyn FeedSupply>,
        state: Arc<AppState>,
        embedder: Option<Arc<dyn TextEmbedder>>,
    ) -> Scheduler {
        Scheduler {
            store: Some(store),
            config: Arc::new(config),
            selected,
            supply,
            state,
            embedder,
            robots: Arc::default(),
            unstored: Arc::default(),
        }
    }

    /// Runs rounds until `shutdown` turns true. A round in progress is
    /// finished first, so what it fetched is stored and indexed.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let tick = std::time::Duration::from_secs(self.state.config.refresh_tick_secs.max(1));
        self.state.set_scheduler_status(|s| s.enabled = true);
        loop {
            self.round().await;
            let next = Utc::now() + Duration::from_std(tick).unwrap_or(Duration::seconds(30));
            self.state.set_scheduler_status(|s| s.next_round = Some(next));
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => break,
                () = tokio::time::sleep(tick) => {}
            }
        }
        self.close();
    }

    /// Closes the search writer and the database connection.
    fn close(&mut self) {
        if let Err(error) = self.state.search.close() {
            tracing::warn!("{error}");
        }
        self.store = None;
        tracing::info!("scheduler stopped; database closed");
    }

    /// One round (`parallax_ingest::run_round`) over the due feeds, on a
    /// blocking thread with the writing connection; its report goes to the
    /// status page, the metrics and the log. A failed round is retried at
    /// the next tick; even a crash hands the connection back.
    pub async fn round(&mut self) {
        let started = Utc::now();
        let clock = Instant::now();
        let Some(mut store) = self.store.take() else {
            self.record(RoundStatus::failed(started, clock, "scheduler: the database connection was lost".into()));
            return;
        };
        let unstored = self.unstored.clone();
        let (config, selected, supply, state, embedder, robots) = (
            self.config.clone(),
            self.selected.clone(),
            self.supply.clone(),
            self.state.clone(),
            self.embedder.clone(),
            self.robots.clone(),
        );
        let runtime = tokio::runtime::Handle::current();
        let joined = tokio::task::spawn_blocking(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<(usize, RoundReport), String> {
                let now = Utc::now();
                let due: Vec<FeedRecord> = store
                    .feeds(selected.as_deref())
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .filter(|feed| is_due(feed, &state.config, now))
                    .collect();
                let feeds_due = due.len();
                let progress = MetricsProgress { metrics: &state.metrics, started: Instant::now() };
                let search = IndexCatchUp { index: &state.search, batch: state.config.search_batch };
                let round = Round {
                    config: &config,
                    supply,
                    feeds: due,
                    options: IngestOptions { unstored: Some(unstored), ..IngestOptions::default() },
                    progress: &progress,
                    embedder: embedder.as_deref(),
                    robots: &robots,
                    search: Some(&search),
                };
                let report = parallax_ingest::run_round(store.as_mut(), round, &runtime);
                let outlets = store.outlets().map_err(|e| e.to_string())?;
                state.publish(&outlets, store.counts().map_err(|e| e.to_string())?, report.changed());
                Ok((feeds_due, report))
            }));
            let outcome = outcome.unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(format!("scheduler: the round crashed: {message}"))
            });
            (store, outcome)
        })
        .await;
        let status = match joined {
            Ok((store, outcome)) => {
                self.store = Some(store);
                match outcome {
                    Ok((feeds_due, report)) => RoundStatus::from_report(feeds_due, &report),
                    Err(error) => RoundStatus::failed(started, clock, error),
                }
            }
            Err(error) => RoundStatus::failed(started, clock, format!("scheduler: the round crashed: {error}")),
        };
        self.record(status);
    }

    /// Counts a finished round and shows it on the status page.
    fn record(&self, status: RoundStatus) {
        let metrics = &self.state.metrics;
        if status.error.is_some() {
            tracing::error!("refresh round failed: {}", status.error.as_deref().unwrap_or_default());
            metrics.refresh_errors.fetch_add(1, Relaxed);
        }
        metrics.refresh_rounds.fetch_add(1, Relaxed);
        metrics.refresh_round.observe(std::time::Duration::from_secs_f64(status.seconds.max(0.0)));
        metrics.articles_clustered.fetch_add(status.articles_clustered as u64, Relaxed);
        metrics.stories_summarised.fetch_add(status.stories_summarised as u64, Relaxed);
        metrics.pages_extracted.fetch_add(status.pages_extracted as u64, Relaxed);
        metrics.items_failed.fetch_add(status.items_failed as u64, Relaxed);
        metrics.stage_failures.fetch_add(status.stage_failures as u64, Relaxed);
        metrics.feeds_quarantined.fetch_add(status.quarantined as u64, Relaxed);
        tracing::info!(
            due = status.feeds_due,
            fetched = status.fetched,
            failed = status.failed,
            new = status.articles_new,
            clustered = status.articles_clustered,
            indexed = status.stories_indexed,
            seconds = status.seconds,
            "refresh round done"
        );
        self.state.set_scheduler_status(|s| s.last_round = Some(status));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_core::FeedSource;

    fn feed(status: FeedStatus, last: Option<i64>, next: Option<i64>) -> FeedRecord {
        let at = |minutes: i64| DateTime::UNIX_EPOCH + Duration::minutes(minutes);
        FeedRecord {
            id: 1,
            source: FeedSource {
                url: "https://example.com/rss".into(),
                outlet: "example.com".into(),
                title: None,
                language: None,
                categories: Vec::new(),
            },
            etag: None,
            last_modified: None,
            status,
            consecutive_failures: 0,
            error_count: 0,
            last_error: None,
            last_fetched: last.map(at),
            next_fetch: next.map(at),
        }
    }

    fn check(record: FeedRecord, expected_minutes: Option<i64>) {
        let config = ServerConfig::default();
        let got = due_at(&record, &config).map(|t| (t - DateTime::UNIX_EPOCH).num_minutes());
        assert_eq!(
            got, expected_minutes,
            "{:?} last {:?} next {:?}",
            record.status, record.last_fetched, record.next_fetch
        );
    }

    #[test]
    fn feeds_are_due_by_their_hints_within_the_clamps() {
        check(feed(FeedStatus::New, None, None), None);
        check(feed(FeedStatus::Ok, Some(0), None), Some(15));
        check(feed(FeedStatus::Ok, Some(0), Some(1)), Some(5));
        check(feed(FeedStatus::Ok, Some(0), Some(60)), Some(60));
        check(feed(FeedStatus::NotModified, Some(0), Some(60 * 48)), Some(60 * 24));
        check(feed(FeedStatus::Failed, Some(0), Some(60 * 48)), Some(60 * 48));
    }
}
