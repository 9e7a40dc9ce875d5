//! An article joining its story: its links to the articles it came close
//! to (and theirs to it), its member record, its postings, and the story's
//! sums.

use super::batch::{NO_HOLDER, Prediction};
use super::neighbours::{Link, PENDING_BIT, push_link};
use super::{ArticleInput, Clusterer};
use crate::vector::{add_into, keep_heaviest};

/// A full posting list grows by `cap / POSTINGS_SLACK_DIVISOR` before its
/// oldest postings go, so trimming is amortised. 1 (lists between `cap`
/// and twice that): 4 kept lists shorter for no measurable speed and
/// scored 0.002 to 0.005 lower on shuffled NeuS.
const POSTINGS_SLACK_DIVISOR: usize = 1;

impl Clusterer {
    /// Adds the analysed chunk article `index` to story `story_slot`: its
    /// postings, its neighbours (and theirs), the story's centroid and
    /// density. Returns its member slot.
    pub(super) fn insert_member(
        &mut self,
        index: usize,
        story_slot: u32,
        article: &ArticleInput,
        copy_of: Option<u64>,
        outlet: Option<u32>,
        time: i64,
    ) -> u32 {
        let key = article.key;
        let slot = self.window.allocate_member();
        let own_generation = self.window.slots[slot as usize].generation;
        self.learn_where_pending_went(index, slot, own_generation);
        let mut links = std::mem::take(&mut self.work.links);
        self.link_touched(story_slot, slot, own_generation, &mut links);
        self.link_pending_mates(index, story_slot, &mut links);
        let links_kept = self.links_kept();
        let state = &mut self.window.slots[slot as usize];
        state.story = story_slot;
        state.neighbour_floor = if links.len() == links_kept { links[links_kept - 1].cosine } else { 0.0 };
        state.profile = self.work.profile;
        let generation = state.generation;
        self.window.neighbours.set(slot, &links);
        self.work.links = links;
        let member = &mut self.window.members[slot as usize];
        member.key = key;
        member.terms = self.work.vector.len() as u32;
        member.sketch.clear();
        member.sketch.extend_from_slice(self.batch.sketch(index));
        member.copy_of = copy_of;
        member.outlet = outlet;
        member.embedding.clear();
        member.embedding.extend_from_slice(&self.work.embedding);
        member.embedding_baseline = self.work.embedding_baseline;
        self.post(slot, generation);
        self.add_to_story(story_slot, slot, generation, key, time, article.published.is_some());
        for other in std::mem::take(&mut self.work.pending_fix) {
            self.refresh_density(other);
        }
        self.refresh_density(slot);
        slot
    }

    /// Chunk-mates placed earlier may already count the article, as
    /// pending: they now learn where it went (and are listed in
    /// `pending_fix`).
    fn learn_where_pending_went(&mut self, index: usize, slot: u32, own_generation: u32) {
        self.work.pending_fix.clear();
        let mut holder = self.batch.holder_heads.get(index).copied().unwrap_or(NO_HOLDER);
        while holder != NO_HOLDER {
            let (holder_index, next) = self.batch.holders[holder as usize];
            holder = next;
            let (holder_slot, holder_generation) = self.batch.placed[holder_index as usize];
            if !self.window.slots[holder_slot as usize].holds(holder_generation) {
                continue;
            }
            let pending = PENDING_BIT | index as u32;
            if let Some(link) = self.window.neighbours.links_mut(holder_slot).iter_mut().find(|l| l.slot == pending) {
                link.slot = slot;
                link.generation = own_generation;
                self.work.pending_fix.push(holder_slot);
            }
        }
    }

