//! The client for an operator-configured JSON endpoint against the loopback
//! fixture server: the answer is parsed, and every failure is an error value
//! saying what went wrong.

use std::time::Duration;

use parallax_fetch::{FetchError, JsonClient, JsonClientLimits};
use parallax_testkit::{FixtureServer, Route};
use serde_json::{Value, json};

const LIMITS: JsonClientLimits = JsonClientLimits { timeout: Duration::from_secs(2), max_body_bytes: 1024 };

fn json_route(status: u16, body: &str) -> Route {
    Route::Body {
        status,
        headers: vec![("Content-Type".to_string(), "application/json".to_string())],
        body: body.as_bytes().to_vec(),
    }
}

fn serve(path: &str, route: Route) -> FixtureServer {
    FixtureServer::start(vec![(path.to_string(), route)]).expect("start fixture")
}

/// Posts to `path` of a server answering with `route`; `expected` is the
/// parsed answer or the error's message.
fn check(route: Route, expected: Result<Value, &str>) {
    let server = serve("/v1/chat/completions", route);
    let client = JsonClient::new(LIMITS).expect("client builds");
    let got = client.post_json(&server.url("/v1/chat/completions"), &json!({"q": 1}), None);
    match (got, expected) {
        (Ok(value), Ok(expected)) => assert_eq!(value, expected),
        (Err(error), Err(expected)) => assert_eq!(error.to_string(), expected),
        (got, expected) => panic!("got {got:?}, expected {expected:?}"),
    }
    assert_eq!(server.hits("/v1/chat/completions"), 1);
}

#[test]
fn a_json_answer_is_parsed() {
    check(
        json_route(200, r#"{"choices": [{"message": {"content": "hi"}}]}"#),
        Ok(json!({"choices": [{"message": {"content": "hi"}}]})),
    );
}

#[test]
fn an_error_status_is_an_error_quoting_the_answer() {
    check(
        json_route(404, r#"{"error": {"message": "model \"x\" not found"}}"#),
        Err(r#"fetch: HTTP 404 Not Found: {"error": {"message": "model \"x\" not found"}}"#),
    );
    check(Route::Status { status: 500, headers: Vec::new() }, Err("fetch: HTTP 500 Internal Server Error"));
}

#[test]
fn a_redirect_is_not_followed() {
    check(
        Route::Redirect { status: 302, location: "http://169.254.169.254/".to_string() },
        Err("fetch: HTTP 302 Found"),
    );
}

#[test]
fn an_answer_that_is_not_json_is_an_error() {
    let server = serve("/v1/chat/completions", json_route(200, "<html>Bad Gateway</html>"));
    let url = server.url("/v1/chat/completions");
    let error =
        JsonClient::new(LIMITS).expect("client builds").post_json(&url, &json!({}), None).expect_err("not JSON");
    assert!(matches!(error, FetchError::NotJson { .. }), "{error:?}");
    assert!(error.to_string().starts_with(&format!("fetch: the answer of {url} is not JSON: ")), "{error}");
}

#[test]
fn an_answer_over_the_cap_is_an_error() {
    check(Route::Huge { len: 4096 }, Err("fetch: body exceeds 1 KiB"));
    check(Route::HugeChunked { len: 4096 }, Err("fetch: body exceeds 1 KiB"));
}

#[test]
fn a_slow_endpoint_hits_the_deadline() {
    let started = std::time::Instant::now();
    check(
        Route::Drip { body: br#"{"choices": []}"#.to_vec(), interval: Duration::from_secs(1) },
        Err("fetch: timed out after 2 s"),
    );
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn a_closed_port_is_a_network_error() {
    // Bind then drop, so nothing listens on the port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let url = format!("http://127.0.0.1:{port}/v1/chat/completions");
    let error = JsonClient::new(LIMITS).expect("client builds").post_json(&url, &json!({}), None).expect_err("refused");
    assert!(matches!(error, FetchError::Network { .. }), "{error:?}");
}

#[test]
fn only_http_urls_are_posted_to() {
    let error = JsonClient::new(LIMITS)
        .expect("client builds")
        .post_json("file:///etc/passwd", &json!({}), None)
        .expect_err("not http");
    assert_eq!(error.to_string(), "fetch: only http and https URLs are fetched, not \"file\"");
}

#[test]
fn the_body_is_posted_as_json_with_the_bearer_key() {
    let server = serve("/v1/chat/completions", json_route(200, "{}"));
    let client = JsonClient::new(LIMITS).expect("client builds");
    let answer = client.post_json(&server.url("/v1/chat/completions"), &json!({"model": "m"}), Some("secret-key"));
    assert_eq!(answer.expect("answer"), json!({}));
    let header = |name: &str| server.last_request_header("/v1/chat/completions", name);
    assert_eq!(header("authorization").as_deref(), Some("Bearer secret-key"));
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(header("content-length").as_deref(), Some(r#"{"model":"m"}"#.len().to_string().as_str()));
}

#[tokio::test]
async fn a_call_from_an_async_task_works() {
    let server = serve("/v1/chat/completions", json_route(200, "[1]"));
    let client = JsonClient::new(LIMITS).expect("client builds");
    assert_eq!(client.post_json(&server.url("/v1/chat/completions"), &json!({}), None).expect("answer"), json!([1]));
}
