//! Writes a synthetic corpus for `scripts/bench-serve.sh`: outlets with
//! ratings, ARTICLES articles grouped into stories of 1 to 15 articles, and
//! each story's view, all through the `Store` trait. Prints the story ids,
//! one a line, for the load generator to pick from.
//!
//! Usage: bench_corpus DATA_DIR ARTICLES [START]
//!
//! START (RFC 3339, default 2026-01-01T00:00:00Z) is the first story's
//! time; stories follow five minutes apart.

use std::collections::HashMap;
use std::io::Write;

use chrono::{Duration, TimeZone, Utc};
use parallax_core::{Bullet, FeedSource, Lean, NewArticle, Rating, Sides, StoryView};
use parallax_coverage::{BlindspotConfig, CoveredArticle, OutletProfile};
use parallax_store::{SqliteStore, Store, StoryAssignment};

const OUTLETS: usize = 120;
const BATCH: usize = 2_000;

/// A small deterministic generator, so every run writes the same corpus.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "council", "budget", "storm", "election", "court", "bridge", "hospital", "school", "river", "police", "tariff",
    "minister", "senate", "strike", "market", "energy", "housing", "transit", "audit", "wildfire", "vaccine", "harbor",
    "treaty", "summit", "protest", "airport", "factory", "farmers", "museum", "stadium",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(total)) = (args.next(), args.next()) else {
        return Err("usage: bench_corpus DATA_DIR ARTICLES [START]".into());
    };
    let start = match args.next() {
        Some(start) => chrono::DateTime::parse_from_rfc3339(&start)?.with_timezone(&Utc),
        None => Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().ok_or("bad start time")?,
    };
    let total: usize = total.parse()?;
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let mut store = SqliteStore::open(&dir.join(parallax_server::server::DATABASE_FILE))?;
    let mut rng = Lcg(0x5eed);

    let domains: Vec<String> = (0..OUTLETS).map(|i| format!("outlet{i:03}.example")).collect();
    let ratings: Vec<Rating> = domains
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 10 != 9)
        .map(|(i, domain)| Rating {
            outlet: domain.clone(),
            outlet_name: Some(format!("Outlet {i:03}")),
            provider: "bench".into(),
            version: "2026".into(),
            source_file: "bench.csv".into(),
            lean: Some(Lean::ALL[i % 7]),
            factuality: Some(parallax_core::Factuality::ALL[i % 6]),
            owner: Some(format!("Owner {}", i % 17)),
            ownership: Some(["corporate", "nonprofit", "private", "public"][i % 4].into()),
            ..Rating::default()
        })
        .collect();
    let feeds: Vec<FeedSource> = domains
        .iter()
        .map(|d| FeedSource {
            url: format!("https://{d}/rss"),
            outlet: d.clone(),
            title: Some(format!("{d} news")),
            language: Some("en".into()),
            categories: Vec::new(),
        })
        .collect();
    store.import(&[], &ratings, &feeds)?;
    let profiles: HashMap<String, OutletProfile> = domains
        .iter()
        .map(|d| {
            let mine: Vec<Rating> = ratings.iter().filter(|r| &r.outlet == d).cloned().collect();
            (d.clone(), OutletProfile::combine(&mine))
        })
        .collect();

    // Stories: sizes 1..=15, each spread over a few hours, newest last.
    let mut sizes = Vec::new();
    let mut planned = 0;
    while planned < total {
        let size = (1 + rng.below(15) as usize).min(total - planned);
        sizes.push(size);
        planned += size;
    }
    let mut articles = Vec::with_capacity(total);
    let mut story_of = Vec::with_capacity(total);
    for (story, &size) in sizes.iter().enumerate() {
        let base = start + Duration::minutes(story as i64 * 5);
        let topic: Vec<&str> = (0..3).map(|_| WORDS[rng.below(WORDS.len() as u64) as usize]).collect();
        for n in 0..size {
            let domain = &domains[rng.below(OUTLETS as u64) as usize];
            let index = articles.len();
            let url = format!("https://{domain}/{index}");
            let title = format!("{} {} {}: report {story} part {n}", topic[0], topic[1], topic[2]);
            let snippet = format!(
                "The {} story number {story} continues as officials discuss the {} and the {}. More details emerged on the {} today.",
                topic[0], topic[1], topic[2], topic[0]
            );
            articles.push(NewArticle {
                outlet: domain.clone(),
                feed: format!("https://{domain}/rss"),
                guid: url.clone(),
                url,
                title,
                snippet: snippet.clone(),
                content_html: format!("<p>{snippet}</p>"),
                truncated: false,
                language: Some("en".into()),
                language_confidence: 0.9,
                published: base + Duration::minutes(rng.below(240) as i64),
                date_flag: None,
                fetched: base,
                categories: Vec::new(),
            });
            story_of.push(story);
        }
    }
    for batch in articles.chunks(BATCH) {
        store.insert_articles(batch)?;
    }

    // Ids are given in insertion order in a fresh database; read them back.
    let stored = store.unclustered_articles(usize::MAX)?;
    let id_of: HashMap<&str, i64> = stored.iter().map(|a| (a.article.url.as_str(), a.id)).collect();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); sizes.len()];
    for (index, &story) in story_of.iter().enumerate() {
        members[story].push(index);
    }
    let mut assignments = Vec::with_capacity(total);
    let mut views = Vec::with_capacity(sizes.len());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for indexes in &members {
        let ids: Vec<i64> = indexes.iter().filter_map(|&i| id_of.get(articles[i].url.as_str()).copied()).collect();
        let Some(&story) = ids.iter().min() else { continue };
        for &id in &ids {
            assignments.push(StoryAssignment { article: id, story, copy_of: None });
        }
        let covered: Vec<CoveredArticle<'_>> = indexes
            .iter()
            .zip(&ids)
            .map(|(&i, &id)| CoveredArticle {
                id,
                outlet: &articles[i].outlet,
                url: &articles[i].url,
                title: &articles[i].title,
                published: articles[i].published,
                copy_of: None,
            })
            .collect();
        let coverage = parallax_coverage::coverage(&covered, &profiles, &BlindspotConfig::default());
        let bullets: Vec<Bullet> = indexes
            .iter()
            .zip(&ids)
            .take(4)
            .map(|(&i, &id)| Bullet { text: articles[i].snippet.clone(), article: id })
            .collect();
        let view = StoryView {
            title: articles[indexes[0]].title.clone(),
            sides: Sides { left: bullets[..1].to_vec(), center: Vec::new(), right: Vec::new() },
            bullets,
            coverage,
            disagreements: Vec::new(),
            ..StoryView::default()
        };
        views.push((story, view));
        writeln!(out, "{story}")?;
    }
    for chunk in assignments.chunks(BATCH * 5) {
        store.assign_stories(chunk, &[], Utc::now())?;
    }
    for chunk in views.chunks(BATCH) {
        store.set_story_views(chunk)?;
    }
    // The views above already count the ratings: nothing is left for a
    // round's re-rated stage to recount.
    let touched = store.touched_outlets(usize::MAX)?;
    store.forget_touched_outlets(&touched)?;
    out.flush()?;
    let counts = store.counts()?;
    eprintln!("bench corpus: {} articles, {} stories, {} outlets", counts.articles, counts.stories, counts.outlets);
    Ok(())
}
