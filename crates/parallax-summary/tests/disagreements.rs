//! Where outlets disagree, over `testdata/disagreements/<case>.json`: each
//! case has articles, the disagreements a reader should be shown
//! (`expected`: about, kind, and per claim the article id and the value as
//! written) and why. Cases named `near-miss-*` must find nothing.

mod fixture;

use fixture::{articles, read_json, testdata};
use parallax_summary::{StoryInput, disagreements};

fn check(case: &str) {
    let fixture = read_json(format!("disagreements/{case}.json"));
    let articles = articles(&fixture);
    let found = disagreements(&StoryInput { articles: &articles });
    let got: Vec<serde_json::Value> = found
        .iter()
        .map(|d| {
            serde_json::json!({
                "about": d.about,
                "kind": d.kind,
                "claims": d.claims.iter().map(|c| serde_json::json!([articles[c.article].id, c.value_text])).collect::<Vec<_>>(),
            })
        })
        .collect();
    assert_eq!(serde_json::Value::Array(got), fixture["expected"], "{case}: {}", fixture["why"]);
    for disagreement in &found {
        for claim in &disagreement.claims {
            assert!(claim.wording.contains(&claim.value_text), "{case}: claim wording holds its value: {claim:?}");
        }
    }
}

#[test]
fn seed_call_duration() {
    check("seed-call-duration");
}

#[test]
fn count_killed() {
    check("count-killed");
}

#[test]
fn money_aid() {
    check("money-aid");
}

#[test]
fn percent_share() {
    check("percent-share");
}

#[test]
fn near_misses_are_not_flagged() {
    let dir = testdata("disagreements");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .expect("testdata/disagreements")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("near-miss-"))
        .map(|name| name.trim_end_matches(".json").to_string())
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "near-miss cases: {cases:?}");
    for case in cases {
        check(&case);
    }
}
