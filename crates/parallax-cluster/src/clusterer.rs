//! The online clusterer: articles in (one at a time or in batches), each
//! placed in a story, in order.

use crate::config::{ClusterConfig, ConfigError};
use crate::postings::PostingList;
use crate::text::{Analysis, Analyzer, TermKind, sketch_similarity};
use crate::vector::{SparseVec, add_into, dense_dot, dot, keep_heaviest, norm};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

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
    /// one of the same length, their cosine blends in with
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

/// The part of an active article read for each of its postings, kept in
/// its own small array: a new article meets thousands of them.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Bumped each time the slot is reused, so stale postings are spotted.
    generation: u32,
    /// Story slot, or [`FREE`].
    story: u32,
    /// The lowest cosine that still enters the member's `neighbours`.
    neighbour_floor: f32,
    /// Days of the week the article names (see [`Analysis::weekdays`]).
    weekdays: u8,
}

/// Story of a slot holding no article.
const FREE: u32 = u32::MAX;

impl Slot {
    /// Whether the slot still holds the article a posting or link made at
    /// `generation` points to.
    fn holds(&self, generation: u32) -> bool {
        self.story != FREE && self.generation == generation
    }
}

/// An article in the active window (its hot fields are in [`Slot`]).
struct Member {
    key: u64,
    /// Its index in its story's `members`.
    position: u32,
    terms: u32,
    sketch: Vec<u64>,
    copy_of: Option<u64>,
    outlet: Option<u32>,
    /// Unit embedding, empty when the article came without one.
    embedding: Vec<f32>,
}

struct Story {
    id: u64,
    alive: bool,
    /// Order of creation: the older story survives a merge, and stale
    /// eviction entries are told apart by it.
    created: u64,
    /// Sum of the unit vectors of every member it ever had (heaviest terms
    /// kept): a long story's whole course, which merges compare.
    centroid: SparseVec,
    /// Members summed into `centroid`.
    summed: u32,
    /// Sum of the embeddings of every member that had one, and how many.
    embedding_sum: Vec<f32>,
    embedded: u32,
    /// Member slots: every article of the story still in the window.
    members: Vec<u32>,
    /// Sum of the members' densities.
    density_sum: f32,
    last_seen: i64,
    /// Days of the week any member ever named.
    weekdays: u8,
}

impl Story {
    fn mean_density(&self) -> f32 {
        self.density_sum / self.members.len().max(1) as f32
    }
}

/// A candidate story and the article's density-adjusted similarity to it.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    slot: u32,
    adjusted: f32,
}

/// Time for articles fed before any dated one.
const UNDATED: i64 = i64::MIN;

/// Cosine between an article and a member below which the shingle sketches
/// are not compared: near-duplicates (Jaccard >= 0.5) share most of their
/// vocabulary, so they always clear it.
const COPY_MIN_COSINE: f32 = 0.5;

/// How many of an article's closest articles are kept, labelled with their
/// story, to measure its crowding outside each candidate story: a few
/// times `density_neighbours`, so one big story cannot crowd out the rest.
/// 3 against 4: NeuS F1 within 0.001 in every order and batch mode, the
/// resampled stream split slightly less (1.74-1.76 stories per event
/// against 1.76-1.78), and `parallax bench cluster` 1.05 times as fast
/// (a quarter less to keep sorted and to read per member).
const LABELLED_NEIGHBOURS_PER_DENSITY_NEIGHBOUR: usize = 3;

/// Clusters articles into stories online. See the crate docs for the model.
pub struct Clusterer {
    config: ClusterConfig,
    analyzer: Analyzer,
    analysis: Analysis,
    /// Articles containing each term, over every article seen.
    document_frequency: Vec<u32>,
    documents: u64,
    slots: Vec<Slot>,
    members: Vec<Member>,
    /// Each member's closest articles in other stories and its density.
    neighbours: NeighbourLists,
    free_members: Vec<u32>,
    stories: Vec<Story>,
    free_stories: Vec<u32>,
    /// Term -> `(member slot, generation, weight)`, most recent last.
    postings: Vec<PostingList>,
    postings_len: usize,
    live_terms: usize,
    /// `(last update, story slot, story created)` in update order; entries
    /// made stale by later updates are skipped when popped.
    updates: VecDeque<(i64, u32, u64)>,
    /// `(published, member slot, generation)` in insertion order: articles
    /// leave when older than the window, even from a story still updated.
    expiries: VecDeque<(i64, u32, u32)>,
    active: usize,
    /// Article key -> story id, for the window's articles (rewritten on
    /// merges).
    story_of_article: FxHashMap<u64, u64>,
    outlets: FxHashMap<Box<str>, u32>,
    now: i64,
    created: u64,
    vector: SparseVec,
    /// The members the article's terms reached, with their cosines so far.
    touched: Touched,
    common_weights: Vec<f32>,
    touched_members: Vec<(u32, f32)>,
    /// The article's closest articles as `(cosine, story slot)`, best first;
    /// the story is [`FREE`] for a chunk-mate expected to start its own.
    closest: Vec<(f32, u32)>,
    story_scores: Vec<(f32, f32)>,
    touched_stories: Vec<u32>,
    candidates: Vec<Candidate>,
    scratch: SparseVec,
    /// The embedding of the article being placed (empty if none).
    embedding: Vec<f32>,
    /// Days of the week the article being placed names.
    weekdays: u8,
    batch: Batch,
    /// Members whose link to the article being placed was a pending one.
    pending_fix: Vec<u32>,
    /// The links of the article being placed: first to every touched
    /// article of another story, then the closest kept, before they are
    /// stored in `neighbours`.
    links: Vec<Link>,
    merge_slots: Vec<u32>,
    /// Vocabulary size at which the next sweep runs.
    next_vocabulary_sweep: usize,
}

