//! Scoring of extracted text against a person-marked article body, the way
//! scrapinghub's article-extraction-benchmark scores it (its `evaluate.py`),
//! so our figures can be read next to the published ones.
//!
//! Per page: both texts are cut into words (maximal runs of Unicode
//! alphanumerics and `_`, lower-cased), the words into overlapping 4-word
//! shingles ([`SHINGLE_WORDS`]), kept as multisets. A shingle found `p` times
//! in the prediction and `t` times in the truth adds `min(p, t)` to the true
//! positives, `p - t` (if positive) to the false positives and `t - p` (if
//! positive) to the false negatives; the three are then divided by their sum
//! so a long article weighs no more than a short one.
//!
//! Over pages: precision is the mean of per-page precision over pages where
//! something was predicted, recall the mean of per-page recall over pages
//! with a non-empty truth, and F1 the harmonic mean of those two means (not
//! the mean of per-page F1; [`Report::mean_page_f1`] gives that too).
//!
//! One deliberate difference from the benchmark: words are lower-cased (the
//! benchmark compares case-sensitively), so a headline re-cased by a site's
//! CSS is not counted as a miss.

use std::collections::HashMap;
use std::time::Instant;

use crate::{ExtractConfig, extract};

/// Words per shingle. Four is what the article-extraction benchmark uses:
/// long enough that common phrases in boilerplate rarely match article
/// text by chance, short enough that one wrong word costs only four shingles.
pub const SHINGLE_WORDS: usize = 4;

/// Normalised true-positive, false-positive and false-negative shares of
/// one page (they sum to 1 unless both texts are empty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShingleCounts {
    pub true_positive: f64,
    pub false_positive: f64,
    pub false_negative: f64,
}

impl ShingleCounts {
    /// `None` when nothing was predicted: such a page does not enter the
    /// mean precision (it is already punished through recall).
    pub fn precision(&self) -> Option<f64> {
        let ShingleCounts { true_positive: tp, false_positive: fp, false_negative: fn_ } = *self;
        if tp + fp == 0.0 {
            None
        } else if fn_ == 0.0 && fp == 0.0 {
            Some(1.0)
        } else {
            Some(tp / (tp + fp))
        }
    }

    /// `None` when the truth is empty: such a page does not enter the mean
    /// recall.
    pub fn recall(&self) -> Option<f64> {
        let ShingleCounts { true_positive: tp, false_positive: fp, false_negative: fn_ } = *self;
        if tp + fn_ == 0.0 {
            None
        } else if fn_ == 0.0 && fp == 0.0 {
            Some(1.0)
        } else {
            Some(tp / (tp + fn_))
        }
    }
}

/// Words of `text`: maximal runs of alphanumerics or `_`, lower-cased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Multiset of `n`-word shingles. A text shorter than `n` words is one
/// shingle, as in the benchmark, so a two-word prediction still scores.
fn shingles(words: &[String], n: usize) -> HashMap<&[String], usize> {
    let mut counts = HashMap::new();
    if words.is_empty() {
        return counts;
    }
    if words.len() < n {
        counts.insert(words, 1);
        return counts;
    }
    for shingle in words.windows(n) {
        *counts.entry(shingle).or_insert(0) += 1;
    }
    counts
}

/// Compares a prediction with the truth for one page.
pub fn score_page(predicted: &str, truth: &str) -> ShingleCounts {
    let predicted_words = words(predicted);
    let truth_words = words(truth);
    let predicted_shingles = shingles(&predicted_words, SHINGLE_WORDS);
    let truth_shingles = shingles(&truth_words, SHINGLE_WORDS);
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (shingle, &p) in &predicted_shingles {
        let t = truth_shingles.get(shingle).copied().unwrap_or(0);
        tp += p.min(t);
        fp += p.saturating_sub(t);
    }
    for (shingle, &t) in &truth_shingles {
        let p = predicted_shingles.get(shingle).copied().unwrap_or(0);
        fn_ += t.saturating_sub(p);
    }
    let total = (tp + fp + fn_) as f64;
    if total == 0.0 {
        return ShingleCounts { true_positive: 0.0, false_positive: 0.0, false_negative: 0.0 };
    }
    ShingleCounts {
        true_positive: tp as f64 / total,
        false_positive: fp as f64 / total,
        false_negative: fn_ as f64 / total,
    }
}

