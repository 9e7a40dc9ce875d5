//! A story's neutral title: the headline that says what most outlets say,
//! never an opinion piece's, cleaned and rewritten where one outlet's words
//! take a side.
//!
//! Each headline (cleaned of kickers and site names, see
//! [`crate::headline`]) is worth the agreement of its words: for each of
//! its concepts, how many other outlets mention it anywhere plus how many
//! other outlets' headlines have it, divided by its word count to the
//! power [`SummaryConfig::title_length_exponent`]. Loaded headlines
//! (questions, quotes, "I" and "you"), cut ones, ones in another language
//! than the story's and ones carrying a judgement no other outlet makes
//! are discounted. The best is rewritten by [`neutral_rewrite`].

use crate::StoryInput;
use crate::analysis::{Analysis, NO_CONCEPT};
use crate::headline::{is_evaluative, is_side_taking, neutral_rewrite};
use crate::lang::{ENGLISH, LangId};
use crate::summary::{SummaryConfig, argues, quotes_someone};
use parallax_core::ArticleKind;
use rustc_hash::FxHashSet;

/// The chosen title and the article whose headline it comes from.
pub(crate) struct Title {
    pub text: String,
    pub article: usize,
}

pub(crate) fn neutral_title(
    story: &StoryInput,
    analysis: &Analysis,
    language: LangId,
    config: &SummaryConfig,
) -> Option<Title> {
    let has_title = |index: usize| !analysis.articles[index].title.text.trim().is_empty();
    let reported = |index: usize| story.articles[index].kind != ArticleKind::Opinion;
    // Opinion never titles a story that has anything else to title it.
    let any_reported = (0..story.articles.len()).any(|i| has_title(i) && reported(i));
    let mut best: Option<(f32, usize, usize)> = None;
    for index in (0..story.articles.len()).filter(|&i| has_title(i) && (reported(i) || !any_reported)) {
        for end in candidate_ends(&analysis.articles[index].title.text) {
            let value = headline_value(analysis, index, end, language, config);
            if best.is_none_or(|(best_value, _, _)| value > best_value) {
                best = Some((value, index, end));
            }
        }
    }
    let (_, article, end) = best?;
    let info = &analysis.articles[article];
    let headline = &info.title.text[..end];
    let text = if info.language == ENGLISH {
        let shared = shared_words(analysis, article);
        neutral_rewrite(headline, |word| shared.contains(word))
    } else {
        headline.to_string()
    };
    Some(Title { text, article })
}

/// A headline's main clause stands alone when at least this many words
/// come before the break.
const MIN_CLAUSE_WORDS: usize = 4;

/// Where a title may end: the whole headline, or its main clause, before
/// the first comma, semicolon or dash that follows at least
/// [`MIN_CLAUSE_WORDS`] words ("Sacklers moved $1 billion, court papers
/// show" -> "Sacklers moved $1 billion"). Each is scored on its own words,
/// so a clause that adds words the other outlets do not share is dropped.
fn candidate_ends(headline: &str) -> Vec<usize> {
    let mut ends = vec![headline.len()];
    let mut previous = ' ';
    let mut words = 0;
    for (at, c) in headline.char_indices() {
        let next_is_space = headline[at + c.len_utf8()..].starts_with(' ');
        let breaks = match c {
            ',' | ';' => next_is_space,
            '—' | '–' | '-' => previous == ' ' && next_is_space,
            _ => false,
        };
        let words_before = words + usize::from(previous != ' ');
        if breaks && words_before >= MIN_CLAUSE_WORDS {
            let end = if previous == ' ' { at - 1 } else { at };
            ends.push(end);
            break;
        }
        if c == ' ' && previous != ' ' {
            words += 1;
        }
        previous = c;
    }
    ends
}

