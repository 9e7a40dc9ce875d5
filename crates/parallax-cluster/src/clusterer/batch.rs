//! The chunk being placed, read ahead: every article analysed and weighed
//! with the chunk's document frequencies before any is placed, each
//! article's closest chunk-mates found, and where those not placed yet
//! will likely go, so they count in the crowding figures already.

use super::neighbours::PENDING_BIT;
use super::scoring::{Profile, blend, lexical_similarity, specific_dot, weekday_factor};
use super::window::FREE;
use super::{ArticleInput, Clusterer, UNDATED};
use crate::text::TermKind;
use crate::vector::norm;

/// Chunk-mates found through rare terms whose cosine is completed with the
/// common terms, per neighbour kept: the rare terms' share ranks them well
/// enough (4 gave the same F1 on NeuS in one batch, at 0.9 times the speed).
const EXACT_CANDIDATES_PER_NEIGHBOUR: usize = 2;

/// Look-ahead buffers sized for at most this many articles are kept from
/// one `add_batch` call to the next, so one-article calls do not allocate;
/// larger ones are dropped.
pub(super) const BATCH_BUFFERS_KEPT: usize = 1024;

/// End of a list in `Batch::holders`.
pub(super) const NO_HOLDER: u32 = u32::MAX;

/// Closest chunk-mates kept per chunk article: a few more than the 12
/// labelled neighbours an article keeps with the default
/// `density_neighbours`, since some will join the article's own story; 12
/// scored 0.002 lower on shuffled NeuS in one batch, 8 scored 0.001 to
/// 0.005 lower.
const BATCH_NEIGHBOURS: usize = 16;

