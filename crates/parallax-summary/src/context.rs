//! Whether a sentence stands on its own as a bullet (English rules).
//!
//! A bullet is read without the sentences around it in its article, so
//! "“We will not stop,” she said." tells the reader a quote and not who
//! said it (a dangling attribution), and "But the plan failed." answers a
//! sentence the reader never saw. The first kind is never a bullet; the
//! second only when nothing that stands alone is left.

use crate::lang::{ENGLISH, languages};

/// Third-person pronouns that stand for someone named earlier.
const PRONOUNS: &[&str] = &["he", "she", "they", "it"];

/// Verbs that attribute speech or writing.
const REPORTING_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "added",
    "adds",
    "told",
    "tells",
    "noted",
    "notes",
    "wrote",
    "writes",
    "explained",
    "explains",
    "argued",
    "argues",
    "stated",
    "states",
    "continued",
    "continues",
    "asked",
    "asks",
    "warned",
    "warns",
    "insisted",
    "insists",
    "claimed",
    "claims",
    "declared",
    "declares",
    "replied",
    "replies",
    "tweeted",
    "posted",
];

/// Words that, opening a sentence, point back to an earlier one.
const BACK_POINTERS: &[&str] = &[
    "but",
    "and",
    "yet",
    "however",
    "still",
    "also",
    "meanwhile",
    "instead",
    "moreover",
    "furthermore",
    "so",
    "then",
    "he",
    "she",
    "they",
    "it",
    "his",
    "her",
    "their",
    "its",
    "this",
    "these",
    "those",
    "that",
    "such",
    "him",
    "them",
];

/// Lower-case words of a sentence: letters and apostrophes.
fn words(sentence: &str) -> impl Iterator<Item = String> + '_ {
    sentence
        .split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’'))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// A word of a sentence as attribution reads it.
struct Word {
    lower: String,
    /// Capitalised and outside quotes, and not a stop word ("The", "In")
    /// that is capitalised only for opening the sentence: a name the
    /// pronoun can stand for.
    names: bool,
}

/// The sentence's words, with quoted ones left out: a name inside a quote
/// is what was said, not who said it.
fn unquoted_words(sentence: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut current = String::new();
    let stop_words = &languages().get(ENGLISH).stop_words;
    let flush = |current: &mut String, out: &mut Vec<Word>| {
        if !current.is_empty() {
            let lower = current.to_lowercase();
            let names = current.starts_with(char::is_uppercase) && !stop_words.contains(lower.as_str());
            out.push(Word { lower, names });
            current.clear();
        }
    };
    for c in sentence.chars() {
        match c {
            '“' | '„' | '«' => {
                flush(&mut current, &mut out);
                quoted = true;
            }
            '”' | '»' => {
                current.clear();
                quoted = false;
            }
            '"' => {
                if quoted {
                    current.clear();
                } else {
                    flush(&mut current, &mut out);
                }
                quoted = !quoted;
            }
            c if c.is_alphabetic() || c == '\'' || c == '’' => {
                if !quoted {
                    current.push(c);
                }
            }
            _ => flush(&mut current, &mut out),
        }
    }
    flush(&mut current, &mut out);
    out
}

/// "..., she said.", "He told reporters ...", "..., said he.": a bare
/// pronoun attributing speech, with no name outside quotes before it that
/// it could stand for ("Schumer said he would try again" names its
/// speaker).
pub(crate) fn dangling_attribution(sentence: &str) -> bool {
    let words = unquoted_words(sentence);
    let pronoun_at = |at: usize| PRONOUNS.contains(&words[at].lower.as_str());
    let verb_at = |at: usize| REPORTING_VERBS.contains(&words[at].lower.as_str());
    (0..words.len()).any(|at| {
        let attributes = (pronoun_at(at) && at + 1 < words.len() && verb_at(at + 1))
            || (pronoun_at(at) && at + 1 == words.len() && at > 0 && verb_at(at - 1));
        attributes && !words[..at].iter().any(|word| word.names)
    })
}

/// Opens with a pronoun or a connective that refers back.
pub(crate) fn needs_context(sentence: &str) -> bool {
    words(sentence).next().is_some_and(|first| BACK_POINTERS.contains(&first.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pronoun_attributions_dangle() {
        assert!(dangling_attribution("“We will not stop,” she said."));
        assert!(dangling_attribution("He told reporters the plan had failed."));
        assert!(dangling_attribution("“It is over,” said he."));
        assert!(!dangling_attribution("“We will not stop,” Ms. Harris said."));
        assert!(!dangling_attribution("The senator said the plan had failed."));
        assert!(!dangling_attribution("Senate Majority Leader Chuck Schumer said he would try again."));
        assert!(!dangling_attribution("Trump said he told Pence to act."));
        assert!(dangling_attribution("“Biden is wrong,” she said."));
        assert!(dangling_attribution("\"Biden is wrong,\" she said."));
        assert!(!dangling_attribution(""));
    }

    #[test]
    fn back_pointers_need_context() {
        assert!(needs_context("But the plan failed."));
        assert!(needs_context("“It is over,” he said."));
        assert!(needs_context("This was the third attempt."));
        assert!(!needs_context("The plan failed on Monday."));
        assert!(!needs_context("“Thank you,” Biden said."));
        assert!(!needs_context("\u{a0}…"));
    }
}
