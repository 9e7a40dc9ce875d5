//! ROUGE against the reference implementation's own outputs.
//!
//! `testdata/rouge/cases.json` and `testdata/rouge/porter-nltk.tsv` hold what
//! Google's rouge-score 0.1.2 and NLTK's Porter stemmer return for inputs
//! written for these tests; `testdata/rouge/make_expected.py` regenerates
//! them. Floating-point results must agree to 1e-12.

use parallax_summary::rouge::{self, Score};
use std::path::PathBuf;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/rouge").join(name)
}

fn check(name: &str, target: &str, prediction: &str, expected: &serde_json::Value) {
    let scores = rouge::score(target, prediction);
    for (metric, got) in [("rouge1", scores.rouge1), ("rouge2", scores.rouge2), ("rougeL", scores.rouge_l)] {
        let want = &expected["expected"][metric];
        let want = Score {
            precision: want[0].as_f64().expect("precision"),
            recall: want[1].as_f64().expect("recall"),
            f1: want[2].as_f64().expect("f1"),
        };
        for (part, got, want) in
            [("precision", got.precision, want.precision), ("recall", got.recall, want.recall), ("f1", got.f1, want.f1)]
        {
            assert!((got - want).abs() < 1e-12, "{name}: {metric} {part} = {got}, rouge-score says {want}");
        }
    }
    let tokens: Vec<String> =
        expected["tokens"].as_array().expect("tokens").iter().map(|t| t.as_str().expect("token").to_string()).collect();
    assert_eq!(rouge::tokenize(prediction), tokens, "{name}: tokens");
}

#[test]
fn scores_match_rouge_score() {
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(testdata("cases.json")).expect("cases.json")).expect("JSON");
    for case in cases.as_array().expect("array") {
        let name = case["name"].as_str().expect("name");
        check(name, case["target"].as_str().expect("target"), case["prediction"].as_str().expect("prediction"), case);
    }
}

#[test]
fn porter_matches_nltk() {
    let table = std::fs::read_to_string(testdata("porter-nltk.tsv")).expect("porter-nltk.tsv");
    let mut checked = 0;
    for line in table.lines().filter(|line| !line.starts_with('#')) {
        let (word, stem) = line.split_once('\t').expect("word<TAB>stem");
        assert_eq!(rouge::porter::stem(word), stem, "stem of {word:?}");
        checked += 1;
    }
    assert!(checked > 4000, "only {checked} words in porter-nltk.tsv");
}

#[test]
fn hand_computed_rouge_l() {
    // target "a b c d e", prediction "a c e x": LCS "a c e" = 3, so
    // P = 3/4, R = 3/5, F = 2PR/(P+R) = 0.9/1.35 = 2/3.
    let target: Vec<String> = "a b c d e".split(' ').map(String::from).collect();
    let prediction: Vec<String> = "a c e x".split(' ').map(String::from).collect();
    let score = rouge::rouge_l(&target, &prediction);
    assert!((score.f1 - 2.0 / 3.0).abs() < 1e-12, "{score:?}");
}