fn headline_value(analysis: &Analysis, index: usize, end: usize, language: LangId, config: &SummaryConfig) -> f32 {
    let info = &analysis.articles[index];
    let text = &info.title.text[..end];
    let words = text.split_whitespace().count().max(1);
    let mut concepts: Vec<u32> = info
        .title_words
        .iter()
        .filter(|(range, concept)| range.end <= end && *concept != NO_CONCEPT)
        .map(|(_, concept)| *concept)
        .collect();
    concepts.sort_unstable();
    concepts.dedup();
    let agreement: f32 = concepts
        .iter()
        .map(|&c| analysis.weights[c as usize] + config.title_agreement_weight * analysis.title_weights[c as usize])
        .sum();
    let mut value = agreement / (words as f32).powf(config.title_length_exponent);
    if argues(text) {
        value *= config.loaded_title_factor;
    }
    if quotes_someone(text) {
        value *= config.quoting_title_factor;
    }
    if info.language != language {
        value *= config.loaded_title_factor;
    }
    if info.title.cut && end == info.title.text.len() {
        value *= config.loaded_title_factor;
    }
    if info.language == ENGLISH {
        let judgements = info
            .title_words
            .iter()
            .filter(|(range, concept)| {
                let unshared = *concept == NO_CONCEPT || analysis.weights[*concept as usize] == 0.0;
                range.end <= end && unshared && {
                    let lower = info.title.text[range.clone()].to_lowercase();
                    is_evaluative(&lower) || is_side_taking(&lower)
                }
            })
            .count();
        value *= config.unshared_judgement_factor.powi(judgements as i32);
    }
    value
}

/// The lower-case words of an article's title that another outlet uses too.
fn shared_words(analysis: &Analysis, article: usize) -> FxHashSet<String> {
    let info = &analysis.articles[article];
    info.title_words
        .iter()
        .filter(|(_, concept)| *concept != NO_CONCEPT && analysis.weights[*concept as usize] > 0.0)
        .map(|(range, _)| info.title.text[range.clone()].to_lowercase())
        .collect()
}

/// The evaluation's baseline: the headline whose words the other outlets
/// use most, per word, with none of [`neutral_title`]'s discounts,
/// exclusions or rewriting. `None` when no article has a headline.
pub fn most_central_headline(story: &StoryInput) -> Option<usize> {
    let analysis = crate::analysis::analyse(story, usize::MAX);
    let mut best: Option<(f32, usize)> = None;
    for (index, info) in analysis.articles.iter().enumerate() {
        let words = story.articles[index].title.split_whitespace().count();
        if words == 0 {
            continue;
        }
        let agreement: f32 =
            analysis.concepts(&info.title_concepts).iter().map(|&c| analysis.weights[c as usize]).sum();
        let value = agreement / words as f32;
        if best.is_none_or(|(best_value, _)| value > best_value) {
            best = Some((value, index));
        }
    }
    best.map(|(_, index)| index)
}

/// How many of a title's words pass a judgement: evaluative adjectives and
/// adverbs (the lexicon of [`crate::headline`]) and side-taking verbs. The
/// measure `parallax eval summary` reports for titles.
pub fn judgement_words(title: &str) -> usize {
    title
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| is_evaluative(word) || is_side_taking(word))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_ends(headline: &str, expected: &[&str]) {
        let got: Vec<&str> = candidate_ends(headline).into_iter().map(|end| &headline[..end]).collect();
        assert_eq!(got, expected, "{headline:?}");
    }

    #[test]
    fn the_main_clause_is_a_candidate_title() {
        check_ends(
            "Sacklers moved $1 billion, court papers show",
            &["Sacklers moved $1 billion, court papers show", "Sacklers moved $1 billion"],
        );
        check_ends(
            "Trump cuts off U.S. funding to WHO — pending review",
            &["Trump cuts off U.S. funding to WHO — pending review", "Trump cuts off U.S. funding to WHO"],
        );
        check_ends("Bad, bad news for the league", &["Bad, bad news for the league"]);
        check_ends("U.S.-China talks resume in Geneva", &["U.S.-China talks resume in Geneva"]);
        check_ends("", &[""]);
    }
}
