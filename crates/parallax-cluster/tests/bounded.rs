//! The clusterer holds only its window: long streams, generated here,
//! leave memory flat (the speed and memory figures on a 200,000-article
//! stream are in `tests/stream.rs`).

use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};

const START: i64 = 1_700_000_000;
const HOUR: i64 = 3600;

/// The time window alone, as in a busy stream that holds more than
/// `min_window_articles`.
fn time_window_only() -> ClusterConfig {
    ClusterConfig { min_window_articles: 0, ..ClusterConfig::default() }
}

#[test]
fn a_story_that_keeps_going_keeps_only_its_recent_articles() {
    let mut clusterer = Clusterer::new(time_window_only()).expect("valid config");
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
    let mut clusterer = Clusterer::new(time_window_only()).expect("valid config");
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

#[test]
fn a_quiet_stream_keeps_its_stories_past_the_time_window() {
    // Two articles a week apart: a quiet stream holds far fewer than
    // `min_window_articles`, so the first story is still there when the
    // second arrives (the time decay then keeps them apart).
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let texts = [
        "Hatay earthquake: rescuers search Antakya rubble for survivors as aftershocks continue",
        "Aftershocks in Hatay as Antakya rescuers dig through rubble after the earthquake",
    ];
    for (key, text) in texts.iter().enumerate() {
        let published = Some(START + key as i64 * 7 * 24 * HOUR);
        clusterer.add(&ArticleInput { key: key as u64, title: text, text, published, ..ArticleInput::default() });
    }
    assert_eq!(clusterer.story_of(0), Some(0), "a week on, the quiet window still holds the first article");
    assert_eq!(clusterer.active_stories(), 2, "a week apart, the same words are another event");
}

/// Regression: candidates used to be found through rare terms only, so once
/// a big story's own words filled their posting lists, a new article about
/// it that used nothing rarer found no story and started its own; a long
/// synthetic stream fell apart into ever more fragments as it went on.
#[test]
fn a_big_story_keeps_gathering_articles_after_its_words_become_common() {
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let event_words = [
        "hurricane",
        "milton",
        "landfall",
        "florida",
        "tampa",
        "sarasota",
        "evacuation",
        "storm",
        "surge",
        "flooding",
        "winds",
        "category",
        "shelters",
        "desantis",
        "power",
        "outages",
        "coast",
        "damage",
    ];
    let other_events = [
        "Parliament in Ottawa debates the carbon tax rebate as farmers protest fuel prices",
        "Arsenal beat Chelsea at the Emirates with a late Saka goal to go top of the league",
        "Japan's central bank holds rates as the yen slides against the dollar in Tokyo trading",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut event_stories = std::collections::BTreeMap::<u64, usize>::new();
    let articles = 400u64;
    for key in 0..articles {
        let published = Some(START + key as i64 * 120);
        if key % 4 == 3 {
            let text = other_events[(key / 4) as usize % other_events.len()];
            let title = format!("{text} ({key})");
            clusterer.add(&ArticleInput { key, title: &title, text, published, ..Default::default() });
            continue;
        }
        let words: Vec<&str> = (0..10).map(|_| event_words[(next() % event_words.len() as u64) as usize]).collect();
        let title = words[..5].join(" ");
        let text = format!("{} update{key}", words[5..].join(" "));
        let story =
            clusterer.add(&ArticleInput { key, title: &title, text: &text, published, ..Default::default() }).story;
        *event_stories.entry(story).or_default() += 1;
    }
    let largest = event_stories.values().copied().max().unwrap_or(0);
    let event_articles = articles - articles / 4;
    assert!(
        largest as u64 * 10 >= event_articles * 9,
        "the hurricane's {event_articles} articles went to {} stories, the largest holding {largest}",
        event_stories.len()
    );
}
