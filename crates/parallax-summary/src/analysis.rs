//! One pass over a story: sentences, their concepts (stemmed content words
//! and adjacent pairs of them), and how many outlets mention each concept.
//!
//! A concept's weight is the number of outlets other than one that mention
//! it, so a sentence is central when it says what other outlets say too.
//! Concepts live in one sorted table per story; sentences refer to them by
//! index so the selection loop works on plain integers.

use crate::headline::{CleanHeadline, clean_headline};
use crate::lang::{ENGLISH, LangId, OTHER, languages};
use crate::sentences::split_into;
use crate::{ArticleText, StoryInput};
use rustc_hash::FxHashMap;
use std::ops::Range;

/// Marks a surface form that yields no term (a stop word or a lone letter).
const NO_TERM: u32 = u32::MAX;

/// Bigram keys have this bit set, unigram keys are the bare term id.
const BIGRAM: u64 = 1 << 63;

#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    pub article: usize,
    /// 0 for the first sentence of the article's text.
    pub position: usize,
    /// Byte range in the article's text (its title, when `from_title`).
    pub range: Range<usize>,
    /// The article has no text (a headline-only feed): its title stands as
    /// its one sentence, so such a story still gets bullets.
    pub from_title: bool,
    /// Whitespace-separated words, the unit of the word budget.
    pub words: usize,
    /// Indices into [`Analysis::weights`], sorted, unigrams and bigrams.
    pub concepts: Range<usize>,
    /// Indices of the unigram concepts only (a prefix-free sub-list of
    /// `concepts`), for the redundancy test.
    pub unigrams: Range<usize>,
    /// Ends without terminal punctuation or with an ellipsis, or starts in
    /// the middle of a word or sentence: a feed cut the text, so the
    /// sentence is a fragment. A headline standing in for a missing text is
    /// one only when it ends in an ellipsis.
    pub fragment: bool,
    /// Attributed to a bare pronoun ("..., she said."): read alone, nobody
    /// said it.
    pub dangling: bool,
    /// Opens with a pronoun or a connective ("He also...", "But the..."):
    /// it leans on a sentence the reader of a bullet has not seen.
    pub needs_context: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ArticleInfo {
    pub language: LangId,
    pub outlet: usize,
    /// The headline without its wrapping (kicker, site name).
    pub title: CleanHeadline,
    /// Indices into [`Analysis::weights`] of the title's unigram concepts.
    pub title_concepts: Range<usize>,
    /// Each word of the cleaned title with its concept, [`NO_CONCEPT`] for
    /// a stop word.
    pub title_words: Vec<(Range<usize>, u32)>,
}

/// A title word that is no concept (a stop word or a lone letter).
pub(crate) const NO_CONCEPT: u32 = u32::MAX;

#[derive(Debug, Default)]
pub(crate) struct Analysis {
    pub articles: Vec<ArticleInfo>,
    pub sentences: Vec<Sentence>,
    /// Concept indices, referred to by ranges from sentences and titles.
    pub concept_lists: Vec<u32>,
    /// Outlets mentioning each concept, minus one (0 for a concept only one
    /// outlet uses).
    pub weights: Vec<f32>,
    /// Outlets whose headline has each concept, minus one (0 when at most
    /// one headline has it): what the headlines agree on.
    pub title_weights: Vec<f32>,
    pub outlet_count: usize,
}

/// Per-call scratch: the interner and buffers reused from sentence to
/// sentence.
#[derive(Default)]
struct Scratch {
    surface: FxHashMap<Box<str>, u32>,
    terms: FxHashMap<Box<str>, u32>,
    lower: String,
    stem_key: String,
    tokens: Vec<u32>,
    keys: Vec<u64>,
}

/// Whose concepts a run of keys in the raw list is.
enum Owner {
    Title(usize),
    Sentence(usize),
}

