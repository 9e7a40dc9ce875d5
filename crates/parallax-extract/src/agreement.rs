//! Keeps the paragraphs two independent extractors agree on.
//!
//! dom_smoothie (Mozilla Readability's scoring) and trafilatura (rule-based
//! cleaning plus text-density heuristics) fail differently: the first keeps
//! captions, bylines and "related" boxes that sit inside the winning
//! container, the second keeps headlines and boxes outside it. Text both
//! consider article body is much more likely to be article body, so the
//! first extractor's paragraphs are kept only where the second also produced
//! them. When the two chose different parts of the page altogether, the
//! filter would keep scraps of both, so the first extractor's text is kept
//! whole instead.

use std::collections::HashSet;

use crate::eval::{SHINGLE_WORDS, words};

/// The filtered text, or `None` when the extractors disagree on where the
/// article is.
pub(crate) fn keep_agreed_paragraphs(
    base: &str,
    witness: &str,
    min_paragraph_support: f64,
    min_agreement: f64,
) -> Option<String> {
    let witness_words = words(witness);
    let witness_shingles: HashSet<&[String]> = witness_words.windows(SHINGLE_WORDS).collect();
    let witness_joined = format!(" {} ", witness_words.join(" "));

    let mut kept = Vec::new();
    let (mut total_words, mut kept_words) = (0usize, 0usize);
    for paragraph in base.split("\n\n") {
        let paragraph_words = words(paragraph);
        if paragraph_words.is_empty() {
            continue;
        }
        total_words += paragraph_words.len();
        let support = if paragraph_words.len() < SHINGLE_WORDS {
            // Too short to shingle: a line like "Advertisement" must appear
            // as such in the witness.
            let needle = format!(" {} ", paragraph_words.join(" "));
            if witness_joined.contains(&needle) { 1.0 } else { 0.0 }
        } else {
            let shingles = paragraph_words.windows(SHINGLE_WORDS);
            let count = shingles.len();
            let supported = shingles.filter(|shingle| witness_shingles.contains(shingle)).count();
            supported as f64 / count as f64
        };
        if support >= min_paragraph_support {
            kept.push(paragraph);
            kept_words += paragraph_words.len();
        }
    }
    if total_words == 0 || (kept_words as f64) < min_agreement * total_words as f64 {
        return None;
    }
    Some(kept.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_paragraphs_are_dropped() {
        let base = "The council voted on the budget today.\n\nPhoto: Jane Doe\n\nThe mayor said the vote was close.";
        let witness = "The council voted on the budget today. The mayor said the vote was close.";
        assert_eq!(
            keep_agreed_paragraphs(base, witness, 0.5, 0.5).as_deref(),
            Some("The council voted on the budget today.\n\nThe mayor said the vote was close.")
        );
    }

    #[test]
    fn disagreement_on_the_article_gives_none() {
        let base = "One long paragraph about the budget vote in the council.";
        let witness = "A completely different text about football and weather.";
        assert_eq!(keep_agreed_paragraphs(base, witness, 0.5, 0.5), None);
    }
}
