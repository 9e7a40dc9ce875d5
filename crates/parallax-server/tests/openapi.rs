//! `openapi.json` against the server, both ways, with a JSON Schema
//! validator (draft 2020-12, formats checked):
//!
//! - every endpoint's real answers over the test corpus (pages, filters,
//!   cursors followed to the end, every error) validate against the
//!   document's schema for that path and status, and every path is
//!   answered with a 200 at least once, so the document cannot drift;
//! - every parameter is probed with hostile and edge values: a value the
//!   document's schema allows is never refused as malformed (400), so a
//!   schema-driven fuzzer finds no request the document allows and the
//!   server refuses.

mod common;

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{app, build_corpus, get};
use serde_json::{Value, json};
use tower::ServiceExt;

fn validator(spec: &Value, schema: &Value) -> jsonschema::Validator {
    // The schema with the document's components beside it, so its
    // `#/components/schemas/...` references resolve.
    let mut root = schema.clone();
    if let Some(object) = root.as_object_mut() {
        object.insert("components".into(), spec["components"].clone());
    }
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}\n{schema}"))
}

fn response_schema<'a>(spec: &'a Value, path: &str, status: StatusCode) -> &'a Value {
    let schema = &spec["paths"][path]["get"]["responses"][status.as_str()]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "openapi.json has no schema for GET {path} answering {status}");
    schema
}

fn assert_valid(spec: &Value, path: &str, uri: &str, status: StatusCode, body: &Value) {
    let schema = response_schema(spec, path, status);
    let errors: Vec<String> = validator(spec, schema).iter_errors(body).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "GET {uri} ({status}) does not match openapi.json {path}:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// Percent-encodes a query or path value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

struct Checked {
    /// Paths answered 200 at least once.
    ok: BTreeSet<String>,
    answers: usize,
}

/// Fetches `uri`, checks its status, validates the body against `path`'s
/// schema for that status, and returns the body.
async fn answer(app: &Router, spec: &Value, checked: &mut Checked, path: &str, uri: &str, status: StatusCode) -> Value {
    let reply = get(app, uri).await;
    assert_eq!(reply.status, status, "GET {uri}: {}", reply.body);
    assert!(reply.content_type.starts_with("application/json"), "GET {uri}: {}", reply.content_type);
    let body = reply.json();
    assert_valid(spec, path, uri, status, &body);
    if status == StatusCode::OK {
        checked.ok.insert(path.to_string());
    }
    checked.answers += 1;
    body
}

/// Follows `next_cursor` from `first` to the last page; returns the items
/// of every page under `key`.
async fn all_pages(
    app: &Router,
    spec: &Value,
    checked: &mut Checked,
    path: &str,
    first: &str,
    key: &str,
) -> Vec<Value> {
    let mut items = Vec::new();
    let mut uri = first.to_string();
    for _ in 0..100 {
        let page = answer(app, spec, checked, path, &uri, StatusCode::OK).await;
        items.extend(page[key].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let joiner = if first.contains('?') { '&' } else { '?' };
                uri = format!("{first}{joiner}cursor={}", encode(cursor));
            }
            None => return items,
        }
    }
    panic!("{first}: more than 100 pages");
}

