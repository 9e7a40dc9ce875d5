//! Every route of the site and the API over the test corpus: what it shows,
//! how it refuses bad parameters and unknown ids, and the headers every
//! response carries.

mod common;

use axum::Router;
use axum::http::StatusCode;
use common::{Reply, app, build_corpus, get, testdata};
use parallax_server::app::CONTENT_SECURITY_POLICY;

/// Story ids in the corpus: the ids of their first articles.
const BRIDGE: i64 = 1;
const LIBRARY: i64 = 6;
const AUDIT: i64 = 8;

async fn corpus_app() -> (tempfile::TempDir, Router) {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let (app, _) = app(dir.path(), false).await;
    (dir, app)
}

/// Fetches `uri` and checks the status, that every `expected` text is in
/// the body, and the security headers.
async fn check(app: &Router, uri: &str, status: StatusCode, expected: &[&str]) -> Reply {
    let reply = get(app, uri).await;
    assert_eq!(reply.status, status, "{uri}: {}", reply.body);
    for text in expected {
        assert!(reply.body.contains(text), "{uri}: expected {text:?} in:\n{}", reply.body);
    }
    assert_eq!(reply.csp, CONTENT_SECURITY_POLICY, "{uri}: CSP");
    if reply.content_type.starts_with("text/html") {
        assert!(!reply.body.contains("<script"), "{uri}: a page must never carry a script");
        assert_external_links_are_marked(uri, &reply.body);
    }
    reply
}

/// Every link that leaves the site carries rel="noopener noreferrer".
fn assert_external_links_are_marked(uri: &str, body: &str) {
    for (index, _) in body.match_indices("<a href=\"http") {
        let tag_end = body[index..].find('>').map_or(body.len(), |end| index + end);
        let tag = &body[index..tag_end];
        assert!(tag.contains("rel=\"noopener noreferrer\""), "{uri}: unmarked external link {tag}");
    }
}

fn ids(value: &serde_json::Value) -> Vec<i64> {
    value.as_array().expect("an array").iter().map(|s| s["id"].as_i64().expect("an id")).collect()
}

#[tokio::test]
async fn pages_show_the_corpus() {
    let (_dir, app) = corpus_app().await;

    let home =
        check(&app, "/", StatusCode::OK, &["Top stories", "Harbor bridge reopens after two years of repairs"]).await;
    let lead = home.body.find("Top story ·").expect("a lead story");
    let bridge = home.body.find("/stories/1\"").expect("the bridge story");
    assert!(bridge > lead && bridge < lead + 400, "the widest story leads the home page");

    check(
        &app,
        "/stories/1",
        StatusCode::OK,
        &[
            "<h1>Harbor bridge reopens after two years of repairs</h1>",
            r#"data-left="2" data-center="1" data-right="1" data-disputed="0" data-unrated="1""#,
            "Left: 2 of 4 rated sources (50%)",
            "5 articles",
            r#"<dd data-field="disputed">0</dd>"#,
            r#"href="/methodology#disputed""#,
            r#"<dd data-field="sources">5</dd>"#,
            r#"<dd data-field="left">2</dd>"#,
            r#"<dd data-field="unrated">1</dd>"#,
            "Commuters cheered as the Harbor bridge reopened.",
            "Where outlets disagree",
            "26 months",
            "Repair duration",
            "Wire copy of Center Example",
            "Owned by Right Family",
            "Factuality: Very high",
            "Coverage timeline",
        ],
    )
    .await;

    let by_lean = check(&app, "/stories/1?sort=lean", StatusCode::OK, &[]).await;
    let leans: Vec<&str> = by_lean
        .body
        .match_indices("data-lean=\"")
        .map(|(i, m)| {
            let rest = &by_lean.body[i + m.len()..];
            &rest[..rest.find('"').unwrap_or(0)]
        })
        .collect();
    assert_eq!(leans, ["left", "left", "center", "right", "unrated"], "?sort=lean orders the sources by side");

    let library = check(
        &app,
        "/stories/6",
        StatusCode::OK,
        &["still being computed", "Library opens on Sundays &#60;script&#62;alert(1)&#60;/script&#62;", "2 articles"],
    )
    .await;
    assert!(library.body.contains("&#60;b&#62;now&#60;/b&#62;"), "snippets are text, escaped");

    check(&app, "/blindspots", StatusCode::OK, &["Stories the left ignores", "/stories/8\""]).await;
    check(
        &app,
        "/methodology",
        StatusCode::OK,
        &[
            "How Parallax works",
            r#"<section id="disputed">"#,
            "among at least 5 rated outlets covering it, that side's share is at most 10%",
            "opposite side's share is at least 30%",
            "3 to 5 bullets within 80 words",
            "in the last 3 days",
        ],
    )
    .await;
    let blindspots = get(&app, "/blindspots").await.body;
    let right_column = blindspots.find("id=\"right-blindspots\"").expect("right column");
    assert!(blindspots.find("/stories/8\"").expect("audit") < right_column, "the audit is the left's blindspot");

    check(
        &app,
        "/outlets/center.example",
        StatusCode::OK,
        &[
            "<h1>Center Example</h1>",
            "fixture",
            "outlets.csv",
            "Center Holdings",
            "/stories/1\"",
            "https://center.example/rss",
        ],
    )
    .await;
    check(&app, "/outlets/www.center.example", StatusCode::OK, &["<h1>Center Example</h1>"]).await;

    check(&app, "/search?q=bridge", StatusCode::OK, &["1 story matches", "/stories/1\""]).await;
    check(&app, "/search?q=bibliothek", StatusCode::OK, &["/stories/6\""]).await;
    check(&app, "/search", StatusCode::OK, &["<h1>Search</h1>"]).await;

    let status =
        check(&app, "/status", StatusCode::OK, &["5 feeds from 5 outlets", "9 articles", "feeds-private"]).await;
    assert!(!status.body.contains("https://left.example/rss"), "feed addresses are for the operator only");
}

