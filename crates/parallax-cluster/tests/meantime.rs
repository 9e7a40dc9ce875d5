//! Every language: the Spanish, Italian and Dutch versions of a Wikinews
//! article join the English one's story, on the real MEANTIME development
//! set (`../shared/data/meantime-dev`, read at run time; the test passes
//! with a note when the data is absent). The dates are left out: each event
//! has its own day there, and the date alone would group it.

use parallax_cluster::eval::{PairsOf, StoryLog, pairwise_by_group};
use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};
use std::collections::HashMap;
use std::path::PathBuf;

struct Article {
    id: String,
    title: String,
    text: String,
    language: String,
    story: String,
}

fn load() -> Option<Vec<Article>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/meantime-dev");
    let articles = std::fs::read_to_string(dir.join("articles.jsonl")).ok()?;
    let gold = std::fs::read_to_string(dir.join("gold.jsonl")).ok()?;
    let value = |line: &str| serde_json::from_str::<serde_json::Value>(line).expect("a JSON line");
    let text = |v: &serde_json::Value, name: &str| v[name].as_str().unwrap_or("").to_string();
    let story: HashMap<String, String> = gold.lines().map(value).map(|v| (text(&v, "id"), text(&v, "story"))).collect();
    let articles = articles
        .lines()
        .map(value)
        .map(|v| Article {
            story: story.get(&text(&v, "id")).cloned().unwrap_or_default(),
            id: text(&v, "id"),
            title: text(&v, "title"),
            text: text(&v, "text"),
            language: text(&v, "lang"),
        })
        .collect();
    Some(articles)
}

#[test]
fn translations_join_the_english_story() {
    let Some(articles) = load() else {
        println!("meantime-dev not found beside the repository; skipped");
        return;
    };
    let inputs: Vec<ArticleInput> = articles
        .iter()
        .enumerate()
        .map(|(key, a)| ArticleInput {
            key: key as u64,
            title: &a.title,
            text: &a.text,
            language: Some(&a.language),
            ..ArticleInput::default()
        })
        .collect();
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let mut log = StoryLog::new();
    for (input, assignment) in inputs.iter().zip(clusterer.add_batch(&inputs)) {
        log.record(input.key, &assignment);
    }
    let predicted = log.final_stories();
    let story_of: HashMap<&str, u64> =
        predicted.iter().map(|&(key, story)| (articles[key as usize].id.as_str(), story)).collect();
    // Real examples: the first ten English articles, each with its three
    // translations.
    let english: Vec<&Article> = articles.iter().filter(|a| a.language == "en").take(10).collect();
    let mut whole = 0;
    for original in &english {
        let apart: Vec<String> = ["es", "it", "nl"]
            .iter()
            .map(|language| original.id.replacen("-en-", &format!("-{language}-"), 1))
            .filter(|translation| story_of.get(translation.as_str()) != story_of.get(original.id.as_str()))
            .collect();
        if apart.is_empty() {
            whole += 1;
        } else {
            println!("{} ({:?}): {} in other stories", original.id, original.title, apart.join(", "));
        }
    }
    assert!(whole >= 8, "only {whole} of 10 English articles have every translation in their story");
    let gold: Vec<(u64, &str)> = articles.iter().enumerate().map(|(k, a)| (k as u64, a.story.as_str())).collect();
    let languages: Vec<(u64, &str)> =
        articles.iter().enumerate().map(|(k, a)| (k as u64, a.language.as_str())).collect();
    let across = pairwise_by_group(&predicted, &gold, &languages, PairsOf::DifferentGroups);
    println!("cross-language pairwise recall {:.3}, precision {:.3}", across.recall, across.precision);
    assert!(across.recall > 0.75, "cross-language recall {:.3}", across.recall);
    assert!(across.precision > 0.95, "cross-language precision {:.3}", across.precision);
}
