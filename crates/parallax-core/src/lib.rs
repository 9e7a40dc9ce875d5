//! Parallax's domain model: outlets and their ratings, feeds, articles and the
//! named limits every stage reads from [`config`].
//!
//! Everything here is plain data and pure functions over it. This crate must
//! never do I/O: no files, no sockets, no clocks except the ones a caller
//! passes in. Every other crate depends on it, so it stays small and cheap to
//! compile.

pub mod article;
pub mod config;
pub mod country;
pub mod domain;
pub mod kind;
pub mod rating;
pub mod story;
pub mod text;
pub mod topic;

pub use article::{Article, DateFlag, NewArticle};
pub use domain::{OutletDomain, outlet_domain};
pub use kind::ArticleKind;
pub use rating::{Factuality, Lean, LeanBucket, Rating};
pub use story::{Bullet, Coverage, Disagreement, LeanCounts, OutletLean, Sides, StoryView};
pub use topic::Topic;

/// A feed as the registry knows it: where it lives and which outlet it speaks for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeedSource {
    /// The feed's URL exactly as configured (untrusted).
    pub url: String,
    /// The domain of the outlet this feed belongs to, e.g. `nytimes.com`.
    pub outlet: String,
    /// A human title, if the list gave one.
    pub title: Option<String>,
    /// The language the list declares for this feed (ISO 639-1), if any.
    pub language: Option<String>,
    /// Categories or topics the list files this feed under.
    pub categories: Vec<String>,
}

/// An outlet: a news organisation, identified by its domain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outlet {
    pub domain: String,
    pub name: Option<String>,
}

/// Something a parser could not read, reported instead of crashing.
///
/// `source` names the input (a file path or a feed URL), `line` is 1-based
/// where the format has lines, and `message` says what was wrong and what was
/// done about it ("unknown lean label \"left-ish\", rating skipped").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub source: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.source, line, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}
