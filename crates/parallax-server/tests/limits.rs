//! The server under abuse and under its caches: searches over budget are
//! refused with a reason, searches out of time answer what they found, the
//! status page keeps feed details for the operator, responses come
//! compressed with validators, and a story's cached page follows the story.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::{Reply, app_with, build_corpus, get, send};
use parallax_core::StoryView;
use parallax_server::metrics::Metrics;
use parallax_server::pool::ReadPool;
use parallax_server::search::SearchIndex;
use parallax_server::{AppState, ServerConfig, router};
use parallax_store::{SqliteStore, Store};

const LIBRARY: i64 = 6;

async fn corpus_app(config: ServerConfig) -> (tempfile::TempDir, axum::Router) {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let (app, _) = app_with(dir.path(), false, config).await;
    (dir, app)
}

/// A GET from `peer` with `headers`.
fn request(uri: &str, peer: [u8; 4], headers: &[(&'static str, &'static str)]) -> Request<Body> {
    let mut builder = Request::get(uri).extension(ConnectInfo(SocketAddr::from((peer, 40_000))));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).expect("request")
}

fn check_refused(reply: &Reply, uri: &str, reason: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}: {}", reply.body);
    assert!(reply.body.contains(reason), "{uri}: expected {reason:?} in {}", reply.body);
}

#[tokio::test]
async fn searches_over_budget_are_refused_with_a_reason_and_field_syntax_works() {
    let (_dir, app) = corpus_app(ServerConfig::default()).await;
    let cases = [
        ("/api/v1/search?q=title:*", "uses 'title:*', which is not supported"),
        ("/api/v1/search?q=text:*", "uses 'text:*'"),
        ("/api/v1/search?q=%22the%20a%20of%20and%20to%20in%22~1000000", "the slop may be at most 10"),
        ("/api/v1/search?q=a+b+c+d+e+f+g+h+i+j+k+l+m+n+o+p+q", "has 17 words; a search may have at most 16"),
        ("/api/v1/search?q=id:8", "names the field 'id'"),
        ("/api/v1/search?q=brid*", "wildcard inside a word"),
    ];
    for (uri, reason) in cases {
        let reply = get(&app, uri).await;
        check_refused(&reply, uri, reason);
        assert!(reply.json()["message"].as_str().unwrap_or_default().starts_with("parameter 'q' "), "{uri}");
    }
    check_refused(&get(&app, "/search?q=summary:*").await, "/search?q=summary:*", "summary:*");

    let titled = get(&app, "/api/v1/search?q=title:bridge").await.json();
    assert_eq!(titled["results"][0]["id"], 1, "field syntax searches that field");
    assert_eq!(titled["timed_out"], false);
    let phrase = get(&app, "/api/v1/search?q=%22harbor%20bridge%22~2").await.json();
    assert_eq!(phrase["results"][0]["id"], 1, "a phrase with a small slop is searched");
}

#[tokio::test]
async fn a_search_out_of_time_answers_what_it_found() {
    let config = ServerConfig { search_time_limit_ms: 0, ..ServerConfig::default() };
    let (_dir, app) = corpus_app(config).await;
    let reply = get(&app, "/api/v1/search?q=bridge").await;
    assert_eq!(reply.status, StatusCode::OK);
    let found = reply.json();
    assert_eq!(found["timed_out"], true, "{found}");
    assert!(found["results"].as_array().is_some_and(Vec::is_empty));
    let page = get(&app, "/search?q=bridge").await;
    assert!(page.body.contains("id=\"timed-out\""), "the page says the search was stopped");
    let metrics = get(&app, "/metrics").await.body;
    assert!(metrics.contains("parallax_searches_timed_out_total 2"), "{metrics}");
}

