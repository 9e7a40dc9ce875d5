//! Parallax's storage: outlets, their ratings per provider, feeds with their
//! fetch state, and articles.
//!
//! Everything goes through the [`Store`] trait so that another database
//! (PostgreSQL, when one machine is outgrown) can slot in and pass the same
//! [`conformance`] suite. [`SqliteStore`] is the embedded default.
//!
//! This crate owns the schema and its migrations (append-only: a released
//! migration is never edited, only followed by a new one). It must never
//! fetch, parse or clean: it stores what it is given and reports what
//! committed.

pub mod conformance;
mod sqlite;

use chrono::{DateTime, Utc};
use parallax_core::{Article, FeedSource, NewArticle, Outlet, Rating};

pub use sqlite::SqliteStore;

/// A storage failure, prefixed `store:` and naming what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: cannot open database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error(
        "store: database {path} was written by a newer Parallax (schema version {found}, this build knows {known}); upgrade Parallax"
    )]
    TooNew { path: String, found: i64, known: i64 },
    #[error("store: {context}: {source}")]
    Sqlite { context: &'static str, source: rusqlite::Error },
    #[error("store: corrupt row in {table}: {reason}")]
    Corrupt { table: &'static str, reason: String },
    #[error("store: unknown feed {0}")]
    UnknownFeed(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How a feed's last fetch went, as the status page and `feeds` list show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedStatus {
    /// Never fetched yet.
    New,
    Ok,
    NotModified,
    Failed,
}

impl FeedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedStatus::New => "new",
            FeedStatus::Ok => "ok",
            FeedStatus::NotModified => "not-modified",
            FeedStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "new" => Some(FeedStatus::New),
            "ok" => Some(FeedStatus::Ok),
            "not-modified" => Some(FeedStatus::NotModified),
            "failed" => Some(FeedStatus::Failed),
            _ => None,
        }
    }
}

/// A feed with everything the fetcher and the status page need.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRecord {
    pub id: i64,
    pub source: FeedSource,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub status: FeedStatus,
    /// Failures in a row; reset by a success. Drives the back-off.
    pub consecutive_failures: u32,
    /// Failures ever, shown on the status page.
    pub error_count: u32,
    pub last_error: Option<String>,
    pub last_fetched: Option<DateTime<Utc>>,
    /// Not to be fetched before this time (back-off or Retry-After).
    pub next_fetch: Option<DateTime<Utc>>,
}

/// The outcome of one fetch of one feed, to be recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchRecord {
    Fetched { etag: Option<String>, last_modified: Option<String>, next_fetch: Option<DateTime<Utc>> },
    NotModified { etag: Option<String>, last_modified: Option<String>, next_fetch: Option<DateTime<Utc>> },
    Failed { error: String, next_fetch: Option<DateTime<Utc>> },
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub outlets_new: usize,
    pub ratings_new: usize,
    pub ratings_updated: usize,
    pub feeds_new: usize,
}

/// What an article batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InsertCounts {
    pub new: usize,
    /// Already stored: same canonical URL, or same GUID in the same feed.
    pub duplicate: usize,
}

/// An outlet with all that is known of it, provider by provider.
#[derive(Debug, Clone, PartialEq)]
pub struct OutletRecord {
    pub outlet: Outlet,
    /// Ordered by provider, then version.
    pub ratings: Vec<Rating>,
    pub feeds: Vec<FeedRecord>,
    pub articles: u64,
}

/// One line of `outlets list`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutletSummary {
    pub outlet: Outlet,
    pub ratings: Vec<Rating>,
    pub feeds: u64,
    pub articles: u64,
}

/// Totals for a quick look at the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub outlets: u64,
    pub ratings: u64,
    pub feeds: u64,
    pub articles: u64,
}

/// The storage contract. Every implementation passes [`conformance::run_all`].
///
/// Writes are transactional: when a method returns `Ok`, what it reports is
/// committed. One writer at a time; readers may run beside it.
pub trait Store: Send {
    /// Adds outlets, ratings and feeds in one transaction. Ratings are keyed
    /// by `(outlet, provider, version)`: an identical re-import changes
    /// nothing and no provider overwrites another. Feeds are keyed by URL;
    /// an existing feed keeps its fetch state.
    fn import(&mut self, outlets: &[Outlet], ratings: &[Rating], feeds: &[FeedSource]) -> Result<ImportCounts>;

    /// Every registered outlet domain, for mapping hosts to outlets.
    fn outlet_domains(&self) -> Result<Vec<String>>;

    fn outlet(&self, domain: &str) -> Result<Option<OutletRecord>>;

    /// All outlets, ordered by domain.
    fn outlets(&self) -> Result<Vec<OutletSummary>>;

    /// All feeds, ordered by URL. With `only`, just those URLs.
    fn feeds(&self, only: Option<&[String]>) -> Result<Vec<FeedRecord>>;

    /// Records how a fetch went: validators, status, error counts.
    fn record_fetch(&mut self, feed_url: &str, at: DateTime<Utc>, record: &FetchRecord) -> Result<()>;

    /// Stores a batch of articles in one transaction, skipping duplicates.
    fn insert_articles(&mut self, articles: &[NewArticle]) -> Result<InsertCounts>;

    /// Calls `each` for every article in id order, streaming (no full load).
    fn for_each_article(&self, each: &mut dyn FnMut(Article) -> Result<()>) -> Result<()>;

    fn counts(&self) -> Result<StoreCounts>;
}
