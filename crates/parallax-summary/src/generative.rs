//! The optional generative backend: the request an OpenAI-compatible chat
//! endpoint (llama.cpp's server, vLLM, Ollama) is asked for a story's title
//! and bullets, and the reading of its answer into a [`Summary`].
//!
//! Sending the request is the caller's business (only `parallax-fetch` opens
//! sockets); everything here stays pure. Any answer that is not the JSON
//! asked for is an error value, so the caller falls back to the extractive
//! summary. Per-side bullets and disagreements stay extractive: they must
//! quote the outlets.

use parallax_core::text::cap_at_word;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::summary::{Bullet, Summary, SummaryConfig};
use crate::{ArticleText, StoryInput};

/// Where and how to ask a model. Off unless `endpoint` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerativeConfig {
    /// Base URL of an OpenAI-compatible API, such as
    /// `http://127.0.0.1:8080/v1` (llama.cpp's server),
    /// `http://127.0.0.1:11434/v1` (Ollama) or `http://127.0.0.1:8000/v1`
    /// (vLLM); `/chat/completions` is appended unless the URL ends with it.
    /// Trusted configuration: it is not subject to the feed address policy.
    /// None (the default) keeps every summary extractive and asks nothing.
    pub endpoint: Option<String>,
    /// The model named in each request. Ollama and vLLM need a model they
    /// serve; llama.cpp's server answers with the one it loaded whatever
    /// the name. Default "default".
    pub model: String,
    /// One deadline per story over the whole request, the model's work
    /// included. Default 60: a small model on a CPU takes tens of seconds
    /// to read 12,000 characters and write a few bullets.
    pub timeout_secs: u64,
    /// Most bytes of an answer read; a longer one is an error. Default
    /// 1 MiB, far above a few hundred tokens of JSON.
    pub max_response_bytes: u64,
    /// Most characters of articles put in one request: articles are added
    /// in the story's order while they fit (the first always, cut). Default
    /// 12,000, about 3,000 tokens, which fits a 4,096-token context with
    /// the instructions and the answer.
    pub max_input_chars: usize,
    /// Each article's title and text are cut to this many characters first,
    /// so one long article does not crowd the others out. Default 1,500:
    /// the lead, where a news article states the event.
    pub max_article_chars: usize,
    /// Most tokens the model may write (`max_tokens`). Default 400: a title
    /// and five bullets in JSON take about 200.
    pub max_tokens: u32,
    /// Sampling temperature. Default 0.2: summaries should stay close to the
    /// articles' wording, not vary.
    pub temperature: f64,
    /// Ask for a JSON object (`response_format: {"type": "json_object"}`),
    /// which llama.cpp, vLLM and Ollama enforce while decoding. Turn off
    /// for a server that refuses the field. Default true.
    pub json_mode: bool,
    /// Name of the environment variable holding a bearer key, for endpoints
    /// that want one; the key itself never goes in the file. Default none.
    pub api_key_env: Option<String>,
    /// After this many failures in a row, the rest of the pass (one ingest
    /// round, one `parallax summarize` run) is extractive without asking, so
    /// an endpoint that is down or hangs costs a round at most this many
    /// timeouts. 0 never stops asking. Default 3.
    pub max_consecutive_failures: usize,
}

impl Default for GenerativeConfig {
    fn default() -> Self {
        GenerativeConfig {
            endpoint: None,
            model: "default".to_string(),
            timeout_secs: 60,
            max_response_bytes: 1024 * 1024,
            max_input_chars: 12_000,
            max_article_chars: 1_500,
            max_tokens: 400,
            temperature: 0.2,
            json_mode: true,
            api_key_env: None,
            max_consecutive_failures: 3,
        }
    }
}

/// Why an answer could not be used. Every message starts with `summary:`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerativeError {
    #[error("summary: the endpoint's answer has no choices[0].message.content")]
    NoContent,
    #[error("summary: the model's reply is not the JSON object asked for: {excerpt:?}")]
    NotJson { excerpt: String },
    #[error("summary: the model's reply has no title")]
    NoTitle,
    #[error("summary: the model's reply has no bullets")]
    NoBullets,
}

/// Between two articles in the request.
const BLOCK_SEPARATOR: &str = "\n\n";

/// Most characters of a reply quoted in [`GenerativeError::NotJson`].
const MAX_EXCERPT_CHARS: usize = 200;

/// The chat-completions URL of an endpoint's base URL.
pub fn chat_completions_url(endpoint: &str) -> String {
    let base = endpoint.trim().trim_end_matches('/');
    if base.ends_with("/chat/completions") { base.to_string() } else { format!("{base}/chat/completions") }
}

