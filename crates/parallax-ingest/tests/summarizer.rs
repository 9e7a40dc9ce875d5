//! The summary engine against a small OpenAI-compatible server on loopback:
//! a configured endpoint's title and bullets are used; an endpoint that
//! fails in any way leaves the extractive summary, story after story.

use std::time::{Duration, Instant};

use parallax_core::LeanBucket;
use parallax_ingest::Summarizer;
use parallax_summary::generative::GenerativeConfig;
use parallax_summary::{ArticleText, StoryInput, Summary, SummaryConfig};
use parallax_testkit::{FixtureServer, Route};
use serde_json::json;

const CHAT_PATH: &str = "/v1/chat/completions";

fn articles() -> Vec<ArticleText<'static>> {
    let article = |id, outlet, side, title, text| ArticleText {
        id,
        title,
        text,
        outlet: Some(outlet),
        side: Some(side),
        language: Some("en"),
        kind: Default::default(),
    };
    vec![
        article(
            "1",
            "left.example",
            LeanBucket::Left,
            "Senate rejects border bill as Democrats fume",
            "The Senate on Wednesday rejected a bipartisan border security bill by a vote of 49 to 50. \
             Democrats accused Republicans of sabotaging the deal.",
        ),
        article(
            "2",
            "center.example",
            LeanBucket::Center,
            "Senate fails to advance bipartisan border security bill",
            "The Senate failed on Wednesday to advance a bipartisan border security bill. The procedural \
             vote was 49 to 50, short of the 60 votes needed.",
        ),
        article(
            "3",
            "right.example",
            LeanBucket::Right,
            "Republicans block Senate border deal",
            "Republicans blocked the Senate border bill on Wednesday, saying it would not stop illegal \
             immigration. Sen. Mitch McConnell said the bill had no path forward in the House.",
        ),
    ]
}

/// What a chat-completions server answers, with `reply` as the message.
fn chat_answer(reply: &serde_json::Value) -> Route {
    let body = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.to_string()}, "finish_reason": "stop"}],
    });
    Route::Body {
        status: 200,
        headers: vec![("Content-Type".to_string(), "application/json".to_string())],
        body: body.to_string().into_bytes(),
    }
}

fn config(endpoint: Option<String>) -> SummaryConfig {
    let generative = GenerativeConfig { endpoint, timeout_secs: 1, ..GenerativeConfig::default() };
    SummaryConfig { generative, ..SummaryConfig::default() }
}

fn extractive(articles: &[ArticleText]) -> Summary {
    parallax_summary::summarize(&StoryInput { articles }, &SummaryConfig::default())
}

#[test]
fn a_configured_endpoint_writes_the_title_and_bullets() {
    let reply = json!({
        "title": "Senate rejects bipartisan border bill 49-50",
        "bullets": [
            {"text": "The Senate rejected the bipartisan border security bill by 49 votes to 50.", "source": 2},
            {"text": "Democrats accused Republicans of sabotaging the deal.", "source": 1},
            {"text": "Republicans said the bill would not stop illegal immigration.", "source": 3},
        ],
    });
    let server = FixtureServer::start(vec![(CHAT_PATH.to_string(), chat_answer(&reply))]).expect("start server");
    let articles = articles();
    let mut summarizer = Summarizer::new(&config(Some(server.url("/v1"))));
    let summary = summarizer.summarize("story-1", &StoryInput { articles: &articles });

    assert_eq!(server.hits(CHAT_PATH), 1);
    assert_eq!(summary.title, "Senate rejects bipartisan border bill 49-50");
    let bullets: Vec<(&str, &str)> =
        summary.bullets.iter().map(|b| (b.text.as_str(), articles[b.article].id)).collect();
    assert_eq!(
        bullets,
        [
            ("The Senate rejected the bipartisan border security bill by 49 votes to 50.", "2"),
            ("Democrats accused Republicans of sabotaging the deal.", "1"),
            ("Republicans said the bill would not stop illegal immigration.", "3"),
        ]
    );
    assert_eq!(summary.sides, extractive(&articles).sides, "per-side bullets stay extractive");
    assert_eq!(server.last_request_header(CHAT_PATH, "content-type").as_deref(), Some("application/json"));
}

/// An error status, an answer that is not JSON, a reply that is not the
/// object asked for, a server slower than the deadline, and nothing
/// listening: each story keeps its extractive summary, and the next story
/// is asked again.
#[test]
fn any_failure_falls_back_to_the_extractive_summary() {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let failing = [
        ("error status", Route::Status { status: 500, headers: Vec::new() }),
        ("not JSON", Route::Body { status: 200, headers: Vec::new(), body: b"<html>upstream error</html>".to_vec() }),
        ("not the object asked for", chat_answer(&json!("The Senate rejected the bill."))),
        ("too slow", Route::Drip { body: b"{\"choices\": []}".to_vec(), interval: Duration::from_millis(500) }),
    ];
    let articles = articles();
    let want = extractive(&articles);
    for (what, route) in failing {
        let server = FixtureServer::start(vec![(CHAT_PATH.to_string(), route)]).expect("start server");
        let mut summarizer = Summarizer::new(&config(Some(server.url("/v1"))));
        let started = Instant::now();
        for story in ["a", "b"] {
            let summary = summarizer.summarize(story, &StoryInput { articles: &articles });
            assert_eq!(summary, want, "{what}: story {story}");
        }
        assert_eq!(server.hits(CHAT_PATH), 2, "{what}: each story is asked");
        assert!(started.elapsed() < Duration::from_secs(5), "{what}: took {:?}", started.elapsed());
    }
    let mut summarizer = Summarizer::new(&config(Some(format!("http://127.0.0.1:{closed_port}/v1"))));
    assert_eq!(summarizer.summarize("a", &StoryInput { articles: &articles }), want, "nothing listening");
}

#[test]
fn after_too_many_failures_in_a_row_the_endpoint_is_left_alone() {
    let server =
        FixtureServer::start(vec![(CHAT_PATH.to_string(), Route::Status { status: 503, headers: Vec::new() })])
            .expect("start server");
    let articles = articles();
    let mut config = config(Some(server.url("/v1")));
    config.generative.max_consecutive_failures = 3;
    let mut summarizer = Summarizer::new(&config);
    for story in 0..10 {
        assert_eq!(summarizer.summarize(story, &StoryInput { articles: &articles }), extractive(&articles));
    }
    assert_eq!(server.hits(CHAT_PATH), 3);
}

#[test]
fn without_an_endpoint_the_summary_is_the_extractive_one() {
    let articles = articles();
    let mut summarizer = Summarizer::new(&SummaryConfig::default());
    assert_eq!(summarizer.summarize("a", &StoryInput { articles: &articles }), extractive(&articles));
}

#[test]
fn a_story_without_articles_is_not_sent() {
    let server =
        FixtureServer::start(vec![(CHAT_PATH.to_string(), Route::Status { status: 500, headers: Vec::new() })])
            .expect("start server");
    let mut summarizer = Summarizer::new(&config(Some(server.url("/v1"))));
    assert_eq!(summarizer.summarize("empty", &StoryInput { articles: &[] }), Summary::default());
    assert_eq!(server.hits(CHAT_PATH), 0);
}
