//! The online clusterer: articles in (one at a time or in batches), each
//! placed in a story, in order.
//!
//! Where to look:
//! - this file: the public types and [`Clusterer`]'s entry points, and
//!   [`Clusterer::place`], the steps of placing one article;
//! - `window`: what lasts from one article to the next (the window's
//!   articles, stories and inverted index) and how it ages;
//! - `batch`: the chunk being placed, read ahead (document frequencies,
//!   each article's closest chunk-mates, where those not placed yet will
//!   likely go);
//! - `scoring`: an article's cosines to the window's articles, its copy,
//!   and the scores of the candidate stories;
//! - `insert`: an article joining its story (its links, postings and the
//!   story's sums);
//! - `neighbours`: each article's closest articles in other stories, and
//!   the crowding (density) read from them;
//! - `merging`: stories grown alike merging into the older;
//! - `touched`: the accumulator of an article's partial cosines.

mod batch;
mod insert;
mod merging;
mod neighbours;
mod scoring;
mod touched;
mod window;

use crate::config::{ClusterConfig, ConfigError};
use crate::text::{Analysis, Analyzer};
use crate::vector::SparseVec;
use batch::{BATCH_BUFFERS_KEPT, Batch};
use neighbours::Link;
use scoring::Candidate;
use touched::Touched;
use window::{VOCABULARY_SWEEP_MIN, Window};

/// One article as the clusterer reads it. Everything is borrowed: the
/// clusterer keeps only the numbers it derives.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArticleInput<'a> {
    /// The caller's id for the article; unique per clusterer.
    pub key: u64,
    pub title: &'a str,
    /// Lead or summary; the first paragraphs are what count.
    pub text: &'a str,
    /// The outlet's domain; copies are only ever of another outlet.
    pub outlet: Option<&'a str>,
    /// ISO 639-1 code (`en`, `pt-BR`); guessed from stop words when absent.
    pub language: Option<&'a str>,
    /// Publication time, unix seconds. Callers feed articles in this order;
    /// undated articles count as published at the latest time seen.
    pub published: Option<i64>,
    /// A dense sentence embedding of title and lead, unit length (the
    /// `embeddings` feature's model). Where both articles of a pair carry
    /// one of the same length, the model's cosine (measured from its cosine
    /// to an unrelated article) blends in with
    /// [`ClusterConfig::embedding_weight`]; otherwise the words alone count.
    pub embedding: Option<&'a [f32]>,
}

/// Where an article went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The story the article belongs to now (after any merge it caused).
    pub story: u64,
    /// The article this one copies (another outlet's, near-identical text),
    /// always the original rather than another copy.
    pub copy_of: Option<u64>,
    /// Stories this article caused to merge, as `(absorbed, into)`; the
    /// survivor is always the older story.
    pub merged: Vec<(u64, u64)>,
}

/// Time for articles fed before any dated one.
const UNDATED: i64 = i64::MIN;

/// Clusters articles into stories online. See the crate docs for the model.
pub struct Clusterer {
    config: ClusterConfig,
    analyzer: Analyzer,
    analysis: Analysis,
    /// What lasts from one article to the next: the window's articles,
    /// stories and inverted index.
    window: Window,
    /// The chunk being placed, read ahead.
    batch: Batch,
    /// Buffers for the article being placed.
    work: Work,
    /// Vocabulary size at which the next sweep runs.
    next_vocabulary_sweep: usize,
}

/// The article being placed and the buffers its placing fills, reused from
/// one article to the next so the hot path does not allocate. Nothing in
/// here means anything once [`Clusterer::place`] returns.
#[derive(Default)]
struct Work {
    /// The article's unit TF-IDF vector.
    vector: SparseVec,
    /// Its embedding (empty if none).
    embedding: Vec<f32>,
    /// Its embedding's expected cosine to a random window article.
    embedding_baseline: f32,
    /// What its pairs are judged by besides the cosine.
    profile: scoring::Profile,
    /// The members its terms reached, with their cosines so far.
    touched: Touched,
    /// Weights of its common terms (full posting lists), heaviest first.
    common_weights: Vec<f32>,
    /// The members it reached, with their final similarity.
    touched_members: Vec<(u32, f32)>,
    /// Its closest articles as `(cosine, story slot)`, best first; the story
    /// is [`window::FREE`] for a chunk-mate expected to start its own.
    closest: Vec<(f32, u32)>,
    /// Per story slot, the sum and best of its members' similarities.
    story_scores: Vec<(f32, f32)>,
    touched_stories: Vec<u32>,
    /// Candidate stories, best first.
    candidates: Vec<Candidate>,
    /// Spare buffer for sums of sparse vectors.
    sum: SparseVec,
    /// Members whose link to the article was a pending one.
    pending_fix: Vec<u32>,
    /// The article's links: first to every touched article of another
    /// story, then the closest kept, before they are stored.
    links: Vec<Link>,
    /// Stories checked for merging with the article's.
    merge_slots: Vec<u32>,
}

