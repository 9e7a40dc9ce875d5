//! The summariser at its boundary: stories in `testdata/stories/<case>.json`
//! and their summaries in `<case>.summary.json` (golden; refresh with
//! `UPDATE_GOLDEN=1 cargo test -p parallax-summary --test summary`). Every
//! summary is also checked against the contract, whatever the golden says.

mod fixture;

use fixture::{articles, read_json, testdata};
use parallax_core::LeanBucket;
use parallax_summary::{ArticleText, Bullet, StoryInput, Summary, SummaryConfig, summarize};

fn check(case: &str) {
    let fixture = read_json(format!("stories/{case}.json"));
    let articles = articles(&fixture);
    let config = SummaryConfig::default();
    let summary = summarize(&StoryInput { articles: &articles }, &config);
    check_contract(&articles, &summary, &config);

    let golden = testdata(format!("stories/{case}.summary.json"));
    let got = serde_json::to_string_pretty(&summary).expect("summary serialises") + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).expect("write golden");
    }
    let want = std::fs::read_to_string(&golden).expect("golden exists (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(got, want, "{case}: summary differs from {}", golden.display());
}

/// 3 to 5 bullets within the word budget, each a sentence of the article it
/// names, from more than one outlet; side bullets from that side only.
fn check_contract(articles: &[ArticleText], summary: &Summary, config: &SummaryConfig) {
    let article = |bullet: &Bullet| {
        articles.iter().find(|a| a.id == bullet.article_id).unwrap_or_else(|| panic!("unknown article {bullet:?}"))
    };
    assert!((config.min_bullets..=config.max_bullets).contains(&summary.bullets.len()), "{summary:#?}");
    let words: usize = summary.bullets.iter().map(|b| b.text.split_whitespace().count()).sum();
    assert!(words <= config.max_words, "{words} words");
    for bullet in &summary.bullets {
        let source = article(bullet);
        // Verbatim from the text, or the headline where an article has none.
        let verbatim =
            source.text.contains(&bullet.text) || (source.text.is_empty() && source.title.contains(&bullet.text));
        assert!(verbatim, "bullet is verbatim: {bullet:?}");
    }
    let mut outlets: Vec<_> = summary.bullets.iter().map(|b| article(b).outlet).collect();
    outlets.dedup();
    assert!(outlets.len() > 1, "bullets from one outlet only: {summary:#?}");
    assert!(articles.iter().any(|a| a.id == summary.title_from && a.title.trim() == summary.title));
    for (bucket, bullets) in [
        (LeanBucket::Left, &summary.sides.left),
        (LeanBucket::Center, &summary.sides.center),
        (LeanBucket::Right, &summary.sides.right),
    ] {
        assert!(!bullets.is_empty(), "{bucket:?} side is empty");
        assert!(bullets.len() <= config.side_max_bullets);
        assert!(bullets.iter().all(|b| article(b).side == Some(bucket)), "{bucket:?}: {bullets:?}");
    }
}

#[test]
fn four_outlets() {
    check("four-outlets");
}

#[test]
fn empty_story_gives_empty_summary() {
    assert_eq!(summarize(&StoryInput { articles: &[] }, &SummaryConfig::default()), Summary::default());
}

#[test]
fn single_article_is_summarised_from_itself() {
    let articles = [ArticleText {
        id: "only",
        title: "Storm hits the coast",
        text: "A storm hit the coast on Monday. Thousands lost power. Schools closed for the day.",
        outlet: Some("one.example"),
        side: None,
        language: None,
    }];
    let summary = summarize(&StoryInput { articles: &articles }, &SummaryConfig::default());
    assert_eq!(summary.title, "Storm hits the coast");
    assert_eq!(summary.bullets.len(), 3, "{summary:#?}");
    assert!(summary.bullets.iter().all(|b| b.article_id == "only"));
}

#[test]
fn headline_only_feeds_still_give_bullets() {
    check("headline-only");
}

#[test]
fn cut_teasers_fill_the_bullets_owed() {
    check("cut-teasers");
}
