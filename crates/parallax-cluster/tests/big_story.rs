//! Big stories stay whole: an event told 300 times over five days by
//! several outlets, in a long dated stream of other events, ends as one
//! story. The stream is resampled at run time from the real NeuS
//! development set (`../shared/data/neus-dev`; the test passes with a note
//! when it is absent) by `parallax_cluster::stream`, as `parallax eval
//! cluster --stream` does.
//!
//! The planted events tell NeuS stories that the clusterer holds together
//! when each is three articles (all of NeuS in one batch): the question is
//! whether size, days and the stream around them pull such a story apart,
//! not whether three outlets' framings of one event read alike (NeuS
//! itself measures that).

use parallax_cluster::eval::StoryLog;
use parallax_cluster::stream::{SourceText, StreamConfig, resample};
use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

struct Source {
    title: String,
    text: String,
}

fn load() -> Option<Vec<Vec<Source>>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/neus-dev");
    let input = std::fs::read_to_string(dir.join("cluster-in.jsonl")).ok()?;
    let gold = std::fs::read_to_string(dir.join("gold.jsonl")).ok()?;
    let value = |line: &str| serde_json::from_str::<serde_json::Value>(line).expect("a JSON line");
    let field = |v: &serde_json::Value, name: &str| v[name].as_str().unwrap_or("").to_string();
    let story: HashMap<String, String> =
        gold.lines().map(value).map(|v| (field(&v, "id"), field(&v, "story"))).collect();
    let mut stories: BTreeMap<String, Vec<Source>> = BTreeMap::new();
    for v in input.lines().map(value) {
        let gold_story = story.get(&field(&v, "id")).cloned().unwrap_or_default();
        stories.entry(gold_story).or_default().push(Source { title: field(&v, "title"), text: field(&v, "text") });
    }
    Some(stories.into_values().collect())
}

/// The stories whose articles all end in one story when all of NeuS is
/// clustered in one batch.
fn whole_stories(stories: &[Vec<Source>]) -> Vec<usize> {
    let inputs: Vec<(usize, ArticleInput)> = stories
        .iter()
        .enumerate()
        .flat_map(|(story, sources)| sources.iter().map(move |s| (story, s)))
        .enumerate()
        .map(|(key, (story, s))| {
            (story, ArticleInput { key: key as u64, title: &s.title, text: &s.text, ..ArticleInput::default() })
        })
        .collect();
    let batch: Vec<ArticleInput> = inputs.iter().map(|(_, input)| *input).collect();
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let mut log = StoryLog::new();
    for (input, assignment) in batch.iter().zip(clusterer.add_batch(&batch)) {
        log.record(input.key, &assignment);
    }
    let mut predicted: HashMap<usize, HashSet<u64>> = HashMap::new();
    for ((story, _), (_, predicted_story)) in inputs.iter().zip(log.final_stories()) {
        predicted.entry(*story).or_default().insert(predicted_story);
    }
    (0..stories.len()).filter(|story| predicted.get(story).is_some_and(|p| p.len() == 1)).collect()
}

#[test]
fn a_300_article_event_over_five_days_ends_as_one_story() {
    let Some(stories) = load() else {
        println!("neus-dev not found beside the repository; skipped");
        return;
    };
    let whole = whole_stories(&stories);
    assert!(whole.len() > 1000, "NeuS holds {} whole stories", whole.len());
    let sources: Vec<Vec<SourceText>> = stories
        .iter()
        .map(|story| story.iter().map(|s| SourceText { title: &s.title, text: &s.text }).collect())
        .collect();
    // Three planted events, each in its own stream of 20,000 articles over
    // almost seven days: the event runs from day 1.3 to day 6.3.
    for (round, &story) in whole.iter().step_by(whole.len() / 3).take(3).enumerate() {
        let (stream, planted_stories) = planted_event(&sources, story, round as u64 + 1, 3_000);
        let planted: usize = planted_stories.values().sum();
        let days = {
            let times: Vec<i64> = stream.iter().filter(|a| a.planted).map(|a| a.published).collect();
            (times.iter().max().unwrap_or(&0) - times.iter().min().unwrap_or(&0)) as f64 / 86_400.0
        };
        println!("planted story {story}: {planted} articles over {days:.1} days in {planted_stories:?}");
        assert_eq!(planted, 300);
        assert!(days > 4.5, "the event spans {days:.1} days");
        assert_eq!(
            planted_stories.len(),
            1,
            "the event of {:?} fell apart: {planted_stories:?}",
            stories[story][0].title
        );
    }
}

/// The stream of 20,000 articles at `per_day` with `story` planted as an
/// event of 300 articles over five days, fed in rounds of 200, and the
/// predicted stories of the planted articles with how many each holds.
fn planted_event(
    sources: &[Vec<SourceText>],
    story: usize,
    seed: u64,
    per_day: usize,
) -> (Vec<parallax_cluster::stream::StreamArticle>, BTreeMap<u64, usize>) {
    let config =
        StreamConfig { articles: 20_000, per_day, planted_story: Some(story), seed, ..StreamConfig::default() };
    let stream = resample(sources, &config);
    let outlets: Vec<String> = (0..config.outlets).map(|i| format!("outlet{i}.example")).collect();
    let inputs: Vec<ArticleInput> = stream.iter().enumerate().map(|(key, a)| a.input(key as u64, &outlets)).collect();
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let mut log = StoryLog::new();
    for chunk in inputs.chunks(200) {
        for (input, assignment) in chunk.iter().zip(clusterer.add_batch(chunk)) {
            log.record(input.key, &assignment);
        }
    }
    let mut planted_stories: BTreeMap<u64, usize> = BTreeMap::new();
    for (key, story) in log.final_stories() {
        if stream[key as usize].planted {
            *planted_stories.entry(story).or_default() += 1;
        }
    }
    (stream, planted_stories)
}

/// Issue 16: the planted event of `parallax eval cluster --stream 150000`
/// (its default seed) tells the NeuS story of Trump's visit to Mexico,
/// whose three framings NeuS in one batch does not group (one outlet's
/// "Mexico likely won't forget Trump's insults" stays apart). Retold 100
/// times each over five days, the two halves started apart in the first
/// hour and never merged: each half was the other's crowding, so the
/// merge test took their closeness off their closeness (mean cosine 0.21,
/// less 0.19 of crowding, under the 0.05 to merge). Halves of one event
/// running side by side merge once crowding is measured outside both.
/// 20,000 articles at 5,000 a day reproduce it.
#[test]
fn an_event_whose_framings_start_apart_ends_as_one_story() {
    let Some(stories) = load() else {
        println!("neus-dev not found beside the repository; skipped");
        return;
    };
    let Some(story) = stories
        .iter()
        .position(|story| story.iter().any(|s| s.title.starts_with("Trump to Make Surprise Visit to Mexico")))
    else {
        println!("the story of issue 16 is not in this neus-dev; skipped");
        return;
    };
    let sources: Vec<Vec<SourceText>> = stories
        .iter()
        .map(|story| story.iter().map(|s| SourceText { title: &s.title, text: &s.text }).collect())
        .collect();
    let (_, planted_stories) = planted_event(&sources, story, 1, 5_000);
    println!("planted story {story}: {planted_stories:?}");
    assert_eq!(planted_stories.values().sum::<usize>(), 300);
    assert_eq!(planted_stories.len(), 1, "the event fell apart: {planted_stories:?}");
}
