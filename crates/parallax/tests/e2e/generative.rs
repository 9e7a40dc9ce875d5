//! The optional generative summaries through the real binary: with
//! `[summary.generative] endpoint` pointing at a small OpenAI-compatible
//! server on loopback, `summarize` and the stored stories of `ingest` carry
//! the model's title and bullets; when the endpoint fails, the same commands
//! succeed with the extractive summaries and say so in the log.

use serde_json::{Value, json};

use parallax_testkit::Route;

use crate::harness::{DataDir, Fixtures, rss_document, rss_route, run};

const CHAT_PATH: &str = "/v1/chat/completions";

/// The model's reply every request gets.
fn reply() -> Value {
    json!({
        "title": "Senate rejects bipartisan border bill",
        "bullets": [
            {"text": "The Senate rejected the bipartisan border bill by 49 votes to 50.", "source": 1},
            {"text": "Republicans said the bill would not stop illegal immigration.", "source": 2},
            "Democrats accused Republicans of sabotaging the deal.",
        ],
    })
}

fn chat_route() -> Route {
    let body = json!({
        "id": "chatcmpl-e2e",
        "object": "chat.completion",
        "model": "e2e-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply().to_string()}, "finish_reason": "stop"}],
    });
    Route::Body {
        status: 200,
        headers: vec![("Content-Type".to_string(), "application/json".to_string())],
        body: body.to_string().into_bytes(),
    }
}

fn generative_config(endpoint: &str) -> String {
    format!(
        "[summary.generative]\nendpoint = \"{endpoint}\"\nmodel = \"e2e-model\"\ntimeout_secs = 2\n\
         api_key_env = \"PARALLAX_E2E_MODEL_KEY\"\n"
    )
}

const STORIES: &str = r#"{"story": "border", "articles": [{"id": "a", "outlet": "left.example", "side": "left", "title": "Senate rejects border bill as Democrats fume", "text": "The Senate on Wednesday rejected a bipartisan border security bill by a vote of 49 to 50. Democrats accused Republicans of sabotaging the deal."}, {"id": "b", "outlet": "right.example", "side": "right", "title": "Republicans block Senate border deal", "text": "Republicans blocked the Senate border bill on Wednesday, saying it would not stop illegal immigration."}]}
{"story": "storm", "articles": [{"id": "c", "outlet": "center.example", "side": "center", "title": "Hurricane Melissa hits Jamaica", "text": "Hurricane Melissa hit Jamaica on Tuesday with 185 mph winds, knocking out power to most of the island."}]}
"#;

fn summarize(dir: &DataDir) -> (Vec<Value>, String) {
    let input = dir.path().join("stories.jsonl");
    std::fs::write(&input, STORIES).expect("write stories");
    let mut command = dir.command(&["summarize", "--input", input.to_str().expect("UTF-8 path")]);
    command.env("PARALLAX_E2E_MODEL_KEY", "sk-e2e");
    let output = run(command);
    assert!(output.status.success(), "summarize failed: {}", output.describe());
    let lines = output.stdout.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect();
    (lines, output.stderr)
}

#[test]
fn summarize_uses_the_configured_endpoint() {
    let fixtures = Fixtures::start(vec![(CHAT_PATH.to_string(), chat_route())]);
    let dir = DataDir::new(&generative_config(&fixtures.url("/v1")));
    let (lines, stderr) = summarize(&dir);
    assert_eq!(lines.len(), 2, "{stderr}");
    let bullets = json!([
        "The Senate rejected the bipartisan border bill by 49 votes to 50.",
        "Republicans said the bill would not stop illegal immigration.",
        "Democrats accused Republicans of sabotaging the deal.",
    ]);
    for line in &lines {
        assert_eq!(line["title"], reply()["title"], "{line}");
        assert_eq!(line["bullets"], bullets, "{line}");
    }
    // Per-side bullets stay the outlets' own sentences.
    assert_eq!(
        lines[0]["sides"]["right"],
        json!([
            "Republicans blocked the Senate border bill on Wednesday, saying it would not stop illegal immigration."
        ])
    );
    assert_eq!(fixtures.server.hits(CHAT_PATH), 2);
    assert_eq!(fixtures.server.last_request_header(CHAT_PATH, "authorization").as_deref(), Some("Bearer sk-e2e"));
    assert!(!stderr.contains("extractive"), "{stderr}");
}

#[test]
fn summarize_falls_back_to_the_extractive_summary_and_logs_why() {
    let extractive = summarize(&DataDir::new("")).0;
    let fixtures = Fixtures::start(vec![(CHAT_PATH.to_string(), Route::Status { status: 500, headers: Vec::new() })]);
    let dir = DataDir::new(&generative_config(&fixtures.url("/v1")));
    let (lines, stderr) = summarize(&dir);
    assert_eq!(lines, extractive);
    for story in ["border", "storm"] {
        let logged = stderr.lines().find(|line| line.contains(&format!("story={story}"))).unwrap_or_else(|| {
            panic!("no log line for story {story}:\n{stderr}");
        });
        assert!(logged.contains("WARN"), "{logged}");
        assert!(
            logged.contains("summary: using the extractive summary: fetch: HTTP 500 Internal Server Error"),
            "{logged}"
        );
    }
}

#[test]
fn ingested_stories_carry_the_model_summary() {
    let items = [
        ("https://left.example/border".to_string(), "Senate rejects border bill as Democrats fume".to_string()),
        ("https://left.example/storm".to_string(), "Hurricane Melissa hits Jamaica with 185 mph winds".to_string()),
    ];
    let feed = rss_document("Left", items);
    let fixtures = Fixtures::start(vec![
        ("/feed.xml".to_string(), rss_route(feed.into_bytes(), "feed")),
        (CHAT_PATH.to_string(), chat_route()),
    ]);
    let dir = DataDir::new(&generative_config(&fixtures.url("/v1")));
    dir.register(&[(fixtures.url("/feed.xml"), "left.example".to_string())]);
    let ingest = dir.ingest(&["--allow-private-networks"]);
    assert_eq!(ingest.articles_new, 2, "{}", ingest.stdout);

    let export = run(dir.command(&["export", "stories"]));
    assert!(export.status.success(), "{}", export.describe());
    let stories: Vec<Value> =
        export.stdout.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect();
    assert!(!stories.is_empty(), "{}", export.stdout);
    for story in &stories {
        assert_eq!(story["title"], reply()["title"], "{story}");
        assert_eq!(story["bullets"].as_array().map(Vec::len), Some(3), "{story}");
        let members: Vec<&Value> = story["articles"].as_array().expect("articles").iter().map(|a| &a["id"]).collect();
        for source in story["bullet_articles"].as_array().expect("bullet_articles") {
            assert!(members.contains(&source), "bullet from an article of the story: {story}");
        }
    }
    assert_eq!(fixtures.server.hits(CHAT_PATH), stories.len());
}