/// The chat-completions request body for `story`: instructions asking for a
/// neutral title and `min_bullets` to `max_bullets` bullets drawn only from
/// the numbered articles, as JSON, and the articles that fit the input limits.
pub fn chat_request(story: &StoryInput, config: &SummaryConfig) -> Value {
    let generative = &config.generative;
    let system = format!(
        "You summarise news stories neutrally. You are given articles about one event from different outlets, \
         numbered. Write a neutral, factual title of at most 15 words and {min} to {max} short bullet points \
         with the key facts. Use only what the articles state: add nothing, take no side, avoid loaded words, \
         and where outlets disagree say so and name them. Write in the language most articles are in. Answer \
         with a JSON object only, in this form: {{\"title\": \"...\", \"bullets\": [{{\"text\": \"...\", \
         \"source\": 1}}]}}, where source is the number of the article the bullet's facts come from.",
        min = config.min_bullets.min(config.max_bullets),
        max = config.max_bullets,
    );
    let user = article_blocks(story.articles, generative).join(BLOCK_SEPARATOR);
    let mut body = json!({
        "model": generative.model,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ],
        "temperature": generative.temperature,
        "max_tokens": generative.max_tokens,
        "stream": false,
    });
    if generative.json_mode {
        body["response_format"] = json!({"type": "json_object"});
    }
    body
}

/// One block per article that fits, numbered from 1 in the story's order.
fn article_blocks(articles: &[ArticleText], config: &GenerativeConfig) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut used = 0;
    for (index, article) in articles.iter().enumerate() {
        let outlet = article.outlet.map(|outlet| format!(" ({outlet})")).unwrap_or_default();
        let block = format!("Article {}{outlet}\nTitle: {}\n{}", index + 1, article.title.trim(), article.text.trim());
        let limit = if blocks.is_empty() {
            config.max_article_chars.min(config.max_input_chars)
        } else {
            config.max_article_chars
        };
        let block = cap_at_word(&block, limit).into_owned();
        // Blocks are joined by a blank line.
        let chars = block.chars().count() + if blocks.is_empty() { 0 } else { BLOCK_SEPARATOR.len() };
        if !blocks.is_empty() && used + chars > config.max_input_chars {
            break;
        }
        used += chars;
        blocks.push(block);
    }
    blocks
}

/// How many of `articles` [`chat_request`] puts in the request, so an
/// answer's article numbers are checked against what the model saw.
fn articles_sent(articles: &[ArticleText], config: &GenerativeConfig) -> usize {
    article_blocks(articles, config).len()
}

/// Reads an endpoint's chat-completions answer into a summary whose title
/// and bullets are the model's; its per-side summaries are empty (the caller
/// keeps the extractive ones). Each bullet is attributed to the article it
/// cites when that is one of the articles sent, else to the sent article
/// sharing most of its words; `title_from` is the sent article sharing most
/// words with the title. At most `max_bullets` bullets are kept, in the
/// model's order.
pub fn parse_chat_response(
    answer: &Value,
    story: &StoryInput,
    config: &SummaryConfig,
) -> Result<Summary, GenerativeError> {
    let content =
        answer.pointer("/choices/0/message/content").and_then(Value::as_str).ok_or(GenerativeError::NoContent)?;
    let reply = reply_object(content)?;
    let title = reply.get("title").and_then(Value::as_str).map(one_line).unwrap_or_default();
    if title.is_empty() {
        return Err(GenerativeError::NoTitle);
    }
    let sent = &story.articles[..articles_sent(story.articles, &config.generative)];
    let bullets: Vec<Bullet> = reply
        .get("bullets")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| {
            let (text, source) = match item {
                Value::String(text) => (text.as_str(), None),
                Value::Object(fields) => (fields.get("text").and_then(Value::as_str)?, fields.get("source")),
                _ => return None,
            };
            let text = strip_marker(&one_line(text)).to_string();
            if text.is_empty() {
                return None;
            }
            let article = cited_article(source, sent.len()).unwrap_or_else(|| most_overlapping(&text, sent));
            sent.get(article)?;
            Some(Bullet { text, article })
        })
        .take(config.max_bullets)
        .collect();
    if bullets.is_empty() {
        return Err(GenerativeError::NoBullets);
    }
    let title_from = (!sent.is_empty()).then(|| most_overlapping(&title, sent));
    Ok(Summary { title, title_from, bullets, sides: Default::default() })
}

