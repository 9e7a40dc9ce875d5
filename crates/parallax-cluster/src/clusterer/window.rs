//! What the clusterer keeps from one article to the next: the window's
//! articles (hot fields in [`Slot`], the rest in [`Member`]), its stories,
//! the inverted index and the queues that age them out.

use super::UNDATED;
use super::neighbours::NeighbourLists;
use super::scoring::Profile;
use crate::config::ClusterConfig;
use crate::postings::PostingList;
use crate::text::TermKind;
use crate::vector::{SparseVec, dense_dot};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// The part of an active article read for each of its postings, kept in
/// its own small array: a new article meets thousands of them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    /// Bumped each time the slot is reused, so stale postings are spotted.
    pub generation: u32,
    /// Story slot, or [`FREE`].
    pub story: u32,
    /// The lowest cosine that still enters the member's `neighbours`.
    pub neighbour_floor: f32,
    /// What the article's pairs are judged by besides the cosine.
    pub profile: Profile,
}

/// Story of a slot holding no article.
pub(super) const FREE: u32 = u32::MAX;

impl Slot {
    /// Whether the slot still holds the article a posting or link made at
    /// `generation` points to.
    pub fn holds(&self, generation: u32) -> bool {
        self.story != FREE && self.generation == generation
    }
}

/// An article in the active window (its hot fields are in [`Slot`]).
pub(super) struct Member {
    pub key: u64,
    /// Its index in its story's `members`.
    pub position: u32,
    pub terms: u32,
    pub sketch: Vec<u64>,
    pub copy_of: Option<u64>,
    pub outlet: Option<u32>,
    /// Unit embedding, empty when the article came without one.
    pub embedding: Vec<f32>,
    /// Its embedding's cosine to the mean embedding when it came (see
    /// [`Window::embedding_baseline`]).
    pub embedding_baseline: f32,
}

pub(super) struct Story {
    pub id: u64,
    pub alive: bool,
    /// Order of creation: the older story survives a merge, and stale
    /// eviction entries are told apart by it.
    pub created: u64,
    /// Sum of the unit vectors of every member it ever had (heaviest terms
    /// kept): a long story's whole course, which merges compare.
    pub centroid: SparseVec,
    /// Members summed into `centroid`.
    pub summed: u32,
    /// Sum of the embeddings of every member that had one, and how many.
    pub embedding_sum: Vec<f32>,
    pub embedded: u32,
    /// Sum of those members' `embedding_baseline`s.
    pub embedding_baseline_sum: f32,
    /// Member slots: every article of the story still in the window.
    pub members: Vec<u32>,
    /// Sum of the members' densities.
    pub density_sum: f32,
    /// When it was last updated, by the clock (an undated article counts as
    /// published at the latest time seen): what ages it out of the window.
    pub last_seen: i64,
    /// The latest publication time of a dated member, or [`UNDATED`]: what
    /// the time decay measures from. An undated article says nothing about
    /// when its story happened.
    pub latest_dated: i64,
    /// Days of the week any member ever named.
    pub weekdays: u8,
    /// Languages of its members, one bit per language id.
    pub languages: u32,
    /// Its entries in [`Window::updates`] that are current: made at
    /// `queued_seen`, which is its `last_seen` until the next update moves
    /// it on and makes them stale.
    queued: u32,
    queued_seen: i64,
}

impl Story {
    pub fn mean_density(&self) -> f32 {
        self.density_sum / self.members.len().max(1) as f32
    }
}

/// How many of an article's closest articles are kept, labelled with their
/// story, to measure its crowding outside each candidate story: a few
/// times `density_neighbours`, so one big story cannot crowd out the rest.
/// 3 against 4: NeuS F1 within 0.001 in every order and batch mode, the
/// resampled stream split slightly less (1.74-1.76 stories per event
/// against 1.76-1.78), and `parallax bench cluster` 1.05 times as fast
/// (a quarter less to keep sorted and to read per member).
const LABELLED_NEIGHBOURS_PER_DENSITY_NEIGHBOUR: usize = 3;

