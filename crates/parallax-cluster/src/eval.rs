//! Scoring a clustering against gold stories, and resolving a run's
//! assignments (with their merges) into final stories.
//!
//! Only items present in both the prediction and the gold standard are
//! scored; [`Scores::items`] says how many that was.

use crate::Assignment;
use rustc_hash::FxHashMap;
use std::hash::Hash;

/// Precision, recall and their harmonic mean over `items` items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub items: usize,
}

impl Scores {
    fn new(precision: f64, recall: f64, items: usize) -> Self {
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Scores { precision, recall, f1, items }
    }
}

impl std::fmt::Display for Scores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P {:.4} R {:.4} F1 {:.4} ({} items)", self.precision, self.recall, self.f1, self.items)
    }
}

/// Counts behind both measures: cluster sizes on each side and the size of
/// every (predicted, gold) overlap.
struct Contingency {
    overlaps: Vec<(usize, usize, u64)>,
    predicted_sizes: Vec<u64>,
    gold_sizes: Vec<u64>,
    items: usize,
}

fn contingency<K, P, G>(predicted: &[(K, P)], gold: &[(K, G)]) -> Contingency
where
    K: Eq + Hash,
    P: Eq + Hash,
    G: Eq + Hash,
{
    let gold_of: FxHashMap<&K, &G> = gold.iter().map(|(k, g)| (k, g)).collect();
    let mut predicted_index: FxHashMap<&P, usize> = FxHashMap::default();
    let mut gold_index: FxHashMap<&G, usize> = FxHashMap::default();
    let mut cells: FxHashMap<(usize, usize), u64> = FxHashMap::default();
    let mut predicted_sizes = Vec::new();
    let mut gold_sizes = Vec::new();
    let mut items = 0;
    let mut seen: FxHashMap<&K, ()> = FxHashMap::default();
    for (key, story) in predicted {
        let Some(gold_story) = gold_of.get(key) else { continue };
        if seen.insert(key, ()).is_some() {
            continue;
        }
        let next = predicted_index.len();
        let p = *predicted_index.entry(story).or_insert(next);
        if p == predicted_sizes.len() {
            predicted_sizes.push(0);
        }
        let next = gold_index.len();
        let g = *gold_index.entry(gold_story).or_insert(next);
        if g == gold_sizes.len() {
            gold_sizes.push(0);
        }
        predicted_sizes[p] += 1;
        gold_sizes[g] += 1;
        *cells.entry((p, g)).or_default() += 1;
        items += 1;
    }
    let mut overlaps: Vec<(usize, usize, u64)> = cells.into_iter().map(|((p, g), n)| (p, g, n)).collect();
    overlaps.sort_unstable();
    Contingency { overlaps, predicted_sizes, gold_sizes, items }
}

/// BCubed precision and recall: per item, the share of its predicted story
/// that shares its gold story, and the share of its gold story that shares
/// its predicted story, averaged over items.
pub fn bcubed<K, P, G>(predicted: &[(K, P)], gold: &[(K, G)]) -> Scores
where
    K: Eq + Hash,
    P: Eq + Hash,
    G: Eq + Hash,
{
    let table = contingency(predicted, gold);
    if table.items == 0 {
        return Scores::new(0.0, 0.0, 0);
    }
    let (mut precision, mut recall) = (0.0, 0.0);
    for &(p, g, n) in &table.overlaps {
        let n = n as f64;
        precision += n * n / table.predicted_sizes[p] as f64;
        recall += n * n / table.gold_sizes[g] as f64;
    }
    let items = table.items as f64;
    Scores::new(precision / items, recall / items, table.items)
}

/// Pairwise precision and recall over all pairs of items: a pair is
/// predicted together, together in gold, or both. With no predicted (gold)
/// pairs at all, precision (recall) is 1: nothing was claimed (missed).
pub fn pairwise<K, P, G>(predicted: &[(K, P)], gold: &[(K, G)]) -> Scores
where
    K: Eq + Hash,
    P: Eq + Hash,
    G: Eq + Hash,
{
    let table = contingency(predicted, gold);
    let pairs = |n: u64| (n * n.saturating_sub(1) / 2) as f64;
    let both: f64 = table.overlaps.iter().map(|&(_, _, n)| pairs(n)).sum();
    let predicted_pairs: f64 = table.predicted_sizes.iter().map(|&n| pairs(n)).sum();
    let gold_pairs: f64 = table.gold_sizes.iter().map(|&n| pairs(n)).sum();
    let precision = if predicted_pairs > 0.0 { both / predicted_pairs } else { 1.0 };
    let recall = if gold_pairs > 0.0 { both / gold_pairs } else { 1.0 };
    Scores::new(precision, recall, table.items)
}

/// How the gold stories were cut up by a clustering.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fragmentation {
    /// Gold stories with at least one scored item.
    pub gold_stories: usize,
    /// Mean number of predicted stories a gold story's items went to (1 is
    /// whole).
    pub stories_per_gold_story: f64,
    /// Share of the gold stories of two or more items that were split over
    /// more than one predicted story.
    pub split_share: f64,
}