#[tokio::test]
async fn pages_refuse_bad_parameters_and_unknown_ids() {
    let (_dir, app) = corpus_app().await;
    check(&app, "/stories/abc", StatusCode::BAD_REQUEST, &["parameter &#39;id&#39;"]).await;
    check(&app, "/stories/999", StatusCode::NOT_FOUND, &["no story 999"]).await;
    check(&app, "/stories/1?sort=bias", StatusCode::BAD_REQUEST, &["parameter &#39;sort&#39;"]).await;
    check(&app, "/outlets/nowhere.example", StatusCode::NOT_FOUND, &["no outlet nowhere.example"]).await;
    check(&app, "/outlets/%3Cx%3E", StatusCode::BAD_REQUEST, &["parameter &#39;domain&#39;", "&#60;x&#62;"]).await;
    let long = "a".repeat(201);
    check(&app, &format!("/search?q={long}"), StatusCode::BAD_REQUEST, &["parameter &#39;q&#39;"]).await;
    check(&app, "/no/such/page", StatusCode::NOT_FOUND, &["no page at /no/such/page"]).await;
}

#[tokio::test]
async fn static_files_and_metrics() {
    let (_dir, app) = corpus_app().await;
    let css = check(&app, "/static/style.css", StatusCode::OK, &["--left:"]).await;
    assert!(css.content_type.starts_with("text/css"));
    get(&app, "/stories/1").await;
    let metrics =
        check(&app, "/metrics", StatusCode::OK, &["parallax_feeds 5", "parallax_articles 9", "parallax_stories 3"])
            .await;
    assert!(metrics.body.contains(r#"parallax_http_request_seconds_count{route="/stories/{id}",status="200"} 1"#));
}

#[tokio::test]
async fn the_story_object_is_the_export_line() {
    let (_dir, app) = corpus_app().await;
    let reply = check(&app, &format!("/api/v1/stories/{BRIDGE}"), StatusCode::OK, &[]).await;
    assert!(reply.content_type.starts_with("application/json"));
    let got = serde_json::to_string_pretty(&reply.json()).expect("serialise") + "\n";
    let golden = testdata().join("golden/story-1.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).expect("write golden");
    }
    let expected = std::fs::read_to_string(&golden).expect("golden file (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(got, expected, "the story object changed; UPDATE_GOLDEN=1 refreshes the golden file");
}

#[tokio::test]
async fn the_story_listing_pages_and_filters() {
    let (_dir, app) = corpus_app().await;
    let all = check(&app, "/api/v1/stories", StatusCode::OK, &[]).await.json();
    assert_eq!(ids(&all["stories"]), [BRIDGE, LIBRARY, AUDIT], "newest update first");
    assert!(all["next_cursor"].is_null());
    assert_eq!(all["stories"][0]["coverage"]["lean"]["left"], 2, "listed stories are whole story objects");

    let mut seen = Vec::new();
    let mut uri = "/api/v1/stories?limit=1".to_string();
    loop {
        let page = check(&app, &uri, StatusCode::OK, &[]).await.json();
        seen.extend(ids(&page["stories"]));
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/api/v1/stories?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, [BRIDGE, LIBRARY, AUDIT], "the cursor walks every story once");

    let filtered = |query: &'static str| {
        let app = app.clone();
        async move { ids(&check(&app, &format!("/api/v1/stories?{query}"), StatusCode::OK, &[]).await.json()["stories"]) }
    };
    assert_eq!(filtered("blindspot=left").await, [AUDIT]);
    assert!(filtered("blindspot=right").await.is_empty());
    assert_eq!(filtered("outlet=right.example").await, [BRIDGE, AUDIT]);
    assert_eq!(filtered("language=de").await, [LIBRARY]);
    assert_eq!(filtered("since=2026-03-09").await, [BRIDGE, LIBRARY]);
    assert_eq!(filtered("since=2026-03-10T10:30:00Z&outlet=center.example").await, [BRIDGE]);
}

#[tokio::test]
async fn the_api_refuses_bad_parameters_and_unknown_ids() {
    let (_dir, app) = corpus_app().await;
    let cases: &[(&str, StatusCode, &str)] = &[
        ("/api/v1/stories?limit=0", StatusCode::BAD_REQUEST, "parameter 'limit'"),
        ("/api/v1/stories?limit=1000", StatusCode::BAD_REQUEST, "parameter 'limit'"),
        ("/api/v1/stories?cursor=nope", StatusCode::BAD_REQUEST, "parameter 'cursor'"),
        ("/api/v1/stories?blindspot=up", StatusCode::BAD_REQUEST, "parameter 'blindspot'"),
        ("/api/v1/stories?outlet=%20", StatusCode::BAD_REQUEST, "parameter 'outlet'"),
        ("/api/v1/stories?language=english", StatusCode::BAD_REQUEST, "parameter 'language'"),
        ("/api/v1/stories?since=yesterday", StatusCode::BAD_REQUEST, "parameter 'since'"),
        ("/api/v1/stories?limt=5", StatusCode::BAD_REQUEST, "unknown parameter \"limt\""),
        ("/api/v1/stories?limit=1&limit=2", StatusCode::BAD_REQUEST, "parameter 'limit' is given more than once"),
        ("/api/v1/stories/abc", StatusCode::BAD_REQUEST, "parameter 'id'"),
        ("/api/v1/stories/999", StatusCode::NOT_FOUND, "no story 999"),
        ("/api/v1/outlets/nowhere.example", StatusCode::NOT_FOUND, "no outlet nowhere.example"),
        ("/api/v1/outlets/%3Cx%3E", StatusCode::BAD_REQUEST, "parameter 'domain'"),
        ("/api/v1/search", StatusCode::BAD_REQUEST, "parameter 'q' is required"),
        ("/api/v1/search?q=", StatusCode::BAD_REQUEST, "parameter 'q' is required"),
        ("/api/v1/nothing", StatusCode::NOT_FOUND, "no page at /api/v1/nothing"),
    ];
    for &(uri, status, message) in cases {
        let reply = check(&app, uri, status, &[]).await;
        let error = reply.json();
        assert_eq!(error["status"], status.as_u16(), "{uri}");
        let text = error["message"].as_str().unwrap_or_default();
        assert!(text.contains(message), "{uri}: expected {message:?} in {text:?}");
    }
}

#[tokio::test]
async fn outlets_search_and_the_description() {
    let (_dir, app) = corpus_app().await;
    let outlet = check(&app, "/api/v1/outlets/right.example", StatusCode::OK, &[]).await.json();
    assert_eq!(outlet["name"], "Right Example");
    assert_eq!(outlet["ratings"][0]["provider"], "fixture");
    assert_eq!(outlet["ratings"][0]["source_file"], "outlets.csv");
    assert_eq!(outlet["ratings"][0]["lean"], "right");
    assert_eq!(outlet["ratings"][0]["lean_bucket"], "right");
    assert_eq!(outlet["feeds"][0]["url"], "https://right.example/rss");
    assert_eq!(outlet["articles"], 2);
    assert_eq!(ids(&outlet["recent_stories"]), [BRIDGE, AUDIT]);
    assert_eq!(outlet["coverage_split"]["left"], 2);
    assert_eq!(outlet["blindspot_stories"], 1);

    let found = check(&app, "/api/v1/search?q=overpaid%20contractors", StatusCode::OK, &[]).await.json();
    assert_eq!(ids(&found["results"]), [AUDIT]);
    assert_eq!(found["results"][0]["href"], "/api/v1/stories/8");
    let none = check(&app, "/api/v1/search?q=zeppelin", StatusCode::OK, &[]).await.json();
    assert!(ids(&none["results"]).is_empty());

    let spec = check(&app, "/api/v1/openapi.json", StatusCode::OK, &[]).await.json();
    for path in [
        "/api/v1/stories",
        "/api/v1/stories/{id}",
        "/api/v1/outlets/{domain}",
        "/api/v1/search",
        "/api/v1/openapi.json",
    ] {
        assert!(spec["paths"][path]["get"].is_object(), "openapi.json describes {path}");
    }
}
