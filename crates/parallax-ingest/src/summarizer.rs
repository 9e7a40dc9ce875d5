//! The summary engine stored stories and `parallax summarize` share: the
//! extractive summariser, whose title and bullets are replaced by a chat
//! model's when `summary.generative.endpoint` is set. Any failure of the
//! endpoint (unreachable, an error status, a timeout, an answer that is not
//! the JSON asked for) is logged with the story and the reason, and that
//! story keeps its extractive summary. Per-side bullets stay extractive.

use std::fmt::Display;
use std::time::Duration;

use parallax_fetch::{FetchError, JsonClient, JsonClientLimits};
use parallax_summary::generative::{self, GenerativeError};
use parallax_summary::{StoryInput, Summary, SummaryConfig};

/// Summarises stories for one pass (an ingest round, a `parallax summarize`
/// run). Counts the endpoint's failures in a row, so build one per pass.
pub struct Summarizer {
    config: SummaryConfig,
    /// None when no endpoint is configured, or after too many failures.
    endpoint: Option<Endpoint>,
    failures_in_a_row: usize,
}

struct Endpoint {
    client: JsonClient,
    url: String,
    api_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
enum GenerateError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Answer(#[from] GenerativeError),
}

impl Summarizer {
    /// A summariser with `config`; a configured endpoint whose client cannot
    /// be built is logged and left out.
    pub fn new(config: &SummaryConfig) -> Summarizer {
        let endpoint = config.generative.endpoint.as_deref().and_then(|base| {
            let generative = &config.generative;
            let limits = JsonClientLimits {
                timeout: Duration::from_secs(generative.timeout_secs),
                max_body_bytes: generative.max_response_bytes,
            };
            let client = match JsonClient::new(limits) {
                Ok(client) => client,
                Err(error) => {
                    tracing::warn!("summary: generative endpoint left out, summaries stay extractive: {error}");
                    return None;
                }
            };
            let api_key = generative.api_key_env.as_deref().and_then(|name| match std::env::var(name) {
                Ok(key) => Some(key),
                Err(error) => {
                    tracing::warn!(
                        "summary: summary.generative.api_key_env names {name}, which cannot be read ({error}); \
                         asking without a key"
                    );
                    None
                }
            });
            Some(Endpoint { client, url: generative::chat_completions_url(base), api_key })
        });
        Summarizer { config: config.clone(), endpoint, failures_in_a_row: 0 }
    }

    /// Whether a generative endpoint is asked for titles and bullets (a
    /// network call per story, and a count of failures in a row); without
    /// one, summaries are pure and stories can be summarised on several
    /// threads, each with its own summariser.
    pub fn asks_endpoint(&self) -> bool {
        self.endpoint.is_some()
    }

    /// A summariser with the same settings that never asks an endpoint.
    pub fn extractive_only(&self) -> Summarizer {
        Summarizer { config: self.config.clone(), endpoint: None, failures_in_a_row: 0 }
    }

    /// The summary of `input`; `story` names it in the log.
    pub fn summarize(&mut self, story: impl Display, input: &StoryInput) -> Summary {
        let extractive = parallax_summary::summarize(input, &self.config);
        if input.articles.is_empty() {
            return extractive;
        }
        let Some(endpoint) = &self.endpoint else { return extractive };
        match generate(endpoint, input, &self.config) {
            Ok(generated) => {
                self.failures_in_a_row = 0;
                Summary { sides: extractive.sides, ..generated }
            }
            Err(reason) => {
                tracing::warn!(%story, endpoint = %endpoint.url, "summary: using the extractive summary: {reason}");
                self.failures_in_a_row += 1;
                let max = self.config.generative.max_consecutive_failures;
                if max > 0 && self.failures_in_a_row >= max {
                    tracing::warn!(
                        endpoint = %endpoint.url,
                        "summary: {max} generative failures in a row; the endpoint is not asked again in this pass"
                    );
                    self.endpoint = None;
                }
                extractive
            }
        }
    }
}

fn generate(endpoint: &Endpoint, input: &StoryInput, config: &SummaryConfig) -> Result<Summary, GenerateError> {
    let request = generative::chat_request(input, config);
    let answer = endpoint.client.post_json(&endpoint.url, &request, endpoint.api_key.as_deref())?;
    Ok(generative::parse_chat_response(&answer, input, config)?)
}
