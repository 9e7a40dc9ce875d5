//! Writes a synthetic corpus for `scripts/bench-serve.sh`: outlets with
//! ratings, ARTICLES articles grouped into stories of 1 to 15 articles (two
//! on average, as real stories are: 104,657 articles made 52,036 stories),
//! and each story's view, all through the `Store` trait. Titles and
//! snippets are English-like: topic words among common words drawn by
//! frequency (Zipf), so stop words are everywhere, as in real text, and a
//! phrase of them costs what it costs on real data. Prints the story ids,
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
    "council",
    "budget",
    "storm",
    "election",
    "court",
    "bridge",
    "hospital",
    "school",
    "river",
    "police",
    "tariff",
    "minister",
    "senate",
    "strike",
    "market",
    "energy",
    "housing",
    "transit",
    "audit",
    "wildfire",
    "vaccine",
    "harbor",
    "treaty",
    "summit",
    "protest",
    "airport",
    "factory",
    "farmers",
    "museum",
    "stadium",
    "drought",
    "pension",
    "refinery",
    "pipeline",
    "railway",
    "festival",
    "embassy",
    "merger",
    "satellite",
    "glacier",
    "lawsuit",
    "ceasefire",
    "inflation",
    "scandal",
    "verdict",
    "hurricane",
    "earthquake",
    "refugees",
    "subsidy",
    "curfew",
];

/// Common English words, most frequent first (the order of their ranks in
/// general text), drawn by Zipf's law to fill sentences.
const COMMON: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "had",
    "they",
    "you",
    "were",
    "their",
    "one",
    "all",
    "we",
    "can",
    "her",
    "has",
    "there",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "said",
    "officials",
    "new",
    "after",
    "year",
    "people",
    "city",
    "state",
    "government",
    "week",
    "report",
    "two",
    "first",
    "last",
    "over",
    "could",
    "about",
    "than",
    "into",
    "other",
    "some",
    "what",
    "time",
    "up",
    "out",
    "them",
    "only",
    "its",
    "also",
    "may",
    "local",
    "public",
    "plan",
    "since",
    "before",
    "while",
    "under",
    "three",
    "months",
    "told",
    "reporters",
    "statement",
    "expected",
    "according",
    "residents",
    "later",
];

/// Draws words by rank with probability proportional to 1 / (rank + 1).
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(words: usize) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..words)
            .map(|rank| {
                total += 1.0 / (rank as f64 + 1.0);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn draw(&self, rng: &mut Lcg) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let target = (rng.below(1 << 30) as f64 / f64::from(1u32 << 30)) * total;
        self.cumulative.partition_point(|&c| c < target).min(self.cumulative.len() - 1)
    }
}

/// A sentence of `length` words: common words, with a topic word in about
/// one place in four.
fn sentence(rng: &mut Lcg, zipf: &Zipf, topic: &[&str], length: usize) -> String {
    let words: Vec<&str> = (0..length)
        .map(|_| if rng.below(4) == 0 { topic[rng.below(topic.len() as u64) as usize] } else { COMMON[zipf.draw(rng)] })
        .collect();
    let mut text = words.join(" ");
    if let Some(first) = text.get(..1) {
        text = first.to_ascii_uppercase() + &text[1..];
    }
    text + "."
}

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

    // Stories: sizes 1..=15, two on average (each further article with
    // odds of one half), each spread over a few hours, newest last.
    let mut sizes = Vec::new();
    let mut planned = 0;
    while planned < total {
        let mut size = 1;
        while size < 15 && rng.below(2) == 0 {
            size += 1;
        }
        let size = size.min(total - planned);
        sizes.push(size);
        planned += size;
    }
    let zipf = Zipf::new(COMMON.len());
    let mut articles = Vec::with_capacity(total);
    let mut story_of = Vec::with_capacity(total);
    for (story, &size) in sizes.iter().enumerate() {
        let base = start + Duration::minutes(story as i64 * 5);
        let topic: Vec<&str> = (0..3).map(|_| WORDS[rng.below(WORDS.len() as u64) as usize]).collect();
        for n in 0..size {
            let domain = &domains[rng.below(OUTLETS as u64) as usize];
            let index = articles.len();
            let url = format!("https://{domain}/{index}");
            let lead = sentence(&mut rng, &zipf, &topic, 5).trim_end_matches('.').to_lowercase();
            let title = format!("{} {} {}: {lead} (story {story}, part {n})", topic[0], topic[1], topic[2]);
            let snippet = [12, 16, 9]
                .iter()
                .map(|&length| {
                    let length = length + rng.below(6) as usize;
                    sentence(&mut rng, &zipf, &topic, length)
                })
                .collect::<Vec<_>>()
                .join(" ");
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