/// One page's outcome.
#[derive(Debug, Clone)]
pub struct PageScore {
    pub id: String,
    pub counts: ShingleCounts,
    /// Wall time of `extract` on this page, milliseconds.
    pub millis: f64,
    /// The extraction error, if `extract` failed (scored as an empty
    /// prediction).
    pub error: Option<String>,
    /// Which extractor produced the text, if one did.
    pub extractor: Option<&'static str>,
}

/// Figures over a set of pages. See the module documentation for how they
/// are averaged.
#[derive(Debug, Clone)]
pub struct Report {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Mean of per-page F1, for readers who expect that definition.
    pub mean_page_f1: f64,
    pub pages: usize,
    pub mean_ms_per_page: f64,
    /// Pages where `extract` returned an error.
    pub failures: usize,
    pub per_page: Vec<PageScore>,
}

/// Runs [`extract`] with `config` on every `(id, html, truth_text)` and
/// scores the output.
pub fn evaluate(pages: impl Iterator<Item = (String, String, String)>, config: &ExtractConfig) -> Report {
    let mut per_page = Vec::new();
    for (id, html, truth) in pages {
        let started = Instant::now();
        let outcome = extract(&html, None, config);
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        let (predicted, error, extractor) = match outcome {
            Ok(extracted) => (extracted.text, None, Some(extracted.extractor)),
            Err(error) => (String::new(), Some(error.to_string()), None),
        };
        per_page.push(PageScore { id, counts: score_page(&predicted, &truth), millis, error, extractor });
    }
    summarise(per_page)
}

/// Averages page scores as the benchmark does.
pub fn summarise(per_page: Vec<PageScore>) -> Report {
    let precision = mean(per_page.iter().filter_map(|page| page.counts.precision()));
    let recall = mean(per_page.iter().filter_map(|page| page.counts.recall()));
    let mean_page_f1 = mean(per_page.iter().map(|page| {
        let p = page.counts.precision().unwrap_or(0.0);
        let r = page.counts.recall().unwrap_or(0.0);
        harmonic_mean(p, r)
    }));
    Report {
        precision,
        recall,
        f1: harmonic_mean(precision, recall),
        mean_page_f1,
        pages: per_page.len(),
        mean_ms_per_page: mean(per_page.iter().map(|page| page.millis)),
        failures: per_page.iter().filter(|page| page.error.is_some()).count(),
        per_page,
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(sum, count), value| (sum + value, count + 1));
    if count == 0 { 0.0 } else { sum / count as f64 }
}

fn harmonic_mean(a: f64, b: f64) -> f64 {
    if a + b == 0.0 { 0.0 } else { 2.0 * a * b / (a + b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_cased_unicode_runs() {
        assert_eq!(words("Hello, wörld! 3-D ünïcode_x"), ["hello", "wörld", "3", "d", "ünïcode_x"]);
    }

    #[test]
    fn identical_texts_score_one() {
        let counts = score_page("one two three four five", "One two three, four five.");
        assert_eq!(counts.precision(), Some(1.0));
        assert_eq!(counts.recall(), Some(1.0));
    }

    #[test]
    fn extra_text_lowers_precision_only() {
        let truth = "a b c d e f";
        let counts = score_page("a b c d e f g h", truth);
        assert_eq!(counts.recall(), Some(1.0));
        assert_eq!(counts.precision(), Some(3.0 / 5.0));
    }

    #[test]
    fn empty_prediction_is_left_out_of_precision() {
        let counts = score_page("", "a b c d e");
        assert_eq!(counts.precision(), None);
        assert_eq!(counts.recall(), Some(0.0));
    }

    #[test]
    fn short_texts_are_one_shingle() {
        assert_eq!(score_page("a b", "a b").precision(), Some(1.0));
        assert_eq!(score_page("a c", "a b").precision(), Some(0.0));
    }
}
