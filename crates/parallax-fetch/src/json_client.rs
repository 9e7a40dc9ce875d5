//! A client for one trusted JSON endpoint the operator configured, such as a
//! local model server's OpenAI-compatible API.

use std::time::Duration;

use reqwest::header;
use serde_json::Value;
use url::Url;

use crate::{FetchError, error_chain, read_body, tls_config};

/// Most characters of an error answer quoted in [`FetchError::EndpointStatus`]:
/// enough for a model server's one-line reason, not a whole error page.
const MAX_ANSWER_EXCERPT_CHARS: usize = 300;

/// The limits of one [`JsonClient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonClientLimits {
    /// One deadline over connecting, sending, the server's work and reading
    /// its whole answer.
    pub timeout: Duration,
    /// Most bytes of the decoded answer read; a longer one is an error.
    pub max_body_bytes: u64,
}

/// Posts a JSON body to an endpoint the operator configured and reads a JSON
/// answer back.
///
/// **Trusted URLs only.** Unlike [`crate::Fetcher`], no address policy is
/// applied: the URL comes from the operator's configuration (typically a
/// model server on loopback or the LAN, `http://127.0.0.1:8080/v1/...`, the
/// very addresses the feed policy refuses), never from a feed or a page.
/// Never pass it a URL taken from fetched content.
///
/// What still holds: http(s) only, no proxy, no redirect followed (a 3xx is
/// an error like any non-2xx status), one deadline over the whole exchange,
/// and a cap on the decoded answer enforced while streaming.
///
/// Calls block the calling thread until the answer or the deadline: the
/// callers (the story stage, `parallax summarize`) are synchronous. Each call
/// runs on a short-lived thread with its own runtime, so it also works from
/// an async task, though it then holds that task's worker for its duration.
#[derive(Debug, Clone)]
pub struct JsonClient {
    client: reqwest::Client,
    limits: JsonClientLimits,
}

impl JsonClient {
    /// Fails only when the HTTP client cannot be built (TLS setup).
    pub fn new(limits: JsonClientLimits) -> Result<JsonClient, FetchError> {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.timeout)
            // Each call has its own runtime, and a pooled connection would
            // outlive the runtime that drives it; a model's answer takes far
            // longer than a new connection anyway.
            .pool_max_idle_per_host(0)
            .user_agent(concat!("Parallax/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| FetchError::Client { detail: error_chain(&error) })?;
        Ok(JsonClient { client, limits })
    }

    /// POSTs `body` to `url` (with `Authorization: Bearer` when `bearer` is
    /// given) and returns the answer parsed as JSON. A non-2xx status is
    /// [`FetchError::EndpointStatus`], quoting the start of the answer.
    pub fn post_json(&self, url: &str, body: &Value, bearer: Option<&str>) -> Result<Value, FetchError> {
        let url = Url::parse(url).map_err(|source| FetchError::InvalidUrl { url: url.to_string(), source })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::UnsupportedScheme { scheme: url.scheme().to_string() });
        }
        let payload = body.to_string().into_bytes();
        std::thread::scope(|scope| {
            let exchange = scope.spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|error| FetchError::Client { detail: format!("cannot start a runtime: {error}") })?;
                runtime.block_on(self.exchange(&url, payload, bearer))
            });
            exchange.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    async fn exchange(&self, url: &Url, payload: Vec<u8>, bearer: Option<&str>) -> Result<Value, FetchError> {
        let deadline = self.limits.timeout;
        match tokio::time::timeout(deadline, self.send(url, payload, bearer)).await {
            Ok(answer) => answer,
            Err(_) => Err(FetchError::TimedOut { secs: deadline.as_secs() }),
        }
    }

    async fn send(&self, url: &Url, payload: Vec<u8>, bearer: Option<&str>) -> Result<Value, FetchError> {
        let mut request = self
            .client
            .post(url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .body(payload);
        if let Some(key) = bearer {
            request = request.bearer_auth(key);
        }
        let mut response = request
            .send()
            .await
            .map_err(|error| FetchError::Network { url: url.to_string(), detail: error_chain(&error.without_url()) })?;
        let status = response.status();
        let body = read_body(&mut response, url, self.limits.max_body_bytes).await;
        if !status.is_success() {
            // The answer only explains the status; an unreadable one explains nothing.
            let answer = body.map(|bytes| excerpt(&bytes)).unwrap_or_default();
            return Err(FetchError::EndpointStatus {
                status: status.as_u16(),
                reason: status.canonical_reason().unwrap_or("(unknown status)").to_string(),
                answer,
            });
        }
        serde_json::from_slice(&body?)
            .map_err(|error| FetchError::NotJson { url: url.to_string(), detail: error.to_string() })
    }
}

/// The start of an answer on one line, for an error message.
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((cut, _)) = line.char_indices().nth(MAX_ANSWER_EXCERPT_CHARS) {
        line.truncate(cut);
        line.push('…');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8], expected: &str) {
        assert_eq!(excerpt(bytes), expected);
    }

    #[test]
    fn excerpts_are_one_short_line() {
        check(b"", "");
        check(b"{\"error\": \"model not found\"}\n", "{\"error\": \"model not found\"}");
        check(b"<html>\n  <body>Bad\tGateway</body>\n</html>", "<html> <body>Bad Gateway</body> </html>");
        let long = "x".repeat(MAX_ANSWER_EXCERPT_CHARS + 10);
        check(long.as_bytes(), &format!("{}…", "x".repeat(MAX_ANSWER_EXCERPT_CHARS)));
    }
}
