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

/// Unrelated articles stored before the reports: the clusterer measures
/// the model's cosines from its cosine to an unrelated article, which it
/// learns from them.
const FILLERS: usize = 40;

/// Says the two reports mean the same thing, and each filler
/// (`Item{i} ...`) something of its own.
struct Agreeing;
impl TextEmbedder for Agreeing {
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        let vector = |text: &str| {
            let mut vector = vec![0.0; FILLERS + 1];
            let filler = text.strip_prefix("Item").and_then(|rest| rest.split(' ').next()?.parse::<usize>().ok());
            vector[filler.map_or(0, |i| i + 1)] = 1.0;
            vector
        };
        Ok(texts.iter().map(|text| vector(text)).collect())
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
    let fillers = (0..FILLERS).map(|i| {
        let mut new =
            article("https://a.example/rss", "a.example", &format!("item{i}"), &format!("https://a.example/{i}"));
        new.title = format!("Item{i} quarterly{i} figures{i}");
        new.snippet = String::new();
        new
    });
    let reports = REPORTS.iter().map(|(outlet, title, lead)| {
        let mut new = article(&format!("https://{outlet}/rss"), outlet, "vote", &format!("https://{outlet}/vote"));
        new.title = title.to_string();
        new.snippet = lead.to_string();
        new
    });
    let articles: Vec<_> = fillers.chain(reports).collect();
    store.insert_articles(&articles).expect("insert");
    let report = cluster_pending(&mut store, &Config::default(), Utc::now(), embedder, &parallax_ingest::NoProgress)
        .expect("story stage");
    assert_eq!(report.articles, FILLERS + 2, "every article is placed");
    let mut stories = Vec::new();
    store
        .for_each_story(&mut |story| {
            stories.push(story.articles.len());
            Ok(())
        })
        .expect("stories");
    let together = stories.contains(&2);
    assert!(stories.iter().all(|&size| size <= 2), "story sizes {stories:?}");
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
