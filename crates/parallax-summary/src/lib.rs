//! Parallax story summaries: for a story (articles about one event from many
//! outlets) a neutral title and 3 to 5 attributed bullets chosen for how
//! central they are across outlets, the same per side (left, center, right),
//! the numbers outlets disagree on ("nearly hour-long call" against "lasted
//! several minutes"), and the ROUGE scores used to measure summaries.
//!
//! The default summariser is extractive and pure: sentences are split,
//! stemmed and weighted by how many outlets say the same thing; no model, no
//! network, no files, no clock. It must never rewrite an outlet's words in a
//! bullet (a bullet is a whole sentence exactly as published, attributed to
//! its article), and the crate must never report a disagreement it cannot
//! point to in two outlets' own sentences. The title is the one place words
//! change: the chosen headline loses its wrapping, and in English a
//! side-taking verb or a judgement no other outlet shares (see
//! [`headline`]).
//!
//! The optional [`generative`] backend, used only when the operator
//! configures an endpoint, builds the request for an OpenAI-compatible chat
//! model and reads its answer; the caller sends it. Its bullets are the
//! model's words, each still attributed to an article, and any answer that
//! is not what was asked for is an error the caller falls back on.

mod analysis;
mod context;
mod disagree;
pub mod generative;
mod headline;
mod lang;
pub mod rouge;
mod sentences;
mod summary;
pub mod title;

pub use disagree::{Claim, Disagreement, DisagreementConfig, QuantityKind, disagreements, disagreements_with};
pub use sentences::split_sentences;
pub use summary::{Bullet, SideSummaries, Summary, SummaryConfig, is_loaded_headline, summarize};

/// Whether a bullet stops short (an ellipsis, or no terminal punctuation):
/// what `parallax eval summary` counts as a fragment.
pub fn is_fragment(sentence: &str) -> bool {
    analysis::is_fragment(sentence)
}

use parallax_core::{ArticleKind, LeanBucket};

/// One article of a story, borrowed from wherever the caller keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleText<'a> {
    /// The caller's id for the article; bullets and claims point back to it.
    pub id: &'a str,
    pub title: &'a str,
    /// Plain text, lead first (a feed's description or the extracted body).
    pub text: &'a str,
    /// The outlet's domain. Articles without one count as separate outlets.
    pub outlet: Option<&'a str>,
    /// The outlet's lean, for the per-side summaries.
    pub side: Option<LeanBucket>,
    /// ISO 639-1 code; guessed from the text when absent.
    pub language: Option<&'a str>,
    /// News, opinion or analysis: opinion never titles a story and its
    /// sentences come after news in the bullets.
    pub kind: ArticleKind,
}

/// A story: the articles clustering put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoryInput<'a> {
    pub articles: &'a [ArticleText<'a>],
}
