//! The reading balance: opt-in, per browser, private. A reader who opens
//! five left-leaning articles and one right-leaning one sees that balance
//! on `/me`; nobody else's requests can read it; with the feature off, no
//! cookie is set and `/go/` records nothing.

mod common;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{build_corpus, get, send};
use parallax_server::metrics::Metrics;
use parallax_server::pool::ReadPool;
use parallax_server::search::SearchIndex;
use parallax_server::{AppState, ServerConfig, router};
use parallax_store::{SqliteStore, Store};

async fn reading_app(dir: &Path, enabled: bool) -> Router {
    let database = dir.join(parallax_server::server::DATABASE_FILE);
    let readers: Vec<Box<dyn Store>> =
        (0..2).map(|_| Box::new(SqliteStore::open(&database).expect("reader")) as Box<dyn Store>).collect();
    let search = Arc::new(SearchIndex::in_memory(15_000_000).expect("search index"));
    let config = ServerConfig { reading_balance: enabled, ..ServerConfig::default() };
    let state = AppState::new(ReadPool::new(readers), search, Arc::new(Metrics::default()), config, false)
        .with_readers(dir.join("readers"));
    let state = Arc::new(state);
    state.load().await.expect("load");
    router(state)
}

/// `/go/` addresses of the corpus's articles from `outlets`.
fn go_links(dir: &Path, outlets: &[&str]) -> Vec<String> {
    let store = SqliteStore::open(&dir.join(parallax_server::server::DATABASE_FILE)).expect("store");
    let mut links = Vec::new();
    store
        .for_each_story(&mut |story| {
            for member in &story.articles {
                if outlets.contains(&member.article.article.outlet.as_str()) {
                    links.push(format!("/go/{}/{}", story.id, member.article.id));
                }
            }
            Ok(())
        })
        .expect("stories");
    links.sort();
    links
}

async fn open(app: &Router, uri: &str, cookie: Option<&str>) -> common::Reply {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    send(app, request.body(Body::empty()).expect("request")).await
}

fn set_cookie(reply: &common::Reply) -> Option<String> {
    reply.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).map(|v| {
        let pair = v.split(';').next().unwrap_or_default();
        pair.to_string()
    })
}

#[tokio::test]
async fn five_left_and_one_right_read_show_as_that_reader_s_balance_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let app = reading_app(dir.path(), true).await;
    let left = go_links(dir.path(), &["left.example", "leanleft.example"]);
    let right = go_links(dir.path(), &["right.example"]);
    assert!(!left.is_empty() && !right.is_empty(), "the corpus has left and right articles");

    let first = open(&app, &left[0], None).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert!(first.headers.get(header::LOCATION).is_some(), "the article's page");
    let cookie = set_cookie(&first).expect("a reader cookie once the feature is on");
    for uri in left.iter().cycle().skip(1).take(4).chain(right.iter().take(1)) {
        let reply = open(&app, uri, Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(set_cookie(&reply).as_deref(), Some(cookie.as_str()), "the same profile");
    }

    let mine = open(&app, "/me", Some(&cookie)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains(r#"data-left="5" data-center="0" data-right="1""#), "{}", mine.body);
    assert!(mine.body.contains("nothing read from the Center"), "the reader's own blindspot");
    assert!(
        mine.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("no-store")),
        "a profile is never cached"
    );

    for other in [None, Some("parallax_reader=0123456789abcdef0123456789abcdef"), Some("parallax_reader=../x")] {
        let theirs = open(&app, "/me", other).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert!(!theirs.body.contains("data-left=\"5\""), "{other:?} reads nobody's profile");
        assert!(theirs.body.contains("reading-empty"), "{other:?}");
    }

    let forget =
        send(&app, Request::post("/me/forget").header(header::COOKIE, &cookie).body(Body::empty()).expect("request"))
            .await;
    assert_eq!(forget.status, StatusCode::SEE_OTHER);
    assert_eq!(set_cookie(&forget).as_deref(), Some("parallax_reader="), "the cookie is expired");
    assert!(open(&app, "/me", Some(&cookie)).await.body.contains("reading-empty"), "deleted in one click");
}

#[tokio::test]
async fn with_the_feature_off_no_cookie_is_set_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let app = reading_app(dir.path(), false).await;
    for uri in go_links(dir.path(), &["left.example", "right.example"]).iter().take(3) {
        let reply = open(&app, uri, None).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{uri} still leads to the article");
        assert_eq!(set_cookie(&reply), None, "no cookie");
    }
    assert!(!dir.path().join("readers").exists(), "nothing recorded");
    let me = get(&app, "/me").await;
    assert!(me.body.contains("reading-off"), "the page says the feature is off");
    assert_eq!(get(&app, "/go/1/999999").await.status, StatusCode::NOT_FOUND, "an unknown article");
    assert_eq!(get(&app, "/go/x/1").await.status, StatusCode::BAD_REQUEST, "a malformed id");
}
