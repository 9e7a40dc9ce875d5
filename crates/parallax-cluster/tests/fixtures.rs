//! The clusterer at its boundary: small hand-labelled article sets in
//! `testdata/`, each line an article with the story it belongs to
//! (`expect`, any label) and, for wire copies, the key it copies.

use parallax_cluster::eval::StoryLog;
use parallax_cluster::{ArticleInput, Assignment, ClusterConfig, Clusterer};
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct Line {
    key: u64,
    expect: String,
    #[serde(default)]
    copy_of: Option<u64>,
    title: String,
    text: String,
    outlet: Option<String>,
    language: Option<String>,
    published: Option<i64>,
}

fn load(case: &str) -> Vec<Line> {
    let path = format!("{}/testdata/{case}.jsonl", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{path}: {e}: {line}"))).collect()
}

fn input(line: &Line) -> ArticleInput<'_> {
    ArticleInput {
        key: line.key,
        title: &line.title,
        text: &line.text,
        outlet: line.outlet.as_deref(),
        language: line.language.as_deref(),
        published: line.published,
        embedding: None,
    }
}

/// Feeds the articles one at a time with `add`.
fn run(lines: &[Line], config: ClusterConfig) -> (Clusterer, Vec<Assignment>) {
    let mut clusterer = Clusterer::new(config).expect("valid config");
    let assignments = lines.iter().map(|line| clusterer.add(&input(line))).collect();
    (clusterer, assignments)
}

/// Feeds the articles in one `add_batch` call.
fn run_batch(lines: &[Line], config: ClusterConfig) -> (Clusterer, Vec<Assignment>) {
    let mut clusterer = Clusterer::new(config).expect("valid config");
    let inputs: Vec<ArticleInput> = lines.iter().map(input).collect();
    let assignments = clusterer.add_batch(&inputs);
    (clusterer, assignments)
}

/// Clusters `testdata/<case>.jsonl` with `config`, one article at a time
/// and in one batch, and checks that articles share a final story exactly
/// when they share an `expect` label, and that copies point at their
/// originals.
fn check(case: &str, config: ClusterConfig) {
    let lines = load(case);
    let (_, one_by_one) = run(&lines, config.clone());
    check_assignments(case, &lines, &one_by_one);
    let (_, batched) = run_batch(&lines, config);
    check_assignments(&format!("{case} (one batch)"), &lines, &batched);
}

fn check_assignments(case: &str, lines: &[Line], assignments: &[Assignment]) {
    let mut log = StoryLog::new();
    for (line, assignment) in lines.iter().zip(assignments) {
        log.record(line.key, assignment);
    }
    let predicted: BTreeMap<u64, u64> = log.final_stories().into_iter().collect();
    let mut groups: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for line in lines {
        groups.entry(predicted[&line.key]).or_default().push(format!("{}:{}", line.key, line.expect));
    }
    let shown: Vec<String> = groups.values().map(|g| format!("[{}]", g.join(" "))).collect();
    for a in lines {
        for b in lines {
            let together = predicted[&a.key] == predicted[&b.key];
            assert_eq!(
                together,
                a.expect == b.expect,
                "{case}: articles {} ({}) and {} ({}); stories: {}",
                a.key,
                a.expect,
                b.key,
                b.expect,
                shown.join(" ")
            );
        }
    }
    for (line, assignment) in lines.iter().zip(assignments) {
        assert_eq!(assignment.copy_of, line.copy_of, "{case}: copy_of of article {}", line.key);
    }
}

#[test]
fn three_events_with_a_same_topic_trap_and_a_wire_copy() {
    check("three_events", ClusterConfig::default());
}

#[test]
fn the_same_place_days_later_is_a_new_story() {
    check("window", ClusterConfig::default());
}

#[test]
fn the_same_place_and_people_on_one_day_are_one_story() {
    check("time_same_day", ClusterConfig::default());
}

