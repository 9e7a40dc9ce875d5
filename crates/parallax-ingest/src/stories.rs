//! The story stage: articles not yet in a story go through the clusterer,
//! in publication order, and its decisions are stored.
//!
//! The clusterer lives in memory for one pass. To resume where the last pass
//! stopped, the stored articles of the window around the new ones are
//! replayed first (read through the publication index, bounded by `now`),
//! and each story the replay forms is mapped back onto the stored story of
//! its first article, so stored story ids never change: a story's id is the
//! id of its first article, and a merge keeps the surviving id. The view
//! stage ([`crate::views`]) is not run here: the round runs it next.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};
use parallax_core::Article;
use parallax_store::{Store, StoreError, StoryAssignment, StoryMerge};

use crate::{Config, panic_message};

/// What one pass of the story stage did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryReport {
    /// Articles placed in a story.
    pub articles: usize,
    /// Of those, how many started a new story.
    pub new_stories: usize,
    /// Near-verbatim copies of another outlet's article.
    pub copies: usize,
    pub merges: usize,
    /// Stored articles read again to resume the clusterer around the new
    /// ones: the cost of the window, never of the archive.
    pub replayed: usize,
    /// Runs of new articles close enough in time to share one replay.
    pub segments: usize,
    /// `(article, reason)` for each article the clusterer crashed on: it
    /// was given a story of its own and the pass went on.
    pub failed: Vec<(i64, String)>,
    /// Live stories that gained, lost or merged articles: the view stage's
    /// work.
    pub touched: BTreeSet<i64>,
}

/// Dense sentence embeddings of articles for the clusterer's
/// `embedding_weight`. The binary's `embeddings` feature supplies one; the
/// default build has none and clusters on words.
pub trait TextEmbedder: Send + Sync {
    /// One unit vector per text, in order; an error says why (the stage
    /// then clusters on words alone for this pass and logs it).
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String>;

    /// Whether the model's cosine means the same across languages (a
    /// multilingual model): see `ClusterConfig::embedding_across_languages`.
    fn multilingual(&self) -> bool {
        false
    }
}

/// The clusterer's settings for articles embedded by `embedder`: a
/// multilingual model's cosine counts across languages.
pub fn cluster_config(config: &ClusterConfig, embedder: Option<&dyn TextEmbedder>) -> ClusterConfig {
    let mut config = config.clone();
    if embedder.is_some_and(|embedder| embedder.multilingual()) {
        config.embedding_across_languages = true;
    }
    config
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

/// Splits `pending` (in publication order) into runs whose consecutive
/// articles lie within `window` of each other: each run is clustered
/// against the stored articles of its own time, so one old item costs one
/// window of the archive, not the archive since then.
fn segments(pending: &[Article], window: Duration) -> Vec<&[Article]> {
    let mut runs = Vec::new();
    let mut start = 0;
    for index in 1..pending.len() {
        if pending[index].article.published - pending[index - 1].article.published > window {
            runs.push(&pending[start..index]);
            start = index;
        }
    }
    if start < pending.len() {
        runs.push(&pending[start..]);
    }
    runs
}

/// Places every unclustered article in a story and stores the decisions,
/// one transaction per run of articles close in time. With an `embedder`,
/// articles are compared on their embeddings too; should it fail, this
/// pass reads words alone.
///
/// The clusterer is resumed for each run by replaying the stored articles
/// published from one window before the run's first article to one window
/// after its last, never past `now` plus the feeds' future tolerance: the
/// same new articles get the same stories whatever is stored outside that
/// window, and a round costs what is new, not what is stored.
pub fn cluster_pending(
    store: &mut dyn Store,
    config: &Config,
    now: DateTime<Utc>,
    embedder: Option<&dyn TextEmbedder>,
    progress: &dyn crate::Progress,
) -> Result<StoryReport, StoryError> {
    parallax_cluster::ClusterConfig::validate(&config.cluster)?;
    let pending = store.unclustered_articles(usize::MAX)?;
    progress.stage_started(crate::Stage::Stories, pending.len());
    let mut done = 0;
    let window = Duration::seconds(config.cluster.window_secs);
    let horizon = now + Duration::seconds(config.clean.future_tolerance_secs);
    let mut report = StoryReport::default();
    for segment in segments(&pending, window) {
        let (Some(first), Some(last)) = (segment.first(), segment.last()) else { continue };
        let since = first.article.published - window;
        let until = (last.article.published + window).min(horizon.max(last.article.published));
        let replay = store.clustered_between(since, until)?;
        let placed = place_segment(store, config, &replay, segment, embedder)?;
        report.segments += 1;
        report.replayed += replay.len();
        report.articles += placed.assignments.len();
        report.new_stories += placed.new_stories;
        report.copies += placed.assignments.iter().filter(|a| a.copy_of.is_some()).count();
        report.merges += placed.merges.len();
        report.failed.extend(placed.failed);
        store.assign_stories(&placed.assignments, &placed.merges, now)?;
        report.touched.extend(placed.assignments.iter().map(|a| a.story).chain(placed.merges.iter().map(|m| m.into)));
        for merge in &placed.merges {
            report.touched.remove(&merge.absorbed);
        }
        done += segment.len();
        progress.stage_advanced(done);
    }
    Ok(report)
}

/// The clusterer's decisions for one run, in stored story ids.
#[derive(Default)]
struct Placed {
    assignments: Vec<StoryAssignment>,
    merges: Vec<StoryMerge>,
    new_stories: usize,
    failed: Vec<(i64, String)>,
}

/// A clusterer resumed over the replayed articles, mapping its story ids
/// onto stored ones: a story's id is the id of its first article, and a
/// merge keeps the surviving id.
struct Resumed {
    clusterer: Clusterer,
    /// Clusterer story id -> stored story id.
    stored_story: HashMap<u64, i64>,
}

impl Resumed {
    fn new(
        config: &ClusterConfig,
        replay: &[(Article, i64)],
        inputs: &[ArticleInput<'_>],
    ) -> Result<Resumed, StoryError> {
        let mut clusterer = Clusterer::new(config.clone())?;
        let mut stored_story = HashMap::new();
        for ((_, story), assignment) in replay.iter().zip(clusterer.add_batch(inputs)) {
            stored_story.entry(assignment.story).or_insert(*story);
        }
        Ok(Resumed { clusterer, stored_story })
    }

    /// Records where `article` went, in stored ids.
    fn record(&mut self, article: &Article, assignment: &parallax_cluster::Assignment, placed: &mut Placed) {
        for &(absorbed, into) in &assignment.merged {
            // An unknown survivor can only be the story this article just formed.
            let survivor = *self.stored_story.entry(into).or_insert(article.id);
            if let Some(gone) = self.stored_story.insert(absorbed, survivor)
                && gone != survivor
            {
                placed.merges.push(StoryMerge { absorbed: gone, into: survivor });
            }
        }
        let story = *self.stored_story.entry(assignment.story).or_insert_with(|| {
            placed.new_stories += 1;
            article.id
        });
        let copy_of = assignment.copy_of.map(|key| key as i64);
        placed.assignments.push(StoryAssignment { article: article.id, story, copy_of });
    }
}

/// Crashes of the clusterer tolerated in one run before the rest of its
/// articles get stories of their own: each crash costs a replay.
const MAX_CLUSTER_CRASHES: usize = 3;

/// Clusters one run of new articles after replaying its window. Should the
/// clusterer panic, the run is placed again one article at a time, and an
/// article it crashes on gets a story of its own, reported as failed.
fn place_segment(
    store: &dyn Store,
    config: &Config,
    replay: &[(Article, i64)],
    segment: &[Article],
    embedder: Option<&dyn TextEmbedder>,
) -> Result<Placed, StoryError> {
    let ids: Vec<i64> = replay.iter().map(|(a, _)| a.id).chain(segment.iter().map(|a| a.id)).collect();
    let texts = store.article_texts(&ids)?;
    let mut replayed: Vec<ArticleInput<'_>> =
        replay.iter().map(|(article, _)| cluster_input(article, &texts)).collect();
    let mut inputs: Vec<ArticleInput<'_>> = segment.iter().map(|article| cluster_input(article, &texts)).collect();
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

    let cluster = cluster_config(&config.cluster, if embedded.is_some() { embedder } else { None });
    let whole = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<Placed, StoryError> {
        let mut resumed = Resumed::new(&cluster, replay, &replayed)?;
        let mut placed = Placed::default();
        for (article, assignment) in segment.iter().zip(resumed.clusterer.add_batch(&inputs)) {
            resumed.record(article, &assignment, &mut placed);
        }
        Ok(placed)
    }));
    match whole {
        Ok(placed) => placed,
        Err(panic) => {
            tracing::error!(
                "stories: the clusterer crashed ({}); placing this run one article at a time",
                panic_message(panic.as_ref())
            );
            place_one_by_one(&cluster, replay, &replayed, segment, &inputs)
        }
    }
}

