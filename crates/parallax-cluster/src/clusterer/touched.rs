//! The accumulator of an article's partial cosines to the window's
//! members, as its posting lists are read.

use super::window::Slot;

/// Size of the bit filter of touched slots: a few times the candidates an
/// article touches, small enough to stay in the L1 cache.
const TOUCHED_FILTER_BITS: usize = 8192;

/// The members an article's terms reached and their partial cosines.
pub(super) struct Touched {
    /// Per member slot, the cosine so far and the part of it from names and
    /// numbers; 0 for a slot not reached.
    scores: Vec<[f32; 2]>,
    /// The slots reached, in the order reached.
    slots: Vec<u32>,
    /// How many of `slots` [`Touched::pop`] has handed out.
    popped: usize,
    /// One bit per `slot % TOUCHED_FILTER_BITS` of the slots reached: the
    /// common terms' long posting lists are checked against it, which
    /// spares a random read of every posting.
    filter: Vec<u64>,
}

impl Default for Touched {
    fn default() -> Self {
        Touched { scores: Vec::new(), slots: Vec::new(), popped: 0, filter: vec![0; TOUCHED_FILTER_BITS / 64] }
    }
}

impl Touched {
    pub fn grow(&mut self, members: usize) {
        if self.scores.len() < members {
            self.scores.resize(members, [0.0; 2]);
        }
    }

    /// Adds `contribution` to the member in `slot` (and to its names and
    /// numbers part when `specific` is 1), reaching it now if it was not
    /// yet, unless the posting is stale.
    pub fn add(&mut self, slots: &[Slot], slot: u32, generation: u32, contribution: f32, specific: f32) {
        if !slots[slot as usize].holds(generation) {
            return;
        }
        let score = &mut self.scores[slot as usize];
        if score[0] == 0.0 {
            self.slots.push(slot);
            self.filter[slot as usize % TOUCHED_FILTER_BITS / 64] |= 1 << (slot % 64);
        }
        score[0] += contribution;
        score[1] += contribution * specific;
    }

    /// Whether `slot` may have been reached (false: surely not).
    pub fn may_hold(&self, slot: u32) -> bool {
        self.filter[slot as usize % TOUCHED_FILTER_BITS / 64] & (1 << (slot % 64)) != 0
    }

    /// Adds `contribution` to the member in `slot` only if it was reached.
    pub fn add_if_held(&mut self, slots: &[Slot], slot: u32, generation: u32, contribution: f32, specific: f32) {
        let score = &mut self.scores[slot as usize];
        if score[0] != 0.0 && slots[slot as usize].generation == generation {
            score[0] += contribution;
            score[1] += contribution * specific;
        }
    }

    /// The next member reached, in the order reached, its cosine and the
    /// names and numbers part of it, forgetting it; `None` once all are
    /// handed out (and forgotten).
    pub fn pop(&mut self) -> Option<(u32, [f32; 2])> {
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
