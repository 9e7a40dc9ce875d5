//! The extractive summariser: a neutral title and a few bullets per story,
//! and per side.
//!
//! Bullets are picked greedily to cover the story's concepts (stemmed words
//! and word pairs) weighted by how many other outlets mention them: each
//! step takes the sentence whose not-yet-covered weight per word (to the
//! power [`SummaryConfig::length_exponent`]) is highest, so a second sentence
//! saying the same as the first gains nothing, which is what removes
//! redundancy (the coverage form of MMR). A hard cap on shared words keeps
//! near-copies out even when bullets are added to reach the minimum.
//!
//! A bullet is a whole sentence that stands alone: never a fragment (a
//! feed's cut teaser, a text ending mid-sentence), never a quote attributed
//! to a bare pronoun, and one that opens by pointing back ("But", "He") only
//! when nothing else is left for the bullets owed. Opinion pieces' sentences
//! count for less and come after news.

use crate::StoryInput;
use crate::analysis::{Analysis, analyse, overlap_cosine};
use crate::generative::GenerativeConfig;
use crate::title::neutral_title;
use parallax_core::{ArticleKind, LeanBucket};
use serde::{Deserialize, Serialize};

/// Every knob of the summariser, with the measurement that set it.
/// Scores are mean ROUGE-1/2/L F1 on the even-numbered stories of neus-dev
/// (the odd ones are held out; `tests/neus_dev.rs`); the landscape is flat,
/// so most values are the plainest among near-equals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SummaryConfig {
    /// Most bullets per story (the product shows 3 to 5).
    pub max_bullets: usize,
    /// Bullets owed even when they cover nothing new, as long as a
    /// non-redundant sentence fits; words are reserved for them while
    /// earlier bullets are chosen. 3 is the product's minimum, not ROUGE's
    /// choice: stopping when nothing new is left scores .402/.181/.276 at
    /// 63 words against .397/.176/.271 at 68.
    pub min_bullets: usize,
    /// Word budget for all bullets together (whitespace-separated words);
    /// the quality bar is judged at 80.
    pub max_words: usize,
    /// A sentence's value is its uncovered weight divided by its word count
    /// to this power: 0 favours long sentences, 1 short ones. 0 scored
    /// .3955/.1768/.2696, 0.3 .3939/.1751/.2685, 0.6 .3931/.1737/.2677.
    pub length_exponent: f32,
    /// Extra value, as a fraction, for the first sentence of an article:
    /// news leads state the event. 0, 0.3 and 0.6 are within 0.001 of each
    /// other; first sentences overlap the reference more (unigram precision
    /// .47 against .39), so a small bonus is kept.
    pub lead_bonus: f32,
    /// A sentence whose word-set cosine with a chosen bullet is above this
    /// says the same thing (a wire copy, a second outlet's lead on the same
    /// fact) and is never chosen. With whole sentences only: 0.5 scored
    /// .3929/.1738/.2673 at 67 words, 0.35 .3948/.1711/.2689 at 64, 0.3
    /// .3940/.1697/.2694 at 62. At 0.5 "Biden will withdraw all remaining
    /// US troops from Afghanistan by September 11" and "Biden has decided
    /// to withdraw all American soldiers from Afghanistan by September 11"
    /// (cosine 0.34) were both bullets.
    pub max_redundancy: f32,
    /// A sentence most of whose words (this share of the shorter one's) a
    /// chosen bullet already has says the same thing in fewer or more
    /// words, whatever the cosine: "Biden signed the order." inside "Biden
    /// signed the order on Monday, the White House said." Rare on neus-dev
    /// (0.6 and 0.8 score within .0001), it guards short sentences.
    pub max_containment: f32,
    /// Sentences read per article, from the top: leads carry the event, and
    /// the cap bounds the work on full bodies (3, 5 and 10 score the same on
    /// neus-dev, whose texts are leads).
    pub max_sentences_per_article: usize,
    /// Most bullets per side (left, center, right). Not measurable on
    /// neus-dev, whose articles carry no side; three short columns fit a
    /// story page.
    pub side_max_bullets: usize,
    /// Word budget per side.
    pub side_max_words: usize,
    /// A headline that argues (a question or exclamation mark, a "Speaker:"
    /// prefix, first or second person) has its value multiplied by this
    /// when the title is chosen; so has a headline the feed cut short, and
    /// one in another language than the story's. Measured as ROUGE-1/L
    /// against neus-dev's editors' titles, with the values below: 0.5
    /// scores .4641/.4246 with 7.5% of chosen titles loaded (27.6% of all
    /// headlines are); 0.7 scores higher with more loaded titles.
    pub loaded_title_factor: f32,
    /// A headline quoting someone's words: editors keep some quotes
    /// ('shadow diplomacy'), so they weigh less than arguing. 1.0 scores
    /// .4597/.4193 with 14.7% loaded, 0.8 .4605/.4198 with 10.5%, 0.7
    /// (with exponent 0.8) .4641/.4246 with 7.5%, 0.5 .4597/.4209 with 6.2%.
    pub quoting_title_factor: f32,
    /// The title's value is its agreement divided by its word count to this
    /// power. 1 (mean agreement per word) scores .4597/.4209 at 8.7 words,
    /// 0.8 .4623/.4226 at 9.0 words, 0.6 .4620/.4209 at 9.5.
    pub title_length_exponent: f32,
    /// Weight of a title word's agreement with other outlets' *headlines*,
    /// added to its agreement with everything they wrote: 0 scores
    /// .4548/.4132, 1 .4588/.4178, 2 .4586/.4179 (before clause candidates).
    pub title_agreement_weight: f32,
    /// A headline is multiplied by this for each evaluative adjective or
    /// side-taking verb ("shocking", "slams") that no other outlet uses,
    /// before the rewrite drops or replaces it. Neutrality, not ROUGE, sets
    /// it: 1.0 and 0.7 score within .0003.
    pub unshared_judgement_factor: f32,
    /// A sentence from an opinion piece has its value multiplied by this,
    /// and bullets from opinion come after the others.
    pub opinion_factor: f32,
    /// The optional model-written title and bullets (`[summary.generative]`);
    /// off by default, when everything above is what summarises.
    pub generative: GenerativeConfig,
}

