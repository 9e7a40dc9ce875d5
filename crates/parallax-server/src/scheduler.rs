//! The background loop: every tick, the due feeds are fetched (one ingest
//! round), new articles are placed in stories, the search index catches up,
//! and the pages see the new state. It owns the only writing connection.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use parallax_ingest::stories::TextEmbedder;
use parallax_ingest::{Config, FeedOutcome, IngestOptions, IngestSummary, Progress};
use parallax_store::{FeedRecord, FeedStatus, Store};
use tokio::sync::watch;

use crate::app::{AppState, RoundStatus};
use crate::config::ServerConfig;
use crate::demo::DemoFeeds;
use crate::metrics::Metrics;

/// Where new articles come from.
pub enum FeedSupply {
    /// The feeds' servers, through `parallax-ingest`.
    Network,
    /// The sample feeds shipped with Parallax, parsed in-process.
    Demo(DemoFeeds),
}

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
    /// `None` only while a blocking step holds it.
    store: Option<Box<dyn Store>>,
    config: Config,
    /// Only these feed URLs (from `--opml`); all feeds when `None`.
    selected: Option<Vec<String>>,
    supply: FeedSupply,
    state: Arc<AppState>,
    embedder: Option<Arc<dyn TextEmbedder>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("{0}")]
    Ingest(#[from] parallax_ingest::IngestError),
    #[error("{0}")]
    Stories(#[from] parallax_ingest::stories::StoryError),
    #[error("{0}")]
    Store(#[from] parallax_store::StoreError),
    #[error("{0}")]
    Search(#[from] crate::search::SearchError),
    #[error("scheduler: a background step crashed: {0}")]
    Crashed(String),
    #[error("scheduler: the database connection was lost after a crash")]
    NoStore,
}

/// What the blocking part of a round did.
struct Settled {
    clustered: usize,
    indexed: usize,
}

impl Scheduler {
    pub fn new(
        store: Box<dyn Store>,
        config: Config,
        selected: Option<Vec<String>>,
        supply: FeedSupply,
        state: Arc<AppState>,
        embedder: Option<Arc<dyn TextEmbedder>>,
    ) -> Scheduler {
        Scheduler { store: Some(store), config, selected, supply, state, embedder }
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

    /// One round; its outcome goes to the status page, the metrics and the
    /// log. A failed round is retried at the next tick.
    pub async fn round(&mut self) {
        let started_at = Utc::now();
        let started = Instant::now();
        let mut status = RoundStatus {
            started: started_at,
            seconds: 0.0,
            feeds_due: 0,
            fetched: 0,
            not_modified: 0,
            failed: 0,
            articles_new: 0,
            articles_clustered: 0,
            stories_indexed: 0,
            error: None,
        };
        if let Err(error) = self.try_round(&mut status).await {
            tracing::error!("refresh round failed: {error}");
            self.state.metrics.refresh_errors.fetch_add(1, Relaxed);
            status.error = Some(error.to_string());
        }
        let elapsed = started.elapsed();
        status.seconds = elapsed.as_secs_f64();
        self.state.metrics.refresh_rounds.fetch_add(1, Relaxed);
        self.state.metrics.refresh_round.observe(elapsed);
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

    async fn try_round(&mut self, status: &mut RoundStatus) -> Result<(), RoundError> {
        let now = Utc::now();
        let store = self.store.as_mut().ok_or(RoundError::NoStore)?;
        let due: Vec<FeedRecord> = store
            .feeds(self.selected.as_deref())?
            .into_iter()
            .filter(|feed| is_due(feed, &self.state.config, now))
            .collect();
        status.feeds_due = due.len();
        if !due.is_empty() {
            let progress = MetricsProgress { metrics: &self.state.metrics, started: Instant::now() };
            let summary: IngestSummary = match &self.supply {
                FeedSupply::Network => {
                    let summary = parallax_ingest::ingest(
                        store.as_mut(),
                        due,
                        &self.config,
                        &IngestOptions::default(),
                        &progress,
                    )
                    .await?;
                    // Full text before clustering, so new stories form on it.
                    parallax_ingest::fulltext::fetch_full_texts(store.as_mut(), &self.config).await?;
                    summary
                }
                FeedSupply::Demo(demo) => demo.replay(store.as_mut(), due, &progress)?,
            };
            status.fetched = summary.fetched;
            status.not_modified = summary.not_modified;
            status.failed = summary.failed.len();
            status.articles_new = summary.articles_new;
        }
        let settled = self.settle().await?;
        status.articles_clustered = settled.clustered;
        status.stories_indexed = settled.indexed;
        Ok(())
    }

    /// Clustering, indexing and the new snapshot are CPU and disk work: they
    /// run on a blocking thread with the writing connection.
    async fn settle(&mut self) -> Result<Settled, RoundError> {
        let mut store = self.store.take().ok_or(RoundError::NoStore)?;
        let config = self.config.clone();
        let state = self.state.clone();
        let embedder = self.embedder.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let result = (|| -> Result<Settled, RoundError> {
                let report = parallax_ingest::stories::cluster_pending(
                    store.as_mut(),
                    &config,
                    Utc::now(),
                    embedder.as_deref(),
                )?;
                // Ratings imported beside the server (`parallax outlets
                // import` recounts too; whoever comes first does it).
                store.merge_outlets_by(&parallax_core::outlet_domain)?;
                let recount = parallax_ingest::views::recount_rerated_stories(
                    store.as_mut(),
                    &config.summary,
                    &config.blindspot,
                    &mut |_, _| {},
                )?;
                if recount.outlets > 0 {
                    tracing::info!(outlets = recount.outlets, stories = recount.stories, "recounted re-rated stories");
                }
                let indexed = state.search.catch_up(store.as_mut(), state.config.search_batch)?;
                let changed = report.articles > 0 || indexed > 0 || recount.outlets > 0;
                state.publish(&store.outlets()?, store.counts()?, changed);
                Ok(Settled { clustered: report.articles, indexed })
            })();
            (store, result)
        })
        .await;
        match joined {
            Ok((store, result)) => {
                self.store = Some(store);
                result
            }
            Err(error) => Err(RoundError::Crashed(error.to_string())),
        }
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
