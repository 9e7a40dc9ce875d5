//! The feed stage: every due feed asked of the supply once, concurrently
//! (a global and a per-host limit), parsed off the async threads, and
//! stored by the one writer, which commits the feeds that have arrived
//! together (group commit) and reports each only after its commit.
//!
//! A feed's failure, or a panic while fetching or parsing it, is that
//! feed's outcome: recorded on the feed with its reason and a back-off,
//! never propagated. A feed whose parser panicked is quarantined with its
//! bytes. Only a storage failure stops the stage.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use parallax_core::config::CleanConfig;
use parallax_feed::{FeedContext, ParsedFeed};
use parallax_fetch::Validators;
use parallax_store::{FeedCommit, FeedRecord, FetchRecord, Store, StoreError};
use tokio::sync::{Semaphore, mpsc};

use crate::supply::{FeedSupply, Supplied};
use crate::{Config, FeedOutcome, IngestOptions, IngestSummary, Progress, panic_message};

/// The result of fetching and parsing one feed, before storage.
enum Fetched {
    /// `refresh_after` is the publisher's hint (the larger of RSS `<ttl>`
    /// and Cache-Control `max-age`), for the scheduler to clamp.
    Parsed {
        parsed: ParsedFeed,
        validators: Validators,
        refresh_after: Option<Duration>,
    },
    NotModified {
        validators: Validators,
        refresh_after: Option<Duration>,
    },
    Failed {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The parser panicked on these bytes: a bug to report.
    Crashed {
        reason: String,
        bytes: Arc<Vec<u8>>,
    },
}

struct Done {
    feed: FeedRecord,
    at: DateTime<Utc>,
    fetched: Fetched,
}

/// How feed bytes become articles: `parallax_feed::parse_feed`, or in this
/// module's tests a parser that crashes on purpose.
type Parser = fn(&[u8], &FeedContext<'_>, &CleanConfig) -> Result<ParsedFeed, parallax_feed::FeedError>;

/// Fetches each feed in `feeds` once and stores what it yields.
///
/// Runs the fetches on the current Tokio runtime; storage happens on the
/// calling task, so there is exactly one writer.
pub async fn fetch_and_store(
    store: &mut dyn Store,
    feeds: Vec<FeedRecord>,
    supply: Arc<dyn FeedSupply>,
    config: &Config,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestSummary, StoreError> {
    fetch_and_store_with(store, feeds, supply, config, options, progress, parallax_feed::parse_feed).await
}

async fn fetch_and_store_with(
    store: &mut dyn Store,
    feeds: Vec<FeedRecord>,
    supply: Arc<dyn FeedSupply>,
    config: &Config,
    options: &IngestOptions,
    progress: &dyn Progress,
    parser: Parser,
) -> Result<IngestSummary, StoreError> {
    let now = Utc::now();
    let mut summary = IngestSummary::default();
    // Only failing feeds wait: a healthy feed's next_fetch is the
    // publisher's refresh hint, which the scheduler honours, not a reason to
    // skip a fetch someone asked for.
    // A feed whose last fetch could not be stored waits too, or a failing
    // store would have every feed downloaded again at every round.
    let unstored = options.unstored.as_deref();
    let unstored_until = |feed: &FeedRecord| unstored.and_then(|u| u.backing_off_until(&feed.source.url, now));
    let (due, waiting): (Vec<_>, Vec<_>) = feeds.into_iter().partition(|feed| {
        options.ignore_backoff
            || ((feed.consecutive_failures == 0 || feed.next_fetch.is_none_or(|next| next <= now))
                && unstored_until(feed).is_none())
    });
    progress.started(due.len() + waiting.len());
    for feed in waiting {
        let until = unstored_until(&feed).or(feed.next_fetch).unwrap_or(now);
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
        let supply = supply.clone();
        let sender = sender.clone();
        let clean = config.clean.clone();
        tokio::spawn(async move {
            // Semaphores are never closed, so acquiring only fails if they
            // were; then the feed simply runs unthrottled.
            let _host_permit = host_limit.acquire_owned().await.ok();
            let _permit = global.acquire_owned().await.ok();
            let fetched = std::panic::AssertUnwindSafe(fetch_and_parse(supply.as_ref(), &feed, clean, parser))
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| Fetched::Failed {
                    reason: format!("fetch: crashed: {}", panic_message(panic.as_ref())),
                    retry_after: None,
                });
            let done = Done { feed, at: Utc::now(), fetched };
            // The receiver only goes away when ingestion is abandoned.
            let _ = sender.send(done).await;
        });
    }
    drop(sender);

    let max_feeds = config.ingest.commit_max_feeds.max(1);
    let wait = Duration::from_millis(config.ingest.commit_max_wait_ms);
    let mut group: Vec<Done> = Vec::with_capacity(max_feeds);
    while let Some(first) = receiver.recv().await {
        group.push(first);
        let deadline = tokio::time::Instant::now() + wait;
        while group.len() < max_feeds {
            match receiver.try_recv() {
                Ok(done) => group.push(done),
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => match tokio::time::timeout_at(deadline, receiver.recv()).await
                {
                    Ok(Some(done)) => group.push(done),
                    Ok(None) | Err(_) => break,
                },
            }
        }
        let outcomes = match commit_group(store, &group, config) {
            Ok(outcomes) => outcomes,
            Err(error) => {
                // Nothing more can be stored this round: what was fetched,
                // and what is still arriving, backs off until a later one.
                if let Some(unstored) = unstored {
                    for done in &group {
                        unstored.failed_to_store(&done.feed.source.url, done.at, &config.fetch);
                    }
                    while let Some(done) = receiver.recv().await {
                        unstored.failed_to_store(&done.feed.source.url, done.at, &config.fetch);
                    }
                }
                return Err(error);
            }
        };
        summary.commits += 1;
        for (done, outcome) in group.drain(..).zip(outcomes) {
            if let Some(unstored) = unstored {
                unstored.stored(&done.feed.source.url);
            }
            summary.count(&done.feed.source.url, &outcome);
            if matches!(done.fetched, Fetched::Crashed { .. }) {
                summary.quarantined += 1;
            }
            progress.feed_done(&done.feed.source.url, &outcome);
        }
    }
    Ok(summary)
}

async fn fetch_and_parse(supply: &dyn FeedSupply, feed: &FeedRecord, clean: CleanConfig, parser: Parser) -> Fetched {
    let validators = Validators { etag: feed.etag.clone(), last_modified: feed.last_modified.clone() };
    let body = match supply.fetch(&feed.source.url, &validators).await {
        Ok(Supplied::Body(body)) => body,
        Ok(Supplied::NotModified { validators, max_age }) => {
            return Fetched::NotModified { validators, refresh_after: max_age };
        }
        Err(error) => return Fetched::Failed { retry_after: error.retry_after, reason: error.reason },
    };
    let feed_url = feed.source.url.clone();
    let outlet = feed.source.outlet.clone();
    let fetched_at = Utc::now();
    let bytes = Arc::new(body.bytes);
    let content_type = body.content_type;
    let base_url = body.base_url;
    let parse_bytes = bytes.clone();
    // Parsing a 15 MiB feed takes long enough to stall the async workers.
    let parsed = tokio::task::spawn_blocking(move || {
        let context = FeedContext {
            feed_url: &feed_url,
            outlet: &outlet,
            fetched: fetched_at,
            content_type: content_type.as_deref(),
            content_location: base_url.as_deref(),
        };
        parser(&parse_bytes, &context, &clean)
    })
    .await;
    match parsed {
        Ok(Ok(parsed)) => {
            let refresh_after = parsed.ttl.max(body.max_age);
            Fetched::Parsed { parsed, validators: body.validators, refresh_after }
        }
        Ok(Err(error)) => Fetched::Failed { reason: error.to_string(), retry_after: None },
        Err(join_error) => {
            let reason = match join_error.try_into_panic() {
                Ok(panic) => panic_message(panic.as_ref()),
                Err(error) => error.to_string(),
            };
            Fetched::Crashed {
                reason: format!(
                    "feed: the parser panicked ({reason}); its bytes are quarantined for a bug report \
                     (`parallax feeds --quarantined DIR` writes them out)"
                ),
                bytes,
            }
        }
    }
}

/// `at` plus the publisher's refresh hint, if it gave one.
fn after(at: DateTime<Utc>, hint: Option<Duration>) -> Option<DateTime<Utc>> {
    hint.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| at + d)
}

/// What the store records for one feed's turn.
fn fetch_record(done: &Done, config: &Config) -> FetchRecord {
    match &done.fetched {
        Fetched::Parsed { validators, refresh_after, .. } => FetchRecord::Fetched {
            etag: validators.etag.clone(),
            last_modified: validators.last_modified.clone(),
            next_fetch: after(done.at, *refresh_after),
        },
        Fetched::NotModified { validators, refresh_after } => FetchRecord::NotModified {
            etag: validators.etag.clone().or_else(|| done.feed.etag.clone()),
            last_modified: validators.last_modified.clone().or_else(|| done.feed.last_modified.clone()),
            next_fetch: after(done.at, *refresh_after),
        },
        Fetched::Failed { reason, retry_after } => FetchRecord::Failed {
            error: reason.clone(),
            next_fetch: Some(crate::next_attempt_after_failure(
                done.at,
                done.feed.consecutive_failures + 1,
                *retry_after,
                &config.fetch,
            )),
        },
        Fetched::Crashed { reason, .. } => FetchRecord::Failed {
            error: reason.clone(),
            next_fetch: Some(crate::next_attempt_after_failure(
                done.at,
                done.feed.consecutive_failures + 1,
                None,
                &config.fetch,
            )),
        },
    }
}

/// Commits a group of feeds in one transaction and says how each ended.
fn commit_group(store: &mut dyn Store, group: &[Done], config: &Config) -> Result<Vec<FeedOutcome>, StoreError> {
    let commits: Vec<FeedCommit<'_>> = group
        .iter()
        .map(|done| FeedCommit {
            feed_url: &done.feed.source.url,
            at: done.at,
            articles: match &done.fetched {
                Fetched::Parsed { parsed, .. } => &parsed.articles,
                _ => &[],
            },
            record: fetch_record(done, config),
        })
        .collect();
    let results = store.commit_feeds(&commits)?;
    let mut outcomes = Vec::with_capacity(group.len());
    for (done, result) in group.iter().zip(results) {
        let url = &done.feed.source.url;
        let outcome = match (result, &done.fetched) {
            (Err(error), _) => FeedOutcome::Failed { reason: error.to_string() },
            (Ok(counts), Fetched::Parsed { parsed, .. }) => {
                for diagnostic in &parsed.diagnostics {
                    tracing::debug!(feed = %url, "{diagnostic}");
                }
                FeedOutcome::Fetched {
                    new: counts.new,
                    duplicate: counts.duplicate,
                    diagnostics: parsed.diagnostics.len(),
                }
            }
            (Ok(_), Fetched::NotModified { .. }) => FeedOutcome::NotModified,
            (Ok(_), Fetched::Failed { reason, .. }) => FeedOutcome::Failed { reason: reason.clone() },
            (Ok(_), Fetched::Crashed { reason, bytes }) => {
                store.quarantine_feed(url, done.at, reason, bytes)?;
                tracing::error!(feed = %url, "{reason}");
                FeedOutcome::Failed { reason: reason.clone() }
            }
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MemorySupply, NoProgress};
    use parallax_store::SqliteStore;

    const CRASHING: &[u8] = b"<rss>crash the parser</rss>";

    /// The real parser, except on [`CRASHING`] bytes, where it panics as a
    /// parser bug would.
    fn crashing_parser(
        bytes: &[u8],
        context: &FeedContext<'_>,
        clean: &CleanConfig,
    ) -> Result<ParsedFeed, parallax_feed::FeedError> {
        assert!(bytes != CRASHING, "index out of bounds: the len is 3 but the index is 7");
        parallax_feed::parse_feed(bytes, context, clean)
    }

    fn rss(outlet: &str) -> Vec<u8> {
        format!(
            "<rss version=\"2.0\"><channel><title>{outlet}</title><item><title>News from {outlet}</title>\
             <link>https://{outlet}/1</link><description>What happened at {outlet} today.</description></item>\
             </channel></rss>"
        )
        .into_bytes()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_feed_that_crashes_the_parser_is_quarantined_and_the_others_are_stored() {
        let mut store = SqliteStore::open_in_memory().expect("store");
        let sources: Vec<parallax_core::FeedSource> = ["a.example", "b.example", "c.example"]
            .iter()
            .map(|outlet| parallax_core::FeedSource {
                url: format!("https://{outlet}/rss"),
                outlet: (*outlet).to_string(),
                title: None,
                language: None,
                categories: Vec::new(),
            })
            .collect();
        store.import(&[], &[], &sources).expect("register");
        let supply = MemorySupply::new(
            "test",
            [
                ("https://a.example/rss".to_string(), rss("a.example")),
                ("https://b.example/rss".to_string(), CRASHING.to_vec()),
                ("https://c.example/rss".to_string(), rss("c.example")),
            ],
        );
        let feeds = store.feeds(None).expect("feeds");
        let config = Config::default();
        let summary = fetch_and_store_with(
            &mut store,
            feeds,
            Arc::new(supply),
            &config,
            &IngestOptions::default(),
            &NoProgress,
            crashing_parser,
        )
        .await
        .expect("the stage ends");
        assert_eq!((summary.fetched, summary.articles_new, summary.quarantined), (2, 2, 1));
        let [(url, reason)] = &summary.failed[..] else { panic!("one failure: {:?}", summary.failed) };
        assert_eq!(url, "https://b.example/rss");
        assert!(reason.contains("the parser panicked (index out of bounds"), "{reason}");
        let crashed = store.feeds(Some(std::slice::from_ref(url))).expect("feed").remove(0);
        assert_eq!(crashed.status, parallax_store::FeedStatus::Failed);
        assert!(crashed.last_error.as_deref().is_some_and(|e| e.contains("quarantined")), "{crashed:?}");
        let kept = store.quarantined_feeds().expect("quarantine");
        assert_eq!((kept.len(), kept[0].bytes.as_slice()), (1, CRASHING));
    }
}
