//! Ingestion: every due feed fetched once, concurrently (with a per-host
//! limit), parsed and cleaned off the async threads, and its articles stored
//! in one transaction per feed.
//!
//! This crate owns the order of work and the failure policy: a feed that
//! fails is recorded as failed with its reason and backs off; nothing a feed
//! does can stop the others. It never opens sockets itself (that is
//! `parallax-fetch`), never interprets bytes (`parallax-feed`) and never
//! writes SQL (`parallax-store`); the story stage ([`stories`]) hands
//! articles to `parallax-cluster` and stores its decisions. It reports progress through [`Progress`],
//! so it needs no terminal.

mod backoff;
mod config;
pub mod fulltext;
pub mod stories;
mod summarizer;
pub mod views;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use parallax_feed::{FeedContext, ParsedFeed};
use parallax_fetch::{FetchError, FetchOutcome, Fetcher, Validators};
use parallax_store::{FeedRecord, FetchRecord, Store, StoreError};
use tokio::sync::{Semaphore, mpsc};

pub use backoff::next_attempt_after_failure;
pub use config::{Config, EmbedSettings};
pub use summarizer::Summarizer;

/// What ingestion can fail with as a whole. A single feed's failure is never
/// one of these: it is recorded and reported in [`IngestSummary::failed`].
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("ingest: {0}")]
    Client(#[from] FetchError),
    #[error("ingest: {0}")]
    Store(#[from] StoreError),
}

/// How one feed's turn ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOutcome {
    Fetched {
        new: usize,
        duplicate: usize,
        diagnostics: usize,
    },
    NotModified,
    Failed {
        reason: String,
    },
    /// Backing off after failures or a Retry-After; not fetched this run.
    Skipped {
        until: DateTime<Utc>,
    },
}

/// Receives progress as feeds finish; the binary draws a bar with it.
pub trait Progress: Send + Sync {
    fn started(&self, feeds: usize);
    /// Called after the feed's outcome is committed to the store.
    fn feed_done(&self, feed_url: &str, outcome: &FeedOutcome);
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn started(&self, _feeds: usize) {}
    fn feed_done(&self, _feed_url: &str, _outcome: &FeedOutcome) {}
}

/// The totals `parallax ingest` prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestSummary {
    pub fetched: usize,
    pub not_modified: usize,
    /// `(feed URL, reason)`, in the order they failed.
    pub failed: Vec<(String, String)>,
    pub skipped: usize,
    pub articles_new: usize,
    pub articles_duplicate: usize,
    /// Entries a parser skipped or repaired, over all feeds.
    pub diagnostics: usize,
}

/// Options beside the configuration.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Fetch feeds that are backing off too.
    pub ignore_backoff: bool,
}

/// The result of fetching and parsing one feed, before storage.
enum Fetched {
    /// `refresh_after` is the publisher's hint (the larger of RSS `<ttl>`
    /// and Cache-Control `max-age`), for the scheduler to clamp.
    Parsed {
        parsed: ParsedFeed,
        validators: Validators,
        refresh_after: Option<std::time::Duration>,
    },
    NotModified {
        validators: Validators,
        refresh_after: Option<std::time::Duration>,
    },
    Failed {
        reason: String,
        retry_after: Option<std::time::Duration>,
    },
}

struct Done {
    feed: FeedRecord,
    at: DateTime<Utc>,
    fetched: Fetched,
}

