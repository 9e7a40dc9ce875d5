//! The generative backend at its boundary: the request built for the story
//! of `testdata/stories/four-outlets.json` (golden in
//! `testdata/generative/four-outlets.request.json`; refresh with
//! `UPDATE_GOLDEN=1 cargo test -p parallax-summary --test generative`), and
//! endpoint answers in `testdata/generative/<case>.json`, each with why, the
//! answer as a server sends it, and the summary read from it (`expected`:
//! title, title_from, bullets as [text, article id]) or the error's message.

use parallax_summary::generative::{GenerativeConfig, chat_request, parse_chat_response};
use parallax_summary::{StoryInput, SummaryConfig};
use serde_json::{Value, json};

mod fixture;

use fixture::{articles, read_json, testdata};

fn story_fixture() -> Value {
    read_json("stories/four-outlets.json")
}

fn check(case: &str) {
    let fixture = read_json(format!("generative/{case}.json"));
    let story = story_fixture();
    let articles = articles(&story);
    let got = parse_chat_response(&fixture["answer"], &StoryInput { articles: &articles }, &SummaryConfig::default());
    match (got, fixture.get("expected"), fixture["error"].as_str()) {
        (Ok(summary), Some(expected), None) => {
            let id = |index: usize| articles[index].id;
            let bullets: Vec<Value> = summary.bullets.iter().map(|b| json!([b.text, id(b.article)])).collect();
            let got = json!({"title": summary.title, "title_from": summary.title_from.map(id), "bullets": bullets});
            assert_eq!(&got, expected, "{case}: {}", fixture["why"]);
            assert_eq!(summary.sides, Default::default(), "{case}: sides are the caller's");
        }
        (Err(error), None, Some(expected)) => assert_eq!(error.to_string(), expected, "{case}: {}", fixture["why"]),
        (got, expected, error) => panic!("{case}: got {got:?}, expected {expected:?} / error {error:?}"),
    }
}

#[test]
fn cited() {
    check("cited");
}

#[test]
fn fenced_strings() {
    check("fenced-strings");
}

#[test]
fn think_and_prose() {
    check("think-and-prose");
}

#[test]
fn too_many_bullets() {
    check("too-many-bullets");
}

#[test]
fn prose() {
    check("prose");
}

#[test]
fn json_array() {
    check("json-array");
}

#[test]
fn no_bullets() {
    check("no-bullets");
}

#[test]
fn only_empty_bullets() {
    check("only-empty-bullets");
}

#[test]
fn no_title() {
    check("no-title");
}

#[test]
fn error_object() {
    check("error-object");
}

#[test]
fn null_content() {
    check("null-content");
}

#[test]
fn every_answer_fixture_has_a_test() {
    let mut cases: Vec<String> = std::fs::read_dir(testdata("generative"))
        .expect("testdata/generative")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".request.json"))
        .collect();
    cases.sort();
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/generative.rs")).expect("this file");
    for case in cases {
        let name = case.trim_end_matches(".json");
        assert!(source.contains(&format!("check(\"{name}\")")), "testdata/generative/{case} is never checked");
    }
}

#[test]
fn the_request_asks_for_json_from_the_numbered_articles() {
    let story = story_fixture();
    let articles = articles(&story);
    let request = chat_request(&StoryInput { articles: &articles }, &SummaryConfig::default());
    let golden = testdata("generative/four-outlets.request.json");
    let got = serde_json::to_string_pretty(&request).expect("request serialises") + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).expect("write golden");
    }
    let want = std::fs::read_to_string(&golden).expect("golden exists (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(got, want, "request differs from {}", golden.display());

    assert_eq!(request["model"], "default");
    assert_eq!(request["response_format"], json!({"type": "json_object"}));
    let user = request["messages"][1]["content"].as_str().expect("user message");
    for (number, article) in articles.iter().enumerate() {
        assert!(user.contains(&format!("Article {}", number + 1)), "{user}");
        assert!(user.contains(article.text), "{user}");
    }
}

#[test]
fn the_request_follows_the_configuration() {
    let story = story_fixture();
    let articles = articles(&story);
    let generative = GenerativeConfig {
        model: "qwen2.5:3b".into(),
        temperature: 0.0,
        max_tokens: 300,
        json_mode: false,
        ..GenerativeConfig::default()
    };
    let config = SummaryConfig { max_bullets: 4, min_bullets: 2, generative, ..SummaryConfig::default() };
    let request = chat_request(&StoryInput { articles: &articles }, &config);
    assert_eq!(request["model"], "qwen2.5:3b");
    assert_eq!(request["temperature"], 0.0);
    assert_eq!(request["max_tokens"], 300);
    assert_eq!(request.get("response_format"), None);
    let system = request["messages"][0]["content"].as_str().expect("system message");
    assert!(system.contains("2 to 4 short bullet points"), "{system}");
}

/// Articles past `max_input_chars` are not sent, and an answer cannot cite
/// them: such a bullet goes to the sent article it shares most words with.
#[test]
fn only_the_articles_that_fit_are_sent_and_citable() {
    let story = story_fixture();
    let articles = articles(&story);
    let generative = GenerativeConfig { max_input_chars: 700, max_article_chars: 300, ..GenerativeConfig::default() };
    let config = SummaryConfig { generative, ..SummaryConfig::default() };
    let input = StoryInput { articles: &articles };
    let request = chat_request(&input, &config);
    let user = request["messages"][1]["content"].as_str().expect("user message");
    assert!(user.contains("Article 1 (left.example)\nTitle: 'A disgrace'"), "{user}");
    assert!(user.contains("Article 2 (center.example)"), "{user}");
    assert!(!user.contains("Article 3"), "{user}");
    assert!(user.chars().count() <= 700, "{} chars", user.chars().count());

    let reply = json!({"title": "Senate rejects border bill", "bullets": [
        {"text": "Republicans said the bill would not stop illegal immigration.", "source": 3},
        {"text": "The vote was 49 to 50, short of the 60 votes needed.", "source": 2},
    ]});
    let answer = json!({"choices": [{"message": {"role": "assistant", "content": reply.to_string()}}]});
    let summary = parse_chat_response(&answer, &input, &config).expect("usable answer");
    let attributed: Vec<&str> = summary.bullets.iter().map(|b| articles[b.article].id).collect();
    assert_eq!(attributed, ["left-1", "center-1"]);
}

#[test]
fn the_section_is_optional_and_strict() {
    let config: SummaryConfig = serde_json::from_value(json!({"max_bullets": 4})).expect("no generative section");
    assert_eq!(config.generative, GenerativeConfig::default());
    assert_eq!(config.generative.endpoint, None);
    let config: SummaryConfig =
        serde_json::from_value(json!({"generative": {"endpoint": "http://127.0.0.1:8080/v1", "model": "m"}}))
            .expect("partial section");
    assert_eq!(config.generative.endpoint.as_deref(), Some("http://127.0.0.1:8080/v1"));
    assert_eq!(config.generative.timeout_secs, GenerativeConfig::default().timeout_secs);
    let error = serde_json::from_value::<SummaryConfig>(json!({"generative": {"endpont": "x"}})).expect_err("typo");
    assert!(error.to_string().contains("unknown field `endpont`"), "{error}");
}