impl Default for SummaryConfig {
    fn default() -> Self {
        SummaryConfig {
            max_bullets: 5,
            min_bullets: 3,
            max_words: 80,
            length_exponent: 0.0,
            lead_bonus: 0.3,
            max_redundancy: 0.35,
            max_containment: 0.8,
            max_sentences_per_article: 10,
            side_max_bullets: 3,
            side_max_words: 60,
            loaded_title_factor: 0.5,
            quoting_title_factor: 0.7,
            title_length_exponent: 0.8,
            title_agreement_weight: 1.0,
            unshared_judgement_factor: 0.7,
            opinion_factor: 0.5,
            generative: GenerativeConfig::default(),
        }
    }
}

/// One bullet: a sentence exactly as its article has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bullet {
    pub text: String,
    /// The index, in [`StoryInput::articles`], of the article it came from.
    pub article: usize,
}

/// Bullets drawn from each side's articles only, weighted by the whole story.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SideSummaries {
    pub left: Vec<Bullet>,
    pub center: Vec<Bullet>,
    pub right: Vec<Bullet>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// The neutral title (see [`crate::title`]); empty when no article has
    /// a headline.
    pub title: String,
    /// The index of the article whose headline the title was made from.
    pub title_from: Option<usize>,
    pub bullets: Vec<Bullet>,
    pub sides: SideSummaries,
}

/// Limits of one selection: the story's or one side's.
struct Budget {
    max_bullets: usize,
    min_bullets: usize,
    max_words: usize,
}

/// Summarises a story. Bullets come from the articles in the story's main
/// language (the most common one), news before opinion, each group in the
/// order chosen, most central first.
pub fn summarize(story: &StoryInput, config: &SummaryConfig) -> Summary {
    let analysis = analyse(story, config.max_sentences_per_article);
    let language = main_language(&analysis);
    let title = neutral_title(story, &analysis, language, config);
    // A headline standing in for a missing text is no bullet once it is
    // the title.
    let title_article = title.as_ref().map(|title| title.article);
    let not_the_title = |sentence: usize| {
        let sentence = &analysis.sentences[sentence];
        !(sentence.from_title && Some(sentence.article) == title_article)
    };
    let eligible = eligible_sentences(&analysis, language, |_| true, not_the_title);
    let budget =
        Budget { max_bullets: config.max_bullets, min_bullets: config.min_bullets, max_words: config.max_words };
    let bullets = select_diverse(story, &analysis, &eligible, &budget, config);

    let side_budget = Budget {
        max_bullets: config.side_max_bullets,
        min_bullets: config.min_bullets.min(config.side_max_bullets),
        max_words: config.side_max_words,
    };
    let side = |bucket: LeanBucket| {
        let in_side = |article: usize| story.articles[article].side == Some(bucket);
        let eligible = eligible_sentences(&analysis, language, in_side, |_| true);
        to_bullets(story, &analysis, &select(story, &analysis, &eligible, &side_budget, config, None))
    };
    let (title, title_from) = match title {
        Some(title) => (title.text, Some(title.article)),
        None => (String::new(), None),
    };
    Summary {
        title,
        title_from,
        bullets: to_bullets(story, &analysis, &bullets),
        sides: SideSummaries {
            left: side(LeanBucket::Left),
            center: side(LeanBucket::Center),
            right: side(LeanBucket::Right),
        },
    }
}