/// The vocabulary is swept when it has doubled since the last sweep, and
/// not below this size: sweeps cost a pass over the vocabulary, so they
/// stay rare, and memory stays within twice what the window needs.
pub(super) const VOCABULARY_SWEEP_MIN: usize = 1 << 16;

/// Highest document frequency of a term forgotten once unused. Should it
/// come back, it counts as new: its IDF is then off by at most `ln 4`, a
/// small error next to the IDF of so rare a term (about 11 after 200,000
/// articles), while terms any more common keep their counts.
const FORGETTABLE_DOCUMENT_FREQUENCY: u32 = 3;

/// Articles the running mean embedding is taken over, about: enough that
/// one busy story does not move it, few enough that it follows the news.
const EMBEDDING_MEAN_HORIZON: u32 = 2_000;

/// Articles a running mean embedding must have counted before it serves
/// as a baseline: below it, one article weighs too much in its own.
const EMBEDDING_MEAN_MIN: u32 = 32;

/// A running mean of the latest embeddings (over about
/// [`EMBEDDING_MEAN_HORIZON`]).
#[derive(Default)]
struct RunningMean {
    mean: Vec<f32>,
    count: u32,
}

impl RunningMean {
    fn learn(&mut self, embedding: &[f32]) {
        if embedding.len() != self.mean.len() {
            // The first embedding, or another model's: start over.
            self.mean = embedding.to_vec();
            self.count = 1;
            return;
        }
        self.count = (self.count + 1).min(EMBEDDING_MEAN_HORIZON);
        let rate = 1.0 / self.count as f32;
        for (mean, value) in self.mean.iter_mut().zip(embedding) {
            *mean += rate * (value - *mean);
        }
    }

    /// The dot product of `embedding` with the mean, once the mean is
    /// worth it.
    fn dot(&self, embedding: &[f32]) -> Option<f32> {
        (self.count >= EMBEDDING_MEAN_MIN && embedding.len() == self.mean.len())
            .then(|| dense_dot(embedding, &self.mean))
    }
}

/// The window: every active article and story, the inverted index over
/// them, and the queues that age them out.
pub(super) struct Window {
    /// Articles containing each term, over every article seen.
    pub document_frequency: Vec<u32>,
    /// Whether each term is a name or a number: what survives translation.
    pub specific: Vec<bool>,
    pub documents: u64,
    pub slots: Vec<Slot>,
    pub members: Vec<Member>,
    /// Each member's closest articles in other stories and its density.
    pub neighbours: NeighbourLists,
    free_members: Vec<u32>,
    pub stories: Vec<Story>,
    free_stories: Vec<u32>,
    /// Term -> `(member slot, generation, weight)`, most recent last.
    pub postings: Vec<PostingList>,
    pub postings_len: usize,
    pub live_terms: usize,
    /// `(last update, story slot, story created)` in update order; entries
    /// made stale by later updates are skipped when popped.
    pub updates: VecDeque<(i64, u32, u64)>,
    /// Entries of `updates` made stale since it was last swept: with none,
    /// a sweep would keep every entry, and is skipped. Articles published
    /// in the same minute keep many entries current at once; sweeping
    /// anyway scanned the whole queue at every article, 43% of the story
    /// stage in `perf` over `parallax bench ingest`.
    stale_updates: usize,
    /// `(published, member slot, generation)` in insertion order: articles
    /// leave when older than the window, even from a story still updated.
    pub expiries: VecDeque<(i64, u32, u32)>,
    /// Stories alive.
    pub active: usize,
    /// Article key -> story id, for the window's articles (rewritten on
    /// merges).
    pub story_of_article: FxHashMap<u64, u64>,
    outlets: FxHashMap<Box<str>, u32>,
    /// The latest publication time seen, or [`UNDATED`].
    pub now: i64,
    /// Stories ever created.
    created: u64,
    /// The mean of the latest embeddings: what a random article of the
    /// window looks like to the model, in any language and per language id.
    embedding_mean: RunningMean,
    embedding_means_by_language: Vec<RunningMean>,
}

