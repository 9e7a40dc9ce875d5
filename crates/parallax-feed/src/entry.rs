//! One feed-rs entry to one clean [`NewArticle`].

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Link};
use parallax_core::NewArticle;
use parallax_core::config::CleanConfig;
use url::Url;

use crate::clean::{FeedLanguages, canonical, is_truncated, plain_text, sanitize_html};
use crate::dates::publication_time;
use parallax_core::text::cap_at_word;

/// Everything about the feed an entry needs to become an article.
pub(crate) struct FeedScope<'a> {
    pub feed_url: &'a str,
    pub feed_base: Option<&'a Url>,
    pub outlet: &'a str,
    pub fetched: DateTime<Utc>,
    /// The feed's declared language as ISO 639-1.
    pub language: Option<&'a str>,
    pub config: &'a CleanConfig,
}

/// The article with what cleaning noticed on the way, or why there is none.
pub(crate) enum Cleaned {
    Article(Box<NewArticle>, Vec<String>),
    Skipped(String),
}

/// Whether a link is the entry's own page: an RSS `<link>`, a JSON Feed
/// `url`, an Atom link with no `rel` or `rel="alternate"` (not `self`,
/// `enclosure`, `replies` or a comments link).
fn is_alternate(link: &Link) -> bool {
    link.target.is_none() && link.rel.as_deref().is_none_or(|rel| rel.eq_ignore_ascii_case("alternate"))
}

/// The entry's id and canonical URL, or why it has no usable link.
pub(crate) fn identify(entry: &Entry, feed_base: Option<&Url>) -> Result<(String, Url), String> {
    let guid = entry.id.trim();
    // An RSS <guid> is a permalink unless it says otherwise, and some feeds
    // put the article's address only there.
    let url = entry
        .links
        .iter()
        .filter(|link| is_alternate(link))
        .find_map(|link| canonical(&link.href, feed_base))
        .or_else(|| canonical(guid, None))
        .ok_or_else(|| "no http(s) link".to_string())?;
    let guid = if guid.is_empty() { url.as_str().to_string() } else { guid.to_string() };
    Ok((guid, url))
}

pub(crate) fn clean_entry(
    entry: &Entry,
    (guid, url): (String, Url),
    scope: &FeedScope<'_>,
    languages: &mut FeedLanguages,
) -> Cleaned {
    let mut notes = Vec::new();

    let summary = entry.summary.as_ref().map(|text| text.content.as_str()).filter(|s| !s.trim().is_empty());
    let content = entry.content.as_ref().and_then(|content| {
        let body = content.body.as_deref().filter(|body| !body.trim().is_empty())?;
        let is_plain_text = content.content_type.ty() == "text" && content.content_type.subty() == "plain";
        Some((body, is_plain_text))
    });

    let mut feed_text = summary.map(plain_text).unwrap_or_default();
    if feed_text.is_empty()
        && let Some((body, _)) = content
    {
        feed_text = plain_text(body);
    }
    let truncated = is_truncated(&feed_text) || (feed_text.is_empty() && content.is_none());
    let snippet = cap_at_word(&feed_text, scope.config.max_snippet_chars).into_owned();

    let mut title = entry.title.as_ref().map(|text| plain_text(&text.content)).unwrap_or_default();
    if title.is_empty() {
        // Microblog-style items have no title; their text is what a reader
        // would scan instead.
        title = feed_text.clone();
    }
    if title.is_empty() {
        return Cleaned::Skipped("no title and no text".to_string());
    }
    let title = cap_at_word(&title, scope.config.max_title_chars).into_owned();

    let content_html = match (content, summary) {
        (Some((body, true)), _) => sanitize_html(&plain_text_as_html(body), None),
        (Some((body, false)), _) | (None, Some(body)) => sanitize_html(body, Some(&url)),
        (None, None) => String::new(),
    };
    let content_html = cap_html(content_html, scope.config.max_content_bytes, &mut notes);

    let (language, language_confidence) = match languages.detect(&format!("{title} {snippet}")) {
        Some((code, confidence)) => (Some(code), confidence),
        None => (entry_language(entry).or(scope.language.map(str::to_string)), 0.0),
    };
    let (published, date_flag) =
        publication_time(entry.published, entry.updated, scope.fetched, scope.config.future_tolerance_secs);

    let article = NewArticle {
        outlet: scope.outlet.to_string(),
        feed: scope.feed_url.to_string(),
        guid,
        url: url.into(),
        title,
        snippet,
        content_html,
        truncated,
        language,
        language_confidence,
        published,
        date_flag,
        fetched: scope.fetched,
        categories: entry_categories(entry),
    };
    Cleaned::Article(Box::new(article), notes)
}

