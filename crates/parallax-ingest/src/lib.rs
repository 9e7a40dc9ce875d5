//! Ingestion: one round ([`run_round`]) takes every due feed from a
//! [`FeedSupply`] (the network, the demo's files, a test's fixtures) and
//! runs the stages in order: feeds fetched concurrently, parsed off the
//! async threads and stored by one writer that commits the feeds that have
//! arrived together ([`feeds`]); the full text of cut teasers
//! ([`fulltext`]); new articles placed in stories ([`stories`]); the
//! touched stories' views ([`views`]); and the caller's search index caught
//! up ([`SearchCatchUp`]). The CLI, the server's scheduler and the demo all
//! run this one round and read its one [`RoundReport`].
//!
//! This crate owns the order of work and the failure policy: a feed, page
//! or story that fails, or panics, is recorded as failed with its reason
//! and the round goes on; only a storage failure stops it. It never opens
//! sockets itself (that is `parallax-fetch`), never interprets bytes
//! (`parallax-feed`) and never writes SQL (`parallax-store`). It reports
//! progress through [`Progress`], so it needs no terminal.

mod backoff;
mod config;
pub mod feeds;
pub mod fulltext;
pub mod round;
pub mod stories;
mod summarizer;
pub mod supply;
mod unstored;
pub mod views;

use chrono::{DateTime, Utc};
use parallax_fetch::FetchError;
use parallax_store::StoreError;

pub use backoff::next_attempt_after_failure;
pub use config::{Config, EmbedSettings};
pub use round::{Round, RoundReport, SearchCatchUp, run_round};
pub use summarizer::Summarizer;
pub use supply::{FeedSupply, MemorySupply, NetworkSupply};
pub use unstored::UnstoredFetches;

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
    /// Feeds whose parser panicked, their bytes kept in the store.
    pub quarantined: usize,
    /// Transactions the writer committed (group commit: many feeds each).
    pub commits: usize,
}

/// Options beside the configuration.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Fetch feeds that are backing off too.
    pub ignore_backoff: bool,
    /// Feeds fetched in earlier rounds whose storing failed; kept across
    /// rounds by a caller that runs many (the server), so those feeds back
    /// off instead of being downloaded again at every tick.
    pub unstored: Option<std::sync::Arc<UnstoredFetches>>,
}

impl IngestSummary {
    /// Adds one feed's outcome to the totals.
    fn count(&mut self, feed_url: &str, outcome: &FeedOutcome) {
        match outcome {
            FeedOutcome::Fetched { new, duplicate, diagnostics } => {
                self.fetched += 1;
                self.articles_new += new;
                self.articles_duplicate += duplicate;
                self.diagnostics += diagnostics;
            }
            FeedOutcome::NotModified => self.not_modified += 1,
            FeedOutcome::Failed { reason } => self.failed.push((feed_url.to_string(), reason.clone())),
            FeedOutcome::Skipped { .. } => self.skipped += 1,
        }
    }
}

/// The message a panic carried, for the report of what crashed.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// The feed stage alone over the network: each feed in `feeds` fetched
/// once, parsed and stored, with no full text, stories or views (`parallax
/// eval feeds` reads what the parser stored). [`run_round`] is the round.
pub async fn ingest(
    store: &mut dyn parallax_store::Store,
    feeds: Vec<parallax_store::FeedRecord>,
    config: &Config,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestSummary, IngestError> {
    let supply = std::sync::Arc::new(NetworkSupply::from_config(&config.fetch)?);
    Ok(feeds::fetch_and_store(store, feeds, supply, config, options, progress).await?)
}
