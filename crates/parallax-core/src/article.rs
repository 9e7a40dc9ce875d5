//! Articles: what one feed entry becomes once it is parsed and cleaned.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ArticleKind;

/// Why an article's `published` time is not the feed's own date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateFlag {
    /// The entry had no date; the fetch time stands in.
    Missing,
    /// The entry's date could not be parsed; the fetch time stands in.
    Unparsable,
    /// The entry's date was later than the fetch time plus the tolerance;
    /// the fetch time stands in.
    Future,
}

impl DateFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            DateFlag::Missing => "missing",
            DateFlag::Unparsable => "unparsable",
            DateFlag::Future => "future",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "missing" => Some(DateFlag::Missing),
            "unparsable" => Some(DateFlag::Unparsable),
            "future" => Some(DateFlag::Future),
            _ => None,
        }
    }
}

/// A cleaned article, ready to be stored. All text fields are plain text
/// except `content_html`, which is sanitised HTML safe to embed in a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewArticle {
    /// The outlet's domain.
    pub outlet: String,
    /// The URL of the feed the article came from.
    pub feed: String,
    /// The entry's id within its feed (GUID or Atom id; the link when absent).
    pub guid: String,
    /// Canonical URL: tracking parameters and fragment removed.
    pub url: String,
    pub title: String,
    pub snippet: String,
    pub content_html: String,
    /// The feed cut the snippet (`…`, `[…]`, "Read more").
    pub truncated: bool,
    /// ISO 639-1 code detected from title and snippet, if any.
    pub language: Option<String>,
    /// whatlang's confidence in `language`, 0.0 to 1.0.
    pub language_confidence: f64,
    pub published: DateTime<Utc>,
    /// Set when `published` is the fetch time standing in for a bad date.
    pub date_flag: Option<DateFlag>,
    pub fetched: DateTime<Utc>,
    /// The entry's own categories or tags (RSS `<category>`, Atom
    /// `category`, JSON Feed `tags`), as plain text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

impl NewArticle {
    /// News, opinion or analysis, by [`ArticleKind::classify`].
    pub fn kind(&self) -> ArticleKind {
        ArticleKind::classify(&self.url, &self.title, &self.categories)
    }
}

/// A stored article: a [`NewArticle`] with its database id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: i64,
    #[serde(flatten)]
    pub article: NewArticle,
}