/// The fallback after a crash: each article placed alone; on a crash the
/// clusterer is rebuilt (replay and the articles placed so far) and the
/// article that crashed it stands alone.
fn place_one_by_one(
    config: &ClusterConfig,
    replay: &[(Article, i64)],
    replayed: &[ArticleInput<'_>],
    segment: &[Article],
    inputs: &[ArticleInput<'_>],
) -> Result<Placed, StoryError> {
    let mut placed = Placed::default();
    let mut resumed = Some(Resumed::new(config, replay, replayed)?);
    let mut crashes = 0;
    for (index, (article, input)) in segment.iter().zip(inputs).enumerate() {
        let outcome = match resumed.as_mut() {
            Some(state) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| state.clusterer.add(input)))
                .map_err(|panic| {
                    format!("stories: the clusterer crashed on this article: {}", panic_message(panic.as_ref()))
                }),
            None => Err("stories: clustering given up for this run after repeated crashes".to_string()),
        };
        match (outcome, resumed.as_mut()) {
            (Ok(assignment), Some(state)) => state.record(article, &assignment, &mut placed),
            (outcome, _) => {
                let reason = outcome.err().unwrap_or_default();
                tracing::error!(article = article.id, "{reason}");
                placed.failed.push((article.id, reason));
                placed.new_stories += 1;
                placed.assignments.push(StoryAssignment { article: article.id, story: article.id, copy_of: None });
                crashes += 1;
                resumed = None;
                if crashes < MAX_CLUSTER_CRASHES {
                    // Rebuild without the culprit: the replay, then every
                    // article placed so far, in order.
                    let mut state = Resumed::new(config, replay, replayed)?;
                    let mut again = Placed::default();
                    for (earlier, earlier_input) in segment[..index].iter().zip(inputs) {
                        if placed.failed.iter().any(|(id, _)| *id == earlier.id) {
                            continue;
                        }
                        let assignment = state.clusterer.add(earlier_input);
                        state.record(earlier, &assignment, &mut again);
                    }
                    resumed = Some(state);
                }
            }
        }
    }
    Ok(placed)
}