#[tokio::test]
async fn searches_beyond_the_slots_are_told_to_come_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let config = ServerConfig { search_concurrency: 1, search_queue_ms: 0, ..ServerConfig::default() };
    let (app, state) = app_with(dir.path(), false, config).await;
    let held = state.search_slots.clone().try_acquire_owned().expect("the only slot");
    let reply = get(&app, "/api/v1/search?q=bridge").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.body);
    assert_eq!(reply.headers[header::RETRY_AFTER], "1");
    assert!(reply.body.contains("too many searches are running"));
    drop(held);
    assert_eq!(get(&app, "/api/v1/search?q=bridge").await.status, StatusCode::OK, "a free slot serves it");
}

#[tokio::test]
async fn the_status_page_shows_feed_details_to_the_operator_only() {
    let config = ServerConfig { status_token: Some("s3cret".into()), status_page_feeds: 2, ..ServerConfig::default() };
    let (_dir, app) = corpus_app(config).await;
    let feed = "https://left.example/rss";
    let public = send(&app, request("/status", [203, 0, 113, 9], &[])).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(!public.body.contains(feed) && public.body.contains("5 feeds from 5 outlets"), "totals only");
    assert_eq!(public.headers[header::CACHE_CONTROL], "public, no-cache");

    let local = send(&app, request("/status", [127, 0, 0, 1], &[])).await;
    assert!(local.body.contains("page 1 of 3"), "the operator's view is paged: {}", local.body);
    assert_eq!(local.headers[header::CACHE_CONTROL], "private, no-cache");
    let mut all_pages = String::new();
    for page in 1..=3 {
        all_pages += &send(&app, request(&format!("/status?page={page}"), [127, 0, 0, 1], &[])).await.body;
    }
    assert!(all_pages.contains(feed), "every feed is on one of the pages");

    let proxied = send(&app, request("/status", [127, 0, 0, 1], &[("x-forwarded-for", "198.51.100.7")])).await;
    assert!(!proxied.body.contains("page 1 of 3"), "a proxied visitor is not the operator");
    let bearer = send(&app, request("/status", [198, 51, 100, 7], &[("authorization", "Bearer s3cret")])).await;
    assert!(bearer.body.contains("page 1 of 3"), "the token opens the operator's view");
    let wrong = send(&app, request("/status?token=s3cres", [198, 51, 100, 7], &[])).await;
    assert!(!wrong.body.contains("page 1 of 3"));
    let query = send(&app, request("/status?token=s3cret", [198, 51, 100, 7], &[])).await;
    assert!(query.body.contains("/status?page=2&#38;token=s3cret"), "page links keep the token: {}", query.body);
    check_refused(
        &send(&app, request("/status?page=0", [127, 0, 0, 1], &[])).await,
        "page=0",
        "parameter &#39;page&#39;",
    );
}

