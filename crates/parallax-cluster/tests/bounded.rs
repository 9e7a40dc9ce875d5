//! The clusterer holds only its window: long streams, generated here,
//! leave memory flat (the speed and memory figures on a 200,000-article
//! stream are in `tests/stream.rs`).

use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};

const START: i64 = 1_700_000_000;
const HOUR: i64 = 3600;

#[test]
fn a_story_that_keeps_going_keeps_only_its_recent_articles() {
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let texts = [
        "Rescuers search the rubble in Antakya for survivors of the Hatay earthquake as aftershocks continue.",
        "Aftershocks continue in Hatay as rescuers in Antakya search the rubble for earthquake survivors.",
    ];
    let mut stories = Vec::new();
    for key in 0..20u64 {
        let input = ArticleInput {
            key,
            title: "Hatay earthquake: rescuers search Antakya rubble for survivors",
            text: texts[key as usize % 2],
            outlet: Some(if key % 2 == 0 { "apnews.com" } else { "bbc.co.uk" }),
            language: Some("en"),
            published: Some(START + key as i64 * 12 * HOUR),
            embedding: None,
        };
        stories.push(clusterer.add(&input).story);
    }
    assert!(stories.iter().all(|&story| story == 0), "one story throughout: {stories:?}");
    assert_eq!(clusterer.active_stories(), 1);
    assert_eq!(clusterer.story_of(19), Some(0));
    assert_eq!(clusterer.story_of(0), None, "ten days on, the first article has left the window");
    assert_eq!(clusterer.story_of(12), None, "three days and a half before the last");
    assert_eq!(clusterer.story_of(13), Some(0), "three days before the last: the window's edge");
}

#[test]
fn rare_terms_leave_with_their_articles() {
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let mut largest = 0;
    let mut smallest_after_peak = usize::MAX;
    for key in 0..12_000u64 {
        // Eight numbers no other article has: 96,000 terms in all.
        let numbers: Vec<String> = (0..8).map(|i| (10_000_000 + key * 8 + i).to_string()).collect();
        let text = format!("Lottery results: {}.", numbers.join(" "));
        let input = ArticleInput {
            key,
            title: "Lottery results",
            text: &text,
            published: Some(START + key as i64 * 600),
            ..ArticleInput::default()
        };
        clusterer.add(&input);
        let terms = clusterer.vocabulary_len();
        largest = largest.max(terms);
        if largest > 60_000 {
            smallest_after_peak = smallest_after_peak.min(terms);
        }
    }
    assert!(largest <= 70_000, "the vocabulary grew to {largest} terms");
    assert!(smallest_after_peak < 10_000, "a sweep left {smallest_after_peak} terms");
}