#[tokio::test]
async fn every_endpoint_answers_as_openapi_json_says() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let (app, _) = app(dir.path(), false).await;
    let spec = get(&app, "/api/v1/openapi.json").await.json();
    let mut checked = Checked { ok: BTreeSet::new(), answers: 0 };
    answer(&app, &spec, &mut checked, "/api/v1/openapi.json", "/api/v1/openapi.json", StatusCode::OK).await;

    let ok = StatusCode::OK;
    let stories = all_pages(&app, &spec, &mut checked, "/api/v1/stories", "/api/v1/stories?limit=2", "stories").await;
    assert!(stories.len() >= 3, "the corpus has stories: {}", stories.len());
    for query in
        ["blindspot=left", "outlet=right.example", "language=EN", "since=2020-01-01", "since=2020-01-01T00:00:00Z"]
    {
        answer(&app, &spec, &mut checked, "/api/v1/stories", &format!("/api/v1/stories?{query}"), ok).await;
    }
    for story in &stories {
        let id = story["id"].as_i64().expect("an id");
        answer(&app, &spec, &mut checked, "/api/v1/stories/{id}", &format!("/api/v1/stories/{id}"), ok).await;
    }
    let outlets = all_pages(&app, &spec, &mut checked, "/api/v1/outlets", "/api/v1/outlets?limit=2", "outlets").await;
    assert!(outlets.len() >= 4, "the corpus has outlets: {}", outlets.len());
    for query in ["lean=right", "lean=unrated", "factuality=high", "country=us", "q=example", "lean=left&q=left"] {
        answer(&app, &spec, &mut checked, "/api/v1/outlets", &format!("/api/v1/outlets?{query}"), ok).await;
    }
    for outlet in &outlets {
        let domain = outlet["domain"].as_str().expect("a domain");
        let uri = format!("/api/v1/outlets/{domain}");
        answer(&app, &spec, &mut checked, "/api/v1/outlets/{domain}", &uri, ok).await;
    }
    let found = all_pages(&app, &spec, &mut checked, "/api/v1/search", "/api/v1/search?q=the&limit=1", "results").await;
    assert!(!found.is_empty(), "a search finds stories");
    answer(&app, &spec, &mut checked, "/api/v1/search", "/api/v1/search?q=zeppelin", ok).await;

    let bad = StatusCode::BAD_REQUEST;
    let errors: &[(&str, &str, StatusCode, &str, Option<&str>)] = &[
        ("/api/v1/stories", "/api/v1/stories?limit=0", bad, "invalid_parameter", Some("limit")),
        ("/api/v1/stories", "/api/v1/stories?limt=5", bad, "unknown_parameter", Some("limt")),
        ("/api/v1/stories", "/api/v1/stories?limit=1&limit=2", bad, "repeated_parameter", Some("limit")),
        ("/api/v1/stories/{id}", "/api/v1/stories/abc", bad, "invalid_parameter", Some("id")),
        ("/api/v1/stories/{id}", "/api/v1/stories/999", StatusCode::NOT_FOUND, "not_found", None),
        ("/api/v1/outlets", "/api/v1/outlets?lean=up", bad, "invalid_parameter", Some("lean")),
        ("/api/v1/outlets", "/api/v1/outlets?cursor=", bad, "invalid_parameter", Some("cursor")),
        ("/api/v1/outlets/{domain}", "/api/v1/outlets/0", bad, "invalid_parameter", Some("domain")),
        ("/api/v1/outlets/{domain}", "/api/v1/outlets/nowhere.example", StatusCode::NOT_FOUND, "not_found", None),
        ("/api/v1/search", "/api/v1/search?q=", bad, "missing_parameter", Some("q")),
        ("/api/v1/search", "/api/v1/search?q=x&cursor=", bad, "invalid_parameter", Some("cursor")),
        ("/api/v1/search", "/api/v1/search?q=x&limit=101", bad, "invalid_parameter", Some("limit")),
    ];
    for &(path, uri, status, code, parameter) in errors {
        let body = answer(&app, &spec, &mut checked, path, uri, status).await;
        assert_eq!(body["code"], code, "{uri}");
        assert_eq!(body["parameter"].as_str(), parameter, "{uri}");
        if let Some(parameter) = parameter {
            let message = body["message"].as_str().unwrap_or_default();
            assert!(message.contains(&format!("'{parameter}'")), "{uri}: the message names {parameter}: {message}");
        }
    }

    let paths: BTreeSet<String> = spec["paths"].as_object().expect("paths").keys().cloned().collect();
    assert_eq!(checked.ok, paths, "every path of openapi.json answered 200 at least once");
    eprintln!("{} answers validated against openapi.json", checked.answers);
}

