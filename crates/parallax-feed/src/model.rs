//! What a feed says, as read, before cleaning: the parts of a feed
//! Parallax uses, whatever the format (RSS 0.90 to 2.0, Atom 0.3 and 1.0,
//! CDF, JSON Feed) and however it marked its text up.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use url::Url;

/// How a piece of feed text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    /// Plain text (Atom `type="text"`, `text/plain`, JSON `content_text`):
    /// what it says is what a reader sees, `<b>` included.
    Plain,
    /// HTML source (RSS descriptions by convention, Atom `type="html"`,
    /// `content:encoded`), often escaped once more than it should be.
    Html,
    /// Markup that was XML in the feed (Atom `type="xhtml"`, `<xhtml:body>`),
    /// serialised as HTML: its text nodes are text, so an escaped `&lt;b&gt;`
    /// in it is the characters `<b>`, never a tag.
    Xhtml,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeedText {
    pub body: String,
    pub kind: TextKind,
    /// The `xml:base` in effect, when the document set one; relative links
    /// in the text resolve against it.
    pub base: Option<Url>,
}

impl FeedText {
    pub fn new(body: String, kind: TextKind) -> FeedText {
        FeedText { body, kind, base: None }
    }

    pub fn is_blank(&self) -> bool {
        self.body.trim().is_empty()
    }
}

/// An entry's link to a page, as written, with the base it resolves
/// against (`xml:base`, the response's Content-Location, or the feed URL).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeedLink {
    pub href: String,
    pub base: Option<Url>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FeedEntry {
    /// RSS `<guid>`, Atom `<id>`, JSON `id`; empty when there is none.
    pub id: String,
    /// False when the feed says the id is not the entry's address (RSS
    /// `isPermaLink="false"`).
    pub id_is_not_permalink: bool,
    /// Links to the entry's own page (RSS `<link>`, Atom alternate links,
    /// CDF `HREF`, JSON `url`), in document order.
    pub links: Vec<FeedLink>,
    pub title: Option<FeedText>,
    pub summary: Option<FeedText>,
    pub content: Option<FeedText>,
    /// [`crate::dates::UNPARSABLE`] for a date element that was not a date.
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// The entry's declared language tag (`xml:lang`, `dc:language`).
    pub language: Option<String>,
    /// Its categories as written: an Atom category's label, else its term;
    /// RSS `<category>` text; JSON Feed tags.
    pub categories: Vec<String>,
    /// What reading the entry noticed (content it could not decode).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawFeed {
    pub title: Option<FeedText>,
    pub language: Option<String>,
    /// RSS `<ttl>`, minutes.
    pub ttl_minutes: Option<u32>,
    pub entries: Vec<FeedEntry>,
    /// Elements named `item` or `entry` in the document, read or not; more
    /// than zero with no entry read means the reader missed them.
    pub entry_elements: usize,
    pub notes: Vec<String>,
}

/// HTML5 reads numeric references to 0x80..=0x9F as windows-1252, and so
/// do readers: `&#146;` and a stray U+0092 both mean `’`. Characters in
/// that range that reach the text are repaired the same way in titles,
/// snippets and HTML.
pub(crate) fn repair_c1_controls(text: &str) -> Cow<'_, str> {
    let has_c1 = memchr::memchr_iter(0xc2, text.as_bytes())
        .any(|at| text.as_bytes().get(at + 1).is_some_and(|b| (0x80..=0x9f).contains(b)));
    if !has_c1 {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(crate::clean::windows_1252_c1).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_c1_controls_as_windows_1252() {
        assert_eq!(repair_c1_controls("it\u{92}s \u{93}x\u{94} \u{85}"), "it’s “x” …");
        assert_eq!(repair_c1_controls("plain é"), "plain é");
        assert!(matches!(repair_c1_controls("plain é"), Cow::Borrowed(_)));
    }
}
