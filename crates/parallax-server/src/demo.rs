//! The demo: sample feeds and ratings the Parallax team wrote (all invented,
//! every page says so), replayed without a network so a newcomer can see
//! stories, bias bars and blindspots on any machine.
//!
//! The feeds are parsed by the real parser and stored through the real
//! store; only the fetch is skipped. Dates are moved so the newest sample
//! article is a few minutes old, and the stories look current.

use chrono::{DateTime, Duration, Utc};
use parallax_core::config::CleanConfig;
use parallax_core::{Diagnostic, NewArticle};
use parallax_feed::FeedContext;
use parallax_ingest::{FeedOutcome, IngestSummary, Progress};
use parallax_outlets::Import;
use parallax_store::{FeedRecord, FetchRecord, Store, StoreError};

/// The sample outlets' feeds: `parallax:outlet` ties each to its outlet.
pub const FEEDS_OPML: &str = include_str!("../../../demo/feeds.opml");
/// Invented ratings in the generic CSV format, provider `parallax-demo`.
pub const RATINGS_CSV: &str = include_str!("../../../demo/ratings.csv");

/// Where the demo's feed URLs point; `.invalid` never resolves, so nothing
/// can fetch them by mistake.
pub const FEED_URL_PREFIX: &str = "https://demo.parallax.invalid/feeds/";

const FEED_FILES: &[(&str, &str)] = &[
    ("progressive-ledger.xml", include_str!("../../../demo/feeds/progressive-ledger.xml")),
    ("north-beacon.xml", include_str!("../../../demo/feeds/north-beacon.xml")),
    ("civic-daily.xml", include_str!("../../../demo/feeds/civic-daily.xml")),
    ("meridian-wire.xml", include_str!("../../../demo/feeds/meridian-wire.xml")),
    ("common-post.xml", include_str!("../../../demo/feeds/common-post.xml")),
    ("heartland-tribune.xml", include_str!("../../../demo/feeds/heartland-tribune.xml")),
    ("keystone-report.xml", include_str!("../../../demo/feeds/keystone-report.xml")),
    ("liberty-herald.xml", include_str!("../../../demo/feeds/liberty-herald.xml")),
    ("town-square.xml", include_str!("../../../demo/feeds/town-square.xml")),
];

/// Sample dates are moved after parsing, so the parser must keep dates
/// ahead of the clock as written: ten years covers any machine's clock.
const DEMO_FUTURE_TOLERANCE_SECS: i64 = 10 * 365 * 24 * 3600;

/// How recent the newest sample article looks once replayed.
const NEWEST_ARTICLE_AGE_MINUTES: i64 = 20;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo: the bundled {file} is broken: {reason}")]
    Broken { file: &'static str, reason: String },
    #[error("demo: {0}")]
    Store(#[from] StoreError),
}

/// The demo's outlets, ratings and feeds, ready for `Store::import`.
pub fn registry() -> Result<Import, DemoError> {
    let broken = |file, reason: String| DemoError::Broken { file, reason };
    let mut feeds = parallax_outlets::import_as(parallax_outlets::Format::Opml, "feeds.opml", FEEDS_OPML.as_bytes())
        .map_err(|e| broken("demo/feeds.opml", e.to_string()))?;
    let ratings = parallax_outlets::import("ratings.csv", RATINGS_CSV.as_bytes())
        .map_err(|e| broken("demo/ratings.csv", e.to_string()))?;
    if let Some(problem) = feeds.diagnostics.iter().chain(&ratings.diagnostics).next() {
        return Err(broken("demo data", problem.to_string()));
    }
    feeds.outlets.extend(ratings.outlets);
    feeds.ratings.extend(ratings.ratings);
    Ok(feeds)
}

/// Registers the demo outlets, ratings and feeds in `store`.
pub fn seed(store: &mut dyn Store) -> Result<Vec<String>, DemoError> {
    let import = registry()?;
    store.import(&import.outlets, &import.ratings, &import.feeds)?;
    Ok(import.feeds.into_iter().map(|feed| feed.url).collect())
}

/// The sample feeds, parsed once and moved in time.
pub struct DemoFeeds {
    /// Feed URL → its articles and what the parser said.
    parsed: Vec<(String, Vec<NewArticle>, Vec<Diagnostic>)>,
}

impl DemoFeeds {
    /// Parses every sample feed as if fetched `now`, for the outlets the
    /// demo OPML assigns, then moves all dates by one offset so the newest
    /// article is [`NEWEST_ARTICLE_AGE_MINUTES`] old.
    pub fn load(now: DateTime<Utc>, clean: &CleanConfig) -> Result<DemoFeeds, DemoError> {
        let registry = registry()?;
        let mut parsed = Vec::new();
        for (name, text) in FEED_FILES {
            let url = format!("{FEED_URL_PREFIX}{name}");
            let outlet = registry.feeds.iter().find(|f| f.url == url).map(|f| f.outlet.clone()).ok_or_else(|| {
                DemoError::Broken { file: "demo/feeds.opml", reason: format!("no outline for {url}") }
            })?;
            let context = FeedContext {
                feed_url: &url,
                outlet: &outlet,
                fetched: now,
                content_type: None,
                content_location: None,
            };
            // Sample dates may be ahead of the machine's clock; they are
            // moved below, so the future check must not replace them.
            let lenient = CleanConfig { future_tolerance_secs: DEMO_FUTURE_TOLERANCE_SECS, ..clean.clone() };
            let feed = parallax_feed::parse_feed(text.as_bytes(), &context, &lenient)
                .map_err(|e| DemoError::Broken { file: "a demo feed", reason: format!("{name}: {e}") })?;
            parsed.push((url, feed.articles, feed.diagnostics));
        }
        let newest = parsed.iter().flat_map(|(_, articles, _)| articles).map(|a| a.published).max();
        if let Some(newest) = newest {
            let shift = now - Duration::minutes(NEWEST_ARTICLE_AGE_MINUTES) - newest;
            for article in parsed.iter_mut().flat_map(|(_, articles, _)| articles.iter_mut()) {
                article.published += shift;
            }
        }
        Ok(DemoFeeds { parsed })
    }

    /// Stores the articles of the `due` feeds as an ingest round would.
    pub fn replay(
        &self,
        store: &mut dyn Store,
        due: Vec<FeedRecord>,
        progress: &dyn Progress,
    ) -> Result<IngestSummary, StoreError> {
        let mut summary = IngestSummary::default();
        progress.started(due.len());
        for feed in due {
            let url = feed.source.url;
            let Some((_, articles, diagnostics)) = self.parsed.iter().find(|(u, _, _)| *u == url) else {
                let reason = "demo: no sample file for this feed".to_string();
                store.record_fetch(
                    &url,
                    Utc::now(),
                    &FetchRecord::Failed { error: reason.clone(), next_fetch: None },
                )?;
                progress.feed_done(&url, &FeedOutcome::Failed { reason: reason.clone() });
                summary.failed.push((url, reason));
                continue;
            };
            let counts = store.insert_articles(articles)?;
            let fetched = FetchRecord::Fetched { etag: None, last_modified: None, next_fetch: None };
            store.record_fetch(&url, Utc::now(), &fetched)?;
            summary.fetched += 1;
            summary.articles_new += counts.new;
            summary.articles_duplicate += counts.duplicate;
            summary.diagnostics += diagnostics.len();
            let outcome =
                FeedOutcome::Fetched { new: counts.new, duplicate: counts.duplicate, diagnostics: diagnostics.len() };
            progress.feed_done(&url, &outcome);
        }
        Ok(summary)
    }
}