/// The chosen sentences as bullets, news first, opinion after.
fn to_bullets(story: &StoryInput, analysis: &Analysis, chosen: &[usize]) -> Vec<Bullet> {
    let mut bullets: Vec<(bool, Bullet)> = chosen
        .iter()
        .map(|&index| {
            let sentence = &analysis.sentences[index];
            let opinion = story.articles[sentence.article].kind == ArticleKind::Opinion;
            (opinion, Bullet { text: analysis.sentence_text(story, sentence).to_string(), article: sentence.article })
        })
        .collect();
    bullets.sort_by_key(|(opinion, _)| *opinion);
    bullets.into_iter().map(|(_, bullet)| bullet).collect()
}

/// The language most articles are in; ties go to the earliest article's.
fn main_language(analysis: &Analysis) -> usize {
    let mut best: Option<(usize, usize)> = None;
    for article in &analysis.articles {
        let count = analysis.articles.iter().filter(|a| a.language == article.language).count();
        if best.is_none_or(|(_, best_count)| count > best_count) {
            best = Some((article.language, count));
        }
    }
    best.map_or(0, |(language, _)| language)
}

/// Sentences that may become bullets: whole ones in the summary's language
/// with at least one content word and no dangling attribution, those that
/// stand alone apart from those that point back to an earlier sentence.
struct Eligible {
    standalone: Vec<usize>,
    leaning: Vec<usize>,
}

impl Eligible {
    fn all(&self) -> impl Iterator<Item = usize> + '_ {
        self.standalone.iter().chain(&self.leaning).copied()
    }
}

fn eligible_sentences(
    analysis: &Analysis,
    language: usize,
    article_filter: impl Fn(usize) -> bool,
    sentence_filter: impl Fn(usize) -> bool,
) -> Eligible {
    let mut eligible = Eligible { standalone: Vec::new(), leaning: Vec::new() };
    for (index, sentence) in analysis.sentences.iter().enumerate() {
        if analysis.articles[sentence.article].language == language
            && article_filter(sentence.article)
            && sentence_filter(index)
            && !sentence.unigrams.is_empty()
            && !sentence.fragment
            && !sentence.dangling
        {
            if sentence.needs_context { eligible.leaning.push(index) } else { eligible.standalone.push(index) }
        }
    }
    eligible
}

/// [`select`], then again with the second bullet forced to another outlet
/// when the first run drew everything from one outlet and others have
/// candidates: a story told by several outlets is summarised by several.
fn select_diverse(
    story: &StoryInput,
    analysis: &Analysis,
    eligible: &Eligible,
    budget: &Budget,
    config: &SummaryConfig,
) -> Vec<usize> {
    let chosen = select(story, analysis, eligible, budget, config, None);
    let outlet_of = |index: usize| analysis.articles[analysis.sentences[index].article].outlet;
    let Some(&first) = chosen.first() else { return chosen };
    let single_outlet = chosen.iter().all(|&index| outlet_of(index) == outlet_of(first));
    let others_exist = eligible.all().any(|index| outlet_of(index) != outlet_of(first));
    if single_outlet && others_exist {
        let diverse = select(story, analysis, eligible, budget, config, Some(outlet_of(first)));
        if diverse.len() > 1 {
            return diverse;
        }
    }
    chosen
}

/// Whether `candidate` says what `chosen` already says: a high cosine of
/// their word sets, or most of the shorter one's words in the other.
fn redundant(analysis: &Analysis, candidate: usize, chosen: usize, config: &SummaryConfig) -> bool {
    let a = analysis.concepts(&analysis.sentences[candidate].unigrams);
    let b = analysis.concepts(&analysis.sentences[chosen].unigrams);
    let cosine = overlap_cosine(a, b);
    let shorter = a.len().min(b.len()).max(1) as f32;
    let shared = cosine * ((a.len() * b.len()) as f32).sqrt();
    cosine > config.max_redundancy || shared / shorter > config.max_containment
}

