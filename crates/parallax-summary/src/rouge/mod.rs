//! ROUGE-1, ROUGE-2 and ROUGE-L exactly as Google's `rouge-score` package
//! (0.1.2) computes them with `RougeScorer([...], use_stemmer=True)`, so the
//! numbers Parallax reports can be put next to published ones.
//!
//! Tokenising follows `rouge_score/tokenize.py`: lower-case, every run of
//! characters outside `[a-z0-9]` becomes a space (so all non-ASCII letters
//! vanish, as there), split on spaces, Porter-stem tokens longer than three
//! characters with NLTK's stemmer ([`porter`]). ROUGE-L is the
//! sentence-level `rougeL` (one LCS over the whole texts, newlines ignored),
//! not the summary-level `rougeLsum`.

pub mod porter;

use rustc_hash::FxHashMap;

/// Precision, recall and their harmonic mean, as `rouge_score.scoring.Score`.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Score {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// The three scores Parallax reports for a summary against a reference.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct RougeScores {
    pub rouge1: Score,
    pub rouge2: Score,
    pub rouge_l: Score,
}

/// ROUGE-1, ROUGE-2 and ROUGE-L of `prediction` against `target` (the
/// reference), argument order as in `RougeScorer.score(target, prediction)`.
pub fn score(target: &str, prediction: &str) -> RougeScores {
    let target = tokenize(target);
    let prediction = tokenize(prediction);
    RougeScores {
        rouge1: rouge_n(&target, &prediction, 1),
        rouge2: rouge_n(&target, &prediction, 2),
        rouge_l: rouge_l(&target, &prediction),
    }
}

/// `rouge_score.tokenize.tokenize(text, PorterStemmer())`.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut normalised = String::with_capacity(text.len());
    for c in text.chars() {
        // Python's str.lower() maps a few non-ASCII letters to ASCII ones
        // (U+0130 to "i" plus a combining dot, the Kelvin sign to "k");
        // char::to_lowercase does the same, so those letters survive here too.
        for lower in c.to_lowercase() {
            normalised.push(if lower.is_ascii_lowercase() || lower.is_ascii_digit() { lower } else { ' ' });
        }
    }
    normalised
        .split_ascii_whitespace()
        .map(|token| if token.len() > 3 { porter::stem(token) } else { token.to_string() })
        .filter(|token| !token.is_empty())
        .collect()
}

/// `_score_ngrams(_create_ngrams(target, n), _create_ngrams(prediction, n))`.
pub fn rouge_n(target: &[String], prediction: &[String], n: usize) -> Score {
    let target_ngrams = ngram_counts(target, n);
    let prediction_ngrams = ngram_counts(prediction, n);
    let overlap: usize = target_ngrams
        .iter()
        .map(|(ngram, count)| (*count).min(prediction_ngrams.get(ngram).copied().unwrap_or(0)))
        .sum();
    let target_total: usize = target_ngrams.values().sum();
    let prediction_total: usize = prediction_ngrams.values().sum();
    let precision = overlap as f64 / prediction_total.max(1) as f64;
    let recall = overlap as f64 / target_total.max(1) as f64;
    Score { precision, recall, f1: fmeasure(precision, recall) }
}

/// `_score_lcs`: the longest common subsequence of the two token lists.
pub fn rouge_l(target: &[String], prediction: &[String]) -> Score {
    if target.is_empty() || prediction.is_empty() {
        return Score::default();
    }
    let lcs = lcs_length(target, prediction);
    let precision = lcs as f64 / prediction.len() as f64;
    let recall = lcs as f64 / target.len() as f64;
    Score { precision, recall, f1: fmeasure(precision, recall) }
}

fn ngram_counts(tokens: &[String], n: usize) -> FxHashMap<&[String], usize> {
    let mut counts = FxHashMap::default();
    if n == 0 {
        return counts;
    }
    for ngram in tokens.windows(n) {
        *counts.entry(ngram).or_insert(0) += 1;
    }
    counts
}

/// One row of the dynamic-programming table at a time: the score needs the
/// length only, not the subsequence.
fn lcs_length(a: &[String], b: &[String]) -> usize {
    let mut previous = vec![0usize; b.len() + 1];
    let mut current = vec![0usize; b.len() + 1];
    for token in a {
        for (j, other) in b.iter().enumerate() {
            current[j + 1] = if token == other { previous[j] + 1 } else { previous[j + 1].max(current[j]) };
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

fn fmeasure(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 }
}
