//! The one test suite every [`Store`] implementation must pass.
//!
//! An implementation's tests call [`run_all`] with a function that returns a
//! fresh, empty store. Each check panics with a message naming the rule it
//! broke, so a failing backend says what it got wrong.

use chrono::{TimeZone, Utc};
use parallax_core::{Factuality, FeedSource, Lean, NewArticle, Outlet, Rating};

use crate::{FeedStatus, FetchRecord, ImportCounts, InsertCounts, Store};

/// Runs every check against fresh stores from `fresh`.
pub fn run_all(fresh: &mut dyn FnMut() -> Box<dyn Store>) {
    import_is_idempotent(fresh().as_mut());
    providers_never_overwrite_each_other(fresh().as_mut());
    duplicates_are_skipped_by_url_and_guid(fresh().as_mut());
    fetch_outcomes_update_feed_state(fresh().as_mut());
    articles_for_unknown_feeds_are_refused(fresh().as_mut());
    export_streams_articles_in_id_order(fresh().as_mut());
}

pub fn rating(outlet: &str, provider: &str, version: &str, lean: Option<Lean>) -> Rating {
    Rating {
        outlet: outlet.into(),
        outlet_name: Some(format!("{outlet} name")),
        provider: provider.into(),
        version: version.into(),
        source_file: format!("{provider}-{version}.csv"),
        lean,
        factuality: Some(Factuality::High),
        ..Rating::default()
    }
}

pub fn feed(url: &str, outlet: &str) -> FeedSource {
    FeedSource {
        url: url.into(),
        outlet: outlet.into(),
        title: Some("A feed".into()),
        language: Some("en".into()),
        categories: vec!["World".into(), "Politics".into()],
    }
}

pub fn article(feed: &str, outlet: &str, guid: &str, url: &str) -> NewArticle {
    let at = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).single().unwrap_or_default();
    NewArticle {
        outlet: outlet.into(),
        feed: feed.into(),
        guid: guid.into(),
        url: url.into(),
        title: format!("Title of {guid}"),
        snippet: "A snippet.".into(),
        content_html: "<p>A snippet.</p>".into(),
        truncated: false,
        language: Some("en".into()),
        language_confidence: 0.9,
        published: at,
        date_flag: None,
        fetched: at,
    }
}

fn import_is_idempotent(store: &mut dyn Store) {
    let outlets = [Outlet { domain: "example.com".into(), name: Some("Example".into()) }];
    let ratings = [rating("example.com", "mbfc", "2026-08-19", Some(Lean::LeanLeft))];
    let feeds = [feed("https://example.com/rss", "example.com")];
    let first = store.import(&outlets, &ratings, &feeds).expect("first import");
    assert_eq!(first, ImportCounts { outlets_new: 1, ratings_new: 1, ratings_updated: 0, feeds_new: 1 });
    let again = store.import(&outlets, &ratings, &feeds).expect("second import");
    assert_eq!(again, ImportCounts::default(), "re-importing the same data must change nothing");
    let record = store.outlet("example.com").expect("outlet lookup").expect("outlet stored");
    assert_eq!(record.outlet.name.as_deref(), Some("Example"));
    assert_eq!(record.ratings, ratings);
    assert_eq!(record.feeds.len(), 1);
    assert_eq!(record.feeds[0].source, feeds[0]);
    assert_eq!(store.outlet_domains().expect("domains"), ["example.com"]);
}

fn providers_never_overwrite_each_other(store: &mut dyn Store) {
    let mbfc = rating("nytimes.com", "mbfc", "2026-08-19", Some(Lean::LeanLeft));
    let allsides = rating("nytimes.com", "allsides", "2021", Some(Lean::Left));
    let older_mbfc = rating("nytimes.com", "mbfc", "idiap", Some(Lean::LeanLeft));
    store.import(&[], std::slice::from_ref(&mbfc), &[]).expect("import mbfc");
    store.import(&[], &[allsides.clone(), older_mbfc.clone()], &[]).expect("import others");
    let record = store.outlet("nytimes.com").expect("lookup").expect("stored");
    assert_eq!(record.ratings, vec![allsides, mbfc.clone(), older_mbfc], "ordered by provider, version");

    let mut revised = mbfc;
    revised.lean = Some(Lean::Center);
    let counts = store.import(&[], &[revised.clone()], &[]).expect("re-rate");
    assert_eq!(counts.ratings_updated, 1, "a provider's new file for the same version updates its own row");
    let record = store.outlet("nytimes.com").expect("lookup").expect("stored");
    assert_eq!(record.ratings.len(), 3);
    assert!(record.ratings.contains(&revised));
    let listed = store.outlets().expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].ratings.len(), 3);
}

