//! Posting lists of the inverted index: each posting keeps the member slot,
//! its generation and the term's weight side by side, so reading a posting
//! is one cache line, and a list one allocation streamed in order.

use std::ops::Range;

#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    generation: u32,
    weight: f32,
}

#[derive(Debug, Default)]
pub(crate) struct PostingList {
    postings: Vec<Posting>,
}

impl PostingList {
    pub fn len(&self) -> usize {
        self.postings.len()
    }

    pub fn push(&mut self, slot: u32, generation: u32, weight: f32) {
        self.postings.push(Posting { slot, generation, weight });
    }

    /// Drops the `count` oldest postings.
    pub fn drop_oldest(&mut self, count: usize) {
        self.postings.drain(..count);
    }

    /// `(slot, generation, weight)` of every posting, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32, f32)> + '_ {
        self.range(0..self.postings.len())
    }

    /// `(slot, generation, weight)` of the postings at `range`, oldest first.
    pub fn range(&self, range: Range<usize>) -> impl Iterator<Item = (u32, u32, f32)> + '_ {
        self.postings[range].iter().map(|p| (p.slot, p.generation, p.weight))
    }

    /// Hints that the postings at `range` will be read soon.
    pub fn prefetch(&self, range: Range<usize>) {
        crate::prefetch::slice(&self.postings[range]);
    }

    /// Keeps the postings for which `keep(slot, generation)` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(u32, u32) -> bool) {
        self.postings.retain(|p| keep(p.slot, p.generation));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_keep_their_order_through_drops() {
        let mut list = PostingList::default();
        for slot in 0..5 {
            list.push(slot, slot * 10, slot as f32);
        }
        list.drop_oldest(1);
        list.retain(|slot, _| slot != 3);
        assert_eq!(list.iter().collect::<Vec<_>>(), [(1, 10, 1.0), (2, 20, 2.0), (4, 40, 4.0)]);
        assert_eq!(list.range(1..3).collect::<Vec<_>>(), [(2, 20, 2.0), (4, 40, 4.0)]);
    }
}
