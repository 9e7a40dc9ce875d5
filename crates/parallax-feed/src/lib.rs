//! Turns the raw bytes of a fetched feed (RSS 0.90, 0.91, 0.92, 1.0 and
//! 2.0 in any namespace or prefix, Atom 0.3 and 1.0, CDF, JSON Feed 1.x)
//! into clean [`NewArticle`]s plus diagnostics, and owns the cleaning rules
//! ([`clean`]) other stages reuse on their own text.
//!
//! This crate is pure: it must never touch the network or the file system,
//! never fetch a DTD or expand an entity that refers to others, never slice
//! text at a byte offset that may split a character, and never fail a whole
//! feed for one bad entry. A feed is refused only when nothing in it is a
//! feed (empty body, an HTML page, unparsable XML or JSON); everything else
//! it could not use is reported as a [`Diagnostic`] and the rest is kept.
//!
//! The pipeline: transcode to UTF-8 (`encoding`), defuse and repair the
//! XML text (`xml_prep`), read it in one pass (`xml_reader`; JSON Feed
//! through feed-rs in `json_feed`) into the format-neutral `model`, then
//! clean each entry (`entry`) under the limits of [`CleanConfig`].

pub mod clean;
mod dates;
mod encoding;
mod entry;
mod json_feed;
mod model;
mod xml_prep;
mod xml_reader;

use std::borrow::Cow;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use chrono::{DateTime, Utc};
use parallax_core::config::CleanConfig;
use parallax_core::{Diagnostic, NewArticle};
use url::Url;

use crate::entry::{Cleaned, FeedScope, clean_entry, identify, iso_639_1_tag, text_of};
use crate::model::{FeedEntry, RawFeed};
use crate::xml_reader::ReadError;

/// What the caller knows about the bytes it hands over.
#[derive(Debug, Clone, Copy)]
pub struct FeedContext<'a> {
    /// The URL the feed was fetched from; relative links resolve against it
    /// and diagnostics name it.
    pub feed_url: &'a str,
    /// The outlet's domain, copied into every article.
    pub outlet: &'a str,
    /// When the bytes were fetched; stands in for unusable dates.
    pub fetched: DateTime<Utc>,
    /// The HTTP Content-Type, whose `charset` is used when the document
    /// does not declare its encoding.
    pub content_type: Option<&'a str>,
    /// The HTTP Content-Location: the document's own address, against which
    /// its relative links resolve (before the feed URL).
    pub content_location: Option<&'a str>,
}

/// A parsed feed: its articles and everything worth telling about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The feed's own title, as plain text.
    pub title: Option<String>,
    pub articles: Vec<NewArticle>,
    pub diagnostics: Vec<Diagnostic>,
    /// RSS `<ttl>`: how long the publisher asks readers to cache the feed.
    pub ttl: Option<Duration>,
}

/// Why a whole feed yielded nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("feed: empty body")]
    EmptyBody,
    /// Sites move or drop feeds and answer the old URL with a page.
    #[error("feed: got an HTML page, not a feed")]
    HtmlPage,
    #[error("feed: not RSS, Atom or JSON Feed: {0}")]
    NotAFeed(String),
}

/// Parses and cleans one feed.
///
/// An XML DOCTYPE that declares entities (the vehicle of billion-laughs
/// and XXE attacks) is removed, with a diagnostic: references to plain
/// internal values (`<!ENTITY id "tag:example.com,">`) are expanded, every
/// other reference is removed, nothing is fetched or nested, and a feed
/// whose publisher merely declared `&nbsp;` is still read.
pub fn parse_feed(bytes: &[u8], ctx: &FeedContext<'_>, config: &CleanConfig) -> Result<ParsedFeed, FeedError> {
    let mut notes = Vec::new();
    let transcoded = encoding::to_utf8(bytes, ctx.content_type);
    notes.extend(transcoded.notes);
    let text = transcoded.text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.trim_end().is_empty() {
        return Err(FeedError::EmptyBody);
    }
    let feed_base = Url::parse(ctx.feed_url).ok();
    let document_base = ctx
        .content_location
        .map(str::trim)
        .filter(|location| !location.is_empty())
        .and_then(|location| match &feed_base {
            Some(base) => base.join(location).ok(),
            None => Url::parse(location).ok(),
        })
        .or_else(|| feed_base.clone());
    let feed = if text.starts_with('{') {
        json_feed::read(text, document_base.as_ref()).map_err(|error| FeedError::NotAFeed(error.to_string()))?
    } else {
        parse_xml(text, ctx, document_base.as_ref(), &mut notes)?
    };
    notes.extend(feed.notes.iter().cloned());

    let diagnostic = |message: String| Diagnostic { source: ctx.feed_url.to_string(), line: None, message };
    let mut diagnostics: Vec<Diagnostic> = notes.into_iter().map(diagnostic).collect();
    let feed_language = feed.language.as_deref().and_then(iso_639_1_tag);
    let scope = FeedScope {
        feed_url: ctx.feed_url,
        outlet: ctx.outlet,
        fetched: ctx.fetched,
        language: feed_language.as_deref(),
        config,
    };

    let total = feed.entries.len();
    if total == 0 && feed.entry_elements > 0 {
        diagnostics.push(diagnostic(format!(
            "the document has {} <item>/<entry> elements but no entry could be read from them",
            feed.entry_elements
        )));
    }
    if total > config.max_entries_per_feed {
        diagnostics.push(diagnostic(format!(
            "feed has {total} entries; only the first {} were read (max_entries_per_feed)",
            config.max_entries_per_feed
        )));
    }
    let mut articles = Vec::with_capacity(total.min(config.max_entries_per_feed));
    let mut seen_guids = HashSet::new();
    let mut languages = clean::FeedLanguages::new();
    for (index, feed_entry) in feed.entries.iter().take(config.max_entries_per_feed).enumerate() {
        let label = entry_label(index, feed_entry);
        let (guid, address) = match identify(feed_entry, ctx.feed_url) {
            Ok(identity) => identity,
            Err(reason) => {
                diagnostics.push(diagnostic(format!("{label}: skipped: {reason}")));
                continue;
            }
        };
        if seen_guids.contains(&guid) {
            diagnostics.push(diagnostic(format!("{label}: duplicate guid; kept the first entry with it")));
            continue;
        }
        // A panic deep in a cleaning library must cost one entry, not the
        // feed and not the ingest run.
        let cleaned =
            catch_unwind(AssertUnwindSafe(|| clean_entry(feed_entry, (guid, address), &scope, &mut languages)))
                .unwrap_or_else(|_| Cleaned::Skipped("cleaning failed unexpectedly".to_string()));
        match cleaned {
            Cleaned::Article(article, entry_notes) => {
                diagnostics.extend(entry_notes.into_iter().map(|note| diagnostic(format!("{label}: {note}"))));
                seen_guids.insert(article.guid.clone());
                articles.push(*article);
            }
            Cleaned::Skipped(reason) => diagnostics.push(diagnostic(format!("{label}: skipped: {reason}"))),
        }
    }
    if articles.is_empty() && total > 0 {
        diagnostics.push(diagnostic(format!("none of the feed's {total} entries could be kept")));
    }

    Ok(ParsedFeed {
        title: feed.title.as_ref().map(text_of).filter(|title| !title.is_empty()),
        articles,
        diagnostics,
        ttl: feed.ttl_minutes.map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
    })
}