pub(crate) fn analyse(story: &StoryInput, max_sentences_per_article: usize) -> Analysis {
    let languages = languages();
    let mut scratch = Scratch::default();
    let mut outlets: Vec<&str> = Vec::new();
    let mut analysis = Analysis::default();
    // Concept keys before they are numbered, one run per title or sentence:
    // (owner, all keys, where its unigrams end).
    let mut raw: Vec<u64> = Vec::new();
    let mut runs: Vec<(Owner, Range<usize>, usize)> = Vec::new();
    let mut mentions: Vec<(u64, u32)> = Vec::new();
    let mut title_mentions: Vec<(u64, u32)> = Vec::new();
    // Per article, its title words with their term ids, numbered later.
    let mut title_terms: Vec<Vec<(Range<usize>, u32)>> = Vec::new();
    let mut sentence_ranges = Vec::new();

    for (index, article) in story.articles.iter().enumerate() {
        let sample = if article.text.is_empty() { article.title } else { article.text };
        let language = languages.resolve(article.language, sample);
        let outlet_key = article.outlet.unwrap_or(article.id);
        let outlet = match outlets.iter().position(|o| *o == outlet_key) {
            Some(position) => position,
            None => {
                outlets.push(outlet_key);
                outlets.len() - 1
            }
        };
        let title = clean_headline(article.title);
        let article_raw_start = raw.len();
        let unigram_end = concepts_of(&title.text, language, &mut scratch, &mut raw);
        runs.push((Owner::Title(index), article_raw_start..raw.len(), unigram_end));
        title_mentions.extend(raw[article_raw_start..unigram_end].iter().map(|&key| (key, outlet as u32)));
        title_terms.push(
            tokens(&title.text)
                .map(|token| {
                    let start = token.as_ptr() as usize - title.text.as_ptr() as usize;
                    (start..start + token.len(), term_id(token, language, &mut scratch))
                })
                .collect(),
        );
        analysis.articles.push(ArticleInfo { language, outlet, title, title_concepts: 0..0, title_words: Vec::new() });

        sentence_ranges.clear();
        let from_title = article.text.trim().is_empty();
        let body = if from_title { article.title } else { article.text };
        split_into(body, language, &mut sentence_ranges);
        for (position, range) in sentence_ranges.iter().take(max_sentences_per_article).enumerate() {
            let text = &body[range.clone()];
            let start = raw.len();
            let unigram_end = concepts_of(text, language, &mut scratch, &mut raw);
            runs.push((Owner::Sentence(analysis.sentences.len()), start..raw.len(), unigram_end));
            let english = language == ENGLISH;
            analysis.sentences.push(Sentence {
                article: index,
                position,
                range: range.clone(),
                from_title,
                words: text.split_whitespace().count(),
                concepts: 0..0,
                unigrams: 0..0,
                fragment: if from_title { ends_in_ellipsis(text) } else { is_fragment(text) || starts_cut(text) },
                dangling: english && crate::context::dangling_attribution(text),
                needs_context: english && crate::context::needs_context(text),
            });
        }
        mentions.extend(raw[article_raw_start..].iter().map(|&key| (key, outlet as u32)));
    }
    analysis.outlet_count = outlets.len();

    mentions.sort_unstable();
    mentions.dedup();
    let mut keys: Vec<u64> = Vec::with_capacity(mentions.len());
    for run in mentions.chunk_by(|a, b| a.0 == b.0) {
        keys.push(run[0].0);
        analysis.weights.push((run.len() - 1) as f32);
    }
    title_mentions.sort_unstable();
    title_mentions.dedup();
    analysis.title_weights = vec![0.0; keys.len()];
    for run in title_mentions.chunk_by(|a, b| a.0 == b.0) {
        if let Ok(index) = keys.binary_search(&run[0].0) {
            analysis.title_weights[index] = (run.len() - 1) as f32;
        }
    }
    for (info, words) in analysis.articles.iter_mut().zip(title_terms) {
        info.title_words = words
            .into_iter()
            .map(|(range, term)| {
                let concept = if term == NO_TERM {
                    NO_CONCEPT
                } else {
                    keys.binary_search(&u64::from(term)).map_or(NO_CONCEPT, |i| i as u32)
                };
                (range, concept)
            })
            .collect();
    }

    // Keys within a run are sorted (unigrams, then bigrams with the top bit
    // set), and numbering keeps their order, so every list stays sorted.
    let index_of = |key: &u64| keys.binary_search(key).map_or(0, |i| i as u32);
    for (owner, all, unigram_end) in runs {
        let start = analysis.concept_lists.len();
        let unigram_count = unigram_end - all.start;
        match owner {
            Owner::Title(article) => {
                analysis.concept_lists.extend(raw[all.start..unigram_end].iter().map(index_of));
                analysis.articles[article].title_concepts = start..analysis.concept_lists.len();
            }
            Owner::Sentence(sentence) => {
                analysis.concept_lists.extend(raw[all].iter().map(index_of));
                let sentence = &mut analysis.sentences[sentence];
                sentence.unigrams = start..start + unigram_count;
                sentence.concepts = start..analysis.concept_lists.len();
            }
        }
    }
    analysis
}

