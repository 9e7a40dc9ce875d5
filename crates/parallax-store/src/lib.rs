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
pub mod export;
mod sqlite;

use chrono::{DateTime, Utc};
use parallax_core::{Article, FeedSource, NewArticle, Outlet, Rating, StoryView};

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
    /// A database server (PostgreSQL) refused to connect.
    #[error("store: cannot connect to {url}: {source}")]
    Connect { url: String, source: Box<dyn std::error::Error + Send + Sync> },
    /// A database other than SQLite failed: the same as `Sqlite`, for
    /// backends in their own crates.
    #[error("store: {context}: {source}")]
    Backend { context: &'static str, source: Box<dyn std::error::Error + Send + Sync> },
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

    pub fn parse(s: &str) -> Option<Self> {
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

/// One feed's turn, as the ingest writer commits it: its new articles (none
/// for a failure or a 304) and how the fetch went.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedCommit<'a> {
    pub feed_url: &'a str,
    pub at: DateTime<Utc>,
    pub articles: &'a [NewArticle],
    pub record: FetchRecord,
}

/// A feed whose parser crashed: its bytes kept for a bug report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedFeed {
    pub feed_url: String,
    pub at: DateTime<Utc>,
    pub reason: String,
    pub bytes: Vec<u8>,
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

/// Where the clusterer put one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoryAssignment {
    pub article: i64,
    /// The story's id: the id of its first article.
    pub story: i64,
    /// The article this one is a near-verbatim copy of (a wire story).
    pub copy_of: Option<i64>,
}

/// One story absorbing another: every article of `absorbed` moves to `into`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoryMerge {
    pub absorbed: i64,
    pub into: i64,
}

/// A stored article with its place in a story.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryArticle {
    pub article: Article,
    pub copy_of: Option<i64>,
}

/// A story with its articles, ordered by publication time.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryRecord {
    pub id: i64,
    pub first_published: DateTime<Utc>,
    pub last_updated: DateTime<Utc>,
    pub articles: Vec<StoryArticle>,
    /// The computed summary and coverage; `None` until first computed.
    pub view: Option<StoryView>,
}

/// How fetching an article's page for its full text went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextOutcome {
    Extracted {
        text: String,
        extractor: String,
    },
    /// The teaser stays; the reason is kept for the status page.
    Failed {
        reason: String,
    },
}

