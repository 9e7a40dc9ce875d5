//! Quality and speed on the real NeuS development set (not in the repo).
//!
//! `cargo test -p parallax-summary --release -- --ignored --nocapture`
//!
//! Scores the default summariser (or the JSON object in
//! `PARALLAX_SUMMARY_CONFIG`, for experiments) and the lead baselines with
//! ROUGE F1 against the editors' summaries, over all stories and the
//! even-numbered (tuning) and odd-numbered (held-out) halves, next to the
//! best any choice of whole sentences could score (the oracles), then
//! measures stories per second. Speed is printed, never asserted.

use parallax_summary::rouge::{self, RougeScores};
use parallax_summary::{
    ArticleText, StoryInput, SummaryConfig, disagreements, is_fragment, is_loaded_headline, split_sentences, summarize,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

struct Article {
    id: String,
    title: String,
    text: String,
}

struct Story {
    articles: Vec<usize>,
    reference_title: String,
    reference_text: String,
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/neus-dev")
}

fn load() -> Option<(Vec<Article>, Vec<Story>)> {
    let dir = data_dir();
    let input = std::fs::read_to_string(dir.join("cluster-in.jsonl")).ok()?;
    let stories = std::fs::read_to_string(dir.join("stories.jsonl")).ok()?;
    let mut articles = Vec::new();
    let mut index = HashMap::new();
    for line in input.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("article line is JSON");
        let field = |name: &str| value[name].as_str().expect("string field").to_string();
        index.insert(field("id"), articles.len());
        articles.push(Article { id: field("id"), title: field("title"), text: field("text") });
    }
    let stories = stories
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("story line is JSON");
            Story {
                articles: value["articles"]
                    .as_array()
                    .expect("articles")
                    .iter()
                    .map(|id| index[id.as_str().expect("id")])
                    .collect(),
                reference_title: value["reference"]["title"].as_str().expect("title").to_string(),
                reference_text: value["reference"]["text"].as_str().expect("text").to_string(),
            }
        })
        .collect();
    Some((articles, stories))
}

#[derive(Default, Clone, Copy)]
struct Mean {
    r1: f64,
    r2: f64,
    rl: f64,
    words: f64,
    n: usize,
}

impl Mean {
    fn add(&mut self, scores: RougeScores, words: usize) {
        self.r1 += scores.rouge1.f1;
        self.r2 += scores.rouge2.f1;
        self.rl += scores.rouge_l.f1;
        self.words += words as f64;
        self.n += 1;
    }

    fn line(&self) -> String {
        let n = self.n.max(1) as f64;
        format!(
            "R1 {:.4}  R2 {:.4}  RL {:.4}  words {:5.1}  (n={})",
            self.r1 / n,
            self.r2 / n,
            self.rl / n,
            self.words / n,
            self.n
        )
    }
}

/// Scores `summarise` over all stories, the even ones and the odd ones.
fn evaluate(stories: &[Story], summarise: impl Fn(&Story) -> String, reference: impl Fn(&Story) -> &str) -> [Mean; 3] {
    let mut means = [Mean::default(); 3];
    for (number, story) in stories.iter().enumerate() {
        let prediction = summarise(story);
        let scores = rouge::score(reference(story), &prediction);
        let words = prediction.split_whitespace().count();
        means[0].add(scores, words);
        means[1 + number % 2].add(scores, words);
    }
    means
}

fn report(name: &str, means: [Mean; 3]) {
    println!("{name}");
    for (half, mean) in ["all ", "even", "odd "].iter().zip(means) {
        println!("  {half}  {}", mean.line());
    }
}

/// The baseline the issue quotes (R1 0.369 / R2 0.166 / RL 0.248 at 77
/// words): each article's text up to the first `.`, `!` or `?` followed by
/// whitespace, joined.
fn naive_first_sentence(text: &str) -> &str {
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'!' | b'?') && bytes.get(i + 1).is_some_and(|n| n.is_ascii_whitespace()) {
            return &text[..=i];
        }
    }
    text
}

fn inputs<'a>(articles: &'a [Article], story: &Story) -> Vec<ArticleText<'a>> {
    story
        .articles
        .iter()
        .map(|&index| {
            let article = &articles[index];
            ArticleText {
                id: &article.id,
                title: &article.title,
                text: &article.text,
                outlet: None,
                side: None,
                language: Some("en"),
                kind: Default::default(),
            }
        })
        .collect()
}