/// Greedy weighted coverage under the budget, sentences that stand alone
/// first; those that lean on an earlier sentence only fill the bullets
/// still owed to the minimum. With `second_from_other_than` set, the
/// second bullet must come from an outlet other than that one.
fn select(
    story: &StoryInput,
    analysis: &Analysis,
    eligible: &Eligible,
    budget: &Budget,
    config: &SummaryConfig,
    second_from_other_than: Option<usize>,
) -> Vec<usize> {
    let mut covered = vec![false; analysis.weights.len()];
    let mut chosen: Vec<usize> = Vec::with_capacity(budget.max_bullets);
    let mut words = 0;
    let pool = if eligible.standalone.is_empty() { &eligible.leaning } else { &eligible.standalone };
    let mut shortest: Vec<usize> = pool.iter().map(|&index| analysis.sentences[index].words).collect();
    shortest.sort_unstable();
    while chosen.len() < budget.max_bullets {
        // Words that must stay free for the bullets still owed to the
        // minimum: the shortest sentences' lengths (a lower bound), so a
        // long sentence does not crowd out the third bullet.
        let still_owed = budget.min_bullets.saturating_sub(chosen.len() + 1);
        let reserve: usize = shortest.iter().take(still_owed).sum();
        let mut best: Option<(f32, f32, usize)> = None;
        let leaning_allowed = chosen.len() < budget.min_bullets || eligible.standalone.is_empty();
        let passes: &[(usize, bool)] = if leaning_allowed {
            &[(reserve, false), (0, false), (reserve, true), (0, true)]
        } else {
            &[(reserve, false), (0, false)]
        };
        for &(pass_reserve, leaning) in passes {
            let candidates = if leaning { &eligible.leaning } else { &eligible.standalone };
            for &index in candidates {
                let sentence = &analysis.sentences[index];
                if chosen.contains(&index) || words + sentence.words + pass_reserve > budget.max_words {
                    continue;
                }
                if chosen.len() == 1 && second_from_other_than == Some(analysis.articles[sentence.article].outlet) {
                    continue;
                }
                if chosen.iter().any(|&other| redundant(analysis, index, other, config)) {
                    continue;
                }
                let (mut gain, mut total) = (0.0, 0.0);
                for &concept in analysis.concepts(&sentence.concepts) {
                    let weight = analysis.weights[concept as usize];
                    total += weight;
                    if !covered[concept as usize] {
                        gain += weight;
                    }
                }
                let lead = if sentence.position == 0 { 1.0 + config.lead_bonus } else { 1.0 };
                let length = (sentence.words.max(1) as f32).powf(config.length_exponent);
                let kind = if story.articles[sentence.article].kind == ArticleKind::Opinion {
                    config.opinion_factor
                } else {
                    1.0
                };
                // Once nothing new is left, the most central sentence fills in.
                let value = (gain + TIE_BREAK_SHARE * total) * lead * kind / length;
                if best.is_none_or(|(best_value, _, _)| value > best_value) {
                    best = Some((value, gain, index));
                }
            }
            if best.is_some() {
                break;
            }
        }
        let Some((_, gain, index)) = best else { break };
        if gain <= 0.0 && chosen.len() >= budget.min_bullets {
            break;
        }
        for &concept in analysis.concepts(&analysis.sentences[index].concepts) {
            covered[concept as usize] = true;
        }
        words += analysis.sentences[index].words;
        chosen.push(index);
    }
    chosen
}

/// Share of a sentence's whole weight added to its new weight, so that ties
/// (above all the "nothing new" fill-in steps) go to the more central one
/// without changing which sentence covers more.
const TIE_BREAK_SHARE: f32 = 0.01;

/// Cheap signs that a headline argues rather than reports: a question or
/// exclamation, quoted words, a "Speaker: claim" form, or addressing the
/// reader or speaking as "I"/"we".
pub fn is_loaded_headline(title: &str) -> bool {
    quotes_someone(title) || argues(title)
}

/// Quoted words in a headline: a phrase one side uses ('shadow diplomacy',
/// "mass hysterectomies"), which editors' neutral titles keep in quotes too.
pub(crate) fn quotes_someone(title: &str) -> bool {
    title.contains(['“', '”', '"', '«', '»']) || has_single_quotes(title)
}

/// The signs of a headline that argues: a question or exclamation, a
/// "Speaker: claim" form, or "I", "we" and "you".
pub(crate) fn argues(title: &str) -> bool {
    let title = title.trim();
    if title.contains(['?', '!']) {
        return true;
    }
    if let Some((speaker, _)) = title.split_once(": ")
        && speaker.split_whitespace().count() <= 3
    {
        return true;
    }
    title.split(|c: char| !c.is_alphanumeric() && c != '\'').any(|word| {
        matches!(word, "I" | "I'm" | "We" | "we" | "You" | "you" | "Your" | "your" | "My" | "my" | "Our" | "our")
    })
}

/// A quote in single marks ('shadow diplomacy'), not an apostrophe
/// (Kerry's, rock 'n' roll): the mark opens after a space or at the start.
fn has_single_quotes(title: &str) -> bool {
    let mut previous = ' ';
    for c in title.chars() {
        if matches!(c, '\'' | '‘' | '’') && previous.is_whitespace() {
            return true;
        }
        previous = c;
    }
    false
}
