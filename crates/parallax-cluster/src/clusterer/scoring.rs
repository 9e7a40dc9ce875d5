//! Scoring the article being placed: its cosine to every window article it
//! shares a rare term with (through the inverted index), the copy it may
//! be, and the candidate stories with their density-adjusted similarity.

use super::Clusterer;
use crate::config::ClusterConfig;
use crate::text::sketch_similarity;
use crate::vector::dense_dot;

/// A candidate story and the article's density-adjusted similarity to it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub slot: u32,
    pub adjusted: f32,
}

/// Cosine between an article and a member below which the shingle sketches
/// are not compared: near-duplicates (Jaccard >= 0.5) share most of their
/// vocabulary, so they always clear it.
const COPY_MIN_COSINE: f32 = 0.5;

impl Clusterer {
    /// Cosine of the article to every active article sharing a rare term
    /// with it, through the inverted index, into `touched_members` (those
    /// of at least `min_member_cosine`); the best of them, labelled with
    /// their story, into `closest`.
    pub(super) fn score_members(&mut self) {
        self.work.touched.grow(self.window.members.len());
        self.read_postings();
        self.rank_touched();
    }

    /// Adds the article's share of a cosine to every member its terms
    /// reach, into `touched`.
    fn read_postings(&mut self) {
        // Rare terms find the candidates; terms common enough to fill their
        // posting list add to candidates already found, and only the
        // heaviest of them find more, among their latest postings, so an
        // article does not touch every article that says "government".
        let cap = self.config.max_postings_per_term;
        let lightest = self.select_common_terms();
        let (window, work) = (&self.window, &mut self.work);
        // Every list read below (and the tails of the others, which the
        // article's postings join) is asked for at once, so the waits for
        // memory overlap.
        for &(term, weight) in &work.vector {
            let list = &window.postings[term as usize];
            if list.len() < cap || weight >= lightest {
                list.prefetch(0..list.len());
            } else {
                // Read only to append the article's posting.
                list.prefetch(list.len() - 1..list.len());
            }
        }
        for &(term, weight) in &work.vector {
            let list = &window.postings[term as usize];
            if list.len() >= cap {
                continue;
            }
            let specific = f32::from(u8::from(window.specific[term as usize]));
            for (slot, generation, other) in list.iter() {
                work.touched.add(&window.slots, slot, generation, weight * other, specific);
            }
        }
        // The heaviest common terms are scanned through a bit filter of the
        // candidates found, which spares a random read of every posting;
        // their most recent postings find candidates too.
        let heaviest = work.common_weights.len().min(self.config.max_common_terms);
        let discovering = match self.config.discovering_common_terms {
            0 => f32::INFINITY,
            n => work.common_weights.get(n.min(heaviest).saturating_sub(1)).copied().unwrap_or(f32::INFINITY),
        };
        let recent_postings = self.config.discovery_postings;
        // First the discovering terms' latest postings, so that every
        // candidate is known before the add-only pass below.
        for &(term, weight) in &work.vector {
            let list = &window.postings[term as usize];
            if list.len() < cap || weight < discovering {
                continue;
            }
            let specific = f32::from(u8::from(window.specific[term as usize]));
            for (slot, generation, other) in list.range(list.len().saturating_sub(recent_postings)..list.len()) {
                work.touched.add(&window.slots, slot, generation, weight * other, specific);
            }
        }
        for &(term, weight) in &work.vector {
            let list = &window.postings[term as usize];
            if list.len() < cap || weight < lightest {
                continue;
            }
            let scanned = if weight >= discovering { list.len().saturating_sub(recent_postings) } else { list.len() };
            let specific = f32::from(u8::from(window.specific[term as usize]));
            for (slot, generation, other) in list.range(0..scanned) {
                if work.touched.may_hold(slot) {
                    work.touched.add_if_held(&window.slots, slot, generation, weight * other, specific);
                }
            }
        }
    }