/// Most categories kept per entry, and most characters per category: they
/// classify the article (opinion or news, its topic), and a feed that tags
/// an entry with hundreds of keywords is not saying more.
const MAX_CATEGORIES: usize = 20;
const MAX_CATEGORY_CHARS: usize = 100;

/// The entry's categories as plain text: an Atom category's label, else
/// its term; RSS `<category>` and JSON Feed `tags` arrive as terms.
fn entry_categories(entry: &Entry) -> Vec<String> {
    let mut categories: Vec<String> = Vec::new();
    for category in &entry.categories {
        let raw = category.label.as_deref().filter(|label| !label.trim().is_empty()).unwrap_or(&category.term);
        let text = plain_text(raw);
        let text = cap_at_word(text.trim(), MAX_CATEGORY_CHARS);
        if !text.is_empty() && !categories.iter().any(|known| known.as_str() == text) {
            categories.push(text.into_owned());
        }
        if categories.len() == MAX_CATEGORIES {
            break;
        }
    }
    categories
}

/// An Atom entry's own `xml:lang`, as ISO 639-1.
fn entry_language(entry: &Entry) -> Option<String> {
    entry.language.as_deref().and_then(iso_639_1_tag)
}

/// The primary subtag of a language tag (`en-US` -> `en`) when it is a
/// two-letter ISO 639-1 code; feeds also write `English` or `eng`, which
/// are not.
pub(crate) fn iso_639_1_tag(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?;
    (primary.len() == 2 && primary.chars().all(|c| c.is_ascii_alphabetic())).then(|| primary.to_ascii_lowercase())
}

/// JSON Feed's `content_text` is plain text: escape it and keep its
/// paragraphs, so sanitising cannot turn `<3` into markup.
fn plain_text_as_html(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| format!("<p>{}</p>", html_escape::encode_text(paragraph)))
        .collect()
}

/// Caps sanitised HTML at `max_bytes`. The cut lands before the last tag
/// that would be split and the HTML is sanitised again, which closes every
/// open element; unclosed markup cannot leak into the page that embeds it.
fn cap_html(html: String, max_bytes: usize, notes: &mut Vec<String>) -> String {
    if html.len() <= max_bytes {
        return html;
    }
    let original_len = html.len();
    let mut cut = max_bytes;
    let mut capped = String::new();
    for _ in 0..CAP_ATTEMPTS {
        while !html.is_char_boundary(cut) {
            cut -= 1;
        }
        let head = &html[..cut];
        let head = match (head.rfind('<'), head.rfind('>')) {
            (Some(open), Some(close)) if open > close => &head[..open],
            (Some(open), None) => &head[..open],
            _ => head,
        };
        capped = sanitize_html(head, None);
        if capped.len() <= max_bytes {
            break;
        }
        cut = head.len().saturating_sub(capped.len() - max_bytes);
        capped.clear();
    }
    notes.push(format!("content of {original_len} bytes cut to {} (limit {max_bytes})", capped.len()));
    capped
}

/// Closing the elements a cut leaves open adds a few bytes, so a cut
/// rarely needs a second try; this bounds the retries, after which the
/// content is dropped rather than stored over the limit.
const CAP_ATTEMPTS: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_language_tags() {
        assert_eq!(iso_639_1_tag("en-US").as_deref(), Some("en"));
        assert_eq!(iso_639_1_tag(" DE ").as_deref(), Some("de"));
        assert_eq!(iso_639_1_tag("pt_BR").as_deref(), Some("pt"));
        assert_eq!(iso_639_1_tag("English"), None);
        assert_eq!(iso_639_1_tag("eng"), None);
    }

    #[test]
    fn caps_html_without_leaving_markup_open() {
        let html = format!("<p>{}</p><p><a href=\"https://e.com/\">link</a></p>", "word ".repeat(20));
        let mut notes = Vec::new();
        let capped = cap_html(html.clone(), 120, &mut notes);
        assert!(capped.len() <= 120, "{capped}");
        assert!(capped.starts_with("<p>word word"));
        assert!(capped.ends_with("</p>"));
        assert_eq!(notes.len(), 1);
        assert_eq!(cap_html(html.clone(), 10_000, &mut notes), html);
    }

    #[test]
    fn escapes_plain_text_content() {
        assert_eq!(plain_text_as_html("I <3 it\n\nSecond & last"), "<p>I &lt;3 it</p><p>Second &amp; last</p>");
    }
}