#[tokio::test]
async fn other_methods_get_405_with_allow_and_a_json_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let (app, _) = app(dir.path(), false).await;
    let spec = get(&app, "/api/v1/openapi.json").await.json();
    let error = validator(&spec, &json!({"$ref": "#/components/schemas/Error"}));
    for (method, uri) in [("POST", "/api/v1/stories"), ("DELETE", "/api/v1/stories/1"), ("PUT", "/api/v1/outlets")] {
        let request = Request::builder().method(method).uri(uri).body(Body::empty()).expect("request");
        let response = app.clone().oneshot(request).await.expect("response");
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        let allow = response.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(allow.contains("GET"), "{method} {uri}: Allow {allow:?}");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
        let body: Value = serde_json::from_slice(&bytes).expect("a JSON body");
        assert!(error.is_valid(&body), "{method} {uri}: {body}");
        assert_eq!(body["code"], "method_not_allowed");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(method)), "{body}");
    }
}

/// Values a fuzzer tries: empty, spaces, controls, Unicode spaces, huge
/// numbers, near-misses of every format.
const PROBES: &[&str] = &[
    "",
    " ",
    "\u{a0}x",
    "\u{85}",
    "\u{feff}",
    "\u{0}",
    "0",
    "1",
    "-1",
    "100",
    "101",
    "99999999999999999999999",
    "1.5",
    "abc",
    "left",
    "unrated",
    "high",
    "mostly-factual",
    "up",
    "EN",
    "english",
    "a.b",
    "A-B.example",
    ".example",
    "example.",
    "a..b",
    "x y.com",
    "2026-03-10",
    "2026-03-10T12:00:00Z",
    "2026-03-10t12:00:00+01:00",
    "2026-13-40",
    "1700000000-7",
    "-5-7",
    "1-2-3",
    "United Kingdom",
    "<script>",
];

/// A value the parameter's schema accepts for required parameters that
/// are not the one probed.
fn valid_value(name: &str) -> &'static str {
    match name {
        "q" => "bridge",
        "id" => "1",
        "domain" => "right.example",
        _ => "",
    }
}

/// The query value as the schema sees it: a number where the schema wants
/// an integer and it reads as one.
fn as_instance(schema: &Value, value: &str) -> Value {
    if schema["type"] == "integer"
        && let Ok(number) = value.parse::<i64>()
    {
        return json!(number);
    }
    json!(value)
}

#[tokio::test]
async fn what_the_document_allows_the_server_accepts() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let (app, _) = app(dir.path(), false).await;
    let spec = get(&app, "/api/v1/openapi.json").await.json();
    let mut allowed_probes = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let parameters = item["get"]["parameters"].as_array().cloned().unwrap_or_default();
        for parameter in &parameters {
            let name = parameter["name"].as_str().expect("a name");
            let schema = &parameter["schema"];
            let check = validator(&spec, schema);
            for probe in PROBES {
                if !check.is_valid(&as_instance(schema, probe)) {
                    continue;
                }
                allowed_probes += 1;
                let mut uri = path.clone();
                let mut query = Vec::new();
                for other in &parameters {
                    let other_name = other["name"].as_str().unwrap_or_default();
                    let value =
                        if other_name == name { (*probe).to_string() } else { valid_value(other_name).to_string() };
                    if other["in"] == "path" {
                        uri = uri.replace(&format!("{{{other_name}}}"), &encode(&value));
                    } else if other_name == name || other["required"] == true {
                        query.push(format!("{other_name}={}", encode(&value)));
                    }
                }
                if !query.is_empty() {
                    uri = format!("{uri}?{}", query.join("&"));
                }
                let reply = get(&app, &uri).await;
                assert_ne!(
                    reply.status,
                    StatusCode::BAD_REQUEST,
                    "openapi.json allows {name}={probe:?} on {path}, the server refuses it: {}",
                    reply.body
                );
                assert!(!reply.status.is_server_error(), "GET {uri}: {}", reply.body);
            }
        }
    }
    assert!(allowed_probes > 30, "the probes exercise the parameters: {allowed_probes}");
}
