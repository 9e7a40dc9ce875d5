//! The demo: sample feeds and ratings the Parallax team wrote (all invented,
//! every page says so), replayed without a network so a newcomer can see
//! stories, bias bars and blindspots on any machine.
//!
//! The sample files are the supply of an ordinary round: parsed by the real
//! parser and stored through the real store; only the fetch is skipped.
//! Dates are moved so the newest sample article is a few minutes old, and
//! the stories look current.

use chrono::{DateTime, Duration, Utc};
use parallax_core::config::CleanConfig;
use parallax_feed::FeedContext;
use parallax_ingest::MemorySupply;
use parallax_outlets::Import;
use parallax_store::{Store, StoreError};

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

/// The sample feeds as a round's supply: each file's `<pubDate>`s moved by
/// one offset so the newest sample article is [`NEWEST_ARTICLE_AGE_MINUTES`]
/// old, then served from memory at the URLs the demo OPML gives. The round
/// parses and stores them like any fetched feed.
pub fn supply(now: DateTime<Utc>, clean: &CleanConfig) -> Result<MemorySupply, DemoError> {
    let registry = registry()?;
    let mut newest: Option<DateTime<Utc>> = None;
    for (name, text) in FEED_FILES {
        let url = format!("{FEED_URL_PREFIX}{name}");
        if !registry.feeds.iter().any(|f| f.url == url) {
            return Err(DemoError::Broken { file: "demo/feeds.opml", reason: format!("no outline for {url}") });
        }
        // Parsed once to find the newest date, with the dates as written:
        // sample dates may be ahead of the machine's clock.
        let context = FeedContext {
            feed_url: &url,
            outlet: "demo.invalid",
            fetched: now,
            content_type: None,
            content_location: None,
        };
        let lenient = CleanConfig { future_tolerance_secs: DEMO_FUTURE_TOLERANCE_SECS, ..clean.clone() };
        let feed = parallax_feed::parse_feed(text.as_bytes(), &context, &lenient)
            .map_err(|e| DemoError::Broken { file: "a demo feed", reason: format!("{name}: {e}") })?;
        newest = newest.max(feed.articles.iter().map(|a| a.published).max());
    }
    let shift = newest.map_or(Duration::zero(), |newest| now - Duration::minutes(NEWEST_ARTICLE_AGE_MINUTES) - newest);
    let mut feeds = Vec::new();
    for (name, text) in FEED_FILES {
        let moved = shift_pub_dates(text, shift)
            .map_err(|reason| DemoError::Broken { file: "a demo feed", reason: format!("{name}: {reason}") })?;
        feeds.push((format!("{FEED_URL_PREFIX}{name}"), moved.into_bytes()));
    }
    Ok(MemorySupply::new("demo", feeds))
}

/// `text` with every `<pubDate>` (RFC 2822, as the sample files write
/// them) moved by `shift`.
fn shift_pub_dates(text: &str, shift: Duration) -> Result<String, String> {
    const OPEN: &str = "<pubDate>";
    const CLOSE: &str = "</pubDate>";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let end = after.find(CLOSE).ok_or("a <pubDate> is not closed")?;
        let date = DateTime::parse_from_rfc2822(after[..end].trim())
            .map_err(|e| format!("pubDate {:?}: {e}", &after[..end]))?;
        out.push_str(&rest[..start]);
        out.push_str(OPEN);
        out.push_str(&(date.with_timezone(&Utc) + shift).to_rfc2822());
        rest = &after[end..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publication_dates_move_by_one_offset() {
        let text = "<item><pubDate>Tue, 10 Mar 2026 10:20:00 GMT</pubDate></item><pubDate>Mon, 09 Mar 2026 23:00:00 GMT</pubDate>";
        let moved = shift_pub_dates(text, Duration::hours(2)).expect("shift");
        assert_eq!(
            moved,
            "<item><pubDate>Tue, 10 Mar 2026 12:20:00 +0000</pubDate></item><pubDate>Tue, 10 Mar 2026 01:00:00 +0000</pubDate>"
        );
        assert!(shift_pub_dates("<pubDate>never", Duration::zero()).is_err());
    }
}
