//! Real articles by real outlets, grouped by real editors: a sample of the
//! NeuS development set (`../shared/data/neus-dev`, read at run time and
//! never copied into the repository) is served as three outlets' RSS feeds
//! on loopback, ingested by the real binary, and `export stories` is scored
//! against the gold stories by article URL (BCubed, as `eval cluster`).
//! Every exported story's lean counts must match its outlets' ratings
//! exactly.
//!
//! NeuS gives each gold story three articles, one from a left, a center and
//! a right outlet, but does not record which is which: its preparation
//! shuffles the three (HLTCHKUST/framing-bias-metric, `data_process.py`).
//! So the article at position `k` of a story goes to outlet `k` of
//! [`OUTLETS`]: every story is still told once by each of three outlets,
//! and the leans checked are the ratings imported here, not the sides the
//! real articles came from.
//!
//! The full set, in release mode:
//! `cargo test --release -p parallax --test e2e -- --ignored real_articles --nocapture`

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use parallax_cluster::eval::{Scores, bcubed, pairwise};
use serde_json::Value;

use crate::harness::{DataDir, Fixtures, rss_route, run};

/// Gold stories in the default run (1,500 articles): 2.5 s in a debug
/// build on this 2-core machine. Three other seeds score 0.839 to 0.853;
/// 150 stories score 0.898, too few look-alike stories to be as hard as
/// the full set.
const SAMPLE_STORIES: usize = 500;

/// The default run's BCubed F1 must reach this: measured 0.840 (P 0.936,
/// R 0.762); 0.1 below it, for the spread between samples and small
/// changes to the engine.
const SAMPLE_F1_FLOOR: f64 = 0.74;

/// The same for all 2,678 stories: measured 0.747 (P 0.846, R 0.668),
/// which is what `parallax eval cluster` gives on the same articles in a
/// shuffled order (0.745); the file's own order, where each story's three
/// articles are adjacent, gives 0.769.
const FULL_F1_FLOOR: f64 = 0.65;

/// Which gold stories the sample takes.
const SAMPLE_SEED: u64 = 0x5eed_0001;

/// The order of publication over all articles, drawn independently of the
/// story, so time carries no information about the grouping.
const DATE_SEED: u64 = 0x5eed_0002;

/// Publication times are spread evenly, in that random order, over this
/// many seconds from [`FIRST_PUBLISHED`]. 23 hours: within the clusterer's
/// one-day time-decay grace (`cluster.time_decay_grace_secs`), so every
/// pair of articles is as close in time as any other and time neither
/// helps nor hurts; the real articles of a story were published within
/// hours of each other, which NeuS does not record. Over two days instead
/// (pairs up to a day beyond the grace), the sample scores 0.834.
const SPAN_SECS: i64 = 23 * 3600;

/// 2024-06-01T00:00:00Z: in the past, so no date is replaced by the fetch
/// time as a future date would be.
const FIRST_PUBLISHED: i64 = 1_717_200_000;

/// `(outlet, rated lean)`: the feed that gets each story's article at that
/// position.
const OUTLETS: [(&str, &str); 3] =
    [("left-neus.test", "left"), ("center-neus.test", "center"), ("right-neus.test", "right")];

/// The articles' pages are not served (NeuS has only title and lead), so
/// the full-text stage would only wait on hosts that do not exist.
pub(crate) const CONFIG: &str = "[fulltext]\nenabled = false\n";

pub(crate) struct Article {
    id: String,
    title: String,
    lead: String,
}

pub(crate) struct GoldStory {
    id: String,
    articles: Vec<Article>,
}

/// The shared data folder: `PARALLAX_SHARED_DATA`, else `../shared/data`
/// beside the workspace.
fn neus_dir() -> PathBuf {
    let shared = std::env::var_os("PARALLAX_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    shared.join("neus-dev")
}

fn json_lines(text: &str, file: &str) -> Vec<Value> {
    text.lines()
        .enumerate()
        .map(|(index, line)| serde_json::from_str(line).unwrap_or_else(|error| panic!("{file}:{}: {error}", index + 1)))
        .collect()
}

fn field<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name].as_str().unwrap_or_else(|| panic!("no string {name:?} in {value}"))
}