/// Where a chunk-mate still to be placed is expected to go.
pub(super) enum Prediction {
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
pub(super) struct Batch {
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
    /// What each article's pairs are judged by besides the cosine.
    pub profiles: Vec<Profile>,
    /// Embeddings, empty for an article without one.
    embeddings: Vec<f32>,
    embedding_offsets: Vec<u32>,
    /// Each embedding's expected cosine to an unrelated window article
    /// when the chunk came (see `Window::embedding_baseline`); `None`
    /// without an embedding or while the window knows too few.
    pub embedding_baselines: Vec<Option<f32>>,
    /// Each chunk article's closest chunk-mates, best first:
    /// `BATCH_NEIGHBOURS` places per article, the first `neighbour_lens`
    /// of them used.
    pub neighbours: Vec<(f32, u32)>,
    neighbour_lens: Vec<u8>,
    /// `(member slot, generation)` of each placed article.
    pub placed: Vec<(u32, u32)>,
    /// Per chunk article, the head of its list in `holders`.
    pub holder_heads: Vec<u32>,
    /// `(chunk index of a member linking to a pending article, next)`.
    pub holders: Vec<(u32, u32)>,
}

impl Batch {
    pub fn clear(&mut self) {
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
        self.profiles.clear();
        self.embeddings.clear();
        self.embedding_offsets.clear();
        self.embedding_offsets.push(0);
        self.embedding_baselines.clear();
        self.neighbours.clear();
        self.neighbour_lens.clear();
        self.placed.clear();
        self.holder_heads.clear();
        self.holders.clear();
    }
    pub fn len(&self) -> usize {
        self.placed.len()
    }
    pub fn vector(&self, index: usize) -> &[(u32, f32)] {
        &self.terms[self.term_offsets[index] as usize..self.term_offsets[index + 1] as usize]
    }
    pub fn embedding(&self, index: usize) -> &[f32] {
        &self.embeddings[self.embedding_offsets[index] as usize..self.embedding_offsets[index + 1] as usize]
    }
    pub fn sketch(&self, index: usize) -> &[u64] {
        &self.sketches[self.sketch_offsets[index] as usize..self.sketch_offsets[index + 1] as usize]
    }
    pub fn neighbour_range(&self, index: usize) -> (usize, usize) {
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

/// The chunk's own inverted index, laid out by term, and each article's
/// terms common in the chunk under small dense ids, so their share of a
/// cosine is a few lookups.
struct ChunkIndex {
    /// Per term, where its postings start in `postings` (one past the
    /// last term: the end).
    starts: Vec<u32>,
    /// `(chunk index, weight)`, grouped by term, in chunk order.
    postings: Vec<(u32, f32)>,
    /// Common terms in the chunk.
    common_terms: u32,
    /// `(common id, weight)` per article.
    common_entries: Vec<(u32, f32)>,
    common_offsets: Vec<u32>,
}

impl ChunkIndex {
    fn new(batch: &Batch, vocabulary: usize, cap: usize) -> Self {
        let n = batch.len();
        let mut starts = vec![0u32; vocabulary + 1];
        for &(term, _) in &batch.terms {
            starts[term as usize + 1] += 1;
        }
        for term in 1..starts.len() {
            starts[term] += starts[term - 1];
        }
        let mut postings = vec![(0u32, 0f32); batch.terms.len()];
        let mut cursor = starts.clone();
        for index in 0..n {
            for &(term, weight) in batch.vector(index) {
                postings[cursor[term as usize] as usize] = (index as u32, weight);
                cursor[term as usize] += 1;
            }
        }
        let mut common_ids = cursor;
        common_ids.fill(u32::MAX);
        let mut common_terms = 0u32;
        let mut common_entries: Vec<(u32, f32)> = Vec::new();
        let mut common_offsets: Vec<u32> = Vec::with_capacity(n + 1);
        common_offsets.push(0);
        for index in 0..n {
            for &(term, weight) in batch.vector(index) {
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
        ChunkIndex { starts, postings, common_terms, common_entries, common_offsets }
    }

    fn list(&self, term: u32) -> &[(u32, f32)] {
        &self.postings[self.starts[term as usize] as usize..self.starts[term as usize + 1] as usize]
    }

    fn common(&self, index: usize) -> &[(u32, f32)] {
        &self.common_entries[self.common_offsets[index] as usize..self.common_offsets[index + 1] as usize]
    }
}

impl Clusterer {
    /// Analyses the chunk, counts its document frequencies, weighs its
    /// vectors and finds each article's closest chunk-mates.
    pub(super) fn prepare(&mut self, chunk: &[ArticleInput]) {
        self.batch.clear();
        for article in chunk {
            self.analyzer.analyze(
                article.title,
                article.text,
                article.language,
                self.config.title_weight,
                self.config.copy_sketch_size,
                &mut self.analysis,
            );
            for &(term, _, kind) in &self.analysis.terms {
                self.window.count_term(term, kind);
            }
            let batch = &mut self.batch;
            batch.raw_terms.extend_from_slice(&self.analysis.terms);
            batch.raw_offsets.push(batch.raw_terms.len() as u32);
            batch.sketches.extend_from_slice(&self.analysis.sketch);
            batch.sketch_offsets.push(batch.sketches.len() as u32);
            batch.published.push(article.published.unwrap_or(UNDATED));
            batch.profiles.push(Profile {
                weekdays: self.analysis.weekdays,
                language: self.analysis.language,
                specific: 0,
            });
            let embedding = article.embedding.unwrap_or_default();
            // Like the document frequencies, the mean counts the whole
            // chunk before any of it is placed.
            self.window.learn_embedding(self.analysis.language, embedding);
            batch.embeddings.extend_from_slice(embedding);
            batch.embedding_offsets.push(batch.embeddings.len() as u32);
        }
        for index in 0..chunk.len() {
            let language = self.batch.profiles[index].language;
            let per_language = !self.config.embedding_across_languages;
            let baseline = self.window.embedding_baseline(language, self.batch.embedding(index), per_language);
            self.batch.embedding_baselines.push(baseline);
        }
        self.window.documents += chunk.len() as u64;
        self.weigh_chunk(chunk.len());
        self.batch.placed.resize(chunk.len(), (FREE, 0));
        self.batch.holder_heads.resize(chunk.len(), NO_HOLDER);
        if chunk.len() > 1 {
            self.find_batch_neighbours();
        }
    }

    /// Turns the chunk's raw term counts into unit TF-IDF vectors.
    fn weigh_chunk(&mut self, articles: usize) {
        let batch = &mut self.batch;
        let documents = self.window.documents as f32;
        let mut start = 0;
        for index in 0..articles {
            let end = batch.raw_offsets[index + 1] as usize;
            let first = batch.terms.len();
            for &(term, count, kind) in &batch.raw_terms[start..end] {
                // Learned online; a term in every article weighs nothing.
                let idf = ((documents + 1.0) / self.window.document_frequency[term as usize] as f32).ln();
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
            let specific = &self.window.specific;
            let specific_norm =
                vector.iter().filter(|&&(term, _)| specific[term as usize]).map(|&(_, w)| w * w).sum::<f32>().sqrt();
            batch.profiles[index].specific = Profile::quantize(specific_norm);
            batch.term_offsets.push(batch.terms.len() as u32);
            start = end;
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
        let index = ChunkIndex::new(&self.batch, self.window.document_frequency.len(), cap);
        let mut dense = vec![0f32; index.common_terms as usize];
        let mut partial = vec![0f32; n];
        let mut touched: Vec<(f32, u32)> = Vec::new();
        let mut touched_indices: Vec<u32> = Vec::new();
        self.batch.neighbours.resize(n * keep, (0.0, 0));
        self.batch.neighbour_lens.resize(n, 0);
        let exact = EXACT_CANDIDATES_PER_NEIGHBOUR * keep;
        for article in 0..n {
            // Each pair is scored once, from its earlier article: terms rare
            // in the chunk find the candidates and score them exactly over
            // those terms; the best then add the common terms' share.
            for &(term, weight) in self.batch.vector(article) {
                let list = index.list(term);
                if list.len() > cap {
                    continue;
                }
                let later = list.partition_point(|&(other, _)| other as usize <= article);
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
            let mine = index.common(article);
            for &(id, weight) in mine {
                dense[id as usize] = weight;
            }
            for &(rare, other) in &touched {
                let common: f32 =
                    index.common(other as usize).iter().map(|&(id, weight)| dense[id as usize] * weight).sum();
                self.link_chunk_mates(article, other as usize, rare + common);
            }
            for &(id, _) in mine {
                dense[id as usize] = 0.0;
            }
        }
    }

    /// Records chunk articles `index` and `other` (later) as each other's
    /// neighbours, at their `lexical` cosine with the embeddings, time and
    /// days of the week counted in.
    fn link_chunk_mates(&mut self, index: usize, other: usize, lexical: f32) {
        let published = self.batch.published[index];
        // Chunk-mates never in one window are no neighbours; closer ones
        // fade with time as candidate stories do.
        let other_published = self.batch.published[other];
        if published != UNDATED
            && other_published != UNDATED
            && published.abs_diff(other_published) > self.config.window_secs.unsigned_abs()
        {
            return;
        }
        let (a, b) = (self.batch.profiles[index], self.batch.profiles[other]);
        let specific = specific_dot(self.batch.vector(index), self.batch.vector(other), &self.window.specific);
        let lexical = lexical_similarity(&self.config, lexical, specific, a, b);
        let batch = &self.batch;
        let similarity = match (batch.embedding_baselines[index], batch.embedding_baselines[other]) {
            (Some(mine), Some(theirs)) => blend(
                &self.config,
                lexical,
                (batch.embedding(index), batch.embedding(other)),
                (a.language, b.language),
                (mine, theirs),
            ),
            _ => lexical,
        };
        let cosine = similarity
            * self.time_decay(published, other_published)
            * weekday_factor(self.config.weekday_conflict, a.weekdays, b.weekdays);
        self.batch.push_neighbour(index, (cosine, other as u32));
        self.batch.push_neighbour(other, (cosine, index as u32));
    }

    /// Where a chunk article not placed yet will likely go, seen from the
    /// placing of chunk article `current`: with its closest placed article
    /// (or `current` itself) if that is close enough.
    pub(super) fn predicted(&self, pending: usize, current: usize) -> Prediction {
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
                let state = self.window.slots[slot as usize];
                if state.holds(generation) {
                    return Prediction::Story(state.story);
                }
            }
        }
        Prediction::Alone
    }

    /// Adds the chunk articles still to be placed to `closest`, labelled
    /// with the story they will likely join.
    pub(super) fn add_pending(&mut self, index: usize) {
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
            let closest = &mut self.work.closest;
            let at = closest.partition_point(|&(s, _)| s >= cosine);
            if at < keep {
                closest.insert(at, (cosine, label));
                closest.truncate(keep);
            }
        }
    }

    /// Rewrites links to chunk articles as links to the members they became.
    pub(super) fn resolve_pending_links(&mut self) {
        // A chunk of one has no chunk-mates, so no pending links.
        if self.batch.len() <= 1 {
            return;
        }
        for index in 0..self.batch.len() {
            let (slot, generation) = self.batch.placed[index];
            if slot == FREE || self.window.slots[slot as usize].generation != generation {
                continue;
            }
            for link in self.window.neighbours.links_mut(slot) {
                if link.slot & PENDING_BIT != 0 {
                    let (target, target_generation) = self.batch.placed[(link.slot & !PENDING_BIT) as usize];
                    link.slot = target;
                    link.generation = target_generation;
                }
            }
            self.refresh_density(slot);
        }
    }
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