#[tokio::test]
async fn responses_are_compressed_and_revalidated() {
    let (_dir, app) = corpus_app(ServerConfig::default()).await;
    let plain = get(&app, "/stories/1").await;
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    // A story's page and object keep the one encoding they were first made
    // in (here gzip, for the plain request) and serve it to every client
    // that takes it; listings keep both.
    let kept_once = ["/stories/1", "/api/v1/stories/1"];
    for (accept, encoding) in [("gzip", "gzip"), ("gzip, deflate, br, zstd", "br")] {
        for uri in ["/stories/1", "/api/v1/stories/1", "/api/v1/stories?limit=2", "/", "/api/v1/search?q=bridge"] {
            let reply = send(&app, request(uri, [127, 0, 0, 1], &[("accept-encoding", accept)])).await;
            assert_eq!(reply.status, StatusCode::OK, "{uri}");
            let expected = if kept_once.contains(&uri) { "gzip" } else { encoding };
            assert_eq!(reply.headers[header::CONTENT_ENCODING], expected, "{uri} with {accept}");
            assert_eq!(reply.headers[header::VARY], "accept-encoding");
            if uri == "/stories/1" {
                assert_eq!(reply.body, plain.body, "every encoding carries the same page");
            }
        }
    }
    // A story page first asked by a browser is kept in brotli; a client
    // that takes only gzip gets the same page in gzip.
    let browser =
        send(&app, request("/stories/1?sort=lean", [127, 0, 0, 1], &[("accept-encoding", "gzip, deflate, br")])).await;
    assert_eq!(browser.headers[header::CONTENT_ENCODING], "br");
    let gzip_only = send(&app, request("/stories/1?sort=lean", [127, 0, 0, 1], &[("accept-encoding", "gzip")])).await;
    assert_eq!(gzip_only.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(gzip_only.body, browser.body, "the same page in either encoding");
    assert_eq!(get(&app, "/stories/1?sort=lean").await.body, browser.body);
    let etag = plain.headers[header::ETAG].to_str().expect("etag").to_string();
    let modified = plain.headers[header::LAST_MODIFIED].to_str().expect("last-modified").to_string();
    let etag: &'static str = Box::leak(etag.into_boxed_str());
    let modified: &'static str = Box::leak(modified.into_boxed_str());
    let again = send(&app, request("/stories/1", [127, 0, 0, 1], &[("if-none-match", etag)])).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let since = send(&app, request("/stories/1", [127, 0, 0, 1], &[("if-modified-since", modified)])).await;
    assert_eq!(since.status, StatusCode::NOT_MODIFIED);
    let other = send(&app, request("/stories/1", [127, 0, 0, 1], &[("if-none-match", "W/\"other\"")])).await;
    assert_eq!(other.status, StatusCode::OK);

    let css_href = plain.body.split("rel=\"stylesheet\" href=\"").nth(1).and_then(|rest| rest.split('"').next());
    let css_href = css_href.expect("a stylesheet link").to_string();
    assert!(css_href.starts_with("/static/style.") && css_href.ends_with(".css") && css_href != "/static/style.css");
    let css = get(&app, &css_href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(css.body.contains("--left:"));
    assert_eq!(get(&app, "/static/style.0000000000000000.css").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_cached_story_page_follows_its_story() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let database = dir.path().join(parallax_server::server::DATABASE_FILE);
    let readers: Vec<Box<dyn Store>> = vec![Box::new(SqliteStore::open(&database).expect("reader"))];
    let search = Arc::new(SearchIndex::in_memory(15_000_000).expect("search index"));
    let mut writer = SqliteStore::open(&database).expect("writer");
    search.catch_up(&mut writer, 100).expect("index");
    let state = Arc::new(AppState::new(
        ReadPool::new(readers),
        search.clone(),
        Arc::new(Metrics::default()),
        ServerConfig::default(),
        false,
    ));
    state.load().await.expect("load");
    let app = router(state.clone());

    let before = get(&app, &format!("/stories/{LIBRARY}")).await;
    assert!(before.body.contains("still being computed"));
    get(&app, &format!("/api/v1/stories/{LIBRARY}")).await;
    let bridge = get(&app, "/stories/1").await;

    let view = StoryView { title: "Sunday hours for every branch library".into(), ..StoryView::default() };
    writer.set_story_views(&[(LIBRARY, view)]).expect("view");
    assert_eq!(search.catch_up(&mut writer, 100).expect("index"), 1);
    state.publish(&writer.outlets().expect("outlets"), writer.counts().expect("counts"), true);

    let after = get(&app, &format!("/stories/{LIBRARY}")).await;
    assert!(after.body.contains("Sunday hours for every branch library"), "the page follows its story");
    assert!(!after.body.contains("still being computed"));
    assert_ne!(after.headers[header::ETAG], before.headers[header::ETAG]);
    let listed = get(&app, "/api/v1/stories").await.json();
    let library = listed["stories"].as_array().and_then(|s| s.iter().find(|s| s["id"] == LIBRARY)).cloned();
    assert_eq!(library.expect("listed")["title"], "Sunday hours for every branch library", "and so does the listing");
    let found = get(&app, "/api/v1/search?q=sunday%20branch").await.json();
    assert_eq!(found["results"][0]["id"], LIBRARY, "and the search");
    assert_eq!(get(&app, "/stories/1").await.headers[header::ETAG], bridge.headers[header::ETAG]);
}