impl Window {
    pub fn new(config: &ClusterConfig) -> Self {
        let links_kept = LABELLED_NEIGHBOURS_PER_DENSITY_NEIGHBOUR * config.density_neighbours;
        Window {
            document_frequency: Vec::new(),
            specific: Vec::new(),
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
            stale_updates: 0,
            expiries: VecDeque::new(),
            active: 0,
            story_of_article: FxHashMap::default(),
            outlets: FxHashMap::default(),
            now: UNDATED,
            created: 0,
            embedding_mean: RunningMean::default(),
            embedding_means_by_language: Vec::new(),
        }
    }

    /// The expected cosine of `embedding` (of an article in `language`)
    /// to an unrelated article: its dot product with the mean of the
    /// window's articles, `per_language` in that language (or in any while
    /// it has too few); `None` while the window has too few. A model's
    /// cosines between unrelated texts sit anywhere from about 0.1
    /// (all-MiniLM-L6-v2 on English) to 0.75 (multilingual-e5-small): this
    /// is the zero the clusterer measures them from. A multilingual model
    /// maps every language into one space, so one mean serves; an English
    /// model finds any two texts of another language alike, so each
    /// language needs its own.
    pub fn embedding_baseline(&self, language: u8, embedding: &[f32], per_language: bool) -> Option<f32> {
        let own = match per_language {
            true => self.embedding_means_by_language.get(usize::from(language)).and_then(|mean| mean.dot(embedding)),
            false => None,
        };
        own.or_else(|| self.embedding_mean.dot(embedding))
    }

    /// Counts `embedding` (of an article in `language`) into the running
    /// means.
    pub fn learn_embedding(&mut self, language: u8, embedding: &[f32]) {
        if embedding.is_empty() {
            return;
        }
        self.embedding_mean.learn(embedding);
        let index = usize::from(language);
        if self.embedding_means_by_language.len() <= index {
            self.embedding_means_by_language.resize_with(index + 1, RunningMean::default);
        }
        self.embedding_means_by_language[index].learn(embedding);
    }

    /// A small number for an outlet's name.
    pub fn intern_outlet(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.outlets.get(name) {
            return id;
        }
        let id = self.outlets.len() as u32;
        self.outlets.insert(name.into(), id);
        id
    }

    /// Counts a term's occurrence in one more article, making room for it
    /// in the index if it is new.
    pub fn count_term(&mut self, term: u32, kind: TermKind) {
        let term_index = term as usize;
        if term_index >= self.document_frequency.len() {
            self.document_frequency.resize(term_index + 1, 0);
            self.specific.resize(term_index + 1, false);
            self.postings.resize_with(term_index + 1, PostingList::default);
        }
        self.document_frequency[term_index] += 1;
        // A forgotten id may come back as another kind of term.
        self.specific[term_index] = kind != TermKind::Word;
    }

    /// Forgets the rare terms no article in the window uses (most of any
    /// vocabulary: the names of one event, numbers, typos), so the
    /// vocabulary tracks the window rather than the whole stream; returns
    /// them for the analyzer to forget too.
    pub fn forgettable_terms(&mut self) -> Vec<u32> {
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
        forgotten
    }

    /// Moves the clock to `published` (if later) and returns the article's
    /// time: its own, or the latest seen for an undated article.
    pub fn advance_clock(&mut self, published: Option<i64>) -> i64 {
        let Some(published) = published else { return self.now };
        if self.now == UNDATED {
            // Articles before the first date are taken as published with it.
            for story in self.stories.iter_mut().filter(|s| s.alive && s.last_seen == UNDATED) {
                story.last_seen = published;
            }
            for update in self.updates.iter_mut() {
                update.0 = published;
            }
            self.recount_updates();
            for expiry in self.expiries.iter_mut() {
                expiry.0 = published;
            }
            self.now = published;
        }
        self.now = self.now.max(published);
        published
    }