#[test]
#[ignore = "reads ../shared/data; run with --ignored --nocapture"]
fn neus_dev() {
    let Some((articles, stories)) = load() else {
        println!("neus-dev not found at {}; skipped", data_dir().display());
        return;
    };
    let config: SummaryConfig = match std::env::var("PARALLAX_SUMMARY_CONFIG") {
        Ok(json) => serde_json::from_str(&json).expect("PARALLAX_SUMMARY_CONFIG is a SummaryConfig JSON object"),
        Err(_) => SummaryConfig::default(),
    };
    println!("config: {}", serde_json::to_string(&config).expect("config serialises"));

    let summary_text = |story: &Story| {
        let input = inputs(&articles, story);
        let summary = summarize(&StoryInput { articles: &input }, &config);
        summary.bullets.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join(" ")
    };
    report("default summariser", evaluate(&stories, summary_text, |s| &s.reference_text));
    report(
        "lead baseline, naive split (the issue's)",
        evaluate(
            &stories,
            |story| {
                story.articles.iter().map(|&i| naive_first_sentence(&articles[i].text)).collect::<Vec<_>>().join(" ")
            },
            |s| &s.reference_text,
        ),
    );
    report(
        "lead baseline, this crate's sentence splitter",
        evaluate(
            &stories,
            |story| {
                story
                    .articles
                    .iter()
                    .filter_map(|&i| split_sentences(&articles[i].text, Some("en")).first().copied())
                    .collect::<Vec<_>>()
                    .join(" ")
            },
            |s| &s.reference_text,
        ),
    );

    report(
        "title: chosen headline vs reference title",
        evaluate(
            &stories,
            |story| {
                let input = inputs(&articles, story);
                summarize(&StoryInput { articles: &input }, &config).title
            },
            |s| &s.reference_title,
        ),
    );
    report(
        "title: first article's headline (file order is random)",
        evaluate(&stories, |story| articles[story.articles[0]].title.clone(), |s| &s.reference_title),
    );

    let loaded_share = |titles: &mut dyn Iterator<Item = String>| {
        let (loaded, total) = titles.fold((0, 0), |(l, t), title| (l + usize::from(is_loaded_headline(&title)), t + 1));
        loaded as f64 / f64::from(total.max(1))
    };
    let chosen_loaded = loaded_share(&mut stories.iter().map(|story| {
        let input = inputs(&articles, story);
        summarize(&StoryInput { articles: &input }, &config).title
    }));
    let all_loaded =
        loaded_share(&mut stories.iter().flat_map(|s| s.articles.iter().map(|&i| articles[i].title.clone())));
    println!(
        "loaded headlines: {:.1}% of chosen titles, {:.1}% of all headlines",
        chosen_loaded * 100.0,
        all_loaded * 100.0
    );

    let bullet_counts = stories.iter().fold([0usize; 6], |mut counts, story| {
        let input = inputs(&articles, story);
        let summary = summarize(&StoryInput { articles: &input }, &config);
        counts[summary.bullets.len().min(5)] += 1;
        counts
    });
    println!("bullets per story (0..=5): {bullet_counts:?}");

    report_oracles(&articles, &stories);
    report_disagreements(&articles, &stories);
    speed(&articles, &stories, &config);
}