/// Every gold story with its articles in the order `stories.jsonl` lists
/// them, checked against `gold.jsonl`; `None` when the data is absent.
fn load() -> Option<Vec<GoldStory>> {
    let dir = neus_dir();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let (Some(stories), Some(input), Some(gold)) =
        (read("stories.jsonl"), read("cluster-in.jsonl"), read("gold.jsonl"))
    else {
        eprintln!(
            "real_articles: skipped, {} not found (set PARALLAX_SHARED_DATA to the shared data folder)",
            dir.display()
        );
        return None;
    };
    let mut texts: HashMap<String, (String, String)> = json_lines(&input, "cluster-in.jsonl")
        .iter()
        .map(|line| {
            (field(line, "id").to_string(), (field(line, "title").to_string(), field(line, "text").to_string()))
        })
        .collect();
    let gold: HashMap<String, String> = json_lines(&gold, "gold.jsonl")
        .iter()
        .map(|line| (field(line, "id").to_string(), field(line, "story").to_string()))
        .collect();
    let stories = json_lines(&stories, "stories.jsonl")
        .iter()
        .map(|line| {
            let id = field(line, "story").to_string();
            let articles: Vec<Article> = line["articles"]
                .as_array()
                .unwrap_or_else(|| panic!("no articles in {line}"))
                .iter()
                .map(|article| {
                    let article = article.as_str().unwrap_or_else(|| panic!("article id in {line}"));
                    assert_eq!(gold.get(article), Some(&id), "gold.jsonl and stories.jsonl disagree on {article}");
                    let (title, lead) =
                        texts.remove(article).unwrap_or_else(|| panic!("{article} not in cluster-in.jsonl"));
                    Article { id: article.to_string(), title, lead }
                })
                .collect();
            assert_eq!(articles.len(), OUTLETS.len(), "story {id} is not told by three outlets");
            GoldStory { id, articles }
        })
        .collect();
    Some(stories)
}