impl std::fmt::Display for Fragmentation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2} predicted stories per gold story, {:.1}% of gold stories split ({} gold stories)",
            self.stories_per_gold_story,
            100.0 * self.split_share,
            self.gold_stories
        )
    }
}

/// How many predicted stories each gold story went to.
pub fn fragmentation<K, P, G>(predicted: &[(K, P)], gold: &[(K, G)]) -> Fragmentation
where
    K: Eq + Hash,
    P: Eq + Hash,
    G: Eq + Hash,
{
    let table = contingency(predicted, gold);
    let mut pieces = vec![0usize; table.gold_sizes.len()];
    for &(_, g, _) in &table.overlaps {
        pieces[g] += 1;
    }
    let gold_stories = pieces.len();
    let splittable = table.gold_sizes.iter().filter(|&&size| size >= 2).count();
    let split = pieces.iter().filter(|&&n| n > 1).count();
    Fragmentation {
        gold_stories,
        stories_per_gold_story: if gold_stories == 0 {
            0.0
        } else {
            pieces.iter().sum::<usize>() as f64 / gold_stories as f64
        },
        split_share: if splittable == 0 { 0.0 } else { split as f64 / splittable as f64 },
    }
}

/// Which pairs [`pairwise_by_group`] scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairsOf {
    /// Pairs of items in one group: with gold topics as groups, precision
    /// says how often two events of one topic were kept apart.
    SameGroup,
    /// Pairs of items in different groups: with languages as groups,
    /// recall says how often an article joined its story in another
    /// language.
    DifferentGroups,
}

/// Pairwise precision and recall over only the pairs of items whose
/// `group`s are the same, or differ. Items missing from any of the three
/// lists are left out. As with [`pairwise`], no pair claimed (or none to
/// find) scores 1.
pub fn pairwise_by_group<K, P, G, T>(predicted: &[(K, P)], gold: &[(K, G)], group: &[(K, T)], pairs: PairsOf) -> Scores
where
    K: Eq + Hash,
    P: Eq + Hash,
    G: Eq + Hash,
    T: Eq + Hash,
{
    let group_of: FxHashMap<&K, &T> = group.iter().map(|(k, t)| (k, t)).collect();
    let gold_of: FxHashMap<&K, &G> = gold.iter().map(|(k, g)| (k, g)).collect();
    let mut seen: FxHashMap<&K, ()> = FxHashMap::default();
    // Cluster sizes of predicted, gold and both, overall and per group.
    type Sizes<'a, P, G, T> = FxHashMap<(Option<&'a P>, Option<&'a G>, Option<&'a T>), u64>;
    let mut counts: [Sizes<P, G, T>; 6] = Default::default();
    let mut items = 0;
    for (key, story) in predicted {
        let (Some(&gold_story), Some(&group)) = (gold_of.get(key), group_of.get(key)) else { continue };
        if seen.insert(key, ()).is_some() {
            continue;
        }
        items += 1;
        let keys = [
            (Some(story), None, None),
            (None, Some(gold_story), None),
            (Some(story), Some(gold_story), None),
            (Some(story), None, Some(group)),
            (None, Some(gold_story), Some(group)),
            (Some(story), Some(gold_story), Some(group)),
        ];
        for (count, key) in counts.iter_mut().zip(keys) {
            *count.entry(key).or_default() += 1;
        }
    }
    let pairs_in =
        |count: &FxHashMap<_, u64>| count.values().map(|&n| (n * n.saturating_sub(1) / 2) as f64).sum::<f64>();
    let [predicted_all, gold_all, both_all, predicted_same, gold_same, both_same] = counts.map(|c| pairs_in(&c));
    let (predicted_pairs, gold_pairs, both) = match pairs {
        PairsOf::SameGroup => (predicted_same, gold_same, both_same),
        PairsOf::DifferentGroups => (predicted_all - predicted_same, gold_all - gold_same, both_all - both_same),
    };
    let precision = if predicted_pairs > 0.0 { both / predicted_pairs } else { 1.0 };
    let recall = if gold_pairs > 0.0 { both / gold_pairs } else { 1.0 };
    Scores::new(precision, recall, items)
}

/// Records a run's [`Assignment`]s and answers each article's final story,
/// following every merge, even for articles long gone from the window.
#[derive(Debug, Default)]
pub struct StoryLog {
    story_of_article: Vec<(u64, u64)>,
    merged_into: FxHashMap<u64, u64>,
}

impl StoryLog {
    pub fn new() -> Self {
        StoryLog::default()
    }

    pub fn record(&mut self, key: u64, assignment: &Assignment) {
        self.story_of_article.push((key, assignment.story));
        for &(absorbed, into) in &assignment.merged {
            self.merged_into.insert(absorbed, into);
        }
    }