fn duplicates_are_skipped_by_url_and_guid(store: &mut dyn Store) {
    let feed_a = "https://a.example/rss";
    let feed_b = "https://a.example/world.rss";
    store.import(&[], &[], &[feed(feed_a, "a.example"), feed(feed_b, "a.example")]).expect("import feeds");
    let first = [
        article(feed_a, "a.example", "g1", "https://a.example/1"),
        article(feed_a, "a.example", "g2", "https://a.example/2"),
    ];
    assert_eq!(store.insert_articles(&first).expect("insert"), InsertCounts { new: 2, duplicate: 0 });
    assert_eq!(store.insert_articles(&first).expect("insert again"), InsertCounts { new: 0, duplicate: 2 });
    let same_url_other_feed = [article(feed_b, "a.example", "other-guid", "https://a.example/1")];
    assert_eq!(
        store.insert_articles(&same_url_other_feed).expect("insert"),
        InsertCounts { new: 0, duplicate: 1 },
        "the same canonical URL from another feed is a duplicate"
    );
    let same_guid_new_url = [article(feed_a, "a.example", "g1", "https://a.example/1?page=2")];
    assert_eq!(
        store.insert_articles(&same_guid_new_url).expect("insert"),
        InsertCounts { new: 0, duplicate: 1 },
        "a GUID repeated in the same feed is a duplicate"
    );
    let same_guid_other_feed = [article(feed_b, "a.example", "g1", "https://a.example/3")];
    assert_eq!(store.insert_articles(&same_guid_other_feed).expect("insert"), InsertCounts { new: 1, duplicate: 0 });
    assert_eq!(store.counts().expect("counts").articles, 3);
}

fn fetch_outcomes_update_feed_state(store: &mut dyn Store) {
    let url = "https://b.example/feed";
    store.import(&[], &[], &[feed(url, "b.example")]).expect("import");
    let feeds = store.feeds(None).expect("feeds");
    assert_eq!(feeds[0].status, FeedStatus::New);
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).single().unwrap_or_default();
    let retry = at + chrono::Duration::minutes(15);
    for _ in 0..2 {
        store
            .record_fetch(url, at, &FetchRecord::Failed { error: "fetch: HTTP 500".into(), next_fetch: Some(retry) })
            .expect("record failure");
    }
    let failed = &store.feeds(None).expect("feeds")[0];
    assert_eq!(failed.status, FeedStatus::Failed);
    assert_eq!((failed.consecutive_failures, failed.error_count), (2, 2));
    assert_eq!(failed.last_error.as_deref(), Some("fetch: HTTP 500"));
    assert_eq!(failed.next_fetch, Some(retry));

    let ok = FetchRecord::Fetched { etag: Some("\"v1\"".into()), last_modified: None, next_fetch: None };
    store.record_fetch(url, at, &ok).expect("record success");
    let fetched = &store.feeds(Some(&[url.to_string()])).expect("feeds")[0];
    assert_eq!(fetched.status, FeedStatus::Ok);
    assert_eq!((fetched.consecutive_failures, fetched.error_count), (0, 2), "the error count stays visible");
    assert_eq!(fetched.etag.as_deref(), Some("\"v1\""));
    assert_eq!(fetched.last_fetched, Some(at));
    assert_eq!(store.feeds(Some(&[])).expect("no feeds").len(), 0);
    assert!(store.record_fetch("https://unknown.example/", at, &ok).is_err());
}

fn articles_for_unknown_feeds_are_refused(store: &mut dyn Store) {
    let orphan = [article("https://nowhere.example/rss", "nowhere.example", "g", "https://nowhere.example/1")];
    assert!(store.insert_articles(&orphan).is_err());
    assert_eq!(store.counts().expect("counts").articles, 0, "a refused batch stores nothing");
}

fn export_streams_articles_in_id_order(store: &mut dyn Store) {
    let url = "https://c.example/rss";
    store.import(&[], &[], &[feed(url, "c.example")]).expect("import");
    let batch: Vec<_> =
        (0..5).map(|i| article(url, "c.example", &format!("g{i}"), &format!("https://c.example/{i}"))).collect();
    store.insert_articles(&batch).expect("insert");
    let mut seen = Vec::new();
    store
        .for_each_article(&mut |article| {
            seen.push((article.id, article.article));
            Ok(())
        })
        .expect("export");
    assert_eq!(seen.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>(), batch);
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "ids increase");
}
