//! Topic and edition pages, search filters, and every list as an Atom
//! feed and a JSON Feed: the feeds parse (feed-rs) and name the same
//! stories, in the same order, as their pages.

mod common;

use axum::Router;
use axum::http::StatusCode;
use common::{app, build_corpus, get};
use parallax_core::Topic;
use parallax_store::{SqliteStore, Store};

const BRIDGE: i64 = 1;
const LIBRARY: i64 = 6;
const AUDIT: i64 = 8;

/// The corpus with topics and countries in its stored views: the bridge
/// is a US politics story, the audit a German business one.
async fn corpus_app() -> (tempfile::TempDir, Router) {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let mut store = SqliteStore::open(&dir.path().join(parallax_server::server::DATABASE_FILE)).expect("store");
    let mut views = Vec::new();
    for (id, topics, countries) in
        [(BRIDGE, vec![Topic::Politics], vec!["us"]), (AUDIT, vec![Topic::Business, Topic::Politics], vec!["de"])]
    {
        let mut view = store.story(id).expect("read").and_then(|s| s.view).expect("a view");
        view.topics = topics;
        view.countries = countries.into_iter().map(str::to_string).collect();
        views.push((id, view));
    }
    store.set_story_views(&views).expect("views");
    let (app, _) = app(dir.path(), false).await;
    (dir, app)
}

/// The stories a page lists, in order: its cards' `data-story`.
fn page_stories(body: &str) -> Vec<i64> {
    body.match_indices("data-story=\"")
        .filter_map(|(at, found)| {
            let rest = &body[at + found.len()..];
            rest[..rest.find('"')?].parse().ok()
        })
        .collect()
}

/// The stories a feed names, in order, read by feed-rs: each entry's
/// link ends in `/stories/{id}`.
fn feed_stories(body: &str) -> Vec<i64> {
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("feed does not parse ({e}):\n{body}"));
    feed.entries
        .iter()
        .map(|entry| {
            let link = entry.links.first().map(|l| l.href.as_str()).unwrap_or_else(|| panic!("no link: {entry:?}"));
            link.rsplit('/').next().and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("not a story link: {link}"))
        })
        .collect()
}

