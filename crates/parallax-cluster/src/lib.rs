//! Parallax's story clustering: every article about the same event goes into
//! one story, online, in the order the articles come.
//!
//! This crate owns the clustering model ([`Clusterer`]), its knobs
//! ([`ClusterConfig`]), wire-copy detection, the clustering scores
//! ([`eval`]) and the long dated stream resampled from labelled stories
//! that measures it ([`stream`]). It must never do I/O (no files, clocks or
//! network: time comes from the articles) and never hold more than its
//! active window: once the window holds `min_window_articles`, articles
//! older than `window_secs` leave even a story that is still going, and
//! rare terms no article in the window uses are forgotten, so memory and
//! work per article stay flat however long the stream runs.
//!
//! The model. An article becomes a unit TF-IDF vector over stemmed title
//! and lead words (title counted twice, stop words dropped, document
//! frequencies learned online, the IDF damped by a square root), names
//! (capitalised words off sentence starts, acronyms) and numbers, both
//! spelled in Latin letters whatever their script (`latin`). Words are
//! kept per language; names and numbers are shared, so articles in
//! different languages meet only through them: across languages, the cosine
//! of the names-and-numbers parts of the two vectors stands for the
//! similarity (`cross_language_weight`), since that is what survives
//! translation. An inverted index over the articles of the window gives the
//! article's cosine to every article sharing a rare term with it (common
//! terms add to those found, and the heaviest few find a story's latest
//! articles). A story's similarity blends the mean and
//! the best cosine to its members, and fades for a dated article as it gets
//! further in time from the story's latest dated member (an undated article
//! says nothing about when its story happened). Two texts that name days
//! of the week, none in common, keep only part of their similarity: the
//! date evidence an undated lead carries. From it goes the crowding
//! of the neighbourhood (how close the article, and the story's members,
//! come to articles of *other* stories): in a crowded topic only a clearly
//! closer story is the same event. The article joins the best story
//! clearing the thresholds, or starts its own. Its story is then checked
//! against its next closest ones, and those grown alike merge into the
//! older. A
//! near-duplicate of another outlet's article (shingle Jaccard) joins that
//! article's story and is marked as its copy.
//!
//! Batches. [`Clusterer::add_batch`] places a batch exactly as [`Clusterer::add`]
//! would, one article at a time in the given order, but first reads the
//! whole batch: document frequencies count all of it, and each article's
//! closest batch-mates are found, so that the ones still to come count in
//! the crowding figures (each expected to follow its closest article
//! already placed). Online, an article early in a stream sees an almost
//! empty neighbourhood and looks uncrowded; the look-ahead is what the
//! whole-file CLI gains from. Quality therefore depends on batch size: on
//! NeuS, all 8,034 articles in one batch score BCubed F1 0.804 in file order
//! and 0.753 shuffled, batches of 500 (a refresh round) 0.800 / 0.730, one
//! at a time 0.799 / 0.726 (see `tests/neus_dev.rs`): the look-ahead pays
//! where the order is poor, and only when a batch holds much of a topic. Ingestion and
//! `parallax cluster` use the same engine and the same defaults; only the
//! batch they hand over differs. Batches beyond `max_batch` are taken in
//! chunks of that size.
//!
//! Dense embeddings (the binary's `embeddings` feature hands them over in
//! [`ArticleInput::embedding`]) blend in where similarity is computed: the
//! article-to-member cosine of the member scoring, the batch look-ahead's
//! cosines, and the story-to-story mean cosine of merges, each before the
//! crowding adjustment (weight [`ClusterConfig::embedding_weight`]).
//! Candidates are still found through shared rare terms, so the work per
//! article stays bounded; two articles with no rare word in common are not
//! compared even if their embeddings agree.

mod clusterer;
mod config;
pub mod eval;
mod latin;
mod postings;
mod prefetch;
pub mod stream;
mod text;
mod vector;

pub use clusterer::{ArticleInput, Assignment, Clusterer};

/// The text an embedding model reads for an article: its title, then its
/// lead. Every caller builds it here so that ingestion, `parallax cluster`
/// and the measurements embed the same thing.
pub fn embedding_text(title: &str, text: &str) -> String {
    let title = title.trim_end();
    if text.is_empty() {
        title.to_string()
    } else if title.ends_with(['.', '!', '?', '…']) {
        format!("{title} {text}")
    } else {
        format!("{title}. {text}")
    }
}
pub use config::{ClusterConfig, ConfigError};
