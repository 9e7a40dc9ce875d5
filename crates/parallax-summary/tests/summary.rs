//! The summariser at its boundary: stories in `testdata/stories/<case>.json`
//! and their summaries in `<case>.summary.json` (golden, with articles named
//! by id; refresh with `UPDATE_GOLDEN=1 cargo test -p parallax-summary
//! --test summary`). Every summary is also checked against the contract,
//! whatever the golden says.

mod fixture;

use fixture::{articles, read_json, testdata};
use parallax_core::{ArticleKind, LeanBucket};
use parallax_summary::{ArticleText, Bullet, StoryInput, Summary, SummaryConfig, summarize};

fn check(case: &str) {
    let fixture = read_json(format!("stories/{case}.json"));
    let articles = articles(&fixture);
    let config = SummaryConfig::default();
    let summary = summarize(&StoryInput { articles: &articles }, &config);
    let min_bullets = fixture["min_bullets"].as_u64().map_or(config.min_bullets, |n| n as usize);
    check_contract(&articles, &summary, &SummaryConfig { min_bullets, ..config });

    let golden = testdata(format!("stories/{case}.summary.json"));
    let id = |index: usize| articles[index].id;
    let bullets = |list: &[Bullet]| -> Vec<serde_json::Value> {
        list.iter().map(|b| serde_json::json!([b.text, id(b.article)])).collect()
    };
    let readable = serde_json::json!({
        "title": summary.title,
        "title_from": summary.title_from.map(id),
        "bullets": bullets(&summary.bullets),
        "sides": {
            "left": bullets(&summary.sides.left),
            "center": bullets(&summary.sides.center),
            "right": bullets(&summary.sides.right),
        },
    });
    let got = serde_json::to_string_pretty(&readable).expect("summary serialises") + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).expect("write golden");
    }
    let want = std::fs::read_to_string(&golden).expect("golden exists (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(got, want, "{case}: summary differs from {}", golden.display());
}

/// 3 to 5 bullets within the word budget, each a whole sentence of the
/// article it names, from more than one outlet; side bullets from that side
/// only; a title from a headline that is not opinion.
fn check_contract(articles: &[ArticleText], summary: &Summary, config: &SummaryConfig) {
    let article = |bullet: &Bullet| &articles[bullet.article];
    assert!((config.min_bullets..=config.max_bullets).contains(&summary.bullets.len()), "{summary:#?}");
    let words: usize = summary.bullets.iter().map(|b| b.text.split_whitespace().count()).sum();
    assert!(words <= config.max_words, "{words} words");
    for bullet in &summary.bullets {
        let source = article(bullet);
        // Verbatim from the text, or the headline where an article has none.
        let verbatim =
            source.text.contains(&bullet.text) || (source.text.is_empty() && source.title.contains(&bullet.text));
        assert!(verbatim, "bullet is verbatim: {bullet:?}");
        let end = bullet.text.trim_end_matches(['"', '\'', '”', '’', ')']);
        assert!(!end.ends_with("...") && !end.ends_with('…'), "bullet is cut: {bullet:?}");
        assert!(source.text.is_empty() || end.ends_with(['.', '!', '?']), "bullet ends mid-sentence: {bullet:?}");
    }
    let mut outlets: Vec<_> = summary.bullets.iter().map(|b| article(b).outlet).collect();
    outlets.dedup();
    assert!(outlets.len() > 1, "bullets from one outlet only: {summary:#?}");
    let title_from = &articles[summary.title_from.expect("a title")];
    assert!(!summary.title.is_empty() && title_from.kind != ArticleKind::Opinion, "{summary:#?}");
    for (bucket, bullets) in [
        (LeanBucket::Left, &summary.sides.left),
        (LeanBucket::Center, &summary.sides.center),
        (LeanBucket::Right, &summary.sides.right),
    ] {
        assert!(!bullets.is_empty() || config.min_bullets < 3, "{bucket:?} side is empty");
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
        kind: ArticleKind::News,
    }];
    let summary = summarize(&StoryInput { articles: &articles }, &SummaryConfig::default());
    assert_eq!(summary.title, "Storm hits the coast");
    assert_eq!(summary.bullets.len(), 3, "{summary:#?}");
    assert!(summary.bullets.iter().all(|b| b.article == 0));
}

#[test]
fn headline_only_feeds_still_give_bullets() {
    check("headline-only");
}

#[test]
fn cut_teasers_never_become_bullets() {
    check("cut-teasers");
}

#[test]
fn opinion_never_titles_and_comes_last() {
    check("opinion-and-loaded");
}

/// Regression (neus-dev): a page whose drop cap was lost in extraction gave
/// the bullet "resident Joe Biden's son Hunter Biden has chronicled...".
#[test]
fn text_cut_at_its_start_is_no_bullet() {
    let article = |id, outlet, text| ArticleText {
        id,
        title: "Hunter Biden writes of his addiction",
        text,
        outlet: Some(outlet),
        side: None,
        language: Some("en"),
        kind: ArticleKind::News,
    };
    let articles = [
        article(
            "cut",
            "a.example",
            "resident Joe Biden's son Hunter Biden has written a memoir about his addiction. The memoir comes out in April.",
        ),
        article(
            "b",
            "b.example",
            "Hunter Biden has written a memoir about his addiction. His father is President Joe Biden.",
        ),
        article(
            "c",
            "c.example",
            "A memoir by Hunter Biden about addiction comes out in April. Publishers expect strong sales.",
        ),
    ];
    let summary = summarize(&StoryInput { articles: &articles }, &SummaryConfig::default());
    assert!(!summary.bullets.is_empty(), "{summary:#?}");
    assert!(summary.bullets.iter().all(|b| !b.text.starts_with("resident")), "{summary:#?}");
}
