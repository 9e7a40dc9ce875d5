//! Each article's closest articles in other stories, and the crowding
//! (density) read from them: how close an article comes to articles of
//! other stories, which the scores take off (see `density_weight`).

use super::Clusterer;
use super::window::FREE;

/// A neighbour of a member: the cosine and which article (slot and its
/// generation then, or `PENDING_BIT | chunk index` for a chunk-mate not
/// placed yet).
#[derive(Debug, Clone, Copy)]
pub(super) struct Link {
    pub cosine: f32,
    pub slot: u32,
    pub generation: u32,
}

/// Marks a [`Link`] to a chunk-mate not placed yet (member slots stay far
/// below 2^31).
pub(super) const PENDING_BIT: u32 = 1 << 31;

/// Every member slot's closest articles in other stories (best first, at
/// most `keep`) and its density, in flat arrays: updating a neighbour's
/// list is then one cache miss rather than two (its member record, then
/// the list's own allocation), and that miss was a twelfth of the work per
/// article in `parallax bench cluster`.
pub(super) struct NeighbourLists {
    pub keep: usize,
    /// `keep` places per member slot.
    links: Vec<Link>,
    lens: Vec<u8>,
    /// Mean of the member's `density_neighbours` closest cosines outside
    /// its story.
    densities: Vec<f32>,
}

impl NeighbourLists {
    pub fn new(keep: usize) -> Self {
        NeighbourLists { keep, links: Vec::new(), lens: Vec::new(), densities: Vec::new() }
    }

    /// Makes room for `slots` member slots.
    pub fn grow(&mut self, slots: usize) {
        let empty = Link { cosine: 0.0, slot: 0, generation: 0 };
        self.links.resize(slots * self.keep, empty);
        self.lens.resize(slots, 0);
        self.densities.resize(slots, 0.0);
    }

    pub fn links(&self, slot: u32) -> &[Link] {
        let start = slot as usize * self.keep;
        &self.links[start..start + self.lens[slot as usize] as usize]
    }

    pub fn links_mut(&mut self, slot: u32) -> &mut [Link] {
        let start = slot as usize * self.keep;
        &mut self.links[start..start + self.lens[slot as usize] as usize]
    }

    /// A new member's list (already best first and capped), density 0.
    pub fn set(&mut self, slot: u32, links: &[Link]) {
        let start = slot as usize * self.keep;
        let len = links.len().min(self.keep);
        self.links[start..start + len].copy_from_slice(&links[..len]);
        self.lens[slot as usize] = len as u8;
        self.densities[slot as usize] = 0.0;
    }

    /// Inserts `link` in order if it is among the `keep` closest.
    pub fn push(&mut self, slot: u32, link: Link) {
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
    pub fn prefetch(&self, slot: u32) {
        let start = slot as usize * self.keep;
        crate::prefetch::slice(&self.links[start..start + self.keep]);
    }

    pub fn density(&self, slot: u32) -> f32 {
        self.densities[slot as usize]
    }

    fn set_density(&mut self, slot: u32, density: f32) {
        self.densities[slot as usize] = density;
    }
}

/// Members read for a story's crowding outside another story.
const DENSITY_SAMPLE: usize = 64;

/// Inserts `link` into the best-first `links` capped at `keep`; says
/// whether it went in.
pub(super) fn push_link(links: &mut Vec<Link>, link: Link, keep: usize) -> bool {
    if links.len() >= keep && links[keep - 1].cosine >= link.cosine {
        return false;
    }
    let at = links.partition_point(|l| l.cosine >= link.cosine);
    links.insert(at, link);
    links.truncate(keep);
    true
}

impl Clusterer {
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
        let state = self.window.slots[slot as usize];
        state.holds(generation).then_some(state.story)
    }

    /// Recomputes a member's density (mean of its `density_neighbours`
    /// closest cosines to articles outside its story now) and its story's
    /// sum.
    pub(super) fn refresh_density(&mut self, slot: u32) {
        let k = self.config.density_neighbours;
        let story = self.window.slots[slot as usize].story;
        let mut sum = 0.0;
        let mut counted = 0;
        for link in self.window.neighbours.links(slot) {
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
        let neighbours = &mut self.window.neighbours;
        let change = density - neighbours.density(slot);
        neighbours.set_density(slot, density);
        self.window.stories[story as usize].density_sum += change;
    }

    /// The mean crowding of story `slot`'s members outside both it and
    /// story `other`: their closest articles in third stories. A big story
    /// is read through an even sample of [`DENSITY_SAMPLE`] members.
    pub(super) fn density_outside_both(&self, slot: u32, other: u32) -> f32 {
        let k = self.config.density_neighbours;
        let members = &self.window.stories[slot as usize].members;
        let step = members.len().div_ceil(DENSITY_SAMPLE).max(1);
        let (mut total, mut sampled) = (0.0, 0);
        for &member in members.iter().step_by(step) {
            let mut sum = 0.0;
            let mut counted = 0;
            for link in self.window.neighbours.links(member) {
                if counted == k {
                    break;
                }
                let story = self.link_story(link);
                if story == Some(slot) || story == Some(other) {
                    continue;
                }
                sum += link.cosine;
                counted += 1;
            }
            total += sum / k as f32;
            sampled += 1;
        }
        total / sampled.max(1) as f32
    }

    /// The article's density outside `story`: the mean of its best
    /// `density_neighbours` cosines to articles of other stories.
    pub(super) fn density_outside(&self, story: Option<u32>) -> f32 {
        let k = self.config.density_neighbours;
        let closest = &self.work.closest;
        if closest.iter().take(k).all(|&(_, s)| Some(s) != story) {
            return closest.iter().take(k).map(|&(c, _)| c).sum::<f32>() / k as f32;
        }
        let sum: f32 = closest.iter().filter(|&&(_, s)| Some(s) != story).take(k).map(|&(c, _)| c).sum();
        sum / k as f32
    }
}
