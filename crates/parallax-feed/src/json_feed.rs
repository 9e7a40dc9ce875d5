//! JSON Feed 1.x through feed-rs, into the same [`RawFeed`] the XML reader
//! gives.

use feed_rs::model::{Entry, Text};
use url::Url;

use crate::model::{FeedEntry, FeedLink, FeedText, RawFeed, TextKind, repair_c1_controls};

pub(crate) fn read(text: &str, base: Option<&Url>) -> Result<RawFeed, feed_rs::parser::ParseFeedError> {
    let feed = feed_rs::parser::Builder::new()
        .sanitize_content(false)
        .timestamp_parser(crate::dates::feed_timestamp)
        // An empty id lets the entry fall back to its link; feed-rs would
        // otherwise invent a hash that changes when the title is edited.
        .id_generator(|_, _, _| String::new())
        .build()
        .parse(text.as_bytes())?;
    let entries: Vec<FeedEntry> = feed.entries.iter().map(|entry| read_entry(entry, base)).collect();
    Ok(RawFeed {
        title: feed.title.as_ref().map(html_text),
        language: feed.language,
        ttl_minutes: feed.ttl,
        entry_elements: entries.len(),
        entries,
        notes: Vec::new(),
    })
}

fn read_entry(entry: &Entry, base: Option<&Url>) -> FeedEntry {
    let links = entry
        .links
        .iter()
        .filter(|link| link.rel.as_deref().is_none_or(|rel| rel.eq_ignore_ascii_case("alternate")))
        .map(|link| FeedLink { href: link.href.clone(), base: base.cloned() })
        .collect();
    let content = entry.content.as_ref().and_then(|content| {
        let body = content.body.as_deref()?;
        let is_plain = content.content_type.ty() == "text" && content.content_type.subty() == "plain";
        let kind = if is_plain { TextKind::Plain } else { TextKind::Html };
        Some(FeedText::new(repair_c1_controls(body).into_owned(), kind))
    });
    FeedEntry {
        id: entry.id.trim().to_string(),
        id_is_not_permalink: false,
        links,
        title: entry.title.as_ref().map(html_text),
        summary: entry.summary.as_ref().map(html_text),
        content,
        published: entry.published,
        updated: entry.updated,
        language: entry.language.clone(),
        categories: entry
            .categories
            .iter()
            .map(|category| {
                category.label.clone().filter(|label| !label.trim().is_empty()).unwrap_or_else(|| category.term.clone())
            })
            .collect(),
        notes: Vec::new(),
    }
}

/// JSON Feed titles and summaries are plain text by the spec but carry
/// entities and tags in practice; they are cleaned as HTML, as before.
fn html_text(text: &Text) -> FeedText {
    FeedText::new(repair_c1_controls(&text.content).into_owned(), TextKind::Html)
}
