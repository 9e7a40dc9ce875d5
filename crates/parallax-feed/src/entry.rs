//! One read entry to one clean [`NewArticle`].

use chrono::{DateTime, Utc};
use parallax_core::NewArticle;
use parallax_core::config::CleanConfig;
use url::Url;

use crate::clean::{
    FeedLanguages, canonical, is_truncated, markup_text, normalise_plain_text, plain_text, sanitize_html,
    sanitize_markup,
};
use crate::dates::publication_time;
use crate::model::{FeedEntry, FeedText, TextKind};
use parallax_core::text::cap_at_word;

/// Everything about the feed an entry needs to become an article.
pub(crate) struct FeedScope<'a> {
    pub feed_url: &'a str,
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

/// Where an entry can be read.
pub(crate) enum Address {
    /// The entry's own page.
    Page(Url),
    /// No page of its own: the entry is kept under its id, at the feed's
    /// URL with the id as fragment (unique per feed and id, stable, and
    /// never a page that is not the entry's).
    InFeed(String),
}

/// The entry's id and address, or why it has neither.
///
/// The address is the first absolute link to the entry's page, else its id
/// when that is an absolute http(s) URL (an RSS `<guid>` is a permalink
/// unless it says `isPermaLink="false"`, and some feeds put the address
/// only there), else the first relative link resolved against `xml:base`,
/// the response's Content-Location or the feed URL.
/// An entry with none of these is kept under its id if it has one; with no
/// id either, nothing would tell it apart on the next fetch, so it is
/// skipped.
pub(crate) fn identify(entry: &FeedEntry, feed_url: &str) -> Result<(String, Address), String> {
    let id = entry.id.trim();
    let permalink_id = if entry.id_is_not_permalink { None } else { canonical(id, None) };
    let page = entry
        .links
        .iter()
        .find_map(|link| canonical(&link.href, None))
        .or(permalink_id)
        .or_else(|| entry.links.iter().find_map(|link| canonical(&link.href, link.base.as_ref())));
    match page {
        Some(url) => {
            let guid = if id.is_empty() { url.as_str().to_string() } else { id.to_string() };
            Ok((guid, Address::Page(url)))
        }
        None if !id.is_empty() => {
            let fragment: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
            let feed = feed_url.split('#').next().unwrap_or(feed_url);
            Ok((id.to_string(), Address::InFeed(format!("{feed}#entry={fragment}"))))
        }
        None => Err("no http(s) link and no id".to_string()),
    }
}

/// A feed text as plain text, read by how it is written.
pub(crate) fn text_of(text: &FeedText) -> String {
    match text.kind {
        TextKind::Plain => normalise_plain_text(&text.body),
        TextKind::Html => plain_text(&text.body),
        TextKind::Xhtml => markup_text(&text.body),
    }
}

/// A feed text as sanitised HTML; relative links resolve against the
/// text's `xml:base`, else `page`.
fn html_of(text: &FeedText, page: Option<&Url>) -> String {
    let base = text.base.as_ref().or(page);
    match text.kind {
        TextKind::Plain => sanitize_html(&plain_text_as_html(&text.body), None),
        TextKind::Html => sanitize_html(&text.body, base),
        TextKind::Xhtml => sanitize_markup(&text.body, base),
    }
}

pub(crate) fn clean_entry(
    entry: &FeedEntry,
    (guid, address): (String, Address),
    scope: &FeedScope<'_>,
    languages: &mut FeedLanguages,
) -> Cleaned {
    let mut notes = entry.notes.clone();
    let summary = entry.summary.as_ref().filter(|text| !text.is_blank());
    let content = entry.content.as_ref().filter(|text| !text.is_blank());

    let mut feed_text = summary.map(text_of).unwrap_or_default();
    if feed_text.is_empty()
        && let Some(content) = content
    {
        feed_text = text_of(content);
    }
    let page = match &address {
        Address::Page(url) => Some(url),
        Address::InFeed(_) => {
            notes.push("no link of its own; kept under its id".to_string());
            None
        }
    };
    // An entry without a page has nothing more to fetch, however it ends.
    let truncated = page.is_some() && (is_truncated(&feed_text) || (feed_text.is_empty() && content.is_none()));
    let snippet = cap_at_word(&feed_text, scope.config.max_snippet_chars).into_owned();

    let mut title = entry.title.as_ref().map(text_of).unwrap_or_default();
    if title.is_empty() {
        // Microblog-style items have no title; their text is what a reader
        // would scan instead.
        title = feed_text.clone();
    }
    if title.is_empty() {
        return Cleaned::Skipped("no title and no text".to_string());
    }
    let title = cap_at_word(&title, scope.config.max_title_chars).into_owned();

    let content_html = content.or(summary).map(|text| html_of(text, page)).unwrap_or_default();
    let content_html = cap_html(content_html, scope.config.max_content_bytes, &mut notes);

    let (language, language_confidence) = match languages.detect(&format!("{title} {snippet}")) {
        Some((code, confidence)) => (Some(code), confidence),
        None => (entry_language(entry).or(scope.language.map(str::to_string)), 0.0),
    };
    let (published, date_flag) =
        publication_time(entry.published, entry.updated, scope.fetched, scope.config.future_tolerance_secs);

    let url = match address {
        Address::Page(url) => url.into(),
        Address::InFeed(url) => url,
    };
    let article = NewArticle {
        outlet: scope.outlet.to_string(),
        feed: scope.feed_url.to_string(),
        guid,
        url,
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
fn entry_categories(entry: &FeedEntry) -> Vec<String> {
    let mut categories: Vec<String> = Vec::new();
    for raw in &entry.categories {
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

/// The entry's own `xml:lang` or `dc:language`, as ISO 639-1.
fn entry_language(entry: &FeedEntry) -> Option<String> {
    entry.language.as_deref().and_then(iso_639_1_tag)
}

/// The primary subtag of a language tag (`en-US` -> `en`) when it is a
/// two-letter ISO 639-1 code; feeds also write `English` or `eng`, which
/// are not.
pub(crate) fn iso_639_1_tag(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?;
    (primary.len() == 2 && primary.chars().all(|c| c.is_ascii_alphabetic())).then(|| primary.to_ascii_lowercase())
}

/// Plain text (JSON Feed's `content_text`, Atom `type="text"`) as HTML:
/// escaped, paragraphs kept, so sanitising cannot turn `<3` into markup.
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