    /// Links the article and every touched article of another story both
    /// ways (cosines within the story are not neighbours, so a big coherent
    /// story does not look crowded); `links` ends with the article's own
    /// closest, best first.
    fn link_touched(&mut self, story_slot: u32, slot: u32, own_generation: u32, links: &mut Vec<Link>) {
        let links_kept = self.links_kept();
        let touched = std::mem::take(&mut self.work.touched_members);
        links.clear();
        for &(other, score) in &touched {
            let state = self.window.slots[other as usize];
            if state.story == story_slot {
                continue;
            }
            links.push(Link { cosine: score, slot: other, generation: state.generation });
            if score <= state.neighbour_floor || self.work.pending_fix.contains(&other) {
                continue;
            }
            self.window.neighbours.push(other, Link { cosine: score, slot, generation: own_generation });
            if let Some(last) = self.window.neighbours.links(other).get(links_kept - 1) {
                self.window.slots[other as usize].neighbour_floor = last.cosine;
            }
            self.refresh_density(other);
        }
        self.work.touched_members = touched;
        // The article's own closest, chosen once rather than kept sorted
        // while hundreds of candidates go by.
        if links.len() > links_kept {
            links.select_nth_unstable_by(links_kept - 1, |a, b| b.cosine.total_cmp(&a.cosine));
            links.truncate(links_kept);
        }
        links.sort_unstable_by(|a, b| b.cosine.total_cmp(&a.cosine).then(a.slot.cmp(&b.slot)));
    }

    /// Chunk-mates still to come that will likely go elsewhere crowd the
    /// article already: pending links to them join `links`, and each is
    /// told who holds one.
    fn link_pending_mates(&mut self, index: usize, story_slot: u32, links: &mut Vec<Link>) {
        let links_kept = self.links_kept();
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
            if push_link(links, Link { cosine, slot: PENDING_BIT | other, generation: 0 }, links_kept) {
                let head = &mut self.batch.holder_heads[other as usize];
                self.batch.holders.push((index as u32, *head));
                *head = (self.batch.holders.len() - 1) as u32;
            }
        }
    }

    /// Adds the article's postings to the inverted index, trimming lists
    /// that have grown past their slack.
    fn post(&mut self, slot: u32, generation: u32) {
        let cap = self.config.max_postings_per_term;
        let window = &mut self.window;
        for &(term, weight) in &self.work.vector {
            let list = &mut window.postings[term as usize];
            list.push(slot, generation, weight);
            window.postings_len += 1;
            if list.len() > cap + cap / POSTINGS_SLACK_DIVISOR {
                // Postings of articles gone from the window go first: left
                // in, they would make a term look common long after it was.
                let before = list.len();
                let slots = &window.slots;
                list.retain(|slot, generation| slots[slot as usize].holds(generation));
                let excess = list.len().saturating_sub(cap);
                list.drop_oldest(excess);
                window.postings_len -= before - list.len();
            }
        }
        window.live_terms += self.work.vector.len();
    }

    /// Adds member `slot` to its story's members, centroid and sums, and
    /// queues its expiry and the story's update.
    fn add_to_story(&mut self, story_slot: u32, slot: u32, generation: u32, key: u64, time: i64, dated: bool) {
        let (window, work) = (&mut self.window, &mut self.work);
        let story = &mut window.stories[story_slot as usize];
        add_into(&mut story.centroid, &work.vector, &mut work.sum);
        if story.centroid.len() > 2 * self.config.max_centroid_terms {
            keep_heaviest(&mut story.centroid, self.config.max_centroid_terms);
        }
        if !work.embedding.is_empty() && (story.embedded == 0 || story.embedding_sum.len() == work.embedding.len()) {
            story.embedding_sum.resize(work.embedding.len(), 0.0);
            for (sum, value) in story.embedding_sum.iter_mut().zip(&work.embedding) {
                *sum += value;
            }
            story.embedded += 1;
            story.embedding_baseline_sum += work.embedding_baseline;
        }
        window.members[slot as usize].position = story.members.len() as u32;
        story.members.push(slot);
        story.summed += 1;
        story.weekdays |= work.profile.weekdays;
        story.languages |= 1 << work.profile.language;
        story.last_seen = story.last_seen.max(time);
        if dated {
            story.latest_dated = story.latest_dated.max(time);
        }
        window.expiries.push_back((time, slot, generation));
        window.story_of_article.insert(key, story.id);
        window.queue_update(story_slot);
    }
}
