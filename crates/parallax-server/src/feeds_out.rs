//! A list of stories as an Atom feed (RFC 4287) or a JSON Feed (1.1):
//! each story's title, bullets, lean distribution and link, so any feed
//! reader can follow a topic, an edition or the blindspots.
//!
//! Both are written with the crates the server already has (an askama
//! template escapes the Atom, serde_json writes the JSON Feed), and both
//! are read back by feed-rs in the tests.

use askama::Template;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use parallax_core::LeanCounts;
use parallax_store::StoryHead;
use parallax_store::export::rfc3339;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Atom,
    Json,
}

impl FeedFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            FeedFormat::Atom => "application/atom+xml; charset=utf-8",
            FeedFormat::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// A ranked list, ready to be written as a feed.
pub struct FeedList {
    pub title: String,
    /// `http://host:port`, before every path.
    pub origin: String,
    /// The page the feed follows (`/topics/science`).
    pub page_path: String,
    /// The feed's own path, with its query.
    pub self_path: String,
    pub heads: Vec<StoryHead>,
    /// When the feed was built: its `updated` when it has no story.
    pub updated: DateTime<Utc>,
}

/// One story as a feed entry.
pub struct FeedEntry {
    pub id: String,
    pub url: String,
    pub title: String,
    pub updated: String,
    pub published: String,
    /// The entry's HTML: bullets, then the lean distribution.
    pub html: String,
    /// Plain text: the bullets, one a line, then the distribution.
    pub text: String,
    /// The first bullet, or the distribution.
    pub summary: String,
    pub topics: Vec<&'static str>,
    pub lean: LeanCounts,
}

#[derive(Template)]
#[template(path = "feed_entry.html")]
struct EntryHtml<'a> {
    bullets: &'a [String],
    distribution: &'a str,
    url: &'a str,
}

#[derive(Template)]
#[template(path = "atom.xml")]
struct AtomFeed<'a> {
    list: &'a FeedList,
    title: String,
    id: String,
    updated: String,
    entries: &'a [FeedEntry],
}

/// "Left 3 · Center 1 · Right 0 · Disputed 0 · Unrated 2 (of 6 sources)".
pub fn distribution(lean: &LeanCounts) -> String {
    format!(
        "Coverage by lean of the outlets: left {}, center {}, right {}, disputed {}, unrated {} (of {} sources)",
        lean.left,
        lean.center,
        lean.right,
        lean.disputed,
        lean.unrated,
        lean.total()
    )
}

/// Drops the characters XML 1.0 does not allow (C0 controls but tab and
/// line breaks, U+FFFE, U+FFFF), so no story text can break a feed.
pub fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|&c| !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'))
        .collect()
}

fn entry(list: &FeedList, head: &StoryHead) -> FeedEntry {
    let url = format!("{}/stories/{}", list.origin, head.id);
    let view = head.view.as_ref();
    let lean = view.map_or(LeanCounts { unrated: head.outlets, ..LeanCounts::default() }, |v| v.coverage.lean);
    let bullets: Vec<String> = view.map_or_else(Vec::new, |v| v.bullets.iter().map(|b| xml_safe(&b.text)).collect());
    let distribution = distribution(&lean);
    let html = EntryHtml { bullets: &bullets, distribution: &distribution, url: &url }
        .render()
        .unwrap_or_else(|_| String::new());
    let mut text = bullets.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&distribution);
    FeedEntry {
        id: url.clone(),
        title: if head.title.is_empty() { format!("Story {}", head.id) } else { xml_safe(&head.title) },
        updated: rfc3339(head.last_updated),
        published: rfc3339(head.first_published),
        summary: bullets.first().cloned().unwrap_or_else(|| distribution.clone()),
        html,
        text,
        topics: view.map_or_else(Vec::new, |v| v.topics.iter().map(|t| t.as_str()).collect()),
        lean,
        url,
    }
}

/// The feed's `updated`: its newest story's, else when it was built.
fn updated(list: &FeedList) -> DateTime<Utc> {
    list.heads.iter().map(|h| h.last_updated).max().unwrap_or(list.updated)
}

pub fn atom(list: &FeedList) -> Result<String, askama::Error> {
    let entries: Vec<FeedEntry> = list.heads.iter().map(|head| entry(list, head)).collect();
    AtomFeed {
        list,
        title: xml_safe(&list.title),
        id: format!("{}{}", list.origin, list.self_path),
        updated: rfc3339(updated(list)),
        entries: &entries,
    }
    .render()
}

pub fn json_feed(list: &FeedList) -> Value {
    let items: Vec<Value> = list
        .heads
        .iter()
        .map(|head| {
            let e = entry(list, head);
            json!({
                "id": e.id,
                "url": e.url,
                "title": e.title,
                "content_html": e.html,
                "content_text": e.text,
                "summary": e.summary,
                "date_published": e.published,
                "date_modified": e.updated,
                "tags": e.topics,
                "_parallax": {
                    "about": "https://jsonfeed.org/version/1.1 extension: the story's coverage by lean of the covering outlets",
                    "lean": e.lean,
                    "blindspot": head.view.as_ref().and_then(|v| v.coverage.blindspot),
                },
            })
        })
        .collect();
    json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": list.title,
        "home_page_url": format!("{}{}", list.origin, list.page_path),
        "feed_url": format!("{}{}", list.origin, list.self_path),
        "description": "Stories told across the political spectrum, with each story's coverage by side.",
        "language": "en",
        "authors": [{ "name": "Parallax" }],
        "items": items,
    })
}

/// The list as a response in `format`.
pub fn feed_response(list: &FeedList, format: FeedFormat) -> Response {
    let body = match format {
        FeedFormat::Atom => match atom(list) {
            Ok(xml) => xml,
            Err(error) => {
                tracing::error!("feeds: cannot render an Atom feed: {error}");
                return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        },
        FeedFormat::Json => json_feed(list).to_string(),
    };
    ([(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()))], body).into_response()
}