/// Totals for a quick look at the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub outlets: u64,
    pub ratings: u64,
    pub feeds: u64,
    pub articles: u64,
    /// Live stories (absorbed ones not counted).
    pub stories: u64,
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

    /// Just the ratings of an outlet (none for an unknown domain): what the
    /// story views need, without [`Store::outlet`]'s feed list and article
    /// count, which cost a scan per outlet on a large archive.
    fn outlet_ratings(&self, domain: &str) -> Result<Vec<Rating>>;

    /// All outlets, ordered by domain.
    fn outlets(&self) -> Result<Vec<OutletSummary>>;

    /// All feeds, ordered by URL. With `only`, just those URLs.
    fn feeds(&self, only: Option<&[String]>) -> Result<Vec<FeedRecord>>;

    /// Records how a fetch went: validators, status, error counts.
    fn record_fetch(&mut self, feed_url: &str, at: DateTime<Utc>, record: &FetchRecord) -> Result<()>;

    /// Stores a batch of articles in one transaction, skipping duplicates.
    fn insert_articles(&mut self, articles: &[NewArticle]) -> Result<InsertCounts>;

    /// Group commit: each feed's articles and fetch outcome, for many feeds,
    /// in one transaction (one fsync). A feed the store refuses (an unknown
    /// URL) gets its error in its slot and leaves nothing behind; the others
    /// commit. `Ok` means every `Ok` slot is committed.
    fn commit_feeds(&mut self, feeds: &[FeedCommit<'_>]) -> Result<Vec<Result<InsertCounts>>>;

    /// Keeps the bytes of a feed whose parser crashed, with why, for a bug
    /// report (the newest per feed; [`Store::quarantined_feeds`] reads them).
    fn quarantine_feed(&mut self, feed_url: &str, at: DateTime<Utc>, reason: &str, bytes: &[u8]) -> Result<()>;

    /// Every quarantined feed: URL, when, why, and the bytes.
    fn quarantined_feeds(&self) -> Result<Vec<QuarantinedFeed>>;

    /// Calls `each` for every article in id order, streaming (no full load).
    fn for_each_article(&self, each: &mut dyn FnMut(Article) -> Result<()>) -> Result<()>;

    fn counts(&self) -> Result<StoreCounts>;

    /// Articles not yet in a story, in publication order (ties by id), at
    /// most `limit`.
    fn unclustered_articles(&self, limit: usize) -> Result<Vec<Article>>;

    /// Articles in stories published from `since` to `until` (both
    /// included), in publication order, with their story: what the
    /// clusterer needs to resume around new articles. Read through the
    /// publication index, so the cost is the window's, not the archive's.
    fn clustered_between(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<(Article, i64)>>;

    /// Records the clusterer's decisions in one transaction: assignments
    /// first, then merges in order (a merge moves every article of the
    /// absorbed story, stored earlier or now). Story times are recomputed.
    fn assign_stories(
        &mut self,
        assignments: &[StoryAssignment],
        merges: &[StoryMerge],
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// Stores freshly computed views of stories, in one transaction.
    fn set_story_views(&mut self, views: &[(i64, StoryView)]) -> Result<()>;

    /// A live (not absorbed) story with its articles.
    fn story(&self, id: i64) -> Result<Option<StoryRecord>>;

    /// The live stories among `ids`, with their articles, in the order of
    /// `ids`; absorbed and unknown ids are left out. The views stage reads
    /// its stories a chunk at a time through this, so a store across a
    /// network answers a chunk in a few queries rather than a few per story.
    fn stories_by_id(&self, ids: &[i64]) -> Result<Vec<StoryRecord>> {
        let mut stories = Vec::with_capacity(ids.len());
        for &id in ids {
            stories.extend(self.story(id)?);
        }
        Ok(stories)
    }

    /// Articles fetched from `since` to `until` with no full-text attempt
    /// yet whose snippet the feed cut (or whose outlet is in
    /// `always_outlets`), newest published first. The window keeps the cost
    /// that of the recent articles, however large the archive.
    fn articles_wanting_text(
        &self,
        limit: usize,
        always_outlets: &[String],
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Article>>;

    /// Records a full-text attempt: the extracted text, or why it failed.
    fn record_article_text(&mut self, article: i64, at: DateTime<Utc>, outcome: &TextOutcome) -> Result<()>;

    /// The extracted full text of those of `articles` that have one.
    fn article_texts(&self, articles: &[i64]) -> Result<std::collections::HashMap<i64, String>>;

    /// Calls `each` for every live story in id order.
    fn for_each_story(&self, each: &mut dyn FnMut(StoryRecord) -> Result<()>) -> Result<()>;

    // ---- Listings and the search queue, for the web server and the API ----

    /// Live stories matching `filter`, most recently updated first (ties by
    /// id, descending), strictly after `after`, at most `limit`.
    fn story_heads(&self, filter: &StoryFilter, after: Option<StoryCursor>, limit: usize) -> Result<Vec<StoryHead>>;

    /// What [`Store::story_heads`] lists, as cursors only (id and last
    /// update): a listing whose stories are already at hand (the server's
    /// cache) then reads no view.
    fn story_cursors(
        &self,
        filter: &StoryFilter,
        after: Option<StoryCursor>,
        limit: usize,
    ) -> Result<Vec<StoryCursor>> {
        Ok(self.story_heads(filter, after, limit)?.iter().map(StoryHead::cursor).collect())
    }

    /// The live stories among `ids`, in the order given; unknown and absorbed
    /// ids are left out.
    fn story_heads_by_id(&self, ids: &[i64]) -> Result<Vec<StoryHead>>;

    /// Stories whose articles, view or liveness changed since they were last
    /// forgotten (absorbed ones included, so a search index can drop them),
    /// smallest ids first, at most `limit`.
    fn touched_stories(&self, limit: usize) -> Result<Vec<i64>>;

    /// Clears stories from the touched list once their change is handled.
    fn forget_touched_stories(&mut self, ids: &[i64]) -> Result<()>;

    // ---- Outlets that change after their stories were counted ----

    /// Merges every outlet whose domain `canonical` maps to another domain
    /// into that outlet (created when missing): its ratings (where the
    /// target has none from the same provider and version), feeds and
    /// articles move, and the target is queued as touched. For data stored
    /// before the host-to-outlet rule changed. Returns how many merged.
    fn merge_outlets_by(&mut self, canonical: &dyn Fn(&str) -> String) -> Result<usize>;

    /// Outlets whose ratings changed (an import added or revised one, or an
    /// outlet was merged into them) since they were last forgotten, by
    /// domain, at most `limit`.
    fn touched_outlets(&self, limit: usize) -> Result<Vec<String>>;

    /// Clears outlets from the touched list once the stories covering them
    /// are recounted.
    fn forget_touched_outlets(&mut self, domains: &[String]) -> Result<()>;

    /// Live stories with an article from any of these outlets, by id.
    fn stories_of_outlets(&self, domains: &[String]) -> Result<Vec<i64>>;
}

/// Which live stories a listing wants; every field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryFilter {
    /// Stories this side (nearly) ignores, by the stored view.
    pub blindspot: Option<parallax_core::LeanBucket>,
    /// Stories with an article from this outlet domain.
    pub outlet: Option<String>,
    /// Stories with an article in this language (ISO 639-1).
    pub language: Option<String>,
    /// Stories updated at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Stories whose stored view files them under this topic.
    pub topic: Option<parallax_core::Topic>,
    /// Stories covered by an outlet from one of these countries (ISO
    /// 3166-1 alpha-2, lower-case), by the stored view; empty: any.
    pub countries: Vec<String>,
}

/// Where a listing stopped: its last story's update time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoryCursor {
    pub last_updated: DateTime<Utc>,
    pub id: i64,
}

/// A story without its articles: what a listing shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryHead {
    pub id: i64,
    pub first_published: DateTime<Utc>,
    pub last_updated: DateTime<Utc>,
    /// From the view once computed, else counted from the articles.
    pub articles: u32,
    pub outlets: u32,
    /// The view's title once computed, else the earliest headline.
    pub title: String,
    pub view: Option<StoryView>,
}

impl StoryHead {
    pub fn cursor(&self) -> StoryCursor {
        StoryCursor { last_updated: self.last_updated, id: self.id }
    }

    /// A head from a stored story, for every backend: times in Unix
    /// seconds, the view as stored JSON, and the article and outlet counts
    /// and the earliest headline, which a query works out only while the
    /// view is not computed yet (the view has them after).
    pub fn from_stored(
        id: i64,
        (first, last): (i64, i64),
        view: Option<&str>,
        articles: Option<i64>,
        outlets: Option<i64>,
        title: Option<String>,
    ) -> Result<StoryHead> {
        use chrono::TimeZone;
        let corrupt = |reason: String| StoreError::Corrupt { table: "stories", reason };
        let time = |secs: i64| {
            Utc.timestamp_opt(secs, 0).single().ok_or_else(|| corrupt(format!("bad time {secs} in story {id}")))
        };
        let view: Option<StoryView> =
            view.map(serde_json::from_str).transpose().map_err(|e| corrupt(format!("view of story {id}: {e}")))?;
        let count = |n: Option<i64>| u32::try_from(n.unwrap_or(0)).unwrap_or(u32::MAX);
        let (articles, outlets, title) = match &view {
            Some(view) => (view.coverage.articles, view.coverage.outlets, view.title.clone()),
            None => (count(articles), count(outlets), title.unwrap_or_default()),
        };
        Ok(StoryHead { id, first_published: time(first)?, last_updated: time(last)?, articles, outlets, title, view })
    }
}
