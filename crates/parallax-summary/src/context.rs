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

/// Words of a sentence: letters and apostrophes.
fn words(sentence: &str) -> impl Iterator<Item = &str> + '_ {
    sentence.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’')).filter(|word| !word.is_empty())
}

/// The sentence's words outside quotes, each with whether it could be a
/// name the pronoun stands for: capitalised and not a stop word ("The",
/// "In") that is capitalised only for opening the sentence. A name inside
/// a quote is what was said, not who said it. Words are borrowed, and only
/// capitalised ones are lower-cased (for the stop-word test), since this
/// runs on every sentence of every story.
fn unquoted_words<'s>(sentence: &'s str) -> Vec<(&'s str, bool)> {
    let stop_words = &languages().get(ENGLISH).stop_words;
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start: Option<usize> = None;
    let flush = |start: &mut Option<usize>, end: usize, out: &mut Vec<(&'s str, bool)>| {
        if let Some(from) = start.take() {
            let word = &sentence[from..end];
            let names = word.starts_with(char::is_uppercase) && !stop_words.contains(word.to_lowercase().as_str());
            out.push((word, names));
        }
    };
    for (at, c) in sentence.char_indices() {
        match c {
            '“' | '„' | '«' => {
                flush(&mut start, at, &mut out);
                quoted = true;
            }
            '”' | '»' => {
                start = None;
                quoted = false;
            }
            '"' => {
                if quoted {
                    start = None;
                } else {
                    flush(&mut start, at, &mut out);
                }
                quoted = !quoted;
            }
            c if c.is_alphabetic() || c == '\'' || c == '’' => {
                if !quoted && start.is_none() {
                    start = Some(at);
                }
            }
            _ => flush(&mut start, at, &mut out),
        }
    }
    if !quoted {
        flush(&mut start, sentence.len(), &mut out);
    }
    out
}

fn is_one_of(word: &str, list: &[&str]) -> bool {
    list.iter().any(|listed| listed.eq_ignore_ascii_case(word))
}

/// "..., she said.", "He told reporters ...", "..., said he.": a bare
/// pronoun attributing speech, with no name outside quotes before it that
/// it could stand for ("Schumer said he would try again" names its
/// speaker).
pub(crate) fn dangling_attribution(sentence: &str) -> bool {
    // Most sentences have no pronoun beside a reporting verb at all; only
    // those that do are read with their quotes and names.
    let mut previous: Option<&str> = None;
    let adjacent = words(sentence).any(|word| {
        let pair = previous.is_some_and(|before| {
            (is_one_of(before, PRONOUNS) && is_one_of(word, REPORTING_VERBS))
                || (is_one_of(before, REPORTING_VERBS) && is_one_of(word, PRONOUNS))
        });
        previous = Some(word);
        pair
    });
    if !adjacent {
        return false;
    }
    let words = unquoted_words(sentence);
    let pronoun_at = |at: usize| is_one_of(words[at].0, PRONOUNS);
    let verb_at = |at: usize| is_one_of(words[at].0, REPORTING_VERBS);
    (0..words.len()).any(|at| {
        let attributes = (pronoun_at(at) && at + 1 < words.len() && verb_at(at + 1))
            || (pronoun_at(at) && at + 1 == words.len() && at > 0 && verb_at(at - 1));
        attributes && !words[..at].iter().any(|(_, names)| *names)
    })
}

/// Opens with a pronoun or a connective that refers back.
pub(crate) fn needs_context(sentence: &str) -> bool {
    words(sentence).next().is_some_and(|first| is_one_of(first, BACK_POINTERS))
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