impl Clusterer {
    pub fn new(config: ClusterConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let links_kept = LABELLED_NEIGHBOURS_PER_DENSITY_NEIGHBOUR * config.density_neighbours;
        Ok(Clusterer {
            config,
            analyzer: Analyzer::new(),
            analysis: Analysis::default(),
            document_frequency: Vec::new(),
            documents: 0,
            slots: Vec::new(),
            members: Vec::new(),
            neighbours: NeighbourLists::new(links_kept),
            free_members: Vec::new(),
            stories: Vec::new(),
            free_stories: Vec::new(),
            postings: Vec::new(),
            postings_len: 0,
            live_terms: 0,
            updates: VecDeque::new(),
            expiries: VecDeque::new(),
            active: 0,
            story_of_article: FxHashMap::default(),
            outlets: FxHashMap::default(),
            now: UNDATED,
            created: 0,
            vector: Vec::new(),
            touched: Touched::new(),
            common_weights: Vec::new(),
            touched_members: Vec::new(),
            closest: Vec::new(),
            story_scores: Vec::new(),
            touched_stories: Vec::new(),
            candidates: Vec::new(),
            scratch: Vec::new(),
            embedding: Vec::new(),
            weekdays: 0,
            batch: Batch::default(),
            pending_fix: Vec::new(),
            links: Vec::new(),
            merge_slots: Vec::new(),
            next_vocabulary_sweep: VOCABULARY_SWEEP_MIN,
        })
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// Stories currently in the active window.
    pub fn active_stories(&self) -> usize {
        self.active
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
        self.story_of_article.get(&key).copied()
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
                self.sweep_vocabulary();
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

    /// Forgets the rare terms no article in the window uses (most of any
    /// vocabulary: the names of one event, numbers, typos), so the
    /// vocabulary tracks the window rather than the whole stream.
    fn sweep_vocabulary(&mut self) {
        let mut forgotten = Vec::new();
        for (term, frequency) in self.document_frequency.iter_mut().enumerate() {
            if *frequency == 0 || *frequency > FORGETTABLE_DOCUMENT_FREQUENCY {
                continue;
            }
            let list = &mut self.postings[term];
            let slots = &self.slots;
            let in_use = list.iter().any(|(slot, generation, _)| slots[slot as usize].holds(generation));
            if in_use {
                continue;
            }
            *frequency = 0;
            self.postings_len -= list.len();
            *list = PostingList::default();
            forgotten.push(term as u32);
        }
        self.analyzer.forget_terms(&forgotten);
        self.next_vocabulary_sweep = VOCABULARY_SWEEP_MIN.max(2 * self.analyzer.vocabulary_len());
    }

    fn place(&mut self, index: usize, article: &ArticleInput) -> Assignment {
        let time = self.advance_clock(article.published);
        self.evict();
        self.vector.clear();
        self.vector.extend_from_slice(self.batch.vector(index));
        self.embedding.clear();
        self.embedding.extend_from_slice(self.batch.embedding(index));
        self.weekdays = self.batch.weekdays[index];
        let outlet = article.outlet.map(|name| intern_outlet(&mut self.outlets, name));
        self.score_members();
        self.add_pending(index);
        let copy = self.find_copy(index, outlet);
        self.score_stories(article.published);

        let best = self.candidates.first().copied();
        let (slot, copy_of) = match (copy, best) {
            (Some(origin), _) => {
                let member = &self.members[origin as usize];
                (self.slots[origin as usize].story, Some(member.copy_of.unwrap_or(member.key)))
            }
            (None, Some(best)) if best.adjusted >= self.config.join_threshold => (best.slot, None),
            _ => (self.new_story(article.key, time), None),
        };
        let member = self.insert_member(index, slot, article.key, copy_of, outlet, time);
        self.batch.placed[index] = (member, self.slots[member as usize].generation);

        let joined_id = self.stories[slot as usize].id;
        let merged = self.merge_among_candidates(slot);
        let story =
            merged.iter().fold(joined_id, |story, &(absorbed, into)| if absorbed == story { into } else { story });
        // A new story may have gone over the cap; the article's own story,
        // updated last, is the one never evicted here.
        self.evict();
        Assignment { story, copy_of, merged }
    }

    /// Analyses the chunk, counts its document frequencies, weighs its
    /// vectors and finds each article's closest chunk-mates.
    fn prepare(&mut self, chunk: &[ArticleInput]) {
        let batch = &mut self.batch;
        batch.clear();
        for article in chunk {
            self.analyzer.analyze(
                article.title,
                article.text,
                article.language,
                self.config.title_weight,
                self.config.copy_sketch_size,
                &mut self.analysis,
            );
            for &(term, _, _) in &self.analysis.terms {
                let term_index = term as usize;
                if term_index >= self.document_frequency.len() {
                    self.document_frequency.resize(term_index + 1, 0);
                    self.postings.resize_with(term_index + 1, PostingList::default);
                }
                self.document_frequency[term_index] += 1;
            }
            batch.raw_terms.extend_from_slice(&self.analysis.terms);
            batch.raw_offsets.push(batch.raw_terms.len() as u32);
            batch.sketches.extend_from_slice(&self.analysis.sketch);
            batch.sketch_offsets.push(batch.sketches.len() as u32);
            batch.published.push(article.published.unwrap_or(UNDATED));
            batch.weekdays.push(self.analysis.weekdays);
            batch.embeddings.extend_from_slice(article.embedding.unwrap_or_default());
            batch.embedding_offsets.push(batch.embeddings.len() as u32);
        }
        self.documents += chunk.len() as u64;
        let documents = self.documents as f32;
        let mut start = 0;
        for index in 0..chunk.len() {
            let end = batch.raw_offsets[index + 1] as usize;
            let first = batch.terms.len();
            for &(term, count, kind) in &batch.raw_terms[start..end] {
                // Learned online; a term in every article weighs nothing.
                let idf = ((documents + 1.0) / self.document_frequency[term as usize] as f32).ln();
                let kind_weight = match kind {
                    TermKind::Word => 1.0,
                    TermKind::Entity => self.config.entity_weight,
                    TermKind::Number => self.config.number_weight,
                };
                let weight = (1.0 + count).ln() * damp_idf(idf, self.config.idf_power) * kind_weight;
                if weight > 0.0 {
                    batch.terms.push((term, weight));
                }
            }
            let vector = &mut batch.terms[first..];
            let length = norm(vector);
            if length > 0.0 {
                for entry in vector.iter_mut() {
                    entry.1 /= length;
                }
            }
            batch.term_offsets.push(batch.terms.len() as u32);
            start = end;
        }
        batch.placed.resize(chunk.len(), (FREE, 0));
        batch.holder_heads.resize(chunk.len(), NO_HOLDER);
        if chunk.len() > 1 {
            self.find_batch_neighbours();
        }
    }

    /// Each chunk article's closest chunk-mates (within one window of it in
    /// time), best first, through an inverted index of the chunk. Their
    /// neighbours in the window need no look-ahead: the window is known
    /// when each is placed.
    fn find_batch_neighbours(&mut self) {
        let n = self.batch.len();
        let keep = BATCH_NEIGHBOURS;
        let cap = self.config.max_postings_per_term;
        // The chunk's own inverted index, laid out by term.
        let mut starts = vec![0u32; self.document_frequency.len() + 1];
        for &(term, _) in &self.batch.terms {
            starts[term as usize + 1] += 1;
        }
        for term in 1..starts.len() {
            starts[term] += starts[term - 1];
        }
        let mut postings = vec![(0u32, 0f32); self.batch.terms.len()];
        let mut cursor = starts.clone();
        for index in 0..n {
            for &(term, weight) in self.batch.vector(index) {
                postings[cursor[term as usize] as usize] = (index as u32, weight);
                cursor[term as usize] += 1;
            }
        }
        // Terms common in the chunk get small dense ids, and each article
        // its list of them, so their share of a cosine is a few lookups.
        let mut common_ids = cursor;
        common_ids.fill(u32::MAX);
        let mut common_terms = 0u32;
        let mut common_entries: Vec<(u32, f32)> = Vec::new();
        let mut common_offsets: Vec<u32> = Vec::with_capacity(n + 1);
        common_offsets.push(0);
        for index in 0..n {
            for &(term, weight) in self.batch.vector(index) {
                let term = term as usize;
                if (starts[term + 1] - starts[term]) as usize > cap {
                    if common_ids[term] == u32::MAX {
                        common_ids[term] = common_terms;
                        common_terms += 1;
                    }
                    common_entries.push((common_ids[term], weight));
                }
            }
            common_offsets.push(common_entries.len() as u32);
        }
        let mut dense = vec![0f32; common_terms as usize];
        let mut partial = vec![0f32; n];
        let mut touched: Vec<(f32, u32)> = Vec::new();
        let mut touched_indices: Vec<u32> = Vec::new();
        self.batch.neighbours.resize(n * keep, (0.0, 0));
        self.batch.neighbour_lens.resize(n, 0);
        let exact = EXACT_CANDIDATES_PER_NEIGHBOUR * keep;
        for index in 0..n {
            // Each pair is scored once, from its earlier article: terms rare
            // in the chunk find the candidates and score them exactly over
            // those terms; the best then add the common terms' share.
            for &(term, weight) in self.batch.vector(index) {
                let list = &postings[starts[term as usize] as usize..starts[term as usize + 1] as usize];
                if list.len() > cap {
                    continue;
                }
                let later = list.partition_point(|&(other, _)| other as usize <= index);
                for &(other, other_weight) in &list[later..] {
                    let score = &mut partial[other as usize];
                    if *score == 0.0 {
                        touched_indices.push(other);
                    }
                    *score += weight * other_weight;
                }
            }
            touched.clear();
            touched
                .extend(touched_indices.drain(..).map(|other| (std::mem::take(&mut partial[other as usize]), other)));
            if touched.len() > exact {
                touched.select_nth_unstable_by(exact, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                touched.truncate(exact);
            }
            let mine = &common_entries[common_offsets[index] as usize..common_offsets[index + 1] as usize];
            for &(id, weight) in mine {
                dense[id as usize] = weight;
            }
            let published = self.batch.published[index];
            for &(rare, other) in &touched {
                let other = other as usize;
                // Chunk-mates never in one window are no neighbours; closer
                // ones fade with time as candidate stories do.
                let other_published = self.batch.published[other];
                if published != UNDATED
                    && other_published != UNDATED
                    && published.abs_diff(other_published) > self.config.window_secs.unsigned_abs()
                {
                    continue;
                }
                let theirs = &common_entries[common_offsets[other] as usize..common_offsets[other + 1] as usize];
                let lexical = rare + theirs.iter().map(|&(id, weight)| dense[id as usize] * weight).sum::<f32>();
                let cosine = blend(
                    self.config.embedding_weight,
                    lexical,
                    self.batch.embedding(index),
                    self.batch.embedding(other),
                ) * self.time_decay(published, other_published)
                    * weekday_factor(
                        self.config.weekday_conflict,
                        self.batch.weekdays[index],
                        self.batch.weekdays[other],
                    );
                self.batch.push_neighbour(index, (cosine, other as u32));
                self.batch.push_neighbour(other, (cosine, index as u32));
            }
            for &(id, _) in mine {
                dense[id as usize] = 0.0;
            }
        }
    }

    /// Where a chunk article not placed yet will likely go, seen from the
    /// placing of chunk article `current`: with its closest placed article
    /// (or `current` itself) if that is close enough.
    fn predicted(&self, pending: usize, current: usize) -> Prediction {
        for &(cosine, other) in self.batch.neighbours_of(pending) {
            if cosine < self.config.min_similarity {
                break;
            }
            let other = other as usize;
            if other == current {
                return Prediction::WithCurrent;
            }
            if other < current {
                let (slot, generation) = self.batch.placed[other];
                let state = self.slots[slot as usize];
                if state.holds(generation) {
                    return Prediction::Story(state.story);
                }
            }
        }
        Prediction::Alone
    }

    /// Adds the chunk articles still to be placed to `closest`, labelled
    /// with the story they will likely join.
    fn add_pending(&mut self, index: usize) {
        if self.batch.len() <= 1 {
            return;
        }
        let keep = self.links_kept();
        let (from, to) = self.batch.neighbour_range(index);
        for at in from..to {
            let (cosine, other) = self.batch.neighbours[at];
            if (other as usize) <= index {
                continue;
            }
            let label = match self.predicted(other as usize, index) {
                Prediction::WithCurrent => continue,
                Prediction::Story(story) => story,
                Prediction::Alone => FREE,
            };
            let at = self.closest.partition_point(|&(s, _)| s >= cosine);
            if at < keep {
                self.closest.insert(at, (cosine, label));
                self.closest.truncate(keep);
            }
        }
    }

    fn advance_clock(&mut self, published: Option<i64>) -> i64 {
        let Some(published) = published else { return self.now };
        if self.now == UNDATED {
            // Articles before the first date are taken as published with it.
            for story in self.stories.iter_mut().filter(|s| s.alive && s.last_seen == UNDATED) {
                story.last_seen = published;
            }
            for update in self.updates.iter_mut() {
                update.0 = published;
            }
            for expiry in self.expiries.iter_mut() {
                expiry.0 = published;
            }
            self.now = published;
        }
        self.now = self.now.max(published);
        published
    }

    fn evict(&mut self) {
        let cutoff = if self.now == UNDATED { UNDATED } else { self.now.saturating_sub(self.config.window_secs) };
        while let Some(&(seen, slot, created)) = self.updates.front() {
            let over_cap = self.active > self.config.max_active_stories;
            if seen >= cutoff && !over_cap {
                break;
            }
            self.updates.pop_front();
            let story = &self.stories[slot as usize];
            if story.alive && story.created == created && story.last_seen == seen {
                self.retire_story(slot);
            }
        }
        // A story that keeps going keeps only its recent articles.
        while let Some(&(time, slot, generation)) = self.expiries.front() {
            if time >= cutoff {
                break;
            }
            self.expiries.pop_front();
            if self.slots[slot as usize].holds(generation) {
                self.retire_member(slot);
            }
        }
        // Each update leaves an entry; keep the queue proportional to the
        // active stories when nothing ages out (undated input).
        if self.updates.len() > 4 * self.active.max(1024) {
            let stories = &self.stories;
            self.updates.retain(|&(seen, slot, created)| {
                let story = &stories[slot as usize];
                story.alive && story.created == created && story.last_seen == seen
            });
        }
        if self.expiries.len() > 2 * (self.members.len() - self.free_members.len()).max(1024) {
            let slots = &self.slots;
            self.expiries.retain(|&(_, slot, generation)| slots[slot as usize].holds(generation));
        }
        // Retired articles leave stale postings behind; sweep them once they
        // outnumber the live ones, so the index stays proportional to the
        // window.
        if self.postings_len > 2 * self.live_terms + 4096 {
            let slots = &self.slots;
            let mut total = 0;
            for list in &mut self.postings {
                list.retain(|slot, generation| slots[slot as usize].holds(generation));
                total += list.len();
            }
            self.postings_len = total;
        }
    }

    /// Takes an article older than the window out of its story, which
    /// lives on with its recent articles.
    fn retire_member(&mut self, member_slot: u32) {
        let story_slot = self.slots[member_slot as usize].story;
        let member = &self.members[member_slot as usize];
        let (position, density) = (member.position as usize, self.neighbours.density(member_slot));
        let story = &mut self.stories[story_slot as usize];
        story.members.swap_remove(position);
        story.density_sum -= density;
        if let Some(&moved) = story.members.get(position) {
            self.members[moved as usize].position = position as u32;
        }
        let emptied = story.members.is_empty();
        self.free_member(member_slot);
        if emptied {
            self.retire_story(story_slot);
        }
    }

    fn free_member(&mut self, member_slot: u32) {
        let member = &mut self.members[member_slot as usize];
        let slot = &mut self.slots[member_slot as usize];
        slot.story = FREE;
        slot.generation = slot.generation.wrapping_add(1);
        self.live_terms -= member.terms as usize;
        self.story_of_article.remove(&member.key);
        self.free_members.push(member_slot);
    }

    fn retire_story(&mut self, slot: u32) {
        let story = &mut self.stories[slot as usize];
        story.alive = false;
        let members = std::mem::take(&mut story.members);
        for &member_slot in &members {
            self.free_member(member_slot);
        }
        let story = &mut self.stories[slot as usize];
        story.members = members;
        story.members.clear();
        // Freed, not cleared: centroids trade buffers with the merge scratch,
        // so a slot kept its largest ever and memory crept up for millions of
        // articles after the window was full (`parallax bench cluster`).
        story.centroid = SparseVec::new();
        story.embedding_sum = Vec::new();
        self.free_stories.push(slot);
        self.active -= 1;
    }

    /// Cosine of the article to every active article sharing a rare term
    /// with it, through the inverted index, into `touched_members` (those
    /// of at least `min_member_cosine`); the best of them, labelled with
    /// their story, into `closest`.
    fn score_members(&mut self) {
        self.touched.grow(self.members.len());
        // Rare terms find the candidates; terms common enough to fill their
        // posting list add to candidates already found, and only the
        // heaviest of them find more, among their latest postings, so an
        // article does not touch every article that says "government".
        let cap = self.config.max_postings_per_term;
        let lightest = self.select_common_terms();
        // Every list read below (and the tails of the others, which the
        // article's postings join) is asked for at once, so the waits for
        // memory overlap.
        for &(term, weight) in &self.vector {
            let list = &self.postings[term as usize];
            if list.len() < cap || weight >= lightest {
                list.prefetch(0..list.len());
            } else {
                // Read only to append the article's posting.
                list.prefetch(list.len() - 1..list.len());
            }
        }
        for &(term, weight) in &self.vector {
            let list = &self.postings[term as usize];
            if list.len() >= cap {
                continue;
            }
            for (slot, generation, other) in list.iter() {
                self.touched.add(&self.slots, slot, generation, weight * other);
            }
        }
        // The heaviest common terms are scanned through a bit filter of the
        // candidates found, which spares a random read of every posting;
        // their most recent postings find candidates too.
        {
            let heaviest = self.common_weights.len().min(self.config.max_common_terms);
            let discovering = match self.config.discovering_common_terms {
                0 => f32::INFINITY,
                n => self.common_weights.get(n.min(heaviest).saturating_sub(1)).copied().unwrap_or(f32::INFINITY),
            };
            let recent_postings = self.config.discovery_postings;
            // First the discovering terms' latest postings, so that every
            // candidate is known before the add-only pass below.
            for &(term, weight) in &self.vector {
                let list = &self.postings[term as usize];
                if list.len() < cap || weight < discovering {
                    continue;
                }
                for (slot, generation, other) in list.range(list.len().saturating_sub(recent_postings)..list.len()) {
                    self.touched.add(&self.slots, slot, generation, weight * other);
                }
            }
            for &(term, weight) in &self.vector {
                let list = &self.postings[term as usize];
                if list.len() < cap || weight < lightest {
                    continue;
                }
                let scanned =
                    if weight >= discovering { list.len().saturating_sub(recent_postings) } else { list.len() };
                for (slot, generation, other) in list.range(0..scanned) {
                    if self.touched.may_hold(slot) {
                        self.touched.add_if_held(&self.slots, slot, generation, weight * other);
                    }
                }
            }
        }
        self.touched_members.clear();
        self.closest.clear();
        let keep = self.links_kept();
        let weight = self.config.embedding_weight;
        while let Some((slot, lexical)) = self.touched.pop() {
            // Members are read only when the article has an embedding: the
            // slots alone serve the default build.
            let similarity = if self.embedding.is_empty() {
                lexical
            } else {
                blend(weight, lexical, &self.embedding, &self.members[slot as usize].embedding)
            };
            let score = similarity
                * weekday_factor(self.config.weekday_conflict, self.weekdays, self.slots[slot as usize].weekdays);
            // Faint cosines barely move a story's mean and never reach the
            // neighbour lists; dropping them spares most of the work below.
            if score < self.config.min_member_cosine {
                continue;
            }
            self.touched_members.push((slot, score));
            if score > self.slots[slot as usize].neighbour_floor {
                // It will likely take the article among its neighbours.
                self.neighbours.prefetch(slot);
            }
            if self.closest.len() >= keep && self.closest[keep - 1].0 >= score {
                continue;
            }
            let at = self.closest.partition_point(|&(s, _)| s >= score);
            if at < keep {
                self.closest.insert(at, (score, self.slots[slot as usize].story));
                self.closest.truncate(keep);
            }
        }
    }

    /// Puts the weights of the article's common terms (those filling their
    /// posting lists) in `common_weights`, the `max_common_terms` heaviest
    /// first and sorted, and returns the lightest weight scanned.
    fn select_common_terms(&mut self) -> f32 {
        let cap = self.config.max_postings_per_term;
        let postings = &self.postings;
        self.common_weights.clear();
        self.common_weights
            .extend(self.vector.iter().filter(|&&(term, _)| postings[term as usize].len() >= cap).map(|&(_, w)| w));
        let limit = self.config.max_common_terms;
        let lightest = if self.common_weights.len() > limit {
            *self.common_weights.select_nth_unstable_by(limit - 1, |a, b| b.total_cmp(a)).1
        } else {
            0.0
        };
        let heaviest = self.common_weights.len().min(limit);
        self.common_weights[..heaviest].sort_unstable_by(|a, b| b.total_cmp(a));
        lightest
    }

    /// The closest near-duplicate from another outlet, if any.
    fn find_copy(&self, index: usize, outlet: Option<u32>) -> Option<u32> {
        let sketch = self.batch.sketch(index);
        let mut best: Option<(u32, f32)> = None;
        for &(slot, score) in &self.touched_members {
            if score < COPY_MIN_COSINE {
                continue;
            }
            let member = &self.members[slot as usize];
            if outlet.is_some() && member.outlet == outlet {
                continue;
            }
            let similarity = sketch_similarity(sketch, &member.sketch, self.config.copy_sketch_size);
            if similarity >= self.config.copy_similarity && best.is_none_or(|(_, b)| similarity > b) {
                best = Some((slot, similarity));
            }
        }
        best.map(|(slot, _)| slot)
    }

    /// The article's density outside `story`: the mean of its best
    /// `density_neighbours` cosines to articles of other stories.
    fn density_outside(&self, story: Option<u32>) -> f32 {
        let k = self.config.density_neighbours;
        if self.closest.iter().take(k).all(|&(_, s)| Some(s) != story) {
            return self.closest.iter().take(k).map(|&(c, _)| c).sum::<f32>() / k as f32;
        }
        let sum: f32 = self.closest.iter().filter(|&&(_, s)| Some(s) != story).take(k).map(|&(c, _)| c).sum();
        sum / k as f32
    }

    /// Scores every story holding a touched article into `candidates`,
    /// best first.
    ///
    /// Similarity blends the mean cosine to the story's members with the
    /// best one. From it goes the crowding of both neighbourhoods (the
    /// article's and the story members' mean cosine to their closest
    /// articles in other stories): in a crowded topic, an article must be
    /// much closer to a story than to its neighbours to be the same event.
    /// A dated article's similarity fades with its distance in time from
    /// the story's last update (see [`ClusterConfig::time_decay_half_life_secs`]).
    fn score_stories(&mut self, published: Option<i64>) {
        if self.story_scores.len() < self.stories.len() {
            self.story_scores.resize(self.stories.len(), (0.0, 0.0));
        }
        for &(slot, score) in &self.touched_members {
            let story = self.slots[slot as usize].story;
            let entry = &mut self.story_scores[story as usize];
            if entry.0 == 0.0 {
                self.touched_stories.push(story);
            }
            entry.0 += score;
            entry.1 = entry.1.max(score);
        }
        self.candidates.clear();
        let linkage = self.config.member_linkage;
        let alpha = self.config.density_weight;
        let touched = std::mem::take(&mut self.touched_stories);
        for &slot in &touched {
            let (sum, closest) = std::mem::take(&mut self.story_scores[slot as usize]);
            let story = &self.stories[slot as usize];
            let average = sum / story.members.len().max(1) as f32;
            let mut similarity = (1.0 - linkage) * average + linkage * closest;
            if let Some(time) = published {
                similarity *= self.time_decay(time, story.last_seen);
            }
            if similarity < self.config.min_similarity {
                continue;
            }
            let crowding = 0.5 * (self.density_outside(Some(slot)) + story.mean_density());
            self.candidates.push(Candidate { slot, adjusted: similarity - alpha * crowding });
        }
        self.touched_stories = touched;
        self.touched_stories.clear();
        self.candidates.sort_unstable_by(|a, b| b.adjusted.total_cmp(&a.adjusted).then(a.slot.cmp(&b.slot)));
    }

    fn new_story(&mut self, key: u64, time: i64) -> u32 {
        let created = self.created;
        self.created += 1;
        let slot = match self.free_stories.pop() {
            Some(slot) => slot,
            None => {
                self.stories.push(Story {
                    id: 0,
                    alive: false,
                    created: 0,
                    centroid: Vec::new(),
                    summed: 0,
                    embedding_sum: Vec::new(),
                    embedded: 0,
                    members: Vec::new(),
                    density_sum: 0.0,
                    last_seen: 0,
                    weekdays: 0,
                });
                (self.stories.len() - 1) as u32
            }
        };
        // Reuse the slot's buffers (left empty on retirement).
        let story = &mut self.stories[slot as usize];
        story.id = key;
        story.alive = true;
        story.created = created;
        story.density_sum = 0.0;
        story.summed = 0;
        story.embedding_sum.clear();
        story.embedded = 0;
        story.last_seen = time;
        story.weekdays = 0;
        self.active += 1;
        slot
    }

    /// Adds the analysed article to story `story_slot`: its postings, its
    /// neighbours (and theirs), the story's centroid and density.
    fn insert_member(
        &mut self,
        index: usize,
        story_slot: u32,
        key: u64,
        copy_of: Option<u64>,
        outlet: Option<u32>,
        time: i64,
    ) -> u32 {
        let slot = match self.free_members.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(Slot { generation: 0, story: FREE, neighbour_floor: 0.0, weekdays: 0 });
                self.members.push(Member {
                    key: 0,
                    position: 0,
                    terms: 0,
                    sketch: Vec::new(),
                    copy_of: None,
                    outlet: None,
                    embedding: Vec::new(),
                });
                self.neighbours.grow(self.members.len());
                (self.members.len() - 1) as u32
            }
        };

        // Cosines across stories are neighbours on both sides; within the
        // story they are not, so a big coherent story does not look crowded.
        let links_kept = self.links_kept();
        let own_generation = self.slots[slot as usize].generation;
        // Chunk-mates placed earlier may already count this article, as
        // pending: they now learn where it went.
        self.pending_fix.clear();
        let mut holder = self.batch.holder_heads.get(index).copied().unwrap_or(NO_HOLDER);
        while holder != NO_HOLDER {
            let (holder_index, next) = self.batch.holders[holder as usize];
            holder = next;
            let (holder_slot, holder_generation) = self.batch.placed[holder_index as usize];
            if !self.slots[holder_slot as usize].holds(holder_generation) {
                continue;
            }
            let pending = PENDING_BIT | index as u32;
            if let Some(link) = self.neighbours.links_mut(holder_slot).iter_mut().find(|l| l.slot == pending) {
                link.slot = slot;
                link.generation = own_generation;
                self.pending_fix.push(holder_slot);
            }
        }
        let touched = std::mem::take(&mut self.touched_members);
        let mut links = std::mem::take(&mut self.links);
        links.clear();
        for &(other, score) in &touched {
            let state = self.slots[other as usize];
            if state.story == story_slot {
                continue;
            }
            links.push(Link { cosine: score, slot: other, generation: state.generation });
            if score <= state.neighbour_floor || self.pending_fix.contains(&other) {
                continue;
            }
            self.neighbours.push(other, Link { cosine: score, slot, generation: own_generation });
            if let Some(last) = self.neighbours.links(other).get(links_kept - 1) {
                self.slots[other as usize].neighbour_floor = last.cosine;
            }
            self.refresh_density(other);
        }
        self.touched_members = touched;
        // The article's own closest, chosen once rather than kept sorted
        // while hundreds of candidates go by.
        if links.len() > links_kept {
            links.select_nth_unstable_by(links_kept - 1, |a, b| b.cosine.total_cmp(&a.cosine));
            links.truncate(links_kept);
        }
        links.sort_unstable_by(|a, b| b.cosine.total_cmp(&a.cosine).then(a.slot.cmp(&b.slot)));
        // Chunk-mates still to come that will likely go elsewhere crowd it
        // already.
        let (from, to) = self.batch.neighbour_range(index);
        for at in from..to {
            let (cosine, other) = self.batch.neighbours[at];
            if (other as usize) <= index {
                continue;
            }
            match self.predicted(other as usize, index) {
                Prediction::WithCurrent => continue,
                Prediction::Story(t) if t == story_slot => continue,
                _ => {}
            }
            if push_link(&mut links, Link { cosine, slot: PENDING_BIT | other, generation: 0 }, links_kept) {
                let head = &mut self.batch.holder_heads[other as usize];
                self.batch.holders.push((index as u32, *head));
                *head = (self.batch.holders.len() - 1) as u32;
            }
        }
        let state = &mut self.slots[slot as usize];
        state.story = story_slot;
        state.neighbour_floor = if links.len() == links_kept { links[links_kept - 1].cosine } else { 0.0 };
        state.weekdays = self.weekdays;
        let generation = state.generation;
        self.neighbours.set(slot, &links);
        self.links = links;
        let member = &mut self.members[slot as usize];
        member.key = key;
        member.terms = self.vector.len() as u32;
        member.sketch.clear();
        member.sketch.extend_from_slice(self.batch.sketch(index));
        member.copy_of = copy_of;
        member.outlet = outlet;
        member.embedding.clear();
        member.embedding.extend_from_slice(&self.embedding);

        let cap = self.config.max_postings_per_term;
        for &(term, weight) in &self.vector {
            let list = &mut self.postings[term as usize];
            list.push(slot, generation, weight);
            self.postings_len += 1;
            if list.len() > cap + cap / POSTINGS_SLACK_DIVISOR {
                // Postings of articles gone from the window go first: left
                // in, they would make a term look common long after it was.
                let before = list.len();
                let slots = &self.slots;
                list.retain(|slot, generation| slots[slot as usize].holds(generation));
                let excess = list.len().saturating_sub(cap);
                list.drop_oldest(excess);
                self.postings_len -= before - list.len();
            }
        }
        self.live_terms += self.vector.len();

        let story = &mut self.stories[story_slot as usize];
        add_into(&mut story.centroid, &self.vector, &mut self.scratch);
        if story.centroid.len() > 2 * self.config.max_centroid_terms {
            keep_heaviest(&mut story.centroid, self.config.max_centroid_terms);
        }
        if !self.embedding.is_empty() && (story.embedded == 0 || story.embedding_sum.len() == self.embedding.len()) {
            story.embedding_sum.resize(self.embedding.len(), 0.0);
            for (sum, value) in story.embedding_sum.iter_mut().zip(&self.embedding) {
                *sum += value;
            }
            story.embedded += 1;
        }
        self.members[slot as usize].position = story.members.len() as u32;
        story.members.push(slot);
        story.summed += 1;
        story.weekdays |= self.weekdays;
        story.last_seen = story.last_seen.max(time);
        self.expiries.push_back((time, slot, generation));
        self.story_of_article.insert(key, story.id);
        self.updates.push_back((story.last_seen, story_slot, story.created));
        for other in std::mem::take(&mut self.pending_fix) {
            self.refresh_density(other);
        }
        self.refresh_density(slot);
        slot
    }

    /// Rewrites links to chunk articles as links to the members they became.
    fn resolve_pending_links(&mut self) {
        // A chunk of one has no chunk-mates, so no pending links.
        if self.batch.len() <= 1 {
            return;
        }
        for index in 0..self.batch.len() {
            let (slot, generation) = self.batch.placed[index];
            if slot == FREE || self.slots[slot as usize].generation != generation {
                continue;
            }
            for link in self.neighbours.links_mut(slot) {
                if link.slot & PENDING_BIT != 0 {
                    let (target, target_generation) = self.batch.placed[(link.slot & !PENDING_BIT) as usize];
                    link.slot = target;
                    link.generation = target_generation;
                }
            }
            self.refresh_density(slot);
        }
    }

    /// The story a link's article is in now, if still active (or placed).
    fn link_story(&self, link: &Link) -> Option<u32> {
        let (slot, generation) = if link.slot & PENDING_BIT != 0 {
            match self.batch.placed.get((link.slot & !PENDING_BIT) as usize) {
                Some(&(slot, generation)) if slot != FREE => (slot, generation),
                _ => return None,
            }
        } else {
            (link.slot, link.generation)
        };
        let state = self.slots[slot as usize];
        state.holds(generation).then_some(state.story)
    }

    fn links_kept(&self) -> usize {
        self.neighbours.keep
    }

    /// Recomputes a member's density (mean of its `density_neighbours`
    /// closest cosines to articles outside its story now) and its story's
    /// sum.
    fn refresh_density(&mut self, slot: u32) {
        let k = self.config.density_neighbours;
        let story = self.slots[slot as usize].story;
        let mut sum = 0.0;
        let mut counted = 0;
        for link in self.neighbours.links(slot) {
            if counted == k {
                break;
            }
            if self.link_story(link) == Some(story) {
                continue;
            }
            sum += link.cosine;
            counted += 1;
        }
        let density = sum / k as f32;
        let change = density - self.neighbours.density(slot);
        self.neighbours.set_density(slot, density);
        self.stories[story as usize].density_sum += change;
    }

    /// Merges the article's story with its next closest candidates while
    /// their similarity clears the thresholds, best first: the stream keeps
    /// revisiting a neighbourhood, so stories that started apart meet again
    /// once more of it is known. Only pairs with the article's story are
    /// checked: the article changed no other (checking every pair among the
    /// candidates gave the same stories on NeuS and the synthetic stream).
    fn merge_among_candidates(&mut self, joined: u32) -> Vec<(u64, u64)> {
        let mut others = std::mem::take(&mut self.merge_slots);
        others.clear();
        others
            .extend(self.candidates.iter().map(|c| c.slot).filter(|&s| s != joined).take(self.config.merge_candidates));
        let mut merged = Vec::new();
        let mut current = joined;
        loop {
            let mut best: Option<(f32, u32)> = None;
            for &other in &others {
                if other == current {
                    continue;
                }
                let Some(adjusted) = self.story_similarity(current, other) else { continue };
                if adjusted >= self.config.merge_threshold && best.is_none_or(|(s, _)| adjusted > s) {
                    best = Some((adjusted, other));
                }
            }
            let Some((_, other)) = best else { break };
            let (kept, gone) = if self.stories[current as usize].created <= self.stories[other as usize].created {
                (current, other)
            } else {
                (other, current)
            };
            merged.push((self.stories[gone as usize].id, self.stories[kept as usize].id));
            self.merge(kept, gone);
            current = kept;
            for slot in &mut others {
                if *slot == gone {
                    *slot = kept;
                }
            }
        }
        self.merge_slots = others;
        merged
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

    /// Mean cosine between the two stories' members less their crowding, or
    /// `None` below `min_similarity`.
    fn story_similarity(&self, a_slot: u32, b_slot: u32) -> Option<f32> {
        let (a, b) = (&self.stories[a_slot as usize], &self.stories[b_slot as usize]);
        let lexical = dot(&a.centroid, &b.centroid) / (a.summed as f32 * b.summed as f32).max(1.0);
        let mut average = if a.embedded > 0 && b.embedded > 0 && a.embedding_sum.len() == b.embedding_sum.len() {
            let dense = dense_dot(&a.embedding_sum, &b.embedding_sum) / (a.embedded as f32 * b.embedded as f32);
            let weight = self.config.embedding_weight;
            (1.0 - weight) * lexical + weight * dense
        } else {
            lexical
        };
        if a.last_seen != UNDATED {
            average *= self.time_decay(a.last_seen, b.last_seen);
        }
        average *= weekday_factor(self.config.weekday_conflict, a.weekdays, b.weekdays);
        if average < self.config.min_similarity {
            return None;
        }
        Some(average - self.config.density_weight * 0.5 * (a.mean_density() + b.mean_density()))
    }

    /// Moves story `gone` into story `kept`.
    fn merge(&mut self, kept: u32, gone: u32) {
        let (kept_story, gone_story) = two_mut(&mut self.stories, kept as usize, gone as usize);
        add_into(&mut kept_story.centroid, &gone_story.centroid, &mut self.scratch);
        if kept_story.centroid.len() > 2 * self.config.max_centroid_terms {
            keep_heaviest(&mut kept_story.centroid, self.config.max_centroid_terms);
        }
        for &slot in &gone_story.members {
            let member = &self.members[slot as usize];
            self.story_of_article.insert(member.key, kept_story.id);
        }
        for (offset, &slot) in gone_story.members.iter().enumerate() {
            self.slots[slot as usize].story = kept;
            self.members[slot as usize].position = (kept_story.members.len() + offset) as u32;
        }
        kept_story.members.append(&mut gone_story.members);
        kept_story.summed += gone_story.summed;
        if gone_story.embedded > 0
            && (kept_story.embedded == 0 || kept_story.embedding_sum.len() == gone_story.embedding_sum.len())
        {
            kept_story.embedding_sum.resize(gone_story.embedding_sum.len(), 0.0);
            for (sum, value) in kept_story.embedding_sum.iter_mut().zip(&gone_story.embedding_sum) {
                *sum += value;
            }
            kept_story.embedded += gone_story.embedded;
        }
        kept_story.density_sum += gone_story.density_sum;
        kept_story.last_seen = kept_story.last_seen.max(gone_story.last_seen);
        kept_story.weekdays |= gone_story.weekdays;
        self.updates.push_back((kept_story.last_seen, kept, kept_story.created));
        self.retire_story(gone);
        // Neighbours across the two stories are now within one.
        let members = std::mem::take(&mut self.stories[kept as usize].members);
        for &member in &members {
            self.refresh_density(member);
        }
        self.stories[kept as usize].members = members;
    }
}

/// A neighbour of a member: the cosine and which article (slot and its
/// generation then, or `PENDING_BIT | chunk index` for a chunk-mate not
/// placed yet).
#[derive(Debug, Clone, Copy)]
struct Link {
    cosine: f32,
    slot: u32,
    generation: u32,
}

/// The members an article's terms reached and their partial cosines.
struct Touched {
    /// Per member slot, the cosine so far; 0 for a slot not reached.
    scores: Vec<f32>,
    /// The slots reached, in the order reached.
    slots: Vec<u32>,
    /// How many of `slots` [`Touched::pop`] has handed out.
    popped: usize,
    /// One bit per `slot % TOUCHED_FILTER_BITS` of the slots reached: the
    /// common terms' long posting lists are checked against it, which
    /// spares a random read of every posting.
    filter: Vec<u64>,
}

impl Touched {
    fn new() -> Self {
        Touched { scores: Vec::new(), slots: Vec::new(), popped: 0, filter: vec![0; TOUCHED_FILTER_BITS / 64] }
    }

    fn grow(&mut self, members: usize) {
        if self.scores.len() < members {
            self.scores.resize(members, 0.0);
        }
    }

    /// Adds `contribution` to the member in `slot`, reaching it now if it
    /// was not yet, unless the posting is stale.
    fn add(&mut self, slots: &[Slot], slot: u32, generation: u32, contribution: f32) {
        if !slots[slot as usize].holds(generation) {
            return;
        }
        let score = &mut self.scores[slot as usize];
        if *score == 0.0 {
            self.slots.push(slot);
            self.filter[slot as usize % TOUCHED_FILTER_BITS / 64] |= 1 << (slot % 64);
        }
        *score += contribution;
    }

    /// Whether `slot` may have been reached (false: surely not).
    fn may_hold(&self, slot: u32) -> bool {
        self.filter[slot as usize % TOUCHED_FILTER_BITS / 64] & (1 << (slot % 64)) != 0
    }

    /// Adds `contribution` to the member in `slot` only if it was reached.
    fn add_if_held(&mut self, slots: &[Slot], slot: u32, generation: u32, contribution: f32) {
        let score = &mut self.scores[slot as usize];
        if *score != 0.0 && slots[slot as usize].generation == generation {
            *score += contribution;
        }
    }

    /// The next member reached, in the order reached, and its cosine,
    /// forgetting it; `None` once all are handed out (and forgotten).
    fn pop(&mut self) -> Option<(u32, f32)> {
        let Some(&slot) = self.slots.get(self.popped) else {
            self.slots.clear();
            self.popped = 0;
            return None;
        };
        self.popped += 1;
        self.filter[slot as usize % TOUCHED_FILTER_BITS / 64] = 0;
        Some((slot, std::mem::take(&mut self.scores[slot as usize])))
    }
}

/// Every member slot's closest articles in other stories (best first, at
/// most `keep`) and its density, in flat arrays: updating a neighbour's
/// list is then one cache miss rather than two (its member record, then
/// the list's own allocation), and that miss was a twelfth of the work per
/// article in `parallax bench cluster`.
struct NeighbourLists {
    keep: usize,
    /// `keep` places per member slot.
    links: Vec<Link>,
    lens: Vec<u8>,
    /// Mean of the member's `density_neighbours` closest cosines outside
    /// its story.
    densities: Vec<f32>,
}

impl NeighbourLists {
    fn new(keep: usize) -> Self {
        NeighbourLists { keep, links: Vec::new(), lens: Vec::new(), densities: Vec::new() }
    }

    /// Makes room for `slots` member slots.
    fn grow(&mut self, slots: usize) {
        let empty = Link { cosine: 0.0, slot: 0, generation: 0 };
        self.links.resize(slots * self.keep, empty);
        self.lens.resize(slots, 0);
        self.densities.resize(slots, 0.0);
    }

    fn links(&self, slot: u32) -> &[Link] {
        let start = slot as usize * self.keep;
        &self.links[start..start + self.lens[slot as usize] as usize]
    }

    fn links_mut(&mut self, slot: u32) -> &mut [Link] {
        let start = slot as usize * self.keep;
        &mut self.links[start..start + self.lens[slot as usize] as usize]
    }

    /// A new member's list (already best first and capped), density 0.
    fn set(&mut self, slot: u32, links: &[Link]) {
        let start = slot as usize * self.keep;
        let len = links.len().min(self.keep);
        self.links[start..start + len].copy_from_slice(&links[..len]);
        self.lens[slot as usize] = len as u8;
        self.densities[slot as usize] = 0.0;
    }

    /// Inserts `link` in order if it is among the `keep` closest.
    fn push(&mut self, slot: u32, link: Link) {
        let start = slot as usize * self.keep;
        let len = self.lens[slot as usize] as usize;
        let list = &mut self.links[start..start + self.keep];
        if len == self.keep && list[len - 1].cosine >= link.cosine {
            return;
        }
        let at = list[..len].partition_point(|l| l.cosine >= link.cosine);
        let end = (len + 1).min(self.keep);
        list.copy_within(at..end - 1, at + 1);
        list[at] = link;
        self.lens[slot as usize] = end as u8;
    }

    /// Hints that `slot`'s list will be read soon.
    fn prefetch(&self, slot: u32) {
        let start = slot as usize * self.keep;
        crate::prefetch::slice(&self.links[start..start + self.keep]);
    }

    fn density(&self, slot: u32) -> f32 {
        self.densities[slot as usize]
    }

    fn set_density(&mut self, slot: u32, density: f32) {
        self.densities[slot as usize] = density;
    }
}

/// Inserts `link` into the best-first `links` capped at `keep`; says
/// whether it went in.
fn push_link(links: &mut Vec<Link>, link: Link, keep: usize) -> bool {
    if links.len() >= keep && links[keep - 1].cosine >= link.cosine {
        return false;
    }
    let at = links.partition_point(|l| l.cosine >= link.cosine);
    links.insert(at, link);
    links.truncate(keep);
    true
}

/// Chunk-mates found through rare terms whose cosine is completed with the
/// common terms, per neighbour kept: the rare terms' share ranks them well
/// enough (4 gave the same F1 on NeuS in one batch, at 0.9 times the speed).
const EXACT_CANDIDATES_PER_NEIGHBOUR: usize = 2;

/// Size of the bit filter of touched slots: a few times the candidates an
/// article touches, small enough to stay in the L1 cache.
const TOUCHED_FILTER_BITS: usize = 8192;

/// The vocabulary is swept when it has doubled since the last sweep, and
/// not below this size: sweeps cost a pass over the vocabulary, so they
/// stay rare, and memory stays within twice what the window needs.
const VOCABULARY_SWEEP_MIN: usize = 1 << 16;

/// Highest document frequency of a term forgotten once unused. Should it
/// come back, it counts as new: its IDF is then off by at most `ln 4`, a
/// small error next to the IDF of so rare a term (about 11 after 200,000
/// articles), while terms any more common keep their counts.
const FORGETTABLE_DOCUMENT_FREQUENCY: u32 = 3;

/// A full posting list grows by `cap / POSTINGS_SLACK_DIVISOR` before its
/// oldest postings go, so trimming is amortised. 1 (lists between `cap`
/// and twice that): 4 kept lists shorter for no measurable speed and
/// scored 0.002 to 0.005 lower on shuffled NeuS.
const POSTINGS_SLACK_DIVISOR: usize = 1;

/// Look-ahead buffers sized for at most this many articles are kept from
/// one `add_batch` call to the next, so one-article calls do not allocate;
/// larger ones are dropped.
const BATCH_BUFFERS_KEPT: usize = 1024;

/// End of a list in `Batch::holders`.
const NO_HOLDER: u32 = u32::MAX;

/// Marks a [`Link`] to a chunk-mate not placed yet (member slots stay far
/// below 2^31).
const PENDING_BIT: u32 = 1 << 31;

/// Closest chunk-mates kept per chunk article: a few more than the 12
/// labelled neighbours an article keeps with the default
/// `density_neighbours`, since some will join the article's own story; 12
/// scored 0.002 lower on shuffled NeuS in one batch, 8 scored 0.001 to
/// 0.005 lower.
const BATCH_NEIGHBOURS: usize = 16;

/// Where a chunk-mate still to be placed is expected to go.
enum Prediction {
    /// With the article being placed, its closest.
    WithCurrent,
    /// Into this story slot, that of its closest article placed.
    Story(u32),
    /// Into a story of its own: nothing placed is close enough.
    Alone,
}

/// The chunk being placed, analysed ahead; flat arrays indexed by the
/// article's place in the chunk.
#[derive(Default)]
struct Batch {
    /// `(term, count, kind)` before weighting, per article.
    raw_terms: Vec<(u32, f32, TermKind)>,
    raw_offsets: Vec<u32>,
    /// Unit TF-IDF vectors with the chunk's document frequencies.
    terms: Vec<(u32, f32)>,
    term_offsets: Vec<u32>,
    sketches: Vec<u64>,
    sketch_offsets: Vec<u32>,
    /// Publication times, [`UNDATED`] where absent.
    published: Vec<i64>,
    /// Days of the week each article names.
    weekdays: Vec<u8>,
    /// Embeddings, empty for an article without one.
    embeddings: Vec<f32>,
    embedding_offsets: Vec<u32>,
    /// Each chunk article's closest chunk-mates, best first:
    /// `BATCH_NEIGHBOURS` places per article, the first `neighbour_lens`
    /// of them used.
    neighbours: Vec<(f32, u32)>,
    neighbour_lens: Vec<u8>,
    /// `(member slot, generation)` of each placed article.
    placed: Vec<(u32, u32)>,
    /// Per chunk article, the head of its list in `holders`.
    holder_heads: Vec<u32>,
    /// `(chunk index of a member linking to a pending article, next)`.
    holders: Vec<(u32, u32)>,
}

impl Batch {
    fn clear(&mut self) {
        self.raw_terms.clear();
        self.raw_offsets.clear();
        self.raw_offsets.push(0);
        self.terms.clear();
        self.term_offsets.clear();
        self.term_offsets.push(0);
        self.sketches.clear();
        self.sketch_offsets.clear();
        self.sketch_offsets.push(0);
        self.published.clear();
        self.weekdays.clear();
        self.embeddings.clear();
        self.embedding_offsets.clear();
        self.embedding_offsets.push(0);
        self.neighbours.clear();
        self.neighbour_lens.clear();
        self.placed.clear();
        self.holder_heads.clear();
        self.holders.clear();
    }
    fn len(&self) -> usize {
        self.placed.len()
    }
    fn vector(&self, index: usize) -> &[(u32, f32)] {
        &self.terms[self.term_offsets[index] as usize..self.term_offsets[index + 1] as usize]
    }
    fn embedding(&self, index: usize) -> &[f32] {
        &self.embeddings[self.embedding_offsets[index] as usize..self.embedding_offsets[index + 1] as usize]
    }
    fn sketch(&self, index: usize) -> &[u64] {
        &self.sketches[self.sketch_offsets[index] as usize..self.sketch_offsets[index + 1] as usize]
    }
    fn neighbour_range(&self, index: usize) -> (usize, usize) {
        match self.neighbour_lens.get(index) {
            Some(&len) => (index * BATCH_NEIGHBOURS, index * BATCH_NEIGHBOURS + len as usize),
            None => (0, 0),
        }
    }

    fn neighbours_of(&self, index: usize) -> &[(f32, u32)] {
        let (from, to) = self.neighbour_range(index);
        &self.neighbours[from..to]
    }

    /// Inserts `entry` among article `index`'s closest, if close enough.
    fn push_neighbour(&mut self, index: usize, entry: (f32, u32)) {
        let len = self.neighbour_lens[index] as usize;
        let list = &mut self.neighbours[index * BATCH_NEIGHBOURS..(index + 1) * BATCH_NEIGHBOURS];
        if len == BATCH_NEIGHBOURS && list[len - 1].0 >= entry.0 {
            return;
        }
        let at = list[..len].partition_point(|&(cosine, _)| cosine >= entry.0);
        let end = (len + 1).min(BATCH_NEIGHBOURS);
        list.copy_within(at..end - 1, at + 1);
        list[at] = entry;
        self.neighbour_lens[index] = end as u8;
    }
}

/// The lexical cosine with the embedding cosine blended in at `weight`,
/// where both articles carry an embedding of the same length.
fn blend(weight: f32, lexical: f32, a: &[f32], b: &[f32]) -> f32 {
    if a.is_empty() || a.len() != b.len() {
        return lexical;
    }
    (1.0 - weight) * lexical + weight * dense_dot(a, b)
}

/// `idf^power`, with the default square root and plain IDF computed
/// directly: `powf` was 1.5% of the work per article.
fn damp_idf(idf: f32, power: f32) -> f32 {
    let idf = idf.max(0.0);
    if power == 0.5 {
        idf.sqrt()
    } else if power == 1.0 {
        idf
    } else {
        idf.powf(power)
    }
}

/// How much of a similarity is left between two texts naming the days of
/// the week `a` and `b`: all of it unless both name days and none in
/// common, then `conflict`.
fn weekday_factor(conflict: f32, a: u8, b: u8) -> f32 {
    if a != 0 && b != 0 && a & b == 0 { conflict } else { 1.0 }
}

fn intern_outlet(outlets: &mut FxHashMap<Box<str>, u32>, name: &str) -> u32 {
    if let Some(&id) = outlets.get(name) {
        return id;
    }
    let id = outlets.len() as u32;
    outlets.insert(name.into(), id);
    id
}

fn two_mut<T>(items: &mut [T], a: usize, b: usize) -> (&mut T, &mut T) {
    if a < b {
        let (left, right) = items.split_at_mut(b);
        (&mut left[a], &mut right[0])
    } else {
        let (left, right) = items.split_at_mut(a);
        (&mut right[0], &mut left[b])
    }
}