impl Clusterer {
    pub fn new(config: ClusterConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let window = Window::new(&config);
        Ok(Clusterer {
            config,
            analyzer: Analyzer::new(),
            analysis: Analysis::default(),
            window,
            batch: Batch::default(),
            work: Work::default(),
            next_vocabulary_sweep: VOCABULARY_SWEEP_MIN,
        })
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// Stories currently in the active window.
    pub fn active_stories(&self) -> usize {
        self.window.active
    }

    /// Terms remembered: those of the window's articles, and those seen
    /// more than a few times (rarer ones are forgotten once unused).
    pub fn vocabulary_len(&self) -> usize {
        self.analyzer.vocabulary_len()
    }

    /// The story an article belongs to now, following merges; `None` once
    /// the article has left the window (callers keep [`Assignment`]s, e.g.
    /// in [`crate::eval::StoryLog`], for older articles).
    pub fn story_of(&self, key: u64) -> Option<u64> {
        self.window.story_of_article.get(&key).copied()
    }

    /// Places one article: it joins the story of the article it copies, else
    /// the best candidate story clearing both `min_similarity` and
    /// `join_threshold`, else starts a story whose id is its own key. Then
    /// stories it links may merge. The same as `add_batch` of one article.
    pub fn add(&mut self, article: &ArticleInput) -> Assignment {
        let mut assignments = self.add_batch(std::slice::from_ref(article));
        assignments.pop().unwrap_or(Assignment { story: article.key, copy_of: None, merged: Vec::new() })
    }

    /// Places a batch of articles, one by one in the given order, exactly
    /// as `add` would (joining or starting stories, merging, marking
    /// copies), but with estimates that see the whole batch: document
    /// frequencies count every article of the batch before any is placed,
    /// and each article's closest batch-mates, placed or not, add to the
    /// crowding figures (see the crate docs). Batches longer than
    /// `max_batch` are taken in chunks of that size, so the look-ahead's
    /// memory stays bounded; it is dropped when the call returns.
    ///
    /// Deterministic: the same articles in the same order, in batches of
    /// the same sizes, give the same stories. Quality depends on batch size:
    /// a whole file in one batch sees far more than a refresh round of a
    /// few hundred articles, which does about as well as one at a time.
    pub fn add_batch(&mut self, articles: &[ArticleInput]) -> Vec<Assignment> {
        let mut assignments = Vec::with_capacity(articles.len());
        for chunk in articles.chunks(self.config.max_batch) {
            if self.analyzer.vocabulary_len() >= self.next_vocabulary_sweep {
                let forgotten = self.window.forgettable_terms();
                self.analyzer.forget_terms(&forgotten);
                self.next_vocabulary_sweep = VOCABULARY_SWEEP_MIN.max(2 * self.analyzer.vocabulary_len());
            }
            self.prepare(chunk);
            for (index, article) in chunk.iter().enumerate() {
                assignments.push(self.place(index, article));
            }
            self.resolve_pending_links();
            self.batch.clear();
        }
        if articles.len() > BATCH_BUFFERS_KEPT {
            self.batch = Batch::default();
        }
        assignments
    }

    /// Places chunk article `index`: scores the window's articles and
    /// stories, joins the copied article's story or the best candidate (or
    /// starts a story), then merges stories grown alike.
    fn place(&mut self, index: usize, article: &ArticleInput) -> Assignment {
        let time = self.window.advance_clock(article.published);
        self.window.evict(&self.config);
        self.work.vector.clear();
        self.work.vector.extend_from_slice(self.batch.vector(index));
        self.work.embedding.clear();
        // An embedding counts once the model's cosine to an unrelated
        // article is known.
        if let Some(baseline) = self.batch.embedding_baselines[index] {
            self.work.embedding.extend_from_slice(self.batch.embedding(index));
            self.work.embedding_baseline = baseline;
        }
        self.work.profile = self.batch.profiles[index];
        let outlet = article.outlet.map(|name| self.window.intern_outlet(name));
        self.score_members();
        self.add_pending(index);
        let copy = self.find_copy(index, outlet);
        self.score_stories(article.published);

        let best = self.work.candidates.first().copied();
        let (slot, copy_of) = match (copy, best) {
            (Some(origin), _) => {
                let member = &self.window.members[origin as usize];
                (self.window.slots[origin as usize].story, Some(member.copy_of.unwrap_or(member.key)))
            }
            (None, Some(best)) if best.adjusted >= self.config.join_threshold => (best.slot, None),
            _ => (self.window.new_story(article.key, time), None),
        };
        let member = self.insert_member(index, slot, article, copy_of, outlet, time);
        self.batch.placed[index] = (member, self.window.slots[member as usize].generation);

        let joined_id = self.window.stories[slot as usize].id;
        let merged = self.merge_among_candidates(slot);
        let story =
            merged.iter().fold(joined_id, |story, &(absorbed, into)| if absorbed == story { into } else { story });
        // A new story may have gone over the cap; the article's own story,
        // updated last, is the one never evicted here.
        self.window.evict(&self.config);
        Assignment { story, copy_of, merged }
    }

    /// How much of a similarity is left across `time` and `other` (unix
    /// seconds): all of it within `time_decay_grace_secs`, then half per
    /// `time_decay_half_life_secs`.
    fn time_decay(&self, time: i64, other: i64) -> f32 {
        if time == UNDATED || other == UNDATED {
            return 1.0;
        }
        let beyond = time.abs_diff(other).saturating_sub(self.config.time_decay_grace_secs.unsigned_abs());
        if beyond == 0 {
            return 1.0;
        }
        (-(beyond as f32) / self.config.time_decay_half_life_secs as f32 * std::f32::consts::LN_2).exp()
    }

    fn links_kept(&self) -> usize {
        self.window.neighbours.keep
    }
}
