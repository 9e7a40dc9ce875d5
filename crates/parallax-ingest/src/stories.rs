//! The story stage: articles not yet in a story go through the clusterer,
//! in publication order, and its decisions are stored.
//!
//! The clusterer lives in memory for one pass. To resume where the last pass
//! stopped, the articles of the recent window are replayed first, and each
//! story the replay forms is mapped back onto the stored story of its first
//! article, so stored story ids never change: a story's id is the id of its
//! first article, and a merge keeps the surviving id.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use parallax_cluster::{ArticleInput, Clusterer};
use parallax_core::Article;
use parallax_store::{Store, StoreError, StoryAssignment, StoryMerge};

use crate::Config;

/// What one pass of the story stage did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoryReport {
    /// Articles placed in a story.
    pub articles: usize,
    /// Of those, how many started a new story.
    pub new_stories: usize,
    /// Near-verbatim copies of another outlet's article.
    pub copies: usize,
    pub merges: usize,
    /// Stories whose summary and coverage were recomputed.
    pub views: usize,
}

/// Dense sentence embeddings of articles for the clusterer's
/// `embedding_weight`. The binary's `embeddings` feature supplies one; the
/// default build has none and clusters on words.
pub trait TextEmbedder: Send + Sync {
    /// One unit vector per text, in order; an error says why (the stage
    /// then clusters on words alone for this pass and logs it).
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String>;
}

/// The embedding of each input (title and lead, as the clusterer reads
/// them), or none at all when the embedder fails.
pub fn embed_inputs(embedder: &dyn TextEmbedder, inputs: &[ArticleInput<'_>]) -> Result<Vec<Vec<f32>>, String> {
    let texts: Vec<String> =
        inputs.iter().map(|input| parallax_cluster::embedding_text(input.title, input.text)).collect();
    let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = embedder.embed(&borrowed)?;
    if vectors.len() != inputs.len() {
        return Err(format!("{} vectors for {} texts", vectors.len(), inputs.len()));
    }
    Ok(vectors)
}

/// Attaches `vectors` (from [`embed_inputs`]) to `inputs`.
pub fn attach_embeddings<'a>(inputs: &mut [ArticleInput<'a>], vectors: &'a [Vec<f32>]) {
    for (input, vector) in inputs.iter_mut().zip(vectors) {
        input.embedding = Some(vector);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoryError {
    #[error("stories: {0}")]
    Config(#[from] parallax_cluster::ConfigError),
    #[error("stories: {0}")]
    Store(#[from] StoreError),
}

/// How much of an article's full text the clusterer reads: its lead. The
/// first paragraphs name the event; the rest adds background that other
/// stories share (the neus-dev leads the defaults were measured on average
/// about 30 words).
const CLUSTER_TEXT_CHARS: usize = 1000;

/// The first `max_chars` characters of `text`, cut at a character boundary.
pub fn lead(text: &str, max_chars: usize) -> &str {
    text.char_indices().nth(max_chars).map_or(text, |(end, _)| &text[..end])
}

/// The text the clusterer reads for an article: its title, and the lead of
/// its full text when one was extracted, else its snippet.
pub fn cluster_input<'a>(article: &'a Article, texts: &'a HashMap<i64, String>) -> ArticleInput<'a> {
    let a = &article.article;
    ArticleInput {
        key: article.id as u64,
        title: &a.title,
        text: texts.get(&article.id).map_or(&a.snippet, |text| lead(text, CLUSTER_TEXT_CHARS)),
        outlet: Some(&a.outlet),
        language: a.language.as_deref(),
        published: Some(a.published.timestamp()),
        embedding: None,
    }
}

/// Places every unclustered article in a story and stores the decisions in
/// one transaction. With an `embedder`, articles are compared on their
/// embeddings too; should it fail, this pass reads words alone.
pub fn cluster_pending(
    store: &mut dyn Store,
    config: &Config,
    now: DateTime<Utc>,
    embedder: Option<&dyn TextEmbedder>,
) -> Result<StoryReport, StoryError> {
    let pending = store.unclustered_articles(usize::MAX)?;
    let Some(first) = pending.first() else { return Ok(StoryReport::default()) };
    let mut clusterer = Clusterer::new(config.cluster.clone())?;

    // Clusterer story id -> stored story id.
    let mut stored_story: HashMap<u64, i64> = HashMap::new();
    let window_start = first.article.published.min(now) - chrono::Duration::seconds(config.cluster.window_secs);
    let replay = store.clustered_since(window_start)?;
    let ids: Vec<i64> = replay.iter().map(|(a, _)| a.id).chain(pending.iter().map(|a| a.id)).collect();
    let texts = store.article_texts(&ids)?;
    let mut replayed: Vec<ArticleInput<'_>> =
        replay.iter().map(|(article, _)| cluster_input(article, &texts)).collect();
    let mut inputs: Vec<ArticleInput<'_>> = pending.iter().map(|article| cluster_input(article, &texts)).collect();
    let embedded = match embedder {
        None => None,
        Some(embedder) => {
            let all: Vec<ArticleInput<'_>> = replayed.iter().chain(&inputs).copied().collect();
            match embed_inputs(embedder, &all) {
                Ok(vectors) => Some(vectors),
                Err(reason) => {
                    tracing::warn!("stories: embeddings failed, clustering on words alone this pass: {reason}");
                    None
                }
            }
        }
    };
    if let Some(vectors) = &embedded {
        let (old, new) = vectors.split_at(replayed.len());
        attach_embeddings(&mut replayed, old);
        attach_embeddings(&mut inputs, new);
    }
    for ((_, story), assignment) in replay.iter().zip(clusterer.add_batch(&replayed)) {
        stored_story.entry(assignment.story).or_insert(*story);
    }

    let mut report = StoryReport::default();
    let mut assignments = Vec::with_capacity(pending.len());
    let mut merges = Vec::new();
    for (article, assignment) in pending.iter().zip(clusterer.add_batch(&inputs)) {
        for &(absorbed, into) in &assignment.merged {
            // An unknown survivor can only be the story this article just formed.
            let survivor = *stored_story.entry(into).or_insert(article.id);
            if let Some(gone) = stored_story.insert(absorbed, survivor)
                && gone != survivor
            {
                merges.push(StoryMerge { absorbed: gone, into: survivor });
            }
        }
        let story = *stored_story.entry(assignment.story).or_insert_with(|| {
            report.new_stories += 1;
            article.id
        });
        let copy_of = assignment.copy_of.map(|key| key as i64);
        report.copies += usize::from(copy_of.is_some());
        assignments.push(StoryAssignment { article: article.id, story, copy_of });
    }
    report.articles = assignments.len();
    report.merges = merges.len();
    store.assign_stories(&assignments, &merges, now)?;
    let touched: std::collections::BTreeSet<i64> =
        assignments.iter().map(|a| a.story).chain(merges.iter().map(|m| m.into)).collect();
    report.views = crate::views::refresh_views(store, touched, &config.summary, &config.blindspot)?;
    Ok(report)
}