    /// Retires the stories not updated within the window (and the least
    /// recently updated past `max_active_stories`), then the articles
    /// older than the window; sweeps stale queue entries and postings.
    pub fn evict(&mut self, config: &ClusterConfig) {
        let cutoff = if self.now == UNDATED { UNDATED } else { self.now.saturating_sub(config.window_secs) };
        while let Some(&(seen, slot, created)) = self.updates.front() {
            let over_cap = self.active > config.max_active_stories;
            if (seen >= cutoff || self.live_members() <= config.min_window_articles) && !over_cap {
                break;
            }
            self.updates.pop_front();
            let story = &mut self.stories[slot as usize];
            if story.alive && story.created == created && story.last_seen == seen {
                story.queued -= 1;
                self.retire_story(slot);
            } else {
                self.stale_updates -= 1;
            }
        }
        // A story that keeps going keeps only its recent articles.
        while let Some(&(time, slot, generation)) = self.expiries.front() {
            if time >= cutoff || self.live_members() <= config.min_window_articles {
                break;
            }
            self.expiries.pop_front();
            if self.slots[slot as usize].holds(generation) {
                self.retire_member(slot);
            }
        }
        self.sweep_stale_entries();
    }

    /// Keeps the queues and the index proportional to the window.
    fn sweep_stale_entries(&mut self) {
        // Each update leaves an entry; keep the queue proportional to the
        // active stories when nothing ages out (undated input).
        if self.updates.len() > 4 * self.active.max(1024) && self.stale_updates > 0 {
            let stories = &self.stories;
            let before = self.updates.len();
            self.updates.retain(|&(seen, slot, created)| {
                let story = &stories[slot as usize];
                story.alive && story.created == created && story.last_seen == seen
            });
            debug_assert_eq!(before - self.updates.len(), self.stale_updates, "stale update entries miscounted");
            self.stale_updates = 0;
        }
        if self.expiries.len() > 2 * self.live_members().max(1024) {
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

    /// Queues an eviction entry for the story in `slot` at its `last_seen`;
    /// its entries at an earlier time are stale from now on.
    pub fn queue_update(&mut self, slot: u32) {
        let story = &mut self.stories[slot as usize];
        if story.queued_seen != story.last_seen {
            self.stale_updates += story.queued as usize;
            story.queued = 0;
            story.queued_seen = story.last_seen;
        }
        story.queued += 1;
        self.updates.push_back((story.last_seen, slot, story.created));
    }

    /// Counts the current and stale entries of `updates` anew, after the
    /// clock rewrote their times.
    fn recount_updates(&mut self) {
        for story in &mut self.stories {
            story.queued = 0;
            story.queued_seen = story.last_seen;
        }
        self.stale_updates = 0;
        for &(seen, slot, created) in &self.updates {
            let story = &mut self.stories[slot as usize];
            if story.alive && story.created == created && story.last_seen == seen {
                story.queued += 1;
            } else {
                self.stale_updates += 1;
            }
        }
    }

    /// Articles in the window.
    fn live_members(&self) -> usize {
        self.members.len() - self.free_members.len()
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

    pub fn retire_story(&mut self, slot: u32) {
        let story = &mut self.stories[slot as usize];
        story.alive = false;
        self.stale_updates += story.queued as usize;
        story.queued = 0;
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

    /// A new story whose id is `key`, last updated at `time`.
    pub fn new_story(&mut self, key: u64, time: i64) -> u32 {
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
                    embedding_baseline_sum: 0.0,
                    members: Vec::new(),
                    density_sum: 0.0,
                    last_seen: 0,
                    latest_dated: UNDATED,
                    weekdays: 0,
                    languages: 0,
                    queued: 0,
                    queued_seen: UNDATED,
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
        story.embedding_baseline_sum = 0.0;
        story.last_seen = time;
        story.latest_dated = UNDATED;
        story.weekdays = 0;
        story.languages = 0;
        story.queued = 0;
        story.queued_seen = time;
        self.active += 1;
        slot
    }

    /// A member slot for a new article: a freed one, or a new one.
    pub fn allocate_member(&mut self) -> u32 {
        if let Some(slot) = self.free_members.pop() {
            return slot;
        }
        self.slots.push(Slot { generation: 0, story: FREE, neighbour_floor: 0.0, profile: Profile::default() });
        self.members.push(Member {
            key: 0,
            position: 0,
            terms: 0,
            sketch: Vec::new(),
            copy_of: None,
            outlet: None,
            embedding: Vec::new(),
            embedding_baseline: 0.0,
        });
        self.neighbours.grow(self.members.len());
        (self.members.len() - 1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::Window;
    use crate::{ArticleInput, ClusterConfig, Clusterer};

    /// The entries of `updates` counted one by one: as many stale ones as
    /// the window says, and each live story's current ones.
    fn check_update_counts(window: &Window) {
        let mut stale = 0;
        let mut current = vec![0u32; window.stories.len()];
        for &(seen, slot, created) in &window.updates {
            let story = &window.stories[slot as usize];
            if story.alive && story.created == created && story.last_seen == seen {
                current[slot as usize] += 1;
            } else {
                stale += 1;
            }
        }
        assert_eq!(stale, window.stale_updates, "stale entries");
        for (slot, story) in window.stories.iter().enumerate().filter(|(_, story)| story.alive) {
            assert_eq!(story.queued, current[slot], "current entries of story slot {slot}");
        }
    }

    #[test]
    fn stale_update_entries_are_counted_as_articles_of_one_minute_pour_in() {
        const WORDS: &[&str] = &[
            "minister",
            "election",
            "talks",
            "ceasefire",
            "court",
            "ruling",
            "storm",
            "prices",
            "strike",
            "summit",
            "vote",
            "hospital",
            "school",
            "market",
            "energy",
            "climate",
            "police",
            "senate",
            "workers",
            "deal",
        ];
        // Words picked by a multiplicative hash of (article, position): few
        // words, so stories grow, merge and go stale often.
        let word = |article: u64, position: u64| {
            let mixed = (article.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ position.wrapping_mul(0xbf58_476d_1ce4_e5b9))
                .rotate_left(29)
                .wrapping_mul(0x94d0_49bb_1331_11eb);
            WORDS[(mixed >> 40) as usize % WORDS.len()]
        };
        let texts: Vec<(String, String)> = (0..7000u64)
            .map(|article| {
                let words =
                    |from: u64, n: u64| (from..from + n).map(|p| word(article, p)).collect::<Vec<_>>().join(" ");
                (words(0, 8), words(8, 20))
            })
            .collect();
        // Undated first (the clock then rewrites the queue), then a burst
        // per minute, a few articles late.
        let inputs: Vec<ArticleInput<'_>> = texts
            .iter()
            .enumerate()
            .map(|(i, (title, text))| ArticleInput {
                key: i as u64,
                title,
                text,
                published: (i >= 50).then(|| 1_700_000_000 + 60 * (i as i64 / 700) - if i % 97 == 0 { 600 } else { 0 }),
                ..ArticleInput::default()
            })
            .collect();
        let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
        let mut shrank = false;
        for batch in inputs.chunks(100) {
            let queued = clusterer.window.updates.len();
            clusterer.add_batch(batch);
            shrank |= clusterer.window.updates.len() < queued;
            check_update_counts(&clusterer.window);
        }
        assert!(shrank, "the queue never shrank: the test does not reach the case it is for");
    }
}