/// SplitMix64's finaliser over an FNV-1a hash of `text`: a deterministic
/// pseudo-random number per `(seed, text)`.
fn pseudo_random(seed: u64, text: &str) -> u64 {
    let mut z = text
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3));
    z = (z ^ seed).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `count` stories chosen by [`SAMPLE_SEED`] (all of them when `count` is
/// at least their number).
fn sample(mut stories: Vec<GoldStory>, count: usize) -> Vec<GoldStory> {
    stories.sort_by_cached_key(|story| pseudo_random(SAMPLE_SEED, &story.id));
    stories.truncate(count);
    stories
}

/// Each article's publication time: distinct seconds (so publication order,
/// which the clusterer follows, never depends on which feed was stored
/// first), in an order drawn from the article id alone.
fn publication_times(stories: &[GoldStory]) -> HashMap<String, DateTime<Utc>> {
    let mut ids: Vec<&str> = stories.iter().flat_map(|s| &s.articles).map(|a| a.id.as_str()).collect();
    ids.sort_by_cached_key(|id| pseudo_random(DATE_SEED, id));
    let step = SPAN_SECS / ids.len().max(1) as i64;
    assert!(step >= 1, "more articles than seconds in the span");
    ids.iter()
        .enumerate()
        .map(|(rank, id)| {
            let at = DateTime::from_timestamp(FIRST_PUBLISHED + rank as i64 * step, 0).expect("a valid date");
            (id.to_string(), at)
        })
        .collect()
}

fn article_url(outlet: &str, id: &str) -> String {
    format!("https://{outlet}/a/{id}")
}

/// The outlet of an exported article's URL: its host.
fn url_host(url: &str) -> &str {
    let rest = url.strip_prefix("https://").unwrap_or_else(|| panic!("not an https URL: {url}"));
    rest.split_once('/').map_or(rest, |(host, _)| host)
}

fn xml_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Outlet number `position`'s RSS 2.0 feed: its article of every story.
fn feed(position: usize, stories: &[GoldStory], published: &HashMap<String, DateTime<Utc>>) -> String {
    let outlet = OUTLETS[position].0;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{outlet}</title>\
         <link>https://{outlet}/</link><description>NeuS articles</description>\n"
    );
    for story in stories {
        let article = &story.articles[position];
        let link = xml_escape(&article_url(outlet, &article.id));
        xml.push_str(&format!(
            "<item><title>{}</title><link>{link}</link><guid isPermaLink=\"true\">{link}</guid>\
             <pubDate>{}</pubDate><description>{}</description></item>\n",
            xml_escape(&article.title),
            published[&article.id].to_rfc2822(),
            xml_escape(&article.lead),
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

/// Serves `count` gold stories as three feeds, ingests and exports them,
/// checks every story's coverage and returns the BCubed scores, or `None`
/// when the data is absent.
/// `count` sampled gold stories served on loopback as the three outlets'
/// RSS feeds, rated and registered in `dir`; the server and the sample, or
/// `None` when the data is absent. `dir`'s configuration should include
/// [`CONFIG`].
pub(crate) fn serve_sample(dir: &DataDir, count: usize) -> Option<(Fixtures, Vec<GoldStory>)> {
    let stories = sample(load()?, count);
    let published = publication_times(&stories);
    let routes = (0..OUTLETS.len())
        .map(|position| {
            let outlet = OUTLETS[position].0;
            (format!("/{outlet}.xml"), rss_route(feed(position, &stories, &published).into_bytes(), outlet))
        })
        .collect();
    let fixtures = Fixtures::start(routes);
    dir.import_ratings(&OUTLETS.iter().map(|&(outlet, lean)| (outlet, lean, "high", "", "")).collect::<Vec<_>>());
    dir.register(
        &OUTLETS
            .iter()
            .map(|(outlet, _)| (fixtures.url(&format!("/{outlet}.xml")), outlet.to_string()))
            .collect::<Vec<_>>(),
    );
    Some((fixtures, stories))
}

fn check_real_grouping(count: usize) -> Option<Scores> {
    let dir = DataDir::new(CONFIG);
    let (_fixtures, stories) = serve_sample(&dir, count)?;
    let articles = stories.len() * OUTLETS.len();
    let ingest = dir.ingest(&["--allow-private-networks"]);
    assert!(ingest.failed.is_empty(), "{}", ingest.stdout);
    assert_eq!((ingest.articles_new, ingest.stories_placed), (articles, articles), "{}", ingest.stdout);

    let export = run(dir.command(&["export", "stories"]));
    assert!(export.status.success(), "{}", export.describe());
    let exported: Vec<Value> = json_lines(&export.stdout, "export stories");

    let side: BTreeMap<&str, &str> = OUTLETS.into_iter().collect();
    let mut predicted: Vec<(String, String)> = Vec::with_capacity(articles);
    for story in &exported {
        let id = story["id"].to_string();
        let members = story["articles"].as_array().unwrap_or_else(|| panic!("no articles in {story}"));
        let mut outlets = BTreeSet::new();
        for article in members {
            let url = field(article, "url");
            assert_eq!(field(article, "outlet"), url_host(url), "outlet of {url}");
            outlets.insert(url_host(url).to_string());
            predicted.push((url.to_string(), id.clone()));
        }
        let count_side =
            |wanted: Option<&str>| outlets.iter().filter(|outlet| side.get(outlet.as_str()).copied() == wanted).count();
        let coverage = &story["coverage"];
        let expected_lean = serde_json::json!({
            "left": count_side(Some("left")),
            "center": count_side(Some("center")),
            "right": count_side(Some("right")),
            "disputed": 0,
            "unrated": count_side(None),
        });
        assert_eq!(coverage["lean"], expected_lean, "lean counts of story {id}");
        assert_eq!(coverage["articles"], members.len(), "article count of story {id}");
        assert_eq!(coverage["outlets"], outlets.len(), "outlet count of story {id}");
    }

    let gold: Vec<(String, String)> = stories
        .iter()
        .flat_map(|story| {
            story
                .articles
                .iter()
                .enumerate()
                .map(|(position, article)| (article_url(OUTLETS[position].0, &article.id), story.id.clone()))
        })
        .collect();
    let mut placed: BTreeMap<&str, usize> = BTreeMap::new();
    for (url, _) in &predicted {
        *placed.entry(url.as_str()).or_default() += 1;
    }
    let sampled: BTreeSet<&str> = gold.iter().map(|(url, _)| url.as_str()).collect();
    assert_eq!(placed.keys().copied().collect::<BTreeSet<_>>(), sampled, "exported articles vs the sample");
    let repeated: Vec<_> = placed.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "articles in several stories: {repeated:?}");

    let scores = bcubed(&predicted, &gold);
    eprintln!(
        "real_articles: {} gold stories, {articles} articles -> {} stories; BCubed {scores}; pairwise {}",
        stories.len(),
        exported.len(),
        pairwise(&predicted, &gold)
    );
    assert_eq!(scores.items, articles);
    Some(scores)
}

#[test]
fn real_articles_group_as_their_outlets_grouped_them() {
    if let Some(scores) = check_real_grouping(SAMPLE_STORIES) {
        assert!(scores.f1 >= SAMPLE_F1_FLOOR, "BCubed F1 {} below {SAMPLE_F1_FLOOR}", scores.f1);
    }
}

#[test]
#[ignore = "all 2,678 stories of ../shared/data/neus-dev; run in release with --ignored --nocapture"]
fn all_real_articles_group_as_their_outlets_grouped_them() {
    if let Some(scores) = check_real_grouping(usize::MAX) {
        assert!(scores.f1 >= FULL_F1_FLOOR, "BCubed F1 {} below {FULL_F1_FLOOR}", scores.f1);
    }
}
