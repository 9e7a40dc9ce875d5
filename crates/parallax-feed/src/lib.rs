//! Turns the raw bytes of a fetched feed (RSS 0.9x, 1.0 and 2.0, Atom,
//! JSON Feed 1.x) into clean [`NewArticle`]s plus diagnostics, and owns the
//! cleaning rules ([`clean`]) other stages reuse on their own text.
//!
//! This crate is pure: it must never touch the network or the file system,
//! never expand XML entities or follow a DTD, and never fail a whole feed
//! for one bad entry. A feed is refused only when nothing in it is a feed
//! (empty body, an HTML page, unparsable XML or JSON); everything else it
//! could not use is reported as a [`Diagnostic`] and the rest is kept.
//!
//! The pipeline: transcode to UTF-8 (`encoding`), defuse and repair the
//! XML text (`xml_prep`), parse with feed-rs, then clean each entry
//! (`entry`) under the limits of [`CleanConfig`].

pub mod clean;
mod dates;
mod encoding;
mod entry;
mod xml_prep;

use std::borrow::Cow;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use chrono::{DateTime, Utc};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use parallax_core::config::CleanConfig;
use parallax_core::{Diagnostic, NewArticle};
use url::Url;

use crate::entry::{Cleaned, FeedScope, clean_entry, identify, iso_639_1_tag};

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
/// and XXE attacks) is removed together with every reference to those
/// entities, with a diagnostic: nothing is ever expanded or fetched, and a
/// feed whose publisher merely declared `&nbsp;` is still read.
pub fn parse_feed(bytes: &[u8], ctx: &FeedContext<'_>, config: &CleanConfig) -> Result<ParsedFeed, FeedError> {
    let mut notes = Vec::new();
    let transcoded = encoding::to_utf8(bytes, ctx.content_type);
    notes.extend(transcoded.notes);
    let text = transcoded.text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.trim_end().is_empty() {
        return Err(FeedError::EmptyBody);
    }
    let feed = if text.starts_with('{') {
        parse_with_feed_rs(text).map_err(|error| FeedError::NotAFeed(error.to_string()))?
    } else {
        parse_xml(text, ctx, &mut notes)?
    };

    let diagnostic = |message: String| Diagnostic { source: ctx.feed_url.to_string(), line: None, message };
    let mut diagnostics: Vec<Diagnostic> = notes.into_iter().map(diagnostic).collect();
    let feed_base = Url::parse(ctx.feed_url).ok();
    let feed_language = feed.language.as_deref().and_then(iso_639_1_tag);
    let scope = FeedScope {
        feed_url: ctx.feed_url,
        feed_base: feed_base.as_ref(),
        outlet: ctx.outlet,
        fetched: ctx.fetched,
        language: feed_language.as_deref(),
        config,
    };

    let total = feed.entries.len();
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
        let (guid, url) = match identify(feed_entry, scope.feed_base) {
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
        let cleaned = catch_unwind(AssertUnwindSafe(|| clean_entry(feed_entry, (guid, url), &scope, &mut languages)))
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

    Ok(ParsedFeed {
        title: feed.title.map(|title| clean::plain_text(&title.content)).filter(|title| !title.is_empty()),
        articles,
        diagnostics,
        ttl: feed.ttl.map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
    })
}

/// Names an entry in diagnostics by position and id, which is what a
/// person looking at the feed can find.
fn entry_label(index: usize, entry: &feed_rs::model::Entry) -> String {
    let id = entry.id.trim();
    if id.is_empty() { format!("entry {}", index + 1) } else { format!("entry {} ({id})", index + 1) }
}

fn parse_xml(text: &str, ctx: &FeedContext<'_>, notes: &mut Vec<String>) -> Result<feed_rs::model::Feed, FeedError> {
    let prolog = xml_prep::scan_prolog(text);
    let root = prolog.root.map(|(name, _)| name.to_string());
    let is_html_root = root.as_deref().is_some_and(|name| name.eq_ignore_ascii_case("html"));
    let is_html_doctype = prolog.doctype.as_ref().is_some_and(|doctype| doctype.name.eq_ignore_ascii_case("html"));
    if is_html_root || is_html_doctype {
        return Err(FeedError::HtmlPage);
    }

    let mut doc: Cow<'_, str> = match prolog.doctype.as_ref().filter(|doctype| doctype.declares_entities) {
        Some(doctype) => {
            notes.push(format!(
                "DOCTYPE declares entities ({}); removed with their references, nothing expanded",
                if doctype.entities.is_empty() {
                    "parameter entities only".to_string()
                } else {
                    doctype.entities.join(", ")
                }
            ));
            Cow::Owned(xml_prep::strip_entity_doctype(text, &prolog, doctype))
        }
        None => Cow::Borrowed(&text[prolog.body_start..]),
    };

    let is_rss = root.as_deref() == Some("rss");
    let is_rdf = root.as_deref().is_some_and(|name| name == "RDF" || name.ends_with(":RDF"));
    if is_rss
        && let Some(root_start) = xml_prep::scan_prolog(&doc).root.map(|(_, start)| start)
        && let Some((normalised, version)) = xml_prep::normalise_rss_version(&doc, root_start)
    {
        notes.push(format!("RSS version {version:?} read as 2.0"));
        doc = Cow::Owned(normalised);
    }
    if (is_rss || is_rdf)
        && let Some((wrapped, count)) = xml_prep::wrap_raw_html(&doc)
    {
        notes.push(format!("unescaped HTML inside RSS text elements ({count}); read as HTML"));
        doc = Cow::Owned(wrapped);
    }

    let error = match parse_with_feed_rs(&doc) {
        Ok(feed) => return Ok(feed),
        Err(error) => error,
    };
    if let ParseFeedError::XmlReader(_) = error
        && let Some(root) = root.as_deref()
        && let Some(repaired) = xml_prep::repair(&doc, root)
        && let Ok(feed) = parse_with_feed_rs(&repaired.doc)
    {
        notes.push(format!("malformed XML ({error}); {} and read it", repaired.actions.join(", ")));
        return Ok(feed);
    }
    let served_as_html = ctx
        .content_type
        .is_some_and(|content_type| content_type.trim_start().to_ascii_lowercase().starts_with("text/html"));
    // An OPML file has <head> and <body> too; only a document whose root
    // could be HTML is called a page.
    let root_could_be_html = root.as_deref().is_none_or(xml_prep::is_html_element);
    if root_could_be_html && (served_as_html || xml_prep::looks_like_html(text)) {
        return Err(FeedError::HtmlPage);
    }
    Err(FeedError::NotAFeed(match (&error, root) {
        (ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot), Some(root)) => format!("root element is <{root}>"),
        _ => error.to_string(),
    }))
}

fn parse_with_feed_rs(text: &str) -> Result<feed_rs::model::Feed, ParseFeedError> {
    feed_rs::parser::Builder::new()
        .sanitize_content(false)
        .timestamp_parser(dates::feed_timestamp)
        // An empty id lets the entry fall back to its link; feed-rs would
        // otherwise invent a hash that changes when the title is edited.
        .id_generator(|_, _, _| String::new())
        .build()
        .parse(text.as_bytes())
}