/// Appends the distinct concept keys of `text` to `out`, unigrams first
/// (each group sorted), and returns where the unigrams end.
fn concepts_of(text: &str, language: LangId, scratch: &mut Scratch, out: &mut Vec<u64>) -> usize {
    scratch.tokens.clear();
    for token in tokens(text) {
        let id = term_id(token, language, scratch);
        if id != NO_TERM {
            scratch.tokens.push(id);
        }
    }
    scratch.keys.clear();
    scratch.keys.extend(scratch.tokens.iter().map(|&id| u64::from(id)));
    scratch.keys.sort_unstable();
    scratch.keys.dedup();
    out.extend_from_slice(&scratch.keys);
    let unigram_end = out.len();
    scratch.keys.clear();
    scratch.keys.extend(scratch.tokens.windows(2).map(|pair| BIGRAM | (u64::from(pair[0]) << 32) | u64::from(pair[1])));
    scratch.keys.sort_unstable();
    scratch.keys.dedup();
    out.extend_from_slice(&scratch.keys);
    unigram_end
}

/// Words and numbers: runs of letters and digits; a comma or period
/// between digits stays inside the number ("2,300", "3.5").
pub(crate) fn tokens(text: &str) -> Tokens<'_> {
    Tokens { text, at: 0 }
}

pub(crate) struct Tokens<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> Iterator for Tokens<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        let bytes = self.text.as_bytes();
        let rest = &self.text[self.at..];
        let skip = rest.find(char::is_alphanumeric)?;
        let start = self.at + skip;
        let mut end = start;
        for (offset, c) in self.text[start..].char_indices() {
            let i = start + offset;
            let inner_number_mark = matches!(c, ',' | '.')
                && bytes[i - 1].is_ascii_digit()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !(c.is_alphanumeric() || inner_number_mark) {
                break;
            }
            end = i + c.len_utf8();
        }
        self.at = end;
        Some(&self.text[start..end])
    }
}

fn term_id(token: &str, language: LangId, scratch: &mut Scratch) -> u32 {
    scratch.lower.clear();
    scratch.lower.push(char::from(b'a' + language as u8));
    scratch.lower.extend(token.chars().flat_map(char::to_lowercase).filter(|c| *c != ','));
    if let Some(&id) = scratch.surface.get(scratch.lower.as_str()) {
        return id;
    }
    let word = &scratch.lower[1..];
    let data = languages().get(language);
    let id = if word.chars().count() < 2 && !word.starts_with(|c: char| c.is_ascii_digit())
        || data.stop_words.contains(word)
    {
        NO_TERM
    } else {
        scratch.stem_key.clear();
        if language == OTHER || word.starts_with(|c: char| c.is_ascii_digit()) {
            scratch.stem_key.push_str(word);
        } else {
            scratch.stem_key.push_str(&data.stemmer.stem(word));
        }
        let next = scratch.terms.len() as u32;
        *scratch.terms.entry(scratch.stem_key.as_str().into()).or_insert(next)
    };
    scratch.surface.insert(scratch.lower.as_str().into(), id);
    id
}

/// Whether a sentence stops short: an ellipsis, or no terminal
/// punctuation, after any closing quotes and brackets.
pub(crate) fn is_fragment(sentence: &str) -> bool {
    let trimmed = without_closers(sentence);
    ends_in_ellipsis(sentence) || !trimmed.ends_with(['.', '!', '?', '。', '！', '？'])
}

/// Whether a text's first word is all lower case ("resident Trump said",
/// where a page's drop cap was lost; "said on Monday." after a cut): the
/// splitter never starts a sentence there, so the text was cut before it.
/// A brand written "iPhone" or "eBay" is a word with a capital in it.
fn starts_cut(sentence: &str) -> bool {
    let first_word = sentence
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    first_word.starts_with(char::is_lowercase) && !first_word.chars().any(char::is_uppercase)
}

fn ends_in_ellipsis(sentence: &str) -> bool {
    let trimmed = without_closers(sentence);
    trimmed.ends_with("...") || trimmed.ends_with('…')
}

fn without_closers(sentence: &str) -> &str {
    sentence.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']'))
}

/// Cosine of two sorted index lists read as sets.
pub(crate) fn overlap_cosine(a: &[u32], b: &[u32]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f32 / ((a.len() * b.len()) as f32).sqrt()
}

impl Analysis {
    pub fn concepts(&self, range: &Range<usize>) -> &[u32] {
        &self.concept_lists[range.clone()]
    }

    pub fn sentence_text<'a>(&self, story: &'a StoryInput, sentence: &Sentence) -> &'a str {
        let article: &ArticleText = &story.articles[sentence.article];
        let body = if sentence.from_title { article.title } else { article.text };
        &body[sentence.range.clone()]
    }
}