/// The JSON object in a model's reply, which may come after a reasoning
/// block (`<think>...</think>`), inside a Markdown code fence, or between
/// words of prose.
fn reply_object(content: &str) -> Result<serde_json::Map<String, Value>, GenerativeError> {
    let mut text = content.trim();
    if text.starts_with("<think>")
        && let Some((_, after)) = text.split_once("</think>")
    {
        text = after.trim();
    }
    if let Some(fenced) = text.strip_prefix("```") {
        // The fence's first line may name the language ("```json").
        let inner = fenced.split_once('\n').map_or("", |(_, rest)| rest);
        text = inner.trim_end().strip_suffix("```").unwrap_or(inner).trim();
    }
    let parsed = serde_json::from_str::<Value>(text).ok().or_else(|| {
        let start = text.find('{')?;
        let end = text.rfind('}')?;
        serde_json::from_str(text.get(start..=end)?).ok()
    });
    match parsed {
        Some(Value::Object(object)) => Ok(object),
        _ => Err(GenerativeError::NotJson { excerpt: excerpt(content) }),
    }
}

fn excerpt(text: &str) -> String {
    let line = one_line(text);
    match line.char_indices().nth(MAX_EXCERPT_CHARS) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line,
    }
}

/// Whitespace runs (newlines included) as one space, trimmed.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A list marker a model may put before a bullet ("- ", "* ", "• ", "1. ");
/// `text` is already on one line.
fn strip_marker(text: &str) -> &str {
    for marker in ["- ", "* ", "• ", "– "] {
        if let Some(rest) = text.strip_prefix(marker) {
            return rest.trim_start();
        }
    }
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0
        && let Some(rest) = text[digits..].strip_prefix(". ").or_else(|| text[digits..].strip_prefix(") "))
    {
        return rest.trim_start();
    }
    text
}

/// The index of the article a bullet cites (`1`, `"1"`, `"[1]"`, `"Article
/// 1"`), when it is one of the `sent` articles.
fn cited_article(source: Option<&Value>, sent: usize) -> Option<usize> {
    let number = match source? {
        Value::Number(number) => number.as_u64()?,
        Value::String(text) => {
            let digits: String =
                text.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
            digits.parse().ok()?
        }
        _ => return None,
    };
    let index = usize::try_from(number).ok()?.checked_sub(1)?;
    (index < sent).then_some(index)
}

/// The article sharing the most distinct words with `text` (lowercased
/// letter and digit runs); ties and no overlap at all go to the earliest.
fn most_overlapping(text: &str, articles: &[ArticleText]) -> usize {
    let wanted = words(text);
    let mut best = (0, 0);
    for (index, article) in articles.iter().enumerate() {
        let have = words(&format!("{} {}", article.title, article.text));
        let shared = wanted.iter().filter(|word| have.contains(*word)).count();
        if shared > best.1 {
            best = (index, shared);
        }
    }
    best.0
}

fn words(text: &str) -> rustc_hash::FxHashSet<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(str::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_url(endpoint: &str, expected: &str) {
        assert_eq!(chat_completions_url(endpoint), expected);
    }

    #[test]
    fn the_chat_path_is_appended_once() {
        check_url("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/chat/completions");
        check_url("http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080/v1/chat/completions");
        check_url("http://host:11434/v1/chat/completions", "http://host:11434/v1/chat/completions");
    }

    fn check_marker(text: &str, expected: &str) {
        assert_eq!(strip_marker(text), expected);
    }

    #[test]
    fn list_markers_are_dropped() {
        check_marker("- The Senate voted.", "The Senate voted.");
        check_marker("• The Senate voted.", "The Senate voted.");
        check_marker("2. The Senate voted.", "The Senate voted.");
        check_marker("49 senators voted.", "49 senators voted.");
        check_marker("1) The Senate voted.", "The Senate voted.");
        check_marker("3.5 percent more", "3.5 percent more");
        check_marker("-5 degrees overnight", "-5 degrees overnight");
    }

    fn check_cited(source: Value, expected: Option<usize>) {
        assert_eq!(cited_article(Some(&source), 3), expected, "{source}");
    }

    #[test]
    fn citations_are_article_numbers_among_those_sent() {
        check_cited(json!(1), Some(0));
        check_cited(json!(3), Some(2));
        check_cited(json!("2"), Some(1));
        check_cited(json!("[2]"), Some(1));
        check_cited(json!("Article 3"), Some(2));
        check_cited(json!(0), None);
        check_cited(json!(4), None);
        check_cited(json!(-1), None);
        check_cited(json!("none"), None);
        check_cited(json!(null), None);
    }
}
