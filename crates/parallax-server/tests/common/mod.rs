//! The test corpus (testdata/corpus) loaded into a SQLite store, and the
//! server's router over it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Utc};
use parallax_core::{FeedSource, NewArticle, StoryView};
use parallax_server::metrics::Metrics;
use parallax_server::pool::ReadPool;
use parallax_server::search::SearchIndex;
use parallax_server::{AppState, ServerConfig, router};
use parallax_store::{SqliteStore, Store, StoryAssignment};
use serde::Deserialize;
use tower::ServiceExt;

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

#[derive(Deserialize)]
struct Corpus {
    articles: Vec<CorpusArticle>,
    stories: Vec<CorpusStory>,
}

#[derive(Deserialize)]
struct CorpusArticle {
    outlet: String,
    title: String,
    snippet: String,
    published: DateTime<Utc>,
    language: String,
}

#[derive(Deserialize)]
struct CorpusStory {
    articles: Vec<i64>,
    copies: Vec<(i64, i64)>,
    view: Option<String>,
}

/// Writes the corpus into `dir/parallax.sqlite`.
pub fn build_corpus(dir: &Path) {
    let corpus_dir = testdata().join("corpus");
    let mut store = SqliteStore::open(&dir.join(parallax_server::server::DATABASE_FILE)).expect("open store");
    let csv = std::fs::read(corpus_dir.join("outlets.csv")).expect("outlets.csv");
    let import = parallax_outlets::import("outlets.csv", &csv).expect("import outlets");
    assert!(import.diagnostics.is_empty(), "{:?}", import.diagnostics);
    let feeds: Vec<FeedSource> = import
        .outlets
        .iter()
        .map(|o| FeedSource {
            url: format!("https://{}/rss", o.domain),
            outlet: o.domain.clone(),
            title: o.name.clone(),
            language: Some("en".into()),
            categories: Vec::new(),
        })
        .collect();
    store.import(&import.outlets, &import.ratings, &feeds).expect("import");

    let text = std::fs::read_to_string(corpus_dir.join("corpus.json")).expect("corpus.json");
    let corpus: Corpus = serde_json::from_str(&text).expect("corpus parses");
    let articles: Vec<NewArticle> = corpus
        .articles
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let url = format!("https://{}/news/{}", a.outlet, i + 1);
            NewArticle {
                outlet: a.outlet.clone(),
                feed: format!("https://{}/rss", a.outlet),
                guid: url.clone(),
                url,
                title: a.title.clone(),
                snippet: a.snippet.clone(),
                content_html: format!("<p>{}</p>", html_escape(&a.snippet)),
                truncated: false,
                language: Some(a.language.clone()),
                language_confidence: 0.9,
                published: a.published,
                date_flag: None,
                fetched: a.published,
                categories: Vec::new(),
            }
        })
        .collect();
    let counts = store.insert_articles(&articles).expect("insert");
    assert_eq!(counts.new, articles.len());

    let mut assignments = Vec::new();
    let mut views = Vec::new();
    for story in &corpus.stories {
        let id = story.articles[0];
        for &article in &story.articles {
            let copy_of = story.copies.iter().find(|(copy, _)| *copy == article).map(|(_, origin)| *origin);
            assignments.push(StoryAssignment { article, story: id, copy_of });
        }
        if let Some(file) = &story.view {
            let json = std::fs::read_to_string(corpus_dir.join(file)).expect("view file");
            let view: StoryView = serde_json::from_str(&json).expect("view parses");
            views.push((id, view));
        }
    }
    store.assign_stories(&assignments, &[], Utc::now()).expect("assign");
    store.set_story_views(&views).expect("views");
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The router over a store in `dir`, with the search index caught up.
pub async fn app(dir: &Path, demo: bool) -> (Router, Arc<AppState>) {
    app_with(dir, demo, ServerConfig::default()).await
}

/// [`app`] with a configuration of its own.
pub async fn app_with(dir: &Path, demo: bool, config: ServerConfig) -> (Router, Arc<AppState>) {
    let database = dir.join(parallax_server::server::DATABASE_FILE);
    let readers: Vec<Box<dyn Store>> =
        (0..2).map(|_| Box::new(SqliteStore::open(&database).expect("reader")) as Box<dyn Store>).collect();
    let search = Arc::new(SearchIndex::in_memory(15_000_000).expect("search index"));
    let mut writer = SqliteStore::open(&database).expect("writer");
    search.catch_up(&mut writer, 100).expect("index");
    let state = Arc::new(AppState::new(ReadPool::new(readers), search, Arc::new(Metrics::default()), config, demo));
    state.load().await.expect("load");
    (router(state.clone()), state)
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub content_type: String,
    pub csp: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

/// Sends `request` and reads the answer; a compressed body is decoded.
pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("response");
    let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let status = response.status();
    let content_type = header(axum::http::header::CONTENT_TYPE);
    let csp = header(axum::http::header::CONTENT_SECURITY_POLICY);
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await.expect("body");
    let mut body = Vec::new();
    match headers.get(axum::http::header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()) {
        Some("gzip") => {
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut body).expect("gzip body");
        }
        Some("br") => {
            std::io::Read::read_to_end(&mut brotli::Decompressor::new(&bytes[..], 4096), &mut body)
                .expect("brotli body");
        }
        _ => body = bytes.to_vec(),
    }
    Reply { status, headers, content_type, csp, body: String::from_utf8(body).expect("UTF-8 body") }
}

/// A data directory seeded with the demo's outlets, ratings and feeds: its
/// writing connection, the demo feed URLs, and the state pages read, with
/// an in-memory search index.
pub fn demo_state(dir: &Path) -> (SqliteStore, Vec<String>, Arc<AppState>) {
    let database = dir.join(parallax_server::server::DATABASE_FILE);
    let mut writer = SqliteStore::open(&database).expect("writer");
    let urls = parallax_server::demo::seed(&mut writer).expect("seed");
    let readers: Vec<Box<dyn Store>> = vec![Box::new(SqliteStore::open(&database).expect("reader"))];
    let state = Arc::new(AppState::new(
        ReadPool::new(readers),
        Arc::new(SearchIndex::in_memory(15_000_000).expect("index")),
        Arc::new(Metrics::default()),
        ServerConfig::default(),
        true,
    ));
    (writer, urls, state)
}
