//! The story stage with a dense embedder: used when it answers, and when it
//! fails the pass still places every article, on words alone.

use chrono::Utc;
use parallax_ingest::Config;
use parallax_ingest::stories::{TextEmbedder, cluster_pending};
use parallax_store::conformance::{article, feed};
use parallax_store::{SqliteStore, Store};

/// Two outlets report one vote in different words (only "Senate" shared).
const REPORTS: [(&str, &str, &str); 2] = [
    (
        "a.example",
        "Senate passes budget bill after marathon debate",
        "The chamber approved the spending package late on Tuesday by 51 votes to 49.",
    ),
    (
        "b.example",
        "Lawmakers approve the spending plan",
        "Senate leaders hailed a narrow win for the White House overnight.",
    ),
];

/// Says every text means the same thing.
struct Agreeing;
impl TextEmbedder for Agreeing {
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        Ok(texts.iter().map(|_| vec![1.0, 0.0]).collect())
    }
}

/// A model that cannot run.
struct Broken;
impl TextEmbedder for Broken {
    fn embed(&self, _texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        Err("embed: model: out of memory".into())
    }
}

/// Stores the two reports, runs the story stage with `embedder`, and checks
/// whether they share a story.
fn check(embedder: Option<&dyn TextEmbedder>, expected_together: bool) {
    let mut store = SqliteStore::open_in_memory().expect("store");
    let feeds: Vec<_> = REPORTS.iter().map(|(outlet, ..)| feed(&format!("https://{outlet}/rss"), outlet)).collect();
    store.import(&[], &[], &feeds).expect("import feeds");
    let articles: Vec<_> = REPORTS
        .iter()
        .map(|(outlet, title, lead)| {
            let mut new = article(&format!("https://{outlet}/rss"), outlet, "vote", &format!("https://{outlet}/vote"));
            new.title = title.to_string();
            new.snippet = lead.to_string();
            new
        })
        .collect();
    store.insert_articles(&articles).expect("insert");
    let report = cluster_pending(&mut store, &Config::default(), Utc::now(), embedder, &parallax_ingest::NoProgress)
        .expect("story stage");
    assert_eq!(report.articles, 2, "every article is placed");
    let mut stories = Vec::new();
    store
        .for_each_story(&mut |story| {
            stories.push(story.articles.len());
            Ok(())
        })
        .expect("stories");
    let together = stories == [2];
    assert_eq!(together, expected_together, "story sizes {stories:?}");
}

#[test]
fn words_alone_keep_the_differently_worded_reports_apart() {
    check(None, false);
}

#[test]
fn an_agreeing_embedder_joins_them() {
    check(Some(&Agreeing), true);
}

#[test]
fn a_failing_embedder_leaves_the_words_to_decide() {
    check(Some(&Broken), false);
}