#[test]
fn the_same_place_and_people_five_days_apart_are_two_stories_even_in_a_long_window() {
    check("time_apart", ClusterConfig::default());
    check("time_apart", ClusterConfig { window_secs: 30 * 24 * 3600, ..ClusterConfig::default() });
}

#[test]
fn undated_reports_naming_different_days_are_two_stories() {
    check("weekdays", ClusterConfig::default());
    // The days are what keeps them apart: without the conflict, a report of
    // the vote joins the reports of the plan.
    let lines = load("weekdays");
    let (_, assignments) = run_batch(&lines, ClusterConfig { weekday_conflict: 1.0, ..ClusterConfig::default() });
    let mut log = StoryLog::new();
    for (line, assignment) in lines.iter().zip(&assignments) {
        log.record(line.key, assignment);
    }
    let story: BTreeMap<u64, u64> = log.final_stories().into_iter().collect();
    assert_eq!(story[&8], story[&2], "without the weekday conflict the vote joins the plan");
}

/// The German report of the summit joins the English one through what
/// survives translation (Scholz, Macron, Berlin, EU, 12); the French strike
/// and the Japanese quake share nothing with it.
#[test]
fn an_article_joins_its_story_in_another_language_through_names_and_numbers() {
    check("languages", ClusterConfig::default());
}

#[test]
fn same_articles_in_same_order_give_same_stories() {
    let lines = load("three_events");
    let (_, first) = run(&lines, ClusterConfig::default());
    let (_, second) = run(&lines, ClusterConfig::default());
    assert_eq!(first, second);
    let (_, first) = run_batch(&lines, ClusterConfig::default());
    let (_, second) = run_batch(&lines, ClusterConfig::default());
    assert_eq!(first, second);
}

#[test]
fn add_is_a_batch_of_one() {
    let lines = load("three_events");
    let (_, added) = run(&lines, ClusterConfig::default());
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let batches_of_one: Vec<Assignment> =
        lines.iter().flat_map(|line| clusterer.add_batch(std::slice::from_ref(&input(line)))).collect();
    assert_eq!(added, batches_of_one);
}

#[test]
fn a_batch_larger_than_max_batch_is_taken_in_chunks() {
    let lines = load("three_events");
    let config = ClusterConfig { max_batch: 4, ..ClusterConfig::default() };
    let (_, whole) = run_batch(&lines, config.clone());
    let mut clusterer = Clusterer::new(config).expect("valid config");
    let inputs: Vec<ArticleInput> = lines.iter().map(input).collect();
    let chunked: Vec<Assignment> = inputs.chunks(4).flat_map(|chunk| clusterer.add_batch(chunk)).collect();
    assert_eq!(whole, chunked);
}

#[test]
fn story_ids_are_first_article_keys_and_old_stories_leave_the_window() {
    let lines = load("window");
    // The time window alone: a quiet stream keeps `min_window_articles`.
    let (clusterer, assignments) = run(&lines, ClusterConfig { min_window_articles: 0, ..ClusterConfig::default() });
    let story_of = |key: u64| lines.iter().zip(&assignments).find(|(line, _)| line.key == key).map(|(_, a)| a.story);
    assert_eq!(story_of(1), Some(1));
    assert_eq!(story_of(2), Some(1));
    assert_eq!(story_of(3), Some(3));
    assert_eq!(clusterer.story_of(1), None, "five days later the first story has left");
    assert_eq!(clusterer.story_of(3), Some(3));
    assert_eq!(clusterer.active_stories(), 1);
}

#[test]
fn the_active_story_cap_evicts_the_least_recently_updated() {
    let lines = load("three_events");
    let config = ClusterConfig { max_active_stories: 2, ..ClusterConfig::default() };
    let (clusterer, _) = run(&lines, config);
    assert_eq!(clusterer.active_stories(), 2);
    // Every story but the last two updated has left, so the last two
    // articles found nothing to join.
    assert_eq!(clusterer.story_of(1), None);
    assert_eq!(clusterer.story_of(7), None);
    assert_eq!(clusterer.story_of(10), Some(10));
    assert_eq!(clusterer.story_of(11), Some(11));
}