/// What whole sentences could score at best, knowing the reference: the
/// subset of each story's whole sentences (up to 5, within 80 words) with
/// the highest ROUGE-1 F1, free and with at least 3 bullets wherever 3 fit
/// (the product's minimum); ROUGE-2 and ROUGE-L are those of the subset
/// chosen for ROUGE-1. No redundancy or attribution rule is applied,
/// so both are ceilings for any extractive choice.
fn report_oracles(articles: &[Article], stories: &[Story]) {
    let mut free = [Mean::default(); 3];
    let mut three = [Mean::default(); 3];
    for (number, story) in stories.iter().enumerate() {
        let sentences: Vec<(usize, Vec<String>)> = story
            .articles
            .iter()
            .flat_map(|&i| {
                split_sentences(&articles[i].text, Some("en")).into_iter().take(ORACLE_SENTENCES_PER_ARTICLE)
            })
            .filter(|sentence| !is_fragment(sentence))
            .map(|sentence| (sentence.split_whitespace().count(), rouge::tokenize(sentence)))
            .collect();
        let reference = rouge::tokenize(&story.reference_text);
        // The best subset of each size, by depth-first search under the budget.
        let mut best: [Option<(f64, usize, Vec<usize>)>; 6] = Default::default();
        let mut stack = vec![(0usize, Vec::<usize>::new(), 0usize)];
        while let Some((next, chosen, words)) = stack.pop() {
            if !chosen.is_empty() {
                let tokens: Vec<String> = chosen.iter().flat_map(|&i| sentences[i].1.clone()).collect();
                let f1 = rouge::rouge_n(&reference, &tokens, 1).f1;
                let slot = &mut best[chosen.len()];
                if slot.as_ref().is_none_or(|(value, _, _)| f1 > *value) {
                    *slot = Some((f1, words, chosen.clone()));
                }
            }
            if chosen.len() == 5 {
                continue;
            }
            for (index, (length, _)) in sentences.iter().enumerate().skip(next) {
                if words + length <= 80 {
                    let mut more = chosen.clone();
                    more.push(index);
                    stack.push((index + 1, more, words + length));
                }
            }
        }
        let pick = |least: usize| {
            let most = (1..=5).rev().find(|&k| best[k].is_some()).unwrap_or(0);
            (least.min(most).max(1)..=5).filter_map(|k| best[k].as_ref()).max_by(|a, b| a.0.total_cmp(&b.0))
        };
        for (means, least) in [(&mut free, 1), (&mut three, 3)] {
            let (tokens, words) = pick(least).map_or((Vec::new(), 0), |(_, words, chosen)| {
                (chosen.iter().flat_map(|&i| sentences[i].1.clone()).collect(), *words)
            });
            let scores = rouge::RougeScores {
                rouge1: rouge::rouge_n(&reference, &tokens, 1),
                rouge2: rouge::rouge_n(&reference, &tokens, 2),
                rouge_l: rouge::rouge_l(&reference, &tokens),
            };
            means[0].add(scores, words);
            means[1 + number % 2].add(scores, words);
        }
    }
    report("oracle (best ROUGE-1), whole sentences within 80 words", free);
    report("oracle (best ROUGE-1), at least 3 of them where 3 fit", three);
}

/// Sentences per article the oracle searches (neus-dev texts are leads of a
/// few sentences; the cap bounds the search).
const ORACLE_SENTENCES_PER_ARTICLE: usize = 6;

/// Disagreements have no gold labels here: print how many stories get one
/// and every one found, to be read for precision.
fn report_disagreements(articles: &[Article], stories: &[Story]) {
    let mut flagged = 0;
    for story in stories {
        let input = inputs(articles, story);
        let found = disagreements(&StoryInput { articles: &input });
        if found.is_empty() {
            continue;
        }
        flagged += 1;
        for disagreement in found {
            println!("disagreement: {} ({:?})", disagreement.about, disagreement.kind);
            for claim in disagreement.claims {
                println!("    {} [{}]: {}", input[claim.article].id, claim.value_text, claim.wording);
            }
        }
    }
    println!("disagreements in {flagged} of {} stories", stories.len());
}

/// Stories per second, one core: the neus-dev stories as they are (3
/// articles), and synthetic 10-article stories made of the articles of
/// consecutive stories (more sentences and outlets per call, as a busy story).
fn speed(articles: &[Article], stories: &[Story], config: &SummaryConfig) {
    let neus: Vec<Vec<ArticleText>> = stories.iter().map(|story| inputs(articles, story)).collect();
    let synthetic: Vec<Vec<ArticleText>> = neus
        .concat()
        .chunks(10)
        .filter(|chunk| chunk.len() == 10)
        .map(|chunk| {
            chunk.iter().enumerate().map(|(i, article)| ArticleText { outlet: Some(OUTLETS[i]), ..*article }).collect()
        })
        .collect();
    for (name, set) in [("neus-dev (3 articles)", &neus), ("synthetic (10 articles)", &synthetic)] {
        let rounds = 5;
        let started = Instant::now();
        let mut bullets = 0;
        for _ in 0..rounds {
            for story in set {
                bullets += summarize(&StoryInput { articles: story }, config).bullets.len();
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "speed {name}: {:.0} stories/s ({} stories x {rounds}, {bullets} bullets, {seconds:.2} s)",
            (set.len() * rounds) as f64 / seconds,
            set.len()
        );
    }
}

const OUTLETS: [&str; 10] = [
    "a.example",
    "b.example",
    "c.example",
    "d.example",
    "e.example",
    "f.example",
    "g.example",
    "h.example",
    "i.example",
    "j.example",
];