    /// Turns the touched members' cosines into similarities (embedding and
    /// days of the week counted in), keeps those of at least
    /// `min_member_cosine` in `touched_members` and the closest in
    /// `closest`.
    fn rank_touched(&mut self) {
        let (window, work) = (&self.window, &mut self.work);
        work.touched_members.clear();
        work.closest.clear();
        let keep = window.neighbours.keep;
        while let Some((slot, [cosine, specific])) = work.touched.pop() {
            let profile = window.slots[slot as usize].profile;
            let lexical = lexical_similarity(&self.config, cosine, specific, work.profile, profile);
            // Members are read only when the article has an embedding: the
            // slots alone serve the default build.
            let similarity = if work.embedding.is_empty() {
                lexical
            } else {
                let member = &window.members[slot as usize];
                let languages = (work.profile.language, profile.language);
                let baselines = (work.embedding_baseline, member.embedding_baseline);
                blend(&self.config, lexical, (&work.embedding, &member.embedding), languages, baselines)
            };
            let score =
                similarity * weekday_factor(self.config.weekday_conflict, work.profile.weekdays, profile.weekdays);
            // Faint cosines barely move a story's mean and never reach the
            // neighbour lists; dropping them spares most of the work below.
            if score < self.config.min_member_cosine {
                continue;
            }
            work.touched_members.push((slot, score));
            if score > window.slots[slot as usize].neighbour_floor {
                // It will likely take the article among its neighbours.
                window.neighbours.prefetch(slot);
            }
            keep_closest(&mut work.closest, keep, score, window.slots[slot as usize].story);
        }
    }

    /// Puts the weights of the article's common terms (those filling their
    /// posting lists) in `common_weights`, the `max_common_terms` heaviest
    /// first and sorted, and returns the lightest weight scanned.
    fn select_common_terms(&mut self) -> f32 {
        let cap = self.config.max_postings_per_term;
        let postings = &self.window.postings;
        let common_weights = &mut self.work.common_weights;
        common_weights.clear();
        common_weights.extend(
            self.work.vector.iter().filter(|&&(term, _)| postings[term as usize].len() >= cap).map(|&(_, w)| w),
        );
        let limit = self.config.max_common_terms;
        let lightest = if common_weights.len() > limit {
            *common_weights.select_nth_unstable_by(limit - 1, |a, b| b.total_cmp(a)).1
        } else {
            0.0
        };
        let heaviest = common_weights.len().min(limit);
        common_weights[..heaviest].sort_unstable_by(|a, b| b.total_cmp(a));
        lightest
    }

    /// The closest near-duplicate from another outlet, if any.
    pub(super) fn find_copy(&self, index: usize, outlet: Option<u32>) -> Option<u32> {
        let sketch = self.batch.sketch(index);
        let mut best: Option<(u32, f32)> = None;
        for &(slot, score) in &self.work.touched_members {
            if score < COPY_MIN_COSINE {
                continue;
            }
            let member = &self.window.members[slot as usize];
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

    /// Scores every story holding a touched article into `candidates`,
    /// best first.
    ///
    /// Similarity blends the mean cosine to the story's members with the
    /// best one. From it goes the crowding of both neighbourhoods (the
    /// article's and the story members' mean cosine to their closest
    /// articles in other stories): in a crowded topic, an article must be
    /// much closer to a story than to its neighbours to be the same event.
    /// A dated article's similarity fades with its distance in time from
    /// the story's last update (see `ClusterConfig::time_decay_half_life_secs`).
    pub(super) fn score_stories(&mut self, published: Option<i64>) {
        let work = &mut self.work;
        if work.story_scores.len() < self.window.stories.len() {
            work.story_scores.resize(self.window.stories.len(), (0.0, 0.0));
        }
        for &(slot, score) in &work.touched_members {
            let story = self.window.slots[slot as usize].story;
            let entry = &mut work.story_scores[story as usize];
            if entry.0 == 0.0 {
                work.touched_stories.push(story);
            }
            entry.0 += score;
            entry.1 = entry.1.max(score);
        }
        work.candidates.clear();
        let linkage = self.config.member_linkage;
        let alpha = self.config.density_weight;
        let touched = std::mem::take(&mut self.work.touched_stories);
        let mut candidates = std::mem::take(&mut self.work.candidates);
        for &slot in &touched {
            let (sum, closest) = std::mem::take(&mut self.work.story_scores[slot as usize]);
            let story = &self.window.stories[slot as usize];
            let average = sum / story.members.len().max(1) as f32;
            let mut similarity = (1.0 - linkage) * average + linkage * closest;
            let decay = published.map_or(1.0, |time| self.time_decay(time, story.latest_dated));
            similarity *= decay;
            if similarity < self.config.min_similarity {
                continue;
            }
            let crowding = 0.5 * (self.density_outside(Some(slot)) + story.mean_density());
            let adjusted = similarity - alpha * crowding;
            candidates.push(Candidate { slot, adjusted });
        }
        candidates.sort_unstable_by(|a, b| b.adjusted.total_cmp(&a.adjusted).then(a.slot.cmp(&b.slot)));
        self.work.candidates = candidates;
        self.work.touched_stories = touched;
        self.work.touched_stories.clear();
    }
}

/// Inserts `(score, story)` into `closest`, best first, if it is among the
/// `keep` best.
fn keep_closest(closest: &mut Vec<(f32, u32)>, keep: usize, score: f32, story: u32) {
    if closest.len() >= keep && closest[keep - 1].0 >= score {
        return;
    }
    let at = closest.partition_point(|&(s, _)| s >= score);
    if at < keep {
        closest.insert(at, (score, story));
        closest.truncate(keep);
    }
}

/// What a pair of articles is judged by besides its cosine, small enough
/// to sit beside each member's story in its hot slot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Profile {
    /// Days of the week the text names (see `Analysis::weekdays`).
    pub weekdays: u8,
    /// Its language id (`text::LangId`): words of two languages never
    /// match, so a pair across languages is judged on names and numbers.
    pub language: u8,
    /// The length of the names and numbers part of its unit vector, in
    /// 255ths.
    pub specific: u8,
}

impl Profile {
    pub fn quantize(norm: f32) -> u8 {
        (norm.clamp(0.0, 1.0) * 255.0).round() as u8
    }