/// Fetches each feed in `feeds` once and stores what it yields.
///
/// Runs the fetches on the current Tokio runtime; storage happens on the
/// calling task, one feed at a time, so there is exactly one writer.
pub async fn ingest(
    store: &mut dyn Store,
    feeds: Vec<FeedRecord>,
    config: &Config,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestSummary, IngestError> {
    let fetcher = Fetcher::new(&config.fetch)?;
    let now = Utc::now();
    let mut summary = IngestSummary::default();
    // Only failing feeds wait: a healthy feed's next_fetch is the
    // publisher's refresh hint, which the scheduler honours, not a reason to
    // skip a fetch someone asked for.
    let (due, waiting): (Vec<_>, Vec<_>) = feeds.into_iter().partition(|feed| {
        options.ignore_backoff || feed.consecutive_failures == 0 || feed.next_fetch.is_none_or(|next| next <= now)
    });
    progress.started(due.len() + waiting.len());
    for feed in waiting {
        let until = feed.next_fetch.unwrap_or(now);
        summary.skipped += 1;
        progress.feed_done(&feed.source.url, &FeedOutcome::Skipped { until });
    }

    let global = Arc::new(Semaphore::new(config.ingest.concurrency.max(1)));
    let mut per_host: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let (sender, mut receiver) = mpsc::channel::<Done>(config.ingest.concurrency.max(1));
    for feed in due {
        let host =
            url::Url::parse(&feed.source.url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
        let host_limit = per_host
            .entry(host)
            .or_insert_with(|| Arc::new(Semaphore::new(config.ingest.per_host_concurrency.max(1))))
            .clone();
        let global = global.clone();
        let fetcher = fetcher.clone();
        let sender = sender.clone();
        let clean = config.clean.clone();
        tokio::spawn(async move {
            // Semaphores are never closed, so acquiring only fails if they
            // were; then the feed simply runs unthrottled.
            let _host_permit = host_limit.acquire_owned().await.ok();
            let _permit = global.acquire_owned().await.ok();
            let fetched = fetch_and_parse(&fetcher, &feed, clean).await;
            let done = Done { feed, at: Utc::now(), fetched };
            // The receiver only goes away when ingestion is abandoned.
            let _ = sender.send(done).await;
        });
    }
    drop(sender);

    while let Some(done) = receiver.recv().await {
        let outcome = store_outcome(store, &done, config)?;
        match &outcome {
            FeedOutcome::Fetched { new, duplicate, diagnostics } => {
                summary.fetched += 1;
                summary.articles_new += new;
                summary.articles_duplicate += duplicate;
                summary.diagnostics += diagnostics;
            }
            FeedOutcome::NotModified => summary.not_modified += 1,
            FeedOutcome::Failed { reason } => summary.failed.push((done.feed.source.url.clone(), reason.clone())),
            FeedOutcome::Skipped { .. } => summary.skipped += 1,
        }
        progress.feed_done(&done.feed.source.url, &outcome);
    }
    Ok(summary)
}

async fn fetch_and_parse(fetcher: &Fetcher, feed: &FeedRecord, clean: parallax_core::config::CleanConfig) -> Fetched {
    let validators = Validators { etag: feed.etag.clone(), last_modified: feed.last_modified.clone() };
    let body = match fetcher.fetch(&feed.source.url, &validators).await {
        Ok(FetchOutcome::Fetched(body)) => body,
        Ok(FetchOutcome::NotModified(not_modified)) => {
            return Fetched::NotModified { validators: not_modified.validators, refresh_after: not_modified.max_age };
        }
        Err(error) => return Fetched::Failed { retry_after: error.retry_after(), reason: error.to_string() },
    };
    let feed_url = feed.source.url.clone();
    let outlet = feed.source.outlet.clone();
    let fetched_at = Utc::now();
    let max_age = body.max_age;
    // Parsing a 15 MiB feed takes long enough to stall the async workers.
    let parsed = tokio::task::spawn_blocking(move || {
        let context = FeedContext {
            feed_url: &feed_url,
            outlet: &outlet,
            fetched: fetched_at,
            content_type: body.content_type.as_deref(),
            // Relative links resolve against the document's own address:
            // its Content-Location, else where redirects ended.
            content_location: body.content_location.as_deref().or(Some(body.final_url.as_str())),
        };
        parallax_feed::parse_feed(&body.body, &context, &clean).map(|parsed| (parsed, body.validators))
    })
    .await;
    match parsed {
        Ok(Ok((parsed, validators))) => {
            let refresh_after = parsed.ttl.max(max_age);
            Fetched::Parsed { parsed, validators, refresh_after }
        }
        Ok(Err(error)) => Fetched::Failed { reason: error.to_string(), retry_after: None },
        Err(join_error) => Fetched::Failed { reason: format!("feed: parser crashed: {join_error}"), retry_after: None },
    }
}

/// `at` plus the publisher's refresh hint, if it gave one.
fn after(at: DateTime<Utc>, hint: Option<std::time::Duration>) -> Option<DateTime<Utc>> {
    hint.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| at + d)
}

fn store_outcome(store: &mut dyn Store, done: &Done, config: &Config) -> Result<FeedOutcome, StoreError> {
    let url = &done.feed.source.url;
    match &done.fetched {
        Fetched::Parsed { parsed, validators, refresh_after } => {
            let counts = store.insert_articles(&parsed.articles)?;
            for diagnostic in &parsed.diagnostics {
                tracing::debug!(feed = %url, "{diagnostic}");
            }
            store.record_fetch(
                url,
                done.at,
                &FetchRecord::Fetched {
                    etag: validators.etag.clone(),
                    last_modified: validators.last_modified.clone(),
                    next_fetch: after(done.at, *refresh_after),
                },
            )?;
            Ok(FeedOutcome::Fetched {
                new: counts.new,
                duplicate: counts.duplicate,
                diagnostics: parsed.diagnostics.len(),
            })
        }
        Fetched::NotModified { validators, refresh_after } => {
            store.record_fetch(
                url,
                done.at,
                &FetchRecord::NotModified {
                    etag: validators.etag.clone().or_else(|| done.feed.etag.clone()),
                    last_modified: validators.last_modified.clone().or_else(|| done.feed.last_modified.clone()),
                    next_fetch: after(done.at, *refresh_after),
                },
            )?;
            Ok(FeedOutcome::NotModified)
        }
        Fetched::Failed { reason, retry_after } => {
            let next_fetch =
                next_attempt_after_failure(done.at, done.feed.consecutive_failures + 1, *retry_after, &config.fetch);
            store.record_fetch(
                url,
                done.at,
                &FetchRecord::Failed { error: reason.clone(), next_fetch: Some(next_fetch) },
            )?;
            Ok(FeedOutcome::Failed { reason: reason.clone() })
        }
    }
}