async fn page(app: &Router, uri: &str) -> Vec<i64> {
    let reply = get(app, uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
    page_stories(&reply.body)
}

async fn feed(app: &Router, uri: &str, content_type: &str) -> Vec<i64> {
    let reply = get(app, uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
    assert!(reply.content_type.starts_with(content_type), "{uri}: {}", reply.content_type);
    feed_stories(&reply.body)
}

/// The page at `page_uri` and its two feeds name the same stories.
async fn check_list(app: &Router, page_uri: &str, atom: &str, json: &str, expected: &[i64]) {
    let listed = page(app, page_uri).await;
    assert_eq!(listed, expected, "{page_uri}");
    assert_eq!(feed(app, atom, "application/atom+xml").await, listed, "{atom} names the page's stories");
    assert_eq!(feed(app, json, "application/feed+json").await, listed, "{json} names the page's stories");
}

#[tokio::test]
async fn topic_pages_and_their_feeds_list_the_topics_stories() {
    let (_dir, app) = corpus_app().await;
    check_list(&app, "/topics/politics", "/topics/politics/feed.atom", "/topics/politics/feed.json", &[BRIDGE, AUDIT])
        .await;
    check_list(&app, "/topics/business", "/topics/business/feed.atom", "/topics/business/feed.json", &[AUDIT]).await;
    check_list(&app, "/topics/sports", "/topics/sports/feed.atom", "/topics/sports/feed.json", &[]).await;
    let page = get(&app, "/topics/politics").await;
    for text in ["<h1>Politics</h1>", r#"href="/topics/politics/feed.atom""#, "application/atom+xml", "last 7 days"] {
        assert!(page.body.contains(text), "{text:?} in {}", page.body);
    }
    assert_eq!(get(&app, "/topics/gossip").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/topics/politics/feed.rss").await.status, StatusCode::NOT_FOUND);
    let index = get(&app, "/topics").await;
    assert!(index.body.contains(r#"href="/topics/climate""#) && index.body.contains(r#"href="/editions/us""#));
}

#[tokio::test]
async fn editions_filter_by_the_covering_outlets_country() {
    let (_dir, app) = corpus_app().await;
    check_list(&app, "/editions/us", "/editions/us/feed.atom", "/editions/us/feed.json", &[BRIDGE]).await;
    check_list(&app, "/?edition=us", "/feed.atom?edition=us", "/feed.json?edition=us", &[BRIDGE]).await;
    check_list(
        &app,
        "/topics/politics?edition=us",
        "/topics/politics/feed.atom?edition=us",
        "/topics/politics/feed.json?edition=us",
        &[BRIDGE],
    )
    .await;
    // The German edition wants German articles too: the audit's are English.
    assert!(page(&app, "/editions/de").await.is_empty());
    // The library story has an article in German.
    assert_eq!(page(&app, "/?lang=de").await, [LIBRARY]);
    let home = get(&app, "/").await;
    assert!(home.body.contains(r#"href="/editions/gb""#), "editions are in the navigation");
    assert_eq!(get(&app, "/?edition=atlantis").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(get(&app, "/editions/atlantis").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn home_blindspot_and_search_feeds_name_their_pages_stories() {
    let (_dir, app) = corpus_app().await;
    let home = page(&app, "/").await;
    assert_eq!(home.len(), 3);
    assert_eq!(feed(&app, "/feed.atom", "application/atom+xml").await, home);
    assert_eq!(feed(&app, "/feed.json", "application/feed+json").await, home);

    let blindspots = page(&app, "/blindspots").await;
    let mut from_feed = feed(&app, "/blindspots/feed.atom", "application/atom+xml").await;
    let mut from_page = blindspots.clone();
    from_feed.sort();
    from_page.sort();
    assert_eq!(from_feed, from_page, "the blindspot feed has both columns' stories");

    check_list(&app, "/search?q=bridge", "/search/feed.atom?q=bridge", "/search/feed.json?q=bridge", &[BRIDGE]).await;
    let search = get(&app, "/search?q=bridge").await;
    assert!(search.body.contains("/search/feed.atom?q=bridge"), "the search page links its feed");
}

#[tokio::test]
async fn feeds_carry_bullets_lean_and_absolute_links() {
    let (_dir, app) = corpus_app().await;
    let atom = get(&app, "/topics/politics/feed.atom").await.body;
    let parsed = feed_rs::parser::parse(atom.as_bytes()).expect("parses");
    let bridge = &parsed.entries[0];
    assert_eq!(
        bridge.title.as_ref().map(|t| t.content.as_str()),
        Some("Harbor bridge reopens after two years of repairs")
    );
    assert!(bridge.links[0].href.starts_with("http://") && bridge.links[0].href.ends_with("/stories/1"));
    let content = bridge.content.as_ref().and_then(|c| c.body.clone()).expect("content");
    assert!(content.contains("<li>"), "bullets: {content}");
    assert!(content.contains("left 2, center 1, right 1, disputed 0, unrated 1"), "lean distribution: {content}");
    assert!(bridge.categories.iter().any(|c| c.term == "politics"));

    let json = get(&app, "/topics/politics/feed.json").await.json();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["items"][0]["_parallax"]["lean"]["left"], 2);
    assert_eq!(json["items"][0]["tags"][0], "politics");
}

#[tokio::test]
async fn the_api_and_search_filter_by_topic_edition_lean_and_date() {
    let (_dir, app) = corpus_app().await;
    let ids = |value: &serde_json::Value, key: &str| -> Vec<i64> {
        value[key].as_array().expect("array").iter().map(|s| s["id"].as_i64().expect("id")).collect()
    };
    let api = get(&app, "/api/v1/stories?topic=business").await.json();
    assert_eq!(ids(&api, "stories"), [AUDIT]);
    assert_eq!(api["stories"][0]["topics"], serde_json::json!(["business", "politics"]));
    let api = get(&app, "/api/v1/stories?edition=us").await.json();
    assert_eq!(ids(&api, "stories"), [BRIDGE]);
    let api = get(&app, "/api/v1/stories?country=DE").await.json();
    assert_eq!(ids(&api, "stories"), [AUDIT]);
    assert_eq!(get(&app, "/api/v1/stories?topic=gossip").await.status, StatusCode::BAD_REQUEST);

    let found = get(&app, "/api/v1/search?q=bridge&topic=politics&lean=right").await.json();
    assert_eq!(ids(&found, "results"), [BRIDGE]);
    let found = get(&app, "/api/v1/search?q=bridge&topic=business").await.json();
    assert!(ids(&found, "results").is_empty());
    let found = get(&app, "/api/v1/search?q=bridge&to=2001-01-01").await.json();
    assert!(ids(&found, "results").is_empty(), "updated after the range");
    let found = get(&app, "/api/v1/search?q=bridge&from=2001-01-01&edition=us").await.json();
    assert_eq!(ids(&found, "results"), [BRIDGE]);
    assert_eq!(get(&app, "/api/v1/search?q=bridge&from=yesterday").await.status, StatusCode::BAD_REQUEST);
    let page = get(&app, "/search?q=bridge&topic=politics&lean=").await;
    assert!(page.body.contains(r#"<option value="politics" selected>"#), "the form keeps its choices");
}