    fn specific_norm(self) -> f32 {
        self.specific as f32 / 255.0
    }
}

/// The similarity of two articles from their words: the `cosine` of their
/// vectors, of which `specific` came from names and numbers. Across
/// languages only names and numbers can match, so the cosine of those
/// parts alone stands in, scaled by `cross_language_weight`.
pub(super) fn lexical_similarity(config: &ClusterConfig, cosine: f32, specific: f32, a: Profile, b: Profile) -> f32 {
    if a.language == b.language {
        let (na, nb) = (a.specific_norm(), b.specific_norm());
        if config.specific_conflict < 1.0
            && na >= config.specific_min_norm
            && nb >= config.specific_min_norm
            && specific < config.specific_min_share * na * nb
        {
            return cosine * config.specific_conflict;
        }
        return cosine;
    }
    // Two texts whose names and numbers are a sliver of their words (one
    // common name each) agree on them by chance: the floor keeps their
    // cosine from standing in for the whole.
    let floor = config.specific_min_norm;
    let norms = a.specific_norm().max(floor) * b.specific_norm().max(floor);
    config.cross_language_weight * (specific / norms).min(1.0)
}

/// The dot product of two term-sorted vectors over the terms `specific`
/// marks.
pub(super) fn specific_dot(a: &[(u32, f32)], b: &[(u32, f32)], specific: &[bool]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        let (ta, wa) = a[i];
        let (tb, wb) = b[j];
        if ta == tb {
            if specific[ta as usize] {
                sum += wa * wb;
            }
            i += 1;
            j += 1;
        } else if ta < tb {
            i += 1;
        } else {
            j += 1;
        }
    }
    sum
}

/// The word similarity `lexical` of two articles with the model's
/// calibrated cosine blended in at `embedding_weight`, where both carry an
/// embedding of one length and the model may judge their languages
/// (`embedding_across_languages`, or one language), each embedding with its
/// baseline (see `Window::embedding_baseline`).
pub(super) fn blend(
    config: &ClusterConfig,
    lexical: f32,
    (a, b): (&[f32], &[f32]),
    languages: (u8, u8),
    baselines: (f32, f32),
) -> f32 {
    let judged = config.embedding_across_languages || languages.0 == languages.1;
    if a.is_empty() || a.len() != b.len() || !judged {
        return lexical;
    }
    let dense = calibrate(dense_dot(a, b), 0.5 * (baselines.0 + baselines.1));
    (1.0 - config.embedding_weight) * lexical + config.embedding_weight * dense
}

/// The model's cosine `dense` measured from `baseline`, its cosine to an
/// unrelated article: a model's cosines between unrelated texts sit
/// anywhere from about 0.1 (all-MiniLM-L6-v2) to 0.75
/// (multilingual-e5-small), and only what lies above says "alike".
pub(super) fn calibrate(dense: f32, baseline: f32) -> f32 {
    let baseline = baseline.clamp(0.0, 0.95);
    (dense - baseline) / (1.0 - baseline)
}

/// How much of a similarity is left between two texts naming the days of
/// the week `a` and `b`: all of it unless both name days and none in
/// common, then `conflict`.
pub(super) fn weekday_factor(conflict: f32, a: u8, b: u8) -> f32 {
    if a != 0 && b != 0 && a & b == 0 { conflict } else { 1.0 }
}