    /// The final story of `story` after all recorded merges.
    pub fn resolve(&self, mut story: u64) -> u64 {
        // Each merge points at a story that was alive then; chains end
        // because a story absorbed once is never a survivor again.
        while let Some(&into) = self.merged_into.get(&story) {
            story = into;
        }
        story
    }

    /// `(article, final story)` for every recorded article, in record order.
    pub fn final_stories(&self) -> Vec<(u64, u64)> {
        self.story_of_article.iter().map(|&(key, story)| (key, self.resolve(story))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        predicted: &[(u32, u32)],
        gold: &[(u32, u32)],
        expected_bcubed: (f64, f64),
        expected_pairwise: (f64, f64),
    ) {
        let b = bcubed(predicted, gold);
        let p = pairwise(predicted, gold);
        assert!((b.precision - expected_bcubed.0).abs() < 1e-9, "bcubed precision {b}");
        assert!((b.recall - expected_bcubed.1).abs() < 1e-9, "bcubed recall {b}");
        assert!((p.precision - expected_pairwise.0).abs() < 1e-9, "pairwise precision {p}");
        assert!((p.recall - expected_pairwise.1).abs() < 1e-9, "pairwise recall {p}");
    }

    #[test]
    fn perfect_clustering_scores_one() {
        check(&[(1, 10), (2, 10), (3, 20)], &[(1, 7), (2, 7), (3, 8)], (1.0, 1.0), (1.0, 1.0));
    }

    #[test]
    fn all_singletons_have_full_precision() {
        check(&[(1, 1), (2, 2), (3, 3)], &[(1, 7), (2, 7), (3, 7)], (1.0, 1.0 / 3.0), (1.0, 0.0));
    }

    #[test]
    fn one_blob_has_full_recall() {
        // Gold {1,2} {3}: items 1 and 2 see 2/3 of their blob right, item 3 sees 1/3.
        check(&[(1, 0), (2, 0), (3, 0)], &[(1, 7), (2, 7), (3, 8)], (5.0 / 9.0, 1.0), (1.0 / 3.0, 1.0));
    }

    #[test]
    fn items_missing_on_either_side_are_ignored() {
        let scores = bcubed(&[(1, 0), (2, 0), (9, 0)], &[(1, 7), (2, 7), (5, 7)]);
        assert_eq!(scores.items, 2);
        assert_eq!(scores.f1, 1.0);
    }

    #[test]
    fn fragmentation_counts_pieces_of_gold_stories() {
        // Gold {1,2,3} went to two stories, {4,5} stayed whole, {6} alone.
        let predicted = [(1, 10), (2, 10), (3, 11), (4, 12), (5, 12), (6, 13)];
        let gold = [(1, 7), (2, 7), (3, 7), (4, 8), (5, 8), (6, 9)];
        let f = fragmentation(&predicted, &gold);
        assert_eq!(f.gold_stories, 3);
        assert!((f.stories_per_gold_story - 4.0 / 3.0).abs() < 1e-9);
        assert!((f.split_share - 0.5).abs() < 1e-9, "one of the two splittable stories is split");
    }

    #[test]
    fn pairs_within_and_across_groups() {
        // Items 1-4 in language a, 5-6 in b. Gold: {1,2,5} {3,4,6}.
        // Predicted: {1,2,3} {4} {5,6}.
        let predicted = [(1, 0), (2, 0), (3, 0), (4, 1), (5, 2), (6, 2)];
        let gold = [(1, 7), (2, 7), (3, 8), (4, 8), (5, 7), (6, 8)];
        let group = [(1, 'a'), (2, 'a'), (3, 'a'), (4, 'a'), (5, 'b'), (6, 'b')];
        let same = pairwise_by_group(&predicted, &gold, &group, PairsOf::SameGroup);
        // Same-language predicted pairs: 1-2 (right), 1-3, 2-3 (wrong), 5-6 (wrong).
        assert!((same.precision - 0.25).abs() < 1e-9, "{same}");
        // Same-language gold pairs: 1-2, 3-4: one found.
        assert!((same.recall - 0.5).abs() < 1e-9, "{same}");
        let across = pairwise_by_group(&predicted, &gold, &group, PairsOf::DifferentGroups);
        // Across languages nothing is predicted together; gold has 1-5, 2-5, 3-6, 4-6.
        assert_eq!((across.precision, across.recall), (1.0, 0.0));
    }

    #[test]
    fn story_log_follows_merge_chains() {
        let mut log = StoryLog::new();
        log.record(1, &Assignment { story: 1, copy_of: None, merged: vec![] });
        log.record(2, &Assignment { story: 2, copy_of: None, merged: vec![] });
        log.record(3, &Assignment { story: 3, copy_of: None, merged: vec![] });
        log.record(4, &Assignment { story: 2, copy_of: None, merged: vec![(3, 2)] });
        log.record(5, &Assignment { story: 1, copy_of: None, merged: vec![(2, 1)] });
        assert_eq!(log.final_stories(), [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]);
    }
}
