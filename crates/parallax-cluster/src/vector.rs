//! Sparse vectors as `(term, weight)` sorted by term.

pub(crate) type SparseVec = Vec<(u32, f32)>;

/// Dot product of two term-sorted vectors. Gallops through the longer one
/// when lengths differ a lot, as when an article meets a big story.
pub(crate) fn dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0.0;
    }
    if long.len() > 8 * short.len() {
        let mut sum = 0.0;
        let mut rest = long;
        for &(term, weight) in short {
            match rest.binary_search_by_key(&term, |&(t, _)| t) {
                Ok(at) => {
                    sum += weight * rest[at].1;
                    rest = &rest[at + 1..];
                }
                Err(at) => rest = &rest[at..],
            }
        }
        return sum;
    }
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < short.len() && j < long.len() {
        let (ta, wa) = short[i];
        let (tb, wb) = long[j];
        if ta == tb {
            sum += wa * wb;
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

pub(crate) fn norm(v: &[(u32, f32)]) -> f32 {
    v.iter().map(|&(_, w)| w * w).sum::<f32>().sqrt()
}

/// `target += add`, built in `scratch` and swapped in so the old buffer is
/// reused next time.
pub(crate) fn add_into(target: &mut SparseVec, add: &[(u32, f32)], scratch: &mut SparseVec) {
    scratch.clear();
    scratch.reserve(target.len() + add.len());
    let (mut i, mut j) = (0, 0);
    while i < target.len() || j < add.len() {
        match (target.get(i), add.get(j)) {
            (Some(&(ta, wa)), Some(&(tb, wb))) if ta == tb => {
                scratch.push((ta, wa + wb));
                i += 1;
                j += 1;
            }
            (Some(&(ta, wa)), Some(&(tb, _))) if ta < tb => {
                scratch.push((ta, wa));
                i += 1;
            }
            (Some(&(ta, wa)), None) => {
                scratch.push((ta, wa));
                i += 1;
            }
            (_, Some(&(tb, wb))) => {
                scratch.push((tb, wb));
                j += 1;
            }
            (None, None) => break,
        }
    }
    std::mem::swap(target, scratch);
}

/// Keeps the `keep` heaviest terms, still sorted by term.
pub(crate) fn keep_heaviest(v: &mut SparseVec, keep: usize) {
    if v.len() <= keep {
        return;
    }
    v.select_nth_unstable_by(keep, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(keep);
    v.sort_unstable_by_key(|&(term, _)| term);
}

/// Dot product of two dense vectors of the same length.
pub(crate) fn dense_dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_agrees_between_merge_and_gallop() {
        let short = vec![(3, 1.0), (40, 2.0), (77, 0.5)];
        let long: SparseVec = (0..100).map(|t| (t, t as f32)).collect();
        assert_eq!(dot(&short, &long), 3.0 + 80.0 + 38.5);
        assert_eq!(dot(&short, &long[..20]), 3.0);
    }

    #[test]
    fn add_into_merges_by_term() {
        let mut target = vec![(1, 1.0), (5, 1.0)];
        let mut scratch = Vec::new();
        add_into(&mut target, &[(0, 2.0), (5, 1.0), (9, 3.0)], &mut scratch);
        assert_eq!(target, [(0, 2.0), (1, 1.0), (5, 2.0), (9, 3.0)]);
    }

    #[test]
    fn keep_heaviest_keeps_order() {
        let mut v = vec![(1, 0.1), (2, 5.0), (3, 0.2), (4, 4.0)];
        keep_heaviest(&mut v, 2);
        assert_eq!(v, [(2, 5.0), (4, 4.0)]);
    }
}
