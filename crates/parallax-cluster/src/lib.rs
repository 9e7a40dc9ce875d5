//! Parallax's story clustering: every article about the same event goes into
//! one story, online, one article at a time.
//!
//! This crate owns the clustering model ([`Clusterer`]), its knobs
//! ([`ClusterConfig`]), wire-copy detection and the clustering scores
//! ([`eval`]). It must never do I/O (no files, clocks or network: time comes
//! from the articles) and never hold more than its active window: memory and
//! work per article stay flat however long the stream runs (the term
//! vocabulary is the one thing that grows, slowly).
//!
//! The model. An article becomes a unit TF-IDF vector over stemmed title
//! and lead words (title counted twice, stop words dropped, document
//! frequencies learned online), names (capitalised words off sentence
//! starts, acronyms) and numbers. Words are kept per language; names and
//! numbers are shared, so articles in different languages meet only through
//! them. An inverted index over the articles of the window gives the
//! article's cosine to every article sharing a rare term with it. A story's
//! similarity blends the mean and the best cosine to its members; from it
//! goes the crowding of the neighbourhood (how close the article, and the
//! story's members, come to articles of *other* stories): in a crowded
//! topic only a clearly closer story is the same event. The article joins
//! the best story clearing the thresholds, or starts its own. Its closest
//! stories are then checked pairwise, and two that have grown alike merge
//! into the older. A near-duplicate of another outlet's article (shingle
//! Jaccard) joins that article's story and is marked as its copy.
//!
//! Dense embeddings (a later cargo feature) plug in where similarity is
//! computed: the article-to-member cosine gathered in the clusterer's
//! member scoring, and the story-to-story mean cosine used for merges; both
//! would blend in the embedding cosine before the crowding adjustment.

mod clusterer;
mod config;
pub mod eval;
mod postings;
mod text;
mod vector;

pub use clusterer::{ArticleInput, Assignment, Clusterer};
pub use config::{ClusterConfig, ConfigError};