/// Names an entry in diagnostics by position and id, which is what a
/// person looking at the feed can find.
fn entry_label(index: usize, entry: &FeedEntry) -> String {
    let id = entry.id.trim();
    if id.is_empty() { format!("entry {}", index + 1) } else { format!("entry {} ({id})", index + 1) }
}

fn parse_xml(
    text: &str,
    ctx: &FeedContext<'_>,
    base: Option<&Url>,
    notes: &mut Vec<String>,
) -> Result<RawFeed, FeedError> {
    let prolog = xml_prep::scan_prolog(text);
    let root = prolog.root.map(|(name, _)| name.to_string());
    let is_html_root = root.as_deref().is_some_and(|name| name.eq_ignore_ascii_case("html"));
    let is_html_doctype = prolog.doctype.as_ref().is_some_and(|doctype| doctype.name.eq_ignore_ascii_case("html"));
    // Some feeds carry a copied XHTML DOCTYPE above their <rss>.
    let is_feed_root = root.as_deref().is_some_and(xml_reader::is_feed_root);
    if is_html_root || (is_html_doctype && !is_feed_root) {
        return Err(FeedError::HtmlPage);
    }

    let mut doc: Cow<'_, str> = match prolog.doctype.as_ref().filter(|doctype| doctype.declares_entities) {
        Some(doctype) => {
            let (stripped, expanded) = xml_prep::strip_entity_doctype(text, &prolog, doctype);
            notes.push(format!(
                "DOCTYPE declares entities ({}); {expanded} references to plain internal values expanded, \
                 the others removed, nothing fetched",
                if doctype.entities.is_empty() {
                    "parameter entities only".to_string()
                } else {
                    doctype.entities.join(", ")
                }
            ));
            Cow::Owned(stripped)
        }
        None => Cow::Borrowed(&text[prolog.body_start..]),
    };

    let local_root = root.as_deref().map(|name| name.rsplit(':').next().unwrap_or(name));
    let is_rss = local_root.is_some_and(|name| name == "rss" || name == "RDF");
    if is_rss && let Some((wrapped, count)) = xml_prep::wrap_raw_html(&doc) {
        notes.push(format!("unescaped HTML inside RSS text elements ({count}); read as HTML"));
        doc = Cow::Owned(wrapped);
    }

    let (message, partial) = match xml_reader::read(&doc, base) {
        Ok(feed) => return Ok(feed),
        Err(ReadError::NotAFeedRoot(name)) => {
            return Err(not_a_feed(text, ctx, root.as_deref(), format!("root element is <{name}>")));
        }
        Err(ReadError::Xml { message, read }) => (message, read),
    };
    if let Some(root) = root.as_deref()
        && let Some(repaired) = xml_prep::repair(&doc, root)
        && let Ok(feed) = xml_reader::read(&repaired.doc, base)
    {
        notes.push(format!("malformed XML ({message}); {} and read it", repaired.actions.join(", ")));
        return Ok(feed);
    }
    if !partial.entries.is_empty() || partial.title.is_some() {
        notes.push(format!("malformed XML ({message}); kept the {} entries before it", partial.entries.len()));
        return Ok(*partial);
    }
    Err(not_a_feed(text, ctx, root.as_deref(), format!("malformed XML: {message}")))
}

/// Why a document that yielded no feed is refused: an HTML page (sites
/// answer a moved feed's URL with one), or not a feed.
fn not_a_feed(text: &str, ctx: &FeedContext<'_>, root: Option<&str>, reason: String) -> FeedError {
    let served_as_html = ctx
        .content_type
        .is_some_and(|content_type| content_type.trim_start().to_ascii_lowercase().starts_with("text/html"));
    // An OPML file has <head> and <body> too; only a document whose root
    // could be HTML is called a page.
    let root_could_be_html = root.is_none_or(xml_prep::is_html_element);
    if root_could_be_html && (served_as_html || xml_prep::looks_like_html(text)) {
        return FeedError::HtmlPage;
    }
    FeedError::NotAFeed(reason)
}
