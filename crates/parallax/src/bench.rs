//! `parallax bench`: speed figures on generated data, printed, never asserted.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use parallax_core::{Config, FeedSource};
use parallax_feed::FeedContext;
use parallax_ingest::{IngestOptions, NoProgress};
use parallax_store::{SqliteStore, Store};
use parallax_testkit::{FixtureServer, Route};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Parse+clean throughput on one core, then a whole `ingest` against the
    /// same feeds served on loopback.
    Ingest(IngestBenchArgs),
}

#[derive(Debug, Args)]
pub struct IngestBenchArgs {
    /// How many feeds to generate.
    #[arg(long, default_value_t = 300)]
    feeds: usize,
    /// Items per feed.
    #[arg(long, default_value_t = 50)]
    items: usize,
    /// Seconds to spend repeating the parse+clean pass, for a stable figure.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
}

pub fn run(command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Ingest(args) => bench_ingest(&args),
    }
}

fn bench_ingest(args: &IngestBenchArgs) -> Result<()> {
    let corpus = generate_feeds(args.feeds, args.items, 0x5eed);
    let bytes: usize = corpus.iter().map(|feed| feed.body.len()).sum();
    println!("corpus: {} feeds x {} items, {:.1} MB of RSS", corpus.len(), args.items, bytes as f64 / 1e6);

    let config = Config::default();
    let fetched = chrono::Utc::now();
    let started = Instant::now();
    let mut passes = 0u32;
    let mut articles = 0usize;
    while passes == 0 || started.elapsed() < Duration::from_secs_f64(args.seconds) {
        for feed in &corpus {
            let url = format!("http://bench.invalid/{}", feed.name);
            let context = FeedContext { feed_url: &url, outlet: "bench.invalid", fetched, content_type: None };
            let parsed = parallax_feed::parse_feed(&feed.body, &context, &config.clean)
                .with_context(|| format!("generated feed {} did not parse", feed.name))?;
            articles += parsed.articles.len();
        }
        passes += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "parse+clean (1 core): {:.1} MB/s, {:.0} articles/s ({passes} passes in {elapsed:.2} s)",
        (bytes as f64 * f64::from(passes)) / 1e6 / elapsed,
        articles as f64 / elapsed
    );

    let routes = corpus
        .iter()
        .map(|feed| {
            let route = Route::Body {
                status: 200,
                headers: vec![("Content-Type".into(), "application/rss+xml".into())],
                body: feed.body.clone(),
            };
            (format!("/{}", feed.name), route)
        })
        .collect();
    let server = FixtureServer::start(routes).context("cannot start the loopback feed server")?;
    let dir = tempfile::tempdir().context("cannot create a temporary data directory")?;
    let mut store = SqliteStore::open(&dir.path().join("bench.sqlite"))?;
    let sources: Vec<FeedSource> = corpus
        .iter()
        .enumerate()
        .map(|(i, feed)| FeedSource {
            url: server.url(&format!("/{}", feed.name)),
            outlet: format!("outlet{}.bench", i % 100),
            title: None,
            language: None,
            categories: Vec::new(),
        })
        .collect();
    store.import(&[], &[], &sources)?;
    let mut config = Config::default();
    config.fetch.allow_private_networks = true;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let started = Instant::now();
    let feeds = store.feeds(None)?;
    let summary = runtime.block_on(parallax_ingest::ingest(
        &mut store,
        feeds,
        &config,
        &IngestOptions::default(),
        &NoProgress,
    ))?;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "ingest over loopback (all cores, SQLite): {} feeds, {} articles stored in {elapsed:.2} s: {:.0} feeds/s, {:.0} articles/s, {} failed",
        summary.fetched,
        summary.articles_new,
        summary.fetched as f64 / elapsed,
        summary.articles_new as f64 / elapsed,
        summary.failed.len()
    );
    Ok(())
}

/// One generated feed: a file name and its RSS bytes.
struct GeneratedFeed {
    name: String,
    body: Vec<u8>,
}

/// Words drawn on to fill titles and descriptions; real news vocabulary so
/// the language detector and cleaner do realistic work.
const WORDS: &[&str] = &[
    "president",
    "minister",
    "government",
    "election",
    "parliament",
    "talks",
    "ceasefire",
    "Ukraine",
    "Russia",
    "economy",
    "inflation",
    "rates",
    "court",
    "ruling",
    "police",
    "officials",
    "said",
    "on",
    "Thursday",
    "after",
    "the",
    "a",
    "of",
    "in",
    "to",
    "and",
    "with",
    "for",
    "new",
    "report",
    "sources",
    "according",
    "city",
    "storm",
    "million",
    "percent",
    "billion",
    "vote",
    "senate",
    "congress",
    "leaders",
    "summit",
    "climate",
    "energy",
    "prices",
    "market",
    "shares",
    "company",
    "deal",
    "talks",
    "strike",
    "workers",
    "hospital",
    "health",
    "school",
];

/// Deterministic RSS 2.0 feeds with the shapes real feeds have: HTML in
/// descriptions, entities, CDATA, a few links and images per item.
fn generate_feeds(feeds: usize, items: usize, seed: u64) -> Vec<GeneratedFeed> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let words = |n: usize, next: &mut dyn FnMut() -> u64| -> String {
        (0..n).map(|_| WORDS[(next() % WORDS.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
    };
    (0..feeds)
        .map(|f| {
            let mut xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Bench feed {f}</title>\
                 <link>https://outlet{f}.example/</link><description>Generated</description>\n"
            );
            for i in 0..items {
                let title = words(10, &mut next);
                let paragraphs: Vec<String> = (0..4)
                    .map(|_| format!("<p>{} &amp; {} &#8217;s <a href=\"https://outlet{f}.example/x?utm_source=rss\">{}</a>.</p>", words(30, &mut next), words(5, &mut next), words(3, &mut next)))
                    .collect();
                xml.push_str(&format!(
                    "<item><title><![CDATA[{title}]]></title><link>https://outlet{f}.example/{i}?utm_medium=feed</link>\
                     <guid>outlet{f}-{i}</guid><pubDate>Mon, 23 Nov 2026 10:{:02}:00 GMT</pubDate>\
                     <description><![CDATA[<img src=\"https://outlet{f}.example/{i}.jpg\"/>{}]]></description></item>\n",
                    i % 60,
                    paragraphs.join("")
                ));
            }
            xml.push_str("</channel></rss>\n");
            GeneratedFeed { name: format!("feed{f}.xml"), body: xml.into_bytes() }
        })
        .collect()
}
