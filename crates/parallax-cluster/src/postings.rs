//! Posting lists of the inverted index, stored as two parallel arrays: the
//! scan of a common term reads the member slots alone (a third of the
//! bytes), and looks at generation and weight only for the few it keeps.

#[derive(Debug, Default)]
pub(crate) struct PostingList {
    slots: Vec<u32>,
    /// `(generation, weight)` of the posting at the same index in `slots`.
    entries: Vec<(u32, f32)>,
}

impl PostingList {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn push(&mut self, slot: u32, generation: u32, weight: f32) {
        self.slots.push(slot);
        self.entries.push((generation, weight));
    }

    /// Drops the `count` oldest postings.
    pub fn drop_oldest(&mut self, count: usize) {
        self.slots.drain(..count);
        self.entries.drain(..count);
    }

    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    pub fn entry(&self, index: usize) -> (u32, f32) {
        self.entries[index]
    }

    /// `(slot, generation, weight)` of every posting, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32, f32)> + '_ {
        self.slots.iter().zip(&self.entries).map(|(&slot, &(generation, weight))| (slot, generation, weight))
    }

    /// Keeps the postings for which `keep(slot, generation)` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(u32, u32) -> bool) {
        let mut kept = 0;
        for index in 0..self.slots.len() {
            let (slot, (generation, weight)) = (self.slots[index], self.entries[index]);
            if keep(slot, generation) {
                self.slots[kept] = slot;
                self.entries[kept] = (generation, weight);
                kept += 1;
            }
        }
        self.slots.truncate(kept);
        self.entries.truncate(kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_arrays_stay_in_step() {
        let mut list = PostingList::default();
        for slot in 0..5 {
            list.push(slot, slot * 10, slot as f32);
        }
        list.drop_oldest(1);
        list.retain(|slot, _| slot != 3);
        assert_eq!(list.iter().collect::<Vec<_>>(), [(1, 10, 1.0), (2, 20, 2.0), (4, 40, 4.0)]);
        assert_eq!(list.slots(), [1, 2, 4]);
        assert_eq!(list.entry(2), (40, 4.0));
    }
}
